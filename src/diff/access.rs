//! PURE. The access sections of a diff: RBAC grants and network reachability, each computed
//! once per side with the existing engines (the role graph, the reachability matrix) and then
//! compared as sets, never pair by pair across the two sides.

use super::{RbacDiff, ReachDiff};
use crate::model::Snapshot;
use crate::netpol::{classes, Endpoint, Engine, PodClass, Protocol, Tier, Verdict};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One effective grant: a subject may do `verb` on `resource` in `namespace` (`None`:
/// cluster-wide), through a binding and its role.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Grant {
    pub subject: String,
    pub verb: String,
    /// `resource` or `group/resource`, `[names]` when the rule names objects; a non-resource
    /// URL as itself (always beginning with "/"; the wildcard as "/*").
    pub resource: String,
    pub namespace: Option<String>,
    pub binding: String,
    pub role: String,
}

type GrantKey = (String, String, String, Option<String>);

/// Every grant of a snapshot, by (subject, verb, resource, namespace); the first binding
/// and role that grant it.
fn grants(s: &Snapshot) -> BTreeMap<GrantKey, Grant> {
    let g = crate::rbac::Graph::new(s);
    let mut out = BTreeMap::new();
    for b in &s.bindings {
        let Some((rules, role)) = g.role_of(b) else {
            continue;
        };
        let binding = match &b.meta.namespace {
            Some(ns) => format!("RoleBinding/{ns}/{}", b.meta.name),
            None => format!("ClusterRoleBinding/{}", b.meta.name),
        };
        let namespace = b.meta.namespace.as_deref().map(str::to_string);
        for subj in &b.subjects {
            let subject = match &*subj.kind {
                "ServiceAccount" => format!(
                    "system:serviceaccount:{}:{}",
                    b.subject_namespace(subj).unwrap_or(""),
                    subj.name
                ),
                "Group" => format!("group:{}", subj.name),
                _ => subj.name.to_string(),
            };
            for r in rules {
                let names = if r.resource_names.is_empty() {
                    String::new()
                } else {
                    let n: Vec<&str> = r.resource_names.iter().map(|x| &**x).collect();
                    format!("[{}]", n.join(","))
                };
                let mut resources: Vec<String> = Vec::new();
                for res in &r.resources {
                    let groups: Vec<&str> = if r.api_groups.is_empty() {
                        vec![""]
                    } else {
                        r.api_groups.iter().map(|x| &**x).collect()
                    };
                    for grp in groups {
                        resources.push(if grp.is_empty() {
                            format!("{res}{names}")
                        } else {
                            format!("{grp}/{res}{names}")
                        });
                    }
                }
                // Every non-resource URL begins with "/": the wildcard "*" is written "/*"
                // (the same paths, as the authorizer matches a trailing "*" as a prefix), so that
                // it reads as a URL and never as the core group's resource wildcard "*".
                resources.extend(r.non_resource_urls.iter().map(|u| {
                    if &**u == "*" {
                        "/*".to_string()
                    } else {
                        u.to_string()
                    }
                }));
                for verb in &r.verbs {
                    for res in &resources {
                        let key = (
                            subject.clone(),
                            verb.to_string(),
                            res.clone(),
                            namespace.clone(),
                        );
                        out.entry(key).or_insert_with(|| Grant {
                            subject: subject.clone(),
                            verb: verb.to_string(),
                            resource: res.clone(),
                            namespace: namespace.clone(),
                            binding: binding.clone(),
                            role: role.clone(),
                        });
                    }
                }
            }
        }
    }
    out
}

/// The grants each subject gained and lost.
pub fn rbac(before: &Snapshot, after: &Snapshot) -> RbacDiff {
    let a = grants(before);
    let b = grants(after);
    RbacDiff {
        gained: b
            .iter()
            .filter(|(k, _)| !a.contains_key(*k))
            .map(|(_, g)| g.clone())
            .collect(),
        lost: a
            .iter()
            .filter(|(k, _)| !b.contains_key(*k))
            .map(|(_, g)| g.clone())
            .collect(),
    }
}

/// A connection between two workloads on a port, and what decides it on the side where it
/// is allowed (opened: after; closed: before) and where it is denied.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Connection {
    /// `namespace/workload`.
    pub from: String,
    pub to: String,
    pub port: u16,
    pub protocol: String,
    /// What allowed it (the policies, or the tier) where it is allowed.
    pub allowed_by: String,
    /// What denies it where it is denied.
    pub denied_by: String,
}

/// Connections to one destination port that one reason decides, and every source that gained
/// or lost it: how a person reads a policy change ("catalogue:80 is now open to 11 workloads,
/// through catalogue-access"), where the pairs themselves can number millions.
#[derive(Debug, PartialEq, Eq)]
pub struct ConnectionGroup<'a> {
    pub to: &'a str,
    pub port: u16,
    pub protocol: &'a str,
    pub why: &'a str,
    pub from: Vec<&'a str>,
}

/// Groups connections by destination, port, protocol and reason (`allowed_by` for opened ones,
/// `denied_by` for closed ones), sorted by destination; sources keep their order.
pub fn group_by_destination(list: &[Connection], opened: bool) -> Vec<ConnectionGroup<'_>> {
    let mut groups: BTreeMap<(&str, u16, &str, &str), Vec<&str>> = BTreeMap::new();
    for c in list {
        let why = if opened { &c.allowed_by } else { &c.denied_by };
        groups
            .entry((&c.to, c.port, &c.protocol, why))
            .or_default()
            .push(&c.from);
    }
    groups
        .into_iter()
        .map(|((to, port, protocol, why), from)| ConnectionGroup {
            to,
            port,
            protocol,
            why,
            from,
        })
        .collect()
}

fn side_reason(v: &Verdict, allowed: bool) -> String {
    let mut parts = Vec::new();
    for (dir, s) in [("egress", &v.egress), ("ingress", &v.ingress)] {
        if let Some(a) = s.admin_reason(dir) {
            parts.push(a);
            continue;
        }
        match (s.tier(), allowed) {
            (Tier::None, true) => parts.push(format!("{dir}: no policy isolates it")),
            (Tier::NetworkPolicy, true) => parts.push(format!(
                "{dir}: NetworkPolicy {}",
                s.allowing_policies().join(", ")
            )),
            (Tier::NetworkPolicy, false) if !s.allows() => parts.push(format!(
                "{dir}: isolated by NetworkPolicy {} and no rule admits it",
                s.selected_by.join(", ")
            )),
            _ => {}
        }
    }
    parts.join("; ")
}

/// What the verdicts depend on besides the workloads: the NetworkPolicies, the admin tiers and
/// the namespaces' labels, as kvet reads them.
fn policy_inputs(s: &Snapshot) -> Vec<serde_json::Value> {
    use crate::model::encode::encode;
    use crate::model::Object;
    let mut v: Vec<serde_json::Value> = s
        .netpols
        .iter()
        .map(|p| encode(&Object::NetworkPolicy(p.clone())))
        .chain(
            s.admin_netpols
                .iter()
                .map(|p| encode(&Object::AdminNetworkPolicy(p.clone()))),
        )
        .chain(
            s.namespaces
                .iter()
                .map(|n| encode(&Object::Namespace(n.clone()))),
        )
        .collect();
    v.sort_by_cached_key(|x| x.to_string());
    v
}

/// The ports each workload class listens on (its containers' declared ports).
fn ports(c: &PodClass) -> BTreeSet<(u16, String)> {
    c.ports
        .iter()
        .filter_map(|p| {
            let port = u16::try_from(p.port).ok()?;
            Some((port, p.protocol.to_ascii_uppercase()))
        })
        .collect()
}

/// Connections opened and closed between workloads present on both sides, on the ports the
/// destination declares on either side. Each side's verdicts come from one reachability matrix
/// per port over the common workloads; only the pairs that differ are explained.
pub fn reach(before: &Snapshot, after: &Snapshot) -> ReachDiff {
    let ca = classes(before, None);
    let cb = classes(after, None);
    let names_b: BTreeSet<&str> = cb.iter().map(|c| c.name.as_str()).collect();
    let common: Vec<&str> = ca
        .iter()
        .map(|c| c.name.as_str())
        .filter(|n| names_b.contains(n))
        .collect();
    let pick = |cs: &[PodClass]| -> Vec<PodClass> {
        let by: BTreeMap<&str, &PodClass> = cs.iter().map(|c| (c.name.as_str(), c)).collect();
        common
            .iter()
            .filter_map(|n| by.get(n).map(|c| (*c).clone()))
            .collect()
    };
    let (pa, pb) = (pick(&ca), pick(&cb));
    // The same policies, namespace labels and workloads on both sides decide the same way:
    // nothing to compute (the common case of a diff that touched no policy).
    if pa == pb && policy_inputs(before) == policy_inputs(after) {
        return ReachDiff::default();
    }
    let (ea, eb) = (Engine::new(before), Engine::new(after));
    // Destinations by (port, protocol): the workloads that declare it on either side.
    let mut dests: BTreeMap<(u16, String), BTreeSet<usize>> = BTreeMap::new();
    for (i, (a, b)) in pa.iter().zip(&pb).enumerate() {
        for p in ports(a).into_iter().chain(ports(b)) {
            dests.entry(p).or_default().insert(i);
        }
    }
    // Each side's endpoints, made once: a differing pair is explained without copying classes.
    let (epa, epb): (Vec<Endpoint>, Vec<Endpoint>) = (
        pa.iter().cloned().map(Endpoint::Pod).collect(),
        pb.iter().cloned().map(Endpoint::Pod).collect(),
    );
    // Each class's rank by name: the differing pairs are sorted by these numbers, which is the
    // order of the connections' names, without comparing 1.8M pairs of strings.
    let mut by_name: Vec<usize> = (0..pa.len()).collect();
    by_name.sort_by(|&x, &y| pa[x].name.cmp(&pa[y].name));
    let mut rank = vec![0usize; pa.len()];
    for (r, &i) in by_name.iter().enumerate() {
        rank[i] = r;
    }
    // (from's rank, to's rank, port, protocol, from, to, opened)
    let mut pairs: Vec<(usize, usize, u16, usize, usize, usize, bool)> = Vec::new();
    let protos: Vec<(u16, String, Protocol, Vec<usize>)> = dests
        .into_iter()
        .filter_map(|((port, proto), to_set)| {
            let p = Protocol::parse(&proto)?;
            Some((port, proto, p, to_set.into_iter().collect()))
        })
        .collect();
    for (k, (port, _, protocol, to_list)) in protos.iter().enumerate() {
        let ma = crate::netpol::matrix::matrix(&ea, &pa, *port, *protocol);
        let mb = crate::netpol::matrix::matrix(&eb, &pb, *port, *protocol);
        // Source by source: one row of each matrix is read at a time, and stays in the cache
        // while every destination is looked up in it.
        for from in 0..pa.len() {
            for &to in to_list {
                if from == to {
                    continue;
                }
                let (was, is) = (ma.allowed(from, to), mb.allowed(from, to));
                if was != is {
                    pairs.push((rank[from], rank[to], *port, k, from, to, is));
                }
            }
        }
    }
    // The protocol's name orders pairs of the same port (as the connections' own order does).
    pairs.sort_unstable_by(|a, b| {
        (a.0, a.1, a.2, &protos[a.3].1).cmp(&(b.0, b.1, b.2, &protos[b.3].1))
    });
    let mut out = ReachDiff::default();
    for (_, _, port, k, from, to, is) in pairs {
        let (proto, protocol) = (&protos[k].1, protos[k].2);
        let va = ea.decide(&epa[from], &epa[to], port, protocol);
        let vb = eb.decide(&epb[from], &epb[to], port, protocol);
        let (allowed, denied) = if is { (&vb, &va) } else { (&va, &vb) };
        let c = Connection {
            from: pa[from].name.clone(),
            to: pa[to].name.clone(),
            port,
            protocol: proto.clone(),
            allowed_by: side_reason(allowed, true),
            denied_by: side_reason(denied, false),
        };
        if is {
            out.opened.push(c);
        } else {
            out.closed.push(c);
        }
    }
    out
}
