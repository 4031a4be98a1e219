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
];

const KUBE_SCORE: &[Mapping] = &[
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
    for (peer, file, why) in ON_PURPOSE {
        assert!(!why.is_empty());
        let path = match POLARIS.iter().find(|m| m.peer == *peer) {
            Some(_) => root.join("polaris/test/checks").join(peer).join(file),
            None => root.join("kube-score/score/testdata").join(file),
        };
        assert!(path.is_file(), "{}", path.display());
    }
}
