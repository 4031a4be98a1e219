//! The words of a drain verdict, shared by `kvet drain` and the TUI's Nodes view: the groups
//! of pods in the order a reader wants them, and the one-line verdict.

use super::{workload_name, Action, Report, Scope};
use crate::model::Snapshot;
use crate::text::escape_ctrl;

/// The groups of the table and of the TUI's simulation, in the order a reader wants them.
pub const GROUPS: [(&str, &[Action]); 4] = [
    (
        "Blocked or refused: the drain does not complete",
        &[
            Action::Blocked,
            Action::RefuseEmptyDir,
            Action::RefuseUnmanaged,
        ],
    ),
    (
        "Wait for a replacement (429, kubectl retries)",
        &[Action::Wait],
    ),
    ("Go now", &[Action::Evict, Action::DeleteUnmanaged]),
    (
        "Stay (skipped)",
        &[Action::SkipDaemonSet, Action::SkipMirror],
    ),
];

/// The one-line verdict.
pub fn headline(snap: &Snapshot, r: &Report) -> String {
    let nodes = match r.nodes.len() {
        1 => "1 node".to_string(),
        n => format!("{n} nodes"),
    };
    let what = match &r.scope {
        Scope::Node(n) => format!("node {n}"),
        Scope::Pool(p) => format!("pool {p} ({nodes})"),
        Scope::Zone(z) => format!("zone {z} ({nodes})"),
    };
    let down: Vec<String> = r
        .outages()
        .map(|w| workload_name(&snap.workloads[w.workload].object_ref()))
        .collect();
    let done = if r.completes {
        "completes"
    } else {
        "does NOT complete"
    };
    let mut s = format!(
        "{} Drain of {what}: {done}, {} pods ({} go now, {} wait, {} blocked or refused)",
        r.badge().symbol(),
        r.pods.len(),
        r.count(Action::Evict) + r.count(Action::DeleteUnmanaged),
        r.count(Action::Wait),
        r.pods.iter().filter(|p| p.action.stops_drain()).count(),
    );
    if down.is_empty() {
        s.push_str("; no workload loses every Ready replica");
    } else {
        let (n, verb) = match down.len() {
            1 => ("1 workload".to_string(), "loses"),
            n => (format!("{n} workloads"), "lose"),
        };
        s.push_str(&format!(
            "; {n} {verb} every Ready replica: {}",
            crate::text::truncate_list(&down, 6)
        ));
    }
    escape_ctrl(&s).into_owned()
}
