use crate::tui::app::App;
use crate::tui::keymap::{Command, KeyMode};
use crate::tui::shared::InputKind;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// The command bar: the keys that work now, generated from the keymap; or the input line.
pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let sh = &app.shared;
    let t = &sh.theme;
    let line = if let Some((kind, text)) = &sh.input {
        let prompt = match kind {
            InputKind::Filter | InputKind::Search => "/",
            InputKind::Command => ":",
            InputKind::FixValue => "set ",
        };
        Line::from(vec![
            Span::styled(prompt, t.key()),
            Span::raw(crate::text::escape_ctrl(text).into_owned()),
            Span::styled("█", t.accent()),
            Span::styled("   Enter apply · Esc cancel", t.muted()),
        ])
    } else if let Some(s) = &sh.status {
        // Status lines name objects, contexts and server messages: escaped here, once.
        Line::from(Span::styled(
            crate::text::escape_ctrl(s).into_owned(),
            t.accent(),
        ))
    } else {
        let mode = app.key_mode();
        let wanted: &[Command] = match mode {
            KeyMode::Popup => &[Command::Back, Command::Down, Command::Up, Command::Quit],
            KeyMode::Pager
                if matches!(
                    app.pager.as_ref().map(|p| &p.content),
                    Some(super::pager::Content::Yaml(_))
                ) =>
            {
                &[
                    Command::Back,
                    Command::Filter,
                    Command::SearchNext,
                    Command::PageDown,
                    Command::Bottom,
                ]
            }
            KeyMode::Pager => &[
                Command::Back,
                Command::Filter,
                Command::SearchNext,
                Command::Follow,
                Command::Previous,
                Command::Container,
                Command::Bottom,
            ],
            _ if app.view == super::View::Nodes => &[
                Command::Help,
                Command::CommandLine,
                Command::Drain,
                Command::Back,
                Command::PageDown,
                Command::ViewFindings,
                Command::Quit,
            ],
            _ => &[
                Command::Help,
                Command::Filter,
                Command::CommandLine,
                Command::NextPane,
                Command::Select,
                Command::Fix,
                Command::ViewFindings,
                Command::Sort,
                Command::Severity,
                Command::Quit,
            ],
        };
        let mut spans = Vec::new();
        for &c in wanted {
            if let Some(k) = sh.keymap.keys_for(mode, c).first() {
                spans.push(Span::styled(format!(" {} ", k.label()), t.key()));
                spans.push(Span::styled(format!("{} ", short(c)), t.muted()));
            }
        }
        if !sh.filter.is_empty() {
            spans.push(Span::styled(
                format!(" filter: {} ", crate::text::escape_ctrl(&sh.filter)),
                t.accent(),
            ));
        }
        Line::from(spans)
    };
    frame.render_widget(Paragraph::new(line).style(t.base()), area);
}

fn short(c: Command) -> &'static str {
    match c {
        Command::Help => "help",
        Command::Filter => "filter",
        Command::CommandLine => "command",
        Command::NextPane => "pane",
        Command::Select => "open",
        Command::Fix => "fix",
        Command::ViewFindings => "findings",
        Command::Sort => "sort",
        Command::Severity => "severity",
        Command::Quit => "quit",
        Command::Back => "close",
        Command::Down => "down",
        Command::Up => "up",
        Command::Drain => "drain",
        Command::PageDown => "scroll",
        Command::Yaml => "yaml",
        Command::Logs => "logs",
        Command::SearchNext => "next",
        Command::Follow => "follow",
        Command::Previous => "previous",
        Command::Container => "container",
        Command::Bottom => "end",
        other => other.name(),
    }
}
