//! `quota-blocks-rollout`: the next rollout's surge pods do not fit in what the quota leaves.

use crate::audit::helpers::{effective_limit, effective_request, namespace_defaults};
use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::{
    quantity, IntOrPercent, Resource, ResourceQuota, Snapshot, Workload, WorkloadKind,
};
use std::collections::HashMap;

pub static INFO: CheckInfo = CheckInfo {
    id: "quota-blocks-rollout",
    family: Family::Quotas,
    severity: Severity::Critical,
    summary: "A RollingUpdate Deployment's surge pods need more than its namespace's quota leaves",
    doc: "\
What it detects
  A RollingUpdate Deployment whose surge pods (maxSurge resolved against the desired
  replicas, a percentage rounded up; 25 % by default) need more of some quota resource (pods,
  count/pods, requests.cpu or cpu, requests.memory or memory, limits.cpu, limits.memory) than
  hard − used leaves. Pod requests and limits are counted after LimitRange defaulting. used is
  the quota's status.used when known (live), else the sum of the namespace's pod templates
  times their replicas, as the quota would count them.

Why it matters
  A rollout first creates its surge pods. When the quota cannot admit them, the new ReplicaSet
  reports \"exceeded quota\" and creates nothing: the deploy, or the rollback during an
  incident, hangs with every old pod still running the old version.

Example
  3 replicas of 500m cpu, maxSurge 1, quota requests.cpu 2 with 1500m used: 500m is needed,
  500m is left... and one more replica anywhere in the namespace blocks it.

Fix
  Leave one surge of headroom in the quota, or set maxSurge: 0 with maxUnavailable >= 1 (the
  rollout then replaces pods in place, at reduced capacity).",
    fix_available: false,
};

pub struct QuotaBlocksRollout;

/// Per-pod amounts the quota counts: (requests.cpu, requests.memory, limits.cpu, limits.memory).
/// The pod's request is the sum of its containers, or the largest init container if larger.
fn pod_amounts(w: &Workload, snap: &Snapshot) -> [Option<f64>; 4] {
    let d = namespace_defaults(snap, w.meta.namespace());
    let sum = |f: &dyn Fn(&crate::model::Container) -> Option<f64>| -> Option<f64> {
        let main: Option<f64> = w.spec.containers.iter().map(f).sum();
        let init = w
            .spec
            .init_containers
            .iter()
            .map(f)
            .try_fold(0.0f64, |m, v| v.map(|v| m.max(v)));
        match (main, init) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, _) => a,
        }
    };
    let q = |s: Option<&str>| s.and_then(quantity::parse);
    [
        sum(&|c| q(effective_request(c, Resource::Cpu, &d))),
        sum(&|c| q(effective_request(c, Resource::Memory, &d))),
        sum(&|c| q(effective_limit(c, Resource::Cpu, &d))),
        sum(&|c| q(effective_limit(c, Resource::Memory, &d))),
    ]
}

/// What one pod counts for a quota resource, `None` when the resource is not per pod.
fn per_pod(resource: &str, a: &[Option<f64>; 4]) -> Option<Option<f64>> {
    Some(match resource {
        "pods" | "count/pods" => Some(1.0),
        "requests.cpu" | "cpu" => a[0],
        "requests.memory" | "memory" => a[1],
        "limits.cpu" => a[2],
        "limits.memory" => a[3],
        _ => return None,
    })
}

fn show(resource: &str, v: f64) -> String {
    if resource.ends_with("cpu") {
        format!("{}m", (v * 1000.0).round())
    } else if resource.ends_with("memory") {
        format!("{}Mi", (v / 1048576.0).round())
    } else {
        format!("{v}")
    }
}

impl Check for QuotaBlocksRollout {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        if snap.quotas.is_empty() {
            return;
        }
        // Quotas by namespace, and the templates' estimated use of a namespace's resource
        // computed once: each Deployment looked at the whole snapshot before.
        let mut quotas_in: HashMap<&str, Vec<&ResourceQuota>> = HashMap::new();
        for q in &snap.quotas {
            quotas_in.entry(q.meta.namespace()).or_default().push(q);
        }
        let mut estimates: HashMap<(&str, &str), f64> = HashMap::new();
        for (i, w) in snap.top_workloads() {
            if w.kind != WorkloadKind::Deployment
                || w.strategy
                    .kind
                    .as_deref()
                    .is_some_and(|k| k != "RollingUpdate")
            {
                continue;
            }
            let ns = w.meta.namespace();
            let Some(quotas) = quotas_in.get(ns) else {
                continue;
            };
            let replicas = snap.desired_replicas(i).unwrap_or(1);
            let surge_spec = w
                .strategy
                .max_surge
                .clone()
                .unwrap_or(IntOrPercent::Percent(25));
            let surge = surge_spec.scaled(replicas, true).unwrap_or(0).max(0);
            if surge == 0 {
                continue;
            }
            let amounts = pod_amounts(w, snap);
            let mut blocked = Vec::new();
            for q in quotas {
                for (res, hard) in &q.hard {
                    let Some(Some(one)) = per_pod(res, &amounts) else {
                        continue;
                    };
                    let Some(h) = quantity::parse(hard) else {
                        continue;
                    };
                    let (used, how) = match q.used(res).and_then(quantity::parse) {
                        Some(u) => (u, "used"),
                        None => (
                            *estimates
                                .entry((ns, &**res))
                                .or_insert_with(|| estimated_use(snap, ns, res)),
                            "used by the pod templates",
                        ),
                    };
                    let need = one * surge as f64;
                    let left = (h - used).max(0.0);
                    if need > left + 1e-9 {
                        blocked.push(format!(
                            "{} {res}: {} needed, {} left of {hard} ({} {how})",
                            q.meta.name,
                            show(res, need),
                            show(res, left),
                            show(res, used)
                        ));
                    }
                }
            }
            if blocked.is_empty() {
                continue;
            }
            out.add(
                w,
                "/spec/strategy",
                format!(
                    "a rollout surges {surge} pod{} (maxSurge {} of {replicas}, rounded up) that the quota cannot admit: {}; the new ReplicaSet creates nothing and the rollout hangs",
                    if surge == 1 { "" } else { "s" },
                    surge_spec.text(),
                    blocked.join("; ")
                ),
            );
        }
    }
}

/// What the namespace's pods use of a quota resource, from the pod templates and their desired
/// replicas (manifests have no status.used).
pub fn estimated_use(snap: &Snapshot, ns: &str, res: &str) -> f64 {
    snap.top_workloads()
        .filter(|(_, w)| w.meta.namespace() == ns)
        .filter_map(|(i, w)| {
            let n = match w.kind {
                WorkloadKind::DaemonSet | WorkloadKind::Job | WorkloadKind::CronJob => return None,
                _ => snap.desired_replicas(i).unwrap_or(1),
            };
            let a = pod_amounts(w, snap);
            per_pod(res, &a).flatten().map(|v| v * n as f64)
        })
        .sum()
}
