//! PURE. What changed between two snapshots (`kvet diff BEFORE AFTER`), per section:
//! - `findings`: new, resolved and changed (severity or message); a finding's identity is its
//!   check, object and JSON path, never its line;
//! - `objects`: added, removed and changed, with the fields kvet reads that changed (JSON
//!   pointers and both values). Status is not a change, and neither are the objects a
//!   controller owns (a rollout's pods and ReplicaSets): their owner's change is the change;
//! - `rbac`: the effective grants each subject gained and lost, with the binding and role;
//! - `reach`: connections opened and closed between workloads present on both sides;
//! - `drain`: nodes whose drain verdict changed.

mod access;

pub use access::{group_by_destination, Connection, ConnectionGroup, Grant};

use crate::audit::baseline::{Remembered, State};
use crate::audit::{Finding, Severity};
use crate::model::{Kind, Object, ObjectRef, Snapshot};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, Serialize)]
pub struct Diff {
    pub findings: FindingsDiff,
    pub objects: ObjectsDiff,
    pub rbac: RbacDiff,
    pub reach: ReachDiff,
    pub drain: DrainDiff,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.counts().iter().all(|(_, n)| *n == 0)
    }

    /// (what, how many), for the table's first lines.
    pub fn counts(&self) -> Vec<(&'static str, usize)> {
        vec![
            ("new findings", self.findings.new.len()),
            ("resolved findings", self.findings.resolved.len()),
            ("changed findings", self.findings.changed.len()),
            ("added objects", self.objects.added.len()),
            ("removed objects", self.objects.removed.len()),
            ("changed objects", self.objects.changed.len()),
            ("grants gained", self.rbac.gained.len()),
            ("grants lost", self.rbac.lost.len()),
            ("connections opened", self.reach.opened.len()),
            ("connections closed", self.reach.closed.len()),
            ("drain verdicts changed", self.drain.changed.len()),
        ]
    }
}

/// A finding as the diff shows it (the shape of `kvet audit -o json`'s findings).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FindingEntry {
    pub check: String,
    pub severity: Severity,
    pub object: ObjectJson,
    pub path: String,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectJson {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectJson {
    pub fn of(r: &ObjectRef) -> ObjectJson {
        ObjectJson {
            kind: r.kind.as_str().to_string(),
            namespace: r.namespace.as_deref().map(str::to_string),
            name: r.name.to_string(),
        }
    }
}

impl std::fmt::Display for ObjectJson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{}/{ns}/{}", self.kind, self.name),
            None => write!(f, "{}/{}", self.kind, self.name),
        }
    }
}

impl FindingEntry {
    fn of(r: &Remembered) -> FindingEntry {
        FindingEntry {
            check: r.check.clone(),
            severity: r.severity,
            object: ObjectJson {
                kind: r.kind.clone(),
                namespace: r.namespace.clone(),
                name: r.name.clone(),
            },
            path: r.path.clone(),
            message: r.message.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChangedFinding {
    #[serde(flatten)]
    pub after: FindingEntry,
    pub before: BeforeFinding,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BeforeFinding {
    pub severity: Severity,
    pub message: String,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct FindingsDiff {
    pub new: Vec<FindingEntry>,
    pub resolved: Vec<FindingEntry>,
    pub changed: Vec<ChangedFinding>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldChange {
    pub path: String,
    pub before: Value,
    pub after: Value,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ObjectChange {
    pub object: ObjectJson,
    pub fields: Vec<FieldChange>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct ObjectsDiff {
    pub added: Vec<ObjectJson>,
    pub removed: Vec<ObjectJson>,
    pub changed: Vec<ObjectChange>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct RbacDiff {
    pub gained: Vec<Grant>,
    pub lost: Vec<Grant>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct ReachDiff {
    pub opened: Vec<Connection>,
    pub closed: Vec<Connection>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DrainVerdict {
    pub verdict: &'static str,
    /// Workloads that would lose every Ready replica.
    pub outages: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DrainChange {
    pub node: String,
    pub before: DrainVerdict,
    pub after: DrainVerdict,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct DrainDiff {
    pub changed: Vec<DrainChange>,
}

/// The whole diff. The findings are each side's audit (the caller runs it with its options).
pub fn diff(
    before: &Snapshot,
    before_findings: &[Finding],
    after: &Snapshot,
    after_findings: &[Finding],
) -> Diff {
    Diff {
        findings: findings(before_findings, after_findings),
        objects: objects(before, after),
        rbac: access::rbac(before, after),
        reach: access::reach(before, after),
        drain: drain(before, after),
    }
}

/// New, resolved and changed findings, by identity.
pub fn findings(before: &[Finding], after: &[Finding]) -> FindingsDiff {
    let remembered: Vec<Remembered> = before.iter().map(Remembered::of).collect();
    let compared = crate::audit::baseline::compare(after, &remembered);
    let mut out = FindingsDiff::default();
    // The earlier copy of each identity, for a changed finding's "before".
    let mut earlier: BTreeMap<(String, String, Option<String>, String, String), &Remembered> =
        BTreeMap::new();
    for r in &remembered {
        earlier
            .entry((
                r.check.clone(),
                r.kind.clone(),
                r.namespace.clone(),
                r.name.clone(),
                r.path.clone(),
            ))
            .or_insert(r);
    }
    for (f, s) in after.iter().zip(&compared.states) {
        let entry = FindingEntry::of(&Remembered::of(f));
        match s {
            State::New => out.new.push(entry),
            State::Updated => {
                let key = (
                    entry.check.clone(),
                    entry.object.kind.clone(),
                    entry.object.namespace.clone(),
                    entry.object.name.clone(),
                    entry.path.clone(),
                );
                let before = earlier.get(&key).map(|r| BeforeFinding {
                    severity: r.severity,
                    message: r.message.clone(),
                });
                if let Some(before) = before {
                    out.changed.push(ChangedFinding {
                        after: entry,
                        before,
                    });
                }
            }
            State::Unchanged | State::Absent => {}
        }
    }
    out.resolved = compared.absent.iter().map(FindingEntry::of).collect();
    out
}

/// The objects a diff compares: those a person changes (not Events, not what a controller
/// owns), each as kvet reads it (its first copy), without status.
fn comparable(s: &Snapshot) -> BTreeMap<ObjectJson, Value> {
    let mut out = BTreeMap::new();
    for o in s.objects_where(|m| !m.owner.as_ref().is_some_and(|w| w.controller)) {
        let m = o.meta();
        if matches!(o, Object::Event(_)) {
            continue;
        }
        let mut v = crate::model::encode::encode(&o);
        let kind = Kind::parse(v.get("kind").and_then(Value::as_str).unwrap_or(""));
        let r = ObjectRef::new(kind, m.namespace.as_deref(), &m.name);
        if let Some(map) = v.as_object_mut() {
            map.remove("status");
            map.remove("apiVersion");
        }
        out.entry(ObjectJson::of(&r)).or_insert(v);
    }
    out
}

/// Added, removed and changed objects. A rename is a removal and an addition.
pub fn objects(before: &Snapshot, after: &Snapshot) -> ObjectsDiff {
    let a = comparable(before);
    let b = comparable(after);
    let mut out = ObjectsDiff::default();
    for (k, va) in &a {
        match b.get(k) {
            None => out.removed.push(k.clone()),
            Some(vb) => {
                let mut fields = Vec::new();
                fields_changed("", va, vb, &mut fields);
                if !fields.is_empty() {
                    out.changed.push(ObjectChange {
                        object: k.clone(),
                        fields,
                    });
                }
            }
        }
    }
    out.added = b.keys().filter(|k| !a.contains_key(*k)).cloned().collect();
    out
}

/// The JSON pointer segment of a key (RFC 6901).
fn segment(k: &str) -> String {
    k.replace('~', "~0").replace('/', "~1")
}

/// The leaves that differ between two values, as JSON pointers with both values (`null` where
/// one side has none).
pub fn fields_changed(path: &str, a: &Value, b: &Value, out: &mut Vec<FieldChange>) {
    // A side with nothing there is an empty object or list: the leaves are what changed.
    let empty_obj = Value::Object(Default::default());
    let empty_arr = Value::Array(Vec::new());
    let (a, b) = match (a, b) {
        (Value::Null, Value::Object(_)) => (&empty_obj, b),
        (Value::Object(_), Value::Null) => (a, &empty_obj),
        (Value::Null, Value::Array(_)) => (&empty_arr, b),
        (Value::Array(_), Value::Null) => (a, &empty_arr),
        _ => (a, b),
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let p = format!("{path}/{}", segment(k));
                fields_changed(
                    &p,
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for i in 0..x.len().max(y.len()) {
                fields_changed(
                    &format!("{path}/{i}"),
                    x.get(i).unwrap_or(&Value::Null),
                    y.get(i).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        _ if a == b => {}
        _ => out.push(FieldChange {
            path: path.to_string(),
            before: a.clone(),
            after: b.clone(),
        }),
    }
}

/// Nodes on both sides whose drain verdict (or the workloads it takes down) changed.
pub fn drain(before: &Snapshot, after: &Snapshot) -> DrainDiff {
    let verdict = |s: &crate::drain::NodeSummary| DrainVerdict {
        verdict: s.badge.words(),
        outages: s.outages.clone(),
    };
    let a: BTreeMap<String, DrainVerdict> = crate::drain::summaries(before)
        .iter()
        .map(|s| (s.name.to_string(), verdict(s)))
        .collect();
    let mut out = DrainDiff::default();
    for s in crate::drain::summaries(after) {
        if let Some(va) = a.get(&*s.name) {
            let vb = verdict(&s);
            if *va != vb {
                out.changed.push(DrainChange {
                    node: s.name.to_string(),
                    before: va.clone(),
                    after: vb,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
