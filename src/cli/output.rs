//! Renders audit results: table, JSON, SARIF 2.1.0 and Markdown. Pure functions to strings.

use crate::audit::baseline::{fingerprint_of, Compared, Remembered, State, FINGERPRINT_KEY};
use crate::audit::{registry, AuditResult, Finding, Severity};
use crate::model::Snapshot;
use crate::source::LoadError;
use crate::text::escape_ctrl;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt::Write;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Where a finding is, offline: the file of its copy of the object, and the line of its path.
pub fn location<'a>(snap: &'a Snapshot, f: &Finding) -> Option<(&'a str, u32)> {
    snap.location(f.origin?, &f.path)
}

/// One warning per identity defined more than once (offline), naming every place.
pub fn warnings(snap: &Snapshot) -> Vec<String> {
    snap.index
        .duplicates
        .iter()
        .map(|(r, places)| {
            let list: Vec<String> = places
                .iter()
                .filter_map(|o| {
                    snap.files
                        .get(o.file as usize)
                        .map(|f| format!("{f}:{}", o.line))
                })
                .collect();
            format!(
                "{r} is defined {} times ({}): each copy is audited on its own, but a cluster keeps only the last one applied",
                places.len(),
                list.join(", ")
            )
        })
        .collect()
}

/// With `--helm`, live: what was read, said in every output's header.
pub fn helm_notice(snap: &Snapshot) -> Option<String> {
    let h = snap.helm.as_ref()?;
    Some(format!(
        "--helm: read the deployed revision of {} Helm release(s), {} object(s), from release records (Secret data); only each object's apiVersion, kind, namespace and name were kept",
        h.releases,
        h.objects.len()
    ))
}

/// `kubectl get`-style columns, most severe first, then a summary line. Manifests add a
/// WHERE column (file:line of the finding in its copy of the object).
pub fn table(snap: &Snapshot, result: &AuditResult) -> String {
    table_with(snap, result, None)
}

/// The state of finding `i` against the baseline, when there is one.
fn state(base: Option<&Compared>, i: usize) -> Option<State> {
    base.and_then(|c| c.states.get(i).copied())
}

/// [`table`], with each finding marked against a baseline (`--baseline`).
pub fn table_with(snap: &Snapshot, result: &AuditResult, base: Option<&Compared>) -> String {
    let confirmed = confirmations(snap, result);
    let header = helm_notice(snap).map(|n| n + "\n\n").unwrap_or_default();
    if result.findings.is_empty() {
        return header + "No findings.\n";
    }
    let with_where = snap.source_kind == crate::model::SourceKind::Offline
        && result.findings.iter().any(|f| f.origin.is_some());
    let rows: Vec<Vec<String>> = result
        .findings
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let mut row = vec![];
            if base.is_some() {
                row.push(
                    state(base, i)
                        .map(State::as_str)
                        .unwrap_or("")
                        .to_ascii_uppercase(),
                );
            }
            row.extend([
                f.severity.as_str().to_ascii_uppercase(),
                f.check.to_string(),
                escape_ctrl(f.object.namespace.as_deref().unwrap_or("-")).into_owned(),
                escape_ctrl(&format!("{}/{}", f.object.kind, f.object.name)).into_owned(),
            ]);
            if with_where {
                row.push(match location(snap, f) {
                    Some((file, line)) => escape_ctrl(&format!("{file}:{line}")).into_owned(),
                    None => "-".to_string(),
                });
            }
            row.push(
                escape_ctrl(&match confirmed.get(&(f.check, f.object.clone())) {
                    Some(list) => {
                        format!("{} [{}]", f.message, crate::triage::confirmed_text(list))
                    }
                    None => f.message.clone(),
                })
                .into_owned(),
            );
            row
        })
        .collect();
    let mut headers = vec!["SEVERITY", "CHECK", "NAMESPACE", "OBJECT"];
    if base.is_some() {
        headers.insert(0, "BASELINE");
    }
    if with_where {
        headers.push("WHERE");
    }
    headers.push("MESSAGE");
    let last = headers.len() - 1;
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate().take(last) {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let mut out = header;
    let line = |cells: &[&str], out: &mut String| {
        for (i, c) in cells.iter().enumerate().take(last) {
            let _ = write!(out, "{:<w$}   ", c, w = widths[i]);
        }
        let _ = writeln!(out, "{}", cells[last]);
    };
    line(&headers, &mut out);
    for r in &rows {
        let cells: Vec<&str> = r.iter().map(String::as_str).collect();
        line(&cells, &mut out);
    }
    let _ = writeln!(
        out,
        "\n{} findings: {} critical, {} warning, {} info",
        result.findings.len(),
        result.count(Severity::Critical),
        result.count(Severity::Warning),
        result.count(Severity::Info)
    );
    if let Some(c) = base {
        let _ = writeln!(
            out,
            "against the baseline: {} new, {} updated, {} unchanged, {} absent (fixed or gone)",
            c.count(State::New),
            c.count(State::Updated),
            c.count(State::Unchanged),
            c.count(State::Absent)
        );
        for a in &c.absent {
            let _ = writeln!(
                out,
                "  absent: {} {} {}/{}",
                a.check,
                escape_ctrl(a.namespace.as_deref().unwrap_or("-")),
                escape_ctrl(&a.kind),
                escape_ctrl(&a.name)
            );
        }
    }
    out
}

fn error_json(e: &LoadError) -> Value {
    json!({"source": e.source, "line": e.line, "message": e.message})
}

/// What the cluster recorded that confirms each finding (triage's evidence).
pub fn confirmations(snap: &Snapshot, result: &AuditResult) -> crate::triage::Confirmations {
    crate::triage::confirmations(&crate::triage::triage(snap, &result.findings))
}

fn evidence_json(list: &[(&'static str, Vec<crate::triage::Evidence>)]) -> Value {
    Value::Array(
        list.iter()
            .flat_map(|(symptom, ev)| {
                ev.iter().map(move |e| {
                    json!({"symptom": symptom, "from": e.from, "reason": e.reason, "message": e.message,
                        "count": e.count, "last_seen": e.last_seen,
                        "object": {"kind": e.object.kind.as_str(), "namespace": e.object.namespace.as_deref(), "name": &*e.object.name}})
                })
            })
            .collect(),
    )
}

/// A finding as `kvet audit -o json` lists it (without its location, evidence and baseline
/// state, which need the snapshot).
pub fn finding_json(f: &Finding) -> Value {
    json!({
        "check": f.check,
        "severity": f.severity,
        "object": {"kind": f.object.kind.as_str(), "namespace": f.object.namespace.as_deref(), "name": &*f.object.name},
        "path": f.path,
        "message": f.message,
        "fix_available": f.fix_available,
        "fingerprint": fingerprint_of(f),
    })
}

/// A check ID as a SARIF rule name: `pdb-missing` → `PdbMissing`.
fn rule_name(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The JSON shape of cli.md.
pub fn json(snap: &Snapshot, result: &AuditResult, errors: &[LoadError]) -> String {
    json_with(snap, result, errors, None)
}

fn remembered_json(a: &Remembered) -> Value {
    json!({
        "check": a.check,
        "severity": a.severity,
        "object": {"kind": a.kind, "namespace": a.namespace, "name": a.name},
        "path": a.path,
        "message": a.message,
        "baseline": "absent",
        "fingerprint": a.fingerprint(),
    })
}

/// [`json`], with each finding marked against a baseline (`--baseline`): `"baseline"` on each
/// finding, the counts, and the findings that are gone under `"absent"`.
pub fn json_with(
    snap: &Snapshot,
    result: &AuditResult,
    errors: &[LoadError],
    base: Option<&Compared>,
) -> String {
    let confirmed = confirmations(snap, result);
    let v = json!({
        "kvet_version": VERSION,
        "source": snap.source,
        "summary": {
            "critical": result.count(Severity::Critical),
            "warning": result.count(Severity::Warning),
            "info": result.count(Severity::Info),
        },
        // Spliced in below, one finding at a time: a DOM of 100k findings held at once would
        // weigh more than the snapshot's growth (G1's memory goal).
        "findings": FINDINGS_SLOT,
        "errors": errors.iter().map(error_json).collect::<Vec<_>>(),
        "warnings": warnings(snap),
    });
    let mut v = v;
    if let Some(h) = &snap.helm {
        v["helm"] = json!({"releases": h.releases, "objects": h.objects.len(), "notice": helm_notice(snap)});
    }
    if let Some(c) = base {
        v["baseline"] = json!({
            "new": c.count(State::New),
            "updated": c.count(State::Updated),
            "unchanged": c.count(State::Unchanged),
            "absent": c.count(State::Absent),
        });
        v["absent"] = c.absent.iter().map(remembered_json).collect();
    }
    let finding = |i: usize, f: &Finding| {
        let mut v = finding_json(f);
        if let Some(st) = state(base, i) {
            v["baseline"] = json!(st);
        }
        if let Some((file, line)) = location(snap, f) {
            v["location"] = json!({"file": file, "line": line});
        }
        if let Some(list) = confirmed.get(&(f.check, f.object.clone())) {
            v["evidence"] = evidence_json(list);
        }
        v
    };
    let text = serde_json::to_string_pretty(&v).unwrap_or_default();
    let items = result
        .findings
        .iter()
        .enumerate()
        .map(|(i, f)| finding(i, f));
    let mut s = splice_array(&text, "findings", 1, items);
    s.push('\n');
    s
}

/// Where [`splice_array`] puts an array's items.
const FINDINGS_SLOT: &str = "\u{1}kvet-array-slot";

/// Replaces `"key": SLOT` in pretty JSON (`depth` levels deep) with the items, each written as
/// `serde_json::to_string_pretty` would write it inside the array: the same text, without
/// holding every item's value at once.
fn splice_array(text: &str, key: &str, depth: usize, items: impl Iterator<Item = Value>) -> String {
    let slot = format!(
        "\"{key}\": {}",
        serde_json::to_string(FINDINGS_SLOT).unwrap_or_default()
    );
    let Some(at) = text.find(&slot) else {
        return text.to_string();
    };
    let outer = "  ".repeat(depth);
    let inner = "  ".repeat(depth + 1);
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..at]);
    out.push_str(&format!("\"{key}\": ["));
    let mut any = false;
    for (n, item) in items.enumerate() {
        any = true;
        out.push_str(if n == 0 { "\n" } else { ",\n" });
        let one = serde_json::to_string_pretty(&item).unwrap_or_default();
        for (k, line) in one.lines().enumerate() {
            if k > 0 {
                out.push('\n');
            }
            out.push_str(&inner);
            out.push_str(line);
        }
    }
    if any {
        out.push('\n');
        out.push_str(&outer);
    }
    out.push(']');
    out.push_str(&text[at + slot.len()..]);
    out
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// SARIF 2.1.0: the catalog as rules, one result per finding with its file and line.
pub fn sarif(snap: &Snapshot, result: &AuditResult, errors: &[LoadError]) -> String {
    sarif_with(snap, result, errors, None)
}

/// [`sarif`], with a `baselineState` on every result and the absent ones listed as results
/// (SARIF 2.1.0 §3.27.24). Every result has `partialFingerprints` (§3.27.17), baseline or not.
pub fn sarif_with(
    snap: &Snapshot,
    result: &AuditResult,
    errors: &[LoadError],
    base: Option<&Compared>,
) -> String {
    let confirmed = confirmations(snap, result);
    let checks = registry();
    let rules: Vec<Value> = checks
        .iter()
        .map(|c| {
            let i = c.info();
            json!({
                "id": i.id,
                // SARIF wants a readable name that is not the ID (`pdb-missing` → PdbMissing).
                "name": rule_name(i.id),
                "shortDescription": {"text": i.summary},
                "fullDescription": {"text": i.summary},
                "help": {"text": i.doc},
                "defaultConfiguration": {"level": sarif_level(i.severity)},
                "properties": {"tags": [i.family.as_str(), "kubernetes"], "kvet-severity": i.severity},
            })
        })
        .collect();
    // Made one at a time as the text is written (see `splice_array`).
    let results = result.findings.iter().enumerate().map(|(i, f)| {
        let rule_index = checks.iter().position(|c| c.info().id == f.check);
        let mut loc = json!({
            "logicalLocations": [{
                "fullyQualifiedName": f.object.to_string(),
                "kind": "resource",
            }],
        });
        if let Some((file, line)) = location(snap, f) {
            loc["physicalLocation"] = json!({
                "artifactLocation": {"uri": artifact_uri(file)},
                "region": {"startLine": line},
            });
        }
        let mut r = json!({
            "ruleId": f.check,
            "ruleIndex": rule_index,
            "level": sarif_level(f.severity),
            "message": {"text": format!("{}: {}", f.object, f.message)},
            "locations": [loc],
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint_of(f)},
            "properties": {"path": f.path, "kvet-severity": f.severity},
        });
        if let Some(st) = state(base, i) {
            r["baselineState"] = json!(st);
        }
        if let Some(list) = confirmed.get(&(f.check, f.object.clone())) {
            r["properties"]["evidence"] = evidence_json(list);
        }
        r
    });
    let absent = base.into_iter().flat_map(|c| c.absent.iter()).map(|a| {
            let object = match &a.namespace {
                Some(ns) => format!("{}/{ns}/{}", a.kind, a.name),
                None => format!("{}/{}", a.kind, a.name),
            };
            json!({
                "ruleId": a.check,
                "ruleIndex": checks.iter().position(|c| c.info().id == a.check),
                "level": sarif_level(a.severity),
                "message": {"text": format!("{object}: {}", a.message)},
                "locations": [{"logicalLocations": [{"fullyQualifiedName": object, "kind": "resource"}]}],
                "partialFingerprints": {FINGERPRINT_KEY: a.fingerprint()},
                "baselineState": "absent",
                "properties": {"path": a.path, "kvet-severity": a.severity},
            })
    });
    let notifications: Vec<Value> = errors
        .iter()
        .map(|e| {
            let mut n = json!({"level": "error", "message": {"text": e.message}});
            n["locations"] = json!([{"physicalLocation": {
                "artifactLocation": {"uri": artifact_uri(&e.source)},
                "region": {"startLine": e.line.unwrap_or(1)},
            }}]);
            n
        })
        .collect();
    let v = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "kvet",
                "version": VERSION,
                "semanticVersion": VERSION,
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": errors.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "results": FINDINGS_SLOT,
        }],
    });
    let mut v = v;
    if let Some(n) = helm_notice(snap) {
        v["runs"][0]["properties"] = json!({"helm": n});
    }
    let text = serde_json::to_string_pretty(&v).unwrap_or_default();
    // `results` is a key of the run object, inside the `runs` array: three levels deep.
    let mut s = splice_array(&text, "results", 3, results.chain(absent));
    s.push('\n');
    s
}

/// A SARIF artifact URI for an input path: a relative path stays a relative reference, an
/// absolute one becomes a `file://` URI (a bare absolute path is not a valid URI reference in
/// SARIF 2.1.0, §3.10). Characters outside RFC 3986's unreserved set and `/` are
/// percent-encoded.
pub fn artifact_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 8);
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

fn md_cell(s: &str) -> String {
    escape_ctrl(s).replace('|', "\\|")
}

/// A report to paste into a ticket: summary, then findings by namespace and severity.
pub fn markdown(snap: &Snapshot, result: &AuditResult, errors: &[LoadError]) -> String {
    markdown_with(snap, result, errors, None)
}

/// [`markdown`], with each finding marked against a baseline and a section for the absent ones.
pub fn markdown_with(
    snap: &Snapshot,
    result: &AuditResult,
    errors: &[LoadError],
    base: Option<&Compared>,
) -> String {
    let confirmed = confirmations(snap, result);
    let index: std::collections::HashMap<*const Finding, usize> = result
        .findings
        .iter()
        .enumerate()
        .map(|(i, f)| (f as *const Finding, i))
        .collect();
    let mut out = String::new();
    let _ = writeln!(out, "# kvet audit report\n");
    let _ = writeln!(out, "- Source: `{}`", md_cell(&snap.source));
    if let Some(n) = helm_notice(snap) {
        let _ = writeln!(out, "- {}", md_cell(&n));
    }
    let _ = writeln!(out, "- kvet {VERSION}, {} objects\n", snap.object_count());
    let _ = writeln!(out, "| Severity | Findings |\n|---|---|");
    for s in [Severity::Critical, Severity::Warning, Severity::Info] {
        let _ = writeln!(out, "| {} | {} |", s, result.count(s));
    }
    if let Some(c) = base {
        let _ = writeln!(
            out,
            "\nAgainst the baseline: **{} new**, {} updated, {} unchanged, {} absent (fixed or gone).",
            c.count(State::New),
            c.count(State::Updated),
            c.count(State::Unchanged),
            c.count(State::Absent)
        );
    }
    if result.findings.is_empty() {
        let _ = writeln!(out, "\nNo findings.");
    }
    let mut by_ns: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in &result.findings {
        by_ns
            .entry(f.object.namespace.as_deref().unwrap_or("(cluster-scoped)"))
            .or_default()
            .push(f);
    }
    for (ns, list) in by_ns {
        let _ = writeln!(out, "\n## {}\n", md_cell(ns));
        for s in [Severity::Critical, Severity::Warning, Severity::Info] {
            let items: Vec<&&Finding> = list.iter().filter(|f| f.severity == s).collect();
            if items.is_empty() {
                continue;
            }
            let title = match s {
                Severity::Critical => "Critical",
                Severity::Warning => "Warning",
                Severity::Info => "Info",
            };
            let _ = writeln!(out, "### {title} ({})\n", items.len());
            let _ = writeln!(out, "| Check | Object | Finding |\n|---|---|---|");
            for f in items {
                let place = match location(snap, f) {
                    Some((file, line)) if snap.source_kind == crate::model::SourceKind::Offline => {
                        format!(" (`{}:{line}`)", md_cell(file).replace('`', "'"))
                    }
                    _ => String::new(),
                };
                let mark = match index
                    .get(&(*f as *const Finding))
                    .and_then(|&i| state(base, i))
                {
                    Some(State::New) => "**new** ",
                    Some(State::Updated) => "*updated* ",
                    _ => "",
                };
                let _ = writeln!(
                    out,
                    "| {mark}`{}` | {}/{}{} | {} |",
                    f.check,
                    f.object.kind,
                    md_cell(&f.object.name),
                    place,
                    md_cell(&match confirmed.get(&(f.check, f.object.clone())) {
                        Some(list) => format!(
                            "{} — **{}**",
                            f.message,
                            crate::triage::confirmed_text(list)
                        ),
                        None => f.message.clone(),
                    })
                );
            }
            out.push('\n');
        }
    }
    if let Some(c) = base.filter(|c| !c.absent.is_empty()) {
        let _ = writeln!(out, "\n## Absent since the baseline\n");
        let _ = writeln!(out, "| Check | Object | Finding |\n|---|---|---|");
        for a in &c.absent {
            let _ = writeln!(
                out,
                "| `{}` | {}/{}/{} | {} |",
                a.check,
                md_cell(&a.kind),
                md_cell(a.namespace.as_deref().unwrap_or("-")),
                md_cell(&a.name),
                md_cell(&a.message)
            );
        }
    }
    let warned = warnings(snap);
    if !warned.is_empty() {
        let _ = writeln!(out, "\n## Warnings\n");
        for w in &warned {
            let _ = writeln!(out, "- {}", md_cell(w));
        }
    }
    if !errors.is_empty() {
        let _ = writeln!(out, "\n## Input that could not be read\n");
        for e in errors {
            let _ = writeln!(out, "- `{}`", md_cell(&e.to_string()));
        }
    }
    let _ = writeln!(
        out,
        "\n`kvet explain <check>` describes each check and its fix."
    );
    out
}

#[cfg(test)]
mod splice_tests {
    use super::*;

    /// The spliced text is exactly what serializing the whole value at once gives.
    #[test]
    fn spliced_json_is_the_same_text() {
        let items = vec![
            json!({"a": 1, "b": {"c": [1, 2], "d": "x\ny"}}),
            json!({"a": 2, "b": {}, "e": []}),
        ];
        for list in [items.clone(), Vec::new()] {
            let whole = json!({"k": 1, "findings": list.clone(), "z": ["q"]});
            let slot = json!({"k": 1, "findings": FINDINGS_SLOT, "z": ["q"]});
            let text = serde_json::to_string_pretty(&slot).unwrap_or_default();
            assert_eq!(
                splice_array(&text, "findings", 1, list.into_iter()),
                serde_json::to_string_pretty(&whole).unwrap_or_default()
            );
        }
    }
}
