//! Load plus full audit of synthetic clusters (performance.md, G1). Run with `cargo bench`.
//!
//! The 50k and 150k figures of BENCHMARKS.md come from the real binary under `/usr/bin/time -v`,
//! which also gives the peak RSS; this harness measures 10k pods repeatedly and the audit alone.

use kvet::audit::{self, AuditOptions};
use kvet::model::decode::DecodeOptions;
use kvet::model::SourceKind;
use kvet::source::offline::load_texts;
use std::sync::LazyLock;

fn main() {
    divan::main();
}

static SYNTH_10K: LazyLock<String> = LazyLock::new(|| {
    let mut out = Vec::new();
    let _ = kvet::synth::write(&kvet::synth::Params::for_pods(10_000, 1), &mut out);
    String::from_utf8(out).unwrap_or_default()
});

#[divan::bench(sample_count = 5, sample_size = 1)]
fn load_and_audit_10k_pods() -> usize {
    let loaded = load_texts(&[("synth", &SYNTH_10K)], &DecodeOptions::default(), SourceKind::Offline, "synth");
    audit::run(&loaded.snapshot, &AuditOptions::default()).findings.len()
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn audit_only_10k_pods(bencher: divan::Bencher) {
    let loaded = load_texts(&[("synth", &SYNTH_10K)], &DecodeOptions::default(), SourceKind::Offline, "synth");
    bencher.bench(|| audit::run(&loaded.snapshot, &AuditOptions::default()).findings.len());
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn audit_demo() -> usize {
    let loaded = kvet::source::demo::load();
    audit::run(&loaded.snapshot, &AuditOptions::default()).findings.len()
}
