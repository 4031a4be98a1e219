//! `prestop-exceeds-grace`: a preStop sleep as long as the termination grace period.

use crate::audit::helpers::container_path;
use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::{quantity::ratio_text, Handler, Snapshot};

pub static INFO: CheckInfo = CheckInfo {
    id: "prestop-exceeds-grace",
    family: Family::Lifecycle,
    severity: Severity::Warning,
    summary: "The preStop sleep is at least terminationGracePeriodSeconds",
    doc: "\
What it detects
  A container whose preStop hook sleeps (an exec `sleep N`, also inside `sh -c \"...\"`, or the
  native sleep action's seconds) for at least the pod's terminationGracePeriodSeconds
  (default 30).

Why it matters
  The grace period counts from the start of the preStop hook. When the sleep uses it all,
  SIGTERM arrives with no time left and SIGKILL follows at once: the application never gets to
  finish its in-flight requests or close its connections cleanly.

Example
  terminationGracePeriodSeconds: 30
  lifecycle: {preStop: {exec: {command: [\"sleep\", \"30\"]}}}

Fix
  Keep the grace period above the sleep plus the application's shutdown time, for example
  sleep 10 with terminationGracePeriodSeconds: 45.",
    fix_available: true,
};

/// Seconds a preStop handler sleeps, if it is a sleep.
pub fn sleep_seconds(h: &Handler) -> Option<f64> {
    match h {
        Handler::Sleep { seconds } => Some(*seconds as f64),
        Handler::Exec(cmd) => {
            let text = cmd.join(" ");
            let words: Vec<&str> = text
                .split(|c: char| c.is_whitespace() || c == ';' || c == '&' || c == '|')
                .filter(|w| !w.is_empty())
                .collect();
            let mut total = 0.0;
            let mut found = false;
            for pair in words.windows(2) {
                if pair[0].rsplit('/').next() == Some("sleep") {
                    if let Ok(v) = pair[1].trim_end_matches('s').parse::<f64>() {
                        total += v;
                        found = true;
                    }
                }
            }
            found.then_some(total)
        }
        _ => None,
    }
}

pub struct PrestopExceedsGrace;

impl Check for PrestopExceedsGrace {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        for (_, w) in snap.top_workloads() {
            let grace = w.spec.grace_seconds();
            for (ci, c) in w.spec.containers.iter().enumerate() {
                let Some(secs) = c.pre_stop.as_ref().and_then(sleep_seconds) else {
                    continue;
                };
                if secs < grace as f64 {
                    continue;
                }
                out.add(
                    w,
                    format!("{}/lifecycle/preStop", container_path(w, "containers", ci)),
                    format!(
                        "{:?} preStop sleeps {}s but terminationGracePeriodSeconds is {grace}{}: SIGKILL arrives before the application can shut down",
                        &*c.name,
                        ratio_text(secs),
                        if w.spec.termination_grace_seconds.is_none() { " (default)" } else { "" }
                    ),
                );
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::sleep_seconds;
    use crate::model::Handler;

    fn exec(parts: &[&str]) -> Handler {
        Handler::Exec(parts.iter().map(|s| Box::from(*s)).collect())
    }

    #[test]
    fn sleeps_are_found() {
        assert_eq!(sleep_seconds(&exec(&["sleep", "15"])), Some(15.0));
        assert_eq!(
            sleep_seconds(&exec(&["/bin/sh", "-c", "sleep 5 && nginx -s quit"])),
            Some(5.0)
        );
        assert_eq!(sleep_seconds(&exec(&["/bin/sleep", "20s"])), Some(20.0));
        assert_eq!(sleep_seconds(&Handler::Sleep { seconds: 40 }), Some(40.0));
        assert_eq!(sleep_seconds(&exec(&["nginx", "-s", "quit"])), None);
    }
}
