//! Issue 21, live tier: `kvet diff` between snapshots of the real API server saved before and
//! after changes made through the API: a binding added, a policy widened, a PDB tightened.

use crate::live::kubeconfig;
use crate::live_fixes::{connect, create_all, kvet, rt, unique};
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use serde_json::{json, Value};

#[test]
fn diff_of_two_live_snapshots_names_the_binding_the_policy_and_the_budget() {
    let Some(kc) = kubeconfig() else {
        return;
    };
    let ns = &unique("kvet-diff");
    let rt = rt();
    let conn = rt.block_on(connect(&kc));
    let app = |name: &str| {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}},
                "template": {"metadata": {"labels": {"app": name}}, "spec": {
                    "nodeSelector": {"kvet.io/no-such-node": "true"},
                    "serviceAccountName": name,
                    "containers": [{"name": name, "image": format!("{name}:1"), "ports": [{"containerPort": 8080}],
                        "resources": {"requests": {"cpu": "1m", "memory": "1Mi"}}}]}}}})
    };
    rt.block_on(create_all(
        &conn,
        &[
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
            json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "api", "namespace": ns}}),
            json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "web", "namespace": ns}}),
            app("api"),
            app("web"),
            json!({"apiVersion": "policy/v1beta1", "kind": "PodDisruptionBudget", "metadata": {"name": "api", "namespace": ns},
                "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "api"}}}}),
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "api-in", "namespace": ns},
                "spec": {"podSelector": {"matchLabels": {"app": "api"}}, "policyTypes": ["Ingress"],
                    "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "nobody"}}}], "ports": [{"port": 8080}]}]}}),
        ],
    ));
    let data = tempfile::tempdir().expect("tempdir");
    let before = data.path().join("before.yaml");
    let after = data.path().join("after.yaml");
    let save = |to: &std::path::Path| {
        let out = kvet(
            &kc,
            data.path(),
            &["snapshot", "save", &to.display().to_string()],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    save(&before);

    // The changes, through the API as kubectl would make them.
    rt.block_on(create_all(
        &conn,
        &[
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "secret-reader", "namespace": ns},
                "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]}]}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "api-secrets", "namespace": ns},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "secret-reader"},
                "subjects": [{"kind": "ServiceAccount", "name": "api", "namespace": ns}]}),
        ],
    ));
    let patch = |group: &str, version: &str, kind: &str, plural: &str, name: &str, body: Value| {
        let gvk = kube::core::GroupVersionKind::gvk(group, version, kind);
        let ar = kube::api::ApiResource::from_gvk_with_plural(&gvk, plural);
        let api: Api<DynamicObject> = Api::namespaced_with(conn.client.clone(), ns, &ar);
        rt.block_on(api.patch(name, &PatchParams::default(), &Patch::Merge(&body)))
            .expect("patch");
    };
    // Widened: api admits every pod of the namespace.
    patch(
        "networking.k8s.io",
        "v1",
        "NetworkPolicy",
        "networkpolicies",
        "api-in",
        json!({"spec": {"ingress": [{"from": [{"podSelector": {}}], "ports": [{"port": 8080}]}]}}),
    );
    // Tightened: no disruption allowed.
    patch(
        "policy",
        "v1beta1",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        "api",
        json!({"spec": {"maxUnavailable": 0}}),
    );
    save(&after);

    let out = kvet(
        &kc,
        data.path(),
        &[
            "diff",
            &before.display().to_string(),
            &after.display().to_string(),
            "-o",
            "json",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let gained = v["rbac"]["gained"].as_array().expect("gained");
    let sa = format!("system:serviceaccount:{ns}:api");
    for verb in ["get", "list"] {
        assert!(
            gained.iter().any(|g| g["subject"] == sa.as_str()
                && g["verb"] == verb
                && g["resource"] == "secrets"
                && g["namespace"] == ns.as_str()
                && g["binding"] == format!("RoleBinding/{ns}/api-secrets")
                && g["role"] == format!("Role/{ns}/secret-reader")),
            "{gained:#?}"
        );
    }
    let changed = v["objects"]["changed"].as_array().expect("changed");
    let fields_of = |kind: &str, name: &str| -> Vec<Value> {
        changed
            .iter()
            .find(|c| {
                c["object"]["kind"] == kind
                    && c["object"]["name"] == name
                    && c["object"]["namespace"] == ns.as_str()
            })
            .and_then(|c| c["fields"].as_array().cloned())
            .unwrap_or_default()
    };
    assert!(
        fields_of("PodDisruptionBudget", "api")
            .iter()
            .any(|f| f["path"] == "/spec/maxUnavailable" && f["before"] == 1 && f["after"] == 0),
        "{changed:#?}"
    );
    assert!(
        !fields_of("NetworkPolicy", "api-in").is_empty(),
        "{changed:#?}"
    );
    let added = v["objects"]["added"].as_array().expect("added");
    assert!(added
        .iter()
        .any(|o| o["kind"] == "RoleBinding" && o["name"] == "api-secrets"));
    let opened = v["reach"]["opened"].as_array().expect("opened");
    assert!(
        opened.iter().any(|c| c["from"] == format!("{ns}/web")
            && c["to"] == format!("{ns}/api")
            && c["port"] == 8080
            && c["allowed_by"]
                .as_str()
                .is_some_and(|a| a.contains("api-in"))),
        "{opened:#?}"
    );
    // Pods and ReplicaSets the controllers churned are not object changes.
    assert!(changed.iter().chain(added).all(|c| {
        let kind = c["object"]["kind"]
            .as_str()
            .or(c["kind"].as_str())
            .unwrap_or("");
        kind != "Pod" && kind != "ReplicaSet"
    }));
    // And against the live cluster now: the same grants gained.
    let out = kvet(
        &kc,
        data.path(),
        &["diff", &before.display().to_string(), "live", "-o", "json"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let l: Value = serde_json::from_slice(&out.stdout).expect("json");
    let mine = |v: &Value| -> Vec<Value> {
        v["rbac"]["gained"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|g| g["namespace"] == ns.as_str())
            .cloned()
            .collect()
    };
    assert_eq!(mine(&l), mine(&v));
    let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(conn.client.clone());
    let _ = rt.block_on(namespaces.delete(ns, &Default::default()));
}
