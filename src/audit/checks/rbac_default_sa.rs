//! `rbac-default-sa`: a namespace's default ServiceAccount has bindings.

use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::Snapshot;

pub static INFO: CheckInfo = CheckInfo {
    id: "rbac-default-sa",
    family: Family::Rbac,
    severity: Severity::Warning,
    summary: "A namespace's default ServiceAccount has bindings",
    doc: "\
What it detects
  A RoleBinding or ClusterRoleBinding that names the `default` ServiceAccount of a namespace.

Why it matters
  Every pod that names no ServiceAccount runs as `default`: whatever it is granted, every such
  pod of the namespace gets, including pods added later for something else.

Example
  subjects: [{kind: ServiceAccount, name: default, namespace: shop}]

Fix
  Create a ServiceAccount for the workload that needs the permission, bind it, and set
  serviceAccountName on that workload.",
    fix_available: false,
};

pub struct RbacDefaultSa;

impl Check for RbacDefaultSa {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        crate::audit::helpers::sa_findings(snap, out, |g| {
            (g.name == "default").then(|| format!("has a binding ({})", g.via()))
        });
    }
}
