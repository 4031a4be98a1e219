//! `rbac-secrets-read`: a ServiceAccount can get, list or watch Secrets cluster-wide.

use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::Snapshot;

pub static INFO: CheckInfo = CheckInfo {
    id: "rbac-secrets-read",
    family: Family::Rbac,
    severity: Severity::Warning,
    summary: "A ServiceAccount can get, list or watch Secrets cluster-wide",
    doc: "\
What it detects
  A ServiceAccount that a ClusterRoleBinding allows to get, list or watch Secrets, so in every
  namespace.

Why it matters
  Secrets of every tenant (database passwords, registry credentials, other ServiceAccounts'
  tokens on older clusters) are one compromised pod away.

Example
  kind: ClusterRoleBinding
  roleRef: {kind: ClusterRole, name: secrets-reader}

Fix
  Grant access to the Secrets it needs, by name (resourceNames), in its own namespace with a
  RoleBinding.",
    fix_available: false,
};

pub struct RbacSecretsRead;

impl Check for RbacSecretsRead {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        crate::audit::helpers::sa_findings(snap, out, |g| {
            if !g.cluster_wide() {
                return None;
            }
            let verb = ["get", "list", "watch"]
                .into_iter()
                .find(|v| g.allows(v, "secrets"))?;
            Some(format!(
                "can {verb} secrets in every namespace ({})",
                g.via()
            ))
        });
    }
}
