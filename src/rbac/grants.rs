//! What each ServiceAccount is granted, binding by binding: the input of the rbac checks.
//! Bindings of the cluster's own policy (names starting with `system:`) and `system:` subjects are
//! left out, as checks.md says.

use super::{rule_allows, Graph, Request, Requester, Target};
use crate::model::{Binding, RbacRule, Snapshot};

/// One binding's grant to one ServiceAccount.
pub struct SaGrant<'a> {
    pub namespace: String,
    pub name: String,
    pub binding: &'a Binding,
    /// `Role/NS/NAME` or `ClusterRole/NAME`.
    pub role: String,
    pub role_name: &'a str,
    pub rules: Vec<RbacRule>,
}

impl SaGrant<'_> {
    /// A ClusterRoleBinding: the grant holds in every namespace.
    pub fn cluster_wide(&self) -> bool {
        self.binding.meta.namespace.is_none()
    }

    /// `binding NS/NAME (ClusterRole/NAME)`, for messages.
    pub fn via(&self) -> String {
        let b = match &self.binding.meta.namespace {
            Some(ns) => format!("RoleBinding {ns}/{}", self.binding.meta.name),
            None => format!("ClusterRoleBinding {}", self.binding.meta.name),
        };
        format!("{b} → {}", self.role)
    }

    /// The first rule that allows `verb` on `resource` (group and subresource as kubectl
    /// writes them), whatever the namespace.
    pub fn allows(&self, verb: &str, resource: &str) -> bool {
        let req = Request {
            verb: verb.to_string(),
            namespace: None,
            target: Target::parse(resource, None, None),
        };
        self.rules.iter().any(|r| rule_allows(r, &req))
    }
}

fn is_system(name: &str) -> bool {
    name.starts_with("system:")
}

/// Every (ServiceAccount, binding) grant: direct subjects, and ServiceAccounts that get a
/// binding through their groups (`system:serviceaccounts`, `system:serviceaccounts:NS`). The
/// ServiceAccounts considered are those that exist and those that bindings name.
pub fn sa_grants<'a>(snap: &'a Snapshot, g: &Graph<'a>) -> Vec<SaGrant<'a>> {
    let mut sas: Vec<(String, String)> = snap
        .service_accounts
        .iter()
        .map(|s| (s.meta.namespace().to_string(), s.meta.name.to_string()))
        .collect();
    for b in &snap.bindings {
        for s in b.subjects.iter().filter(|s| &*s.kind == "ServiceAccount") {
            let ns = s
                .namespace
                .as_deref()
                .filter(|n| !n.is_empty())
                .or(b.meta.namespace.as_deref())
                .unwrap_or_default();
            sas.push((ns.to_string(), s.name.to_string()));
        }
    }
    sas.sort();
    sas.dedup();
    let mut out = Vec::new();
    for (ns, name) in sas {
        if ns.is_empty() || is_system(&name) {
            continue;
        }
        let who = Requester::service_account(&ns, &name);
        for b in &snap.bindings {
            if is_system(&b.meta.name) || !Graph::binds(b, &who) {
                continue;
            }
            let Some((rules, role)) = g.role_of(b) else {
                continue;
            };
            out.push(SaGrant {
                namespace: ns.clone(),
                name: name.clone(),
                binding: b,
                role,
                role_name: &b.role_name,
                rules: rules.to_vec(),
            });
        }
    }
    out
}
