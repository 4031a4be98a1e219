//! Every file of the vendored corpus (tests/fixtures/corpus) loads; only documents that are not Kubernetes objects, or
//! are invalid on purpose, are reported, and each of them is named here.

use crate::support::{audit_path, corpus};

/// (file, why it is reported). Everything else must load.
const EXPECTED_ERRORS: &[(&str, &str)] = &[
    (
        "deprecated-apis/DEPRECATIONS.yaml",
        "a derived index, not a manifest",
    ),
    (
        "deprecated-apis/kube-no-trouble/fixtures/volumesnapshotcontent-v1beta1.yaml",
        "metadata.annotations is a list: invalid upstream",
    ),
    (
        "deprecated-apis/pluto/e2e/tests/assets/additional-versions/duplicate.yaml",
        "a pluto version table",
    ),
    (
        "deprecated-apis/pluto/e2e/tests/assets/additional-versions/new.yaml",
        "a pluto version table",
    ),
    (
        "deprecated-apis/pluto/versions.yaml",
        "pluto's version table",
    ),
    (
        "kube-score/EXPECTATIONS.yaml",
        "a derived index, not a manifest",
    ),
    (
        "polaris/test/checks/nakedPod/check.yaml",
        "a Polaris custom-check definition",
    ),
    (
        "polaris/test/checks/oneController/check.yaml",
        "a Polaris custom-check definition",
    ),
    (
        "polaris/test/checks/resourceRange/check.yaml",
        "a Polaris custom-check definition",
    ),
];

#[test]
fn every_corpus_file_loads_and_only_known_documents_are_reported() {
    let root = corpus();
    let (findings, loaded) = audit_path(&root, None);
    let prefix = format!("{}/", root.display());
    let mut reported: Vec<String> = loaded
        .errors
        .iter()
        .map(|e| e.source.trim_start_matches(&prefix).to_string())
        .collect();
    reported.sort();
    reported.dedup();
    let expected: Vec<String> = EXPECTED_ERRORS.iter().map(|(f, _)| f.to_string()).collect();
    assert_eq!(reported, expected, "errors: {:#?}", loaded.errors);
    // Every error carries a line, and everything else was audited.
    assert!(loaded.errors.iter().all(|e| e.line.is_some()));
    assert!(
        loaded.snapshot.object_count() > 400,
        "{} objects",
        loaded.snapshot.object_count()
    );
    assert!(!findings.is_empty());
}

#[test]
fn sock_shop_bugs_are_found() {
    let root = corpus();
    let (findings, _) = audit_path(&root.join("sock-shop"), None);
    // HPA `cart` targets Deployment `cart`; the Deployment is `carts`.
    assert!(findings
        .iter()
        .any(|f| f.check == "hpa-target-missing" && &*f.object.name == "cart"));
    // prometheus: maxUnavailable 1 at 1 replica, served.
    assert!(findings
        .iter()
        .any(|f| f.check == "rollout-unavailable" && &*f.object.name == "prometheus-deployment"));
}

#[test]
fn kube_prometheus_pdbs_for_operator_pods_select_nothing_offline() {
    let root = corpus();
    let (findings, _) = audit_path(
        &root.join("kube-prometheus"),
        Some(&["pdb-selects-nothing"]),
    );
    let names: Vec<&str> = findings.iter().map(|f| &*f.object.name).collect();
    // These PDBs select pods that the operator creates from Prometheus/Alertmanager CRs.
    assert!(
        names.contains(&"prometheus-k8s") && names.contains(&"alertmanager-main"),
        "{names:?}"
    );
    assert!(
        !names.contains(&"prometheus-adapter"),
        "prometheus-adapter's PDB selects its Deployment"
    );
}

#[test]
fn rbac_checks_find_what_the_corpus_really_grants() {
    let root = corpus();
    let rbac = |dir: &str| {
        let (f, _) = audit_path(
            &root.join(dir),
            Some(&["rbac-cluster-admin", "rbac-wildcard", "rbac-secrets-read"]),
        );
        f.into_iter()
            .map(|x| (x.check.to_string(), x.object.to_string(), x.message))
            .collect::<Vec<_>>()
    };
    // kubernetes-goat binds cluster-admin to kube-system/superadmin.
    let goat = rbac("kubernetes-goat");
    assert!(
        goat.iter().any(|(c, o, m)| c == "rbac-cluster-admin"
            && o == "ServiceAccount/kube-system/superadmin"
            && m.contains("ClusterRoleBinding superadmin")),
        "{goat:#?}"
    );
    // Argo CD's application controller: * verbs on * resources in * groups.
    let argo = rbac("argo-cd");
    assert!(
        argo.iter().any(|(c, o, m)| c == "rbac-cluster-admin"
            && o == "ServiceAccount/argocd/argocd-application-controller"
            && m.contains("every verb on every resource")),
        "{argo:#?}"
    );
    // kube-prometheus: the operator's wildcard role, and cluster-wide Secret reads.
    let kp = rbac("kube-prometheus");
    assert!(
        kp.iter().any(|(c, o, _)| c == "rbac-wildcard"
            && o == "ServiceAccount/monitoring/prometheus-operator"),
        "{kp:#?}"
    );
    assert!(
        kp.iter().any(|(c, o, _)| c == "rbac-secrets-read"
            && o == "ServiceAccount/monitoring/kube-state-metrics"),
        "{kp:#?}"
    );
}
