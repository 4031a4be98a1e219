//! `pdb-missing`: a replicated Deployment or StatefulSet that no PodDisruptionBudget covers.

use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::{Snapshot, WorkloadKind};

pub static INFO: CheckInfo = CheckInfo {
    id: "pdb-missing",
    family: Family::Availability,
    severity: Severity::Critical,
    summary: "A replicated Deployment or StatefulSet has pods that no PodDisruptionBudget selects",
    doc: "\
What it detects
  A Deployment or StatefulSet that wants two or more replicas (spec.replicas, or the
  minReplicas of the HPA that scales it) whose pod template no PodDisruptionBudget in its
  namespace selects. Selectors are evaluated exactly, matchExpressions included; a policy/v1beta1
  PDB with an empty selector selects nothing, a policy/v1 one selects every pod.

Why it matters
  Without a PDB the eviction API has nothing to respect: `kubectl drain`, a node upgrade or
  the cluster autoscaler can evict every replica at once, and the service goes down even
  though it runs several copies.

Example
  kind: Deployment            # replicas: 3, labels app=checkout
  ...and no PodDisruptionBudget with a selector matching app=checkout.

Fix
  Add a PDB that keeps capacity during voluntary disruptions:
    apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata: {name: checkout, namespace: shop}
    spec:
      maxUnavailable: 1
      selector: {matchLabels: {app: checkout}}
  Safe to apply: a PDB only slows evictions down; prefer maxUnavailable over minAvailable so
  that scaling does not turn it into a drain blocker (see pdb-blocks-drain).",
    fix_available: true,
};

pub struct PdbMissing;

impl Check for PdbMissing {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        for (i, w) in snap.top_workloads() {
            if !matches!(w.kind, WorkloadKind::Deployment | WorkloadKind::StatefulSet) {
                continue;
            }
            let Some(desired) = snap.desired_replicas(i) else {
                continue;
            };
            if desired < 2 || !snap.index.pdbs_of[i].is_empty() {
                continue;
            }
            let via_hpa = if snap.index.hpa_of[i].is_some() {
                " (HPA minReplicas)"
            } else {
                ""
            };
            out.add(
                w,
                w.kind.labels_pointer(),
                format!(
                    "{desired} replicas{via_hpa} and no PodDisruptionBudget selects them: a node drain can evict every replica at once"
                ),
            );
        }
    }
}
