//! `netpol-no-default-deny`: a namespace has no default-deny ingress policy.

use crate::audit::helpers::namespace_subject;
use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::Snapshot;
use crate::netpol::{has_default_deny, workload_namespaces, SYSTEM_NAMESPACES};

/// The pre-v1 isolation annotation (Kubernetes 1.3-1.6 beta). No current release reads it.
pub const BETA_ISOLATION_ANNOTATION: &str = "net.beta.kubernetes.io/network-policy";

pub static INFO: CheckInfo = CheckInfo {
    id: "netpol-no-default-deny",
    family: Family::Network,
    severity: Severity::Warning,
    summary: "A namespace has no policy that selects all its pods for Ingress without allowing everything",
    doc: "\
What it detects
  A namespace that runs workloads (kube-system, kube-public and kube-node-lease aside) where no
  NetworkPolicy has an empty podSelector ({}, every pod, now and later) with the Ingress type
  and rules that do not admit everything.

Why it matters
  Without it, every pod that no other policy selects accepts traffic from every pod of the
  cluster. A new workload starts open, and an intruder in any pod can reach it. The old
  net.beta.kubernetes.io/network-policy namespace annotation (Kubernetes 1.3-1.6) does nothing
  on any current release.

Example
  A namespace with only `allow-frontend` (podSelector: {app: api}): every other pod is open.

Fix
  Add a default-deny-ingress policy (podSelector: {}, policyTypes: [Ingress], no rules), then
  one allow policy per real traffic path. `kvet reach` shows what the new policy would cut.",
    fix_available: true,
};

pub struct NetpolNoDefaultDeny;

impl Check for NetpolNoDefaultDeny {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        for ns in workload_namespaces(snap) {
            if SYSTEM_NAMESPACES.contains(&ns) {
                continue;
            }
            let covered = has_default_deny(snap, ns, true);
            if covered {
                continue;
            }
            let object = snap.namespaces.iter().find(|n| &*n.meta.name == ns);
            let subject = namespace_subject(snap, ns);
            let beta = object
                .and_then(|n| n.meta.annotation(BETA_ISOLATION_ANNOTATION))
                .map(|v| {
                    format!(
                        "; its {BETA_ISOLATION_ANNOTATION} annotation ({}) is the pre-v1 isolation, ignored by every current release",
                        crate::text::escape_ctrl(v)
                    )
                })
                .unwrap_or_default();
            let (path, beta) = if beta.is_empty() {
                ("", beta)
            } else {
                ("/metadata/annotations", beta)
            };
            out.add(
                subject,
                path,
                format!(
                    "namespace {ns} has no default-deny ingress policy: every pod no policy selects accepts traffic from anywhere{beta}"
                ),
            );
        }
    }
}
