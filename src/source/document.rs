//! The full object behind a finding, read again from where it came from: the file (and line)
//! of an offline copy, or the embedded demo. Fixes need every field of the object, which the
//! snapshot's slim projections do not keep.

use super::demo;
use crate::model::{ObjectRef, Origin, Snapshot, SourceKind};
use serde_json::Value;

/// The object of `r` whose copy starts at `origin`, as JSON.
pub fn read_object(snap: &Snapshot, r: &ObjectRef, origin: Origin) -> Result<Value, String> {
    let name = snap
        .files
        .get(origin.file as usize)
        .ok_or_else(|| format!("{r}: its file is not known"))?;
    let owned;
    let doc: &str = match snap.source_kind {
        SourceKind::Demo => {
            let text = demo::FILES
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, t)| *t)
                .ok_or_else(|| format!("{name}: not in the demo"))?;
            document_at(text, origin.line)
                .ok_or_else(|| format!("{name}:{}: no document there", origin.line))?
        }
        _ if name == "-" => {
            return Err(format!(
                "{r} was read from stdin, which is not kept: save the manifests to a file and run kvet fix -f FILE"
            ))
        }
        _ => {
            owned = read_document(name, origin.line)?;
            &owned
        }
    };
    let value: Value = serde_saphyr::from_str(doc)
        .map_err(|e| format!("{name}:{}: {}", origin.line, first_line(&e.to_string())))?;
    pick(value, r).ok_or_else(|| {
        format!(
            "{name}:{}: {r} is not there any more (the file changed since it was loaded)",
            origin.line
        )
    })
}

/// The YAML of an offline object for `y`: the document as written, or (in a List, or when
/// something must be redacted) the object rendered again with the redactions.
pub fn shown_yaml(
    snap: &Snapshot,
    r: &ObjectRef,
) -> Result<crate::model::shown::ShownYaml, String> {
    use crate::model::shown;
    let origin = snap
        .all_meta()
        .into_iter()
        .find(|(k, m)| {
            *k == r.kind && *m.name == *r.name && m.namespace.as_deref() == r.namespace.as_deref()
        })
        .and_then(|(_, m)| m.origin)
        .ok_or_else(|| format!("{r}: where it was read from is unknown"))?;
    let name = snap
        .files
        .get(origin.file as usize)
        .ok_or_else(|| format!("{r}: its file is not known"))?;
    let source = match snap.source_kind {
        SourceKind::Demo => format!("{name}:{} (the embedded demo)", origin.line),
        _ => format!("{name}:{}", origin.line),
    };
    let owned;
    let doc: &str = match snap.source_kind {
        SourceKind::Demo => demo::FILES
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, t)| document_at(t, origin.line))
            .ok_or_else(|| format!("{name}:{}: no document there", origin.line))?,
        _ if name == "-" => {
            return Err(format!(
                "{r} was read from stdin, which kvet does not keep: save the manifests to a file to see them here"
            ))
        }
        _ => {
            owned = read_document(name, origin.line)?;
            &owned
        }
    };
    let value: Value = serde_saphyr::from_str(doc)
        .map_err(|e| format!("{name}:{}: {}", origin.line, first_line(&e.to_string())))?;
    let whole = value.get("items").is_none();
    let mut object = pick(value, r).ok_or_else(|| {
        format!(
            "{name}:{}: {r} is not there any more (the file changed since it was loaded)",
            origin.line
        )
    })?;
    let redacted = shown::redact(&mut object);
    let text = if whole && redacted.is_empty() {
        doc.to_string()
    } else {
        shown::to_yaml(&object)
    };
    Ok(shown::ShownYaml {
        text,
        source,
        redacted,
    })
}

/// The object an offline finding's fix patches, read again from its file (the caller plans the
/// fix with `fix::plan_offline`).
pub fn fix_object(snap: &Snapshot, finding: &crate::audit::Finding) -> Result<Value, String> {
    if finding.object.kind == crate::model::Kind::Namespace
        && !snap
            .namespaces
            .iter()
            .any(|n| *n.meta.name == *finding.object.name)
    {
        // A namespace the manifests use without a Namespace object: the fix creates a policy
        // in it and never changes the namespace itself.
        return Ok(serde_json::json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": &*finding.object.name},
        }));
    }
    let origin = finding
        .origin
        .ok_or_else(|| format!("{}: where it was read from is unknown", finding.object))?;
    read_object(snap, &finding.object, origin)
}

/// The document of a file that contains `line`, read line by line up to its end (a fix of an
/// object in a large dump does not read the whole file).
fn read_document(name: &str, line: u32) -> Result<String, String> {
    use std::io::BufRead;
    let f = std::fs::File::open(name).map_err(|e| format!("{name}: {e}"))?;
    let mut doc = String::new();
    let mut n = 0u32;
    let mut found = false;
    for l in std::io::BufReader::new(f).lines() {
        let l = l.map_err(|e| format!("{name}: {e}"))?;
        n += 1;
        let body = l.strip_prefix('\u{feff}').unwrap_or(&l);
        let sep = body == "---" || body.starts_with("--- ") || body == "...";
        if sep {
            if found {
                break;
            }
            doc.clear();
        } else {
            doc.push_str(body);
            doc.push('\n');
        }
        if n == line {
            found = true;
        }
    }
    if found {
        Ok(doc)
    } else {
        Err(format!(
            "{name}:{line}: no document there (the file changed since it was loaded)"
        ))
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

/// The object `r` from in-memory manifests, at the document around `line`.
pub fn object_from_text(text: &str, r: &ObjectRef, line: u32) -> Result<Value, String> {
    let doc = document_at(text, line).ok_or_else(|| format!("line {line}: no document there"))?;
    let value: Value =
        serde_saphyr::from_str(doc).map_err(|e| first_line(&e.to_string()).to_string())?;
    pick(value, r).ok_or_else(|| format!("{r} is not at line {line}"))
}

/// The document of a multi-document file that contains `line` (1-based).
fn document_at(text: &str, line: u32) -> Option<&str> {
    let mut start = 0usize;
    let mut offset = 0usize;
    let mut n = 0u32;
    let mut found: Option<usize> = None;
    for l in text.split_inclusive('\n') {
        n += 1;
        let body = l.trim_end_matches(['\n', '\r']);
        let sep = body == "---" || body.starts_with("--- ") || body == "...";
        if sep {
            if found.is_some() {
                return text.get(start..offset);
            }
            start = offset + l.len();
        }
        if n == line {
            found = Some(start);
        }
        offset += l.len();
    }
    found.and_then(|s| text.get(s..))
}

/// The object itself, or the item of a List that is `r`.
fn pick(v: Value, r: &ObjectRef) -> Option<Value> {
    let is = |o: &Value| {
        o.get("kind").and_then(Value::as_str) == Some(r.kind.as_str())
            && o.pointer("/metadata/name").and_then(Value::as_str) == Some(&*r.name)
    };
    if let Some(items) = v.get("items").and_then(Value::as_array) {
        let same_ns = |o: &&Value| {
            o.pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .is_none_or(|ns| Some(ns) == r.namespace.as_deref())
        };
        return items.iter().filter(|o| is(o)).find(same_ns).cloned();
    }
    is(&v).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::document_at;

    #[test]
    fn finds_the_document_around_a_line() {
        let text = "a: 1\n---\nb: 2\nc: 3\n---\nd: 4\n";
        assert_eq!(document_at(text, 1), Some("a: 1\n"));
        assert_eq!(document_at(text, 3), Some("b: 2\nc: 3\n"));
        assert_eq!(document_at(text, 4), Some("b: 2\nc: 3\n"));
        assert_eq!(document_at(text, 6), Some("d: 4\n"));
    }
}
