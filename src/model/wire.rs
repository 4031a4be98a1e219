//! Serde shapes of the manifest fields kvet reads. Everything else in a document is skipped
//! while parsing, so nothing large (managedFields, env, Secret data) is ever allocated.
//!
//! One `RawObject` type covers every kind; fields whose shape differs between kinds
//! (`spec.selector`) use small custom deserializers.

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::fmt;

pub use super::wire_scalars::*;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawExpr {
    pub key: String,
    pub operator: String,
    #[serde(deserialize_with = "nullable")]
    pub values: Vec<Str>,
}

/// A selector that may be a `LabelSelector` (`matchLabels`/`matchExpressions`) or a plain
/// map (Service, ReplicationController).
#[derive(Debug, Default)]
pub struct RawSelector {
    pub match_labels: Option<StrMap>,
    pub match_expressions: Option<Vec<RawExpr>>,
    pub plain: StrMap,
}

impl<'de> Deserialize<'de> for RawSelector {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawSelector;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a label selector")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<RawSelector, A::Error> {
                let mut out = RawSelector::default();
                while let Some(key) = m.next_key::<String>()? {
                    match key.as_str() {
                        "matchLabels" => {
                            out.match_labels =
                                Some(m.next_value::<Option<StrMap>>()?.unwrap_or_default())
                        }
                        "matchExpressions" => {
                            out.match_expressions =
                                Some(m.next_value::<Option<Vec<RawExpr>>>()?.unwrap_or_default())
                        }
                        _ => {
                            let v: Str = m.next_value()?;
                            out.plain.insert(key, v);
                        }
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawOwner {
    pub kind: String,
    pub name: String,
    pub controller: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawMeta {
    pub name: Option<Str>,
    pub generate_name: Option<String>,
    pub namespace: Option<Str>,
    #[serde(deserialize_with = "nullable")]
    pub labels: StrMap,
    #[serde(deserialize_with = "nullable")]
    pub annotations: StrMap,
    #[serde(deserialize_with = "nullable")]
    pub owner_references: Vec<RawOwner>,
    /// Set while the object is being deleted (drains ignore budgets for such pods).
    pub deletion_timestamp: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawResources {
    #[serde(deserialize_with = "nullable")]
    pub requests: TextMap,
    #[serde(deserialize_with = "nullable")]
    pub limits: TextMap,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawExec {
    #[serde(deserialize_with = "nullable")]
    pub command: Vec<Text>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawHttpGet {
    pub path: Option<String>,
    pub port: Option<IntOrStr>,
    pub scheme: Option<String>,
    pub host: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub http_headers: Vec<RawHeader>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawHeader {
    pub name: Text,
    pub value: Text,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawTcp {
    pub port: Option<IntOrStr>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawGrpc {
    pub port: Option<i64>,
    pub service: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawSleep {
    pub seconds: Option<i64>,
}

/// A probe or a lifecycle handler: the handler fields plus the probe timings.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawHandler {
    pub exec: Option<RawExec>,
    pub http_get: Option<RawHttpGet>,
    pub tcp_socket: Option<RawTcp>,
    pub grpc: Option<RawGrpc>,
    pub sleep: Option<RawSleep>,
    pub initial_delay_seconds: Option<i64>,
    pub period_seconds: Option<i64>,
    pub timeout_seconds: Option<i64>,
    pub success_threshold: Option<i64>,
    pub failure_threshold: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawLifecycle {
    pub pre_stop: Option<RawHandler>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawContainerPort {
    pub name: Option<String>,
    pub container_port: Option<i64>,
    pub protocol: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawContainer {
    pub name: Option<String>,
    pub image: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub ports: Vec<RawContainerPort>,
    pub resources: Option<RawResources>,
    pub readiness_probe: Option<RawHandler>,
    pub liveness_probe: Option<RawHandler>,
    pub startup_probe: Option<RawHandler>,
    pub lifecycle: Option<RawLifecycle>,
    pub restart_policy: Option<String>,
    pub security_context: Option<RawSecurityContext>,
    /// Read only when the pre-parse pass keeps it: to refuse a value that is not a string.
    #[serde(deserialize_with = "nullable")]
    pub env: Vec<RawEnvVar>,
}

/// The fields of a pod's or a container's securityContext that the security checks read.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawSecurityContext {
    pub privileged: Option<bool>,
    pub allow_privilege_escalation: Option<bool>,
    pub run_as_non_root: Option<bool>,
    pub run_as_user: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawRollingUpdate {
    pub max_unavailable: Option<IntOrStr>,
    pub max_surge: Option<IntOrStr>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawStrategy {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub rolling_update: Option<RawRollingUpdate>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawTemplate {
    pub metadata: Option<RawMeta>,
    pub spec: Option<Box<RawSpec>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawJobTemplate {
    pub spec: Option<Box<RawSpec>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawServicePort {
    pub name: Option<String>,
    pub port: Option<i64>,
    pub target_port: Option<IntOrStr>,
    pub protocol: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawScaleTarget {
    pub api_version: Option<String>,
    pub kind: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawMetricTarget {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub average_utilization: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawResourceMetric {
    pub name: Option<String>,
    pub container: Option<String>,
    /// autoscaling/v2beta1
    pub target_average_utilization: Option<i64>,
    /// autoscaling/v2beta2 and v2
    pub target: Option<RawMetricTarget>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawMetric {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub resource: Option<RawResourceMetric>,
    pub container_resource: Option<RawResourceMetric>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawIpBlock {
    pub cidr: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub except: Vec<String>,
}

/// A NetworkPolicy peer, or an (Baseline)AdminNetworkPolicy peer or subject
/// (`namespaces`, `pods`, `nodes`, `networks`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawPeer {
    pub pod_selector: Option<RawSelector>,
    pub namespace_selector: Option<RawSelector>,
    pub ip_block: Option<RawIpBlock>,
    pub namespaces: Option<RawSelector>,
    pub pods: Option<RawNamespacedPods>,
    pub nodes: Option<RawSelector>,
    pub networks: Option<Vec<String>>,
}

/// An AdminNetworkPolicy's `pods` peer or subject.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawNamespacedPods {
    pub namespace_selector: Option<RawSelector>,
    pub pod_selector: Option<RawSelector>,
}

/// A NetworkPolicy port, or an AdminNetworkPolicy port (`portNumber`, `namedPort`,
/// `portRange`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawPolicyPort {
    pub protocol: Option<String>,
    pub port: Option<IntOrStr>,
    pub end_port: Option<i64>,
    pub port_number: Option<RawAdminPort>,
    pub named_port: Option<String>,
    pub port_range: Option<RawAdminPort>,
}

/// `portNumber` (protocol, port) or `portRange` (protocol, start, end).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawAdminPort {
    pub protocol: Option<String>,
    pub port: Option<i64>,
    pub start: Option<i64>,
    pub end: Option<i64>,
}

/// A NetworkPolicy rule, or an AdminNetworkPolicy rule (`name`, `action`; its `ports` absent
/// means every port, as for NetworkPolicy).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawPolicyRule {
    pub name: Option<String>,
    pub action: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub from: Vec<RawPeer>,
    #[serde(deserialize_with = "nullable")]
    pub to: Vec<RawPeer>,
    #[serde(deserialize_with = "nullable")]
    pub ports: Vec<RawPolicyPort>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawTaint {
    pub key: Option<String>,
    pub value: Option<String>,
    pub effect: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawLimitItem {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub default: TextMap,
    #[serde(deserialize_with = "nullable")]
    pub default_request: TextMap,
    #[serde(deserialize_with = "nullable")]
    pub max: TextMap,
    #[serde(deserialize_with = "nullable")]
    pub min: TextMap,
}

/// The union of the `spec` fields of every projected kind, pod spec included.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawSpec {
    // pod spec
    #[serde(deserialize_with = "nullable")]
    pub containers: Vec<RawContainer>,
    #[serde(deserialize_with = "nullable")]
    pub init_containers: Vec<RawContainer>,
    pub service_account_name: Option<String>,
    pub service_account: Option<String>,
    pub termination_grace_period_seconds: Option<i64>,
    pub restart_policy: Option<String>,
    pub automount_service_account_token: Option<bool>,
    pub host_network: Option<bool>,
    #[serde(rename = "hostPID")]
    pub host_pid: Option<bool>,
    #[serde(rename = "hostIPC")]
    pub host_ipc: Option<bool>,
    pub node_name: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub node_selector: StrMap,
    /// Only whether each volume is an emptyDir is read (drains refuse them).
    #[serde(deserialize_with = "nullable")]
    pub volumes: Vec<RawVolume>,
    #[serde(deserialize_with = "nullable")]
    pub tolerations: Vec<RawToleration>,
    pub affinity: Option<RawAffinity>,
    pub security_context: Option<RawSecurityContext>,
    #[serde(deserialize_with = "nullable")]
    pub topology_spread_constraints: Vec<RawTopologyTerm>,
    // workloads
    pub replicas: Option<i64>,
    pub selector: Option<RawSelector>,
    pub template: Option<RawTemplate>,
    pub job_template: Option<RawJobTemplate>,
    pub strategy: Option<RawStrategy>,
    pub update_strategy: Option<RawStrategy>,
    pub revision_history_limit: Option<i64>,
    // Service
    #[serde(rename = "type")]
    pub service_type: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub ports: Vec<RawServicePort>,
    // PodDisruptionBudget
    pub min_available: Option<IntOrStr>,
    pub max_unavailable: Option<IntOrStr>,
    pub unhealthy_pod_eviction_policy: Option<String>,
    // HorizontalPodAutoscaler
    pub scale_target_ref: Option<RawScaleTarget>,
    pub min_replicas: Option<i64>,
    pub max_replicas: Option<i64>,
    #[serde(rename = "targetCPUUtilizationPercentage")]
    pub target_cpu_utilization_percentage: Option<i64>,
    pub metrics: Option<Vec<RawMetric>>,
    // NetworkPolicy
    pub pod_selector: Option<RawSelector>,
    pub policy_types: Option<Vec<String>>,
    pub ingress: Option<Vec<RawPolicyRule>>,
    pub egress: Option<Vec<RawPolicyRule>>,
    // AdminNetworkPolicy, BaselineAdminNetworkPolicy
    pub priority: Option<i64>,
    pub subject: Option<RawPeer>,
    // Node
    pub unschedulable: Option<bool>,
    #[serde(deserialize_with = "nullable")]
    pub taints: Vec<RawTaint>,
    // ResourceQuota
    #[serde(deserialize_with = "nullable")]
    pub hard: TextMap,
    // LimitRange
    #[serde(deserialize_with = "nullable")]
    pub limits: Vec<RawLimitItem>,
    // PersistentVolumeClaim
    #[serde(deserialize_with = "nullable")]
    pub access_modes: Vec<Text>,
    // Ingress (networking.k8s.io/v1, and v1beta1's `backend`)
    pub rules: Option<Vec<RawIngressRule>>,
    pub default_backend: Option<RawIngressBackend>,
    pub backend: Option<RawIngressBackend>,
    // CustomResourceDefinition
    pub group: Option<Text>,
    pub names: Option<RawCrdNames>,
    pub scope: Option<Text>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawIngressRule {
    pub http: Option<RawIngressHttp>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawIngressHttp {
    #[serde(deserialize_with = "nullable")]
    pub paths: Vec<RawIngressPath>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawIngressPath {
    pub backend: Option<RawIngressBackend>,
}

/// v1: `service.name`; v1beta1: `serviceName`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawIngressBackend {
    pub service: Option<RawNamed>,
    pub service_name: Option<Text>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawNamed {
    pub name: Option<Text>,
    pub namespace: Option<Text>,
}

/// An admission webhook: only the Service the API server calls.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawWebhook {
    pub client_config: Option<RawClientConfig>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawClientConfig {
    pub service: Option<RawNamed>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawCrdNames {
    pub plural: Option<Text>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawVolume {
    pub name: Option<String>,
    pub empty_dir: Option<serde::de::IgnoredAny>,
    pub persistent_volume_claim: Option<RawClaimSource>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawClaimSource {
    pub claim_name: Option<Text>,
}

/// Only the topology keys of the pod anti-affinity terms are read.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawAffinity {
    pub pod_anti_affinity: Option<RawAntiAffinity>,
    pub node_affinity: Option<RawNodeAffinity>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawNodeAffinity {
    pub required_during_scheduling_ignored_during_execution: Option<RawNodeSelector>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawNodeSelector {
    #[serde(deserialize_with = "nullable")]
    pub node_selector_terms: Vec<RawNodeTerm>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawNodeTerm {
    #[serde(deserialize_with = "nullable")]
    pub match_expressions: Vec<RawExpr>,
    #[serde(deserialize_with = "nullable")]
    pub match_fields: Vec<RawExpr>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawAntiAffinity {
    #[serde(deserialize_with = "nullable")]
    pub required_during_scheduling_ignored_during_execution: Vec<RawTopologyTerm>,
    #[serde(deserialize_with = "nullable")]
    pub preferred_during_scheduling_ignored_during_execution: Vec<RawWeightedTerm>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawWeightedTerm {
    pub pod_affinity_term: Option<RawTopologyTerm>,
}

/// A pod (anti-)affinity term or a topology spread constraint: its topology key.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawTopologyTerm {
    pub topology_key: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawToleration {
    pub key: Option<String>,
    pub operator: Option<String>,
    pub value: Option<String>,
    pub effect: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawCondition {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub status: Option<String>,
    pub last_transition_time: Option<String>,
    pub reason: Option<String>,
    pub message: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawStateDetail {
    pub started_at: Option<String>,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub exit_code: Option<i64>,
    pub finished_at: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawState {
    pub running: Option<RawStateDetail>,
    pub waiting: Option<RawStateDetail>,
    pub terminated: Option<RawStateDetail>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawContainerStatus {
    pub name: Option<String>,
    pub ready: Option<bool>,
    pub restart_count: Option<i64>,
    pub state: Option<RawState>,
    pub last_state: Option<RawState>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawPodIp {
    pub ip: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawStatus {
    pub phase: Option<String>,
    /// A pod's address, and all of them (dual stack).
    #[serde(rename = "podIP")]
    pub pod_ip: Option<String>,
    #[serde(rename = "podIPs", deserialize_with = "nullable")]
    pub pod_ips: Vec<RawPodIp>,
    #[serde(deserialize_with = "nullable")]
    pub conditions: Vec<RawCondition>,
    #[serde(deserialize_with = "nullable")]
    pub container_statuses: Vec<RawContainerStatus>,
    pub replicas: Option<i64>,
    pub ready_replicas: Option<i64>,
    pub available_replicas: Option<i64>,
    pub updated_replicas: Option<i64>,
    #[serde(deserialize_with = "nullable")]
    pub allocatable: TextMap,
    /// ResourceQuota: what the namespace uses now.
    #[serde(deserialize_with = "nullable")]
    pub used: TextMap,
    /// A pod's `status.reason` and `status.message` (Evicted).
    pub reason: Option<String>,
    pub message: Option<String>,
    /// HorizontalPodAutoscaler.
    pub current_replicas: Option<i64>,
    pub desired_replicas: Option<i64>,
    /// PodDisruptionBudget.
    pub disruptions_allowed: Option<i64>,
    pub current_healthy: Option<i64>,
    pub desired_healthy: Option<i64>,
    pub expected_pods: Option<i64>,
}

/// The object an Event is about (core/v1 `involvedObject`, events.k8s.io/v1 `regarding`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawObjectRef {
    pub kind: Option<String>,
    pub namespace: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawEventSeries {
    pub count: Option<i64>,
    pub last_observed_time: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawRbacRule {
    #[serde(deserialize_with = "nullable")]
    pub api_groups: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub resources: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub verbs: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub resource_names: Vec<String>,
    #[serde(rename = "nonResourceURLs", deserialize_with = "nullable")]
    pub non_resource_urls: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawAggregation {
    #[serde(deserialize_with = "nullable")]
    pub cluster_role_selectors: Vec<RawSelector>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawSubject {
    pub kind: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawRoleRef {
    pub kind: Option<String>,
    pub name: Option<String>,
}

/// Secret and ConfigMap payloads: only the key names and the value sizes are read.
#[derive(Debug, Default)]
pub struct KeySizes(pub Vec<(String, usize)>);

impl<'de> Deserialize<'de> for KeySizes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KeySizes;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of keys to values")
            }
            fn visit_unit<E: de::Error>(self) -> Result<KeySizes, E> {
                Ok(KeySizes::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<KeySizes, A::Error> {
                let mut out = Vec::new();
                while let Some(key) = m.next_key::<String>()? {
                    let v: SecretStr = m.next_value()?;
                    out.push((key, v.0));
                }
                Ok(KeySizes(out))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RawObject {
    pub api_version: Option<String>,
    pub kind: Option<String>,
    pub metadata: Option<RawMeta>,
    pub spec: Option<RawSpec>,
    pub status: Option<RawStatus>,
    pub items: Option<Vec<RawObject>>,
    pub rules: Option<Vec<RawRbacRule>>,
    pub aggregation_rule: Option<RawAggregation>,
    pub subjects: Option<Vec<RawSubject>>,
    pub role_ref: Option<RawRoleRef>,
    pub automount_service_account_token: Option<bool>,
    #[serde(rename = "type")]
    pub data_type: Option<String>,
    pub data: Option<KeySizes>,
    pub string_data: Option<KeySizes>,
    pub binary_data: Option<KeySizes>,
    pub webhooks: Option<Vec<RawWebhook>>,
    // Event: core/v1 and events.k8s.io/v1 (its `type` is `data_type`).
    pub involved_object: Option<RawObjectRef>,
    pub regarding: Option<RawObjectRef>,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub note: Option<String>,
    pub count: Option<i64>,
    pub deprecated_count: Option<i64>,
    pub series: Option<RawEventSeries>,
    pub last_timestamp: Option<String>,
    pub deprecated_last_timestamp: Option<String>,
    pub event_time: Option<String>,
    pub first_timestamp: Option<String>,
    // Policy reports (OpenReports, wg-policy): `source` and `scope` of the report, its results.
    // (A core/v1 Event's `source` is an object: not text, so not kept.)
    #[serde(deserialize_with = "super::decode_report::text_only")]
    pub source: Option<String>,
    pub scope: Option<RawObjectRef>,
    pub results: Option<Vec<super::decode_report::RawReportResult>>,
}
