//! `probe-port-unknown`: a probe names a port the container does not declare.

use crate::audit::helpers::container_path;
use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::{PortRef, Snapshot};

pub static INFO: CheckInfo = CheckInfo {
    id: "probe-port-unknown",
    family: Family::Probes,
    severity: Severity::Warning,
    summary: "A probe names a port that the container does not declare",
    doc: "\
What it detects
  A readiness, liveness or startup probe (httpGet or tcpSocket) that refers to a port by name,
  where the container declares no port of that name. Numeric ports are not reported: a
  container may listen on a port it does not declare, and the probe still works.

Why it matters
  The kubelet cannot resolve the name, so the probe fails every time: a readiness probe keeps
  the pod out of rotation forever, a liveness probe restarts it in a loop. It usually follows
  a rename of the port (http to web) that missed the probes.

Example
  ports: [{name: web, containerPort: 8080}]
  readinessProbe: {httpGet: {path: /ready, port: http}}

Fix
  Use the declared port name (or number) in the probe, or declare the port.",
    fix_available: false,
};

pub struct ProbePortUnknown;

impl Check for ProbePortUnknown {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        for (_, w) in snap.top_workloads() {
            let mut parts = Vec::new();
            let mut first = None;
            for (list, i, c) in w.spec.all_containers() {
                let probes = [
                    ("readinessProbe", &c.readiness),
                    ("livenessProbe", &c.liveness),
                    ("startupProbe", &c.startup),
                ];
                for (field, probe) in probes {
                    let Some(PortRef::Name(name)) = probe.as_ref().and_then(|p| p.handler.port())
                    else {
                        continue;
                    };
                    if c.ports.iter().any(|p| p.name.as_deref() == Some(&**name)) {
                        continue;
                    }
                    first.get_or_insert_with(|| format!("{}/{field}", container_path(w, list, i)));
                    let declared: Vec<String> = c
                        .ports
                        .iter()
                        .filter_map(|p| p.name.as_deref().map(|n| format!("{n}:{}", p.port)))
                        .collect();
                    parts.push(format!(
                        "{:?} {field} uses port {name:?}, which the container does not declare ({})",
                        &*c.name,
                        if declared.is_empty() {
                            "it names no ports".to_string()
                        } else {
                            format!("declared: {}", declared.join(", "))
                        }
                    ));
                }
            }
            if let Some(path) = first {
                out.add(
                    w,
                    path,
                    format!("{}: the probe fails every time", parts.join("; ")),
                );
            }
        }
    }
}
