//! The cluster snapshot: every projection, plus the indexes the analyses share.

use super::admin::AdminNetworkPolicy;
use super::meta::{Kind, Labels, Meta, ObjectRef, Origin};
use super::objects::*;
use std::sync::Arc;

use super::index::build_index;
pub use super::index::Index;

/// Where a snapshot came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind {
    /// Manifests from files or stdin: pod templates stand for pods.
    Offline,
    /// The demo cluster embedded in the binary (offline semantics).
    Demo,
    /// A live cluster.
    Live,
}

impl SourceKind {
    pub fn is_offline(self) -> bool {
        !matches!(self, SourceKind::Live)
    }
}

/// A ServiceAccount (namespace, name) and the positions of the bindings that reach it.
pub type SaBindings = (Arc<str>, Arc<str>, Vec<usize>);

#[derive(Debug)]
pub struct Snapshot {
    pub source_kind: SourceKind,
    /// Human description: file names, `demo`, or a context name.
    pub source: String,
    /// Files that offline objects came from ([`Origin::file`] indexes this).
    pub files: Vec<String>,
    pub namespaces: Vec<Namespace>,
    pub nodes: Vec<Node>,
    pub pods: Vec<Pod>,
    /// Every workload-kind object, owned ones included, plus one entry per bare pod.
    pub workloads: Vec<Workload>,
    pub services: Vec<Service>,
    pub pdbs: Vec<Pdb>,
    pub hpas: Vec<Hpa>,
    pub netpols: Vec<NetworkPolicy>,
    /// AdminNetworkPolicies and the BaselineAdminNetworkPolicy.
    pub admin_netpols: Vec<AdminNetworkPolicy>,
    pub service_accounts: Vec<ServiceAccount>,
    pub roles: Vec<Role>,
    pub bindings: Vec<Binding>,
    pub quotas: Vec<ResourceQuota>,
    pub limit_ranges: Vec<LimitRange>,
    pub pvcs: Vec<Pvc>,
    pub crds: Vec<Crd>,
    pub ingresses: Vec<Ingress>,
    pub webhooks: Vec<WebhookConfig>,
    /// Events, at most [`EVENTS_PER_OBJECT`] per object, grouped by object, newest first.
    pub events: Vec<Event>,
    /// Events not kept because [`MAX_EVENTS`] were held already.
    pub events_dropped: usize,
    pub data: Vec<DataObject>,
    /// Other tools' policy reports (not kvet's own), at most
    /// [`super::reports::MAX_REPORT_RESULTS`] results in all.
    pub reports: Vec<super::reports::PolicyReport>,
    /// Results of other tools' reports not kept (past the bounds of `reports.rs`).
    pub reports_dropped: usize,
    pub others: Vec<OtherObject>,
    pub index: Index,
    /// Read from a file that `kvet snapshot save` wrote from a live cluster: offline-only checks
    /// (manifest semantics) do not apply.
    pub captured_live: bool,
    /// Offline: (file, line of the object) → the lines of its fields, for finding locations.
    pub locations: rustc_hash::FxHashMap<(u32, u32), super::lines::LineIndex>,
    /// Live: the API server's version (major, minor); deprecated-api targets the next minor.
    pub server_version: Option<(u32, u32)>,
    /// `kvet audit --helm`, live: what the deployed revisions of Helm releases hold.
    pub helm: Option<super::helm::HelmRecords>,
}

/// Shares identical label maps and pod specs between objects. Loaders run it as objects
/// arrive, so that thousands of pods of one ReplicaSet are held once, not once each.
#[derive(Default)]
pub struct Interner {
    // FxHash: these hash every pod's labels and spec, and need no DoS resistance.
    labels: rustc_hash::FxHashSet<Labels>,
    specs: rustc_hash::FxHashSet<Arc<PodSpec>>,
    /// Namespaces and apiVersions: a handful of values shared by every object.
    strings: rustc_hash::FxHashSet<Arc<str>>,
}

impl Interner {
    fn labels(&mut self, l: &mut Labels) {
        if l.is_empty() {
            return;
        }
        match self.labels.get(l) {
            Some(shared) => *l = shared.clone(),
            None => {
                self.labels.insert(l.clone());
            }
        }
    }

    fn string(&mut self, s: &mut Arc<str>) {
        match self.strings.get(s) {
            Some(shared) => *s = shared.clone(),
            None => {
                self.strings.insert(s.clone());
            }
        }
    }

    fn meta(&mut self, m: &mut Meta) {
        self.labels(&mut m.labels);
        self.labels(&mut m.annotations);
        if let Some(ns) = m.namespace.as_mut() {
            self.string(ns);
        }
        self.string(&mut m.api_version);
    }

    fn spec(&mut self, s: &mut Arc<PodSpec>) {
        match self.specs.get(s) {
            Some(shared) => *s = shared.clone(),
            None => {
                self.specs.insert(s.clone());
            }
        }
    }

    /// Shares the labels, annotations and pod spec of one object.
    pub fn object(&mut self, obj: &mut Object) {
        self.meta(obj.meta_mut());
        match obj {
            Object::Pod(o) => self.spec(&mut o.spec),
            Object::Workload(o) => {
                self.labels(&mut o.template_labels);
                self.labels(&mut o.template_annotations);
                self.spec(&mut o.spec);
            }
            _ => {}
        }
    }
}

/// Builds a snapshot one object at a time, so that a loader can hand each object over as it
/// is decoded instead of collecting them all first.
pub struct Builder {
    snap: Snapshot,
    interner: Interner,
    /// Each object's newest events, bounded as they arrive (see [`EVENTS_PER_OBJECT`]).
    events: rustc_hash::FxHashMap<ObjectRef, Vec<Event>>,
    events_kept: usize,
    /// Results of other tools' reports kept so far.
    report_results: usize,
}

/// The newest distinct events (by reason and message) kept per object.
pub const EVENTS_PER_OBJECT: usize = 12;
/// The most events kept in all. Past half of it, Normal events are no longer kept, so that
/// warnings always find room; past it, none. Dropped events are counted. With
/// [`EVENTS_PER_OBJECT`], this bounds what events cost whatever their rate.
pub const MAX_EVENTS: usize = 120_000;

/// Adds an event to an object's window: the same reason and message merge (counts add up, the
/// newest time stays), and past the bound the oldest goes. Returns how many events the window
/// gained (0 or 1), or None when the event was not kept.
fn add_event(window: &mut Vec<Event>, e: Event, room: bool) -> Option<usize> {
    if let Some(same) = window
        .iter_mut()
        .find(|x| x.reason == e.reason && x.message == e.message)
    {
        same.count += e.count;
        if e.last_seen > same.last_seen {
            same.last_seen = e.last_seen;
            same.warning |= e.warning;
        }
        return Some(0);
    }
    if !room {
        return None;
    }
    window.push(e);
    if window.len() > EVENTS_PER_OBJECT {
        window.sort_by(|a, b| b.last_seen.cmp(&a.last_seen));
        window.truncate(EVENTS_PER_OBJECT);
        return Some(0);
    }
    Some(1)
}

impl Builder {
    pub fn new(source_kind: SourceKind, source: impl Into<String>, files: Vec<String>) -> Self {
        let mut snap = Snapshot::empty(source_kind, source);
        snap.files = files;
        Builder {
            snap,
            interner: Interner::default(),
            events: Default::default(),
            events_kept: 0,
            report_results: 0,
        }
    }

    pub fn push(&mut self, mut obj: Object) {
        self.interner.object(&mut obj);
        let snap = &mut self.snap;
        match obj {
            Object::Namespace(o) => snap.namespaces.push(o),
            Object::Node(o) => snap.nodes.push(o),
            Object::Pod(o) => snap.pods.push(o),
            Object::Workload(o) => snap.workloads.push(o),
            Object::Service(o) => snap.services.push(o),
            Object::Pdb(o) => snap.pdbs.push(o),
            Object::Hpa(o) => snap.hpas.push(o),
            Object::NetworkPolicy(o) => snap.netpols.push(o),
            Object::AdminNetworkPolicy(o) => snap.admin_netpols.push(o),
            Object::ServiceAccount(o) => snap.service_accounts.push(o),
            Object::Role(o) => snap.roles.push(o),
            Object::Binding(o) => snap.bindings.push(o),
            Object::ResourceQuota(o) => snap.quotas.push(o),
            Object::LimitRange(o) => snap.limit_ranges.push(o),
            Object::Pvc(o) => snap.pvcs.push(o),
            Object::Crd(o) => snap.crds.push(o),
            Object::Ingress(o) => snap.ingresses.push(o),
            Object::Webhook(o) => snap.webhooks.push(o),
            Object::Event(e) => {
                let room = self.events_kept < MAX_EVENTS
                    && (e.warning || self.events_kept < MAX_EVENTS / 2);
                let kept = match self.events.get_mut(&e.regarding) {
                    Some(window) => add_event(window, e, room),
                    None if room => {
                        let window = self.events.entry(e.regarding.clone()).or_default();
                        add_event(window, e, true)
                    }
                    None => None,
                };
                match kept {
                    Some(n) => self.events_kept += n,
                    None => snap.events_dropped += 1,
                }
            }
            Object::Data(o) => snap.data.push(o),
            Object::Report(o) if o.is_kvets() => {}
            Object::Report(mut o) => {
                let room = super::reports::MAX_REPORT_RESULTS.saturating_sub(self.report_results);
                if o.results.len() > room {
                    snap.reports_dropped += o.results.len() - room;
                    o.results.truncate(room);
                }
                snap.reports_dropped += o.dropped as usize;
                self.report_results += o.results.len();
                snap.reports.push(o);
            }
            Object::Other(o) => snap.others.push(o),
        }
    }

    /// Adds the bare pods' workload entries and computes the indexes.
    pub fn finish(self) -> Snapshot {
        let mut snap = self.snap;
        drop(self.interner);
        // Events: grouped by object, newest first.
        let mut events: Vec<Event> = self.events.into_values().flatten().collect();
        events.sort_by(|a, b| {
            (&a.regarding.kind, &a.regarding.namespace, &a.regarding.name)
                .cmp(&(&b.regarding.kind, &b.regarding.namespace, &b.regarding.name))
                .then_with(|| b.last_seen.cmp(&a.last_seen))
        });
        snap.events = events;
        // Bare pods are workloads of their own.
        let bare: Vec<Workload> = snap
            .pods
            .iter()
            .filter(|p| p.meta.owner.is_none())
            .map(|p| Workload {
                kind: WorkloadKind::Pod,
                meta: p.meta.clone(),
                replicas: None,
                selector: None,
                template_labels: p.meta.labels.clone(),
                template_annotations: p.meta.annotations.clone(),
                spec: p.spec.clone(),
                strategy: Strategy::default(),
                revision_history_limit: None,
                status: WorkloadStatus::default(),
            })
            .collect();
        snap.workloads.extend(bare);
        for v in [&mut snap.pods as &mut dyn Shrink, &mut snap.workloads] {
            v.shrink();
        }
        snap.reindex();
        snap
    }
}

/// Gives back the spare capacity of a grown vector.
trait Shrink {
    fn shrink(&mut self);
}

impl<T> Shrink for Vec<T> {
    fn shrink(&mut self) {
        self.shrink_to_fit();
    }
}

impl Snapshot {
    pub fn empty(source_kind: SourceKind, source: impl Into<String>) -> Snapshot {
        Snapshot {
            source_kind,
            source: source.into(),
            files: Vec::new(),
            namespaces: Vec::new(),
            nodes: Vec::new(),
            pods: Vec::new(),
            workloads: Vec::new(),
            services: Vec::new(),
            pdbs: Vec::new(),
            hpas: Vec::new(),
            netpols: Vec::new(),
            admin_netpols: Vec::new(),
            service_accounts: Vec::new(),
            roles: Vec::new(),
            bindings: Vec::new(),
            quotas: Vec::new(),
            limit_ranges: Vec::new(),
            pvcs: Vec::new(),
            crds: Vec::new(),
            ingresses: Vec::new(),
            webhooks: Vec::new(),
            events: Vec::new(),
            events_dropped: 0,
            data: Vec::new(),
            reports: Vec::new(),
            reports_dropped: 0,
            others: Vec::new(),
            index: Index::default(),
            captured_live: false,
            locations: Default::default(),
            server_version: None,
            helm: None,
        }
    }

    /// Every object, as decoded objects (bare pods once, as Pods).
    pub fn objects(&self) -> Vec<Object> {
        self.objects_where(|_| true)
    }

    /// The objects whose metadata passes `keep`, as decoded objects; the others are never
    /// copied (a diff skips the pods a controller owns without cloning them).
    pub fn objects_where(&self, keep: impl Fn(&super::Meta) -> bool) -> Vec<Object> {
        let mut out: Vec<Object> = Vec::new();
        out.extend(
            self.namespaces
                .iter()
                .filter(|o| keep(&o.meta))
                .cloned()
                .map(Object::Namespace),
        );
        out.extend(
            self.nodes
                .iter()
                .filter(|o| keep(&o.meta))
                .cloned()
                .map(Object::Node),
        );
        out.extend(
            self.workloads
                .iter()
                .filter(|w| w.kind != WorkloadKind::Pod && keep(&w.meta))
                .cloned()
                .map(Object::Workload),
        );
        out.extend(
            self.pods
                .iter()
                .filter(|o| keep(&o.meta))
                .cloned()
                .map(Object::Pod),
        );
        out.extend(
            self.services
                .iter()
                .filter(|o| keep(&o.meta))
                .cloned()
                .map(Object::Service),
        );
        out.extend(
            self.pdbs
                .iter()
                .filter(|o| keep(&o.meta))
                .cloned()
                .map(Object::Pdb),
        );
        out.extend(
            self.hpas
                .iter()
                .filter(|o| keep(&o.meta))
                .cloned()
                .map(Object::Hpa),
        );
        out.extend(
            self.netpols
                .iter()
                .filter(|o| keep(&o.meta))
                .cloned()
                .map(Object::NetworkPolicy),
        );
        out.extend(
            self.admin_netpols
                .iter()
                .filter(|o| keep(&o.meta))
                .cloned()
                .map(Object::AdminNetworkPolicy),
        );
        out.extend(
            self.service_accounts
                .iter()
                .filter(|o| keep(&o.meta))
                .cloned()
                .map(Object::ServiceAccount),
        );
        out.extend(
            self.roles
                .iter()
                .filter(|o| keep(&o.meta))
                .cloned()
                .map(Object::Role),
        );
        out.extend(
            self.bindings
                .iter()
                .filter(|o| keep(&o.meta))
                .cloned()
                .map(Object::Binding),
        );
        out.extend(
            self.quotas
                .iter()
                .filter(|o| keep(&o.meta))
                .cloned()
                .map(Object::ResourceQuota),
        );
        out.extend(
            self.limit_ranges
                .iter()
                .filter(|o| keep(&o.meta))
                .cloned()
                .map(Object::LimitRange),
        );
        out.extend(
            self.pvcs
                .iter()
                .filter(|o| keep(&o.meta))
                .cloned()
                .map(Object::Pvc),
        );
        out.extend(
            self.crds
                .iter()
                .filter(|o| keep(&o.meta))
                .cloned()
                .map(Object::Crd),
        );
        out.extend(
            self.ingresses
                .iter()
                .filter(|o| keep(&o.meta))
                .cloned()
                .map(Object::Ingress),
        );
        out.extend(
            self.webhooks
                .iter()
                .filter(|o| keep(&o.meta))
                .cloned()
                .map(Object::Webhook),
        );
        out.extend(
            self.events
                .iter()
                .filter(|o| keep(&o.meta))
                .cloned()
                .map(Object::Event),
        );
        out.extend(
            self.data
                .iter()
                .filter(|o| keep(&o.meta))
                .cloned()
                .map(Object::Data),
        );
        out.extend(
            self.reports
                .iter()
                .filter(|o| keep(&o.meta))
                .cloned()
                .map(Object::Report),
        );
        out.extend(
            self.others
                .iter()
                .filter(|o| keep(&o.meta))
                .cloned()
                .map(Object::Other),
        );
        out
    }

    /// Builds a snapshot from decoded objects, sharing identical labels and specs, and indexes it.
    pub fn build(
        source_kind: SourceKind,
        source: impl Into<String>,
        files: Vec<String>,
        objects: impl IntoIterator<Item = Object>,
    ) -> Snapshot {
        let mut b = Builder::new(source_kind, source, files);
        for obj in objects {
            b.push(obj);
        }
        b.finish()
    }

    /// Recomputes every index (after the object vectors changed).
    pub fn reindex(&mut self) {
        self.index = build_index(self);
    }

    /// The pods placed on a node (positions in `pods`).
    pub fn pods_on_node(&self, node: &str) -> impl Iterator<Item = usize> + '_ {
        self.index
            .pods_by_node
            .get(node)
            .into_iter()
            .flatten()
            .map(|&p| p as usize)
    }

    /// The top-level workload that runs a pod, when the snapshot has it.
    pub fn top_workload_of(&self, pod: usize) -> Option<usize> {
        self.index
            .top_of_pod
            .get(pod)
            .filter(|&&w| w != u32::MAX)
            .map(|&w| w as usize)
    }

    /// Workloads that kvet audits: those without an owner.
    pub fn top_workloads(&self) -> impl Iterator<Item = (usize, &Workload)> {
        self.workloads
            .iter()
            .enumerate()
            .filter(|(_, w)| w.meta.owner.is_none())
    }

    /// The events about one object, newest first (a slice of the sorted `events`).
    pub fn events_of(&self, r: &ObjectRef) -> &[Event] {
        self.events_about(&r.kind, r.namespace.as_deref(), &r.name)
    }

    /// [`Snapshot::events_of`] without building an `ObjectRef`.
    pub fn events_about(&self, kind: &Kind, namespace: Option<&str>, name: &str) -> &[Event] {
        let want = (kind, namespace, name);
        fn key(e: &Event) -> (&Kind, Option<&str>, &str) {
            (
                &e.regarding.kind,
                e.regarding.namespace.as_deref(),
                &e.regarding.name,
            )
        }
        let start = self.events.partition_point(|e| key(e) < want);
        let len = self.events[start..].partition_point(|e| key(e) == want);
        &self.events[start..start + len]
    }

    /// Desired replicas, as checks.md defines it: the HPA's minReplicas when an HPA scales the
    /// workload, else `spec.replicas` (default 1). `None` when the count is not a spec field
    /// (DaemonSets, Jobs).
    pub fn desired_replicas(&self, w: usize) -> Option<i64> {
        let wl = &self.workloads[w];
        match wl.kind {
            WorkloadKind::Deployment
            | WorkloadKind::StatefulSet
            | WorkloadKind::ReplicaSet
            | WorkloadKind::ReplicationController => {
                Some(match self.index.hpa_of.get(w).copied().flatten() {
                    Some(h) => self.hpas[h].min_replicas(),
                    None => wl.replicas.unwrap_or(1),
                })
            }
            WorkloadKind::Pod => Some(1),
            _ => None,
        }
    }

    /// A workload is served when a Service's selector matches its pod template.
    pub fn is_served(&self, w: usize) -> bool {
        self.index.services_of.get(w).is_some_and(|s| !s.is_empty())
    }

    /// Cold start samples of a workload's pods: seconds from the last container start to the
    /// Ready condition, for pods that are ready.
    pub fn cold_start_samples(&self, w: usize) -> Vec<f64> {
        let Some(pods) = self.index.pods_of.get(w) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for &p in pods {
            let pod = &self.pods[p];
            if !pod.ready {
                continue;
            }
            let Some(ready) = pod
                .ready_since
                .as_deref()
                .and_then(super::time::parse_rfc3339)
            else {
                continue;
            };
            let started = pod
                .containers
                .iter()
                .filter_map(|c| c.started_at.as_deref().and_then(super::time::parse_rfc3339))
                .fold(None, |acc: Option<f64>, t| {
                    Some(acc.map_or(t, |a| a.max(t)))
                });
            if let Some(s) = started {
                if ready >= s {
                    out.push(ready - s);
                }
            }
        }
        out.sort_by(|a, b| a.total_cmp(b));
        out
    }

    /// The longest measured cold start of a workload's pods, in seconds.
    pub fn measured_cold_start(&self, w: usize) -> Option<f64> {
        self.cold_start_samples(w).last().copied()
    }

    pub fn origin_of(&self, meta: &Meta) -> Option<(&str, u32)> {
        self.location(meta.origin?, "")
    }

    /// The file of one copy of an object, and the line where `pointer` is written in it (the
    /// nearest written ancestor's line, or the object's first line).
    pub fn location(&self, origin: Origin, pointer: &str) -> Option<(&str, u32)> {
        let file = self.files.get(origin.file as usize)?;
        let line = self
            .locations
            .get(&(origin.file, origin.line))
            .and_then(|ix| ix.line_of(pointer))
            .unwrap_or(origin.line);
        Some((file.as_str(), line))
    }

    pub fn exists(&self, r: &ObjectRef) -> bool {
        self.index.all.contains(r)
    }

    /// Namespaces that hold anything, named or implied by their objects (sorted).
    pub fn namespace_names(&self) -> &[Arc<str>] {
        &self.index.namespaces
    }

    /// Every object's identity and metadata, in a stable order of kinds.
    pub fn all_meta(&self) -> Vec<(Kind, &Meta)> {
        let mut out: Vec<(Kind, &Meta)> = Vec::new();
        out.extend(self.namespaces.iter().map(|o| (Kind::Namespace, &o.meta)));
        out.extend(self.nodes.iter().map(|o| (Kind::Node, &o.meta)));
        out.extend(self.pods.iter().map(|o| (Kind::Pod, &o.meta)));
        out.extend(
            self.workloads
                .iter()
                .filter(|w| w.kind != WorkloadKind::Pod)
                .map(|o| (o.kind.kind(), &o.meta)),
        );
        out.extend(self.services.iter().map(|o| (Kind::Service, &o.meta)));
        out.extend(
            self.pdbs
                .iter()
                .map(|o| (Kind::PodDisruptionBudget, &o.meta)),
        );
        out.extend(
            self.hpas
                .iter()
                .map(|o| (Kind::HorizontalPodAutoscaler, &o.meta)),
        );
        out.extend(self.netpols.iter().map(|o| (Kind::NetworkPolicy, &o.meta)));
        out.extend(self.admin_netpols.iter().map(|o| (o.kind(), &o.meta)));
        out.extend(
            self.service_accounts
                .iter()
                .map(|o| (Kind::ServiceAccount, &o.meta)),
        );
        out.extend(self.roles.iter().map(|o| {
            let k = if o.is_cluster_role() {
                Kind::ClusterRole
            } else {
                Kind::Role
            };
            (k, &o.meta)
        }));
        out.extend(self.bindings.iter().map(|o| {
            let k = if o.meta.namespace.is_none() {
                Kind::ClusterRoleBinding
            } else {
                Kind::RoleBinding
            };
            (k, &o.meta)
        }));
        out.extend(self.quotas.iter().map(|o| (Kind::ResourceQuota, &o.meta)));
        out.extend(
            self.limit_ranges
                .iter()
                .map(|o| (Kind::LimitRange, &o.meta)),
        );
        out.extend(
            self.pvcs
                .iter()
                .map(|o| (Kind::PersistentVolumeClaim, &o.meta)),
        );
        out.extend(
            self.crds
                .iter()
                .map(|o| (Kind::CustomResourceDefinition, &o.meta)),
        );
        out.extend(self.ingresses.iter().map(|o| (Kind::Ingress, &o.meta)));
        out.extend(self.webhooks.iter().map(|o| {
            let k = if o.mutating {
                Kind::MutatingWebhookConfiguration
            } else {
                Kind::ValidatingWebhookConfiguration
            };
            (k, &o.meta)
        }));
        out.extend(self.data.iter().map(|o| (o.kind.clone(), &o.meta)));
        out.extend(self.reports.iter().map(|o| (o.kind(), &o.meta)));
        out.extend(
            self.others
                .iter()
                .map(|o| (Kind::Other(o.kind.clone()), &o.meta)),
        );
        out
    }

    pub fn object_count(&self) -> usize {
        self.index.all.len()
    }
}

/// Tests: a live-like snapshot of `---`-separated YAML documents (each must decode cleanly).
#[cfg(test)]
pub fn from_yaml(yaml: &str, kind: SourceKind) -> Snapshot {
    let opts = super::decode::DecodeOptions::default();
    let mut objects = Vec::new();
    for doc in yaml.split("\n---\n") {
        let d = super::decode::decode_yaml(doc, &opts);
        assert!(d.errors.is_empty(), "{:?}\n{doc}", d.errors);
        objects.extend(d.objects);
    }
    Snapshot::build(kind, "t", Vec::new(), objects)
}
