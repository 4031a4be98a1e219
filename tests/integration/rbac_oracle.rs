//! The real API server is the ground truth for RBAC: a scenario of 27 subjects with Roles,
//! ClusterRoles (aggregated ones among them), resourceNames, subresources, nonResourceURLs,
//! wildcards, a cross-namespace ServiceAccount and a binding to a missing role is applied to the
//! real kube-apiserver (`--authorization-mode=RBAC`), which then answers hundreds of
//! SubjectAccessReviews. kvet's answer must agree with every one, live and from a saved snapshot.

use crate::live::kubeconfig;
use k8s_openapi::api::authorization::v1::{
    NonResourceAttributes, ResourceAttributes, SubjectAccessReview, SubjectAccessReviewSpec,
};
use kube::api::{Api, PostParams};
use kvet::rbac::{Graph, Request, Requester, Target};
use kvet::source::live::{self, LiveOptions};
use serde_json::{json, Value};

fn scenario() -> Vec<Value> {
    let mut docs = vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "rbac-a"}}),
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "rbac-b"}}),
    ];
    for ns in ["rbac-a", "rbac-b"] {
        for i in 0..10 {
            docs.push(json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": format!("sa-{i}"), "namespace": ns}}));
        }
    }
    let role = |ns: Option<&str>, name: &str, rules: Value| {
        let mut v = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": if ns.is_some() {"Role"} else {"ClusterRole"},
            "metadata": {"name": name}, "rules": rules});
        if let Some(ns) = ns {
            v["metadata"]["namespace"] = json!(ns);
        }
        v
    };
    docs.extend([
        role(Some("rbac-a"), "pod-reader", json!([{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}])),
        role(Some("rbac-a"), "exec", json!([{"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]}])),
        role(Some("rbac-a"), "named-cm", json!([{"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["app-config"], "verbs": ["get", "update"]}])),
        role(None, "kvet-secret-reader", json!([{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]}])),
        role(None, "kvet-scale-any", json!([{"apiGroups": ["apps"], "resources": ["*/scale"], "verbs": ["update", "patch"]}])),
        role(None, "kvet-wild", json!([{"apiGroups": ["apps"], "resources": ["*"], "verbs": ["*"]}])),
        role(None, "kvet-metrics", json!([{"nonResourceURLs": ["/metrics", "/debug/*"], "verbs": ["get"]}])),
        role(None, "kvet-escalator", json!([{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles", "clusterroles"], "verbs": ["escalate", "bind"]}])),
    ]);
    let mut parent = role(None, "kvet-agg-parent", json!([]));
    parent["aggregationRule"] =
        json!({"clusterRoleSelectors": [{"matchLabels": {"kvet-agg": "true"}}]});
    docs.push(parent);
    for (name, rules) in [
        (
            "kvet-agg-1",
            json!([{"apiGroups": [""], "resources": ["services"], "verbs": ["get"]}]),
        ),
        (
            "kvet-agg-2",
            json!([{"apiGroups": [""], "resources": ["endpoints"], "verbs": ["list"]}]),
        ),
    ] {
        let mut r = role(None, name, rules);
        r["metadata"]["labels"] = json!({"kvet-agg": "true"});
        docs.push(r);
    }
    let sa = |ns: &str, n: &str| json!({"kind": "ServiceAccount", "name": n, "namespace": ns});
    let user =
        |n: &str| json!({"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": n});
    let group =
        |n: &str| json!({"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": n});
    let binding = |ns: Option<&str>, name: &str, kind: &str, role: &str, subjects: Value| {
        let mut v = json!({"apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": if ns.is_some() {"RoleBinding"} else {"ClusterRoleBinding"},
            "metadata": {"name": name},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": role},
            "subjects": subjects});
        if let Some(ns) = ns {
            v["metadata"]["namespace"] = json!(ns);
        }
        v
    };
    docs.extend([
        binding(
            Some("rbac-a"),
            "rb-pod-reader",
            "Role",
            "pod-reader",
            json!([sa("rbac-a", "sa-0"), sa("rbac-a", "sa-1"), user("u-0")]),
        ),
        binding(
            Some("rbac-a"),
            "rb-exec",
            "Role",
            "exec",
            json!([sa("rbac-a", "sa-2"), group("g-0")]),
        ),
        binding(
            Some("rbac-a"),
            "rb-named",
            "Role",
            "named-cm",
            json!([sa("rbac-a", "sa-3")]),
        ),
        binding(
            Some("rbac-b"),
            "rb-secret",
            "ClusterRole",
            "kvet-secret-reader",
            json!([sa("rbac-b", "sa-4")]),
        ),
        binding(
            None,
            "kvet-crb-secret",
            "ClusterRole",
            "kvet-secret-reader",
            json!([sa("rbac-a", "sa-5")]),
        ),
        binding(
            None,
            "kvet-crb-scale",
            "ClusterRole",
            "kvet-scale-any",
            json!([user("u-1"), group("g-1")]),
        ),
        binding(
            Some("rbac-b"),
            "rb-wild",
            "ClusterRole",
            "kvet-wild",
            json!([sa("rbac-b", "sa-6"), sa("rbac-a", "sa-7")]),
        ),
        binding(
            None,
            "kvet-crb-metrics",
            "ClusterRole",
            "kvet-metrics",
            json!([user("u-2"), group("system:serviceaccounts:rbac-b")]),
        ),
        binding(
            None,
            "kvet-crb-agg",
            "ClusterRole",
            "kvet-agg-parent",
            json!([sa("rbac-a", "sa-8")]),
        ),
        binding(
            Some("rbac-a"),
            "rb-missing",
            "Role",
            "does-not-exist",
            json!([sa("rbac-a", "sa-9")]),
        ),
        binding(
            Some("rbac-b"),
            "rb-escalate",
            "ClusterRole",
            "kvet-escalator",
            json!([user("u-3")]),
        ),
    ]);
    docs
}

/// Every subject of the scenario, as kvet and the SubjectAccessReview see it.
fn subjects() -> Vec<Requester> {
    let mut out = Vec::new();
    for ns in ["rbac-a", "rbac-b"] {
        for i in 0..10 {
            out.push(Requester::service_account(ns, &format!("sa-{i}")));
        }
    }
    for u in 0..5 {
        out.push(Requester::user(&format!("u-{u}"), &[]));
    }
    out.push(Requester::user("in-g0", &["g-0".into()]));
    out.push(Requester::user("in-g1", &["g-1".into()]));
    out
}

/// (verb, resource, name) questions; every one is asked in rbac-a, rbac-b and cluster-wide.
const QUESTIONS: &[(&str, &str, &str)] = &[
    ("get", "pods", ""),
    ("list", "pods", ""),
    ("delete", "pods", ""),
    ("create", "pods/exec", ""),
    ("get", "pods/exec", ""),
    ("get", "configmaps", "app-config"),
    ("get", "configmaps", "other"),
    ("update", "configmaps", "app-config"),
    ("get", "secrets", ""),
    ("list", "secrets", ""),
    ("update", "deployments.apps/scale", ""),
    ("update", "statefulsets.apps/scale", ""),
    ("update", "deployments.apps", ""),
    ("delete", "deployments.apps", ""),
    ("get", "services", ""),
    ("list", "endpoints", ""),
    ("escalate", "roles.rbac.authorization.k8s.io", ""),
    ("bind", "clusterroles.rbac.authorization.k8s.io", ""),
    ("get", "/metrics", ""),
    ("get", "/debug/pprof", ""),
    ("get", "/healthz", ""),
    ("post", "/metrics", ""),
];

fn sar(who: &Requester, verb: &str, target: &Target, ns: Option<&str>) -> SubjectAccessReview {
    let (resource_attributes, non_resource_attributes) = match target {
        Target::Resource {
            group,
            resource,
            subresource,
            name,
        } => (
            Some(ResourceAttributes {
                namespace: ns.map(str::to_string),
                verb: Some(verb.into()),
                group: Some(group.clone()),
                resource: Some(resource.clone()),
                subresource: (!subresource.is_empty()).then(|| subresource.clone()),
                name: (!name.is_empty()).then(|| name.clone()),
                ..Default::default()
            }),
            None,
        ),
        Target::NonResource { path } => (
            None,
            Some(NonResourceAttributes {
                path: Some(path.clone()),
                verb: Some(verb.into()),
            }),
        ),
    };
    SubjectAccessReview {
        spec: SubjectAccessReviewSpec {
            user: (!who.user.is_empty()).then(|| who.user.clone()),
            groups: Some(who.groups.clone()),
            resource_attributes,
            non_resource_attributes,
            ..Default::default()
        },
        ..Default::default()
    }
}

#[test]
fn kvet_agrees_with_the_api_servers_authorizer() {
    let Some(kc) = kubeconfig() else {
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let conn = live::connect(&LiveOptions {
            kubeconfig: Some(kc.clone().into()),
            ..Default::default()
        })
        .await
        .expect("connect");
        crate::live_fixes::create_all(&conn, &scenario()).await;
        // The aggregation controller fills the parent's rules; the server decides with them.
        let roles: Api<k8s_openapi::api::rbac::v1::ClusterRole> = Api::all(conn.client.clone());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let r = roles.get("kvet-agg-parent").await.expect("parent");
            if r.rules.as_ref().is_some_and(|x| x.len() >= 2) {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "aggregation did not happen");
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        let (snap, _) = live::load(&conn).await.expect("load");
        // The same cluster saved and read back offline.
        let list = kvet::model::encode::snapshot_list(&snap, "oracle");
        let yaml = serde_saphyr::to_string(&list).expect("yaml");
        let offline = kvet::source::offline::load_texts(
            &[("saved.yaml", &yaml)],
            &Default::default(),
            kvet::model::SourceKind::Offline,
            "saved",
        );
        let live_graph = Graph::new(&snap);
        let saved_graph = Graph::new(&offline.snapshot);
        let reviews: Api<SubjectAccessReview> = Api::all(conn.client.clone());
        let (mut asked, mut allowed, mut disagreements) = (0, 0, Vec::new());
        for who in subjects() {
            for (verb, resource, name) in QUESTIONS {
                for ns in [Some("rbac-a"), Some("rbac-b"), None] {
                    let target = Target::parse(resource, None, Some(name));
                    if matches!(target, Target::NonResource { .. }) && ns.is_some() {
                        continue; // URLs have no namespace
                    }
                    let req = Request {
                        verb: verb.to_string(),
                        namespace: ns.map(str::to_string),
                        target: target.clone(),
                    };
                    let answer = reviews
                        .create(&PostParams::default(), &sar(&who, verb, &target, ns))
                        .await
                        .expect("SubjectAccessReview");
                    let server = answer.status.map(|s| s.allowed).unwrap_or(false);
                    let ours = live_graph.decide(&who, &req).allowed;
                    let saved = saved_graph.decide(&who, &req).allowed;
                    asked += 1;
                    allowed += usize::from(server);
                    if ours != server || saved != server {
                        disagreements.push(format!(
                            "{} {verb} {resource} {name} in {ns:?}: server {server}, kvet live {ours}, kvet saved {saved}",
                            who.user
                        ));
                    }
                }
            }
        }
        eprintln!("RBAC oracle: {asked} SubjectAccessReviews, {allowed} allowed, {} disagreements", disagreements.len());
        assert!(asked >= 300, "{asked} questions");
        assert!(allowed >= 30 && allowed < asked, "{allowed} of {asked} allowed: the scenario must tell yes from no");
        assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
    });
}
