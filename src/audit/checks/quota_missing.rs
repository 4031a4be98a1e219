//! `quota-missing`: a namespace with workloads has no ResourceQuota.

use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::Snapshot;
use std::collections::BTreeSet;

pub static INFO: CheckInfo = CheckInfo {
    id: "quota-missing",
    family: Family::Quotas,
    severity: Severity::Info,
    summary: "A namespace with workloads has no ResourceQuota",
    doc: "\
What it detects
  A namespace that runs workloads (other than kube-system, kube-public and kube-node-lease)
  and has no ResourceQuota.

Why it matters
  On a shared cluster, one team's runaway HPA or a CronJob that never finishes can take every
  free CPU and byte of memory, and the other tenants' pods stay Pending. A quota caps what a
  namespace can request, and makes every pod declare its requests.

Example
  Namespace storefront runs 9 workloads and has no ResourceQuota.

Fix
  Add a ResourceQuota with requests.cpu, requests.memory, limits.memory and pods sized to the
  namespace's peak plus one rollout's surge (quota-blocks-rollout checks that margin).",
    fix_available: false,
};

/// Namespaces kvet does not expect a quota in.
pub const SYSTEM: [&str; 3] = ["kube-system", "kube-public", "kube-node-lease"];

pub struct QuotaMissing;

impl Check for QuotaMissing {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        let with_quota: BTreeSet<&str> = snap.quotas.iter().map(|q| q.meta.namespace()).collect();
        let mut seen = BTreeSet::new();
        for (_, w) in snap.top_workloads() {
            let ns = w.meta.namespace();
            if SYSTEM.contains(&ns) || with_quota.contains(ns) || !seen.insert(ns) {
                continue;
            }
            let count = snap
                .top_workloads()
                .filter(|(_, x)| x.meta.namespace() == ns)
                .count();
            out.add(
                crate::audit::helpers::namespace_subject(snap, ns),
                "",
                format!(
                    "namespace {ns} runs {count} workload{} and has no ResourceQuota: nothing caps what it can request",
                    if count == 1 { "" } else { "s" }
                ),
            );
        }
    }
}
