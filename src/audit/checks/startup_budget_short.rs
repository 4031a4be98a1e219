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
  With neither, the cluster's own evidence stands in for the measurement: a container with no
  startupProbe that liveness killed (a Killing event \"failed liveness probe\" naming it), and
  whose pod had been NotReady for longer than the budget when it was last killed, so it never
  became Ready in the run that was killed (a container that became Ready and then hung turns
  NotReady within the budget of its kill, and is not reported).

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
                killed_before_ready(snap, i, w, out);
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

/// With no cold start known: a container liveness killed before it ever became Ready, from the
/// pods' status and the kubelet's Killing events.
fn killed_before_ready(snap: &Snapshot, w: usize, wl: &crate::model::Workload, out: &mut Findings) {
    use crate::model::{time::parse_rfc3339, Kind};
    let Some(pods) = snap.index.pods_of.get(w) else {
        return;
    };
    let mut parts = Vec::new();
    let mut first = None;
    for (ci, c) in wl.spec.containers.iter().enumerate() {
        // A startupProbe already guards the start: its kills say its budget, not the cold start.
        let Some(budget) = startup_budget(c).filter(|_| c.startup.is_none()) else {
            continue;
        };
        let mut kills = 0i64;
        let mut last: Option<&str> = None;
        for &p in pods {
            let pod = &snap.pods[p];
            if pod.is_ready() {
                continue;
            }
            let Some(st) = pod.containers.iter().find(|s| s.name == c.name) else {
                continue;
            };
            if st.restart_count == 0 || st.last_terminated_reason.as_deref() == Some("OOMKilled") {
                continue;
            }
            let events = snap.events_about(&Kind::Pod, Some(pod.meta.namespace()), &pod.meta.name);
            let wanted = format!("container {} failed", c.name).to_ascii_lowercase();
            let killing: Vec<_> = events
                .iter()
                .filter(|e| {
                    let m = e.message.to_ascii_lowercase();
                    &*e.reason == "Killing" && m.contains(&wanted) && m.contains("liveness probe")
                })
                .collect();
            if killing.is_empty() {
                continue;
            }
            // Not Ready since before the last kill by more than the budget: a container that
            // became Ready in that run and then failed would have turned NotReady later.
            let finished = st
                .trouble
                .as_deref()
                .and_then(|t| t.last_finished_at.as_deref())
                .or_else(|| killing.iter().filter_map(|e| e.last_seen.as_deref()).max());
            let never_ready = match (
                pod.ready_since.as_deref().and_then(parse_rfc3339),
                finished.and_then(parse_rfc3339),
            ) {
                (Some(since), Some(kill)) => since + budget as f64 <= kill,
                (None, _) => true,
                (Some(_), None) => false,
            };
            if !never_ready {
                continue;
            }
            kills += killing.iter().map(|e| e.count.max(1)).sum::<i64>();
            last = last.max(killing.iter().filter_map(|e| e.last_seen.as_deref()).max());
        }
        if kills > 0 {
            first.get_or_insert_with(|| container_path(wl, "containers", ci));
            parts.push(format!(
                "{:?} is killed after {budget}s and liveness killed it {kills} time{} before it ever became Ready{}",
                &*c.name,
                if kills == 1 { "" } else { "s" },
                last.map(|l| format!(" (last {l})")).unwrap_or_default()
            ));
        }
    }
    if let Some(path) = first {
        out.add(
            wl,
            path,
            format!(
                "{}: its cold start is longer than the budget (measured by the cluster's Killing events, no {COLD_START_ANNOTATION} needed)",
                parts.join("; ")
            ),
        );
    }
}
