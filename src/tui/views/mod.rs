//! Rendering. `draw` lays out the frame; each view renders only what is visible.

mod findings;
mod footer;
mod header;
mod placeholder;
mod popup;
mod workloads;

use super::app::{App, View};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Block;
use ratatui::Frame;

/// Draws the whole screen. Any size works, including 0×0.
pub fn draw(frame: &mut Frame, app: &mut App) {
    // Debug builds only: lets the smoke test check that a panic in drawing restores the terminal.
    #[cfg(debug_assertions)]
    if app.findings_generation.is_some() && std::env::var_os("KVET_TEST_PANIC_IN_DRAW").is_some() {
        panic!("KVET_TEST_PANIC_IN_DRAW is set");
    }
    let area = frame.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    frame.render_widget(Block::default().style(app.theme.base()), area);
    let [head, body, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    header::render(frame, head, app);
    match app.view {
        View::Workloads => workloads::render(frame, body, app),
        View::Findings => findings::render_table(frame, body, app),
        View::Rbac | View::Network => placeholder::render(frame, body, app),
    }
    footer::render(frame, foot, app);
    if app.popup.is_some() {
        popup::render(frame, centered(area, 84, 80), app);
    }
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
