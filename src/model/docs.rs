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

/// A parser's message about a document, led by the object it is about when its kind (and name)
/// can still be read line by line: in a file of many documents, "Deployment api: invalid i64"
/// says which one to fix. Only the kind and name are taken, never a value (it may be secret).
pub fn with_identity(text: &str, message: &str) -> String {
    let clean = |v: &str| {
        let v = match super::lines::find_comment(v) {
            Some(i) => &v[..i],
            None => v,
        };
        let v = v.trim().trim_matches(|c| c == '"' || c == '\'');
        // Escaped where it is shown, as every message is.
        (!v.is_empty()).then(|| v.to_string())
    };
    let (mut kind, mut name) = (None, None);
    let mut in_meta = false;
    let mut child: Option<usize> = None;
    for l in text.lines() {
        let t = l.trim_start_matches(' ');
        if t.trim().is_empty() || t.starts_with('#') {
            continue;
        }
        let indent = l.len() - t.len();
        if indent == 0 {
            in_meta = t.trim_end() == "metadata:";
            if let Some(k) = t.strip_prefix("kind:") {
                kind = kind.or_else(|| clean(k));
            }
        } else if in_meta && *child.get_or_insert(indent) == indent {
            if let Some(n) = t.strip_prefix("name:") {
                name = name.or_else(|| clean(n));
            }
        }
    }
    match (kind, name) {
        (Some(k), Some(n)) => format!("{k} {n}: {message}"),
        (Some(k), None) => format!("{k}: {message}"),
        _ => message.to_string(),
    }
}

#[cfg(test)]
mod identity_tests {
    use super::with_identity;

    #[test]
    fn the_message_names_the_object_when_it_can() {
        let doc = "apiVersion: apps/v1\nkind: Deployment # app\nmetadata:\n  labels:\n    name: not-this\n  name: \"api\"\nspec:\n  replicas: lots\n";
        assert_eq!(
            with_identity(doc, "invalid i64"),
            "Deployment api: invalid i64"
        );
        assert_eq!(with_identity("kind: Service\n", "m"), "Service: m");
        assert_eq!(with_identity("- a\n- b\n", "m"), "m");
    }
}
