//! `netpol-blocks-dns`: egress-isolated pods that may not reach the cluster DNS.

use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::Snapshot;
use crate::netpol::{dns_class, dns_egress, workload_class, Endpoint, Engine};

pub static INFO: CheckInfo = CheckInfo {
    id: "netpol-blocks-dns",
    family: Family::Network,
    severity: Severity::Critical,
    summary: "Egress-isolated pods may not reach the cluster DNS on UDP and TCP 53",
    doc: "\
What it detects
  A workload whose pods are isolated for egress (a policy selects them with the Egress type),
  where no policy that selects them allows both UDP 53 and TCP 53 to the cluster DNS pods
  (namespace kube-system, label k8s-app: kube-dns), nor egress to everything.

Why it matters
  Every name lookup fails or times out: the pods cannot resolve Services, and the failure
  looks like an application bug. TCP 53 matters too: answers too large for UDP, and some
  resolvers, fall back to TCP.

Example
  A default-deny-egress policy (podSelector: {}, policyTypes: [Egress]) and no allow-DNS policy.

Fix
  Add an egress policy for the pods: to namespaceSelector kubernetes.io/metadata.name:
  kube-system with podSelector k8s-app: kube-dns, ports UDP 53 and TCP 53.",
    fix_available: true,
};

pub struct NetpolBlocksDns;

impl Check for NetpolBlocksDns {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        if snap.netpols.iter().all(|p| !p.egress_isolation) {
            return;
        }
        let engine = Engine::new(snap);
        let dns = Endpoint::Pod(dns_class(snap));
        for (_, w) in snap.top_workloads() {
            let (udp, tcp) = dns_egress(&engine, &workload_class(w), &dns);
            if !udp.isolated {
                continue;
            }
            let missing = match (udp.allows(), tcp.allows()) {
                (true, true) => continue,
                (true, false) => "TCP 53 (UDP 53 is allowed)",
                (false, true) => "UDP 53 (TCP 53 is allowed)",
                (false, false) => "UDP or TCP 53",
            };
            // ipBlocks decided nothing here only under kvet's assumption: say it.
            let ip_blocks = snap.netpols.iter().any(|p| {
                p.meta.namespace() == w.meta.namespace()
                    && p.egress
                        .iter()
                        .any(|r| r.peers.iter().any(|x| x.ip_block.is_some()))
            });
            let assumption = if ip_blocks {
                " (kvet takes an ipBlock to match pods by their addresses, as upstream's e2e tests and Calico do, and without known addresses only 0.0.0.0/0 or ::/0 with no except; Cilium never matches pods by ipBlock)"
            } else {
                ""
            };
            out.add(
                w,
                "/spec/template/metadata/labels",
                format!(
                    "pods of {} are isolated for egress by {} and no policy allows {missing} to the cluster DNS (kube-system, k8s-app=kube-dns): name lookups fail{assumption}",
                    w.meta.name,
                    udp.selected_by.join(", ")
                ),
            );
        }
    }
}
