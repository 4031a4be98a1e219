//! PURE. Projections back to Kubernetes-shaped objects, for `kvet snapshot save`. Only what kvet
//! keeps is written, so decoding the result gives the same projections (a test checks it).
//! Secret and ConfigMap values were never kept: their keys are written with empty values.

use super::encode_pod::{int_or_percent, pod_spec, port, resources};
use super::meta::{Labels, Meta};
use super::objects::*;
use serde_json::{json, Map, Value};

fn labels(l: &Labels) -> Value {
    Value::Object(
        l.iter()
            .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
            .collect(),
    )
}

fn meta(m: &Meta) -> Value {
    let mut o = Map::new();
    o.insert("name".into(), json!(&*m.name));
    if let Some(ns) = &m.namespace {
        o.insert("namespace".into(), json!(&**ns));
    }
    if !m.labels.is_empty() {
        o.insert("labels".into(), labels(&m.labels));
    }
    if !m.annotations.is_empty() {
        o.insert("annotations".into(), labels(&m.annotations));
    }
    if let Some(a) = &m.applied_as {
        let ann = o.entry("annotations").or_insert_with(|| json!({}));
        ann[super::decode::APPLIED_AS] = json!(format!("{} {}", a.0, a.1));
    }
    if let Some(owner) = &m.owner {
        o.insert(
            "ownerReferences".into(),
            json!([{"kind": owner.kind.as_str(), "name": &*owner.name, "controller": owner.controller}]),
        );
    }
    Value::Object(o)
}

pub(super) fn selector(s: &crate::model::LabelSelector) -> Value {
    let mut o = Map::new();
    if !s.match_labels.is_empty() {
        o.insert(
            "matchLabels".into(),
            Value::Object(
                s.match_labels
                    .iter()
                    .map(|(k, v)| (k.to_string(), json!(&**v)))
                    .collect(),
            ),
        );
    }
    if !s.expressions.is_empty() {
        o.insert(
            "matchExpressions".into(),
            Value::Array(
                s.expressions
                    .iter()
                    .map(|r| json!({"key": &*r.key, "operator": r.operator.to_string(), "values": r.values.iter().map(|v| &**v).collect::<Vec<_>>()}))
                    .collect(),
            ),
        );
    }
    Value::Object(o)
}

fn workload(w: &Workload) -> Value {
    let kind = w.kind.kind();
    let mut v = json!({"apiVersion": &*w.meta.api_version, "kind": kind.as_str(), "metadata": meta(&w.meta)});
    let template = json!({
        "metadata": {"labels": labels(&w.template_labels), "annotations": labels(&w.template_annotations)},
        "spec": pod_spec(&w.spec),
    });
    let mut spec = Map::new();
    if let Some(r) = w.replicas {
        spec.insert("replicas".into(), json!(r));
    }
    if let Some(s) = &w.selector {
        spec.insert("selector".into(), selector(s));
    }
    if let Some(r) = w.revision_history_limit {
        spec.insert("revisionHistoryLimit".into(), json!(r));
    }
    if w.strategy != Strategy::default() {
        let mut st = Map::new();
        if let Some(k) = &w.strategy.kind {
            st.insert("type".into(), json!(&**k));
        }
        let mut ru = Map::new();
        if let Some(m) = &w.strategy.max_unavailable {
            ru.insert("maxUnavailable".into(), int_or_percent(m));
        }
        if let Some(m) = &w.strategy.max_surge {
            ru.insert("maxSurge".into(), int_or_percent(m));
        }
        if !ru.is_empty() {
            st.insert("rollingUpdate".into(), Value::Object(ru));
        }
        let field = if w.kind == WorkloadKind::Deployment {
            "strategy"
        } else {
            "updateStrategy"
        };
        spec.insert(field.into(), Value::Object(st));
    }
    if w.kind == WorkloadKind::CronJob {
        spec.insert(
            "jobTemplate".into(),
            json!({"spec": {"template": template}}),
        );
    } else {
        spec.insert("template".into(), template);
    }
    v["spec"] = Value::Object(spec);
    let s = &w.status;
    let mut status = Map::new();
    for (f, x) in [
        ("replicas", s.replicas),
        ("readyReplicas", s.ready),
        ("availableReplicas", s.available),
        ("updatedReplicas", s.updated),
    ] {
        if let Some(x) = x {
            status.insert(f.into(), json!(x));
        }
    }
    if !s.conditions.is_empty() {
        status.insert("conditions".into(), conditions(&s.conditions));
    }
    if !status.is_empty() {
        v["status"] = Value::Object(status);
    }
    v
}

fn condition(c: &Condition) -> Value {
    let mut v = json!({"type": &*c.kind, "status": &*c.status});
    for (k, x) in [
        ("reason", &c.reason),
        ("message", &c.message),
        ("lastTransitionTime", &c.since),
    ] {
        if let Some(x) = x {
            v[k] = json!(&**x);
        }
    }
    v
}

fn conditions(list: &[Condition]) -> Value {
    Value::Array(list.iter().map(condition).collect())
}

fn pod(p: &Pod) -> Value {
    let mut spec = pod_spec(&p.spec);
    if let Some(n) = &p.node_name {
        spec["nodeName"] = json!(&**n);
    }
    let mut status = Map::new();
    if let Some(ph) = &p.phase {
        status.insert("phase".into(), json!(&**ph));
    }
    if let Some(first) = p.ips.first() {
        status.insert("podIP".into(), json!(first.to_string()));
        let all: Vec<Value> = p.ips.iter().map(|a| json!({"ip": a.to_string()})).collect();
        status.insert("podIPs".into(), Value::Array(all));
    }
    let mut cond = json!({"type": "Ready", "status": if p.ready { "True" } else { "False" }});
    if let Some(t) = &p.ready_since {
        cond["lastTransitionTime"] = json!(&**t);
    }
    let mut conds = vec![cond];
    if let Some(t) = &p.trouble {
        if let Some(c) = &t.unscheduled {
            conds.push(condition(c));
        }
        if let Some(r) = &t.reason {
            status.insert("reason".into(), json!(&**r));
        }
        if let Some(m) = &t.message {
            status.insert("message".into(), json!(&**m));
        }
    }
    status.insert("conditions".into(), Value::Array(conds));
    status.insert(
        "containerStatuses".into(),
        Value::Array(
            p.containers
                .iter()
                .map(|c| {
                    let mut state = Map::new();
                    let trouble = c.trouble.as_deref().cloned().unwrap_or_default();
                    if let Some(w) = &c.waiting_reason {
                        let mut x = json!({"reason": &**w});
                        if let Some(m) = &trouble.waiting_message {
                            x["message"] = json!(&**m);
                        }
                        state.insert("waiting".into(), x);
                    } else if let Some(t) = &c.started_at {
                        state.insert("running".into(), json!({"startedAt": &**t}));
                    }
                    let mut v = json!({"name": &*c.name, "ready": c.ready, "restartCount": c.restart_count, "state": state});
                    if c.last_terminated_reason.is_some() || trouble.last_exit_code.is_some() {
                        let mut t = json!({});
                        if let Some(r) = &c.last_terminated_reason {
                            t["reason"] = json!(&**r);
                        }
                        if let Some(code) = trouble.last_exit_code {
                            t["exitCode"] = json!(code);
                        }
                        if let Some(at) = &trouble.last_finished_at {
                            t["finishedAt"] = json!(&**at);
                        }
                        v["lastState"] = json!({"terminated": t});
                    }
                    v
                })
                .collect(),
        ),
    );
    let mut m = meta(&p.meta);
    if let Some(t) = &p.deleted_at {
        m["deletionTimestamp"] = json!(&**t);
    }
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": m, "spec": spec, "status": status})
}

fn rules(rules: &[PolicyRule], ingress: bool) -> Value {
    Value::Array(
        rules
            .iter()
            .map(|r| {
                let peers: Vec<Value> = r
                    .peers
                    .iter()
                    .map(|p| {
                        let mut o = Map::new();
                        if let Some(s) = &p.pod_selector {
                            o.insert("podSelector".into(), selector(s));
                        }
                        if let Some(s) = &p.namespace_selector {
                            o.insert("namespaceSelector".into(), selector(s));
                        }
                        if let Some(b) = &p.ip_block {
                            o.insert("ipBlock".into(), json!({"cidr": &*b.cidr, "except": b.except.iter().map(|e| &**e).collect::<Vec<_>>()}));
                        }
                        Value::Object(o)
                    })
                    .collect();
                let ports: Vec<Value> = r
                    .ports
                    .iter()
                    .map(|p| {
                        let mut o = json!({"protocol": &*p.protocol});
                        if let Some(x) = &p.port {
                            o["port"] = port(x);
                        }
                        if let Some(e) = p.end_port {
                            o["endPort"] = json!(e);
                        }
                        o
                    })
                    .collect();
                let mut o = Map::new();
                if !peers.is_empty() {
                    o.insert((if ingress { "from" } else { "to" }).into(), Value::Array(peers));
                }
                if !ports.is_empty() {
                    o.insert("ports".into(), Value::Array(ports));
                }
                Value::Object(o)
            })
            .collect(),
    )
}

/// One projection as a Kubernetes object.
pub fn encode(o: &Object) -> Value {
    match o {
        Object::Workload(w) => workload(w),
        Object::Pod(p) => pod(p),
        Object::Namespace(n) => {
            let mut v = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": meta(&n.meta)});
            if let Some(p) = &n.phase {
                v["status"] = json!({"phase": &**p});
            }
            v
        }
        Object::Node(n) => {
            let mut v = json!({"apiVersion": "v1", "kind": "Node", "metadata": meta(&n.meta),
                "spec": {"unschedulable": n.unschedulable, "taints": n.taints.iter().map(|t| {
                    let mut x = json!({"key": &*t.key, "effect": &*t.effect});
                    if let Some(v) = &t.value { x["value"] = json!(&**v); }
                    x
                }).collect::<Vec<_>>()},
                "status": {"allocatable": resources(&n.allocatable)}});
            if !n.conditions.is_empty() {
                v["status"]["conditions"] = conditions(&n.conditions);
            } else if let Some(r) = n.ready {
                v["status"]["conditions"] =
                    json!([{"type": "Ready", "status": if r { "True" } else { "False" }}]);
            }
            v
        }
        Object::Service(s) => {
            let mut spec = json!({"type": &*s.service_type, "ports": s.ports.iter().map(|p| {
                let mut x = json!({"port": p.port, "protocol": &*p.protocol});
                if let Some(n) = &p.name { x["name"] = json!(&**n); }
                if let Some(t) = &p.target_port { x["targetPort"] = port(t); }
                x
            }).collect::<Vec<_>>()});
            if let Some(sel) = &s.selector {
                spec["selector"] = Value::Object(
                    sel.match_labels
                        .iter()
                        .map(|(k, v)| (k.to_string(), json!(&**v)))
                        .collect(),
                );
            }
            json!({"apiVersion": "v1", "kind": "Service", "metadata": meta(&s.meta), "spec": spec})
        }
        Object::Pdb(p) => {
            let mut spec = Map::new();
            if let Some(s) = &p.selector {
                spec.insert("selector".into(), selector(s));
            }
            if let Some(m) = &p.min_available {
                spec.insert("minAvailable".into(), int_or_percent(m));
            }
            if let Some(m) = &p.max_unavailable {
                spec.insert("maxUnavailable".into(), int_or_percent(m));
            }
            if let Some(u) = &p.unhealthy_policy {
                spec.insert("unhealthyPodEvictionPolicy".into(), json!(&**u));
            }
            let mut v = json!({"apiVersion": &*p.meta.api_version, "kind": "PodDisruptionBudget", "metadata": meta(&p.meta), "spec": spec});
            if let Some(d) = p.disruptions_allowed {
                v["status"] = json!({"disruptionsAllowed": d});
            }
            v
        }
        Object::Hpa(h) => {
            // Written as autoscaling/v2 whatever it was read as: the metrics are normalised.
            let m = meta(&h.meta);
            let metrics: Vec<Value> = h
                .metrics
                .iter()
                .map(|x| match x {
                    HpaMetric::Resource { name, container, utilization } => {
                        let target = match utilization {
                            Some(u) => json!({"type": "Utilization", "averageUtilization": u}),
                            None => json!({"type": "AverageValue"}),
                        };
                        match container {
                            Some(c) => json!({"type": "ContainerResource", "containerResource": {"name": &**name, "container": &**c, "target": target}}),
                            None => json!({"type": "Resource", "resource": {"name": &**name, "target": target}}),
                        }
                    }
                    HpaMetric::Other(k) => json!({"type": &**k}),
                })
                .collect();
            let mut spec = json!({"scaleTargetRef": {"apiVersion": &*h.target.api_version, "kind": &*h.target.kind, "name": &*h.target.name}, "metrics": metrics});
            if let Some(x) = h.min_replicas {
                spec["minReplicas"] = json!(x);
            }
            if let Some(x) = h.max_replicas {
                spec["maxReplicas"] = json!(x);
            }
            let mut v = json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": m, "spec": spec});
            let mut status = Map::new();
            if let Some(x) = h.current_replicas {
                status.insert("currentReplicas".into(), json!(x));
            }
            if let Some(x) = h.desired_replicas {
                status.insert("desiredReplicas".into(), json!(x));
            }
            if !h.conditions.is_empty() {
                status.insert("conditions".into(), conditions(&h.conditions));
            }
            if !status.is_empty() {
                v["status"] = Value::Object(status);
            }
            v
        }
        Object::NetworkPolicy(n) => {
            let mut types = Vec::new();
            if n.ingress_isolation {
                types.push("Ingress");
            }
            if n.egress_isolation {
                types.push("Egress");
            }
            json!({"apiVersion": &*n.meta.api_version, "kind": "NetworkPolicy", "metadata": meta(&n.meta),
                "spec": {"podSelector": selector(&n.pod_selector), "policyTypes": types, "ingress": rules(&n.ingress, true), "egress": rules(&n.egress, false)}})
        }
        Object::AdminNetworkPolicy(a) => super::admin::encode(a, meta(&a.meta), selector),
        Object::ServiceAccount(s) => {
            let mut v =
                json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta(&s.meta)});
            if let Some(a) = s.automount_token {
                v["automountServiceAccountToken"] = json!(a);
            }
            v
        }
        Object::Role(r) => {
            let kind = if r.is_cluster_role() {
                "ClusterRole"
            } else {
                "Role"
            };
            let mut v = json!({"apiVersion": &*r.meta.api_version, "kind": kind, "metadata": meta(&r.meta),
                "rules": r.rules.iter().map(|x| json!({
                    "apiGroups": x.api_groups.iter().map(|s| &**s).collect::<Vec<_>>(),
                    "resources": x.resources.iter().map(|s| &**s).collect::<Vec<_>>(),
                    "verbs": x.verbs.iter().map(|s| &**s).collect::<Vec<_>>(),
                    "resourceNames": x.resource_names.iter().map(|s| &**s).collect::<Vec<_>>(),
                    "nonResourceURLs": x.non_resource_urls.iter().map(|s| &**s).collect::<Vec<_>>(),
                })).collect::<Vec<_>>()});
            if !r.aggregation.is_empty() {
                v["aggregationRule"] = json!({"clusterRoleSelectors": r.aggregation.iter().map(selector).collect::<Vec<_>>()});
            }
            v
        }
        Object::Binding(b) => {
            let kind = if b.meta.namespace.is_none() {
                "ClusterRoleBinding"
            } else {
                "RoleBinding"
            };
            json!({"apiVersion": &*b.meta.api_version, "kind": kind, "metadata": meta(&b.meta),
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": &*b.role_kind, "name": &*b.role_name},
                "subjects": b.subjects.iter().map(|s| {
                    let mut x = json!({"kind": &*s.kind, "name": &*s.name});
                    if let Some(ns) = &s.namespace { x["namespace"] = json!(&**ns); }
                    x
                }).collect::<Vec<_>>()})
        }
        Object::ResourceQuota(q) => {
            let pairs = |v: &[(Box<str>, Box<str>)]| -> Value {
                Value::Object(
                    v.iter()
                        .map(|(k, v)| (k.to_string(), json!(&**v)))
                        .collect(),
                )
            };
            let mut o = json!({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": meta(&q.meta),
            "spec": {"hard": pairs(&q.hard)}});
            if !q.used.is_empty() {
                o["status"] = json!({"hard": pairs(&q.hard), "used": pairs(&q.used)});
            }
            o
        }
        Object::Event(e) => {
            let r = &e.regarding;
            let mut about = json!({"kind": r.kind.as_str(), "name": &*r.name});
            if let Some(ns) = &r.namespace {
                about["namespace"] = json!(&**ns);
            }
            let mut v = json!({"apiVersion": "v1", "kind": "Event", "metadata": meta(&e.meta),
                "involvedObject": about, "reason": &*e.reason, "message": &*e.message,
                "type": if e.warning { "Warning" } else { "Normal" }, "count": e.count});
            if let Some(t) = &e.last_seen {
                v["lastTimestamp"] = json!(&**t);
            }
            v
        }
        Object::Ingress(i) => {
            let paths: Vec<Value> = i
                .services
                .iter()
                .map(|s| {
                    json!({"path": "/", "pathType": "Prefix",
                "backend": {"service": {"name": &**s, "port": {"number": 80}}}})
                })
                .collect();
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta(&i.meta),
            "spec": {"rules": [{"http": {"paths": paths}}]}})
        }
        Object::Webhook(w) => {
            let hooks: Vec<Value> = w.services.iter().enumerate().map(|(n, (ns, name))| json!({
                "name": format!("hook-{n}.kvet.io"), "clientConfig": {"service": {"namespace": &**ns, "name": &**name}},
                "sideEffects": "None", "admissionReviewVersions": ["v1"]})).collect();
            json!({"apiVersion": "admissionregistration.k8s.io/v1",
            "kind": if w.mutating { "MutatingWebhookConfiguration" } else { "ValidatingWebhookConfiguration" },
            "metadata": meta(&w.meta), "webhooks": hooks})
        }
        Object::Crd(c) => {
            json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": meta(&c.meta),
            "spec": {"group": &*c.group, "names": {"plural": &*c.plural},
                "scope": if c.namespaced { "Namespaced" } else { "Cluster" }}})
        }
        Object::Pvc(p) => {
            json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta(&p.meta),
            "spec": {"accessModes": p.access_modes.iter().map(|m| &**m).collect::<Vec<_>>()}})
        }
        Object::LimitRange(l) => {
            json!({"apiVersion": "v1", "kind": "LimitRange", "metadata": meta(&l.meta),
            "spec": {"limits": l.items.iter().map(|i| json!({"type": &*i.item_type, "default": resources(&i.default_limit),
                "defaultRequest": resources(&i.default_request), "max": resources(&i.max), "min": resources(&i.min)})).collect::<Vec<_>>()}})
        }
        Object::Data(d) => {
            let mut v = json!({"apiVersion": "v1", "kind": d.kind.as_str(), "metadata": meta(&d.meta),
                "data": Value::Object(d.keys.iter().map(|(k, _)| (k.to_string(), json!(""))).collect())});
            if let Some(t) = &d.data_type {
                v["type"] = json!(&**t);
            }
            v
        }
        Object::Report(r) => {
            let results: Vec<Value> = r.results.iter().map(|x| {
                let mut v = json!({"source": &*x.source, "policy": &*x.policy, "result": &*x.result,
                    "message": &*x.message});
                for (k, f) in [("rule", &x.rule), ("category", &x.category), ("severity", &x.severity)] {
                    if let Some(f) = f {
                        v[k] = json!(&**f);
                    }
                }
                if let Some(o) = &x.object {
                    v["resources"] = json!([{"kind": o.kind.as_str(), "namespace": o.namespace.as_deref(), "name": &*o.name}]);
                }
                v
            }).collect();
            json!({"apiVersion": &*r.meta.api_version, "kind": &*r.kind, "metadata": meta(&r.meta),
                "summary": {"pass": r.passed}, "results": results})
        }
        Object::Other(o) => {
            json!({"apiVersion": &*o.meta.api_version, "kind": &*o.kind, "metadata": meta(&o.meta)})
        }
    }
}

/// Annotation on the List that `kvet snapshot save` writes: where it was captured.
pub const CAPTURED_FROM: &str = "kvet.io/captured-from";
/// The API server's version when the snapshot was saved (`1.20`).
pub const SERVER_VERSION: &str = "kvet.io/server-version";

/// A `kind: List` of every object of a snapshot, marked as captured from a live cluster.
pub fn snapshot_list(s: &crate::model::Snapshot, context: &str) -> Value {
    let objects = s.objects();
    // Reopened, the List reads as a live capture, whose objects deprecated-api judges by the
    // version they were applied as: offline, that is the version they are written in.
    let written_as_is = s.source_kind.is_offline() && !s.captured_live;
    let items: Vec<Value> = objects
        .iter()
        .map(|o| {
            let mut v = encode(o);
            if written_as_is && v["metadata"]["annotations"][super::decode::APPLIED_AS].is_null() {
                let a = format!(
                    "{} {}",
                    v["apiVersion"].as_str().unwrap_or(""),
                    v["kind"].as_str().unwrap_or("")
                );
                if let Some(m) = v["metadata"].as_object_mut() {
                    let ann = m.entry("annotations").or_insert_with(|| json!({}));
                    ann[super::decode::APPLIED_AS] = json!(a);
                }
            }
            v
        })
        .collect();
    let mut annotations = json!({CAPTURED_FROM: "live", "kvet.io/context": context});
    if let Some((major, minor)) = s.server_version {
        annotations[SERVER_VERSION] = json!(format!("{major}.{minor}"));
    }
    json!({
        "apiVersion": "v1",
        "kind": "List",
        "metadata": {"annotations": annotations},
        "items": items,
    })
}
