//! `helm-history`: a Helm release keeps more than 10 revisions, counted from the labels of its
//! release records (Secrets or ConfigMaps labelled `owner=helm`), never from their data.

use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::{Kind, Snapshot};
use std::collections::BTreeMap;

pub static INFO: CheckInfo = CheckInfo {
    id: "helm-history",
    family: Family::Helm,
    severity: Severity::Info,
    summary: "A Helm release keeps more than 10 revisions",
    doc: "\
What it detects
  A Helm 3 release with more than 10 revision records: Secrets (or, with the ConfigMap storage
  driver, ConfigMaps) labelled owner=helm, grouped by their name label and counted by their
  version label. kvet reads only these labels, never the records' data.

Why it matters
  Every revision is a Secret of up to 1 MiB in etcd, holding the whole rendered chart and its
  values. Hundreds of them slow every list of Secrets (and every controller that watches
  them), and keep old values, credentials included, long after they were replaced.

Example
  Release storefront with 38 release Secrets, from v1 to v38.

Fix
  Upgrade with `helm upgrade --history-max 10` (the default of recent Helm versions), which
  prunes the oldest records on the next upgrade.",
    fix_available: false,
};

/// Revisions kept before the finding.
pub const LIMIT: usize = 10;

/// A Helm release, from the labels of its records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Release {
    pub namespace: String,
    pub name: String,
    /// Number of records.
    pub revisions: usize,
    /// The newest record: its version and its `status` label.
    pub latest: u64,
    pub status: String,
    /// Position of the newest record in `snap.data`.
    pub record: usize,
}

/// Every Helm release of the snapshot (or of one namespace), by namespace and name.
pub fn releases(snap: &Snapshot, namespace: Option<&str>) -> Vec<Release> {
    let mut by: BTreeMap<(&str, &str), Release> = BTreeMap::new();
    for (i, d) in snap.data.iter().enumerate() {
        let l = &d.meta.labels;
        if l.get("owner") != Some("helm") || namespace.is_some_and(|n| n != d.meta.namespace()) {
            continue;
        }
        let Some(name) = l.get("name") else { continue };
        let version: u64 = l.get("version").and_then(|v| v.parse().ok()).unwrap_or(0);
        let r = by
            .entry((d.meta.namespace(), name))
            .or_insert_with(|| Release {
                namespace: d.meta.namespace().to_string(),
                name: name.to_string(),
                revisions: 0,
                latest: 0,
                status: String::new(),
                record: i,
            });
        r.revisions += 1;
        if version >= r.latest {
            r.latest = version;
            r.status = l.get("status").unwrap_or("unknown").to_string();
            r.record = i;
        }
    }
    by.into_values().collect()
}

pub struct HelmHistory;

impl Check for HelmHistory {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        for r in releases(snap, None) {
            if r.revisions <= LIMIT {
                continue;
            }
            let d = &snap.data[r.record];
            let kind = if d.kind == Kind::ConfigMap {
                Kind::ConfigMap
            } else {
                Kind::Secret
            };
            out.add(
                crate::audit::Subject::of(kind, &d.meta),
                "/metadata/labels",
                format!(
                    "Helm release {} keeps {} revisions (newest v{}, {}): each is a record of up to 1 MiB in etcd with the chart's values; `helm upgrade --history-max {LIMIT}` prunes them",
                    r.name, r.revisions, r.latest, r.status
                ),
            );
        }
    }
}
