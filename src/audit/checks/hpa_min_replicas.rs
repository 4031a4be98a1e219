//! `hpa-min-replicas`: an HPA that may scale down to a single replica.

use crate::audit::{Check, CheckInfo, Family, Findings, Severity, Subject};
use crate::model::{Kind, Snapshot};

pub static INFO: CheckInfo = CheckInfo {
    id: "hpa-min-replicas",
    family: Family::Autoscaling,
    severity: Severity::Warning,
    summary: "An HPA's minReplicas is below 2",
    doc: "\
What it detects
  A HorizontalPodAutoscaler whose minReplicas is below 2 (unset means 1).

Why it matters
  At night the HPA scales the workload to one pod. That pod is then a single point of failure:
  a node drain, an eviction or a crash is an outage, and no PodDisruptionBudget can protect a
  lone replica without blocking drains.

Example
  minReplicas: 1
  maxReplicas: 10

Fix
  minReplicas: 2 (3 for workloads spread over three zones).",
    fix_available: true,
};

pub struct HpaMinReplicas;

impl Check for HpaMinReplicas {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        for h in &snap.hpas {
            let min = h.min_replicas();
            if min >= 2 {
                continue;
            }
            out.add(
                Subject::of(Kind::HorizontalPodAutoscaler, &h.meta),
                "/spec/minReplicas",
                format!(
                    "minReplicas is {min}{}: the workload can be scaled down to a single point of failure",
                    if h.min_replicas.is_none() { " (default)" } else { "" }
                ),
            );
        }
    }
}
