//! The views. Each view is its own module with its state, its keys, its `:` commands and its
//! rendering; the chrome around them (header, footer, popups) is shared. `draw` lays out the
//! frame; each view renders only what is visible.

pub mod changes;
pub mod findings;
pub mod fix_dialog;
pub mod fleet;
mod footer;
mod header;
pub mod journal;
pub mod network;
pub mod nodes;
pub mod pager;
mod popup;
pub mod rbac;
pub mod triage;
pub mod workloads;
mod wrap;

use super::app::App;
use super::keymap::Command;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Block;
use ratatui::Frame;

/// Draws the whole screen. Any size works, including 0×0.
pub fn draw(frame: &mut Frame, app: &mut App) {
    // Debug builds only: lets the smoke test check that a panic in drawing restores the terminal.
    #[cfg(debug_assertions)]
    if app.shared.findings_generation.is_some()
        && std::env::var_os("KVET_TEST_PANIC_IN_DRAW").is_some()
    {
        panic!("KVET_TEST_PANIC_IN_DRAW is set");
    }
    let area = frame.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    frame.render_widget(Block::default().style(app.shared.theme.base()), area);
    let [head, body, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    // The header counts what is down: the triage is derived once per generation.
    app.triage.refresh(&app.shared);
    header::render(frame, head, app);
    let sh = &app.shared;
    match app.view {
        View::Workloads => workloads::render(frame, body, &mut app.workloads, sh),
        View::Findings => findings::render(frame, body, &mut app.findings_view, sh),
        View::Rbac => rbac::render(frame, body, &mut app.rbac, sh),
        View::Network => network::render(frame, body, &mut app.network, sh),
        View::Journal => journal::render(frame, body, &app.journal, sh),
        View::Nodes => nodes::render(frame, body, &mut app.nodes, sh),
        View::Triage => triage::render(frame, body, &mut app.triage, sh),
        View::Changes => changes::render(frame, body, &mut app.changes_view, sh),
        View::Fleet => fleet::render(frame, body, &app.fleet, sh),
    }
    if let Some(p) = app.pager.as_mut() {
        pager::render(frame, body, p, sh);
    }
    footer::render(frame, foot, app);
    if app.shared.popup.is_some() {
        popup::render(frame, centered(area, 84, 80), app);
    }
}

/// The views, in the order of their keys (1 to 6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Workloads,
    Findings,
    Rbac,
    Network,
    Journal,
    Nodes,
    Triage,
    Changes,
    Fleet,
}

impl View {
    pub const ALL: [View; 9] = [
        View::Workloads,
        View::Findings,
        View::Rbac,
        View::Network,
        View::Journal,
        View::Nodes,
        View::Triage,
        View::Changes,
        View::Fleet,
    ];
    pub fn title(self) -> &'static str {
        match self {
            View::Workloads => "Workloads",
            View::Findings => "Findings",
            View::Rbac => "RBAC",
            View::Network => "Network",
            View::Journal => "Journal",
            View::Nodes => "Nodes",
            View::Triage => "Triage",
            View::Changes => "Changes",
            View::Fleet => "Fleet",
        }
    }

    /// The commands the view acts on, for the help screen.
    pub fn commands(self) -> &'static [Command] {
        match self {
            View::Workloads => workloads::COMMANDS,
            View::Findings => findings::COMMANDS,
            View::Journal => journal::COMMANDS,
            View::Rbac => rbac::COMMANDS,
            View::Network => network::COMMANDS,
            View::Nodes => nodes::COMMANDS,
            View::Triage => triage::COMMANDS,
            View::Changes => changes::COMMANDS,
            View::Fleet => fleet::COMMANDS,
        }
    }

    /// The view's own `:` commands, for the help screen.
    pub fn command_line(self) -> &'static [(&'static str, &'static str)] {
        match self {
            View::Workloads => workloads::COMMAND_LINE,
            View::Findings => findings::COMMAND_LINE,
            View::Journal => journal::COMMAND_LINE,
            View::Rbac => rbac::COMMAND_LINE,
            View::Network => network::COMMAND_LINE,
            View::Nodes => nodes::COMMAND_LINE,
            View::Triage => triage::COMMAND_LINE,
            View::Changes => changes::COMMAND_LINE,
            View::Fleet => fleet::COMMAND_LINE,
        }
    }
}

/// Whether a command moves a list's selection (see [`delta`]).
pub(crate) fn is_move(cmd: Command) -> bool {
    matches!(
        cmd,
        Command::Up
            | Command::Down
            | Command::Top
            | Command::Bottom
            | Command::PageUp
            | Command::PageDown
    )
}

/// How far a movement command goes, with `page` rows to a page.
pub(crate) fn delta(cmd: Command, page: usize) -> isize {
    let page = page as isize;
    match cmd {
        Command::Up => -1,
        Command::Down => 1,
        Command::PageUp => -page,
        Command::PageDown => page,
        Command::Top => isize::MIN / 2,
        _ => isize::MAX / 2,
    }
}

/// Moves a cursor by `delta` within `len` rows.
pub(crate) fn step(cur: usize, delta: isize, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    (cur as isize)
        .saturating_add(delta)
        .clamp(0, len as isize - 1) as usize
}

/// A rectangle of `w`×`h` percent in the middle of `r`.
fn centered(r: Rect, w: u16, h: u16) -> Rect {
    let width = (r.width as u32 * w as u32 / 100) as u16;
    let height = (r.height as u32 * h as u32 / 100) as u16;
    Rect {
        x: r.x + (r.width - width) / 2,
        y: r.y + (r.height - height) / 2,
        width,
        height,
    }
}

/// Cuts `s` to at most `max` characters, marking the cut.
pub(crate) fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}
