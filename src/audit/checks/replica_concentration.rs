//! `replica-concentration`: a replicated workload whose Ready pods share one node, pool or zone
//! (live), or whose manifest asks the scheduler for no spreading at all (offline).

use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::drain::{pool_of, zone_of};
use crate::model::{Node, Snapshot, WorkloadKind};
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeSet;

pub static INFO: CheckInfo = CheckInfo {
    id: "replica-concentration",
    family: Family::Placement,
    severity: Severity::Critical,
    summary: "A replicated workload's Ready pods all sit on one node (critical), or in one pool or zone (warning); offline, nothing spreads them (info)",
    doc: "\
What it detects
  Live (and on the demo): a Deployment or StatefulSet with two or more desired replicas whose
  Ready pods all run on one node (critical), or all in one node pool or one zone while the
  cluster's nodes span several (warning).
  Offline: such a workload sets neither a podAntiAffinity nor a topologySpreadConstraint on
  kubernetes.io/hostname or topology.kubernetes.io/zone (info): nothing stops the scheduler
  from packing every replica onto one node.

Why it matters
  Replicas exist to survive the loss of one machine. Replicas on one node go down together
  when it fails, is drained or is reclaimed (a spot instance, an autoscaler scale-down); in
  one zone, they go down with the zone.

Example
  A Deployment with replicas: 3 whose pods all landed on node-a2 after a node pool upgrade.

Fix
  Add a topologySpreadConstraint on topology.kubernetes.io/zone and kubernetes.io/hostname
  (maxSkew 1), or a preferred podAntiAffinity on kubernetes.io/hostname, then restart the
  rollout so the scheduler places the pods again (`kubectl rollout restart`).",
    fix_available: false,
};

/// The topology keys that spread replicas over failure domains.
const SPREAD_KEYS: [&str; 3] = [
    "kubernetes.io/hostname",
    "topology.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/zone",
];

pub struct ReplicaConcentration;

/// The one value every node shares, when there is one and the cluster has several.
fn shared<'a>(
    nodes: &[&'a Node],
    all: &BTreeSet<&str>,
    f: impl Fn(&'a Node) -> Option<&'a str>,
) -> Option<&'a str> {
    if all.len() < 2 {
        return None;
    }
    let first = f(nodes.first()?)?;
    nodes.iter().all(|n| f(n) == Some(first)).then_some(first)
}

impl Check for ReplicaConcentration {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        let by_name: HashMap<&str, &Node> = snap.nodes.iter().map(|n| (&*n.meta.name, n)).collect();
        let pools: BTreeSet<&str> = snap.nodes.iter().filter_map(pool_of).collect();
        let zones: BTreeSet<&str> = snap.nodes.iter().filter_map(zone_of).collect();
        for (i, w) in snap.top_workloads() {
            if !matches!(w.kind, WorkloadKind::Deployment | WorkloadKind::StatefulSet) {
                continue;
            }
            let desired = snap.desired_replicas(i).unwrap_or(1);
            if desired < 2 {
                continue;
            }
            let kind = w.kind.kind();
            let pods = snap.index.pods_of.get(i).map(Vec::as_slice).unwrap_or(&[]);
            if pods.is_empty() {
                if snap.source_kind.is_offline() {
                    let keys = w
                        .spec
                        .anti_affinity_keys
                        .iter()
                        .chain(w.spec.spread_keys.iter());
                    if !keys.into_iter().any(|k| SPREAD_KEYS.contains(&&**k)) {
                        out.add_at(
                            Severity::Info,
                            w,
                            w.kind.pod_spec_pointer(),
                            format!(
                                "{desired} replicas, and neither a podAntiAffinity nor a topologySpreadConstraint on kubernetes.io/hostname or topology.kubernetes.io/zone: nothing keeps the scheduler from putting every replica on one node"
                            ),
                        );
                    }
                }
                continue;
            }
            let ready_nodes: Vec<&str> = pods
                .iter()
                .map(|&p| &snap.pods[p])
                .filter(|p| p.is_ready())
                .filter_map(|p| p.node_name.as_deref())
                .collect();
            if ready_nodes.is_empty() {
                continue;
            }
            let distinct: BTreeSet<&str> = ready_nodes.iter().copied().collect();
            let n = ready_nodes.len();
            if distinct.len() == 1 {
                let node = distinct.iter().next().copied().unwrap_or_default();
                out.add_at(
                    Severity::Critical,
                    w,
                    w.kind.pod_spec_pointer(),
                    format!(
                        "all {n} Ready pods of the {desired} desired run on node {node}: losing or draining that node takes the {kind} down"
                    ),
                );
                continue;
            }
            // Every node must be known to say they share a pool or zone.
            let Some(nodes) = distinct
                .iter()
                .map(|d| by_name.get(d).copied())
                .collect::<Option<Vec<&Node>>>()
            else {
                continue;
            };
            let domain = shared(&nodes, &zones, zone_of)
                .map(|z| ("zone", z, zones.len()))
                .or_else(|| shared(&nodes, &pools, pool_of).map(|p| ("node pool", p, pools.len())));
            if let Some((what, name, count)) = domain {
                out.add_at(
                    Severity::Warning,
                    w,
                    w.kind.pod_spec_pointer(),
                    format!(
                        "all {n} Ready pods run in {what} {name} ({} nodes), while the cluster has {count} {what}s: losing that {what} takes the {kind} down",
                        distinct.len()
                    ),
                );
            }
        }
    }
}
