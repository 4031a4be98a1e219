//! The two questions people ask: who can do this, and what can this subject do.

use super::{rule_allows, Graph, Request, Requester};
use crate::model::RbacRule;

/// One subject that a binding allows, and through which role.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Grant {
    /// `ServiceAccount`, `User` or `Group`.
    pub kind: String,
    /// `NS/NAME` for a ServiceAccount, the name otherwise.
    pub subject: String,
    /// `NS/NAME` for a RoleBinding, `NAME` for a ClusterRoleBinding.
    pub binding: String,
    /// `Role/NS/NAME` or `ClusterRole/NAME`.
    pub role: String,
}

/// Every subject allowed to make the request, with the binding and role that allow it.
pub fn who_can(g: &Graph, req: &Request) -> Vec<Grant> {
    let mut out = Vec::new();
    for b in g.bindings_for(req.namespace.as_deref()) {
        let Some((rules, role)) = g.role_of(b) else {
            continue;
        };
        if !rules.iter().any(|r| rule_allows(r, req)) {
            continue;
        }
        let binding = match &b.meta.namespace {
            Some(ns) => format!("{ns}/{}", b.meta.name),
            None => b.meta.name.to_string(),
        };
        for s in &b.subjects {
            let subject = match &*s.kind {
                "ServiceAccount" => {
                    let ns = b.subject_namespace(s).unwrap_or_default();
                    format!("{ns}/{}", s.name)
                }
                _ => s.name.to_string(),
            };
            out.push(Grant {
                kind: s.kind.to_string(),
                subject,
                binding: binding.clone(),
                role: role.clone(),
            });
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The rules one binding gives a subject, where they apply.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SubjectRules {
    /// `None`: every namespace and the cluster (a ClusterRoleBinding).
    pub namespace: Option<String>,
    pub binding: String,
    pub role: String,
    #[serde(serialize_with = "rules_json")]
    pub rules: Vec<RbacRule>,
}

fn rules_json<S: serde::Serializer>(rules: &[RbacRule], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = s.serialize_seq(Some(rules.len()))?;
    for r in rules {
        let v = |l: &[Box<str>]| l.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        seq.serialize_element(&serde_json::json!({
            "apiGroups": v(&r.api_groups),
            "resources": v(&r.resources),
            "verbs": v(&r.verbs),
            "resourceNames": v(&r.resource_names),
            "nonResourceURLs": v(&r.non_resource_urls),
        }))?;
    }
    seq.end()
}

/// A subject's effective rules: every binding that names it (or one of its groups), cluster-wide
/// first, then by namespace. A binding whose role is missing is listed with no rules.
pub fn effective_rules(g: &Graph, who: &Requester) -> Vec<SubjectRules> {
    let mut out: Vec<SubjectRules> = g
        .snap
        .bindings
        .iter()
        .filter(|b| Graph::binds(b, who))
        .map(|b| {
            let (rules, role) = match g.role_of(b) {
                Some((r, role)) => (r.to_vec(), role),
                None => (
                    Vec::new(),
                    format!("{}/{} (missing)", b.role_kind, b.role_name),
                ),
            };
            SubjectRules {
                namespace: b.meta.namespace.as_deref().map(str::to_string),
                binding: match &b.meta.namespace {
                    Some(ns) => format!("{ns}/{}", b.meta.name),
                    None => b.meta.name.to_string(),
                },
                role,
                rules,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        (a.namespace.is_some(), &a.namespace, &a.binding).cmp(&(
            b.namespace.is_some(),
            &b.namespace,
            &b.binding,
        ))
    });
    out
}
