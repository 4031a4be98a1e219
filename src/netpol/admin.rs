//! The admin tiers around NetworkPolicy (policy.networking.k8s.io/v1alpha1, the SIG Network
//! network-policy-api project; its API reference and NPEP-2 state these rules):
//! - AdminNetworkPolicies are checked first, by `priority` (lower first), and within one policy
//!   in the order its rules are written. The first rule that matches decides: Allow and Deny
//!   end there, whatever NetworkPolicies say; Pass skips the remaining admin rules.
//! - Then NetworkPolicies, when one isolates the pod for that direction.
//! - Then, for pods no NetworkPolicy isolates, the BaselineAdminNetworkPolicy (the one named
//!   `default`): its first matching rule decides, Allow or Deny.
//! - Otherwise the traffic is allowed.
//! - Egress is decided at the source, ingress at the destination; both must allow.
//! - A peer with none of the known fields fails closed: an Allow rule with it matches nothing,
//!   and a Deny or Pass rule with it denies everything.
//! - Two AdminNetworkPolicies with one priority are ambiguous (the API leaves the order to
//!   the implementation): kvet orders them by name and says so ([`Engine::priority_ties`]).
//! - `nodes` peers match no pod and no address here: kvet does not map node addresses.

use super::{ip_block_matches, Endpoint, Engine, PodClass, Protocol};
use crate::model::{AdminAction, AdminNetworkPolicy, AdminPeer, AdminPort, AdminRule};

/// A connection seen from one side: the other end (`peer`), the destination (where named
/// ports are looked up), the port and the protocol.
pub(super) struct Probe<'a> {
    pub peer: &'a Endpoint,
    pub to: &'a Endpoint,
    pub port: u16,
    pub protocol: Protocol,
}

/// The admin rule that matched a connection on one side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdminMatch {
    /// `AdminNetworkPolicy/NAME` or `BaselineAdminNetworkPolicy/NAME`.
    pub policy: String,
    /// None for the baseline policy.
    pub priority: Option<i64>,
    /// Index in the policy's ingress or egress list.
    pub rule: usize,
    pub rule_name: String,
    /// What the rule does to this connection (Deny for a rule that failed closed).
    pub action: AdminAction,
    /// The rule has a peer kvet does not know, and so denies everything.
    pub fail_closed: bool,
}

impl AdminMatch {
    /// "AdminNetworkPolicy/tenants (priority 10) ingress rule 2 \"deny-other-tenants\"".
    pub fn describe(&self, direction: &str) -> String {
        let prio = self
            .priority
            .map(|p| format!(" (priority {p})"))
            .unwrap_or_default();
        let name = if self.rule_name.is_empty() {
            String::new()
        } else {
            format!(" {:?}", self.rule_name)
        };
        let closed = if self.fail_closed {
            " (a peer kvet does not know: failing closed)"
        } else {
            ""
        };
        format!(
            "{}{prio} {direction} rule {}{name}{closed}",
            self.policy,
            self.rule + 1
        )
    }
}

/// The admin policies of a snapshot, in the order they are checked.
pub(super) fn ordered(
    snap: &crate::model::Snapshot,
) -> (Vec<&AdminNetworkPolicy>, Option<&AdminNetworkPolicy>) {
    let mut admin: Vec<&AdminNetworkPolicy> =
        snap.admin_netpols.iter().filter(|a| !a.baseline).collect();
    admin.sort_by(|a, b| (a.priority, &a.meta.name).cmp(&(b.priority, &b.meta.name)));
    // The API accepts only one BaselineAdminNetworkPolicy, named `default`.
    let baseline = snap
        .admin_netpols
        .iter()
        .find(|a| a.baseline && &*a.meta.name == "default");
    (admin, baseline)
}

impl Engine<'_> {
    /// Does an admin subject (or a `namespaces`/`pods` peer) pick this pod?
    pub(super) fn admin_selects(&self, peer: &AdminPeer, pod: &PodClass) -> bool {
        match peer {
            AdminPeer::Namespaces(ns) => ns.matches(&self.namespace_labels(&pod.namespace)),
            AdminPeer::Pods { namespaces, pods } => {
                namespaces.matches(&self.namespace_labels(&pod.namespace))
                    && pods.matches(&pod.labels)
            }
            AdminPeer::Nodes(_) | AdminPeer::Networks(_) | AdminPeer::Unknown => false,
        }
    }

    fn admin_peer_matches(&self, peer: &AdminPeer, ep: &Endpoint) -> bool {
        match (peer, ep) {
            (AdminPeer::Networks(cidrs), Endpoint::Address(ip)) => {
                cidrs.iter().any(|c| ip_block_matches(c, &[], *ip))
            }
            (AdminPeer::Networks(cidrs), Endpoint::Pod(pod)) => pod
                .ips
                .iter()
                .any(|ip| cidrs.iter().any(|c| ip_block_matches(c, &[], *ip))),
            (_, Endpoint::Pod(pod)) => self.admin_selects(peer, pod),
            (_, Endpoint::Address(_)) => false,
        }
    }

    /// What a rule does to the connection, if it matches it: `(action, failed closed)`.
    fn admin_rule(&self, r: &AdminRule, c: &Probe) -> Option<(AdminAction, bool)> {
        let unknown = r.peers.contains(&AdminPeer::Unknown);
        if unknown && r.action != AdminAction::Allow {
            return Some((AdminAction::Deny, true));
        }
        let peers = r.peers.iter().any(|p| self.admin_peer_matches(p, c.peer));
        (peers && admin_ports_match(&r.ports, c.to, c.port, c.protocol))
            .then_some((r.action, false))
    }

    /// The first admin rule that matches, for the side of `pod` (ingress: `pod` is the
    /// destination and `peer` the source; egress: the other way round).
    pub(super) fn admin_side(
        &self,
        policies: &[&AdminNetworkPolicy],
        pod: &PodClass,
        ingress: bool,
        c: &Probe,
    ) -> Option<AdminMatch> {
        for a in policies {
            if !self.admin_selects(&a.subject, pod) {
                continue;
            }
            let rules = if ingress { &a.ingress } else { &a.egress };
            for (i, r) in rules.iter().enumerate() {
                if let Some((action, fail_closed)) = self.admin_rule(r, c) {
                    return Some(AdminMatch {
                        policy: format!("{}/{}", a.kind(), a.meta.name),
                        priority: (!a.baseline).then_some(a.priority),
                        rule: i,
                        rule_name: r.name.to_string(),
                        action,
                        fail_closed,
                    });
                }
            }
        }
        None
    }

    /// The admin policies whose subject picks the pod, in the order they are checked (the
    /// baseline policy last).
    pub fn admin_policies_for(&self, pod: &PodClass) -> Vec<&AdminNetworkPolicy> {
        self.admin
            .iter()
            .copied()
            .chain(self.baseline)
            .filter(|a| self.admin_selects(&a.subject, pod))
            .collect()
    }

    /// AdminNetworkPolicies that share a priority: their relative order is undefined in the
    /// API. Each entry: the priority and the policies' names.
    pub fn priority_ties(&self) -> Vec<(i64, Vec<String>)> {
        let mut out: Vec<(i64, Vec<String>)> = Vec::new();
        for a in &self.admin {
            match out.last_mut() {
                Some((p, names)) if *p == a.priority => names.push(a.meta.name.to_string()),
                _ => out.push((a.priority, vec![a.meta.name.to_string()])),
            }
        }
        out.retain(|(_, names)| names.len() > 1);
        out
    }
}

/// Does an admin rule's port list admit this port on the destination? Empty admits every port.
pub(super) fn admin_ports_match(
    ports: &[AdminPort],
    to: &Endpoint,
    port: u16,
    protocol: Protocol,
) -> bool {
    let port_i = i64::from(port);
    ports.is_empty()
        || ports.iter().any(|p| match p {
            AdminPort::Number {
                protocol: pr,
                port: n,
            } => Protocol::parse(pr) == Some(protocol) && *n == port_i,
            AdminPort::Range {
                protocol: pr,
                start,
                end,
            } => Protocol::parse(pr) == Some(protocol) && *start <= port_i && port_i <= *end,
            AdminPort::Named(name) => match to {
                Endpoint::Pod(pod) => pod.ports.iter().any(|cp| {
                    cp.name.as_deref() == Some(&**name)
                        && Protocol::parse(&cp.protocol) == Some(protocol)
                        && cp.port == port_i
                }),
                Endpoint::Address(_) => false,
            },
        })
}

/// A peer in words: "namespaces ns=y", "pods app=web in every namespace".
pub fn peer_text(p: &AdminPeer) -> String {
    let sel = |s: &crate::model::LabelSelector, every: &str| {
        if s.is_empty() {
            every.to_string()
        } else {
            s.display()
        }
    };
    match p {
        AdminPeer::Namespaces(s) => format!("namespaces {}", sel(s, "(every one)")),
        AdminPeer::Pods { namespaces, pods } => format!(
            "pods {} in namespaces {}",
            sel(pods, "(all)"),
            sel(namespaces, "(every one)")
        ),
        AdminPeer::Nodes(s) => format!(
            "nodes {} (kvet does not map node addresses)",
            sel(s, "(all)")
        ),
        AdminPeer::Networks(n) => format!(
            "networks {}",
            n.iter().map(|c| &**c).collect::<Vec<_>>().join(", ")
        ),
        AdminPeer::Unknown => "a peer kvet does not know (fails closed)".to_string(),
    }
}

/// A port list in words; empty is every port.
pub fn ports_text(ports: &[AdminPort]) -> String {
    if ports.is_empty() {
        return "every port".to_string();
    }
    ports
        .iter()
        .map(|p| match p {
            AdminPort::Number { protocol, port } => format!("{port}/{protocol}"),
            AdminPort::Named(n) => format!("port named {n}"),
            AdminPort::Range {
                protocol,
                start,
                end,
            } => format!("{start}-{end}/{protocol}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}
