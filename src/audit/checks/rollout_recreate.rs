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
  A Deployment that a Service selects and whose strategy.type is Recreate.

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
            out.add(
                w,
                "/spec/strategy/type",
                "Recreate strategy on a served Deployment: every deploy takes all its pods down at once",
            );
        }
    }
}
