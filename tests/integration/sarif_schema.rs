//! kvet's SARIF against the SARIF 2.1.0 JSON schema (`tests/fixtures/sarif/`): a plain audit,
//! an audit against a baseline (every result's `baselineState`, the absent ones included, and
//! `partialFingerprints`), and a fleet of one run per context.

use assert_cmd::Command;
use serde_json::Value;

fn kvet() -> Command {
    crate::cli::kvet()
}

fn schema() -> Value {
    let p = crate::support::repo().join("tests/fixtures/sarif/sarif-2.1.0.json");
    serde_json::from_str(&std::fs::read_to_string(p).expect("schema")).expect("json")
}

fn validate(sarif: &Value) -> Vec<String> {
    let root = schema();
    crate::schema::Validator::json_schema(&root).errors(sarif, &root, "")
}

fn sarif(args: &[&str]) -> Value {
    let out = kvet().args(args).output().expect("run");
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn audit_sarif_is_valid_sarif_2_1_0() {
    let v = sarif(&["audit", "--demo", "-o", "sarif", "--fail-on", "never"]);
    let errors = validate(&v);
    assert!(errors.is_empty(), "{errors:#?}");
    let results = v["runs"][0]["results"].as_array().expect("results");
    assert!(results.len() > 10);
    // Every result has a stable fingerprint; rules have a name distinct from their ID.
    assert!(results
        .iter()
        .all(|r| r["partialFingerprints"]["kvetIdentity/v1"].is_string()));
    let rules = v["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    assert!(rules.iter().all(|r| r["name"] != r["id"]), "{rules:?}");
}

#[test]
fn baseline_sarif_marks_every_result_and_lists_the_absent_ones_validly() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The baseline: the demo less storefront (its findings are new now), plus a finding of a
    // workload that is gone (absent now).
    let demo = crate::support::repo().join("assets/demo");
    let before = dir.path().join("before");
    std::fs::create_dir_all(&before).expect("dir");
    for f in std::fs::read_dir(&demo).expect("demo").flatten() {
        let name = f.file_name().to_string_lossy().to_string();
        if name.ends_with(".yaml") && name != "storefront.yaml" {
            std::fs::copy(f.path(), before.join(&name)).expect("copy");
        }
    }
    std::fs::write(
        before.join("gone.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: gone, namespace: payments}\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: gone}}\n  template:\n    metadata: {labels: {app: gone}}\n    spec: {containers: [{name: gone, image: gone:1}]}\n",
    )
    .expect("write");
    let base = before.display().to_string();
    let v = sarif(&[
        "audit",
        "-f",
        &demo.display().to_string(),
        "-o",
        "sarif",
        "--baseline",
        &base,
        "--fail-on",
        "never",
    ]);
    let errors = validate(&v);
    assert!(errors.is_empty(), "{errors:#?}");
    let results = v["runs"][0]["results"].as_array().expect("results");
    let state = |s: &str| results.iter().filter(|r| r["baselineState"] == s).count();
    assert!(results.iter().all(|r| r["baselineState"].is_string()));
    assert!(state("new") > 0 && state("unchanged") > 0 && state("absent") > 0);
    // New ones are storefront's; absent ones are the gone workload's.
    for r in results.iter().filter(|r| r["baselineState"] == "new") {
        let text = r.to_string();
        assert!(text.contains("storefront"), "{text}");
    }
    for r in results.iter().filter(|r| r["baselineState"] == "absent") {
        assert!(r.to_string().contains("gone"), "{r}");
    }
    // A state outside the schema's enum is caught: the validator can fail.
    let mut bad = v.clone();
    bad["runs"][0]["results"][0]["baselineState"] = Value::from("old");
    bad["runs"][0]["results"][0]["partialFingerprints"]["kvetIdentity/v1"] = Value::from(7);
    assert_eq!(validate(&bad).len(), 2, "{:#?}", validate(&bad));
}
