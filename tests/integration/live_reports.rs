//! Issue 22, live tier: `kvet report` against the real API server with the vendored CRDs
//! installed: reports created, left alone when nothing changed, rewritten when a finding is
//! fixed, deleted when a namespace is clean; objects that are not kvet's never touched;
//! `--readonly` writes nothing. Then the in-cluster manifest: the server's SubjectAccessReviews
//! agree with kvet's RBAC engine, and `kvet report` runs with the ServiceAccount's own token.

use crate::live::kubeconfig;
use crate::live_fixes::{connect, create_all, kvet, rt, unique};
use crate::reports::{IN_CLUSTER, IN_CLUSTER_RIGHTS};
use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use kvet::source::live::Connection;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn resource(api_version: &str, kind: &str, plural: &str) -> ApiResource {
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural)
}

fn api(conn: &Connection, ar: &ApiResource, ns: Option<&str>) -> Api<DynamicObject> {
    match ns {
        Some(ns) => Api::namespaced_with(conn.client.clone(), ns, ar),
        None => Api::all_with(conn.client.clone(), ar),
    }
}

/// Server-side apply of any document, as `kubectl apply --server-side` (field manager
/// `kvet-test`, so that kvet's own manager is never involved).
async fn apply(conn: &Connection, doc: &Value, plural: &str) {
    let ar = resource(
        doc["apiVersion"].as_str().unwrap_or_default(),
        doc["kind"].as_str().unwrap_or_default(),
        plural,
    );
    let name = doc["metadata"]["name"].as_str().unwrap_or_default();
    let ns = doc["metadata"]["namespace"].as_str();
    api(conn, &ar, ns)
        .patch(
            name,
            &PatchParams::apply("kvet-test").force(),
            &Patch::Apply(doc),
        )
        .await
        .unwrap_or_else(|e| panic!("apply {} {name}: {e}", doc["kind"]));
}

fn yaml_docs(rel: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(crate::support::repo().join(rel)).expect("read");
    text.split("\n---\n")
        .filter_map(|d| serde_saphyr::from_str::<Value>(d).ok())
        .filter(|d| d.is_object())
        .collect()
}

/// Installs the vendored CRDs and waits until both APIs are served.
async fn install_crds(conn: &Connection) {
    for f in [
        "assets/crds/openreports/openreports.io_reports.yaml",
        "assets/crds/openreports/openreports.io_clusterreports.yaml",
        "assets/crds/wgpolicy/wgpolicyk8s.io_policyreports.yaml",
        "assets/crds/wgpolicy/wgpolicyk8s.io_clusterpolicyreports.yaml",
    ] {
        for d in yaml_docs(f) {
            apply(conn, &d, "customresourcedefinitions").await;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut all = true;
        for a in kvet::report::Api::ALL {
            all &= kvet::apply::reports::served(conn, a).await.unwrap_or(false);
        }
        if all {
            return;
        }
        assert!(Instant::now() < deadline, "the report CRDs were not served");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

fn reports_ar(kind: &str) -> ApiResource {
    match kind {
        "Report" => resource("openreports.io/v1alpha1", "Report", "reports"),
        "PolicyReport" => resource("wgpolicyk8s.io/v1alpha2", "PolicyReport", "policyreports"),
        other => panic!("{other}"),
    }
}

async fn get(conn: &Connection, kind: &str, ns: &str, name: &str) -> Option<Value> {
    api(conn, &reports_ar(kind), Some(ns))
        .get_opt(name)
        .await
        .expect("get")
        .map(|o| serde_json::to_value(o).expect("json"))
}

fn rv(v: &Value) -> String {
    v["metadata"]["resourceVersion"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn policies(v: &Value) -> Vec<String> {
    v["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["policy"].as_str().map(str::to_string))
        .collect()
}

fn deployment(ns: &str, name: &str) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {
                "nodeSelector": {"kvet.io/no-such-node": "true"},
                "containers": [{"name": name, "image": format!("{name}:1"),
                    "resources": {"requests": {"cpu": "1m", "memory": "1Mi"}}}]}}}})
}

/// The findings `kvet audit` gives for objects of `ns`.
fn audit_count(kc: &str, data: &std::path::Path, ns: &str) -> usize {
    let out = kvet(
        kc,
        data,
        &["audit", "-n", ns, "-o", "json", "--fail-on", "never"],
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["object"]["namespace"] == ns)
        .count()
}

#[test]
fn reports_are_written_kept_rewritten_and_cleaned_and_the_in_cluster_account_can_write_them() {
    let Some(kc) = kubeconfig() else {
        return;
    };
    let rt = rt();
    let conn = rt.block_on(connect(&kc));
    rt.block_on(install_crds(&conn));
    let ns = &unique("kvet-rep");
    let theirs = &unique("kvet-rep-x");
    rt.block_on(create_all(
        &conn,
        &[
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": theirs}}),
            deployment(ns, "api"),
            deployment(theirs, "web"),
        ],
    ));
    // Another tool's report with kvet's name (no label), and a report labelled as kvet's but
    // with another name: neither may be touched.
    let foreign = json!({"apiVersion": "openreports.io/v1alpha1", "kind": "Report",
        "metadata": {"name": "kvet", "namespace": theirs},
        "source": "kyverno", "results": [{"policy": "require-labels", "result": "fail", "source": "kyverno"}],
        "summary": {"fail": 1}});
    let other_name = json!({"apiVersion": "openreports.io/v1alpha1", "kind": "Report",
        "metadata": {"name": "not-kvets-name", "namespace": ns, "labels": {"app.kubernetes.io/managed-by": "kvet"}},
        "source": "someone", "results": []});
    rt.block_on(apply(&conn, &foreign, "reports"));
    rt.block_on(apply(&conn, &other_name, "reports"));
    let data = tempfile::tempdir().expect("tempdir");
    let run = |args: &[&str]| {
        let out = kvet(&kc, data.path(), args);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };

    // 1. Created, in both APIs, one result per finding of the namespace.
    let expected = audit_count(&kc, data.path(), ns);
    assert!(expected >= 2, "{expected}");
    let (code, out, err) = run(&["report", "-n", ns, "--format", "both"]);
    assert_eq!(code, Some(0), "{out}\n{err}");
    assert!(out.contains("1 created"), "{out}");
    let rep = rt
        .block_on(get(&conn, "Report", ns, "kvet"))
        .expect("Report");
    let polr = rt
        .block_on(get(&conn, "PolicyReport", ns, "kvet"))
        .expect("PolicyReport");
    for r in [&rep, &polr] {
        assert_eq!(policies(r).len(), expected, "{r}");
        assert!(policies(r).contains(&"pdb-missing".to_string()), "{r}");
        assert_eq!(
            r["metadata"]["labels"]["app.kubernetes.io/managed-by"],
            "kvet"
        );
        let managers: Vec<&str> = r["metadata"]["managedFields"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["manager"].as_str())
            .collect();
        assert_eq!(managers, ["kvet"], "server-side apply as kvet");
    }

    // 2. Nothing changed: nothing is rewritten.
    let (code, out, _) = run(&["report", "-n", ns, "--format", "both"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("0 created, 0 updated, 1 unchanged"), "{out}");
    let again = rt
        .block_on(get(&conn, "Report", ns, "kvet"))
        .expect("Report");
    assert_eq!(rv(&again), rv(&rep), "an unchanged report is not written");

    // 3. A finding fixed (a PDB for api): its result goes, the object is rewritten, and the
    // results that stay keep the time they were first reported.
    rt.block_on(create_all(
        &conn,
        &[
            json!({"apiVersion": "policy/v1beta1", "kind": "PodDisruptionBudget",
            "metadata": {"name": "api", "namespace": ns},
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "api"}}}}),
        ],
    ));
    std::thread::sleep(Duration::from_millis(1100));
    let (code, out, err) = run(&["report", "-n", ns, "--format", "both"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("1 updated"), "{out}");
    let fixed = rt
        .block_on(get(&conn, "Report", ns, "kvet"))
        .expect("Report");
    assert_ne!(rv(&fixed), rv(&rep));
    assert!(!policies(&fixed).contains(&"pdb-missing".to_string()));
    assert_eq!(policies(&fixed).len(), policies(&rep).len() - 1);
    let stamp = |r: &Value, p: &str| {
        r["results"]
            .as_array()
            .and_then(|l| l.iter().find(|x| x["policy"] == p))
            .map(|x| x["timestamp"].clone())
    };
    let kept = policies(&fixed)[0].clone();
    assert_eq!(stamp(&fixed, &kept), stamp(&rep, &kept));

    // 4. --readonly refuses, and nothing changes.
    let (code, _, err) = run(&["report", "-n", ns, "--readonly"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--readonly"), "{err}");
    let after = rt
        .block_on(get(&conn, "Report", ns, "kvet"))
        .expect("Report");
    assert_eq!(rv(&after), rv(&fixed));

    // 5. The namespace clean: kvet's reports go; the labelled one with another name stays.
    for (ar, name) in [
        (resource("apps/v1", "Deployment", "deployments"), "api"),
        (
            resource(
                "policy/v1beta1",
                "PodDisruptionBudget",
                "poddisruptionbudgets",
            ),
            "api",
        ),
    ] {
        rt.block_on(api(&conn, &ar, Some(ns)).delete(name, &DeleteParams::default()))
            .expect("delete");
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while audit_count(&kc, data.path(), ns) > 0 {
        assert!(
            Instant::now() < deadline,
            "the namespace never became clean"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let (code, out, err) = run(&["report", "-n", ns, "--format", "both"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("1 deleted"), "{out}");
    assert!(rt.block_on(get(&conn, "Report", ns, "kvet")).is_none());
    assert!(rt
        .block_on(get(&conn, "PolicyReport", ns, "kvet"))
        .is_none());
    assert!(rt
        .block_on(get(&conn, "Report", ns, "not-kvets-name"))
        .is_some());

    // 6. Another tool's object of kvet's name is left alone, and said so.
    let before = rt
        .block_on(get(&conn, "Report", theirs, "kvet"))
        .expect("theirs");
    let (code, out, err) = run(&["report", "-n", theirs, "--format", "openreports"]);
    assert_eq!(code, Some(0), "{out}\n{err}");
    assert!(err.contains("is not kvet's"), "{err}");
    let now = rt
        .block_on(get(&conn, "Report", theirs, "kvet"))
        .expect("theirs");
    assert_eq!(rv(&now), rv(&before));
    assert_eq!(policies(&now), ["require-labels"]);

    in_cluster_account(&rt, &conn, &kc, data.path(), theirs);

    // The TUI's source reads other tools' reports (not kvet's own) when asked to.
    let seen = |reports: bool| {
        let conn = rt
            .block_on(kvet::source::live::connect(
                &kvet::source::live::LiveOptions {
                    kubeconfig: Some(kc.clone().into()),
                    namespace: Some(theirs.to_string()),
                    reports,
                    ..Default::default()
                },
            ))
            .expect("connect");
        let (snap, _) = rt
            .block_on(kvet::source::live::load_with_progress(&conn, &mut |_| {}))
            .expect("load");
        snap.reports
    };
    let reports = seen(true);
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert_eq!(&*reports[0].results[0].source, "kyverno");
    assert_eq!(&*reports[0].results[0].policy, "require-labels");
    assert!(seen(false).is_empty());
    // Leave the cluster as the other live tests expect it.
    let nsr = resource("v1", "Namespace", "namespaces");
    for n in [ns, theirs] {
        let _ = rt.block_on(api(&conn, &nsr, None).delete(n, &DeleteParams::default()));
    }
}

/// The in-cluster manifest applied (its CronJob as batch/v1beta1, what v1.20 serves): the
/// server answers each rights question as kvet's engine does, and `kvet report` runs with the
/// ServiceAccount's token.
fn in_cluster_account(
    rt: &tokio::runtime::Runtime,
    conn: &Connection,
    kc: &str,
    data: &std::path::Path,
    ns_with_findings: &str,
) {
    for mut d in yaml_docs(IN_CLUSTER) {
        let plural = match d["kind"].as_str().unwrap_or_default() {
            "Namespace" => "namespaces",
            "ServiceAccount" => "serviceaccounts",
            "ClusterRole" => "clusterroles",
            "ClusterRoleBinding" => "clusterrolebindings",
            "NetworkPolicy" => "networkpolicies",
            "ResourceQuota" => "resourcequotas",
            "LimitRange" => "limitranges",
            "CronJob" => {
                d["apiVersion"] = json!("batch/v1beta1");
                "cronjobs"
            }
            other => panic!("unexpected kind {other} in {IN_CLUSTER}"),
        };
        rt.block_on(apply(conn, &d, plural));
    }
    // The server's answers, through SubjectAccessReviews, against kvet's engine (the same
    // questions as reports::the_in_cluster_service_account_has_exactly_the_rights_kvet_needs).
    let sar = resource(
        "authorization.k8s.io/v1",
        "SubjectAccessReview",
        "subjectaccessreviews",
    );
    for (verb, res, sub, allowed) in IN_CLUSTER_RIGHTS {
        let (resource, group) = res.split_once('.').unwrap_or((res, ""));
        let body: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
            "metadata": {},
            "spec": {"user": "system:serviceaccount:kvet:kvet",
                "groups": ["system:serviceaccounts", "system:serviceaccounts:kvet", "system:authenticated"],
                "resourceAttributes": {"verb": verb, "group": group, "resource": resource,
                    "subresource": sub.unwrap_or(""), "namespace": "default"}}
        }))
        .expect("sar");
        let answer = rt
            .block_on(api(conn, &sar, None).create(&PostParams::default(), &body))
            .expect("SubjectAccessReview");
        let v = serde_json::to_value(answer).expect("json");
        assert_eq!(
            v["status"]["allowed"].as_bool().unwrap_or(false),
            *allowed,
            "the server and kvet disagree on {verb} {res} {sub:?}: {}",
            v["status"]
        );
    }
    // A token of the ServiceAccount (TokenRequest), in a kubeconfig of its own.
    let sa = resource("v1", "ServiceAccount", "serviceaccounts");
    let req: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "metadata": {"name": "kvet"},
        "spec": {"expirationSeconds": 3600}
    }))
    .expect("tokenrequest");
    let token = rt
        .block_on(
            api(conn, &sa, Some("kvet")).create_subresource::<DynamicObject, DynamicObject>(
                "token",
                "kvet",
                &PostParams::default(),
                &req,
            ),
        )
        .expect("TokenRequest");
    let token = serde_json::to_value(token).expect("json")["status"]["token"]
        .as_str()
        .expect("token")
        .to_string();
    let admin: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(kc).expect("kubeconfig")).expect("yaml");
    let cluster = admin["clusters"][0]["cluster"].clone();
    let sa_kc = data.join("sa-kubeconfig");
    let doc = json!({"apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": "c", "cluster": cluster}],
        "users": [{"name": "kvet", "user": {"token": token}}],
        "contexts": [{"name": "kvet-sa", "context": {"cluster": "c", "user": "kvet"}}],
        "current-context": "kvet-sa"});
    std::fs::write(&sa_kc, serde_json::to_string(&doc).expect("json")).expect("write");
    let sa_kc = sa_kc.display().to_string();
    // The whole cluster, as the CronJob runs it. Namespaces other tests delete meanwhile are
    // skipped, not failures.
    let out = kvet(&sa_kc, data, &["report", "--format", "both"]);
    let (o, e) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(0), "{o}\n{e}");
    // It said what it could not read (Secrets), and wrote the reports.
    assert!(e.contains("Secret"), "{e}");
    let web = rt
        .block_on(get(conn, "PolicyReport", ns_with_findings, "kvet"))
        .expect("kvet's PolicyReport beside the other tool's Report");
    assert!(policies(&web).contains(&"pdb-missing".to_string()));
    let managers: Vec<&str> = web["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["manager"].as_str())
        .collect();
    assert_eq!(managers, ["kvet"]);
    // And with that token, kvet cannot touch a Deployment: the server refuses.
    let out = kvet(
        &sa_kc,
        data,
        &[
            "fix",
            "--check",
            "pdb-missing",
            "--object",
            &format!("Deployment/{ns_with_findings}/web"),
            "--apply",
            "--yes",
        ],
    );
    assert_ne!(out.status.code(), Some(0));
}
