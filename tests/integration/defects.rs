//! Issue 19 §2: findings that real public manifests proved wrong, each pinned to the semantics
//! that decide it (the API server's, the kubelet's, the controllers').

use crate::support::{audit_path, repo};
use kvet::audit::Finding;

fn fixture(check: &str, file: &str) -> Vec<Finding> {
    let p = repo().join("tests/fixtures/checks").join(check).join(file);
    audit_path(&p, Some(&[check])).0
}

fn text(yaml: &str, check: &str) -> Vec<Finding> {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("in.yaml");
    std::fs::write(&p, yaml).expect("write");
    audit_path(&p, Some(&[check])).0
}

#[test]
fn run_as_root_resolves_each_field_with_the_container_over_the_pod() {
    let f = fixture("run-as-root", "fail_user_zero.yaml");
    assert_eq!(f.len(), 1);
    assert!(
        f[0].message.contains("\"main\" runs as uid 0 (root)"),
        "{}",
        f[0].message
    );
    assert!(!f[0].message.contains("neither"), "{}", f[0].message);
    let f = fixture("run-as-root", "fail_container_opts_out.yaml");
    assert_eq!(
        f.len(),
        1,
        "the container's runAsNonRoot: false undoes the pod's true"
    );
    assert!(
        f[0].message.contains("runAsNonRoot: false"),
        "{}",
        f[0].message
    );
    assert!(fixture("run-as-root", "pass_pod_user_container_non_root_false.yaml").is_empty());
}

#[test]
fn rbac_dangling_names_every_missing_subject_and_knows_the_controllers() {
    let f = text(
        r#"
apiVersion: v1
kind: ServiceAccount
metadata: {name: present, namespace: shop}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: readers}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {kind: ServiceAccount, name: present, namespace: shop}
- {kind: ServiceAccount, name: ghost, namespace: shop}
- {kind: ServiceAccount, name: phantom, namespace: billing}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: metrics-for-hpa}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {kind: ServiceAccount, name: horizontal-pod-autoscaler, namespace: kube-system}
- {kind: ServiceAccount, name: deployment-controller, namespace: kube-system}
"#,
        "rbac-dangling",
    );
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(&*f[0].object.name, "readers");
    assert!(
        f[0].message.contains("shop/ghost, billing/phantom"),
        "{}",
        f[0].message
    );
    assert_eq!(f[0].path, "/subjects/1");
}
