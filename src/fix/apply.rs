//! I/O. The only code that writes to a cluster. Every write goes the same way: the object is
//! read, the patch is guarded by its resourceVersion, the server runs it as a dry run (`dryRun=All`)
//! and the diff shown is against the server's answer, the user confirms, the change is applied
//! with field manager `kvet` (never forced), and the journal records it with its inverse.

use super::{Change, FixPlan};
use crate::model::{Kind, ObjectRef};
use crate::source::live::{self, Connection};
use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams, PostParams, Preconditions};
use kube::core::ApiResource;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::io::Write;
use std::path::PathBuf;

/// The field manager of every change kvet makes.
pub const FIELD_MANAGER: &str = "kvet";

/// The API resource of a kind, as the server serves it (discovery).
pub async fn resource_for(conn: &Connection, kind: &Kind) -> Result<(ApiResource, bool), String> {
    let found = live::discover(conn)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|(s, _)| s.kind == kind.as_str());
    match found {
        Some((spec, Ok(ar))) => Ok((ar, spec.namespaced)),
        Some((_, Err(st))) => Err(format!("{kind}: {}", st.label())),
        None => Err(format!("kvet does not write {kind} objects")),
    }
}

async fn api(conn: &Connection, r: &ObjectRef) -> Result<Api<DynamicObject>, String> {
    let (ar, namespaced) = resource_for(conn, &r.kind).await?;
    Ok(match (&r.namespace, namespaced) {
        (Some(ns), true) => Api::namespaced_with(conn.client.clone(), ns, &ar),
        _ => Api::all_with(conn.client.clone(), &ar),
    })
}

/// A server error as kubectl prints it: `Error from server (Reason): message`.
pub fn server_error(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => format!("Error from server ({}): {}", s.reason, s.message),
        other => other.to_string(),
    }
}

/// The object as the server has it now, as JSON.
pub async fn fetch(conn: &Connection, r: &ObjectRef) -> Result<Value, String> {
    let api = api(conn, r).await?;
    let obj = api.get(&r.name).await.map_err(|e| server_error(&e))?;
    serde_json::to_value(&obj).map_err(|e| e.to_string())
}

/// Makes the patch refuse to apply to any other version of the object than the one previewed.
pub fn guard_resource_version(plan: &mut FixPlan, object: &Value) {
    if let (Change::Patch(ops), Some(rv)) = (
        &mut plan.change,
        object.pointer("/metadata/resourceVersion"),
    ) {
        ops.insert(
            0,
            json!({"op": "test", "path": "/metadata/resourceVersion", "value": rv}),
        );
    }
}

/// Sends the change: as a dry run (`dryRun=All`, nothing is persisted) or for real. Returns the
/// server's object.
pub async fn send(conn: &Connection, plan: &FixPlan, dry_run: bool) -> Result<Value, String> {
    if conn.readonly {
        return Err("refused: kvet runs read-only (--readonly)".into());
    }
    let api = api(conn, &plan.target).await?;
    if let Change::Delete(uid) = &plan.change {
        let dp = DeleteParams {
            dry_run,
            preconditions: Some(Preconditions {
                uid: Some(uid.clone()),
                resource_version: None,
            }),
            ..DeleteParams::default()
        };
        return match api.delete(&plan.target.name, &dp).await {
            Ok(_) => Ok(Value::Null),
            Err(e) => Err(explain(conn, plan, &e).await),
        };
    }
    let out = match &plan.change {
        Change::Patch(ops) => {
            let patch: json_patch::Patch = serde_json::from_value(Value::Array(ops.clone()))
                .map_err(|e| format!("invalid patch: {e}"))?;
            let pp = PatchParams {
                dry_run,
                field_manager: Some(FIELD_MANAGER.into()),
                ..PatchParams::default()
            };
            api.patch(&plan.target.name, &pp, &Patch::Json::<()>(patch))
                .await
        }
        Change::Create(obj) => {
            let o: DynamicObject =
                serde_json::from_value(obj.clone()).map_err(|e| format!("invalid object: {e}"))?;
            let pp = PostParams {
                dry_run,
                field_manager: Some(FIELD_MANAGER.into()),
            };
            api.create(&pp, &o).await
        }
        Change::Delete(_) => return Err("unreachable: deletions are sent above".into()),
    };
    match out {
        Ok(obj) => serde_json::to_value(&obj).map_err(|e| e.to_string()),
        Err(e) => Err(explain(conn, plan, &e).await),
    }
}

/// What a failed write means for the user. A JSON patch whose `test` fails is answered 422:
/// tell whether the object moved on since the preview.
async fn explain(conn: &Connection, plan: &FixPlan, e: &kube::Error) -> String {
    let text = server_error(e);
    let guarded = match &plan.change {
        Change::Patch(ops) => ops
            .iter()
            .find(|o| o["op"] == "test" && o["path"] == "/metadata/resourceVersion")
            .map(|o| o["value"].clone()),
        Change::Create(_) | Change::Delete(_) => None,
    };
    match e {
        kube::Error::Api(s) if s.code == 422 => {
            let now = fetch(conn, &plan.target)
                .await
                .ok()
                .and_then(|v| v.pointer("/metadata/resourceVersion").cloned());
            match (guarded, now) {
                (Some(g), Some(n)) if g != n => format!(
                    "the object changed since the preview (resourceVersion {g} is now {n}): nothing was written; preview it again"
                ),
                _ => format!(
                    "the object is not what the patch expects (a value it tests has changed): nothing was written. {text}"
                ),
            }
        }
        kube::Error::Api(s) if s.code == 409 => format!("{text}\nnothing was written"),
        _ => text,
    }
}

/// Deletes an object kvet created (the undo of a creation), only if it is still that object.
pub async fn delete(
    conn: &Connection,
    r: &ObjectRef,
    uid: &str,
    dry_run: bool,
) -> Result<(), String> {
    if conn.readonly {
        return Err("refused: kvet runs read-only (--readonly)".into());
    }
    let api = api(conn, r).await?;
    let dp = DeleteParams {
        dry_run,
        preconditions: Some(Preconditions {
            uid: Some(uid.into()),
            resource_version: None,
        }),
        ..DeleteParams::default()
    };
    api.delete(&r.name, &dp)
        .await
        .map(|_| ())
        .map_err(|e| server_error(&e))
}

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

/// A live preview: the object read from the server, the plan (guarded by its
/// resourceVersion), and the diff against the server's dry-run answer. A refused dry run is an
/// error: nothing may be applied then.
pub async fn preview_live(
    conn: &Connection,
    snap: &crate::model::Snapshot,
    finding: &crate::audit::Finding,
    settings: &std::collections::BTreeMap<String, String>,
) -> Result<super::Preview, String> {
    let object = fetch(conn, &finding.object).await?;
    let pdb_api = match resource_for(conn, &Kind::PodDisruptionBudget).await {
        Ok((ar, _)) => ar.api_version,
        Err(_) => "policy/v1".into(),
    };
    let minor = conn
        .client
        .apiserver_version()
        .await
        .ok()
        .and_then(|v| v.minor.trim_end_matches('+').parse().ok());
    let mut plan = super::plan(&super::FixInput {
        snap,
        finding,
        object: &object,
        server_minor: minor,
        pdb_api_version: &pdb_api,
        settings,
    })
    .map_err(|e| e.to_string())?;
    guard_resource_version(&mut plan, &object);
    let mut p = super::preview(&object, plan).map_err(|e| e.to_string())?;
    let server = send(conn, &p.plan, true)
        .await
        .map_err(|e| format!("the server refused the dry run, so nothing can be applied: {e}"))?;
    p.diff = review_diff(&p.plan, &object, &server);
    p.after = server;
    p.dry_run = true;
    Ok(p)
}

/// The diff a user confirms: the object now, and the server's dry-run answer.
pub fn review_diff(plan: &FixPlan, before: &Value, server: &Value) -> String {
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

/// The preview of undoing a journal entry: its inverse, guarded by the current
/// resourceVersion, through the server's dry run.
pub async fn preview_undo(conn: &Connection, entry: &Entry) -> Result<super::Preview, String> {
    let r = entry.object.object_ref();
    let check = crate::audit::find_check(&entry.check)
        .map(|c| c.info().id)
        .unwrap_or("undo");
    let current = fetch(conn, &r).await?;
    let change = if let Some(uid) = entry.inverse.pointer("/delete/uid").and_then(Value::as_str) {
        Change::Delete(uid.to_string())
    } else if let Some(ops) = entry.inverse["patch"].as_array() {
        Change::Patch(ops.clone())
    } else {
        return Err(format!("journal entry {} cannot be undone", entry.id));
    };
    let mut plan = FixPlan {
        check,
        target: r.clone(),
        summary: match &change {
            Change::Delete(_) => format!("undo {}: delete {r}, which kvet created", entry.id),
            _ => format!("undo {}: restore {r} as it was before the fix", entry.id),
        },
        change,
        editable: Vec::new(),
        notes: Vec::new(),
    };
    guard_resource_version(&mut plan, &current);
    let server = send(conn, &plan, true)
        .await
        .map_err(|e| format!("the server refused the dry run, so nothing can be undone: {e}"))?;
    let mut p = super::preview(&current, plan).map_err(|e| e.to_string())?;
    p.diff = review_diff(&p.plan, &current, &server);
    p.dry_run = true;
    p.undoes = Some(entry.id.clone());
    Ok(p)
}

/// Applies a previewed plan and journals it. Returns the journal entry.
pub async fn apply_and_journal(
    conn: &Connection,
    plan: &FixPlan,
    before: &Value,
    diff: &str,
    user: &str,
    undoes: Option<&str>,
) -> Result<Entry, String> {
    let applied = send(conn, plan, false).await?;
    let after_local = super::apply_local(before, plan).map_err(|e| e.to_string())?;
    let entries = read_journal().map(|j| j.0).unwrap_or_default();
    let now = now_utc();
    let patch = match &plan.change {
        Change::Patch(ops) => Value::Array(ops.clone()),
        Change::Create(obj) => obj.clone(),
        Change::Delete(uid) => json!({"delete": {"uid": uid}}),
    };
    let entry = Entry {
        id: new_id(&now, &entries),
        time: now,
        context: conn.context.clone(),
        user: user.to_string(),
        check: plan.check.to_string(),
        object: EntryObject::of(&plan.target),
        field_manager: FIELD_MANAGER.into(),
        patch: redact(&plan.target.kind, &patch),
        dry_run_diff_hash: fingerprint(diff),
        result: if undoes.is_some() {
            "undone"
        } else {
            "applied"
        }
        .into(),
        inverse: if undoes.is_some() {
            Value::Null
        } else {
            inverse(before, &after_local, plan, &applied)
        },
        undoes: undoes.map(str::to_string),
    };
    append(&entry).map_err(|e| format!("applied, but the journal could not be written: {e}"))?;
    Ok(entry)
}

/// The kubeconfig user of a context, for the journal (empty when it cannot be read).
pub fn kubeconfig_user(kubeconfig: Option<&std::path::Path>, context: &str) -> String {
    use kube::config::Kubeconfig;
    let kc = match kubeconfig {
        Some(p) => Kubeconfig::read_from(p).ok(),
        None => Kubeconfig::from_env()
            .ok()
            .flatten()
            .or_else(|| Kubeconfig::read().ok()),
    };
    kc.and_then(|k| {
        k.contexts
            .into_iter()
            .find(|c| c.name == context)
            .and_then(|c| c.context.map(|x| x.user.unwrap_or_default()))
    })
    .unwrap_or_default()
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

/// The journal file: `$KVET_DATA_DIR/journal.jsonl`, else the user's data directory.
pub fn journal_path() -> Result<PathBuf, String> {
    if let Some(d) = std::env::var_os("KVET_DATA_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d).join("journal.jsonl"));
    }
    directories::ProjectDirs::from("", "", "kvet")
        .map(|p| p.data_dir().join("journal.jsonl"))
        .ok_or_else(|| "no data directory for the journal (set KVET_DATA_DIR)".into())
}

/// Appends one entry (one JSON line).
pub fn append(entry: &Entry) -> Result<(), String> {
    let path = journal_path()?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let line = serde_json::to_string(entry).map_err(|e| e.to_string())?;
    writeln!(f, "{line}").map_err(|e| format!("{}: {e}", path.display()))
}

/// Every entry, oldest first. Lines that cannot be read are reported, not fatal.
pub fn read_journal() -> Result<(Vec<Entry>, Vec<String>), String> {
    let path = journal_path()?;
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), Vec::new())),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        match serde_json::from_str::<Entry>(line) {
            Ok(e) => out.push(e),
            Err(e) => bad.push(format!("{}:{}: {e}", path.display(), i + 1)),
        }
    }
    Ok((out, bad))
}

/// A new entry ID: UTC time plus a counter, sortable.
pub fn new_id(now: &str, existing: &[Entry]) -> String {
    let base: String = now.chars().filter(|c| c.is_ascii_digit()).collect();
    let n = existing.iter().filter(|e| e.id.starts_with(&base)).count();
    format!("{base}-{}", n + 1)
}

/// `YYYY-MM-DDTHH:MM:SSZ`, now, UTC.
pub fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
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

    #[test]
    fn dates_are_civil_utc() {
        let t = now_utc();
        assert_eq!(t.len(), 20);
        assert!(t.starts_with("20") && t.ends_with('Z'), "{t}");
    }
}
