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

/// The demo's container logs (`assets/demo/logs.txt`).
const LOGS: &str = include_str!("../../assets/demo/logs.txt");

/// The demo's log lines of a container, as a server would send them: the last
/// [`super::logs::TAIL_LINES`], or the server's refusal when the instance has none.
pub fn logs(req: &super::logs::LogRequest) -> Result<Vec<String>, String> {
    let want = format!(
        "== {}/{}/{}{}",
        req.namespace,
        req.pod,
        req.container,
        if req.previous { " previous" } else { "" }
    );
    let mut lines = LOGS
        .lines()
        .skip_while(|l| *l != want)
        .skip(1)
        .take_while(|l| !l.starts_with("== "));
    let first = lines.next();
    match first {
        Some(f) => {
            let mut out: Vec<String> = std::iter::once(f).chain(lines).map(str::to_string).collect();
            let cut = out.len().saturating_sub(super::logs::TAIL_LINES);
            out.drain(..cut);
            Ok(out)
        }
        None if req.previous => Err(super::logs::explain_error(
            req,
            400,
            &format!(
                "previous terminated container \"{}\" in pod \"{}\" not found",
                req.container, req.pod
            ),
        )),
        None => Err(format!(
            "the demo recorded no logs for {}/{} container {} (the recommendations pods in storefront have some)",
            req.namespace, req.pod, req.container
        )),
    }
}
