//! `rbac-broad-binding`: a ClusterRoleBinding where a RoleBinding would do.

use crate::audit::{Check, CheckInfo, Family, Findings, Severity, Subject};
use crate::model::{Kind, Snapshot};

pub static INFO: CheckInfo = CheckInfo {
    id: "rbac-broad-binding",
    family: Family::Rbac,
    severity: Severity::Info,
    summary:
        "A ClusterRoleBinding grants a ServiceAccount only namespaced rights that nothing shows it uses outside its namespace",
    doc: "\
What it detects
  A ClusterRoleBinding whose subjects include a ServiceAccount that a workload runs as, for a
  role whose every rule is on namespaced resources (built-in kinds, and custom resources whose
  CustomResourceDefinition in the input says Namespaced) with no verb that works across
  namespaces (list, watch, deletecollection or *). It fires only when sure:
  - a cluster-scoped resource (nodes, namespaces, a CRD with scope Cluster), a non-resource
    URL or a wildcard needs the ClusterRoleBinding: a RoleBinding cannot grant them;
  - a resource whose scope kvet cannot tell (a custom resource without its CRD in the input,
    as on a live cluster) is not judged;
  - list or watch is what a controller does across the namespaces it manages, wherever its
    own pods run (linkerd's policy controller, Argo's workflow controller): not judged.

Why it matters
  The grant holds in every namespace, present and future, while the workload only acts in its
  own. A RoleBinding to the same ClusterRole in that namespace gives it the same rights there.

Example
  kind: ClusterRoleBinding, roleRef: {kind: ClusterRole, name: config-writer} (configmaps:
  get, update), subjects: [{kind: ServiceAccount, name: api, namespace: payments}]

Fix
  Replace it with a RoleBinding in the ServiceAccount's namespace (roleRef can stay the
  ClusterRole), or one RoleBinding per namespace it really writes to.",
    fix_available: false,
};

/// Cluster-scoped built-in resources: a role that grants one of these needs a
/// ClusterRoleBinding.
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
    "validatingadmissionpolicies",
    "validatingadmissionpolicybindings",
    "certificatesigningrequests",
    "runtimeclasses",
    "componentstatuses",
    "tokenreviews",
    "subjectaccessreviews",
    "selfsubjectaccessreviews",
    "selfsubjectrulesreviews",
    "ingressclasses",
    "podsecuritypolicies",
    "flowschemas",
    "prioritylevelconfigurations",
    "deviceclasses",
    "resourceslices",
];

/// Namespaced built-in resources, by API group (Kubernetes' API reference).
const NAMESPACED: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "pods",
            "services",
            "endpoints",
            "configmaps",
            "secrets",
            "serviceaccounts",
            "persistentvolumeclaims",
            "events",
            "limitranges",
            "resourcequotas",
            "replicationcontrollers",
            "podtemplates",
            "bindings",
        ],
    ),
    (
        "apps",
        &[
            "deployments",
            "replicasets",
            "statefulsets",
            "daemonsets",
            "controllerrevisions",
        ],
    ),
    (
        "extensions",
        &[
            "deployments",
            "replicasets",
            "daemonsets",
            "ingresses",
            "networkpolicies",
        ],
    ),
    ("batch", &["jobs", "cronjobs"]),
    ("autoscaling", &["horizontalpodautoscalers"]),
    ("policy", &["poddisruptionbudgets"]),
    ("networking.k8s.io", &["networkpolicies", "ingresses"]),
    ("rbac.authorization.k8s.io", &["roles", "rolebindings"]),
    ("coordination.k8s.io", &["leases"]),
    ("events.k8s.io", &["events"]),
    ("discovery.k8s.io", &["endpointslices"]),
    ("authorization.k8s.io", &["localsubjectaccessreviews"]),
    ("storage.k8s.io", &["csistoragecapacities"]),
    (
        "resource.k8s.io",
        &["resourceclaims", "resourceclaimtemplates"],
    ),
];

/// What a rule's (group, resource) needs.
#[derive(PartialEq)]
enum Scope {
    Namespaced,
    Cluster,
    Unknown,
}

fn scope(snap: &Snapshot, group: &str, resource: &str) -> Scope {
    let base = resource.split('/').next().unwrap_or_default();
    if group == "*" || base == "*" {
        return Scope::Cluster;
    }
    if NAMESPACED
        .iter()
        .any(|(g, list)| *g == group && list.contains(&base))
    {
        return Scope::Namespaced;
    }
    if let Some(c) = snap
        .crds
        .iter()
        .find(|c| *c.group == *group && *c.plural == *base)
    {
        return if c.namespaced {
            Scope::Namespaced
        } else {
            Scope::Cluster
        };
    }
    if CLUSTER_SCOPED.contains(&base) {
        return Scope::Cluster;
    }
    Scope::Unknown
}

/// Verbs that act on a whole collection, which a controller uses across namespaces.
fn across_namespaces(verb: &str) -> bool {
    matches!(verb, "list" | "watch" | "deletecollection" | "*")
}

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
            let sure = !rules.is_empty()
                && rules.iter().all(|r| {
                    r.non_resource_urls.is_empty()
                        && !r.verbs.iter().any(|v| across_namespaces(v))
                        && r.api_groups.iter().all(|grp| {
                            r.resources
                                .iter()
                                .all(|res| scope(snap, grp, res) == Scope::Namespaced)
                        })
                });
            if !sure {
                continue;
            }
            for s in b.subjects.iter().filter(|s| &*s.kind == "ServiceAccount") {
                let Some(ns) = s.namespace.as_deref().filter(|n| !n.is_empty()) else {
                    continue;
                };
                if used.contains(&(ns, &*s.name)) {
                    out.add(
                        Subject::of(Kind::ClusterRoleBinding, &b.meta),
                        "/subjects",
                        format!(
                            "grants {role} to ServiceAccount {ns}/{} in every namespace, yet it holds only namespaced rights and no list or watch: a RoleBinding in {ns} gives the same where its workloads run",
                            s.name
                        ),
                    );
                    break;
                }
            }
        }
    }
}
