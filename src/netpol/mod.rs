//! NetworkPolicy reachability with the semantics of networking.k8s.io/v1. Pure: it reads a
//! snapshot and answers "may A open a connection to B on this port?", naming on each side the
//! policies that decide.
//!
//! The rules followed (Kubernetes documentation, "Network Policies", and the API reference of
//! NetworkPolicySpec):
//! - A pod is isolated for ingress (egress) only when a policy in its namespace selects it and
//!   has that policy type. `policyTypes` defaults to Ingress, plus Egress when egress rules are
//!   present; the model keeps the effective types.
//! - What is allowed is the union of the rules of every policy that selects the pod. A
//!   connection needs both the source's egress side and the destination's ingress side.
//! - A rule with no peers admits every peer; a rule with no ports admits every port. A policy
//!   with no rules of a type admits nothing of that type.
//! - A peer with podSelector alone means pods of the policy's namespace; namespaceSelector alone
//!   means every pod of the selected namespaces; both in one peer means both must hold.
//! - Namespaces carry `kubernetes.io/metadata.name: <name>`, set by the API server (≥ 1.21)
//!   whether or not the manifest writes it.
//! - ipBlock matches addresses inside its CIDR and outside every `except`; host bits are masked.
//!   It also matches pods by their addresses, as upstream's e2e tests expect (Calico does, Cilium
//!   does not); with no address known (offline), only `0.0.0.0/0` or `::/0` with no `except`.
//! - A named port is resolved against the destination pod's container ports; `endPort` makes a
//!   range; the protocol defaults to TCP.
//!
//! AdminNetworkPolicies are checked before these rules and the BaselineAdminNetworkPolicy after
//! them (`admin.rs`); `matrix.rs` answers every pair at once with the same semantics.

pub mod admin;
pub mod cidr;
pub mod matrix;

use crate::model::{
    AdminAction, AdminNetworkPolicy, ContainerPort, Labels, NetworkPolicy, Peer, PolicyPort,
    PortRef, Snapshot,
};
pub use admin::AdminMatch;
use cidr::Cidr;
use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

/// The label the API server sets on every namespace.
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    Tcp,
    Udp,
    Sctp,
}

impl Protocol {
    pub fn parse(s: &str) -> Option<Protocol> {
        match s.to_ascii_uppercase().as_str() {
            "" | "TCP" => Some(Protocol::Tcp),
            "UDP" => Some(Protocol::Udp),
            "SCTP" => Some(Protocol::Sctp),
            _ => None,
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        })
    }
}

/// Pods that policies cannot tell apart: one namespace, one set of labels, the same ports.
/// Offline, a workload's pod template stands for its pods.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodClass {
    /// `ns/name` of the workload or the pod, for people.
    pub name: String,
    pub namespace: Arc<str>,
    pub labels: Labels,
    pub ports: Vec<ContainerPort>,
    /// The pods' addresses (status.podIP/podIPs), when the snapshot has them. An ipBlock peer
    /// matches the class when one of them is inside it: some of its pods are.
    pub ips: Vec<IpAddr>,
}

/// One end of a connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    Pod(PodClass),
    Address(IpAddr),
}

impl Endpoint {
    pub fn label(&self) -> String {
        match self {
            Endpoint::Pod(p) => p.name.clone(),
            Endpoint::Address(a) => a.to_string(),
        }
    }
}

/// A policy rule that admits the connection: `ns/policy` and the rule's index in its list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleRef {
    pub policy: String,
    pub rule: usize,
}

/// The tier that decides one side of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    AdminNetworkPolicy,
    NetworkPolicy,
    BaselineAdminNetworkPolicy,
    /// Nothing selects the pod for this direction: allowed.
    None,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::AdminNetworkPolicy => "AdminNetworkPolicy",
            Tier::NetworkPolicy => "NetworkPolicy",
            Tier::BaselineAdminNetworkPolicy => "BaselineAdminNetworkPolicy",
            Tier::None => "none",
        }
    }
}

/// One side of the verdict: egress for the source, ingress for the destination.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Side {
    /// Some NetworkPolicy selects the pod for this direction.
    pub isolated: bool,
    /// `ns/name` of every NetworkPolicy that selects the pod for this direction.
    pub selected_by: Vec<String>,
    /// The NetworkPolicy rules that admit the connection (empty when isolated and denied).
    pub allowed_by: Vec<RuleRef>,
    /// The first AdminNetworkPolicy rule that matches (Allow and Deny decide; Pass hands over
    /// to the NetworkPolicies).
    pub admin: Option<AdminMatch>,
    /// The BaselineAdminNetworkPolicy rule that matches, consulted when no admin rule
    /// decides and no NetworkPolicy isolates the pod.
    pub baseline: Option<AdminMatch>,
}

impl Side {
    pub fn allows(&self) -> bool {
        match self.tier() {
            Tier::AdminNetworkPolicy => self
                .admin
                .as_ref()
                .is_some_and(|a| a.action == AdminAction::Allow),
            Tier::NetworkPolicy => !self.allowed_by.is_empty(),
            Tier::BaselineAdminNetworkPolicy => self
                .baseline
                .as_ref()
                .is_some_and(|b| b.action == AdminAction::Allow),
            Tier::None => true,
        }
    }

    /// When an admin tier decides this side: "AdminNetworkPolicy/tenants (priority 10) ingress
    /// rule 1 \"deny-others\" denies it". A Pass rule that handed over to the NetworkPolicies
    /// is said too.
    pub fn admin_reason(&self, direction: &str) -> Option<String> {
        let verb = |a: &AdminMatch| match a.action {
            AdminAction::Allow => "allows it",
            AdminAction::Deny => "denies it",
            AdminAction::Pass => "passes it on",
        };
        match self.tier() {
            Tier::AdminNetworkPolicy => self
                .admin
                .as_ref()
                .map(|a| format!("{} {}", a.describe(direction), verb(a))),
            Tier::BaselineAdminNetworkPolicy => self.baseline.as_ref().map(|b| {
                let pass = self
                    .admin
                    .as_ref()
                    .map(|a| format!("{} passes it on; ", a.describe(direction)))
                    .unwrap_or_default();
                format!(
                    "{pass}no NetworkPolicy isolates it, and {} {}",
                    b.describe(direction),
                    verb(b)
                )
            }),
            _ => None,
        }
    }

    /// A Pass rule that handed this side over to the NetworkPolicies (or to the default).
    pub fn passed_by(&self) -> Option<&AdminMatch> {
        self.admin
            .as_ref()
            .filter(|a| a.action == AdminAction::Pass)
    }

    /// The tier whose rule decides this side.
    pub fn tier(&self) -> Tier {
        if self
            .admin
            .as_ref()
            .is_some_and(|a| a.action != AdminAction::Pass)
        {
            Tier::AdminNetworkPolicy
        } else if self.isolated {
            Tier::NetworkPolicy
        } else if self.baseline.is_some() {
            Tier::BaselineAdminNetworkPolicy
        } else {
            Tier::None
        }
    }

    /// The policies whose rules admit the connection, each once.
    pub fn allowing_policies(&self) -> Vec<String> {
        let mut v: Vec<String> = self.allowed_by.iter().map(|r| r.policy.clone()).collect();
        v.dedup();
        v
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub allowed: bool,
    pub egress: Side,
    pub ingress: Side,
}

/// The engine over one snapshot: namespace labels resolved once.
pub struct Engine<'s> {
    snap: &'s Snapshot,
    namespace_labels: HashMap<&'s str, Labels>,
    /// Policies by namespace.
    policies: HashMap<&'s str, Vec<&'s NetworkPolicy>>,
    /// AdminNetworkPolicies in the order they are checked, and the baseline policy.
    admin: Vec<&'s AdminNetworkPolicy>,
    baseline: Option<&'s AdminNetworkPolicy>,
}

impl<'s> Engine<'s> {
    pub fn new(snap: &'s Snapshot) -> Self {
        let mut namespace_labels = HashMap::new();
        for ns in &snap.namespaces {
            let mut pairs: Vec<(String, String)> = ns
                .meta
                .labels
                .iter()
                .filter(|(k, _)| *k != NAMESPACE_NAME_LABEL)
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            pairs.push((NAMESPACE_NAME_LABEL.into(), ns.meta.name.to_string()));
            namespace_labels.insert(&*ns.meta.name, Labels::from_pairs(pairs));
        }
        let mut policies: HashMap<&str, Vec<&NetworkPolicy>> = HashMap::new();
        for p in &snap.netpols {
            policies.entry(p.meta.namespace()).or_default().push(p);
        }
        let (admin, baseline) = admin::ordered(snap);
        Engine {
            snap,
            namespace_labels,
            policies,
            admin,
            baseline,
        }
    }

    pub fn snapshot(&self) -> &'s Snapshot {
        self.snap
    }

    /// A namespace's labels, with the name label even when the Namespace object is absent.
    pub fn namespace_labels(&self, ns: &str) -> Labels {
        self.namespace_labels.get(ns).cloned().unwrap_or_else(|| {
            Labels::from_pairs(vec![(NAMESPACE_NAME_LABEL.into(), ns.to_string())])
        })
    }

    /// The policies of a pod's namespace that select it.
    pub fn selecting<'a>(
        &'a self,
        pod: &'a PodClass,
    ) -> impl Iterator<Item = &'s NetworkPolicy> + 'a {
        self.policies
            .get(&*pod.namespace)
            .into_iter()
            .flatten()
            .copied()
            .filter(move |p| p.pod_selector.matches(&pod.labels))
    }

    /// May `from` open a connection to `to` on `port`/`protocol`?
    pub fn decide(&self, from: &Endpoint, to: &Endpoint, port: u16, protocol: Protocol) -> Verdict {
        let egress = match from {
            Endpoint::Pod(src) => {
                let side = self.side(src, false, |rule_peers, rule_ports, ns| {
                    self.peers_match(rule_peers, ns, to)
                        && ports_match(rule_ports, to, port, protocol)
                });
                let c = admin::Probe {
                    peer: to,
                    to,
                    port,
                    protocol,
                };
                self.with_admin(side, src, false, &c)
            }
            Endpoint::Address(_) => Side::default(),
        };
        let ingress = match to {
            Endpoint::Pod(dst) => {
                let side = self.side(dst, true, |rule_peers, rule_ports, ns| {
                    self.peers_match(rule_peers, ns, from)
                        && ports_match(rule_ports, to, port, protocol)
                });
                let c = admin::Probe {
                    peer: from,
                    to,
                    port,
                    protocol,
                };
                self.with_admin(side, dst, true, &c)
            }
            Endpoint::Address(_) => Side::default(),
        };
        Verdict {
            allowed: egress.allows() && ingress.allows(),
            egress,
            ingress,
        }
    }

    /// Adds the admin tiers to a NetworkPolicy side: the first matching AdminNetworkPolicy
    /// rule, and the baseline rule when neither that rule nor a NetworkPolicy decides.
    fn with_admin(&self, mut side: Side, pod: &PodClass, ingress: bool, c: &admin::Probe) -> Side {
        if self.admin.is_empty() && self.baseline.is_none() {
            return side;
        }
        side.admin = self.admin_side(&self.admin, pod, ingress, c);
        if side.tier() != Tier::AdminNetworkPolicy && !side.isolated {
            if let Some(b) = self.baseline {
                side.baseline = self.admin_side(&[b], pod, ingress, c);
            }
        }
        side
    }

    fn side(
        &self,
        pod: &PodClass,
        ingress: bool,
        admits: impl Fn(&[Peer], &[PolicyPort], &str) -> bool,
    ) -> Side {
        let mut side = Side::default();
        for p in self.selecting(pod) {
            let (isolates, rules) = if ingress {
                (p.ingress_isolation, &p.ingress)
            } else {
                (p.egress_isolation, &p.egress)
            };
            if !isolates {
                continue;
            }
            side.isolated = true;
            let name = format!("{}/{}", p.meta.namespace(), p.meta.name);
            for (i, r) in rules.iter().enumerate() {
                if admits(&r.peers, &r.ports, p.meta.namespace()) {
                    side.allowed_by.push(RuleRef {
                        policy: name.clone(),
                        rule: i,
                    });
                }
            }
            side.selected_by.push(name);
        }
        side
    }

    /// Does a rule's peer list admit this endpoint? Empty admits everything.
    fn peers_match(&self, peers: &[Peer], policy_ns: &str, ep: &Endpoint) -> bool {
        peers.is_empty() || peers.iter().any(|p| self.peer_matches(p, policy_ns, ep))
    }

    fn peer_matches(&self, peer: &Peer, policy_ns: &str, ep: &Endpoint) -> bool {
        if let Some(block) = &peer.ip_block {
            return match ep {
                Endpoint::Address(ip) => ip_block_matches(&block.cidr, &block.except, *ip),
                // A pod by its addresses. Whether an ipBlock selects pods at all is left to the
                // implementation (Calico: yes, Cilium: no); kvet follows upstream's e2e tests,
                // where it does. Offline, with no addresses known, only a block of every address
                // with no exception is sure to hold the pod's.
                Endpoint::Pod(pod) => ip_block_selects_pod(&block.cidr, &block.except, &pod.ips),
            };
        }
        let Endpoint::Pod(pod) = ep else {
            return false;
        };
        let namespace_ok = match &peer.namespace_selector {
            Some(sel) => sel.matches(&self.namespace_labels(&pod.namespace)),
            None => &*pod.namespace == policy_ns,
        };
        let pod_ok = match &peer.pod_selector {
            Some(sel) => sel.matches(&pod.labels),
            None => true,
        };
        namespace_ok && pod_ok
    }
}

/// Whether an ipBlock holds a pod with these addresses; with none known, only a block of every
/// address with no exception surely does.
pub fn ip_block_selects_pod(cidr: &str, except: &[Box<str>], ips: &[IpAddr]) -> bool {
    if ips.is_empty() {
        return except.is_empty() && covers_everything(cidr);
    }
    ips.iter().any(|ip| ip_block_matches(cidr, except, *ip))
}

/// `0.0.0.0/0` or `::/0`: every address of its family.
pub fn covers_everything(cidr: &str) -> bool {
    cidr.trim().ends_with("/0")
}

/// An ipBlock: inside `cidr`, outside every `except`. An unparsable CIDR matches nothing.
pub fn ip_block_matches(cidr: &str, except: &[Box<str>], ip: IpAddr) -> bool {
    let Ok(block) = cidr.parse::<Cidr>() else {
        return false;
    };
    block.contains(ip)
        && !except
            .iter()
            .filter_map(|e| e.parse::<Cidr>().ok())
            .any(|e| e.contains(ip))
}

/// Does a rule's port list admit this port on the destination? Empty admits every port.
pub fn ports_match(ports: &[PolicyPort], to: &Endpoint, port: u16, protocol: Protocol) -> bool {
    ports.is_empty() || ports.iter().any(|p| port_matches(p, to, port, protocol))
}

fn port_matches(p: &PolicyPort, to: &Endpoint, port: u16, protocol: Protocol) -> bool {
    if Protocol::parse(&p.protocol) != Some(protocol) {
        return false;
    }
    let port = i64::from(port);
    match &p.port {
        None => true,
        Some(PortRef::Number(n)) => match p.end_port {
            Some(end) => *n <= port && port <= end,
            None => *n == port,
        },
        Some(PortRef::Name(name)) => match to {
            Endpoint::Pod(pod) => pod.ports.iter().any(|cp| {
                cp.name.as_deref() == Some(&**name)
                    && Protocol::parse(&cp.protocol) == Some(protocol)
                    && cp.port == port
            }),
            Endpoint::Address(_) => false,
        },
    }
}

/// The pod class of a workload: its pod template's labels and its containers' ports.
pub fn workload_class(w: &crate::model::Workload) -> PodClass {
    PodClass {
        name: format!("{}/{}", w.meta.namespace(), w.meta.name),
        namespace: w.meta.namespace.clone().unwrap_or_else(|| Arc::from("")),
        labels: w.template_labels.clone(),
        ports: w
            .spec
            .containers
            .iter()
            .flat_map(|c| c.ports.iter().cloned())
            .collect(),
        ips: Vec::new(),
    }
}

/// A top-level workload's class with the addresses of its pods.
pub fn class_of(snap: &Snapshot, w: usize) -> PodClass {
    let mut c = workload_class(&snap.workloads[w]);
    let mut ips: Vec<IpAddr> = snap
        .index
        .pods_of
        .get(w)
        .into_iter()
        .flatten()
        .flat_map(|&p| snap.pods[p].ips.iter().copied())
        .collect();
    if snap.workloads[w].kind == crate::model::WorkloadKind::Pod {
        // A bare pod is its own workload.
        ips.extend(
            snap.pods
                .iter()
                .filter(|p| {
                    p.meta.name == snap.workloads[w].meta.name
                        && p.meta.namespace == snap.workloads[w].meta.namespace
                })
                .flat_map(|p| p.ips.iter().copied()),
        );
    }
    ips.sort();
    ips.dedup();
    c.ips = ips;
    c
}

/// Every pod class of the snapshot (one per top-level workload; a bare pod is its own), in
/// one namespace or all.
pub fn classes(snap: &Snapshot, namespace: Option<&str>) -> Vec<PodClass> {
    let mut v: Vec<PodClass> = snap
        .top_workloads()
        .filter(|(_, w)| namespace.is_none_or(|n| w.meta.namespace() == n))
        .map(|(i, _)| class_of(snap, i))
        .collect();
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v.dedup_by(|a, b| a.name == b.name);
    v
}

/// Resolves one end of a question: `NS/POD`, `deploy/NS/NAME` (and the other workload kinds),
/// `svc/NS/NAME` (its backends, each on the Service port's target port) or an address.
/// Returns each endpoint with the port the connection reaches it on.
pub fn resolve(snap: &Snapshot, text: &str, port: u16) -> Result<Vec<(Endpoint, u16)>, String> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Ok(vec![(Endpoint::Address(ip), port)]);
    }
    let parts: Vec<&str> = text.split('/').collect();
    let (kind, ns, name) = match parts.as_slice() {
        [ns, name] => ("pod", *ns, *name),
        [kind, ns, name] => (*kind, *ns, *name),
        _ => {
            return Err(format!(
            "{text:?}: expected NS/POD, deploy/NS/NAME, sts/NS/NAME, svc/NS/NAME or an IP address"
        ))
        }
    };
    let kind = kind.to_ascii_lowercase();
    if matches!(kind.as_str(), "svc" | "service" | "services") {
        let svc = snap
            .services
            .iter()
            .find(|s| s.meta.namespace() == ns && &*s.meta.name == name)
            .ok_or_else(|| format!("no Service {ns}/{name} in this snapshot"))?;
        let sel = svc.selector.as_ref().ok_or_else(|| {
            format!("Service {ns}/{name} has no selector: its backends are not known")
        })?;
        let sp = svc
            .ports
            .iter()
            .find(|p| p.port == i64::from(port))
            .ok_or_else(|| {
                let list: Vec<String> = svc.ports.iter().map(|p| p.port.to_string()).collect();
                format!(
                    "Service {ns}/{name} has no port {port} (its ports: {})",
                    list.join(", ")
                )
            })?;
        let mut out = Vec::new();
        for (i, w) in snap.top_workloads() {
            if w.meta.namespace() != ns || !sel.matches(&w.template_labels) {
                continue;
            }
            let class = class_of(snap, i);
            let target = match &sp.target_port {
                None => Some(port),
                Some(PortRef::Number(n)) => u16::try_from(*n).ok(),
                Some(PortRef::Name(n)) => class
                    .ports
                    .iter()
                    .find(|c| c.name.as_deref() == Some(&**n))
                    .and_then(|c| u16::try_from(c.port).ok()),
            };
            if let Some(t) = target {
                out.push((Endpoint::Pod(class), t));
            }
        }
        if out.is_empty() {
            return Err(format!(
                "Service {ns}/{name} selects no workload on port {port}"
            ));
        }
        return Ok(out);
    }
    if matches!(kind.as_str(), "po" | "pod" | "pods") {
        if let Some(p) = snap
            .pods
            .iter()
            .find(|p| p.meta.namespace() == ns && &*p.meta.name == name)
        {
            let class = PodClass {
                name: format!("{ns}/{name}"),
                namespace: Arc::from(ns),
                labels: p.meta.labels.clone(),
                ports: p
                    .spec
                    .containers
                    .iter()
                    .flat_map(|c| c.ports.iter().cloned())
                    .collect(),
                ips: p.ips.to_vec(),
            };
            return Ok(vec![(Endpoint::Pod(class), port)]);
        }
        return Err(format!(
            "no pod {ns}/{name} in this snapshot (for a workload, write deploy/{ns}/{name})"
        ));
    }
    let want = crate::model::parse_object(text)?;
    let (w, _) = snap
        .top_workloads()
        .find(|(_, w)| w.object_ref() == want)
        .ok_or_else(|| format!("no {} {ns}/{name} in this snapshot", want.kind))?;
    Ok(vec![(Endpoint::Pod(class_of(snap, w)), port)])
}

/// Namespaces kvet treats as the cluster's own, never as tenants.
pub const SYSTEM_NAMESPACES: &[&str] = &["kube-system", "kube-public", "kube-node-lease"];

/// The namespaces that run something: those of the top-level workloads, sorted.
pub fn workload_namespaces(snap: &Snapshot) -> Vec<&str> {
    let mut v: Vec<&str> = snap
        .top_workloads()
        .map(|(_, w)| w.meta.namespace())
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The cluster DNS pods as checks.md names them: kube-system, `k8s-app: kube-dns`. The real
/// workload's class when the snapshot has it, else one with just that label and port 53.
pub fn dns_class(snap: &Snapshot) -> PodClass {
    snap.top_workloads()
        .map(|(_, w)| w)
        .find(|w| {
            w.meta.namespace() == "kube-system"
                && w.template_labels.get("k8s-app") == Some("kube-dns")
        })
        .map(workload_class)
        .unwrap_or_else(|| PodClass {
            name: "kube-system/kube-dns".into(),
            namespace: Arc::from("kube-system"),
            labels: Labels::from_pairs(vec![("k8s-app".into(), "kube-dns".into())]),
            ports: Vec::new(),
            ips: Vec::new(),
        })
}

/// A rule that admits every pod of every namespace on every port (`- {}`, or a peer
/// `namespaceSelector: {}` with no pod restriction, and no ports).
pub fn rule_admits_everything(rule: &crate::model::PolicyRule) -> bool {
    rule.ports.is_empty()
        && (rule.peers.is_empty()
            || rule.peers.iter().any(|p| {
                p.ip_block.is_none()
                    && p.namespace_selector.as_ref().is_some_and(|s| s.is_empty())
                    && p.pod_selector.as_ref().is_none_or(|s| s.is_empty())
            }))
}

/// Does `ns` have a default-deny policy for this direction: an empty podSelector (every pod,
/// now and later) with that policy type, and no rule that admits everything?
pub fn has_default_deny(snap: &Snapshot, ns: &str, ingress: bool) -> bool {
    snap.netpols.iter().any(|p| {
        let (isolates, rules) = if ingress {
            (p.ingress_isolation, &p.ingress)
        } else {
            (p.egress_isolation, &p.egress)
        };
        p.meta.namespace() == ns
            && p.pod_selector.is_empty()
            && isolates
            && !rules.iter().any(rule_admits_everything)
    })
}

/// The cluster DNS on UDP and TCP 53, seen from a pod's egress side: (UDP side, TCP side).
pub fn dns_egress(engine: &Engine, pod: &PodClass, dns: &Endpoint) -> (Side, Side) {
    let from = Endpoint::Pod(pod.clone());
    (
        engine.decide(&from, dns, 53, Protocol::Udp).egress,
        engine.decide(&from, dns, 53, Protocol::Tcp).egress,
    )
}

/// The rules that may admit traffic to (ingress) or from (egress) a pod: `None` when no policy
/// isolates it for that direction, else every rule of the policies that do, with its policy.
pub fn direction_rules<'s>(
    engine: &Engine<'s>,
    pod: &PodClass,
    ingress: bool,
) -> Option<Vec<(&'s NetworkPolicy, &'s crate::model::PolicyRule)>> {
    let mut isolated = false;
    let mut rules = Vec::new();
    for p in engine.selecting(pod) {
        let (isolates, list) = if ingress {
            (p.ingress_isolation, &p.ingress)
        } else {
            (p.egress_isolation, &p.egress)
        };
        if isolates {
            isolated = true;
            rules.extend(list.iter().map(|r| (p, r)));
        }
    }
    isolated.then_some(rules)
}
