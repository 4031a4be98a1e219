//! Load plus full audit of synthetic clusters at 10k, 50k and 150k pods (performance.md, G1).
//!
//! `cargo bench --bench audit` runs them all (about two minutes on 2 cores). Peak RSS comes from
//! the real binary under `/usr/bin/time -v` (see BENCHMARKS.md); this harness gives wall time.

use kvet::audit::{self, AuditOptions};
use kvet::model::decode::DecodeOptions;
use kvet::model::SourceKind;
use kvet::source::offline::load_texts;

fn main() {
    divan::main();
}

/// The synthetic cluster of `pods` pods, loaded as `kvet audit -f` loads a file.
fn snapshot_of(text: &str) -> kvet::model::Snapshot {
    load_texts(
        &[("synth", text)],
        &DecodeOptions::default(),
        SourceKind::Offline,
        "synth",
    )
    .snapshot
}

fn snapshot_150k() -> kvet::model::Snapshot {
    snapshot_of(&synth(150_000))
}

fn synth(pods: usize) -> String {
    let mut out = Vec::new();
    let _ = kvet::synth::write(&kvet::synth::Params::for_pods(pods, 1), &mut out);
    String::from_utf8(out).unwrap_or_default()
}

#[divan::bench(args = [10_000, 50_000, 150_000], sample_count = 3, sample_size = 1)]
fn load_and_audit(bencher: divan::Bencher, pods: usize) {
    let text = synth(pods);
    bencher.bench(|| {
        let loaded = load_texts(
            &[("synth", &text)],
            &DecodeOptions::default(),
            SourceKind::Offline,
            "synth",
        );
        audit::run(&loaded.snapshot, &AuditOptions::default())
            .findings
            .len()
    });
}

#[divan::bench(args = [10_000, 50_000], sample_count = 5, sample_size = 1)]
fn audit_only(bencher: divan::Bencher, pods: usize) {
    let snap = snapshot_of(&synth(pods));
    bencher.bench(|| audit::run(&snap, &AuditOptions::default()).findings.len());
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn demo_load_and_audit() -> usize {
    let loaded = kvet::source::demo::load();
    audit::run(&loaded.snapshot, &AuditOptions::default())
        .findings
        .len()
}

/// G9: the preview of a fix (plan, local patch and diff) on the 150k-pod snapshot. The object
/// is read once, outside the measurement (`kvet fix` reads it from its file, line by line).
#[divan::bench(sample_count = 20)]
fn fix_preview_150k_pods(bencher: divan::Bencher) {
    let text = synth(150_000);
    let snap = &snapshot_of(&text);
    let findings = audit::run(snap, &AuditOptions::default()).findings;
    let Some(finding) = findings
        .iter()
        .find(|f| f.check == "requests-missing" || f.check == "prestop-missing")
    else {
        return;
    };
    let Some(origin) = finding.origin else { return };
    let Ok(object) = kvet::source::document::object_from_text(&text, &finding.object, origin.line)
    else {
        return;
    };
    let settings = std::collections::BTreeMap::new();
    bencher.bench(|| {
        let plan = kvet::fix::plan(&kvet::fix::FixInput {
            snap,
            finding,
            object: &object,
            server_minor: None,
            pdb_api_version: "policy/v1",
            settings: &settings,
        });
        plan.and_then(|p| kvet::fix::preview(&object, p))
            .map(|p| p.diff.len())
            .unwrap_or(0)
    });
}

const RBAC_CHECKS: [&str; 9] = [
    "rbac-cluster-admin",
    "rbac-wildcard",
    "rbac-escalation",
    "rbac-secrets-read",
    "rbac-exec",
    "rbac-node-proxy",
    "rbac-default-sa",
    "rbac-broad-binding",
    "rbac-dangling",
];

/// The rbac family alone on a built snapshot, against `audit_only` (every check).
#[divan::bench(args = [50_000, 150_000], sample_count = 5, sample_size = 1)]
fn rbac_family_only(bencher: divan::Bencher, pods: usize) {
    let snap = snapshot_of(&synth(pods));
    let opts = AuditOptions {
        only: Some(RBAC_CHECKS.iter().map(|s| s.to_string()).collect()),
        ..AuditOptions::default()
    };
    bencher.bench(|| audit::run(&snap, &opts).findings.len());
}

/// G9: one who-can answer on the 150k-pod snapshot (15,000 RoleBindings, 15,000 Roles).
#[divan::bench(sample_count = 20)]
fn who_can_150k_pods(bencher: divan::Bencher) {
    let snap = &snapshot_150k();
    eprintln!(
        "who-can snapshot: {} bindings, {} roles",
        snap.bindings.len(),
        snap.roles.len()
    );
    let req = kvet::rbac::Request {
        verb: "get".into(),
        namespace: Some("ns-0001".into()),
        target: kvet::rbac::Target::parse("configmaps", None, None),
    };
    bencher.bench(|| {
        let g = kvet::rbac::Graph::new(snap);
        kvet::rbac::who_can(&g, &req).len()
    });
}

/// G9: the drain simulation of one node on the 150k-pod snapshot, the planner (per-node and
/// per-namespace pod lists) built inside the measurement, as `kvet drain` and `d` do.
#[divan::bench(sample_count = 20)]
fn drain_one_node_150k_pods(bencher: divan::Bencher) {
    let snap = snapshot_150k();
    let node = snap.nodes[snap.nodes.len() / 2].meta.name.to_string();
    eprintln!(
        "drain snapshot: {} nodes, {} pods, {} PDBs",
        snap.nodes.len(),
        snap.pods.len(),
        snap.pdbs.len()
    );
    bencher.bench(|| {
        let planner = kvet::drain::Planner::new(&snap);
        planner
            .simulate(
                &kvet::drain::Scope::Node(node.clone()),
                kvet::drain::Options::default(),
            )
            .map(|r| r.pods.len())
            .unwrap_or(0)
    });
}

/// The Nodes view's badges: every node's drain verdict on the 150k-pod snapshot (computed off
/// the UI thread).
#[divan::bench(sample_count = 5, sample_size = 1)]
fn drain_badges_every_node_150k_pods(bencher: divan::Bencher) {
    let snap = snapshot_150k();
    bencher.bench(|| kvet::drain::summaries(&snap).len());
}

/// G9: one `reach` answer on the 150k-pod snapshot (engine built inside the measurement).
#[divan::bench(sample_count = 20)]
fn reach_one_answer_150k_pods(bencher: divan::Bencher) {
    let snap = snapshot_150k();
    let classes = kvet::netpol::classes(&snap, None);
    let (Some(a), Some(b)) = (classes.first(), classes.get(classes.len() / 2)) else {
        return;
    };
    let (a, b) = (
        kvet::netpol::Endpoint::Pod(a.clone()),
        kvet::netpol::Endpoint::Pod(b.clone()),
    );
    bencher.bench(|| {
        let engine = kvet::netpol::Engine::new(&snap);
        engine
            .decide(&a, &b, 8080, kvet::netpol::Protocol::Tcp)
            .allowed
    });
}

/// G5 at 10k pods: the synthetic cluster plus policies up to 500 (team-to-team rules by
/// label), as `kvet reach --matrix` computes it: classes, engine and the bitset matrix.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn reach_matrix_10k_pods_500_policies(bencher: divan::Bencher) {
    const TEAMS: &[&str] = &[
        "checkout", "search", "billing", "auth", "catalog", "media", "ledger", "notify",
    ];
    let mut text = synth(10_000);
    let base = snapshot_of(&text);
    let namespaces = base.namespaces.len().max(1);
    for i in base.netpols.len()..500 {
        text.push_str(&format!(
            "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: extra-{i}\n  namespace: ns-{:04}\nspec:\n  podSelector:\n    matchLabels: {{team: {}}}\n  ingress:\n  - from:\n    - namespaceSelector:\n        matchLabels: {{team: {}}}\n    ports:\n    - {{protocol: TCP, port: 8080}}\n",
            i % namespaces,
            TEAMS[i % TEAMS.len()],
            TEAMS[(i + 3) % TEAMS.len()]
        ));
    }
    let snap = snapshot_of(&text);
    assert_eq!(snap.netpols.len(), 500);
    report_matrix("10k pods, 500 policies", &snap);
    bencher.bench(|| matrix_of(&snap).merged);
}

/// G5 at 150k pods.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn reach_matrix_150k_pods(bencher: divan::Bencher) {
    let snap = snapshot_150k();
    report_matrix("150k pods", &snap);
    bencher.bench(|| matrix_of(&snap).merged);
}

fn matrix_of(snap: &kvet::model::Snapshot) -> kvet::netpol::matrix::Matrix {
    let engine = kvet::netpol::Engine::new(snap);
    let classes = kvet::netpol::classes(snap, None);
    kvet::netpol::matrix::matrix(&engine, &classes, 8080, kvet::netpol::Protocol::Tcp)
}

/// The memory the matrix adds, from the kernel: the peak resident set is reset
/// (`/proc/self/clear_refs`), then read after the matrix is built (Linux only).
fn report_matrix(what: &str, snap: &kvet::model::Snapshot) {
    let status = |key: &str| -> Option<u64> {
        let s = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = s.lines().find(|l| l.starts_with(key))?;
        line.split_whitespace().nth(1)?.parse().ok()
    };
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = status("VmRSS:");
    let m = matrix_of(snap);
    let peak = status("VmHWM:");
    let pods = kvet::netpol::classes(snap, None).len();
    if let (Some(b), Some(p)) = (before, peak) {
        eprintln!(
            "{what}: {} policies, {pods} workload classes, {} merged; answer {} MiB; peak RSS +{} MiB",
            snap.netpols.len(),
            m.merged,
            m.bytes() >> 20,
            p.saturating_sub(b) >> 10
        );
    }
}

/// The checks of issue 12 (the deprecated APIs, quotas, security context and Helm families), run
/// alone on the 150k-pod snapshot, against every check: their share of the audit.
fn issue_12_checks() -> Vec<String> {
    use kvet::audit::Family;
    kvet::audit::registry()
        .iter()
        .map(|c| c.info())
        .filter(|i| {
            matches!(
                i.family,
                Family::Deprecations | Family::Quotas | Family::Security | Family::Helm
            )
        })
        .map(|i| i.id.to_string())
        .collect()
}

/// Any check ID is also an argument: add one to see it alone (each loads the 150k snapshot).
#[divan::bench(args = ["every check", "issue 12 checks only", "automount-token"], sample_count = 3, sample_size = 1)]
fn checks_150k_pods(bencher: divan::Bencher, which: &str) {
    let snap = snapshot_150k();
    let only = match which {
        "every check" => None,
        "issue 12 checks only" => Some(issue_12_checks()),
        one => Some(vec![one.to_string()]),
    };
    let opts = AuditOptions {
        only,
        ..AuditOptions::default()
    };
    bencher.bench(|| audit::run(&snap, &opts).findings.len());
}

/// The 150k-pod cluster with 300k events (two per pod: a BackOff and an Unhealthy on every
/// tenth pod's, the rest Normal scheduling noise), as a live snapshot would hold them.
fn snapshot_150k_with_events() -> kvet::model::Snapshot {
    let mut text = synth(150_000);
    let names: Vec<(String, String)> = {
        let snap = snapshot_of(&text);
        snap.pods
            .iter()
            .map(|p| (p.meta.namespace().to_string(), p.meta.name.to_string()))
            .collect()
    };
    for (i, (ns, name)) in names.iter().enumerate() {
        for k in 0..2 {
            let (reason, kind) = match (i % 10, k) {
                (0, 0) => ("BackOff", "Warning"),
                (0, 1) => ("Unhealthy", "Warning"),
                _ => ("Scheduled", "Normal"),
            };
            text.push_str(&format!(
                "---\napiVersion: v1\nkind: Event\nmetadata: {{name: {name}.{k}, namespace: {ns}}}\ninvolvedObject: {{kind: Pod, namespace: {ns}, name: {name}}}\nreason: {reason}\nmessage: \"event {k} of {name}\"\ntype: {kind}\ncount: 3\nlastTimestamp: \"2026-12-03T08:00:0{k}Z\"\n"
            ));
        }
    }
    let snap = snapshot_of(&text);
    eprintln!(
        "triage bench: {} pods, {} events kept, {} dropped",
        snap.pods.len(),
        snap.events.len(),
        snap.events_dropped
    );
    snap
}

/// Issue 20: triage over the 150k-pod snapshot with 300k events (goal ≤ 100 ms).
#[divan::bench(sample_count = 5, sample_size = 1)]
fn triage_150k_pods_300k_events(bencher: divan::Bencher) {
    let snap = snapshot_150k_with_events();
    let findings = audit::run(&snap, &AuditOptions::default()).findings;
    bencher.bench(|| kvet::triage::triage(&snap, &findings).len());
}
