//! Manifest folders as users have them: the same identity in several files keeps every copy,
//! each copy's findings point at its own file and at the line of the finding's path, and the
//! repetition is reported once.

use crate::support::{corpus, repo};
use assert_cmd::Command;
use kvet::audit::{self, AuditOptions};
use kvet::model::decode::DecodeOptions;
use kvet::model::SourceKind;
use kvet::source::{self, Input};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Checks that read nothing but the object they report on: no Service, PDB, HPA or LimitRange
/// of another document changes what they find. For these, auditing a folder must find exactly
/// what auditing its files one by one finds.
const PER_OBJECT: [&str; 9] = [
    "limit-ratio",
    "liveness-missing",
    "liveness-equals-readiness",
    "probe-port-unknown",
    "startup-budget-short",
    "rollout-defaults",
    "revision-history",
    "prestop-exceeds-grace",
    "requests-missing",
];

fn kvet() -> Command {
    let mut c = Command::cargo_bin("kvet").expect("binary");
    c.env("KVET_CONFIG_DIR", repo().join("tests/fixtures/no-config"));
    c
}

/// (check, object, file, line) of every finding, as a sorted multiset.
type Located = Vec<(String, String, String, u32)>;

fn located(inputs: &[PathBuf], only: &[&str]) -> Located {
    let inputs: Vec<Input> = inputs.iter().cloned().map(Input::Path).collect();
    let loaded = source::load(&inputs, &DecodeOptions::default(), SourceKind::Offline);
    let result = audit::run(
        &loaded.snapshot,
        &AuditOptions {
            only: Some(only.iter().map(|s| s.to_string()).collect()),
            ..AuditOptions::default()
        },
    );
    let mut out: Located = result
        .findings
        .iter()
        .map(|f| {
            let (file, line) = kvet::cli::output::location(&loaded.snapshot, f)
                .map(|(f, l)| (f.to_string(), l))
                .unwrap_or_default();
            (f.check.to_string(), f.object.to_string(), file, line)
        })
        .collect();
    out.sort();
    out
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    crate::support::files_with(dir, &["yaml", "yml", "json"], out);
}

#[test]
fn a_folder_finds_exactly_the_union_of_its_files_for_per_object_checks() {
    let root = corpus();
    // Every source folder of the corpus but the one LimitRange's (a LimitRange fills in
    // requests for every file's containers in its namespace: that is cross-object).
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("corpus")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir() && !p.ends_with("kubernetes-quota-fixtures"))
        .collect();
    folders.sort();
    assert!(folders.len() >= 10, "{folders:?}");
    let mut files = Vec::new();
    for f in &folders {
        files_under(f, &mut files);
    }
    assert!(files.len() > 700, "{} corpus files", files.len());
    let folder: Located = located(&folders, &PER_OBJECT);
    let mut union: Located = Vec::new();
    for f in &files {
        union.extend(located(std::slice::from_ref(f), &PER_OBJECT));
    }
    union.sort();
    let requests = folder.iter().filter(|l| l.0 == "requests-missing").count();
    assert!(
        requests > 300,
        "requests-missing on {requests} copies: each copy counts"
    );
    if folder != union {
        let only_folder: Vec<_> = folder.iter().filter(|x| !union.contains(x)).collect();
        let only_files: Vec<_> = union.iter().filter(|x| !folder.contains(x)).collect();
        panic!(
            "folder {} vs files {}\nonly in the folder audit: {only_folder:#?}\nonly file by file: {only_files:#?}",
            folder.len(),
            union.len()
        );
    }
}

fn zookeeper_dir() -> PathBuf {
    corpus().join("polaris/test/checks/missingPodDisruptionBudget")
}

/// The text of a file's line (1-based).
fn line_text(file: &str, line: u64) -> String {
    let text = std::fs::read_to_string(file).expect("read fixture");
    text.lines()
        .nth(line as usize - 1)
        .unwrap_or_default()
        .trim()
        .to_string()
}

#[test]
fn every_copy_of_a_repeated_object_has_its_own_json_location_on_the_right_line() {
    let dir = zookeeper_dir();
    let out = kvet()
        .args(["audit", "-f", &dir.display().to_string(), "-o", "json"])
        .output()
        .expect("run");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let findings = v["findings"].as_array().expect("findings");
    let mut seen: BTreeMap<(String, String, u64), usize> = BTreeMap::new();
    let mut per_check: BTreeMap<String, usize> = BTreeMap::new();
    for f in findings {
        let check = f["check"].as_str().unwrap_or_default().to_string();
        let file = f["location"]["file"].as_str().expect("location.file");
        let line = f["location"]["line"].as_u64().expect("location.line");
        *seen
            .entry((check.clone(), file.to_string(), line))
            .or_default() += 1;
        let text = line_text(file, line);
        let path = f["path"].as_str().unwrap_or_default();
        if f["object"]["name"] == "zookeeper"
            && f["object"]["kind"] == "Deployment"
            && f["object"]["namespace"] == "default"
        {
            *per_check.entry(check.clone()).or_default() += 1;
        }
        // The line holds the field the path names, or the nearest field written above it.
        let expected: &[&str] = if f["object"]["kind"] == "Namespace" {
            // No Namespace object in the files: the finding sits on the first document of a
            // workload in that namespace, where a policy for it would be added.
            &["apiVersion:", "kind:"]
        } else if path.starts_with("/spec/template/spec/containers/0") {
            &[
                "- name: zookeeper",
                "resources:",
                "livenessProbe:",
                "image:",
            ]
        } else if path.starts_with("/spec/template/spec") {
            // A pod-level field the object does not write: the pod spec's own line.
            &["spec:"]
        } else if path == "/spec/template/metadata/labels" {
            &["labels:"]
        } else if path.starts_with("/spec/strategy") || path == "/spec" {
            &["spec:", "strategy:", "revisionHistoryLimit:"]
        } else if path == "/spec/minAvailable" {
            &["minAvailable:"]
        } else if path == "/spec/selector" {
            &["selector:"]
        } else {
            &[]
        };
        assert!(
            expected.iter().any(|e| text.starts_with(e)),
            "{check} {path} points at {file}:{line}, which reads {text:?}"
        );
    }
    let repeated: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(repeated.is_empty(), "locations shared: {repeated:#?}");
    // Eight files define Deployment/default/zookeeper: each copy has its own findings.
    assert_eq!(per_check.get("requests-missing"), Some(&8), "{per_check:?}");
    assert_eq!(per_check.get("limits-missing"), Some(&8), "{per_check:?}");
    // The repetition is reported once, naming every place.
    let warnings = v["warnings"].as_array().expect("warnings");
    let zk: Vec<&str> = warnings
        .iter()
        .filter_map(|w| w.as_str())
        .filter(|w| w.starts_with("Deployment/default/zookeeper "))
        .collect();
    assert_eq!(zk.len(), 1, "{warnings:#?}");
    for f in [
        "failure.bad-name.yaml:1",
        "failure.yaml:1",
        "success.many.yaml:1",
        "success.yaml:1",
    ] {
        assert!(zk[0].contains(f), "{} lacks {f}", zk[0]);
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr
            .matches("Deployment/default/zookeeper is defined 8 times")
            .count(),
        1,
        "{stderr}"
    );
}

#[test]
fn sarif_results_point_at_each_copy_and_absolute_paths_become_file_uris() {
    let dir = zookeeper_dir();
    let out = kvet()
        .args(["audit", "-f", &dir.display().to_string(), "-o", "sarif"])
        .output()
        .expect("run");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("sarif");
    let results = v["runs"][0]["results"].as_array().expect("results");
    let mut seen = std::collections::BTreeSet::new();
    for r in results {
        let loc = &r["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().expect("uri");
        assert!(uri.starts_with("file:///"), "{uri}");
        let line = loc["region"]["startLine"].as_u64().expect("line");
        let path = uri.trim_start_matches("file://");
        assert!(Path::new(path).is_file(), "{uri} names no file");
        assert!(
            seen.insert((r["ruleId"].to_string(), uri.to_string(), line)),
            "{} at {uri}:{line} twice",
            r["ruleId"]
        );
        assert!(
            line > 1 || line_text(path, line).starts_with("apiVersion"),
            "{uri}:{line}"
        );
    }
    let zk_requests = results
        .iter()
        .filter(|r| {
            r["ruleId"] == "requests-missing"
                && r["message"]["text"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("Deployment/default/zookeeper:"))
        })
        .count();
    assert_eq!(zk_requests, 8);
}

#[test]
fn a_relative_input_path_stays_a_relative_sarif_uri() {
    let out = kvet()
        .current_dir(repo())
        .args([
            "audit",
            "-f",
            "tests/fixtures/checks/pdb-missing/fail_no_pdb.yaml",
            "-o",
            "sarif",
        ])
        .output()
        .expect("run");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("sarif");
    let uri = v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"]
        .as_str()
        .expect("uri")
        .to_string();
    assert_eq!(uri, "tests/fixtures/checks/pdb-missing/fail_no_pdb.yaml");
}

#[test]
fn staging_and_prod_copies_are_audited_apart() {
    // The same Deployment in two environment folders, fixed in one of them only.
    let dir = tempfile::tempdir().expect("tempdir");
    let deploy = |replicas: u32, requests: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cart\n  namespace: shop\nspec:\n  replicas: {replicas}\n  selector:\n    matchLabels: {{app: cart}}\n  template:\n    metadata:\n      labels: {{app: cart}}\n    spec:\n      containers:\n      - name: cart\n        image: shop/cart:1.0\n        resources:\n{requests}"
        )
    };
    std::fs::create_dir_all(dir.path().join("prod")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("staging")).expect("mkdir");
    std::fs::write(
        dir.path().join("prod/cart.yaml"),
        deploy(
            3,
            "          requests: {cpu: 100m, memory: 128Mi}\n          limits: {memory: 256Mi}\n",
        ),
    )
    .expect("write");
    std::fs::write(
        dir.path().join("staging/cart.yaml"),
        format!("# staging\n{}", deploy(1, "          {}\n")),
    )
    .expect("write");
    let out = kvet()
        .current_dir(dir.path())
        .args(["audit", "-f", ".", "-o", "json", "--fail-on", "never"])
        .output()
        .expect("run");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let findings = v["findings"].as_array().expect("findings");
    let at = |check: &str| -> Vec<String> {
        findings
            .iter()
            .filter(|f| f["check"] == check)
            .map(|f| {
                format!(
                    "{}:{}",
                    f["location"]["file"].as_str().unwrap_or_default(),
                    f["location"]["line"]
                )
            })
            .collect()
    };
    // Only staging lacks requests (its container's resources are on line 18 of its file).
    assert_eq!(at("requests-missing"), vec!["./staging/cart.yaml:18"]);
    // Only prod is replicated, and no PDB selects it.
    assert_eq!(at("pdb-missing"), vec!["./prod/cart.yaml:12"]);
    let warnings = v["warnings"].as_array().expect("warnings");
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    let w = warnings[0].as_str().unwrap_or_default();
    assert!(
        w.contains("./prod/cart.yaml:1") && w.contains("./staging/cart.yaml:2"),
        "{w}"
    );
}
