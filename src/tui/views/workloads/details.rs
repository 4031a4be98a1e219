//! The middle pane: details of the selected object, as styled lines.

use super::summary::{cluster, hpa, namespace, pdb};
use super::tree::NodeId;
use crate::audit::checks::rollout_defaults::{is_rolling, rolling_defaults};
use crate::audit::checks::startup_budget_short::startup_budget;
use crate::audit::helpers::cold_start_seconds;
use crate::audit::Severity;
use crate::model::quantity::{self, ratio_text};
use crate::model::{Container, Kind, ObjectRef, Probe, Resource, Snapshot, WorkloadKind};
use crate::netpol::{Engine, PodClass};
use crate::text::escape_ctrl;
use crate::tui::theme::Theme;
use ratatui::text::{Line, Span};

pub(super) fn esc(s: &str) -> String {
    escape_ctrl(s).into_owned()
}

pub(super) fn field(theme: &Theme, name: &str, value: impl Into<String>) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{name:<15} "), theme.muted()),
        Span::raw(value.into()),
    ])
}

pub(super) fn warn_field(
    theme: &Theme,
    name: &str,
    value: impl Into<String>,
    s: Severity,
) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{name:<15} "), theme.muted()),
        Span::styled(value.into(), theme.severity(s)),
    ])
}

pub(super) fn title(theme: &Theme, kind: &str, ns: Option<&str>, name: &str) -> Line<'static> {
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

pub(super) fn pod_count(n: Option<i64>) -> String {
    match n {
        Some(1) => "1 pod".into(),
        Some(n) => format!("{n} pods"),
        None => "?".into(),
    }
}

pub(super) fn join_or_none(v: Vec<String>) -> String {
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
        // One engine for both lines (this runs on every frame).
        let engine = Engine::new(s);
        let class = crate::netpol::workload_class(w);
        let admin = admin_policies(&engine, &class);
        if !admin.is_empty() {
            out.push(field(theme, "Admin policies", admin.join(", ")));
        }
        out.push(field(
            theme,
            "Traffic",
            traffic_summary(&engine, &class, !admin.is_empty()),
        ));
        if let Some(p) = crate::drain::placement_summary(s, i) {
            if p.contains("; losing ") {
                out.push(warn_field(theme, "Placement", esc(&p), Severity::Critical));
            } else {
                out.push(field(theme, "Placement", esc(&p)));
            }
        }
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

/// The lines for a tree selection (its last identifier).
pub fn lines(s: &Snapshot, theme: &Theme, sel: Option<&NodeId>) -> Vec<Line<'static>> {
    let (r, copy) = match sel {
        None | Some(NodeId::Cluster) | Some(NodeId::More) => return cluster(s, theme),
        Some(NodeId::Namespace(ns)) => return namespace(s, theme, ns),
        Some(NodeId::Group(g)) => {
            return vec![
                Line::styled(g.title(), theme.accent()),
                Line::raw(""),
                Line::raw("Select an object to see its details."),
            ]
        }
        Some(NodeId::Object(r)) => (r, 0),
        Some(NodeId::Copy(r, n)) => (r, *n as usize),
    };
    // The n-th object of this identity (several files can define one identity).
    let nth = |metas: &mut dyn Iterator<Item = &crate::model::Meta>| {
        metas
            .enumerate()
            .filter(|(_, m)| m.name == r.name && m.namespace == r.namespace)
            .nth(copy)
            .map(|(i, _)| i)
    };
    let mut out = match &r.kind {
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
        Kind::PodDisruptionBudget => nth(&mut s.pdbs.iter().map(|p| &p.meta))
            .map(|i| pdb(s, theme, i))
            .unwrap_or_default(),
        Kind::HorizontalPodAutoscaler => nth(&mut s.hpas.iter().map(|h| &h.meta))
            .map(|i| hpa(s, theme, i))
            .unwrap_or_default(),
        _ => match sel.and_then(|id| super::tree::workload_of(s, id)) {
            Some(w) => workload(s, theme, w),
            None => vec![Line::raw("This object is no longer in the snapshot.")],
        },
    };
    defined_in(s, theme, r, sel, &mut out);
    events_section(s, theme, r, &mut out);
    out
}

/// The events the cluster recorded about the object and, for a workload, its ReplicaSets and
/// pods: warnings first, newest first, each with its count and when it last happened.
pub(crate) fn events_section(
    s: &Snapshot,
    theme: &Theme,
    r: &ObjectRef,
    out: &mut Vec<Line<'static>>,
) {
    let mut about: Vec<ObjectRef> = vec![r.clone()];
    about.extend(s.index.children.get(r).into_iter().flatten().cloned());
    if let Some(&w) = s.index.workload_by_ref.get(r) {
        for &p in s
            .index
            .pods_of
            .get(w)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let pod = &s.pods[p];
            about.push(ObjectRef::new(
                Kind::Pod,
                pod.meta.namespace.as_deref(),
                &pod.meta.name,
            ));
        }
    }
    let mut events: Vec<&crate::model::Event> = about.iter().flat_map(|a| s.events_of(a)).collect();
    if events.is_empty() {
        return;
    }
    events.sort_by(|a, b| {
        b.warning
            .cmp(&a.warning)
            .then(b.last_seen.cmp(&a.last_seen))
    });
    out.push(Line::raw(""));
    out.push(Line::styled(
        format!("Events ({})", events.len()),
        theme.accent(),
    ));
    for e in events.iter().take(8) {
        let when = e
            .last_seen
            .as_deref()
            .map(|l| l.get(..16).unwrap_or(l).replace('T', " "))
            .unwrap_or_default();
        let text = format!(
            "{} {} ×{} · {when} · {}{}",
            if e.warning { "⚠" } else { "·" },
            e.reason,
            e.count,
            if e.regarding == *r {
                String::new()
            } else {
                format!("{} {}: ", e.regarding.kind, e.regarding.name)
            },
            e.message
        );
        let line = Line::raw(format!("  {}", esc(&text)));
        out.push(if e.warning {
            line.style(theme.severity(Severity::Warning))
        } else {
            line
        });
    }
    if events.len() > 8 {
        out.push(Line::styled(
            format!("  … and {} more", events.len() - 8),
            theme.muted(),
        ));
    }
}

/// Offline: the file and line that define the selected object, and the other places when the
/// identity is defined more than once.
fn defined_in(
    s: &Snapshot,
    theme: &Theme,
    r: &crate::model::ObjectRef,
    sel: Option<&NodeId>,
    out: &mut Vec<Line<'static>>,
) {
    if s.source_kind != crate::model::SourceKind::Offline {
        return;
    }
    let place = |o: crate::model::Origin| {
        s.files
            .get(o.file as usize)
            .map(|f| format!("{}:{}", esc(f), o.line))
    };
    let origin = sel
        .and_then(|id| super::tree::workload_of(s, id))
        .and_then(|w| s.workloads[w].meta.origin);
    let dup = s.index.duplicates.iter().find(|(d, _)| d == r);
    let here = origin.or_else(|| dup.and_then(|(_, o)| o.first().copied()));
    let Some(text) = here.and_then(place) else {
        return;
    };
    let at = 1.min(out.len());
    let mut lines = vec![field(theme, "Defined in", text)];
    if let Some((_, places)) = dup {
        let others: Vec<String> = places
            .iter()
            .filter(|o| Some(**o) != here)
            .filter_map(|o| place(*o))
            .collect();
        lines.push(warn_field(
            theme,
            "Also in",
            format!(
                "{} (defined {} times; a cluster keeps the last one applied)",
                others.join(", "),
                places.len()
            ),
            Severity::Warning,
        ));
    }
    for (k, l) in lines.into_iter().enumerate() {
        out.insert(at + k, l);
    }
}

/// The AdminNetworkPolicies (by priority) and the baseline policy whose subject picks the
/// workload's pods.
fn admin_policies(engine: &Engine, class: &PodClass) -> Vec<String> {
    engine
        .admin_policies_for(class)
        .iter()
        .map(|a| {
            let prio = if a.baseline {
                String::new()
            } else {
                format!(" (priority {})", a.priority)
            };
            esc(&format!("{}/{}{prio}", a.kind(), a.meta.name))
        })
        .collect()
}

/// "ingress isolated, 2 rules admit · egress open": the workload's pods under its policies
/// (the Network view has the rules). Where no NetworkPolicy isolates them but admin policies
/// apply, the direction is not called open.
fn traffic_summary(engine: &Engine, class: &PodClass, admin: bool) -> String {
    let mut parts = Vec::new();
    for ingress in [true, false] {
        let dir = if ingress { "ingress" } else { "egress" };
        let rules = crate::netpol::direction_rules(engine, class, ingress).map(|r| r.len());
        parts.push(match rules {
            None if admin => format!("{dir}: admin rules only"),
            None => format!("{dir} open"),
            Some(0) => format!("{dir} denied"),
            Some(1) => format!("{dir} isolated, 1 rule admits"),
            Some(n) => format!("{dir} isolated, {n} rules admit"),
        });
    }
    format!("{} (4: Network view)", parts.join(" · "))
}
