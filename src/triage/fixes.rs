//! Symptoms that carry a fix of their own: an OOMKilled container proposes raising its memory
//! limit. The fix goes through the same pipeline as a finding's (preview, server dry run,
//! confirmation, journal, undo), so the symptom is handed to it as a finding whose check is the
//! symptom ID. Pure.

use super::{Impact, Symptom};
use crate::audit::helpers::{container_path, effective_limit, namespace_defaults};
use crate::audit::{Finding, Severity};
use crate::model::{Resource, Snapshot};

/// Symptom IDs that `kvet fix --check` and the TUI's `f` accept.
pub const FIXABLE_SYMPTOMS: &[&str] = &["oom-killed"];

/// The containers of workload `w`'s pod template that were OOMKilled (by their pods' last
/// state), with their OOM kill count.
pub fn oom_containers(snap: &Snapshot, w: usize) -> Vec<(usize, i64)> {
    let wl = &snap.workloads[w];
    let mut out: Vec<(usize, i64)> = Vec::new();
    for &p in snap
        .index
        .pods_of
        .get(w)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        for c in &snap.pods[p].containers {
            let last = c.last_terminated_reason.as_deref();
            let code = c.trouble.as_deref().and_then(|t| t.last_exit_code);
            if last != Some("OOMKilled") && !(last.is_none() && code == Some(137)) {
                continue;
            }
            let Some(i) = wl.spec.containers.iter().position(|s| s.name == c.name) else {
                continue;
            };
            match out.iter_mut().find(|(j, _)| *j == i) {
                Some((_, n)) => *n += c.restart_count.max(1),
                None => out.push((i, c.restart_count.max(1))),
            }
        }
    }
    out.sort_unstable();
    out
}

/// The finding that stands for a symptom's own fix, when it has one: an OOMKilled container
/// with a memory limit (without one, the kill was the node's, and limits-missing or
/// requests-missing is the fix).
pub fn symptom_finding(snap: &Snapshot, s: &Symptom) -> Option<Finding> {
    // A crash loop of OOMKilled containers has the same remedy.
    if s.symptom != "oom-killed" && s.symptom != "crash-loop" {
        return None;
    }
    let w = *snap.index.workload_by_ref.get(&s.object)?;
    let wl = &snap.workloads[w];
    // A bare pod's resources cannot be patched: its controller's template can.
    if wl.kind == crate::model::WorkloadKind::Pod {
        return None;
    }
    let defaults = namespace_defaults(snap, wl.meta.namespace());
    let limited: Vec<(usize, i64, &str)> = oom_containers(snap, w)
        .into_iter()
        .filter_map(|(i, n)| {
            let c = &wl.spec.containers[i];
            effective_limit(c, Resource::Memory, &defaults).map(|l| (i, n, l))
        })
        .collect();
    let &(first, _, _) = limited.first()?;
    let parts: Vec<String> = limited
        .iter()
        .map(|(i, n, l)| {
            format!(
                "{:?} was OOMKilled at its {l} memory limit ({n} time{})",
                &*wl.spec.containers[*i].name,
                if *n == 1 { "" } else { "s" }
            )
        })
        .collect();
    Some(Finding {
        check: "oom-killed",
        severity: if s.impact == Impact::Down {
            Severity::Critical
        } else {
            Severity::Warning
        },
        object: s.object.clone(),
        origin: wl.meta.origin,
        path: container_path(wl, "containers", first),
        message: format!(
            "{}: the limit is below what it uses; raise it",
            parts.join("; ")
        ),
        fix_available: true,
    })
}

/// Every finding that stands for the fix of `symptom`, derived from the snapshot.
pub fn symptom_findings(snap: &Snapshot, symptom: &str) -> Vec<Finding> {
    let mut out: Vec<Finding> = super::triage(snap, &[])
        .iter()
        .filter(|s| s.symptom == symptom || (symptom == "oom-killed" && s.symptom == "crash-loop"))
        .filter_map(|s| symptom_finding(snap, s))
        .filter(|f| f.check == symptom)
        .collect();
    out.dedup_by(|a, b| a.object == b.object);
    out
}
