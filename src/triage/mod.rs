//! Triage: what hurts now. Each symptom is something the cluster recorded (an Event, a pod's
//! or a controller's status), on the object a user acts on (the top-level workload, the Node,
//! the HPA), with its impact and the audit findings that explain it. Pure: it reads a snapshot
//! and findings, and returns plain data.
//!
//! The event reasons are those the kubelet, the scheduler and the controllers record
//! (Kubernetes' pkg/kubelet/events, the ReplicaSet, Deployment and HPA controllers).

pub mod fixes;
mod infra;

use crate::audit::Finding;
use crate::model::{Condition, Event, Kind, ObjectRef, Pod, Snapshot, WorkloadKind};
use rustc_hash::FxHashMap;
use serde::Serialize;

/// How much it hurts, worst first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Impact {
    /// No Ready replica of a served or replicated workload.
    Down,
    Degraded,
    AtRisk,
}

impl Impact {
    pub fn as_str(self) -> &'static str {
        match self {
            Impact::Down => "down",
            Impact::Degraded => "degraded",
            Impact::AtRisk => "at-risk",
        }
    }
}

/// One thing the cluster recorded.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evidence {
    /// `event` or `status`.
    pub from: &'static str,
    pub reason: String,
    pub message: String,
    pub count: i64,
    pub last_seen: Option<String>,
    /// The object it was recorded on (a pod, a ReplicaSet, the workload itself).
    #[serde(serialize_with = "object_json")]
    pub object: ObjectRef,
}

/// A finding that explains a symptom.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Explanation {
    pub check: &'static str,
    #[serde(serialize_with = "object_json")]
    pub object: ObjectRef,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Symptom {
    /// A public ID, like a check ID: `oom-killed`, `crash-loop`, ...
    pub symptom: &'static str,
    #[serde(serialize_with = "object_json")]
    pub object: ObjectRef,
    pub impact: Impact,
    pub evidence: Vec<Evidence>,
    pub explained_by: Vec<Explanation>,
}

fn object_json<S: serde::Serializer>(r: &ObjectRef, s: S) -> Result<S::Ok, S::Error> {
    serde_json::json!({"kind": r.kind.as_str(), "namespace": r.namespace.as_deref(), "name": &*r.name})
        .serialize(s)
}

/// Every symptom ID, with what shows it.
pub const SYMPTOMS: &[(&str, &str)] = &[
    (
        "oom-killed",
        "a container was killed for exceeding its memory limit (OOMKilled, exit 137)",
    ),
    (
        "crash-loop",
        "a container keeps restarting (CrashLoopBackOff, BackOff events)",
    ),
    (
        "probe-failing",
        "liveness, readiness or startup probes fail (Unhealthy events)",
    ),
    (
        "unschedulable",
        "pods stay Pending: no node fits them (FailedScheduling)",
    ),
    (
        "quota-exceeded",
        "a controller cannot create pods: a ResourceQuota is exceeded",
    ),
    (
        "evicted",
        "pods were evicted (node pressure, or an eviction)",
    ),
    (
        "image-pull",
        "an image cannot be pulled (ErrImagePull, ImagePullBackOff)",
    ),
    (
        "rollout-stuck",
        "a Deployment passed its progress deadline (ProgressDeadlineExceeded)",
    ),
    (
        "replicas-unavailable",
        "fewer Ready replicas than desired (down at zero)",
    ),
    (
        "hpa-cannot-scale",
        "an HPA cannot compute its metric or cannot scale",
    ),
    (
        "drain-stuck",
        "a cordoned node still runs pods whose budget allows no disruption",
    ),
    ("node-not-ready", "a node is NotReady or Unknown"),
];

/// What the triage works from.
struct Ctx<'a> {
    snap: &'a Snapshot,
    /// Findings by their object.
    findings: FxHashMap<&'a ObjectRef, Vec<&'a Finding>>,
    /// ResourceQuotas by namespace.
    quotas: FxHashMap<&'a str, Vec<ObjectRef>>,
    /// PodDisruptionBudgets (their index) by namespace.
    pdbs: FxHashMap<&'a str, Vec<usize>>,
}

impl<'a> Ctx<'a> {
    fn new(snap: &'a Snapshot, findings: &'a [Finding]) -> Self {
        // Only the findings of checks that explain a symptom (most findings are not).
        let mut by_object: FxHashMap<&ObjectRef, Vec<&Finding>> = FxHashMap::default();
        for f in findings.iter().filter(|f| explains(f.check)) {
            by_object.entry(&f.object).or_default().push(f);
        }
        let mut quotas: FxHashMap<&str, Vec<ObjectRef>> = FxHashMap::default();
        for q in &snap.quotas {
            quotas
                .entry(q.meta.namespace())
                .or_default()
                .push(ObjectRef::new(
                    Kind::ResourceQuota,
                    Some(q.meta.namespace()),
                    &q.meta.name,
                ));
        }
        let mut pdbs: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
        for (k, p) in snap.pdbs.iter().enumerate() {
            pdbs.entry(p.meta.namespace()).or_default().push(k);
        }
        Ctx {
            snap,
            findings: by_object,
            quotas,
            pdbs,
        }
    }

    /// The top-level workload an object belongs to, through its owners.
    fn top_of(&self, r: &ObjectRef) -> Option<usize> {
        let s = self.snap;
        // Pods' own evidence is gathered from the pods; this is for the objects between.
        let mut w = *s.index.workload_by_ref.get(r)?;
        for _ in 0..8 {
            let Some(o) = &s.workloads[w].meta.owner else {
                return Some(w);
            };
            let parent = ObjectRef::new(o.kind.clone(), r.namespace.as_deref(), &o.name);
            match s.index.workload_by_ref.get(&parent) {
                Some(&p) => w = p,
                None => return Some(w),
            }
        }
        Some(w)
    }

    /// The findings of these checks on the workload (or on `extra` objects).
    fn explained(
        &self,
        target: Option<&ObjectRef>,
        checks: &[&'static str],
        extra: &[ObjectRef],
    ) -> Vec<Explanation> {
        let mut out: Vec<Explanation> = target
            .into_iter()
            .chain(extra)
            .filter_map(|r| self.findings.get(r))
            .flatten()
            .filter(|f| checks.contains(&f.check))
            .map(|f| Explanation {
                check: f.check,
                object: f.object.clone(),
            })
            .collect();
        if out.len() > 1 {
            out.sort_unstable_by(|a, b| (a.check, &a.object.name).cmp(&(b.check, &b.object.name)));
            out.dedup();
        }
        out
    }
}

fn event_evidence(e: &Event) -> Evidence {
    Evidence {
        from: "event",
        reason: e.reason.to_string(),
        message: e.message.to_string(),
        count: e.count,
        last_seen: e.last_seen.as_deref().map(str::to_string),
        object: e.regarding.clone(),
    }
}

fn status_evidence(
    r: &ObjectRef,
    reason: &str,
    message: String,
    count: i64,
    at: Option<&str>,
) -> Evidence {
    Evidence {
        from: "status",
        reason: reason.to_string(),
        message,
        count,
        last_seen: at.map(str::to_string),
        object: r.clone(),
    }
}

/// The most evidence items kept per symptom.
pub const EVIDENCE_PER_SYMPTOM: usize = 24;

/// Per top-level workload: the evidence of each symptom, gathered from its pods and itself.
#[derive(Default)]
struct Gathered {
    by_symptom: Vec<(&'static str, Vec<Evidence>)>,
}

impl Gathered {
    /// Adds evidence built only when there is room for it (a DaemonSet of thousands of
    /// crash-looping pods builds its first few).
    fn add_with(&mut self, symptom: &'static str, make: impl FnOnce() -> Evidence) {
        if let Some((_, list)) = self.by_symptom.iter().find(|(s, _)| *s == symptom) {
            if list.len() >= EVIDENCE_PER_SYMPTOM {
                return;
            }
        }
        self.add(symptom, make());
    }

    fn add(&mut self, symptom: &'static str, e: Evidence) {
        match self.by_symptom.iter_mut().find(|(s, _)| *s == symptom) {
            // A symptom shows at most EVIDENCE_PER_SYMPTOM items (a thousand crash-looping pods
            // of one DaemonSet say nothing more than the first few).
            Some((_, list)) => {
                if list.len() < EVIDENCE_PER_SYMPTOM && !list.contains(&e) {
                    list.push(e)
                }
            }
            None => self.by_symptom.push((symptom, vec![e])),
        }
    }

    fn has(&self, symptom: &str) -> bool {
        self.by_symptom.iter().any(|(s, _)| *s == symptom)
    }
}

/// What a pod's status and events show.
fn pod_evidence(p: &Pod, events: &[Event], g: &mut Gathered) {
    // Built only for evidence that is kept (most events of a pod are Normal noise).
    let r = || ObjectRef::new(Kind::Pod, Some(p.meta.namespace()), &p.meta.name);
    let none = crate::model::ContainerTrouble::default();
    for c in &p.containers {
        let t = c.trouble.as_deref().unwrap_or(&none);
        let last = c.last_terminated_reason.as_deref();
        let oom = last == Some("OOMKilled") || (last.is_none() && t.last_exit_code == Some(137));
        if oom {
            g.add_with("oom-killed", || {
                status_evidence(
                    &r(),
                    "OOMKilled",
                    format!(
                        "container {:?} last terminated OOMKilled (exit code {}), {} restart{}",
                        c.name,
                        t.last_exit_code.unwrap_or(137),
                        c.restart_count,
                        if c.restart_count == 1 { "" } else { "s" }
                    ),
                    c.restart_count.max(1),
                    t.last_finished_at.as_deref(),
                )
            });
        }
        match c.waiting_reason.as_deref() {
            Some("CrashLoopBackOff") => g.add(
                "crash-loop",
                status_evidence(
                    &r(),
                    "CrashLoopBackOff",
                    format!(
                        "container {:?} is in CrashLoopBackOff after {} restarts{}",
                        c.name,
                        c.restart_count,
                        last.map(|l| format!(", last terminated {l}"))
                            .unwrap_or_default()
                    ),
                    c.restart_count,
                    t.last_finished_at.as_deref(),
                ),
            ),
            Some(w @ ("ErrImagePull" | "ImagePullBackOff" | "InvalidImageName")) => g.add(
                "image-pull",
                status_evidence(
                    &r(),
                    w,
                    format!(
                        "container {:?}: {}",
                        c.name,
                        t.waiting_message.as_deref().unwrap_or(w)
                    ),
                    1,
                    None,
                ),
            ),
            _ => {}
        }
    }
    if let Some(t) = &p.trouble {
        if let Some(c) = &t.unscheduled {
            g.add("unschedulable", condition_evidence(&r(), c));
        }
        if t.reason.as_deref() == Some("Evicted") {
            g.add(
                "evicted",
                status_evidence(
                    &r(),
                    "Evicted",
                    t.message.as_deref().unwrap_or("evicted").to_string(),
                    1,
                    None,
                ),
            );
        }
    }
    for e in events {
        if let Some(s) = symptom_of_event(e) {
            g.add_with(s, || event_evidence(e));
        }
    }
}

fn condition_evidence(r: &ObjectRef, c: &Condition) -> Evidence {
    status_evidence(
        r,
        c.reason.as_deref().unwrap_or(&c.kind),
        format!(
            "{} {}{}",
            c.kind,
            c.status,
            c.message
                .as_deref()
                .map(|m| format!(": {m}"))
                .unwrap_or_default()
        ),
        1,
        c.since.as_deref(),
    )
}

/// The symptom an event shows, by the reason its component records. Only the reasons that
/// depend on the message look at it (case-insensitively, without allocating: 300k events).
fn symptom_of_event(e: &Event) -> Option<&'static str> {
    let has = |needle: &str| contains_ci(&e.message, needle);
    Some(match &*e.reason {
        "OOMKilling" | "SystemOOM" => "oom-killed",
        "BackOff" if has("pulling image") => "image-pull",
        "BackOff" | "CrashLoopBackOff" => "crash-loop",
        "Unhealthy" => "probe-failing",
        "Killing" if has("liveness") || has("startup probe") => "probe-failing",
        "FailedScheduling" => "unschedulable",
        "FailedCreate" if has("exceeded quota") => "quota-exceeded",
        "Evicted" => "evicted",
        "Failed" if has("pull") || has("image") => "image-pull",
        "ErrImagePull" | "ImagePullBackOff" | "InspectFailed" => "image-pull",
        "ProgressDeadlineExceeded" => "rollout-stuck",
        "FailedGetResourceMetric" | "FailedComputeMetricsReplicas" | "FailedGetScale" => {
            "hpa-cannot-scale"
        }
        _ => return None,
    })
}

/// Whether `hay` contains `needle` (lower-case ASCII), ignoring ASCII case.
fn contains_ci(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

/// Whether a check can explain some symptom (a `match`: the findings of a big cluster are many).
fn explains(check: &str) -> bool {
    matches!(
        check,
        "limit-ratio"
            | "limits-missing"
            | "requests-missing"
            | "startup-budget-short"
            | "liveness-equals-readiness"
            | "probe-port-unknown"
            | "quota-blocks-rollout"
            | "quota-near-limit"
            | "replica-concentration"
            | "image-latest"
            | "readiness-missing"
            | "rollout-unavailable"
            | "drain-outage"
            | "pdb-missing"
            | "hpa-no-cpu-request"
            | "hpa-target-missing"
            | "pdb-blocks-drain"
            | "pdb-overlap"
    )
}

/// Every check that can explain some symptom ([`explains`] is the fast form; a test keeps the
/// two equal).
#[cfg(test)]
const EXPLAINING: &[&str] = &[
    "limit-ratio",
    "limits-missing",
    "requests-missing",
    "startup-budget-short",
    "liveness-equals-readiness",
    "probe-port-unknown",
    "quota-blocks-rollout",
    "quota-near-limit",
    "replica-concentration",
    "image-latest",
    "readiness-missing",
    "rollout-unavailable",
    "drain-outage",
    "pdb-missing",
    "hpa-no-cpu-request",
    "hpa-target-missing",
    "pdb-blocks-drain",
    "pdb-overlap",
];

/// The checks that can explain a symptom, in the order a reader wants them.
fn explaining_checks(symptom: &str, g: &Gathered) -> Vec<&'static str> {
    let oom = ["limit-ratio", "limits-missing", "requests-missing"];
    match symptom {
        "oom-killed" => oom.to_vec(),
        "crash-loop" => {
            let mut v = Vec::new();
            if g.has("oom-killed") {
                v.extend(oom);
            }
            if g.has("probe-failing") {
                v.push("startup-budget-short");
            }
            v
        }
        "probe-failing" => vec![
            "startup-budget-short",
            "liveness-equals-readiness",
            "probe-port-unknown",
        ],
        "unschedulable" => vec![
            "quota-blocks-rollout",
            "quota-near-limit",
            "replica-concentration",
            "requests-missing",
        ],
        "quota-exceeded" => vec!["quota-blocks-rollout", "quota-near-limit"],
        "evicted" => vec!["requests-missing", "limits-missing"],
        "image-pull" => vec!["image-latest"],
        "rollout-stuck" => vec![
            "readiness-missing",
            "rollout-unavailable",
            "startup-budget-short",
        ],
        "replicas-unavailable" => vec!["replica-concentration", "drain-outage", "pdb-missing"],
        _ => Vec::new(),
    }
}

/// What hurts now, worst impact first.
pub fn triage(snap: &Snapshot, findings: &[Finding]) -> Vec<Symptom> {
    let ctx = Ctx::new(snap, findings);
    let mut out = Vec::new();
    // Workloads: their pods' evidence, their own status and events, and the events of the
    // objects between (a Deployment's ReplicaSets).
    let mut gathered: FxHashMap<usize, Gathered> = FxHashMap::default();
    // Pods whose owner is not in the snapshot: their symptoms stay on the pod.
    let mut orphans: Vec<(usize, Gathered)> = Vec::new();
    // Only the pods with something to show: those whose status is troubled (indexed when the
    // snapshot is built) and those a symptom's event is about (one pass over the sorted
    // events). A healthy pod is never touched.
    let mut pod_events: FxHashMap<usize, &[Event]> = FxHashMap::default();
    for group in snap.events.chunk_by(|a, b| a.regarding == b.regarding) {
        let r = &group[0].regarding;
        if r.kind != Kind::Pod || !group.iter().any(|e| symptom_of_event(e).is_some()) {
            continue;
        }
        if let Some(&i) = snap.index.pod_by_ref.get(r) {
            pod_events.insert(i, group);
        }
    }
    let mut pods: Vec<usize> = snap
        .index
        .troubled_pods
        .iter()
        .map(|&i| i as usize)
        .collect();
    pods.extend(pod_events.keys().copied());
    pods.sort_unstable();
    pods.dedup();
    for i in pods {
        let Some(p) = snap.pods.get(i) else {
            continue;
        };
        if p.is_finished() && p.trouble.as_ref().is_none_or(|t| t.reason.is_none()) {
            continue;
        }
        let events = match pod_events.get(&i) {
            Some(e) => *e,
            None => snap.events_about(&Kind::Pod, Some(p.meta.namespace()), &p.meta.name),
        };
        match snap.index.top_of_pod.get(i).copied().unwrap_or(u32::MAX) {
            u32::MAX => {
                let mut g = Gathered::default();
                pod_evidence(p, events, &mut g);
                if !g.by_symptom.is_empty() {
                    orphans.push((i, g));
                }
            }
            w => pod_evidence(p, events, gathered.entry(w as usize).or_default()),
        }
    }
    for (i, g) in orphans {
        let p = &snap.pods[i];
        let r = ObjectRef::new(Kind::Pod, Some(p.meta.namespace()), &p.meta.name);
        for (symptom, evidence) in g.by_symptom {
            out.push(Symptom {
                symptom,
                object: r.clone(),
                impact: if p.is_ready() {
                    Impact::AtRisk
                } else {
                    Impact::Degraded
                },
                evidence,
                explained_by: Vec::new(),
            });
        }
    }
    for e in &snap.events {
        if e.regarding.kind == Kind::Pod {
            continue;
        }
        let Some(s) = symptom_of_event(e) else {
            continue;
        };
        if matches!(e.regarding.kind, Kind::Node | Kind::HorizontalPodAutoscaler) {
            continue;
        }
        if let Some(w) = ctx.top_of(&e.regarding) {
            gathered.entry(w).or_default().add(s, event_evidence(e));
        }
    }
    for (w, wl) in snap.top_workloads() {
        let unavailable = snap
            .desired_replicas(w)
            .zip(wl.status.replicas)
            .is_some_and(|(desired, _)| desired > 0 && wl.status.ready.unwrap_or(0) < desired);
        if wl.status.conditions.is_empty() && !unavailable {
            continue;
        }
        let r = wl.object_ref();
        let g = gathered.entry(w).or_default();
        for c in wl.status.conditions.iter() {
            match (&*c.kind, &*c.status, c.reason.as_deref()) {
                ("Progressing", "False", Some("ProgressDeadlineExceeded")) => {
                    g.add("rollout-stuck", condition_evidence(&r, c))
                }
                ("ReplicaFailure", "True", _)
                    if c.message
                        .as_deref()
                        .is_some_and(|m| m.contains("exceeded quota")) =>
                {
                    g.add("quota-exceeded", condition_evidence(&r, c))
                }
                _ => {}
            }
        }
        // Fewer Ready replicas than desired, from the controller's status (known live).
        if let (Some(desired), Some(_)) = (snap.desired_replicas(w), wl.status.replicas) {
            let ready = wl.status.ready.unwrap_or(0);
            if desired > 0 && ready < desired && wl.kind != WorkloadKind::Pod {
                g.add(
                    "replicas-unavailable",
                    status_evidence(
                        &r,
                        "ReplicasUnavailable",
                        format!("{ready} of {desired} desired replicas are Ready"),
                        desired - ready,
                        None,
                    ),
                );
            }
        }
    }
    let mut keys: Vec<usize> = gathered.keys().copied().collect();
    keys.sort_unstable();
    for w in keys {
        let Some(g) = gathered.remove(&w).filter(|g| !g.by_symptom.is_empty()) else {
            continue;
        };
        let wl = &snap.workloads[w];
        let r = wl.object_ref();
        let ready = snap.index.pods_of[w]
            .iter()
            .filter(|&&p| snap.pods[p].is_ready())
            .count() as i64;
        let pods = snap.index.pods_of[w].len();
        let desired = snap.desired_replicas(w).unwrap_or(pods as i64);
        let matters = snap.is_served(w) || desired >= 2;
        let status_ready = wl.status.ready;
        let none_ready = status_ready.map_or(pods > 0 && ready == 0, |r| r == 0) && desired > 0;
        let some_down = status_ready.map_or(ready < pods as i64, |r| r < desired);
        // The checks each symptom's explanation looks for depend on the others (a crash loop of
        // OOM kills): decided before the evidence is moved out.
        let checks: Vec<Vec<&'static str>> = g
            .by_symptom
            .iter()
            .map(|(symptom, _)| explaining_checks(symptom, &g))
            .collect();
        let quota_objects: &[ObjectRef] = ctx
            .quotas
            .get(wl.meta.namespace())
            .map(Vec::as_slice)
            .unwrap_or_default();
        for ((symptom, mut evidence), checks) in g.by_symptom.into_iter().zip(checks) {
            let impact = if none_ready && matters {
                Impact::Down
            } else if some_down || symptom == "rollout-stuck" || symptom == "quota-exceeded" {
                Impact::Degraded
            } else {
                Impact::AtRisk
            };
            evidence.sort_by(|a, b| b.last_seen.cmp(&a.last_seen).then(b.count.cmp(&a.count)));
            out.push(Symptom {
                symptom,
                object: r.clone(),
                impact,
                evidence,
                explained_by: ctx.explained(Some(&r), &checks, quota_objects),
            });
        }
    }
    infra::hpa_symptoms(&ctx, &mut out);
    infra::node_symptoms(&ctx, &mut out);
    out.sort_unstable_by(|a, b| {
        (a.impact, &a.object.namespace, &a.object.name, a.symptom).cmp(&(
            b.impact,
            &b.object.namespace,
            &b.object.name,
            b.symptom,
        ))
    });
    out
}

/// The evidence that confirms a finding: each symptom it explains, with the evidence.
pub type Confirmations = FxHashMap<(&'static str, ObjectRef), Vec<(&'static str, Vec<Evidence>)>>;

/// Findings that explain a symptom carry its evidence (`evidence` in JSON and SARIF, a
/// "confirmed" note in tables and Markdown, first in the TUI).
pub fn confirmations(symptoms: &[Symptom]) -> Confirmations {
    let mut out: Confirmations = FxHashMap::default();
    for s in symptoms {
        for x in &s.explained_by {
            out.entry((x.check, x.object.clone()))
                .or_default()
                .push((s.symptom, s.evidence.clone()));
        }
    }
    out
}

/// "confirmed: oom-killed ×17, last 2026-11-27T05:59:02"
pub fn confirmed_text(list: &[(&'static str, Vec<Evidence>)]) -> String {
    let parts: Vec<String> = list
        .iter()
        .map(|(symptom, ev)| {
            let count: i64 = ev.iter().map(|e| e.count).sum();
            let last = ev.iter().filter_map(|e| e.last_seen.as_deref()).max();
            format!(
                "{symptom} ×{count}{}",
                last.map(|l| format!(", last {}", l.get(..19).unwrap_or(l)))
                    .unwrap_or_default()
            )
        })
        .collect();
    format!("confirmed: {}", parts.join("; "))
}

#[cfg(test)]
mod tests;
