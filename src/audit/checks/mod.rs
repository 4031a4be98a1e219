//! The check catalog: one file per check, listed explicitly in [`ALL`].

use super::Check;

pub mod drain_outage;
pub mod hpa_cpu_target;
pub mod hpa_min_replicas;
pub mod hpa_no_cpu_request;
pub mod hpa_replicas_conflict;
pub mod hpa_target_missing;
pub mod limit_ratio;
pub mod limits_missing;
pub mod liveness_equals_readiness;
pub mod liveness_missing;
pub mod netpol_blocks_dns;
pub mod netpol_no_default_deny;
pub mod netpol_selects_nothing;
pub mod netpol_tenant_open;
pub mod pdb_blocks_drain;
pub mod pdb_missing;
pub mod pdb_overlap;
pub mod pdb_selects_nothing;
pub mod prestop_exceeds_grace;
pub mod prestop_missing;
pub mod probe_port_unknown;
pub mod rbac_broad_binding;
pub mod rbac_cluster_admin;
pub mod rbac_dangling;
pub mod rbac_default_sa;
pub mod rbac_escalation;
pub mod rbac_exec;
pub mod rbac_node_proxy;
pub mod rbac_secrets_read;
pub mod rbac_wildcard;
pub mod readiness_missing;
pub mod replica_concentration;
pub mod requests_missing;
pub mod revision_history;
pub mod rollout_defaults;
pub mod rollout_recreate;
pub mod rollout_unavailable;
pub mod startup_budget_short;

pub mod automount_token;
pub mod host_namespaces;
pub mod image_latest;
pub mod privileged;
pub mod run_as_root;

pub mod limitrange_missing;
pub mod quota_blocks_rollout;
pub mod quota_missing;
pub mod quota_near_limit;

pub mod helm_history;

pub mod deprecated_api;

/// Every check, in catalog order (checks.md).
pub static ALL: &[&dyn Check] = &[
    // availability
    &pdb_missing::PdbMissing,
    &pdb_blocks_drain::PdbBlocksDrain,
    &pdb_selects_nothing::PdbSelectsNothing,
    &pdb_overlap::PdbOverlap,
    // resources
    &requests_missing::RequestsMissing,
    &limits_missing::LimitsMissing,
    &limit_ratio::LimitRatio,
    // probes
    &readiness_missing::ReadinessMissing,
    &liveness_missing::LivenessMissing,
    &liveness_equals_readiness::LivenessEqualsReadiness,
    &probe_port_unknown::ProbePortUnknown,
    &startup_budget_short::StartupBudgetShort,
    // rollout
    &rollout_defaults::RolloutDefaults,
    &rollout_unavailable::RolloutUnavailable,
    &rollout_recreate::RolloutRecreate,
    &revision_history::RevisionHistory,
    // lifecycle
    &prestop_missing::PrestopMissing,
    &prestop_exceeds_grace::PrestopExceedsGrace,
    // autoscaling
    &hpa_target_missing::HpaTargetMissing,
    &hpa_min_replicas::HpaMinReplicas,
    &hpa_cpu_target::HpaCpuTarget,
    &hpa_no_cpu_request::HpaNoCpuRequest,
    &hpa_replicas_conflict::HpaReplicasConflict,
    // rbac
    &rbac_cluster_admin::RbacClusterAdmin,
    &rbac_wildcard::RbacWildcard,
    &rbac_escalation::RbacEscalation,
    &rbac_secrets_read::RbacSecretsRead,
    &rbac_exec::RbacExec,
    &rbac_node_proxy::RbacNodeProxy,
    &rbac_default_sa::RbacDefaultSa,
    &rbac_broad_binding::RbacBroadBinding,
    &rbac_dangling::RbacDangling,
    // network
    &netpol_no_default_deny::NetpolNoDefaultDeny,
    &netpol_blocks_dns::NetpolBlocksDns,
    &netpol_selects_nothing::NetpolSelectsNothing,
    &netpol_tenant_open::NetpolTenantOpen,
    // placement and drain
    &replica_concentration::ReplicaConcentration,
    &drain_outage::DrainOutage,
    // deprecated APIs
    &deprecated_api::DeprecatedApi,
    // quotas
    &quota_missing::QuotaMissing,
    &limitrange_missing::LimitrangeMissing,
    &quota_near_limit::QuotaNearLimit,
    &quota_blocks_rollout::QuotaBlocksRollout,
    // security context
    &privileged::Privileged,
    &run_as_root::RunAsRoot,
    &host_namespaces::HostNamespaces,
    &image_latest::ImageLatest,
    &automount_token::AutomountToken,
    // helm
    &helm_history::HelmHistory,
];
