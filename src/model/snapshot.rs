//! The cluster snapshot: every projection, plus the indexes the analyses share.

use super::admin::AdminNetworkPolicy;
use super::meta::{Kind, Labels, Meta, ObjectRef, Origin};
use super::objects::*;
use super::selector::LabelSelector;
// FxHash: every object is hashed into these indexes, and nothing here needs DoS resistance.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::Arc;

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

/// Indexes computed once per snapshot. Workload, pod, Service, PDB, HPA and policy numbers are
/// positions in the snapshot's vectors.
#[derive(Debug, Default)]
pub struct Index {
    pub workload_by_ref: HashMap<ObjectRef, usize>,
    /// Pod → its position in `pods` (the details pane looks pods up on every frame).
    pub pod_by_ref: HashMap<ObjectRef, usize>,
    /// Owner → children, from `ownerReferences` (ReplicaSet → Pods, Deployment → ReplicaSets).
    pub children: HashMap<ObjectRef, Vec<ObjectRef>>,
    /// Top-level workload → the pods it runs (through its ReplicaSets or Jobs).
    pub pods_of: Vec<Vec<usize>>,
    /// Workload → Services whose selector matches its pod template.
    pub services_of: Vec<Vec<usize>>,
    /// Workload → PDBs whose selector matches its pod template.
    pub pdbs_of: Vec<Vec<usize>>,
    /// Workload → NetworkPolicies whose podSelector matches its pod template.
    pub netpols_of: Vec<Vec<usize>>,
    /// Workload → the HPA that scales it.
    pub hpa_of: Vec<Option<usize>>,
    /// HPA → the workload it scales, when that workload exists.
    pub hpa_target: Vec<Option<usize>>,
    /// PDB → number of pods and pod templates it selects in its namespace.
    pub pdb_selected: Vec<usize>,
    /// PDB (each copy) → the top-level workloads it selects, one copy per identity.
    pub pdb_workloads: Vec<Vec<usize>>,
    /// NetworkPolicy → number of pods and pod templates it selects in its namespace.
    pub netpol_selected: Vec<usize>,
    /// (namespace, ServiceAccount name) → bindings that name it as a subject.
    pub bindings_of_sa: HashMap<(Arc<str>, Arc<str>), Vec<usize>>,
    /// Identity of every object, for existence checks (`kind`, namespace, name).
    pub all: HashSet<ObjectRef>,
    /// Every namespace, named by a Namespace object or by the objects in it, sorted.
    pub namespaces: Vec<Arc<str>>,
    /// Node name → number of pods placed on it.
    pub pods_on_node: HashMap<Box<str>, usize>,
    /// Node name → the pods placed on it (drain simulation).
    pub pods_by_node: HashMap<Box<str>, Vec<u32>>,
    /// Namespace → its pods (PDB budgets).
    pub pods_by_ns: HashMap<Arc<str>, Vec<u32>>,
    /// Pod → its top-level workload (`u32::MAX`: none in the snapshot); the inverse of `pods_of`.
    pub top_of_pod: Vec<u32>,
    /// Kind name → number of objects, for the cluster summary.
    pub kind_counts: std::collections::BTreeMap<String, usize>,
    /// Workload identity → every copy of it (offline, one identity can be defined in several
    /// files; `workload_by_ref` holds the first).
    pub workload_copies: HashMap<ObjectRef, Vec<usize>>,
    /// Identities defined more than once (offline), with every place, in input order.
    pub duplicates: Vec<(ObjectRef, Vec<Origin>)>,
    /// ServiceAccount (namespace, name) → the bindings that reach it, directly or through its
    /// groups; computed once, the first time an rbac check asks (see `rbac::grants`).
    pub sa_bindings: std::sync::OnceLock<Vec<SaBindings>>,
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
    pub data: Vec<DataObject>,
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
}

impl Builder {
    pub fn new(source_kind: SourceKind, source: impl Into<String>, files: Vec<String>) -> Self {
        let mut snap = Snapshot::empty(source_kind, source);
        snap.files = files;
        Builder {
            snap,
            interner: Interner::default(),
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
            Object::Data(o) => snap.data.push(o),
            Object::Other(o) => snap.others.push(o),
        }
    }

    /// Adds the bare pods' workload entries and computes the indexes.
    pub fn finish(self) -> Snapshot {
        let mut snap = self.snap;
        drop(self.interner);
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
            data: Vec::new(),
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
        let mut out: Vec<Object> = Vec::with_capacity(self.object_count());
        out.extend(self.namespaces.iter().cloned().map(Object::Namespace));
        out.extend(self.nodes.iter().cloned().map(Object::Node));
        out.extend(
            self.workloads
                .iter()
                .filter(|w| w.kind != WorkloadKind::Pod)
                .cloned()
                .map(Object::Workload),
        );
        out.extend(self.pods.iter().cloned().map(Object::Pod));
        out.extend(self.services.iter().cloned().map(Object::Service));
        out.extend(self.pdbs.iter().cloned().map(Object::Pdb));
        out.extend(self.hpas.iter().cloned().map(Object::Hpa));
        out.extend(self.netpols.iter().cloned().map(Object::NetworkPolicy));
        out.extend(
            self.admin_netpols
                .iter()
                .cloned()
                .map(Object::AdminNetworkPolicy),
        );
        out.extend(
            self.service_accounts
                .iter()
                .cloned()
                .map(Object::ServiceAccount),
        );
        out.extend(self.roles.iter().cloned().map(Object::Role));
        out.extend(self.bindings.iter().cloned().map(Object::Binding));
        out.extend(self.quotas.iter().cloned().map(Object::ResourceQuota));
        out.extend(self.limit_ranges.iter().cloned().map(Object::LimitRange));
        out.extend(self.data.iter().cloned().map(Object::Data));
        out.extend(self.others.iter().cloned().map(Object::Other));
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
        out.extend(self.data.iter().map(|o| (o.kind.clone(), &o.meta)));
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

/// Selectors of one namespace, indexed by one of their `matchLabels` pairs so that a label set
/// is only tested against selectors that can match it. Selectors without a pair (expressions
/// only, or empty) are tested every time. The final test is always the exact one.
/// Label value → selector numbers.
type ByValue = HashMap<Box<str>, Vec<usize>>;

struct SelectorIndex {
    /// namespace → label key → label value → selectors with that `matchLabels` pair.
    by_pair: HashMap<Arc<str>, HashMap<Box<str>, ByValue>>,
    scan: HashMap<Arc<str>, Vec<usize>>,
}

impl SelectorIndex {
    fn new<'a>(
        items: impl Iterator<Item = (usize, Option<&'a Arc<str>>, Option<&'a LabelSelector>)>,
    ) -> Self {
        let mut ix = SelectorIndex {
            by_pair: HashMap::default(),
            scan: HashMap::default(),
        };
        for (i, ns, sel) in items {
            let (Some(ns), Some(sel)) = (ns, sel) else {
                continue;
            };
            match sel.index_pair() {
                Some((k, v)) => ix
                    .by_pair
                    .entry(ns.clone())
                    .or_default()
                    .entry(k.into())
                    .or_default()
                    .entry(v.into())
                    .or_default()
                    .push(i),
                None => ix.scan.entry(ns.clone()).or_default().push(i),
            }
        }
        ix
    }

    /// Indices whose selector may match, deduplicated, in ascending order.
    fn candidates(&self, ns: &str, labels: &Labels) -> Vec<usize> {
        let mut out: Vec<usize> = self.scan.get(ns).cloned().unwrap_or_default();
        if let Some(keys) = self.by_pair.get(ns) {
            for (k, v) in labels.iter() {
                if let Some(list) = keys.get(k).and_then(|vals| vals.get(v)) {
                    out.extend_from_slice(list);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Keeps the first of each name in a list of same-namespace objects (in input order).
fn dedup_names<'a>(list: &mut Vec<usize>, name: impl Fn(usize) -> &'a Arc<str>) {
    if list.len() < 2 {
        return;
    }
    let mut seen: HashSet<&str> = HashSet::default();
    list.retain(|&i| seen.insert(name(i)));
}

fn build_index(s: &Snapshot) -> Index {
    let mut ix = Index::default();
    let n = s.workloads.len();
    let mut places: HashMap<ObjectRef, Vec<Origin>> = HashMap::default();
    for (kind, m) in s.all_meta() {
        *ix.kind_counts.entry(kind.to_string()).or_default() += 1;
        let r = obj_ref(kind, m);
        if let Some(o) = m.origin {
            if ix.all.contains(&r) {
                places.entry(r.clone()).or_default().push(o);
            }
        }
        ix.all.insert(r);
    }
    if !places.is_empty() {
        // The first copy was inserted before any repetition was seen: add it back.
        let mut firsts: HashMap<ObjectRef, Origin> = HashMap::default();
        for (kind, m) in s.all_meta() {
            if let Some(o) = m.origin {
                let r = obj_ref(kind, m);
                if places.contains_key(&r) {
                    firsts.entry(r).or_insert(o);
                }
            }
        }
        let mut dups: Vec<(ObjectRef, Vec<Origin>)> = places
            .into_iter()
            .map(|(r, mut later)| {
                if let Some(first) = firsts.get(&r) {
                    later.insert(0, *first);
                }
                later.sort();
                (r, later)
            })
            .collect();
        dups.sort_by(|a, b| a.1.first().cmp(&b.1.first()).then(a.0.cmp(&b.0)));
        ix.duplicates = dups;
    }
    let mut names: HashSet<Arc<str>> = s.namespaces.iter().map(|n| n.meta.name.clone()).collect();
    names.extend(ix.all.iter().filter_map(|r| r.namespace.clone()));
    ix.namespaces = names.into_iter().collect();
    ix.namespaces.sort();
    for p in &s.pods {
        if let Some(node) = &p.node_name {
            *ix.pods_on_node.entry(node.clone()).or_default() += 1;
        }
    }
    for (i, p) in s.pods.iter().enumerate() {
        if let Some(node) = &p.node_name {
            ix.pods_by_node
                .entry(node.clone())
                .or_default()
                .push(i as u32);
        }
        let ns = p.meta.namespace.clone().unwrap_or_else(|| Arc::from(""));
        ix.pods_by_ns.entry(ns).or_default().push(i as u32);
    }
    for w in &s.workloads {
        if w.kind == WorkloadKind::Pod {
            continue;
        }
        ix.all.insert(w.object_ref());
    }
    for (i, w) in s.workloads.iter().enumerate() {
        if w.kind != WorkloadKind::Pod {
            ix.workload_by_ref.entry(w.object_ref()).or_insert(i);
        }
    }
    // Bare pods: their workload entry is found through the Pod reference.
    for (i, w) in s.workloads.iter().enumerate() {
        if w.kind == WorkloadKind::Pod {
            ix.workload_by_ref.entry(w.object_ref()).or_insert(i);
        }
    }
    for (i, w) in s.workloads.iter().enumerate() {
        ix.workload_copies
            .entry(w.object_ref())
            .or_default()
            .push(i);
    }
    ix.workload_copies.retain(|_, v| v.len() > 1);

    // Owner → children.
    for (kind, m) in s.all_meta() {
        if let Some(o) = &m.owner {
            let owner = ObjectRef {
                kind: o.kind.clone(),
                namespace: m.namespace.clone(),
                name: o.name.clone(),
            };
            ix.children.entry(owner).or_default().push(obj_ref(kind, m));
        }
    }

    // Pods → their top-level workload, following owners up to two levels.
    ix.pods_of = vec![Vec::new(); n];
    let top_of = |r: &ObjectRef| -> Option<usize> {
        let mut cur = *ix.workload_by_ref.get(r)?;
        for _ in 0..3 {
            let Some(o) = &s.workloads[cur].meta.owner else {
                return Some(cur);
            };
            let up = ObjectRef {
                kind: o.kind.clone(),
                namespace: s.workloads[cur].meta.namespace.clone(),
                name: o.name.clone(),
            };
            match ix.workload_by_ref.get(&up) {
                Some(&u) => cur = u,
                None => return Some(cur),
            }
        }
        Some(cur)
    };
    let mut pods_of = vec![Vec::new(); n];
    ix.pod_by_ref.reserve(s.pods.len());
    for (pi, p) in s.pods.iter().enumerate() {
        ix.pod_by_ref.insert(obj_ref(Kind::Pod, &p.meta), pi);
        let r = match &p.meta.owner {
            Some(o) => ObjectRef {
                kind: o.kind.clone(),
                namespace: p.meta.namespace.clone(),
                name: o.name.clone(),
            },
            None => obj_ref(Kind::Pod, &p.meta),
        };
        if let Some(w) = top_of(&r) {
            pods_of[w].push(pi);
        }
    }
    let mut top_of_pod = vec![u32::MAX; s.pods.len()];
    for (w, pods) in pods_of.iter().enumerate() {
        for &p in pods {
            top_of_pod[p] = w as u32;
        }
    }
    ix.top_of_pod = top_of_pod;
    ix.pods_of = pods_of;

    // Selector matches, namespace by namespace.
    let svc_ix = SelectorIndex::new(
        s.services
            .iter()
            .enumerate()
            .map(|(i, x)| (i, x.meta.namespace.as_ref(), x.selector.as_ref())),
    );
    let pdb_ix = SelectorIndex::new(
        s.pdbs
            .iter()
            .enumerate()
            .map(|(i, x)| (i, x.meta.namespace.as_ref(), x.selector.as_ref())),
    );
    let np_ix = SelectorIndex::new(
        s.netpols
            .iter()
            .enumerate()
            .map(|(i, x)| (i, x.meta.namespace.as_ref(), Some(&x.pod_selector))),
    );
    ix.services_of = vec![Vec::new(); n];
    ix.pdbs_of = vec![Vec::new(); n];
    ix.netpols_of = vec![Vec::new(); n];
    ix.pdb_selected = vec![0; s.pdbs.len()];
    ix.pdb_workloads = vec![Vec::new(); s.pdbs.len()];
    ix.netpol_selected = vec![0; s.netpols.len()];
    for (wi, w) in s.workloads.iter().enumerate() {
        let ns = w.meta.namespace();
        let l = &w.template_labels;
        ix.services_of[wi] = svc_ix
            .candidates(ns, l)
            .into_iter()
            .filter(|&i| {
                s.services[i]
                    .selector
                    .as_ref()
                    .is_some_and(|x| x.matches(l))
            })
            .collect();
        ix.pdbs_of[wi] = pdb_ix
            .candidates(ns, l)
            .into_iter()
            .filter(|&i| s.pdbs[i].matches(l))
            .collect();
        ix.netpols_of[wi] = np_ix
            .candidates(ns, l)
            .into_iter()
            .filter(|&i| s.netpols[i].pod_selector.matches(l))
            .collect();
        // Each copy of a PDB or policy is judged on its own selector.
        for &p in &ix.pdbs_of[wi] {
            ix.pdb_selected[p] += 1;
            if w.meta.owner.is_none() {
                ix.pdb_workloads[p].push(wi);
            }
        }
        for &p in &ix.netpols_of[wi] {
            ix.netpol_selected[p] += 1;
        }
        // But a PDB, Service or policy defined in several files is one object in a cluster:
        // the workload links to the first matching copy of each identity.
        dedup_names(&mut ix.services_of[wi], |i| &s.services[i].meta.name);
        dedup_names(&mut ix.pdbs_of[wi], |i| &s.pdbs[i].meta.name);
        dedup_names(&mut ix.netpols_of[wi], |i| &s.netpols[i].meta.name);
    }
    for list in &mut ix.pdb_workloads {
        if list.len() > 1 {
            let mut seen: HashSet<ObjectRef> = HashSet::default();
            list.retain(|&w| seen.insert(s.workloads[w].object_ref()));
        }
    }
    // Owned pods count too (their labels can differ from the template, e.g. pod-template-hash).
    let mut seen: HashSet<(usize, Arc<str>)> = HashSet::default();
    for p in s.pods.iter().filter(|p| p.meta.owner.is_some()) {
        let ns = p.meta.namespace.clone().unwrap_or_else(|| Arc::from(""));
        let key = (p.meta.labels.identity(), ns.clone());
        let l = &p.meta.labels;
        if seen.insert(key) {
            for i in pdb_ix.candidates(&ns, l) {
                if s.pdbs[i].matches(l) {
                    ix.pdb_selected[i] += 1;
                }
            }
            for i in np_ix.candidates(&ns, l) {
                if s.netpols[i].pod_selector.matches(l) {
                    ix.netpol_selected[i] += 1;
                }
            }
        }
    }

    // HPA ↔ target.
    ix.hpa_of = vec![None; n];
    ix.hpa_target = vec![None; s.hpas.len()];
    for (hi, h) in s.hpas.iter().enumerate() {
        let r = ObjectRef {
            kind: Kind::parse(&h.target.kind),
            namespace: h.meta.namespace.clone(),
            name: Arc::from(&*h.target.name),
        };
        if let Some(&w) = ix.workload_by_ref.get(&r) {
            ix.hpa_target[hi] = Some(w);
            // Every copy of the target is scaled by it (links consider every copy).
            match ix.workload_copies.get(&r) {
                Some(copies) => {
                    for &c in copies {
                        ix.hpa_of[c].get_or_insert(hi);
                    }
                }
                None => {
                    ix.hpa_of[w].get_or_insert(hi);
                }
            }
        }
    }

    // ServiceAccount → bindings.
    for (bi, b) in s.bindings.iter().enumerate() {
        for sub in b.subjects.iter().filter(|x| &*x.kind == "ServiceAccount") {
            let ns: Arc<str> = match (&sub.namespace, &b.meta.namespace) {
                (Some(ns), _) => Arc::from(&**ns),
                (None, Some(ns)) => ns.clone(),
                (None, None) => continue,
            };
            ix.bindings_of_sa
                .entry((ns, Arc::from(&*sub.name)))
                .or_default()
                .push(bi);
        }
    }
    ix
}
