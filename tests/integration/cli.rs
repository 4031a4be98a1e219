//! Layer 7: the real binary, every output format and every exit code.

use crate::support::repo;
use assert_cmd::Command;

pub(crate) fn kvet() -> Command {
    let mut c = Command::cargo_bin("kvet").expect("binary");
    c.env("KVET_CONFIG_DIR", repo().join("tests/fixtures/no-config"));
    c
}

/// A kubeconfig whose server listens nowhere (port 9 on loopback), with this user and context.
fn unreachable_kubeconfig(user: &str, context: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\nclusters: [{{name: c, cluster: {{server: \"https://127.0.0.1:9\"}}}}]\nusers: [{{name: u, user: {user}}}]\ncontexts: [{{name: {context}, context: {{cluster: c, user: u}}}}]\ncurrent-context: {context}\n"
    )
}

fn fixture(rel: &str) -> String {
    repo()
        .join("tests/fixtures/checks")
        .join(rel)
        .display()
        .to_string()
}

#[test]
fn demo_table_lists_findings_and_fails_on_critical() {
    let out = kvet().args(["audit", "--demo"]).output().expect("run");
    assert_eq!(out.status.code(), Some(1), "critical findings exit 1");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("SEVERITY"), "{text}");
    assert!(text.contains("pdb-missing") && text.contains("Deployment/cart"));
    assert!(text.contains("findings: "));
}

#[test]
fn json_has_the_documented_shape() {
    let out = kvet()
        .args(["--demo", "audit", "-o", "json"])
        .output()
        .expect("run");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(v["kvet_version"].is_string());
    assert_eq!(v["source"], "demo");
    let f = &v["findings"][0];
    for key in [
        "check",
        "severity",
        "object",
        "path",
        "message",
        "fix_available",
    ] {
        assert!(!f[key].is_null(), "finding lacks {key}: {f}");
    }
    assert!(f["object"]["kind"].is_string() && f["object"]["name"].is_string());
    let total = v["findings"].as_array().map(Vec::len).unwrap_or(0) as u64;
    let sum: u64 = ["critical", "warning", "info"]
        .iter()
        .map(|k| v["summary"][k].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(total, sum);
    assert_eq!(v["errors"].as_array().map(Vec::len), Some(0));
}

#[test]
fn sarif_is_2_1_0_with_rules_and_file_locations() {
    let out = kvet()
        .args([
            "audit",
            "-f",
            &fixture("pdb-missing/fail_no_pdb.yaml"),
            "-o",
            "sarif",
        ])
        .output()
        .expect("run");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "kvet");
    assert!(run["tool"]["driver"]["rules"]
        .as_array()
        .is_some_and(|r| r.len() == kvet::audit::registry().len()));
    let results = run["results"].as_array().expect("results");
    let r = results
        .iter()
        .find(|r| r["ruleId"] == "pdb-missing")
        .expect("pdb-missing result");
    assert_eq!(r["level"], "error");
    let loc = &r["locations"][0]["physicalLocation"];
    assert!(loc["artifactLocation"]["uri"]
        .as_str()
        .is_some_and(|u| u.ends_with("fail_no_pdb.yaml")));
    assert_eq!(
        loc["region"]["startLine"], 14,
        "the line of the finding's path, /spec/template/metadata/labels"
    );
}

#[test]
fn markdown_groups_by_namespace_and_severity() {
    let out = kvet()
        .args(["audit", "--demo", "-o", "markdown"])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("# kvet audit report"));
    assert!(text.contains("## storefront") && text.contains("### Critical"));
    assert!(text.contains("| `pdb-missing` | Deployment/cart |"));
}

#[test]
fn fail_on_sets_the_exit_code() {
    let f = fixture("limit-ratio/fail_memory_16x.yaml");
    // Info findings only: the default (critical) passes, --fail-on info fails, never passes.
    let code = |args: &[&str]| {
        kvet()
            .args(["audit", "-f", &f, "--checks", "limit-ratio"])
            .args(args)
            .output()
            .expect("run")
            .status
            .code()
    };
    assert_eq!(code(&[]), Some(0));
    assert_eq!(code(&["--fail-on", "warning"]), Some(0));
    assert_eq!(code(&["--fail-on", "info"]), Some(1));
    assert_eq!(code(&["--fail-on", "never"]), Some(0));
}

#[test]
fn broken_document_is_reported_with_line_and_the_rest_still_audited() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("mixed.yaml");
    let good = std::fs::read_to_string(fixture("pdb-missing/fail_no_pdb.yaml")).expect("fixture");
    let text = format!("{good}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: broken\n  labels: [oops\n---\n{}", good.replace("name: app\n", "name: app2\n"));
    std::fs::write(&path, &text).expect("write");
    let broken_line = text
        .lines()
        .position(|l| l.contains("[oops"))
        .expect("broken line") as u32
        + 1;
    let out = kvet()
        .args(["audit", "-f", &path.display().to_string(), "-o", "json"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let first_line = err.lines().next().unwrap_or("");
    assert!(
        first_line.starts_with(&format!("{}:", path.display())),
        "{err}"
    );
    let line: u32 = first_line
        .split(':')
        .nth(1)
        .and_then(|l| l.parse().ok())
        .expect("a line number");
    assert_eq!(line, broken_line, "{err}");
    // It names the object, so that the document to fix is found in a file of many.
    assert!(first_line.contains(": Service broken: "), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let names: Vec<&str> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["check"] == "pdb-missing")
        .filter_map(|f| f["object"]["name"].as_str())
        .collect();
    assert_eq!(
        names,
        vec!["app", "app2"],
        "documents before and after the broken one are audited"
    );
    assert_eq!(v["errors"].as_array().map(Vec::len), Some(1));
}

#[test]
fn stdin_is_read_with_dash() {
    let text = std::fs::read_to_string(fixture("pdb-missing/fail_no_pdb.yaml")).expect("fixture");
    let out = kvet()
        .args(["audit", "-f", "-", "-o", "json", "--checks", "pdb-missing"])
        .write_stdin(text)
        .output()
        .expect("run");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["summary"]["critical"], 1);
}

#[test]
fn usage_errors_exit_2() {
    let out = kvet()
        .args(["audit", "--demo", "--checks", "pdb-mising"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Did you mean \"pdb-missing\""));
    let out = kvet()
        .args(["audit", "-f", "/nonexistent/kvet"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("/nonexistent/kvet: no such file or directory"));
    assert_eq!(
        kvet()
            .args(["explain", "nope"])
            .output()
            .expect("run")
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn no_source_means_live_and_exits_3_when_unreachable() {
    // A kubeconfig whose server listens nowhere (port 9 on loopback).
    let dir = tempfile::tempdir().expect("tmp");
    let kc = dir.path().join("kubeconfig");
    std::fs::write(&kc, unreachable_kubeconfig("{token: abc}", "x")).expect("write");
    let out = kvet()
        .args(["audit", "-o", "json"])
        .env("KUBECONFIG", &kc)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot reach the cluster at https://127.0.0.1:9"),
        "{err}"
    );
    // No kubeconfig at all, outside a cluster: also 3, with what to do.
    let out = kvet()
        .args(["audit"])
        .env("KUBECONFIG", dir.path().join("missing"))
        .env("HOME", dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn config_turns_checks_off_and_changes_severity() {
    let dir = tempfile::tempdir().expect("tmp");
    let cfg = dir.path().join("kvet.toml");
    std::fs::write(&cfg, "[checks]\npdb-missing = \"info\"\nreadiness-missing = \"off\"\nhpa-no-cpu-request = \"off\"\nhpa-target-missing = \"off\"\nrbac-cluster-admin = \"off\"\nrbac-escalation = \"warning\"\nnetpol-blocks-dns = \"off\"\ndrain-outage = \"off\"\nreplica-concentration = \"warning\"\nprivileged = \"off\"\nquota-blocks-rollout = \"off\"\ndeprecated-api = \"warning\"\nhost-namespaces = \"warning\"\n").expect("write");
    let out = kvet()
        .args([
            "audit",
            "--demo",
            "-o",
            "json",
            "--config",
            &cfg.display().to_string(),
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "no critical left");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let f = v["findings"].as_array().expect("findings");
    assert!(f.iter().all(|x| x["check"] != "readiness-missing"));
    assert!(f
        .iter()
        .filter(|x| x["check"] == "pdb-missing")
        .all(|x| x["severity"] == "info"));
    // The config directory is honoured too.
    std::fs::write(
        dir.path().join("config.toml"),
        "[checks]\npdb-missing = \"off\"\n",
    )
    .expect("write");
    let out = Command::cargo_bin("kvet")
        .expect("bin")
        .env("KVET_CONFIG_DIR", dir.path())
        .args(["audit", "--demo", "-o", "json"])
        .output()
        .expect("run");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(v["findings"]
        .as_array()
        .expect("f")
        .iter()
        .all(|x| x["check"] != "pdb-missing"));
    // A bad config names its file and line.
    std::fs::write(&cfg, "[checks]\nnot-a-check = \"off\"\n").expect("write");
    let out = kvet()
        .args(["audit", "--demo", "--config", &cfg.display().to_string()])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains(&format!("{}:2: unknown check ID", cfg.display())));
}

#[test]
fn checks_and_explain() {
    let out = kvet().args(["checks"]).output().expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().count() > kvet::audit::registry().len());
    assert!(
        text.contains("pdb-missing") && text.contains("availability") && text.contains("critical")
    );
    let out = kvet()
        .args(["explain", "pdb-missing"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for part in [
        "What it detects",
        "Why it matters",
        "Example",
        "Fix",
        "PodDisruptionBudget",
    ] {
        assert!(text.contains(part), "{part}");
    }
}

#[test]
fn control_characters_in_names_are_escaped_in_the_table() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("evil.yaml");
    let good = std::fs::read_to_string(fixture("pdb-missing/fail_no_pdb.yaml")).expect("fixture");
    std::fs::write(
        &path,
        good.replace("name: app\n", "name: \"app\\e[2J\\u202e\"\n"),
    )
    .expect("write");
    let out = kvet()
        .args([
            "audit",
            "-f",
            &path.display().to_string(),
            "--checks",
            "pdb-missing",
        ])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains('\x1b') && !text.contains('\u{202e}'),
        "{text:?}"
    );
    assert!(text.contains("app\\x1b[2J\\u{202e}"), "{text}");
}

#[test]
fn a_missing_exec_plugin_is_one_clear_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let kc = dir.path().join("kubeconfig");
    std::fs::write(&kc, unreachable_kubeconfig(
        "{exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: kvet-no-such-plugin}}",
        "prod",
    )).expect("write");
    let t = std::time::Instant::now();
    let out = kvet()
        .args(["audit", "--kubeconfig", &kc.display().to_string()])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("\"kvet-no-such-plugin\" is not installed") && err.contains("--context"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "one error, no retry loop: {err}");
    assert!(t.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn kubeconfigs_with_a_bom_or_in_utf16_are_read() {
    // Only the parse matters here: the server is unreachable, so exit 3 with the server named
    // proves the file was understood (a parse failure names the file instead).
    let dir = tempfile::tempdir().expect("tmp");
    let text = unreachable_kubeconfig("{token: t}", "x");
    let bom = dir.path().join("bom.yaml");
    std::fs::write(&bom, [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat()).expect("write");
    let utf16 = dir.path().join("utf16.yaml");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
    std::fs::write(&utf16, bytes).expect("write");
    for f in [bom, utf16] {
        let out = kvet()
            .args(["audit", "--kubeconfig", &f.display().to_string()])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(3));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("cannot reach the cluster at https://127.0.0.1:9"),
            "{}: {err}",
            f.display()
        );
    }
    // A broken kubeconfig names its path.
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "apiVersion: v1\nkind: Config\nclusters: [oops\n").expect("write");
    let out = kvet()
        .args(["audit", "--kubeconfig", &bad.display().to_string()])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&bad.display().to_string()));
}

#[test]
fn drain_answers_in_drain_md_shape_with_its_exit_codes() {
    // node-a2 holds both config-sync replicas and no PDB protects them: an outage, exit 1.
    let out = kvet()
        .args(["drain", "node-a2", "--demo", "-o", "json"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let keys: Vec<&str> = v
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    assert_eq!(keys, vec!["completes", "node", "pods", "workloads"]);
    assert_eq!(v["node"], "node-a2");
    assert_eq!(v["completes"], true);
    let pods = v["pods"].as_array().expect("pods");
    let names: Vec<&str> = pods.iter().filter_map(|p| p["pod"].as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "pods sorted by name");
    let sync = pods
        .iter()
        .find(|p| p["pod"] == "platform/config-sync-84d5c7f9b-q8w2e")
        .expect("config-sync pod");
    assert_eq!(
        sync,
        &serde_json::json!({"pod": "platform/config-sync-84d5c7f9b-q8w2e", "owner": "Deployment/platform/config-sync", "action": "evict", "pdbs": []})
    );
    let ds = pods
        .iter()
        .find(|p| p["pod"] == "monitoring/log-shipper-m4q9z")
        .expect("DaemonSet pod");
    assert_eq!(ds["action"], "skip-daemonset");
    assert!(v["workloads"]
        .as_array()
        .expect("workloads")
        .contains(&serde_json::json!({"workload": "Deployment/platform/config-sync", "ready": 2, "ready_during": 0, "outage": true})));
    // node-b1 drains cleanly: exit 0, and the table says so.
    let out = kvet()
        .args(["drain", "node-b1", "--demo"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("✓ Drain of node node-b1: completes"),
        "{text}"
    );
    // node-c1 holds a bare pod: refused without --force, completes with it.
    let out = kvet()
        .args(["drain", "node-c1", "--demo"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("refuse-unmanaged platform/debug-shell"));
    let out = kvet()
        .args(["drain", "node-c1", "--demo", "--force", "-o", "json"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["completes"], true);
    // A pool: every node of it, listed.
    let out = kvet()
        .args(["drain", "--pool", "general", "--demo", "-o", "json"])
        .output()
        .expect("run");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["pool"], "general");
    assert_eq!(v["nodes"], serde_json::json!(["node-a1", "node-b1"]));
    // An unknown node is a usage error that names the known ones; manifests without pods too.
    let out = kvet()
        .args(["drain", "node-zz", "--demo"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("node-a1") && err.contains("node-zz"), "{err}");
    let manifests = repo().join("tests/fixtures/checks/pdb-missing");
    let out = kvet()
        .args(["drain", "n1", "-f", &manifests.display().to_string()])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no pods placed on nodes"));
}

/// `kvet triage`: the JSON shape of the issue, worst impact first, exit 1 when something is
/// down; every symptom of the demo's incident on its object with the finding that explains it.
#[test]
fn triage_answers_what_hurts_now_in_the_documented_shape() {
    let out = kvet()
        .args(["triage", "--demo", "-o", "json"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "something is down in the demo");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let list = v["symptoms"].as_array().expect("symptoms");
    let find = |symptom: &str, name: &str| {
        list.iter()
            .find(|s| s["symptom"] == symptom && s["object"]["name"] == name)
            .unwrap_or_else(|| panic!("{symptom} on {name} missing: {v}"))
    };
    let oom = find("oom-killed", "recommendations");
    assert_eq!(oom["impact"], "down");
    assert_eq!(oom["object"]["kind"], "Deployment");
    assert_eq!(oom["object"]["namespace"], "storefront");
    for key in ["from", "reason", "message", "count", "last_seen", "object"] {
        assert!(
            oom["evidence"][0].get(key).is_some(),
            "evidence lacks {key}: {oom}"
        );
    }
    let explains = |s: &serde_json::Value, check: &str| {
        s["explained_by"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|e| e["check"] == check)
    };
    assert!(explains(oom, "limit-ratio"), "{oom}");
    assert!(explains(
        find("quota-exceeded", "fraud-scorer"),
        "quota-blocks-rollout"
    ));
    assert!(explains(
        find("probe-failing", "fraud-scorer"),
        "startup-budget-short"
    ));
    assert!(explains(
        find("hpa-cannot-scale", "api"),
        "hpa-no-cpu-request"
    ));
    assert!(explains(find("image-pull", "ci-runner"), "image-latest"));
    // Worst first.
    let impacts: Vec<&str> = list.iter().filter_map(|s| s["impact"].as_str()).collect();
    let rank = |i: &str| ["down", "degraded", "at-risk"].iter().position(|x| *x == i);
    assert!(
        impacts.windows(2).all(|w| rank(w[0]) <= rank(w[1])),
        "{impacts:?}"
    );
    // No symptom on a healthy workload.
    assert!(!list
        .iter()
        .any(|s| s["object"]["name"] == "web" || s["object"]["name"] == "cart"));
}

/// A finding the cluster's evidence confirms carries it: `evidence` in JSON and in SARIF's
/// properties, "confirmed" in Markdown and the table. Findings without evidence carry none.
#[test]
fn findings_carry_the_evidence_that_confirms_them() {
    let run = |fmt: &str| {
        let out = kvet()
            .args(["audit", "--demo", "--fail-on", "never", "-o", fmt])
            .output()
            .expect("run");
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let v: serde_json::Value = serde_json::from_str(&run("json")).expect("json");
    let f = v["findings"].as_array().expect("findings");
    let ratio = f
        .iter()
        .find(|x| x["check"] == "limit-ratio" && x["object"]["name"] == "recommendations")
        .expect("limit-ratio");
    let ev = ratio["evidence"].as_array().expect("evidence");
    assert!(
        ev.iter()
            .any(|e| e["symptom"] == "oom-killed" && e["reason"] == "OOMKilled"),
        "{ratio}"
    );
    let cart = f
        .iter()
        .find(|x| x["check"] == "pdb-missing" && x["object"]["name"] == "cart")
        .expect("cart");
    assert!(cart.get("evidence").is_none(), "{cart}");
    let sarif: serde_json::Value = serde_json::from_str(&run("sarif")).expect("sarif");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert!(results.iter().any(|r| r["ruleId"] == "hpa-no-cpu-request"
        && r["properties"]["evidence"][0]["symptom"] == "hpa-cannot-scale"));
    assert!(run("markdown").contains("**confirmed: image-pull ×6"));
}

#[test]
fn fix_check_oom_killed_raises_the_limit_of_the_container_the_kernel_killed() {
    let out = assert_cmd::Command::cargo_bin("kvet")
        .expect("binary")
        .args([
            "fix",
            "--demo",
            "--check",
            "oom-killed",
            "--object",
            "Deployment/storefront/recommendations",
            "--set",
            "memory=2Gi",
            "-o",
            "diff",
        ])
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("+            memory: 2Gi"), "{stdout}");
    assert!(stderr.contains("1Gi → 2Gi"), "{stderr}");
    // A workload that was never OOMKilled has nothing to raise.
    let out = assert_cmd::Command::cargo_bin("kvet")
        .expect("binary")
        .args([
            "fix",
            "--demo",
            "--check",
            "oom-killed",
            "--object",
            "Deployment/storefront/cart",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not fire"));
}

/// Issue 21, baselines: audit → JSON → `--baseline` marks every finding unchanged and gates
/// nothing; a changed copy marks only what it introduced as new (and what it fixed as absent),
/// and only the new findings count towards --fail-on.
#[test]
fn baseline_round_trip_and_only_new_findings_fail_the_gate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifests = dir.path().join("app.yaml");
    let yaml = std::fs::read_to_string(fixture("pdb-missing/fail_no_pdb.yaml")).expect("fixture");
    std::fs::write(&manifests, &yaml).expect("write");
    let report = dir.path().join("before.json");
    let out = kvet()
        .args(["audit", "-f"])
        .arg(&manifests)
        .args(["-o", "json"])
        .output()
        .expect("run");
    std::fs::write(&report, &out.stdout).expect("write report");
    let before: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let n = before["findings"].as_array().map(Vec::len).unwrap_or(0);
    assert!(n >= 2, "{before:#}");

    // The same manifests against their own report: nothing new, nothing gone, exit 0.
    let out = kvet()
        .args(["audit", "-f"])
        .arg(&manifests)
        .args(["-o", "json", "--fail-on", "info", "--baseline"])
        .arg(&report)
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(
        v["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|f| f["baseline"] == "unchanged"),
        "{v:#}"
    );
    assert_eq!(v["baseline"]["unchanged"], n);
    assert_eq!(v["absent"], serde_json::json!([]));

    // Lines move (a comment on top) and the image becomes :latest: only that is new.
    let changed = format!(
        "# moved down by a comment\n{}",
        yaml.replace("example/app:1.0", "example/app:latest")
    );
    std::fs::write(&manifests, &changed).expect("write");
    let out = kvet()
        .args(["audit", "-f"])
        .arg(&manifests)
        .args(["-o", "sarif", "--fail-on", "warning", "--baseline"])
        .arg(&report)
        .output()
        .expect("run");
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).expect("sarif");
    let results = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .clone();
    // SARIF 2.1.0's rules for these properties (§3.27.17, §3.27.24): baselineState is one of
    // four values, on every result once a baseline is given; partialFingerprints maps names to
    // strings.
    for r in &results {
        let state = r["baselineState"].as_str().unwrap_or_default();
        assert!(
            ["new", "unchanged", "updated", "absent"].contains(&state),
            "{r:#}"
        );
        let fp = r["partialFingerprints"]
            .as_object()
            .expect("partialFingerprints");
        assert!(
            fp.values()
                .all(|v| v.as_str().is_some_and(|s| s.len() == 32)),
            "{r:#}"
        );
    }
    let new: Vec<&str> = results
        .iter()
        .filter(|r| r["baselineState"] == "new")
        .filter_map(|r| r["ruleId"].as_str())
        .collect();
    assert_eq!(
        new,
        ["image-latest"],
        "moving lines makes nothing new: {sarif:#}"
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "a new warning fails --fail-on warning"
    );
    // Fingerprints do not depend on lines: each unchanged result has its earlier fingerprint.
    let earlier: Vec<&str> = before["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["fingerprint"].as_str())
        .collect();
    for r in results.iter().filter(|r| r["baselineState"] == "unchanged") {
        let fp = r["partialFingerprints"]["kvetIdentity/v1"]
            .as_str()
            .unwrap_or_default();
        assert!(earlier.contains(&fp), "{r:#}");
    }
    // The critical pdb-missing is old: --fail-on critical passes.
    let out = kvet()
        .args(["audit", "-f"])
        .arg(&manifests)
        .args(["--fail-on", "critical", "--baseline"])
        .arg(&report)
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // Fixed: the PDB added; the finding is absent, listed as a result too.
    std::fs::write(
        &manifests,
        format!("{changed}---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: app, namespace: ns}}\nspec:\n  maxUnavailable: 1\n  selector: {{matchLabels: {{app: app}}}}\n"),
    )
    .expect("write");
    let out = kvet()
        .args(["audit", "-f"])
        .arg(&manifests)
        .args(["-o", "markdown", "--baseline"])
        .arg(&report)
        .output()
        .expect("run");
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.contains("## Absent since the baseline"), "{md}");
    assert!(md.contains("| `pdb-missing` |"), "{md}");
    assert!(md.contains("| **new** `image-latest`"), "{md}");
}

/// Issue 21: `kvet diff BEFORE AFTER` on manifests. A file compared with itself shows nothing;
/// a changed copy reports each change in its section, in the documented JSON shape, and gates
/// by exit code.
#[test]
fn diff_reports_each_change_in_its_section_and_gates_by_exit_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for d in [&a, &b] {
        std::fs::create_dir_all(d).expect("dir");
        for f in ["storefront.yaml", "payments.yaml", "cluster.yaml"] {
            std::fs::copy(repo().join("assets/demo").join(f), d.join(f)).expect("copy");
        }
    }
    let same = kvet().arg("diff").arg(&a).arg(&a).output().expect("run");
    assert_eq!(same.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&same.stdout).starts_with("No difference"));

    // A binding added, a policy widened (storefront's default-deny and DNS policies select
    // nothing any more), a Deployment scaled.
    let pay = std::fs::read_to_string(b.join("payments.yaml")).expect("read");
    std::fs::write(
        b.join("payments.yaml"),
        format!("{pay}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {{name: api-admin}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}}\nsubjects: [{{kind: ServiceAccount, name: api, namespace: payments}}]\n"),
    )
    .expect("write");
    let store = std::fs::read_to_string(b.join("storefront.yaml")).expect("read");
    let widened = store
        .replace(
            "  podSelector: {}\n  policyTypes: [Ingress, Egress]",
            "  podSelector: {matchLabels: {nothing: here}}\n  policyTypes: [Ingress, Egress]",
        )
        .replace(
            "  name: allow-dns\n  namespace: storefront\nspec:\n  podSelector: {}",
            "  name: allow-dns\n  namespace: storefront\nspec:\n  podSelector: {matchLabels: {nothing: here}}",
        );
    assert_ne!(
        widened, store,
        "the demo's storefront policies are where this test expects"
    );
    std::fs::write(b.join("storefront.yaml"), widened).expect("write");

    let out = kvet()
        .arg("diff")
        .arg(&a)
        .arg(&b)
        .args(["-o", "json", "--fail-on", "critical"])
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(1),
        "a new critical finding fails the gate"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    for (section, keys) in [
        ("findings", &["new", "resolved", "changed"][..]),
        ("objects", &["added", "removed", "changed"]),
        ("rbac", &["gained", "lost"]),
        ("reach", &["opened", "closed"]),
        ("drain", &["changed"]),
    ] {
        for k in keys {
            assert!(v[section][k].is_array(), "{section}.{k}: {v:#}");
        }
    }
    let new = v["findings"]["new"].as_array().expect("new");
    assert!(
        new.iter().any(|f| f["check"] == "rbac-cluster-admin"
            && f["object"] == serde_json::json!({"kind": "ServiceAccount", "namespace": "payments", "name": "api"})),
        "{new:#?}"
    );
    assert!(v["objects"]["added"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|o| o["kind"] == "ClusterRoleBinding" && o["name"] == "api-admin"));
    let changed = v["objects"]["changed"].as_array().expect("changed");
    assert!(
        changed.iter().any(|c| c["object"]["name"] == "default-deny"
            && c["fields"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|f| f["path"] == "/spec/podSelector/matchLabels/nothing"
                    && f["before"].is_null()
                    && f["after"] == "here")),
        "{changed:#?}"
    );
    assert!(v["rbac"]["gained"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|g| g["subject"] == "system:serviceaccount:payments:api"
            && g["binding"] == "ClusterRoleBinding/api-admin"
            && g["namespace"].is_null()));
    let opened = v["reach"]["opened"].as_array().expect("opened");
    assert!(
        opened.iter().any(|c| c["from"] == "storefront/checkout"
            && c["to"] == "payments/api"
            && c["port"] == 8080
            && c["protocol"] == "TCP"
            && c["allowed_by"]
                .as_str()
                .is_some_and(|a| a.contains("payments/api-from-storefront"))),
        "{opened:#?}"
    );
    // Reversed: what was opened is closed, what was gained is lost.
    let back = kvet()
        .arg("diff")
        .arg(&b)
        .arg(&a)
        .args(["-o", "json"])
        .output()
        .expect("run");
    assert_eq!(back.status.code(), Some(0), "no --fail-on: exit 0");
    let r: serde_json::Value = serde_json::from_slice(&back.stdout).expect("json");
    assert_eq!(
        r["reach"]["closed"].as_array().map(Vec::len),
        Some(opened.len())
    );
    assert_eq!(r["rbac"]["lost"], v["rbac"]["gained"]);
    // The table has counts first; a missing side is a usage error.
    let t = kvet().arg("diff").arg(&a).arg(&b).output().expect("run");
    let text = String::from_utf8_lossy(&t.stdout);
    assert!(
        text.lines()
            .next()
            .unwrap_or_default()
            .trim_end()
            .ends_with("new findings"),
        "{text}"
    );
    for section in ["FINDINGS", "OBJECTS", "RBAC", "REACH"] {
        assert!(text.contains(section), "{text}");
    }
    let bad = kvet()
        .arg("diff")
        .arg(&a)
        .arg(dir.path().join("nope"))
        .output()
        .expect("run");
    assert_eq!(bad.status.code(), Some(2));
}

/// A broken document's error line names its object; a control character in that name is shown
/// escaped on the terminal, like every other name.
#[test]
fn a_broken_documents_name_is_escaped_on_stderr() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("evil.yaml");
    std::fs::write(
        &path,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\x1b[2J\nspec:\n  replicas: lots\n",
    )
    .expect("write");
    let out = kvet()
        .args(["audit", "-f", &path.display().to_string()])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains('\x1b'), "{err:?}");
    assert!(err.contains("Deployment web\\x1b[2J: "), "{err}");
}
