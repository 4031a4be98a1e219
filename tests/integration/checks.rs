//! Layer 1: every check against its labelled fixtures, and the catalog's shape.

use crate::support::{audit_path, repo};
use kvet::audit::registry;
use std::collections::HashSet;

/// The IDs of checks.md (the public interface) that this build implements.
const CATALOG: &[&str] = &[
    "pdb-missing",
    "pdb-blocks-drain",
    "pdb-selects-nothing",
    "pdb-overlap",
    "requests-missing",
    "limits-missing",
    "limit-ratio",
    "readiness-missing",
    "liveness-missing",
    "liveness-equals-readiness",
    "probe-port-unknown",
    "startup-budget-short",
    "rollout-defaults",
    "rollout-unavailable",
    "rollout-recreate",
    "revision-history",
    "prestop-missing",
    "prestop-exceeds-grace",
    "hpa-target-missing",
    "hpa-min-replicas",
    "hpa-cpu-target",
    "hpa-no-cpu-request",
    "hpa-replicas-conflict",
    "rbac-cluster-admin",
    "rbac-wildcard",
    "rbac-escalation",
    "rbac-secrets-read",
    "rbac-exec",
    "rbac-node-proxy",
    "rbac-default-sa",
    "rbac-broad-binding",
    "rbac-dangling",
    "netpol-no-default-deny",
    "netpol-blocks-dns",
    "netpol-selects-nothing",
    "netpol-tenant-open",
    "replica-concentration",
    "drain-outage",
    "deprecated-api",
    "quota-missing",
    "limitrange-missing",
    "quota-near-limit",
    "quota-blocks-rollout",
    "privileged",
    "run-as-root",
    "host-namespaces",
    "image-latest",
    "automount-token",
    "helm-history",
];

#[test]
fn registry_ids_are_the_catalog_ids_and_unique() {
    let ids: Vec<&str> = registry().iter().map(|c| c.info().id).collect();
    let unique: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate check IDs: {ids:?}");
    assert_eq!(ids, CATALOG);
}

#[test]
fn every_check_documents_what_why_example_fix() {
    for c in registry() {
        let doc = c.info().doc;
        for part in ["What it detects", "Why it matters", "Example", "Fix"] {
            assert!(doc.contains(part), "{}: doc lacks {part:?}", c.info().id);
        }
    }
}

fn fixtures(id: &str, prefix: &str) -> Vec<std::path::PathBuf> {
    let dir = repo().join("tests/fixtures/checks").join(id);
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with(prefix) && n.ends_with(".yaml"))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn every_check_has_at_least_two_pass_and_two_fail_fixtures() {
    for c in registry() {
        let id = c.info().id;
        let pass = fixtures(id, "pass_");
        let fail = fixtures(id, "fail_");
        assert!(
            pass.len() >= 2,
            "{id}: {} pass fixtures, need 2",
            pass.len()
        );
        assert!(
            fail.len() >= 2,
            "{id}: {} fail fixtures, need 2",
            fail.len()
        );
    }
}

#[test]
fn fail_fixtures_fire_and_pass_fixtures_stay_quiet() {
    let mut problems = Vec::new();
    for c in registry() {
        let id = c.info().id;
        for f in fixtures(id, "fail_") {
            let (findings, loaded) = audit_path(&f, Some(&[id]));
            assert!(
                loaded.errors.is_empty(),
                "{}: {:?}",
                f.display(),
                loaded.errors
            );
            if findings.is_empty() {
                problems.push(format!(
                    "{}: expected a {id} finding, got none",
                    f.display()
                ));
            }
            // One finding per check and object.
            let mut seen = HashSet::new();
            for x in &findings {
                assert!(
                    seen.insert(x.object.clone()),
                    "{}: two {id} findings on {}",
                    f.display(),
                    x.object
                );
            }
        }
        for f in fixtures(id, "pass_") {
            let (findings, loaded) = audit_path(&f, Some(&[id]));
            assert!(
                loaded.errors.is_empty(),
                "{}: {:?}",
                f.display(),
                loaded.errors
            );
            if !findings.is_empty() {
                problems.push(format!(
                    "{}: expected no {id} finding, got {:?}",
                    f.display(),
                    findings.iter().map(|x| &x.message).collect::<Vec<_>>()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn two_level_checks_pick_the_right_severity() {
    use kvet::audit::Severity;
    let dir = repo().join("tests/fixtures/checks");
    let sev = |id: &str, file: &str| -> Severity {
        let (f, _) = audit_path(&dir.join(id).join(file), Some(&[id]));
        f.first().map(|x| x.severity).expect("a finding")
    };
    assert_eq!(
        sev("limits-missing", "fail_no_memory_limit.yaml"),
        Severity::Warning
    );
    assert_eq!(sev("limits-missing", "fail_cpu_only.yaml"), Severity::Info);
    assert_eq!(sev("revision-history", "fail_zero.yaml"), Severity::Warning);
    assert_eq!(sev("revision-history", "fail_unset.yaml"), Severity::Info);
    assert_eq!(sev("hpa-cpu-target", "fail_ninety.yaml"), Severity::Warning);
    assert_eq!(
        sev("hpa-cpu-target", "fail_v1_default.yaml"),
        Severity::Info
    );
    let rc = "replica-concentration";
    assert_eq!(sev(rc, "fail_all_on_one_node.yaml"), Severity::Critical);
    assert_eq!(sev(rc, "fail_one_zone.yaml"), Severity::Warning);
    assert_eq!(sev(rc, "fail_one_pool.yaml"), Severity::Warning);
    assert_eq!(sev(rc, "fail_offline_no_spread.yaml"), Severity::Info);
}

#[test]
fn ignore_annotation_exempts_an_object() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("x.yaml");
    let base =
        std::fs::read_to_string(repo().join("tests/fixtures/checks/pdb-missing/fail_no_pdb.yaml"))
            .expect("fixture");
    let exempt = base.replacen(
        "  namespace: ns\n",
        "  namespace: ns\n  annotations: {kvet.io/ignore: \"limit-ratio, pdb-missing\"}\n",
        1,
    );
    std::fs::write(&f, &exempt).expect("write");
    let (findings, _) = audit_path(&f, Some(&["pdb-missing"]));
    assert!(findings.is_empty(), "{findings:?}");
    let (findings, _) = audit_path(&f, Some(&["revision-history", "rollout-defaults"]));
    assert!(
        !findings.is_empty(),
        "other checks still run on the exempted object"
    );
}
