//! The demo cluster embedded in the binary (`--demo`): a multi-tenant SaaS backend whose
//! manifests live in `assets/demo/`.

use super::offline::{load_texts, Loaded};
use crate::model::decode::DecodeOptions;
use crate::model::SourceKind;

/// The demo's manifest files, as (name, text).
pub const FILES: &[(&str, &str)] = &[
    (
        "demo/cluster.yaml",
        include_str!("../../assets/demo/cluster.yaml"),
    ),
    (
        "demo/storefront.yaml",
        include_str!("../../assets/demo/storefront.yaml"),
    ),
    (
        "demo/payments.yaml",
        include_str!("../../assets/demo/payments.yaml"),
    ),
    (
        "demo/identity.yaml",
        include_str!("../../assets/demo/identity.yaml"),
    ),
    (
        "demo/platform.yaml",
        include_str!("../../assets/demo/platform.yaml"),
    ),
    (
        "demo/monitoring.yaml",
        include_str!("../../assets/demo/monitoring.yaml"),
    ),
    (
        "demo/kube-system.yaml",
        include_str!("../../assets/demo/kube-system.yaml"),
    ),
    (
        "demo/incident.yaml",
        include_str!("../../assets/demo/incident.yaml"),
    ),
];

/// Loads the demo cluster. It is part of the binary, so it has no load errors unless the
/// assets are broken (a test guards that).
pub fn load() -> Loaded {
    load_texts(FILES, &DecodeOptions::default(), SourceKind::Demo, "demo")
}
