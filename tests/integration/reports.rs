//! `kvet report --dry-run`: the objects are valid against the vendored CRDs' schemas, and they
//! carry every finding of the audit once.

use assert_cmd::Command;
use serde_json::Value;

fn kvet() -> Command {
    let mut c = crate::cli::kvet();
    c.env_remove("KUBECONFIG");
    c
}

fn json_of(args: &[&str]) -> Value {
    let out = kvet().args(args).output().expect("run");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

/// The openAPIV3Schema of one version of a vendored CRD.
fn schema(file: &str, version: &str) -> Value {
    let path = crate::support::repo().join("assets/crds").join(file);
    let text = std::fs::read_to_string(&path).expect("crd");
    let crd: Value = serde_saphyr::from_str(&text).expect("yaml");
    crd["spec"]["versions"]
        .as_array()
        .and_then(|vs| vs.iter().find(|v| v["name"] == version))
        .map(|v| v["schema"]["openAPIV3Schema"].clone())
        .unwrap_or_else(|| panic!("{file} has no version {version}"))
}

fn validate(v: &Value, s: &Value, at: &str, errors: &mut Vec<String>) {
    errors.extend(crate::schema::Validator::structural(s).errors(v, s, at));
}

#[test]
fn dry_run_reports_are_valid_objects_of_both_apis_and_carry_every_finding() {
    let audit = json_of(&["audit", "--demo", "-o", "json", "--fail-on", "never"]);
    let findings = audit["findings"].as_array().expect("findings").len();
    assert!(findings > 10);
    let checks = json_of(&["checks", "-o", "json"]);
    let ids: Vec<&str> = checks
        .as_array()
        .or_else(|| checks["checks"].as_array())
        .expect("checks")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    let list = json_of(&[
        "report",
        "--demo",
        "--dry-run",
        "--format",
        "both",
        "-o",
        "json",
    ]);
    assert_eq!(list["kind"], "List");
    let items = list["items"].as_array().expect("items");
    let schemas = [
        (
            "Report",
            schema("openreports/openreports.io_reports.yaml", "v1alpha1"),
        ),
        (
            "ClusterReport",
            schema("openreports/openreports.io_clusterreports.yaml", "v1alpha1"),
        ),
        (
            "PolicyReport",
            schema("wgpolicy/wgpolicyk8s.io_policyreports.yaml", "v1alpha2"),
        ),
        (
            "ClusterPolicyReport",
            schema(
                "wgpolicy/wgpolicyk8s.io_clusterpolicyreports.yaml",
                "v1alpha2",
            ),
        ),
    ];
    // The validator itself rejects what the server would: a severity outside the enum, a
    // property that is not a string, a field the schema does not have.
    let mut bad = items[0].clone();
    bad["results"][0]["severity"] = Value::from("warning");
    bad["results"][0]["properties"]["count"] = Value::from(3);
    bad["results"][0]["fixHint"] = Value::from("x");
    let mut errors = Vec::new();
    validate(&bad, &schemas[1].1, "", &mut errors);
    assert_eq!(errors.len(), 3, "{errors:#?}");
    let mut per_api = std::collections::BTreeMap::<&str, usize>::new();
    for item in items {
        let kind = item["kind"].as_str().expect("kind");
        let api = item["apiVersion"].as_str().expect("apiVersion");
        let (_, s) = schemas
            .iter()
            .find(|(k, _)| *k == kind)
            .unwrap_or_else(|| panic!("unexpected kind {kind}"));
        let mut errors = Vec::new();
        validate(item, s, "", &mut errors);
        assert!(errors.is_empty(), "{kind}: {errors:#?}");
        assert_eq!(
            item["metadata"]["labels"]["app.kubernetes.io/managed-by"],
            "kvet"
        );
        let namespaced = kind == "Report" || kind == "PolicyReport";
        assert_eq!(
            item["metadata"]["namespace"].is_string(),
            namespaced,
            "{item}"
        );
        let results = item["results"].as_array().expect("results");
        *per_api.entry(api).or_default() += results.len();
        // The summary counts the results by result.
        for r in ["pass", "fail", "warn", "error", "skip"] {
            let n = results.iter().filter(|x| x["result"] == r).count();
            assert_eq!(item["summary"][r].as_u64(), Some(n as u64), "{kind} {r}");
        }
        for x in results {
            let policy = x["policy"].as_str().expect("policy");
            assert!(ids.contains(&policy), "{policy} is not a check ID");
            assert_eq!(x["source"], "kvet");
            let sev = x["severity"].as_str().expect("severity");
            let expected = if sev == "info" { "warn" } else { "fail" };
            assert_eq!(x["result"], expected, "{x}");
            // The object is named, in the report of its namespace.
            let res = &x["resources"][0];
            assert_eq!(res["namespace"], item["metadata"]["namespace"], "{x}");
        }
    }
    assert_eq!(
        per_api.get("openreports.io/v1alpha1"),
        Some(&findings),
        "{per_api:?}"
    );
    assert_eq!(per_api.get("wgpolicyk8s.io/v1alpha2"), Some(&findings));
}

#[test]
fn report_refuses_to_write_offline_or_readonly() {
    let out = kvet().args(["report", "--demo"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--dry-run"));
    let out = kvet()
        .args(["report", "--readonly", "--kubeconfig", "/nonexistent"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("--readonly"), "{text}");
}

/// The YAML form is one document per report, and reads back as the JSON form does.
#[test]
fn dry_run_yaml_is_one_document_per_report() {
    let out = kvet()
        .args(["report", "--demo", "--dry-run", "--format", "wgpolicy"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let docs: Vec<&str> = text
        .split("---\n")
        .filter(|d| !d.trim().is_empty())
        .collect();
    let list = json_of(&[
        "report",
        "--demo",
        "--dry-run",
        "--format",
        "wgpolicy",
        "-o",
        "json",
    ]);
    assert_eq!(docs.len(), list["items"].as_array().map_or(0, Vec::len));
    for d in docs {
        let v: Value = serde_saphyr::from_str(d).expect("yaml");
        assert!(v["kind"] == "PolicyReport" || v["kind"] == "ClusterPolicyReport");
    }
}

/// The in-cluster ServiceAccount's rights: (verb, resource as `kvet can` takes it, subresource,
/// allowed). The live tier asks the real server the same questions.
pub const IN_CLUSTER_RIGHTS: &[(&str, &str, Option<&str>, bool)] = &[
    ("list", "pods", None, true),
    ("watch", "pods", None, true),
    ("watch", "deployments.apps", None, true),
    ("list", "networkpolicies.networking.k8s.io", None, true),
    (
        "list",
        "clusterrolebindings.rbac.authorization.k8s.io",
        None,
        true,
    ),
    ("list", "events.events.k8s.io", None, true),
    ("create", "reports.openreports.io", None, true),
    ("patch", "clusterreports.openreports.io", None, true),
    ("delete", "policyreports.wgpolicyk8s.io", None, true),
    ("get", "secrets", None, false),
    ("list", "secrets", None, false),
    ("create", "pods", None, false),
    ("create", "pods", Some("exec"), false),
    ("get", "pods", Some("log"), false),
    ("patch", "deployments.apps", None, false),
    ("delete", "namespaces", None, false),
    (
        "escalate",
        "clusterroles.rbac.authorization.k8s.io",
        None,
        false,
    ),
    (
        "bind",
        "clusterroles.rbac.authorization.k8s.io",
        None,
        false,
    ),
    (
        "create",
        "clusterrolebindings.rbac.authorization.k8s.io",
        None,
        false,
    ),
    ("patch", "configmaps", None, false),
];

pub const IN_CLUSTER: &str = "assets/deploy/in-cluster.yaml";

/// kvet's own RBAC engine on its own manifest: the ServiceAccount may read what kvet reads and
/// write reports, and nothing else on the list.
#[test]
fn the_in_cluster_service_account_has_exactly_the_rights_kvet_needs() {
    let manifest = crate::support::repo().join(IN_CLUSTER);
    for (verb, resource, sub, allowed) in IN_CLUSTER_RIGHTS {
        let mut args = vec![
            "can".to_string(),
            "-f".into(),
            manifest.display().to_string(),
            "serviceaccount:kvet:kvet".into(),
            verb.to_string(),
            resource.to_string(),
        ];
        if let Some(s) = sub {
            args.extend(["--subresource".into(), s.to_string()]);
        }
        let out = kvet().args(&args).output().expect("run");
        assert_eq!(
            out.status.code(),
            Some(if *allowed { 0 } else { 1 }),
            "{verb} {resource} {sub:?}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    // The ClusterRole's read rules are exactly the kinds kvet lists (src/source/kinds.rs), less
    // Secrets; its writes are the four report kinds.
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    let role: Value = text
        .split("\n---\n")
        .filter_map(|d| serde_saphyr::from_str::<Value>(d).ok())
        .find(|d| d["kind"] == "ClusterRole")
        .expect("a ClusterRole");
    let mut read = std::collections::BTreeSet::new();
    let mut written = std::collections::BTreeSet::new();
    for rule in role["rules"].as_array().expect("rules") {
        let verbs: Vec<&str> = rule["verbs"]
            .as_array()
            .expect("verbs")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        for g in rule["apiGroups"].as_array().expect("groups") {
            for r in rule["resources"].as_array().expect("resources") {
                let key = (
                    g.as_str().unwrap_or_default().to_string(),
                    r.as_str().unwrap_or_default().to_string(),
                );
                if verbs == ["list", "watch"] {
                    read.insert(key);
                } else {
                    assert_eq!(
                        verbs,
                        ["get", "list", "create", "patch", "delete"],
                        "{key:?}"
                    );
                    written.insert(key);
                }
            }
        }
    }
    let kinds: std::collections::BTreeSet<(String, String)> = kvet::source::kinds::KINDS
        .iter()
        .filter(|k| k.kind != "Secret")
        .map(|k| (k.group.to_string(), k.plural.to_string()))
        .collect();
    assert_eq!(read, kinds);
    let reports: std::collections::BTreeSet<(String, String)> = kvet::report::Api::ALL
        .iter()
        .flat_map(|a| [true, false].map(|n| (a.group().to_string(), a.plural(n).to_string())))
        .collect();
    assert_eq!(written, reports);
    // The CronJob runs a command kvet accepts.
    let cron: Value = text
        .split("\n---\n")
        .filter_map(|d| serde_saphyr::from_str::<Value>(d).ok())
        .find(|d| d["kind"] == "CronJob")
        .expect("a CronJob");
    let args: Vec<String> = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
        [0]["args"]
        .as_array()
        .expect("args")
        .iter()
        .filter_map(|a| a.as_str().map(str::to_string))
        .collect();
    use clap::Parser;
    let parsed = kvet::cli::Cli::try_parse_from(std::iter::once("kvet".to_string()).chain(args));
    assert!(
        matches!(
            parsed.as_ref().map(|c| &c.command),
            Ok(Some(kvet::cli::Command::Report(_)))
        ),
        "{:?}",
        parsed.err()
    );
    // And kvet's audit of its own manifest finds nothing.
    let out = kvet()
        .args(["audit", "-f", &manifest.display().to_string(), "-o", "json"])
        .output()
        .expect("run");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["findings"], Value::Array(vec![]), "{}", v["findings"]);
}

/// A minimal API server on loopback that serves the core API and nothing else (no report
/// CRDs), and records every request's method and path.
fn bare_server() -> (u16, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    let log = seen.clone();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            let log = log.clone();
            std::thread::spawn(move || {
                let _ = s.set_read_timeout(Some(std::time::Duration::from_secs(5)));
                let mut w = match s.try_clone() {
                    Ok(w) => w,
                    Err(_) => return,
                };
                let mut r = BufReader::new(s);
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let mut len = 0usize;
                    loop {
                        let mut h = String::new();
                        if r.read_line(&mut h).unwrap_or(0) == 0 {
                            return;
                        }
                        let h = h.trim_end();
                        if h.is_empty() {
                            break;
                        }
                        if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                            len = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0u8; len];
                    let _ = r.read_exact(&mut body);
                    let mut parts = line.split_whitespace();
                    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                    let path = target.split('?').next().unwrap_or("").to_string();
                    if let Ok(mut l) = log.lock() {
                        l.push(format!("{method} {path}"));
                    }
                    let (code, text) = match path.as_str() {
                        "/version" => (200, r#"{"major":"1","minor":"30","gitVersion":"v1.30.0"}"#.to_string()),
                        "/api" => (200, r#"{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[]}"#.to_string()),
                        "/apis" => (200, r#"{"kind":"APIGroupList","apiVersion":"v1","groups":[]}"#.to_string()),
                        "/api/v1" => (200, r#"{"kind":"APIResourceList","groupVersion":"v1","resources":[]}"#.to_string()),
                        _ => (404, r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}"#.to_string()),
                    };
                    let reason = if code == 200 { "OK" } else { "Not Found" };
                    if write!(
                        w,
                        "HTTP/1.1 {code} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{text}",
                        text.len()
                    )
                    .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    (port, seen)
}

/// Without the CRDs, kvet says so and names both APIs, before listing anything and without a
/// single write; `--readonly` sends no request at all.
#[test]
fn report_on_a_cluster_without_the_crds_names_both_apis_and_writes_nothing() {
    let (port, seen) = bare_server();
    let dir = tempfile::tempdir().expect("tempdir");
    let kc = dir.path().join("kubeconfig");
    std::fs::write(
        &kc,
        format!("apiVersion: v1\nkind: Config\nclusters: [{{name: c, cluster: {{server: \"http://127.0.0.1:{port}\"}}}}]\nusers: [{{name: u, user: {{token: t}}}}]\ncontexts: [{{name: bare, context: {{cluster: c, user: u}}}}]\ncurrent-context: bare\n"),
    )
    .expect("kubeconfig");
    let kc = kc.display().to_string();
    let out = kvet()
        .args(["report", "--kubeconfig", &kc])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("openreports.io/v1alpha1"), "{err}");
    assert!(err.contains("wgpolicyk8s.io/v1alpha2"), "{err}");
    assert!(err.contains("context bare"), "{err}");
    let asked = seen.lock().map(|l| l.clone()).unwrap_or_default();
    assert!(
        asked
            .iter()
            .any(|r| r == "GET /apis/openreports.io/v1alpha1"),
        "{asked:?}"
    );
    assert!(asked.iter().all(|r| r.starts_with("GET ")), "{asked:?}");
    // Asked for one API by name: the message names it.
    let out = kvet()
        .args(["report", "--kubeconfig", &kc, "--format", "wgpolicy"])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("does not serve wgpolicyk8s.io/v1alpha2"),
        "{err}"
    );
    // --readonly: refused before connecting.
    let before = seen.lock().map(|l| l.len()).unwrap_or_default();
    let out = kvet()
        .args(["report", "--kubeconfig", &kc, "--readonly"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(seen.lock().map(|l| l.len()).unwrap_or_default(), before);
}

/// `--checks` narrows the reports to those checks, as it narrows `kvet audit`.
#[test]
fn report_checks_narrow_the_results_like_audit() {
    let audit = json_of(&[
        "audit",
        "--demo",
        "-o",
        "json",
        "--fail-on",
        "never",
        "--checks",
        "pdb-missing,limits-missing",
    ]);
    let n = audit["findings"].as_array().map_or(0, Vec::len);
    assert!(n >= 2);
    let list = json_of(&[
        "report",
        "--demo",
        "--dry-run",
        "-o",
        "json",
        "--checks",
        "pdb-missing,limits-missing",
    ]);
    let policies: Vec<String> = list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|i| i["results"].as_array().cloned().unwrap_or_default())
        .filter_map(|r| r["policy"].as_str().map(str::to_string))
        .collect();
    assert_eq!(policies.len(), n);
    assert!(policies
        .iter()
        .all(|p| p == "pdb-missing" || p == "limits-missing"));
    let out = kvet()
        .args(["report", "--demo", "--dry-run", "--checks", "pdb-mising"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pdb-missing"));
}
