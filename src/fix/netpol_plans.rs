//! The two network fixes: a default-deny-ingress policy for a namespace, and an allow-DNS
//! egress policy for a workload. Both create a NetworkPolicy; the engine says what changes.

use super::{Change, Editable, FixError, FixInput, FixPlan};
use crate::model::{Kind, ObjectRef};
use crate::netpol::{classes, Endpoint, Engine, Protocol, Tier};
use serde_json::{json, Value};

/// A name no NetworkPolicy of the namespace has.
fn free_name(input: &FixInput, ns: &str, base: &str) -> String {
    let taken = |n: &str| {
        input
            .snap
            .netpols
            .iter()
            .any(|p| p.meta.namespace() == ns && &*p.meta.name == n)
    };
    let mut name = base.to_string();
    let mut k = 2;
    while taken(&name) {
        name = format!("{base}-{k}");
        k += 1;
    }
    name
}

/// How many connections a default-deny-ingress policy in `ns` would cut, with the first few:
/// traffic allowed now to a pod of `ns` that no policy isolates for ingress yet, on the ports
/// its containers declare.
fn traffic_cut(input: &FixInput, ns: &str) -> (usize, Vec<String>) {
    let snap = input.snap;
    let engine = Engine::new(snap);
    let all = classes(snap, None);
    let mut count = 0;
    let mut first = Vec::new();
    for dst in all.iter().filter(|c| &*c.namespace == ns) {
        let to = Endpoint::Pod(dst.clone());
        let mut ports: Vec<(u16, Protocol)> = dst
            .ports
            .iter()
            .filter_map(|p| Some((u16::try_from(p.port).ok()?, Protocol::parse(&p.protocol)?)))
            .collect();
        ports.sort();
        ports.dedup();
        for (port, proto) in ports {
            for src in &all {
                let from = Endpoint::Pod(src.clone());
                let v = engine.decide(&from, &to, port, proto);
                // Cut: allowed today, and decided by no NetworkPolicy and no admin rule that
                // the new policy could not override.
                let cut = matches!(
                    v.ingress.tier(),
                    Tier::None | Tier::BaselineAdminNetworkPolicy
                );
                if v.allowed && cut {
                    count += 1;
                    if first.len() < 8 {
                        first.push(format!(
                            "{} → {}:{port}/{proto} would be denied",
                            src.name, dst.name
                        ));
                    }
                }
            }
        }
    }
    (count, first)
}

/// The ends of ingress traffic into `ns` that no pod of the input stands for, and that the
/// policy would cut too unless an allow rule admits them: clients outside the cluster through a
/// LoadBalancer or NodePort Service, an Ingress controller sending to a backend Service, and the
/// API server calling an admission webhook. Each is named with the object that shows it.
fn outside_ends(input: &FixInput, ns: &str) -> Vec<String> {
    let snap = input.snap;
    let isolated_now = |svc: &crate::model::Service| {
        // A Service whose pods some policy already isolates for ingress keeps its verdict.
        let Some(sel) = &svc.selector else {
            return false;
        };
        snap.netpols.iter().any(|p| {
            p.meta.namespace() == ns
                && p.ingress_isolation
                && snap
                    .top_workloads()
                    .filter(|(_, w)| w.meta.namespace() == ns && sel.matches(&w.template_labels))
                    .any(|(_, w)| p.pod_selector.matches(&w.template_labels))
        })
    };
    let mut out = Vec::new();
    for svc in snap.services.iter().filter(|s| s.meta.namespace() == ns) {
        if matches!(&*svc.service_type, "LoadBalancer" | "NodePort") && !isolated_now(svc) {
            out.push(format!(
                "clients outside the cluster through {} Service {ns}/{}",
                svc.service_type, svc.meta.name
            ));
        }
    }
    for ing in snap.ingresses.iter().filter(|i| i.meta.namespace() == ns) {
        for name in ing.services.iter() {
            let isolated = snap
                .services
                .iter()
                .find(|s| s.meta.namespace() == ns && *s.meta.name == **name)
                .is_some_and(isolated_now);
            if !isolated {
                out.push(format!(
                    "the ingress controller sending Ingress {ns}/{} traffic to Service {name}",
                    ing.meta.name
                ));
            }
        }
    }
    for hook in &snap.webhooks {
        for (hns, name) in hook.services.iter().filter(|(hns, _)| **hns == *ns) {
            out.push(format!(
                "the API server calling the admission webhook of {} {} (Service {hns}/{name}): with a failurePolicy of Fail, matching requests are refused cluster-wide",
                if hook.mutating {
                    "MutatingWebhookConfiguration"
                } else {
                    "ValidatingWebhookConfiguration"
                },
                hook.meta.name
            ));
        }
    }
    out
}

pub fn default_deny(input: &FixInput) -> Result<FixPlan, FixError> {
    let ns = input.finding.object.name.to_string();
    let name = free_name(input, &ns, "default-deny-ingress");
    let policy = json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
    });
    let (count, first) = traffic_cut(input, &ns);
    let outside = outside_ends(input, &ns);
    let mut notes = Vec::new();
    if !outside.is_empty() {
        notes.push(format!(
            "this also cuts traffic from outside the pods kvet sees (allow it first, or the namespace goes offline): {}",
            outside.join("; ")
        ));
    }
    if count == 0 && outside.is_empty() {
        notes.push(format!(
            "every pod of {ns} is already isolated for ingress, or declares no port: no connection kvet can see is cut"
        ));
    } else if count > 0 {
        let more = if count > first.len() {
            format!("; and {} more", count - first.len())
        } else {
            String::new()
        };
        notes.push(format!(
            "this cuts {count} connection{} allowed now (add an allow policy for each one that must stay): {}{more}",
            if count == 1 { "" } else { "s" },
            first.join("; ")
        ));
    }
    Ok(FixPlan {
        check: "netpol-no-default-deny",
        target: ObjectRef::new(Kind::NetworkPolicy, Some(&ns), &name),
        summary: format!(
            "create NetworkPolicy {ns}/{name}: every pod of {ns} is isolated for ingress, and only what an allow policy admits gets in"
        ),
        change: Change::Create(policy),
        editable: Vec::new(),
        notes,
    })
}

pub fn allow_dns(input: &FixInput, w: usize) -> Result<FixPlan, FixError> {
    let wl = &input.snap.workloads[w];
    let ns = wl.meta.namespace().to_string();
    let labels: serde_json::Map<String, Value> = wl
        .template_labels
        .iter()
        .filter(|(k, _)| *k != "pod-template-hash" && *k != "controller-revision-hash")
        .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
        .collect();
    if labels.is_empty() {
        return Err(FixError(format!(
            "{} has no pod template labels to select its pods by",
            input.finding.object
        )));
    }
    let name = free_name(input, &ns, &format!("{}-allow-dns", wl.meta.name));
    let policy = json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "podSelector": {"matchLabels": labels},
            "policyTypes": ["Egress"],
            "egress": [{
                "to": [{
                    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                }],
                "ports": [
                    {"protocol": "UDP", "port": 53},
                    {"protocol": "TCP", "port": 53},
                ],
            }],
        },
    });
    let mut notes = Vec::new();
    // Other workloads the selector also matches gain DNS too: say so.
    let also: Vec<String> = input
        .snap
        .top_workloads()
        .map(|(_, o)| o)
        .filter(|o| o.meta.namespace() == ns && o.meta.name != wl.meta.name)
        .filter(|o| {
            labels
                .iter()
                .all(|(k, v)| o.template_labels.get(k) == v.as_str())
        })
        .map(|o| o.meta.name.to_string())
        .collect();
    if !also.is_empty() {
        notes.push(format!(
            "the selector matches {} too: they may resolve names as well",
            also.join(", ")
        ));
    }
    Ok(FixPlan {
        check: "netpol-blocks-dns",
        target: ObjectRef::new(Kind::NetworkPolicy, Some(&ns), &name),
        summary: format!(
            "create NetworkPolicy {ns}/{name}: pods of {} may send DNS (UDP and TCP 53) to kube-system's kube-dns pods",
            wl.meta.name
        ),
        change: Change::Create(policy),
        editable: Vec::<Editable>::new(),
        notes,
    })
}
