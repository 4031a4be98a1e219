//! The Journal view: the fixes kvet applied (newest first), from the journal file. `u` undoes
//! the selected one through the same pipeline as a fix: the server's dry run, the diff, then
//! Tab to Apply and Enter.

use crate::apply::Entry;
use crate::text::escape_ctrl;
use crate::tui::app::Effect;
use crate::tui::keymap::Command;
use crate::tui::shared::Shared;
use crate::tui::views::clip;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table};
use ratatui::Frame;

/// The commands this view acts on, for the help screen.
pub const COMMANDS: &[Command] = &[
    Command::Up,
    Command::Down,
    Command::Top,
    Command::Bottom,
    Command::Undo,
];

/// `:` commands of this view.
pub const COMMAND_LINE: &[(&str, &str)] = &[(
    ":journal",
    "the fixes kvet applied (u undoes the selected one)",
)];

#[derive(Debug, Default)]
pub struct JournalView {
    /// Newest first.
    pub entries: Vec<Entry>,
    pub selected: usize,
    /// Why the journal could not be read.
    pub error: Option<String>,
    pub loaded: bool,
}

impl JournalView {
    /// New entries from the journal file (oldest first, as stored).
    pub fn set(&mut self, result: Result<Vec<Entry>, String>) {
        self.loaded = true;
        match result {
            Ok(mut e) => {
                e.reverse();
                self.entries = e;
                self.error = None;
            }
            Err(e) => self.error = Some(e),
        }
        self.selected = self.selected.min(self.entries.len().saturating_sub(1));
    }

    pub fn command(&mut self, cmd: Command, sh: &mut Shared, fx: &mut Vec<Effect>) -> bool {
        match cmd {
            Command::Up | Command::Down | Command::Top | Command::Bottom => {
                let delta = super::delta(cmd, 10);
                self.selected = super::step(self.selected, delta, self.entries.len());
            }
            Command::Undo => match self.entries.get(self.selected) {
                None => sh.status = Some("no journal entry selected".into()),
                Some(e) if e.undoes.is_some() || e.inverse.is_null() => {
                    sh.status = Some(format!("{} is itself an undo: nothing to undo", e.id))
                }
                Some(e) if sh.live.is_none() => {
                    sh.status = Some(format!(
                        "undoing {} writes to its cluster: open kvet on context {}",
                        e.id, e.context
                    ))
                }
                Some(e) => {
                    sh.status = Some(format!("previewing the undo of {}…", e.id));
                    fx.push(Effect::PlanUndo(Box::new(e.clone())));
                }
            },
            _ => return false,
        }
        true
    }
}

pub fn render(frame: &mut Frame, area: Rect, v: &JournalView, sh: &Shared) {
    let t = &sh.theme;
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" Journal ({}) · u undo ", v.entries.len()))
        .border_style(t.border(true))
        .style(t.base());
    if let Some(e) = &v.error {
        frame.render_widget(
            Paragraph::new(Line::styled(
                format!("cannot read the journal: {}", escape_ctrl(e)),
                t.severity(crate::audit::Severity::Warning),
            ))
            .block(block),
            area,
        );
        return;
    }
    if v.entries.is_empty() {
        let text = if v.loaded {
            "No fix has been applied. On a live cluster, f on a finding previews one; Tab, Enter applies it."
        } else {
            "reading the journal…"
        };
        frame.render_widget(
            Paragraph::new(Line::styled(text, t.muted())).block(block),
            area,
        );
        return;
    }
    let h = area.height.saturating_sub(3) as usize;
    let offset = v.selected.saturating_sub(h.saturating_sub(1));
    let rows: Vec<Row> = v
        .entries
        .iter()
        .enumerate()
        .skip(offset)
        .take(h)
        .map(|(i, e)| {
            let result = match &e.undoes {
                Some(u) => format!("{} (undo of {u})", e.result),
                None => e.result.clone(),
            };
            let row = Row::new(vec![
                e.id.clone(),
                e.time.clone(),
                clip(&escape_ctrl(&e.context), 14),
                e.check.clone(),
                clip(&escape_ctrl(&e.object.object_ref().to_string()), 38),
                result,
            ]);
            if i == v.selected {
                row.style(t.selection())
            } else {
                row
            }
        })
        .collect();
    let widths = [
        Constraint::Length(17),
        Constraint::Length(20),
        Constraint::Length(14),
        Constraint::Length(24),
        Constraint::Length(38),
        Constraint::Min(8),
    ];
    let header = Row::new(["ID", "TIME", "CONTEXT", "CHECK", "OBJECT", "RESULT"]).style(t.accent());
    frame.render_widget(Table::new(rows, widths).header(header).block(block), area);
}
