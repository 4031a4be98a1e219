//! `rbac-exec`: a ServiceAccount can create pods/exec or pods/attach.

use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::Snapshot;

pub static INFO: CheckInfo = CheckInfo {
    id: "rbac-exec",
    family: Family::Rbac,
    severity: Severity::Warning,
    summary: "A ServiceAccount can create pods/exec or pods/attach",
    doc: "\
What it detects
  A ServiceAccount that may create pods/exec or pods/attach: run commands inside other pods.

Why it matters
  Exec into a pod is running code as that pod: its ServiceAccount, its mounted Secrets, its
  network position. A workload rarely needs it; a debugging tool left bound does.

Example
  rules: [{apiGroups: [\"\"], resources: [pods/exec], verbs: [create]}]

Fix
  Remove the grant, or bind it only for the time of an investigation.",
    fix_available: false,
};

pub struct RbacExec;

impl Check for RbacExec {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        crate::audit::helpers::sa_findings(snap, out, |g| {
            let sub = ["pods/exec", "pods/attach"]
                .into_iter()
                .find(|r| g.allows("create", r))?;
            Some(format!("can create {sub} ({})", g.via()))
        });
    }
}
