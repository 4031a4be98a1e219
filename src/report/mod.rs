//! Policy reports (pure): the audit's findings as report objects that Policy Reporter, Kyverno's
//! tooling and other readers of the two report APIs show, and what to write given the reports
//! kvet wrote before.
//!
//! - OpenReports (`openreports.io/v1alpha1`, `Report` and `ClusterReport`), the newer API, and
//!   wg-policy (`wgpolicyk8s.io/v1alpha2`, `PolicyReport` and `ClusterPolicyReport`), which
//!   many tools still read. Both have the same result shape (the CRDs are in `assets/crds/`).
//! - One report named `kvet` per namespace with findings, plus one cluster-scoped report for
//!   findings on cluster-scoped objects (a scope whose results pass 1 MiB continues in
//!   `kvet-2`, `kvet-3`, ...). Each is labelled `app.kubernetes.io/managed-by: kvet`:
//!   kvet only ever updates or deletes objects with that label and that name.
//! - A result's `timestamp` is when kvet first reported that finding (its fingerprint): kept
//!   from the report kvet wrote before, so a report whose findings did not change is equal to
//!   the one on the server and is not written again.

use crate::audit::{baseline::fingerprint_of, Finding, Severity};
use crate::model::Snapshot;
use crate::triage::Confirmations;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};

/// The name of every report kvet writes (one per namespace, and the cluster-scoped one).
pub const REPORT_NAME: &str = "kvet";
/// The label that marks an object as kvet's.
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "kvet");
/// `source` of every result.
pub const SOURCE: &str = "kvet";

/// A report API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Api {
    OpenReports,
    WgPolicy,
}

impl Api {
    pub const ALL: [Api; 2] = [Api::OpenReports, Api::WgPolicy];

    pub fn group(self) -> &'static str {
        match self {
            Api::OpenReports => "openreports.io",
            Api::WgPolicy => "wgpolicyk8s.io",
        }
    }

    pub fn version(self) -> &'static str {
        match self {
            Api::OpenReports => "v1alpha1",
            Api::WgPolicy => "v1alpha2",
        }
    }

    /// `group/version`.
    pub fn api_version(self) -> String {
        format!("{}/{}", self.group(), self.version())
    }

    pub fn kind(self, namespaced: bool) -> &'static str {
        match (self, namespaced) {
            (Api::OpenReports, true) => "Report",
            (Api::OpenReports, false) => "ClusterReport",
            (Api::WgPolicy, true) => "PolicyReport",
            (Api::WgPolicy, false) => "ClusterPolicyReport",
        }
    }

    /// The resource name: the kind in lower case, plural (`clusterpolicyreports`).
    pub fn plural(self, namespaced: bool) -> String {
        format!("{}s", self.kind(namespaced).to_ascii_lowercase())
    }

    /// The `--format` value.
    pub fn flag(self) -> &'static str {
        match self {
            Api::OpenReports => "openreports",
            Api::WgPolicy => "wgpolicy",
        }
    }
}

/// kvet's severity as the report APIs spell it (both enums: critical, high, medium, low, info).
pub fn severity_of(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "critical",
        Severity::Warning => "medium",
        Severity::Info => "info",
    }
}

/// The result: a finding fails its policy; an info finding is advice, so it warns.
pub fn result_of(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::Warning => "fail",
        Severity::Info => "warn",
    }
}

/// A time as the report APIs hold it (`{seconds, nanos}` since the Unix epoch).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    pub seconds: i64,
    pub nanos: i32,
}

impl Stamp {
    fn json(self) -> Value {
        json!({"seconds": self.seconds, "nanos": self.nanos})
    }
}

/// What the reports are built from.
pub struct Input<'a> {
    pub snapshot: &'a Snapshot,
    pub findings: &'a [Finding],
    pub confirmed: &'a Confirmations,
    /// The time of this run: the timestamp of findings not reported before.
    pub now: Stamp,
    /// Fingerprint → the timestamp kvet gave that finding in the report it wrote before.
    pub first_seen: &'a HashMap<String, Value>,
}

/// The API version of a kind, as kvet reads it (for `resources[].apiVersion`).
fn api_version_of(kind: &str) -> Option<String> {
    crate::source::kinds::KINDS
        .iter()
        .find(|k| k.kind == kind)
        .map(|k| match k.group {
            "" => k.versions[0].to_string(),
            g => format!("{g}/{}", k.versions[0]),
        })
}

fn result(f: &Finding, input: &Input) -> Value {
    let fp = fingerprint_of(f);
    let mut props = Map::new();
    props.insert("fingerprint".into(), Value::String(fp.clone()));
    if !f.path.is_empty() {
        props.insert("path".into(), Value::String(f.path.clone()));
    }
    props.insert(
        "fixAvailable".into(),
        Value::String(f.fix_available.to_string()),
    );
    if f.fix_available {
        props.insert(
            "fix".into(),
            Value::String(format!(
                "kvet fix --check {} --object {}",
                f.check, f.object
            )),
        );
    }
    if let Some((file, line)) = f.origin.and_then(|o| input.snapshot.location(o, &f.path)) {
        props.insert("location".into(), Value::String(format!("{file}:{line}")));
    }
    if let Some(list) = input.confirmed.get(&(f.check, f.object.clone())) {
        props.insert(
            "evidence".into(),
            Value::String(crate::triage::confirmed_text(list)),
        );
    }
    let mut resource = Map::new();
    if let Some(v) = api_version_of(f.object.kind.as_str()) {
        resource.insert("apiVersion".into(), Value::String(v));
    }
    resource.insert("kind".into(), Value::String(f.object.kind.as_str().into()));
    resource.insert("name".into(), Value::String(f.object.name.to_string()));
    if let Some(ns) = &f.object.namespace {
        resource.insert("namespace".into(), Value::String(ns.to_string()));
    }
    let family = crate::audit::find_check(f.check)
        .map(|c| c.info().family.as_str())
        .unwrap_or("other");
    let timestamp = input
        .first_seen
        .get(&fp)
        .cloned()
        .unwrap_or_else(|| input.now.json());
    json!({
        "source": SOURCE,
        "policy": f.check,
        "category": family,
        "severity": severity_of(f.severity),
        "result": result_of(f.severity),
        "scored": true,
        "message": f.message,
        "resources": [Value::Object(resource)],
        "properties": Value::Object(props),
        "timestamp": timestamp,
    })
}

/// The counts of a list of results, by `result`.
pub fn summary(results: &[Value]) -> Value {
    let count = |r: &str| {
        results
            .iter()
            .filter(|x| x.get("result").and_then(Value::as_str) == Some(r))
            .count()
    };
    json!({
        "pass": count("pass"),
        "fail": count("fail"),
        "warn": count("warn"),
        "error": count("error"),
        "skip": count("skip"),
    })
}

/// The most a report's results may weigh (JSON bytes). The API server refuses objects over
/// about 1.5 MiB (etcd's request limit); a namespace with more findings gets more reports,
/// `kvet-2`, `kvet-3` and so on.
pub const MAX_REPORT_BYTES: usize = 1024 * 1024;

/// The reports of one API: the cluster-scoped one first (when a cluster-scoped object has
/// findings), then one per namespace in name order. Results are in the audit's order.
pub fn build(api: Api, input: &Input) -> Vec<Value> {
    build_split(api, input, MAX_REPORT_BYTES)
}

fn build_split(api: Api, input: &Input, max_bytes: usize) -> Vec<Value> {
    let mut by_scope: BTreeMap<Option<&str>, Vec<Value>> = BTreeMap::new();
    for f in input.findings {
        by_scope
            .entry(f.object.namespace.as_deref())
            .or_default()
            .push(result(f, input));
    }
    let mut out = Vec::new();
    for (ns, results) in by_scope {
        let mut part: Vec<Value> = Vec::new();
        let mut bytes = 0;
        let mut n = 1;
        for r in results {
            let size = serde_json::to_vec(&r).map_or(0, |v| v.len());
            if !part.is_empty() && bytes + size > max_bytes {
                out.push(report(api, ns, n, std::mem::take(&mut part)));
                n += 1;
                bytes = 0;
            }
            bytes += size;
            part.push(r);
        }
        out.push(report(api, ns, n, part));
    }
    out
}

/// The name of the `n`th report of a scope (1-based): `kvet`, `kvet-2`, ...
pub fn report_name(n: usize) -> String {
    if n <= 1 {
        REPORT_NAME.to_string()
    } else {
        format!("{REPORT_NAME}-{n}")
    }
}

/// Whether a name is one kvet gives its reports.
pub fn is_report_name(name: &str) -> bool {
    name == REPORT_NAME
        || name
            .strip_prefix(REPORT_NAME)
            .and_then(|r| r.strip_prefix('-'))
            .and_then(|n| n.parse::<usize>().ok())
            .is_some_and(|n| n >= 2 && report_name(n) == name)
}

fn report(api: Api, namespace: Option<&str>, n: usize, results: Vec<Value>) -> Value {
    let mut metadata = json!({
        "name": report_name(n),
        "labels": {MANAGED_BY.0: MANAGED_BY.1},
    });
    if let Some(ns) = namespace {
        metadata["namespace"] = Value::String(ns.to_string());
    }
    let mut v = json!({
        "apiVersion": api.api_version(),
        "kind": api.kind(namespace.is_some()),
        "metadata": metadata,
        "summary": summary(&results),
        "results": results,
    });
    if api == Api::OpenReports {
        // OpenReports has a report-level source; wg-policy v1alpha2 keeps it per result.
        v["source"] = Value::String(SOURCE.into());
    }
    v
}

/// Fingerprint → timestamp of every result in reports kvet wrote before.
pub fn first_seen<'a>(reports: impl IntoIterator<Item = &'a Value>) -> HashMap<String, Value> {
    let mut out = HashMap::new();
    for r in reports {
        for x in r
            .get("results")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let (Some(fp), Some(ts)) = (
                x.pointer("/properties/fingerprint").and_then(Value::as_str),
                x.get("timestamp"),
            ) {
                out.insert(fp.to_string(), ts.clone());
            }
        }
    }
    out
}

/// Whether an object carries kvet's label.
pub fn is_kvets(obj: &Value) -> bool {
    obj.pointer("/metadata/labels")
        .and_then(|l| l.get(MANAGED_BY.0))
        .and_then(Value::as_str)
        == Some(MANAGED_BY.1)
}

/// Where a report lives: its namespace (none when cluster-scoped) and name.
pub type Key = (Option<String>, String);

pub fn key_of(obj: &Value) -> Key {
    (
        obj.pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .map(str::to_string),
        obj.pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
    )
}

/// Whether the server's copy already says what kvet would write: same label, results, summary
/// (and source). Fields the server adds (metadata, managedFields) do not count.
pub fn same(desired: &Value, existing: &Value) -> bool {
    is_kvets(existing)
        && ["results", "summary", "source"]
            .iter()
            .all(|k| desired.get(*k) == existing.get(*k))
}

/// One write of a reconciliation.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// No object of that name: create it.
    Create(Value),
    /// kvet's object says something else: apply the new one.
    Update(Value),
    /// kvet's object already says it: nothing is sent.
    Unchanged(Key),
    /// An object of that name that is not kvet's (no label): never touched.
    Foreign(Key),
    /// kvet's report of a scope that has no finding any more.
    Delete(Key),
}

/// What to write: `desired` from [`build`], `existing` every object of the API's two kinds
/// that is kvet's (labelled) and in the scopes the run covers, and `foreign` the keys of
/// desired reports for which an unlabelled object of that name exists. A labelled object with
/// another name is not kvet's report either (someone labelled their own): left alone.
pub fn plan(desired: Vec<Value>, existing: &[Value], foreign: &[Key]) -> Vec<Action> {
    let ours: HashMap<Key, &Value> = existing
        .iter()
        .filter(|o| is_kvets(o) && is_report_name(&key_of(o).1))
        .map(|o| (key_of(o), o))
        .collect();
    let mut wanted = std::collections::HashSet::new();
    let mut out = Vec::new();
    for d in desired {
        let k = key_of(&d);
        wanted.insert(k.clone());
        out.push(match ours.get(&k) {
            Some(e) if same(&d, e) => Action::Unchanged(k),
            Some(_) => Action::Update(d),
            None if foreign.contains(&k) => Action::Foreign(k),
            None => Action::Create(d),
        });
    }
    let mut stale: Vec<Key> = ours.into_keys().filter(|k| !wanted.contains(k)).collect();
    stale.sort();
    out.extend(stale.into_iter().map(Action::Delete));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Calls `f` with the demo's audit as report input, at time `seconds`.
    fn with_demo<R>(
        first_seen: &HashMap<String, Value>,
        seconds: i64,
        f: impl FnOnce(&Input) -> R,
    ) -> R {
        let snap = crate::source::demo::load().snapshot;
        let res = crate::audit::run(&snap, &crate::audit::AuditOptions::default());
        let confirmed = crate::triage::confirmations(&crate::triage::triage(&snap, &res.findings));
        f(&Input {
            snapshot: &snap,
            findings: &res.findings,
            confirmed: &confirmed,
            now: Stamp { seconds, nanos: 0 },
            first_seen,
        })
    }

    fn demo_reports(api: Api) -> (usize, Vec<Value>) {
        with_demo(&HashMap::new(), 1_800_000_000, |input| {
            (input.findings.len(), build(api, input))
        })
    }

    #[test]
    fn every_finding_is_one_result_and_the_summaries_add_up() {
        for api in Api::ALL {
            let (n, reports) = demo_reports(api);
            let results: usize = reports
                .iter()
                .map(|r| r["results"].as_array().map_or(0, Vec::len))
                .sum();
            assert_eq!(results, n, "{api:?}");
            for r in &reports {
                let list = r["results"].as_array().expect("results");
                let s = &r["summary"];
                let total: u64 = ["pass", "fail", "warn", "error", "skip"]
                    .iter()
                    .map(|k| s[*k].as_u64().unwrap_or(99))
                    .sum();
                assert_eq!(total as usize, list.len(), "{r}");
                for x in list {
                    let policy = x["policy"].as_str().unwrap_or_default();
                    assert!(crate::audit::find_check(policy).is_some(), "{policy}");
                    assert_eq!(x["source"], "kvet");
                    // Every property is a string (the CRDs say so).
                    assert!(x["properties"]
                        .as_object()
                        .is_some_and(|m| m.values().all(Value::is_string)));
                }
                assert!(is_kvets(r));
                assert_eq!(
                    r["kind"].as_str(),
                    Some(api.kind(r.pointer("/metadata/namespace").is_some()))
                );
            }
            // Scopes are distinct: one report per namespace.
            let mut keys: Vec<Key> = reports.iter().map(key_of).collect();
            keys.dedup();
            assert_eq!(keys.len(), reports.len());
        }
    }

    #[test]
    fn plan_creates_updates_keeps_deletes_and_never_touches_foreign_objects() {
        let (_, reports) = demo_reports(Api::OpenReports);
        assert!(reports.len() >= 3);
        // First run: everything is created.
        let acts = plan(reports.clone(), &[], &[]);
        assert!(acts.iter().all(|a| matches!(a, Action::Create(_))));
        // Same findings again: nothing is written.
        let acts = plan(reports.clone(), &reports, &[]);
        assert!(
            acts.iter().all(|a| matches!(a, Action::Unchanged(_))),
            "{acts:?}"
        );
        // One namespace's finding fixed (result gone), another namespace clean.
        let mut after = reports.clone();
        let gone = after.pop().expect("a report");
        let results = after[1]["results"].as_array_mut().expect("results");
        results.pop();
        let fixed = results.clone();
        after[1]["summary"] = summary(&fixed);
        let acts = plan(after.clone(), &reports, &[]);
        assert!(acts.contains(&Action::Update(after[1].clone())));
        assert!(acts.contains(&Action::Delete(key_of(&gone))));
        assert_eq!(
            acts.iter()
                .filter(|a| matches!(a, Action::Unchanged(_)))
                .count(),
            after.len() - 1
        );
        // An object of that name without the label is never touched, and a labelled object
        // with another name is not deleted.
        let mut theirs = reports[0].clone();
        theirs["metadata"]["labels"] = json!({});
        let mut renamed = reports[1].clone();
        renamed["metadata"]["name"] = json!("kyverno-polr");
        let acts = plan(reports.clone(), &[theirs, renamed], &[key_of(&reports[0])]);
        assert_eq!(acts[0], Action::Foreign(key_of(&reports[0])));
        assert!(!acts.iter().any(|a| matches!(a, Action::Delete(_))));
    }

    #[test]
    fn a_big_namespace_is_split_into_several_reports() {
        let (whole, split) = with_demo(&HashMap::new(), 1, |input| {
            (
                build(Api::OpenReports, input),
                build_split(Api::OpenReports, input, 2_000),
            )
        });
        assert!(split.len() > whole.len());
        let count = |v: &[Value]| -> usize {
            v.iter()
                .map(|r| r["results"].as_array().map_or(0, Vec::len))
                .sum()
        };
        assert_eq!(count(&split), count(&whole));
        for r in &split {
            assert!(is_report_name(&key_of(r).1), "{}", key_of(r).1);
        }
        assert!(split.iter().any(|r| key_of(r).1 == "kvet-2"));
        assert!(!is_report_name("kvet-1") && !is_report_name("kvet-x") && !is_report_name("kvetx"));
    }

    #[test]
    fn a_finding_keeps_the_time_it_was_first_reported() {
        let (_, before) = demo_reports(Api::WgPolicy);
        let mut earlier = before.clone();
        earlier[0]["results"][0]["timestamp"] = json!({"seconds": 1_700_000_000, "nanos": 5});
        let kept = first_seen(&earlier);
        let again = with_demo(&kept, 1_900_000_000, |input| build(Api::WgPolicy, input));
        assert_eq!(
            again[0]["results"][0]["timestamp"],
            json!({"seconds": 1_700_000_000, "nanos": 5})
        );
    }
}
