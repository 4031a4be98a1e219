//! `rbac-broad-binding`: a ClusterRoleBinding where a RoleBinding would do.

use crate::audit::{Check, CheckInfo, Family, Findings, Severity, Subject};
use crate::model::{Kind, Snapshot};

pub static INFO: CheckInfo = CheckInfo {
    id: "rbac-broad-binding",
    family: Family::Rbac,
    severity: Severity::Info,
    summary:
        "A ClusterRoleBinding grants a ServiceAccount whose workloads all run in one namespace",
    doc: "\
What it detects
  A ClusterRoleBinding whose subjects include a ServiceAccount that workloads use (they all run
  in its namespace: a pod can only use a ServiceAccount of its own namespace), for a role that
  needs nothing cluster-wide: no cluster-scoped resource, no non-resource URL, no wildcard.

Why it matters
  The grant holds in every namespace, present and future, while the workload only works in one.
  A RoleBinding to the same ClusterRole gives it the same rights where it needs them.

Example
  kind: ClusterRoleBinding, roleRef: {kind: ClusterRole, name: config-reader},
  subjects: [{kind: ServiceAccount, name: api, namespace: payments}]

Fix
  Replace it with a RoleBinding in the ServiceAccount's namespace (roleRef can stay the
  ClusterRole).",
    fix_available: false,
};

/// Cluster-scoped resources: a role that grants one of these needs a ClusterRoleBinding.
const CLUSTER_SCOPED: &[&str] = &[
    "nodes",
    "namespaces",
    "persistentvolumes",
    "clusterroles",
    "clusterrolebindings",
    "storageclasses",
    "customresourcedefinitions",
    "apiservices",
    "priorityclasses",
    "csidrivers",
    "csinodes",
    "volumeattachments",
    "mutatingwebhookconfigurations",
    "validatingwebhookconfigurations",
    "certificatesigningrequests",
    "runtimeclasses",
    "componentstatuses",
    "tokenreviews",
    "subjectaccessreviews",
    "selfsubjectaccessreviews",
    "selfsubjectrulesreviews",
    "ingressclasses",
    "podsecuritypolicies",
];

pub struct RbacBroadBinding;

impl Check for RbacBroadBinding {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        let g = crate::rbac::Graph::new(snap);
        // ServiceAccounts that workloads run as.
        let used: std::collections::HashSet<(&str, &str)> = snap
            .top_workloads()
            .map(|(_, w)| (w.meta.namespace(), w.spec.service_account_name()))
            .collect();
        for b in snap.bindings.iter().filter(|b| b.meta.namespace.is_none()) {
            if b.meta.name.starts_with("system:") {
                continue;
            }
            let Some((rules, role)) = g.role_of(b) else {
                continue;
            };
            let needs_cluster = rules.iter().any(|r| {
                !r.non_resource_urls.is_empty()
                    || r.resources.iter().any(|x| {
                        let base = x.split('/').next().unwrap_or_default();
                        base == "*" || CLUSTER_SCOPED.contains(&base)
                    })
            });
            if needs_cluster {
                continue;
            }
            for s in b.subjects.iter().filter(|s| &*s.kind == "ServiceAccount") {
                let Some(ns) = s.namespace.as_deref() else {
                    continue;
                };
                if used.contains(&(ns, &*s.name)) {
                    out.add(
                        Subject::of(Kind::ClusterRoleBinding, &b.meta),
                        "/subjects",
                        format!(
                            "grants {role} to ServiceAccount {ns}/{} in every namespace, but its workloads run only in {ns}: a RoleBinding there would do",
                            s.name
                        ),
                    );
                    break;
                }
            }
        }
    }
}
