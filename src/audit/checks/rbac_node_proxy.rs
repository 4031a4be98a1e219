//! `rbac-node-proxy`: a ServiceAccount can reach nodes/proxy.

use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::Snapshot;

pub static INFO: CheckInfo = CheckInfo {
    id: "rbac-node-proxy",
    family: Family::Rbac,
    severity: Severity::Warning,
    summary: "A ServiceAccount can reach nodes/proxy",
    doc: "\
What it detects
  A ServiceAccount that may get or create nodes/proxy.

Why it matters
  nodes/proxy reaches the kubelet API through the API server: with it, a pod can run commands
  in any container on any node, and the API server's audit log shows only the proxy call.

Example
  rules: [{apiGroups: [\"\"], resources: [nodes/proxy], verbs: [get]}]

Fix
  Read metrics from /metrics or the metrics API instead; grant nodes/metrics if the kubelet's
  metrics are needed.",
    fix_available: false,
};

pub struct RbacNodeProxy;

impl Check for RbacNodeProxy {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        crate::audit::helpers::sa_findings(snap, out, |g| {
            let verb = ["get", "create"]
                .into_iter()
                .find(|v| g.allows(v, "nodes/proxy"))?;
            Some(format!("can {verb} nodes/proxy ({})", g.via()))
        });
    }
}
