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

/// `../shared/corpus`, beside the repository, where CI and developers have it.
pub fn corpus() -> Option<PathBuf> {
    let p = repo().join("../shared/corpus");
    p.is_dir().then_some(p)
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
