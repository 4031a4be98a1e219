//! Summaries in the middle pane: the whole cluster, one namespace, a PDB and an HPA.

use super::details::{esc, field, join_or_none, title, warn_field};
use crate::audit::Severity;
use crate::model::Snapshot;
use crate::tui::theme::Theme;
use ratatui::text::Line;

pub(super) fn namespace(s: &Snapshot, theme: &Theme, ns: &str) -> Vec<Line<'static>> {
    let mut out = vec![title(theme, "Namespace", None, ns), Line::raw("")];
    let workloads: Vec<usize> = s
        .top_workloads()
        .filter(|(_, w)| w.meta.namespace() == ns)
        .map(|(i, _)| i)
        .collect();
    out.push(field(theme, "Workloads", workloads.len().to_string()));
    let quotas: Vec<&crate::model::ResourceQuota> = s
        .quotas
        .iter()
        .filter(|q| q.meta.namespace() == ns)
        .collect();
    if quotas.is_empty() {
        out.push(warn_field(theme, "Quota", "none", Severity::Info));
    }
    for q in quotas {
        let live = !q.used.is_empty();
        out.push(field(
            theme,
            "Quota",
            format!(
                "{} ({})",
                esc(&q.meta.name),
                if live {
                    "used: status.used"
                } else {
                    "used: estimated from the pod templates"
                }
            ),
        ));
        for (k, hard) in &q.hard {
            let h = crate::model::quantity::parse(hard);
            let u = match q.used(k) {
                Some(u) => crate::model::quantity::parse(u),
                None => Some(crate::audit::checks::quota_blocks_rollout::estimated_use(
                    s, ns, k,
                )),
            };
            out.push(quota_bar(theme, k, u, h, hard));
        }
    }
    let helm = crate::audit::checks::helm_history::releases(s, Some(ns));
    for r in &helm {
        let text = format!(
            "{} · {} revision{} · v{} {}",
            esc(&r.name),
            r.revisions,
            if r.revisions == 1 { "" } else { "s" },
            r.latest,
            esc(&r.status)
        );
        if r.revisions > crate::audit::checks::helm_history::LIMIT {
            out.push(warn_field(theme, "Helm release", text, Severity::Info));
        } else {
            out.push(field(theme, "Helm release", text));
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

pub(super) fn cluster(s: &Snapshot, theme: &Theme) -> Vec<Line<'static>> {
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
        let pods = if pods == 1 {
            "1 pod".to_string()
        } else {
            format!("{pods} pods")
        };
        let line = format!("{state} · zone {} · {pods}", esc(zone));
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

pub(super) fn pdb(s: &Snapshot, theme: &Theme, i: usize) -> Vec<Line<'static>> {
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

pub(super) fn hpa(s: &Snapshot, theme: &Theme, i: usize) -> Vec<Line<'static>> {
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

/// `  requests.cpu  ████████░░ 4100m / 8  51 %`: a quota resource's use as a bar, red from 90 %.
fn quota_bar(
    theme: &Theme,
    key: &str,
    used: Option<f64>,
    hard: Option<f64>,
    hard_text: &str,
) -> Line<'static> {
    use ratatui::text::Span;
    let (Some(u), Some(h)) = (used, hard) else {
        return Line::raw(format!("  {key:<16} {hard_text} (use unknown)"));
    };
    let share = if h > 0.0 {
        (u / h).clamp(0.0, 1.0)
    } else {
        1.0
    };
    let filled = (share * 10.0).round() as usize;
    let bar = format!("{}{}", "█".repeat(filled), "░".repeat(10 - filled));
    let shown = if key.ends_with("cpu") {
        format!("{}m", (u * 1000.0).round())
    } else if key.ends_with("memory") || key.contains("storage") {
        format!("{}Mi", (u / 1048576.0).round())
    } else {
        format!("{}", u.round())
    };
    let style = if share >= 0.9 {
        theme.severity(Severity::Warning)
    } else {
        theme.ok()
    };
    Line::from(vec![
        Span::raw(format!("  {key:<16} ")),
        Span::styled(bar, style),
        Span::raw(format!(" {shown} / {hard_text}  {:.0} %", share * 100.0)),
    ])
}
