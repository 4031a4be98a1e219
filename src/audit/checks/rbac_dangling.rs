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
  and kube-system's extension-apiserver-authentication-reader) count as existing.

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
            let sa_missing = b.subjects.iter().enumerate().find(|(_, s)| {
                if &*s.kind != "ServiceAccount" || &*s.name == "default" {
                    return false;
                }
                let ns = s
                    .namespace
                    .as_deref()
                    .filter(|n| !n.is_empty())
                    .or(b.meta.namespace.as_deref())
                    .unwrap_or_default();
                !existing.contains(&(ns, &*s.name))
            });
            if role_missing {
                out.add(
                    Subject::of(kind, &b.meta),
                    "/roleRef",
                    format!(
                        "refers to {} {} that does not exist: it grants nothing, and whoever creates that role grants it",
                        b.role_kind, b.role_name
                    ),
                );
            } else if let Some((i, s)) = sa_missing {
                out.add(
                    Subject::of(kind, &b.meta),
                    format!("/subjects/{i}"),
                    format!(
                        "names ServiceAccount {} that does not exist: whoever creates it gets {} {}",
                        s.name, b.role_kind, b.role_name
                    ),
                );
            }
        }
    }
}
