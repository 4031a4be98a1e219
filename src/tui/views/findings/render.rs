use super::FindingsView;
use crate::text::escape_ctrl;
use crate::tui::shared::Shared;
use crate::tui::views::clip;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Cell, Row, Table};
use ratatui::Frame;

/// The Findings view: every finding, sortable and filterable. Only visible rows are built.
pub fn render(frame: &mut Frame, area: Rect, v: &mut FindingsView, sh: &Shared) {
    v.area = area;
    let rows_ix = v.rows(sh);
    let t = &sh.theme;
    let mut filters = Vec::new();
    if let Some(s) = v.filter.min_severity {
        filters.push(format!("severity ≥ {s}"));
    }
    if let Some(c) = &v.filter.check {
        filters.push(format!("check {c}"));
    }
    if let Some(n) = &v.filter.namespace {
        filters.push(format!("ns {n}"));
    }
    if let Some(k) = &v.filter.kind {
        filters.push(format!("kind {k}"));
    }
    if !sh.filter.is_empty() {
        filters.push(format!("/{}", escape_ctrl(&sh.filter)));
    }
    let title = format!(
        " Findings {}/{}{} · sorted by {}{} ",
        rows_ix.len(),
        sh.findings.findings.len(),
        if sh.loading() {
            " so far (still listing)"
        } else {
            ""
        },
        v.sort.title(),
        if filters.is_empty() {
            String::new()
        } else {
            format!(" · {}", filters.join(" · "))
        }
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(t.border(true))
        .style(t.base());
    let inner_h = area.height.saturating_sub(3) as usize;
    let sel = v.selected.min(rows_ix.len().saturating_sub(1));
    if sel < v.offset {
        v.offset = sel;
    } else if inner_h > 0 && sel >= v.offset + inner_h {
        v.offset = sel + 1 - inner_h;
    }
    let offset = v.offset;
    let t = &sh.theme;
    let wide = area.width >= 110;
    let obj_w: usize = if wide { 34 } else { 30 };
    let msg_w = area.width.saturating_sub(if wide {
        8 + 26 + 14 + 34 + 8
    } else {
        9 + 24 + 30 + 6
    }) as usize;
    let rows: Vec<Row> = rows_ix
        .iter()
        .enumerate()
        .skip(offset)
        .take(inner_h)
        .map(|(i, &fi)| {
            let f = &sh.findings.findings[fi];
            let object = if wide {
                format!("{}/{}", f.object.kind, f.object.name)
            } else {
                format!("{}/{}", f.object.namespace(), f.object.name)
            };
            let mut cells = vec![
                Cell::from(Span::styled(f.severity.as_str(), t.severity(f.severity))),
                Cell::from(f.check),
            ];
            if wide {
                cells.push(Cell::from(escape_ctrl(f.object.namespace()).into_owned()));
            }
            cells.push(Cell::from(clip(&escape_ctrl(&object), obj_w)));
            let mut message = match sh.findings.confirmed.get(&fi) {
                Some(c) => format!("✔ {} [{c}]", f.message),
                None => f.message.clone(),
            };
            // ✚: new since the --since state.
            if sh.is_new(fi) {
                message.insert_str(0, "✚ ");
            }
            cells.push(Cell::from(clip(&escape_ctrl(&message), msg_w.max(10))));
            let row = Row::new(cells);
            if i == sel {
                row.style(t.selection())
            } else {
                row
            }
        })
        .collect();
    let (header, widths) = if wide {
        (
            Row::new(["SEVERITY", "CHECK", "NAMESPACE", "OBJECT", "MESSAGE"]),
            vec![
                Constraint::Length(8),
                Constraint::Length(26),
                Constraint::Length(14),
                Constraint::Length(34),
                Constraint::Min(10),
            ],
        )
    } else {
        (
            Row::new(["SEVERITY", "CHECK", "NS/NAME", "MESSAGE"]),
            vec![
                Constraint::Length(8),
                Constraint::Length(24),
                Constraint::Length(30),
                Constraint::Min(10),
            ],
        )
    };
    let header = header.style(t.accent());
    let table = Table::new(rows, widths).header(header).block(block);
    frame.render_widget(table, area);
}
