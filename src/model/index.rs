//! The indexes computed once per snapshot: owners and children, workloads and their pods,
//! what each Service, PDB, HPA and policy selects, ServiceAccounts and their bindings, copies
//! of repeated identities.

use super::meta::{Kind, Labels, ObjectRef, Origin};
use super::objects::*;
use super::selector::LabelSelector;
use super::snapshot::{SaBindings, Snapshot};
// FxHash: every object is hashed into these indexes, and nothing here needs DoS resistance.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::Arc;

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
    /// Pods whose status shows trouble (not scheduled, a status reason such as Evicted, a
    /// waiting or terminated container): what triage reads first.
    pub troubled_pods: Vec<u32>,
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

pub(super) fn build_index(s: &Snapshot) -> Index {
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
        let troubled = p.trouble.is_some()
            || p.containers.iter().any(|c| {
                c.waiting_reason.is_some()
                    || c.last_terminated_reason.is_some()
                    || c.trouble.is_some()
            });
        if troubled {
            ix.troubled_pods.push(i as u32);
        }
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
