//! The TUI's state and its update function. `App::update` takes an event and returns effects;
//! it does no I/O, so it is tested by feeding it events.

use super::findings_index::FindingsIndex;
use super::keymap::{Command, KeyMap, KeyMode};
use super::theme::Theme;
use super::tree::{self, Group, NodeId, TreeIndex};
use crate::audit::{find_check, AuditResult, Severity};
use crate::model::{ObjectRef, Snapshot};
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::{Position, Rect};
use std::collections::HashSet;
use std::sync::Arc;
use tui_tree_widget::{TreeItem, TreeState};

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
    /// A background task failed; shown in the status line.
    TaskFailed(String),
    /// SIGTERM, SIGHUP or SIGINT.
    Signal,
    /// Live: every watcher is streaming.
    LiveHealthy,
    /// Live: a watch stream broke at this time (`HH:MM:SS` UTC); the data stays on screen.
    LiveStale(String),
    /// Live: (kind, status, readable) for every kind kvet watches.
    LiveKinds(Vec<(String, String, bool)>),
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
    },
    /// Live: (re)connect to a context and namespace scope (`None`: all namespaces).
    Connect {
        context: Option<String>,
        namespace: Option<String>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Workloads,
    Findings,
    Rbac,
    Network,
}

impl View {
    pub const ALL: [View; 4] = [View::Workloads, View::Findings, View::Rbac, View::Network];
    pub fn title(self) -> &'static str {
        match self {
            View::Workloads => "Workloads",
            View::Findings => "Findings",
            View::Rbac => "RBAC",
            View::Network => "Network",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Tree,
    Details,
    Findings,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Popup {
    Help {
        scroll: u16,
    },
    Explain {
        check: &'static str,
        scroll: u16,
    },
    /// The kubeconfig's contexts, to switch clusters.
    Contexts {
        selected: usize,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    Filter,
    Command,
}

/// The Findings view's sort column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortBy {
    Severity,
    Check,
    Namespace,
    Kind,
    Object,
}

impl SortBy {
    fn next(self) -> SortBy {
        match self {
            SortBy::Severity => SortBy::Check,
            SortBy::Check => SortBy::Namespace,
            SortBy::Namespace => SortBy::Kind,
            SortBy::Kind => SortBy::Object,
            SortBy::Object => SortBy::Severity,
        }
    }
    pub fn title(self) -> &'static str {
        match self {
            SortBy::Severity => "severity",
            SortBy::Check => "check",
            SortBy::Namespace => "namespace",
            SortBy::Kind => "kind",
            SortBy::Object => "object",
        }
    }
}

/// Filters of the Findings view (`:sev`, `:check`, `:ns`, `:kind`, and `/`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FindingsFilter {
    pub min_severity: Option<Severity>,
    pub check: Option<String>,
    pub namespace: Option<String>,
    pub kind: Option<String>,
}

/// Live connection state, for the header (offline sources are always `Offline`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Connection {
    Offline,
    Live,
    StaleSince(String),
}

/// What the TUI knows of a live connection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LiveInfo {
    pub context: String,
    /// Every context of the kubeconfig, for the picker.
    pub contexts: Vec<String>,
    pub namespace: Option<String>,
    pub insecure: bool,
    /// (kind, status, readable).
    pub kinds: Vec<(String, String, bool)>,
}

impl LiveInfo {
    pub fn unavailable(&self) -> usize {
        self.kinds.iter().filter(|k| !k.2).count()
    }
}

/// Screen areas of the last frame, for mouse hits.
#[derive(Clone, Copy, Debug, Default)]
pub struct Areas {
    pub tree: Rect,
    pub details: Rect,
    pub findings: Rect,
    pub table: Rect,
}

pub struct TreeModel {
    pub state: TreeState<NodeId>,
    pub items: Vec<TreeItem<'static, NodeId>>,
    pub index: TreeIndex,
    pub dirty: bool,
}

pub struct App {
    pub snapshot: Arc<Snapshot>,
    pub generation: u64,
    pub findings: Arc<FindingsIndex>,
    /// Generation the findings were computed from; older results are dropped.
    pub findings_generation: Option<u64>,
    pub connection: Connection,
    pub view: View,
    pub pane: Pane,
    pub popup: Option<Popup>,
    pub input: Option<(InputKind, String)>,
    pub filter: String,
    pub tree: TreeModel,
    pub findings_first: bool,
    /// Right pane: selected row among the selection's findings.
    pub pane_selected: usize,
    pub details_scroll: u16,
    /// Findings view.
    pub table_selected: usize,
    pub table_offset: usize,
    pub sort: SortBy,
    pub table_filter: FindingsFilter,
    table_rows: Option<Arc<Vec<usize>>>,
    pub keymap: KeyMap,
    pub theme: Theme,
    pub status: Option<String>,
    pub areas: Areas,
    pub quit: bool,
    /// Set for live sources.
    pub live: Option<LiveInfo>,
}

impl App {
    pub fn new(snapshot: Arc<Snapshot>, keymap: KeyMap, theme: Theme) -> App {
        let index = TreeIndex::new(&snapshot);
        let mut state = TreeState::default();
        // Open the cluster and every namespace with objects, so the first screen shows them.
        state.open(vec![NodeId::Cluster]);
        state.select(vec![NodeId::Cluster]);
        App {
            snapshot,
            generation: 1,
            findings: Arc::new(FindingsIndex::default()),
            findings_generation: None,
            connection: Connection::Offline,
            view: View::Workloads,
            pane: Pane::Tree,
            popup: None,
            input: None,
            filter: String::new(),
            tree: TreeModel {
                state,
                items: Vec::new(),
                index,
                dirty: true,
            },
            findings_first: true,
            pane_selected: 0,
            details_scroll: 0,
            table_selected: 0,
            table_offset: 0,
            sort: SortBy::Severity,
            table_filter: FindingsFilter::default(),
            table_rows: None,
            keymap,
            theme,
            status: None,
            areas: Areas::default(),
            quit: false,
            live: None,
        }
    }

    /// The effects to run at start: the first audit.
    pub fn start(&self) -> Vec<Effect> {
        vec![Effect::RunAudit {
            generation: self.generation,
            snapshot: self.snapshot.clone(),
        }]
    }

    pub fn key_mode(&self) -> KeyMode {
        if self.input.is_some() {
            KeyMode::Input
        } else if self.popup.is_some() {
            KeyMode::Popup
        } else {
            KeyMode::Normal
        }
    }

    /// Rebuilds the tree items if anything they depend on changed.
    pub fn refresh_tree(&mut self) {
        if !self.tree.dirty {
            return;
        }
        let opened: HashSet<Vec<NodeId>> = self.tree.state.opened().clone();
        let filter = (!self.filter.is_empty()).then_some(self.filter.as_str());
        self.tree.items = tree::build(&tree::BuildCtx {
            snap: &self.snapshot,
            index: &self.tree.index,
            findings: &self.findings,
            opened: &opened,
            filter,
            findings_first: self.findings_first,
            theme: &self.theme,
        });
        self.tree.dirty = false;
        if filter.is_some() {
            // A filtered tree shows every match: open the namespaces and kinds that hold them.
            fn open_all(
                state: &mut TreeState<NodeId>,
                items: &[TreeItem<'static, NodeId>],
                prefix: &mut Vec<NodeId>,
            ) {
                for it in items {
                    let real: Vec<&TreeItem<'static, NodeId>> = it
                        .children()
                        .iter()
                        .filter(|c| *c.identifier() != NodeId::More)
                        .collect();
                    if real.is_empty() || matches!(it.identifier(), NodeId::Object(_)) {
                        continue;
                    }
                    prefix.push(it.identifier().clone());
                    state.open(prefix.clone());
                    open_all(state, it.children(), prefix);
                    prefix.pop();
                }
            }
            open_all(&mut self.tree.state, &self.tree.items, &mut Vec::new());
        }
        // Keep the selection on a visible node: fall back to its nearest visible ancestor.
        let visible: HashSet<Vec<NodeId>> = self
            .tree
            .state
            .flatten(&self.tree.items)
            .into_iter()
            .map(|f| f.identifier)
            .collect();
        let mut sel = self.tree.state.selected().to_vec();
        while !sel.is_empty() && !visible.contains(&sel) {
            sel.pop();
        }
        if sel.is_empty() {
            sel = vec![NodeId::Cluster];
        }
        if sel != self.tree.state.selected() {
            self.tree.state.select(sel);
        }
    }

    pub fn selected_node(&self) -> Option<&NodeId> {
        self.tree.state.selected().last()
    }

    /// Findings shown in the right pane: the selection's and its children's.
    pub fn selection_findings(&self) -> Vec<usize> {
        let f = &self.findings;
        let sel = self.tree.state.selected();
        let mut out: Vec<usize> = match sel.last() {
            None | Some(NodeId::Cluster) | Some(NodeId::More) => (0..f.findings.len()).collect(),
            Some(NodeId::Namespace(ns)) => f.of_namespace(ns).to_vec(),
            Some(NodeId::Group(g)) => {
                let ns = sel.iter().find_map(|n| match n {
                    NodeId::Namespace(ns) => Some(ns.clone()),
                    _ => None,
                });
                let kinds: Vec<String> = match g {
                    Group::Pdbs => vec!["PodDisruptionBudget".into()],
                    Group::Hpas => vec!["HorizontalPodAutoscaler".into()],
                    Group::ReplicaSets => vec!["ReplicaSet".into(), "ReplicationController".into()],
                    other => vec![other.title().trim_end_matches('s').to_string()],
                };
                ns.map(|ns| {
                    f.of_namespace(&ns)
                        .iter()
                        .copied()
                        .filter(|&i| {
                            kinds
                                .iter()
                                .any(|k| k == f.findings[i].object.kind.as_str())
                        })
                        .collect()
                })
                .unwrap_or_default()
            }
            Some(NodeId::Object(r)) => {
                let mut v = match self.snapshot.index.workload_by_ref.get(r) {
                    Some(&w) => {
                        let mut v = tree::workload_findings(&self.snapshot, f, w);
                        // The PDBs and the HPA of a workload decide its availability too.
                        for &p in &self.snapshot.index.pdbs_of[w] {
                            let pr = crate::model::objects::obj_ref(
                                crate::model::Kind::PodDisruptionBudget,
                                &self.snapshot.pdbs[p].meta,
                            );
                            v.extend_from_slice(f.of_object(&pr));
                        }
                        if let Some(h) = self.snapshot.index.hpa_of[w] {
                            let hr = crate::model::objects::obj_ref(
                                crate::model::Kind::HorizontalPodAutoscaler,
                                &self.snapshot.hpas[h].meta,
                            );
                            v.extend_from_slice(f.of_object(&hr));
                        }
                        v
                    }
                    None => f.of_object(r).to_vec(),
                };
                v.sort_unstable();
                v.dedup();
                v
            }
        };
        // The audit sorted the findings most severe first, so ascending indices keep that order.
        out.sort_unstable();
        out
    }

    /// Rows of the Findings view after filters and sorting (cached until something changes).
    pub fn table_rows(&mut self) -> Arc<Vec<usize>> {
        if let Some(r) = &self.table_rows {
            return r.clone();
        }
        let f = &self.findings;
        let tf = &self.table_filter;
        let mut fuzzy = super::fuzzy::Fuzzy::new(&self.filter);
        let mut rows: Vec<usize> = (0..f.findings.len())
            .filter(|&i| {
                let x = &f.findings[i];
                tf.min_severity.is_none_or(|s| x.severity >= s)
                    && tf.check.as_deref().is_none_or(|c| x.check == c)
                    && tf
                        .namespace
                        .as_deref()
                        .is_none_or(|n| x.object.namespace() == n)
                    && tf
                        .kind
                        .as_deref()
                        .is_none_or(|k| x.object.kind.as_str().eq_ignore_ascii_case(k))
            })
            .collect();
        let mut scores: std::collections::HashMap<usize, u32> = std::collections::HashMap::new();
        if let Some(fz) = fuzzy.as_mut() {
            // Messages are long sentences that contain almost any letters: match identities,
            // and rank the rows by how well they match, best first.
            // Checks and kinds repeat across rows: score each once.
            let mut by_check: std::collections::HashMap<&str, Option<u32>> =
                std::collections::HashMap::new();
            let mut by_kind: std::collections::HashMap<&str, Option<u32>> =
                std::collections::HashMap::new();
            let mut name = String::new();
            rows.retain(|&i| {
                let x = &f.findings[i];
                name.clear();
                name.push_str(x.object.namespace());
                name.push('/');
                name.push_str(&x.object.name);
                let c = *by_check.entry(x.check).or_insert_with(|| fz.score(x.check));
                let k = *by_kind
                    .entry(x.object.kind.as_str())
                    .or_insert_with(|| fz.score(x.object.kind.as_str()));
                let best = [fz.score(&name), c, k].into_iter().flatten().max();
                if let Some(s) = best {
                    scores.insert(i, s);
                }
                best.is_some()
            });
            rows.sort_by_key(|i| std::cmp::Reverse(scores.get(i).copied().unwrap_or(0)));
        }
        let key = |i: &usize| {
            let x = &f.findings[*i];
            (
                x.check,
                x.object.namespace().to_string(),
                x.object.kind.to_string(),
                x.object.name.to_string(),
            )
        };
        match self.sort {
            SortBy::Severity if !scores.is_empty() => {}
            SortBy::Severity => {}
            SortBy::Check => rows.sort_by_key(|i| key(i).0),
            SortBy::Namespace => rows.sort_by_key(|i| key(i).1),
            SortBy::Kind => rows.sort_by_key(|i| key(i).2),
            SortBy::Object => rows.sort_by_key(|i| key(i).3),
        }
        let rows = Arc::new(rows);
        self.table_rows = Some(rows.clone());
        rows
    }

    fn invalidate(&mut self) {
        self.tree.dirty = true;
        self.table_rows = None;
    }

    pub fn update(&mut self, ev: AppEvent) -> Vec<Effect> {
        let mut fx = Vec::new();
        match ev {
            AppEvent::Key(k) if k.kind == KeyEventKind::Release => {}
            AppEvent::Key(k) => self.on_key(k, &mut fx),
            AppEvent::Mouse(m) => self.on_mouse(m),
            AppEvent::Resize(_, _) => {}
            AppEvent::Snapshot(s) => {
                self.generation += 1;
                self.tree.index = TreeIndex::new(&s);
                self.snapshot = s;
                self.invalidate();
                fx.push(Effect::RunAudit {
                    generation: self.generation,
                    snapshot: self.snapshot.clone(),
                });
            }
            AppEvent::AuditDone { generation, result } => {
                if generation == self.generation {
                    self.findings = Arc::new(FindingsIndex::new(result));
                    self.findings_generation = Some(generation);
                    self.invalidate();
                }
                // An older generation's result is stale: dropped.
            }
            AppEvent::TaskFailed(msg) => self.status = Some(format!("error: {msg}")),
            AppEvent::LiveHealthy => self.connection = Connection::Live,
            AppEvent::LiveStale(at) => {
                if !matches!(self.connection, Connection::StaleSince(_)) {
                    self.connection = Connection::StaleSince(at);
                }
            }
            AppEvent::LiveKinds(k) => {
                if let Some(l) = self.live.as_mut() {
                    l.kinds = k;
                }
            }
            AppEvent::LiveConnected {
                context,
                namespace,
                insecure,
            } => {
                self.connection = Connection::Live;
                let l = self.live.get_or_insert_with(LiveInfo::default);
                l.context = context;
                l.namespace = namespace;
                l.insecure = insecure;
            }
            AppEvent::Signal => {
                self.quit = true;
                fx.push(Effect::Quit);
            }
        }
        fx
    }

    fn on_key(&mut self, k: KeyEvent, fx: &mut Vec<Effect>) {
        let mode = self.key_mode();
        let cmd = self.keymap.command(mode, &k);
        if mode == KeyMode::Input {
            match cmd {
                Some(Command::Confirm) => self.confirm_input(fx),
                Some(Command::Back) => {
                    if let Some((InputKind::Filter, _)) = self.input {
                        self.filter.clear();
                        self.invalidate();
                    }
                    self.input = None;
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
        self.status = None;
        let Some(cmd) = cmd else { return };
        if let Some(Popup::Contexts { selected }) = self.popup {
            let contexts = self
                .live
                .as_ref()
                .map(|l| l.contexts.clone())
                .unwrap_or_default();
            // Enter picks (the popup keymap calls it `back`, which closes the popup after).
            if k.code == KeyCode::Enter {
                if let (Some(ctx), Some(l)) = (contexts.get(selected), self.live.as_ref()) {
                    fx.push(Effect::Connect {
                        context: Some(ctx.clone()),
                        namespace: l.namespace.clone(),
                    });
                    self.status = Some(format!("connecting to {ctx}…"));
                }
                self.popup = None;
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
                Command::Back => self.popup = None,
                Command::Quit => self.do_quit(fx),
                _ => self.popup = Some(Popup::Contexts { selected }),
            }
            return;
        }
        if let Some(popup) = self.popup.as_mut() {
            let scroll = match popup {
                Popup::Help { scroll } | Popup::Explain { scroll, .. } => scroll,
                Popup::Contexts { .. } => return,
            };
            match cmd {
                Command::Back => self.popup = None,
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
        self.command(cmd, fx);
    }

    fn edit_input(&mut self, f: impl FnOnce(&mut String)) {
        if let Some((kind, text)) = self.input.as_mut() {
            f(text);
            if *kind == InputKind::Filter {
                // The filter narrows live, as it is typed.
                self.filter = text.clone();
                self.invalidate();
                self.table_selected = 0;
                self.table_offset = 0;
            }
        }
    }

    fn do_quit(&mut self, fx: &mut Vec<Effect>) {
        self.quit = true;
        fx.push(Effect::Quit);
    }

    /// Runs one command in normal mode.
    pub fn command(&mut self, cmd: Command, fx: &mut Vec<Effect>) {
        match cmd {
            Command::Quit => self.do_quit(fx),
            Command::Help => self.popup = Some(Popup::Help { scroll: 0 }),
            Command::Filter => self.input = Some((InputKind::Filter, self.filter.clone())),
            Command::CommandLine => self.input = Some((InputKind::Command, String::new())),
            Command::ViewWorkloads => self.view = View::Workloads,
            Command::ViewFindings => self.view = View::Findings,
            Command::ViewRbac => self.view = View::Rbac,
            Command::ViewNetwork => self.view = View::Network,
            Command::NextPane | Command::PrevPane => {
                if self.view == View::Workloads {
                    let order = [Pane::Tree, Pane::Details, Pane::Findings];
                    let i = order.iter().position(|p| *p == self.pane).unwrap_or(0);
                    let n = if cmd == Command::NextPane {
                        (i + 1) % 3
                    } else {
                        (i + 2) % 3
                    };
                    self.pane = order[n];
                } else {
                    let i = View::ALL.iter().position(|v| *v == self.view).unwrap_or(0);
                    let n = if cmd == Command::NextPane {
                        (i + 1) % 4
                    } else {
                        (i + 3) % 4
                    };
                    self.view = View::ALL[n];
                }
            }
            Command::Back => {
                if !self.filter.is_empty() {
                    self.filter.clear();
                    self.invalidate();
                } else if self.table_filter != FindingsFilter::default()
                    && self.view == View::Findings
                {
                    self.table_filter = FindingsFilter::default();
                    self.table_rows = None;
                }
            }
            Command::FindingsFirst => {
                self.findings_first = !self.findings_first;
                self.invalidate();
                self.status = Some(format!(
                    "tree order: {}",
                    if self.findings_first {
                        "objects with findings first"
                    } else {
                        "by name"
                    }
                ));
            }
            Command::Sort => {
                self.sort = self.sort.next();
                self.table_rows = None;
                self.status = Some(format!("sorted by {}", self.sort.title()));
            }
            Command::Severity => {
                self.table_filter.min_severity = match self.table_filter.min_severity {
                    None => Some(Severity::Warning),
                    Some(Severity::Warning) => Some(Severity::Critical),
                    Some(Severity::Critical) => Some(Severity::Info),
                    Some(Severity::Info) => None,
                };
                self.table_rows = None;
                self.table_selected = 0;
                self.table_offset = 0;
            }
            Command::Select | Command::Explain => self.select(cmd),
            Command::Up
            | Command::Down
            | Command::PageUp
            | Command::PageDown
            | Command::Top
            | Command::Bottom => self.move_cursor(cmd),
            Command::Left | Command::Right => {
                if self.view == View::Workloads && self.pane == Pane::Tree {
                    self.tree_horizontal(cmd == Command::Right);
                }
            }
            Command::Confirm => {}
        }
    }

    fn select(&mut self, cmd: Command) {
        match (self.view, self.pane) {
            (View::Workloads, Pane::Tree) if cmd == Command::Select => {
                self.refresh_tree();
                let sel = self.tree.state.selected().to_vec();
                self.tree.state.toggle(sel);
                self.tree.dirty = true;
            }
            (View::Workloads, _) => {
                let list = self.selection_findings();
                if let Some(&i) = list.get(self.pane_selected.min(list.len().saturating_sub(1))) {
                    self.popup = Some(Popup::Explain {
                        check: self.findings.findings[i].check,
                        scroll: 0,
                    });
                }
            }
            (View::Findings, _) => {
                let rows = self.table_rows();
                if let Some(&i) = rows.get(self.table_selected) {
                    self.popup = Some(Popup::Explain {
                        check: self.findings.findings[i].check,
                        scroll: 0,
                    });
                }
            }
            _ => {}
        }
    }

    fn page(&self) -> usize {
        let h = match self.view {
            View::Findings => self.areas.table.height,
            _ => match self.pane {
                Pane::Tree => self.areas.tree.height,
                Pane::Details => self.areas.details.height,
                Pane::Findings => self.areas.findings.height,
            },
        };
        (h.saturating_sub(3) as usize).max(1)
    }

    fn move_cursor(&mut self, cmd: Command) {
        let page = self.page() as isize;
        let delta: isize = match cmd {
            Command::Up => -1,
            Command::Down => 1,
            Command::PageUp => -page,
            Command::PageDown => page,
            Command::Top => isize::MIN / 2,
            _ => isize::MAX / 2,
        };
        let step = |cur: usize, len: usize| -> usize {
            if len == 0 {
                return 0;
            }
            (cur as isize)
                .saturating_add(delta)
                .clamp(0, len as isize - 1) as usize
        };
        match (self.view, self.pane) {
            (View::Findings, _) => {
                let len = self.table_rows().len();
                self.table_selected = step(self.table_selected, len);
            }
            (View::Workloads, Pane::Tree) => {
                self.refresh_tree();
                let flat = self.tree.state.flatten(&self.tree.items);
                let cur = flat
                    .iter()
                    .position(|f| f.identifier == self.tree.state.selected())
                    .unwrap_or(0);
                let next = step(cur, flat.len());
                if let Some(f) = flat.get(next) {
                    let id = f.identifier.clone();
                    self.tree.state.select(id);
                }
                self.pane_selected = 0;
                self.details_scroll = 0;
            }
            (View::Workloads, Pane::Details) => {
                self.details_scroll = (self.details_scroll as isize)
                    .saturating_add(delta)
                    .clamp(0, u16::MAX as isize / 2) as u16;
            }
            (View::Workloads, Pane::Findings) => {
                let len = self.selection_findings().len();
                self.pane_selected = step(self.pane_selected, len);
            }
            _ => {}
        }
    }

    fn tree_horizontal(&mut self, right: bool) {
        self.refresh_tree();
        let sel = self.tree.state.selected().to_vec();
        let opened = self.tree.state.opened().clone();
        let has_children = self
            .tree
            .state
            .flatten(&self.tree.items)
            .iter()
            .find(|f| f.identifier == sel)
            .is_some_and(|f| !f.item.children().is_empty());
        if right {
            if has_children && !opened.contains(&sel) {
                self.tree.state.open(sel);
                self.tree.dirty = true;
            } else if has_children {
                self.move_cursor(Command::Down);
            }
        } else if opened.contains(&sel) && has_children {
            self.tree.state.close(&sel);
            self.tree.dirty = true;
        } else if sel.len() > 1 {
            self.tree.state.select(sel[..sel.len() - 1].to_vec());
        }
    }

    fn confirm_input(&mut self, fx: &mut Vec<Effect>) {
        let Some((kind, text)) = self.input.take() else {
            return;
        };
        match kind {
            InputKind::Filter => {
                self.filter = text;
                self.invalidate();
            }
            InputKind::Command => self.run_command_line(text.trim(), fx),
        }
    }

    /// `:` commands, k9s-style.
    pub fn run_command_line(&mut self, line: &str, fx: &mut Vec<Effect>) {
        let mut parts = line.split_whitespace();
        let Some(word) = parts.next() else { return };
        let arg = parts.next().map(str::to_string);
        let word = word.to_ascii_lowercase();
        match word.as_str() {
            "q" | "quit" | "q!" => self.do_quit(fx),
            "help" | "h" => self.popup = Some(Popup::Help { scroll: 0 }),
            "findings" | "f" => self.view = View::Findings,
            "workloads" | "w" | "tree" => self.view = View::Workloads,
            "rbac" => self.view = View::Rbac,
            "net" | "network" | "netpol" => self.view = View::Network,
            "clear" => {
                self.filter.clear();
                self.table_filter = FindingsFilter::default();
                self.invalidate();
            }
            "sev" | "severity" => {
                self.table_filter.min_severity = arg.as_deref().and_then(Severity::parse);
                self.table_rows = None;
                self.view = View::Findings;
            }
            "check" => {
                match arg.as_deref() {
                    Some(id) if find_check(id).is_none() => {
                        self.status = Some(format!("unknown check {id:?}"))
                    }
                    other => self.table_filter.check = other.map(str::to_string),
                }
                self.table_rows = None;
                self.view = View::Findings;
            }
            "kind" => {
                self.table_filter.kind = arg;
                self.table_rows = None;
                self.view = View::Findings;
            }
            "ctx" | "context" | "contexts" => match (&self.live, arg) {
                (None, _) => {
                    self.status =
                        Some("not connected to a cluster: start kvet without -f or --demo".into())
                }
                (Some(l), Some(ctx)) => {
                    if l.contexts.contains(&ctx) || l.contexts.is_empty() {
                        fx.push(Effect::Connect {
                            context: Some(ctx.clone()),
                            namespace: l.namespace.clone(),
                        });
                        self.status = Some(format!("connecting to {ctx}…"));
                    } else {
                        self.status = Some(format!("no context {ctx:?} in the kubeconfig"));
                    }
                }
                (Some(l), None) => {
                    let selected = l.contexts.iter().position(|c| *c == l.context).unwrap_or(0);
                    self.popup = Some(Popup::Contexts { selected });
                }
            },
            "scope" => match &self.live {
                None => self.status = Some("a namespace scope applies to live clusters".into()),
                Some(l) => {
                    let ns = arg.filter(|a| a != "all" && a != "-A");
                    fx.push(Effect::Connect {
                        context: Some(l.context.clone()),
                        namespace: ns.clone(),
                    });
                    self.status = Some(match ns {
                        Some(ns) => format!("watching namespace {ns}…"),
                        None => "watching all namespaces…".into(),
                    });
                }
            },
            "explain" => match arg.as_deref().and_then(find_check) {
                Some(c) => {
                    self.popup = Some(Popup::Explain {
                        check: c.info().id,
                        scroll: 0,
                    })
                }
                None => self.status = Some("usage: :explain CHECK-ID".into()),
            },
            // In the Findings view `:ns` filters the table; elsewhere it jumps in the tree.
            "ns" | "namespace" if self.view == View::Findings => {
                self.table_filter.namespace = arg.filter(|a| a != "all" && a != "-A");
                self.table_rows = None;
                self.table_selected = 0;
                self.table_offset = 0;
            }
            "ns" | "namespace" => match arg {
                Some(ns) => self.jump_namespace(&ns, None),
                None => self.status = Some("usage: :ns NAME".into()),
            },
            w => match Group::ALL.iter().find(|g| g.aliases().contains(&w)) {
                Some(g) => {
                    let ns = arg.or_else(|| self.current_namespace().map(|n| n.to_string()));
                    match ns {
                        Some(ns) => self.jump_namespace(&ns, Some(g.clone())),
                        None => {
                            // No namespace chosen: the first namespace that has this kind.
                            let first = self
                                .tree
                                .index
                                .namespaces
                                .iter()
                                .find(|(_, e)| e.groups.contains_key(g))
                                .map(|(n, _)| n.to_string());
                            match first {
                                Some(ns) => self.jump_namespace(&ns, Some(g.clone())),
                                None => {
                                    self.status = Some(format!("no {} in this snapshot", g.title()))
                                }
                            }
                        }
                    }
                }
                None => self.status = Some(format!("unknown command :{w} (? lists them)")),
            },
        }
    }

    fn current_namespace(&self) -> Option<Arc<str>> {
        self.tree.state.selected().iter().find_map(|n| match n {
            NodeId::Namespace(ns) => Some(ns.clone()),
            _ => None,
        })
    }

    /// Selects a namespace (and a kind group in it) in the tree, opening what is needed.
    pub fn jump_namespace(&mut self, ns: &str, group: Option<Group>) {
        let Some((name, entry)) = self.tree.index.namespaces.iter().find(|(n, _)| &***n == ns)
        else {
            self.status = Some(format!("no namespace {ns:?}"));
            return;
        };
        let ns_path = vec![NodeId::Cluster, NodeId::Namespace(name.clone())];
        self.view = View::Workloads;
        self.pane = Pane::Tree;
        self.tree.state.open(vec![NodeId::Cluster]);
        self.tree.state.open(ns_path.clone());
        let target = match group {
            Some(g) if entry.groups.contains_key(&g) => {
                let mut p = ns_path.clone();
                p.push(NodeId::Group(g));
                self.tree.state.open(p.clone());
                p
            }
            Some(g) => {
                self.status = Some(format!("no {} in {ns}", g.title()));
                ns_path
            }
            None => ns_path,
        };
        self.tree.state.select(target);
        self.tree.dirty = true;
        self.pane_selected = 0;
    }

    /// Selects an object in the tree by reference (used by tests and the findings view).
    pub fn reveal(&mut self, r: &ObjectRef) {
        let Some(ns) = r.namespace.clone() else {
            return;
        };
        let group = match &r.kind {
            crate::model::Kind::PodDisruptionBudget => Some(Group::Pdbs),
            crate::model::Kind::HorizontalPodAutoscaler => Some(Group::Hpas),
            _ => self.snapshot.index.workload_by_ref.get(r).map(|&w| {
                Group::ALL
                    .iter()
                    .find(|g| {
                        self.tree
                            .index
                            .namespaces
                            .get(&ns)
                            .is_some_and(|e| e.groups.get(*g).is_some_and(|l| l.contains(&w)))
                    })
                    .cloned()
                    .unwrap_or(Group::Pods)
            }),
        };
        if let Some(g) = group {
            self.jump_namespace(&ns, Some(g.clone()));
            self.tree.state.select(vec![
                NodeId::Cluster,
                NodeId::Namespace(ns),
                NodeId::Group(g),
                NodeId::Object(r.clone()),
            ]);
        }
    }

    fn on_mouse(&mut self, m: MouseEvent) {
        let pos = Position::new(m.column, m.row);
        let hit = |r: Rect| r.contains(pos);
        match m.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                if self.popup.is_some() {
                    return;
                }
                if self.view == View::Workloads {
                    if hit(self.areas.tree) {
                        self.pane = Pane::Tree;
                        if self.tree.state.click_at(pos) {
                            self.tree.dirty = true;
                            self.pane_selected = 0;
                            self.details_scroll = 0;
                        }
                    } else if hit(self.areas.details) {
                        self.pane = Pane::Details;
                    } else if hit(self.areas.findings) {
                        self.pane = Pane::Findings;
                        let row = m.row.saturating_sub(self.areas.findings.y + 1) as usize;
                        let len = self.selection_findings().len();
                        if row < len {
                            self.pane_selected = row;
                        }
                    }
                } else if self.view == View::Findings && hit(self.areas.table) {
                    let row =
                        m.row.saturating_sub(self.areas.table.y + 2) as usize + self.table_offset;
                    if row < self.table_rows().len() {
                        self.table_selected = row;
                    }
                }
            }
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                let down = m.kind == MouseEventKind::ScrollDown;
                if self.popup.is_some() {
                    if let Some(Popup::Help { scroll } | Popup::Explain { scroll, .. }) =
                        self.popup.as_mut()
                    {
                        *scroll = if down {
                            scroll.saturating_add(3)
                        } else {
                            scroll.saturating_sub(3)
                        };
                    }
                    return;
                }
                if self.view == View::Workloads {
                    if hit(self.areas.tree) {
                        self.pane = Pane::Tree;
                    } else if hit(self.areas.details) {
                        self.pane = Pane::Details;
                    } else if hit(self.areas.findings) {
                        self.pane = Pane::Findings;
                    }
                }
                for _ in 0..3 {
                    self.move_cursor(if down { Command::Down } else { Command::Up });
                }
            }
            _ => {}
        }
    }
}
