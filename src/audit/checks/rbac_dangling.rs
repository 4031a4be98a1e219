//! `rbac-dangling`: a binding to a role or a ServiceAccount that does not exist.

use crate::audit::{Check, CheckInfo, Family, Findings, Severity, Subject};
use crate::model::{Kind, Snapshot};

pub static INFO: CheckInfo = CheckInfo {
    id: "rbac-dangling",
    family: Family::Rbac,
    severity: Severity::Info,
    summary: "A binding refers to a role or a ServiceAccount that does not exist",
    doc: "\
What it detects
  A RoleBinding or ClusterRoleBinding whose role does not exist (it grants nothing), or that
  names a ServiceAccount that does not exist (other than a namespace's `default`, which the
  API server creates). The API server's own roles (cluster-admin, admin, edit, view, system:*,
  and kube-system's extension-apiserver-authentication-reader) count as existing, and so do the
  ServiceAccounts kube-controller-manager creates in kube-system for its controllers
  (horizontal-pod-autoscaler, deployment-controller, ...). Every missing subject is named, with
  its namespace.

Why it matters
  A dangling binding is a trap: the day someone creates a role or a ServiceAccount with that
  name, it silently gets the permission. It is also a sign of RBAC drifting from the workloads.

Example
  roleRef: {kind: Role, name: deploy-manager}   # no Role deploy-manager in the namespace

Fix
  Delete the binding, or create the role or ServiceAccount it was meant for.",
    fix_available: false,
};

/// Roles every cluster has (bootstrap policy), which manifests refer to without defining.
fn builtin(name: &str) -> bool {
    matches!(name, "cluster-admin" | "admin" | "edit" | "view") || name.starts_with("system:")
}

/// The ServiceAccounts kube-controller-manager creates in kube-system for its own controllers
/// (with `--use-service-account-credentials`): the subjects of the `system:controller:*`
/// bindings of the bootstrap policy (Kubernetes' plugin/pkg/auth/authorizer/rbac/bootstrappolicy,
/// controller_policy.go). They exist on every cluster, so manifests bind them without defining them.
const CONTROLLER_SERVICE_ACCOUNTS: &[&str] = &[
    "attachdetach-controller",
    "bootstrap-signer",
    "certificate-controller",
    "clusterrole-aggregation-controller",
    "cronjob-controller",
    "daemon-set-controller",
    "deployment-controller",
    "device-taint-eviction-controller",
    "disruption-controller",
    "endpoint-controller",
    "endpointslice-controller",
    "endpointslicemirroring-controller",
    "ephemeral-volume-controller",
    "expand-controller",
    "generic-garbage-collector",
    "horizontal-pod-autoscaler",
    "job-controller",
    "legacy-service-account-token-cleaner",
    "namespace-controller",
    "node-controller",
    "persistent-volume-binder",
    "pod-garbage-collector",
    "pv-protection-controller",
    "pvc-protection-controller",
    "replicaset-controller",
    "replication-controller",
    "resource-claim-controller",
    "resourcequota-controller",
    "root-ca-cert-publisher",
    "route-controller",
    "selinux-warning-controller",
    "service-account-controller",
    "service-cidrs-controller",
    "service-controller",
    "statefulset-controller",
    "token-cleaner",
    "ttl-after-finished-controller",
    "ttl-controller",
    "validatingadmissionpolicy-status-controller",
    "volumeattributesclass-protection-controller",
];

pub struct RbacDangling;

impl Check for RbacDangling {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        let g = crate::rbac::Graph::new(snap);
        let existing: std::collections::HashSet<(&str, &str)> = snap
            .service_accounts
            .iter()
            .map(|a| (a.meta.namespace(), &*a.meta.name))
            .collect();
        for b in &snap.bindings {
            if b.meta.name.starts_with("system:") {
                continue;
            }
            let kind = if b.meta.namespace.is_some() {
                Kind::RoleBinding
            } else {
                Kind::ClusterRoleBinding
            };
            let kube_system_role = &*b.role_kind == "Role"
                && b.meta.namespace.as_deref() == Some("kube-system")
                && (b.role_name.starts_with("system:")
                    || &*b.role_name == "extension-apiserver-authentication-reader");
            let role_missing = g.role_of(b).is_none()
                && !(&*b.role_kind == "ClusterRole" && builtin(&b.role_name))
                && !kube_system_role;
            // Every missing subject, with its namespace: one finding per binding names them all.
            let missing: Vec<(usize, String)> = b
                .subjects
                .iter()
                .enumerate()
                .filter(|(_, s)| &*s.kind == "ServiceAccount" && &*s.name != "default")
                .filter_map(|(i, s)| {
                    let ns = b.subject_namespace(s).unwrap_or_default();
                    let controller =
                        ns == "kube-system" && CONTROLLER_SERVICE_ACCOUNTS.contains(&&*s.name);
                    (!controller && !existing.contains(&(ns, &*s.name)))
                        .then(|| (i, format!("{ns}/{}", s.name)))
                })
                .collect();
            let mut why = Vec::new();
            if role_missing {
                why.push(format!(
                    "refers to {} {} that does not exist: it grants nothing, and whoever creates that role grants it",
                    b.role_kind, b.role_name
                ));
            }
            if !missing.is_empty() {
                let list: Vec<&str> = missing.iter().map(|(_, n)| n.as_str()).collect();
                why.push(format!(
                    "names ServiceAccount{} {} that {} not exist: whoever creates {} gets {} {}",
                    if list.len() > 1 { "s" } else { "" },
                    list.join(", "),
                    if list.len() > 1 { "do" } else { "does" },
                    if list.len() > 1 { "them" } else { "it" },
                    b.role_kind,
                    b.role_name
                ));
            }
            if why.is_empty() {
                continue;
            }
            let path = match (role_missing, missing.first()) {
                (false, Some((i, _))) => format!("/subjects/{i}"),
                _ => "/roleRef".to_string(),
            };
            out.add(Subject::of(kind, &b.meta), path, why.join("; "));
        }
    }
}
