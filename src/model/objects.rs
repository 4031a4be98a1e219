//! Slim projections of the Kubernetes objects kvet reasons about.
//!
//! Only the fields the analyses and the views use are kept. Pod specs are shared (`Arc`) between
//! pods that have identical specs, which is what keeps a 150k-pod snapshot small.

use super::admin::AdminNetworkPolicy;
use super::meta::{Kind, Labels, Meta, ObjectRef};
pub use super::placement::{NodePlacement, NodeTerm, Toleration};
use super::selector::LabelSelector;
use std::sync::Arc;

pub use super::container::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WorkloadKind {
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
    ReplicationController,
    Job,
    CronJob,
    Pod,
}

impl WorkloadKind {
    pub fn from_kind(kind: &Kind) -> Option<WorkloadKind> {
        Some(match kind {
            Kind::Deployment => WorkloadKind::Deployment,
            Kind::StatefulSet => WorkloadKind::StatefulSet,
            Kind::DaemonSet => WorkloadKind::DaemonSet,
            Kind::ReplicaSet => WorkloadKind::ReplicaSet,
            Kind::ReplicationController => WorkloadKind::ReplicationController,
            Kind::Job => WorkloadKind::Job,
            Kind::CronJob => WorkloadKind::CronJob,
            Kind::Pod => WorkloadKind::Pod,
            _ => return None,
        })
    }

    pub fn kind(self) -> Kind {
        match self {
            WorkloadKind::Deployment => Kind::Deployment,
            WorkloadKind::StatefulSet => Kind::StatefulSet,
            WorkloadKind::DaemonSet => Kind::DaemonSet,
            WorkloadKind::ReplicaSet => Kind::ReplicaSet,
            WorkloadKind::ReplicationController => Kind::ReplicationController,
            WorkloadKind::Job => Kind::Job,
            WorkloadKind::CronJob => Kind::CronJob,
            WorkloadKind::Pod => Kind::Pod,
        }
    }

    /// JSON pointer of the pod spec inside the object.
    pub fn pod_spec_pointer(self) -> &'static str {
        match self {
            WorkloadKind::Pod => "/spec",
            WorkloadKind::CronJob => "/spec/jobTemplate/spec/template/spec",
            _ => "/spec/template/spec",
        }
    }

    /// JSON pointer of the pod template labels.
    pub fn labels_pointer(self) -> &'static str {
        match self {
            WorkloadKind::Pod => "/metadata/labels",
            WorkloadKind::CronJob => "/spec/jobTemplate/spec/template/metadata/labels",
            _ => "/spec/template/metadata/labels",
        }
    }

    /// Jobs and CronJobs run to completion; everything else is long-running.
    pub fn is_batch(self) -> bool {
        matches!(self, WorkloadKind::Job | WorkloadKind::CronJob)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Strategy {
    /// `RollingUpdate` when unset (for Deployments), `Recreate`, or for StatefulSets and
    /// DaemonSets their `updateStrategy.type`.
    pub kind: Option<Box<str>>,
    pub max_unavailable: Option<IntOrPercent>,
    pub max_surge: Option<IntOrPercent>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkloadStatus {
    pub replicas: Option<i64>,
    pub ready: Option<i64>,
    pub available: Option<i64>,
    pub updated: Option<i64>,
    /// Deployment conditions (Progressing, Available, ReplicaFailure).
    pub conditions: Box<[Condition]>,
}

#[derive(Clone, Debug)]
pub struct Workload {
    pub kind: WorkloadKind,
    pub meta: Meta,
    pub replicas: Option<i64>,
    pub selector: Option<LabelSelector>,
    pub template_labels: Labels,
    pub template_annotations: Labels,
    pub spec: Arc<PodSpec>,
    pub strategy: Strategy,
    pub revision_history_limit: Option<i64>,
    pub status: WorkloadStatus,
}

impl Workload {
    pub fn object_ref(&self) -> ObjectRef {
        obj_ref(self.kind.kind(), &self.meta)
    }

    /// An annotation from the object or, failing that, from its pod template.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.meta
            .annotation(key)
            .or_else(|| self.template_annotations.get(key))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerStatus {
    pub name: Box<str>,
    pub ready: bool,
    pub restart_count: i64,
    pub started_at: Option<Box<str>>,
    pub waiting_reason: Option<Box<str>>,
    pub last_terminated_reason: Option<Box<str>>,
    /// Evidence of trouble (`state.waiting.message`, `lastState.terminated` exit code and
    /// time), boxed: most containers have none.
    pub trouble: Option<Box<ContainerTrouble>>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContainerTrouble {
    pub waiting_message: Option<Box<str>>,
    pub last_exit_code: Option<i64>,
    pub last_finished_at: Option<Box<str>>,
}

/// A status condition (Deployments, HPAs, Nodes, pods' PodScheduled).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Condition {
    pub kind: Box<str>,
    pub status: Box<str>,
    pub reason: Option<Box<str>>,
    pub message: Option<Box<str>>,
    pub since: Option<Box<str>>,
}

/// What a pod's status says is wrong: not scheduled, or evicted. Boxed in the pod.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodTrouble {
    /// The PodScheduled condition when it is False.
    pub unscheduled: Option<Condition>,
    /// `status.reason` and `status.message` (Evicted, NodeLost, ...).
    pub reason: Option<Box<str>>,
    pub message: Option<Box<str>>,
}

/// An Event, from core/v1 or events.k8s.io/v1, about one object.
#[derive(Clone, Debug)]
pub struct Event {
    pub meta: Meta,
    pub regarding: ObjectRef,
    pub reason: Box<str>,
    pub message: Box<str>,
    /// Warning or Normal.
    pub warning: bool,
    /// How many times it happened (`count`, or `series.count`).
    pub count: i64,
    /// When it last happened (`lastTimestamp`, `series.lastObservedTime` or `eventTime`).
    pub last_seen: Option<Box<str>>,
}

#[derive(Clone, Debug)]
pub struct Pod {
    pub meta: Meta,
    pub spec: Arc<PodSpec>,
    pub node_name: Option<Box<str>>,
    pub phase: Option<Box<str>>,
    pub ready: bool,
    /// lastTransitionTime of the Ready condition.
    pub ready_since: Option<Box<str>>,
    pub containers: Vec<ContainerStatus>,
    /// status.podIP and status.podIPs (NetworkPolicy ipBlocks match them).
    pub ips: Box<[std::net::IpAddr]>,
    /// metadata.deletionTimestamp: the pod is being deleted.
    pub deleted_at: Option<Box<str>>,
    pub trouble: Option<Box<PodTrouble>>,
}

impl Pod {
    /// Ready as drains and budgets count it: the Ready condition is True and the pod is not
    /// being deleted.
    pub fn is_ready(&self) -> bool {
        self.ready && self.deleted_at.is_none()
    }

    /// Succeeded or Failed: the pod will not run again.
    pub fn is_finished(&self) -> bool {
        matches!(self.phase.as_deref(), Some("Succeeded" | "Failed"))
    }
}

#[derive(Clone, Debug)]
pub struct ServicePort {
    pub name: Option<Box<str>>,
    pub port: i64,
    pub target_port: Option<PortRef>,
    pub protocol: Box<str>,
}

#[derive(Clone, Debug)]
pub struct Service {
    pub meta: Meta,
    /// `None` when the Service has no selector (its endpoints are managed by hand).
    pub selector: Option<LabelSelector>,
    pub service_type: Box<str>,
    pub ports: Vec<ServicePort>,
}

#[derive(Clone, Debug)]
pub struct Pdb {
    pub meta: Meta,
    pub selector: Option<LabelSelector>,
    pub min_available: Option<IntOrPercent>,
    pub max_unavailable: Option<IntOrPercent>,
    /// `IfHealthyBudget` (the default) or `AlwaysAllow` (policy/v1, Kubernetes 1.26+).
    pub unhealthy_policy: Option<Box<str>>,
    /// `status.disruptionsAllowed`, when the disruption controller has written it.
    pub disruptions_allowed: Option<i64>,
}

impl Pdb {
    /// policy/v1beta1 gives an empty selector the meaning "no pods"; policy/v1 "every pod".
    pub fn matches(&self, labels: &Labels) -> bool {
        match &self.selector {
            None => false,
            Some(s) if s.is_empty() => !self.meta.api_version.starts_with("policy/v1beta1"),
            Some(s) => s.matches(labels),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HpaMetric {
    /// A `Resource` or `ContainerResource` metric on cpu or memory.
    Resource {
        name: Box<str>,
        container: Option<Box<str>>,
        utilization: Option<i64>,
    },
    Other(Box<str>),
}

#[derive(Clone, Debug)]
pub struct ScaleTarget {
    pub api_version: Box<str>,
    pub kind: Box<str>,
    pub name: Box<str>,
}

#[derive(Clone, Debug)]
pub struct Hpa {
    pub meta: Meta,
    pub target: ScaleTarget,
    pub min_replicas: Option<i64>,
    pub max_replicas: Option<i64>,
    /// The metrics, normalised across autoscaling/v1, v2beta1, v2beta2 and v2. When the object
    /// names none, the API default (cpu at 80 %) is filled in.
    pub metrics: Vec<HpaMetric>,
    pub current_replicas: Option<i64>,
    pub desired_replicas: Option<i64>,
    /// AbleToScale, ScalingActive, ScalingLimited.
    pub conditions: Box<[Condition]>,
}

impl Hpa {
    pub fn min_replicas(&self) -> i64 {
        self.min_replicas.unwrap_or(1)
    }

    /// The CPU utilization targets, with the container they are limited to, if any.
    pub fn cpu_utilization(&self) -> impl Iterator<Item = (Option<&str>, i64)> {
        self.metrics.iter().filter_map(|m| match m {
            HpaMetric::Resource {
                name,
                container,
                utilization: Some(u),
            } if &**name == "cpu" => Some((container.as_deref(), *u)),
            _ => None,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpBlock {
    pub cidr: Box<str>,
    pub except: Vec<Box<str>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Peer {
    pub pod_selector: Option<LabelSelector>,
    pub namespace_selector: Option<LabelSelector>,
    pub ip_block: Option<IpBlock>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyPort {
    pub protocol: Box<str>,
    pub port: Option<PortRef>,
    pub end_port: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyRule {
    /// Empty means every peer.
    pub peers: Vec<Peer>,
    /// Empty means every port.
    pub ports: Vec<PolicyPort>,
}

#[derive(Clone, Debug)]
pub struct NetworkPolicy {
    pub meta: Meta,
    pub pod_selector: LabelSelector,
    /// Effective policy types: `policyTypes` when given, else Ingress plus Egress when there
    /// are egress rules (the API default).
    pub ingress_isolation: bool,
    pub egress_isolation: bool,
    pub ingress: Vec<PolicyRule>,
    pub egress: Vec<PolicyRule>,
}

#[derive(Clone, Debug)]
pub struct ServiceAccount {
    pub meta: Meta,
    pub automount_token: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RbacRule {
    pub api_groups: Vec<Box<str>>,
    pub resources: Vec<Box<str>>,
    pub verbs: Vec<Box<str>>,
    pub resource_names: Vec<Box<str>>,
    pub non_resource_urls: Vec<Box<str>>,
}

/// A Role or a ClusterRole (`meta.namespace` is `None` for the latter).
#[derive(Clone, Debug)]
pub struct Role {
    pub meta: Meta,
    pub rules: Vec<RbacRule>,
    pub aggregation: Vec<LabelSelector>,
}

impl Role {
    pub fn is_cluster_role(&self) -> bool {
        self.meta.namespace.is_none()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    pub kind: Box<str>,
    pub name: Box<str>,
    pub namespace: Option<Box<str>>,
}

/// A CustomResourceDefinition: the group, plural and scope of the resource it adds (RBAC
/// rules name resources by group and plural).
#[derive(Clone, Debug)]
pub struct Crd {
    pub meta: Meta,
    pub group: Box<str>,
    pub plural: Box<str>,
    pub namespaced: bool,
}

/// An Ingress: the Services its rules and default backend send traffic to (its controller runs
/// elsewhere, often outside the input).
#[derive(Clone, Debug)]
pub struct Ingress {
    pub meta: Meta,
    pub services: Box<[Box<str>]>,
}

/// A Mutating- or ValidatingWebhookConfiguration: the Services (namespace, name) the API server
/// calls.
#[derive(Clone, Debug)]
pub struct WebhookConfig {
    pub meta: Meta,
    pub mutating: bool,
    pub services: Box<[(Box<str>, Box<str>)]>,
}

/// A PersistentVolumeClaim: only its access modes are read.
#[derive(Clone, Debug)]
pub struct Pvc {
    pub meta: Meta,
    pub access_modes: Box<[Box<str>]>,
}

impl Pvc {
    /// Only one node may mount it (ReadWriteOnce, ReadWriteOncePod), or the modes are not
    /// written (the StorageClass may still make it single-node).
    pub fn single_node(&self) -> bool {
        self.access_modes.is_empty()
            || self
                .access_modes
                .iter()
                .any(|m| matches!(&**m, "ReadWriteOnce" | "ReadWriteOncePod"))
    }
}

/// A RoleBinding or a ClusterRoleBinding (`meta.namespace` is `None` for the latter).
#[derive(Clone, Debug)]
pub struct Binding {
    pub meta: Meta,
    pub role_kind: Box<str>,
    pub role_name: Box<str>,
    pub subjects: Vec<Subject>,
}

impl Binding {
    /// The namespace of a ServiceAccount subject: its own, else (empty or unset) the binding's,
    /// as the API server reads it. `None` for a ClusterRoleBinding subject that names none.
    pub fn subject_namespace<'a>(&'a self, s: &'a Subject) -> Option<&'a str> {
        s.namespace
            .as_deref()
            .filter(|n| !n.is_empty())
            .or(self.meta.namespace.as_deref())
    }
}

#[derive(Clone, Debug)]
pub struct ResourceQuota {
    pub meta: Meta,
    pub hard: Vec<(Box<str>, Box<str>)>,
    /// `status.used`: known live and in dumps of a live cluster, empty in manifests.
    pub used: Vec<(Box<str>, Box<str>)>,
}

impl ResourceQuota {
    pub fn hard(&self, resource: &str) -> Option<&str> {
        self.hard
            .iter()
            .find(|(k, _)| &**k == resource)
            .map(|(_, v)| &**v)
    }

    pub fn used(&self, resource: &str) -> Option<&str> {
        self.used
            .iter()
            .find(|(k, _)| &**k == resource)
            .map(|(_, v)| &**v)
    }
}

#[derive(Clone, Debug, Default)]
pub struct LimitRangeItem {
    pub item_type: Box<str>,
    pub default_limit: ResourcePair,
    pub default_request: ResourcePair,
    pub max: ResourcePair,
    pub min: ResourcePair,
}

#[derive(Clone, Debug)]
pub struct LimitRange {
    pub meta: Meta,
    pub items: Vec<LimitRangeItem>,
}

#[derive(Clone, Debug)]
pub struct Namespace {
    pub meta: Meta,
    pub phase: Option<Box<str>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taint {
    pub key: Box<str>,
    pub value: Option<Box<str>>,
    pub effect: Box<str>,
}

#[derive(Clone, Debug)]
pub struct Node {
    pub meta: Meta,
    pub unschedulable: bool,
    pub taints: Vec<Taint>,
    pub ready: Option<bool>,
    pub allocatable: ResourcePair,
    /// Ready and the pressure conditions, as the status has them.
    pub conditions: Box<[Condition]>,
}

/// A Secret or a ConfigMap: metadata, and the names and sizes of its keys. Never the values.
#[derive(Clone, Debug)]
pub struct DataObject {
    pub meta: Meta,
    pub kind: Kind,
    pub data_type: Option<Box<str>>,
    pub keys: Vec<(Box<str>, usize)>,
}

/// Any other kind: identity and labels only.
#[derive(Clone, Debug)]
pub struct OtherObject {
    pub meta: Meta,
    pub kind: Arc<str>,
}

pub fn obj_ref(kind: Kind, meta: &Meta) -> ObjectRef {
    ObjectRef {
        kind,
        namespace: meta.namespace.clone(),
        name: meta.name.clone(),
    }
}

/// One decoded object of any kind.
#[derive(Clone, Debug)]
pub enum Object {
    Namespace(Namespace),
    Node(Node),
    Pod(Pod),
    Workload(Workload),
    Service(Service),
    Pdb(Pdb),
    Hpa(Hpa),
    NetworkPolicy(NetworkPolicy),
    AdminNetworkPolicy(AdminNetworkPolicy),
    ServiceAccount(ServiceAccount),
    Role(Role),
    Binding(Binding),
    ResourceQuota(ResourceQuota),
    LimitRange(LimitRange),
    Pvc(Pvc),
    Crd(Crd),
    Ingress(Ingress),
    Webhook(WebhookConfig),
    Event(Event),
    Data(DataObject),
    /// Another tool's policy report (OpenReports or wg-policy).
    Report(super::reports::PolicyReport),
    Other(OtherObject),
}

impl Object {
    pub fn meta(&self) -> &Meta {
        match self {
            Object::Namespace(o) => &o.meta,
            Object::Node(o) => &o.meta,
            Object::Pod(o) => &o.meta,
            Object::Workload(o) => &o.meta,
            Object::Service(o) => &o.meta,
            Object::Pdb(o) => &o.meta,
            Object::Hpa(o) => &o.meta,
            Object::NetworkPolicy(o) => &o.meta,
            Object::AdminNetworkPolicy(o) => &o.meta,
            Object::ServiceAccount(o) => &o.meta,
            Object::Role(o) => &o.meta,
            Object::Binding(o) => &o.meta,
            Object::ResourceQuota(o) => &o.meta,
            Object::LimitRange(o) => &o.meta,
            Object::Pvc(o) => &o.meta,
            Object::Crd(o) => &o.meta,
            Object::Ingress(o) => &o.meta,
            Object::Event(o) => &o.meta,
            Object::Webhook(o) => &o.meta,
            Object::Data(o) => &o.meta,
            Object::Report(o) => &o.meta,
            Object::Other(o) => &o.meta,
        }
    }

    pub fn meta_mut(&mut self) -> &mut Meta {
        match self {
            Object::Namespace(o) => &mut o.meta,
            Object::Node(o) => &mut o.meta,
            Object::Pod(o) => &mut o.meta,
            Object::Workload(o) => &mut o.meta,
            Object::Service(o) => &mut o.meta,
            Object::Pdb(o) => &mut o.meta,
            Object::Hpa(o) => &mut o.meta,
            Object::NetworkPolicy(o) => &mut o.meta,
            Object::AdminNetworkPolicy(o) => &mut o.meta,
            Object::ServiceAccount(o) => &mut o.meta,
            Object::Role(o) => &mut o.meta,
            Object::Binding(o) => &mut o.meta,
            Object::ResourceQuota(o) => &mut o.meta,
            Object::LimitRange(o) => &mut o.meta,
            Object::Pvc(o) => &mut o.meta,
            Object::Crd(o) => &mut o.meta,
            Object::Ingress(o) => &mut o.meta,
            Object::Event(o) => &mut o.meta,
            Object::Webhook(o) => &mut o.meta,
            Object::Data(o) => &mut o.meta,
            Object::Report(o) => &mut o.meta,
            Object::Other(o) => &mut o.meta,
        }
    }

    pub fn kind(&self) -> Kind {
        match self {
            Object::Namespace(_) => Kind::Namespace,
            Object::Node(_) => Kind::Node,
            Object::Pod(_) => Kind::Pod,
            Object::Workload(w) => w.kind.kind(),
            Object::Service(_) => Kind::Service,
            Object::Pdb(_) => Kind::PodDisruptionBudget,
            Object::Hpa(_) => Kind::HorizontalPodAutoscaler,
            Object::NetworkPolicy(_) => Kind::NetworkPolicy,
            Object::AdminNetworkPolicy(a) => a.kind(),
            Object::ServiceAccount(_) => Kind::ServiceAccount,
            Object::Role(r) if r.is_cluster_role() => Kind::ClusterRole,
            Object::Role(_) => Kind::Role,
            Object::Binding(b) if b.meta.namespace.is_none() => Kind::ClusterRoleBinding,
            Object::Binding(_) => Kind::RoleBinding,
            Object::ResourceQuota(_) => Kind::ResourceQuota,
            Object::LimitRange(_) => Kind::LimitRange,
            Object::Pvc(_) => Kind::PersistentVolumeClaim,
            Object::Crd(_) => Kind::CustomResourceDefinition,
            Object::Ingress(_) => Kind::Ingress,
            Object::Event(_) => Kind::Event,
            Object::Webhook(w) if w.mutating => Kind::MutatingWebhookConfiguration,
            Object::Webhook(_) => Kind::ValidatingWebhookConfiguration,
            Object::Data(d) => d.kind.clone(),
            Object::Report(r) => r.kind(),
            Object::Other(o) => Kind::Other(o.kind.clone()),
        }
    }

    pub fn object_ref(&self) -> ObjectRef {
        obj_ref(self.kind(), self.meta())
    }
}
