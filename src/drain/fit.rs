//! Whether a replacement fits somewhere outside a drain: schedulable and Ready nodes that the
//! pod's node selector, required node affinity and tolerations admit, with room for its
//! requests.

use super::Planner;
use crate::model::{Pod, Resource};
use std::sync::Arc;

/// A pod's requests as the scheduler counts them: the sum of its containers' (a limit stands
/// for a missing request, as the API defaults it), or its largest init container's if larger.
pub fn pod_requests(spec: &crate::model::PodSpec) -> [f64; 2] {
    let mut out = [0.0; 2];
    for (i, r) in [Resource::Cpu, Resource::Memory].into_iter().enumerate() {
        let get = |c: &crate::model::Container| {
            c.effective_request(r)
                .and_then(crate::model::quantity::parse)
                .unwrap_or(0.0)
        };
        let main: f64 = spec.containers.iter().map(get).sum();
        let init = spec.init_containers.iter().map(get).fold(0.0, f64::max);
        out[i] = main.max(init);
    }
    out
}

impl Planner<'_> {
    /// Each node's free CPU and memory (allocatable minus the requests of the pods it runs),
    /// when its allocatable is known; computed the first time a replacement is placed.
    fn free(&self) -> &[Option<[f64; 2]>] {
        self.free.get_or_init(|| {
            self.snap
                .nodes
                .iter()
                .map(|n| {
                    let cpu = n
                        .allocatable
                        .cpu
                        .as_deref()
                        .and_then(crate::model::quantity::parse)?;
                    let mem = n
                        .allocatable
                        .memory
                        .as_deref()
                        .and_then(crate::model::quantity::parse)?;
                    let mut free = [cpu, mem];
                    for p in self.snap.pods_on_node(&n.meta.name) {
                        let pod = &self.snap.pods[p];
                        if pod.is_finished() {
                            continue;
                        }
                        let r = pod_requests(&pod.spec);
                        free[0] -= r[0];
                        free[1] -= r[1];
                    }
                    Some(free)
                })
                .collect()
        })
    }

    /// Whether some node outside `drained` would take a replacement of `pod`: schedulable,
    /// not NotReady, picked by the pod's nodeSelector and required node affinity, every
    /// NoSchedule/NoExecute taint tolerated, and room for the pod's CPU and memory requests
    /// (where the node's allocatable is known). Each replacement is placed on its own: two may
    /// count on the same room.
    pub fn has_other_node(&self, pod: &Pod, drained: &[Arc<str>]) -> bool {
        let need = pod_requests(&pod.spec);
        let free = self.free();
        self.snap.nodes.iter().enumerate().any(|(i, n)| {
            free.get(i)
                .copied()
                .flatten()
                .is_none_or(|f| need[0] <= f[0] + 1e-9 && need[1] <= f[1] + 1e-9)
                && !drained.iter().any(|d| **d == *n.meta.name)
                && !n.unschedulable
                && n.ready != Some(false)
                && pod.spec.placement.admits(n)
                && n.taints.iter().all(|t| {
                    !matches!(&*t.effect, "NoSchedule" | "NoExecute")
                        || pod.spec.tolerations.iter().any(|tol| tol.tolerates(t))
                })
        })
    }
}
