//! `revision-history`: revisionHistoryLimit 0 (no rollback) or unset (default kept).

use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::{Snapshot, WorkloadKind};

pub static INFO: CheckInfo = CheckInfo {
    id: "revision-history",
    family: Family::Rollout,
    severity: Severity::Warning,
    summary: "revisionHistoryLimit is 0, so no rollback is possible (warning); unset (info)",
    doc: "\
What it detects
  A Deployment, StatefulSet or DaemonSet whose spec.revisionHistoryLimit is 0 (warning), or
  unset (info) so the API default is kept: 10 for apps/v1 and apps/v1beta2, 2 for apps/v1beta1,
  every revision for extensions/v1beta1. The unset case shows in manifests only: a live
  cluster's API server has filled the default in.

Why it matters
  With 0, the old ReplicaSets (or ControllerRevisions) are deleted at once and
  `kubectl rollout undo` has nothing to return to, during exactly the incident that needs it.
  Unset is merely not chosen.

Example
  revisionHistoryLimit: 0

Fix
  Keep a few revisions on purpose, for example revisionHistoryLimit: 5.",
    fix_available: true,
};

pub struct RevisionHistory;

impl Check for RevisionHistory {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        for (_, w) in snap.top_workloads() {
            if !matches!(
                w.kind,
                WorkloadKind::Deployment | WorkloadKind::StatefulSet | WorkloadKind::DaemonSet
            ) {
                continue;
            }
            match w.revision_history_limit {
                Some(0) => out.add_at(
                    Severity::Warning,
                    w,
                    "/spec/revisionHistoryLimit",
                    "revisionHistoryLimit is 0: old revisions are deleted, so `kubectl rollout undo` has nothing to roll back to",
                ),
                None => {
                    let default = match &*w.meta.api_version {
                        "extensions/v1beta1" => "every revision is kept",
                        "apps/v1beta1" => "the default of 2 is kept",
                        _ => "the default of 10 is kept",
                    };
                    out.add_at(
                        Severity::Info,
                        w,
                        "/spec",
                        format!("revisionHistoryLimit is not set: {default}"),
                    );
                }
                Some(_) => {}
            }
        }
    }
}
