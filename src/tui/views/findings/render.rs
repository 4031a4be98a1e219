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
    let ext = v.external_rows(sh);
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
    // Other tools' results are counted apart, by source.
    let others = if sh.snapshot.reports.iter().any(|r| !r.results.is_empty()) {
        format!(
            " · other tools {} ({}){}",
            ext.len(),
            super::external::by_source(sh),
            match sh.snapshot.reports_dropped {
                0 => String::new(),
                n => format!(", {n} more not kept"),
            }
        )
    } else {
        String::new()
    };
    let title = format!(
        " Findings {}/{}{} · sorted by {}{}{} ",
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
        },
        others
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(t.border(true))
        .style(t.base());
    let inner_h = area.height.saturating_sub(3) as usize;
    let total = rows_ix.len() + ext.len();
    let sel = v.selected.min(total.saturating_sub(1));
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
    let mut rows: Vec<Row> = rows_ix
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
    // Then other tools' results, labelled by their source.
    let first_ext = offset.saturating_sub(rows_ix.len());
    let room = inner_h.saturating_sub(rows.len());
    for (j, &e) in ext.iter().enumerate().skip(first_ext).take(room) {
        let Some(x) = super::external::result(sh, e) else {
            continue;
        };
        let level = x.severity_level();
        let object = match &x.object {
            Some(o) if wide => format!("{}/{}", o.kind, o.name),
            Some(o) => format!("{}/{}", o.namespace(), o.name),
            None if super::external::namespace(sh, e).is_empty() => "(the cluster)".to_string(),
            None => "(the namespace)".to_string(),
        };
        let mut cells = vec![
            Cell::from(Span::styled(
                escape_ctrl(x.severity.as_deref().unwrap_or(&x.result)).into_owned(),
                t.severity(level),
            )),
            Cell::from(Span::styled(
                clip(&escape_ctrl(&format!("{}: {}", x.source, x.policy)), 26),
                t.muted(),
            )),
        ];
        if wide {
            cells.push(Cell::from(
                escape_ctrl(super::external::namespace(sh, e)).into_owned(),
            ));
        }
        cells.push(Cell::from(clip(&escape_ctrl(&object), obj_w)));
        cells.push(Cell::from(clip(&escape_ctrl(&x.message), msg_w.max(10))));
        let row = Row::new(cells);
        rows.push(if rows_ix.len() + j == sel {
            row.style(t.selection())
        } else {
            row
        });
    }
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
