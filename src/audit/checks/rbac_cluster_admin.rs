//! `rbac-cluster-admin`: a ServiceAccount is bound to cluster-admin, or to a role that grants every verb on every resource.

use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::Snapshot;

pub static INFO: CheckInfo = CheckInfo {
    id: "rbac-cluster-admin",
    family: Family::Rbac,
    severity: Severity::Critical,
    summary: "A ServiceAccount is bound to cluster-admin, or to a role that grants every verb on every resource",
    doc: "\
What it detects
  A ServiceAccount bound (directly, or through its groups) to the cluster-admin ClusterRole, or
  to any role with a rule of `*` verbs on `*` resources in `*` API groups.

Why it matters
  Every pod that runs as that ServiceAccount holds the keys to the whole cluster: a single
  compromised container can read every Secret, run anything anywhere and rewrite RBAC itself.

Example
  kind: ClusterRoleBinding
  roleRef: {kind: ClusterRole, name: cluster-admin}
  subjects: [{kind: ServiceAccount, name: ci-runner, namespace: platform}]

Fix
  Bind a role with only the verbs and resources the workload uses (kvet can SUBJECT lists what
  it has); scope it with a RoleBinding to the namespaces it works in.",
    fix_available: false,
};

pub struct RbacClusterAdmin;

impl Check for RbacClusterAdmin {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        crate::audit::helpers::sa_findings(snap, out, |g| {
            let all = g.rules.iter().any(|r| {
                let star = |l: &[Box<str>]| l.iter().any(|x| &**x == "*");
                star(&r.verbs) && star(&r.resources) && star(&r.api_groups)
            });
            if &*g.binding.role_kind == "ClusterRole" && g.role_name == "cluster-admin" {
                Some(format!("bound to cluster-admin ({})", g.via()))
            } else if all {
                Some(format!(
                    "granted every verb on every resource ({})",
                    g.via()
                ))
            } else {
                None
            }
        });
    }
}
