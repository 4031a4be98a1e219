//! Drain and blast-radius simulation (design/drain.md): what `kubectl drain --ignore-daemonsets`
//! would do to a node, a node pool or a zone, computed from the snapshot without touching the
//! cluster. Pure: no I/O.
//!
//! The rules come from kubectl's drain filters (k8s.io/kubectl/pkg/drain: DaemonSet, mirror,
//! local storage and unreplicated filters, in that order), the eviction subresource
//! (pkg/registry/core/pod/storage/eviction.go: budgets ignored for Pending and deleted pods, 500
//! for a pod under two PDBs, 429 when `disruptionsAllowed` is 0, the unhealthy-pod rule) and the
//! disruption controller (pkg/controller/disruption: expected count, desired and current healthy).

pub mod budget;
mod fit;
pub mod words;
pub use fit::pod_requests;

pub use budget::{budget, Budget};

use crate::model::{Kind, Node, ObjectRef, Pod, Snapshot, WorkloadKind};
use rustc_hash::FxHashMap as HashMap;
use std::sync::{Arc, OnceLock};

/// Node labels that name a node's pool, in the order drain.md gives.
pub const POOL_LABELS: [&str; 5] = [
    "cloud.google.com/gke-nodepool",
    "eks.amazonaws.com/nodegroup",
    "karpenter.sh/nodepool",
    "kubernetes.azure.com/agentpool",
    "agentpool",
];

/// The node's pool: the first pool label present.
pub fn pool_of(node: &Node) -> Option<&str> {
    POOL_LABELS.iter().find_map(|k| node.meta.labels.get(k))
}

/// The node's zone (`topology.kubernetes.io/zone`, else the beta label).
pub fn zone_of(node: &Node) -> Option<&str> {
    node.meta
        .labels
        .get("topology.kubernetes.io/zone")
        .or_else(|| {
            node.meta
                .labels
                .get("failure-domain.beta.kubernetes.io/zone")
        })
}

/// What is drained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    Node(String),
    Pool(String),
    Zone(String),
}

impl Scope {
    pub fn describe(&self) -> String {
        match self {
            Scope::Node(n) => format!("node {n}"),
            Scope::Pool(p) => format!("pool {p}"),
            Scope::Zone(z) => format!("zone {z}"),
        }
    }
}

/// `kubectl drain` flags that change the verdicts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    pub force: bool,
    pub delete_emptydir_data: bool,
}

/// The one action a pod gets (drain.md, "Pods considered").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    SkipDaemonSet,
    SkipMirror,
    RefuseEmptyDir,
    RefuseUnmanaged,
    DeleteUnmanaged,
    Evict,
    Wait,
    Blocked,
}

impl Action {
    /// The name in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::SkipDaemonSet => "skip-daemonset",
            Action::SkipMirror => "skip-mirror",
            Action::RefuseEmptyDir => "refuse-emptydir",
            Action::RefuseUnmanaged => "refuse-unmanaged",
            Action::DeleteUnmanaged => "delete-unmanaged",
            Action::Evict => "evict",
            Action::Wait => "wait",
            Action::Blocked => "blocked",
        }
    }

    /// The pod leaves at once (its Ready replica is gone while the drain runs).
    pub fn leaves_now(self) -> bool {
        matches!(self, Action::Evict | Action::DeleteUnmanaged)
    }

    /// The drain does not complete because of this pod.
    pub fn stops_drain(self) -> bool {
        matches!(
            self,
            Action::RefuseEmptyDir | Action::RefuseUnmanaged | Action::Blocked
        )
    }
}

/// One pod's verdict.
#[derive(Clone, Debug)]
pub struct PodOutcome {
    /// Position in `snap.pods`.
    pub pod: usize,
    /// The top-level workload (the Deployment, not its ReplicaSet), when the snapshot has it.
    pub owner: Option<usize>,
    pub action: Action,
    /// The PDBs that select the pod (positions in `snap.pdbs`).
    pub pdbs: Vec<usize>,
    /// The reason, in words.
    pub why: String,
}

/// A workload with a pod in the drained set.
#[derive(Clone, Debug)]
pub struct WorkloadOutcome {
    pub workload: usize,
    /// Ready pods on every node.
    pub ready: usize,
    /// Ready pods left while the drain runs (those evicted or deleted at once are gone).
    pub ready_during: usize,
    pub outage: bool,
}

/// A node's drain verdict, as the Nodes view shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Badge {
    /// Completes at once, nothing goes down.
    Clean,
    /// Completes after some pods wait for replacements; nothing goes down.
    Waits,
    /// Never completes, kubectl refuses, or a workload loses every Ready replica.
    Fails,
}

impl Badge {
    pub fn symbol(self) -> &'static str {
        match self {
            Badge::Clean => "✓",
            Badge::Waits => "⏳",
            Badge::Fails => "✗",
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            Badge::Clean => "drains cleanly",
            Badge::Waits => "waits for replacements",
            Badge::Fails => "blocks or takes something down",
        }
    }
}

/// The simulation's answer.
#[derive(Clone, Debug)]
pub struct Report {
    pub scope: Scope,
    /// The nodes drained, sorted.
    pub nodes: Vec<Arc<str>>,
    /// Sorted by namespace/name.
    pub pods: Vec<PodOutcome>,
    /// Sorted by kind/namespace/name.
    pub workloads: Vec<WorkloadOutcome>,
    /// No pod is refused or blocked.
    pub completes: bool,
}

impl Report {
    pub fn outages(&self) -> impl Iterator<Item = &WorkloadOutcome> {
        self.workloads.iter().filter(|w| w.outage)
    }

    /// Exit 0 in `kvet drain`: completes and nothing goes down.
    pub fn is_safe(&self) -> bool {
        self.completes && self.outages().next().is_none()
    }

    pub fn badge(&self) -> Badge {
        if !self.is_safe() {
            Badge::Fails
        } else if self.pods.iter().any(|p| p.action == Action::Wait) {
            Badge::Waits
        } else {
            Badge::Clean
        }
    }

    pub fn count(&self, action: Action) -> usize {
        self.pods.iter().filter(|p| p.action == action).count()
    }
}

/// A simulation's lookups: the snapshot's per-node and per-namespace pod lists, and the budgets,
/// computed the first time a drain needs them, so simulating every node costs one pass per PDB.
pub struct Planner<'s> {
    pub snap: &'s Snapshot,
    pdbs_in_ns: HashMap<&'s str, Vec<usize>>,
    budgets: Vec<OnceLock<Budget>>,
    /// Each node's free CPU and memory (allocatable minus the requests of the pods it runs),
    /// when its allocatable is known; computed the first time a replacement is placed.
    free: OnceLock<Vec<Option<[f64; 2]>>>,
}

impl<'s> Planner<'s> {
    pub fn new(snap: &'s Snapshot) -> Self {
        let mut pdbs_in_ns: HashMap<&str, Vec<usize>> = HashMap::default();
        for (i, p) in snap.pdbs.iter().enumerate() {
            pdbs_in_ns.entry(p.meta.namespace()).or_default().push(i);
        }
        Planner {
            snap,
            pdbs_in_ns,
            budgets: (0..snap.pdbs.len()).map(|_| OnceLock::new()).collect(),
            free: OnceLock::new(),
        }
    }

    /// The pods placed on a node.
    pub fn pods_on(&self, node: &str) -> impl Iterator<Item = usize> + '_ {
        self.snap.pods_on_node(node)
    }

    /// The pods of a namespace.
    pub fn pods_in(&self, namespace: &str) -> Vec<usize> {
        self.snap
            .index
            .pods_by_ns
            .get(namespace)
            .into_iter()
            .flatten()
            .map(|&p| p as usize)
            .collect()
    }

    /// The top-level workload that runs a pod.
    pub fn top_of(&self, pod: usize) -> Option<usize> {
        self.snap.top_workload_of(pod)
    }

    /// The PDBs that select a pod (same namespace).
    pub fn pdbs_of(&self, pod: &Pod) -> Vec<usize> {
        self.pdbs_in_ns
            .get(pod.meta.namespace())
            .into_iter()
            .flatten()
            .copied()
            .filter(|&i| self.snap.pdbs[i].matches(&pod.meta.labels))
            .collect()
    }

    /// A PDB's budget as the disruption controller computes it.
    pub fn budget(&self, pdb: usize) -> &Budget {
        self.budgets[pdb].get_or_init(|| {
            budget(
                self.snap,
                pdb,
                &self.pods_in(self.snap.pdbs[pdb].meta.namespace()),
            )
        })
    }

    /// The nodes a scope covers, sorted. An error names what was not found and what exists.
    pub fn nodes_of(&self, scope: &Scope) -> Result<Vec<Arc<str>>, String> {
        let nodes = &self.snap.nodes;
        let what = match scope {
            Scope::Node(_) => "node",
            Scope::Pool(_) => "pool",
            Scope::Zone(_) => "zone",
        };
        let pick = |x: &Node| match scope {
            Scope::Node(n) => &*x.meta.name == n,
            Scope::Pool(p) => pool_of(x) == Some(p),
            Scope::Zone(z) => zone_of(x) == Some(z),
        };
        let mut v: Vec<Arc<str>> = nodes
            .iter()
            .filter(|n| pick(n))
            .map(|n| n.meta.name.clone())
            .collect();
        v.sort();
        v.dedup();
        if v.is_empty() {
            let mut known: Vec<String> = match scope {
                Scope::Node(_) => nodes.iter().map(|n| n.meta.name.to_string()).collect(),
                Scope::Pool(_) => nodes
                    .iter()
                    .filter_map(|n| pool_of(n).map(str::to_string))
                    .collect(),
                Scope::Zone(_) => nodes
                    .iter()
                    .filter_map(|n| zone_of(n).map(str::to_string))
                    .collect(),
            };
            known.sort();
            known.dedup();
            let name = match scope {
                Scope::Node(n) | Scope::Pool(n) | Scope::Zone(n) => n,
            };
            return Err(if known.is_empty() {
                format!(
                    "no {what} named {name:?}: this snapshot has no {}",
                    match scope {
                        Scope::Node(_) => "Node objects",
                        Scope::Pool(_) => "node with a pool label",
                        Scope::Zone(_) => "node with a zone label",
                    }
                )
            } else {
                format!(
                    "no {what} named {name:?}; known: {}",
                    crate::text::truncate_list(&known, 12)
                )
            });
        }
        Ok(v)
    }

    /// Simulates the drain of a scope.
    pub fn simulate(&self, scope: &Scope, opts: Options) -> Result<Report, String> {
        let nodes = self.nodes_of(scope)?;
        Ok(self.simulate_nodes(scope.clone(), nodes, opts))
    }

    /// Simulates the drain of the given nodes at once.
    pub fn simulate_nodes(&self, scope: Scope, nodes: Vec<Arc<str>>, opts: Options) -> Report {
        let snap = self.snap;
        let mut pods: Vec<usize> = nodes
            .iter()
            .flat_map(|n| self.pods_on(n))
            .filter(|&p| !snap.pods[p].is_finished())
            .collect();
        // Budgets are spent in a fixed order: not Ready first, then Ready, by namespace/name.
        pods.sort_by(|&a, &b| {
            let (pa, pb) = (&snap.pods[a], &snap.pods[b]);
            pa.is_ready()
                .cmp(&pb.is_ready())
                .then_with(|| pa.meta.namespace().cmp(pb.meta.namespace()))
                .then_with(|| pa.meta.name.cmp(&pb.meta.name))
        });
        let mut spent: HashMap<usize, i64> = HashMap::default();
        let mut out: Vec<PodOutcome> = Vec::with_capacity(pods.len());
        for p in pods {
            let (action, pdbs, why) = self.decide(p, &nodes, opts, &mut spent);
            out.push(PodOutcome {
                pod: p,
                owner: self.top_of(p),
                action,
                pdbs,
                why,
            });
        }
        out.sort_by(|a, b| {
            let (pa, pb) = (&snap.pods[a.pod], &snap.pods[b.pod]);
            pa.meta
                .namespace()
                .cmp(pb.meta.namespace())
                .then_with(|| pa.meta.name.cmp(&pb.meta.name))
        });
        let workloads = self.workload_outcomes(&out);
        let completes = !out.iter().any(|p| p.action.stops_drain());
        Report {
            scope,
            nodes,
            pods: out,
            workloads,
            completes,
        }
    }

    fn decide(
        &self,
        p: usize,
        drained: &[Arc<str>],
        opts: Options,
        spent: &mut HashMap<usize, i64>,
    ) -> (Action, Vec<usize>, String) {
        let pod = &self.snap.pods[p];
        let controller = pod.meta.owner.as_ref().filter(|o| o.controller);
        if let Some(o) = controller.filter(|o| o.kind == Kind::DaemonSet) {
            return (
                Action::SkipDaemonSet,
                Vec::new(),
                format!("DaemonSet {} keeps its pod (--ignore-daemonsets)", o.name),
            );
        }
        if pod.meta.annotation("kubernetes.io/config.mirror").is_some() {
            return (
                Action::SkipMirror,
                Vec::new(),
                "static pod: the kubelet on the node owns it".to_string(),
            );
        }
        if !pod.spec.empty_dirs.is_empty() && !opts.delete_emptydir_data {
            return (
                Action::RefuseEmptyDir,
                Vec::new(),
                format!(
                    "emptyDir {}: kubectl refuses the drain without --delete-emptydir-data (the data is lost)",
                    crate::text::truncate_list(&pod.spec.empty_dirs, 4)
                ),
            );
        }
        if controller.is_none() {
            return if opts.force {
                (
                    Action::DeleteUnmanaged,
                    Vec::new(),
                    "no controller: deleted (--force), and nothing recreates it".to_string(),
                )
            } else {
                (
                    Action::RefuseUnmanaged,
                    Vec::new(),
                    "no controller: kubectl refuses the drain without --force (nothing would recreate it)"
                        .to_string(),
                )
            };
        }
        let pdbs = self.pdbs_of(pod);
        if pod.phase.as_deref() == Some("Pending") {
            return (
                Action::Evict,
                pdbs,
                "Pending: the eviction API ignores budgets".to_string(),
            );
        }
        if pod.deleted_at.is_some() {
            return (
                Action::Evict,
                pdbs,
                "already being deleted: the eviction API ignores budgets".to_string(),
            );
        }
        let names = |v: &[usize]| -> Vec<String> {
            v.iter()
                .map(|&i| self.snap.pdbs[i].meta.name.to_string())
                .collect()
        };
        match pdbs.len() {
            0 => {
                return (
                    Action::Evict,
                    pdbs,
                    "no PodDisruptionBudget selects it".to_string(),
                )
            }
            1 => {}
            n => {
                let why = format!(
                    "{n} PDBs select it ({}): the eviction API refuses such a pod (500), so the drain never ends",
                    names(&pdbs).join(", ")
                );
                return (Action::Blocked, pdbs, why);
            }
        }
        let i = pdbs[0];
        let b = self.budget(i);
        let pdb = &self.snap.pdbs[i];
        let name = &pdb.meta.name;
        if !pod.is_ready() {
            let always = pdb.unhealthy_policy.as_deref() == Some("AlwaysAllow");
            if always {
                return (
                    Action::Evict,
                    pdbs,
                    format!(
                        "not Ready, and PDB {name} sets unhealthyPodEvictionPolicy AlwaysAllow"
                    ),
                );
            }
            if b.current_healthy >= b.desired_healthy && b.desired_healthy > 0 {
                return (
                    Action::Evict,
                    pdbs,
                    format!(
                        "not Ready, and PDB {name} is healthy ({} of {} needed): evicted without spending budget",
                        b.current_healthy, b.desired_healthy
                    ),
                );
            }
        }
        let used = spent.entry(i).or_default();
        if b.allowed - *used > 0 {
            *used += 1;
            return (
                Action::Evict,
                pdbs,
                format!(
                    "PDB {name} allows it ({} of {} disruptions)",
                    *used, b.allowed
                ),
            );
        }
        if b.allowed_at_full_health() < 1 {
            let why = format!(
                "PDB {name} allows no disruption even at full health ({}): the eviction API answers 429 forever",
                b.describe()
            );
            return (Action::Blocked, pdbs, why);
        }
        if !self.has_other_node(pod, drained) {
            let why = format!(
                "PDB {name} has no budget now, and no schedulable node outside the drain takes a replacement"
            );
            return (Action::Blocked, pdbs, why);
        }
        let why = if b.allowed > 0 {
            format!(
                "PDB {name}'s {} allowed disruption{} go{} to pods evicted before it in this drain: 429 until a replacement is Ready elsewhere",
                b.allowed,
                if b.allowed == 1 { "" } else { "s" },
                if b.allowed == 1 { "es" } else { "" }
            )
        } else {
            format!(
                "PDB {name} has no budget now ({}): 429 until a replacement is Ready elsewhere",
                b.describe()
            )
        };
        (Action::Wait, pdbs, why)
    }

    fn workload_outcomes(&self, pods: &[PodOutcome]) -> Vec<WorkloadOutcome> {
        let snap = self.snap;
        let mut gone: HashMap<usize, usize> = HashMap::default();
        for p in pods {
            let Some(w) = p.owner else { continue };
            let kind = snap.workloads[w].kind;
            if !counts_for_outage(kind) {
                continue;
            }
            let e = gone.entry(w).or_default();
            if p.action.leaves_now() && snap.pods[p.pod].is_ready() {
                *e += 1;
            }
        }
        let mut v: Vec<WorkloadOutcome> = gone
            .into_iter()
            .map(|(w, leaving)| {
                let ready = snap.index.pods_of[w]
                    .iter()
                    .filter(|&&p| snap.pods[p].is_ready())
                    .count();
                let ready_during = ready.saturating_sub(leaving);
                WorkloadOutcome {
                    workload: w,
                    ready,
                    ready_during,
                    outage: ready > 0 && ready_during == 0,
                }
            })
            .collect();
        v.sort_by(|a, b| {
            snap.workloads[a.workload]
                .object_ref()
                .cmp(&snap.workloads[b.workload].object_ref())
        });
        v
    }

    /// Every node's verdict (the Nodes view's badges), in node order.
    pub fn badges(&self, opts: Options) -> Vec<(Arc<str>, Report)> {
        self.snap
            .nodes
            .iter()
            .map(|n| {
                let r = self.simulate_nodes(
                    Scope::Node(n.meta.name.to_string()),
                    vec![n.meta.name.clone()],
                    opts,
                );
                (n.meta.name.clone(), r)
            })
            .collect()
    }
}

/// The workloads drain.md counts for outages: top-level controllers, not DaemonSets or bare pods.
fn counts_for_outage(kind: WorkloadKind) -> bool {
    matches!(
        kind,
        WorkloadKind::Deployment
            | WorkloadKind::StatefulSet
            | WorkloadKind::ReplicaSet
            | WorkloadKind::ReplicationController
            | WorkloadKind::Job
            | WorkloadKind::CronJob
    )
}

/// `Kind/NS/NAME` of a workload, as the JSON output writes owners.
pub fn workload_name(r: &ObjectRef) -> String {
    format!(
        "{}/{}/{}",
        r.kind,
        r.namespace.as_deref().unwrap_or(""),
        r.name
    )
}

#[cfg(test)]
mod tests;

/// One node's verdict for the Nodes view, owned so that it can be computed off the UI thread.
#[derive(Clone, Debug)]
pub struct NodeSummary {
    pub name: Arc<str>,
    pub badge: Badge,
    /// Pods the drain considers (finished ones are not).
    pub pods: usize,
    pub waits: usize,
    /// Pods that keep the drain from completing.
    pub stops: usize,
    /// `Kind/NS/NAME` of the workloads that would lose every Ready replica.
    pub outages: Vec<String>,
}

/// Every node's drain verdict (`kubectl drain NODE --ignore-daemonsets`, no other flag).
pub fn summaries(snap: &Snapshot) -> Vec<NodeSummary> {
    let planner = Planner::new(snap);
    planner
        .badges(Options::default())
        .into_iter()
        .map(|(name, r)| NodeSummary {
            name,
            badge: r.badge(),
            pods: r.pods.len(),
            waits: r.count(Action::Wait),
            stops: r.pods.iter().filter(|p| p.action.stops_drain()).count(),
            outages: r
                .outages()
                .map(|w| workload_name(&snap.workloads[w.workload].object_ref()))
                .collect(),
        })
        .collect()
}

/// How a workload's Ready replicas spread over nodes, pools and zones, and which single node's
/// loss would take it down, in words (the Workloads view's details pane). `None` for kinds
/// without replicas to spread.
pub fn placement_summary(snap: &Snapshot, w: usize) -> Option<String> {
    let wl = &snap.workloads[w];
    if matches!(wl.kind, WorkloadKind::DaemonSet | WorkloadKind::Pod) {
        return None;
    }
    let pods = snap.index.pods_of.get(w).map(Vec::as_slice).unwrap_or(&[]);
    if pods.is_empty() {
        let keys: Vec<&str> = wl
            .spec
            .spread_keys
            .iter()
            .chain(wl.spec.anti_affinity_keys.iter())
            .map(|k| &**k)
            .collect();
        return Some(if keys.is_empty() {
            "no pods here; nothing in the spec spreads the replicas".to_string()
        } else {
            format!("no pods here; spread by {}", keys.join(", "))
        });
    }
    let mut per_node: std::collections::BTreeMap<&str, usize> = Default::default();
    for &p in pods {
        let pod = &snap.pods[p];
        if let (true, Some(n)) = (pod.is_ready(), pod.node_name.as_deref()) {
            *per_node.entry(n).or_default() += 1;
        }
    }
    let ready: usize = per_node.values().sum();
    if ready == 0 {
        return Some(format!("{} pods, none Ready", pods.len()));
    }
    let node_of = |name: &str| snap.nodes.iter().find(|n| &*n.meta.name == name);
    let zones: std::collections::BTreeSet<&str> = per_node
        .keys()
        .filter_map(|n| node_of(n).and_then(zone_of))
        .collect();
    let pools: std::collections::BTreeSet<&str> = per_node
        .keys()
        .filter_map(|n| node_of(n).and_then(pool_of))
        .collect();
    let nodes: Vec<String> = per_node
        .iter()
        .map(|(n, c)| {
            if *c > 1 {
                format!("{n} ×{c}")
            } else {
                n.to_string()
            }
        })
        .collect();
    let mut s = format!(
        "{ready} Ready on {} node{} ({})",
        per_node.len(),
        if per_node.len() == 1 { "" } else { "s" },
        crate::text::truncate_list(&nodes, 4)
    );
    if !zones.is_empty() {
        s.push_str(&format!(
            " · {} zone{}",
            zones.len(),
            if zones.len() == 1 { "" } else { "s" }
        ));
    }
    if !pools.is_empty() {
        s.push_str(&format!(
            " · {} pool{}",
            pools.len(),
            if pools.len() == 1 { "" } else { "s" }
        ));
    }
    let (worst, most) = per_node
        .iter()
        .max_by_key(|(_, c)| **c)
        .map(|(n, c)| (*n, *c))
        .unwrap_or_default();
    if most == ready {
        s.push_str(&format!("; losing {worst} takes it down"));
    } else {
        s.push_str(&format!(
            "; no single node's loss takes it down (worst: {worst}, {} Ready left)",
            ready - most
        ));
    }
    Some(s)
}
