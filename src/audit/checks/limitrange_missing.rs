//! `limitrange-missing`: containers without requests in a namespace that no LimitRange defaults.

use crate::audit::helpers::{effective_request, namespace_defaults};
use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::{Resource, Snapshot};
use std::collections::BTreeMap;

pub static INFO: CheckInfo = CheckInfo {
    id: "limitrange-missing",
    family: Family::Quotas,
    severity: Severity::Info,
    summary: "A namespace has containers without requests and no LimitRange that defaults them",
    doc: "\
What it detects
  A namespace (other than kube-system, kube-public and kube-node-lease) with a container that
  has no cpu or memory request (neither its own, nor one defaulted from its limit) while no
  LimitRange of type Container gives a defaultRequest (or a default) for it.

Why it matters
  A container without requests is scheduled as if it needed nothing and evicted first under
  pressure; with a ResourceQuota on requests, the API server rejects its pods outright. A
  LimitRange default gives every such container a sane request at admission.

Example
  Namespace payments: container envoy has no cpu request, and payments has no LimitRange.

Fix
  Add a LimitRange with type: Container, defaultRequest (cpu 100m, memory 128Mi) and default
  limits; better, set requests on the containers themselves (requests-missing).",
    fix_available: false,
};

pub struct LimitrangeMissing;

impl Check for LimitrangeMissing {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        let mut missing: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for (_, w) in snap.top_workloads() {
            let ns = w.meta.namespace();
            if super::quota_missing::SYSTEM.contains(&ns) {
                continue;
            }
            let d = namespace_defaults(snap, ns);
            for (_, _, c) in w.spec.all_containers() {
                let lacks: Vec<&str> = Resource::BOTH
                    .into_iter()
                    .filter(|r| effective_request(c, *r, &d).is_none())
                    .map(|r| r.as_str())
                    .collect();
                if !lacks.is_empty() {
                    missing.entry(ns).or_default().push(format!(
                        "{}/{} ({})",
                        w.meta.name,
                        c.name,
                        lacks.join(", ")
                    ));
                }
            }
        }
        for (ns, list) in missing {
            out.add(
                crate::audit::helpers::namespace_subject(snap, ns),
                "",
                format!(
                    "{} container{} without requests and no LimitRange defaults them: {}",
                    list.len(),
                    if list.len() == 1 { "" } else { "s" },
                    crate::text::truncate_list(&list, 4)
                ),
            );
        }
    }
}
