//! `privileged`: a container runs privileged, or allows privilege escalation explicitly.

use crate::audit::helpers::container_path;
use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::Snapshot;

pub static INFO: CheckInfo = CheckInfo {
    id: "privileged",
    family: Family::Security,
    severity: Severity::Critical,
    summary: "A container runs privileged, or sets allowPrivilegeEscalation: true",
    doc: "\
What it detects
  A container (init containers included) whose securityContext sets privileged: true, or
  allowPrivilegeEscalation: true.

Why it matters
  A privileged container has every capability and the host's devices: escaping to the node
  is a mount away, and from the node every pod's Secrets and tokens are readable. Privilege
  escalation lets a process gain more privileges than its parent (setuid binaries), which
  turns an application bug into root in the container.

Example
  securityContext: {privileged: true} on a log collector that only needs to read /var/log.

Fix
  Remove privileged; grant the one capability the container needs (capabilities.add), and set
  allowPrivilegeEscalation: false.",
    fix_available: false,
};

pub struct Privileged;

impl Check for Privileged {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        for (_, w) in snap.top_workloads() {
            let mut first = None;
            let mut what = Vec::new();
            for (list, i, c) in w.spec.all_containers() {
                let s = &c.security;
                let reason = match (s.privileged, s.allow_privilege_escalation) {
                    (Some(true), _) => "runs privileged",
                    (_, Some(true)) => "allows privilege escalation",
                    _ => continue,
                };
                first.get_or_insert_with(|| container_path(w, list, i) + "/securityContext");
                what.push(format!("{:?} {reason}", c.name));
            }
            if let Some(path) = first {
                out.add(
                    w,
                    path,
                    format!(
                        "{}: a compromise of the container reaches the node",
                        what.join("; ")
                    ),
                );
            }
        }
    }
}
