use super::clip;
use crate::cli::text::escape_ctrl;
use crate::tui::app::{App, Pane};
use crate::tui::details;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;
use tui_tree_widget::Tree;

/// The Workloads view: tree, details, and the selection's findings side by side.
pub fn render(frame: &mut Frame, area: Rect, app: &mut App) {
    // Wide: three columns. Narrow: the tree on the left, details above findings on the right.
    let (left, middle, right) = if area.width >= 110 {
        let [l, m, r] = Layout::horizontal([
            Constraint::Percentage(30),
            Constraint::Percentage(40),
            Constraint::Percentage(30),
        ])
        .areas(area);
        (l, m, r)
    } else {
        let [l, rest] =
            Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)])
                .areas(area);
        let [m, r] =
            Layout::vertical([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(rest);
        (l, m, r)
    };
    app.areas.tree = left;
    app.areas.details = middle;
    app.areas.findings = right;
    render_tree(frame, left, app);
    render_details(frame, middle, app);
    render_findings(frame, right, app);
}

fn block<'a>(app: &App, title: String, pane: Pane) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(app.theme.border(app.pane == pane))
        .style(app.theme.base())
}

fn render_tree(frame: &mut Frame, area: Rect, app: &mut App) {
    app.refresh_tree();
    let title = if app.filter.is_empty() {
        " Cluster ".to_string()
    } else {
        format!(" Cluster · /{} ", escape_ctrl(&app.filter))
    };
    let b = block(app, title, Pane::Tree);
    match Tree::new(&app.tree.items) {
        Ok(tree) => {
            let tree = tree
                .block(b)
                .highlight_style(app.theme.selection())
                .node_closed_symbol("▸ ")
                .node_open_symbol("▾ ")
                .node_no_children_symbol("  ");
            frame.render_stateful_widget(tree, area, &mut app.tree.state);
        }
        Err(_) => frame.render_widget(
            Paragraph::new("duplicate identifiers in the tree").block(b),
            area,
        ),
    }
}

fn render_details(frame: &mut Frame, area: Rect, app: &App) {
    let mut lines = details::lines(&app.snapshot, &app.theme, app.selected_node());
    if let (Some(l), None | Some(crate::tui::tree::NodeId::Cluster)) =
        (&app.live, app.selected_node())
    {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!(
                "Context {}{}",
                escape_ctrl(&l.context),
                l.namespace
                    .as_ref()
                    .map(|n| format!(" · namespace {n}"))
                    .unwrap_or_default()
            ),
            app.theme.accent(),
        ));
        for (kind, status, ok) in &l.kinds {
            let st = if *ok {
                app.theme.muted()
            } else {
                app.theme.severity(crate::audit::Severity::Warning)
            };
            lines.push(Line::from(vec![
                Span::styled(format!("  {kind:<24}"), app.theme.muted()),
                Span::styled(status.clone(), st),
            ]));
        }
    }
    let b = block(app, " Details ".into(), Pane::Details);
    frame.render_widget(
        Paragraph::new(lines)
            .block(b)
            .wrap(Wrap { trim: false })
            .scroll((app.details_scroll, 0)),
        area,
    );
}

fn render_findings(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let list = app.selection_findings();
    let title = format!(" Findings ({}) ", list.len());
    let b = block(app, title, Pane::Findings);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    if app.findings_generation.is_none() {
        frame.render_widget(Paragraph::new(Line::styled("auditing…", t.muted())), inner);
        return;
    }
    if list.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled("✓ no findings here", t.ok())),
            inner,
        );
        return;
    }
    // A list on top, the selected finding's full text below.
    let detail_h = if inner.height >= 12 { 7 } else { 0 };
    let [top, bottom] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(detail_h)]).areas(inner);
    let sel = app.pane_selected.min(list.len() - 1);
    let h = top.height as usize;
    let offset = sel.saturating_sub(h.saturating_sub(1));
    let width = top.width as usize;
    let rows: Vec<Line> = list
        .iter()
        .enumerate()
        .skip(offset)
        .take(h)
        .map(|(i, &fi)| {
            let f = &app.findings.findings[fi];
            let sym = match f.severity {
                crate::audit::Severity::Critical => "● ",
                crate::audit::Severity::Warning => "▲ ",
                crate::audit::Severity::Info => "■ ",
            };
            let text = clip(
                &format!("{} {}", f.check, escape_ctrl(&f.object.name)),
                width.saturating_sub(2),
            );
            let line = Line::from(vec![
                Span::styled(sym, t.severity(f.severity)),
                Span::raw(text),
            ]);
            if i == sel && app.pane == Pane::Findings {
                line.style(t.selection())
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(rows), top);
    if detail_h > 0 {
        let f = &app.findings.findings[list[sel]];
        let text = vec![
            Line::from(vec![
                Span::styled(f.check, t.severity(f.severity)),
                Span::styled(format!("  {}", f.severity), t.muted()),
            ]),
            Line::styled(escape_ctrl(&f.object.to_string()).into_owned(), t.muted()),
            Line::raw(escape_ctrl(&f.message).into_owned()),
            Line::styled("Enter: explain and fix", t.muted()),
        ];
        frame.render_widget(
            Paragraph::new(text).wrap(Wrap { trim: true }).block(
                Block::default()
                    .borders(Borders::TOP)
                    .border_style(t.border(false)),
            ),
            bottom,
        );
    }
}
