//! The pre-parse blanking of what kvet never reads (managedFields, env, volumes without an
//! emptyDir or a claim, the last-applied annotation): lines become empty, so line numbers stay exact, and a
//! property test holds the result to the parse of the whole document.

use super::meta::AppliedAs;

/// Block-style keys whose whole value kvet never reads: `managedFields` (a large share of every
/// object in `kubectl get -o yaml` dumps) and the container and pod fields that hold
/// configuration rather than anything a check looks at. A check that comes to need one of these
/// must take it off this list (the drain simulation took `tolerations` off, and reads `volumes`
/// only when the block names an emptyDir or a persistentVolumeClaim: other volumes leave its
/// projection unchanged).
const UNREAD_BLOCKS: [&str; 6] = [
    "managedFields:",
    "env:",
    "envFrom:",
    "volumeMounts:",
    "args:",
    // Kept when the block has an emptyDir (drains read its name) or a persistentVolumeClaim
    // (rollout-recreate reads its claim); any other volume is unread.
    "volumes:",
];
const LAST_APPLIED_KEY: &str = "kubectl.kubernetes.io/last-applied-configuration:";

/// Whether a line (without its indentation and trailing space) is the key of an unread block:
/// most lines hold a value after their colon and are ruled out by their last byte.
fn unread_block(key: &str) -> bool {
    key.ends_with(':') && UNREAD_BLOCKS.contains(&key)
}

/// Blanks the values kvet never reads (see [`UNREAD_BLOCKS`]) and the last-applied annotation
/// before a document is parsed, which saves most of the parsing of a real pod. Lines become
/// empty rather than disappear, so line numbers stay exact; a block is only recognised when its
/// key stands alone on its line (block style), and anything else is left for the parser.
///
/// Blanking must never change what the parser reads. Where it could, the document is returned
/// as it is: a key-like line inside a block scalar, a multi-line quoted scalar or a multi-line
/// flow collection (it is text, not a key), and an anchor inside a blanked block when the
/// document uses aliases (the alias would lose its target).
pub fn strip_unkept(text: &str) -> std::borrow::Cow<'_, str> {
    use super::lines::Skip;
    let is_blankable =
        |rest: &str| unread_block(rest.trim_end()) || rest.starts_with(LAST_APPLIED_KEY);
    if !UNREAD_BLOCKS
        .iter()
        .chain([&LAST_APPLIED_KEY])
        .any(|k| text.contains(k))
    {
        return std::borrow::Cow::Borrowed(text);
    }
    let unchanged = std::borrow::Cow::Borrowed(text);
    let mut out = String::with_capacity(text.len());
    let mut skipping: Option<usize> = None;
    // A value of the kept text that goes on past its line.
    let mut cont = Skip::None;
    // Inside a blanked block: a quoted or flow value that goes on past its line.
    let mut blanked_cont = Skip::None;
    let mut blanked_anchor = false;
    let all: Vec<&str> = text.split_inclusive('\n').collect();
    let mut parents = Parents::default();
    // Every blanked key holds a list in Kubernetes (env, volumes, managedFields, ...): a block
    // is only blanked when its value is a block sequence. The same key holding a scalar or a
    // map (a label named `env`, say) is something else, and is left to the parser.
    let holds_sequence = |at: usize, k: usize| {
        all[at + 1..]
            .iter()
            .map(|l| l.trim_end_matches(['\n', '\r']))
            .find(|b| {
                let t = b.trim_start();
                !(t.is_empty() || t.starts_with('#'))
            })
            .is_some_and(|b| {
                let indent = b.len() - b.trim_start_matches(' ').len();
                let t = &b[indent..];
                indent >= k && (t == "-" || t.starts_with("- "))
            })
    };
    for (at, line) in all.iter().copied().enumerate() {
        let body = line.trim_end_matches(['\n', '\r']);
        let indent = body.len() - body.trim_start_matches(' ').len();
        let rest = &body[indent..];
        if let Some(k) = skipping {
            if blanked_cont.inside(body) {
                out.push('\n');
                continue;
            }
            let inside = rest.is_empty()
                || rest.starts_with('#')
                || indent > k
                || (indent == k && (rest == "-" || rest.starts_with("- ")));
            if inside {
                blanked_anchor |= has_anchor(rest);
                blanked_cont = Skip::after_line(rest, indent);
                if matches!(blanked_cont, Skip::Deeper(_)) {
                    // A block scalar inside the block ends with deeper lines: `inside` covers it.
                    blanked_cont = Skip::None;
                }
                out.push('\n');
                continue;
            }
            skipping = None;
        }
        if cont.inside(body) {
            if is_blankable(rest) {
                return unchanged; // a key-like line that is text of a multi-line value
            }
            out.push_str(line);
            continue;
        }
        let key = rest.trim_end();
        if unread_block(key)
            && holds_sequence(at, indent)
            && parents.expects(key.trim_end_matches(':'), indent)
            && !(key == "volumes:"
                && (block_mentions(&all[at + 1..], indent, "emptyDir")
                    || block_mentions(&all[at + 1..], indent, "persistentVolumeClaim")))
            // An env value YAML reads as a boolean or a number is refused by kubectl: the
            // parser must see it.
            && !(key == "env:" && block_has_non_string_value(&all[at + 1..], indent))
        {
            skipping = Some(indent);
            blanked_cont = Skip::None;
            out.push('\n');
            continue;
        }
        let annotation = rest
            .strip_prefix(LAST_APPLIED_KEY)
            .filter(|_| parents.expects("annotation", indent));
        if let Some(value) = annotation {
            let v = value.trim();
            // A one-line quoted value, or a block scalar whose lines are indented deeper.
            let one_line = (v.starts_with('\'') && v.ends_with('\'') && v.len() > 1)
                || (v.starts_with('"') && v.ends_with('"') && !v.ends_with("\\\"") && v.len() > 1);
            // What kvet keeps of the annotation (its apiVersion and kind) stays, as a short
            // annotation of its own on the same line; where it cannot be read here, the
            // document is parsed whole.
            let pad = &body[..indent];
            let keep = |out: &mut String, json: &str| -> bool {
                match read_api_and_kind(json) {
                    Ok(Some(h)) => {
                        out.push_str(&format!("{pad}{APPLIED_AS}: \"{} {}\"\n", h.0, h.1));
                        true
                    }
                    Ok(None) => {
                        out.push('\n');
                        true
                    }
                    Err(()) => false,
                }
            };
            if one_line {
                if v.starts_with('"') || !keep(&mut out, &v[1..v.len() - 1].replace("''", "'")) {
                    return unchanged;
                }
                continue;
            }
            if v.starts_with('|') || v.starts_with('>') {
                let next = all[at + 1..]
                    .iter()
                    .map(|l| l.trim())
                    .find(|l| !l.is_empty())
                    .unwrap_or("");
                if !keep(&mut out, next) {
                    return unchanged;
                }
                skipping = Some(indent);
                blanked_cont = Skip::None;
                continue;
            }
        }
        cont = Skip::after_line(rest, indent);
        parents.line(rest, indent);
        out.push_str(line);
    }
    if blanked_cont != Skip::None || (blanked_anchor && text.contains('*')) {
        return unchanged;
    }
    std::borrow::Cow::Owned(out)
}

/// The block keys above the current line, for deciding where a key sits: `env` is only the
/// container field when its parent is an item of `containers`, `volumes` only the pod field
/// under `spec`, and so on. Items of a sequence are entered as `-`.
#[derive(Default)]
struct Parents<'a> {
    stack: Vec<(usize, &'a str)>,
}

impl<'a> Parents<'a> {
    /// Records one kept line (`rest` is the line without its indentation).
    fn line(&mut self, rest: &'a str, col: usize) {
        let t = rest.trim_end();
        if t.is_empty() || t.starts_with('#') {
            return;
        }
        let mut col = col;
        let mut rest = t;
        loop {
            if rest == "-" || rest.starts_with("- ") {
                self.stack
                    .retain(|&(c, n)| c < col || (c == col && n != "-"));
                self.stack.push((col, "-"));
                let inner = rest[1..].trim_start_matches(' ');
                if inner.is_empty() {
                    return;
                }
                col += rest.len() - inner.len();
                rest = inner;
                continue;
            }
            self.stack.retain(|&(c, _)| c < col);
            if let Some(i) = rest.find(':') {
                let after = &rest[i + 1..];
                if after.is_empty() || after.starts_with(' ') {
                    self.stack.push((col, rest[..i].trim_matches(['"', '\''])));
                }
            }
            return;
        }
    }

    /// Whether the blankable `key` at column `col` is the field kvet skips: under a container
    /// (env, envFrom, volumeMounts, args), a pod spec (volumes, tolerations), an object's
    /// metadata (managedFields) or its annotations (`annotation`, the last-applied one).
    fn expects(&self, key: &str, col: usize) -> bool {
        let mut above = self.stack.iter().rev().filter(|(c, _)| *c < col);
        let parent = above.next().map(|p| p.1);
        let grandparent = above.next().map(|p| p.1);
        match key {
            "env" | "envFrom" | "volumeMounts" | "args" => {
                parent == Some("-")
                    && matches!(
                        grandparent,
                        Some("containers" | "initContainers" | "ephemeralContainers")
                    )
            }
            "volumes" | "tolerations" => parent == Some("spec"),
            "managedFields" => parent == Some("metadata"),
            "annotation" => parent == Some("annotations"),
            _ => false,
        }
    }
}

/// Whether the block that follows a key at column `k` (its deeper lines, and its `- ` items at
/// the same column) contains `needle`.
/// Whether a plain (unquoted) scalar is something other than a string to YAML 1.1, as kubectl's
/// parser reads it: a boolean (true, yes, y, on and their opposites, in any of YAML's cases) or
/// a number.
pub fn yaml11_non_string(v: &str) -> bool {
    let v = v.trim();
    if v.is_empty() || v.starts_with(['"', '\'', '|', '>', '[', '{', '&', '*', '!']) {
        return false;
    }
    const BOOLS: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
        "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
    ];
    if BOOLS.contains(&v) {
        return true;
    }
    let digits = v.trim_start_matches(['+', '-']);
    let numeric = |t: &str| !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || c == '_');
    numeric(digits)
        || v.parse::<f64>().is_ok_and(|f| f.is_finite())
            && !v.chars().any(|c| c.is_alphabetic() && c != 'e' && c != 'E')
        || digits
            .strip_prefix("0x")
            .is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
        || digits.strip_prefix("0o").is_some_and(numeric)
}

/// The lines of the block under a key at indent `k` (its items and deeper lines), without
/// their line ends and indentation.
fn block_lines<'a>(rest: &'a [&'a str], k: usize) -> impl Iterator<Item = &'a str> + 'a {
    rest.iter()
        .map(|l| {
            let b = l.trim_end_matches(['\n', '\r']);
            let indent = b.len() - b.trim_start_matches(' ').len();
            (indent, &b[indent..])
        })
        .take_while(move |(indent, t)| {
            t.is_empty()
                || t.starts_with('#')
                || *indent > k
                || (*indent == k && (*t == "-" || t.starts_with("- ")))
        })
        .map(|(_, t)| t)
}

/// Whether a block has a `value:` whose plain scalar is not a string (see [`yaml11_non_string`]).
fn block_has_non_string_value(rest: &[&str], k: usize) -> bool {
    block_lines(rest, k).any(|t| {
        let t = t.trim_start_matches("- ").trim_start();
        let block = t
            .strip_prefix("value:")
            .map(|v| v.split(" #").next().unwrap_or(v));
        // Flow style: `- {name: A, value: 8080}`.
        let flow = t
            .find("value:")
            .filter(|_| t.starts_with('{'))
            .map(|i| t[i + 6..].split([',', '}']).next().unwrap_or_default());
        block.is_some_and(yaml11_non_string) || flow.is_some_and(yaml11_non_string)
    })
}

fn block_mentions(rest: &[&str], k: usize, needle: &str) -> bool {
    block_lines(rest, k).any(|t| t.contains(needle))
}

/// Whether a line of YAML defines an anchor (`&name` at the start of a value or an item).
fn has_anchor(rest: &str) -> bool {
    rest.match_indices('&').any(|(i, _)| {
        let before = rest[..i].trim_end();
        let after = rest[i + 1..].chars().next();
        (before.is_empty() || before.ends_with(':') || before.ends_with('-'))
            && after.is_some_and(|c| !c.is_whitespace())
    })
}

/// What the pre-parse blanking leaves of the last-applied annotation: `apiVersion kind`.
pub const APPLIED_AS: &str = "kvet.io/applied-as";

/// The top-level apiVersion and kind of a JSON object, the rest skipped without allocating.
pub fn api_and_kind(json: &str) -> Option<AppliedAs> {
    read_api_and_kind(json).ok().flatten()
}

/// As [`api_and_kind`], telling text that is not one JSON object (`Err`) from an object
/// without the two fields (`Ok(None)`).
fn read_api_and_kind(json: &str) -> Result<Option<AppliedAs>, ()> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Head {
        api_version: Option<String>,
        kind: Option<String>,
    }
    let mut it = serde_json::Deserializer::from_str(json.trim_start()).into_iter::<Head>();
    let h = it.next().ok_or(())?.map_err(|_| ())?;
    Ok(match (h.api_version, h.kind) {
        (Some(a), Some(k)) if !a.contains([' ', '"', '\\']) && !k.contains([' ', '"', '\\']) => {
            Some(Box::new((a.into(), k.into())))
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::yaml11_non_string;

    #[test]
    fn yaml_1_1_reads_these_plain_scalars_as_booleans_or_numbers() {
        for v in [
            "yes", "No", "y", "ON", "off", "true", "8080", "-1", "1.5", "1e3", "0x1F", "1_000",
        ] {
            assert!(yaml11_non_string(v), "{v}");
        }
        for v in [
            "\"8080\"", "'yes'", "web", "8080a", "v1.2", "", "null-ish", "|", "1.2.3",
        ] {
            assert!(!yaml11_non_string(v), "{v}");
        }
    }
}
