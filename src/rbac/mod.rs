//! PURE. Effective RBAC permissions, decided the way the Kubernetes RBAC authorizer decides them
//! (plugin/pkg/auth/authorizer/rbac): a request is allowed when a rule of a role bound to one of
//! the requester's identities (its user name, or one of its groups) matches it. ClusterRoleBindings
//! apply everywhere; RoleBindings only in their namespace. A binding whose role does not exist
//! grants nothing. Aggregated ClusterRoles get the rules of the ClusterRoles their selectors
//! match, as the aggregation controller fills them in.

pub mod grants;
mod who;

pub use who::{effective_rules, who_can, Grant, SubjectRules};

use crate::model::{Binding, RbacRule, Role, Snapshot};
use rustc_hash::FxHashMap as HashMap;

/// Who asks: a user name and the groups the API server gives it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Requester {
    pub user: String,
    pub groups: Vec<String>,
}

impl Requester {
    /// A ServiceAccount, with the groups the API server gives every ServiceAccount.
    pub fn service_account(namespace: &str, name: &str) -> Requester {
        Requester {
            user: format!("system:serviceaccount:{namespace}:{name}"),
            groups: vec![
                "system:serviceaccounts".into(),
                format!("system:serviceaccounts:{namespace}"),
                "system:authenticated".into(),
            ],
        }
    }

    /// A user: `system:authenticated` plus the groups given.
    pub fn user(name: &str, groups: &[String]) -> Requester {
        let mut g = groups.to_vec();
        if !g.iter().any(|x| x == "system:authenticated") {
            g.push("system:authenticated".into());
        }
        Requester {
            user: name.to_string(),
            groups: g,
        }
    }

    /// `serviceaccount:NS:NAME`, `user:NAME` or `group:NAME` (cli.md). A group is asked as a
    /// user of no name in that group.
    pub fn parse(text: &str, extra_groups: &[String]) -> Result<Requester, String> {
        let (kind, rest) = text.split_once(':').ok_or_else(|| {
            format!("{text:?}: expected serviceaccount:NS:NAME, user:NAME or group:NAME")
        })?;
        match kind.to_ascii_lowercase().as_str() {
            "serviceaccount" | "sa" => match rest.split_once(':') {
                Some((ns, name)) if !ns.is_empty() && !name.is_empty() => {
                    Ok(Requester::service_account(ns, name))
                }
                _ => Err(format!("{text:?}: expected serviceaccount:NAMESPACE:NAME")),
            },
            "user" if !rest.is_empty() => Ok(Requester::user(rest, extra_groups)),
            "group" if !rest.is_empty() => {
                let mut g = extra_groups.to_vec();
                g.push(rest.to_string());
                Ok(Requester {
                    user: String::new(),
                    groups: g,
                })
            }
            _ => Err(format!(
                "{text:?}: expected serviceaccount:NS:NAME, user:NAME or group:NAME"
            )),
        }
    }
}

/// What is asked: a resource request, or a non-resource URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub verb: String,
    /// `None`: cluster-wide (or every namespace, as a ClusterRoleBinding grants).
    pub namespace: Option<String>,
    pub target: Target,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Resource {
        group: String,
        resource: String,
        subresource: String,
        name: String,
    },
    NonResource {
        path: String,
    },
}

impl Target {
    /// `secrets`, `deployments.apps`, `pods/exec`, `jobs.batch/status`, or `/metrics` (as
    /// kubectl auth can-i takes them).
    pub fn parse(text: &str, subresource: Option<&str>, name: Option<&str>) -> Target {
        if text.starts_with('/') {
            return Target::NonResource {
                path: text.to_string(),
            };
        }
        let (res, sub) = match text.split_once('/') {
            Some((r, s)) => (r, s.to_string()),
            None => (text, subresource.unwrap_or_default().to_string()),
        };
        let (resource, group) = match res.split_once('.') {
            Some((r, g)) => (r.to_string(), g.to_string()),
            None => (res.to_string(), String::new()),
        };
        Target::Resource {
            group,
            resource,
            subresource: sub,
            name: name.unwrap_or_default().to_string(),
        }
    }
}

fn has(list: &[Box<str>], v: &str) -> bool {
    list.iter().any(|x| &**x == v)
}

/// Whether one rule allows a request (the authorizer's `RuleAllows`).
pub fn rule_allows(rule: &RbacRule, req: &Request) -> bool {
    let verb = has(&rule.verbs, "*") || has(&rule.verbs, &req.verb);
    if !verb {
        return false;
    }
    match &req.target {
        Target::NonResource { path } => rule.non_resource_urls.iter().any(|u| {
            &**u == "*"
                || **u == **path
                || (u.ends_with('*') && path.starts_with(&u[..u.len() - 1]))
        }),
        Target::Resource {
            group,
            resource,
            subresource,
            name,
        } => {
            let group_ok = has(&rule.api_groups, "*") || has(&rule.api_groups, group);
            let combined = if subresource.is_empty() {
                resource.clone()
            } else {
                format!("{resource}/{subresource}")
            };
            let resource_ok = rule.resources.iter().any(|r| {
                &**r == "*"
                    || **r == *combined
                    || (!subresource.is_empty() && **r == *format!("*/{subresource}"))
            });
            let name_ok = rule.resource_names.is_empty() || has(&rule.resource_names, name);
            group_ok && resource_ok && name_ok
        }
    }
}

/// The RBAC objects of a snapshot, indexed for queries.
pub struct Graph<'a> {
    pub snap: &'a Snapshot,
    /// ClusterRoles by name, and Roles by (namespace, name).
    cluster_roles: HashMap<&'a str, &'a Role>,
    roles: HashMap<(&'a str, &'a str), &'a Role>,
    /// Effective rules of aggregated ClusterRoles (own rules plus the aggregated ones).
    aggregated: HashMap<&'a str, Vec<RbacRule>>,
    /// `cluster-admin`, which every cluster has (the API server creates it), when manifests
    /// refer to it without defining it.
    builtin_admin: Vec<RbacRule>,
}

/// The rules of the API server's own `cluster-admin` ClusterRole (bootstrap policy): every verb
/// on every resource, and every non-resource URL.
fn cluster_admin_rules() -> Vec<RbacRule> {
    let star = || vec![Box::<str>::from("*")];
    vec![
        RbacRule {
            api_groups: star(),
            resources: star(),
            verbs: star(),
            resource_names: Vec::new(),
            non_resource_urls: Vec::new(),
        },
        RbacRule {
            api_groups: Vec::new(),
            resources: Vec::new(),
            verbs: star(),
            resource_names: Vec::new(),
            non_resource_urls: star(),
        },
    ]
}

impl<'a> Graph<'a> {
    pub fn new(snap: &'a Snapshot) -> Graph<'a> {
        let mut cluster_roles = HashMap::default();
        let mut roles = HashMap::default();
        for r in &snap.roles {
            match &r.meta.namespace {
                None => {
                    cluster_roles.insert(&*r.meta.name, r);
                }
                Some(ns) => {
                    roles.insert((&**ns, &*r.meta.name), r);
                }
            }
        }
        let builtin_admin =
            if snap.source_kind.is_offline() && !cluster_roles.contains_key("cluster-admin") {
                cluster_admin_rules()
            } else {
                Vec::new()
            };
        let mut g = Graph {
            snap,
            cluster_roles,
            roles,
            aggregated: HashMap::default(),
            builtin_admin,
        };
        let names: Vec<&'a str> = g
            .cluster_roles
            .values()
            .filter(|r| !r.aggregation.is_empty())
            .map(|r| &*r.meta.name)
            .collect();
        for n in names {
            let rules = g.aggregate(n, &mut Vec::new());
            g.aggregated.insert(n, rules);
        }
        g
    }

    /// Own rules plus those of every ClusterRole an aggregation selector matches, transitively.
    fn aggregate(&self, name: &'a str, seen: &mut Vec<&'a str>) -> Vec<RbacRule> {
        if seen.contains(&name) {
            return Vec::new();
        }
        seen.push(name);
        let Some(role) = self.cluster_roles.get(name) else {
            return Vec::new();
        };
        let mut rules = role.rules.clone();
        for sel in &role.aggregation {
            let mut matched: Vec<&&Role> = self
                .cluster_roles
                .values()
                .filter(|r| r.meta.name.as_ref() != name && sel.matches(&r.meta.labels))
                .collect();
            matched.sort_by(|a, b| a.meta.name.cmp(&b.meta.name));
            for r in matched {
                for rule in self.aggregate(&r.meta.name, seen) {
                    if !rules.contains(&rule) {
                        rules.push(rule);
                    }
                }
            }
        }
        rules
    }

    /// The rules of a ClusterRole (aggregated ones included), if it exists.
    pub fn cluster_role_rules(&self, name: &str) -> Option<&[RbacRule]> {
        if let Some(r) = self.aggregated.get(name) {
            return Some(r);
        }
        if name == "cluster-admin" && !self.builtin_admin.is_empty() {
            return Some(&self.builtin_admin);
        }
        self.cluster_roles.get(name).map(|r| r.rules.as_slice())
    }

    /// The rules of the role a binding refers to (`None` when it does not exist).
    pub fn rules_of(&self, b: &Binding) -> Option<&[RbacRule]> {
        match &*b.role_kind {
            "ClusterRole" => self.cluster_role_rules(&b.role_name),
            "Role" => {
                let ns = b.meta.namespace.as_deref()?;
                self.roles
                    .get(&(ns, &*b.role_name))
                    .map(|r| r.rules.as_slice())
            }
            _ => None,
        }
    }

    /// The role a binding refers to: its rules, and its reference as cli.md prints it
    /// (`Role/NS/NAME` or `ClusterRole/NAME`). `None` when the role does not exist.
    pub fn role_of(&self, b: &Binding) -> Option<(&[RbacRule], String)> {
        match &*b.role_kind {
            "ClusterRole" => self
                .cluster_role_rules(&b.role_name)
                .map(|r| (r, format!("ClusterRole/{}", b.role_name))),
            "Role" => {
                let ns = b.meta.namespace.as_deref()?;
                self.roles
                    .get(&(ns, &*b.role_name))
                    .map(|r| (r.rules.as_slice(), format!("Role/{ns}/{}", b.role_name)))
            }
            _ => None,
        }
    }

    /// Whether a binding's subjects include the requester (the authorizer's `appliesTo`).
    pub fn binds(b: &Binding, who: &Requester) -> bool {
        b.subjects.iter().any(|s| match &*s.kind {
            "User" => !who.user.is_empty() && *s.name == *who.user,
            "Group" => who.groups.iter().any(|g| **g == *s.name),
            "ServiceAccount" => b.subject_namespace(s).is_some_and(|ns| {
                who.user
                    .strip_prefix("system:serviceaccount:")
                    .and_then(|u| u.strip_prefix(ns))
                    .and_then(|u| u.strip_prefix(':'))
                    == Some(&*s.name)
            }),
            _ => false,
        })
    }

    /// Bindings that apply to a request's namespace: every ClusterRoleBinding, and the
    /// RoleBindings of that namespace.
    pub(crate) fn bindings_for<'q>(
        &self,
        namespace: Option<&'q str>,
    ) -> impl Iterator<Item = &'a Binding> + 'q
    where
        'a: 'q,
    {
        self.snap
            .bindings
            .iter()
            .filter(move |b| match &b.meta.namespace {
                None => true,
                Some(ns) => Some(&**ns) == namespace,
            })
    }

    /// The decision on one request, with every binding and role that allows it.
    pub fn decide(&self, who: &Requester, req: &Request) -> Decision {
        let mut via = Vec::new();
        for b in self.bindings_for(req.namespace.as_deref()) {
            if !Graph::binds(b, who) {
                continue;
            }
            let Some((rules, role)) = self.role_of(b) else {
                continue; // a missing role grants nothing
            };
            if rules.iter().any(|r| rule_allows(r, req)) {
                via.push(Via {
                    binding: match &b.meta.namespace {
                        Some(ns) => format!("{ns}/{}", b.meta.name),
                        None => b.meta.name.to_string(),
                    },
                    role,
                });
            }
        }
        via.sort_by(|a, b| a.binding.cmp(&b.binding));
        via.dedup();
        Decision {
            allowed: !via.is_empty(),
            via,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Via {
    pub binding: String,
    pub role: String,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Decision {
    pub allowed: bool,
    pub via: Vec<Via>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(
        groups: &[&str],
        resources: &[&str],
        verbs: &[&str],
        names: &[&str],
        urls: &[&str],
    ) -> RbacRule {
        let b = |v: &[&str]| v.iter().map(|s| Box::from(*s)).collect();
        RbacRule {
            api_groups: b(groups),
            resources: b(resources),
            verbs: b(verbs),
            resource_names: b(names),
            non_resource_urls: b(urls),
        }
    }

    fn req(verb: &str, target: &str, name: Option<&str>) -> Request {
        Request {
            verb: verb.into(),
            namespace: Some("ns".into()),
            target: Target::parse(target, None, name),
        }
    }

    #[test]
    fn rules_match_as_the_authorizer_matches_them() {
        let pods = rule(&[""], &["pods"], &["get"], &[], &[]);
        assert!(rule_allows(&pods, &req("get", "pods", None)));
        assert!(!rule_allows(&pods, &req("list", "pods", None)));
        assert!(
            !rule_allows(&pods, &req("get", "pods/exec", None)),
            "a subresource is its own resource"
        );
        assert!(!rule_allows(&pods, &req("get", "deployments.apps", None)));
        let any_scale = rule(&["*"], &["*/scale"], &["update"], &[], &[]);
        assert!(rule_allows(
            &any_scale,
            &req("update", "deployments.apps/scale", None)
        ));
        assert!(!rule_allows(
            &any_scale,
            &req("update", "deployments.apps", None)
        ));
        let named = rule(&[""], &["configmaps"], &["get"], &["app-config"], &[]);
        assert!(rule_allows(
            &named,
            &req("get", "configmaps", Some("app-config"))
        ));
        assert!(!rule_allows(
            &named,
            &req("get", "configmaps", Some("other"))
        ));
        assert!(
            !rule_allows(&named, &req("get", "configmaps", None)),
            "resourceNames need a name"
        );
        let urls = rule(&[], &[], &["get"], &[], &["/healthz", "/api/*"]);
        assert!(rule_allows(&urls, &req("get", "/healthz", None)));
        assert!(rule_allows(&urls, &req("get", "/api/v1", None)));
        assert!(!rule_allows(&urls, &req("get", "/metrics", None)));
        let all = rule(&["*"], &["*"], &["*"], &[], &[]);
        assert!(rule_allows(&all, &req("delete", "secrets", None)));
        assert!(
            !rule_allows(&all, &req("get", "/metrics", None)),
            "resources do not grant URLs"
        );
    }

    #[test]
    fn subjects_parse_as_cli_md_writes_them() {
        let sa = Requester::parse("serviceaccount:shop:api", &[]).expect("sa");
        assert_eq!(sa.user, "system:serviceaccount:shop:api");
        assert!(sa
            .groups
            .contains(&"system:serviceaccounts:shop".to_string()));
        let u = Requester::parse("user:jane", &["devs".into()]).expect("user");
        assert_eq!(
            u.groups,
            vec!["devs".to_string(), "system:authenticated".to_string()]
        );
        assert!(Requester::parse("robot", &[]).is_err());
    }
}
