//! `netpol-tenant-open`: pods of a namespace accept ingress from other namespaces.

use crate::audit::helpers::namespace_subject;
use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::Snapshot;
use crate::netpol::{classes, Engine, PodClass, SYSTEM_NAMESPACES};
use std::collections::BTreeMap;

pub static INFO: CheckInfo = CheckInfo {
    id: "netpol-tenant-open",
    family: Family::Network,
    severity: Severity::Info,
    summary: "Pods of a namespace accept ingress from pods of other namespaces",
    doc: "\
What it detects
  A namespace (kube-system, kube-public and kube-node-lease aside) with a workload whose pods
  accept ingress, on some port, from pods of another namespace: no policy isolates them for
  Ingress, or a rule admits a peer with a namespaceSelector that matches another namespace
  where such pods run (or a rule with no peers at all).

Why it matters
  Namespaces are the usual tenant boundary. When one is open, a compromised pod of any tenant
  can reach its services directly.

Example
  ingress: [{from: [{namespaceSelector: {}}]}] on the payments API.

Fix
  Add a default-deny-ingress policy, and admit other namespaces only by name
  (kubernetes.io/metadata.name) and only on the ports they need.",
    fix_available: false,
};

pub struct NetpolTenantOpen;

impl Check for NetpolTenantOpen {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        let all = classes(snap, None);
        let mut by_ns: BTreeMap<&str, Vec<&PodClass>> = BTreeMap::new();
        for c in &all {
            by_ns.entry(&*c.namespace).or_default().push(c);
        }
        if by_ns.len() < 2 {
            // One namespace: there is no other tenant to be open to.
            return;
        }
        let engine = Engine::new(snap);
        for (ns, pods) in &by_ns {
            if SYSTEM_NAMESPACES.contains(ns) {
                continue;
            }
            let mut open: Vec<String> = Vec::new();
            for pod in pods {
                if let Some(why) = open_to_others(&engine, pod, &by_ns) {
                    let short = pod.name.rsplit('/').next().unwrap_or(&pod.name);
                    open.push(format!("{short} ({why})"));
                }
            }
            if open.is_empty() {
                continue;
            }
            let subject = namespace_subject(snap, ns);
            let more = if open.len() > 3 {
                format!(" and {} more", open.len() - 3)
            } else {
                String::new()
            };
            open.truncate(3);
            out.add(
                subject,
                "",
                format!(
                    "pods of {ns} accept ingress from other namespaces: {}{more}",
                    open.join(", ")
                ),
            );
        }
    }
}

/// Why a pod class accepts ingress from some pod of another namespace, if it does.
fn open_to_others(
    engine: &Engine,
    pod: &PodClass,
    by_ns: &BTreeMap<&str, Vec<&PodClass>>,
) -> Option<String> {
    let mut isolated = false;
    for p in engine.selecting(pod) {
        if !p.ingress_isolation {
            continue;
        }
        isolated = true;
        let name = format!("{}/{}", p.meta.namespace(), p.meta.name);
        for r in &p.ingress {
            if r.peers.is_empty() {
                return Some(format!("{name} admits every source"));
            }
            for peer in &r.peers {
                let Some(ns_sel) = &peer.namespace_selector else {
                    continue;
                };
                if ns_sel.is_empty() && peer.pod_selector.as_ref().is_none_or(|s| s.is_empty()) {
                    return Some(format!("{name} admits every namespace"));
                }
                for (other, others) in by_ns {
                    if *other == &*pod.namespace || !ns_sel.matches(&engine.namespace_labels(other))
                    {
                        continue;
                    }
                    let any = others.iter().any(|o| {
                        peer.pod_selector
                            .as_ref()
                            .is_none_or(|s| s.matches(&o.labels))
                    });
                    if any {
                        return Some(format!("{name} admits {other}"));
                    }
                }
            }
        }
    }
    (!isolated).then(|| "no policy isolates it".to_string())
}
