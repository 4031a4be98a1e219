//! `pdb-overlap`: a pod template selected by more than one PodDisruptionBudget.

use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::Snapshot;

pub static INFO: CheckInfo = CheckInfo {
    id: "pdb-overlap",
    family: Family::Availability,
    severity: Severity::Warning,
    summary: "A pod template is selected by more than one PodDisruptionBudget",
    doc: "\
What it detects
  A workload whose pod template labels match the selectors of two or more
  PodDisruptionBudgets in its namespace.

Why it matters
  The eviction API refuses to evict a pod covered by more than one PDB (it answers 500
  \"This pod has more than one PodDisruptionBudget\"), so drains stall on those pods exactly as
  if the budget were zero.

Example
  PDB web-pdb selects app=web, and PDB frontend-pdb selects tier=frontend; the pods carry both
  labels.

Fix
  Keep one PDB per set of pods: narrow one selector or delete the redundant PDB.",
    fix_available: false,
};

pub struct PdbOverlap;

impl Check for PdbOverlap {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        for (i, w) in snap.top_workloads() {
            let pdbs = &snap.index.pdbs_of[i];
            if pdbs.len() < 2 {
                continue;
            }
            let names: Vec<&str> = pdbs.iter().map(|&p| &*snap.pdbs[p].meta.name).collect();
            out.add(
                w,
                w.kind.labels_pointer(),
                format!(
                    "selected by {} PodDisruptionBudgets ({}): the eviction API refuses such pods, so drains stall",
                    pdbs.len(),
                    crate::audit::helpers::names(&names)
                ),
            );
        }
    }
}
