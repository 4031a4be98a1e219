//! I/O: writing policy reports (`kvet report`). What to write is pure (`crate::report::plan`);
//! this reads kvet's earlier reports, sends the writes and says what it did.
//!
//! The rules are the fixes': server-side apply with field manager `kvet`; only objects labelled
//! `app.kubernetes.io/managed-by: kvet` with a kvet report name are updated or deleted (a delete
//! is guarded by the resourceVersion kvet read); an unchanged report is not sent at all.

use super::{server_error, FIELD_MANAGER};
use crate::report::{self, Action, Api, Key};
use crate::source::live::Connection;
use kube::api::{Api as KubeApi, DeleteParams, DynamicObject, ListParams, Patch, PatchParams};
use kube::core::ApiResource;
use serde_json::Value;
use std::collections::HashMap;

/// What one API's reconciliation did.
#[derive(Debug, Default, serde::Serialize)]
pub struct Outcome {
    pub api: String,
    pub created: Vec<String>,
    pub updated: Vec<String>,
    pub unchanged: Vec<String>,
    pub deleted: Vec<String>,
    /// Objects of a kvet report's name that are not kvet's: left alone.
    pub skipped: Vec<String>,
    pub errors: Vec<String>,
}

/// `NS/NAME`, or `NAME` for a cluster-scoped report.
pub fn key_label(k: &Key) -> String {
    match &k.0 {
        Some(ns) => format!("{ns}/{}", k.1),
        None => k.1.clone(),
    }
}

fn resource(api: Api, namespaced: bool) -> ApiResource {
    ApiResource {
        group: api.group().into(),
        version: api.version().into(),
        api_version: api.api_version(),
        kind: api.kind(namespaced).into(),
        plural: api.plural(namespaced),
    }
}

/// Whether the server serves the API (its CRDs are installed). `Err` when the server could
/// not answer the question.
pub async fn served(conn: &Connection, api: Api) -> Result<bool, String> {
    match conn
        .client
        .list_api_group_resources(&api.api_version())
        .await
    {
        Ok(list) => Ok(list.resources.iter().any(|r| r.name == api.plural(true))),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(false),
        Err(e) => Err(server_error(&e)),
    }
}

fn api_for(
    conn: &Connection,
    api: Api,
    namespace: Option<&str>,
    namespaced: bool,
) -> KubeApi<DynamicObject> {
    let ar = resource(api, namespaced);
    match namespace {
        Some(ns) => KubeApi::namespaced_with(conn.client.clone(), ns, &ar),
        None => KubeApi::all_with(conn.client.clone(), &ar),
    }
}

fn managed_by() -> ListParams {
    ListParams::default().labels(&format!(
        "{}={}",
        report::MANAGED_BY.0,
        report::MANAGED_BY.1
    ))
}

/// kvet's reports of one API now on the server: the namespaced ones (of `scope`, or of every
/// namespace), and the cluster-scoped ones unless the run is limited to a namespace.
async fn list_ours(conn: &Connection, api: Api, scope: Option<&str>) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    let list = api_for(conn, api, scope, true)
        .list(&managed_by())
        .await
        .map_err(|e| server_error(&e))?;
    out.extend(list.items);
    if scope.is_none() {
        let list = api_for(conn, api, None, false)
            .list(&managed_by())
            .await
            .map_err(|e| server_error(&e))?;
        out.extend(list.items);
    }
    out.into_iter()
        .map(|o| serde_json::to_value(o).map_err(|e| e.to_string()))
        .collect()
}

/// Writes one API's reports. `build` makes the desired reports from the timestamps of kvet's
/// earlier results; `scope` limits the run to one namespace (the cluster-scoped report is then
/// neither written nor deleted). `Err` when kvet's reports cannot even be listed.
pub async fn reconcile(
    conn: &Connection,
    api: Api,
    scope: Option<&str>,
    build: impl Fn(&HashMap<String, Value>) -> Vec<Value>,
) -> Result<Outcome, String> {
    let existing = list_ours(conn, api, scope).await?;
    let first_seen = report::first_seen(&existing);
    let desired: Vec<Value> = build(&first_seen)
        .into_iter()
        .filter(|r| scope.is_none() || report::key_of(r).0.as_deref() == scope)
        .collect();
    // A desired report kvet has not written: is there an object of that name that is not
    // kvet's? Then it is left alone.
    let ours: std::collections::HashSet<Key> = existing.iter().map(report::key_of).collect();
    let mut foreign = Vec::new();
    for d in &desired {
        let k = report::key_of(d);
        if ours.contains(&k) {
            continue;
        }
        match api_for(conn, api, k.0.as_deref(), k.0.is_some())
            .get_opt(&k.1)
            .await
        {
            Ok(Some(_)) => foreign.push(k),
            Ok(None) => {}
            Err(e) => return Err(server_error(&e)),
        }
    }
    let versions: HashMap<Key, String> = existing
        .iter()
        .filter_map(|o| {
            let rv = o.pointer("/metadata/resourceVersion")?.as_str()?;
            Some((report::key_of(o), rv.to_string()))
        })
        .collect();
    let mut out = Outcome {
        api: api.api_version(),
        ..Outcome::default()
    };
    for action in report::plan(desired, &existing, &foreign) {
        match action {
            Action::Unchanged(k) => out.unchanged.push(key_label(&k)),
            Action::Foreign(k) => out.skipped.push(key_label(&k)),
            Action::Create(obj) | Action::Update(obj) => {
                let k = report::key_of(&obj);
                let created = !ours.contains(&k);
                match apply(conn, api, &k, obj).await {
                    Ok(()) if created => out.created.push(key_label(&k)),
                    Ok(()) => out.updated.push(key_label(&k)),
                    // The namespace went away (or is going) while kvet audited: nothing to
                    // report there, and not a failure of the run.
                    Err(e) if namespace_gone(&e) => out.skipped.push(format!(
                        "{} (its namespace is being deleted)",
                        key_label(&k)
                    )),
                    Err(e) => out
                        .errors
                        .push(format!("{}: {}", key_label(&k), server_error(&e))),
                }
            }
            Action::Delete(k) => {
                let dp = DeleteParams {
                    preconditions: versions.get(&k).map(|rv| kube::api::Preconditions {
                        resource_version: Some(rv.clone()),
                        uid: None,
                    }),
                    ..DeleteParams::default()
                };
                match api_for(conn, api, k.0.as_deref(), k.0.is_some())
                    .delete(&k.1, &dp)
                    .await
                {
                    Ok(_) => out.deleted.push(key_label(&k)),
                    Err(kube::Error::Api(s)) if s.code == 404 => out.deleted.push(key_label(&k)),
                    Err(e) => out
                        .errors
                        .push(format!("{}: {}", key_label(&k), server_error(&e))),
                }
            }
        }
    }
    Ok(out)
}

/// Server-side apply, field manager `kvet`, forced: the report is kvet's alone (its label and
/// name were checked), so no other manager's claim on a field can stand.
async fn apply(conn: &Connection, api: Api, k: &Key, obj: Value) -> Result<(), kube::Error> {
    let pp = PatchParams::apply(FIELD_MANAGER).force();
    api_for(conn, api, k.0.as_deref(), k.0.is_some())
        .patch(&k.1, &pp, &Patch::Apply(obj))
        .await
        .map(|_| ())
}

/// A write refused because the namespace is gone (404 naming the namespace) or terminating
/// (403 "… because it is being terminated", the NamespaceLifecycle admission plugin).
fn namespace_gone(e: &kube::Error) -> bool {
    match e {
        kube::Error::Api(s) => {
            (s.code == 404 && s.message.contains("namespaces"))
                || (s.code == 403 && s.message.contains("being terminated"))
        }
        _ => false,
    }
}
