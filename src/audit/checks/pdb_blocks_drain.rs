//! `pdb-blocks-drain`: a PodDisruptionBudget that allows zero disruptions.

use crate::audit::{Check, CheckInfo, Family, Findings, Severity, Subject};
use crate::model::{IntOrPercent, Kind, Snapshot};

pub static INFO: CheckInfo = CheckInfo {
    id: "pdb-blocks-drain",
    family: Family::Availability,
    severity: Severity::Warning,
    summary: "A PodDisruptionBudget allows zero disruptions at the workload's desired size",
    doc: "\
What it detects
  A PodDisruptionBudget whose allowed disruptions are zero at the desired size of the
  workloads it selects: maxUnavailable 0 or \"0%\", minAvailable \"100%\", or an integer
  minAvailable at or above the desired replicas. Percentages round up, as the disruption
  controller rounds them. A PDB that sets neither field counts as minAvailable 1 (the API
  default). Desired size is spec.replicas, or the HPA's minReplicas when an HPA scales the
  workload.

Why it matters
  The eviction API refuses every eviction, so `kubectl drain` and node upgrades hang until
  someone deletes the PDB by hand, often in the middle of a maintenance window.

Example
  replicas: 2 and a PDB with minAvailable: 2, or a single replica with minAvailable: 1.

Fix
  Use maxUnavailable: 1 (it scales with the workload), or raise the replicas so that
  minAvailable leaves at least one pod evictable.",
    fix_available: true,
};

pub struct PdbBlocksDrain;

/// Disruptions the PDB allows at `desired` pods, when that can be known.
fn allowed(
    min: Option<&IntOrPercent>,
    max: Option<&IntOrPercent>,
    desired: Option<i64>,
) -> Option<i64> {
    match (max, min) {
        (Some(m), _) => match (m, desired) {
            (IntOrPercent::Int(v), _) => Some(*v),
            (IntOrPercent::Percent(0), _) => Some(0),
            (IntOrPercent::Percent(_), Some(d)) => m.scaled(d, true),
            _ => None,
        },
        (None, Some(m)) => match (m, desired) {
            (IntOrPercent::Percent(p), _) if *p >= 100 => Some(0),
            (m, Some(d)) => m.scaled(d, true).map(|need| d - need),
            _ => None,
        },
        (None, None) => desired.map(|d| d - 1),
    }
}

impl Check for PdbBlocksDrain {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        for (pi, pdb) in snap.pdbs.iter().enumerate() {
            // Desired pods of every workload this copy of the PDB selects (each workload
            // identity once, however many files define it).
            let selected = &snap.index.pdb_workloads[pi];
            let d = if selected.is_empty() {
                None
            } else {
                selected
                    .iter()
                    .try_fold(0i64, |acc, &w| snap.desired_replicas(w).map(|r| acc + r))
            };
            if d == Some(0) {
                continue; // scaled to zero: nothing to drain
            }
            let Some(a) = allowed(pdb.min_available.as_ref(), pdb.max_unavailable.as_ref(), d)
            else {
                continue;
            };
            if a > 0 {
                continue;
            }
            let (field, path) = match (&pdb.max_unavailable, &pdb.min_available) {
                (Some(m), _) => (
                    format!("maxUnavailable {}", m.text()),
                    "/spec/maxUnavailable",
                ),
                (None, Some(m)) => (format!("minAvailable {}", m.text()), "/spec/minAvailable"),
                (None, None) => ("minAvailable 1 (default)".to_string(), "/spec"),
            };
            let size = match d {
                Some(d) => format!(" at {d} desired replica{}", if d == 1 { "" } else { "s" }),
                None => String::new(),
            };
            out.add(
                Subject::of(Kind::PodDisruptionBudget, &pdb.meta),
                path,
                format!(
                    "{field} allows 0 disruptions{size}: node drains hang until the PDB is removed"
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::allowed;
    use crate::model::IntOrPercent::*;

    #[test]
    fn allowed_disruptions() {
        assert_eq!(allowed(None, Some(&Int(0)), Some(3)), Some(0));
        assert_eq!(allowed(None, Some(&Percent(0)), None), Some(0));
        assert_eq!(
            allowed(None, Some(&Percent(10)), Some(3)),
            Some(1),
            "10% of 3 rounds up to 1"
        );
        assert_eq!(allowed(Some(&Percent(100)), None, None), Some(0));
        assert_eq!(allowed(Some(&Int(2)), None, Some(2)), Some(0));
        assert_eq!(allowed(Some(&Int(2)), None, Some(3)), Some(1));
        assert_eq!(
            allowed(Some(&Percent(90)), None, Some(3)),
            Some(0),
            "90% of 3 rounds up to 3"
        );
        assert_eq!(allowed(Some(&Percent(50)), None, Some(3)), Some(1));
        assert_eq!(allowed(None, None, Some(1)), Some(0));
        assert_eq!(allowed(Some(&Int(2)), None, None), None);
    }
}
