//! Identity and metadata shared by every projection: kinds, references, labels.

use serde::Serialize;
use std::fmt;
use std::sync::Arc;

/// The kinds kvet projects. Anything else is kept as [`Kind::Other`] with its name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Namespace,
    Node,
    Pod,
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
    ReplicationController,
    Job,
    CronJob,
    Service,
    PodDisruptionBudget,
    HorizontalPodAutoscaler,
    NetworkPolicy,
    AdminNetworkPolicy,
    BaselineAdminNetworkPolicy,
    ServiceAccount,
    Role,
    ClusterRole,
    RoleBinding,
    ClusterRoleBinding,
    ResourceQuota,
    LimitRange,
    PersistentVolumeClaim,
    CustomResourceDefinition,
    Ingress,
    Event,
    MutatingWebhookConfiguration,
    ValidatingWebhookConfiguration,
    Secret,
    ConfigMap,
    Other(Arc<str>),
}

impl Kind {
    pub fn parse(kind: &str) -> Kind {
        match kind {
            "Namespace" => Kind::Namespace,
            "Node" => Kind::Node,
            "Pod" => Kind::Pod,
            "Deployment" => Kind::Deployment,
            "StatefulSet" => Kind::StatefulSet,
            "DaemonSet" => Kind::DaemonSet,
            "ReplicaSet" => Kind::ReplicaSet,
            "ReplicationController" => Kind::ReplicationController,
            "Job" => Kind::Job,
            "CronJob" => Kind::CronJob,
            "Service" => Kind::Service,
            "PodDisruptionBudget" => Kind::PodDisruptionBudget,
            "HorizontalPodAutoscaler" => Kind::HorizontalPodAutoscaler,
            "NetworkPolicy" => Kind::NetworkPolicy,
            "AdminNetworkPolicy" => Kind::AdminNetworkPolicy,
            "BaselineAdminNetworkPolicy" => Kind::BaselineAdminNetworkPolicy,
            "ServiceAccount" => Kind::ServiceAccount,
            "Role" => Kind::Role,
            "ClusterRole" => Kind::ClusterRole,
            "RoleBinding" => Kind::RoleBinding,
            "ClusterRoleBinding" => Kind::ClusterRoleBinding,
            "ResourceQuota" => Kind::ResourceQuota,
            "LimitRange" => Kind::LimitRange,
            "PersistentVolumeClaim" => Kind::PersistentVolumeClaim,
            "CustomResourceDefinition" => Kind::CustomResourceDefinition,
            "Ingress" => Kind::Ingress,
            "Event" => Kind::Event,
            "MutatingWebhookConfiguration" => Kind::MutatingWebhookConfiguration,
            "ValidatingWebhookConfiguration" => Kind::ValidatingWebhookConfiguration,
            "Secret" => Kind::Secret,
            "ConfigMap" => Kind::ConfigMap,
            other => Kind::Other(Arc::from(other)),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Kind::Namespace => "Namespace",
            Kind::Node => "Node",
            Kind::Pod => "Pod",
            Kind::Deployment => "Deployment",
            Kind::StatefulSet => "StatefulSet",
            Kind::DaemonSet => "DaemonSet",
            Kind::ReplicaSet => "ReplicaSet",
            Kind::ReplicationController => "ReplicationController",
            Kind::Job => "Job",
            Kind::CronJob => "CronJob",
            Kind::Service => "Service",
            Kind::PodDisruptionBudget => "PodDisruptionBudget",
            Kind::HorizontalPodAutoscaler => "HorizontalPodAutoscaler",
            Kind::NetworkPolicy => "NetworkPolicy",
            Kind::AdminNetworkPolicy => "AdminNetworkPolicy",
            Kind::BaselineAdminNetworkPolicy => "BaselineAdminNetworkPolicy",
            Kind::ServiceAccount => "ServiceAccount",
            Kind::Role => "Role",
            Kind::ClusterRole => "ClusterRole",
            Kind::RoleBinding => "RoleBinding",
            Kind::ClusterRoleBinding => "ClusterRoleBinding",
            Kind::ResourceQuota => "ResourceQuota",
            Kind::LimitRange => "LimitRange",
            Kind::PersistentVolumeClaim => "PersistentVolumeClaim",
            Kind::CustomResourceDefinition => "CustomResourceDefinition",
            Kind::Ingress => "Ingress",
            Kind::Event => "Event",
            Kind::MutatingWebhookConfiguration => "MutatingWebhookConfiguration",
            Kind::ValidatingWebhookConfiguration => "ValidatingWebhookConfiguration",
            Kind::Secret => "Secret",
            Kind::ConfigMap => "ConfigMap",
            Kind::Other(k) => k,
        }
    }

    /// Kinds that never live in a namespace.
    pub fn is_cluster_scoped(&self) -> bool {
        matches!(
            self,
            Kind::Namespace
                | Kind::Node
                | Kind::ClusterRole
                | Kind::ClusterRoleBinding
                | Kind::AdminNetworkPolicy
                | Kind::BaselineAdminNetworkPolicy
        ) || matches!(self, Kind::Other(k) if matches!(&**k, "ClusterReport" | "ClusterPolicyReport"))
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stable identifier of one object: kind, namespace and name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectRef {
    pub kind: Kind,
    pub namespace: Option<Arc<str>>,
    pub name: Arc<str>,
}

impl ObjectRef {
    pub fn new(kind: Kind, namespace: Option<&str>, name: &str) -> Self {
        ObjectRef {
            kind,
            namespace: namespace.map(Arc::from),
            name: Arc::from(name),
        }
    }

    pub fn namespace(&self) -> &str {
        self.namespace.as_deref().unwrap_or("")
    }
}

impl fmt::Display for ObjectRef {
    /// `Deployment/payments/api`, or `ClusterRole/admin` for cluster-scoped objects.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{}/{}/{}", self.kind, ns, self.name),
            None => write!(f, "{}/{}", self.kind, self.name),
        }
    }
}

impl Serialize for ObjectRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("ObjectRef", 3)?;
        st.serialize_field("kind", self.kind.as_str())?;
        st.serialize_field("namespace", &self.namespace.as_deref())?;
        st.serialize_field("name", &*self.name)?;
        st.end()
    }
}

/// A sorted, immutable label (or annotation) map. Identical maps are shared between objects
/// by the snapshot builder, so thousands of pods of one ReplicaSet hold a single copy.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Labels(Arc<[(Box<str>, Box<str>)]>);

impl Labels {
    pub fn from_pairs(mut pairs: Vec<(String, String)>) -> Self {
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        pairs.dedup_by(|a, b| a.0 == b.0);
        Labels(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into_boxed_str(), v.into_boxed_str()))
                .collect(),
        )
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .binary_search_by(|(k, _)| (**k).cmp(key))
            .ok()
            .map(|i| &*self.0[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (&**k, &**v))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Address of the shared map: equal for maps the snapshot builder shared.
    pub fn identity(&self) -> usize {
        Arc::as_ptr(&self.0) as *const u8 as usize
    }
}

/// Where an offline object came from: an index into [`crate::model::Snapshot::files`], and the
/// 1-based line where its document starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Origin {
    pub file: u32,
    pub line: u32,
}

/// The controlling owner of an object (`ownerReferences` with `controller: true`, else the first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnerRef {
    pub kind: Kind,
    pub name: Arc<str>,
    /// `controller: true`: the owner manages the object (kubectl drain's test for a managed pod).
    pub controller: bool,
}

/// Metadata kept for every object. `managedFields` and the last-applied annotation are never kept.
#[derive(Clone, Debug)]
pub struct Meta {
    pub name: Arc<str>,
    pub namespace: Option<Arc<str>>,
    pub labels: Labels,
    pub annotations: Labels,
    pub owner: Option<OwnerRef>,
    pub api_version: Arc<str>,
    pub origin: Option<Origin>,
    /// The apiVersion and kind of the kubectl last-applied annotation, when it has one: the
    /// version the object was written in (live objects are served in the preferred version).
    /// Nothing else of the annotation is kept.
    pub applied_as: Option<AppliedAs>,
}

/// The apiVersion and kind an object was last applied as.
pub type AppliedAs = Box<(Box<str>, Box<str>)>;

impl Meta {
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.get(key)
    }

    pub fn namespace(&self) -> &str {
        self.namespace.as_deref().unwrap_or("")
    }
}

/// The annotation kvet never keeps: it can hold a whole object, Secret data included.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// `deploy/ns/name` → the reference (kubectl's short names are accepted).
pub fn parse_object(text: &str) -> Result<ObjectRef, String> {
    let parts: Vec<&str> = text.split('/').collect();
    let (kind, ns, name) = match parts.as_slice() {
        [k, ns, n] => (*k, Some(*ns), *n),
        [k, n] => (*k, None, *n),
        _ => {
            return Err(format!(
                "{text:?}: expected KIND/NAMESPACE/NAME, e.g. deploy/shop/cart"
            ))
        }
    };
    let kind = match kind.to_ascii_lowercase().as_str() {
        "deploy" | "deployment" | "deployments" => Kind::Deployment,
        "sts" | "statefulset" | "statefulsets" => Kind::StatefulSet,
        "ds" | "daemonset" | "daemonsets" => Kind::DaemonSet,
        "rs" | "replicaset" | "replicasets" => Kind::ReplicaSet,
        "job" | "jobs" => Kind::Job,
        "cj" | "cronjob" | "cronjobs" => Kind::CronJob,
        "po" | "pod" | "pods" => Kind::Pod,
        "ns" | "namespace" | "namespaces" => Kind::Namespace,
        "netpol" | "networkpolicy" | "networkpolicies" => Kind::NetworkPolicy,
        "anp" | "adminnetworkpolicy" | "adminnetworkpolicies" => Kind::AdminNetworkPolicy,
        "banp" | "baselineadminnetworkpolicy" | "baselineadminnetworkpolicies" => {
            Kind::BaselineAdminNetworkPolicy
        }
        "pdb" | "poddisruptionbudget" | "poddisruptionbudgets" => Kind::PodDisruptionBudget,
        "hpa" | "horizontalpodautoscaler" | "horizontalpodautoscalers" => {
            Kind::HorizontalPodAutoscaler
        }
        _ => Kind::parse(kind),
    };
    if name.is_empty() {
        return Err(format!("{text:?}: the name is empty"));
    }
    Ok(ObjectRef::new(kind, ns, name))
}
