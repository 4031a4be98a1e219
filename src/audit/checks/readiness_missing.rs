//! `readiness-missing`: a container of a served workload without a readiness probe.

use crate::audit::helpers::{container_path, has, names, readiness_needed};
use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::Snapshot;

pub static INFO: CheckInfo = CheckInfo {
    id: "readiness-missing",
    family: Family::Probes,
    severity: Severity::Critical,
    summary: "A container of a served workload has no readiness probe",
    doc: "\
What it detects
  A container whose port a Service targets (the targetPort by number or by name, or the
  Service port when targetPort is unset) and that has no readinessProbe. A sidecar no Service
  port reaches is not reported. When a Service targets a port that no container declares,
  every container without a probe is reported, but only if no container of the pod has one.
  Workloads no Service selects are not reported: readiness only gates Service traffic. Jobs
  and CronJobs are not checked.

Why it matters
  Without a readiness probe a pod counts as ready the moment its containers start. Traffic
  reaches it before it has loaded its config, warmed its caches or connected to its database,
  and every rolling deploy returns errors; a pod that later stops serving keeps receiving
  traffic.

Example
  A Deployment behind Service `api` whose container `api` has only a livenessProbe.

Fix
  Add a readiness probe on an endpoint that checks what serving needs:
    readinessProbe:
      httpGet: {path: /ready, port: http}
      periodSeconds: 5
      failureThreshold: 3",
    fix_available: true,
};

pub struct ReadinessMissing;

impl Check for ReadinessMissing {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        for (i, w) in snap.top_workloads() {
            if w.kind.is_batch() || !snap.is_served(i) {
                continue;
            }
            let need = readiness_needed(snap, i);
            let Some(&first) = need.first() else {
                continue;
            };
            let list: Vec<&str> = need.iter().map(|&c| &*w.spec.containers[c].name).collect();
            let svc: Vec<&str> = snap.index.services_of[i]
                .iter()
                .map(|&s| &*snap.services[s].meta.name)
                .collect();
            out.add(
                w,
                container_path(w, "containers", first),
                format!(
                    "{} {} no readiness probe, but Service {} sends traffic to it: requests reach pods before they can serve",
                    names(&list),
                    has(&list),
                    names(&svc)
                ),
            );
        }
    }
}
