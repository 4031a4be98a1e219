//! `rollout-unavailable`: a served Deployment whose rollouts take capacity away.

use super::rollout_defaults::{is_rolling, rolling_defaults};
use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::Snapshot;

pub static INFO: CheckInfo = CheckInfo {
    id: "rollout-unavailable",
    family: Family::Rollout,
    severity: Severity::Warning,
    summary: "A served RollingUpdate Deployment's maxUnavailable resolves to more than 0",
    doc: "\
What it detects
  A Deployment that a Service selects, with the RollingUpdate strategy, whose maxUnavailable
  resolves to more than zero pods at its desired replicas (spec.replicas, or the HPA's
  minReplicas). A percentage rounds down, as the Deployment controller rounds it: the default
  25 % is 0 pods at 3 replicas and 1 pod at 4.

Why it matters
  Every deploy removes serving pods before their replacements are ready: capacity drops for
  the length of the rollout, and a deploy during peak traffic overloads the remaining pods.
  Zero downtime needs maxUnavailable 0 with maxSurge of at least 1.

Example
  replicas: 4
  strategy: {rollingUpdate: {maxUnavailable: 25%}}    # 1 pod down during every deploy

Fix
    strategy:
      type: RollingUpdate
      rollingUpdate: {maxUnavailable: 0, maxSurge: 1}",
    fix_available: true,
};

pub struct RolloutUnavailable;

impl Check for RolloutUnavailable {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        for (i, w) in snap.top_workloads() {
            if !is_rolling(w) || !snap.is_served(i) {
                continue;
            }
            let Some(desired) = snap.desired_replicas(i) else {
                continue;
            };
            let (default_mu, _) = rolling_defaults(w);
            let (mu, is_default) = match &w.strategy.max_unavailable {
                Some(m) => (m.clone(), false),
                None => (default_mu, true),
            };
            let Some(pods) = mu.scaled(desired, false) else {
                continue;
            };
            if pods <= 0 {
                continue;
            }
            out.add(
                w,
                "/spec/strategy/rollingUpdate/maxUnavailable",
                format!(
                    "maxUnavailable {}{} is {pods} of {desired} replicas: every deploy takes serving capacity away; zero downtime needs maxUnavailable 0 and maxSurge >= 1",
                    mu.text(),
                    if is_default { " (default)" } else { "" }
                ),
            );
        }
    }
}
