//! Agreement with Polaris and kube-score on their own labelled fixtures, for every check both
//! tools implement. Every disagreement is listed in `ON_PURPOSE` with the reason kvet differs.

use crate::support::{audit_path, corpus};
use kvet::audit::{Finding, Severity};
use std::collections::BTreeMap;

/// A peer check mapped to a question about kvet's findings.
struct Mapping {
    peer: &'static str,
    kvet: &'static [&'static str],
    fires: fn(&Finding) -> bool,
}

fn any(_: &Finding) -> bool {
    true
}

const POLARIS: &[Mapping] = &[
    Mapping {
        peer: "missingPodDisruptionBudget",
        kvet: &["pdb-missing"],
        fires: any,
    },
    Mapping {
        peer: "pdbDisruptionsIsZero",
        kvet: &["pdb-blocks-drain"],
        fires: any,
    },
    Mapping {
        peer: "pdbMinAvailableGreaterThanHPAMinReplicas",
        kvet: &["pdb-blocks-drain"],
        fires: any,
    },
    Mapping {
        peer: "cpuRequestsMissing",
        kvet: &["requests-missing"],
        fires: |f| f.message.contains("cpu"),
    },
    Mapping {
        peer: "memoryRequestsMissing",
        kvet: &["requests-missing"],
        fires: |f| f.message.contains("memory"),
    },
    Mapping {
        peer: "memoryLimitsMissing",
        kvet: &["limits-missing"],
        fires: |f| f.severity == Severity::Warning,
    },
    Mapping {
        peer: "cpuLimitsMissing",
        kvet: &["limits-missing"],
        fires: |f| f.message.contains("cpu limit"),
    },
    Mapping {
        peer: "readinessProbeMissing",
        kvet: &["readiness-missing"],
        fires: any,
    },
    Mapping {
        peer: "livenessProbeMissing",
        kvet: &["liveness-missing"],
        fires: any,
    },
    Mapping {
        peer: "hpaMinAvailability",
        kvet: &["hpa-min-replicas"],
        fires: any,
    },
    Mapping {
        peer: "clusterrolebindingClusterAdmin",
        kvet: &["rbac-cluster-admin"],
        fires: any,
    },
    Mapping {
        peer: "rolebindingClusterAdminClusterRole",
        kvet: &["rbac-cluster-admin"],
        fires: any,
    },
    Mapping {
        peer: "rolebindingClusterAdminRole",
        kvet: &["rbac-cluster-admin"],
        fires: any,
    },
    Mapping {
        peer: "clusterrolePodExecAttach",
        kvet: &["rbac-exec"],
        fires: any,
    },
    Mapping {
        peer: "rolePodExecAttach",
        kvet: &["rbac-exec"],
        fires: any,
    },
    Mapping {
        peer: "clusterrolebindingPodExecAttach",
        kvet: &["rbac-exec"],
        fires: any,
    },
    Mapping {
        peer: "rolebindingClusterRolePodExecAttach",
        kvet: &["rbac-exec"],
        fires: any,
    },
    Mapping {
        peer: "rolebindingRolePodExecAttach",
        kvet: &["rbac-exec"],
        fires: any,
    },
    Mapping {
        peer: "runAsPrivileged",
        kvet: &["privileged"],
        fires: |f| f.message.contains("runs privileged"),
    },
    Mapping {
        peer: "privilegeEscalationAllowed",
        kvet: &["privileged"],
        fires: |f| f.message.contains("privilege escalation"),
    },
    Mapping {
        peer: "runAsRootAllowed",
        kvet: &["run-as-root"],
        fires: any,
    },
    Mapping {
        peer: "hostIPCSet",
        kvet: &["host-namespaces"],
        fires: |f| f.message.contains("hostIPC"),
    },
    Mapping {
        peer: "hostPIDSet",
        kvet: &["host-namespaces"],
        fires: |f| f.message.contains("hostPID"),
    },
    Mapping {
        peer: "hostNetworkSet",
        kvet: &["host-namespaces"],
        fires: |f| f.message.contains("hostNetwork"),
    },
    Mapping {
        peer: "tagNotSpecified",
        kvet: &["image-latest"],
        fires: any,
    },
    Mapping {
        peer: "automountServiceAccountToken",
        kvet: &["automount-token"],
        fires: any,
    },
];

const KUBE_SCORE: &[Mapping] = &[
    Mapping {
        peer: "Container Security Context Privileged",
        kvet: &["privileged"],
        fires: |f| f.message.contains("runs privileged"),
    },
    Mapping {
        peer: "Container Image Tag",
        kvet: &["image-latest"],
        fires: any,
    },
    Mapping {
        peer: "Deployment has PodDisruptionBudget",
        kvet: &["pdb-missing"],
        fires: any,
    },
    Mapping {
        peer: "StatefulSet has PodDisruptionBudget",
        kvet: &["pdb-missing"],
        fires: any,
    },
    Mapping {
        peer: "HorizontalPodAutoscaler has target",
        kvet: &["hpa-target-missing"],
        fires: any,
    },
    Mapping {
        peer: "Pod Probes Identical",
        kvet: &["liveness-equals-readiness"],
        fires: any,
    },
    Mapping {
        peer: "HorizontalPodAutoscaler Replicas",
        kvet: &["hpa-min-replicas"],
        fires: any,
    },
    Mapping {
        peer: "Deployment targeted by HPA does not have replicas configured",
        kvet: &["hpa-replicas-conflict"],
        fires: any,
    },
    Mapping {
        peer: "Container Resources",
        kvet: &["requests-missing", "limits-missing"],
        fires: |f| f.check == "requests-missing" || f.severity == Severity::Warning,
    },
    Mapping {
        peer: "Pod Probes",
        kvet: &["readiness-missing"],
        fires: any,
    },
];

/// (peer, fixture, why kvet answers differently). Each test asserts kvet's own answer.
/// The test asserts that kvet keeps its own answer on these (see `kvet_keeps_its_answer`).
const ON_PURPOSE: &[(&str, &str, &str)] = &[
    // checks.md: `privileged` fires on an explicit allowPrivilegeEscalation: true. Polaris also
    // fails the field left unset (the API's effective default is true for a non-privileged
    // container without no_new_privs); kvet keeps that for a later hardening check, so that
    // every container without a securityContext is not a critical finding.
    (
        "privilegeEscalationAllowed",
        "failure.unspecified.yaml",
        "unset is not explicit",
    ),
    (
        "privilegeEscalationAllowed",
        "failure.pod_unspecified.yaml",
        "unset is not explicit",
    ),
    // checks.md: only replicated workloads (>= 2 desired replicas) need a PDB. These fixtures run
    // one replica (replicas unset); a PDB there would itself block drains (pdb-blocks-drain).
    (
        "missingPodDisruptionBudget",
        "failure-bad-ns.yaml",
        "single replica",
    ),
    (
        "missingPodDisruptionBudget",
        "failure.bad-name.yaml",
        "single replica",
    ),
    (
        "missingPodDisruptionBudget",
        "failure.empty-labels.yaml",
        "single replica",
    ),
    (
        "missingPodDisruptionBudget",
        "failure.no-labels.yaml",
        "single replica",
    ),
    (
        "missingPodDisruptionBudget",
        "failure.no-metadata.yaml",
        "single replica",
    ),
    (
        "missingPodDisruptionBudget",
        "failure.wrong-place.yaml",
        "single replica",
    ),
    (
        "missingPodDisruptionBudget",
        "failure.yaml",
        "single replica",
    ),
    (
        "Deployment has PodDisruptionBudget",
        "deployment-poddisruptionbudget-v1-different-namespace.yaml",
        "single replica",
    ),
    (
        "Deployment has PodDisruptionBudget",
        "deployment-poddisruptionbudget-v1-no-match.yaml",
        "single replica",
    ),
    (
        "Deployment has PodDisruptionBudget",
        "deployment-poddisruptionbudget-v1beta1-expression-no-match.yaml",
        "single replica",
    ),
    (
        "Deployment has PodDisruptionBudget",
        "deployment-poddisruptionbudget-v1beta1-no-match.yaml",
        "single replica",
    ),
    (
        "StatefulSet has PodDisruptionBudget",
        "statefulset-poddisruptionbudget-v1beta1-expression-no-match.yaml",
        "single replica",
    ),
    (
        "StatefulSet has PodDisruptionBudget",
        "statefulset-poddisruptionbudget-v1beta1-no-match.yaml",
        "single replica",
    ),
    // Both minAvailable and maxUnavailable are set, which the API server rejects; kvet reads
    // maxUnavailable 5, which allows disruptions. Polaris reads minAvailable 100%.
    (
        "pdbDisruptionsIsZero",
        "failure.either.yaml",
        "both fields set",
    ),
    // Polaris compares minAvailable with the HPA's minReplicas only. kvet compares it with the
    // desired replicas, which without an HPA is spec.replicas (default 1): minAvailable 5 of 1
    // pod really does block every drain.
    (
        "pdbMinAvailableGreaterThanHPAMinReplicas",
        "success.equals.yaml",
        "no HPA: spec.replicas counts",
    ),
    (
        "pdbMinAvailableGreaterThanHPAMinReplicas",
        "success.hpa-no-match.yaml",
        "no HPA: spec.replicas counts",
    ),
    (
        "pdbMinAvailableGreaterThanHPAMinReplicas",
        "success.no-hpa.yaml",
        "no HPA: spec.replicas counts",
    ),
    (
        "pdbMinAvailableGreaterThanHPAMinReplicas",
        "success.no-min-replicas.yaml",
        "HPA minReplicas defaults to 1",
    ),
    // readiness-missing only reports served workloads (checks.md); this fixture has no Service.
    ("readinessProbeMissing", "failure.yaml", "not served"),
    // An absent minReplicas is 1 (the API default), so the workload can scale to one pod.
    (
        "hpaMinAvailability",
        "success.minReplicaAbsent.yaml",
        "minReplicas defaults to 1",
    ),
    // A limit without a request defaults the request (API server defaulting); kube-score wants
    // the request written out.
    (
        "Container Resources",
        "deployment-test-resources.yaml",
        "limits default requests",
    ),
    (
        "Container Resources",
        "pod-test-resources-only-limits.yaml",
        "limits default requests",
    ),
    (
        "Container Resources",
        "statefulset-test-resources.yaml",
        "limits default requests",
    ),
    // checks.md: a missing cpu limit alone is info, not a warning.
    (
        "Container Resources",
        "pod-test-resources-limits-and-requests-no-cpu-limit.yaml",
        "cpu limit is info",
    ),
    // checks.md: every container of a served workload needs its own readiness probe; kube-score
    // accepts one probe anywhere in the pod.
    (
        "Pod Probes",
        "pod-probes-on-different-containers.yaml",
        "each container",
    ),
];

/// Polaris' RBAC fixtures where kvet answers otherwise on purpose: (file name, reason). They
/// apply to every Polaris RBAC check (after the ServiceAccount substitution above).
const RBAC_ON_PURPOSE: &[(&str, &str)] = &[
    // checks.md: rbac-cluster-admin is cluster-admin, or `*` verbs on `*` resources in `*`
    // groups. Seven listed verbs leave out escalate, bind and impersonate; rbac-wildcard reports
    // the `*` resources of such a role.
    ("failure.all_verbs.yaml", "listed verbs are not *"),
    (
        "failure.all_verbs_different_order.yaml",
        "listed verbs are not *",
    ),
    // Polaris exempts GKE's `gce:` bindings by name; kvet reports every workload ServiceAccount
    // with the grant (kvet.io/ignore exempts one on purpose).
    ("success.gce_calico_binding.yaml", "no exemption by name"),
    (
        "success.gce_calico_clusterrole.yaml",
        "no exemption by name",
    ),
    // `get` on pods/exec or pods/attach opens nothing: kubectl exec and attach POST, which the
    // authorizer checks as `create`. rbac-exec reports create.
    (
        "failure.get_attach_and_exec_using_resource_wildcard.yaml",
        "get does not exec",
    ),
    (
        "failure.get_attach_using_apigroup_wildcard.yaml",
        "get does not attach",
    ),
    (
        "failure.get_exec_using_apigroup_wildcard.yaml",
        "get does not exec",
    ),
    // The cluster's default roles (admin, cluster-admin, system:*) that Polaris skips. Bound to a
    // workload's ServiceAccount, as the comparison binds them, they do allow exec; kvet skips only
    // the cluster's own bindings (system:).
    (
        "success.defaultclusterrole_admin.yaml",
        "a default role, bound to a workload",
    ),
    (
        "success.defaultclusterrole_clusteradmin.yaml",
        "a default role, bound to a workload",
    ),
    (
        "success.system_prefix.yaml",
        "a system: role, bound to a workload",
    ),
    (
        "success.system_prefix_binding.yaml",
        "a system: role, bound to a workload",
    ),
    (
        "success.defaultclusterrolebinding_clusteradmin.yaml",
        "a default role, bound to a workload",
    ),
    // A binding to a role that does not exist grants nothing (the RBAC authorizer); kvet reports
    // the binding itself as rbac-dangling.
    (
        "failure.binding_points_to_missing_ref.yaml",
        "a missing role grants nothing",
    ),
    // Polaris' rolebindingRolePodExecAttach looks at RoleBinding → Role only; kvet reports the
    // ServiceAccount's exec whatever the kind of role that grants it.
    (
        "success.role_binding_cluster_role_binding.yaml",
        "every role kind counts",
    ),
];

struct Tally {
    agree: usize,
    total: usize,
}

/// kvet's answers against one peer's labels.
#[derive(Default)]
struct Comparison {
    tallies: BTreeMap<&'static str, Tally>,
    /// (peer check, fixture, what kvet answered)
    disagreements: Vec<(String, String, bool)>,
}

impl Comparison {
    fn record(&mut self, peer: &'static str, fixture: String, kvet: bool, peer_fires: bool) {
        let t = self
            .tallies
            .entry(peer)
            .or_insert(Tally { agree: 0, total: 0 });
        t.total += 1;
        if kvet == peer_fires {
            t.agree += 1;
        } else {
            self.disagreements.push((peer.to_string(), fixture, kvet));
        }
    }

    /// Prints the counts, and fails on any disagreement `ON_PURPOSE` does not explain.
    fn finish(self, name: &str) {
        let unexplained = check_disagreements(&self.disagreements);
        let lines: Vec<String> = self
            .disagreements
            .iter()
            .map(|(p, f, k)| format!("{p} {f} kvet={k}"))
            .collect();
        report(name, &self.tallies, &lines);
        assert!(
            unexplained.is_empty(),
            "unexplained disagreements:\n{}",
            unexplained.join("\n")
        );
    }
}

/// Polaris flags roles and bindings whatever their subjects; kvet's rbac checks concern the
/// ServiceAccounts that workloads run as (checks.md). To compare like with like, a copy of the
/// fixture gives every User or Group subject's place to a ServiceAccount (`system:` subjects
/// stay, both tools skip them), and binds a ServiceAccount to every role that nothing binds.
fn as_service_account_grants(path: &std::path::Path, dir: &std::path::Path) -> std::path::PathBuf {
    use serde_json::{json, Value};
    let text = std::fs::read_to_string(path).expect("fixture");
    let mut docs: Vec<Value> = text
        .split("\n---")
        .filter_map(|d| {
            serde_saphyr::from_str::<Option<Value>>(d.trim_start_matches('-'))
                .ok()
                .flatten()
        })
        .collect();
    let mut bound: Vec<String> = Vec::new();
    for d in docs.iter_mut() {
        let kind = d["kind"].as_str().unwrap_or_default().to_string();
        if kind == "RoleBinding" || kind == "ClusterRoleBinding" {
            let ns = d["metadata"]["namespace"]
                .as_str()
                .unwrap_or("test")
                .to_string();
            bound.push(
                d["roleRef"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            );
            if let Some(subjects) = d["subjects"].as_array_mut() {
                for s in subjects.iter_mut() {
                    let system = s["name"].as_str().is_some_and(|n| n.starts_with("system:"));
                    if s["kind"] != "ServiceAccount" && !system {
                        *s = json!({"kind": "ServiceAccount", "name": "peer-sa", "namespace": ns});
                    }
                }
            }
        }
    }
    let mut extra = Vec::new();
    for d in &docs {
        let name = d["metadata"]["name"].as_str().unwrap_or_default();
        match d["kind"].as_str() {
            Some("ClusterRole") if !bound.iter().any(|b| b == name) => extra.push(json!({
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                "metadata": {"name": format!("peer-{name}")},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
                "subjects": [{"kind": "ServiceAccount", "name": "peer-sa", "namespace": "test"}]})),
            Some("Role") if !bound.iter().any(|b| b == name) => extra.push(json!({
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                "metadata": {"name": format!("peer-{name}"), "namespace": d["metadata"]["namespace"].clone()},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
                "subjects": [{"kind": "ServiceAccount", "name": "peer-sa", "namespace": d["metadata"]["namespace"].clone()}]})),
            _ => {}
        }
    }
    docs.extend(extra);
    let out = dir.join(path.file_name().unwrap_or_default());
    let body: String = docs
        .iter()
        .map(|d| format!("---\n{}", serde_saphyr::to_string(d).expect("yaml")))
        .collect();
    std::fs::write(&out, body).expect("write");
    out
}

fn kvet_fires(path: &std::path::Path, m: &Mapping) -> bool {
    let (findings, loaded) = audit_path(path, Some(m.kvet));
    assert!(
        loaded.errors.is_empty(),
        "{}: {:?}",
        path.display(),
        loaded.errors
    );
    findings.iter().any(|f| (m.fires)(f))
}

fn report(name: &str, tallies: &BTreeMap<&'static str, Tally>, disagreements: &[String]) {
    eprintln!("{name} agreement (agreeing / total fixtures):");
    for (peer, t) in tallies {
        eprintln!("  {peer:<62} {}/{}", t.agree, t.total);
    }
    for d in disagreements {
        eprintln!("  differs: {d}");
    }
}

fn check_disagreements(disagreements: &[(String, String, bool)]) -> Vec<String> {
    let mut unexplained = Vec::new();
    for (peer, file, kvet) in disagreements {
        let rbac_peer = POLARIS
            .iter()
            .any(|m| m.peer == peer && m.kvet.iter().any(|k| k.starts_with("rbac-")));
        if rbac_peer && RBAC_ON_PURPOSE.iter().any(|(f, _)| file.ends_with(f)) {
            continue;
        }
        match ON_PURPOSE
            .iter()
            .find(|(p, f, _)| p == peer && file.ends_with(f))
        {
            Some(_) => {}
            None => unexplained.push(format!("{peer} {file}: kvet fires = {kvet}")),
        }
    }
    unexplained
}

#[test]
fn polaris_fixtures() {
    let root = corpus();
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut cmp = Comparison::default();
    for m in POLARIS {
        let dir = root.join("polaris/test/checks").join(m.peer);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .expect("polaris check folder")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort();
        for f in files {
            let name = f
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_string();
            let expect = if name.starts_with("failure") {
                true
            } else if name.starts_with("success") {
                false
            } else {
                continue;
            };
            let f = if m.kvet.iter().any(|k| k.starts_with("rbac-")) {
                as_service_account_grants(&f, tmp.path())
            } else {
                f
            };
            cmp.record(
                m.peer,
                format!("polaris/{}/{name}", m.peer),
                kvet_fires(&f, m),
                expect,
            );
        }
    }
    cmp.finish("Polaris");
}

#[derive(serde::Deserialize)]
struct Expectation {
    check: String,
    expected: serde_json::Value,
    #[serde(default)]
    config: Option<String>,
}

#[test]
fn kube_score_fixtures() {
    let root = corpus();
    let dir = root.join("kube-score");
    let text = std::fs::read_to_string(dir.join("EXPECTATIONS.yaml")).expect("EXPECTATIONS.yaml");
    let index: BTreeMap<String, Vec<Expectation>> =
        serde_saphyr::from_str(&text).expect("EXPECTATIONS.yaml parses");
    let mut cmp = Comparison::default();
    for (file, exps) in &index {
        for e in exps {
            let Some(m) = KUBE_SCORE.iter().find(|m| m.peer == e.check) else {
                continue;
            };
            // Assertions made under a non-default kube-score configuration are not comparable.
            if e.config
                .as_deref()
                .is_some_and(|c| c.contains("RunConfiguration"))
            {
                continue;
            }
            let grade = e.expected.as_str().unwrap_or("");
            let expect = match grade {
                "GradeCritical" | "GradeWarning" => true,
                "GradeAllOK" | "GradeAlmostOK" => false,
                _ => continue, // skipped by kube-score
            };
            let path = dir.join("score/testdata").join(file);
            cmp.record(
                m.peer,
                format!("kube-score/{file}"),
                kvet_fires(&path, m),
                expect,
            );
        }
    }
    cmp.finish("kube-score");
}

#[test]
fn on_purpose_entries_name_real_fixtures() {
    let root = corpus();
    for (file, why) in RBAC_ON_PURPOSE {
        assert!(!why.is_empty());
        let found = POLARIS
            .iter()
            .filter(|m| m.kvet.iter().any(|k| k.starts_with("rbac-")))
            .any(|m| {
                root.join("polaris/test/checks")
                    .join(m.peer)
                    .join(file)
                    .is_file()
            });
        assert!(found, "{file} is in no Polaris RBAC check folder");
    }
    for (peer, file, why) in ON_PURPOSE {
        assert!(!why.is_empty());
        let path = match POLARIS.iter().find(|m| m.peer == *peer) {
            Some(_) => root.join("polaris/test/checks").join(peer).join(file),
            None => root.join("kube-score/score/testdata").join(file),
        };
        assert!(path.is_file(), "{}", path.display());
    }
}

/// Where kvet's table (the Kubernetes deprecation guide, row by row) and Pluto's versions.yaml
/// disagree, on purpose: the guide decides.
const DEPRECATION_ON_PURPOSE: &[(&str, &str, &str)] = &[
    ("cert-manager.io/v1alpha2", "Issuer", "cert-manager's own releases (1.4, 1.6), not Kubernetes': a Kubernetes target cannot judge it"),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema", "the guide: removed in 1.26 (Pluto: 1.29)"),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "PriorityLevelConfiguration", "the guide: removed in 1.26 (Pluto: 1.29)"),
    ("flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema", "deprecated when v1beta3 came, in 1.26 (Pluto: 1.24)"),
    ("flowcontrol.apiserver.k8s.io/v1beta2", "PriorityLevelConfiguration", "deprecated when v1beta3 came, in 1.26 (Pluto: 1.24)"),
    ("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", "deprecated when v1 came, in 1.29 (Pluto: 1.24)"),
    ("flowcontrol.apiserver.k8s.io/v1beta3", "PriorityLevelConfiguration", "deprecated when v1 came, in 1.29"),
];

/// deprecated-api against DEPRECATIONS.yaml (Pluto's versions.yaml, per fixture), for the
/// target versions of the issue: every object of every fixture is flagged exactly as the index
/// says (critical once removed, warning once deprecated, nothing otherwise), except the pairs of
/// `DEPRECATION_ON_PURPOSE`, where the guide decides. A file is judged by its own apiVersion,
/// whatever its last-applied annotation says: the file is what gets applied (kube-no-trouble's
/// `fake-*-with-annotation` fixtures judge the annotation; kvet names it in the message).
#[test]
fn deprecated_api_agrees_with_pluto_on_every_fixture_and_target() {
    use kvet::audit::checks::deprecated_api::{lookup, parse_version};
    let root = corpus().join("deprecated-apis");
    let text = std::fs::read_to_string(root.join("DEPRECATIONS.yaml")).expect("index");
    let index: BTreeMap<String, serde_json::Value> =
        serde_saphyr::from_str(&text).expect("DEPRECATIONS.yaml parses");
    // (apiVersion, kind) → (deprecated-in, removed-in), from every fixture's entry.
    let mut pluto: BTreeMap<(String, String), (String, String)> = BTreeMap::new();
    for entry in index.values() {
        for o in entry["objects"].as_array().into_iter().flatten() {
            if let Some(p) = o["pluto"].as_object() {
                let s = |k: &str| p.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
                pluto.insert(
                    (
                        o["apiVersion"].as_str().unwrap_or("").into(),
                        o["kind"].as_str().unwrap_or("").into(),
                    ),
                    (s("deprecated-in"), s("removed-in")),
                );
            }
        }
    }
    let on_purpose = |api: &str, kind: &str| {
        DEPRECATION_ON_PURPOSE
            .iter()
            .any(|(a, k, _)| *a == api && *k == kind)
    };
    // The table kvet embeds says the same for every pair the index lists.
    for ((api, kind), (dep, rem)) in &pluto {
        if on_purpose(api, kind) {
            continue;
        }
        let d = lookup(api, kind).unwrap_or_else(|| panic!("{api} {kind} missing from the table"));
        assert_eq!(Some(d.deprecated_in), parse_version(dep), "{api} {kind}");
        assert_eq!(d.removed_in, parse_version(rem), "{api} {kind}");
    }
    let mut checked = 0;
    let mut wrong = Vec::new();
    for target in ["1.16", "1.22", "1.25", "1.26", "1.29", "1.32"] {
        let tv = parse_version(target);
        for (file, entry) in &index {
            let path = root.join(file);
            let loaded = crate::support::load(&path);
            let result = kvet::audit::run(
                &loaded.snapshot,
                &kvet::audit::AuditOptions {
                    only: Some(vec!["deprecated-api".into()]),
                    target_version: tv,
                    ..Default::default()
                },
            );
            // Expected severities per (kind, name): a List can hold two objects of one name.
            let mut expected: BTreeMap<(String, String), Vec<Option<Severity>>> = BTreeMap::new();
            for o in entry["objects"].as_array().into_iter().flatten() {
                let (Some(api), Some(kind), Some(name)) = (
                    o["apiVersion"].as_str(),
                    o["kind"].as_str(),
                    o["name"].as_str(),
                ) else {
                    continue;
                };
                let written = (api.to_string(), kind.to_string());
                let guide = lookup(api, kind).map(|d| {
                    let v = |x: Option<(u32, u32)>| {
                        x.map(|(a, b)| format!("v{a}.{b}.0")).unwrap_or_default()
                    };
                    (v(Some(d.deprecated_in)), v(d.removed_in))
                });
                let expected_row = if on_purpose(api, kind) {
                    guide
                } else {
                    pluto.get(&written).cloned()
                };
                let sev = expected_row.as_ref().and_then(|(dep, rem)| {
                    if parse_version(rem).is_some_and(|r| Some(r) <= tv) {
                        Some(Severity::Critical)
                    } else if parse_version(dep).is_some_and(|d| Some(d) <= tv) {
                        Some(Severity::Warning)
                    } else {
                        None
                    }
                });
                expected
                    .entry((kind.to_string(), name.to_string()))
                    .or_default()
                    .push(sev);
            }
            for ((kind, name), mut want) in expected {
                let mut got: Vec<Option<Severity>> = result
                    .findings
                    .iter()
                    .filter(|f| f.object.kind.as_str() == kind && *f.object.name == *name)
                    .map(|f| Some(f.severity))
                    .collect();
                got.resize(want.len().max(got.len()), None);
                want.resize(got.len(), None);
                got.sort();
                want.sort();
                checked += want.len();
                if got != want {
                    wrong.push(format!(
                        "{target} {file} {kind}/{name}: kvet {got:?}, Pluto {want:?}"
                    ));
                }
            }
        }
    }
    eprintln!(
        "deprecated-api: {checked} object × target checks, {} disagreements",
        wrong.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(checked > 200, "{checked}");
}
