//! The interactive TUI. Only this module touches ratatui and crossterm.
//!
//! Data flow (architecture.md): terminal input, signals and effect results all arrive on one
//! bounded channel; the loop takes one event, drains the rest, lets `App::update` turn them into
//! effects, runs the effects off the UI thread, and redraws at most every 16 ms.

pub mod app;
mod app_command_line;
mod app_since;
pub mod findings_index;
pub mod fuzzy;
pub mod keymap;
pub mod shared;
pub mod theme;
pub mod views;

pub use views::workloads::tree;

use app::{App, AppEvent, Effect};
use ratatui::backend::Backend;
use ratatui::crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event};
use ratatui::crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::crossterm::{cursor, execute};
use ratatui::Terminal;
use std::cell::Cell;
use std::io;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Capacity of the event channel: input never waits behind a burst of updates for long.
pub const CHANNEL: usize = 1024;
const FRAME: Duration = Duration::from_millis(16);

/// Runs effects. The real runner spawns threads; tests run them inline.
pub trait EffectRunner {
    /// Runs an effect. Events it can produce at once are returned, others arrive on `tx`.
    fn run(&mut self, fx: Effect, tx: &SyncSender<AppEvent>) -> Vec<AppEvent>;
}

/// Runs audits on their own threads; a panic there becomes a status message, not a crash.
pub struct ThreadRunner;

impl EffectRunner for ThreadRunner {
    fn run(&mut self, fx: Effect, tx: &SyncSender<AppEvent>) -> Vec<AppEvent> {
        match fx {
            Effect::Quit | Effect::Connect { .. } | Effect::StopLogs => {}
            Effect::AuditFleet => {
                return vec![AppEvent::FleetDone(Err(
                    "The fleet is every context of a kubeconfig: start kvet on a cluster (without -f or --demo), or run kvet audit --all-contexts.".into(),
                ))]
            }
            Effect::FleetDueIn(after) => {
                let tx = tx.clone();
                std::thread::spawn(move || {
                    std::thread::sleep(after);
                    let _ = tx.send(AppEvent::FleetDue);
                });
            }
            Effect::LoadSince(path) => {
                let tx = tx.clone();
                std::thread::spawn(move || {
                    let res = std::panic::catch_unwind(|| load_since(&path));
                    let ev = AppEvent::SinceLoaded(
                        res.unwrap_or_else(|_| Err("reading it failed (see the log)".into())),
                    );
                    let _ = tx.send(ev);
                });
            }
            Effect::ComputeChanges {
                generation,
                since,
                snapshot,
                findings,
            } => {
                let tx = tx.clone();
                std::thread::spawn(move || {
                    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        crate::diff::diff(
                            &since.snapshot,
                            &since.findings,
                            &snapshot,
                            &findings.findings,
                        )
                    }));
                    let ev = AppEvent::ChangesReady {
                        generation,
                        diff: res
                            .map(Arc::new)
                            .map_err(|_| "the comparison failed (see the log)".to_string()),
                        since,
                    };
                    let _ = tx.send(ev);
                });
            }
            Effect::FetchYaml {
                session,
                snapshot,
                object,
            } => {
                let result = if snapshot.source_kind == crate::model::SourceKind::Live {
                    Err("not connected to the cluster".to_string())
                } else {
                    crate::source::document::shown_yaml(&snapshot, &object)
                };
                return vec![AppEvent::YamlLoaded { session, result }];
            }
            Effect::StreamLogs {
                session,
                request,
                source,
            } => {
                // Offline sources hold no logs; the demo has a few for its incident.
                return match demo_or_offline_logs(&request, source) {
                    Ok(lines) => vec![
                        AppEvent::LogLines { session, lines },
                        AppEvent::LogEnded {
                            session,
                            error: None,
                        },
                    ],
                    Err(e) => vec![AppEvent::LogEnded {
                        session,
                        error: Some(e),
                    }],
                };
            }
            Effect::LoadJournal => {
                let r = crate::apply::read_journal().map(|(e, _)| e);
                return vec![AppEvent::JournalLoaded(r)];
            }
            Effect::PlanUndo(_) | Effect::ApplyFix(_) => {
                return vec![AppEvent::TaskFailed(
                    "not connected to a cluster: offline, export the patch instead".into(),
                )]
            }
            Effect::PlanFix {
                snapshot,
                finding,
                settings,
            } => {
                let tx = tx.clone();
                std::thread::spawn(move || {
                    let result = plan_fix(&snapshot, &finding, &settings);
                    let _ = tx.send(AppEvent::FixPlanned {
                        finding,
                        settings,
                        result,
                    });
                });
            }
            Effect::WriteFile { path, text } => {
                return vec![match std::fs::write(&path, text) {
                    Ok(()) => AppEvent::TaskDone(format!("wrote {}", path.display())),
                    Err(e) => AppEvent::TaskFailed(format!("{}: {e}", path.display())),
                }];
            }
            Effect::Clipboard(text) => {
                use std::io::Write;
                // OSC 52: the terminal (and tmux with set-clipboard) puts it on the clipboard.
                let mut out = std::io::stdout();
                let _ = write!(out, "\x1b]52;c;{}\x07", base64(text.as_bytes()));
                let _ = out.flush();
            }
            Effect::SimulateDrains {
                generation,
                snapshot,
            } => {
                let tx = tx.clone();
                std::thread::spawn(move || {
                    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        crate::drain::summaries(&snapshot)
                    }));
                    let ev = match res {
                        Ok(verdicts) => AppEvent::DrainsDone {
                            generation,
                            verdicts,
                        },
                        Err(_) => {
                            AppEvent::TaskFailed("the drain simulation failed (see the log)".into())
                        }
                    };
                    let _ = tx.send(ev);
                });
            }
            Effect::RunAudit {
                generation,
                snapshot,
                target_version,
            } => {
                let tx = tx.clone();
                std::thread::spawn(move || {
                    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        let result = crate::audit::run(
                            &snapshot,
                            &crate::audit::AuditOptions {
                                target_version,
                                ..Default::default()
                            },
                        );
                        findings_index::FindingsIndex::with_triage(result, &snapshot)
                    }));
                    let ev = match res {
                        // Indexed and triaged here, off the UI thread.
                        Ok(index) => AppEvent::FindingsReady {
                            generation,
                            index: Arc::new(index),
                        },
                        Err(_) => AppEvent::TaskFailed("the audit failed (see the log)".into()),
                    };
                    let _ = tx.send(ev);
                });
            }
        }
        Vec::new()
    }
}

/// A saved state to compare with: a snapshot or manifests (audited), or a `kvet audit -o json`
/// report (its findings alone).
fn load_since(path: &std::path::Path) -> Result<Arc<shared::Since>, String> {
    let label = path.display().to_string();
    if !path.exists() {
        return Err(format!("{label}: no such file or folder"));
    }
    let report = std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .filter(|v| v.get("kvet_version").is_some() && v.get("findings").is_some());
    let (snapshot, findings) = match report {
        Some(_) => {
            return Err(format!(
                "{label} is an audit report: the comparison needs the objects too (kvet snapshot save, or manifests)"
            ))
        }
        None => {
            let loaded = crate::source::load(
                &[crate::source::Input::Path(path.to_path_buf())],
                &Default::default(),
                crate::model::SourceKind::Offline,
            );
            let f = crate::audit::run(&loaded.snapshot, &Default::default()).findings;
            (loaded.snapshot, f)
        }
    };
    Ok(Arc::new(shared::Since {
        label,
        snapshot: Arc::new(snapshot),
        findings: Arc::new(findings),
    }))
}

/// Logs without a cluster: the demo's, or a message saying where logs come from.
fn demo_or_offline_logs(
    req: &crate::source::logs::LogRequest,
    source: crate::model::SourceKind,
) -> Result<Vec<String>, String> {
    if source == crate::model::SourceKind::Demo {
        return crate::source::demo::logs(req);
    }
    if source == crate::model::SourceKind::Live {
        return Err("not connected to the cluster".into());
    }
    Err(format!(
        "container logs come from a live cluster; files and snapshots hold none ({} reads them)",
        req.kubectl()
    ))
}

/// Reads the object of an offline finding and previews its fix.
fn plan_fix(
    snap: &crate::model::Snapshot,
    finding: &crate::audit::Finding,
    settings: &std::collections::BTreeMap<String, String>,
) -> Result<Box<crate::fix::Preview>, String> {
    if snap.source_kind == crate::model::SourceKind::Live {
        return Err("not connected to the cluster".into());
    }
    let object = crate::source::document::fix_object(snap, finding)?;
    let plan = crate::fix::plan_offline(snap, finding, &object, settings)?;
    crate::fix::preview(&object, plan)
        .map(Box::new)
        .map_err(|e| e.to_string())
}

/// Standard base64 (RFC 4648), for OSC 52.
fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(A[((n >> shift) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The event loop, generic over the backend so tests drive it on a `TestBackend`.
/// Returns when the app quits or every sender is gone.
pub fn run_loop<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    rx: &Receiver<AppEvent>,
    tx: &SyncSender<AppEvent>,
    runner: &mut dyn EffectRunner,
) -> io::Result<()>
where
    B::Error: Send + Sync + 'static,
{
    let mut pending: Vec<Effect> = app.start();
    let mut last_draw: Option<Instant> = None;
    let mut dirty = true;
    // On the way out, the last state is drawn: what the user did before quitting is on screen
    // (and a headless test sees it whatever the timing).
    let finish = |terminal: &mut Terminal<B>, app: &mut App, dirty: bool| -> io::Result<()> {
        if dirty {
            terminal
                .draw(|f| views::draw(f, app))
                .map_err(io::Error::other)?;
        }
        Ok(())
    };
    loop {
        // Effects first, in the order they were asked for; their immediate results go straight
        // back into the app.
        while !pending.is_empty() {
            for fx in std::mem::take(&mut pending) {
                if matches!(fx, Effect::Quit) {
                    return finish(terminal, app, dirty);
                }
                for ev in runner.run(fx, tx) {
                    pending.extend(app.update(ev));
                    dirty = true;
                }
            }
        }
        if app.shared.quit {
            return finish(terminal, app, dirty);
        }
        let due = last_draw.is_none_or(|t| t.elapsed() >= FRAME);
        if dirty && due {
            terminal
                .draw(|f| views::draw(f, app))
                .map_err(io::Error::other)?;
            last_draw = Some(Instant::now());
            dirty = false;
        }
        let wait = if dirty {
            FRAME.saturating_sub(last_draw.map(|t| t.elapsed()).unwrap_or_default())
        } else {
            Duration::from_millis(250)
        };
        match rx.recv_timeout(wait) {
            Ok(ev) => {
                pending.extend(app.update(ev));
                // Drain whatever else is queued before drawing again.
                while let Ok(ev) = rx.try_recv() {
                    pending.extend(app.update(ev));
                }
                dirty = true;
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return finish(terminal, app, dirty),
        }
    }
}

thread_local! {
    static UI_THREAD: Cell<bool> = const { Cell::new(false) };
}

/// Leaves the alternate screen, turns raw mode and mouse capture off, shows the cursor.
pub fn restore_terminal() {
    let _ = terminal::disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        cursor::Show
    );
}

/// Restores the terminal before a panic on the UI thread is printed. A panic on another thread
/// is caught where it happens and shown in the status line, so it is only logged here.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if UI_THREAD.with(|u| u.get()) {
            restore_terminal();
            previous(info);
        } else {
            tracing::error!("background task panicked: {info}");
        }
    }));
}

/// Sends `Signal` on SIGTERM, SIGHUP and SIGINT, so the loop exits and restores the terminal.
fn watch_signals(tx: SyncSender<AppEvent>) -> io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT])?;
    std::thread::spawn(move || {
        if signals.forever().next().is_some() {
            let _ = tx.send(AppEvent::Signal);
        }
    });
    Ok(())
}

fn read_input(tx: SyncSender<AppEvent>) {
    std::thread::spawn(move || loop {
        let ev = match event::read() {
            Ok(Event::Key(k)) => AppEvent::Key(k),
            Ok(Event::Mouse(m)) => AppEvent::Mouse(m),
            Ok(Event::Resize(w, h)) => AppEvent::Resize(w, h),
            Ok(_) => continue,
            Err(e) => AppEvent::TaskFailed(format!("terminal input: {e}")),
        };
        if tx.send(ev).is_err() {
            break;
        }
    });
}

/// Logs go to `<state dir>/kvet.log`, and only when `KVET_LOG` is set (to a level or filter).
pub fn init_logging() -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let filter = std::env::var("KVET_LOG").ok().filter(|v| !v.is_empty())?;
    let dir = crate::private_files::state_dir()?;
    // 0600 in a 0700 directory: the log names contexts and users.
    let file = crate::private_files::open_append(&dir.join("kvet.log")).ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    // A bare level (`KVET_LOG=debug`) is for kvet only: other crates' debug output could include
    // request details. A full directive (`kvet=debug,kube=info`) is taken as given.
    let directive = if filter.contains('=') {
        filter
    } else {
        format!("kvet={filter}")
    };
    let filter = tracing_subscriber::EnvFilter::try_new(directive)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("kvet=info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}

/// Opens the TUI on a snapshot until the user quits.
/// Starts a live feed once the event channel exists (the CLI provides it; offline sources none).
pub type Feed = Box<dyn FnOnce(SyncSender<AppEvent>) -> Box<dyn EffectRunner> + Send>;

/// Opens the TUI on a snapshot until the user quits. With a feed, live updates arrive as events
/// and the feed's runner handles the effects.
pub fn run(
    snapshot: Arc<crate::model::Snapshot>,
    app_keymap: keymap::KeyMap,
    theme: theme::Theme,
    live: Option<(app::LiveInfo, Feed)>,
    since: Option<std::path::PathBuf>,
) -> io::Result<()> {
    let _log = init_logging();
    tracing::info!(source = %snapshot.source, "starting the TUI");
    let (tx, rx) = mpsc::sync_channel::<AppEvent>(CHANNEL);
    install_panic_hook();
    UI_THREAD.with(|u| u.set(true));
    watch_signals(tx.clone())?;
    terminal::enable_raw_mode()?;
    let mut stdout = io::stdout();
    if let Err(e) = execute!(
        stdout,
        EnterAlternateScreen,
        EnableMouseCapture,
        cursor::Hide
    ) {
        restore_terminal();
        return Err(e);
    }
    let result = (|| {
        let mut terminal = Terminal::new(ratatui::backend::CrosstermBackend::new(io::stdout()))?;
        let mut app = App::new(snapshot, app_keymap, theme);
        app.start_since = since;
        read_input(tx.clone());
        let mut runner: Box<dyn EffectRunner> = match live {
            Some((info, feed)) => {
                app.shared.live = Some(info);
                app.shared.connection = app::Connection::Live;
                feed(tx.clone())
            }
            None => Box::new(ThreadRunner),
        };
        run_loop(&mut terminal, &mut app, &rx, &tx, runner.as_mut())
    })();
    restore_terminal();
    result
}

#[cfg(test)]
mod base64_tests {
    #[test]
    fn base64_matches_rfc_4648() {
        assert_eq!(super::base64(b""), "");
        assert_eq!(super::base64(b"f"), "Zg==");
        assert_eq!(super::base64(b"fo"), "Zm8=");
        assert_eq!(super::base64(b"foo"), "Zm9v");
        assert_eq!(super::base64(b"foobar"), "Zm9vYmFy");
    }
}
