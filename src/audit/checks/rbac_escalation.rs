//! `rbac-escalation`: a ServiceAccount can escalate, bind or impersonate, or create or update role bindings.

use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::Snapshot;

pub static INFO: CheckInfo = CheckInfo {
    id: "rbac-escalation",
    family: Family::Rbac,
    severity: Severity::Critical,
    summary: "A ServiceAccount can escalate, bind or impersonate, or create or update role bindings",
    doc: "\
What it detects
  A ServiceAccount that may use the escalate or bind verbs on roles, impersonate users, groups
  or ServiceAccounts, or create, update or patch RoleBindings or ClusterRoleBindings.

Why it matters
  Each of these lets it grant itself (or anyone) more than it has: the RBAC authorizer checks
  escalate and bind precisely because they bypass the rule that you cannot grant what you lack.

Example
  rules: [{apiGroups: [rbac.authorization.k8s.io], resources: [clusterrolebindings], verbs: [create]}]

Fix
  Remove these verbs from workload roles; keep them for the operators and controllers that
  manage RBAC, each with its own narrowly bound role.",
    fix_available: false,
};

pub struct RbacEscalation;

impl Check for RbacEscalation {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        crate::audit::helpers::sa_findings(snap, out, |g| {
            let checks: [(&str, &str); 11] = [
                ("escalate", "roles.rbac.authorization.k8s.io"),
                ("escalate", "clusterroles.rbac.authorization.k8s.io"),
                ("bind", "roles.rbac.authorization.k8s.io"),
                ("bind", "clusterroles.rbac.authorization.k8s.io"),
                ("impersonate", "users"),
                ("impersonate", "groups"),
                ("impersonate", "serviceaccounts"),
                ("create", "rolebindings.rbac.authorization.k8s.io"),
                ("update", "rolebindings.rbac.authorization.k8s.io"),
                ("create", "clusterrolebindings.rbac.authorization.k8s.io"),
                ("update", "clusterrolebindings.rbac.authorization.k8s.io"),
            ];
            let (verb, res) = checks.iter().find(|(v, r)| g.allows(v, r))?;
            Some(format!("can {verb} {res} ({})", g.via()))
        });
    }
}
