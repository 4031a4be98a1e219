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

/// sock-shop's catalogue policy widened from front-end to every pod of the namespace: the diff
/// lists each new pair in JSON, and the table reads it by destination, one line per port and
/// reason, naming the first sources and counting the rest.
#[test]
fn a_widened_sock_shop_policy_reads_by_destination_in_the_diff_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = corpus().join("sock-shop/deploy/kubernetes");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for side in [&a, &b] {
        std::fs::create_dir_all(side.join("policy")).expect("mkdir");
        std::fs::copy(
            src.join("complete-demo.yaml"),
            side.join("complete-demo.yaml"),
        )
        .expect("copy");
        for e in std::fs::read_dir(src.join("manifests-policy")).expect("read_dir") {
            let p = e.expect("entry").path();
            std::fs::copy(&p, side.join("policy").join(p.file_name().expect("name")))
                .expect("copy");
        }
    }
    let policy = b.join("policy/netpol-catalogue-access.yaml");
    let text = std::fs::read_to_string(&policy).expect("read");
    let widened = text.replace(
        "        - podSelector:\n            matchLabels:\n              name: front-end",
        "        - podSelector: {}",
    );
    assert_ne!(text, widened, "the corpus policy changed shape");
    std::fs::write(&policy, widened).expect("write");

    let json = crate::cli::kvet()
        .arg("diff")
        .arg(&a)
        .arg(&b)
        .args(["-o", "json"])
        .output()
        .expect("run");
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    let opened = v["reach"]["opened"].as_array().expect("opened");
    assert!(opened.len() > 5, "{opened:#?}");
    assert!(opened
        .iter()
        .all(|c| c["to"] == "sock-shop/catalogue" && c["port"] == 80));

    let table = crate::cli::kvet()
        .arg("diff")
        .arg(&a)
        .arg(&b)
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&table.stdout);
    let lines: Vec<&str> = text.lines().filter(|l| l.contains("+ opened")).collect();
    assert_eq!(lines.len(), 1, "{text}");
    let want = format!(
        "{} workloads: {} and {} more → sock-shop/catalogue:80/TCP",
        opened.len(),
        opened[..5]
            .iter()
            .map(|c| c["from"].as_str().unwrap_or_default())
            .collect::<Vec<_>>()
            .join(", "),
        opened.len() - 5
    );
    assert!(lines[0].contains(&want), "{}\nwanted: {want}", lines[0]);
    assert!(lines[0].contains("NetworkPolicy sock-shop/catalogue-access"));
    assert!(text.contains("-o json lists every pair"), "{text}");
}
