use super::*;

fn snap(yaml: &str) -> Snapshot {
    crate::model::snapshot::from_yaml(yaml, crate::model::SourceKind::Live)
}

fn run(yaml: &str) -> Vec<Symptom> {
    let s = snap(yaml);
    let findings = crate::audit::run(&s, &crate::audit::AuditOptions::default()).findings;
    triage(&s, &findings)
}

const DEPLOY: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop, uid: d1}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: api
        image: api:1
        resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 512Mi}}
status: {replicas: 2, readyReplicas: 0}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: api-7c9
  namespace: shop
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: api, uid: d1, controller: true}]
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: api:1}]}
";

fn pod(name: &str, status: &str) -> String {
    format!(
        "apiVersion: v1
kind: Pod
metadata:
  name: {name}
  namespace: shop
  labels: {{app: api}}
  ownerReferences: [{{apiVersion: apps/v1, kind: ReplicaSet, name: api-7c9, controller: true}}]
spec:
  nodeName: n1
  containers: [{{name: api, image: api:1}}]
status:
{status}
"
    )
}

#[test]
fn an_oom_killed_crash_loop_is_down_and_joined_to_the_limit_ratio_finding() {
    let status = "  phase: Running
  conditions: [{type: Ready, status: 'False'}]
  containerStatuses:
  - name: api
    ready: false
    restartCount: 9
    state: {waiting: {reason: CrashLoopBackOff, message: back-off 5m0s restarting failed container}}
    lastState: {terminated: {reason: OOMKilled, exitCode: 137, finishedAt: '2026-12-03T08:00:00Z'}}";
    let y = format!(
        "{DEPLOY}---\n{}---\n{}",
        pod("api-7c9-a", status),
        pod("api-7c9-b", status)
    );
    let s = run(&y);
    let oom = s
        .iter()
        .find(|x| x.symptom == "oom-killed")
        .expect("oom-killed");
    assert_eq!(oom.impact, Impact::Down);
    assert_eq!(&*oom.object.name, "api");
    assert_eq!(oom.object.kind, Kind::Deployment);
    assert!(
        oom.explained_by.iter().any(|e| e.check == "limit-ratio"),
        "{oom:?}"
    );
    assert_eq!(oom.evidence.len(), 2, "one per pod");
    let crash = s
        .iter()
        .find(|x| x.symptom == "crash-loop")
        .expect("crash-loop");
    assert!(
        crash.explained_by.iter().any(|e| e.check == "limit-ratio"),
        "the restarts are OOMs: {crash:?}"
    );
    assert!(s
        .iter()
        .any(|x| x.symptom == "replicas-unavailable" && x.impact == Impact::Down));
    // Its own fix: raise the 512Mi limit, for the oom-killed and the crash-loop symptom alike.
    let snapshot = snap(&y);
    for x in [oom, crash] {
        let f = fixes::symptom_finding(&snapshot, x).expect("a fix of its own");
        assert_eq!(f.check, "oom-killed");
        assert_eq!(f.path, "/spec/template/spec/containers/0");
        assert!(
            f.message
                .contains("\"api\" was OOMKilled at its 512Mi memory limit (18 times)"),
            "{}",
            f.message
        );
    }
    assert_eq!(fixes::symptom_findings(&snapshot, "oom-killed").len(), 1);
    // Without a limit the node killed it: no symptom fix (limits-missing is the fix).
    let unlimited = y.replace(", limits: {memory: 512Mi}", "");
    let snapshot = snap(&unlimited);
    assert!(fixes::symptom_findings(&snapshot, "oom-killed").is_empty());
}

#[test]
fn events_in_both_forms_are_evidence() {
    let core = "apiVersion: v1
kind: Event
metadata: {name: e1, namespace: shop}
involvedObject: {kind: Pod, namespace: shop, name: api-7c9-a}
reason: Unhealthy
message: 'Liveness probe failed: HTTP probe failed with statuscode: 500'
type: Warning
count: 14
lastTimestamp: '2026-12-03T08:01:00Z'";
    let v1 = "apiVersion: events.k8s.io/v1
kind: Event
metadata: {name: e2, namespace: shop}
regarding: {kind: ReplicaSet, namespace: shop, name: api-7c9}
reason: FailedCreate
note: 'pods \"api-7c9-x\" is forbidden: exceeded quota: shop-quota, requested: pods=1, used: pods=10, limited: pods=10'
type: Warning
series: {count: 31, lastObservedTime: '2026-12-03T08:02:00Z'}
eventTime: '2026-12-03T07:00:00.000000Z'
reportingController: replicaset-controller
reportingInstance: kcm
action: Create";
    let running = "  phase: Running
  conditions: [{type: Ready, status: 'True'}]
  containerStatuses: [{name: api, ready: true, restartCount: 0, state: {running: {startedAt: '2026-12-03T07:00:00Z'}}}]";
    let y = format!(
        "{DEPLOY}---\n{}---\n{core}\n---\n{v1}",
        pod("api-7c9-a", running)
    );
    let s = run(&y);
    let probe = s
        .iter()
        .find(|x| x.symptom == "probe-failing")
        .expect("probe-failing");
    assert_eq!(probe.evidence[0].count, 14);
    assert_eq!(probe.evidence[0].from, "event");
    let quota = s
        .iter()
        .find(|x| x.symptom == "quota-exceeded")
        .expect("quota-exceeded");
    assert_eq!(
        &*quota.object.name, "api",
        "the ReplicaSet's event lands on its Deployment"
    );
    assert_eq!(quota.evidence[0].count, 31);
    assert_eq!(
        quota.evidence[0].last_seen.as_deref(),
        Some("2026-12-03T08:02:00Z")
    );
}

#[test]
fn a_healthy_cluster_has_no_symptom() {
    let running = "  phase: Running
  conditions: [{type: Ready, status: 'True'}]
  containerStatuses: [{name: api, ready: true, restartCount: 0, state: {running: {startedAt: '2026-12-03T07:00:00Z'}}}]";
    let y = format!(
        "{}---\n{}---\n{}",
        DEPLOY.replace("readyReplicas: 0", "readyReplicas: 2"),
        pod("api-7c9-a", running),
        pod("api-7c9-b", running)
    );
    assert_eq!(run(&y), Vec::new());
}

#[test]
fn nodes_hpas_and_pending_pods() {
    let deploy = DEPLOY.replace("cpu: 100m, ", "");
    let y = format!(
        "{deploy}---\n{}---
apiVersion: v1
kind: Node
metadata: {{name: n1}}
spec: {{unschedulable: true}}
status:
  conditions: [{{type: Ready, status: Unknown, reason: NodeStatusUnknown, message: Kubelet stopped posting node status.}}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: api, namespace: shop}}
spec: {{minAvailable: 2, selector: {{matchLabels: {{app: api}}}}}}
status: {{disruptionsAllowed: 0}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: api, namespace: shop}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: api}}
  minReplicas: 2
  maxReplicas: 4
  metrics: [{{type: Resource, resource: {{name: cpu, target: {{type: Utilization, averageUtilization: 60}}}}}}]
status:
  currentReplicas: 2
  desiredReplicas: 2
  conditions:
  - {{type: ScalingActive, status: 'False', reason: FailedGetResourceMetric, message: 'the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu'}}",
        pod(
            "api-7c9-a",
            "  phase: Pending
  conditions: [{type: PodScheduled, status: 'False', reason: Unschedulable, message: '0/3 nodes are available: 3 Insufficient cpu.'}]"
        )
    );
    let s = run(&y);
    let ids: Vec<&str> = s.iter().map(|x| x.symptom).collect();
    for want in [
        "node-not-ready",
        "drain-stuck",
        "hpa-cannot-scale",
        "unschedulable",
    ] {
        assert!(ids.contains(&want), "{want} missing from {ids:?}");
    }
    let hpa = s
        .iter()
        .find(|x| x.symptom == "hpa-cannot-scale")
        .expect("hpa");
    assert!(
        hpa.explained_by
            .iter()
            .any(|e| e.check == "hpa-no-cpu-request"),
        "{hpa:?}"
    );
    let drain = s
        .iter()
        .find(|x| x.symptom == "drain-stuck")
        .expect("drain");
    assert!(drain.evidence[0].message.contains("shop/api"), "{drain:?}");
}

#[test]
fn every_explaining_check_is_indexed() {
    let mut g = Gathered::default();
    g.add(
        "oom-killed",
        status_evidence(
            &ObjectRef::new(Kind::Pod, Some("n"), "p"),
            "r",
            String::new(),
            1,
            None,
        ),
    );
    g.add(
        "probe-failing",
        status_evidence(
            &ObjectRef::new(Kind::Pod, Some("n"), "p"),
            "r",
            String::new(),
            1,
            None,
        ),
    );
    for (s, _) in SYMPTOMS {
        for c in explaining_checks(s, &g) {
            assert!(
                EXPLAINING.contains(&c),
                "{c} explains {s} but is not indexed"
            );
            assert!(
                crate::audit::find_check(c).is_some(),
                "{c} is not a check ID"
            );
        }
    }
    for c in [
        "hpa-no-cpu-request",
        "hpa-target-missing",
        "pdb-blocks-drain",
        "pdb-overlap",
        "replica-concentration",
    ] {
        assert!(EXPLAINING.contains(&c));
    }
    for c in crate::audit::registry().iter().map(|c| c.info().id) {
        assert_eq!(explains(c), EXPLAINING.contains(&c), "{c}");
    }
}
