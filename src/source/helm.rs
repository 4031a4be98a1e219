//! I/O. `kvet audit --helm`: lists the records of each Helm release's deployed revision
//! (Secrets, and ConfigMaps for Helm's ConfigMap driver, labelled `owner=helm,status=deployed`)
//! and hands each `release` value to `model::helm`, which keeps four fields per manifest
//! document. Opt-in, because it reads Secret data. A 403 is reported and ends this part only.

use super::live::{describe, status_code, Connection};
use crate::model::helm::{decode_release, HelmRecords, MAX_OBJECTS_TOTAL};
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::api::{Api, ListParams};

/// Release records are up to 1 MiB each: small pages keep what is held at once small.
const PAGE: u32 = 20;
const SELECTOR: &str = "owner=helm,status=deployed";

/// Reads every deployed release record that the connection may read.
pub async fn read(conn: &Connection) -> HelmRecords {
    let mut rec = HelmRecords::default();
    let scope = match &conn.namespace {
        Some(ns) => format!("namespace {ns}"),
        None => "all namespaces".to_string(),
    };
    if let Err(e) = read_pages(&scoped(conn), &mut rec, |s: Secret| {
        let payload = s.data.and_then(|mut d| d.remove("release")).map(|b| b.0);
        (s.metadata, payload)
    })
    .await
    {
        rec.problems.push(failure("Secrets", &scope, &e));
    }
    if let Err(e) = read_pages(&scoped(conn), &mut rec, |m: ConfigMap| {
        let payload = m
            .data
            .and_then(|mut d| d.remove("release"))
            .map(String::into_bytes);
        (m.metadata, payload)
    })
    .await
    {
        rec.problems.push(failure("ConfigMaps", &scope, &e));
    }
    rec
}

/// The connection's namespace, or every namespace.
fn scoped<K>(conn: &Connection) -> Api<K>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>,
    K::DynamicType: Default,
{
    match &conn.namespace {
        Some(ns) => Api::namespaced(conn.client.clone(), ns),
        None => Api::all(conn.client.clone()),
    }
}

fn failure(what: &str, scope: &str, e: &kube::Error) -> String {
    match status_code(e) {
        Some(403) => format!(
            "--helm: may not list {what} in {scope} (403): Helm release records in them were not read; everything else was audited"
        ),
        _ => format!("--helm: listing {what} in {scope} failed: {}", describe(e)),
    }
}

async fn read_pages<K>(
    api: &Api<K>,
    rec: &mut HelmRecords,
    split: impl Fn(K) -> (kube::core::ObjectMeta, Option<Vec<u8>>),
) -> Result<(), kube::Error>
where
    K: Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let mut lp = ListParams::default().labels(SELECTOR).limit(PAGE);
    loop {
        let page = api.list(&lp).await?;
        let next = page.metadata.continue_.clone();
        for item in page.items {
            let (meta, payload) = split(item);
            let label = format!(
                "{}/{}",
                meta.namespace.as_deref().unwrap_or(""),
                meta.name.as_deref().unwrap_or("")
            );
            let Some(payload) = payload else {
                rec.problems.push(format!(
                    "--helm: {label}: the release record has no release key"
                ));
                continue;
            };
            if rec.objects.len() >= MAX_OBJECTS_TOTAL {
                rec.problems.push(format!(
                    "--helm: {label}: not read, the releases already hold {MAX_OBJECTS_TOTAL} objects (kvet's cap)"
                ));
                continue;
            }
            match decode_release(&label, &payload) {
                Ok(mut objects) => {
                    rec.releases += 1;
                    let room = MAX_OBJECTS_TOTAL - rec.objects.len();
                    if objects.len() > room {
                        objects.truncate(room);
                        rec.problems.push(format!(
                            "--helm: {label}: only its first {room} objects read, the cap of {MAX_OBJECTS_TOTAL} objects over all releases"
                        ));
                    }
                    rec.objects.append(&mut objects);
                }
                Err(e) => rec.problems.push(format!("--helm: {e}")),
            }
        }
        match next.filter(|c| !c.is_empty()) {
            Some(c) => lp = lp.continue_token(&c),
            None => return Ok(()),
        }
    }
}
