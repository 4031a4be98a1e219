//! Issue 19 §1.2-1.3: a server that is not Kubernetes, and one that never answers. Both are
//! real TCP servers on loopback, reached through a kubeconfig as a user would.

use crate::support::repo;
use assert_cmd::Command;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

fn kvet(kubeconfig: &std::path::Path) -> Command {
    let mut c = Command::cargo_bin("kvet").expect("binary");
    c.env("KVET_CONFIG_DIR", repo().join("tests/fixtures/no-config"))
        .env("KVET_DATA_DIR", kubeconfig.with_file_name("data"))
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .timeout(Duration::from_secs(60));
    c
}

fn kubeconfig(dir: &std::path::Path, port: u16) -> std::path::PathBuf {
    let p = dir.join("kubeconfig");
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters: [{{name: c, cluster: {{server: \"http://127.0.0.1:{port}\"}}}}]\nusers: [{{name: u, user: {{token: t}}}}]\ncontexts: [{{name: x, context: {{cluster: c, user: u}}}}]\ncurrent-context: x\n"
    );
    std::fs::write(&p, text).expect("write kubeconfig");
    p
}

/// An HTTP server that answers 404 to every request, as a wrong URL or a proxy does.
fn not_found_server() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for mut s in l.incoming().flatten() {
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                while let Ok(n) = s.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let body = "404 page not found\n";
                    let _ = write!(
                        s,
                        "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                }
            });
        }
    });
    port
}

/// A server that accepts connections and never says a word.
fn silent_server() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in l.incoming().flatten() {
            held.push(s);
        }
    });
    port
}

#[test]
fn a_server_that_is_not_kubernetes_is_exit_3_not_a_clean_cluster() {
    let dir = tempfile::tempdir().expect("tempdir");
    let kc = kubeconfig(dir.path(), not_found_server());
    for args in [
        vec!["audit", "--fail-on", "info"],
        vec!["audit", "-o", "json"],
        vec!["who-can", "get", "secrets"],
        vec!["snapshot", "save", "-"],
    ] {
        let out = kvet(&kc).args(&args).output().expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(3),
            "kvet {args:?}: {stderr}{stdout}"
        );
        assert!(
            stderr.contains("is not a Kubernetes API server") && stderr.contains("127.0.0.1"),
            "kvet {args:?}: {stderr}"
        );
        assert!(!stdout.contains("No findings"), "{stdout}");
        assert!(!stdout.contains("No subject"), "{stdout}");
        assert!(!stdout.contains("kind: List"), "{stdout}");
    }
}

#[test]
fn a_server_that_never_answers_times_out_with_exit_3() {
    let dir = tempfile::tempdir().expect("tempdir");
    let kc = kubeconfig(dir.path(), silent_server());
    for args in [
        vec!["audit", "--request-timeout", "1s"],
        vec![
            "fix",
            "--check",
            "pdb-missing",
            "--object",
            "deploy/a/b",
            "--apply",
            "--yes",
            "--request-timeout",
            "1s",
        ],
    ] {
        let started = Instant::now();
        let out = kvet(&kc).args(&args).output().expect("run");
        let took = started.elapsed();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "kvet {args:?}: {stderr}");
        assert!(
            stderr.contains("no answer within 1s"),
            "kvet {args:?}: {stderr}"
        );
        assert!(
            took < Duration::from_secs(30),
            "kvet {args:?} took {took:?}"
        );
    }
    // A bad duration is a usage error that says how to write one.
    let out = kvet(&kc)
        .args(["audit", "--request-timeout", "soon"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("30s"));
}

/// A kubeconfig with a context that refuses connections (`refused`) and one whose server
/// accepts and never answers (`silent`).
fn bad_contexts(dir: &std::path::Path) -> std::path::PathBuf {
    let refused = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
        // dropped: nothing listens there any more
    };
    let silent = silent_server();
    let p = dir.join("fleet-bad");
    std::fs::write(
        &p,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- {{name: r, cluster: {{server: \"http://127.0.0.1:{refused}\"}}}}\n- {{name: s, cluster: {{server: \"http://127.0.0.1:{silent}\"}}}}\nusers: [{{name: u, user: {{token: t}}}}]\ncontexts:\n- {{name: refused, context: {{cluster: r, user: u}}}}\n- {{name: silent, context: {{cluster: s, user: u}}}}\ncurrent-context: refused\n"
        ),
    )
    .expect("write");
    p
}

fn fleet(
    kubeconfig_env: &str,
    args: &[&str],
) -> (Option<i32>, serde_json::Value, String, Duration) {
    let start = Instant::now();
    let out = Command::cargo_bin("kvet")
        .expect("binary")
        .env("KVET_CONFIG_DIR", repo().join("tests/fixtures/no-config"))
        .env("KUBECONFIG", kubeconfig_env)
        .args(args)
        .timeout(Duration::from_secs(90))
        .output()
        .expect("run");
    let took = start.elapsed();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (
        out.status.code(),
        v,
        String::from_utf8_lossy(&out.stderr).into_owned(),
        took,
    )
}

/// Issue 21 §4: contexts that refuse or never answer are each reported with their error,
/// within the timeouts, and the exit code is 3 as for one unreachable cluster.
#[test]
fn a_fleet_reports_a_refused_and_a_silent_context_apart_without_hanging() {
    let dir = tempfile::tempdir().expect("tempdir");
    let kc = bad_contexts(dir.path());
    let (code, v, stderr, took) = fleet(
        &kc.display().to_string(),
        &[
            "audit",
            "--all-contexts",
            "-o",
            "json",
            "--request-timeout",
            "2s",
        ],
    );
    assert_eq!(code, Some(3), "{stderr}");
    assert!(took < Duration::from_secs(30), "it took {took:?}");
    let contexts = v["contexts"].as_array().expect("contexts");
    let names: Vec<&str> = contexts
        .iter()
        .filter_map(|c| c["context"].as_str())
        .collect();
    assert_eq!(names, ["refused", "silent"]);
    for c in contexts {
        assert!(c["error"].as_str().is_some_and(|e| !e.is_empty()), "{c:#}");
        assert_eq!(c["findings"], serde_json::json!([]));
    }
    assert!(stderr.contains("context silent"), "{stderr}");
    // --context twice is the same fleet, in the order given.
    let (code, v, _, _) = fleet(
        &kc.display().to_string(),
        &[
            "audit",
            "--context",
            "silent",
            "--context",
            "refused",
            "-o",
            "json",
            "--request-timeout",
            "2s",
        ],
    );
    assert_eq!(code, Some(3));
    let names: Vec<&str> = v["contexts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["context"].as_str())
        .collect();
    assert_eq!(names, ["silent", "refused"]);
}

/// Live tier: the real control plane beside a refused and a silent context. The real one is
/// audited (server version, findings), the others carry their errors, and SARIF has one run
/// per context.
#[test]
fn a_fleet_audits_the_real_cluster_beside_broken_contexts() {
    let Some(live) = crate::live::kubeconfig() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let kc = bad_contexts(dir.path());
    let env = format!("{live}:{}", kc.display());
    let (code, v, stderr, took) = fleet(
        &env,
        &[
            "audit",
            "--all-contexts",
            "-o",
            "json",
            "--request-timeout",
            "3s",
        ],
    );
    assert_eq!(code, Some(3), "the worst context decides: {stderr}");
    assert!(took < Duration::from_secs(60), "it took {took:?}");
    let contexts = v["contexts"].as_array().expect("contexts");
    let real = contexts
        .iter()
        .find(|c| c["error"].is_null())
        .unwrap_or_else(|| panic!("no context was audited: {v:#}"));
    assert_eq!(real["server_version"], "1.20", "{real:#}");
    assert!(real["summary"]["warning"].as_u64().is_some());
    assert_eq!(
        contexts.iter().filter(|c| c["error"].is_string()).count(),
        2
    );
    let (_, s, _, _) = fleet(
        &env,
        &[
            "audit",
            "--all-contexts",
            "-o",
            "sarif",
            "--request-timeout",
            "3s",
        ],
    );
    assert_eq!(s["runs"].as_array().map(Vec::len), Some(3), "{s:#}");
}

/// Issue 21 §4, TUI: the Fleet view audits every context in the background; a refused and a
/// silent context show their errors without stalling, and Enter switches to the selected one.
#[test]
fn the_fleet_view_audits_every_context_and_enter_switches() {
    use kvet::tui::app::{App, AppEvent, Effect, View};
    use kvet::tui::EffectRunner;
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let dir = tempfile::tempdir().expect("tempdir");
    let kc = bad_contexts(dir.path());
    let rt = std::sync::Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime"),
    );
    let mut runner = kvet::cli::live_tui::LiveRunner {
        runtime: rt.clone(),
        base: kvet::source::live::LiveOptions {
            kubeconfig: Some(kc.clone()),
            request_timeout: Some(Duration::from_secs(2)),
            ..Default::default()
        },
        feed: Default::default(),
        audits: kvet::tui::ThreadRunner,
        conn: Default::default(),
        logs: None,
    };
    let snap = std::sync::Arc::new(kvet::model::Snapshot::empty(
        kvet::model::SourceKind::Live,
        "refused",
    ));
    let mut app = App::new(
        snap,
        kvet::tui::keymap::KeyMap::defaults(),
        kvet::tui::theme::Theme::default_theme(),
    );
    app.shared.live = Some(kvet::tui::app::LiveInfo {
        context: "refused".into(),
        ..Default::default()
    });
    let key = |c| AppEvent::Key(KeyEvent::new(c, KeyModifiers::NONE));
    let fx = app.update(key(KeyCode::Char('9')));
    assert_eq!(app.view, View::Fleet);
    assert!(matches!(fx.as_slice(), [Effect::AuditFleet]), "{fx:?}");
    let (tx, rx) = std::sync::mpsc::sync_channel(16);
    let start = Instant::now();
    for f in fx {
        assert!(
            runner.run(f, &tx).is_empty(),
            "the fleet is audited in the background"
        );
    }
    let ev = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the fleet's audit arrived");
    assert!(start.elapsed() < Duration::from_secs(30));
    app.update(ev);
    let text = crate::tui::screen(&mut app, 140, 20);
    assert!(text.contains("Fleet (2 contexts, 2 not audited)"), "{text}");
    assert!(
        text.contains("● refused"),
        "the current context is marked: {text}"
    );
    assert_eq!(text.matches("error:").count(), 2, "{text}");
    // Enter on the second row switches to it.
    app.update(key(KeyCode::Down));
    let fx = app.update(key(KeyCode::Enter));
    assert!(
        matches!(fx.as_slice(), [Effect::Connect { context: Some(c), .. }] if c == "silent"),
        "{fx:?}"
    );
    assert_eq!(app.view, View::Workloads);
    // Offline, the view says where a fleet comes from.
    let mut offline = crate::tui::demo_app();
    let fx = offline.update(key(KeyCode::Char('9')));
    let mut inline = kvet::tui::ThreadRunner;
    for f in fx {
        for ev in inline.run(f, &tx) {
            offline.update(ev);
        }
    }
    let text = crate::tui::screen(&mut offline, 140, 20);
    assert!(text.contains("every context of a kubeconfig"), "{text}");
}

/// Issue 21, live tier: two real control planes (the second on other ports, started by
/// tests/run.sh): the fleet audits each apart, and `kvet diff ctx:A ctx:B` names the workload
/// only the second one has.
#[test]
fn a_fleet_of_two_real_clusters_audits_each_apart_and_diff_compares_them() {
    let (Some(first), Some(second)) = (
        crate::live::kubeconfig(),
        std::env::var("KVET_LIVE_KUBECONFIG2")
            .ok()
            .filter(|v| !v.is_empty()),
    ) else {
        return;
    };
    // The second kubeconfig names its cluster, user and context as the first does: rename them,
    // as a user merging two kubeconfigs would.
    let mut kc: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string(&second).expect("kubeconfig2"))
            .expect("yaml");
    kc["clusters"][0]["name"] = "kvet-second".into();
    kc["users"][0]["name"] = "kvet-second-admin".into();
    kc["contexts"] = serde_json::json!([{"name": "kvet-second",
        "context": {"cluster": "kvet-second", "user": "kvet-second-admin"}}]);
    kc["current-context"] = "kvet-second".into();
    let dir = tempfile::tempdir().expect("tempdir");
    let second = dir.path().join("second.json");
    std::fs::write(&second, kc.to_string()).expect("write");
    let second = second.display().to_string();
    // A workload only the second cluster has.
    let ns = crate::live_fixes::unique("kvet-only-second");
    let rt = crate::live_fixes::rt();
    let conn = rt.block_on(crate::live_fixes::connect(&second));
    rt.block_on(crate::live_fixes::create_all(
        &conn,
        &[
            serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
            serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "web", "namespace": ns},
                "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                    "template": {"metadata": {"labels": {"app": "web"}},
                        "spec": {"containers": [{"name": "web", "image": "web:1"}]}}}}),
        ],
    ));
    let env = format!("{first}:{second}");
    let (code, v, stderr, took) = fleet(&env, &["audit", "--all-contexts", "-o", "json"]);
    assert!(matches!(code, Some(0 | 1)), "{stderr}");
    assert!(took < Duration::from_secs(90));
    let contexts = v["contexts"].as_array().expect("contexts");
    assert_eq!(contexts.len(), 2, "{v:#}");
    for c in contexts {
        assert!(c["error"].is_null(), "{c:#}");
        assert_eq!(c["server_version"], "1.20");
    }
    let on = |name: &str| -> Vec<String> {
        contexts
            .iter()
            .find(|c| c["context"] == name)
            .and_then(|c| c["findings"].as_array())
            .into_iter()
            .flatten()
            .filter(|f| f["object"]["namespace"] == ns.as_str())
            .filter_map(|f| f["check"].as_str().map(str::to_string))
            .collect()
    };
    assert!(
        on("kvet-second").contains(&"pdb-missing".to_string()),
        "{v:#}"
    );
    assert!(on("kvet-test").is_empty());
    // What differs between the two, by workload identity.
    let (code, d, stderr, _) = fleet(
        &env,
        &["diff", "ctx:kvet-test", "ctx:kvet-second", "-o", "json"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let added = d["objects"]["added"].as_array().expect("added");
    assert!(
        added.iter().any(|o| o["kind"] == "Deployment"
            && o["namespace"] == ns.as_str()
            && o["name"] == "web"),
        "{added:#?}"
    );
    assert!(d["findings"]["new"].as_array().is_some_and(|l| l
        .iter()
        .any(|f| f["check"] == "pdb-missing" && f["object"]["namespace"] == ns.as_str())));
}
