//! Glue between the TUI and a live cluster: the effect runner that owns the live feed.
//! The TUI never sees kube; it receives snapshots and connection state as events.

use crate::source::live::{self, KindStatus, LiveOptions, LiveUpdate};
use crate::tui::app::{AppEvent, Effect};
use crate::tui::{EffectRunner, ThreadRunner};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::Arc;
use std::time::Duration;

/// Runs audits like the offline runner, and (re)connects live feeds on `Connect`.
pub struct LiveRunner {
    pub runtime: Arc<tokio::runtime::Runtime>,
    pub base: LiveOptions,
    /// Bumped on every (re)connect: an older feed sees it and stops.
    pub feed: Arc<AtomicU64>,
    pub audits: ThreadRunner,
    /// The connection of the current feed: fixes are previewed and applied on it.
    pub conn: Arc<std::sync::Mutex<Option<live::Connection>>>,
    /// The log stream the pager shows: aborted when the pager closes or asks for another.
    pub logs: Option<tokio::task::AbortHandle>,
}

/// (kind, status, readable) rows for the TUI.
pub fn kind_rows(
    status: &std::collections::BTreeMap<&'static str, KindStatus>,
) -> Vec<(String, String, bool)> {
    status
        .iter()
        .map(|(k, s)| (k.to_string(), s.label(), matches!(s, KindStatus::Ok { .. })))
        .collect()
}

impl LiveRunner {
    /// Starts a feed for `opts`; its events go to `tx` until a newer feed starts.
    pub fn start(&self, opts: LiveOptions, tx: SyncSender<AppEvent>) {
        self.spawn_feed(Err(opts), tx);
    }

    /// Starts a feed on a connection that already exists (tests hand in a mock API server).
    pub fn start_with(&self, conn: live::Connection, tx: SyncSender<AppEvent>) {
        self.spawn_feed(Ok(conn), tx);
    }

    fn spawn_feed(&self, conn: Result<live::Connection, LiveOptions>, tx: SyncSender<AppEvent>) {
        let generation = self.feed.fetch_add(1, Ordering::SeqCst) + 1;
        let feed = self.feed.clone();
        let shared_conn = self.conn.clone();
        self.runtime.spawn(async move {
            let current = move || feed.load(Ordering::SeqCst) == generation;
            let conn = match conn {
                Ok(c) => c,
                Err(opts) => match live::connect(&opts).await {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = tx.send(AppEvent::TaskFailed(e.to_string()));
                        return;
                    }
                },
            };
            if let Ok(mut c) = shared_conn.lock() {
                *c = Some(conn.clone());
            }
            let plan = match live::plan(&conn).await {
                Ok(p) => p,
                Err(e) => {
                    let _ = tx.send(AppEvent::TaskFailed(e.to_string()));
                    return;
                }
            };
            if !current() {
                return;
            }
            let _ = tx.send(AppEvent::LiveConnected {
                context: conn.context.clone(),
                namespace: conn.namespace.clone(),
                insecure: conn.insecure,
            });
            let tx2 = tx.clone();
            live::watch(conn, plan, Duration::from_millis(100), move |u| {
                if !current() {
                    return false;
                }
                let ev = match u {
                    LiveUpdate::Snapshot(s) => AppEvent::Snapshot(s),
                    LiveUpdate::Healthy => AppEvent::LiveHealthy,
                    LiveUpdate::Stale(at) => AppEvent::LiveStale(at),
                    LiveUpdate::Kinds(k) => AppEvent::LiveKinds(kind_rows(&k)),
                    LiveUpdate::Progress(p) => AppEvent::LiveProgress(p),
                };
                tx2.send(ev).is_ok()
            })
            .await;
        });
    }
}

impl EffectRunner for LiveRunner {
    fn run(&mut self, fx: Effect, tx: &SyncSender<AppEvent>) -> Vec<AppEvent> {
        match fx {
            Effect::Connect { context, namespace } => {
                let opts = LiveOptions {
                    context,
                    namespace,
                    interactive_auth: false,
                    ..self.base.clone()
                };
                self.start(opts, tx.clone());
                Vec::new()
            }
            Effect::PlanFix {
                snapshot,
                finding,
                settings,
            } if snapshot.source_kind == crate::model::SourceKind::Live => {
                let conn = self.conn.lock().ok().and_then(|c| c.clone());
                let tx = tx.clone();
                self.runtime.spawn(async move {
                    let result = match conn {
                        None => Err("not connected".to_string()),
                        Some(conn) => live_preview(&conn, &snapshot, &finding, &settings).await,
                    };
                    let _ = tx.send(AppEvent::FixPlanned {
                        finding,
                        settings,
                        result: result.map(Box::new),
                    });
                });
                Vec::new()
            }
            Effect::FetchYaml {
                session,
                snapshot,
                object,
            } if snapshot.source_kind == crate::model::SourceKind::Live => {
                let conn = self.conn.lock().ok().and_then(|c| c.clone());
                let tx = tx.clone();
                self.runtime.spawn(async move {
                    let result = match conn {
                        None => Err("not connected".to_string()),
                        Some(conn) => live_yaml(&conn, &object).await,
                    };
                    let _ = tx.send(AppEvent::YamlLoaded { session, result });
                });
                Vec::new()
            }
            Effect::AuditFleet => {
                let base = self.base.clone();
                let tx = tx.clone();
                self.runtime.spawn(async move {
                    let contexts = contexts(&base);
                    let all = crate::cli::fleet::audit_contexts(
                        &base,
                        &contexts,
                        4,
                        &crate::audit::AuditOptions::default(),
                    )
                    .await;
                    let rows = all
                        .iter()
                        .map(|c| {
                            use crate::audit::Severity;
                            crate::tui::views::fleet::FleetRow {
                                context: c.context.clone(),
                                error: c.error.clone(),
                                server_version: c.server_version,
                                nodes: c.nodes,
                                pods: c.pods,
                                counts: [
                                    c.count(Severity::Critical),
                                    c.count(Severity::Warning),
                                    c.count(Severity::Info),
                                ],
                                top: c.top_checks(3),
                            }
                        })
                        .collect();
                    let _ = tx.send(AppEvent::FleetDone(Ok(rows)));
                });
                Vec::new()
            }
            Effect::StopLogs => {
                if let Some(h) = self.logs.take() {
                    h.abort();
                }
                Vec::new()
            }
            Effect::StreamLogs {
                session,
                request,
                source: crate::model::SourceKind::Live,
            } => {
                if let Some(h) = self.logs.take() {
                    h.abort();
                }
                let conn = self.conn.lock().ok().and_then(|c| c.clone());
                let tx = tx.clone();
                let task = self.runtime.spawn(async move {
                    let error = match conn {
                        None => Some("not connected".to_string()),
                        Some(conn) => {
                            let sink =
                                |lines| tx.send(AppEvent::LogLines { session, lines }).is_ok();
                            crate::source::logs::stream(&conn, &request, sink)
                                .await
                                .err()
                        }
                    };
                    let _ = tx.send(AppEvent::LogEnded { session, error });
                });
                self.logs = Some(task.abort_handle());
                Vec::new()
            }
            Effect::PlanUndo(entry) => {
                let conn = self.conn.lock().ok().and_then(|c| c.clone());
                let tx = tx.clone();
                self.runtime.spawn(async move {
                    let result = match conn {
                        None => Err("not connected".to_string()),
                        Some(conn) => crate::apply::preview_undo(&conn, &entry).await,
                    };
                    // The dialog shows the undo as the fix of the entry's check.
                    let finding = crate::audit::Finding {
                        check: crate::audit::find_check(&entry.check)
                            .map(|c| c.info().id)
                            .unwrap_or("undo"),
                        severity: crate::audit::Severity::Info,
                        object: entry.object.object_ref(),
                        origin: None,
                        path: String::new(),
                        message: format!("undo of journal entry {}", entry.id),
                        fix_available: true,
                    };
                    let _ = tx.send(AppEvent::FixPlanned {
                        finding,
                        settings: Default::default(),
                        result: result.map(Box::new),
                    });
                });
                Vec::new()
            }
            Effect::ApplyFix(p) => {
                let conn = self.conn.lock().ok().and_then(|c| c.clone());
                let tx = tx.clone();
                let kubeconfig = self.base.kubeconfig.clone();
                self.runtime.spawn(async move {
                    let ev = match conn {
                        None => AppEvent::TaskFailed("not connected".into()),
                        Some(conn) => {
                            let user = crate::apply::kubeconfig_user(
                                kubeconfig.as_deref(),
                                &conn.context,
                            );
                            match crate::apply::apply_and_journal(
                                &conn,
                                &p.plan,
                                &p.before,
                                &p.diff,
                                &user,
                                p.undoes.as_deref(),
                            )
                            .await
                            {
                                Ok(e) => AppEvent::TaskDone(match &p.undoes {
                                    Some(u) => format!(
                                        "undid {u} on {} (journal entry {})",
                                        p.plan.target, e.id
                                    ),
                                    None => format!(
                                        "applied to {} (journal entry {}; u in the Journal view undoes it)",
                                        p.plan.target, e.id
                                    ),
                                }),
                                Err(e) => AppEvent::TaskFailed(e),
                            }
                        }
                    };
                    let _ = tx.send(ev);
                });
                Vec::new()
            }
            other => self.audits.run(other, tx),
        }
    }
}

/// A fix preview on the live cluster: the server's dry run, or (read-only) the local plan.
async fn live_preview(
    conn: &live::Connection,
    snap: &crate::model::Snapshot,
    finding: &crate::audit::Finding,
    settings: &std::collections::BTreeMap<String, String>,
) -> Result<crate::fix::Preview, String> {
    if !conn.readonly {
        return crate::apply::preview_live(conn, snap, finding, settings).await;
    }
    let object = crate::apply::fetch(conn, &finding.object).await?;
    let plan = crate::fix::plan(&crate::fix::FixInput {
        snap,
        finding,
        object: &object,
        server_minor: None,
        pdb_api_version: "policy/v1",
        settings,
    })
    .map_err(|e| e.to_string())?;
    crate::fix::preview(&object, plan).map_err(|e| e.to_string())
}

/// The object as the server has it now, redacted for the pager.
async fn live_yaml(
    conn: &live::Connection,
    r: &crate::model::ObjectRef,
) -> Result<crate::model::shown::ShownYaml, String> {
    use crate::model::shown;
    let mut object = crate::apply::fetch(conn, r).await?;
    let redacted = shown::redact(&mut object);
    Ok(shown::ShownYaml {
        text: shown::to_yaml(&object),
        source: format!(
            "live from {} at {} UTC",
            conn.context,
            crate::source::live::clock()
        ),
        redacted,
    })
}

/// The kubeconfig's context names, for the picker.
pub fn contexts(opts: &LiveOptions) -> Vec<String> {
    use kube::config::Kubeconfig;
    let kc = match &opts.kubeconfig {
        Some(p) => Kubeconfig::read_from(p).ok(),
        None => Kubeconfig::from_env()
            .ok()
            .flatten()
            .or_else(|| Kubeconfig::read().ok()),
    };
    let mut names: Vec<String> = kc
        .map(|k| k.contexts.into_iter().map(|c| c.name).collect())
        .unwrap_or_default();
    names.sort();
    names
}
