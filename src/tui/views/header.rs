use super::View;
use crate::audit::Severity;
use crate::text::escape_ctrl;
use crate::tui::app::App;
use crate::tui::shared::Connection;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Source, counts by severity, connection state, and the view tabs.
pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let sh = &app.shared;
    let t = &sh.theme;
    let f = &sh.findings;
    let mut spans = vec![
        Span::styled(
            " kvet ",
            t.header().add_modifier(ratatui::style::Modifier::BOLD),
        ),
        Span::styled(
            format!(" {} ", escape_ctrl(&sh.snapshot.source)),
            t.header(),
        ),
        Span::raw(" "),
    ];
    let wide = area.width >= 120;
    let first_load = sh
        .progress
        .as_ref()
        .filter(|p| p.kinds_done < p.kinds_total);
    if let Some(p) = first_load {
        // Until every kind's first list is in, counts would be a falsehood: show progress.
        spans.push(Span::styled(
            if wide {
                format!(
                    "◌ loading {}/{} kinds · {} objects so far ",
                    p.kinds_done, p.kinds_total, p.objects
                )
            } else {
                format!("◌ {}/{} kinds ", p.kinds_done, p.kinds_total)
            },
            t.severity(Severity::Warning),
        ));
    } else if sh.findings_generation.is_none() {
        spans.push(Span::styled("auditing… ", t.muted()));
    } else {
        for (s, sym) in [
            (Severity::Critical, "●"),
            (Severity::Warning, "▲"),
            (Severity::Info, "■"),
        ] {
            let text = if wide {
                format!("{sym} {} {s}", f.count(s))
            } else {
                format!("{sym}{}", f.count(s))
            };
            spans.push(Span::styled(text, t.severity(s)));
            spans.push(Span::raw(if wide { "  " } else { " " }));
        }
        // What hurts now (the Triage view, 7).
        let (down, degraded) = app.triage.counts();
        if down + degraded > 0 {
            // Short: the view keys need the room (7 opens the Triage view).
            let text = format!("✖{down} ▼{degraded} ");
            spans.push(Span::styled(text, t.severity(Severity::Critical)));
        }
        if let Some(p) = sh.progress.as_ref().filter(|p| !p.relisting.is_empty()) {
            spans.push(Span::styled(
                format!("◌ relisting {} ", p.relisting.join(", ")),
                t.severity(Severity::Warning),
            ));
        }
    }
    let conn = match &sh.connection {
        Connection::Offline if area.width < 120 => Span::styled("◆ offline", t.muted()),
        Connection::Offline => Span::styled("◆ offline snapshot", t.muted()),
        Connection::Live => Span::styled("● live", t.ok()),
        Connection::StaleSince(at) => {
            Span::styled(format!("◌ stale since {at}"), t.severity(Severity::Warning))
        }
    };
    spans.push(conn);
    if let Some(l) = &sh.live {
        if l.insecure {
            spans.push(Span::styled(
                "  ⚠ TLS not verified",
                t.severity(Severity::Warning),
            ));
        }
        let n = l.unavailable();
        if n > 0 {
            spans.push(Span::styled(
                format!("  ⚠ {n} kind{} unavailable", if n == 1 { "" } else { "s" }),
                t.severity(Severity::Warning),
            ));
        }
    }
    spans.push(Span::raw(if area.width >= 120 { "   " } else { " " }));
    for (i, v) in View::ALL.iter().enumerate() {
        let label = if area.width >= 120 || *v == app.view {
            format!(" {} {} ", i + 1, v.title())
        } else {
            format!(" {} ", i + 1)
        };
        spans.push(if *v == app.view {
            Span::styled(label, t.selection())
        } else {
            Span::styled(label, t.muted())
        });
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(t.base()), area);
}
