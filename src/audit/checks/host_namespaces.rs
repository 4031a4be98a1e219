//! `host-namespaces`: the pod shares the node's network, process or IPC namespace.

use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::Snapshot;

pub static INFO: CheckInfo = CheckInfo {
    id: "host-namespaces",
    family: Family::Security,
    severity: Severity::Critical,
    summary: "The pod uses hostNetwork, hostPID or hostIPC",
    doc: "\
What it detects
  A pod spec with hostNetwork, hostPID or hostIPC set to true.

Why it matters
  hostNetwork puts the pod on the node's interfaces: it can reach the kubelet and cloud
  metadata endpoints, sniff node traffic, and is not subject to NetworkPolicies. hostPID shows
  every process on the node (and their environment, Secrets included); hostIPC shares the
  node's shared memory.

Example
  hostNetwork: true on a web server, added once to work around a port problem.

Fix
  Remove the field. Node agents that truly need it (a CNI plugin, node-exporter) belong in a
  namespace of their own, exempted with the kvet.io/ignore annotation and a reason.",
    fix_available: false,
};

pub struct HostNamespaces;

impl Check for HostNamespaces {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        for (_, w) in snap.top_workloads() {
            let s = &w.spec;
            let used: Vec<(&str, &str)> = [
                ("hostNetwork", s.host_network, "the node's network"),
                ("hostPID", s.host_pid, "the node's processes"),
                ("hostIPC", s.host_ipc, "the node's IPC"),
            ]
            .into_iter()
            .filter(|x| x.1)
            .map(|x| (x.0, x.2))
            .collect();
            let Some(first) = used.first() else { continue };
            let fields: Vec<&str> = used.iter().map(|u| u.0).collect();
            let what: Vec<&str> = used.iter().map(|u| u.1).collect();
            out.add(
                w,
                format!("{}/{}", s_pointer(w), first.0),
                format!(
                    "sets {}: its pods share {}",
                    fields.join(", "),
                    what.join(", ")
                ),
            );
        }
    }
}

fn s_pointer(w: &crate::model::Workload) -> &'static str {
    w.kind.pod_spec_pointer()
}
