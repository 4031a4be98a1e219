//! The drain simulation against the real control plane (tests/live/): the server decides.
//!
//! web is placed through a node label only dr-1 has: kvet first says its pods beyond the budget
//! block (a replacement has nowhere to go), and once dr-2 has the label too, that they wait.
//!
//! A namespace and three nodes of this test's own (tainted so that no other test's pods land on
//! them) hold Deployments, a StatefulSet, PDBs of each kind, a DaemonSet, a pod with an emptyDir
//! and a bare pod. The scheduler places them; the test marks them Ready as a kubelet would. Then:
//! - every PDB's budget equals what the disruption controller writes to its status;
//! - `kubectl drain --ignore-daemonsets --dry-run=server` refuses the node for the same pods
//!   kvet refuses, and ignores the same DaemonSet pod;
//! - real evictions through the eviction subresource, one pod at a time in kvet's order, answer
//!   201 where kvet says evict, 429 where it says wait or blocked by a budget, and 500 where it
//!   says blocked by two PDBs.
//!
//! What a v1.20 server cannot show: `unhealthyPodEvictionPolicy` (Kubernetes 1.26) and
//! policy/v1 PodDisruptionBudgets (1.21). Both are covered by the unit tests in src/drain/tests.rs.

use crate::live::kubeconfig;
use crate::live_fixes::{connect, create_all, rt};
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kvet::drain::{Action, Options, Planner, Scope};
use kvet::model::Kind;
use kvet::source::live::{self, Connection};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const NS: &str = "drain-live";
const NODES: [&str; 3] = ["dr-1", "dr-2", "dr-3"];

/// A pod template that tolerates the test nodes' taint and picks nodes by the given labels.
fn template(app: &str, node_selector: Value, extra_spec: Value) -> Value {
    let mut spec = json!({
        "nodeSelector": node_selector,
        "tolerations": [{"key": "kvet-test", "operator": "Exists"}],
        "containers": [{"name": "main", "image": "registry.example.com/app:1.0"}],
    });
    if let (Some(s), Some(extra)) = (spec.as_object_mut(), extra_spec.as_object()) {
        for (k, v) in extra {
            s.insert(k.clone(), v.clone());
        }
    }
    json!({"metadata": {"labels": {"app": app}}, "spec": spec})
}

fn deployment(name: &str, app: &str, replicas: i64, template: Value) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": NS},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": app}}, "template": template}})
}

fn pdb(name: &str, app: &str, field: (&str, Value)) -> Value {
    let mut spec = json!({"selector": {"matchLabels": {"app": app}}});
    spec[field.0] = field.1;
    json!({"apiVersion": "policy/v1beta1", "kind": "PodDisruptionBudget",
        "metadata": {"name": name, "namespace": NS}, "spec": spec})
}

fn on(node: &str) -> Value {
    json!({"kubernetes.io/hostname": node})
}

/// One pod per node among those labelled `label`.
fn spread(label: &str) -> Value {
    json!({"affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": {"app": label}}}
    ]}}})
}

fn objects() -> Vec<Value> {
    let none = json!({});
    vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}}),
        // dr-1 is the node drained: three web replicas behind maxUnavailable 1.
        deployment(
            "web",
            "web",
            3,
            template("web", json!({"kvet-web": "yes"}), none.clone()),
        ),
        pdb("web", "web", ("maxUnavailable", json!(1))),
        // A StatefulSet whose budget allows nothing even at full health.
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "db", "namespace": NS},
            "spec": {"replicas": 2, "serviceName": "db", "podManagementPolicy": "Parallel",
                "selector": {"matchLabels": {"app": "db"}},
                "template": template("db", json!({"kvet-pair": "yes"}), spread("db"))}}),
        pdb("db", "db", ("minAvailable", json!(2))),
        // Two PDBs on one pod: the eviction API answers 500.
        deployment(
            "api",
            "api",
            2,
            template("api", json!({"kvet-pair": "yes"}), spread("api")),
        ),
        pdb("api-a", "api", ("minAvailable", json!(1))),
        pdb("api-b", "api", ("maxUnavailable", json!(1))),
        // One not-Ready pod on dr-1, two Ready on dr-2, minAvailable 2: healthy budget.
        deployment(
            "flaky-a",
            "flaky",
            1,
            template("flaky", on("dr-1"), none.clone()),
        ),
        deployment(
            "flaky-b",
            "flaky",
            2,
            template("flaky", on("dr-2"), none.clone()),
        ),
        pdb("flaky", "flaky", ("minAvailable", json!(2))),
        // Percent budgets, on dr-2 (compared with the controller, not drained).
        deployment(
            "solo",
            "solo",
            2,
            template("solo", on("dr-2"), none.clone()),
        ),
        pdb("solo", "solo", ("maxUnavailable", json!("50%"))),
        deployment(
            "half",
            "half",
            3,
            template("half", on("dr-2"), none.clone()),
        ),
        pdb("half", "half", ("minAvailable", json!("60%"))),
        // An emptyDir, a bare pod and a DaemonSet on dr-1.
        deployment(
            "cache",
            "cache",
            1,
            template(
                "cache",
                on("dr-1"),
                json!({"volumes": [{"name": "scratch", "emptyDir": {}}]}),
            ),
        ),
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "debug", "namespace": NS, "labels": {"app": "debug"}},
            "spec": {"nodeName": "dr-1",
                "tolerations": [{"key": "kvet-test", "operator": "Exists"}],
                "containers": [{"name": "main", "image": "registry.example.com/app:1.0"}]}}),
        json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": "agent", "namespace": NS},
            "spec": {"selector": {"matchLabels": {"app": "agent"}},
                "template": template("agent", json!({"kvet-test": "drain"}), none)}}),
    ]
}

async fn make_nodes(conn: &Connection) {
    let nodes: Api<DynamicObject> = Api::all_with(
        conn.client.clone(),
        &kvet::apply::resource_for(conn, &Kind::Node)
            .await
            .expect("nodes")
            .0,
    );
    for (i, n) in NODES.iter().enumerate() {
        let mut labels = json!({"kubernetes.io/hostname": n, "kvet-test": "drain",
            "topology.kubernetes.io/zone": format!("dz-{}", i + 1),
            "cloud.google.com/gke-nodepool": "drain-pool"});
        if i < 2 {
            labels["kvet-pair"] = json!("yes");
        }
        if i == 0 {
            // web's nodeSelector: only dr-1 at first (dr-2 gets it once web is placed).
            labels["kvet-web"] = json!("yes");
        }
        let obj: DynamicObject = serde_json::from_value(json!({"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": n, "labels": labels}, "spec": {}}))
        .expect("node");
        match nodes.create(&Default::default(), &obj).await {
            Ok(_) => {}
            Err(e) if live::status_code(&e) == Some(409) => {}
            Err(e) => panic!("node {n}: {e}"),
        }
        // A node kept from an earlier run keeps its labels: reset kvet-web.
        let web = if i == 0 { json!("yes") } else { Value::Null };
        nodes
            .patch(
                n,
                &PatchParams::default(),
                &Patch::Merge(json!({"metadata": {"labels": {"kvet-web": web}}})),
            )
            .await
            .expect("label");
        let taints = json!({"spec": {"taints": [{"key": "kvet-test", "value": "drain", "effect": "NoSchedule"}]}});
        nodes
            .patch(n, &PatchParams::default(), &Patch::Merge(taints))
            .await
            .expect("taint");
        let st = json!({"status": {
            "capacity": {"cpu": "8", "memory": "32Gi", "pods": "110"},
            "allocatable": {"cpu": "8", "memory": "32Gi", "pods": "110"},
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                "lastHeartbeatTime": "2026-11-27T06:00:00Z", "lastTransitionTime": "2026-11-27T06:00:00Z"}]}});
        nodes
            .patch_status(n, &PatchParams::default(), &Patch::Merge(st))
            .await
            .expect("node status");
    }
}

/// Marks every scheduled pod of the namespace Running and Ready (flaky's pod on dr-1 not
/// Ready), until the expected number of pods is there.
async fn ready_pods(conn: &Connection, want: usize) {
    let pods: Api<DynamicObject> = Api::namespaced_with(
        conn.client.clone(),
        NS,
        &kvet::apply::resource_for(conn, &Kind::Pod)
            .await
            .expect("pods")
            .0,
    );
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let list = pods.list(&Default::default()).await.expect("list");
        let mut done = 0;
        for p in &list.items {
            let Some(node) = p.data["spec"]["nodeName"].as_str() else {
                continue;
            };
            let name = p.metadata.name.clone().unwrap_or_default();
            let app = p
                .metadata
                .labels
                .as_ref()
                .and_then(|l| l.get("app"))
                .cloned()
                .unwrap_or_default();
            if p.data["status"]["phase"] != "Running" {
                let ready = !(app == "flaky" && node == "dr-1");
                let st = json!({"status": {"phase": "Running", "startTime": "2026-11-27T06:00:00Z",
                    "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" },
                        "lastTransitionTime": "2026-11-27T06:00:10Z"}]}});
                pods.patch_status(&name, &PatchParams::default(), &Patch::Merge(st))
                    .await
                    .expect("pod status");
            }
            done += 1;
        }
        if done >= want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "pods not scheduled in time: {done} of {want}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// POSTs a policy/v1beta1 Eviction with kubectl (which, unlike the Rust client's retry layer,
/// reports a 429 at once) and returns the HTTP status it got: 201, 429 or 500.
fn evict(kc: &str, name: &str) -> u16 {
    let body = json!({"apiVersion": "policy/v1beta1", "kind": "Eviction",
        "metadata": {"name": name, "namespace": NS}});
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("eviction.json");
    std::fs::write(&file, body.to_string()).expect("write");
    let out = std::process::Command::new("kubectl")
        .args(["--kubeconfig", kc, "create", "-v=6", "--raw"])
        .arg(format!("/api/v1/namespaces/{NS}/pods/{name}/eviction"))
        .arg("-f")
        .arg(&file)
        .output()
        .expect("kubectl (tests/live/build-control-plane.sh installs it)");
    // -v=6 logs each request with its status: `POST https://.../eviction 429 Too Many Requests`.
    let err = String::from_utf8_lossy(&out.stderr);
    let code = err
        .lines()
        .rev()
        .filter(|l| l.contains("POST") && l.contains("/eviction"))
        .find_map(|l| {
            let after = &l[l.find("/eviction")? + "/eviction".len()..];
            after.split_whitespace().find_map(|w| w.parse::<u16>().ok())
        });
    match code {
        Some(c) => c,
        None if out.status.success() => 201,
        None => panic!("eviction of {name}: no status in {err}"),
    }
}

/// A second run on the same control plane finds the first run's namespace, with evicted pods
/// left Terminating (no kubelet confirms them): delete it, force-deleting its pods, and wait
/// until it is gone.
fn clear_previous_run(kc: &str) {
    let kubectl = |args: &[&str]| {
        std::process::Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(kc)
            .args(args)
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    if !kubectl(&["get", "namespace", NS]) {
        return;
    }
    kubectl(&["delete", "namespace", NS, "--wait=false"]);
    let until = Instant::now() + Duration::from_secs(90);
    while kubectl(&["get", "namespace", NS]) {
        kubectl(&[
            "delete",
            "pods",
            "--all",
            "-n",
            NS,
            "--grace-period=0",
            "--force",
        ]);
        assert!(
            Instant::now() < until,
            "the previous run's namespace {NS} was not deleted"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[test]
fn drain_verdicts_equal_the_servers_budgets_kubectl_and_real_evictions() {
    let Some(kc) = kubeconfig() else {
        return; // the other live tests say it was skipped
    };
    clear_previous_run(&kc);
    let rt = rt();
    rt.block_on(async {
        let conn = connect(&kc).await;
        make_nodes(&conn).await;
        create_all(&conn, &objects()).await;
        // web 3 + db 2 + api 2 + flaky 3 + solo 2 + half 3 + cache 1 + debug 1 + agent 3.
        ready_pods(&conn, 20).await;
        let pdbs: Api<DynamicObject> = Api::namespaced_with(
            conn.client.clone(),
            NS,
            &kvet::apply::resource_for(&conn, &Kind::PodDisruptionBudget)
                .await
                .expect("pdbs")
                .0,
        );
        // Wait for the disruption controller to count the Ready pods.
        let want_healthy = [
            ("web", 3),
            ("db", 2),
            ("api-a", 2),
            ("api-b", 2),
            ("flaky", 2),
            ("solo", 2),
            ("half", 3),
        ];
        let deadline = Instant::now() + Duration::from_secs(60);
        let statuses = loop {
            let list = pdbs.list(&Default::default()).await.expect("pdbs");
            let settled = want_healthy.iter().all(|(n, h)| {
                list.items.iter().any(|p| {
                    p.metadata.name.as_deref() == Some(n)
                        && p.data["status"]["currentHealthy"].as_i64() == Some(*h)
                        && p.data["status"]["observedGeneration"].as_i64()
                            == p.metadata.generation
                })
            });
            if settled {
                break list.items;
            }
            assert!(
                Instant::now() < deadline,
                "the disruption controller did not settle"
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        };
        // While only dr-1 has web's node label, a replacement has nowhere to go: web's pods
        // beyond the budget block the drain. Once dr-2 has the label too, they wait.
        let web_actions = |snap: &kvet::model::Snapshot| -> Vec<Action> {
            let r = Planner::new(snap)
                .simulate(&Scope::Node("dr-1".into()), Options::default())
                .expect("simulate");
            r.pods
                .iter()
                .filter(|p| snap.pods[p.pod].meta.name.starts_with("web-"))
                .map(|p| p.action)
                .collect()
        };
        let (pinned, _) = live::load(&conn).await.expect("load");
        assert_eq!(
            web_actions(&pinned),
            vec![Action::Evict, Action::Blocked, Action::Blocked]
        );
        let nodes: Api<DynamicObject> = Api::all_with(
            conn.client.clone(),
            &kvet::apply::resource_for(&conn, &Kind::Node)
                .await
                .expect("nodes")
                .0,
        );
        nodes
            .patch(
                "dr-2",
                &PatchParams::default(),
                &Patch::Merge(json!({"metadata": {"labels": {"kvet-web": "yes"}}})),
            )
            .await
            .expect("label dr-2");
        let (snap, _) = live::load(&conn).await.expect("load");
        assert_eq!(
            web_actions(&snap),
            vec![Action::Evict, Action::Wait, Action::Wait]
        );
        let planner = Planner::new(&snap);
        // 1. Budgets: kvet's numbers are the controller's.
        for st in &statuses {
            let name = st.metadata.name.clone().unwrap_or_default();
            let i = snap
                .pdbs
                .iter()
                .position(|p| p.meta.namespace() == NS && *p.meta.name == *name)
                .expect("kvet has the PDB");
            let b = planner.budget(i);
            let s = &st.data["status"];
            assert_eq!(
                (
                    b.allowed,
                    b.current_healthy,
                    b.desired_healthy,
                    b.expected
                ),
                (
                    s["disruptionsAllowed"].as_i64().unwrap_or(-1),
                    s["currentHealthy"].as_i64().unwrap_or(-1),
                    s["desiredHealthy"].as_i64().unwrap_or(-1),
                    s["expectedPods"].as_i64().unwrap_or(-1)
                ),
                "PDB {name}: kvet {b:?}, server {s}"
            );
        }
        // 2. kubectl drain refuses dr-1 for the pods kvet refuses.
        let report = planner
            .simulate(&Scope::Node("dr-1".into()), Options::default())
            .expect("simulate");
        assert!(!report.completes);
        let pod_name = |p: &kvet::drain::PodOutcome| snap.pods[p.pod].meta.name.to_string();
        let with = |a: Action| -> Vec<String> {
            report
                .pods
                .iter()
                .filter(|p| snap.pods[p.pod].meta.namespace() == NS && p.action == a)
                .map(pod_name)
                .collect()
        };
        assert_eq!(with(Action::RefuseUnmanaged), vec!["debug".to_string()]);
        assert_eq!(with(Action::RefuseEmptyDir).len(), 1);
        assert_eq!(with(Action::SkipDaemonSet).len(), 1);
        let out = std::process::Command::new("kubectl")
            .args([
                "--kubeconfig",
                &kc,
                "drain",
                "dr-1",
                "--ignore-daemonsets",
                "--dry-run=server",
                "--timeout=20s",
            ])
            .output();
        let out = out.expect("kubectl (tests/live/build-control-plane.sh installs it)");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.status.success(), "kubectl drained dr-1: {text}");
        for p in with(Action::RefuseUnmanaged)
            .iter()
            .chain(&with(Action::RefuseEmptyDir))
        {
            assert!(text.contains(&format!("{NS}/{p}")), "{p} not refused: {text}");
        }
        assert!(text.contains("no controller") || text.contains("declare no controller"), "{text}");
        assert!(text.contains("local storage"), "{text}");
        for p in with(Action::SkipDaemonSet) {
            assert!(
                !text.contains(&format!("cannot delete Pods with local storage (use --delete-emptydir-data to override): {NS}/{p}")),
                "{text}"
            );
        }
        // dr-3 holds only a DaemonSet pod: kvet says it drains cleanly, and kubectl drains it.
        let clean = planner
            .simulate(&Scope::Node("dr-3".into()), Options::default())
            .expect("simulate");
        assert!(clean.is_safe(), "{clean:?}");
        let out = std::process::Command::new("kubectl")
            .args(["--kubeconfig", &kc, "drain", "dr-3", "--ignore-daemonsets", "--dry-run=server", "--timeout=20s"])
            .output()
            .expect("kubectl");
        assert!(
            out.status.success(),
            "kubectl refused dr-3: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // 3. Real evictions, in kvet's order (not Ready first, then by name): each answer is
        // kvet's verdict. Refused and skipped pods are left alone, as kubectl --force would
        // delete the bare pod rather than evict it.
        let mut order: Vec<&kvet::drain::PodOutcome> = report
            .pods
            .iter()
            .filter(|p| snap.pods[p.pod].meta.namespace() == NS)
            .filter(|p| matches!(p.action, Action::Evict | Action::Wait | Action::Blocked))
            .collect();
        order.sort_by(|a, b| {
            let (pa, pb) = (&snap.pods[a.pod], &snap.pods[b.pod]);
            pa.is_ready()
                .cmp(&pb.is_ready())
                .then_with(|| pa.meta.name.cmp(&pb.meta.name))
        });
        let mut answers = Vec::new();
        for p in &order {
            let name = pod_name(p);
            let code = evict(&kc, &name);
            answers.push((name, p.action.as_str(), code, p.why.clone()));
        }
        eprintln!("live drain of dr-1, kvet's verdict and the eviction API's answer:");
        for (pod, action, code, _) in &answers {
            eprintln!("  {pod:<32} {action:<8} {code}");
        }
        let expect = |a: &str, why: &str| match a {
            "evict" => 201,
            "blocked" if why.contains("PDBs select it") => 500,
            _ => 429,
        };
        let wrong: Vec<_> = answers
            .iter()
            .filter(|(_, a, code, why)| expect(a, why) != *code)
            .collect();
        assert!(wrong.is_empty(), "kvet vs the eviction API: {wrong:#?}\nall: {answers:#?}");
        // The scenario covers each answer.
        let actions: std::collections::BTreeSet<&str> = answers.iter().map(|a| a.1).collect();
        assert!(
            ["evict", "wait", "blocked"].iter().all(|a| actions.contains(a)),
            "{answers:#?}"
        );
        assert!(answers.iter().any(|a| a.2 == 500), "{answers:#?}");
        // The not-Ready flaky pod went without spending its healthy budget.
        assert!(
            answers
                .iter()
                .any(|a| a.0.starts_with("flaky-a") && a.2 == 201 && a.3.contains("without spending")),
            "{answers:#?}"
        );
    });
}
