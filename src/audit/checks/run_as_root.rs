//! `run-as-root`: nothing in the pod or the container keeps it from running as root.

use crate::audit::helpers::names;
use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::Snapshot;

pub static INFO: CheckInfo = CheckInfo {
    id: "run-as-root",
    family: Family::Security,
    severity: Severity::Warning,
    summary: "Neither the pod nor the container sets runAsNonRoot: true or a runAsUser above 0",
    doc: "\
What it detects
  A container for which neither its own securityContext nor the pod's sets runAsNonRoot: true
  or a runAsUser above 0 (the container's setting wins over the pod's; runAsUser: 0 is root).

Why it matters
  Most images run as root unless told otherwise. Root in a container is root on the node's
  files the container can see (a hostPath, a writable mount) and one kernel bug away from
  root on the node.

Example
  A Deployment whose pod template has no securityContext at all.

Fix
  Set securityContext.runAsNonRoot: true on the pod (the kubelet then refuses to start an image
  whose user is root) and runAsUser to the image's unprivileged user.",
    fix_available: false,
};

pub struct RunAsRoot;

impl Check for RunAsRoot {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        for (_, w) in snap.top_workloads() {
            let pod = w.spec.security.non_root();
            let root: Vec<&str> = w
                .spec
                .all_containers()
                .filter(|(_, _, c)| c.security.non_root().or(pod) != Some(true))
                .map(|(_, _, c)| &*c.name)
                .collect();
            if root.is_empty() {
                continue;
            }
            out.add(
                w,
                format!("{}/securityContext", w.kind.pod_spec_pointer()),
                format!(
                    "{} may run as root: neither the pod nor the container sets runAsNonRoot: true or a runAsUser above 0",
                    names(&root)
                ),
            );
        }
    }
}
