//! `rollout-defaults`: a RollingUpdate Deployment that leaves maxUnavailable or maxSurge unset.

use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::{IntOrPercent, Snapshot, Workload, WorkloadKind};

pub static INFO: CheckInfo = CheckInfo {
    id: "rollout-defaults",
    family: Family::Rollout,
    severity: Severity::Info,
    summary: "A RollingUpdate Deployment leaves maxUnavailable or maxSurge unset",
    doc: "\
What it detects
  A Deployment with the RollingUpdate strategy (the default when strategy is unset) whose
  rollingUpdate.maxUnavailable or rollingUpdate.maxSurge is unset, so the API default is used:
  25 % each for apps/v1, apps/v1beta2 and apps/v1beta1; 1 each for extensions/v1beta1.
  Manifests only: on a live cluster the API server has already filled the defaults in, so an
  unset field cannot be told from a chosen one.

Why it matters
  The defaults were not chosen for this service. 25 % unavailable rounds down, so it is zero
  at three replicas and one at four: the same manifest drops capacity during deploys or not
  depending on the replica count, which nobody notices until the HPA scales it up.

Example
  strategy: {type: RollingUpdate}     # no rollingUpdate block

Fix
  Set both on purpose. For zero downtime:
    strategy:
      type: RollingUpdate
      rollingUpdate: {maxUnavailable: 0, maxSurge: 1}",
    fix_available: true,
};

/// The rolling-update defaults of a Deployment's API version: (maxUnavailable, maxSurge).
pub fn rolling_defaults(w: &Workload) -> (IntOrPercent, IntOrPercent) {
    if &*w.meta.api_version == "extensions/v1beta1" {
        (IntOrPercent::Int(1), IntOrPercent::Int(1))
    } else {
        (IntOrPercent::Percent(25), IntOrPercent::Percent(25))
    }
}

/// True for a Deployment whose strategy is RollingUpdate (explicitly or by default).
pub fn is_rolling(w: &Workload) -> bool {
    w.kind == WorkloadKind::Deployment
        && w.strategy
            .kind
            .as_deref()
            .is_none_or(|k| k == "RollingUpdate")
}

pub struct RolloutDefaults;

impl Check for RolloutDefaults {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        for (_, w) in snap.top_workloads() {
            if !is_rolling(w) {
                continue;
            }
            let (du, ds) = rolling_defaults(w);
            let mut unset = Vec::new();
            if w.strategy.max_unavailable.is_none() {
                unset.push(format!("maxUnavailable (default {})", du.text()));
            }
            if w.strategy.max_surge.is_none() {
                unset.push(format!("maxSurge (default {})", ds.text()));
            }
            if unset.is_empty() {
                continue;
            }
            out.add(
                w,
                "/spec/strategy",
                format!(
                    "{} not set: rollout speed and capacity loss were not chosen",
                    unset.join(" and ")
                ),
            );
        }
    }
}
