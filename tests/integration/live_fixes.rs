//! Fixes against the real control plane (tests/live/): applied through the server's dry run,
//! journaled, undone; a dry run the server refuses writes nothing; a stale object is refused.
//! Each test works in a namespace of its own, so the demo the other live tests compare is untouched.

use crate::live::kubeconfig;
use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams};
use kvet::apply as ap;
use kvet::fix::{Change, FixPlan};
use kvet::model::{Kind, ObjectRef};
use kvet::source::live::{self, Connection, LiveOptions};
use serde_json::{json, Value};
use std::path::Path;

/// A namespace of this test run's own (reruns against the same cluster start clean).
pub fn unique(base: &str) -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() % 1_000_000)
        .unwrap_or(0);
    format!("{base}-{}-{t}", std::process::id() % 10_000)
}

pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

pub async fn connect(kc: &str) -> Connection {
    live::connect(&LiveOptions {
        kubeconfig: Some(kc.into()),
        ..Default::default()
    })
    .await
    .expect("connect")
}

/// Creates every document (JSON) on the server, in order, with the version it serves.
pub async fn create_all(conn: &Connection, docs: &[Value]) {
    for d in docs {
        let kind = Kind::parse(d["kind"].as_str().unwrap_or_default());
        let (ar, namespaced) = if d["kind"] == "ValidatingWebhookConfiguration" {
            let gvk = kube::core::GroupVersionKind::gvk(
                "admissionregistration.k8s.io",
                "v1beta1",
                "ValidatingWebhookConfiguration",
            );
            (
                kube::core::ApiResource::from_gvk_with_plural(
                    &gvk,
                    "validatingwebhookconfigurations",
                ),
                false,
            )
        } else {
            ap::resource_for(conn, &kind).await.expect("served")
        };
        let mut d = d.clone();
        if !matches!(kind, Kind::Other(_)) {
            d["apiVersion"] = json!(ar.api_version);
        }
        let api: Api<DynamicObject> = match d["metadata"]["namespace"].as_str() {
            Some(ns) if namespaced => Api::namespaced_with(conn.client.clone(), ns, &ar),
            _ => Api::all_with(conn.client.clone(), &ar),
        };
        let obj: DynamicObject = serde_json::from_value(d.clone()).expect("object");
        match api.create(&PostParams::default(), &obj).await {
            Ok(_) => {}
            Err(e) if live::status_code(&e) == Some(409) => {}
            Err(e) => panic!("creating {}: {e}", d["metadata"]["name"]),
        }
    }
}

fn workloads(ns: &str) -> Vec<Value> {
    let text = format!(
        r#"
apiVersion: v1
kind: Namespace
metadata: {{name: {ns}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: {ns}}}
spec:
  replicas: 3
  selector: {{matchLabels: {{app: web}}}}
  strategy: {{type: Recreate}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - name: web
        image: example/web:1
        ports: [{{name: http, containerPort: 8080}}]
---
apiVersion: v1
kind: Service
metadata: {{name: web, namespace: {ns}}}
spec:
  selector: {{app: web}}
  ports: [{{port: 80, targetPort: http}}]
---
apiVersion: v1
kind: Secret
metadata: {{name: creds, namespace: {ns}}}
stringData: {{password: kvet-planted-journal-secret}}
"#
    );
    text.split("\n---\n")
        .map(|d| serde_saphyr::from_str::<Value>(d).expect("yaml"))
        .collect()
}

pub fn kvet(kc: &str, data: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["--kubeconfig", kc];
    all.extend_from_slice(args);
    assert_cmd::Command::cargo_bin("kvet")
        .expect("binary")
        .env("KVET_DATA_DIR", data)
        .env("KVET_STATE_DIR", data.join("state"))
        .env(
            "KVET_CONFIG_DIR",
            crate::support::repo().join("tests/fixtures/no-config"),
        )
        .args(all)
        .output()
        .expect("run")
}

/// The checks that fire on objects of `ns`, live.
fn live_checks(kc: &str, data: &Path, ns: &str) -> Vec<(String, String)> {
    live_checks_where(kc, data, |f| f["object"]["namespace"] == ns)
}

/// The checks that fire on `ns` itself or on objects in it, live.
fn live_checks_with_namespace(kc: &str, data: &Path, ns: &str) -> Vec<(String, String)> {
    live_checks_where(kc, data, |f| {
        f["object"]["namespace"] == ns
            || (f["object"]["kind"] == "Namespace" && f["object"]["name"] == ns)
    })
}

/// (check, object name) of the live findings that `keep` accepts.
fn live_checks_where(
    kc: &str,
    data: &Path,
    keep: impl Fn(&Value) -> bool,
) -> Vec<(String, String)> {
    let out = kvet(kc, data, &["audit", "-o", "json", "--fail-on", "never"]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    v["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|f| keep(f))
                .map(|f| {
                    (
                        f["check"].as_str().unwrap_or_default().to_string(),
                        f["object"]["name"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn fixes_apply_through_the_server_and_undo_restores_the_object() {
    let Some(kc) = kubeconfig() else {
        return;
    };
    let ns = &unique("kvet-fixes");
    let data = tempfile::tempdir().expect("tempdir");
    let rt = rt();
    let conn = rt.block_on(connect(&kc));
    rt.block_on(create_all(&conn, &workloads(ns)));
    let web = ObjectRef::new(Kind::Deployment, Some(ns), "web");
    let original = rt.block_on(ap::fetch(&conn, &web)).expect("fetch");
    let before = live_checks(&kc, data.path(), ns);
    let fixes = [
        "pdb-missing",
        "readiness-missing",
        "liveness-missing",
        "requests-missing",
        "limits-missing",
        "prestop-missing",
        "rollout-recreate",
    ];
    for check in fixes {
        assert!(
            before.iter().any(|(c, n)| c == check && n == "web"),
            "{check} should fire before: {before:?}"
        );
        // The Deployment controller updates the status after each change, which moves the
        // resourceVersion: a fix previewed just before that is refused, and run again, as a
        // user would.
        let object = format!("deploy/{ns}/web");
        let args = [
            "fix", "--check", check, "--object", &object, "--apply", "--yes",
        ];
        let mut out = kvet(&kc, data.path(), &args);
        for _ in 0..5 {
            if !String::from_utf8_lossy(&out.stderr).contains("changed since the preview") {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(300));
            out = kvet(&kc, data.path(), &args);
        }
        assert_eq!(
            out.status.code(),
            Some(0),
            "{check}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The diff shown is the server's dry-run answer.
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("+++ b/"),
            "{check}"
        );
    }
    let after = live_checks(&kc, data.path(), ns);
    for check in fixes {
        assert!(
            !after.iter().any(|(c, n)| c == check && n == "web"),
            "{check} still fires after its fix: {after:?}"
        );
    }
    // The journal holds every fix, and no Secret value.
    let journal = std::fs::read_to_string(data.path().join("journal.jsonl")).expect("journal");
    assert_eq!(journal.lines().count(), fixes.len());
    assert!(!journal.contains("kvet-planted-journal-secret"));
    let out = kvet(&kc, data.path(), &["journal", "-o", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("journal json");
    let ids: Vec<String> = v["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["id"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(ids.len(), fixes.len());
    // Undo everything, newest first: the Deployment's spec is what it was, the PDB is gone.
    for id in &ids {
        let mut out = kvet(&kc, data.path(), &["undo", id, "--yes"]);
        for _ in 0..5 {
            if !String::from_utf8_lossy(&out.stderr).contains("changed since the preview") {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(300));
            out = kvet(&kc, data.path(), &["undo", id, "--yes"]);
        }
        assert_eq!(
            out.status.code(),
            Some(0),
            "undo {id}: {}\n{}\njournal:\n{journal}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
    }
    let restored = rt.block_on(ap::fetch(&conn, &web)).expect("fetch");
    assert_eq!(restored["spec"], original["spec"]);
    let pdb = ObjectRef::new(Kind::PodDisruptionBudget, Some(ns), "web-pdb");
    assert!(
        rt.block_on(ap::fetch(&conn, &pdb)).is_err(),
        "the PDB kvet created is deleted"
    );
    let again = live_checks(&kc, data.path(), ns);
    assert!(again.iter().any(|(c, _)| c == "pdb-missing"), "{again:?}");
}

/// Issue 19 §1.4-1.6: the journal is checked before anything is sent, corrupt lines are skipped,
/// files are private, and undo sends nothing from a hand-edited entry.
#[test]
fn undo_trusts_only_what_kvet_wrote_and_the_journal_comes_first() {
    let Some(kc) = kubeconfig() else {
        return;
    };
    let ns = &unique("kvet-journal");
    let tmp = tempfile::tempdir().expect("tempdir");
    // kvet creates the data directory itself (a tempdir is 0700 already).
    let data = &tmp.path().join("data");
    let rt = rt();
    let conn = rt.block_on(connect(&kc));
    rt.block_on(create_all(&conn, &workloads(ns)));
    let web = ObjectRef::new(Kind::Deployment, Some(ns), "web");
    let object = format!("deploy/{ns}/web");
    let apply = [
        "fix",
        "--check",
        "prestop-missing",
        "--object",
        &object,
        "--apply",
        "--yes",
    ];
    let with_retry = |data: &Path, args: &[&str]| {
        let mut out = kvet(&kc, data, args);
        for _ in 0..5 {
            if !String::from_utf8_lossy(&out.stderr).contains("changed since the preview") {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(300));
            out = kvet(&kc, data, args);
        }
        out
    };
    // 1. A journal that cannot be written: nothing is sent, not even the dry run.
    let blocked = tmp.path().join("not-a-dir");
    std::fs::write(&blocked, "a file where the data directory should be").expect("write");
    let out = kvet(&kc, &blocked, &apply);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("journal cannot be written"), "{stderr}");
    let now = rt.block_on(ap::fetch(&conn, &web)).expect("fetch");
    assert!(
        now.to_string().find("preStop").is_none(),
        "nothing applied: {now}"
    );
    // 2. A corrupt journal (not UTF-8) does not stop a fix, nor the listing of the others.
    let journal = data.as_path().join("journal.jsonl");
    // An existing, too open directory: kvet tightens it.
    std::fs::create_dir_all(data).expect("mkdir");
    std::fs::write(&journal, b"\xff\xfe garbage\n").expect("write");
    let out = with_retry(data.as_path(), &apply);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = kvet(&kc, data.as_path(), &["journal", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).expect("journal json");
    let id = v["entries"][0]["id"]
        .as_str()
        .expect("one entry")
        .to_string();
    assert!(String::from_utf8_lossy(&out.stderr).contains(":1: not UTF-8"));
    // 3. Private files.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode(&journal), 0o600);
        assert_eq!(mode(data.as_path()), 0o700);
        assert_eq!(mode(&data.as_path().join("state/journal.key")), 0o600);
    }
    // 4. Hand edits: another image in the inverse, another object, an unsigned line.
    let bytes = std::fs::read(&journal).expect("read");
    let text = String::from_utf8_lossy(&bytes).to_string();
    let line = text
        .lines()
        .find(|l| l.contains(&id))
        .expect("entry line")
        .to_string();
    let entry: Value = serde_json::from_str(&line).expect("entry");
    let mut edits = Vec::new();
    let mut e = entry.clone();
    e["inverse"]["patch"] = json!([{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "evil:1"}]);
    edits.push(("image", e));
    let mut e = entry.clone();
    e["inverse"]["patch"] = json!([{"op": "replace", "path": "/spec/replicas", "value": 0}]);
    e.as_object_mut().map(|o| o.remove("mac"));
    edits.push(("unsigned scale to 0", e));
    let mut e = entry.clone();
    e["object"]["kind"] = json!("Secret");
    e["object"]["name"] = json!("creds");
    edits.push(("a Secret", e));
    for (what, edited) in edits {
        std::fs::write(&journal, format!("{edited}\n")).expect("write");
        let out = kvet(&kc, data.as_path(), &["undo", &id, "--yes"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_ne!(out.status.code(), Some(0), "{what}: {stderr}");
        assert!(
            stderr.contains("signature") || stderr.contains("cannot be undone"),
            "{what}: {stderr}"
        );
        assert!(!String::from_utf8_lossy(&out.stdout).contains("kvet-planted-journal-secret"));
    }
    let now = rt.block_on(ap::fetch(&conn, &web)).expect("fetch");
    assert_eq!(now["spec"]["replicas"], 3);
    assert_eq!(
        now["spec"]["template"]["spec"]["containers"][0]["image"],
        "example/web:1"
    );
    // 5. The line as kvet wrote it still undoes the fix.
    std::fs::write(&journal, format!("{line}\n")).expect("write");
    let out = with_retry(data.as_path(), &["undo", &id, "--yes"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let now = rt.block_on(ap::fetch(&conn, &web)).expect("fetch");
    assert!(now.to_string().find("preStop").is_none(), "undone: {now}");
}

#[test]
fn a_dry_run_the_server_refuses_aborts_and_writes_nothing() {
    let Some(kc) = kubeconfig() else {
        return;
    };
    let ns = &unique("kvet-webhook");
    let data = tempfile::tempdir().expect("tempdir");
    let rt = rt();
    let conn = rt.block_on(connect(&kc));
    let mut docs = workloads(ns);
    docs[0]["metadata"]["labels"] = json!({"kvet-webhook": "on"});
    // A webhook with unknown side effects on Deployments of this namespace: the API server
    // refuses every dry run it matches, without calling it (and it points nowhere).
    docs.push(json!({
        "apiVersion": "admissionregistration.k8s.io/v1beta1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": "kvet-test-no-dry-run"},
        "webhooks": [{
            "name": "no-dry-run.kvet.test",
            "sideEffects": "Unknown",
            "failurePolicy": "Ignore",
            "admissionReviewVersions": ["v1beta1"],
            "clientConfig": {"url": "https://127.0.0.1:9/validate"},
            "namespaceSelector": {"matchLabels": {"kvet-webhook": "on"}},
            "rules": [{"apiGroups": ["apps"], "apiVersions": ["v1"], "operations": ["UPDATE"], "resources": ["deployments"]}]
        }]
    }));
    rt.block_on(create_all(&conn, &docs));
    let web = ObjectRef::new(Kind::Deployment, Some(ns), "web");
    let before = rt.block_on(ap::fetch(&conn, &web)).expect("fetch");
    let out = kvet(
        &kc,
        data.path(),
        &[
            "fix",
            "--check",
            "prestop-missing",
            "--object",
            &format!("deploy/{ns}/web"),
            "--apply",
            "--yes",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("refused the dry run"), "{stderr}");
    assert!(
        stderr.to_lowercase().contains("dry run") || stderr.contains("dryRun"),
        "{stderr}"
    );
    let after = rt.block_on(ap::fetch(&conn, &web)).expect("fetch");
    // Nothing was written: the spec and its generation are unchanged. (Not the resourceVersion:
    // the Deployment controller writes the status of a Deployment this new meanwhile.)
    assert_eq!(before["spec"], after["spec"], "nothing was written");
    assert_eq!(
        before["metadata"]["generation"], after["metadata"]["generation"],
        "nothing was written"
    );
    assert!(after["metadata"]["generation"].is_i64());
    // The journal was checked (and created) before the dry run, and holds nothing.
    assert_eq!(
        std::fs::read_to_string(data.path().join("journal.jsonl")).unwrap_or_default(),
        "",
        "nothing was journaled"
    );
}

#[test]
fn an_object_that_changed_since_the_preview_is_refused() {
    let Some(kc) = kubeconfig() else {
        return;
    };
    let ns = &unique("kvet-stale");
    let rt = rt();
    let conn = rt.block_on(connect(&kc));
    rt.block_on(create_all(&conn, &workloads(ns)));
    let web = ObjectRef::new(Kind::Deployment, Some(ns), "web");
    let previewed = rt.block_on(ap::fetch(&conn, &web)).expect("fetch");
    let mut plan = FixPlan {
        check: "revision-history",
        target: web.clone(),
        summary: String::new(),
        change: Change::Patch(vec![
            json!({"op": "replace", "path": "/spec/revisionHistoryLimit", "value": 3}),
        ]),
        editable: Vec::new(),
        notes: Vec::new(),
    };
    ap::guard_resource_version(&mut plan, &previewed);
    assert!(
        rt.block_on(ap::send(&conn, &plan, true)).is_ok(),
        "the dry run passes"
    );
    // Someone else changes the object between the preview and the confirmation.
    let (ar, _) = rt
        .block_on(ap::resource_for(&conn, &Kind::Deployment))
        .expect("served");
    let api: Api<DynamicObject> = Api::namespaced_with(conn.client.clone(), ns, &ar);
    rt.block_on(api.patch(
        "web",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"annotations": {"someone": "else"}}})),
    ))
    .expect("the other change");
    let err = rt
        .block_on(ap::send(&conn, &plan, false))
        .expect_err("a stale preview must not apply");
    assert!(err.contains("changed since the preview"), "{err}");
    let now = rt.block_on(ap::fetch(&conn, &web)).expect("fetch");
    assert_eq!(
        now["spec"]["revisionHistoryLimit"],
        previewed["spec"]["revisionHistoryLimit"]
    );
}

#[test]
fn readonly_refuses_to_write() {
    let Some(kc) = kubeconfig() else {
        return;
    };
    let data = tempfile::tempdir().expect("tempdir");
    let out = kvet(
        &kc,
        data.path(),
        &[
            "--readonly",
            "fix",
            "--check",
            "pdb-missing",
            "--object",
            "deploy/storefront/cart",
            "--apply",
            "--yes",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--readonly"));
    // The library refuses too, before any request.
    let rt = rt();
    let mut conn = rt.block_on(connect(&kc));
    conn.readonly = true;
    let plan = FixPlan {
        check: "revision-history",
        target: ObjectRef::new(Kind::Deployment, Some("storefront"), "cart"),
        summary: String::new(),
        change: Change::Patch(Vec::new()),
        editable: Vec::new(),
        notes: Vec::new(),
    };
    let err = rt
        .block_on(ap::send(&conn, &plan, true))
        .expect_err("refused");
    assert!(err.contains("read-only"), "{err}");
}

/// A Deployment with an HPA and a PDB that trigger the other fixable checks.
fn api_workloads(ns: &str) -> Vec<Value> {
    let text = format!(
        r#"
apiVersion: v1
kind: Namespace
metadata: {{name: {ns}}}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: {ns}
  annotations: {{kvet.io/cold-start-seconds: "120"}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: api}}}}
  strategy: {{type: RollingUpdate, rollingUpdate: {{maxUnavailable: 1, maxSurge: 1}}}}
  template:
    metadata: {{labels: {{app: api}}}}
    spec:
      terminationGracePeriodSeconds: 30
      containers:
      - name: api
        image: example/api:1
        ports: [{{name: http, containerPort: 8080}}]
        resources:
          requests: {{cpu: 100m, memory: 128Mi}}
          limits: {{cpu: 200m, memory: 256Mi}}
        readinessProbe: {{httpGet: {{path: /ready, port: http}}, periodSeconds: 10}}
        livenessProbe: {{httpGet: {{path: /ready, port: http}}, periodSeconds: 10}}
        lifecycle: {{preStop: {{exec: {{command: [sleep, "40"]}}}}}}
---
apiVersion: v1
kind: Service
metadata: {{name: api, namespace: {ns}}}
spec:
  selector: {{app: api}}
  ports: [{{port: 80, targetPort: http}}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: api, namespace: {ns}}}
spec:
  minAvailable: 2
  selector: {{matchLabels: {{app: api}}}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: api, namespace: {ns}}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: api}}
  minReplicas: 1
  maxReplicas: 5
  metrics:
  - type: Resource
    resource: {{name: cpu, target: {{type: Utilization, averageUtilization: 65}}}}
"#
    );
    text.split("\n---\n")
        .map(|d| serde_saphyr::from_str::<Value>(d).expect("yaml"))
        .collect()
}

#[test]
fn the_other_fixes_apply_through_the_server_too() {
    let Some(kc) = kubeconfig() else {
        return;
    };
    let ns = &unique("kvet-fixes-api");
    let data = tempfile::tempdir().expect("tempdir");
    let rt = rt();
    let conn = rt.block_on(connect(&kc));
    rt.block_on(create_all(&conn, &api_workloads(ns)));
    let objects = [
        ObjectRef::new(Kind::Deployment, Some(ns), "api"),
        ObjectRef::new(Kind::PodDisruptionBudget, Some(ns), "api"),
        ObjectRef::new(Kind::HorizontalPodAutoscaler, Some(ns), "api"),
    ];
    let originals: Vec<Value> = objects
        .iter()
        .map(|r| rt.block_on(ap::fetch(&conn, r)).expect("fetch"))
        .collect();
    let before = live_checks(&kc, data.path(), ns);
    let fixes = [
        ("pdb-blocks-drain", "pdb"),
        ("hpa-min-replicas", "hpa"),
        ("rollout-unavailable", "deploy"),
        ("liveness-equals-readiness", "deploy"),
        ("startup-budget-short", "deploy"),
        ("prestop-exceeds-grace", "deploy"),
    ];
    for (check, kind) in fixes {
        assert!(
            before.iter().any(|(c, n)| c == check && n == "api"),
            "{check} should fire before: {before:?}"
        );
        let object = format!("{kind}/{ns}/api");
        let args = [
            "fix", "--check", check, "--object", &object, "--apply", "--yes",
        ];
        let mut out = kvet(&kc, data.path(), &args);
        for _ in 0..5 {
            if !String::from_utf8_lossy(&out.stderr).contains("changed since the preview") {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(300));
            out = kvet(&kc, data.path(), &args);
        }
        assert_eq!(
            out.status.code(),
            Some(0),
            "{check}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let after = live_checks(&kc, data.path(), ns);
    for (check, _) in fixes {
        assert!(
            !after.iter().any(|(c, n)| c == check && n == "api"),
            "{check} still fires after its fix: {after:?}"
        );
    }
    let out = kvet(&kc, data.path(), &["journal", "-o", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("journal json");
    let ids: Vec<String> = v["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["id"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(ids.len(), fixes.len());
    for id in &ids {
        let mut out = kvet(&kc, data.path(), &["undo", id, "--yes"]);
        for _ in 0..5 {
            if !String::from_utf8_lossy(&out.stderr).contains("changed since the preview") {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(300));
            out = kvet(&kc, data.path(), &["undo", id, "--yes"]);
        }
        assert_eq!(
            out.status.code(),
            Some(0),
            "undo {id}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for (r, original) in objects.iter().zip(&originals) {
        let now = rt.block_on(ap::fetch(&conn, r)).expect("fetch");
        assert_eq!(now["spec"], original["spec"], "{r} is restored");
    }
}

#[test]
fn the_network_fixes_create_their_policies_on_the_server_and_undo_removes_them() {
    let Some(kc) = kubeconfig() else {
        return;
    };
    let ns = &unique("kvet-fixes-net");
    let data = tempfile::tempdir().expect("tempdir");
    let rt = rt();
    let conn = rt.block_on(connect(&kc));
    let mut docs = workloads(ns);
    docs.push(json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "web-no-egress", "namespace": ns},
        "spec": {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Egress"]},
    }));
    rt.block_on(create_all(&conn, &docs));
    let before = live_checks_with_namespace(&kc, data.path(), ns);
    assert!(
        before.contains(&("netpol-no-default-deny".into(), ns.to_string())),
        "{before:?}"
    );
    assert!(
        before.contains(&("netpol-blocks-dns".into(), "web".into())),
        "{before:?}"
    );
    let fixes = [
        ("netpol-no-default-deny", format!("ns/{ns}")),
        ("netpol-blocks-dns", format!("deploy/{ns}/web")),
    ];
    for (check, object) in &fixes {
        let out = kvet(
            &kc,
            data.path(),
            &[
                "fix", "--check", check, "--object", object, "--apply", "--yes",
            ],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{check}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let after = live_checks_with_namespace(&kc, data.path(), ns);
    for (check, _) in &fixes {
        assert!(!after.iter().any(|(c, _)| c == check), "{check}: {after:?}");
    }
    // The policies are on the server, as created by kvet.
    let np = |name: &str| {
        rt.block_on(ap::fetch(
            &conn,
            &ObjectRef::new(Kind::NetworkPolicy, Some(ns), name),
        ))
    };
    let deny = np("default-deny-ingress").expect("the default-deny policy");
    assert_eq!(deny["spec"]["policyTypes"], json!(["Ingress"]));
    let dns = np("web-allow-dns").expect("the allow-DNS policy");
    assert_eq!(
        dns["spec"]["egress"][0]["ports"][1],
        json!({"protocol": "TCP", "port": 53})
    );
    // Undo both: the policies are deleted and the findings come back.
    let out = kvet(&kc, data.path(), &["journal", "-o", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("journal json");
    let ids: Vec<String> = v["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["id"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(ids.len(), 2);
    for id in &ids {
        let out = kvet(&kc, data.path(), &["undo", id, "--yes"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "undo {id}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(np("default-deny-ingress").is_err());
    assert!(np("web-allow-dns").is_err());
    let again = live_checks_with_namespace(&kc, data.path(), ns);
    for (check, _) in &fixes {
        assert!(again.iter().any(|(c, _)| c == check), "{check}: {again:?}");
    }
}
