//! Text safety for terminals: names and messages from manifests never reach the terminal raw.

/// Escapes control characters and bidi overrides (kubectl's CVE-2021-25743) so that a name like
/// `"\x1b[2Jpwned"` prints as `\x1b[2Jpwned` instead of clearing the screen.
pub fn escape_ctrl(s: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| {
        c.is_control()
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
    };
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
    }
}
