//! The Fleet view (`9`, `:fleet`): every context of the kubeconfig, each audited on its own
//! connection in the background (4 at a time), one row each: server version, nodes, pods, the
//! counts and the top checks, or the error that kept it from being audited. Opening the view
//! (or `:fleet`) audits them again. Enter switches the TUI to the selected context.

use crate::text::escape_ctrl;
use crate::tui::keymap::Command;
use crate::tui::shared::Shared;
use crate::tui::views::clip;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

pub const COMMANDS: &[Command] = &[
    Command::Up,
    Command::Down,
    Command::Top,
    Command::Bottom,
    Command::Select,
];

pub const COMMAND_LINE: &[(&str, &str)] = &[(
    ":fleet",
    "every kubeconfig context audited in the background; Enter switches to one",
)];

/// One context's summary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FleetRow {
    pub context: String,
    pub error: Option<String>,
    pub server_version: Option<(u32, u32)>,
    pub nodes: usize,
    pub pods: usize,
    /// critical, warning, info
    pub counts: [usize; 3],
    pub top: Vec<String>,
}

#[derive(Debug, Default)]
pub struct FleetView {
    pub rows: Vec<FleetRow>,
    pub selected: usize,
    /// An audit of the fleet is under way.
    pub loading: bool,
    /// Why the fleet cannot be shown (offline).
    pub error: Option<String>,
    /// When the rows were audited (`HH:MM:SS` UTC).
    pub at: Option<String>,
    /// A refresh is scheduled ([`REFRESH`] after the last audit).
    pub refresh_pending: bool,
}

/// How often the Fleet view audits every context again while it is shown. A fleet audit lists
/// every cluster, so this is minutes, not k9s's seconds.
pub const REFRESH: std::time::Duration = std::time::Duration::from_secs(60);

impl FleetView {
    pub fn set(&mut self, result: Result<Vec<FleetRow>, String>, at: String) {
        self.loading = false;
        match result {
            Ok(rows) => {
                self.rows = rows;
                self.error = None;
                self.at = Some(at);
            }
            Err(e) => self.error = Some(e),
        }
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
    }

    pub fn selected_context(&self) -> Option<&str> {
        self.rows.get(self.selected).map(|r| r.context.as_str())
    }

    pub fn command(&mut self, cmd: Command, _sh: &mut Shared) -> bool {
        if !matches!(
            cmd,
            Command::Up | Command::Down | Command::Top | Command::Bottom
        ) {
            return false;
        }
        self.selected = super::step(self.selected, super::delta(cmd, 10), self.rows.len());
        true
    }
}

pub fn render(frame: &mut Frame, area: Rect, v: &FleetView, sh: &Shared) {
    let t = &sh.theme;
    let failed = v.rows.iter().filter(|r| r.error.is_some()).count();
    let title = format!(
        " Fleet ({} contexts{}){} · Enter switch ",
        v.rows.len(),
        if failed > 0 {
            format!(", {failed} not audited")
        } else {
            String::new()
        },
        match (&v.at, v.loading) {
            (_, true) => " · auditing…".to_string(),
            (Some(at), false) => format!(" · at {at} UTC, again every {} s", REFRESH.as_secs()),
            (None, false) => String::new(),
        }
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(t.border(true))
        .style(t.base());
    if let Some(e) = &v.error {
        frame.render_widget(
            Paragraph::new(Line::styled(escape_ctrl(e).into_owned(), t.muted())).block(block),
            area,
        );
        return;
    }
    if v.rows.is_empty() {
        let text = if v.loading {
            "auditing every context of the kubeconfig…"
        } else {
            "No context audited yet: :fleet audits every context of the kubeconfig."
        };
        frame.render_widget(
            Paragraph::new(Line::styled(text, t.muted())).block(block),
            area,
        );
        return;
    }
    let w = area.width.saturating_sub(2) as usize;
    let cw = v
        .rows
        .iter()
        .map(|r| r.context.chars().count())
        .max()
        .unwrap_or(7)
        .clamp(7, 40);
    let current = sh.live.as_ref().map(|l| l.context.as_str());
    let mut lines = vec![Line::styled(
        clip(
            &format!(
                "  {:<cw$}  {:<6} {:>5} {:>7} {:>8} {:>7} {:>5}  TOP CHECKS",
                "CONTEXT", "SERVER", "NODES", "PODS", "CRITICAL", "WARNING", "INFO"
            ),
            w,
        ),
        t.muted(),
    )];
    for (i, r) in v.rows.iter().enumerate() {
        let mark = if Some(r.context.as_str()) == current {
            "● "
        } else {
            "  "
        };
        let name = clip(&escape_ctrl(&r.context), cw);
        let line = match &r.error {
            Some(e) => Line::from(vec![
                Span::raw(format!("{mark}{name:<cw$}  ")),
                Span::styled(
                    clip(
                        &format!("error: {}", escape_ctrl(e)),
                        w.saturating_sub(cw + 4),
                    ),
                    t.severity(crate::audit::Severity::Warning),
                ),
            ]),
            None => Line::raw(clip(
                &format!(
                    "{mark}{name:<cw$}  {:<6} {:>5} {:>7} {:>8} {:>7} {:>5}  {}",
                    r.server_version
                        .map(|(a, b)| format!("{a}.{b}"))
                        .unwrap_or_else(|| "-".into()),
                    r.nodes,
                    r.pods,
                    r.counts[0],
                    r.counts[1],
                    r.counts[2],
                    r.top.join(", ")
                ),
                w,
            )),
        };
        lines.push(if i == v.selected {
            line.style(t.selection())
        } else {
            line
        });
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
