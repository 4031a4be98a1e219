//! A PodDisruptionBudget's budget as the disruption controller computes it (drain.md, "A PDB's
//! budget"; pkg/controller/disruption in kubernetes/kubernetes).

use crate::model::{IntOrPercent, Kind, ObjectRef, Snapshot, WorkloadKind};

/// The numbers the disruption controller writes to a PDB's status.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Budget {
    /// `status.expectedPods`.
    pub expected: i64,
    /// `status.desiredHealthy`.
    pub desired_healthy: i64,
    /// `status.currentHealthy`: selected pods that are Ready and not being deleted.
    pub current_healthy: i64,
    /// `status.disruptionsAllowed`.
    pub allowed: i64,
    /// Why the budget is forced to 0, when it is (a selected pod without a usable controller).
    pub fail_safe: Option<String>,
}

impl Budget {
    /// Disruptions allowed once every expected pod is Ready.
    pub fn allowed_at_full_health(&self) -> i64 {
        if self.expected <= 0 || self.fail_safe.is_some() {
            0
        } else {
            (self.expected - self.desired_healthy).max(0)
        }
    }

    pub fn describe(&self) -> String {
        if let Some(f) = &self.fail_safe {
            return format!("budget 0: {f}");
        }
        format!(
            "{} Ready, {} needed, {} expected, {} allowed",
            self.current_healthy, self.desired_healthy, self.expected, self.allowed
        )
    }
}

/// The replicas of a pod's controller, as the disruption controller finds them: a ReplicaSet
/// owned by a Deployment counts the Deployment's replicas; a ReplicaSet without one, a
/// StatefulSet and a ReplicationController their own. The identity dedups controllers.
fn controller_scale(
    snap: &Snapshot,
    namespace: &str,
    kind: &Kind,
    name: &str,
) -> Result<(ObjectRef, i64), String> {
    let find = |k: Kind, n: &str| {
        let r = ObjectRef {
            kind: k,
            namespace: Some(namespace.into()),
            name: n.into(),
        };
        snap.index.workload_by_ref.get(&r).map(|&i| (r, i))
    };
    let replicas = |i: usize| snap.workloads[i].replicas.unwrap_or(1);
    match kind {
        Kind::ReplicaSet => {
            let (r, i) = find(Kind::ReplicaSet, name)
                .ok_or_else(|| format!("its ReplicaSet {name} is not in the snapshot"))?;
            match snap.workloads[i]
                .meta
                .owner
                .as_ref()
                .filter(|o| o.controller)
            {
                Some(o) if o.kind == Kind::Deployment => {
                    let (dr, di) = find(Kind::Deployment, &o.name).ok_or_else(|| {
                        format!(
                            "the Deployment {} of ReplicaSet {name} is not in the snapshot",
                            o.name
                        )
                    })?;
                    Ok((dr, replicas(di)))
                }
                _ => Ok((r, replicas(i))),
            }
        }
        Kind::StatefulSet | Kind::ReplicationController => {
            let (r, i) = find(kind.clone(), name)
                .ok_or_else(|| format!("its {kind} {name} is not in the snapshot"))?;
            Ok((r, replicas(i)))
        }
        other => Err(format!(
            "a pod's controller is a {other}, which has no scale the controller can read"
        )),
    }
}

/// The budget of `snap.pdbs[pdb]`, given the pods of its namespace.
pub fn budget(snap: &Snapshot, pdb: usize, ns_pods: &[usize]) -> Budget {
    let p = &snap.pdbs[pdb];
    let selected: Vec<usize> = ns_pods
        .iter()
        .copied()
        .filter(|&i| {
            let pod = &snap.pods[i];
            !pod.is_finished()
                && pod.meta.namespace() == p.meta.namespace()
                && p.matches(&pod.meta.labels)
        })
        .collect();
    let current_healthy = selected
        .iter()
        .filter(|&&i| snap.pods[i].is_ready())
        .count() as i64;
    // policy/v1beta1 defaults minAvailable to 1 when neither field is set
    // (pkg/apis/policy/v1beta1/defaults.go); policy/v1 leaves both empty.
    let defaulted_min = (p.min_available.is_none()
        && p.max_unavailable.is_none()
        && p.meta.api_version.starts_with("policy/v1beta1"))
    .then_some(IntOrPercent::Int(1));
    let min = p.min_available.clone().or(defaulted_min);
    let mut b = Budget {
        current_healthy,
        ..Budget::default()
    };
    let scale_sum = || -> Result<i64, String> {
        let mut seen: Vec<ObjectRef> = Vec::new();
        let mut sum = 0;
        for &i in &selected {
            let pod = &snap.pods[i];
            let Some(o) = pod.meta.owner.as_ref().filter(|o| o.controller) else {
                return Err(format!("pod {} has no controller", pod.meta.name));
            };
            let (r, n) = controller_scale(snap, pod.meta.namespace(), &o.kind, &o.name)?;
            if !seen.contains(&r) {
                seen.push(r);
                sum += n;
            }
        }
        Ok(sum)
    };
    let invalid = |v: &IntOrPercent| matches!(v, IntOrPercent::Invalid(_));
    match (&min, &p.max_unavailable) {
        (Some(m), _) if invalid(m) => {
            b.fail_safe = Some(format!(
                "minAvailable {:?} is not a number or a percent",
                m.text()
            ));
        }
        (_, Some(m)) if invalid(m) => {
            b.fail_safe = Some(format!(
                "maxUnavailable {:?} is not a number or a percent",
                m.text()
            ));
        }
        (Some(IntOrPercent::Int(n)), _) => {
            b.expected = selected.len() as i64;
            b.desired_healthy = *n;
        }
        (Some(pct @ IntOrPercent::Percent(_)), _) => match scale_sum() {
            Ok(e) => {
                b.expected = e;
                b.desired_healthy = pct.scaled(e, true).unwrap_or(0);
            }
            Err(e) => b.fail_safe = Some(e),
        },
        (None, Some(m)) => match scale_sum() {
            Ok(e) => {
                b.expected = e;
                let m = m.scaled(e, true).unwrap_or(0);
                b.desired_healthy = (e - m).max(0);
            }
            Err(e) => b.fail_safe = Some(e),
        },
        (None, None) => {}
        _ => {}
    }
    b.allowed = if b.expected <= 0 || b.fail_safe.is_some() {
        0
    } else {
        (b.current_healthy - b.desired_healthy).max(0)
    };
    b
}

/// Whether a workload kind runs replicated pods that a node's loss can take down together.
pub fn is_replicated_kind(kind: WorkloadKind) -> bool {
    matches!(kind, WorkloadKind::Deployment | WorkloadKind::StatefulSet)
}
