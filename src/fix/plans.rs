//! One plan per fixable check. Each reads the workload's projection (probes, ports, requests)
//! for decisions and the object's JSON for paths and the values it guards.

use super::ops::{child, Ops};
use super::{err, Change, Editable, FixError, FixInput, FixPlan};
use crate::audit::checks::prestop_exceeds_grace::sleep_seconds;
use crate::audit::checks::startup_budget_short::startup_budget;
use crate::audit::helpers::{
    cold_start_seconds, effective_limit, effective_request, namespace_defaults,
};
use crate::model::{
    quantity, Container, Handler, Kind, ObjectRef, PortRef, Probe, Resource, Workload, WorkloadKind,
};
use serde_json::{json, Value};

/// A setting from the user, or its default.
fn setting<'a>(input: &'a FixInput, key: &str, default: &'a str) -> &'a str {
    input
        .settings
        .get(key)
        .map(String::as_str)
        .unwrap_or(default)
}

/// `1` → 1, `25%` → "25%": an int-or-percent as the API takes it.
fn int_or_percent(text: &str, key: &str) -> Result<Value, FixError> {
    let t = text.trim();
    if let Some(p) = t.strip_suffix('%') {
        if p.parse::<u32>().is_ok_and(|n| n <= 100) {
            return Ok(json!(t));
        }
    } else if let Ok(n) = t.parse::<u32>() {
        return Ok(json!(n));
    }
    err(format!(
        "{key}={text}: expected a whole number or a percentage"
    ))
}

fn seconds(text: &str, key: &str) -> Result<i64, FixError> {
    text.trim()
        .trim_end_matches('s')
        .parse::<i64>()
        .ok()
        .filter(|n| (1..=3600).contains(n))
        .ok_or_else(|| FixError(format!("{key}={text}: expected seconds from 1 to 3600")))
}

pub fn plan(input: &FixInput) -> Result<FixPlan, FixError> {
    let f = input.finding;
    match f.check {
        "pdb-blocks-drain" => return pdb_blocks_drain(input),
        "hpa-min-replicas" => return hpa_min_replicas(input),
        "netpol-no-default-deny" => return super::netpol_plans::default_deny(input),
        "netpol-blocks-dns" => return super::netpol_plans::allow_dns(input, workload_of(input)?),
        _ => {}
    }
    let snap = input.snap;
    let w = workload_of(input)?;
    let wl = &snap.workloads[w];
    let mut p = Patcher {
        input,
        wl,
        ops: Ops::new(input.object.clone()),
        editable: Vec::new(),
        notes: Vec::new(),
    };
    let summary = match f.check {
        "pdb-missing" => return pdb_missing(input, wl),
        "readiness-missing" => p.readiness(w)?,
        "liveness-missing" => p.liveness(w)?,
        "liveness-equals-readiness" => p.liveness_tolerant()?,
        "startup-budget-short" => p.startup(w)?,
        "prestop-missing" => p.prestop()?,
        "prestop-exceeds-grace" => p.grace()?,
        "requests-missing" => p.requests()?,
        "limits-missing" => p.limits()?,
        "oom-killed" => p.raise_memory(w)?,
        "rollout-defaults" | "rollout-unavailable" | "rollout-recreate" => p.rollout()?,
        "revision-history" => p.history()?,
        other => return err(format!("kvet has no automatic fix for {other}")),
    };
    if p.ops.0.iter().all(|o| o["op"] == "test") {
        return err("nothing to change: the object already has what the fix would add");
    }
    Ok(FixPlan {
        check: f.check,
        target: f.object.clone(),
        summary,
        change: Change::Patch(p.ops.0),
        editable: p.editable,
        notes: p.notes,
    })
}

/// The workload copy the finding is about.
fn workload_of(input: &FixInput) -> Result<usize, FixError> {
    let s = input.snap;
    let r = &input.finding.object;
    let copies = s.index.workload_copies.get(r);
    let found = match copies {
        Some(c) => c
            .iter()
            .copied()
            .find(|&w| s.workloads[w].meta.origin == input.finding.origin),
        None => s.index.workload_by_ref.get(r).copied(),
    };
    found.ok_or_else(|| FixError(format!("{r} is not a workload in this snapshot")))
}

struct Patcher<'a> {
    input: &'a FixInput<'a>,
    wl: &'a Workload,
    ops: Ops,
    editable: Vec<Editable>,
    notes: Vec<String>,
}

impl Patcher<'_> {
    fn spec_ptr(&self) -> &'static str {
        self.wl.kind.pod_spec_pointer()
    }

    fn container_ptr(&self, list: &str, i: usize) -> String {
        format!("{}/{list}/{i}", self.spec_ptr())
    }

    /// Tests the container's name before anything is changed in it.
    fn guard_container(&mut self, list: &str, i: usize) -> String {
        let c = self.container_ptr(list, i);
        self.ops.guard(&child(&c, "name"));
        c
    }

    fn set(&mut self, path: &str, value: Value) {
        self.ops.set(path, value);
    }

    /// The cold start to plan for: measured, else the annotation.
    fn cold_start(&self, w: usize) -> Option<f64> {
        self.input
            .snap
            .measured_cold_start(w)
            .or_else(|| cold_start_seconds(self.wl).map(|c| c.0))
    }

    fn readiness(&mut self, w: usize) -> Result<String, FixError> {
        let path = setting(self.input, "path", "/").to_string();
        self.editable.push(Editable {
            key: "path",
            label: "HTTP path of the probe",
            value: path.clone(),
        });
        let delay = self.cold_start(w).map(|c| c.ceil() as i64).unwrap_or(0);
        let mut names = Vec::new();
        // The containers the finding names, no more.
        for i in crate::audit::helpers::readiness_needed(self.input.snap, w) {
            let c = &self.wl.spec.containers[i];
            let handler = endpoint(c, &path)?;
            let mut probe = json!({"periodSeconds": 5, "failureThreshold": 3});
            merge(&mut probe, &handler);
            if delay > 0 {
                probe["initialDelaySeconds"] = json!(delay);
            }
            // Never identical to liveness (that is a finding of its own).
            if c.liveness.as_ref().is_some_and(|l| same_probe(l, &probe)) {
                probe["failureThreshold"] = json!(2);
            }
            let cp = self.guard_container("containers", i);
            self.set(&child(&cp, "readinessProbe"), probe);
            names.push(format!("{:?}", &*c.name));
        }
        Ok(format!(
            "add a readinessProbe to {} (period 5s, 3 failures{})",
            names.join(", "),
            if delay > 0 {
                format!(", first check after the {delay}s cold start")
            } else {
                String::new()
            }
        ))
    }

    fn liveness(&mut self, w: usize) -> Result<String, FixError> {
        let path = setting(self.input, "path", "/").to_string();
        let cold = self.cold_start(w);
        let mut names = Vec::new();
        for (i, c) in self.wl.spec.containers.iter().enumerate() {
            if c.liveness.is_some() {
                continue;
            }
            // The readiness endpoint, far more tolerant: a slow pod leaves rotation long before
            // it is restarted.
            let handler = match &c.readiness {
                Some(r) => handler_json(&r.handler),
                None => endpoint(c, &path)?,
            };
            let ft = c
                .readiness
                .as_ref()
                .map(|r| (r.failure_threshold * 2).max(6))
                .unwrap_or(6);
            let mut probe = json!({"periodSeconds": 10, "failureThreshold": ft});
            merge(&mut probe, &handler);
            let cp = self.guard_container("containers", i);
            self.set(&child(&cp, "livenessProbe"), probe);
            let budget = 10 * ft;
            if let Some(cold) = cold.filter(|&c| c > budget as f64) {
                if c.startup.is_none() {
                    let mut startup = json!({"periodSeconds": 10, "failureThreshold": startup_threshold(cold, 10)});
                    merge(&mut startup, &handler);
                    self.set(&child(&cp, "startupProbe"), startup);
                    self.notes.push(format!(
                        "{:?} starts in {cold:.0}s, longer than liveness allows ({budget}s): a startupProbe covers 1.5× the cold start",
                        &*c.name
                    ));
                }
            }
            names.push(format!("{:?}", &*c.name));
        }
        Ok(format!(
            "add a livenessProbe to {} (period 10s, more tolerant than readiness)",
            names.join(", ")
        ))
    }

    fn liveness_tolerant(&mut self) -> Result<String, FixError> {
        let mut names = Vec::new();
        for (i, c) in self.wl.spec.containers.iter().enumerate() {
            let (Some(l), Some(r)) = (&c.liveness, &c.readiness) else {
                continue;
            };
            if l != r {
                continue;
            }
            let cp = self.guard_container("containers", i);
            let ft = (r.failure_threshold * 2).max(2);
            self.set(&format!("{cp}/livenessProbe/failureThreshold"), json!(ft));
            names.push(format!("{:?} ({ft} failures)", &*c.name));
        }
        Ok(format!(
            "make liveness more tolerant than readiness: {}",
            names.join(", ")
        ))
    }

    fn startup(&mut self, w: usize) -> Result<String, FixError> {
        let cold = match self.cold_start(w) {
            Some(c) => c,
            None => {
                // Raised by evidence (liveness killed it before it was ever Ready): the cold start
                // is longer than the budget, by how much the user knows best.
                let longest = self
                    .wl
                    .spec
                    .containers
                    .iter()
                    .filter_map(startup_budget)
                    .max()
                    .ok_or_else(|| FixError("no probe kills this container".into()))?;
                let default = (longest * 3).to_string();
                let cold = seconds(setting(self.input, "cold_start", &default), "cold_start")?;
                self.editable.push(Editable {
                    key: "cold_start",
                    label:
                        "seconds the container needs to become Ready (liveness killed it before)",
                    value: cold.to_string(),
                });
                self.notes.push(format!(
                    "no cold start is measured: the evidence says it is longer than {longest}s; {cold}s is assumed (e to change it)"
                ));
                cold as f64
            }
        };
        let mut names = Vec::new();
        for (i, c) in self.wl.spec.containers.iter().enumerate() {
            let Some(budget) = startup_budget(c) else {
                continue;
            };
            if budget as f64 >= cold {
                continue;
            }
            let cp = self.guard_container("containers", i);
            match &c.startup {
                Some(s) => {
                    let period = s.period_seconds.max(1);
                    self.set(
                        &format!("{cp}/startupProbe/failureThreshold"),
                        json!(startup_threshold(cold, period)),
                    );
                }
                None => {
                    let from = c.liveness.as_ref().or(c.readiness.as_ref());
                    let handler = from
                        .map(|p| handler_json(&p.handler))
                        .ok_or_else(|| FixError("no probe to copy a handler from".into()))?;
                    let mut probe = json!({"periodSeconds": 10, "failureThreshold": startup_threshold(cold, 10)});
                    merge(&mut probe, &handler);
                    self.set(&child(&cp, "startupProbe"), probe);
                }
            }
            names.push(format!("{:?}", &*c.name));
        }
        Ok(format!(
            "give {} a startupProbe budget of 1.5× the {cold:.0}s cold start",
            names.join(", ")
        ))
    }

    fn prestop(&mut self) -> Result<String, FixError> {
        let sleep = seconds(setting(self.input, "sleep", "5"), "sleep")?;
        self.editable.push(Editable {
            key: "sleep",
            label: "seconds to sleep before SIGTERM",
            value: sleep.to_string(),
        });
        let native = self.input.server_minor.is_some_and(|m| m >= 30);
        let hook = if native {
            json!({"sleep": {"seconds": sleep}})
        } else {
            json!({"exec": {"command": ["sleep", sleep.to_string()]}})
        };
        if !native {
            self.notes.push(
                "exec `sleep` needs a sleep binary in the image (distroless images have none); servers from 1.30 have a native sleep action".into(),
            );
        }
        let mut names = Vec::new();
        for (i, c) in self.wl.spec.containers.iter().enumerate() {
            if c.pre_stop.is_some() {
                continue;
            }
            let cp = self.guard_container("containers", i);
            self.set(&format!("{cp}/lifecycle/preStop"), hook.clone());
            names.push(format!("{:?}", &*c.name));
        }
        let grace = self.wl.spec.termination_grace_seconds.unwrap_or(30);
        let mut extra = String::new();
        if grace < sleep + 10 {
            self.set_grace(sleep + 10);
            extra = format!(", and terminationGracePeriodSeconds {}", sleep + 10);
        }
        Ok(format!(
            "add a preStop {} of {sleep}s to {}{extra}",
            if native { "sleep action" } else { "exec sleep" },
            names.join(", ")
        ))
    }

    fn set_grace(&mut self, secs: i64) {
        let path = format!("{}/terminationGracePeriodSeconds", self.spec_ptr());
        self.set(&path, json!(secs));
    }

    fn grace(&mut self) -> Result<String, FixError> {
        let longest = self
            .wl
            .spec
            .containers
            .iter()
            .filter_map(|c| c.pre_stop.as_ref().and_then(sleep_seconds))
            .fold(0.0f64, f64::max);
        let secs = longest.ceil() as i64 + 10;
        self.set_grace(secs);
        Ok(format!(
            "raise terminationGracePeriodSeconds to {secs} (the {longest:.0}s preStop sleep plus 10s to finish)"
        ))
    }

    fn requests(&mut self) -> Result<String, FixError> {
        let cpu = setting(self.input, "cpu", "100m").to_string();
        let memory = setting(self.input, "memory", "128Mi").to_string();
        self.editable.push(Editable {
            key: "cpu",
            label: "cpu request",
            value: cpu.clone(),
        });
        self.editable.push(Editable {
            key: "memory",
            label: "memory request",
            value: memory.clone(),
        });
        self.notes.push(
            "conservative values, not measured usage: edit before applying (set requests near the p95 of real usage)".into(),
        );
        let defaults = namespace_defaults(self.input.snap, self.wl.meta.namespace());
        let mut names = Vec::new();
        let all: Vec<(&'static str, usize, &Container)> = self.wl.spec.all_containers().collect();
        for (list, i, c) in all {
            let mut added = Vec::new();
            for (r, v) in [(Resource::Cpu, &cpu), (Resource::Memory, &memory)] {
                if effective_request(c, r, &defaults).is_none() {
                    let cp = self.guard_container(list, i);
                    self.set(&format!("{cp}/resources/requests/{}", r.as_str()), json!(v));
                    added.push(format!("{} {v}", r.as_str()));
                }
            }
            if !added.is_empty() {
                names.push(format!("{:?}: {}", &*c.name, added.join(", ")));
            }
        }
        Ok(format!("add requests ({})", names.join("; ")))
    }

    fn limits(&mut self) -> Result<String, FixError> {
        self.notes.push(
            "limits are set at 2.5× the request (limits belong at 2-3× requests); without a request, conservative values: edit before applying".into(),
        );
        let defaults = namespace_defaults(self.input.snap, self.wl.meta.namespace());
        let mut names = Vec::new();
        // Init containers and native sidecars too: the finding names them.
        let all: Vec<(&'static str, usize, &Container)> = self.wl.spec.all_containers().collect();
        for (list, i, c) in all {
            let mut added = Vec::new();
            for r in [Resource::Memory, Resource::Cpu] {
                if effective_limit(c, r, &defaults).is_some() {
                    continue;
                }
                let value = match effective_request(c, r, &defaults).and_then(quantity::parse) {
                    Some(req) => scaled(req * 2.5, r),
                    None => match r {
                        Resource::Memory => "256Mi".to_string(),
                        Resource::Cpu => "500m".to_string(),
                    },
                };
                let cp = self.guard_container(list, i);
                self.set(
                    &format!("{cp}/resources/limits/{}", r.as_str()),
                    json!(value),
                );
                added.push(format!("{} {value}", r.as_str()));
            }
            if !added.is_empty() {
                names.push(format!("{:?}: {}", &*c.name, added.join(", ")));
            }
        }
        Ok(format!("add limits ({})", names.join("; ")))
    }

    /// The `oom-killed` symptom's fix: raise the memory limit of each container the kernel
    /// killed at its limit (1.5× by default, or `memory`).
    fn raise_memory(&mut self, w: usize) -> Result<String, FixError> {
        let snap = self.input.snap;
        let defaults = namespace_defaults(snap, self.wl.meta.namespace());
        let killed = crate::triage::fixes::oom_containers(snap, w);
        let set = self.input.settings.get("memory").cloned();
        let mut names = Vec::new();
        for (i, _) in killed {
            let c = &self.wl.spec.containers[i];
            let Some(limit) = effective_limit(c, Resource::Memory, &defaults) else {
                continue;
            };
            let current = quantity::parse(limit).ok_or_else(|| {
                FixError(format!(
                    "{:?}: memory limit {limit:?} is not a quantity",
                    &*c.name
                ))
            })?;
            let value = match &set {
                Some(v) => {
                    let n = quantity::parse(v).ok_or_else(|| {
                        FixError(format!("memory={v}: expected a quantity such as 1536Mi"))
                    })?;
                    if n <= current {
                        return err(format!(
                            "memory={v} is not above the current limit {limit}: the fix raises it"
                        ));
                    }
                    v.trim().to_string()
                }
                None => scaled(current * 1.5, Resource::Memory),
            };
            self.editable.push(Editable {
                key: "memory",
                label: "the new memory limit",
                value: value.clone(),
            });
            let cp = self.guard_container("containers", i);
            self.set(&format!("{cp}/resources/limits/memory"), json!(value));
            if let Some(req) =
                effective_request(c, Resource::Memory, &defaults).and_then(quantity::parse)
            {
                let new = quantity::parse(&value).unwrap_or(current);
                if new > req * 3.0 {
                    self.notes.push(format!(
                        "{:?}: the request stays at {}; the limit is now more than 3× it (limit-ratio): the scheduler still places it as if it used the request",
                        &*c.name,
                        scaled(req, Resource::Memory)
                    ));
                }
            }
            names.push(format!("{:?}: {limit} → {value}", &*c.name));
        }
        if names.is_empty() {
            return err("no OOMKilled container with a memory limit: without a limit the node killed it (see limits-missing and requests-missing)");
        }
        Ok(format!("raise the memory limit ({})", names.join("; ")))
    }

    fn rollout(&mut self) -> Result<String, FixError> {
        if self.wl.kind != WorkloadKind::Deployment {
            return err("only a Deployment's strategy is fixed here");
        }
        let surge = int_or_percent(setting(self.input, "maxSurge", "1"), "maxSurge")?;
        self.editable.push(Editable {
            key: "maxSurge",
            label: "extra pods during a rollout",
            value: match &surge {
                Value::String(s) => s.clone(),
                v => v.to_string(),
            },
        });
        let strategy = json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": surge}});
        self.set("/spec/strategy", strategy);
        Ok(format!(
            "RollingUpdate with maxUnavailable 0 and maxSurge {}: no capacity lost during a deploy",
            self.editable[0].value
        ))
    }

    fn history(&mut self) -> Result<String, FixError> {
        let n = setting(self.input, "revisionHistoryLimit", "5");
        let n: u32 = n
            .parse()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| FixError(format!("revisionHistoryLimit={n}: expected 1 or more")))?;
        self.editable.push(Editable {
            key: "revisionHistoryLimit",
            label: "old ReplicaSets kept for rollback",
            value: n.to_string(),
        });
        self.set("/spec/revisionHistoryLimit", json!(n));
        Ok(format!("keep {n} old revisions for rollback"))
    }
}

/// Cold start × 1.5, in probe periods (rounded up).
fn startup_threshold(cold: f64, period: i64) -> i64 {
    ((cold * 1.5) / period as f64).ceil().max(1.0) as i64
}

/// A quantity scaled, written in the unit people use: millicores for cpu, Mi for memory.
fn scaled(v: f64, r: Resource) -> String {
    match r {
        Resource::Cpu => format!("{}m", (v * 1000.0).ceil() as i64),
        Resource::Memory => format!("{}Mi", (v / (1024.0 * 1024.0)).ceil() as i64),
    }
}

/// The endpoint a new probe checks: httpGet on a port named http or https, else tcpSocket on the
/// first declared port.
fn endpoint(c: &Container, path: &str) -> Result<Value, FixError> {
    let named = |n: &str| c.ports.iter().find(|p| p.name.as_deref() == Some(n));
    if let Some(p) = named("http").or_else(|| named("https")) {
        let mut h =
            json!({"httpGet": {"path": path, "port": p.name.as_deref().unwrap_or_default()}});
        if p.name.as_deref() == Some("https") {
            h["httpGet"]["scheme"] = json!("HTTPS");
        }
        return Ok(h);
    }
    match c.ports.first() {
        Some(p) => Ok(match p.name.as_deref() {
            Some(n) => json!({"tcpSocket": {"port": n}}),
            None => json!({"tcpSocket": {"port": p.port}}),
        }),
        None => err(format!(
            "container {:?} declares no port: kvet cannot tell what to probe; add a probe by hand",
            &*c.name
        )),
    }
}

fn port_json(p: &PortRef) -> Value {
    match p {
        PortRef::Number(n) => json!(n),
        PortRef::Name(n) => json!(&**n),
    }
}

/// A probe handler as the API writes it.
fn handler_json(h: &Handler) -> Value {
    match h {
        Handler::Exec(cmd) => {
            json!({"exec": {"command": cmd.iter().map(|c| &**c).collect::<Vec<_>>()}})
        }
        Handler::HttpGet {
            path,
            port,
            scheme,
            host,
            headers,
        } => {
            let mut v = json!({"httpGet": {"port": port_json(port)}});
            if let Some(h) = host {
                v["httpGet"]["host"] = json!(&**h);
            }
            if !headers.is_empty() {
                v["httpGet"]["httpHeaders"] = json!(headers
                    .iter()
                    .map(|(n, v)| json!({"name": &**n, "value": &**v}))
                    .collect::<Vec<_>>());
            }
            if let Some(p) = path {
                v["httpGet"]["path"] = json!(&**p);
            }
            if let Some(s) = scheme {
                v["httpGet"]["scheme"] = json!(&**s);
            }
            v
        }
        Handler::TcpSocket { port } => json!({"tcpSocket": {"port": port_json(port)}}),
        Handler::Grpc { port, service } => {
            let mut v = json!({"grpc": {"port": port}});
            if let Some(s) = service {
                v["grpc"]["service"] = json!(&**s);
            }
            v
        }
        Handler::Sleep { seconds } => json!({"sleep": {"seconds": seconds}}),
        Handler::Missing => json!({}),
    }
}

fn merge(into: &mut Value, from: &Value) {
    if let (Some(a), Some(b)) = (into.as_object_mut(), from.as_object()) {
        for (k, v) in b {
            a.insert(k.clone(), v.clone());
        }
    }
}

/// Whether a probe JSON we are about to add equals an existing projection.
fn same_probe(existing: &Probe, new: &Value) -> bool {
    let ft = new["failureThreshold"].as_i64().unwrap_or(3);
    let period = new["periodSeconds"].as_i64().unwrap_or(10);
    let delay = new["initialDelaySeconds"].as_i64().unwrap_or(0);
    existing.failure_threshold == ft
        && existing.period_seconds == period
        && existing.initial_delay_seconds == delay
        && handler_json(&existing.handler)
            == new
                .as_object()
                .map(|m| {
                    Value::Object(
                        m.iter()
                            .filter(|(k, _)| {
                                matches!(k.as_str(), "exec" | "httpGet" | "tcpSocket" | "grpc")
                            })
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect(),
                    )
                })
                .unwrap_or_default()
}

fn pdb_missing(input: &FixInput, wl: &Workload) -> Result<FixPlan, FixError> {
    let max = int_or_percent(setting(input, "maxUnavailable", "1"), "maxUnavailable")?;
    let selector = input
        .object
        .pointer("/spec/selector")
        .cloned()
        .filter(|s| s.is_object())
        .ok_or_else(|| FixError("the workload has no spec.selector to copy".into()))?;
    let ns = wl.meta.namespace();
    // A name that clashes with no PDB of the namespace.
    let taken = |n: &str| {
        input
            .snap
            .pdbs
            .iter()
            .any(|p| p.meta.namespace() == ns && &*p.meta.name == n)
    };
    let base = format!("{}-pdb", wl.meta.name);
    let mut name = base.clone();
    let mut k = 2;
    while taken(&name) {
        name = format!("{base}-{k}");
        k += 1;
    }
    let pdb = json!({
        "apiVersion": input.pdb_api_version,
        "kind": "PodDisruptionBudget",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"maxUnavailable": max.clone(), "selector": selector},
    });
    Ok(FixPlan {
        check: "pdb-missing",
        target: ObjectRef::new(Kind::PodDisruptionBudget, Some(ns), &name),
        summary: format!(
            "create PodDisruptionBudget {ns}/{name} with maxUnavailable {}: a drain evicts no more than that at a time",
            display(&max)
        ),
        change: Change::Create(pdb),
        editable: vec![Editable {
            key: "maxUnavailable",
            label: "replicas a drain may take at once",
            value: display(&max),
        }],
        notes: Vec::new(),
    })
}

fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

fn pdb_blocks_drain(input: &FixInput) -> Result<FixPlan, FixError> {
    let max = int_or_percent(setting(input, "maxUnavailable", "1"), "maxUnavailable")?;
    let obj = input.object;
    let mut ops = Ops::new(obj.clone());
    if obj.pointer("/spec/minAvailable").is_some() {
        ops.guard("/spec/minAvailable");
        ops.remove("/spec/minAvailable");
    }
    ops.set("/spec/maxUnavailable", max.clone());
    Ok(FixPlan {
        check: "pdb-blocks-drain",
        target: input.finding.object.clone(),
        summary: format!(
            "set maxUnavailable {} (instead of a budget that allows no disruption): drains proceed one pod at a time",
            display(&max)
        ),
        change: Change::Patch(ops.0),
        editable: vec![Editable {
            key: "maxUnavailable",
            label: "pods a drain may take at once",
            value: display(&max),
        }],
        notes: Vec::new(),
    })
}

fn hpa_min_replicas(input: &FixInput) -> Result<FixPlan, FixError> {
    let n: u32 = setting(input, "minReplicas", "2")
        .parse()
        .ok()
        .filter(|n| *n >= 2)
        .ok_or_else(|| FixError("minReplicas: expected 2 or more".into()))?;
    let mut ops = Ops::new(input.object.clone());
    ops.set("/spec/minReplicas", json!(n));
    if let Some(max) = input
        .object
        .pointer("/spec/maxReplicas")
        .and_then(Value::as_u64)
    {
        if max < n as u64 {
            ops.set("/spec/maxReplicas", json!(n));
        }
    }
    Ok(FixPlan {
        check: "hpa-min-replicas",
        target: input.finding.object.clone(),
        summary: format!(
            "set minReplicas {n}: one pod's loss or eviction no longer takes the service down"
        ),
        change: Change::Patch(ops.0),
        editable: vec![Editable {
            key: "minReplicas",
            label: "the fewest replicas the HPA keeps",
            value: n.to_string(),
        }],
        notes: Vec::new(),
    })
}
