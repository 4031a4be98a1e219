//! I/O. A live cluster: kubeconfig resolution, discovery of each kind's API version, access
//! checks, paged lists, and one watcher per kind feeding slim projections into a store.
//!
//! Objects arrive as JSON and go through the same decoder as manifests (`model::decode`), so a
//! live object and the same object from a file become identical projections.

use crate::model::decode::{self, DecodeOptions};
use crate::model::wire::RawObject;
use crate::model::{Object, Snapshot, SourceKind};
use kube::api::{Api, DynamicObject, ListParams, PartialObjectMeta};
use kube::core::{ApiResource, GroupVersionKind};
use kube::{Client, Config};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

pub use super::kinds::{KindSpec, KINDS};

/// Page size of every list (G7: at most 500).
pub const PAGE: u32 = 500;

#[derive(Clone, Debug, Default)]
pub struct LiveOptions {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub namespace: Option<String>,
    /// Never write: also skips the SelfSubjectAccessReview POSTs (a 403 on list decides).
    pub readonly: bool,
    /// Run exec credential plugins with their terminal (only before the TUI takes the screen).
    pub interactive_auth: bool,
    /// How long one request (discovery, a list page, a write) may take: kubectl's
    /// `--request-timeout`. `None` waits forever. Connecting is bounded by the same value, at
    /// most [`CONNECT_TIMEOUT`].
    pub request_timeout: Option<std::time::Duration>,
    /// Also read other tools' policy reports (the TUI, unless `--reports=false`).
    pub reports: bool,
}

/// The default of `--request-timeout`: long enough for a 500-object page of a loaded server.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
/// The longest a TCP and TLS connect may take.
pub const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("{0}")]
    Config(String),
    #[error("cannot reach the cluster at {server}: {message}")]
    Unreachable { server: String, message: String },
    /// The server answered, but not as a Kubernetes API server does: no core `/api/v1` with
    /// namespaces and pods (a wrong URL, a proxy, another HTTPS server).
    #[error("{server} is not a Kubernetes API server: {message}. Check the server URL of the context (kubectl config view --minify)")]
    NotKubernetes { server: String, message: String },
}

/// Why a kind is not in the snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KindStatus {
    Ok {
        api_version: String,
    },
    /// 403: the user may not list it (in this scope).
    Forbidden,
    /// The server serves none of the versions kvet reads (404).
    NotServed,
    /// Another error; the watcher retries with backoff.
    Failed(String),
}

impl KindStatus {
    pub fn label(&self) -> String {
        match self {
            KindStatus::Ok { api_version } => format!("ok ({api_version})"),
            KindStatus::Forbidden => "forbidden".into(),
            KindStatus::NotServed => "not served by this cluster".into(),
            KindStatus::Failed(m) => format!("failed: {m}"),
        }
    }
}

/// A connected client and what it is connected to.
#[derive(Clone)]
pub struct Connection {
    /// Discovery, lists, reads and writes: bounded by `--request-timeout`.
    pub client: Client,
    /// Watches only (no read timeout).
    pub watch_client: Client,
    pub request_timeout: Option<std::time::Duration>,
    pub context: String,
    pub server: String,
    /// `insecure-skip-tls-verify` is set: shown as a warning.
    pub insecure: bool,
    pub namespace: Option<String>,
    pub readonly: bool,
    /// Read other tools' policy reports too ([`LiveOptions::reports`]).
    pub reports: bool,
}

/// Resolves the kubeconfig as kubectl does (`--kubeconfig`, else `KUBECONFIG` with its files
/// merged, else `~/.kube/config`, else the in-cluster service account) and builds a client.
pub async fn connect(opts: &LiveOptions) -> Result<Connection, LiveError> {
    use kube::config::{KubeConfigOptions, Kubeconfig};
    let kc_opts = KubeConfigOptions {
        context: opts.context.clone(),
        ..Default::default()
    };
    let kubeconfig = match &opts.kubeconfig {
        Some(p) => Some(
            Kubeconfig::read_from(p)
                .map_err(|e| LiveError::Config(format!("{}: {e}", p.display())))?,
        ),
        None => match Kubeconfig::from_env() {
            Ok(Some(k)) => Some(k),
            Ok(None) => Kubeconfig::read().ok(),
            Err(e) => return Err(LiveError::Config(format!("KUBECONFIG: {e}"))),
        },
    };
    let (config, context) = match kubeconfig {
        Some(mut kc) => {
            let context = opts.context.clone().or_else(|| kc.current_context.clone()).unwrap_or_default();
            check_exec_plugin(&kc, &context)?;
            if !opts.interactive_auth {
                // Exec plugins must not write to the terminal while the TUI owns it.
                for a in kc.auth_infos.iter_mut() {
                    if let Some(exec) = a.auth_info.as_mut().and_then(|i| i.exec.as_mut()) {
                        exec.interactive_mode = Some(kube::config::ExecInteractiveMode::Never);
                    }
                }
            }
            let cfg = Config::from_custom_kubeconfig(kc, &kc_opts)
                .await
                .map_err(|e| LiveError::Config(format!("kubeconfig: {e}")))?;
            (cfg, context)
        }
        None => match Config::incluster() {
            Ok(c) => (c, "in-cluster".to_string()),
            Err(_) => {
                return Err(LiveError::Config(
                    "no kubeconfig found (KUBECONFIG, ~/.kube/config) and not running in a cluster: pass --kubeconfig, or use -f or --demo".into(),
                ))
            }
        },
    };
    let server = config.cluster_url.to_string();
    let insecure = config.accept_invalid_certs;
    let mut config = config;
    config.connect_timeout = Some(
        opts.request_timeout
            .map_or(CONNECT_TIMEOUT, |t| t.min(CONNECT_TIMEOUT)),
    );
    // Watches stay open for minutes with nothing to say: their client has no read timeout, and
    // kube's watcher drops a stream idle past its server-side timeout and reconnects.
    let watch_client = Client::try_from(config.clone())
        .map_err(|e| LiveError::Config(format!("client: {}", describe(&e))))?;
    config.read_timeout = opts.request_timeout;
    config.write_timeout = opts.request_timeout;
    // The timeout counts from each request, not from when its pooled connection went idle.
    config.reset_reader_on_write = true;
    let client = Client::try_from(config)
        .map_err(|e| LiveError::Config(format!("client: {}", describe(&e))))?;
    Ok(Connection {
        client,
        watch_client,
        request_timeout: opts.request_timeout,
        context,
        server,
        insecure,
        namespace: opts.namespace.clone(),
        readonly: opts.readonly,
        reports: opts.reports,
    })
}

/// A context whose user authenticates with an exec plugin that is not installed fails here, with
/// its name, instead of failing on every request.
fn check_exec_plugin(kc: &kube::config::Kubeconfig, context: &str) -> Result<(), LiveError> {
    let user = kc
        .contexts
        .iter()
        .find(|c| c.name == context)
        .and_then(|c| c.context.as_ref())
        .map(|c| c.user.clone());
    let Some(user) = user else { return Ok(()) };
    let exec = kc
        .auth_infos
        .iter()
        .find(|a| Some(&a.name) == user.as_ref())
        .and_then(|a| a.auth_info.as_ref())
        .and_then(|i| i.exec.as_ref());
    let Some(command) = exec.and_then(|e| e.command.clone()) else {
        return Ok(());
    };
    let found = if command.contains('/') {
        std::path::Path::new(&command).is_file()
    } else {
        std::env::var_os("PATH")
            .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(&command).is_file()))
    };
    if found {
        Ok(())
    } else {
        Err(LiveError::Config(format!(
            "context {context:?}: the exec credential plugin {command:?} is not installed (not found on PATH); install it, or choose another context with --context"
        )))
    }
}

pub fn describe(e: &kube::Error) -> String {
    let mut text = e.to_string();
    // The transport's own words ("Connection refused", "timed out") sit at the end of the chain.
    let mut root: &dyn std::error::Error = e;
    while let Some(s) = root.source() {
        root = s;
    }
    let root = root.to_string();
    if !text.contains(&root) {
        text = format!("{text}: {root}");
    }
    if text.contains("auth exec") || text.contains("exec plugin") {
        return format!("{text} (the kubeconfig's exec credential plugin failed or is not installed: install it, or choose another context with --context)");
    }
    text
}

/// Status code of an API error, if it is one.
pub fn status_code(e: &kube::Error) -> Option<u16> {
    match e {
        kube::Error::Api(s) => Some(s.code),
        _ => None,
    }
}

/// For each kind, the API version the server serves (discovery). Fails only when the server
/// cannot be reached at all.
pub async fn discover(
    conn: &Connection,
) -> Result<Vec<(KindSpec, Result<ApiResource, KindStatus>)>, LiveError> {
    // Per group-version: the resources served, or why not (404 and 403 are answers; anything
    // else, such as an aggregated API answering 503, is a failure of that group only).
    let mut served: HashMap<String, Result<Vec<String>, KindStatus>> = HashMap::new();
    let mut out = Vec::new();
    let mut reached = false;
    let mut last_error = String::new();
    let reports: &[KindSpec] = if conn.reports {
        super::kinds::REPORT_KINDS
    } else {
        &[]
    };
    for spec in KINDS.iter().chain(reports) {
        let mut found = None;
        let mut status = KindStatus::NotServed;
        for v in spec.versions {
            let gv = if spec.group.is_empty() {
                v.to_string()
            } else {
                format!("{}/{v}", spec.group)
            };
            if !served.contains_key(&gv) {
                let res = if spec.group.is_empty() {
                    conn.client.list_core_api_resources(v).await
                } else {
                    conn.client.list_api_group_resources(&gv).await
                };
                let entry = match res {
                    Ok(list) => {
                        reached = true;
                        Ok(list.resources.into_iter().map(|r| r.name).collect())
                    }
                    Err(e) => match status_code(&e) {
                        Some(404) => {
                            reached = true;
                            Err(KindStatus::NotServed)
                        }
                        Some(403) => {
                            reached = true;
                            Err(KindStatus::Forbidden)
                        }
                        Some(code) => {
                            reached = true;
                            Err(KindStatus::Failed(format!(
                                "{gv} answered {code}: {}",
                                describe(&e)
                            )))
                        }
                        None => {
                            last_error = timed_out(conn, &e);
                            // Nothing answered yet: every further request would wait as long.
                            if !reached {
                                return Err(LiveError::Unreachable {
                                    server: conn.server.clone(),
                                    message: last_error,
                                });
                            }
                            Err(KindStatus::Failed(last_error.clone()))
                        }
                    },
                };
                served.insert(gv.clone(), entry);
            }
            match served.get(&gv) {
                Some(Ok(names)) if names.iter().any(|n| n == spec.plural) => {
                    let gvk = GroupVersionKind::gvk(spec.group, v, spec.kind);
                    found = Some(ApiResource::from_gvk_with_plural(&gvk, spec.plural));
                    break;
                }
                // A later version may still be served; remember the worst answer so far.
                Some(Err(e @ (KindStatus::Forbidden | KindStatus::Failed(_)))) => {
                    status = e.clone()
                }
                _ => {}
            }
        }
        out.push((*spec, found.ok_or(status)));
    }
    if !reached {
        return Err(LiveError::Unreachable {
            server: conn.server.clone(),
            message: last_error,
        });
    }
    // Every Kubernetes API server serves the core group with namespaces and pods. Without it,
    // an empty snapshot would read as a clean cluster.
    match served.get("v1") {
        Some(Ok(names)) if names.iter().any(|n| n == "pods") => {}
        Some(Err(KindStatus::Forbidden)) => {}
        other => {
            let message = match other {
                Some(Ok(_)) => "/api/v1 serves no pods".to_string(),
                Some(Err(KindStatus::Failed(m))) => format!("/api/v1 failed: {m}"),
                _ => "/api/v1 answered 404".to_string(),
            };
            return Err(LiveError::NotKubernetes {
                server: conn.server.clone(),
                message,
            });
        }
    }
    Ok(out)
}

/// Asks the server whether the user may list and watch a kind in the scope (one
/// SelfSubjectAccessReview each). Skipped in read-only mode, where a 403 on the list decides.
pub async fn may_list(conn: &Connection, spec: &KindSpec, ar: &ApiResource) -> bool {
    use k8s_openapi::api::authorization::v1::{
        ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
    };
    if conn.readonly {
        return true;
    }
    let api: Api<SelfSubjectAccessReview> = Api::all(conn.client.clone());
    for verb in ["list", "watch"] {
        let review = SelfSubjectAccessReview {
            spec: SelfSubjectAccessReviewSpec {
                resource_attributes: Some(ResourceAttributes {
                    group: Some(ar.group.clone()),
                    resource: Some(spec.plural.to_string()),
                    verb: Some(verb.to_string()),
                    namespace: if spec.namespaced {
                        conn.namespace.clone()
                    } else {
                        None
                    },
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        };
        match api.create(&Default::default(), &review).await {
            Ok(r) if r.status.as_ref().is_some_and(|s| !s.allowed) => return false,
            _ => {}
        }
    }
    true
}

pub(super) fn api_for(conn: &Connection, spec: &KindSpec, ar: &ApiResource) -> Api<DynamicObject> {
    match (&conn.namespace, spec.namespaced) {
        (Some(ns), true) => Api::namespaced_with(conn.client.clone(), ns, ar),
        _ => Api::all_with(conn.client.clone(), ar),
    }
}

/// Converts a listed or watched object into its projection.
pub fn project(obj: DynamicObject, ar: &ApiResource, opts: &DecodeOptions) -> Option<Object> {
    let mut value = serde_json::to_value(&obj).ok()?;
    value["apiVersion"] = serde_json::Value::String(ar.api_version.clone());
    value["kind"] = serde_json::Value::String(ar.kind.clone());
    let raw: RawObject = serde_json::from_value(value).ok()?;
    decode::from_raw(raw, opts).objects.into_iter().next()
}

/// Converts a metadata-only object (Secrets, ConfigMaps).
pub fn project_meta(
    obj: PartialObjectMeta<DynamicObject>,
    ar: &ApiResource,
    opts: &DecodeOptions,
) -> Option<Object> {
    let value = serde_json::json!({
        "apiVersion": ar.api_version,
        "kind": ar.kind,
        "metadata": obj.metadata,
    });
    let raw: RawObject = serde_json::from_value(value).ok()?;
    decode::from_raw(raw, opts).objects.into_iter().next()
}

/// Lists one kind, page by page.
pub async fn list_kind(
    conn: &Connection,
    spec: &KindSpec,
    ar: &ApiResource,
    opts: &DecodeOptions,
) -> Result<Vec<Object>, kube::Error> {
    list_kind_paged(conn, spec, ar, opts, &mut |_| {}).await
}

/// [`list_kind`], telling `on_page` how many objects each page brought.
pub async fn list_kind_paged(
    conn: &Connection,
    spec: &KindSpec,
    ar: &ApiResource,
    opts: &DecodeOptions,
    on_page: &mut (dyn FnMut(usize) + Send),
) -> Result<Vec<Object>, kube::Error> {
    let api = api_for(conn, spec, ar);
    let mut out = Vec::new();
    let mut lp = ListParams::default().limit(PAGE);
    loop {
        let (items, next): (Vec<Object>, Option<String>) = if spec.metadata_only {
            let page = api.list_metadata(&lp).await?;
            (
                page.items
                    .into_iter()
                    .filter_map(|o| project_meta(o, ar, opts))
                    .collect(),
                page.metadata.continue_,
            )
        } else {
            let page = api.list(&lp).await?;
            (
                page.items
                    .into_iter()
                    .filter_map(|o| project(o, ar, opts))
                    .collect(),
                page.metadata.continue_,
            )
        };
        on_page(items.len());
        out.extend(items);
        match next.filter(|c| !c.is_empty()) {
            Some(c) => lp = lp.continue_token(&c),
            None => break,
        }
    }
    Ok(out)
}

/// Resolved kinds: the API resource of each kind that can be read, and the status of every kind.
pub struct Plan {
    pub readable: Vec<(KindSpec, ApiResource)>,
    pub status: BTreeMap<&'static str, KindStatus>,
}

/// Discovery plus access checks.
pub async fn plan(conn: &Connection) -> Result<Plan, LiveError> {
    let mut p = Plan {
        readable: Vec::new(),
        status: BTreeMap::new(),
    };
    for (spec, res) in discover(conn).await? {
        match res {
            Ok(ar) => {
                if may_list(conn, &spec, &ar).await {
                    p.status.insert(
                        spec.kind,
                        KindStatus::Ok {
                            api_version: ar.api_version.clone(),
                        },
                    );
                    p.readable.push((spec, ar));
                } else {
                    p.status.insert(spec.kind, KindStatus::Forbidden);
                }
            }
            Err(KindStatus::NotServed) if spec.optional => {}
            Err(st) => {
                p.status.insert(spec.kind, st);
            }
        }
    }
    Ok(p)
}

/// Lists everything once: the snapshot for `kvet audit` and `kvet snapshot save`.
pub async fn load(
    conn: &Connection,
) -> Result<(Snapshot, BTreeMap<&'static str, KindStatus>), LiveError> {
    load_with_progress(conn, &mut |_| {}).await
}

/// [`load`], reporting progress after every page.
pub async fn load_with_progress(
    conn: &Connection,
    progress: &mut (dyn FnMut(&LoadProgress) + Send),
) -> Result<(Snapshot, BTreeMap<&'static str, KindStatus>), LiveError> {
    let mut plan = plan(conn).await?;
    let opts = decode_options(conn);
    let mut objects = Vec::new();
    let mut p = LoadProgress {
        kinds_total: plan.status.len(),
        kinds_done: plan.status.len() - plan.readable.len(),
        ..LoadProgress::default()
    };
    progress(&p);
    for (spec, ar) in &plan.readable {
        let mut on_page = |n: usize| {
            p.objects += n;
            progress(&p);
        };
        let listed = list_kind_paged(conn, spec, ar, &opts, &mut on_page).await;
        p.kinds_done += 1;
        progress(&p);
        match listed {
            Ok(mut o) => objects.append(&mut o),
            // A transport failure (a timeout, a reset) mid-load: the snapshot would be missing a
            // kind silently, so the load fails as an unreachable cluster does.
            Err(e) if status_code(&e).is_none() => {
                return Err(LiveError::Unreachable {
                    server: conn.server.clone(),
                    message: format!("listing {}: {}", spec.plural, timed_out(conn, &e)),
                })
            }
            Err(e) => {
                let st = match status_code(&e) {
                    Some(403) => KindStatus::Forbidden,
                    Some(404) => KindStatus::NotServed,
                    _ => KindStatus::Failed(describe(&e)),
                };
                plan.status.insert(spec.kind, st);
            }
        }
    }
    let mut snap = Snapshot::build(SourceKind::Live, source_label(conn), Vec::new(), objects);
    snap.server_version = server_version(conn).await;
    Ok((snap, plan.status))
}

/// A transport error, with the timeout named when it was one.
pub fn timed_out(conn: &Connection, e: &kube::Error) -> String {
    let message = describe(e);
    let mut cause: Option<&dyn std::error::Error> = Some(e);
    let mut timeout = false;
    while let Some(c) = cause {
        timeout |= c
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut);
        cause = c.source();
    }
    let lower = message.to_ascii_lowercase();
    timeout |= lower.contains("timed out") || lower.contains("deadline has elapsed");
    match conn.request_timeout {
        Some(t) if timeout => format!(
            "no answer within {} (--request-timeout; 0 waits forever): {message}",
            human_duration(t)
        ),
        _ => message,
    }
}

fn human_duration(t: std::time::Duration) -> String {
    if t.subsec_millis() != 0 {
        format!("{}ms", t.as_millis())
    } else {
        format!("{}s", t.as_secs())
    }
}

/// The API server's (major, minor), when /version answers (`1.20+` counts as 1.20).
pub async fn server_version(conn: &Connection) -> Option<(u32, u32)> {
    let v = conn.client.apiserver_version().await.ok()?;
    let num = |s: &str| s.trim_end_matches('+').parse::<u32>().ok();
    Some((num(&v.major)?, num(&v.minor)?))
}

pub fn source_label(conn: &Connection) -> String {
    match &conn.namespace {
        Some(ns) => format!("{} (namespace {ns})", conn.context),
        None => conn.context.clone(),
    }
}

pub(super) fn decode_options(conn: &Connection) -> DecodeOptions {
    DecodeOptions {
        default_namespace: Arc::from(conn.namespace.as_deref().unwrap_or("default")),
    }
}

pub use super::watch::{clock, watch, LiveUpdate, LoadProgress, Store};
