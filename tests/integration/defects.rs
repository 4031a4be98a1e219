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

/// `to: ipBlock 0.0.0.0/0` is egress anywhere, DNS included: upstream's e2e tests expect an
/// ipBlock to match pod addresses. An except list could hold the pod network, so it is not sure.
#[test]
fn egress_to_every_address_allows_dns_and_reach_says_the_assumption() {
    let policy = |except: &str| {
        format!(
            r#"
apiVersion: v1
kind: Namespace
metadata: {{name: shop}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: shop}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec: {{containers: [{{name: web, image: web:1}}]}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: egress-anywhere, namespace: shop}}
spec:
  podSelector: {{}}
  policyTypes: [Egress]
  egress:
  - to:
    - ipBlock: {{cidr: 0.0.0.0/0{except}}}
"#
        )
    };
    assert!(text(&policy(""), "netpol-blocks-dns").is_empty());
    let f = text(&policy(", except: [10.0.0.0/8]"), "netpol-blocks-dns");
    assert_eq!(f.len(), 1);
    assert!(
        f[0].message.contains("upstream's e2e tests"),
        "{}",
        f[0].message
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("in.yaml");
    std::fs::write(&p, policy("")).expect("write");
    let out = assert_cmd::Command::cargo_bin("kvet")
        .expect("binary")
        .args([
            "reach",
            "--from",
            "deploy/shop/web",
            "--to",
            "deploy/shop/web",
            "--port",
            "80",
            "-f",
        ])
        .arg(&p)
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("ALLOW"), "{stdout}");
    assert!(
        stdout.contains("note: ipBlock peers are taken to match pods"),
        "{stdout}"
    );
}

#[test]
fn liveness_equals_readiness_resolves_named_ports_and_schemes_and_reads_headers() {
    let deploy = |liveness: &str, readiness: &str| {
        format!(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: shop}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - name: web
        image: web:1
        ports: [{{name: http, containerPort: 8080}}]
        livenessProbe: {{httpGet: {liveness}}}
        readinessProbe: {{httpGet: {readiness}}}
"#
        )
    };
    let check = "liveness-equals-readiness";
    // The same probe up to a named port and a defaulted scheme.
    let same = deploy(
        "{path: /healthz, port: http}",
        "{path: /healthz, port: 8080, scheme: HTTP}",
    );
    assert_eq!(text(&same, check).len(), 1);
    // Only a header differs: not identical.
    let headers = deploy(
        "{path: /healthz, port: 8080, httpHeaders: [{name: X-Probe, value: live}]}",
        "{path: /healthz, port: 8080, httpHeaders: [{name: X-Probe, value: ready}]}",
    );
    assert!(text(&headers, check).is_empty());
    // Header names are case-insensitive.
    let case = deploy(
        "{path: /healthz, port: 8080, httpHeaders: [{name: X-Probe, value: a}]}",
        "{path: /healthz, port: 8080, httpHeaders: [{name: x-probe, value: a}]}",
    );
    assert_eq!(text(&case, check).len(), 1);
}

#[test]
fn readiness_missing_fires_for_the_containers_a_service_targets() {
    let pod = |web_ports: &str, web_probe: &str, target: &str| {
        format!(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: shop}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - name: web
        image: web:1
        ports: {web_ports}
{web_probe}
      - name: proxy-sidecar
        image: sidecar:1
        ports: [{{name: admin, containerPort: 15000}}]
---
apiVersion: v1
kind: Service
metadata: {{name: web, namespace: shop}}
spec:
  selector: {{app: web}}
  ports: [{{port: 80, targetPort: {target}}}]
"#
        )
    };
    let probe = "        readinessProbe: {httpGet: {path: /ready, port: 8080}}";
    let check = "readiness-missing";
    // The served container has a probe; the sidecar no Service port reaches does not matter.
    let ports = "[{name: http, containerPort: 8080}]";
    assert!(text(&pod(ports, probe, "http"), check).is_empty());
    assert!(text(&pod(ports, probe, "8080"), check).is_empty());
    // The served container has none: only it is named.
    let f = text(&pod(ports, "", "http"), check);
    assert_eq!(f.len(), 1);
    assert!(
        f[0].message.starts_with("\"web\" has no readiness probe"),
        "{}",
        f[0].message
    );
    // The target port is declared by no container: fire only when no container has a probe.
    assert!(text(&pod("[]", probe, "8080"), check).is_empty());
    let f = text(&pod("[]", "", "8080"), check);
    assert_eq!(f.len(), 1);
    assert!(
        f[0].message.contains("\"web\" and \"proxy-sidecar\""),
        "{}",
        f[0].message
    );
}

/// `kubectl get hpa -o yaml` of an HPA with other metrics gives autoscaling/v1 with the metrics
/// in an annotation: the API server's conversion reads them, and the 80 % CPU default applies
/// only when no metric is named at all.
#[test]
fn a_v1_hpa_reads_its_metrics_annotation_as_the_conversion_does() {
    let hpa = |annotation: &str, cpu: &str| {
        format!(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: shop}}
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec: {{containers: [{{name: web, image: web:1, resources: {{requests: {{memory: 128Mi}}}}}}]}}
---
apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata:
  name: web
  namespace: shop
  annotations:
    autoscaling.alpha.kubernetes.io/metrics: '{annotation}'
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: web}}
  minReplicas: 2
  maxReplicas: 5
{cpu}"#
        )
    };
    let memory =
        r#"[{"type":"Resource","resource":{"name":"memory","targetAverageUtilization":70}}]"#;
    // Memory only: no CPU target, so neither CPU check has anything to say.
    for check in ["hpa-cpu-target", "hpa-no-cpu-request"] {
        let f = text(&hpa(memory, ""), check);
        assert!(f.is_empty(), "{check}: {f:?}");
    }
    // Memory plus a CPU target of 90 %: the CPU target is judged.
    let f = text(
        &hpa(memory, "  targetCPUUtilizationPercentage: 90\n"),
        "hpa-cpu-target",
    );
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(f[0].message.contains("90"), "{}", f[0].message);
    assert_eq!(
        text(
            &hpa(memory, "  targetCPUUtilizationPercentage: 90\n"),
            "hpa-no-cpu-request"
        )
        .len(),
        1
    );
    // No metric anywhere: the 80 % CPU default.
    let f = text(&hpa("[]", ""), "hpa-cpu-target");
    assert!(f.iter().any(|f| f.message.contains("80")), "{f:?}");
}

/// A file is what gets applied: it is judged by its own apiVersion, and the annotation's
/// version is named when it differs. The guide's rows decide removals and replacements, and
/// alpha versions no server serves any more are reported.
#[test]
fn deprecated_api_judges_files_by_their_own_version_and_the_guides_rows() {
    let deploy = |api: &str, annotated: &str| {
        format!(
            r#"
apiVersion: {api}
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{{"apiVersion":"{annotated}","kind":"Deployment"}}'
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec: {{containers: [{{name: web, image: web:1}}]}}
"#
        )
    };
    let check = "deprecated-api";
    assert!(text(&deploy("apps/v1", "extensions/v1beta1"), check).is_empty());
    let f = text(&deploy("extensions/v1beta1", "apps/v1"), check);
    assert_eq!(f.len(), 1);
    assert!(
        f[0].message
            .contains("its last-applied annotation says apps/v1"),
        "{}",
        f[0].message
    );
    let flow = "apiVersion: flowcontrol.apiserver.k8s.io/v1beta3\nkind: FlowSchema\nmetadata: {name: fs}\nspec: {priorityLevelConfiguration: {name: p}}\n---\napiVersion: settings.k8s.io/v1alpha1\nkind: PodPreset\nmetadata: {name: pp, namespace: shop}\n---\napiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: psp}\n";
    let f = text(flow, check);
    let msg = |kind: &str| {
        f.iter()
            .find(|x| x.object.kind.as_str() == kind)
            .map(|x| x.message.clone())
            .unwrap_or_default()
    };
    assert!(
        msg("FlowSchema").contains("removed in Kubernetes 1.32")
            && msg("FlowSchema").contains("use flowcontrol.apiserver.k8s.io/v1"),
        "{}",
        msg("FlowSchema")
    );
    assert!(
        !msg("FlowSchema").contains("v1beta3 is"),
        "{}",
        msg("FlowSchema")
    );
    assert!(
        msg("PodPreset").contains("removed in Kubernetes 1.20"),
        "{f:?}"
    );
    assert!(
        msg("PodSecurityPolicy").contains("nothing replaces it"),
        "{}",
        msg("PodSecurityPolicy")
    );
    assert!(!msg("PodSecurityPolicy").contains("use policy/v1beta1"));
}

/// The default-deny preview names the ends outside the pods kvet sees: on ingress-nginx,
/// applying it takes ingress offline and breaks its admission webhook.
#[test]
fn the_default_deny_preview_names_traffic_from_outside_the_cluster() {
    let f = repo().join("tests/fixtures/defects/ingress-nginx.yaml");
    let run = |ns: &str| {
        let out = assert_cmd::Command::cargo_bin("kvet")
            .expect("binary")
            .args([
                "fix",
                "--check",
                "netpol-no-default-deny",
                "--object",
                &format!("namespace/{ns}"),
                "-f",
            ])
            .arg(&f)
            .output()
            .expect("run");
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    let nginx = run("ingress-nginx");
    assert!(nginx.contains("clients outside the cluster through LoadBalancer Service ingress-nginx/ingress-nginx-controller"), "{nginx}");
    assert!(nginx.contains("the API server calling the admission webhook of ValidatingWebhookConfiguration ingress-nginx-admission"), "{nginx}");
    let shop = run("shop");
    assert!(
        shop.contains("the ingress controller sending Ingress shop/shop traffic to Service web"),
        "{shop}"
    );
    assert!(!shop.contains("LoadBalancer"), "{shop}");
}

/// `env[].value`, ConfigMap `data` and Secret `stringData` are strings to the API: an unquoted
/// `yes` or `8080` makes kubectl refuse the object, and kvet says so with the line, without
/// repeating the value (it may be a secret). The other objects still load.
#[test]
fn unquoted_booleans_and_numbers_in_env_and_data_are_refused_as_kubectl_does() {
    let f = repo().join("tests/fixtures/defects/unquoted-strings.yaml");
    let loaded = crate::support::load(&f);
    let lines: Vec<u32> = loaded.errors.iter().filter_map(|e| e.line).collect();
    assert_eq!(lines, vec![16, 26, 33], "{:?}", loaded.errors);
    for e in &loaded.errors {
        assert!(e.message.contains("quote the value"), "{e}");
        assert!(
            !e.message.contains("123456") && !e.message.contains("8080"),
            "{e}"
        );
    }
    // The good Deployment is still there.
    assert!(loaded
        .snapshot
        .workloads
        .iter()
        .any(|w| &*w.meta.name == "ok"));
}
