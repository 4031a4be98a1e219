//! The middle pane: details of the selected object, as styled lines.

use super::theme::Theme;
use super::tree::NodeId;
use crate::audit::checks::rollout_defaults::{is_rolling, rolling_defaults};
use crate::audit::checks::startup_budget_short::startup_budget;
use crate::audit::helpers::cold_start_seconds;
use crate::audit::Severity;
use crate::cli::text::escape_ctrl;
use crate::model::quantity::{self, ratio_text};
use crate::model::{Container, Kind, Probe, Resource, Snapshot, WorkloadKind};
use ratatui::text::{Line, Span};
use std::collections::BTreeMap;

fn esc(s: &str) -> String {
    escape_ctrl(s).into_owned()
}

fn field(theme: &Theme, name: &str, value: impl Into<String>) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{name:<15} "), theme.muted()),
        Span::raw(value.into()),
    ])
}

fn warn_field(theme: &Theme, name: &str, value: impl Into<String>, s: Severity) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{name:<15} "), theme.muted()),
        Span::styled(value.into(), theme.severity(s)),
    ])
}

fn title(theme: &Theme, kind: &str, ns: Option<&str>, name: &str) -> Line<'static> {
    let full = match ns {
        Some(ns) => format!("{}/{}", esc(ns), esc(name)),
        None => esc(name),
    };
    Line::from(vec![
        Span::styled(format!("{kind} "), theme.muted()),
        Span::styled(full, theme.accent()),
    ])
}

fn probe_text(p: &Probe) -> String {
    format!(
        "{} · delay {}s period {}s timeout {}s fail {}",
        esc(&p.handler.describe()),
        p.initial_delay_seconds,
        p.period_seconds,
        p.timeout_seconds,
        p.failure_threshold
    )
}

fn resource_line(theme: &Theme, c: &Container, r: Resource) -> Line<'static> {
    let req = c.effective_request(r);
    let lim = c.limits.get(r);
    let ratio = match (req.and_then(quantity::parse), lim.and_then(quantity::parse)) {
        (Some(a), Some(b)) if a > 0.0 => Some(b / a),
        _ => None,
    };
    let text = format!(
        "{} → {}{}",
        req.map(esc).unwrap_or_else(|| "no request".into()),
        lim.map(esc).unwrap_or_else(|| "no limit".into()),
        ratio
            .map(|x| format!(" ({}×)", ratio_text(x)))
            .unwrap_or_default()
    );
    let bad =
        req.is_none() || (r == Resource::Memory && lim.is_none()) || ratio.is_some_and(|x| x > 3.0);
    let mut spans = vec![Span::styled(
        format!("    {:<12}", r.as_str()),
        theme.muted(),
    )];
    spans.push(if bad {
        Span::styled(text, theme.severity(Severity::Warning))
    } else {
        Span::raw(text)
    });
    Line::from(spans)
}

fn container_lines(
    theme: &Theme,
    c: &Container,
    grace: i64,
    init: bool,
    out: &mut Vec<Line<'static>>,
) {
    out.push(Line::from(vec![
        Span::styled(if init { "  ▹ init " } else { "  ▸ " }, theme.muted()),
        Span::styled(esc(&c.name), theme.accent()),
        Span::raw("  "),
        Span::styled(esc(&c.image), theme.muted()),
    ]));
    for r in Resource::BOTH {
        out.push(resource_line(theme, c, r));
    }
    if init {
        return;
    }
    for (name, p) in [
        ("readiness", &c.readiness),
        ("liveness", &c.liveness),
        ("startup", &c.startup),
    ] {
        let line = match p {
            Some(p) => Line::from(vec![
                Span::styled(format!("    {name:<12}"), theme.muted()),
                Span::raw(probe_text(p)),
            ]),
            None if name == "startup" => continue,
            None => Line::from(vec![
                Span::styled(format!("    {name:<12}"), theme.muted()),
                Span::styled(
                    "none",
                    theme.severity(if name == "readiness" {
                        Severity::Critical
                    } else {
                        Severity::Info
                    }),
                ),
            ]),
        };
        out.push(line);
    }
    if let Some(b) = startup_budget(c) {
        out.push(Line::from(vec![
            Span::styled(format!("    {:<12} ", "start budget"), theme.muted()),
            Span::raw(format!("{b}s before liveness kills it")),
        ]));
    }
    let pre = match &c.pre_stop {
        Some(h) => esc(&h.describe()),
        None => "none".into(),
    };
    let sleep = c
        .pre_stop
        .as_ref()
        .and_then(crate::audit::checks::prestop_exceeds_grace::sleep_seconds);
    let text = format!("{pre} · grace {grace}s");
    let st = if c.pre_stop.is_none() || sleep.is_some_and(|s| s >= grace as f64) {
        theme.severity(Severity::Warning)
    } else {
        theme.base()
    };
    out.push(Line::from(vec![
        Span::styled(format!("    {:<12}", "preStop"), theme.muted()),
        Span::styled(text, st),
    ]));
    let ports: Vec<String> = c
        .ports
        .iter()
        .map(|p| match &p.name {
            Some(n) => format!("{}:{}/{}", esc(n), p.port, p.protocol),
            None => format!("{}/{}", p.port, p.protocol),
        })
        .collect();
    if !ports.is_empty() {
        out.push(Line::from(vec![
            Span::styled(format!("    {:<12}", "ports"), theme.muted()),
            Span::raw(ports.join(", ")),
        ]));
    }
}

fn pod_count(n: Option<i64>) -> String {
    match n {
        Some(1) => "1 pod".into(),
        Some(n) => format!("{n} pods"),
        None => "?".into(),
    }
}

fn join_or_none(v: Vec<String>) -> String {
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

fn workload(s: &Snapshot, theme: &Theme, i: usize) -> Vec<Line<'static>> {
    let w = &s.workloads[i];
    let mut out = vec![
        title(
            theme,
            w.kind.kind().as_str(),
            w.meta.namespace.as_deref(),
            &w.meta.name,
        ),
        Line::raw(""),
    ];
    let desired = s.desired_replicas(i);
    let pods = s.index.pods_of.get(i).map(Vec::as_slice).unwrap_or(&[]);
    let ready = pods.iter().filter(|&&p| s.pods[p].ready).count();
    let reps = match (desired, pods.is_empty(), w.status.ready) {
        (Some(d), false, _) => format!("{d} desired · {ready}/{} pods ready", pods.len()),
        (Some(d), true, Some(r)) => format!("{d} desired · {r} ready"),
        (Some(d), true, None) => format!("{d} desired"),
        (None, false, _) => format!("{ready}/{} pods ready", pods.len()),
        (None, true, _) => "set by the controller".into(),
    };
    if w.kind != WorkloadKind::Pod {
        out.push(field(theme, "Replicas", reps));
    }
    if w.kind == WorkloadKind::Deployment {
        let kind = w.strategy.kind.as_deref().unwrap_or("RollingUpdate");
        if is_rolling(w) {
            let (du, ds) = rolling_defaults(w);
            let d = desired.unwrap_or(1);
            let mu = w.strategy.max_unavailable.clone().unwrap_or(du);
            let ms = w.strategy.max_surge.clone().unwrap_or(ds);
            let text = format!(
                "{kind} · maxUnavailable {} = {} · maxSurge {} = {}",
                mu.text(),
                pod_count(mu.scaled(d, false)),
                ms.text(),
                pod_count(ms.scaled(d, true))
            );
            if mu.scaled(d, false).unwrap_or(0) > 0 {
                out.push(warn_field(theme, "Strategy", text, Severity::Warning));
            } else {
                out.push(field(theme, "Strategy", text));
            }
        } else {
            out.push(warn_field(theme, "Strategy", kind, Severity::Warning));
        }
        let svcs: Vec<String> = s.index.services_of[i]
            .iter()
            .map(|&x| esc(&s.services[x].meta.name))
            .collect();
        out.push(field(theme, "Services", join_or_none(svcs)));
        let pdbs: Vec<String> = s.index.pdbs_of[i]
            .iter()
            .map(|&x| {
                let p = &s.pdbs[x];
                let rule = match (&p.max_unavailable, &p.min_available) {
                    (Some(m), _) => format!("maxUnavailable {}", m.text()),
                    (None, Some(m)) => format!("minAvailable {}", m.text()),
                    _ => "no budget".into(),
                };
                format!("{} ({rule})", esc(&p.meta.name))
            })
            .collect();
        if pdbs.is_empty()
            && desired.unwrap_or(0) >= 2
            && matches!(w.kind, WorkloadKind::Deployment | WorkloadKind::StatefulSet)
        {
            out.push(warn_field(
                theme,
                "PDBs",
                "none: a drain can evict every replica",
                Severity::Critical,
            ));
        } else {
            out.push(field(theme, "PDBs", join_or_none(pdbs)));
        }
        if let Some(h) = s.index.hpa_of[i] {
            let h = &s.hpas[h];
            let cpu: Vec<String> = h
                .cpu_utilization()
                .map(|(_, u)| format!("cpu {u}%"))
                .collect();
            out.push(field(
                theme,
                "HPA",
                format!(
                    "{} · {}-{} replicas · {}",
                    esc(&h.meta.name),
                    h.min_replicas(),
                    h.max_replicas.unwrap_or(0),
                    join_or_none(cpu)
                ),
            ));
        }
        let nps: Vec<String> = s.index.netpols_of[i]
            .iter()
            .map(|&x| esc(&s.netpols[x].meta.name))
            .collect();
        out.push(field(theme, "NetworkPolicies", join_or_none(nps)));
        let sa = w.spec.service_account_name();
        let ns = w.meta.namespace.clone().unwrap_or_else(|| "".into());
        let bindings = s
            .index
            .bindings_of_sa
            .get(&(ns.clone(), std::sync::Arc::from(sa)))
            .map(Vec::len)
            .unwrap_or(0);
        out.push(field(
            theme,
            "ServiceAccount",
            format!(
                "{} ({bindings} binding{})",
                esc(sa),
                if bindings == 1 { "" } else { "s" }
            ),
        ));
        if w.kind == WorkloadKind::Deployment {
            out.push(field(
                theme,
                "History",
                match w.revision_history_limit {
                    Some(n) => format!("revisionHistoryLimit {n}"),
                    None => "revisionHistoryLimit unset (default)".into(),
                },
            ));
        }
    }
    let samples = s.cold_start_samples(i);
    if !samples.is_empty() {
        let median = samples[samples.len() / 2];
        let max = samples[samples.len() - 1];
        out.push(field(
            theme,
            "Cold start",
            format!(
                "median {}s · max {}s (measured on {} pods)",
                ratio_text(median),
                ratio_text(max),
                samples.len()
            ),
        ));
    } else if let Some((v, _)) = cold_start_seconds(w) {
        out.push(field(
            theme,
            "Cold start",
            format!("{}s (annotation)", ratio_text(v)),
        ));
    }
    if !pods.is_empty() {
        let mut per_node: BTreeMap<&str, usize> = BTreeMap::new();
        for &p in pods {
            *per_node
                .entry(s.pods[p].node_name.as_deref().unwrap_or("(unscheduled)"))
                .or_default() += 1;
        }
        let worst = per_node.values().copied().max().unwrap_or(0);
        let text = per_node
            .iter()
            .map(|(n, c)| format!("{} ×{c}", esc(n)))
            .collect::<Vec<_>>()
            .join(" · ");
        if worst > 1 && pods.len() > 1 {
            out.push(warn_field(theme, "Placement", text, Severity::Info));
        } else {
            out.push(field(theme, "Placement", text));
        }
        let restarts: i64 = pods
            .iter()
            .flat_map(|&p| s.pods[p].containers.iter())
            .map(|c| c.restart_count)
            .sum();
        let crashing = pods
            .iter()
            .filter(|&&p| {
                s.pods[p]
                    .containers
                    .iter()
                    .any(|c| c.waiting_reason.as_deref() == Some("CrashLoopBackOff"))
            })
            .count();
        if restarts > 0 || crashing > 0 {
            out.push(warn_field(
                theme,
                "Restarts",
                format!("{restarts} · {crashing} pod(s) in CrashLoopBackOff"),
                Severity::Critical,
            ));
        }
    }
    out.push(Line::raw(""));
    out.push(Line::styled("Containers", theme.accent()));
    let grace = w.spec.grace_seconds();
    for c in &w.spec.init_containers {
        container_lines(theme, c, grace, true, &mut out);
    }
    for c in &w.spec.containers {
        container_lines(theme, c, grace, false, &mut out);
    }
    out
}

fn pod(s: &Snapshot, theme: &Theme, p: usize) -> Vec<Line<'static>> {
    let pod = &s.pods[p];
    let mut out = vec![
        title(theme, "Pod", pod.meta.namespace.as_deref(), &pod.meta.name),
        Line::raw(""),
    ];
    out.push(field(
        theme,
        "Node",
        pod.node_name
            .as_deref()
            .map(esc)
            .unwrap_or("(unscheduled)".into()),
    ));
    out.push(field(
        theme,
        "Phase",
        format!(
            "{} · {}",
            pod.phase.as_deref().unwrap_or("Unknown"),
            if pod.ready { "Ready" } else { "not ready" }
        ),
    ));
    if let Some(o) = &pod.meta.owner {
        out.push(field(
            theme,
            "Owner",
            format!("{}/{}", o.kind, esc(&o.name)),
        ));
    }
    for c in &pod.containers {
        let mut text = format!(
            "{} · restarts {}",
            if c.ready { "ready" } else { "not ready" },
            c.restart_count
        );
        if let Some(w) = &c.waiting_reason {
            text.push_str(&format!(" · {}", esc(w)));
        }
        if let Some(t) = &c.last_terminated_reason {
            text.push_str(&format!(" · last exit {}", esc(t)));
        }
        if let Some(at) = &c.started_at {
            text.push_str(&format!(" · started {}", esc(at)));
        }
        let bad = c.waiting_reason.is_some() || c.restart_count > 0;
        let name = format!("  {}", esc(&c.name));
        out.push(if bad {
            warn_field(theme, &name, text, Severity::Critical)
        } else {
            field(theme, &name, text)
        });
    }
    out
}

fn namespace(s: &Snapshot, theme: &Theme, ns: &str) -> Vec<Line<'static>> {
    let mut out = vec![title(theme, "Namespace", None, ns), Line::raw("")];
    let workloads: Vec<usize> = s
        .top_workloads()
        .filter(|(_, w)| w.meta.namespace() == ns)
        .map(|(i, _)| i)
        .collect();
    out.push(field(theme, "Workloads", workloads.len().to_string()));
    let quotas: Vec<String> = s
        .quotas
        .iter()
        .filter(|q| q.meta.namespace() == ns)
        .map(|q| {
            format!(
                "{}: {}",
                esc(&q.meta.name),
                q.hard
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        })
        .collect();
    if quotas.is_empty() {
        out.push(warn_field(theme, "Quota", "none", Severity::Info));
    } else {
        for q in quotas {
            out.push(field(theme, "Quota", q));
        }
    }
    let lrs: Vec<String> = s
        .limit_ranges
        .iter()
        .filter(|l| l.meta.namespace() == ns)
        .flat_map(|l| {
            l.items.iter().map(move |it| {
                format!(
                    "{} {}: default {}/{} request {}/{}",
                    esc(&l.meta.name),
                    it.item_type,
                    it.default_limit.cpu.as_deref().unwrap_or("-"),
                    it.default_limit.memory.as_deref().unwrap_or("-"),
                    it.default_request.cpu.as_deref().unwrap_or("-"),
                    it.default_request.memory.as_deref().unwrap_or("-")
                )
            })
        })
        .collect();
    out.push(field(theme, "LimitRanges", join_or_none(lrs)));
    let pols: Vec<&crate::model::NetworkPolicy> = s
        .netpols
        .iter()
        .filter(|p| p.meta.namespace() == ns)
        .collect();
    let deny_in = pols
        .iter()
        .any(|p| p.pod_selector.is_empty() && p.ingress_isolation && p.ingress.is_empty());
    let deny_out = pols
        .iter()
        .any(|p| p.pod_selector.is_empty() && p.egress_isolation && p.egress.is_empty());
    out.push(field(theme, "NetworkPolicies", pols.len().to_string()));
    let d = |b: bool| if b { "yes" } else { "no" };
    let text = format!("ingress {} · egress {}", d(deny_in), d(deny_out));
    if deny_in || ns == "kube-system" {
        out.push(field(theme, "Default deny", text));
    } else {
        out.push(warn_field(theme, "Default deny", text, Severity::Warning));
    }
    let covered = workloads
        .iter()
        .filter(|&&i| !s.index.netpols_of[i].is_empty())
        .count();
    out.push(field(
        theme,
        "Policy coverage",
        format!(
            "{covered} of {} workloads selected by a policy",
            workloads.len()
        ),
    ));
    out
}

/// Nodes listed in the cluster summary; the rest are counted.
const NODES_SHOWN: usize = 40;

fn cluster(s: &Snapshot, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = vec![title(theme, "Cluster", None, &s.source), Line::raw("")];
    out.push(field(
        theme,
        "Source",
        format!("{:?}", s.source_kind).to_lowercase(),
    ));
    out.push(field(
        theme,
        "Namespaces",
        s.namespace_names().len().to_string(),
    ));
    out.push(field(theme, "Nodes", s.nodes.len().to_string()));
    for n in s.nodes.iter().take(NODES_SHOWN) {
        let pods = s
            .index
            .pods_on_node
            .get(&*n.meta.name)
            .copied()
            .unwrap_or(0);
        let state = if n.unschedulable {
            "cordoned"
        } else {
            "schedulable"
        };
        let zone = n
            .meta
            .labels
            .get("topology.kubernetes.io/zone")
            .unwrap_or("-");
        let line = format!("{state} · zone {} · {pods} pods", esc(zone));
        let name = format!("  {}", esc(&n.meta.name));
        out.push(if n.unschedulable {
            warn_field(theme, &name, line, Severity::Info)
        } else {
            field(theme, &name, line)
        });
    }
    if s.nodes.len() > NODES_SHOWN {
        out.push(Line::styled(
            format!("  … and {} more nodes", s.nodes.len() - NODES_SHOWN),
            theme.muted(),
        ));
    }
    out.push(Line::raw(""));
    out.push(Line::styled("Objects", theme.accent()));
    for (k, c) in &s.index.kind_counts {
        out.push(field(theme, &format!("  {k}"), c.to_string()));
    }
    out
}

fn pdb(s: &Snapshot, theme: &Theme, i: usize) -> Vec<Line<'static>> {
    let p = &s.pdbs[i];
    let mut out = vec![
        title(
            theme,
            "PodDisruptionBudget",
            p.meta.namespace.as_deref(),
            &p.meta.name,
        ),
        Line::raw(""),
    ];
    out.push(field(theme, "API version", p.meta.api_version.to_string()));
    out.push(field(
        theme,
        "Selector",
        p.selector
            .as_ref()
            .map(|x| esc(&x.display()))
            .unwrap_or("null (selects nothing)".into()),
    ));
    if let Some(m) = &p.min_available {
        out.push(field(theme, "minAvailable", m.text()));
    }
    if let Some(m) = &p.max_unavailable {
        out.push(field(theme, "maxUnavailable", m.text()));
    }
    let ws: Vec<String> = s
        .top_workloads()
        .filter(|(wi, _)| s.index.pdbs_of[*wi].contains(&i))
        .map(|(wi, w)| {
            format!(
                "{}/{} ×{}",
                w.kind.kind(),
                esc(&w.meta.name),
                s.desired_replicas(wi).unwrap_or(0)
            )
        })
        .collect();
    out.push(field(theme, "Protects", join_or_none(ws)));
    out
}

fn hpa(s: &Snapshot, theme: &Theme, i: usize) -> Vec<Line<'static>> {
    let h = &s.hpas[i];
    let mut out = vec![
        title(
            theme,
            "HorizontalPodAutoscaler",
            h.meta.namespace.as_deref(),
            &h.meta.name,
        ),
        Line::raw(""),
    ];
    let target = format!("{}/{}", esc(&h.target.kind), esc(&h.target.name));
    match s.index.hpa_target[i] {
        Some(_) => out.push(field(theme, "Target", target)),
        None => out.push(warn_field(
            theme,
            "Target",
            format!("{target} (missing)"),
            Severity::Critical,
        )),
    }
    out.push(field(
        theme,
        "Replicas",
        format!("{} to {}", h.min_replicas(), h.max_replicas.unwrap_or(0)),
    ));
    for m in &h.metrics {
        let text = match m {
            crate::model::HpaMetric::Resource {
                name,
                container,
                utilization,
            } => format!(
                "{}{} {}",
                esc(name),
                container
                    .as_deref()
                    .map(|c| format!(" (container {})", esc(c)))
                    .unwrap_or_default(),
                utilization
                    .map(|u| format!("{u}%"))
                    .unwrap_or("by value".into())
            ),
            crate::model::HpaMetric::Other(k) => esc(k),
        };
        out.push(field(theme, "Metric", text));
    }
    out
}

/// The lines for a tree selection (its last identifier).
pub fn lines(s: &Snapshot, theme: &Theme, sel: Option<&NodeId>) -> Vec<Line<'static>> {
    match sel {
        None | Some(NodeId::Cluster) | Some(NodeId::More) => cluster(s, theme),
        Some(NodeId::Namespace(ns)) => namespace(s, theme, ns),
        Some(NodeId::Group(g)) => vec![
            Line::styled(g.title(), theme.accent()),
            Line::raw(""),
            Line::raw("Select an object to see its details."),
        ],
        Some(NodeId::Object(r)) => match &r.kind {
            Kind::Pod => match s.index.pod_by_ref.get(r).copied() {
                // A bare pod is also a workload; show the workload view, which has its spec.
                Some(p) if s.pods[p].meta.owner.is_none() => s
                    .index
                    .workload_by_ref
                    .get(r)
                    .map(|&w| {
                        let mut v = workload(s, theme, w);
                        v.extend(pod(s, theme, p).into_iter().skip(1));
                        v
                    })
                    .unwrap_or_else(|| pod(s, theme, p)),
                Some(p) => pod(s, theme, p),
                None => vec![Line::raw("This pod is no longer in the snapshot.")],
            },
            Kind::PodDisruptionBudget => s
                .pdbs
                .iter()
                .position(|p| p.meta.name == r.name && p.meta.namespace == r.namespace)
                .map(|i| pdb(s, theme, i))
                .unwrap_or_default(),
            Kind::HorizontalPodAutoscaler => s
                .hpas
                .iter()
                .position(|p| p.meta.name == r.name && p.meta.namespace == r.namespace)
                .map(|i| hpa(s, theme, i))
                .unwrap_or_default(),
            _ => match s.index.workload_by_ref.get(r) {
                Some(&w) => workload(s, theme, w),
                None => vec![Line::raw("This object is no longer in the snapshot.")],
            },
        },
    }
}
