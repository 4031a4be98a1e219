//! `limits-missing`: a container without a memory limit (warning) or a cpu limit (info).

use crate::audit::helpers::{container_path, effective_limit, names, namespace_defaults};
use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::{Resource, Snapshot};

pub static INFO: CheckInfo = CheckInfo {
    id: "limits-missing",
    family: Family::Resources,
    severity: Severity::Warning,
    summary: "A container has no memory limit (warning); a missing cpu limit alone is info",
    doc: "\
What it detects
  A container or init container without a memory limit (warning), or with a memory limit but
  no cpu limit (info). A LimitRange `default` in the namespace counts as a limit, because the
  LimitRanger admission plugin fills it in.

Why it matters
  Unbounded memory is the noisy-neighbour eviction cause: one leaking pod pushes the node into
  memory pressure and the kubelet evicts its neighbours. A missing cpu limit is milder (cpu is
  compressible), hence info.

Example
  resources:
    requests: {cpu: 100m, memory: 128Mi}
    # no limits

Fix
  Set limits at 2-3x the requests, so bursts are absorbed without unlimited consumption:
    limits: {cpu: 300m, memory: 384Mi}",
    fix_available: true,
};

pub struct LimitsMissing;

impl Check for LimitsMissing {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        for (_, w) in snap.top_workloads() {
            let defaults = namespace_defaults(snap, w.meta.namespace());
            let mut no_memory: Vec<&str> = Vec::new();
            let mut no_cpu: Vec<&str> = Vec::new();
            let mut mem_path = None;
            let mut cpu_path = None;
            for (list, i, c) in w.spec.all_containers() {
                if effective_limit(c, Resource::Memory, &defaults).is_none() {
                    no_memory.push(&c.name);
                    mem_path.get_or_insert_with(|| {
                        format!("{}/resources/limits", container_path(w, list, i))
                    });
                } else if effective_limit(c, Resource::Cpu, &defaults).is_none() {
                    no_cpu.push(&c.name);
                    cpu_path.get_or_insert_with(|| {
                        format!("{}/resources/limits", container_path(w, list, i))
                    });
                }
            }
            if let Some(path) = mem_path {
                let mut msg = format!(
                    "{} {} no memory limit: a leak can push the node into memory pressure and evict its neighbours",
                    names(&no_memory),
                    if no_memory.len() == 1 { "has" } else { "have" }
                );
                if !no_cpu.is_empty() {
                    msg.push_str(&format!("; {} also lack a cpu limit", names(&no_cpu)));
                }
                out.add_at(Severity::Warning, w, path, msg);
            } else if let Some(path) = cpu_path {
                out.add_at(
                    Severity::Info,
                    w,
                    path,
                    format!(
                        "{} {} no cpu limit (memory is limited)",
                        names(&no_cpu),
                        if no_cpu.len() == 1 { "has" } else { "have" }
                    ),
                );
            }
        }
    }
}
