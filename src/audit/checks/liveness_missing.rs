//! `liveness-missing`: a long-running container without a liveness probe.

use crate::audit::helpers::{container_path, containers_where, has, names};
use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::{Snapshot, WorkloadKind};

pub static INFO: CheckInfo = CheckInfo {
    id: "liveness-missing",
    family: Family::Probes,
    severity: Severity::Info,
    summary: "A long-running container has no liveness probe",
    doc: "\
What it detects
  A container of a long-running workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, or
  a bare Pod whose restartPolicy is Always) without a livenessProbe. Jobs, CronJobs and pods
  that run to completion are skipped.

Why it matters
  A process that deadlocks, or loses its connection pool for good, keeps running and keeps its
  slot: nothing restarts it. Info only, because a bad liveness probe is worse than none: it
  restarts healthy pods under load.

Example
  A worker Deployment whose container has no probes at all.

Fix
  Add a cheap liveness probe that fails only when a restart would help (not on dependency
  failures), with a generous failureThreshold:
    livenessProbe:
      httpGet: {path: /healthz, port: http}
      periodSeconds: 10
      failureThreshold: 6",
    fix_available: true,
};

pub struct LivenessMissing;

impl Check for LivenessMissing {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        for (_, w) in snap.top_workloads() {
            if w.kind.is_batch() {
                continue;
            }
            if w.kind == WorkloadKind::Pod
                && w.spec
                    .restart_policy
                    .as_deref()
                    .is_some_and(|p| p != "Always")
            {
                continue;
            }
            let Some((first, list)) = containers_where(w, |c| c.liveness.is_none()) else {
                continue;
            };
            out.add(
                w,
                container_path(w, "containers", first),
                format!(
                    "{} {} no liveness probe: a hung process is never restarted",
                    names(&list),
                    has(&list)
                ),
            );
        }
    }
}
