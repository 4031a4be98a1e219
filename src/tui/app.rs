//! The TUI's router. `App::update` takes an event and returns effects; it does no I/O, so it is
//! tested by feeding it events. `App` holds what the views share ([`Shared`]) and one value per
//! view; keys go to the global commands first, then to the view on screen.

use super::findings_index::FindingsIndex;
use super::keymap::{Command, KeyMap, KeyMode};
use super::theme::Theme;
use crate::audit::{AuditResult, Finding};
use crate::model::{ObjectRef, Snapshot};
use crate::source::live::LoadProgress;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, MouseEvent, MouseEventKind};
use std::collections::BTreeMap;
use std::sync::Arc;

pub use super::shared::{Connection, InputKind, LiveInfo, Popup, Shared};
pub use super::views::findings::{FindingsFilter, FindingsView, SortBy};
pub use super::views::workloads::{Pane, WorkloadsView};
pub use super::views::View;

/// What comes into the loop: terminal input, results of effects, and (live) snapshot updates.
#[derive(Debug)]
pub enum AppEvent {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// A new snapshot (reload or live update). Its audit is requested as an effect.
    Snapshot(Arc<Snapshot>),
    AuditDone {
        generation: u64,
        result: AuditResult,
    },
    /// The audit's findings already indexed and triaged off the UI thread (what the runner
    /// sends; `AuditDone` does the same work on the UI thread).
    FindingsReady {
        generation: u64,
        index: Arc<FindingsIndex>,
    },
    /// Every node's drain verdict, for the snapshot of that generation.
    DrainsDone {
        generation: u64,
        verdicts: Vec<crate::drain::NodeSummary>,
    },
    /// A background task failed; shown in the status line.
    TaskFailed(String),
    /// A background task finished; its message goes to the status line.
    TaskDone(String),
    /// The journal file's entries (oldest first), or why it could not be read.
    JournalLoaded(Result<Vec<crate::apply::Entry>, String>),
    /// The fix of a finding, planned and previewed (or why it cannot be).
    FixPlanned {
        finding: Finding,
        settings: BTreeMap<String, String>,
        result: Result<Box<crate::fix::Preview>, String>,
    },
    /// SIGTERM, SIGHUP or SIGINT.
    Signal,
    /// Live: every watcher is streaming.
    LiveHealthy,
    /// Live: a watch stream broke at this time (`HH:MM:SS` UTC); the data stays on screen.
    LiveStale(String),
    /// Live: (kind, status, readable) for every kind kvet watches.
    LiveKinds(Vec<(String, String, bool)>),
    /// Live: how far the lists have come (first load, relist, context switch).
    LiveProgress(LoadProgress),
    /// The YAML the pager asked for (session), or why it cannot be shown.
    YamlLoaded {
        session: u64,
        result: Result<crate::model::shown::ShownYaml, String>,
    },
    /// Lines of the log stream of a pager session.
    LogLines {
        session: u64,
        lines: Vec<String>,
    },
    /// The log stream of a pager session ended; the error says why it could not be read.
    LogEnded {
        session: u64,
        error: Option<String>,
    },
    /// Every context's audit summary (or why the fleet cannot be shown).
    FleetDone(Result<Vec<super::views::fleet::FleetRow>, String>),
    /// Time to audit the fleet again (when the Fleet view is still shown).
    FleetDue,
    /// `:since FILE` loaded (or why not).
    SinceLoaded(Result<Arc<super::shared::Since>, String>),
    /// The diff against the `--since` state, for a snapshot generation.
    ChangesReady {
        generation: u64,
        /// The state it was compared with (a result for an earlier `:since` is dropped).
        since: Arc<super::shared::Since>,
        diff: Result<Arc<crate::diff::Diff>, String>,
    },
    /// Live: connected (or reconnected) to a context, in an optional namespace scope.
    LiveConnected {
        context: String,
        namespace: Option<String>,
        insecure: bool,
    },
}

/// What the loop must do on the app's behalf.
#[derive(Debug)]
pub enum Effect {
    Quit,
    RunAudit {
        generation: u64,
        snapshot: Arc<Snapshot>,
        /// `:target X.Y` for deprecated-api.
        target_version: Option<(u32, u32)>,
    },
    /// Live: (re)connect to a context and namespace scope (`None`: all namespaces).
    Connect {
        context: Option<String>,
        namespace: Option<String>,
    },
    /// Read the finding's object, plan its fix and preview it.
    PlanFix {
        snapshot: Arc<Snapshot>,
        finding: Finding,
        settings: BTreeMap<String, String>,
    },
    /// Write an exported patch.
    WriteFile {
        path: std::path::PathBuf,
        text: String,
    },
    /// Put text on the terminal's clipboard (OSC 52).
    Clipboard(String),
    /// Live: apply a previewed fix (its server dry run passed) and journal it.
    ApplyFix(Box<crate::fix::Preview>),
    /// Read the journal file.
    LoadJournal,
    /// Live: preview the undo of a journal entry (the server's dry run).
    PlanUndo(Box<crate::apply::Entry>),
    /// Read an object's YAML for the pager (offline: its document; live: the server's copy).
    FetchYaml {
        session: u64,
        snapshot: Arc<Snapshot>,
        object: ObjectRef,
    },
    /// Stream a container's logs into the pager (any earlier stream stops).
    StreamLogs {
        session: u64,
        request: crate::source::logs::LogRequest,
        /// Where the pager's snapshot came from (the demo has logs of its own).
        source: crate::model::SourceKind,
    },
    /// Stop the log stream (the pager closed).
    StopLogs,
    /// Audit every kubeconfig context, in the background (live).
    AuditFleet,
    /// Send [`AppEvent::FleetDue`] after this long: the Fleet view's periodic refresh.
    FleetDueIn(std::time::Duration),
    /// Load a saved state to compare with (`--since`, `:since FILE`).
    LoadSince(std::path::PathBuf),
    /// Compare the current snapshot and findings with the `--since` state, off the UI thread.
    ComputeChanges {
        generation: u64,
        since: Arc<super::shared::Since>,
        snapshot: Arc<Snapshot>,
        findings: Arc<FindingsIndex>,
    },
    /// Every node's drain verdict, off the UI thread.
    SimulateDrains {
        generation: u64,
        snapshot: Arc<Snapshot>,
    },
}

/// Commands that work in every view, for the help screen.
pub const GLOBAL_COMMANDS: &[Command] = &[
    Command::Help,
    Command::Filter,
    Command::CommandLine,
    Command::ViewWorkloads,
    Command::ViewFindings,
    Command::ViewRbac,
    Command::ViewNetwork,
    Command::ViewJournal,
    Command::ViewNodes,
    Command::ViewTriage,
    Command::ViewChanges,
    Command::ViewFleet,
    Command::Yaml,
    Command::Logs,
    Command::Fix,
    Command::Back,
    Command::Quit,
];

/// `:` commands that work in every view: (syntax, what it does).
pub const GLOBAL_COMMAND_LINE: &[(&str, &str)] = &[
    (
        ":findings",
        "the Findings view (:workloads, :rbac, :net, :journal for the others)",
    ),
    (
        ":since FILE",
        "compare with a saved state (a snapshot, manifests or a JSON report); :since alone clears it",
    ),
    (
        ":ctx [NAME]",
        "live: switch kubeconfig context (no name: a picker)",
    ),
    (":scope NS|all", "live: watch one namespace, or all"),
    (
        ":target X.Y",
        "the Kubernetes version an upgrade targets (deprecated-api)",
    ),
    (":explain ID", "a check's documentation"),
    (":clear", "clear every filter"),
    (":q", "quit"),
];

pub struct App {
    pub shared: Shared,
    /// `--readonly`: fixes can be exported, never applied.
    pub readonly: bool,
    pub view: View,
    pub workloads: WorkloadsView,
    pub findings_view: FindingsView,
    pub journal: super::views::journal::JournalView,
    pub rbac: super::views::rbac::RbacView,
    pub network: super::views::network::NetworkView,
    pub nodes: super::views::nodes::NodesView,
    pub triage: super::views::triage::TriageView,
    /// The YAML or logs pager, over the view.
    pub pager: Option<super::views::pager::Pager>,
    /// The last pager session (bumped per request: stale results are dropped).
    pub pager_session: u64,
    /// `--since FILE`: loaded at start.
    pub start_since: Option<std::path::PathBuf>,
    pub changes_view: super::views::changes::ChangesView,
    pub fleet: super::views::fleet::FleetView,
    /// A comparison with `--since` is being computed: at most one runs at a time.
    pub(super) changes_running: bool,
    /// Snapshots arrived while it ran: compare again (with the latest) when it is done.
    pub(super) changes_wanted: bool,
}

impl App {
    pub fn new(snapshot: Arc<Snapshot>, keymap: KeyMap, theme: Theme) -> App {
        let shared = Shared::new(snapshot, keymap, theme);
        let workloads = WorkloadsView::new(&shared);
        App {
            shared,
            readonly: false,
            view: View::Workloads,
            workloads,
            findings_view: FindingsView::default(),
            journal: Default::default(),
            rbac: Default::default(),
            network: Default::default(),
            nodes: Default::default(),
            triage: Default::default(),
            pager: None,
            pager_session: 0,
            start_since: None,
            changes_view: Default::default(),
            fleet: Default::default(),
            changes_running: false,
            changes_wanted: false,
        }
    }

    /// The effects to run at start: the first audit.
    pub fn start(&self) -> Vec<Effect> {
        let mut fx = vec![
            Effect::RunAudit {
                generation: self.shared.generation,
                snapshot: self.shared.snapshot.clone(),
                target_version: self.shared.target_version,
            },
            Effect::SimulateDrains {
                generation: self.shared.generation,
                snapshot: self.shared.snapshot.clone(),
            },
        ];
        fx.extend(self.start_since.clone().map(Effect::LoadSince));
        fx
    }

    pub fn key_mode(&self) -> KeyMode {
        if self.shared.input.is_some() {
            KeyMode::Input
        } else if self.shared.popup.is_some() {
            KeyMode::Popup
        } else if self.pager.is_some() {
            KeyMode::Pager
        } else {
            KeyMode::Normal
        }
    }

    /// The tree node selected in the Workloads view.
    pub fn selected_node(&self) -> Option<&super::views::workloads::tree::NodeId> {
        self.workloads.selected_node()
    }

    /// Findings shown in the Workloads view's right pane.
    pub fn selection_findings(&self) -> Vec<usize> {
        self.workloads.selection_findings(&self.shared)
    }

    /// Rows of the Findings view after its filters and sorting.
    pub fn table_rows(&mut self) -> Arc<Vec<usize>> {
        self.findings_view.rows(&self.shared)
    }

    pub fn refresh_tree(&mut self) {
        self.workloads.refresh_tree(&self.shared);
    }

    pub fn update(&mut self, ev: AppEvent) -> Vec<Effect> {
        let mut fx = Vec::new();
        let sh = &mut self.shared;
        match ev {
            AppEvent::Key(k) if k.kind == KeyEventKind::Release => {}
            AppEvent::Key(k) => self.on_key(k, &mut fx),
            AppEvent::Mouse(m) => self.on_mouse(m),
            AppEvent::Resize(_, _) => {}
            AppEvent::Snapshot(s) => {
                sh.generation += 1;
                sh.snapshot = s;
                self.workloads.on_snapshot(&self.shared);
                fx.push(Effect::RunAudit {
                    generation: self.shared.generation,
                    snapshot: self.shared.snapshot.clone(),
                    target_version: self.shared.target_version,
                });
                fx.push(Effect::SimulateDrains {
                    generation: self.shared.generation,
                    snapshot: self.shared.snapshot.clone(),
                });
            }
            AppEvent::DrainsDone {
                generation,
                verdicts,
            } => {
                if generation == sh.generation {
                    self.nodes.set_verdicts(generation, verdicts);
                }
            }
            AppEvent::AuditDone { generation, result } => {
                if generation == sh.generation {
                    sh.findings = Arc::new(FindingsIndex::with_triage(result, &sh.snapshot));
                    sh.findings_generation = Some(generation);
                    fx.extend(self.changes_effect());
                }
            }
            AppEvent::FindingsReady { generation, index } => {
                if generation == sh.generation {
                    sh.findings = index;
                    sh.findings_generation = Some(generation);
                    fx.extend(self.changes_effect());
                }
                // An older generation's result is stale: dropped.
            }
            AppEvent::TaskFailed(msg) => sh.status = Some(format!("error: {msg}")),
            AppEvent::TaskDone(msg) => {
                sh.status = Some(msg);
                // A fix or an undo was journaled.
                fx.push(Effect::LoadJournal);
            }
            AppEvent::JournalLoaded(r) => self.journal.set(r),
            ev @ (AppEvent::FleetDone(_)
            | AppEvent::FleetDue
            | AppEvent::SinceLoaded(_)
            | AppEvent::ChangesReady { .. }) => self.on_since_or_fleet(ev, &mut fx),
            AppEvent::YamlLoaded { session, result } => {
                if let Some(p) = self.pager.as_mut() {
                    let result = result.map(|y| {
                        let mut note = y.source;
                        if !y.redacted.is_empty() {
                            note.push_str(&format!(" · redacted: {}", y.redacted.join(", ")));
                        }
                        (y.text, note)
                    });
                    p.set_text(session, result);
                }
            }
            AppEvent::LogLines { session, lines } => {
                if let Some(p) = self.pager.as_mut() {
                    p.push_lines(session, lines);
                }
            }
            AppEvent::LogEnded { session, error } => {
                if let Some(p) = self.pager.as_mut() {
                    p.end(session, error);
                }
            }
            AppEvent::FixPlanned {
                finding,
                settings,
                result,
            } => match result {
                Ok(preview) => {
                    let mut d =
                        super::views::fix_dialog::FixDialog::new(finding, *preview, settings);
                    d.export_only = !d.preview.dry_run || self.readonly;
                    sh.popup = Some(Popup::Fix(Box::new(d)));
                    sh.status = None;
                }
                Err(e) => sh.status = Some(format!("cannot fix: {e}")),
            },
            AppEvent::LiveHealthy => sh.connection = Connection::Live,
            AppEvent::LiveStale(at) => {
                if !matches!(sh.connection, Connection::StaleSince(_)) {
                    sh.connection = Connection::StaleSince(at);
                }
            }
            AppEvent::LiveKinds(k) => {
                if let Some(l) = sh.live.as_mut() {
                    l.kinds = k;
                }
            }
            AppEvent::LiveProgress(p) => {
                sh.progress = (!p.complete()).then_some(p);
            }
            AppEvent::LiveConnected {
                context,
                namespace,
                insecure,
            } => {
                sh.connection = Connection::Live;
                let l = sh.live.get_or_insert_with(LiveInfo::default);
                l.context = context;
                l.namespace = namespace;
                l.insecure = insecure;
            }
            AppEvent::Signal => {
                sh.quit = true;
                fx.push(Effect::Quit);
            }
        }
        fx
    }

    fn on_key(&mut self, k: KeyEvent, fx: &mut Vec<Effect>) {
        let mode = self.key_mode();
        let cmd = self.shared.keymap.command(mode, &k);
        if mode == KeyMode::Input {
            match cmd {
                Some(Command::Confirm) => self.confirm_input(fx),
                Some(Command::Back) => {
                    if let Some((InputKind::Filter, _)) = self.shared.input {
                        self.shared.set_filter(String::new());
                    }
                    self.shared.input = None;
                }
                Some(Command::Quit) => self.do_quit(fx),
                _ => match k.code {
                    KeyCode::Char(c) => self.edit_input(|s| s.push(c)),
                    KeyCode::Backspace => self.edit_input(|s| {
                        s.pop();
                    }),
                    _ => {}
                },
            }
            return;
        }
        self.shared.status = None;
        let Some(cmd) = cmd else {
            // Enter in the fix dialog runs the focused action even where the keymap has none.
            if let (Some(Popup::Fix(d)), KeyCode::Enter) = (self.shared.popup.as_mut(), k.code) {
                let mut d = d.clone();
                let keep = d.key(None, true, &mut self.shared, fx);
                self.shared.popup = keep.then_some(Popup::Fix(d));
            }
            return;
        };
        if let Some(Popup::Contexts { selected }) = self.shared.popup {
            self.contexts_key(k, cmd, selected, fx);
            return;
        }
        if let Some(Popup::Fix(d)) = self.shared.popup.as_mut() {
            let mut d = d.clone();
            let keep = d.key(Some(cmd), k.code == KeyCode::Enter, &mut self.shared, fx);
            self.shared.popup = keep.then_some(Popup::Fix(d));
            return;
        }
        if let Some(popup) = self.shared.popup.as_mut() {
            let scroll = match popup {
                Popup::Help { scroll } | Popup::Explain { scroll, .. } => scroll,
                Popup::Contexts { .. } | Popup::Fix(_) => return,
            };
            match cmd {
                Command::Back => self.shared.popup = None,
                Command::Quit => self.do_quit(fx),
                Command::Up => *scroll = scroll.saturating_sub(1),
                Command::Down => *scroll = scroll.saturating_add(1),
                Command::PageUp => *scroll = scroll.saturating_sub(10),
                Command::PageDown => *scroll = scroll.saturating_add(10),
                Command::Top => *scroll = 0,
                Command::Bottom => *scroll = u16::MAX / 2,
                _ => {}
            }
            return;
        }
        if let Some(p) = self.pager.as_mut() {
            match cmd {
                Command::Help => self.shared.popup = Some(Popup::Help { scroll: 0 }),
                Command::Quit => {
                    fx.push(Effect::StopLogs);
                    self.do_quit(fx)
                }
                _ => {
                    let next = self.pager_session + 1;
                    let keep = p.command(cmd, next, &mut self.shared, fx);
                    if p.session == next {
                        self.pager_session = next;
                    }
                    if !keep {
                        self.pager = None;
                    }
                }
            }
            return;
        }
        self.command(cmd, fx);
    }

    /// Keys in the context picker.
    fn contexts_key(&mut self, k: KeyEvent, cmd: Command, selected: usize, fx: &mut Vec<Effect>) {
        let sh = &mut self.shared;
        let contexts = sh
            .live
            .as_ref()
            .map(|l| l.contexts.clone())
            .unwrap_or_default();
        // Enter picks (the popup keymap calls it `back`, which closes the popup after).
        if k.code == KeyCode::Enter {
            if let (Some(ctx), Some(l)) = (contexts.get(selected), sh.live.as_ref()) {
                fx.push(Effect::Connect {
                    context: Some(ctx.clone()),
                    namespace: l.namespace.clone(),
                });
                sh.status = Some(format!("connecting to {ctx}…"));
            }
            sh.popup = None;
            return;
        }
        let selected = match cmd {
            Command::Up => selected.saturating_sub(1),
            Command::Down => (selected + 1).min(contexts.len().saturating_sub(1)),
            Command::Top => 0,
            Command::Bottom => contexts.len().saturating_sub(1),
            _ => selected,
        };
        match cmd {
            Command::Back => sh.popup = None,
            Command::Quit => self.do_quit(fx),
            _ => sh.popup = Some(Popup::Contexts { selected }),
        }
    }

    fn edit_input(&mut self, f: impl FnOnce(&mut String)) {
        let sh = &mut self.shared;
        if let Some((kind, text)) = sh.input.as_mut() {
            f(text);
            if *kind == InputKind::Filter {
                // The filter narrows live, as it is typed.
                let text = text.clone();
                sh.set_filter(text);
                self.findings_view.selected = 0;
                self.findings_view.offset = 0;
            }
        }
    }

    pub(super) fn do_quit(&mut self, fx: &mut Vec<Effect>) {
        self.shared.quit = true;
        fx.push(Effect::Quit);
    }

    /// Runs one command in normal mode: the global ones here, the rest in the view on screen.
    pub fn command(&mut self, cmd: Command, fx: &mut Vec<Effect>) {
        let sh = &mut self.shared;
        match cmd {
            Command::Quit => self.do_quit(fx),
            Command::Help => sh.popup = Some(Popup::Help { scroll: 0 }),
            Command::Filter => sh.input = Some((InputKind::Filter, sh.filter.clone())),
            Command::CommandLine => sh.input = Some((InputKind::Command, String::new())),
            Command::ViewWorkloads => self.view = View::Workloads,
            Command::ViewFindings => self.view = View::Findings,
            Command::ViewRbac => self.view = View::Rbac,
            Command::ViewNetwork => self.view = View::Network,
            Command::ViewNodes => self.view = View::Nodes,
            Command::ViewTriage => self.view = View::Triage,
            Command::ViewChanges => self.view = View::Changes,
            Command::ViewFleet => self.open_fleet(fx),
            Command::Select if self.view == View::Fleet => match self.fleet.selected_context() {
                Some(ctx) => match &sh.live {
                    Some(l) => {
                        fx.push(Effect::Connect {
                            context: Some(ctx.to_string()),
                            namespace: l.namespace.clone(),
                        });
                        sh.status =
                            Some(format!("connecting to {}…", crate::text::escape_ctrl(ctx)));
                        self.view = View::Workloads;
                    }
                    None => sh.status = Some("switching context needs a live source".into()),
                },
                None => sh.status = Some("no context selected".into()),
            },
            Command::Select if self.view == View::Changes => {
                match self.changes_view.selected_object(sh) {
                    Some(r) if crate::model::WorkloadKind::from_kind(&r.kind).is_some() => {
                        self.reveal(&r)
                    }
                    Some(r) => sh.status = Some(format!("{r}: it is not in the Workloads tree")),
                    None => sh.status = Some("select a change with an object".into()),
                }
            }
            Command::Yaml => self.open_yaml(fx),
            Command::Logs => self.open_logs(fx),
            Command::Select if self.view == View::Triage => {
                match self.triage.selected_symptom().map(|s| s.object.clone()) {
                    Some(r) if crate::model::WorkloadKind::from_kind(&r.kind).is_some() => {
                        self.reveal(&r)
                    }
                    Some(r) => {
                        sh.status = Some(format!("{r}: it is not in the Workloads tree"));
                    }
                    None => sh.status = Some("no symptom selected".into()),
                }
            }
            Command::ViewJournal => {
                self.view = View::Journal;
                fx.push(Effect::LoadJournal);
            }
            Command::Back if !sh.filter.is_empty() => sh.set_filter(String::new()),
            Command::ShowRbac if self.view == View::Workloads => {
                let sel = self.workloads.selected_node().cloned();
                let w = sel
                    .and_then(|id| super::views::workloads::tree::workload_of(&sh.snapshot, &id));
                match w {
                    Some(w) => {
                        let wl = &sh.snapshot.workloads[w];
                        let ns = wl.meta.namespace().to_string();
                        let name = wl.spec.service_account_name().to_string();
                        self.rbac.select_service_account(sh, &ns, &name);
                        self.view = View::Rbac;
                    }
                    None => sh.status = Some("select a workload first".into()),
                }
            }
            Command::Fix => {
                let picked = match self.view {
                    View::Workloads => self
                        .workloads
                        .selected_finding(sh)
                        .and_then(|i| sh.findings.findings.get(i).cloned()),
                    View::Findings => self
                        .findings_view
                        .selected_finding(sh)
                        .and_then(|i| sh.findings.findings.get(i).cloned()),
                    // A symptom's own fix first (an OOMKilled container's memory limit), else
                    // the explaining finding's.
                    View::Triage => self
                        .triage
                        .selected_symptom()
                        .and_then(|s| crate::triage::fixes::symptom_finding(&sh.snapshot, s))
                        .or_else(|| self.triage.selected_finding(sh)),
                    View::Rbac
                    | View::Network
                    | View::Journal
                    | View::Nodes
                    | View::Changes
                    | View::Fleet => None,
                };
                self.fix(picked, BTreeMap::new(), fx);
            }
            _ => {
                let handled = match self.view {
                    View::Workloads => self.workloads.command(cmd, sh),
                    View::Findings => self.findings_view.command(cmd, sh),
                    View::Journal => self.journal.command(cmd, sh, fx),
                    View::Rbac => self.rbac.command(cmd, sh),
                    View::Network => self.network.command(cmd, sh),
                    View::Nodes => self.nodes.command(cmd, sh),
                    View::Triage => self.triage.command(cmd, sh),
                    View::Changes => self.changes_view.command(cmd, sh),
                    View::Fleet => self.fleet.command(cmd, sh),
                };
                if !handled && matches!(cmd, Command::NextPane | Command::PrevPane) {
                    // Views without panes: Tab moves between views.
                    let n = View::ALL.len();
                    let i = View::ALL.iter().position(|v| *v == self.view).unwrap_or(0);
                    let next = if cmd == Command::NextPane {
                        (i + 1) % n
                    } else {
                        (i + n - 1) % n
                    };
                    self.view = View::ALL[next];
                    if self.view == View::Journal {
                        fx.push(Effect::LoadJournal);
                    }
                }
            }
        }
    }

    fn confirm_input(&mut self, fx: &mut Vec<Effect>) {
        let Some((kind, text)) = self.shared.input.take() else {
            return;
        };
        match kind {
            InputKind::Filter => self.shared.set_filter(text),
            InputKind::Search => {
                if let Some(p) = self.pager.as_mut() {
                    p.set_search(text, &mut self.shared);
                }
            }
            InputKind::Command => self.run_command_line(text.trim(), fx),
            InputKind::FixValue => {
                let Some(Popup::Fix(d)) = &self.shared.popup else {
                    return;
                };
                match text.split_once('=') {
                    Some((k, v)) if !k.trim().is_empty() => {
                        let mut settings = d.settings.clone();
                        settings.insert(k.trim().to_string(), v.trim().to_string());
                        let finding = d.finding.clone();
                        fx.push(Effect::PlanFix {
                            snapshot: self.shared.snapshot.clone(),
                            finding,
                            settings,
                        });
                    }
                    _ => self.shared.status = Some("expected KEY=VALUE".into()),
                }
            }
        }
    }

    /// Plans the fix of a finding (its index in the findings), or says why not.
    fn fix(
        &mut self,
        finding: Option<Finding>,
        settings: BTreeMap<String, String>,
        fx: &mut Vec<Effect>,
    ) {
        let sh = &mut self.shared;
        let Some(f) = finding else {
            sh.status =
                Some("select a finding first (the right pane, or the Findings view)".into());
            return;
        };
        if !f.fix_available {
            sh.status = Some(format!(
                "no automatic fix for {}: Enter explains what to change",
                f.check
            ));
            return;
        }
        sh.status = Some(format!("planning the fix of {} on {}…", f.check, f.object));
        fx.push(Effect::PlanFix {
            snapshot: sh.snapshot.clone(),
            finding: f,
            settings,
        });
    }

    /// Selects an object in the Workloads tree by reference (tests, the findings view).
    pub fn reveal(&mut self, r: &ObjectRef) {
        self.view = View::Workloads;
        self.workloads.reveal(r, &mut self.shared);
    }

    fn on_mouse(&mut self, m: MouseEvent) {
        let sh = &mut self.shared;
        if sh.popup.is_some() {
            if let (
                MouseEventKind::ScrollDown | MouseEventKind::ScrollUp,
                Some(Popup::Help { scroll } | Popup::Explain { scroll, .. }),
            ) = (m.kind, sh.popup.as_mut())
            {
                *scroll = if m.kind == MouseEventKind::ScrollDown {
                    scroll.saturating_add(3)
                } else {
                    scroll.saturating_sub(3)
                };
            }
            return;
        }
        match self.view {
            View::Workloads => self.workloads.on_mouse(m, sh),
            View::Findings => self.findings_view.on_mouse(m, sh),
            View::Rbac
            | View::Network
            | View::Journal
            | View::Nodes
            | View::Triage
            | View::Changes
            | View::Fleet => {}
        }
    }
}
