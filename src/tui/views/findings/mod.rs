//! The Findings view: every finding in one table, sortable and filterable. This module owns the
//! view's state, its keys and its `:` commands; `render` draws only the visible rows.

pub mod external;
mod render;

pub use render::render;

use crate::audit::{find_check, Severity};
use crate::tui::keymap::Command;
use crate::tui::shared::{Shared, Version};
use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};
use std::collections::HashMap;
use std::sync::Arc;

/// The table's sort column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortBy {
    #[default]
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

/// The table's own filters (`:sev`, `:check`, `:ns`, `:kind`); the `/` filter is shared.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FindingsFilter {
    pub min_severity: Option<Severity>,
    pub check: Option<String>,
    pub namespace: Option<String>,
    pub kind: Option<String>,
}

/// The commands this view acts on, for the help screen.
pub const COMMANDS: &[Command] = &[
    Command::Up,
    Command::Down,
    Command::PageUp,
    Command::PageDown,
    Command::Top,
    Command::Bottom,
    Command::Select,
    Command::Explain,
    Command::Sort,
    Command::Severity,
    Command::Back,
];

/// `:` commands of this view: (syntax, what it does).
pub const COMMAND_LINE: &[(&str, &str)] = &[
    (
        ":sev LEVEL",
        "Findings at or above critical, warning or info",
    ),
    (":check ID", "Findings of one check"),
    (":kind KIND", "Findings on one kind"),
    (":ns NAME|all", "in Findings: the findings of one namespace"),
];

#[derive(Default)]
pub struct FindingsView {
    pub selected: usize,
    pub offset: usize,
    pub sort: SortBy,
    pub filter: FindingsFilter,
    /// The table's area in the last frame, for mouse hits and paging.
    pub area: Rect,
    /// Rows after filters and sorting, and the shared version they were computed for.
    rows: Option<(Version, Arc<Vec<usize>>)>,
    /// Other tools' results, shown after kvet's rows.
    ext: Option<(Version, Arc<Vec<external::ExtRow>>)>,
}

impl FindingsView {
    fn changed(&mut self) {
        self.rows = None;
        self.ext = None;
        self.selected = 0;
        self.offset = 0;
    }

    /// Rows of the table after filters and sorting (cached until something changes).
    pub fn rows(&mut self, sh: &Shared) -> Arc<Vec<usize>> {
        if let Some((v, r)) = &self.rows {
            if *v == sh.version() {
                return r.clone();
            }
        }
        let rows = Arc::new(compute_rows(sh, &self.filter, self.sort));
        self.rows = Some((sh.version(), rows.clone()));
        rows
    }

    /// Other tools' rows (after kvet's), cached like them.
    pub fn external_rows(&mut self, sh: &Shared) -> Arc<Vec<external::ExtRow>> {
        if let Some((v, r)) = &self.ext {
            if *v == sh.version() {
                return r.clone();
            }
        }
        let rows = Arc::new(external::rows(sh, &self.filter));
        self.ext = Some((sh.version(), rows.clone()));
        rows
    }

    /// Every row: kvet's, then other tools'.
    fn len(&mut self, sh: &Shared) -> usize {
        self.rows(sh).len() + self.external_rows(sh).len()
    }

    /// The finding on the selected row (none on another tool's row).
    pub fn selected_finding(&mut self, sh: &Shared) -> Option<usize> {
        self.rows(sh).get(self.selected).copied()
    }

    /// Another tool's result on the selected row.
    pub fn selected_external(&mut self, sh: &Shared) -> Option<external::ExtRow> {
        let kvet = self.rows(sh).len();
        let i = self.selected.checked_sub(kvet)?;
        self.external_rows(sh).get(i).copied()
    }

    /// Acts on a command. Returns false when the command is not this view's.
    pub fn command(&mut self, cmd: Command, sh: &mut Shared) -> bool {
        match cmd {
            Command::Sort => {
                self.sort = self.sort.next();
                self.rows = None;
                sh.status = Some(format!("sorted by {}", self.sort.title()));
            }
            Command::Severity => {
                self.filter.min_severity = match self.filter.min_severity {
                    None => Some(Severity::Warning),
                    Some(Severity::Warning) => Some(Severity::Critical),
                    Some(Severity::Critical) => Some(Severity::Info),
                    Some(Severity::Info) => None,
                };
                self.changed();
            }
            Command::Back if self.filter != FindingsFilter::default() => {
                self.filter = FindingsFilter::default();
                self.changed();
            }
            Command::Select | Command::Explain => {
                let rows = self.rows(sh);
                if let Some(&i) = rows.get(self.selected) {
                    let check = sh.findings.findings[i].check;
                    sh.explain(check);
                } else if let Some(x) = self
                    .selected_external(sh)
                    .and_then(|e| external::result(sh, e))
                {
                    // Another tool's: kvet has no explanation or fix of its own for it.
                    sh.status = Some(crate::text::escape_ctrl(&external::describe(x)).into_owned());
                }
            }
            Command::Up
            | Command::Down
            | Command::PageUp
            | Command::PageDown
            | Command::Top
            | Command::Bottom => {
                let page = (self.area.height.saturating_sub(3) as usize).max(1);
                let len = self.len(sh);
                self.selected = super::step(self.selected, super::delta(cmd, page), len);
            }
            _ => return false,
        }
        true
    }

    /// `:sev`, `:check`, `:kind`, and `:ns` (when this view is shown). Returns false when the
    /// word is not this view's.
    pub fn command_line(&mut self, word: &str, arg: Option<String>, sh: &mut Shared) -> bool {
        match word {
            "sev" | "severity" => {
                self.filter.min_severity = arg.as_deref().and_then(Severity::parse);
            }
            "check" => match arg.as_deref() {
                Some(id) if find_check(id).is_none() => {
                    sh.status = Some(format!("unknown check {id:?}"))
                }
                other => self.filter.check = other.map(str::to_string),
            },
            "kind" => self.filter.kind = arg,
            "ns" | "namespace" => {
                self.filter.namespace = arg.filter(|a| a != "all" && a != "-A");
            }
            _ => return false,
        }
        self.changed();
        true
    }

    /// Clears the table's own filters (`:clear`).
    pub fn clear(&mut self) {
        self.filter = FindingsFilter::default();
        self.changed();
    }

    pub fn on_mouse(&mut self, m: MouseEvent, sh: &Shared) {
        let pos = Position::new(m.column, m.row);
        match m.kind {
            MouseEventKind::Down(MouseButton::Left) if self.area.contains(pos) => {
                let row = m.row.saturating_sub(self.area.y + 2) as usize + self.offset;
                if row < self.len(sh) {
                    self.selected = row;
                }
            }
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                let delta = if m.kind == MouseEventKind::ScrollDown {
                    3
                } else {
                    -3
                };
                let len = self.len(sh);
                self.selected = super::step(self.selected, delta, len);
            }
            _ => {}
        }
    }
}

fn compute_rows(sh: &Shared, tf: &FindingsFilter, sort: SortBy) -> Vec<usize> {
    let f = &sh.findings;
    let mut fuzzy = crate::tui::fuzzy::Fuzzy::new(&sh.filter);
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
    let mut scores: HashMap<usize, u32> = HashMap::new();
    if let Some(fz) = fuzzy.as_mut() {
        // Messages are long sentences that contain almost any letters: match identities, and
        // rank the rows by how well they match, best first. Checks and kinds repeat across
        // rows: score each once.
        let mut by_check: HashMap<&str, Option<u32>> = HashMap::new();
        let mut by_kind: HashMap<&str, Option<u32>> = HashMap::new();
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
    // The audit sorted the findings most severe first: that order is the severity sort.
    match sort {
        // Findings the cluster's evidence confirms come first.
        SortBy::Severity if fuzzy.is_none() => f.confirmed_first(&mut rows),
        SortBy::Severity => {}
        SortBy::Check => rows.sort_by_key(|i| key(i).0),
        SortBy::Namespace => rows.sort_by_key(|i| key(i).1),
        SortBy::Kind => rows.sort_by_key(|i| key(i).2),
        SortBy::Object => rows.sort_by_key(|i| key(i).3),
    }
    rows
}
