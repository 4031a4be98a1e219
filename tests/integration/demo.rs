//! The embedded demo cluster: it loads cleanly, every check fires on it, and about half of it is clean.

use kvet::audit::{self, registry, AuditOptions, Severity};
use kvet::model::Kind;
use std::collections::HashSet;

#[test]
fn demo_loads_without_errors_and_is_realistic() {
    let loaded = kvet::source::demo::load();
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let s = &loaded.snapshot;
    let ns: HashSet<&str> = s.namespaces.iter().map(|n| &*n.meta.name).collect();
    for want in crate::support::DEMO_NAMESPACES {
        assert!(ns.contains(want), "namespace {want} missing");
    }
    let top = s.top_workloads().count();
    assert!((20..=35).contains(&top), "{top} workloads");
    assert!(s.nodes.len() >= 3);
    assert!(
        s.pods.iter().all(|p| p.node_name.is_some()),
        "every demo pod is placed on a node"
    );
    assert!(s
        .workloads
        .iter()
        .any(|w| w.template_labels.get("k8s-app") == Some("kube-dns")
            && w.meta.namespace() == "kube-system"));
    for kind in [
        Kind::Service,
        Kind::PodDisruptionBudget,
        Kind::HorizontalPodAutoscaler,
        Kind::NetworkPolicy,
        Kind::ServiceAccount,
        Kind::ClusterRoleBinding,
        Kind::RoleBinding,
    ] {
        assert!(
            s.all_meta().iter().any(|(k, _)| *k == kind),
            "no {kind} in the demo"
        );
    }
}

#[test]
fn every_check_fires_on_the_demo() {
    let loaded = kvet::source::demo::load();
    let result = audit::run(&loaded.snapshot, &AuditOptions::default());
    let fired: HashSet<&str> = result.findings.iter().map(|f| f.check).collect();
    let missing: Vec<&str> = registry()
        .iter()
        .map(|c| c.info().id)
        .filter(|id| !fired.contains(id))
        .collect();
    assert!(
        missing.is_empty(),
        "checks that never fire on the demo: {missing:?}"
    );
}

#[test]
fn about_half_the_demo_workloads_are_clean() {
    let loaded = kvet::source::demo::load();
    let s = &loaded.snapshot;
    let result = audit::run(s, &AuditOptions::default());
    let flagged: HashSet<_> = result.findings.iter().map(|f| f.object.clone()).collect();
    let workloads: Vec<_> = s.top_workloads().map(|(_, w)| w.object_ref()).collect();
    let clean = workloads.iter().filter(|w| !flagged.contains(*w)).count();
    let share = clean as f64 / workloads.len() as f64;
    assert!(
        (0.3..=0.7).contains(&share),
        "{clean} of {} workloads clean",
        workloads.len()
    );
}

#[test]
fn the_drain_risk_a_user_looks_for_is_reported() {
    // The story of the demo: storefront/cart runs 3 replicas and no PDB protects them.
    let loaded = kvet::source::demo::load();
    let result = audit::run(&loaded.snapshot, &AuditOptions::default());
    let f = result
        .findings
        .iter()
        .find(|f| f.check == "pdb-missing" && &*f.object.name == "cart")
        .expect("cart's missing PDB");
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.object.namespace.as_deref(), Some("storefront"));
    assert!(f.message.contains("3 replicas"), "{}", f.message);
    // Measured cold start comes from pod status in the demo: 88 s and 95 s, max 95.
    let (wi, _) = loaded
        .snapshot
        .top_workloads()
        .find(|(_, w)| &*w.meta.name == "fraud-scorer")
        .expect("fraud-scorer");
    assert_eq!(loaded.snapshot.cold_start_samples(wi), vec![88.0, 95.0]);
}

#[test]
fn encoding_then_decoding_loses_nothing_the_checks_use() {
    // The demo through `kvet snapshot save`'s encoder and back: every finding is identical,
    // message and path included. (The saved List is marked as a live capture, so the
    // offline-only hpa-replicas-conflict is left out on reopening, as it should be.)
    let loaded = kvet::source::demo::load();
    let before = audit::run(&loaded.snapshot, &AuditOptions::default());
    let list = kvet::model::encode::snapshot_list(&loaded.snapshot, "demo");
    let text = serde_saphyr::to_string(&list).expect("yaml");
    let again = kvet::source::offline::load_texts(
        &[("saved.yaml", &text)],
        &Default::default(),
        kvet::model::SourceKind::Offline,
        "saved",
    );
    assert!(again.errors.is_empty(), "{:?}", again.errors);
    assert!(again.snapshot.captured_live);
    assert_eq!(
        again.snapshot.object_count(),
        loaded.snapshot.object_count()
    );
    let after = audit::run(&again.snapshot, &AuditOptions::default());
    let strip = |v: &[kvet::audit::Finding]| -> Vec<(String, String, String, String)> {
        v.iter()
            .filter(|f| f.check != "hpa-replicas-conflict")
            .map(|f| {
                (
                    f.check.to_string(),
                    f.object.to_string(),
                    f.path.clone(),
                    f.message.clone(),
                )
            })
            .collect()
    };
    assert_eq!(strip(&before.findings), strip(&after.findings));
    assert!(!after
        .findings
        .iter()
        .any(|f| f.check == "hpa-replicas-conflict"));
}

#[test]
fn secret_values_never_reach_any_output() {
    // The demo's Secret identity/signing-keys carries this (fake) value.
    let planted = "ZGVtby1vbmx5LW5vdC1hLXJlYWwta2V5";
    assert!(
        kvet::source::demo::FILES
            .iter()
            .any(|(_, t)| t.contains(planted)),
        "the demo still plants the value"
    );
    let loaded = kvet::source::demo::load();
    let s = &loaded.snapshot;
    assert!(!format!("{:?}", s.data).contains(planted));
    let secret = s
        .data
        .iter()
        .find(|d| &*d.meta.name == "signing-keys")
        .expect("the Secret is loaded");
    let keys: Vec<&str> = secret.keys.iter().map(|(k, _)| &**k).collect();
    assert_eq!(
        keys,
        vec!["private.pem", "public.pem"],
        "key names are kept"
    );
    let result = audit::run(s, &AuditOptions::default());
    let outputs = [
        kvet::cli::output::json(s, &result, &[]),
        kvet::cli::output::sarif(s, &result, &[]),
        kvet::cli::output::markdown(s, &result, &[]),
        kvet::cli::output::table(s, &result),
        serde_saphyr::to_string(&kvet::model::encode::snapshot_list(s, "demo")).expect("yaml"),
    ];
    for o in outputs {
        assert!(!o.contains(planted));
    }
}

#[test]
fn the_demo_audit_as_a_whole() {
    // Every finding of the demo, as the table prints it: a change to any check's behaviour or
    // wording shows up here for review.
    let loaded = kvet::source::demo::load();
    let result = audit::run(&loaded.snapshot, &AuditOptions::default());
    insta::assert_snapshot!(
        "demo_audit_table",
        kvet::cli::output::table(&loaded.snapshot, &result)
    );
}
