//! The kinds kvet reads from a live cluster, with the API versions it accepts for each.

/// One kind kvet reads, with the API versions it accepts in order of preference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KindSpec {
    pub kind: &'static str,
    pub group: &'static str,
    pub versions: &'static [&'static str],
    pub plural: &'static str,
    pub namespaced: bool,
    /// Secrets and ConfigMaps: metadata only, never the data.
    pub metadata_only: bool,
    /// Custom resources most clusters lack (AdminNetworkPolicy): not served is not worth a
    /// warning, so such a kind is left out of the statuses.
    pub optional: bool,
}

const fn k(
    kind: &'static str,
    group: &'static str,
    versions: &'static [&'static str],
    plural: &'static str,
    namespaced: bool,
) -> KindSpec {
    KindSpec {
        kind,
        group,
        versions,
        plural,
        namespaced,
        metadata_only: false,
        optional: false,
    }
}

/// Every kind kvet watches. Discovery picks the first version the server serves.
pub const KINDS: &[KindSpec] = &[
    k("Namespace", "", &["v1"], "namespaces", false),
    k("Node", "", &["v1"], "nodes", false),
    k("Pod", "", &["v1"], "pods", true),
    k("Deployment", "apps", &["v1"], "deployments", true),
    k("StatefulSet", "apps", &["v1"], "statefulsets", true),
    k("DaemonSet", "apps", &["v1"], "daemonsets", true),
    k("ReplicaSet", "apps", &["v1"], "replicasets", true),
    k("Job", "batch", &["v1"], "jobs", true),
    k("CronJob", "batch", &["v1", "v1beta1"], "cronjobs", true),
    k("Service", "", &["v1"], "services", true),
    k(
        "PodDisruptionBudget",
        "policy",
        &["v1", "v1beta1"],
        "poddisruptionbudgets",
        true,
    ),
    k(
        "HorizontalPodAutoscaler",
        "autoscaling",
        &["v2", "v2beta2", "v1"],
        "horizontalpodautoscalers",
        true,
    ),
    k(
        "NetworkPolicy",
        "networking.k8s.io",
        &["v1"],
        "networkpolicies",
        true,
    ),
    k("ServiceAccount", "", &["v1"], "serviceaccounts", true),
    k("Role", "rbac.authorization.k8s.io", &["v1"], "roles", true),
    k(
        "ClusterRole",
        "rbac.authorization.k8s.io",
        &["v1"],
        "clusterroles",
        false,
    ),
    k(
        "RoleBinding",
        "rbac.authorization.k8s.io",
        &["v1"],
        "rolebindings",
        true,
    ),
    k(
        "ClusterRoleBinding",
        "rbac.authorization.k8s.io",
        &["v1"],
        "clusterrolebindings",
        false,
    ),
    k("ResourceQuota", "", &["v1"], "resourcequotas", true),
    k("LimitRange", "", &["v1"], "limitranges", true),
    k(
        "Ingress",
        "networking.k8s.io",
        &["v1", "v1beta1"],
        "ingresses",
        true,
    ),
    k(
        "MutatingWebhookConfiguration",
        "admissionregistration.k8s.io",
        &["v1", "v1beta1"],
        "mutatingwebhookconfigurations",
        false,
    ),
    k(
        "ValidatingWebhookConfiguration",
        "admissionregistration.k8s.io",
        &["v1", "v1beta1"],
        "validatingwebhookconfigurations",
        false,
    ),
    // The evidence triage joins to findings (events.k8s.io/v1 serves the same objects as
    // core/v1 Events).
    k("Event", "events.k8s.io", &["v1", "v1beta1"], "events", true),
    k(
        "PersistentVolumeClaim",
        "",
        &["v1"],
        "persistentvolumeclaims",
        true,
    ),
    KindSpec {
        kind: "AdminNetworkPolicy",
        group: "policy.networking.k8s.io",
        versions: &["v1alpha1"],
        plural: "adminnetworkpolicies",
        namespaced: false,
        metadata_only: false,
        optional: true,
    },
    KindSpec {
        kind: "BaselineAdminNetworkPolicy",
        group: "policy.networking.k8s.io",
        versions: &["v1alpha1"],
        plural: "baselineadminnetworkpolicies",
        namespaced: false,
        metadata_only: false,
        optional: true,
    },
    KindSpec {
        kind: "Secret",
        group: "",
        versions: &["v1"],
        plural: "secrets",
        namespaced: true,
        metadata_only: true,
        optional: false,
    },
    KindSpec {
        kind: "ConfigMap",
        group: "",
        versions: &["v1"],
        plural: "configmaps",
        namespaced: true,
        metadata_only: true,
        optional: false,
    },
];

/// Other tools' policy reports, read for the TUI only (`--reports=false` turns it off): both
/// APIs, and wg-policy's newer v1beta1 where it is the version served. Optional: a cluster
/// without them is not worth a warning.
pub const REPORT_KINDS: &[KindSpec] = &[
    KindSpec {
        kind: "Report",
        group: "openreports.io",
        versions: &["v1alpha1"],
        plural: "reports",
        namespaced: true,
        metadata_only: false,
        optional: true,
    },
    KindSpec {
        kind: "ClusterReport",
        group: "openreports.io",
        versions: &["v1alpha1"],
        plural: "clusterreports",
        namespaced: false,
        metadata_only: false,
        optional: true,
    },
    KindSpec {
        kind: "PolicyReport",
        group: "wgpolicyk8s.io",
        versions: &["v1alpha2", "v1beta1"],
        plural: "policyreports",
        namespaced: true,
        metadata_only: false,
        optional: true,
    },
    KindSpec {
        kind: "ClusterPolicyReport",
        group: "wgpolicyk8s.io",
        versions: &["v1alpha2", "v1beta1"],
        plural: "clusterpolicyreports",
        namespaced: false,
        metadata_only: false,
        optional: true,
    },
];
