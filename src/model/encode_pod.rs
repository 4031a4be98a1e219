//! PURE. The pod-spec half of `encode.rs`: containers, probes, handlers, resources, security
//! contexts and the pod spec, written back in the shape they were read from.

use super::encode::selector;
use crate::model::*;
use serde_json::{json, Map, Value};

pub(super) fn int_or_percent(v: &IntOrPercent) -> Value {
    match v {
        IntOrPercent::Int(i) => json!(i),
        other => json!(other.text()),
    }
}

pub(super) fn port(p: &PortRef) -> Value {
    match p {
        PortRef::Number(n) => json!(n),
        PortRef::Name(s) => json!(&**s),
    }
}

pub(super) fn handler(h: &Handler) -> Value {
    match h {
        Handler::Exec(cmd) => {
            json!({"exec": {"command": cmd.iter().map(|c| &**c).collect::<Vec<_>>()}})
        }
        Handler::HttpGet {
            path,
            port: p,
            scheme,
            host,
            headers,
        } => {
            let mut o = json!({"port": port(p)});
            if let Some(h) = host {
                o["host"] = json!(&**h);
            }
            if !headers.is_empty() {
                o["httpHeaders"] = json!(headers
                    .iter()
                    .map(|(n, v)| json!({"name": &**n, "value": &**v}))
                    .collect::<Vec<_>>());
            }
            if let Some(path) = path {
                o["path"] = json!(&**path);
            }
            if let Some(s) = scheme {
                o["scheme"] = json!(&**s);
            }
            json!({"httpGet": o})
        }
        Handler::TcpSocket { port: p } => json!({"tcpSocket": {"port": port(p)}}),
        Handler::Grpc { port, service } => {
            let mut o = json!({"port": port});
            if let Some(s) = service {
                o["service"] = json!(&**s);
            }
            json!({"grpc": o})
        }
        Handler::Sleep { seconds } => json!({"sleep": {"seconds": seconds}}),
        Handler::Missing => json!({}),
    }
}

pub(super) fn probe(p: &Probe) -> Value {
    let mut v = handler(&p.handler);
    v["initialDelaySeconds"] = json!(p.initial_delay_seconds);
    v["periodSeconds"] = json!(p.period_seconds);
    v["timeoutSeconds"] = json!(p.timeout_seconds);
    v["successThreshold"] = json!(p.success_threshold);
    v["failureThreshold"] = json!(p.failure_threshold);
    v
}

pub(super) fn resources(r: &ResourcePair) -> Value {
    let mut o = Map::new();
    if let Some(c) = &r.cpu {
        o.insert("cpu".into(), json!(&**c));
    }
    if let Some(m) = &r.memory {
        o.insert("memory".into(), json!(&**m));
    }
    Value::Object(o)
}

pub(super) fn container(c: &Container) -> Value {
    let mut o = json!({
        "name": &*c.name,
        "image": &*c.image,
        "resources": {"requests": resources(&c.requests), "limits": resources(&c.limits)},
    });
    if !c.ports.is_empty() {
        o["ports"] = Value::Array(
            c.ports
                .iter()
                .map(|p| {
                    let mut v = json!({"containerPort": p.port, "protocol": &*p.protocol});
                    if let Some(n) = &p.name {
                        v["name"] = json!(&**n);
                    }
                    v
                })
                .collect(),
        );
    }
    for (field, p) in [
        ("readinessProbe", &c.readiness),
        ("livenessProbe", &c.liveness),
        ("startupProbe", &c.startup),
    ] {
        if let Some(p) = p {
            o[field] = probe(p);
        }
    }
    if let Some(h) = &c.pre_stop {
        o["lifecycle"] = json!({"preStop": handler(h)});
    }
    if let Some(r) = &c.restart_policy {
        o["restartPolicy"] = json!(&**r);
    }
    if c.security != SecurityContext::default() {
        o["securityContext"] = security(&c.security);
    }
    o
}

pub(super) fn security(s: &SecurityContext) -> Value {
    let mut m = Map::new();
    for (k, v) in [
        ("privileged", s.privileged),
        ("allowPrivilegeEscalation", s.allow_privilege_escalation),
        ("runAsNonRoot", s.run_as_non_root),
    ] {
        if let Some(v) = v {
            m.insert(k.into(), json!(v));
        }
    }
    if let Some(u) = s.run_as_user {
        m.insert("runAsUser".into(), json!(u));
    }
    Value::Object(m)
}

pub(super) fn pod_spec(s: &PodSpec) -> Value {
    let mut o = json!({"containers": s.containers.iter().map(container).collect::<Vec<_>>()});
    if !s.init_containers.is_empty() {
        o["initContainers"] = Value::Array(s.init_containers.iter().map(container).collect());
    }
    if let Some(sa) = &s.service_account {
        o["serviceAccountName"] = json!(&**sa);
    }
    if let Some(g) = s.termination_grace_seconds {
        o["terminationGracePeriodSeconds"] = json!(g);
    }
    if let Some(r) = &s.restart_policy {
        o["restartPolicy"] = json!(&**r);
    }
    if let Some(a) = s.automount_token {
        o["automountServiceAccountToken"] = json!(a);
    }
    for (f, b) in [
        ("hostNetwork", s.host_network),
        ("hostPID", s.host_pid),
        ("hostIPC", s.host_ipc),
    ] {
        if b {
            o[f] = json!(true);
        }
    }
    if !s.empty_dirs.is_empty() || !s.claims.is_empty() {
        let mut v: Vec<Value> = s
            .empty_dirs
            .iter()
            .map(|n| json!({"name": &**n, "emptyDir": {}}))
            .collect();
        v.extend(s.claims.iter().enumerate().map(|(i, c)| {
            json!({"name": format!("claim-{i}"), "persistentVolumeClaim": {"claimName": &**c}})
        }));
        o["volumes"] = Value::Array(v);
    }
    if s.security != SecurityContext::default() {
        o["securityContext"] = security(&s.security);
    }
    if !s.anti_affinity_keys.is_empty() {
        let terms: Vec<Value> = s
            .anti_affinity_keys
            .iter()
            .map(|k| json!({"weight": 100, "podAffinityTerm": {"topologyKey": &**k}}))
            .collect();
        o["affinity"] =
            json!({"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": terms}});
    }
    if !s.placement.selector.is_empty() {
        o["nodeSelector"] = Value::Object(
            s.placement
                .selector
                .iter()
                .map(|(k, v)| (k.to_string(), json!(&**v)))
                .collect(),
        );
    }
    if !s.placement.terms.is_empty() {
        let terms: Vec<Value> = s
            .placement
            .terms
            .iter()
            .map(|t| {
                let mut term = match selector(&t.labels) {
                    Value::Object(m) => json!({"matchExpressions": m.get("matchExpressions").cloned().unwrap_or(json!([]))}),
                    _ => json!({}),
                };
                if let Some(names) = &t.names {
                    term["matchFields"] = json!([{"key": "metadata.name", "operator": "In",
                        "values": names.iter().map(|n| &**n).collect::<Vec<_>>()}]);
                }
                term
            })
            .collect();
        if o.get("affinity").is_none() {
            o["affinity"] = json!({});
        }
        o["affinity"]["nodeAffinity"] =
            json!({"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": terms}});
    }
    if !s.spread_keys.is_empty() {
        let v: Vec<Value> = s
            .spread_keys
            .iter()
            .map(|k| json!({"topologyKey": &**k, "maxSkew": 1, "whenUnsatisfiable": "ScheduleAnyway"}))
            .collect();
        o["topologySpreadConstraints"] = Value::Array(v);
    }
    if !s.tolerations.is_empty() {
        let v: Vec<Value> = s
            .tolerations
            .iter()
            .map(|t| {
                let mut m = Map::new();
                if !t.key.is_empty() {
                    m.insert("key".into(), json!(&*t.key));
                }
                m.insert(
                    "operator".into(),
                    json!(if t.exists { "Exists" } else { "Equal" }),
                );
                if !t.value.is_empty() {
                    m.insert("value".into(), json!(&*t.value));
                }
                if !t.effect.is_empty() {
                    m.insert("effect".into(), json!(&*t.effect));
                }
                Value::Object(m)
            })
            .collect();
        o["tolerations"] = Value::Array(v);
    }
    o
}
