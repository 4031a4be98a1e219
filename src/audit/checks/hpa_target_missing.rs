//! `hpa-target-missing`: an HPA whose scaleTargetRef names no existing workload.

use crate::audit::{Check, CheckInfo, Family, Findings, Severity, Subject};
use crate::model::{Kind, ObjectRef, Snapshot};
use std::sync::Arc;

pub static INFO: CheckInfo = CheckInfo {
    id: "hpa-target-missing",
    family: Family::Autoscaling,
    severity: Severity::Critical,
    summary: "An HPA's scaleTargetRef names no existing workload",
    doc: "\
What it detects
  A HorizontalPodAutoscaler whose scaleTargetRef (kind and name, in the HPA's namespace)
  matches no object in the snapshot. Custom scalable kinds (an Argo Rollout, say) count as
  existing when an object of that kind and name is present.

Why it matters
  The HPA does nothing: the workload it was meant to scale runs at its fixed replica count and
  falls over at the next traffic peak, while dashboards show an HPA in place. It usually follows
  a rename of the Deployment.

Example
  scaleTargetRef: {kind: Deployment, name: cart}    # the Deployment is called carts

Fix
  Point scaleTargetRef at the real workload (apiVersion apps/v1, its kind and name), or delete
  the stale HPA.",
    fix_available: false,
};

pub struct HpaTargetMissing;

impl Check for HpaTargetMissing {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        for (hi, h) in snap.hpas.iter().enumerate() {
            if snap.index.hpa_target[hi].is_some() {
                continue;
            }
            let target = ObjectRef {
                kind: Kind::parse(&h.target.kind),
                namespace: h.meta.namespace.clone(),
                name: Arc::from(&*h.target.name),
            };
            if snap.exists(&target) {
                continue;
            }
            out.add(
                Subject::of(Kind::HorizontalPodAutoscaler, &h.meta),
                "/spec/scaleTargetRef",
                format!(
                    "scaleTargetRef {}/{} does not exist in namespace {}: this HPA scales nothing",
                    h.target.kind,
                    h.target.name,
                    h.meta.namespace()
                ),
            );
        }
    }
}
