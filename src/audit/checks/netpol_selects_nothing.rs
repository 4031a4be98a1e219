//! `netpol-selects-nothing`: a NetworkPolicy whose podSelector matches no pod.

use crate::audit::{Check, CheckInfo, Family, Findings, Severity, Subject};
use crate::model::{Kind, Snapshot};

pub static INFO: CheckInfo = CheckInfo {
    id: "netpol-selects-nothing",
    family: Family::Network,
    severity: Severity::Warning,
    summary: "A NetworkPolicy's podSelector matches no pod or pod template in its namespace",
    doc: "\
What it detects
  A NetworkPolicy whose podSelector matches no pod and no pod template in its namespace. An
  empty podSelector ({}) selects every pod, including future ones, and is never reported.

Why it matters
  The policy protects nothing while it looks as if it does. It is usually a typo in a label
  (name: cart against name: carts) or a policy left behind after a rename: the pods it was
  meant for are open.

Example
  podSelector: {matchLabels: {name: cart}} while the pods are labelled name: carts.

Fix
  Correct the podSelector to the pod template's labels (`kvet reach` then shows the effect),
  or delete the stale policy.",
    fix_available: false,
};

pub struct NetpolSelectsNothing;

impl Check for NetpolSelectsNothing {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        for p in &snap.netpols {
            if p.pod_selector.is_empty() {
                continue;
            }
            let ns = p.meta.namespace();
            let sel = &p.pod_selector;
            let selects = snap
                .workloads
                .iter()
                .any(|w| w.meta.namespace() == ns && sel.matches(&w.template_labels))
                || snap
                    .pods
                    .iter()
                    .any(|pod| pod.meta.namespace() == ns && sel.matches(&pod.meta.labels));
            if selects {
                continue;
            }
            let what = match &sel.invalid {
                Some(why) => format!("has an invalid podSelector ({why})"),
                None => format!(
                    "podSelector {} matches no pod or pod template in namespace {ns}",
                    sel.display()
                ),
            };
            out.add(
                Subject::of(Kind::NetworkPolicy, &p.meta),
                "/spec/podSelector",
                format!("{what}: it isolates and admits nothing"),
            );
        }
    }
}
