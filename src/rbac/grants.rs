//! What each ServiceAccount is granted, binding by binding: the input of the rbac checks.
//! Bindings of the cluster's own policy (names starting with `system:`) and `system:` subjects are
//! left out, as checks.md says.

use super::{rule_allows, Graph, Request, Requester, Target};
use crate::model::{Binding, RbacRule, Snapshot};
use std::sync::Arc;

/// One binding's grant to one ServiceAccount.
pub struct SaGrant<'a> {
    pub namespace: &'a str,
    pub name: &'a str,
    pub binding: &'a Binding,
    pub role_name: &'a str,
    pub rules: &'a [RbacRule],
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
        let role = match &*self.binding.role_kind {
            "Role" => format!(
                "Role/{}/{}",
                self.binding.meta.namespace(),
                self.binding.role_name
            ),
            k => format!("{k}/{}", self.binding.role_name),
        };
        format!("{b} → {role}")
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
pub fn sa_grants<'a>(snap: &'a Snapshot, g: &'a Graph<'a>) -> Vec<SaGrant<'a>> {
    let mut out = Vec::new();
    for (ns, name, bindings) in snap.index.sa_bindings.get_or_init(|| sa_bindings(snap)) {
        for &i in bindings {
            let b = &snap.bindings[i];
            let Some(rules) = g.rules_of(b) else {
                continue;
            };
            out.push(SaGrant {
                namespace: ns,
                name,
                binding: b,
                role_name: &b.role_name,
                rules,
            });
        }
    }
    out
}

/// ServiceAccount → the (non-system) bindings that reach it.
fn sa_bindings(snap: &Snapshot) -> Vec<crate::model::snapshot::SaBindings> {
    let mut sas: Vec<(Arc<str>, Arc<str>)> = snap
        .service_accounts
        .iter()
        .filter_map(|s| Some((s.meta.namespace.clone()?, s.meta.name.clone())))
        .collect();
    for b in &snap.bindings {
        for s in b.subjects.iter().filter(|s| &*s.kind == "ServiceAccount") {
            let ns = b.subject_namespace(s).unwrap_or_default();
            sas.push((Arc::from(ns), Arc::from(&*s.name)));
        }
    }
    sas.sort();
    sas.dedup();
    // Bindings that can reach a ServiceAccount without naming it: through a group.
    let by_group: Vec<usize> = snap
        .bindings
        .iter()
        .enumerate()
        .filter(|(_, b)| !is_system(&b.meta.name) && b.subjects.iter().any(|s| &*s.kind == "Group"))
        .map(|(i, _)| i)
        .collect();
    let mut out = Vec::new();
    for (ns, name) in sas {
        if ns.is_empty() || is_system(&name) {
            continue;
        }
        let who = Requester::service_account(&ns, &name);
        let mut candidates: Vec<usize> = snap
            .index
            .bindings_of_sa
            .get(&(ns.clone(), name.clone()))
            .cloned()
            .unwrap_or_default();
        candidates.extend_from_slice(&by_group);
        candidates.sort_unstable();
        candidates.dedup();
        candidates.retain(|&i| {
            let b = &snap.bindings[i];
            !is_system(&b.meta.name) && Graph::binds(b, &who)
        });
        if !candidates.is_empty() {
            out.push((ns, name, candidates));
        }
    }
    out
}
