//! `hpa-cpu-target`: a CPU utilization target outside 60-70 %.

use crate::audit::{Check, CheckInfo, Family, Findings, Severity, Subject};
use crate::model::{Kind, Snapshot};

pub static INFO: CheckInfo = CheckInfo {
    id: "hpa-cpu-target",
    family: Family::Autoscaling,
    severity: Severity::Info,
    summary: "The CPU utilization target is outside 60-70 % (info), or above 85 % (warning)",
    doc: "\
What it detects
  A HorizontalPodAutoscaler whose CPU averageUtilization target (autoscaling/v2 and v2beta2
  target.averageUtilization, v2beta1 targetAverageUtilization, v1
  targetCPUUtilizationPercentage) is outside 60-70 % (info), or above 85 % (warning). An HPA
  with no metrics gets the API default of 80 %, which is reported as info.

Why it matters
  New pods take time to schedule, pull and warm up. A target of 60-70 % leaves the headroom to
  absorb the spike while they arrive; above 85 % the running pods saturate before help comes,
  and latency climbs at every scale-up. Far below 60 % pays for idle capacity.

Example
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 90}}

Fix
  averageUtilization: 65",
    fix_available: false,
};

pub struct HpaCpuTarget;

impl Check for HpaCpuTarget {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        for h in &snap.hpas {
            let Some(worst) = h.cpu_utilization().map(|(_, u)| u).max_by_key(|u| {
                if *u > 85 {
                    2
                } else if !(60..=70).contains(u) {
                    1
                } else {
                    0
                }
            }) else {
                continue;
            };
            let r = Subject::of(Kind::HorizontalPodAutoscaler, &h.meta);
            if worst > 85 {
                out.add_at(
                    Severity::Warning,
                    r,
                    "/spec/metrics",
                    format!("CPU target {worst}% leaves no headroom: pods saturate before new replicas are ready; aim for 60-70%"),
                );
            } else if !(60..=70).contains(&worst) {
                out.add_at(
                    Severity::Info,
                    r,
                    "/spec/metrics",
                    format!(
                        "CPU target {worst}% is outside 60-70%: {}",
                        if worst > 70 {
                            "little headroom while new replicas start"
                        } else {
                            "idle capacity is paid for"
                        }
                    ),
                );
            }
        }
    }
}
