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
  or a runAsUser above 0. Each field is resolved on its own, the container's value over the
  pod's: a container's runAsNonRoot: false undoes the pod's true, and runAsUser: 0 is root.

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
            let pod = &w.spec.security;
            let mut uid_zero = Vec::new();
            let mut opted_out = Vec::new();
            let mut unset = Vec::new();
            for (_, _, c) in w.spec.all_containers() {
                // Field by field, the container's setting wins over the pod's (the kubelet's
                // merge), so a container's runAsNonRoot: false undoes the pod's true.
                let user = c.security.run_as_user.or(pod.run_as_user);
                let non_root = c.security.run_as_non_root.or(pod.run_as_non_root);
                match (user, non_root) {
                    (Some(u), _) if u > 0 => {}
                    (Some(_), _) => uid_zero.push(&*c.name),
                    (None, Some(true)) => {}
                    (None, Some(false)) => opted_out.push(&*c.name),
                    (None, None) => unset.push(&*c.name),
                }
            }
            let mut why = Vec::new();
            if !uid_zero.is_empty() {
                why.push(format!("{} runs as uid 0 (root)", names(&uid_zero)));
            }
            if !opted_out.is_empty() {
                why.push(format!(
                    "{} sets runAsNonRoot: false and no runAsUser above 0",
                    names(&opted_out)
                ));
            }
            if !unset.is_empty() {
                why.push(format!(
                    "{} may run as root: neither the pod nor the container sets runAsNonRoot: true or a runAsUser above 0",
                    names(&unset)
                ));
            }
            if why.is_empty() {
                continue;
            }
            out.add(
                w,
                format!("{}/securityContext", w.kind.pod_spec_pointer()),
                why.join("; "),
            );
        }
    }
}
