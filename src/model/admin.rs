//! PURE. AdminNetworkPolicy and BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1,
//! the network-policy-api project of SIG Network): from the wire shape to the projection, and
//! back for `kvet snapshot save`.

use super::decode::selector;
use super::meta::{Kind, Meta};
use super::selector::LabelSelector;
use super::wire::{RawPeer, RawPolicyRule, RawSpec};
use serde_json::{json, Map, Value};

/// What an AdminNetworkPolicy rule does with the traffic it matches. A
/// BaselineAdminNetworkPolicy has no Pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AdminAction {
    Allow,
    Deny,
    Pass,
}

impl AdminAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AdminAction::Allow => "Allow",
            AdminAction::Deny => "Deny",
            AdminAction::Pass => "Pass",
        }
    }
}

/// An AdminNetworkPolicy peer (policy.networking.k8s.io/v1alpha1), or its subject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AdminPeer {
    /// Every pod of the namespaces the selector picks.
    Namespaces(LabelSelector),
    /// The pods `pods` picks in the namespaces `namespaces` picks.
    Pods {
        namespaces: LabelSelector,
        pods: LabelSelector,
    },
    /// Egress to nodes: kvet knows no node addresses, so it matches no pod and no address.
    Nodes(LabelSelector),
    /// Egress to CIDRs (pod addresses included).
    Networks(Vec<Box<str>>),
    /// None of the fields kvet knows: the API says to fail closed (an Allow rule matches
    /// nothing; a Deny or Pass rule denies everything).
    Unknown,
}

/// An AdminNetworkPolicy port: exactly one of `portNumber`, `namedPort`, `portRange`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AdminPort {
    Number {
        protocol: Box<str>,
        port: i64,
    },
    /// A container port name on the destination, with that port's protocol.
    Named(Box<str>),
    Range {
        protocol: Box<str>,
        start: i64,
        end: i64,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdminRule {
    pub name: Box<str>,
    pub action: AdminAction,
    pub peers: Vec<AdminPeer>,
    /// Empty means every port.
    pub ports: Vec<AdminPort>,
}

/// An AdminNetworkPolicy, or the BaselineAdminNetworkPolicy (`baseline`, no priority).
#[derive(Clone, Debug)]
pub struct AdminNetworkPolicy {
    pub meta: Meta,
    pub baseline: bool,
    /// 0 to 1000; lower values are checked first.
    pub priority: i64,
    /// `Namespaces` or `Pods` (`Unknown` selects nothing).
    pub subject: AdminPeer,
    pub ingress: Vec<AdminRule>,
    pub egress: Vec<AdminRule>,
}

impl AdminNetworkPolicy {
    pub fn kind(&self) -> Kind {
        if self.baseline {
            Kind::BaselineAdminNetworkPolicy
        } else {
            Kind::AdminNetworkPolicy
        }
    }
}

/// Projects an AdminNetworkPolicy (or, with `baseline`, the BaselineAdminNetworkPolicy).
pub fn project(meta: Meta, spec: &mut RawSpec, baseline: bool) -> AdminNetworkPolicy {
    AdminNetworkPolicy {
        meta,
        baseline,
        priority: spec.priority.unwrap_or(0),
        subject: spec.subject.take().map(peer).unwrap_or(AdminPeer::Unknown),
        ingress: rules(spec.ingress.take(), true),
        egress: rules(spec.egress.take(), false),
    }
}

fn peer(p: RawPeer) -> AdminPeer {
    if let Some(ns) = p.namespaces {
        return AdminPeer::Namespaces(selector(Some(ns)).unwrap_or_default());
    }
    if let Some(pods) = p.pods {
        return AdminPeer::Pods {
            namespaces: selector(pods.namespace_selector).unwrap_or_default(),
            pods: selector(pods.pod_selector).unwrap_or_default(),
        };
    }
    if let Some(nodes) = p.nodes {
        return AdminPeer::Nodes(selector(Some(nodes)).unwrap_or_default());
    }
    if let Some(nets) = p.networks {
        return AdminPeer::Networks(nets.into_iter().map(String::into_boxed_str).collect());
    }
    AdminPeer::Unknown
}

fn rules(raw: Option<Vec<RawPolicyRule>>, ingress: bool) -> Vec<AdminRule> {
    raw.unwrap_or_default()
        .into_iter()
        .map(|r| {
            let action = match r.action.as_deref() {
                Some("Allow") => AdminAction::Allow,
                Some("Pass") => AdminAction::Pass,
                // Deny, and anything the API would have refused: fail closed.
                _ => AdminAction::Deny,
            };
            let peers = if ingress { r.from } else { r.to };
            AdminRule {
                name: r.name.unwrap_or_default().into_boxed_str(),
                action,
                peers: peers.into_iter().map(peer).collect(),
                ports: r
                    .ports
                    .into_iter()
                    .filter_map(|p| {
                        let tcp =
                            |p: Option<String>| p.unwrap_or_else(|| "TCP".into()).into_boxed_str();
                        if let Some(n) = p.port_number {
                            Some(AdminPort::Number {
                                protocol: tcp(n.protocol),
                                port: n.port.unwrap_or(0),
                            })
                        } else if let Some(r) = p.port_range {
                            Some(AdminPort::Range {
                                protocol: tcp(r.protocol),
                                start: r.start.unwrap_or(0),
                                end: r.end.unwrap_or(0),
                            })
                        } else {
                            p.named_port.map(|n| AdminPort::Named(n.into_boxed_str()))
                        }
                    })
                    .collect(),
            }
        })
        .collect()
}

/// Writes the projection back in the API's shape.
pub fn encode(a: &AdminNetworkPolicy, meta: Value, sel: impl Fn(&LabelSelector) -> Value) -> Value {
    let peer = |p: &AdminPeer| match p {
        AdminPeer::Namespaces(s) => json!({"namespaces": sel(s)}),
        AdminPeer::Pods { namespaces, pods } => {
            json!({"pods": {"namespaceSelector": sel(namespaces), "podSelector": sel(pods)}})
        }
        AdminPeer::Nodes(s) => json!({"nodes": sel(s)}),
        AdminPeer::Networks(n) => json!({"networks": n.iter().map(|c| &**c).collect::<Vec<_>>()}),
        AdminPeer::Unknown => json!({}),
    };
    let rules = |rules: &[AdminRule], ingress: bool| -> Vec<Value> {
        rules
            .iter()
            .map(|r| {
                let mut o = Map::new();
                o.insert("name".into(), json!(&*r.name));
                o.insert("action".into(), json!(r.action.as_str()));
                let peers: Vec<Value> = r.peers.iter().map(peer).collect();
                o.insert(if ingress { "from" } else { "to" }.into(), json!(peers));
                if !r.ports.is_empty() {
                    let ports: Vec<Value> = r
                        .ports
                        .iter()
                        .map(|p| match p {
                            AdminPort::Number { protocol, port } => {
                                json!({"portNumber": {"protocol": &**protocol, "port": port}})
                            }
                            AdminPort::Named(n) => json!({"namedPort": &**n}),
                            AdminPort::Range { protocol, start, end } => {
                                json!({"portRange": {"protocol": &**protocol, "start": start, "end": end}})
                            }
                        })
                        .collect();
                    o.insert("ports".into(), json!(ports));
                }
                Value::Object(o)
            })
            .collect()
    };
    let mut spec = json!({"subject": peer(&a.subject), "ingress": rules(&a.ingress, true), "egress": rules(&a.egress, false)});
    if !a.baseline {
        spec["priority"] = json!(a.priority);
    }
    json!({"apiVersion": &*a.meta.api_version, "kind": a.kind().as_str(), "metadata": meta, "spec": spec})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::decode::{decode_yaml, DecodeOptions};
    use crate::model::Object;

    #[test]
    fn decodes_every_peer_and_port_shape_and_writes_them_back() {
        let text = "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata:\n  name: guard\nspec:\n  priority: 10\n  subject:\n    namespaces:\n      matchLabels: {ns: x}\n  ingress:\n  - name: deny-y\n    action: Deny\n    from:\n    - namespaces:\n        matchLabels: {ns: \"y\"}\n    - pods:\n        namespaceSelector: {}\n        podSelector:\n          matchLabels: {pod: a}\n    ports:\n    - portNumber: {protocol: UDP, port: 53}\n    - namedPort: http\n    - portRange: {start: 80, end: 90}\n  egress:\n  - action: Pass\n    to:\n    - networks: [10.0.0.0/8]\n    - nodes: {}\n    - somethingNew: {}\n";
        let d = decode_yaml(text, &DecodeOptions::default());
        let Some(Object::AdminNetworkPolicy(a)) = d.objects.first() else {
            panic!("{:?}", d.errors)
        };
        assert!(!a.baseline && a.priority == 10 && a.meta.namespace.is_none());
        let sel = |s: &str| {
            let (k, v) = s.split_once('=').unwrap_or_default();
            LabelSelector::from_map(vec![(k.into(), v.into())])
        };
        assert_eq!(a.subject, AdminPeer::Namespaces(sel("ns=x")));
        let r = &a.ingress[0];
        assert_eq!((&*r.name, r.action), ("deny-y", AdminAction::Deny));
        assert_eq!(
            r.peers,
            vec![
                AdminPeer::Namespaces(sel("ns=y")),
                AdminPeer::Pods {
                    namespaces: LabelSelector::default(),
                    pods: sel("pod=a")
                },
            ]
        );
        assert_eq!(
            r.ports,
            vec![
                AdminPort::Number {
                    protocol: "UDP".into(),
                    port: 53
                },
                AdminPort::Named("http".into()),
                AdminPort::Range {
                    protocol: "TCP".into(),
                    start: 80,
                    end: 90
                },
            ]
        );
        let e = &a.egress[0];
        assert_eq!(e.action, AdminAction::Pass);
        assert_eq!(
            e.peers,
            vec![
                AdminPeer::Networks(vec!["10.0.0.0/8".into()]),
                AdminPeer::Nodes(LabelSelector::default()),
                AdminPeer::Unknown,
            ]
        );
        // Written back and read again: the same projection.
        let back = encode(
            a,
            serde_json::json!({"name": "guard"}),
            |s| serde_json::json!({"matchLabels": s.match_labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<std::collections::BTreeMap<_, _>>()}),
        );
        let again = decode_yaml(&back.to_string(), &DecodeOptions::default());
        let Some(Object::AdminNetworkPolicy(b)) = again.objects.first() else {
            panic!("{:?}", again.errors)
        };
        assert_eq!(
            (&b.subject, &b.ingress, &b.egress[0].peers[..2]),
            (&a.subject, &a.ingress, &a.egress[0].peers[..2])
        );
    }
}
