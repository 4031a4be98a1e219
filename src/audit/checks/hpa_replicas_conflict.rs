//! `hpa-replicas-conflict`: a manifest sets spec.replicas on a workload an HPA scales.

use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::Snapshot;

pub static INFO: CheckInfo = CheckInfo {
    id: "hpa-replicas-conflict",
    family: Family::Autoscaling,
    severity: Severity::Info,
    summary: "Offline only: a manifest sets spec.replicas on a workload that an HPA scales",
    doc: "\
What it detects
  In manifests (not a live cluster, where the HPA writes spec.replicas itself), a workload
  that sets spec.replicas while a HorizontalPodAutoscaler targets it.

Why it matters
  Every `kubectl apply` or GitOps sync resets the replica count to the manifest's value: a
  workload the HPA scaled to 12 pods at peak drops to 3 on the next deploy, then climbs back.

Example
  A Deployment with replicas: 3 and an HPA with minReplicas 3, maxReplicas 12 targeting it.

Fix
  Remove spec.replicas from the manifest and let the HPA own it (with server-side apply, the
  field then belongs to the HPA's field manager).",
    fix_available: false,
};

pub struct HpaReplicasConflict;

impl Check for HpaReplicasConflict {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        if !snap.source_kind.is_offline() || snap.captured_live {
            return;
        }
        for (hi, h) in snap.hpas.iter().enumerate() {
            let Some(wi) = snap.index.hpa_target[hi] else {
                continue;
            };
            let w = &snap.workloads[wi];
            let Some(r) = w.replicas else { continue };
            out.add(
                w,
                "/spec/replicas",
                format!(
                    "sets replicas: {r} while HPA {} scales it: every apply resets the scale",
                    h.meta.name
                ),
            );
        }
    }
}
