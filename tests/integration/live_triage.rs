//! Issue 20, live tier: real controllers record the evidence (the ReplicaSet controller's
//! FailedCreate on a full quota, the scheduler's FailedScheduling, the HPA controller's
//! FailedGetResourceMetric), pod statuses are patched as a kubelet would write them, and
//! `kvet triage` joins each to the finding that explains it. The control plane has no kubelet.

use crate::live::kubeconfig;
use crate::live_fixes::{connect, create_all, rt, unique};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use serde_json::{json, Value};

fn triage(kc: &str) -> Value {
    let out = assert_cmd::Command::cargo_bin("kvet")
        .expect("binary")
        .env(
            "KVET_CONFIG_DIR",
            crate::support::repo().join("tests/fixtures/no-config"),
        )
        .args(["--kubeconfig", kc, "triage", "-o", "json"])
        .output()
        .expect("run");
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("kvet triage: {}", String::from_utf8_lossy(&out.stderr)))
}

fn find<'a>(v: &'a Value, symptom: &str, ns: &str, name: &str) -> Option<&'a Value> {
    v["symptoms"].as_array()?.iter().find(|s| {
        s["symptom"] == symptom && s["object"]["namespace"] == ns && s["object"]["name"] == name
    })
}

fn explained(s: &Value, check: &str) -> bool {
    s["explained_by"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|e| e["check"] == check)
}

/// Polls `kvet triage` until `ok` holds (controllers act within seconds; the HPA's sync period
/// is 15 s), at most 90 s.
fn until(kc: &str, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let start = std::time::Instant::now();
    loop {
        let v = triage(kc);
        if ok(&v) {
            return v;
        }
        if start.elapsed() > std::time::Duration::from_secs(90) {
            panic!("{what} never showed: {v:#}");
        }
        std::thread::sleep(std::time::Duration::from_secs(2));
    }
}

#[test]
fn real_controller_evidence_is_joined_to_the_findings_that_explain_it() {
    let Some(kc) = kubeconfig() else {
        return;
    };
    let ns = &unique("kvet-triage");
    // The quota lives in a namespace of its own, so the other pods never compete for it.
    let qns = &format!("{ns}-q");
    let rt = rt();
    let conn = rt.block_on(connect(&kc));
    rt.block_on(create_all(
        &conn,
        &[
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": qns}}),
            json!({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "pods", "namespace": qns},
                "spec": {"hard": {"pods": "0"}}}),
        ],
    ));
    // Until the quota controller has computed the quota's status, admission refuses pods with
    // "status unknown for quota", not "exceeded quota", and the ReplicaSet controller backs off:
    // the Deployment comes once the quota is known.
    let quotas: Api<k8s_openapi::api::core::v1::ResourceQuota> =
        Api::namespaced(conn.client.clone(), qns);
    let start = std::time::Instant::now();
    while rt
        .block_on(quotas.get("pods"))
        .ok()
        .and_then(|q| q.status)
        .and_then(|s| s.hard)
        .is_none()
    {
        assert!(
            start.elapsed().as_secs() < 60,
            "the quota's status was never computed"
        );
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    let docs: Vec<Value> = vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
        // Three replicas under a quota of no pod: the ReplicaSet controller records FailedCreate.
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": qns},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [
                    {"name": "web", "image": "web:1", "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]}}}}),
        // An HPA on CPU whose target has no cpu request.
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api", "namespace": ns},
            "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "api"}},
                "template": {"metadata": {"labels": {"app": "api"}}, "spec": {"containers": [{"name": "api", "image": "api:1"}]}}}}),
        json!({"apiVersion": "autoscaling/v2beta2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "api", "namespace": ns},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"}, "minReplicas": 2, "maxReplicas": 4,
                "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}}]}}),
    ];
    rt.block_on(create_all(&conn, &docs));
    let pods: Api<Pod> = Api::namespaced(conn.client.clone(), ns);
    // A pod no node can hold: the scheduler records FailedScheduling.
    let hungry: Pod = serde_json::from_value(json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "hungry", "namespace": ns},
        "spec": {"containers": [{"name": "c", "image": "c:1", "resources": {"requests": {"cpu": "1000"}}}]}}))
    .expect("pod");
    rt.block_on(pods.create(&PostParams::default(), &hungry))
        .expect("create hungry");

    let v = until(&kc, "the controllers' evidence", |v| {
        find(v, "quota-exceeded", qns, "web").is_some()
            && find(v, "unschedulable", ns, "hungry").is_some()
            && find(v, "hpa-cannot-scale", ns, "api").is_some()
    });
    let quota = find(&v, "quota-exceeded", qns, "web").expect("quota");
    assert!(
        quota["evidence"].to_string().contains("exceeded quota"),
        "{quota}"
    );
    assert!(explained(quota, "quota-blocks-rollout"), "{quota}");
    let hpa = find(&v, "hpa-cannot-scale", ns, "api").expect("hpa");
    assert!(explained(hpa, "hpa-no-cpu-request"), "{hpa}");
    let pending = find(&v, "unschedulable", ns, "hungry").expect("pending");
    assert!(
        pending["evidence"].to_string().contains("Insufficient cpu")
            || pending["evidence"]
                .to_string()
                .contains("nodes are available"),
        "{pending}"
    );

    // A kubelet's view of a crash loop, written through the status subresource, and a
    // kubelet-style Event.
    rt.block_on(pods.delete("hungry", &DeleteParams::default()))
        .expect("delete hungry");
    let crashy: Pod = serde_json::from_value(json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "crashy", "namespace": ns, "labels": {"app": "crashy"}},
        "spec": {"containers": [{"name": "c", "image": "c:1", "resources": {"requests": {"cpu": "10m", "memory": "64Mi"}, "limits": {"memory": "1Gi"}}}]}}))
    .expect("pod");
    rt.block_on(pods.create(&PostParams::default(), &crashy))
        .expect("create crashy");
    let status = json!({"status": {"phase": "Running",
        "conditions": [{"type": "Ready", "status": "False"}],
        "containerStatuses": [{"name": "c", "image": "c:1", "imageID": "", "ready": false, "restartCount": 7,
            "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}},
            "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137, "startedAt": "2026-12-03T08:00:00Z", "finishedAt": "2026-12-03T08:00:30Z"}}}]}});
    rt.block_on(pods.patch_status("crashy", &PatchParams::default(), &Patch::Merge(&status)))
        .expect("patch status");
    let event = json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": "crashy.kvet", "namespace": ns},
        "involvedObject": {"kind": "Pod", "namespace": ns, "name": "crashy"},
        "reason": "BackOff", "message": "Back-off restarting failed container c", "type": "Warning",
        "count": 12, "firstTimestamp": "2026-12-03T08:00:00Z", "lastTimestamp": "2026-12-03T08:05:00Z",
        "source": {"component": "kubelet", "host": "node-x"}});
    let events: Api<k8s_openapi::api::core::v1::Event> = Api::namespaced(conn.client.clone(), ns);
    let event: k8s_openapi::api::core::v1::Event = serde_json::from_value(event).expect("event");
    rt.block_on(events.create(&PostParams::default(), &event))
        .expect("create the kubelet-style event");
    let v = until(&kc, "the patched crash loop", |v| {
        find(v, "oom-killed", ns, "crashy").is_some()
            && find(v, "crash-loop", ns, "crashy").is_some()
    });
    let oom = find(&v, "oom-killed", ns, "crashy").expect("oom");
    assert!(
        explained(oom, "limit-ratio"),
        "a 1Gi limit on a 64Mi request: {oom}"
    );
    let crash = find(&v, "crash-loop", ns, "crashy").expect("crash");
    assert!(
        crash["evidence"].to_string().contains("\"count\":12"),
        "{crash}"
    );
    // The pending pod's symptom went with it.
    assert!(find(&v, "unschedulable", ns, "hungry").is_none(), "{v:#}");
    // Fixed: the pod runs Ready again with no restart in its status: the crash loop clears.
    let healthy = json!({"status": {"conditions": [{"type": "Ready", "status": "True"}],
        "containerStatuses": [{"name": "c", "image": "c:1", "imageID": "", "ready": true, "restartCount": 0,
            "state": {"running": {"startedAt": "2026-12-03T08:10:00Z"}}, "lastState": {}}]}});
    rt.block_on(pods.patch_status("crashy", &PatchParams::default(), &Patch::Merge(&healthy)))
        .expect("patch status");
    rt.block_on(events.delete("crashy.kvet", &DeleteParams::default()))
        .expect("delete event");
    until(&kc, "the crash loop to clear", |v| {
        find(v, "crash-loop", ns, "crashy").is_none()
            && find(v, "oom-killed", ns, "crashy").is_none()
    });
}

/// Symptoms follow the watchers: a kubelet-style OOMKilled status on a Deployment's pod shows as
/// `oom-killed` in the snapshots the live watchers publish; its own fix (raise the memory limit)
/// applies through the server and is journaled; the symptom clears from the watched snapshots
/// when the pod is healthy again; and the fix undoes.
#[test]
fn symptoms_follow_the_watchers_and_the_oom_fix_applies_and_undoes() {
    use k8s_openapi::api::apps::v1::Deployment;
    use kvet::source::live::{self, LiveUpdate};
    let Some(kc) = kubeconfig() else {
        return;
    };
    let ns = &unique("kvet-oom");
    let rt = rt();
    let conn = rt.block_on(connect(&kc));
    rt.block_on(create_all(
        &conn,
        &[
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "oomer", "namespace": ns},
                "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "oomer"}},
                    // No node matches: its pods never take capacity from the other live tests.
                    "template": {"metadata": {"labels": {"app": "oomer"}}, "spec": {
                        "nodeSelector": {"kvet.io/no-such-node": "true"},
                        "containers": [
                        {"name": "app", "image": "app:1", "resources": {"requests": {"cpu": "1m", "memory": "512Mi"}, "limits": {"memory": "1Gi"}}}]}}}}),
        ],
    ));
    // The watchers, as the TUI runs them: every snapshot they publish goes to the channel.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let watch_conn = conn.clone();
    let _watch = rt.spawn(async move {
        let plan = live::plan(&watch_conn).await.expect("plan");
        live::watch(
            watch_conn,
            plan,
            std::time::Duration::from_millis(100),
            move |u| tx.send(u).is_ok(),
        )
        .await;
    });
    let symptom_in = |snap: &kvet::model::Snapshot, symptom: &str| {
        let findings = kvet::audit::run(snap, &Default::default()).findings;
        kvet::triage::triage(snap, &findings).into_iter().any(|s| {
            s.symptom == symptom
                && s.object.namespace.as_deref() == Some(ns.as_str())
                && &*s.object.name == "oomer"
        })
    };
    let mut until_watched = |what: &str, ok: &dyn Fn(&kvet::model::Snapshot) -> bool| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match rt.block_on(async { tokio::time::timeout(left, rx.recv()).await }) {
                Ok(Some(LiveUpdate::Snapshot(s))) if ok(&s) => return,
                Ok(Some(_)) => {}
                _ => panic!("the watchers never published {what}"),
            }
        }
    };
    // The ReplicaSet controller creates the pod; the "kubelet" reports it OOMKilled.
    let pods: Api<Pod> = Api::namespaced(conn.client.clone(), ns);
    let pod = {
        let start = std::time::Instant::now();
        loop {
            let list = rt
                .block_on(pods.list(&kube::api::ListParams::default().labels("app=oomer")))
                .expect("list");
            if let Some(p) = list.items.first().and_then(|p| p.metadata.name.clone()) {
                break p;
            }
            assert!(start.elapsed().as_secs() < 60, "no pod was created");
            std::thread::sleep(std::time::Duration::from_millis(300));
        }
    };
    let oom = json!({"status": {"phase": "Running",
        "conditions": [{"type": "Ready", "status": "False"}],
        "containerStatuses": [{"name": "app", "image": "app:1", "imageID": "", "ready": false, "restartCount": 5,
            "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 2m40s restarting failed container"}},
            "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137, "startedAt": "2026-12-03T08:00:00Z", "finishedAt": "2026-12-03T08:00:30Z"}}}]}});
    rt.block_on(pods.patch_status(&pod, &PatchParams::default(), &Patch::Merge(&oom)))
        .expect("patch status");
    until_watched("the oom-killed symptom", &|s| symptom_in(s, "oom-killed"));

    // Its own fix: raise the memory limit, through the server, journaled.
    let data = tempfile::tempdir().expect("tempdir");
    let object = format!("Deployment/{ns}/oomer");
    let args = [
        "fix",
        "--check",
        "oom-killed",
        "--object",
        &object,
        "--apply",
        "--yes",
    ];
    let mut out = crate::live_fixes::kvet(&kc, data.path(), &args);
    for _ in 0..5 {
        if !String::from_utf8_lossy(&out.stderr).contains("changed since the preview") {
            break;
        }
        out = crate::live_fixes::kvet(&kc, data.path(), &args);
    }
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("1Gi → 1536Mi"), "{stderr}");
    let deployments: Api<Deployment> = Api::namespaced(conn.client.clone(), ns);
    let limit = |d: &Deployment| {
        serde_json::to_value(d).expect("json")["spec"]["template"]["spec"]["containers"][0]
            ["resources"]["limits"]["memory"]
            .clone()
    };
    let d = rt.block_on(deployments.get("oomer")).expect("get");
    assert_eq!(limit(&d), json!("1536Mi"));

    // Healthy again: the symptom leaves the watched snapshots.
    let healthy = json!({"status": {"conditions": [{"type": "Ready", "status": "True"}],
        "containerStatuses": [{"name": "app", "image": "app:1", "imageID": "", "ready": true, "restartCount": 0,
            "state": {"running": {"startedAt": "2026-12-03T08:10:00Z"}}, "lastState": {}}]}});
    rt.block_on(pods.patch_status(&pod, &PatchParams::default(), &Patch::Merge(&healthy)))
        .expect("patch status");
    until_watched("the symptom clearing", &|s| {
        !symptom_in(s, "oom-killed") && !symptom_in(s, "crash-loop")
    });

    // The journal holds the fix, and undo restores the limit.
    let journal = crate::live_fixes::kvet(&kc, data.path(), &["journal", "-o", "json"]);
    let entries: Value = serde_json::from_slice(&journal.stdout)
        .unwrap_or_else(|_| panic!("journal: {}", String::from_utf8_lossy(&journal.stderr)));
    let id = entries["entries"]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["check"] == "oom-killed"))
        .and_then(|e| e["id"].as_str())
        .unwrap_or_else(|| panic!("no journal entry of the fix: {entries:#}"))
        .to_string();
    let mut out = crate::live_fixes::kvet(&kc, data.path(), &["undo", &id, "--yes"]);
    for _ in 0..5 {
        if !String::from_utf8_lossy(&out.stderr).contains("changed since the preview") {
            break;
        }
        out = crate::live_fixes::kvet(&kc, data.path(), &["undo", &id, "--yes"]);
    }
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d = rt.block_on(deployments.get("oomer")).expect("get");
    assert_eq!(limit(&d), json!("1Gi"), "the undo restored the limit");
    let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(conn.client.clone());
    let _ = rt.block_on(namespaces.delete(ns, &DeleteParams::default()));
}
