//! `startup-budget-short`: liveness kills a starting container before its cold start ends.

use crate::audit::helpers::{cold_start_seconds, container_path, COLD_START_ANNOTATION};
use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::{Container, Snapshot};

pub static INFO: CheckInfo = CheckInfo {
    id: "startup-budget-short",
    family: Family::Probes,
    severity: Severity::Warning,
    summary: "Liveness allows a starting container less time than its measured cold start",
    doc: "\
What it detects
  A container whose startup budget is shorter than its cold start. The budget is the time
  liveness allows before killing a starting container: with a startupProbe, its
  failureThreshold x periodSeconds; otherwise the livenessProbe's initialDelaySeconds +
  failureThreshold x periodSeconds (API defaults: failureThreshold 3, periodSeconds 10,
  initialDelaySeconds 0). Containers with neither probe are not killed and are skipped.
  The cold start is measured on a live cluster (container start to Ready, the maximum over the
  workload's pods); offline it comes from the annotation kvet.io/cold-start-seconds on the
  workload or its pod template.

Why it matters
  The kubelet restarts the container before it ever becomes ready: a crash loop that only
  shows up when a node is cold (image pull done, caches empty), such as after a node upgrade or
  a large scale-up, exactly when capacity is needed.

Example
  kvet.io/cold-start-seconds: \"90\"
  livenessProbe: {httpGet: {path: /healthz, port: 8080}, initialDelaySeconds: 30}
  # budget 30 + 3 x 10 = 60 s < 90 s

Fix
  Add a startupProbe whose failureThreshold x periodSeconds covers the cold start with a
  margin (for example failureThreshold: 30, periodSeconds: 5 for 150 s), and keep the liveness
  probe fast.",
    fix_available: true,
};

/// Seconds liveness allows before killing a starting container; `None` if nothing kills it.
pub fn startup_budget(c: &Container) -> Option<i64> {
    if let Some(s) = &c.startup {
        return Some(s.failure_threshold * s.period_seconds);
    }
    c.liveness
        .as_ref()
        .map(|l| l.initial_delay_seconds + l.failure_threshold * l.period_seconds)
}

pub struct StartupBudgetShort;

impl Check for StartupBudgetShort {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        for (i, w) in snap.top_workloads() {
            let Some((cold, source)) = snap
                .measured_cold_start(i)
                .map(|s| (s, "measured"))
                .or_else(|| cold_start_seconds(w))
            else {
                continue;
            };
            let mut parts = Vec::new();
            let mut first = None;
            for (ci, c) in w.spec.containers.iter().enumerate() {
                let Some(budget) = startup_budget(c) else {
                    continue;
                };
                if (budget as f64) < cold {
                    first.get_or_insert_with(|| container_path(w, "containers", ci));
                    let how = if c.startup.is_some() {
                        "startupProbe failureThreshold x periodSeconds"
                    } else {
                        "livenessProbe initialDelaySeconds + failureThreshold x periodSeconds"
                    };
                    parts.push(format!("{:?} is killed after {budget}s ({how})", &*c.name));
                }
            }
            if let Some(path) = first {
                let src = if source == "measured" {
                    "measured".to_string()
                } else {
                    format!("from {COLD_START_ANNOTATION}")
                };
                out.add(
                    w,
                    path,
                    format!(
                        "{} but cold start is {}s ({src}): it can be restarted before it ever becomes ready",
                        parts.join("; "),
                        crate::model::quantity::ratio_text(cold)
                    ),
                );
            }
        }
    }
}
