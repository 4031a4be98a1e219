//! `rollout-recreate`: a served Deployment with the Recreate strategy.

use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::{Snapshot, WorkloadKind};

pub static INFO: CheckInfo = CheckInfo {
    id: "rollout-recreate",
    family: Family::Rollout,
    severity: Severity::Warning,
    summary: "A served Deployment uses the Recreate strategy",
    doc: "\
What it detects
  A Deployment that a Service selects and whose strategy.type is Recreate. Not when its pod
  template mounts a PersistentVolumeClaim that is ReadWriteOnce or ReadWriteOncePod, or whose
  access mode is unknown (the claim is not in the input, or names no mode): one node, or one
  pod, may mount such a volume at a time. A surge pod would then hit a Multi-Attach error on
  another node, or run a second process on the same data directory on the same node, so
  Recreate is right there and kvet offers no fix.

Why it matters
  Recreate deletes every old pod before it creates any new one: each deploy is a full outage
  for as long as the new pods take to become ready, and a bad image leaves nothing running.

Example
  strategy: {type: Recreate}

Fix
  Use RollingUpdate with maxUnavailable 0 and maxSurge 1. If two versions must never run at
  once (a single-writer volume, a schema lock), keep Recreate on purpose and exempt the object
  with the annotation kvet.io/ignore: rollout-recreate.",
    fix_available: true,
};

pub struct RolloutRecreate;

impl Check for RolloutRecreate {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        for (i, w) in snap.top_workloads() {
            if w.kind != WorkloadKind::Deployment
                || w.strategy.kind.as_deref() != Some("Recreate")
                || !snap.is_served(i)
            {
                continue;
            }
            // A single-writer volume (or one kvet cannot tell): Recreate is right.
            let single_writer = w.spec.claims.iter().any(|c| {
                snap.pvcs
                    .iter()
                    .find(|p| p.meta.namespace() == w.meta.namespace() && *p.meta.name == **c)
                    .is_none_or(|p| p.single_node())
            });
            if single_writer {
                continue;
            }
            out.add(
                w,
                "/spec/strategy/type",
                "Recreate strategy on a served Deployment: every deploy takes all its pods down at once",
            );
        }
    }
}
