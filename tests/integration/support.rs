//! Shared helpers: load manifests and audit them through the library, as the CLI does.

use kvet::audit::{self, AuditOptions, Finding};
use kvet::model::decode::DecodeOptions;
use kvet::model::SourceKind;
use kvet::source::{self, Input, Loaded};
use std::path::{Path, PathBuf};

/// The demo cluster's namespaces.
pub const DEMO_NAMESPACES: [&str; 6] = [
    "storefront",
    "payments",
    "identity",
    "platform",
    "monitoring",
    "kube-system",
];

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The vendored corpus of real manifests and peer fixtures (`tests/fixtures/corpus`, with its
/// SOURCES.md and licences). A missing corpus is a failure, never a skip.
pub fn corpus() -> PathBuf {
    let p = repo().join("tests/fixtures/corpus");
    assert!(
        p.join("SOURCES.md").is_file(),
        "{} is missing: the corpus tests cannot run without it",
        p.display()
    );
    p
}

pub fn load(path: &Path) -> Loaded {
    source::load(
        &[Input::Path(path.to_path_buf())],
        &DecodeOptions::default(),
        SourceKind::Offline,
    )
}

pub fn audit_path(path: &Path, only: Option<&[&str]>) -> (Vec<Finding>, Loaded) {
    let loaded = load(path);
    let result = audit::run(
        &loaded.snapshot,
        &AuditOptions {
            only: only.map(|o| o.iter().map(|s| s.to_string()).collect()),
            ..AuditOptions::default()
        },
    );
    (result.findings, loaded)
}

/// Files under `dir` (recursively, in name order) whose extension is one of `exts`.
pub fn files_with(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for e in entries {
        if e.is_dir() {
            files_with(&e, exts, out);
        } else if e
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| exts.contains(&x))
        {
            out.push(e);
        }
    }
}
