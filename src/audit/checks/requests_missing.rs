//! `requests-missing`: a container without a cpu or memory request.

use crate::audit::helpers::{container_path, effective_request, names, namespace_defaults};
use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::{Resource, Snapshot};

pub static INFO: CheckInfo = CheckInfo {
    id: "requests-missing",
    family: Family::Resources,
    severity: Severity::Warning,
    summary: "A container (init containers included) has no cpu or no memory request",
    doc: "\
What it detects
  A container or init container of a workload that runs without a cpu request or without a
  memory request. A limit without a request counts as a request equal to the limit, because
  the API server defaults it so; a LimitRange default (defaultRequest, or default) in the
  namespace counts too, because the LimitRanger admission plugin fills it in.

Why it matters
  The scheduler places pods by their requests. A pod without requests is BestEffort (or
  Burstable with a zero share): it lands on nodes that are already full, it is the first
  evicted under memory pressure, and HPAs cannot compute CPU utilization for it.

Example
  containers:
  - name: api
    image: shop/api:1.4
    resources: {}            # no requests

Fix
  Set requests from observed usage (for example the p95 of the last week):
    resources:
      requests: {cpu: 250m, memory: 256Mi}",
    fix_available: true,
};

pub struct RequestsMissing;

impl Check for RequestsMissing {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        for (_, w) in snap.top_workloads() {
            let defaults = namespace_defaults(snap, w.meta.namespace());
            let mut bad: Vec<(&str, Vec<&str>)> = Vec::new();
            let mut first_path = None;
            for (list, i, c) in w.spec.all_containers() {
                let missing: Vec<&str> = Resource::BOTH
                    .into_iter()
                    .filter(|r| effective_request(c, *r, &defaults).is_none())
                    .map(Resource::as_str)
                    .collect();
                if !missing.is_empty() {
                    first_path
                        .get_or_insert_with(|| format!("{}/resources", container_path(w, list, i)));
                    bad.push((&c.name, missing));
                }
            }
            let Some(path) = first_path else { continue };
            let detail: Vec<String> = bad
                .iter()
                .map(|(n, m)| format!("{} has no {} request", names(&[n]), m.join(" or ")))
                .collect();
            out.add(
                w,
                path,
                format!("{}: the scheduler cannot place it by need, and it is evicted first under pressure", detail.join("; ")),
            );
        }
    }
}
