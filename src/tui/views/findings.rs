use super::clip;
use crate::cli::text::escape_ctrl;
use crate::tui::app::App;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Cell, Row, Table};
use ratatui::Frame;

/// The Findings view: every finding, sortable and filterable. Only visible rows are built.
pub fn render_table(frame: &mut Frame, area: Rect, app: &mut App) {
    app.areas.table = area;
    let rows_ix = app.table_rows();
    let t = &app.theme;
    let mut filters = Vec::new();
    if let Some(s) = app.table_filter.min_severity {
        filters.push(format!("severity ≥ {s}"));
    }
    if let Some(c) = &app.table_filter.check {
        filters.push(format!("check {c}"));
    }
    if let Some(n) = &app.table_filter.namespace {
        filters.push(format!("ns {n}"));
    }
    if let Some(k) = &app.table_filter.kind {
        filters.push(format!("kind {k}"));
    }
    if !app.filter.is_empty() {
        filters.push(format!("/{}", escape_ctrl(&app.filter)));
    }
    let title = format!(
        " Findings {}/{} · sorted by {}{} ",
        rows_ix.len(),
        app.findings.findings.len(),
        app.sort.title(),
        if filters.is_empty() { String::new() } else { format!(" · {}", filters.join(" · ")) }
    );
    let block = Block::default().borders(Borders::ALL).title(title).border_style(t.border(true)).style(t.base());
    let inner_h = area.height.saturating_sub(3) as usize;
    let sel = app.table_selected.min(rows_ix.len().saturating_sub(1));
    if sel < app.table_offset {
        app.table_offset = sel;
    } else if inner_h > 0 && sel >= app.table_offset + inner_h {
        app.table_offset = sel + 1 - inner_h;
    }
    let offset = app.table_offset;
    let t = &app.theme;
    let msg_w = area.width.saturating_sub(8 + 26 + 14 + 34 + 8) as usize;
    let rows: Vec<Row> = rows_ix
        .iter()
        .enumerate()
        .skip(offset)
        .take(inner_h)
        .map(|(i, &fi)| {
            let f = &app.findings.findings[fi];
            let row = Row::new(vec![
                Cell::from(Span::styled(f.severity.as_str(), t.severity(f.severity))),
                Cell::from(f.check),
                Cell::from(escape_ctrl(f.object.namespace()).into_owned()),
                Cell::from(clip(&escape_ctrl(&format!("{}/{}", f.object.kind, f.object.name)), 34)),
                Cell::from(clip(&escape_ctrl(&f.message), msg_w.max(10))),
            ]);
            if i == sel {
                row.style(t.selection())
            } else {
                row
            }
        })
        .collect();
    let header = Row::new(["SEVERITY", "CHECK", "NAMESPACE", "OBJECT", "MESSAGE"]).style(t.accent());
    let table = Table::new(
        rows,
        [Constraint::Length(8), Constraint::Length(26), Constraint::Length(14), Constraint::Length(34), Constraint::Min(10)],
    )
    .header(header)
    .block(block);
    frame.render_widget(table, area);
}
