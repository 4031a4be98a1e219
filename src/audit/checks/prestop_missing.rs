//! `prestop-missing`: a container of a served workload without a preStop hook.

use crate::audit::helpers::{container_path, containers_where, has, names};
use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::Snapshot;

pub static INFO: CheckInfo = CheckInfo {
    id: "prestop-missing",
    family: Family::Lifecycle,
    severity: Severity::Warning,
    summary: "A container of a served workload has no preStop hook",
    doc: "\
What it detects
  A container of a workload that a Service selects, without a lifecycle.preStop hook. Jobs
  and CronJobs are not checked.

Why it matters
  When a pod is deleted, the kubelet sends SIGTERM at the same moment as the endpoints
  controller removes the pod from the Service; kube-proxy, ingress controllers and cloud load
  balancers take a few seconds more to stop sending to it. A process that exits on SIGTERM cuts
  the requests still arriving: every deploy and every drain returns a burst of 502s. A short
  preStop sleep keeps the pod serving until the load balancers have drained it.

Example
  A Deployment behind a Service, whose container has no lifecycle block.

Fix
    lifecycle:
      preStop:
        sleep: {seconds: 10}          # Kubernetes 1.30+; else exec: [\"sleep\", \"10\"]
  and keep terminationGracePeriodSeconds above the sleep plus the shutdown time.",
    fix_available: true,
};

pub struct PrestopMissing;

impl Check for PrestopMissing {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        for (i, w) in snap.top_workloads() {
            if w.kind.is_batch() || !snap.is_served(i) {
                continue;
            }
            let Some((first, list)) = containers_where(w, |c| c.pre_stop.is_none()) else {
                continue;
            };
            out.add(
                w,
                format!("{}/lifecycle", container_path(w, "containers", first)),
                format!(
                    "{} {} no preStop hook: in-flight connections are cut before the load balancer stops sending traffic",
                    names(&list),
                    has(&list)
                ),
            );
        }
    }
}
