//! What every view shares: the snapshot and its findings, the connection, popups, the input
//! line, the filter, the keymap and the theme. Views read it and may set the status, a popup or
//! the filter; they keep their own state in their own modules.

use super::findings_index::FindingsIndex;
use super::keymap::KeyMap;
use super::theme::Theme;
use crate::model::Snapshot;
use crate::source::live::LoadProgress;
use std::sync::Arc;

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

#[derive(Clone, Debug, PartialEq)]
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
    /// A fix's preview, its values and its actions.
    Fix(Box<super::views::fix_dialog::FixDialog>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    Filter,
    Command,
    /// `KEY=VALUE` for the open fix dialog.
    FixValue,
    /// A search in the YAML or logs pager.
    Search,
}

/// (snapshot generation, findings generation, filter version).
pub type Version = (u64, Option<u64>, u64);

pub struct Shared {
    pub snapshot: Arc<Snapshot>,
    /// Bumped with every new snapshot.
    pub generation: u64,
    pub findings: Arc<FindingsIndex>,
    /// Generation the findings were computed from; older results are dropped.
    pub findings_generation: Option<u64>,
    pub connection: Connection,
    /// Set for live sources.
    pub live: Option<LiveInfo>,
    /// Live: the first lists (or a relist) still arriving. `None` once everything is listed.
    pub progress: Option<LoadProgress>,
    pub popup: Option<Popup>,
    pub input: Option<(InputKind, String)>,
    /// The `/` filter, shared by the tree and the tables.
    pub filter: String,
    /// Bumped whenever the filter changes, so that views drop what they derived from it.
    pub filter_version: u64,
    pub keymap: KeyMap,
    pub theme: Theme,
    pub status: Option<String>,
    pub quit: bool,
    /// `:target X.Y`: the Kubernetes version deprecated-api checks against.
    pub target_version: Option<(u32, u32)>,
    /// `--since FILE` / `:since FILE`: the saved state the current source is compared with.
    pub since: Option<Arc<Since>>,
    /// What changed since then, for the snapshot generation it was computed from. Set it with
    /// [`Shared::set_changes`], which tells the views that mark changes.
    pub changes: Option<Changes>,
    /// Bumped whenever `changes` is set or cleared.
    pub changes_version: u64,
}

/// A saved state to compare with: its snapshot and its findings.
#[derive(Debug)]
pub struct Since {
    /// The file, as given.
    pub label: String,
    pub snapshot: Arc<Snapshot>,
    pub findings: Arc<Vec<crate::audit::Finding>>,
}

/// The diff of the current source against [`Since`], and what the views mark with it.
#[derive(Debug)]
pub struct Changes {
    pub generation: u64,
    pub diff: Arc<crate::diff::Diff>,
    /// Indices (in the current findings) of the findings that are new since then.
    pub new_findings: std::collections::HashSet<usize>,
    /// Objects added or changed since then (Δ in the tree).
    pub changed_objects: std::collections::HashSet<crate::diff::ObjectJson>,
}

impl Shared {
    pub fn new(snapshot: Arc<Snapshot>, keymap: KeyMap, theme: Theme) -> Shared {
        Shared {
            snapshot,
            generation: 1,
            findings: Arc::new(FindingsIndex::default()),
            findings_generation: None,
            connection: Connection::Offline,
            live: None,
            progress: None,
            popup: None,
            input: None,
            filter: String::new(),
            filter_version: 0,
            keymap,
            theme,
            status: None,
            quit: false,
            target_version: None,
            since: None,
            changes: None,
            changes_version: 0,
        }
    }

    pub fn set_filter(&mut self, text: String) {
        if text != self.filter {
            self.filter = text;
            self.filter_version += 1;
        }
    }

    /// Whether finding `i` is new since the `--since` state.
    pub fn is_new(&self, i: usize) -> bool {
        self.changes
            .as_ref()
            .is_some_and(|c| c.generation == self.generation && c.new_findings.contains(&i))
    }

    /// How object `r` changed since the `--since` state: `Some(None)` when it was added,
    /// `Some(Some(change))` when fields changed, `None` when it did not change (or no comparison).
    pub fn change_of(
        &self,
        r: &crate::model::ObjectRef,
    ) -> Option<Option<&crate::diff::ObjectChange>> {
        let c = self
            .changes
            .as_ref()
            .filter(|c| c.generation == self.generation)?;
        let key = crate::diff::ObjectJson::of(r);
        if !c.changed_objects.contains(&key) {
            return None;
        }
        Some(c.diff.objects.changed.iter().find(|o| o.object == key))
    }

    /// Replaces (or clears) what changed since the `--since` state.
    pub fn set_changes(&mut self, changes: Option<Changes>) {
        self.changes = changes;
        self.changes_version += 1;
    }

    /// Opens the explanation of a check.
    pub fn explain(&mut self, check: &'static str) {
        self.popup = Some(Popup::Explain { check, scroll: 0 });
    }

    /// What the views derive their rows from: a change of any part invalidates them.
    pub fn version(&self) -> Version {
        (
            self.generation,
            self.findings_generation,
            self.filter_version,
        )
    }

    /// Whether the data on screen is still being listed (live first load or relist): counts
    /// and "no findings" are then provisional.
    pub fn loading(&self) -> bool {
        self.progress.as_ref().is_some_and(|p| !p.complete())
    }
}
