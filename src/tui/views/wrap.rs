//! Word wrapping with a hanging indent. Ratatui's `Wrap` starts every continuation at column 0,
//! so a wrapped entry of an indented list (an event's message, a pod under its node) runs back
//! under the headings. Here a line that starts with spaces goes on at that indentation, and the
//! styles of its spans are kept. Panes wrap their lines with [`hanging`] before they are handed
//! to a `Paragraph` (whose own `Wrap` is then a no-op safety net).

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

/// Lines wrapped at `width` columns, each continuation indented like its line's first text.
/// Lines that fit are returned as they are.
pub fn hanging(lines: Vec<Line<'_>>, width: u16) -> Vec<Line<'_>> {
    let width = usize::from(width);
    if width < 8 {
        return lines; // too narrow to indent anything: ratatui's wrapping will do
    }
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        if line.width() <= width {
            out.push(line);
            continue;
        }
        out.extend(wrap_line(&line, width));
    }
    out
}

fn wrap_line<'a>(line: &Line<'_>, width: usize) -> Vec<Line<'a>> {
    let cells: Vec<(char, Style)> = line
        .spans
        .iter()
        .flat_map(|s| s.content.chars().map(move |c| (c, s.style)))
        .collect();
    let lead = cells.iter().take_while(|(c, _)| *c == ' ').count();
    // A deep indentation in a narrow pane would leave no room: at most a third of the width.
    let indent = lead.min(width / 3);
    let w = |c: char| c.width().unwrap_or(0);
    let mut rows: Vec<Vec<(char, Style)>> = Vec::new();
    let mut cur: Vec<(char, Style)> = Vec::new();
    let mut cur_w = 0;
    // Where the text of the current row starts (spaces before it are not a place to break).
    let mut text_from = lead;
    let mut last_space: Option<usize> = None;
    let blank = Style::default();
    for (c, style) in cells {
        let cw = w(c);
        if cur_w + cw > width && cur.len() > text_from {
            if c == ' ' {
                // Break at this space; it is dropped.
                rows.push(std::mem::take(&mut cur));
                cur = vec![(' ', blank); indent];
                cur_w = indent;
                text_from = indent;
                last_space = None;
                continue;
            }
            let rest = match last_space {
                Some(i) => {
                    let rest = cur.split_off(i + 1);
                    cur.truncate(i);
                    rest
                }
                None => Vec::new(), // one word wider than the row: cut it
            };
            rows.push(std::mem::take(&mut cur));
            cur = vec![(' ', blank); indent];
            cur.extend(rest);
            cur_w = cur.iter().map(|&(c, _)| w(c)).sum();
            text_from = indent;
            last_space = cur
                .iter()
                .enumerate()
                .skip(indent)
                .rev()
                .find(|(_, (c, _))| *c == ' ')
                .map(|(i, _)| i);
        }
        if c == ' ' && cur.len() >= text_from {
            last_space = Some(cur.len());
        }
        cur.push((c, style));
        cur_w += cw;
    }
    rows.push(cur);
    rows.into_iter()
        .map(|row| {
            let mut spans: Vec<Span<'a>> = Vec::new();
            let mut text = String::new();
            let mut style: Option<Style> = None;
            for (c, s) in row {
                if style.is_some_and(|st| st != s) {
                    spans.push(Span::styled(
                        std::mem::take(&mut text),
                        style.unwrap_or_default(),
                    ));
                }
                style = Some(s);
                text.push(c);
            }
            if !text.is_empty() {
                spans.push(Span::styled(text, style.unwrap_or_default()));
            }
            let mut l = Line::from(spans).style(line.style);
            l.alignment = line.alignment;
            l
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::{Color, Stylize};

    fn text(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn continuations_keep_the_indentation_and_break_between_words() {
        let lines = vec![
            Line::raw("Heading that is short"),
            Line::raw("  container \"api\" is in CrashLoopBackOff after 8 restarts"),
        ];
        let got = hanging(lines, 24);
        assert_eq!(
            text(&got),
            [
                "Heading that is short",
                "  container \"api\" is in",
                "  CrashLoopBackOff after",
                "  8 restarts",
            ]
        );
        assert!(got.iter().all(|l| l.width() <= 24));
    }

    #[test]
    fn a_word_wider_than_the_row_is_cut_and_styles_are_kept() {
        let line = Line::from(vec![
            Span::raw("  "),
            Span::raw("pod/").fg(Color::Red),
            Span::raw("averyveryverylongname"),
        ]);
        let got = hanging(vec![line], 12);
        assert_eq!(text(&got), ["  pod/averyv", "  eryverylon", "  gname"]);
        assert_eq!(got[0].spans[1].content, "pod/");
        assert_eq!(got[0].spans[1].style.fg, Some(Color::Red));
        assert!(got.iter().all(|l| l.width() <= 12));
    }

    #[test]
    fn wide_characters_count_two_columns() {
        let got = hanging(vec![Line::raw("  日本語 日本語 日本語")], 10);
        assert!(got.iter().all(|l| l.width() <= 10), "{:?}", text(&got));
        assert_eq!(text(&got)[0], "  日本語");
    }
}
