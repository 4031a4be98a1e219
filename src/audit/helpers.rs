//! Small pieces the checks share: container paths, LimitRange defaults, name lists.

use crate::model::{quantity, Container, Resource, ResourcePair, Snapshot, Workload};

/// JSON pointer of a container: `/spec/template/spec/containers/1`.
pub fn container_path(w: &Workload, list: &str, i: usize) -> String {
    format!("{}/{list}/{i}", w.kind.pod_spec_pointer())
}

/// `a`, `a and b`, `a, b and c`: container names for messages.
pub fn names(list: &[&str]) -> String {
    match list {
        [] => String::new(),
        [one] => format!("{one:?}"),
        _ => {
            let quoted: Vec<String> = list.iter().map(|n| format!("{n:?}")).collect();
            let (last, rest) = quoted
                .split_last()
                .map(|(l, r)| (l.clone(), r))
                .unwrap_or_default();
            format!("{} and {last}", rest.join(", "))
        }
    }
}

/// Defaults that the namespace's LimitRanges (type Container) give to containers: the
/// `defaultRequest` (falling back to `default`, as the LimitRanger admission plugin does) and
/// the `default` limit.
#[derive(Clone, Debug, Default)]
pub struct NamespaceDefaults {
    pub request: ResourcePair,
    pub limit: ResourcePair,
}

pub fn namespace_defaults(snap: &Snapshot, ns: &str) -> NamespaceDefaults {
    let mut d = NamespaceDefaults::default();
    for lr in snap
        .limit_ranges
        .iter()
        .filter(|l| l.meta.namespace() == ns)
    {
        for item in lr.items.iter().filter(|i| &*i.item_type == "Container") {
            for r in Resource::BOTH {
                let slot_req = match r {
                    Resource::Cpu => &mut d.request.cpu,
                    Resource::Memory => &mut d.request.memory,
                };
                if slot_req.is_none() {
                    *slot_req = item
                        .default_request
                        .get(r)
                        .or_else(|| item.default_limit.get(r))
                        .map(Into::into);
                }
                let slot_lim = match r {
                    Resource::Cpu => &mut d.limit.cpu,
                    Resource::Memory => &mut d.limit.memory,
                };
                if slot_lim.is_none() {
                    *slot_lim = item.default_limit.get(r).map(Into::into);
                }
            }
        }
    }
    d
}

/// The request a container runs with: its own, else its limit (API defaulting), else the
/// namespace's LimitRange default.
pub fn effective_request<'a>(
    c: &'a Container,
    r: Resource,
    d: &'a NamespaceDefaults,
) -> Option<&'a str> {
    c.effective_request(r).or_else(|| d.request.get(r))
}

/// The limit a container runs with: its own, else the namespace's LimitRange default.
pub fn effective_limit<'a>(
    c: &'a Container,
    r: Resource,
    d: &'a NamespaceDefaults,
) -> Option<&'a str> {
    c.limits.get(r).or_else(|| d.limit.get(r))
}

/// The regular containers for which `bad` holds: their names, and the index of the first one
/// (for the finding's path). `None` when there is none.
pub fn containers_where(
    w: &Workload,
    bad: impl Fn(&Container) -> bool,
) -> Option<(usize, Vec<&str>)> {
    let bad: Vec<(usize, &str)> = w
        .spec
        .containers
        .iter()
        .enumerate()
        .filter(|(_, c)| bad(c))
        .map(|(i, c)| (i, &*c.name))
        .collect();
    let first = bad.first()?.0;
    Some((first, bad.into_iter().map(|(_, n)| n).collect()))
}

/// The containers of a served workload that need a readiness probe (readiness-missing and its
/// fix): those whose port a Service targets (a `targetPort` number or name, or the Service
/// port itself when `targetPort` is unset) and that have none. When a Service targets a port no
/// container declares (ports are informational, so any container may listen on it), every
/// container without a probe counts, but only if no container of the pod has one.
pub fn readiness_needed(snap: &Snapshot, w: usize) -> Vec<usize> {
    use crate::model::PortRef;
    let wl = &snap.workloads[w];
    let containers = &wl.spec.containers;
    let mut targeted = vec![false; containers.len()];
    let mut undeclared = false;
    for &s in &snap.index.services_of[w] {
        for sp in &snap.services[s].ports {
            let target = sp.target_port.clone().unwrap_or(PortRef::Number(sp.port));
            let mut found = false;
            for (i, c) in containers.iter().enumerate() {
                let declares = c.ports.iter().any(|cp| match &target {
                    PortRef::Number(n) => cp.port == *n,
                    PortRef::Name(n) => cp.name.as_deref() == Some(&**n),
                });
                if declares {
                    targeted[i] = true;
                    found = true;
                }
            }
            undeclared |= !found;
        }
    }
    let any_probe = containers.iter().any(|c| c.readiness.is_some());
    containers
        .iter()
        .enumerate()
        .filter(|(i, c)| c.readiness.is_none() && (targeted[*i] || (undeclared && !any_probe)))
        .map(|(i, _)| i)
        .collect()
}

/// "has" or "have", for a list of names.
pub fn has(names: &[&str]) -> &'static str {
    if names.len() == 1 {
        "has"
    } else {
        "have"
    }
}

/// Parses a quantity for comparisons; unparsable text counts as absent.
pub fn amount(q: Option<&str>) -> Option<f64> {
    q.and_then(quantity::parse)
}

/// Cold start of a workload in seconds, and where the figure comes from.
pub fn cold_start_seconds(w: &Workload) -> Option<(f64, &'static str)> {
    w.annotation(COLD_START_ANNOTATION)
        .and_then(|v| v.trim().trim_end_matches('s').parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v >= 0.0)
        .map(|v| (v, "annotation kvet.io/cold-start-seconds"))
}

pub const COLD_START_ANNOTATION: &str = "kvet.io/cold-start-seconds";

/// One finding per ServiceAccount for which `reason` holds on one of its grants (the first, in
/// binding order), on the ServiceAccount object (its copy's origin when it exists).
pub fn sa_findings(
    snap: &Snapshot,
    out: &mut crate::audit::Findings,
    reason: impl Fn(&crate::rbac::grants::SaGrant) -> Option<String>,
) {
    let g = crate::rbac::Graph::new(snap);
    let mut done: std::collections::HashSet<(&str, &str)> = Default::default();
    let origins: std::collections::HashMap<(&str, &str), crate::model::Origin> = snap
        .service_accounts
        .iter()
        .filter_map(|s| Some(((s.meta.namespace(), &*s.meta.name), s.meta.origin?)))
        .collect();
    for grant in crate::rbac::grants::sa_grants(snap, &g) {
        let key = (grant.namespace, grant.name);
        if done.contains(&key) {
            continue;
        }
        let Some(why) = reason(&grant) else { continue };
        let object = crate::model::ObjectRef::new(
            crate::model::Kind::ServiceAccount,
            Some(grant.namespace),
            grant.name,
        );
        let origin = origins.get(&(grant.namespace, grant.name)).copied();
        out.add(
            crate::audit::Subject { object, origin },
            "",
            format!("ServiceAccount {}/{}: {why}", grant.namespace, grant.name),
        );
        done.insert(key);
    }
}

/// The subject of a namespace-level finding: the Namespace object when the snapshot has it;
/// else the namespace by name, placed (offline) at its first workload's document, where a
/// policy for it would be written.
pub fn namespace_subject(snap: &Snapshot, ns: &str) -> crate::audit::Subject {
    use crate::model::{Kind, ObjectRef};
    if let Some(n) = snap.namespaces.iter().find(|n| &*n.meta.name == ns) {
        return crate::audit::Subject::of(Kind::Namespace, &n.meta);
    }
    crate::audit::Subject {
        object: ObjectRef::new(Kind::Namespace, None, ns),
        origin: snap
            .top_workloads()
            .find(|(_, w)| w.meta.namespace() == ns)
            .and_then(|(_, w)| w.meta.origin),
    }
}

#[cfg(test)]
mod tests {
    use super::names;

    #[test]
    fn names_read_naturally() {
        assert_eq!(names(&["a"]), "\"a\"");
        assert_eq!(names(&["a", "b"]), "\"a\" and \"b\"");
        assert_eq!(names(&["a", "b", "c"]), "\"a\", \"b\" and \"c\"");
    }
}
