//! The fix dialog: what a fix changes (a diff of the object's YAML), what to know first, the
//! values that can be edited, and the actions. It opens with Cancel focused; no single key
//! applies anything: Tab moves to an action and Enter runs it.

use crate::audit::{Finding, Severity};
use crate::fix::Preview;
use crate::text::escape_ctrl;
use crate::tui::app::Effect;
use crate::tui::keymap::Command;
use crate::tui::shared::{InputKind, Shared};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;
use std::collections::BTreeMap;

/// The dialog's buttons, left to right.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Button {
    Cancel,
    /// Live, after the server's dry run passed.
    Apply,
    WritePatch,
    CopyCommand,
}

impl Button {
    fn label(self) -> &'static str {
        match self {
            Button::Cancel => " Cancel ",
            Button::Apply => " Apply to the cluster ",
            Button::WritePatch => " Write patch file (w) ",
            Button::CopyCommand => " Copy kubectl command (y) ",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct FixDialog {
    pub finding: Finding,
    pub preview: Preview,
    pub settings: BTreeMap<String, String>,
    pub focus: Button,
    pub scroll: u16,
    /// Offline, or `--readonly`: the fix can be exported, not applied here.
    pub export_only: bool,
}

impl FixDialog {
    /// The actions offered, left to right: Apply only on a live cluster whose dry run passed.
    pub fn buttons(&self) -> Vec<Button> {
        let mut b = vec![Button::Cancel];
        if !self.export_only {
            b.push(Button::Apply);
        }
        b.extend([Button::WritePatch, Button::CopyCommand]);
        b
    }

    pub fn new(finding: Finding, preview: Preview, settings: BTreeMap<String, String>) -> Self {
        FixDialog {
            finding,
            preview,
            settings,
            focus: Button::Cancel,
            scroll: 0,
            export_only: true,
        }
    }

    /// A key in the dialog. Returns false when the dialog is to close.
    pub fn key(
        &mut self,
        cmd: Option<Command>,
        enter: bool,
        sh: &mut Shared,
        fx: &mut Vec<Effect>,
    ) -> bool {
        if enter {
            return match self.focus {
                Button::Cancel => false,
                Button::Apply => {
                    fx.push(Effect::ApplyFix(Box::new(self.preview.clone())));
                    sh.status = Some(format!("applying to {}…", self.preview.plan.target));
                    false
                }
                b => {
                    self.run(b, sh, fx);
                    true
                }
            };
        }
        let all = self.buttons();
        let i = all.iter().position(|b| *b == self.focus).unwrap_or(0);
        match cmd {
            Some(Command::Back) => return false,
            Some(Command::NextPane) => self.focus = all[(i + 1) % all.len()],
            Some(Command::PrevPane) => self.focus = all[(i + all.len() - 1) % all.len()],
            Some(Command::WritePatch) => self.run(Button::WritePatch, sh, fx),
            Some(Command::CopyCommand) => self.run(Button::CopyCommand, sh, fx),
            Some(Command::EditValue) => {
                if let Some(e) = self.preview.plan.editable.first() {
                    sh.input = Some((InputKind::FixValue, format!("{}={}", e.key, e.value)));
                } else {
                    sh.status = Some("this fix has no value to edit".into());
                }
            }
            Some(Command::Up) => self.scroll = self.scroll.saturating_sub(1),
            Some(Command::Down) => self.scroll = self.scroll.saturating_add(1),
            Some(Command::PageUp) => self.scroll = self.scroll.saturating_sub(10),
            Some(Command::PageDown) => self.scroll = self.scroll.saturating_add(10),
            Some(Command::Top) => self.scroll = 0,
            Some(Command::Quit) => return false,
            _ => {}
        }
        true
    }

    fn run(&mut self, b: Button, sh: &mut Shared, fx: &mut Vec<Effect>) {
        match b {
            Button::Cancel | Button::Apply => {}
            Button::WritePatch => {
                fx.push(Effect::WriteFile {
                    path: self.preview.file_name.clone().into(),
                    text: self.preview.patch.clone(),
                });
                sh.status = Some(format!("writing {}…", self.preview.file_name));
            }
            Button::CopyCommand => {
                fx.push(Effect::Clipboard(self.preview.kubectl.clone()));
                sh.status = Some("kubectl command copied to the clipboard (OSC 52)".into());
            }
        }
    }
}

/// Draws the dialog over the screen.
pub fn render(frame: &mut Frame, area: Rect, d: &FixDialog, sh: &Shared) {
    if area.width < 10 || area.height < 8 {
        return;
    }
    let t = &sh.theme;
    frame.render_widget(Clear, area);
    let title = match &d.preview.undoes {
        Some(id) => format!(
            " Undo {id} · {} ",
            escape_ctrl(&d.finding.object.to_string())
        ),
        None => format!(
            " Fix {} · {} ",
            d.finding.check,
            escape_ctrl(&d.finding.object.to_string())
        ),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .title_bottom(" Tab next action · Enter run it · e edit value · Esc cancel ")
        .border_style(t.border(true))
        .style(t.base());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [body, buttons] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    let p = &d.preview.plan;
    let mut lines = vec![Line::styled(
        escape_ctrl(&p.summary).into_owned(),
        t.accent(),
    )];
    for n in &p.notes {
        lines.push(Line::styled(
            format!("⚠ {}", escape_ctrl(n)),
            t.severity(Severity::Warning),
        ));
    }
    if !p.editable.is_empty() {
        let vals: Vec<String> = p
            .editable
            .iter()
            .map(|e| format!("{}={} ({})", e.key, escape_ctrl(&e.value), e.label))
            .collect();
        lines.push(Line::styled(
            format!("Editable: {}", vals.join(" · ")),
            t.muted(),
        ));
    }
    if d.preview.dry_run {
        lines.push(Line::styled(
            "The server accepted this change as a dry run; the diff is its answer. Tab to Apply, then Enter.",
            t.ok(),
        ));
    } else if d.export_only {
        lines.push(Line::styled(
            "Export the patch and commit it to the manifests: nothing is sent anywhere from here.",
            t.muted(),
        ));
    }
    lines.push(Line::raw(""));
    for l in d.preview.diff.lines() {
        let style = if l.starts_with("+++") || l.starts_with("---") {
            t.muted()
        } else if l.starts_with('+') {
            t.ok()
        } else if l.starts_with('-') {
            t.severity(Severity::Critical)
        } else if l.starts_with("@@") {
            t.accent()
        } else {
            t.base()
        };
        lines.push(Line::styled(escape_ctrl(l).into_owned(), style));
    }
    let max = (lines.len() as u16).saturating_sub(body.height);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((d.scroll.min(max), 0)),
        body,
    );
    let spans: Vec<Span> = d
        .buttons()
        .iter()
        .flat_map(|b| {
            let style = if *b == d.focus {
                t.selection()
            } else {
                t.muted()
            };
            [Span::styled(b.label(), style), Span::raw("  ")]
        })
        .collect();
    frame.render_widget(Paragraph::new(Line::from(spans)), buttons);
}
