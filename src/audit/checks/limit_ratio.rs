//! `limit-ratio`: a limit more than 3x its request.

use crate::audit::helpers::{amount, container_path, effective_request, namespace_defaults};
use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::{quantity::ratio_text, Resource, Snapshot};

pub static INFO: CheckInfo = CheckInfo {
    id: "limit-ratio",
    family: Family::Resources,
    severity: Severity::Info,
    summary: "A limit is more than 3x its request",
    doc: "\
What it detects
  A container whose cpu or memory limit is more than three times its request (the request
  being its own, or the LimitRange default).

Why it matters
  Limits at 2-3x the requests absorb bursts without unlimited consumption. Far above that,
  the node is overcommitted: the scheduler packs pods by their small requests, and when
  several burst together the node runs out of memory and evicts, or throttles cpu for all.

Example
  requests: {memory: 128Mi}
  limits:   {memory: 2Gi}      # 16x

Fix
  Raise the request towards real usage, or lower the limit to at most 3x the request.",
    fix_available: false,
};

pub struct LimitRatio;

impl Check for LimitRatio {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        for (_, w) in snap.top_workloads() {
            let defaults = namespace_defaults(snap, w.meta.namespace());
            let mut parts = Vec::new();
            let mut first = None;
            for (list, i, c) in w.spec.all_containers() {
                for r in Resource::BOTH {
                    let (Some(req), Some(lim)) = (
                        amount(effective_request(c, r, &defaults)),
                        amount(c.limits.get(r)),
                    ) else {
                        continue;
                    };
                    if req > 0.0 && lim > 3.0 * req {
                        first.get_or_insert_with(|| {
                            format!(
                                "{}/resources/limits/{}",
                                container_path(w, list, i),
                                r.as_str()
                            )
                        });
                        parts.push(format!(
                            "{:?} {} limit is {}x its request ({} / {})",
                            &*c.name,
                            r.as_str(),
                            ratio_text(lim / req),
                            c.limits.get(r).unwrap_or(""),
                            effective_request(c, r, &defaults).unwrap_or("")
                        ));
                    }
                }
            }
            if let Some(path) = first {
                out.add(
                    w,
                    path,
                    format!("{}; keep limits at 2-3x requests", parts.join("; ")),
                );
            }
        }
    }
}
