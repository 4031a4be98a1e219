//! I/O. The only code that writes to a cluster. Every write goes the same way: the object is
//! read, the patch is guarded by its resourceVersion, the server runs it as a dry run (`dryRun=All`)
//! and the diff shown is against the server's answer, the user confirms, the change is applied
//! with field manager `kvet` (never forced), and the journal records it with its inverse.
//! What the journal holds and when an undo may be sent are pure (`fix::journal`); the file and
//! its signature are `journal.rs`.

pub mod journal;
pub mod reports;

pub use crate::fix::journal::{for_review, new_id, Entry, EntryObject};
pub use journal::{append, journal_path, now_utc, read_journal};

use crate::fix::journal::{fingerprint, inverse, redact, review_diff, undo_change};
use crate::fix::{self as fix_core, Change, FixPlan};
use crate::model::{Kind, ObjectRef};
use crate::source::live::{self, Connection};
use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams, PostParams, Preconditions};
use kube::core::ApiResource;
use serde_json::{json, Value};

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

/// A live preview: the object read from the server, the plan (guarded by its
/// resourceVersion), and the diff against the server's dry-run answer. A refused dry run is an
/// error: nothing may be applied then.
pub async fn preview_live(
    conn: &Connection,
    snap: &crate::model::Snapshot,
    finding: &crate::audit::Finding,
    settings: &std::collections::BTreeMap<String, String>,
) -> Result<fix_core::Preview, String> {
    // The journal first: a fix that could not be journaled could not be undone.
    journal::check_writable()?;
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
    let mut plan = fix_core::plan(&fix_core::FixInput {
        snap,
        finding,
        object: &object,
        server_minor: minor,
        pdb_api_version: &pdb_api,
        settings,
    })
    .map_err(|e| e.to_string())?;
    guard_resource_version(&mut plan, &object);
    let mut p = fix_core::preview(&object, plan).map_err(|e| e.to_string())?;
    let server = send(conn, &p.plan, true)
        .await
        .map_err(|e| format!("the server refused the dry run, so nothing can be applied: {e}"))?;
    p.diff = review_diff(&p.plan, &object, &server);
    p.after = server;
    p.dry_run = true;
    Ok(p)
}

/// The preview of undoing a journal entry: its inverse, guarded by the current
/// resourceVersion, through the server's dry run.
pub async fn preview_undo(conn: &Connection, entry: &Entry) -> Result<fix_core::Preview, String> {
    // Nothing from an entry is sent unless kvet wrote it, and it undoes what kvet did.
    journal::verify(entry)?;
    journal::check_writable()?;
    let r = entry.object.object_ref();
    if !crate::fix::journal::WRITABLE_KINDS.contains(&r.kind) {
        return Err(format!(
            "journal entry {} cannot be undone: {} is not a kind kvet's fixes change",
            entry.id, entry.object.kind
        ));
    }
    let check = crate::audit::find_check(&entry.check)
        .map(|c| c.info().id)
        .unwrap_or("undo");
    let current = fetch(conn, &r).await?;
    let change = undo_change(entry, &current)?;
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
    let mut p = fix_core::preview(&current, plan).map_err(|e| e.to_string())?;
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
    let after_local = fix_core::apply_local(before, plan).map_err(|e| e.to_string())?;
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
        uid: applied
            .pointer("/metadata/uid")
            .or_else(|| before.pointer("/metadata/uid"))
            .and_then(Value::as_str)
            .map(str::to_string),
        mac: None,
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
