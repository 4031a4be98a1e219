//! `automount-token`: a pod mounts a ServiceAccount token that no RBAC binding gives any use.

use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::Snapshot;
use std::sync::Arc;

pub static INFO: CheckInfo = CheckInfo {
    id: "automount-token",
    family: Family::Security,
    severity: Severity::Info,
    summary: "A pod mounts its ServiceAccount token while that ServiceAccount has no RBAC bindings",
    doc: "\
What it detects
  A workload whose pods mount their ServiceAccount's token (neither the pod spec nor the
  ServiceAccount sets automountServiceAccountToken: false; the pod's setting wins) while no
  RoleBinding or ClusterRoleBinding names that ServiceAccount.

Why it matters
  The token is a credential for the API server in every container's filesystem. With no
  binding it grants only what every authenticated user gets, so it serves nothing; if the
  ServiceAccount is bound later, every old pod already holds a working token.

Example
  A web server running as the namespace's default ServiceAccount, which nothing binds.

Fix
  Set automountServiceAccountToken: false on the pod spec (or on the ServiceAccount), and
  mount a projected token only where the application talks to the API.",
    fix_available: false,
};

pub struct AutomountToken;

impl Check for AutomountToken {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        // Each ServiceAccount's own setting, looked up once per workload.
        let sa_setting: rustc_hash::FxHashMap<(&str, &str), Option<bool>> = snap
            .service_accounts
            .iter()
            .map(|s| ((s.meta.namespace(), &*s.meta.name), s.automount_token))
            .collect();
        for (_, w) in snap.top_workloads() {
            let sa = w.spec.service_account_name();
            let ns = w.meta.namespace();
            let mounts = w
                .spec
                .automount_token
                .or_else(|| sa_setting.get(&(ns, sa)).copied().flatten())
                .unwrap_or(true);
            if !mounts {
                continue;
            }
            let key = (Arc::from(ns), Arc::from(sa));
            if snap
                .index
                .bindings_of_sa
                .get(&key)
                .is_some_and(|b| !b.is_empty())
            {
                continue;
            }
            out.add(
                w,
                w.kind.pod_spec_pointer(),
                format!(
                    "mounts the token of ServiceAccount {sa}, which no RoleBinding or ClusterRoleBinding names: a credential with no use in every container"
                ),
            );
        }
    }
}
