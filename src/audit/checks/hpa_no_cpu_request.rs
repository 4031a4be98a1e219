//! `hpa-no-cpu-request`: an HPA on CPU utilization whose target has a container without a cpu request.

use crate::audit::helpers::{effective_request, names, namespace_defaults};
use crate::audit::{Check, CheckInfo, Family, Findings, Severity, Subject};
use crate::model::{Kind, Resource, Snapshot};

pub static INFO: CheckInfo = CheckInfo {
    id: "hpa-no-cpu-request",
    family: Family::Autoscaling,
    severity: Severity::Critical,
    summary: "An HPA scales on CPU utilization, but a container of its target has no CPU request",
    doc: "\
What it detects
  A HorizontalPodAutoscaler with a CPU utilization target (explicit, or the 80 % default)
  whose target workload has a container (native sidecars included) without a cpu request. A
  cpu limit, or a LimitRange default in the namespace, counts as a request. For a
  ContainerResource metric only the named container matters.

Why it matters
  Utilization is usage divided by request. Without a request the HPA cannot compute it: it
  reports `failed to get cpu utilization: missing request for cpu` and never scales, so the
  workload stays at its current size through the traffic peak.

Example
  An HPA with averageUtilization: 65 on Deployment api, whose istio-proxy or app container has
  resources: {}.

Fix
  Give every container of the target a cpu request.",
    fix_available: false,
};

pub struct HpaNoCpuRequest;

impl Check for HpaNoCpuRequest {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        for (hi, h) in snap.hpas.iter().enumerate() {
            let targets: Vec<Option<&str>> = h.cpu_utilization().map(|(c, _)| c).collect();
            if targets.is_empty() {
                continue;
            }
            let Some(w) = snap.index.hpa_target[hi].map(|w| &snap.workloads[w]) else {
                continue;
            };
            let defaults = namespace_defaults(snap, w.meta.namespace());
            let pod_wide = targets.iter().any(Option::is_none);
            let missing: Vec<&str> = w
                .spec
                .containers
                .iter()
                .chain(
                    w.spec
                        .init_containers
                        .iter()
                        .filter(|c| c.restart_policy.as_deref() == Some("Always")),
                )
                .filter(|c| pod_wide || targets.contains(&Some(&*c.name)))
                .filter(|c| effective_request(c, Resource::Cpu, &defaults).is_none())
                .map(|c| &*c.name)
                .collect();
            if missing.is_empty() {
                continue;
            }
            out.add(
                Subject::of(Kind::HorizontalPodAutoscaler, &h.meta),
                "/spec/metrics",
                format!(
                    "scales {} on CPU utilization, but {} {} no cpu request: the HPA cannot compute utilization and never scales",
                    w.object_ref(),
                    names(&missing),
                    if missing.len() == 1 { "has" } else { "have" }
                ),
            );
        }
    }
}
