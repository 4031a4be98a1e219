//! The left pane's tree: cluster → namespaces → kinds → workloads → pods.
//!
//! Items are built only for opened nodes (a closed node gets one placeholder child, so it still
//! shows as expandable), and the list is rebuilt only when the snapshot, the findings, the
//! opened set or the filter change. Identifiers are stable, so the selection survives reloads.

use crate::model::{Kind, ObjectRef, Origin, Snapshot, WorkloadKind};
use crate::text::escape_ctrl;
use crate::tui::findings_index::{Badge, FindingsIndex};
use crate::tui::fuzzy::Fuzzy;
use crate::tui::theme::Theme;
use ratatui::text::{Line, Span};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use tui_tree_widget::TreeItem;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Group {
    Deployments,
    StatefulSets,
    DaemonSets,
    ReplicaSets,
    CronJobs,
    Jobs,
    Pods,
    Pdbs,
    Hpas,
}

impl Group {
    fn of(kind: WorkloadKind) -> Group {
        match kind {
            WorkloadKind::Deployment => Group::Deployments,
            WorkloadKind::StatefulSet => Group::StatefulSets,
            WorkloadKind::DaemonSet => Group::DaemonSets,
            WorkloadKind::ReplicaSet | WorkloadKind::ReplicationController => Group::ReplicaSets,
            WorkloadKind::CronJob => Group::CronJobs,
            WorkloadKind::Job => Group::Jobs,
            WorkloadKind::Pod => Group::Pods,
        }
    }

    pub fn title(&self) -> &'static str {
        match self {
            Group::Deployments => "Deployments",
            Group::StatefulSets => "StatefulSets",
            Group::DaemonSets => "DaemonSets",
            Group::ReplicaSets => "ReplicaSets",
            Group::CronJobs => "CronJobs",
            Group::Jobs => "Jobs",
            Group::Pods => "Pods",
            Group::Pdbs => "PodDisruptionBudgets",
            Group::Hpas => "HorizontalPodAutoscalers",
        }
    }

    /// The `:` command names that jump to this group.
    pub fn aliases(&self) -> &'static [&'static str] {
        match self {
            Group::Deployments => &["deploy", "deployment", "deployments", "dp"],
            Group::StatefulSets => &["sts", "statefulset", "statefulsets"],
            Group::DaemonSets => &["ds", "daemonset", "daemonsets"],
            Group::ReplicaSets => &["rs", "replicaset", "replicasets"],
            Group::CronJobs => &["cj", "cronjob", "cronjobs"],
            Group::Jobs => &["job", "jobs"],
            Group::Pods => &["po", "pod", "pods"],
            Group::Pdbs => &["pdb", "pdbs", "poddisruptionbudget"],
            Group::Hpas => &["hpa", "hpas", "horizontalpodautoscaler"],
        }
    }

    pub const ALL: [Group; 9] = [
        Group::Deployments,
        Group::StatefulSets,
        Group::DaemonSets,
        Group::ReplicaSets,
        Group::CronJobs,
        Group::Jobs,
        Group::Pods,
        Group::Pdbs,
        Group::Hpas,
    ];
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeId {
    Cluster,
    Namespace(Arc<str>),
    Group(Group),
    Object(ObjectRef),
    /// The second, third, ... copy of an object defined in several files (offline): the
    /// identity and the copy's number among `Index::workload_copies` (0-based).
    Copy(ObjectRef, u32),
    /// Placeholder child of a closed node.
    More,
}

impl NodeId {
    /// The object a node stands for, if any.
    pub fn object(&self) -> Option<&ObjectRef> {
        match self {
            NodeId::Object(r) | NodeId::Copy(r, _) => Some(r),
            _ => None,
        }
    }
}

/// The workload a tree node stands for (the right copy, for objects defined several times).
pub fn workload_of(s: &Snapshot, id: &NodeId) -> Option<usize> {
    match id {
        NodeId::Object(r) => s.index.workload_by_ref.get(r).copied(),
        NodeId::Copy(r, n) => s
            .index
            .workload_copies
            .get(r)
            .and_then(|c| c.get(*n as usize))
            .copied(),
        _ => None,
    }
}

/// For an object defined in several files: where the copy a node stands for is defined.
pub fn copy_origin(s: &Snapshot, id: &NodeId) -> Option<Origin> {
    let r = id.object()?;
    if !s.index.workload_copies.contains_key(r) {
        return None;
    }
    workload_of(s, id).and_then(|w| s.workloads[w].meta.origin)
}

/// What lives in one namespace, for building its subtree.
#[derive(Debug, Default)]
pub struct NsEntry {
    pub groups: BTreeMap<Group, Vec<usize>>,
}

/// Namespace → kinds → object numbers (workloads, or PDB/HPA numbers for those groups).
#[derive(Debug, Default)]
pub struct TreeIndex {
    pub namespaces: BTreeMap<Arc<str>, NsEntry>,
}

impl TreeIndex {
    pub fn new(s: &Snapshot) -> TreeIndex {
        let mut ix = TreeIndex::default();
        for n in &s.namespaces {
            ix.namespaces.entry(n.meta.name.clone()).or_default();
        }
        for (i, w) in s.top_workloads() {
            let ns = w.meta.namespace.clone().unwrap_or_else(|| Arc::from(""));
            ix.namespaces
                .entry(ns)
                .or_default()
                .groups
                .entry(Group::of(w.kind))
                .or_default()
                .push(i);
        }
        for (i, p) in s.pdbs.iter().enumerate() {
            let ns = p.meta.namespace.clone().unwrap_or_else(|| Arc::from(""));
            ix.namespaces
                .entry(ns)
                .or_default()
                .groups
                .entry(Group::Pdbs)
                .or_default()
                .push(i);
        }
        for (i, h) in s.hpas.iter().enumerate() {
            let ns = h.meta.namespace.clone().unwrap_or_else(|| Arc::from(""));
            ix.namespaces
                .entry(ns)
                .or_default()
                .groups
                .entry(Group::Hpas)
                .or_default()
                .push(i);
        }
        for entry in ix.namespaces.values_mut() {
            for (g, list) in entry.groups.iter_mut() {
                match g {
                    Group::Pdbs => {
                        list.sort_by(|a, b| s.pdbs[*a].meta.name.cmp(&s.pdbs[*b].meta.name))
                    }
                    Group::Hpas => {
                        list.sort_by(|a, b| s.hpas[*a].meta.name.cmp(&s.hpas[*b].meta.name))
                    }
                    _ => list
                        .sort_by(|a, b| s.workloads[*a].meta.name.cmp(&s.workloads[*b].meta.name)),
                }
            }
        }
        ix
    }
}

/// Everything a rebuild needs.
pub struct BuildCtx<'a> {
    pub snap: &'a Snapshot,
    pub index: &'a TreeIndex,
    pub findings: &'a FindingsIndex,
    pub opened: &'a HashSet<Vec<NodeId>>,
    pub filter: Option<&'a str>,
    pub findings_first: bool,
    pub theme: &'a Theme,
    /// Objects added or changed since the `--since` state: marked Δ.
    pub changed: Option<&'a std::collections::HashSet<crate::diff::ObjectJson>>,
}

impl BuildCtx<'_> {
    fn is_changed(&self, r: &ObjectRef) -> bool {
        self.changed
            .is_some_and(|c| c.contains(&crate::diff::ObjectJson::of(r)))
    }
}

fn badge_spans(b: Badge, theme: &Theme) -> Vec<Span<'static>> {
    match b.worst {
        None => vec![],
        Some(s) => {
            let sym = match s {
                crate::audit::Severity::Critical => "●",
                crate::audit::Severity::Warning => "▲",
                crate::audit::Severity::Info => "■",
            };
            vec![
                Span::raw(" "),
                Span::styled(format!("{sym}{}", b.count), theme.severity(s)),
            ]
        }
    }
}

fn line(
    name: String,
    extra: Option<(String, ratatui::style::Style)>,
    b: Badge,
    theme: &Theme,
) -> Line<'static> {
    let mut spans = vec![Span::raw(name)];
    if let Some((t, st)) = extra {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(t, st));
    }
    spans.extend(badge_spans(b, theme));
    Line::from(spans)
}

fn placeholder() -> Vec<TreeItem<'static, NodeId>> {
    vec![TreeItem::new_leaf(NodeId::More, "…")]
}

/// Findings of a workload and of its pods.
pub fn workload_findings(ctx_snap: &Snapshot, f: &FindingsIndex, w: usize) -> Vec<usize> {
    let wl = &ctx_snap.workloads[w];
    let r = wl.object_ref();
    let mut v: Vec<usize> = f.of_object(&r).to_vec();
    if ctx_snap.index.workload_copies.contains_key(&r) {
        // Defined in several files: this copy's findings only.
        v.retain(|&i| f.findings[i].origin == wl.meta.origin);
    }
    if let Some(pods) = ctx_snap.index.pods_of.get(w) {
        for &p in pods {
            let r = crate::model::objects::obj_ref(Kind::Pod, &ctx_snap.pods[p].meta);
            if wl.kind != WorkloadKind::Pod {
                v.extend_from_slice(f.of_object(&r));
            }
        }
    }
    v
}

/// The copy number of object `i` among the objects of the same identity, and where it is
/// defined, when the identity is defined more than once (offline folders).
fn copy_label(
    s: &Snapshot,
    same: impl Iterator<Item = usize>,
    i: usize,
    origin: Option<Origin>,
) -> Option<(u32, String)> {
    let same: Vec<usize> = same.collect();
    if same.len() < 2 {
        return None;
    }
    let n = same.iter().position(|&x| x == i)? as u32;
    // Only what tells the copies apart: the path below the folders they all share.
    let files: Vec<&str> = s.files.iter().map(String::as_str).collect();
    let shared = common_dir(&files);
    let place = origin
        .and_then(|o| {
            s.files
                .get(o.file as usize)
                .map(|f| format!("{}:{}", &f[shared.min(f.len())..], o.line))
        })
        .unwrap_or_default();
    Some((n, place))
}

/// Length of the folder prefix (up to and including a `/`) that every path shares.
fn common_dir(paths: &[&str]) -> usize {
    let Some(first) = paths.first() else { return 0 };
    let mut len = first.rfind('/').map_or(0, |i| i + 1);
    for p in &paths[1..] {
        let same = first
            .bytes()
            .zip(p.bytes())
            .take(len)
            .take_while(|(a, b)| a == b)
            .count();
        len = first[..same].rfind('/').map_or(0, |i| i + 1);
    }
    len
}

fn object_badge(ctx: &BuildCtx, g: &Group, i: usize) -> (NodeId, Badge, String) {
    let s = ctx.snap;
    let (r, b, name, copy) = match g {
        Group::Pdbs => {
            let p = &s.pdbs[i];
            let r = crate::model::objects::obj_ref(Kind::PodDisruptionBudget, &p.meta);
            let same = (0..s.pdbs.len()).filter(|&j| {
                s.pdbs[j].meta.name == p.meta.name && s.pdbs[j].meta.namespace == p.meta.namespace
            });
            let copy = copy_label(s, same, i, p.meta.origin);
            let list = copy_findings(ctx.findings, &r, copy.as_ref().and(p.meta.origin));
            let b = ctx.findings.badge(&list);
            (r, b, p.meta.name.to_string(), copy)
        }
        Group::Hpas => {
            let h = &s.hpas[i];
            let r = crate::model::objects::obj_ref(Kind::HorizontalPodAutoscaler, &h.meta);
            let same = (0..s.hpas.len()).filter(|&j| {
                s.hpas[j].meta.name == h.meta.name && s.hpas[j].meta.namespace == h.meta.namespace
            });
            let copy = copy_label(s, same, i, h.meta.origin);
            let list = copy_findings(ctx.findings, &r, copy.as_ref().and(h.meta.origin));
            let b = ctx.findings.badge(&list);
            (r, b, h.meta.name.to_string(), copy)
        }
        _ => {
            let w = &s.workloads[i];
            let b = ctx.findings.badge(&workload_findings(s, ctx.findings, i));
            let r = w.object_ref();
            let copy = s
                .index
                .workload_copies
                .get(&r)
                .and_then(|c| copy_label(s, c.iter().copied(), i, w.meta.origin));
            (r, b, w.meta.name.to_string(), copy)
        }
    };
    match copy {
        None => (NodeId::Object(r), b, name),
        Some((n, place)) => {
            let label = format!("{name} ({place})");
            let id = if n == 0 {
                NodeId::Object(r)
            } else {
                NodeId::Copy(r, n)
            };
            (id, b, label)
        }
    }
}

/// The findings of one object, or of one copy of it when `origin` is given.
fn copy_findings(f: &FindingsIndex, r: &ObjectRef, origin: Option<Origin>) -> Vec<usize> {
    let mut v = f.of_object(r).to_vec();
    if let Some(o) = origin {
        v.retain(|&i| f.findings[i].origin == Some(o));
    }
    v
}

fn sort_key(
    b: Badge,
) -> (
    std::cmp::Reverse<Option<crate::audit::Severity>>,
    std::cmp::Reverse<usize>,
) {
    (std::cmp::Reverse(b.worst), std::cmp::Reverse(b.count))
}

/// Builds the tree items. Returns the root list (one cluster node).
pub fn build(ctx: &BuildCtx) -> Vec<TreeItem<'static, NodeId>> {
    let theme = ctx.theme;
    let mut fuzzy = ctx.filter.and_then(Fuzzy::new);
    let mut ns_items = Vec::new();
    let mut namespaces: Vec<(&Arc<str>, &NsEntry, Badge)> = ctx
        .index
        .namespaces
        .iter()
        .map(|(n, e)| (n, e, ctx.findings.badge(ctx.findings.of_namespace(n))))
        .collect();
    if ctx.findings_first {
        namespaces.sort_by(|a, b| sort_key(a.2).cmp(&sort_key(b.2)).then(a.0.cmp(b.0)));
    }
    for (ns, entry, nsb) in namespaces {
        let ns_id = NodeId::Namespace(ns.clone());
        let ns_path = vec![NodeId::Cluster, ns_id.clone()];
        let ns_open = ctx.opened.contains(&ns_path) || fuzzy.is_some();
        let mut group_items = Vec::new();
        if ns_open {
            for (g, list) in &entry.groups {
                let gid = NodeId::Group(g.clone());
                let g_path = vec![NodeId::Cluster, ns_id.clone(), gid.clone()];
                let g_open = ctx.opened.contains(&g_path) || fuzzy.is_some();
                let mut objs: Vec<(NodeId, Badge, String, usize)> = list
                    .iter()
                    .map(|&i| {
                        let (r, b, n) = object_badge(ctx, g, i);
                        (r, b, n, i)
                    })
                    .collect();
                if let Some(f) = fuzzy.as_mut() {
                    objs.retain(|(_, _, n, _)| f.matches(&format!("{ns}/{n}")));
                    if objs.is_empty() {
                        continue;
                    }
                }
                let gb = Badge {
                    worst: objs.iter().filter_map(|o| o.1.worst).max(),
                    count: objs.iter().map(|o| o.1.count).sum(),
                };
                if ctx.findings_first {
                    objs.sort_by(|a, b| sort_key(a.1).cmp(&sort_key(b.1)).then(a.2.cmp(&b.2)));
                }
                let children = if g_open {
                    objs.into_iter()
                        .map(|(r, b, n, i)| object_item(ctx, g, i, r, b, n, &g_path))
                        .collect()
                } else {
                    placeholder()
                };
                let title = format!("{} ({})", g.title(), list.len());
                let item = TreeItem::new(gid, line(title, None, gb, theme), children);
                if let Ok(item) = item {
                    group_items.push(item);
                }
            }
            if fuzzy.is_some() && group_items.is_empty() {
                continue;
            }
        } else if !entry.groups.is_empty() {
            group_items = placeholder();
        }
        let label = escape_ctrl(if ns.is_empty() {
            "(cluster-scoped)"
        } else {
            ns
        })
        .into_owned();
        if let Ok(item) = TreeItem::new(ns_id, line(label, None, nsb, theme), group_items) {
            ns_items.push(item);
        }
    }
    let all = ctx
        .findings
        .badge(&(0..ctx.findings.findings.len()).collect::<Vec<_>>());
    let title = format!("cluster: {}", escape_ctrl(&ctx.snap.source));
    TreeItem::new(NodeId::Cluster, line(title, None, all, theme), ns_items)
        .map(|i| vec![i])
        .unwrap_or_default()
}

fn object_item(
    ctx: &BuildCtx,
    g: &Group,
    i: usize,
    id: NodeId,
    b: Badge,
    name: String,
    g_path: &[NodeId],
) -> TreeItem<'static, NodeId> {
    let theme = ctx.theme;
    let s = ctx.snap;
    let name = escape_ctrl(&name).into_owned();
    // Δ: added or changed since the `--since` state.
    let name = match &id {
        NodeId::Object(r) | NodeId::Copy(r, _) if ctx.is_changed(r) => format!("Δ {name}"),
        _ => name,
    };
    if matches!(g, Group::Pdbs | Group::Hpas) {
        return TreeItem::new_leaf(id, line(name, None, b, theme));
    }
    let w = &s.workloads[i];
    let extra = match (s.desired_replicas(i), w.kind) {
        (_, WorkloadKind::Pod) => None,
        (Some(d), _) => Some((format!("×{d}"), theme.muted())),
        (None, _) => None,
    };
    let pods = s.index.pods_of.get(i).map(Vec::as_slice).unwrap_or(&[]);
    if pods.is_empty() || w.kind == WorkloadKind::Pod {
        return TreeItem::new_leaf(id, line(name, extra, b, theme));
    }
    let mut path = g_path.to_vec();
    path.push(id.clone());
    let children = if ctx.opened.contains(&path) {
        pods.iter()
            .map(|&p| {
                let pod = &s.pods[p];
                let pr = crate::model::objects::obj_ref(Kind::Pod, &pod.meta);
                let pb = ctx.findings.badge(ctx.findings.of_object(&pr));
                let waiting = pod
                    .containers
                    .iter()
                    .find_map(|c| c.waiting_reason.as_deref());
                let restarts: i64 = pod.containers.iter().map(|c| c.restart_count).sum();
                let (status, st) = match waiting {
                    Some(w) => (
                        w.to_string(),
                        theme.severity(crate::audit::Severity::Critical),
                    ),
                    None if pod.ready => (
                        pod.phase.as_deref().unwrap_or("Running").to_string(),
                        theme.ok(),
                    ),
                    None => (
                        pod.phase.as_deref().unwrap_or("Pending").to_string(),
                        theme.muted(),
                    ),
                };
                let status = if restarts > 0 {
                    format!("{status} ↻{restarts}")
                } else {
                    status
                };
                TreeItem::new_leaf(
                    NodeId::Object(pr),
                    line(
                        escape_ctrl(&pod.meta.name).into_owned(),
                        Some((status, st)),
                        pb,
                        theme,
                    ),
                )
            })
            .collect()
    } else {
        placeholder()
    };
    TreeItem::new(
        id.clone(),
        line(name.clone(), extra.clone(), b, theme),
        children,
    )
    .unwrap_or_else(|_| TreeItem::new_leaf(id, line(name, extra, b, theme)))
}
