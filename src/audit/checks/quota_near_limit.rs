//! `quota-near-limit`: a ResourceQuota is 90 % used or more for some resource.

use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::{quantity, Kind, Snapshot};

pub static INFO: CheckInfo = CheckInfo {
    id: "quota-near-limit",
    family: Family::Quotas,
    severity: Severity::Warning,
    summary: "A ResourceQuota's status.used is at 90 % of its hard limit or more",
    doc: "\
What it detects
  Live (and in dumps of a live cluster): a ResourceQuota whose status.used is at least 90 % of
  its hard limit for some resource.

Why it matters
  The next scale-up, rollout surge or Job is rejected by the quota admission plugin
  (\"exceeded quota\"): the ReplicaSet keeps retrying and the Deployment's rollout stalls, often
  in the middle of an incident when an HPA needs the room.

Example
  quota compute in payments: requests.cpu used 3800m of 4.

Fix
  Raise the hard limit, or lower the requests of what runs in the namespace. Keep at least one
  rollout's surge of headroom (quota-blocks-rollout).",
    fix_available: false,
};

pub struct QuotaNearLimit;

impl Check for QuotaNearLimit {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        for q in &snap.quotas {
            let mut full = Vec::new();
            for (k, hard) in &q.hard {
                let (Some(h), Some(u)) =
                    (quantity::parse(hard), q.used(k).and_then(quantity::parse))
                else {
                    continue;
                };
                if h > 0.0 && u / h >= 0.9 {
                    full.push(format!(
                        "{k} {} of {hard} ({:.0} %)",
                        q.used(k).unwrap_or(""),
                        100.0 * u / h
                    ));
                }
            }
            if !full.is_empty() {
                out.add(
                    crate::audit::Subject::of(Kind::ResourceQuota, &q.meta),
                    "/status/used",
                    format!(
                        "used {}: the next scale-up or rollout surge is rejected",
                        full.join(", ")
                    ),
                );
            }
        }
    }
}
