//! Pod specs, workloads and pods from the wire shape (a part of `decode`). Pure.

use super::decode::{annotations, labels, selector, Slim};
use super::meta::Meta;
use super::objects::*;
use super::selector::LabelSelector;
use super::wire::*;
use std::sync::Arc;

pub(super) fn int_or_percent(v: Option<IntOrStr>) -> Option<IntOrPercent> {
    v.map(|v| match v {
        IntOrStr::Int(i) => IntOrPercent::Int(i),
        IntOrStr::Str(s) => IntOrPercent::parse_str(&s),
    })
}

pub(super) fn port_ref(v: Option<IntOrStr>) -> PortRef {
    match v {
        Some(IntOrStr::Int(i)) => PortRef::Number(i),
        Some(IntOrStr::Str(s)) => PortRef::parse_str(&s),
        None => PortRef::Number(0),
    }
}

pub(super) fn boxed(s: Option<String>) -> Option<Box<str>> {
    s.map(String::into_boxed_str)
}

pub(super) fn handler(raw: &mut RawHandler) -> Handler {
    if let Some(e) = raw.exec.take() {
        Handler::Exec(
            e.command
                .into_iter()
                .map(|t| t.0.into_boxed_str())
                .collect::<Vec<_>>()
                .slim(),
        )
    } else if let Some(h) = raw.http_get.take() {
        Handler::HttpGet {
            path: boxed(h.path),
            port: port_ref(h.port),
            scheme: boxed(h.scheme),
            host: boxed(h.host),
            headers: h
                .http_headers
                .into_iter()
                .map(|x| (x.name.0.into_boxed_str(), x.value.0.into_boxed_str()))
                .collect(),
        }
    } else if let Some(t) = raw.tcp_socket.take() {
        Handler::TcpSocket {
            port: port_ref(t.port),
        }
    } else if let Some(g) = raw.grpc.take() {
        Handler::Grpc {
            port: g.port.unwrap_or(0),
            service: boxed(g.service),
        }
    } else if let Some(s) = raw.sleep.take() {
        Handler::Sleep {
            seconds: s.seconds.unwrap_or(0),
        }
    } else {
        Handler::Missing
    }
}

pub(super) fn probe(raw: Option<RawHandler>) -> Option<Probe> {
    let mut raw = raw?;
    Some(Probe {
        handler: handler(&mut raw),
        initial_delay_seconds: raw.initial_delay_seconds.unwrap_or(0),
        period_seconds: raw.period_seconds.unwrap_or(10),
        timeout_seconds: raw.timeout_seconds.unwrap_or(1),
        success_threshold: raw.success_threshold.unwrap_or(1),
        failure_threshold: raw.failure_threshold.unwrap_or(3),
    })
}

pub(super) fn resource_pair(map: &mut TextMap) -> ResourcePair {
    ResourcePair {
        cpu: map.remove("cpu").map(|t| t.0.into_boxed_str()),
        memory: map.remove("memory").map(|t| t.0.into_boxed_str()),
    }
}

pub(super) fn container(raw: RawContainer) -> Container {
    let mut res = raw.resources.unwrap_or_default();
    Container {
        name: raw.name.unwrap_or_default().into_boxed_str(),
        image: raw.image.unwrap_or_default().into_boxed_str(),
        ports: raw
            .ports
            .into_iter()
            .map(|p| ContainerPort {
                name: boxed(p.name),
                port: p.container_port.unwrap_or(0),
                protocol: p.protocol.unwrap_or_else(|| "TCP".into()).into_boxed_str(),
            })
            .collect::<Vec<_>>()
            .slim(),
        requests: resource_pair(&mut res.requests),
        limits: resource_pair(&mut res.limits),
        readiness: probe(raw.readiness_probe),
        liveness: probe(raw.liveness_probe),
        startup: probe(raw.startup_probe),
        pre_stop: raw
            .lifecycle
            .and_then(|l| l.pre_stop)
            .map(|mut h| handler(&mut h)),
        restart_policy: boxed(raw.restart_policy),
        security: security(raw.security_context),
    }
}

pub(super) fn security(raw: Option<RawSecurityContext>) -> SecurityContext {
    let r = raw.unwrap_or_default();
    SecurityContext {
        privileged: r.privileged,
        allow_privilege_escalation: r.allow_privilege_escalation,
        run_as_non_root: r.run_as_non_root,
        run_as_user: r.run_as_user,
    }
}

pub(super) fn pod_spec(raw: &mut RawSpec) -> PodSpec {
    PodSpec {
        containers: std::mem::take(&mut raw.containers)
            .into_iter()
            .map(container)
            .collect::<Vec<_>>()
            .slim(),
        init_containers: std::mem::take(&mut raw.init_containers)
            .into_iter()
            .map(container)
            .collect::<Vec<_>>()
            .slim(),
        service_account: boxed(
            raw.service_account_name
                .take()
                .or_else(|| raw.service_account.take())
                .filter(|s| !s.is_empty()),
        ),
        termination_grace_seconds: raw.termination_grace_period_seconds,
        restart_policy: boxed(raw.restart_policy.take()),
        automount_token: raw.automount_service_account_token,
        host_network: raw.host_network.unwrap_or(false),
        host_pid: raw.host_pid.unwrap_or(false),
        host_ipc: raw.host_ipc.unwrap_or(false),
        empty_dirs: raw
            .volumes
            .iter_mut()
            .filter(|v| v.empty_dir.is_some())
            .map(|v| v.name.take().unwrap_or_default().into_boxed_str())
            .collect(),
        claims: std::mem::take(&mut raw.volumes)
            .into_iter()
            .filter_map(|v| v.persistent_volume_claim?.claim_name)
            .map(|c| c.0.into_boxed_str())
            .collect(),
        security: security(raw.security_context.take()),
        placement: placement(
            std::mem::take(&mut raw.node_selector),
            raw.affinity
                .as_mut()
                .and_then(|a| a.node_affinity.take())
                .and_then(|n| n.required_during_scheduling_ignored_during_execution),
        ),
        anti_affinity_keys: raw
            .affinity
            .take()
            .and_then(|a| a.pod_anti_affinity)
            .map(|a| {
                a.required_during_scheduling_ignored_during_execution
                    .into_iter()
                    .chain(
                        a.preferred_during_scheduling_ignored_during_execution
                            .into_iter()
                            .filter_map(|w| w.pod_affinity_term),
                    )
                    .filter_map(|t| t.topology_key)
                    .map(String::into_boxed_str)
                    .collect()
            })
            .unwrap_or_default(),
        spread_keys: std::mem::take(&mut raw.topology_spread_constraints)
            .into_iter()
            .filter_map(|t| t.topology_key)
            .map(String::into_boxed_str)
            .collect(),
        tolerations: std::mem::take(&mut raw.tolerations)
            .into_iter()
            .map(|t| Toleration {
                key: t.key.unwrap_or_default().into_boxed_str(),
                exists: t.operator.as_deref() == Some("Exists"),
                value: t.value.unwrap_or_default().into_boxed_str(),
                effect: t.effect.unwrap_or_default().into_boxed_str(),
            })
            .collect(),
    }
}

pub(super) fn workload(kind: WorkloadKind, meta: Meta, raw: RawObject) -> Workload {
    let mut spec = raw.spec.unwrap_or_default();
    let status = raw.status.unwrap_or_default();
    let (tmeta, mut tspec) = if kind == WorkloadKind::Pod {
        (None, Some(std::mem::take(&mut spec)))
    } else {
        let template = if kind == WorkloadKind::CronJob {
            spec.job_template
                .take()
                .and_then(|j| j.spec)
                .and_then(|mut s| s.template.take())
        } else {
            spec.template.take()
        }
        .unwrap_or_default();
        (template.metadata, template.spec.map(|b| *b))
    };
    let tmeta = tmeta.unwrap_or_default();
    let template_labels = labels(tmeta.labels);
    let mut selector = selector(spec.selector.take());
    // extensions/v1beta1 and apps/v1beta1 default a missing selector to the template labels.
    let legacy = matches!(&*meta.api_version, "extensions/v1beta1" | "apps/v1beta1");
    if selector.is_none() && legacy && kind != WorkloadKind::Pod {
        selector = Some(LabelSelector::from_map(
            template_labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string())),
        ));
    }
    let strategy_raw = spec.strategy.take().or_else(|| spec.update_strategy.take());
    let strategy = strategy_raw
        .map(|s| {
            let ru = s.rolling_update.unwrap_or_default();
            Strategy {
                kind: boxed(s.kind),
                max_unavailable: int_or_percent(ru.max_unavailable),
                max_surge: int_or_percent(ru.max_surge),
            }
        })
        .unwrap_or_default();
    Workload {
        kind,
        replicas: spec.replicas,
        selector,
        template_labels: if kind == WorkloadKind::Pod {
            meta.labels.clone()
        } else {
            template_labels
        },
        template_annotations: if kind == WorkloadKind::Pod {
            meta.annotations.clone()
        } else {
            annotations(tmeta.annotations)
        },
        spec: Arc::new(tspec.as_mut().map(pod_spec).unwrap_or_default()),
        strategy,
        revision_history_limit: spec.revision_history_limit,
        status: WorkloadStatus {
            replicas: status.replicas,
            ready: status.ready_replicas,
            available: status.available_replicas,
            updated: status.updated_replicas,
            conditions: conditions(&status.conditions),
        },
        meta,
    }
}

/// A status condition as the model keeps it.
pub(super) fn condition(c: &RawCondition) -> Condition {
    Condition {
        kind: c.kind.clone().unwrap_or_default().into_boxed_str(),
        status: c.status.clone().unwrap_or_default().into_boxed_str(),
        reason: boxed(c.reason.clone()),
        message: boxed(c.message.clone()),
        since: boxed(c.last_transition_time.clone()),
    }
}

pub(super) fn conditions(list: &[RawCondition]) -> Box<[Condition]> {
    list.iter().map(condition).collect()
}

pub(super) fn pod(meta: Meta, deleted_at: Option<String>, raw: RawObject) -> Pod {
    let mut spec = raw.spec.unwrap_or_default();
    let status = raw.status.unwrap_or_default();
    let ready_cond = status
        .conditions
        .iter()
        .find(|c| c.kind.as_deref() == Some("Ready"));
    let mut ips: Vec<std::net::IpAddr> = status
        .pod_ip
        .iter()
        .chain(status.pod_ips.iter().filter_map(|p| p.ip.as_ref()))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    ips.sort();
    ips.dedup();
    let unscheduled = status
        .conditions
        .iter()
        .find(|c| c.kind.as_deref() == Some("PodScheduled") && c.status.as_deref() == Some("False"))
        .map(condition);
    let trouble = (unscheduled.is_some() || status.reason.is_some()).then(|| {
        Box::new(PodTrouble {
            unscheduled,
            reason: boxed(status.reason.clone()),
            message: boxed(status.message.clone()),
        })
    });
    Pod {
        trouble,
        ips: ips.into_boxed_slice(),
        deleted_at: boxed(deleted_at),
        node_name: boxed(spec.node_name.take()),
        spec: Arc::new(pod_spec(&mut spec)),
        phase: boxed(status.phase),
        ready: ready_cond.is_some_and(|c| c.status.as_deref() == Some("True")),
        ready_since: ready_cond.and_then(|c| boxed(c.last_transition_time.clone())),
        containers: status
            .container_statuses
            .into_iter()
            .map(|s| {
                let mut state = s.state.unwrap_or_default();
                let last = s.last_state.and_then(|l| l.terminated);
                let waiting_message = state.waiting.as_mut().and_then(|w| w.message.take());
                let trouble = ContainerTrouble {
                    waiting_message: boxed(waiting_message),
                    last_exit_code: last.as_ref().and_then(|t| t.exit_code),
                    last_finished_at: boxed(last.as_ref().and_then(|t| t.finished_at.clone())),
                };
                ContainerStatus {
                    trouble: (trouble != ContainerTrouble::default()).then(|| Box::new(trouble)),
                    name: s.name.unwrap_or_default().into_boxed_str(),
                    ready: s.ready.unwrap_or(false),
                    restart_count: s.restart_count.unwrap_or(0),
                    started_at: boxed(state.running.and_then(|r| r.started_at)),
                    waiting_reason: boxed(state.waiting.and_then(|w| w.reason)),
                    last_terminated_reason: boxed(last.and_then(|t| t.reason)),
                }
            })
            .collect::<Vec<_>>()
            .slim(),
        meta,
    }
}

fn placement(selector: StrMap, required: Option<RawNodeSelector>) -> NodePlacement {
    let terms = required
        .map(|r| r.node_selector_terms)
        .unwrap_or_default()
        .into_iter()
        .map(|t| {
            let empty = t.match_expressions.is_empty() && t.match_fields.is_empty();
            let mut labels = LabelSelector::default();
            for e in t.match_expressions {
                // Gt and Lt compare integers: left out (the term does not rule a node out).
                if matches!(
                    e.operator.as_str(),
                    "In" | "NotIn" | "Exists" | "DoesNotExist"
                ) {
                    labels.push_expression(
                        e.key,
                        &e.operator,
                        e.values.into_iter().map(|v| v.0).collect(),
                    );
                }
            }
            let names = t
                .match_fields
                .into_iter()
                .find(|f| f.key == "metadata.name" && f.operator == "In")
                .map(|f| f.values.into_iter().map(|v| v.0.into_boxed_str()).collect());
            NodeTerm {
                labels,
                names,
                empty,
            }
        })
        .collect();
    NodePlacement {
        selector: selector
            .into_iter()
            .map(|(k, v)| (k.into_boxed_str(), v.0.into_boxed_str()))
            .collect(),
        terms,
    }
}
