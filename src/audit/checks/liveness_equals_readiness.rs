//! `liveness-equals-readiness`: identical liveness and readiness probes.

use crate::audit::helpers::{container_path, containers_where, names};
use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::Snapshot;

pub static INFO: CheckInfo = CheckInfo {
    id: "liveness-equals-readiness",
    family: Family::Probes,
    severity: Severity::Warning,
    summary: "The liveness and readiness probes are identical",
    doc: "\
What it detects
  A container whose livenessProbe and readinessProbe are the same: the same handler (exec
  command, HTTP path and port, TCP port or gRPC port) with the same timings once the API
  defaults are applied (initialDelaySeconds 0, periodSeconds 10, timeoutSeconds 1,
  successThreshold 1, failureThreshold 3).

Why it matters
  Readiness should take an overloaded pod out of rotation so it can recover; liveness should
  restart only a pod that cannot recover. When both are the same probe they fail together: the
  pod is restarted instead of rested, load shifts to the others, and they fail in turn. This is
  how one slow dependency becomes a cascading restart loop.

Example
  readinessProbe: {httpGet: {path: /health, port: 8080}}
  livenessProbe:  {httpGet: {path: /health, port: 8080}}

Fix
  Point liveness at a cheaper endpoint that does not check dependencies, or at least give it a
  larger failureThreshold than readiness so that readiness always trips first.",
    fix_available: true,
};

pub struct LivenessEqualsReadiness;

impl Check for LivenessEqualsReadiness {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        for (_, w) in snap.top_workloads() {
            let Some((first, list)) = containers_where(w, |c| match (&c.liveness, &c.readiness) {
                (Some(l), Some(r)) => l.normalized(c) == r.normalized(c),
                _ => false,
            }) else {
                continue;
            };
            out.add(
                w,
                format!("{}/livenessProbe", container_path(w, "containers", first)),
                format!(
                    "{}: liveness and readiness probes are identical, so an overloaded pod is restarted instead of taken out of rotation",
                    names(&list)
                ),
            );
        }
    }
}
