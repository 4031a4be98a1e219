use super::View;
use crate::audit::find_check;
use crate::tui::app::{App, GLOBAL_COMMANDS, GLOBAL_COMMAND_LINE};
use crate::tui::keymap::KeyMode;
use crate::tui::shared::Popup;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

/// Help (generated from the keymap) or a check's explanation.
pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    if area.width < 4 || area.height < 3 {
        return;
    }
    let sh = &app.shared;
    let t = &sh.theme;
    let (title, lines, scroll) = match &sh.popup {
        Some(Popup::Help { scroll }) => {
            // Generated from the bindings in force: everywhere, then each view's own keys.
            let mut lines = vec![Line::styled("Keys", t.accent())];
            let bindings = sh.keymap.bindings(KeyMode::Normal);
            let key_line = |keys: &str, help: &str| {
                Line::from(vec![
                    Span::styled(format!("    {keys:<22}"), t.key()),
                    Span::raw(help.to_string()),
                ])
            };
            let mut sections: Vec<(String, &[crate::tui::keymap::Command])> =
                vec![("everywhere".into(), GLOBAL_COMMANDS)];
            for v in View::ALL {
                if !v.commands().is_empty() {
                    sections.push((format!("in {}", v.title()), v.commands()));
                }
            }
            for (name, cmds) in sections {
                lines.push(Line::styled(format!("  {name}"), t.muted()));
                for (keys, cmd) in bindings.iter().filter(|(_, c)| cmds.contains(c)) {
                    lines.push(key_line(keys, cmd.help()));
                }
            }
            for (mode, name) in [
                (KeyMode::Pager, "in the YAML and logs pager (y, l)"),
                (KeyMode::Popup, "in a popup"),
                (KeyMode::Input, "typing a filter or command"),
            ] {
                lines.push(Line::styled(format!("  {name}"), t.muted()));
                for (keys, cmd) in sh.keymap.bindings(mode) {
                    lines.push(key_line(&keys, cmd.help()));
                }
            }
            lines.push(Line::raw(""));
            lines.push(Line::styled("Commands (press :)", t.accent()));
            let mut seen = std::collections::HashSet::new();
            let all = View::ALL
                .iter()
                .flat_map(|v| v.command_line().iter())
                .chain(GLOBAL_COMMAND_LINE.iter());
            for (c, h) in all {
                if seen.insert(*c) {
                    lines.push(key_line(c, h));
                }
            }
            lines.push(Line::raw(""));
            lines.push(Line::styled(
                "Mouse: click to select or focus a pane, wheel to scroll.",
                t.muted(),
            ));
            (" Help ".to_string(), lines, *scroll)
        }
        Some(Popup::Explain { check, scroll }) => {
            let mut lines = Vec::new();
            if let Some(c) = find_check(check) {
                let i = c.info();
                lines.push(Line::from(vec![
                    Span::styled(i.id, t.accent()),
                    Span::styled(
                        format!("  {} · default {}", i.family.as_str(), i.severity),
                        t.muted(),
                    ),
                ]));
                lines.push(Line::raw(i.summary));
                lines.push(Line::raw(""));
                for l in i.doc.lines() {
                    if !l.starts_with(' ') && !l.is_empty() {
                        lines.push(Line::styled(l.to_string(), t.accent()));
                    } else {
                        lines.push(Line::raw(l.to_string()));
                    }
                }
                lines.push(Line::raw(""));
                lines.push(Line::styled(
                    if i.fix_available {
                        format!(
                            "Automatic fix: press f on the finding, or run kvet fix --check {} --object KIND/NS/NAME",
                            i.id
                        )
                    } else {
                        "Automatic fix: not yet; the Fix section above says what to change.".into()
                    },
                    t.muted(),
                ));
                lines.push(Line::styled(
                    format!("Exempt an object: annotation kvet.io/ignore: \"{}\"", i.id),
                    t.muted(),
                ));
            }
            (format!(" Explain: {check} "), lines, *scroll)
        }
        Some(Popup::Fix(d)) => {
            super::fix_dialog::render(frame, area, d, sh);
            return;
        }
        Some(Popup::Contexts { selected }) => {
            let mut lines = vec![
                Line::styled(
                    "Switch to a kubeconfig context (Enter), Esc to stay",
                    t.muted(),
                ),
                Line::raw(""),
            ];
            if let Some(l) = &sh.live {
                for (i, c) in l.contexts.iter().enumerate() {
                    let mark = if *c == l.context { "● " } else { "  " };
                    let text = format!("{mark}{}", crate::text::escape_ctrl(c));
                    lines.push(if i == *selected {
                        Line::styled(text, t.selection())
                    } else {
                        Line::raw(text)
                    });
                }
            }
            (" Contexts ".to_string(), lines, 0)
        }
        None => return,
    };
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .title_bottom(" Esc close · ↑↓ scroll ")
        .border_style(t.border(true))
        .style(t.base());
    let max_scroll = (lines.len() as u16).saturating_sub(area.height.saturating_sub(2));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll.min(max_scroll), 0)),
        area,
    );
}
