//! I/O. A live cluster: kubeconfig resolution, discovery of each kind's API version, access
//! checks, paged lists, and one watcher per kind feeding slim projections into a store.
//!
//! Objects arrive as JSON and go through the same decoder as manifests (`model::decode`), so a
//! live object and the same object from a file become identical projections.

use crate::model::decode::{self, DecodeOptions};
use crate::model::wire::RawObject;
use crate::model::{Object, Snapshot, SourceKind};
use futures::StreamExt;
use kube::api::{Api, DynamicObject, ListParams, PartialObjectMeta};
use kube::core::{ApiResource, GroupVersionKind};
use kube::runtime::watcher;
use kube::runtime::WatchStreamExt;
use kube::{Client, Config};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One kind kvet reads, with the API versions it accepts in order of preference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KindSpec {
    pub kind: &'static str,
    pub group: &'static str,
    pub versions: &'static [&'static str],
    pub plural: &'static str,
    pub namespaced: bool,
    /// Secrets and ConfigMaps: metadata only, never the data.
    pub metadata_only: bool,
    /// Custom resources most clusters lack (AdminNetworkPolicy): not served is not worth a
    /// warning, so such a kind is left out of the statuses.
    pub optional: bool,
}

const fn k(
    kind: &'static str,
    group: &'static str,
    versions: &'static [&'static str],
    plural: &'static str,
    namespaced: bool,
) -> KindSpec {
    KindSpec {
        kind,
        group,
        versions,
        plural,
        namespaced,
        metadata_only: false,
        optional: false,
    }
}

/// Every kind kvet watches. Discovery picks the first version the server serves.
pub const KINDS: &[KindSpec] = &[
    k("Namespace", "", &["v1"], "namespaces", false),
    k("Node", "", &["v1"], "nodes", false),
    k("Pod", "", &["v1"], "pods", true),
    k("Deployment", "apps", &["v1"], "deployments", true),
    k("StatefulSet", "apps", &["v1"], "statefulsets", true),
    k("DaemonSet", "apps", &["v1"], "daemonsets", true),
    k("ReplicaSet", "apps", &["v1"], "replicasets", true),
    k("Job", "batch", &["v1"], "jobs", true),
    k("CronJob", "batch", &["v1", "v1beta1"], "cronjobs", true),
    k("Service", "", &["v1"], "services", true),
    k(
        "PodDisruptionBudget",
        "policy",
        &["v1", "v1beta1"],
        "poddisruptionbudgets",
        true,
    ),
    k(
        "HorizontalPodAutoscaler",
        "autoscaling",
        &["v2", "v2beta2", "v1"],
        "horizontalpodautoscalers",
        true,
    ),
    k(
        "NetworkPolicy",
        "networking.k8s.io",
        &["v1"],
        "networkpolicies",
        true,
    ),
    k("ServiceAccount", "", &["v1"], "serviceaccounts", true),
    k("Role", "rbac.authorization.k8s.io", &["v1"], "roles", true),
    k(
        "ClusterRole",
        "rbac.authorization.k8s.io",
        &["v1"],
        "clusterroles",
        false,
    ),
    k(
        "RoleBinding",
        "rbac.authorization.k8s.io",
        &["v1"],
        "rolebindings",
        true,
    ),
    k(
        "ClusterRoleBinding",
        "rbac.authorization.k8s.io",
        &["v1"],
        "clusterrolebindings",
        false,
    ),
    k("ResourceQuota", "", &["v1"], "resourcequotas", true),
    k("LimitRange", "", &["v1"], "limitranges", true),
    KindSpec {
        kind: "AdminNetworkPolicy",
        group: "policy.networking.k8s.io",
        versions: &["v1alpha1"],
        plural: "adminnetworkpolicies",
        namespaced: false,
        metadata_only: false,
        optional: true,
    },
    KindSpec {
        kind: "BaselineAdminNetworkPolicy",
        group: "policy.networking.k8s.io",
        versions: &["v1alpha1"],
        plural: "baselineadminnetworkpolicies",
        namespaced: false,
        metadata_only: false,
        optional: true,
    },
    KindSpec {
        kind: "Secret",
        group: "",
        versions: &["v1"],
        plural: "secrets",
        namespaced: true,
        metadata_only: true,
        optional: false,
    },
    KindSpec {
        kind: "ConfigMap",
        group: "",
        versions: &["v1"],
        plural: "configmaps",
        namespaced: true,
        metadata_only: true,
        optional: false,
    },
];

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
}

#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("{0}")]
    Config(String),
    #[error("cannot reach the cluster at {server}: {message}")]
    Unreachable { server: String, message: String },
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
    pub client: Client,
    pub context: String,
    pub server: String,
    /// `insecure-skip-tls-verify` is set: shown as a warning.
    pub insecure: bool,
    pub namespace: Option<String>,
    pub readonly: bool,
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
    let client = Client::try_from(config)
        .map_err(|e| LiveError::Config(format!("client: {}", describe(&e))))?;
    Ok(Connection {
        client,
        context,
        server,
        insecure,
        namespace: opts.namespace.clone(),
        readonly: opts.readonly,
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
    let text = e.to_string();
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
    for spec in KINDS {
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
                            last_error = describe(&e);
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

fn api_for(conn: &Connection, spec: &KindSpec, ar: &ApiResource) -> Api<DynamicObject> {
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

fn decode_options(conn: &Connection) -> DecodeOptions {
    DecodeOptions {
        default_namespace: Arc::from(conn.namespace.as_deref().unwrap_or("default")),
    }
}

/// How far the lists have come: the first load, a relist after a 410, or the load after a
/// context switch. Until it is complete, counts on screen are provisional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadProgress {
    /// Kinds whose first list is complete (or that turned out unreadable).
    pub kinds_done: usize,
    pub kinds_total: usize,
    /// Objects received so far, the lists in flight included.
    pub objects: usize,
    /// Kinds listed again after their watch expired (410 Gone): their old data stays shown.
    pub relisting: Vec<&'static str>,
}

impl LoadProgress {
    pub fn complete(&self) -> bool {
        self.kinds_done >= self.kinds_total && self.relisting.is_empty()
    }
}

/// What the watchers report to the TUI.
#[derive(Debug)]
pub enum LiveUpdate {
    /// The lists' progress; sent while lists are in flight, and once when they are done.
    Progress(LoadProgress),
    Snapshot(Arc<Snapshot>),
    /// Every watcher is streaming.
    Healthy,
    /// A watcher lost its stream; the data shown is as of this time (UTC, `HH:MM:SS`).
    Stale(String),
    Kinds(BTreeMap<&'static str, KindStatus>),
}

enum StoreMsg {
    Init(&'static str),
    InitApply(&'static str, Object),
    InitDone(&'static str),
    Apply(&'static str, Object),
    Delete(&'static str, Object),
    Failed(&'static str, String, Option<u16>),
}

type Key = (Option<Arc<str>>, Arc<str>);

fn key(o: &Object) -> Key {
    let m = o.meta();
    (m.namespace.clone(), m.name.clone())
}

/// Objects by kind, updated one event at a time.
#[derive(Default)]
pub struct Store {
    kinds: HashMap<&'static str, HashMap<Key, Object>>,
    init: HashMap<&'static str, HashMap<Key, Object>>,
    server_version: Option<(u32, u32)>,
}

impl Store {
    fn apply(&mut self, msg: StoreMsg) -> bool {
        match msg {
            StoreMsg::Init(k) => {
                self.init.insert(k, HashMap::new());
                false
            }
            StoreMsg::InitApply(k, o) => {
                self.init.entry(k).or_default().insert(key(&o), o);
                false
            }
            StoreMsg::InitDone(k) => {
                let fresh = self.init.remove(k).unwrap_or_default();
                self.kinds.insert(k, fresh);
                true
            }
            StoreMsg::Apply(k, o) => {
                self.kinds.entry(k).or_default().insert(key(&o), o);
                true
            }
            StoreMsg::Delete(k, o) => {
                self.kinds.entry(k).or_default().remove(&key(&o));
                true
            }
            StoreMsg::Failed(..) => false,
        }
    }

    pub fn snapshot(&self, source: &str) -> Snapshot {
        let objects = self.kinds.values().flat_map(|m| m.values().cloned());
        let mut snap = Snapshot::build(SourceKind::Live, source.to_string(), Vec::new(), objects);
        snap.server_version = self.server_version;
        snap
    }
}

/// `HH:MM:SS` in UTC.
pub fn clock() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!(
        "{:02}:{:02}:{:02}",
        (secs / 3600) % 24,
        (secs / 60) % 60,
        secs % 60
    )
}

/// Watches every readable kind until `send` returns false. Snapshots are published at most
/// every `debounce`, and only after something changed.
pub async fn watch(
    conn: Connection,
    plan: Plan,
    debounce: Duration,
    send: impl Fn(LiveUpdate) -> bool + Send + 'static,
) {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<StoreMsg>(4096);
    let opts = decode_options(&conn);
    let mut status = plan.status.clone();
    if !send(LiveUpdate::Kinds(status.clone())) {
        return;
    }
    for (spec, ar) in plan.readable {
        let tx = tx.clone();
        let api = api_for(&conn, &spec, &ar);
        let client = conn.client.clone();
        let ns = conn.namespace.clone();
        let opts = opts.clone();
        let cfg = watcher::Config::default().page_size(PAGE);
        let kind = spec.kind;
        tokio::spawn(async move {
            macro_rules! pump {
                ($stream:expr, $proj:expr) => {{
                    let mut stream = std::pin::pin!($stream);
                    while let Some(ev) = stream.next().await {
                        let msg = match ev {
                            Ok(watcher::Event::Init) => StoreMsg::Init(kind),
                            Ok(watcher::Event::InitApply(o)) => match $proj(o, &ar, &opts) {
                                Some(o) => StoreMsg::InitApply(kind, o),
                                None => continue,
                            },
                            Ok(watcher::Event::InitDone) => StoreMsg::InitDone(kind),
                            Ok(watcher::Event::Apply(o)) => match $proj(o, &ar, &opts) {
                                Some(o) => StoreMsg::Apply(kind, o),
                                None => continue,
                            },
                            Ok(watcher::Event::Delete(o)) => match $proj(o, &ar, &opts) {
                                Some(o) => StoreMsg::Delete(kind, o),
                                None => continue,
                            },
                            Err(e) => {
                                let code = match &e {
                                    watcher::Error::InitialListFailed(e)
                                    | watcher::Error::WatchStartFailed(e)
                                    | watcher::Error::WatchFailed(e) => status_code(e),
                                    watcher::Error::WatchError(s) => Some(s.code),
                                    _ => None,
                                };
                                let forbidden = code == Some(403);
                                if tx
                                    .send(StoreMsg::Failed(kind, e.to_string(), code))
                                    .await
                                    .is_err()
                                    || forbidden
                                {
                                    // A 403 does not go away by retrying: stop, no retry storm.
                                    break;
                                }
                                continue;
                            }
                        };
                        if tx.send(msg).await.is_err() {
                            break;
                        }
                    }
                }};
            }
            if spec.metadata_only {
                let mapi: Api<PartialObjectMeta<DynamicObject>> = match (&ns, spec.namespaced) {
                    (Some(ns), true) => Api::namespaced_with(client, ns, &ar),
                    _ => Api::all_with(client, &ar),
                };
                pump!(watcher::watcher(mapi, cfg).default_backoff(), project_meta)
            } else {
                pump!(watcher::watcher(api, cfg).default_backoff(), project)
            }
        });
    }
    drop(tx);
    let source = source_label(&conn);
    let mut store = Store {
        server_version: server_version(&conn).await,
        ..Store::default()
    };
    let mut dirty = false;
    let mut last_publish = Instant::now() - debounce;
    // Publishing rebuilds the snapshot (about 1 s at 150k pods): never spend more than a third of
    // the time on it, however fast events arrive.
    let mut gap = debounce;
    let mut failing: HashMap<&'static str, bool> = HashMap::new();
    let mut stale = false;
    let mut progress = Progress::new(status.len(), &status);
    if !send(LiveUpdate::Progress(progress.report(&store))) {
        return;
    }
    loop {
        let wait = if dirty {
            gap.saturating_sub(last_publish.elapsed())
        } else {
            Duration::from_secs(3600)
        };
        let msg = tokio::select! {
            m = rx.recv() => m,
            _ = tokio::time::sleep(wait) => {
                if dirty {
                    dirty = false;
                    let t = Instant::now();
                    let snap = Arc::new(store.snapshot(&source));
                    gap = debounce.max(t.elapsed() * 2);
                    last_publish = Instant::now();
                    if !send(LiveUpdate::Snapshot(snap)) {
                        return;
                    }
                }
                continue;
            }
        };
        let Some(msg) = msg else { return };
        let changed = progress.note(&msg);
        match &msg {
            StoreMsg::Failed(kind, text, code) => {
                if *code == Some(403) {
                    status.insert(kind, KindStatus::Forbidden);
                    if !send(LiveUpdate::Kinds(status.clone())) {
                        return;
                    }
                } else {
                    failing.insert(kind, true);
                    tracing::warn!(kind, error = %text, "watch failed; retrying with backoff");
                    if !stale {
                        stale = true;
                        if !send(LiveUpdate::Stale(clock())) {
                            return;
                        }
                    }
                }
            }
            StoreMsg::InitApply(kind, _)
            | StoreMsg::Init(kind)
            | StoreMsg::InitDone(kind)
            | StoreMsg::Apply(kind, _)
            | StoreMsg::Delete(kind, _) => {
                if failing.remove(kind).is_some() && failing.is_empty() && stale {
                    stale = false;
                    if !send(LiveUpdate::Healthy) {
                        return;
                    }
                }
            }
        }
        dirty |= store.apply(msg);
        if progress.due(changed) && !send(LiveUpdate::Progress(progress.report(&store))) {
            return;
        }
    }
}

/// Tracks the lists in flight for [`LoadProgress`]: which kinds have their first list, which
/// are listing again, and how many objects have arrived.
struct Progress {
    total: usize,
    /// Kinds whose first list is complete, or that can never be listed (forbidden, not served).
    done: std::collections::HashSet<&'static str>,
    /// Kinds between a list's start and its end.
    listing: std::collections::BTreeSet<&'static str>,
    /// Objects received by each list still in flight.
    in_flight: HashMap<&'static str, usize>,
    last: Instant,
    finished: bool,
}

impl Progress {
    fn new(total: usize, status: &BTreeMap<&'static str, KindStatus>) -> Progress {
        Progress {
            total,
            // Kinds that discovery or the access checks ruled out count as done.
            done: status
                .iter()
                .filter(|(_, s)| !matches!(s, KindStatus::Ok { .. }))
                .map(|(k, _)| *k)
                .collect(),
            listing: Default::default(),
            in_flight: HashMap::new(),
            last: Instant::now(),
            finished: false,
        }
    }

    /// Notes one message; returns true when a kind started or finished a list.
    fn note(&mut self, msg: &StoreMsg) -> bool {
        match msg {
            StoreMsg::Init(k) => {
                self.listing.insert(k);
                self.in_flight.insert(k, 0);
                true
            }
            StoreMsg::InitApply(k, _) => {
                *self.in_flight.entry(k).or_default() += 1;
                false
            }
            StoreMsg::InitDone(k) | StoreMsg::Failed(k, _, Some(403)) => {
                self.listing.remove(k);
                self.in_flight.remove(k);
                self.done.insert(k);
                true
            }
            _ => false,
        }
    }

    /// Whether to report now: on every list start or end while loading, and at most every
    /// 100 ms while objects stream in; never again once everything is listed.
    fn due(&mut self, changed: bool) -> bool {
        let complete = self.done.len() >= self.total && self.listing.is_empty();
        if !complete {
            self.finished = false;
        } else if self.finished {
            return false;
        }
        let due = changed || self.last.elapsed() >= Duration::from_millis(100);
        if due {
            self.last = Instant::now();
            self.finished = complete;
        }
        due
    }

    fn report(&self, store: &Store) -> LoadProgress {
        let listed: usize = store.kinds.values().map(|m| m.len()).sum();
        LoadProgress {
            kinds_done: self.done.len().min(self.total),
            kinds_total: self.total,
            objects: listed + self.in_flight.values().sum::<usize>(),
            // A list of a kind that already had one is a relist (410 Gone, reconnect).
            relisting: self
                .listing
                .iter()
                .filter(|k| self.done.contains(*k))
                .copied()
                .collect(),
        }
    }
}
