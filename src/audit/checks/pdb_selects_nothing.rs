//! `pdb-selects-nothing`: a PodDisruptionBudget whose selector matches no pod.

use crate::audit::{Check, CheckInfo, Family, Findings, Severity, Subject};
use crate::model::{Kind, Snapshot};

pub static INFO: CheckInfo = CheckInfo {
    id: "pdb-selects-nothing",
    family: Family::Availability,
    severity: Severity::Warning,
    summary: "A PodDisruptionBudget's selector matches no pod or pod template in its namespace",
    doc: "\
What it detects
  A PodDisruptionBudget whose selector matches no pod and no pod template in its own
  namespace. A null selector matches nothing; an empty selector ({}) matches nothing under
  policy/v1beta1 and everything under policy/v1.

Why it matters
  The PDB protects nothing, yet its presence suggests the workload is protected. It is usually
  a typo in a label (app: cart against app: carts) or a PDB left behind after a rename.

Example
  selector: {matchLabels: {app: cart}} while the pods are labelled app: carts.

Fix
  Correct the selector to the workload's pod template labels, or delete the stale PDB.",
    fix_available: false,
};

pub struct PdbSelectsNothing;

impl Check for PdbSelectsNothing {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        for (i, pdb) in snap.pdbs.iter().enumerate() {
            if snap.index.pdb_selected[i] > 0 {
                continue;
            }
            let what = match &pdb.selector {
                None => "has no selector, so it selects nothing".to_string(),
                Some(s) if s.is_empty() => {
                    "has an empty selector, which selects nothing under policy/v1beta1".to_string()
                }
                Some(s) => match &s.invalid {
                    Some(why) => format!("has an invalid selector ({why})"),
                    None => format!(
                        "selector {} matches no pod or pod template in namespace {}",
                        s.display(),
                        pdb.meta.namespace()
                    ),
                },
            };
            out.add(
                Subject::of(Kind::PodDisruptionBudget, &pdb.meta),
                "/spec/selector",
                format!("{what}: it protects nothing"),
            );
        }
    }
}
