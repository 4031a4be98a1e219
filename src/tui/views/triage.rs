//! The Triage view (`7`): what hurts now, worst first. The left pane lists the symptoms; the
//! right one shows the selected symptom's evidence as a short timeline, newest first, and the
//! findings that explain it. Enter goes to the object, `f` fixes the first explaining finding.
//! The symptoms are derived once per snapshot and findings generation, never per frame.

use crate::audit::Finding;
use crate::text::escape_ctrl;
use crate::triage::{Impact, Symptom};
use crate::tui::keymap::Command;
use crate::tui::shared::{Shared, Version};
use crate::tui::views::clip;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

/// The commands this view acts on, for the help screen.
pub const COMMANDS: &[Command] = &[
    Command::Up,
    Command::Down,
    Command::Top,
    Command::Bottom,
    Command::Select,
    Command::Fix,
];

/// `:` commands of this view.
pub const COMMAND_LINE: &[(&str, &str)] = &[(
    ":triage",
    "what hurts now: symptoms from events and statuses, with the findings that explain them",
)];

#[derive(Debug, Default)]
pub struct TriageView {
    version: Option<Version>,
    pub symptoms: std::sync::Arc<Vec<Symptom>>,
    pub selected: usize,
}

impl TriageView {
    /// Derives the symptoms again when the snapshot or the findings changed.
    pub fn refresh(&mut self, sh: &Shared) {
        if sh.findings_generation.is_none() || self.version == Some(sh.version()) {
            return;
        }
        // Derived with the findings, off the UI thread (FindingsIndex::with_triage).
        self.symptoms = sh.findings.symptoms.clone();
        self.version = Some(sh.version());
        self.selected = self.selected.min(self.symptoms.len().saturating_sub(1));
    }

    /// (down, degraded) for the header.
    pub fn counts(&self) -> (usize, usize) {
        let n = |i| self.symptoms.iter().filter(|s| s.impact == i).count();
        (n(Impact::Down), n(Impact::Degraded))
    }

    pub fn selected_symptom(&self) -> Option<&Symptom> {
        self.symptoms.get(self.selected)
    }

    /// The first explaining finding of the selected symptom, to fix.
    pub fn selected_finding(&self, sh: &Shared) -> Option<Finding> {
        let s = self.selected_symptom()?;
        s.explained_by.iter().find_map(|x| {
            let idx = sh.findings.by_object.get(&x.object)?;
            idx.iter()
                .map(|&i| &sh.findings.findings[i])
                .find(|f| f.check == x.check)
                .cloned()
        })
    }

    pub fn command(&mut self, cmd: Command, _sh: &mut Shared) -> bool {
        match cmd {
            Command::Up | Command::Down | Command::Top | Command::Bottom => {
                let delta = super::delta(cmd, 10);
                self.selected = super::step(self.selected, delta, self.symptoms.len());
                true
            }
            _ => false,
        }
    }
}

fn impact_style(sh: &Shared, i: Impact) -> Style {
    let t = &sh.theme;
    match i {
        Impact::Down => t.severity(crate::audit::Severity::Critical),
        Impact::Degraded => t.severity(crate::audit::Severity::Warning),
        Impact::AtRisk => t.severity(crate::audit::Severity::Info),
    }
}

fn object_label(s: &Symptom) -> String {
    let r = &s.object;
    match &r.namespace {
        Some(ns) => format!("{}/{ns}/{}", r.kind, r.name),
        None => format!("{}/{}", r.kind, r.name),
    }
}

pub fn render(frame: &mut Frame, area: Rect, v: &mut TriageView, sh: &Shared) {
    v.refresh(sh);
    let t = &sh.theme;
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(area);
    let (down, degraded) = v.counts();
    let list_block = Block::default()
        .borders(Borders::ALL)
        .title(format!(
            " Triage ({}) · {down} down · {degraded} degraded · Enter go · f fix ",
            v.symptoms.len()
        ))
        .border_style(t.border(true))
        .style(t.base());
    if sh.findings_generation.is_none() {
        frame.render_widget(
            Paragraph::new(Line::styled("auditing…", t.muted())).block(list_block),
            area,
        );
        return;
    }
    if v.symptoms.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled(
                "Nothing hurts now: no symptom in the events and statuses kvet can see.",
                t.muted(),
            ))
            .block(list_block),
            area,
        );
        return;
    }
    let h = left.height.saturating_sub(2) as usize;
    let offset = v.selected.saturating_sub(h.saturating_sub(1));
    let width = left.width.saturating_sub(2) as usize;
    let lines: Vec<Line> = v
        .symptoms
        .iter()
        .enumerate()
        .skip(offset)
        .take(h)
        .map(|(i, s)| {
            // Narrow: a symbol for the impact and the object's name alone.
            let narrow = width < 60;
            let (impact, text) = if narrow {
                let sym = match s.impact {
                    Impact::Down => "✖",
                    Impact::Degraded => "▼",
                    Impact::AtRisk => "·",
                };
                (
                    format!("{sym} "),
                    clip(
                        &format!("{:<16} {}", s.symptom, escape_ctrl(&s.object.name)),
                        width.saturating_sub(2),
                    ),
                )
            } else {
                (
                    format!("{:<9} ", s.impact.as_str()),
                    clip(
                        &format!("{:<20} {}", s.symptom, escape_ctrl(&object_label(s))),
                        width.saturating_sub(10),
                    ),
                )
            };
            let line = Line::from(vec![
                Span::styled(impact, impact_style(sh, s.impact)),
                Span::raw(text),
            ]);
            if i == v.selected {
                line.style(t.selection())
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(list_block), left);
    let detail = Block::default()
        .borders(Borders::ALL)
        .title(" Evidence, newest first ")
        .border_style(t.border(false))
        .style(t.base());
    let Some(s) = v.selected_symptom() else {
        frame.render_widget(detail, right);
        return;
    };
    let mut lines = vec![
        Line::from(vec![
            Span::styled(
                format!("{} ", s.impact.as_str()),
                impact_style(sh, s.impact),
            ),
            Span::styled(s.symptom, t.accent()),
            Span::raw(format!(" on {}", escape_ctrl(&object_label(s)))),
        ]),
        Line::raw(""),
    ];
    for e in s.evidence.iter().take(8) {
        let when = e
            .last_seen
            .as_deref()
            .map(|l| l.get(..19).unwrap_or(l).replace('T', " "))
            .unwrap_or_else(|| "now".into());
        lines.push(Line::from(vec![
            Span::styled(format!("{when} "), t.muted()),
            Span::styled(
                escape_ctrl(&format!("{} ×{}", e.reason, e.count)).into_owned(),
                t.accent(),
            ),
            Span::styled(
                format!(" {} {}", e.object.kind, escape_ctrl(&e.object.name)),
                t.muted(),
            ),
        ]));
        lines.push(Line::raw(format!("  {}", escape_ctrl(&e.message))));
    }
    if s.evidence.len() > 8 {
        lines.push(Line::styled(
            format!("… and {} more", s.evidence.len() - 8),
            t.muted(),
        ));
    }
    lines.push(Line::raw(""));
    if s.explained_by.is_empty() {
        lines.push(Line::styled(
            "Explained by no finding: the evidence above is the cause to look at.",
            t.muted(),
        ));
    } else {
        lines.push(Line::styled("Explained by", t.accent()));
        for x in &s.explained_by {
            lines.push(Line::raw(format!(
                "  {} on {}/{}",
                x.check,
                x.object.kind,
                escape_ctrl(&x.object.name)
            )));
        }
    }
    if let Some(own) = crate::triage::fixes::symptom_finding(&sh.snapshot, s) {
        lines.push(Line::raw(""));
        lines.push(Line::styled("Fix (f)", t.accent()));
        lines.push(Line::raw(format!(
            "  raise the memory limit: {}",
            escape_ctrl(&own.message)
        )));
    }
    let lines = super::wrap::hanging(lines, detail.inner(right).width);
    frame.render_widget(
        Paragraph::new(lines)
            .block(detail)
            .wrap(Wrap { trim: false }),
        right,
    );
}
