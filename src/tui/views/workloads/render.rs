use super::{details, Pane, WorkloadsView};
use crate::text::escape_ctrl;
use crate::tui::shared::Shared;
use crate::tui::views::clip;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;
use tui_tree_widget::Tree;

/// The Workloads view: tree, details, and the selection's findings side by side.
pub fn render(frame: &mut Frame, area: Rect, v: &mut WorkloadsView, sh: &Shared) {
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
    v.areas.tree = left;
    v.areas.details = middle;
    v.areas.findings = right;
    render_tree(frame, left, v, sh);
    render_details(frame, middle, v, sh);
    render_findings(frame, right, v, sh);
}

fn block<'a>(v: &WorkloadsView, sh: &Shared, title: String, pane: Pane) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(sh.theme.border(v.pane == pane))
        .style(sh.theme.base())
}

fn render_tree(frame: &mut Frame, area: Rect, v: &mut WorkloadsView, sh: &Shared) {
    v.refresh_tree(sh);
    let title = if sh.filter.is_empty() {
        " Cluster ".to_string()
    } else {
        format!(" Cluster · /{} ", escape_ctrl(&sh.filter))
    };
    let b = block(v, sh, title, Pane::Tree);
    match Tree::new(&v.tree.items) {
        Ok(tree) => {
            let tree = tree
                .block(b)
                .highlight_style(sh.theme.selection())
                .node_closed_symbol("▸ ")
                .node_open_symbol("▾ ")
                .node_no_children_symbol("  ");
            frame.render_stateful_widget(tree, area, &mut v.tree.state);
        }
        Err(_) => frame.render_widget(
            Paragraph::new("duplicate identifiers in the tree").block(b),
            area,
        ),
    }
}

fn render_details(frame: &mut Frame, area: Rect, v: &WorkloadsView, sh: &Shared) {
    let mut lines = details::lines(&sh.snapshot, &sh.theme, v.selected_node());
    if let Some(w) = v
        .selected_node()
        .and_then(|id| super::tree::workload_of(&sh.snapshot, id))
    {
        sa_summary(&mut lines, sh, w);
    }
    since_summary(&mut lines, v, sh);
    reports_summary(&mut lines, v, sh);
    if let Some(p) = sh.progress.as_ref().filter(|p| !p.complete()) {
        // Nothing here is final until every kind is listed: say so above the figures.
        let text = if p.kinds_done < p.kinds_total {
            format!(
                "◌ Still listing ({}/{} kinds, {} objects so far): figures below are partial",
                p.kinds_done, p.kinds_total, p.objects
            )
        } else {
            format!(
                "◌ Relisting {}: figures below may change",
                p.relisting.join(", ")
            )
        };
        lines.insert(
            0,
            Line::styled(text, sh.theme.severity(crate::audit::Severity::Warning)),
        );
    }
    if let (Some(l), None | Some(super::tree::NodeId::Cluster)) = (&sh.live, v.selected_node()) {
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
            sh.theme.accent(),
        ));
        for (kind, status, ok) in &l.kinds {
            let st = if *ok {
                sh.theme.muted()
            } else {
                sh.theme.severity(crate::audit::Severity::Warning)
            };
            lines.push(Line::from(vec![
                Span::styled(format!("  {kind:<24}"), sh.theme.muted()),
                Span::styled(status.clone(), st),
            ]));
        }
    }
    let b = block(v, sh, " Details ".into(), Pane::Details);
    let lines = crate::tui::views::wrap::hanging(lines, b.inner(area).width);
    frame.render_widget(
        Paragraph::new(lines)
            .block(b)
            .wrap(Wrap { trim: false })
            .scroll((v.details_scroll, 0)),
        area,
    );
}

/// Δ: how the selected object changed since the `--since` state, field by field.
fn since_summary(lines: &mut Vec<Line<'static>>, v: &WorkloadsView, sh: &Shared) {
    let r = match v.selected_node() {
        Some(super::tree::NodeId::Object(r) | super::tree::NodeId::Copy(r, _)) => r,
        _ => return,
    };
    let Some(change) = sh.change_of(r) else {
        return;
    };
    let label = sh
        .since
        .as_ref()
        .map(|s| escape_ctrl(&s.label).into_owned())
        .unwrap_or_default();
    let warn = sh.theme.severity(crate::audit::Severity::Warning);
    lines.push(Line::raw(""));
    let Some(change) = change else {
        lines.push(Line::styled(format!("Δ added since {label}"), warn));
        return;
    };
    lines.push(Line::styled(format!("Δ changed since {label}"), warn));
    const SHOWN: usize = 12;
    for f in change.fields.iter().take(SHOWN) {
        lines.push(Line::from(vec![
            Span::styled(format!("  {} ", escape_ctrl(&f.path)), sh.theme.muted()),
            Span::raw(format!(
                "{} → {}",
                escape_ctrl(&short_json(&f.before)),
                escape_ctrl(&short_json(&f.after))
            )),
        ]));
    }
    if change.fields.len() > SHOWN {
        lines.push(Line::styled(
            format!(
                "  … {} more fields (8: Changes)",
                change.fields.len() - SHOWN
            ),
            sh.theme.muted(),
        ));
    }
}

/// Other tools' results on the selected object (and, for a workload, on its pods), labelled by
/// their source: beside kvet's findings, never counted with them.
fn reports_summary(lines: &mut Vec<Line<'static>>, v: &WorkloadsView, sh: &Shared) {
    let r = match v.selected_node() {
        Some(super::tree::NodeId::Object(r) | super::tree::NodeId::Copy(r, _)) => r,
        _ => return,
    };
    if sh.snapshot.reports.is_empty() {
        return;
    }
    let mut about: Vec<crate::model::ObjectRef> = vec![r.clone()];
    let node = super::tree::NodeId::Object(r.clone());
    if let Some(w) = super::tree::workload_of(&sh.snapshot, &node) {
        if let Some(pods) = sh.snapshot.index.pods_of.get(w) {
            about.extend(pods.iter().map(|&p| {
                crate::model::objects::obj_ref(crate::model::Kind::Pod, &sh.snapshot.pods[p].meta)
            }));
        }
    }
    let found: Vec<&crate::model::ExternalResult> = sh
        .snapshot
        .reports
        .iter()
        .flat_map(|rep| rep.results.iter())
        .filter(|x| x.object.as_ref().is_some_and(|o| about.contains(o)))
        .collect();
    if found.is_empty() {
        return;
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        format!("Other tools' reports ({})", found.len()),
        sh.theme.accent(),
    ));
    const SHOWN: usize = 8;
    for x in found.iter().take(SHOWN) {
        lines.push(Line::from(vec![
            Span::styled("  ", sh.theme.muted()),
            Span::styled(
                escape_ctrl(x.severity.as_deref().unwrap_or(&x.result)).into_owned(),
                sh.theme.severity(x.severity_level()),
            ),
            Span::raw(format!(
                " {} · {}: {}",
                escape_ctrl(&x.source),
                escape_ctrl(&x.policy),
                escape_ctrl(&x.message)
            )),
        ]));
    }
    if found.len() > SHOWN {
        lines.push(Line::styled(
            format!("  … {} more (2: Findings)", found.len() - SHOWN),
            sh.theme.muted(),
        ));
    }
}

/// A JSON value on one line, cut to a readable length.
fn short_json(v: &serde_json::Value) -> String {
    let s = match v {
        serde_json::Value::Null => "(none)".to_string(),
        other => other.to_string(),
    };
    clip(&s, 60)
}

fn render_findings(frame: &mut Frame, area: Rect, v: &WorkloadsView, sh: &Shared) {
    let t = &sh.theme;
    let list = v.selection_findings(sh);
    let title = if sh.loading() {
        format!(" Findings ({} so far) ", list.len())
    } else {
        format!(" Findings ({}) ", list.len())
    };
    let b = block(v, sh, title, Pane::Findings);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    if sh.findings_generation.is_none() {
        frame.render_widget(Paragraph::new(Line::styled("auditing…", t.muted())), inner);
        return;
    }
    if list.is_empty() {
        let line = if sh.loading() {
            Line::styled("◌ none yet: still listing the cluster", t.muted())
        } else {
            Line::styled("✓ no findings here", t.ok())
        };
        frame.render_widget(Paragraph::new(line), inner);
        return;
    }
    // A list on top, the selected finding's full text below.
    let detail_h = if inner.height >= 12 { 7 } else { 0 };
    let [top, bottom] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(detail_h)]).areas(inner);
    let sel = v.pane_selected.min(list.len() - 1);
    let h = top.height as usize;
    let offset = sel.saturating_sub(h.saturating_sub(1));
    let width = top.width as usize;
    let rows: Vec<Line> = list
        .iter()
        .enumerate()
        .skip(offset)
        .take(h)
        .map(|(i, &fi)| {
            let f = &sh.findings.findings[fi];
            let sym = match f.severity {
                crate::audit::Severity::Critical => "● ",
                crate::audit::Severity::Warning => "▲ ",
                crate::audit::Severity::Info => "■ ",
            };
            // ✔: the cluster's evidence confirms it (the Triage view has the symptom).
            let confirmed = sh.findings.confirmed.contains_key(&fi);
            let text = clip(
                &format!("{} {}", f.check, escape_ctrl(&f.object.name)),
                width.saturating_sub(if confirmed { 4 } else { 2 }),
            );
            let mut spans = vec![Span::styled(sym, t.severity(f.severity))];
            if confirmed {
                spans.push(Span::styled("✔ ", t.accent()));
            }
            if sh.is_new(fi) {
                spans.push(Span::styled(
                    "✚ ",
                    t.severity(crate::audit::Severity::Warning),
                ));
            }
            spans.push(Span::raw(text));
            let line = Line::from(spans);
            if i == sel && v.pane == Pane::Findings {
                line.style(t.selection())
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(rows), top);
    if detail_h > 0 {
        let f = &sh.findings.findings[list[sel]];
        let text = vec![
            Line::from(vec![
                Span::styled(f.check, t.severity(f.severity)),
                Span::styled(format!("  {}", f.severity), t.muted()),
            ]),
            Line::styled(escape_ctrl(&f.object.to_string()).into_owned(), t.muted()),
            Line::raw(escape_ctrl(&f.message).into_owned()),
        ];
        let mut text = text;
        if let Some(c) = sh.findings.confirmed.get(&list[sel]) {
            text.push(Line::styled(format!("✔ {}", escape_ctrl(c)), t.accent()));
        }
        text.push(Line::styled("Enter: explain and fix", t.muted()));
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

/// Under the ServiceAccount line: the riskiest RBAC finding of the workload's ServiceAccount,
/// and whether its pods mount the token.
fn sa_summary(lines: &mut Vec<Line<'static>>, sh: &Shared, w: usize) {
    let s = &sh.snapshot;
    let wl = &s.workloads[w];
    let ns = wl.meta.namespace();
    let sa = wl.spec.service_account_name();
    let r = crate::model::ObjectRef::new(crate::model::Kind::ServiceAccount, Some(ns), sa);
    let worst = sh
        .findings
        .of_object(&r)
        .iter()
        .map(|&i| &sh.findings.findings[i])
        .max_by_key(|f| f.severity);
    let sa_obj = s
        .service_accounts
        .iter()
        .find(|a| a.meta.namespace() == ns && &*a.meta.name == sa);
    let mounted = wl
        .spec
        .automount_token
        .unwrap_or_else(|| sa_obj.and_then(|a| a.automount_token).unwrap_or(true));
    let Some(at) = lines.iter().position(|l| {
        l.spans
            .first()
            .is_some_and(|sp| sp.content.starts_with("ServiceAccount"))
    }) else {
        return;
    };
    let mut extra = Vec::new();
    if let Some(f) = worst {
        extra.push(Line::from(vec![
            Span::styled(format!("{:<15} ", "  RBAC risk"), sh.theme.muted()),
            Span::styled(
                format!("{} ({})", escape_ctrl(&f.message), f.check),
                sh.theme.severity(f.severity),
            ),
        ]));
    }
    extra.push(Line::from(vec![
        Span::styled(format!("{:<15} ", "  token"), sh.theme.muted()),
        Span::raw(if mounted {
            "mounted in its pods (r: its permissions)"
        } else {
            "not mounted (automountServiceAccountToken: false)"
        }),
    ]));
    for (k, l) in extra.into_iter().enumerate() {
        lines.insert(at + 1 + k, l);
    }
}
