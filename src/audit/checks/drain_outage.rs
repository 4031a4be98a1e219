//! `drain-outage`: draining some single node would leave a replicated workload with no Ready
//! replica (the simulation of design/drain.md, run for every node).

use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::drain::{Options, Planner};
use crate::model::{Snapshot, WorkloadKind};
use std::collections::BTreeMap;

pub static INFO: CheckInfo = CheckInfo {
    id: "drain-outage",
    family: Family::Placement,
    severity: Severity::Critical,
    summary: "Draining some single node would leave a replicated workload with no Ready replica",
    doc: "\
What it detects
  With pods on nodes (a live cluster, the demo, a saved snapshot): for every node, kvet
  simulates `kubectl drain --ignore-daemonsets` exactly as `kvet drain NODE` does, and reports
  each Deployment or StatefulSet with two or more desired replicas that would have no Ready
  pod while the drain runs. One finding per workload, naming the nodes.

Why it matters
  A routine node upgrade, a cordon-and-drain by the cluster autoscaler or a spot reclaim
  evicts every pod of the node at once when no PodDisruptionBudget holds some back. If every
  Ready replica sits there, the service is down until the replacements start and pass their
  readiness probes.

Example
  Deployment config-sync with replicas: 2 and no PDB, both pods on node-a2.

Fix
  Spread the replicas (a topologySpreadConstraint on kubernetes.io/hostname, then
  `kubectl rollout restart`) and add a PodDisruptionBudget (maxUnavailable: 1) so that an
  eviction waits for a replacement. `kvet drain NODE` shows the whole plan.",
    fix_available: false,
};

pub struct DrainOutage;

impl Check for DrainOutage {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        if snap.nodes.is_empty() || !snap.pods.iter().any(|p| p.node_name.is_some()) {
            return;
        }
        let planner = Planner::new(snap);
        let mut down: BTreeMap<usize, (usize, Vec<String>)> = BTreeMap::new();
        for (node, report) in planner.badges(Options::default()) {
            for o in report.outages() {
                let w = &snap.workloads[o.workload];
                if !matches!(w.kind, WorkloadKind::Deployment | WorkloadKind::StatefulSet)
                    || snap.desired_replicas(o.workload).unwrap_or(1) < 2
                {
                    continue;
                }
                let e = down.entry(o.workload).or_default();
                e.0 = o.ready;
                e.1.push(node.to_string());
            }
        }
        for (wi, (ready, nodes)) in down {
            let w = &snap.workloads[wi];
            let which = if nodes.len() == 1 {
                format!("node {}", nodes[0])
            } else {
                format!("nodes {}", crate::text::truncate_list(&nodes, 5))
            };
            out.add(
                w,
                w.kind.pod_spec_pointer(),
                format!(
                    "draining {which} would leave it with no Ready replica ({ready} Ready now, every one evicted at once): see `kvet drain {}`",
                    nodes[0]
                ),
            );
        }
    }
}
