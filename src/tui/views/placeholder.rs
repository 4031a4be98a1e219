use super::View;
use crate::tui::shared::Shared;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

/// The RBAC and Network views, clearly marked as not built yet.
pub fn render(frame: &mut Frame, area: Rect, view: View, sh: &Shared) {
    let t = &sh.theme;
    let (title, what) = match view {
        View::Rbac => (
            " RBAC (not built yet) ",
            "Who can do what: effective permissions per ServiceAccount, the bindings and roles that grant them, and the rbac checks (cluster-admin, wildcards, escalation, secrets, exec). This view arrives with the RBAC work.",
        ),
        _ => (
            " Network (not built yet) ",
            "Which pods can reach which: NetworkPolicy paths, default-deny coverage and DNS egress per namespace, and the network checks. This view arrives with the NetworkPolicy work.",
        ),
    };
    let text = vec![
        Line::styled(title.trim(), t.accent()),
        Line::raw(""),
        Line::raw(what),
        Line::raw(""),
        Line::styled("Press 1 for Workloads or 2 for Findings.", t.muted()),
    ];
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(t.border(true));
    frame.render_widget(
        Paragraph::new(text)
            .block(block)
            .wrap(Wrap { trim: true })
            .style(t.base()),
        area,
    );
}
