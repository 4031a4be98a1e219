//! The parts of [`App`] that route to the pager, the `--since` comparison and the Fleet view:
//! which object a key acts on (`y`, `l`), opening the pager, taking a comparison's result, and
//! the fleet's audits and refresh timer.

use super::app::{App, AppEvent, Effect, View};
use crate::model::ObjectRef;
use std::sync::Arc;

impl App {
    /// The object selected in the view on screen, for `y` and `l`.
    pub fn selected_object(&mut self) -> Option<ObjectRef> {
        // The triage is derived when drawn; a key before the first frame derives it here.
        self.triage.refresh(&self.shared);
        let sh = &self.shared;
        match self.view {
            View::Workloads => self.workloads.selected_node()?.object().cloned(),
            View::Findings => {
                let i = self.findings_view.selected_finding(sh)?;
                sh.findings.findings.get(i).map(|f| f.object.clone())
            }
            View::Triage => self.triage.selected_symptom().map(|s| s.object.clone()),
            View::Nodes => self.nodes.selected_node(sh),
            View::Changes => self.changes_view.selected_object(sh),
            View::Fleet => None,
            View::Rbac | View::Network | View::Journal => None,
        }
    }

    /// `y`: the selection's YAML in the pager.
    pub(super) fn open_yaml(&mut self, fx: &mut Vec<Effect>) {
        let Some(r) = self.selected_object() else {
            self.shared.status = Some("select an object first (y shows its YAML)".into());
            return;
        };
        self.pager_session += 1;
        let (p, effect) = super::views::pager::Pager::yaml(r, self.pager_session, &self.shared);
        self.pager = Some(p);
        fx.push(effect);
    }

    /// `l`: the logs of the selected pod, or of the worst pod of the selected workload.
    pub(super) fn open_logs(&mut self, fx: &mut Vec<Effect>) {
        use super::views::pager;
        let Some(r) = self.selected_object() else {
            self.shared.status = Some("select a pod or a workload first (l shows its logs)".into());
            return;
        };
        let snap = self.shared.snapshot.clone();
        let Some(pod) = pager::pod_for(&snap, &r) else {
            self.shared.status = Some(format!("{r}: no pod of it to read logs from"));
            return;
        };
        if snap.pods[pod].node_name.is_none() && snap.source_kind == crate::model::SourceKind::Live
        {
            // The server answers an empty log for a pod no node runs: say why instead.
            self.shared.status = Some(format!(
                "pod {} is not scheduled on a node, so it has no logs yet (the Triage view says why it is Pending)",
                crate::text::escape_ctrl(&snap.pods[pod].meta.name)
            ));
            return;
        }
        let Some(target) = pager::log_target(&snap, pod) else {
            self.shared.status = Some(format!("{r}: its pod has no container"));
            return;
        };
        self.pager_session += 1;
        let (p, effect) = pager::Pager::logs(target, self.pager_session, snap.source_kind);
        self.pager = Some(p);
        fx.push(effect);
    }

    /// The Fleet view's audits and timer, and the `--since` state and its comparisons.
    pub(super) fn on_since_or_fleet(&mut self, ev: AppEvent, fx: &mut Vec<Effect>) {
        match ev {
            AppEvent::FleetDone(r) => {
                let ok = r.is_ok();
                self.fleet.set(r, crate::source::live::clock());
                // Shown and audited: audit again in a while (one timer at a time).
                if ok && self.view == View::Fleet && !self.fleet.refresh_pending {
                    self.fleet.refresh_pending = true;
                    fx.push(Effect::FleetDueIn(super::views::fleet::REFRESH));
                }
            }
            AppEvent::FleetDue => {
                self.fleet.refresh_pending = false;
                if self.view == View::Fleet {
                    self.open_fleet(fx);
                }
            }
            AppEvent::SinceLoaded(Ok(since)) => {
                let sh = &mut self.shared;
                sh.status = Some(format!(
                    "comparing with {}…",
                    crate::text::escape_ctrl(&since.label)
                ));
                sh.since = Some(since);
                sh.set_changes(None);
                fx.extend(self.changes_effect());
            }
            AppEvent::SinceLoaded(Err(e)) => {
                self.shared.status = Some(format!("cannot compare: {e}"))
            }
            AppEvent::ChangesReady {
                generation,
                since,
                diff,
            } => {
                self.changes_running = false;
                match diff {
                    Ok(d) => self.set_changes(generation, &since, d),
                    Err(e) => self.shared.status = Some(e),
                }
                // Snapshots that arrived meanwhile: compare the latest one only.
                if std::mem::take(&mut self.changes_wanted) {
                    fx.extend(self.changes_effect());
                }
            }
            _ => {}
        }
    }

    /// Asks for the diff against `--since` when there is one and the findings are current.
    /// While one is being computed, none is started: the latest state is compared when it ends.
    pub(super) fn changes_effect(&mut self) -> Option<Effect> {
        let sh = &self.shared;
        let since = sh.since.clone()?;
        if sh.findings_generation != Some(sh.generation) {
            return None;
        }
        if self.changes_running {
            self.changes_wanted = true;
            return None;
        }
        self.changes_running = true;
        Some(Effect::ComputeChanges {
            generation: sh.generation,
            since,
            snapshot: sh.snapshot.clone(),
            findings: sh.findings.clone(),
        })
    }

    /// The Fleet view: every context audited again in the background.
    pub(super) fn open_fleet(&mut self, fx: &mut Vec<Effect>) {
        self.view = View::Fleet;
        if !self.fleet.loading {
            self.fleet.loading = true;
            fx.push(Effect::AuditFleet);
        }
    }

    /// The diff against `--since` arrived: the new findings are marked by their index.
    pub(super) fn set_changes(
        &mut self,
        generation: u64,
        since: &Arc<super::shared::Since>,
        diff: Arc<crate::diff::Diff>,
    ) {
        let sh = &mut self.shared;
        if !sh.since.as_ref().is_some_and(|s| Arc::ptr_eq(s, since)) {
            return;
        }

        if generation == sh.generation && sh.since.is_some() {
            let new_ids: std::collections::HashSet<(&str, String, Option<&str>, &str, &str)> = diff
                .findings
                .new
                .iter()
                .map(|f| {
                    (
                        f.check.as_str(),
                        f.object.kind.clone(),
                        f.object.namespace.as_deref(),
                        f.object.name.as_str(),
                        f.path.as_str(),
                    )
                })
                .collect();
            let new_findings = sh
                .findings
                .findings
                .iter()
                .enumerate()
                .filter(|(_, f)| {
                    new_ids.contains(&(
                        f.check,
                        f.object.kind.as_str().to_string(),
                        f.object.namespace.as_deref(),
                        &*f.object.name,
                        f.path.as_str(),
                    ))
                })
                .map(|(i, _)| i)
                .collect();
            sh.status = Some(format!(
                "since {}: {} new findings, {} resolved, {} objects changed (8: Changes)",
                crate::text::escape_ctrl(
                    &sh.since
                        .as_ref()
                        .map(|s| s.label.clone())
                        .unwrap_or_default()
                ),
                diff.findings.new.len(),
                diff.findings.resolved.len(),
                diff.objects.changed.len() + diff.objects.added.len() + diff.objects.removed.len()
            ));
            let changed_objects = diff
                .objects
                .added
                .iter()
                .chain(diff.objects.changed.iter().map(|c| &c.object))
                .cloned()
                .collect();
            sh.set_changes(Some(super::shared::Changes {
                generation,
                diff,
                new_findings,
                changed_objects,
            }));
        }
    }
}
