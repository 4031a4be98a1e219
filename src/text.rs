//! Text safety for terminals: names and messages from manifests never reach the terminal raw.

/// Escapes control characters and bidi overrides (kubectl's CVE-2021-25743) so that a name like
/// `"\x1b[2Jpwned"` prints as `\x1b[2Jpwned` instead of clearing the screen.
pub fn escape_ctrl(s: &str) -> std::borrow::Cow<'_, str> {
    let bad = is_unsafe;
    if !s.chars().any(bad) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if bad(c) {
            match c {
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
                c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            }
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The one policy of what never reaches a terminal raw: C0 and C1 controls, DEL, and the
/// characters that reorder or hide text (bidi embeddings, overrides and isolates, the marks, the
/// line and paragraph separators): the Trojan Source pattern.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{061C}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// Escapes a whole output (a table, a diff, YAML, JSON): newlines and tabs stay, every other
/// unsafe character becomes `\uXXXX`. Inside a JSON string or a double-quoted YAML scalar that
/// is the same character, so structured output keeps its meaning; elsewhere it is plain text.
pub fn escape_output(s: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| is_unsafe(c) && c != '\n' && c != '\t';
    if !s.chars().any(bad) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if bad(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// `a, b, c` or, past `max` items, `a, b, c and 4 more`.
pub fn truncate_list<S: AsRef<str>>(items: &[S], max: usize) -> String {
    let shown: Vec<&str> = items.iter().take(max).map(AsRef::as_ref).collect();
    let mut s = shown.join(", ");
    if items.len() > max {
        s.push_str(&format!(" and {} more", items.len() - max));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::escape_ctrl;

    #[test]
    fn escapes_what_a_terminal_would_interpret() {
        assert_eq!(escape_ctrl("web-1"), "web-1");
        assert_eq!(escape_ctrl("\x1b[2Jx"), "\\x1b[2Jx");
        assert_eq!(escape_ctrl("a\rb"), "a\\rb");
        assert_eq!(escape_ctrl("evil\u{202E}txt"), "evil\\u{202e}txt");
        assert_eq!(escape_ctrl("c1\u{9b}31m"), "c1\\x9b31m");
    }

    #[test]
    fn whole_outputs_keep_lines_and_stay_valid_json() {
        use super::escape_output;
        assert_eq!(escape_output("a\n\tb"), "a\n\tb");
        let v = serde_json::json!({"name": "x\u{202E}\u{9b}y\u{1b}"});
        let text = serde_json::to_string(&v).unwrap_or_default();
        let safe = escape_output(&text);
        assert!(!safe.chars().any(|c| super::is_unsafe(c) && c != '\n'));
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap_or_default();
        assert_eq!(back, v, "the escaped JSON decodes to the same strings");
    }
}
