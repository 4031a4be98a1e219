//! Fix plans on every failing fixture of every fixable check: the golden diff, and the
//! invariant that matters: after the fix, the check is clear on that object and no other check
//! finds anything new (except the follow-ups a fix brings to light on purpose).

use crate::support::repo;
use kvet::audit::{self, AuditOptions, Finding};
use kvet::cli::fix_cmd::{plan_offline, render, FixFormat};
use kvet::fix::{self, Change};
use kvet::model::decode::DecodeOptions;
use kvet::model::{ObjectRef, SourceKind};
use kvet::source::{self, Input};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn load(path: &Path) -> kvet::source::Loaded {
    source::load(
        &[Input::Path(path.to_path_buf())],
        &DecodeOptions::default(),
        SourceKind::Offline,
    )
}

fn fail_fixtures(check: &str) -> Vec<PathBuf> {
    let dir = repo().join("tests/fixtures/checks").join(check);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("fail_"))
        })
        .collect();
    v.sort();
    v
}

/// Every document of a file as JSON.
fn documents(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).expect("read fixture");
    let mut out = Vec::new();
    for doc in text.split("\n---") {
        let doc = doc.trim_start_matches('-');
        if doc
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
        {
            continue;
        }
        out.push(serde_saphyr::from_str::<Value>(doc).expect("fixture parses"));
    }
    out
}

fn is(v: &Value, r: &ObjectRef) -> bool {
    v["kind"].as_str() == Some(r.kind.as_str())
        && v.pointer("/metadata/name").and_then(Value::as_str) == Some(&*r.name)
        && v.pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("default")
            == r.namespace()
}

fn keys(findings: &[Finding]) -> BTreeSet<(String, String)> {
    findings
        .iter()
        .map(|f| (f.check.to_string(), f.object.to_string()))
        .collect()
}

fn audit_all(path: &Path) -> Vec<Finding> {
    let loaded = load(path);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    audit::run(&loaded.snapshot, &AuditOptions::default()).findings
}

#[test]
fn every_fix_clears_its_finding_and_adds_no_other() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut checked = 0;
    let mut per_check: BTreeMap<&str, usize> = BTreeMap::new();
    for check in fix::FIXABLE {
        for fixture in fail_fixtures(check) {
            let loaded = load(&fixture);
            let before = audit::run(&loaded.snapshot, &AuditOptions::default()).findings;
            let targets: Vec<&Finding> = before.iter().filter(|f| f.check == *check).collect();
            assert!(!targets.is_empty(), "{} does not fail", fixture.display());
            for f in targets {
                let (plan, object) = plan_offline(&loaded.snapshot, f, &BTreeMap::new())
                    .unwrap_or_else(|e| panic!("{check} on {}: {e}", fixture.display()));
                let after = fix::apply_local(&object, &plan).expect("the patch applies");
                // The fixture with this one object fixed (or the new object added).
                let mut docs = documents(&fixture);
                match &plan.change {
                    Change::Create(_) => docs.push(after.clone()),
                    Change::Patch(_) => {
                        let slot = docs
                            .iter_mut()
                            .find(|d| is(d, &f.object))
                            .expect("the object is in its fixture");
                        *slot = after.clone();
                    }
                    Change::Delete(_) => panic!("a fix plan never deletes"),
                }
                let text: String = docs
                    .iter()
                    .map(|d| format!("---\n{}", serde_saphyr::to_string(d).expect("yaml")))
                    .collect();
                let fixed_path = tmp.path().join(format!(
                    "{check}-{}",
                    fixture.file_name().and_then(|n| n.to_str()).unwrap_or("x")
                ));
                std::fs::write(&fixed_path, text).expect("write");
                let after_findings = audit_all(&fixed_path);
                let still: Vec<&Finding> = after_findings
                    .iter()
                    .filter(|x| x.check == *check && x.object == f.object)
                    .collect();
                assert!(
                    still.is_empty(),
                    "{check} still fires after its fix on {}: {:?}\npatch: {}",
                    fixture.display(),
                    still,
                    fix::patch_text(&plan)
                );
                let new: Vec<(String, String)> = keys(&after_findings)
                    .difference(&keys(&before))
                    .filter(|(c, _)| !fix::follow_ups(check).contains(&c.as_str()))
                    .cloned()
                    .collect();
                assert!(
                    new.is_empty(),
                    "the {check} fix on {} brings new findings: {new:?}\npatch: {}",
                    fixture.display(),
                    fix::patch_text(&plan)
                );
                checked += 1;
                *per_check.entry(check).or_default() += 1;
            }
        }
    }
    eprintln!("fix invariant: {checked} fixes checked: {per_check:?}");
    for check in fix::FIXABLE {
        assert!(
            per_check.get(check).copied().unwrap_or(0) >= 1,
            "{check} has no fixture its fix was checked on"
        );
    }
}

#[test]
fn golden_diffs_of_every_fix() {
    for check in fix::FIXABLE {
        for fixture in fail_fixtures(check) {
            let loaded = load(&fixture);
            let findings = audit::run(
                &loaded.snapshot,
                &AuditOptions {
                    only: Some(vec![check.to_string()]),
                    ..AuditOptions::default()
                },
            )
            .findings;
            let mut out = String::new();
            for f in &findings {
                let (plan, object) =
                    plan_offline(&loaded.snapshot, f, &BTreeMap::new()).expect("plan");
                out.push_str(&format!("# {}\n# {}\n", f.object, plan.summary));
                for n in &plan.notes {
                    out.push_str(&format!("# note: {n}\n"));
                }
                out.push_str(&render(&plan, &object, FixFormat::Diff).expect("diff"));
            }
            let name = format!(
                "fix_{check}_{}",
                fixture.file_stem().and_then(|n| n.to_str()).unwrap_or("x")
            );
            insta::assert_snapshot!(name, out);
        }
    }
}

#[test]
fn checks_and_explain_say_which_checks_have_a_fix() {
    for c in audit::registry() {
        let i = c.info();
        assert_eq!(i.fix_available, fix::has_fix(i.id), "{}", i.id);
    }
    let out = assert_cmd::Command::cargo_bin("kvet")
        .expect("binary")
        .args(["audit", "--demo", "-o", "json"])
        .output()
        .expect("run");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let findings = v["findings"].as_array().expect("findings");
    assert!(findings
        .iter()
        .any(|f| f["check"] == "pdb-missing" && f["fix_available"] == true));
    assert!(findings
        .iter()
        .filter(|f| !fix::has_fix(f["check"].as_str().unwrap_or_default()))
        .all(|f| f["fix_available"] == false));
}

/// `kvet --demo fix ARGS...`.
fn demo_fix(args: &[&str]) -> std::process::Output {
    let mut all = vec!["--demo", "fix"];
    all.extend_from_slice(args);
    assert_cmd::Command::cargo_bin("kvet")
        .expect("binary")
        .args(all)
        .output()
        .expect("run")
}

#[test]
fn settings_change_the_plan_and_bad_ones_are_refused() {
    let out = demo_fix(&[
        "--check",
        "pdb-missing",
        "--object",
        "deploy/storefront/cart",
        "-o",
        "yaml",
        "--set",
        "maxUnavailable=25%",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("maxUnavailable: 25%"), "{text}");
    let bad = demo_fix(&[
        "--check",
        "pdb-missing",
        "--object",
        "deploy/storefront/cart",
        "--set",
        "maxUnavailable=lots",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("maxUnavailable=lots"));
    // A finding that is not there: nothing to fix, exit 1.
    let none = demo_fix(&[
        "--check",
        "pdb-missing",
        "--object",
        "deploy/storefront/checkout",
    ]);
    assert_eq!(none.status.code(), Some(1));
    // Offline, --apply is refused.
    let apply = demo_fix(&[
        "--check",
        "pdb-missing",
        "--object",
        "deploy/storefront/cart",
        "--apply",
    ]);
    assert_eq!(apply.status.code(), Some(2));
}

#[test]
fn the_kubectl_export_is_a_json_patch_guarded_by_tests() {
    let out = demo_fix(&[
        "--check",
        "prestop-missing",
        "--object",
        "deploy/payments/api",
        "-o",
        "kubectl",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with(
            "kubectl patch deployment api -n payments --type=json --field-manager=kvet -p '"
        ),
        "{text}"
    );
    let json = text
        .split_once("-p '")
        .map(|(_, j)| j.trim_end().trim_end_matches('\''))
        .unwrap_or_default();
    let ops: Vec<Value> = serde_json::from_str(json).expect("the patch is JSON");
    // The container is addressed by index and guarded by its name; no whole-list replace.
    assert_eq!(ops[0]["op"], "test");
    assert!(ops[0]["path"]
        .as_str()
        .is_some_and(|p| p.ends_with("/name")));
    assert!(ops
        .iter()
        .all(|o| o["path"] != "/spec/template/spec/containers"));
}

#[test]
fn a_fix_on_an_object_argo_cd_manages_warns_that_a_sync_reverts_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("shop.yaml");
    let doc = |name: &str, labels: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: shop\n  labels:\n    app: {name}\n{labels}spec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n      containers:\n        - name: app\n          image: nginx:1.27\n"
        )
    };
    let text = format!(
        "{}---\n{}",
        doc("cart", "    argocd.argoproj.io/instance: shop\n"),
        doc("web", "")
    );
    std::fs::write(&file, text).expect("write");
    let fix = |object: &str| {
        assert_cmd::Command::cargo_bin("kvet")
            .expect("binary")
            .args(["fix", "-f"])
            .arg(&file)
            .args(["--check", "pdb-missing", "--object", object, "-o", "yaml"])
            .output()
            .expect("run")
    };
    let argo = fix("deploy/shop/cart");
    let err = String::from_utf8_lossy(&argo.stderr);
    assert!(argo.status.success(), "{err}");
    assert!(
        err.contains(
            "Argo CD manages this object: its next sync reverts a change made in the cluster"
        ),
        "{err}"
    );
    // The export is still there, to commit to the source.
    assert!(String::from_utf8_lossy(&argo.stdout).contains("kind: PodDisruptionBudget"));
    let plain = fix("deploy/shop/web");
    assert!(!String::from_utf8_lossy(&plain.stderr).contains("manages this object"));
}
