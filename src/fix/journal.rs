//! The journal's content, pure: an entry, the inverse of a fix, and whether an entry's inverse
//! may be sent at all. Reading and writing the journal file, and its signature, are I/O
//! (`apply::journal`).

use super::{Change, FixPlan};
use crate::model::{Kind, ObjectRef};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The object without what a reviewer does not need to see change (server bookkeeping).
pub fn for_review(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        for k in [
            "managedFields",
            "resourceVersion",
            "generation",
            "uid",
            "creationTimestamp",
            "selfLink",
        ] {
            m.remove(k);
        }
    }
    if let Some(o) = v.as_object_mut() {
        o.remove("status");
    }
    v
}

/// What undoes a fix: the inverse patch (guarded by the values the fix set), or the deletion of
/// the object it created.
pub fn inverse(before: &Value, after: &Value, plan: &FixPlan, server: &Value) -> Value {
    match plan.change {
        Change::Create(_) => json!({"delete": {
            "uid": server.pointer("/metadata/uid").cloned().unwrap_or(Value::Null),
        }}),
        // An undone creation is not recreated by a further undo.
        Change::Delete(_) => Value::Null,
        Change::Patch(_) => {
            let back = json_patch::diff(after, before);
            let mut ops: Vec<Value> = Vec::new();
            for op in back.0.iter() {
                let v = serde_json::to_value(op).unwrap_or(Value::Null);
                let path = v["path"].as_str().unwrap_or_default().to_string();
                // Guard on what the server made of the fix (with its defaults filled in).
                if matches!(v["op"].as_str(), Some("replace" | "remove")) {
                    if let Some(cur) = server.pointer(&path).or_else(|| after.pointer(&path)) {
                        ops.push(json!({"op": "test", "path": path, "value": cur}));
                    }
                }
                ops.push(v);
            }
            json!({"patch": ops})
        }
    }
}

/// The diff a user confirms: the object now, and the server's dry-run answer.
pub fn review_diff(plan: &FixPlan, before: &Value, server: &Value) -> String {
    let before = &redact(&plan.target.kind, before);
    let server = &redact(&plan.target.kind, server);
    let name = format!(
        "{}.yaml",
        plan.target
            .to_string()
            .to_ascii_lowercase()
            .replace('/', "_")
    );
    match plan.change {
        Change::Create(_) => super::diff(None, Some(&for_review(server)), &name),
        Change::Patch(_) => {
            super::diff(Some(&for_review(before)), Some(&for_review(server)), &name)
        }
        Change::Delete(_) => super::diff(Some(&for_review(before)), None, &name),
    }
}

/// One journal line.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    pub id: String,
    pub time: String,
    pub context: String,
    pub user: String,
    pub check: String,
    pub object: EntryObject,
    pub field_manager: String,
    /// The patch sent (or the object created), Secret data redacted.
    pub patch: Value,
    /// FNV-1a of the diff the user confirmed.
    pub dry_run_diff_hash: String,
    pub result: String,
    /// `{"patch": [...]}` or `{"delete": {"uid": ...}}`.
    pub inverse: Value,
    /// For an undo: the entry it undid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undoes: Option<String>,
    /// The object's uid when the fix was applied: undo goes to that object only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// HMAC-SHA256 of the entry without this field, keyed by the user's journal key
    /// (`apply::journal`): a hand-edited line no longer verifies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct EntryObject {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

impl EntryObject {
    pub fn of(r: &ObjectRef) -> Self {
        EntryObject {
            kind: r.kind.to_string(),
            namespace: r.namespace.as_deref().map(str::to_string),
            name: r.name.to_string(),
        }
    }

    pub fn object_ref(&self) -> ObjectRef {
        ObjectRef::new(
            Kind::parse(&self.kind),
            self.namespace.as_deref(),
            &self.name,
        )
    }
}

/// FNV-1a, 64 bits, as hex: a stable fingerprint of the confirmed diff.
pub fn fingerprint(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Removes Secret values from what the journal keeps.
pub fn redact(kind: &Kind, v: &Value) -> Value {
    let mut v = v.clone();
    if *kind == Kind::Secret {
        fn walk(v: &mut Value) {
            match v {
                Value::Object(m) => {
                    for k in ["data", "stringData"] {
                        if let Some(x) = m.get_mut(k) {
                            *x = json!("<redacted>");
                        }
                    }
                    m.values_mut().for_each(walk);
                }
                Value::Array(a) => a.iter_mut().for_each(walk),
                _ => {}
            }
        }
        walk(&mut v);
    }
    v
}

/// A new entry ID: UTC time plus a counter, sortable.
pub fn new_id(now: &str, existing: &[Entry]) -> String {
    let base: String = now.chars().filter(|c| c.is_ascii_digit()).collect();
    let n = existing.iter().filter(|e| e.id.starts_with(&base)).count();
    format!("{base}-{}", n + 1)
}

/// The kinds a fix changes: the workloads whose pod template it patches, and the budgets,
/// autoscalers and policies it creates or patches. An undo touches nothing else.
pub const WRITABLE_KINDS: &[Kind] = &[
    Kind::Deployment,
    Kind::StatefulSet,
    Kind::DaemonSet,
    Kind::ReplicaSet,
    Kind::Job,
    Kind::CronJob,
    Kind::PodDisruptionBudget,
    Kind::HorizontalPodAutoscaler,
    Kind::NetworkPolicy,
];

/// The change that undoes `entry`, given the object as the server has it now, or why it must
/// not be sent. The journal is a file anyone with access to the data directory can edit, so
/// nothing in it is trusted beyond what can be checked:
/// - only kinds a fix can change, and only an entry that records an applied fix;
/// - the same object: kind, namespace, name and uid;
/// - the inverse of a patch touches only the paths its recorded forward patch touched (the
///   computed inverse never reaches further); the undo of a creation deletes only the object
///   that the entry says kvet created, by its uid.
pub fn undo_change(entry: &Entry, current: &Value) -> Result<Change, String> {
    let r = entry.object.object_ref();
    let refuse = |why: String| {
        Err(format!(
            "journal entry {} cannot be undone: {why}",
            entry.id
        ))
    };
    if !WRITABLE_KINDS.contains(&r.kind) {
        return refuse(format!(
            "{} is not a kind kvet's fixes change",
            entry.object.kind
        ));
    }
    if entry.result != "applied" || entry.undoes.is_some() {
        return refuse("it records an undo, not an applied fix".into());
    }
    let field = |p: &str| current.pointer(p).and_then(Value::as_str);
    if field("/kind") != Some(r.kind.as_str())
        || field("/metadata/name") != Some(&*r.name)
        || field("/metadata/namespace") != r.namespace.as_deref()
    {
        return refuse(format!("the server's object is not {r}"));
    }
    let uid = field("/metadata/uid").unwrap_or_default();
    if let Some(u) = entry.inverse.pointer("/delete/uid").and_then(Value::as_str) {
        let created = entry.patch.get("kind").and_then(Value::as_str) == Some(r.kind.as_str())
            && entry
                .patch
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                == Some(&*r.name);
        if !created {
            return refuse("it deletes an object the entry does not record kvet creating".into());
        }
        if u != uid || entry.uid.as_deref().is_some_and(|e| e != u) {
            return refuse(format!(
                "{r} now has uid {uid}, not the {u} kvet created: it was replaced since"
            ));
        }
        return Ok(Change::Delete(u.to_string()));
    }
    let (Some(ops), Some(forward)) = (entry.inverse["patch"].as_array(), entry.patch.as_array())
    else {
        return refuse("it records no inverse".into());
    };
    match entry.uid.as_deref() {
        Some(u) if u == uid => {}
        Some(u) => {
            return refuse(format!(
                "{r} now has uid {uid}, not {u}: it was deleted and created again since the fix"
            ))
        }
        None => return refuse("it records no uid (written by an older kvet)".into()),
    }
    // The paths the fix changed; an append (`/-`) changed the array it appended to.
    let touched: Vec<&str> = forward
        .iter()
        .filter(|o| o["op"] != "test")
        .filter_map(|o| o["path"].as_str())
        .map(|p| p.strip_suffix("/-").unwrap_or(p))
        .collect();
    for op in ops.iter().filter(|o| o["op"] != "test") {
        let path = op["path"].as_str().unwrap_or_default();
        let inside = touched.iter().any(|t| {
            path == *t
                || path
                    .strip_prefix(t)
                    .is_some_and(|rest| rest.starts_with('/'))
        });
        let moves = matches!(op["op"].as_str(), Some("move" | "copy"));
        if !inside || moves {
            return refuse(format!(
                "its inverse changes {path}, which the fix did not touch"
            ));
        }
    }
    Ok(Change::Patch(ops.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_inverse_of_a_patch_restores_the_object() {
        let before = json!({"spec": {"replicas": 3, "strategy": {"type": "Recreate"}}});
        let after = json!({"spec": {"replicas": 3, "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0}}, "revisionHistoryLimit": 5}});
        let plan = FixPlan {
            check: "rollout-recreate",
            target: ObjectRef::new(Kind::Deployment, Some("ns"), "a"),
            summary: String::new(),
            change: Change::Patch(Vec::new()),
            editable: Vec::new(),
            notes: Vec::new(),
        };
        let inv = inverse(&before, &after, &plan, &Value::Null);
        let p: json_patch::Patch = serde_json::from_value(inv["patch"].clone()).expect("patch");
        let mut v = after.clone();
        json_patch::patch(&mut v, &p).expect("applies");
        assert_eq!(v, before);
        // It refuses an object that moved on since.
        let mut other = after.clone();
        other["spec"]["revisionHistoryLimit"] = json!(7);
        assert!(json_patch::patch(&mut other, &p).is_err());
    }

    #[test]
    fn secret_values_never_reach_the_journal() {
        let s = json!({"kind": "Secret", "data": {"password": "aHVudGVyMg=="}, "stringData": {"k": "v"}});
        let r = redact(&Kind::Secret, &s);
        assert!(!r.to_string().contains("aHVudGVyMg"));
        assert!(!r.to_string().contains("\"v\""));
    }

    fn entry(patch: Value, inverse: Value) -> Entry {
        Entry {
            id: "1-1".into(),
            time: "t".into(),
            context: "c".into(),
            user: "u".into(),
            check: "prestop-missing".into(),
            object: EntryObject {
                kind: "Deployment".into(),
                namespace: Some("shop".into()),
                name: "cart".into(),
            },
            field_manager: "kvet".into(),
            patch,
            dry_run_diff_hash: String::new(),
            result: "applied".into(),
            inverse,
            undoes: None,
            uid: Some("u-1".into()),
            mac: None,
        }
    }

    fn cart() -> Value {
        json!({"kind": "Deployment", "metadata": {"name": "cart", "namespace": "shop", "uid": "u-1"},
            "spec": {"replicas": 3, "template": {"spec": {"containers": [{"name": "c", "image": "cart:1",
            "lifecycle": {"preStop": {"exec": {"command": ["sleep", "5"]}}}}]}}}})
    }

    #[test]
    fn a_computed_inverse_is_sent_and_a_hand_edited_one_is_refused() {
        let lifecycle = "/spec/template/spec/containers/0/lifecycle";
        let forward = json!([{"op": "test", "path": "/metadata/resourceVersion", "value": "1"},
            {"op": "add", "path": lifecycle, "value": {"preStop": {"exec": {"command": ["sleep", "5"]}}}}]);
        let good = entry(
            forward.clone(),
            json!({"patch": [{"op": "remove", "path": lifecycle}]}),
        );
        assert!(matches!(undo_change(&good, &cart()), Ok(Change::Patch(_))));
        // The inverse edited to change the image, to scale to 0, or to move a field.
        for evil in [
            json!({"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "evil:1"}),
            json!({"op": "replace", "path": "/spec/replicas", "value": 0}),
            json!({"op": "remove", "path": "/spec/template/spec/containers/0"}),
            json!({"op": "move", "from": "/spec", "path": lifecycle}),
        ] {
            let e = entry(forward.clone(), json!({"patch": [evil]}));
            let why = undo_change(&e, &cart()).err().unwrap_or_default();
            assert!(why.contains("did not touch"), "{evil}: {why}");
        }
        // Another object, or the same name with another uid.
        let mut other = cart();
        other["metadata"]["name"] = json!("web");
        assert!(undo_change(&good, &other).is_err());
        let mut recreated = cart();
        recreated["metadata"]["uid"] = json!("u-2");
        assert!(undo_change(&good, &recreated)
            .err()
            .unwrap_or_default()
            .contains("created again"));
    }

    #[test]
    fn kinds_no_fix_changes_are_refused() {
        for (kind, patch) in [
            (
                "Secret",
                json!([{"op": "add", "path": "/data/x", "value": "eA=="}]),
            ),
            (
                "ClusterRoleBinding",
                json!([{"op": "add", "path": "/subjects/-", "value": {"kind": "User", "name": "mallory"}}]),
            ),
        ] {
            let mut e = entry(
                patch,
                json!({"patch": [{"op": "add", "path": "/data/x", "value": "eQ=="}]}),
            );
            e.object.kind = kind.into();
            let mut obj = cart();
            obj["kind"] = json!(kind);
            let why = undo_change(&e, &obj).err().unwrap_or_default();
            assert!(
                why.contains("not a kind kvet's fixes change"),
                "{kind}: {why}"
            );
        }
    }

    #[test]
    fn the_undo_of_a_creation_deletes_only_that_object() {
        let pdb = json!({"kind": "PodDisruptionBudget", "metadata": {"name": "cart-pdb", "namespace": "shop", "uid": "p-1"}});
        let mut e = entry(
            json!({"kind": "PodDisruptionBudget", "metadata": {"name": "cart-pdb", "namespace": "shop"}}),
            json!({"delete": {"uid": "p-1"}}),
        );
        e.object = EntryObject {
            kind: "PodDisruptionBudget".into(),
            namespace: Some("shop".into()),
            name: "cart-pdb".into(),
        };
        e.uid = Some("p-1".into());
        assert_eq!(undo_change(&e, &pdb), Ok(Change::Delete("p-1".into())));
        // A patch entry turned into a deletion.
        let mut turned = e.clone();
        turned.patch = json!([{"op": "add", "path": "/spec/x", "value": 1}]);
        assert!(undo_change(&turned, &pdb).is_err());
    }
}
