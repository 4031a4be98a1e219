//! PURE. Cutting YAML text into documents, as the offline loader and Helm release manifests
//! need it.

/// A line that separates YAML documents: `---` alone or followed by white space, or `...`.
pub fn separator(line: &str) -> Option<&str> {
    let t = line.trim_end_matches(['\n', '\r']);
    if t == "..." {
        return Some("");
    }
    let rest = t.strip_prefix("---")?;
    if rest.is_empty() {
        Some("")
    } else if rest.starts_with([' ', '\t']) {
        let r = rest.trim_start();
        Some(if r.starts_with('#') { "" } else { r })
    } else {
        None
    }
}

/// Every document of a YAML stream, in order (blank ones included); the text after a `--- `
/// on its separator line starts the next document.
pub fn split(text: &str) -> Vec<String> {
    split_at_most(text, usize::MAX).0
}

/// [`split`], stopping after `max` documents; the flag says whether more followed.
pub fn split_at_most(text: &str, max: usize) -> (Vec<String>, bool) {
    let mut docs = vec![String::new()];
    for line in text.split_inclusive('\n') {
        match separator(line) {
            Some(_) if docs.len() >= max => return (docs, true),
            Some(rest) => {
                let mut d = rest.to_string();
                if !d.is_empty() {
                    d.push('\n');
                }
                docs.push(d);
            }
            None => docs.last_mut().map(|d| d.push_str(line)).unwrap_or(()),
        }
    }
    (docs, false)
}

#[cfg(test)]
mod tests {
    use super::{separator, split};

    #[test]
    fn separators() {
        assert_eq!(separator("---\n"), Some(""));
        assert_eq!(separator("--- # next\n"), Some(""));
        assert_eq!(separator("--- {a: 1}\n"), Some("{a: 1}"));
        assert_eq!(separator("...\n"), Some(""));
        assert_eq!(separator("----\n"), None);
        assert_eq!(separator("  ---\n"), None);
    }

    #[test]
    fn split_keeps_every_document_in_order() {
        let docs = split("a: 1\n---\n# Source: x.yaml\nb: 2\n--- {c: 3}\n");
        assert_eq!(docs, vec!["a: 1\n", "# Source: x.yaml\nb: 2\n", "{c: 3}\n"]);
    }
}
