//! One test per rule of drain.md. Each cluster is written as YAML, the way a user's cluster
//! would be dumped, and the expected verdicts come from the page, not from kvet.

use super::*;
use crate::model::decode::DecodeOptions;
use crate::model::SourceKind;
use std::fmt::Write as _;

fn load(yaml: &str) -> Snapshot {
    let l = crate::source::offline::load_texts(
        &[("cluster.yaml", yaml)],
        &DecodeOptions::default(),
        SourceKind::Live,
        "test",
    );
    assert!(l.errors.is_empty(), "{:?}", l.errors);
    l.snapshot
}

fn node(name: &str, extra_labels: &str, spec: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Node\nmetadata:\n  name: {name}\n  labels:\n    kubernetes.io/hostname: {name}\n{extra_labels}spec:\n{spec}  podCIDR: 10.0.0.0/24\nstatus:\n  conditions:\n  - {{type: Ready, status: \"True\"}}\n---\n"
    )
}

fn deploy(name: &str, replicas: i64) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: ns}}\nspec:\n  replicas: {replicas}\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec: {{containers: [{{name: c, image: i}}]}}\n---\napiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: {name}-rs\n  namespace: ns\n  ownerReferences: [{{kind: Deployment, name: {name}, controller: true}}]\nspec:\n  replicas: {replicas}\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec: {{containers: [{{name: c, image: i}}]}}\n---\n"
    )
}

/// A pod of Deployment `app` (through its ReplicaSet) on `node`.
fn pod(name: &str, app: &str, node: &str, ready: bool) -> String {
    pod_with(
        name,
        app,
        node,
        ready,
        &format!("  ownerReferences: [{{kind: ReplicaSet, name: {app}-rs, controller: true}}]\n"),
        "",
        "Running",
    )
}

fn pod_with(
    name: &str,
    app: &str,
    node: &str,
    ready: bool,
    meta_extra: &str,
    spec_extra: &str,
    phase: &str,
) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: ns\n  labels: {{app: {app}}}\n{meta_extra}spec:\n  nodeName: {node}\n  containers: [{{name: c, image: i}}]\n{spec_extra}status:\n  phase: {phase}\n  conditions:\n  - {{type: Ready, status: \"{}\"}}\n---\n",
        if ready { "True" } else { "False" }
    )
}

fn pdb(name: &str, app: &str, field: &str) -> String {
    format!(
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: {name}, namespace: ns}}\nspec:\n  selector: {{matchLabels: {{app: {app}}}}}\n{field}---\n"
    )
}

/// Two schedulable nodes, n1 (drained) and n2.
fn two_nodes() -> String {
    node("n1", "", "") + &node("n2", "", "")
}

fn drain(snap: &Snapshot, node: &str, opts: Options) -> Report {
    match Planner::new(snap).simulate(&Scope::Node(node.into()), opts) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    }
}

/// pod name → action, for the assertions.
fn actions(snap: &Snapshot, r: &Report) -> Vec<(String, &'static str)> {
    r.pods
        .iter()
        .map(|p| (snap.pods[p.pod].meta.name.to_string(), p.action.as_str()))
        .collect()
}

fn action_of(snap: &Snapshot, r: &Report, pod: &str) -> Action {
    match r.pods.iter().find(|p| &*snap.pods[p.pod].meta.name == pod) {
        Some(p) => p.action,
        None => panic!("{pod} not in the drain: {:?}", actions(snap, r)),
    }
}

fn budget_of(snap: &Snapshot, name: &str) -> Budget {
    let planner = Planner::new(snap);
    match snap.pdbs.iter().position(|p| &*p.meta.name == name) {
        Some(i) => planner.budget(i).clone(),
        None => panic!("no PDB {name}"),
    }
}

#[test]
fn finished_pods_are_not_listed_and_each_filter_applies_in_order() {
    let mut y = two_nodes();
    y += &pod_with("done", "x", "n1", false, "", "", "Succeeded");
    y += &pod_with("failed", "x", "n1", false, "", "", "Failed");
    // A DaemonSet pod with an emptyDir: the DaemonSet filter comes first.
    y += &pod_with(
        "ds-pod",
        "ds",
        "n1",
        true,
        "  ownerReferences: [{kind: DaemonSet, name: agent, controller: true}]\n",
        "  volumes: [{name: cache, emptyDir: {}}]\n",
        "Running",
    );
    // A mirror pod without a controller: skipped, not refused.
    y += &pod_with(
        "static",
        "etcd",
        "n1",
        true,
        "  annotations: {kubernetes.io/config.mirror: abc}\n",
        "",
        "Running",
    );
    let snap = load(&y);
    let r = drain(&snap, "n1", Options::default());
    assert_eq!(
        actions(&snap, &r),
        vec![
            ("ds-pod".to_string(), "skip-daemonset"),
            ("static".to_string(), "skip-mirror")
        ]
    );
    assert!(r.completes);
    assert!(r.is_safe());
    assert_eq!(r.badge(), Badge::Clean);
}

#[test]
fn emptydir_refuses_the_whole_drain_unless_its_data_may_go() {
    let mut y = two_nodes() + &deploy("web", 2);
    y += &pod_with(
        "web-1",
        "web",
        "n1",
        true,
        "  ownerReferences: [{kind: ReplicaSet, name: web-rs, controller: true}]\n",
        "  volumes:\n  - name: scratch\n    emptyDir: {}\n  - name: conf\n    configMap: {name: c}\n",
        "Running",
    );
    let snap = load(&y);
    let r = drain(&snap, "n1", Options::default());
    assert_eq!(action_of(&snap, &r, "web-1"), Action::RefuseEmptyDir);
    assert!(!r.completes);
    assert!(r.pods[0].why.contains("scratch"), "{}", r.pods[0].why);
    let r = drain(
        &snap,
        "n1",
        Options {
            delete_emptydir_data: true,
            ..Options::default()
        },
    );
    assert_eq!(action_of(&snap, &r, "web-1"), Action::Evict);
    assert!(r.completes);
}

#[test]
fn a_pod_without_a_controller_reference_is_refused_or_deleted_with_force() {
    let mut y = two_nodes();
    y += &pod_with("bare", "x", "n1", true, "", "", "Running");
    // An owner that is not the controller does not make the pod managed.
    y += &pod_with(
        "adopted",
        "x",
        "n1",
        true,
        "  ownerReferences: [{kind: ReplicaSet, name: x-rs}]\n",
        "",
        "Running",
    );
    let snap = load(&y);
    let r = drain(&snap, "n1", Options::default());
    assert_eq!(action_of(&snap, &r, "bare"), Action::RefuseUnmanaged);
    assert_eq!(action_of(&snap, &r, "adopted"), Action::RefuseUnmanaged);
    assert!(!r.completes);
    let forced = Options {
        force: true,
        ..Options::default()
    };
    let r = drain(&snap, "n1", forced);
    assert_eq!(action_of(&snap, &r, "bare"), Action::DeleteUnmanaged);
    assert!(r.completes);
    // A PDB does not protect a deleted pod.
    let y2 = y.clone() + &pdb("keep", "x", "  minAvailable: 5\n");
    let snap = load(&y2);
    let r = drain(&snap, "n1", forced);
    assert_eq!(action_of(&snap, &r, "bare"), Action::DeleteUnmanaged);
}

#[test]
fn pending_and_terminating_pods_ignore_budgets() {
    let mut y = two_nodes() + &deploy("api", 3);
    let owner = "  ownerReferences: [{kind: ReplicaSet, name: api-rs, controller: true}]\n";
    y += &pod_with("api-pending", "api", "n1", false, owner, "", "Pending");
    y += &pod_with(
        "api-going",
        "api",
        "n1",
        true,
        &format!("{owner}  deletionTimestamp: \"2026-12-01T00:00:00Z\"\n"),
        "",
        "Running",
    );
    y += &pdb("api", "api", "  minAvailable: 3\n");
    let snap = load(&y);
    let r = drain(&snap, "n1", Options::default());
    assert_eq!(action_of(&snap, &r, "api-pending"), Action::Evict);
    assert_eq!(action_of(&snap, &r, "api-going"), Action::Evict);
    assert!(r.completes);
}

#[test]
fn two_pdbs_on_one_pod_block_the_drain() {
    let mut y = two_nodes() + &deploy("web", 3);
    for (i, n) in ["n1", "n2", "n2"].iter().enumerate() {
        y += &pod(&format!("web-{i}"), "web", n, true);
    }
    y += &pdb("a", "web", "  maxUnavailable: 1\n");
    y += &pdb("b", "web", "  maxUnavailable: 1\n");
    let snap = load(&y);
    let r = drain(&snap, "n1", Options::default());
    assert_eq!(action_of(&snap, &r, "web-0"), Action::Blocked);
    assert_eq!(r.pods[0].pdbs.len(), 2);
    assert!(!r.completes);
    assert_eq!(r.badge(), Badge::Fails);
}

#[test]
fn budget_formulas_follow_the_disruption_controller() {
    // 4 replicas, 3 Ready (one pod not Ready), one Succeeded pod that no budget counts.
    let mut y = two_nodes() + &deploy("web", 4);
    y += &pod("web-a", "web", "n1", true);
    y += &pod("web-b", "web", "n1", true);
    y += &pod("web-c", "web", "n2", true);
    y += &pod("web-d", "web", "n2", false);
    y += &pod_with(
        "web-old",
        "web",
        "n2",
        false,
        "  ownerReferences: [{kind: ReplicaSet, name: web-rs, controller: true}]\n",
        "",
        "Succeeded",
    );
    y += &pdb("min-int", "web", "  minAvailable: 2\n");
    y += &pdb("min-pct", "web", "  minAvailable: 60%\n");
    y += &pdb("max-int", "web", "  maxUnavailable: 1\n");
    y += &pdb("max-pct", "web", "  maxUnavailable: 30%\n");
    y += &pdb("neither", "web", "");
    y += "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: beta-default, namespace: ns}\nspec:\n  selector: {matchLabels: {app: web}}\n---\n";
    y += "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: beta-empty, namespace: ns}\nspec:\n  selector: {}\n  minAvailable: 1\n---\n";
    y += "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: v1-empty, namespace: ns}\nspec:\n  selector: {}\n  minAvailable: 1\n---\n";
    let snap = load(&y);
    let b = |n| budget_of(&snap, n);
    let want = |expected, desired, healthy, allowed| Budget {
        expected,
        desired_healthy: desired,
        current_healthy: healthy,
        allowed,
        fail_safe: None,
    };
    // Integer minAvailable: expected is the number of selected pods (4, the finished one out).
    assert_eq!(b("min-int"), want(4, 2, 3, 1));
    // Percent minAvailable: expected is the Deployment's replicas; ceil(0.6 × 4) = 3.
    assert_eq!(b("min-pct"), want(4, 3, 3, 0));
    // maxUnavailable 1: desired = 4 − 1.
    assert_eq!(b("max-int"), want(4, 3, 3, 0));
    // maxUnavailable 30 %: ceil(1.2) = 2, desired = 2.
    assert_eq!(b("max-pct"), want(4, 2, 3, 1));
    // Neither field (policy/v1): expected 0, nothing allowed.
    assert_eq!(b("neither"), want(0, 0, 3, 0));
    // policy/v1beta1 defaults minAvailable to 1.
    assert_eq!(b("beta-default"), want(4, 1, 3, 2));
    // An empty selector: no pods in v1beta1, every pod in v1.
    assert_eq!(b("beta-empty"), want(0, 1, 0, 0));
    assert_eq!(b("v1-empty"), want(4, 1, 3, 2));
}

#[test]
fn a_selected_pod_without_a_controller_zeroes_a_scaled_budget() {
    let mut y = two_nodes() + &deploy("web", 3);
    y += &pod("web-a", "web", "n1", true);
    y += &pod("web-b", "web", "n2", true);
    y += &pod("web-c", "web", "n2", true);
    y += &pod_with("stray", "web", "n2", true, "", "", "Running");
    y += &pdb("max", "web", "  maxUnavailable: 1\n");
    y += &pdb("pct", "web", "  minAvailable: 50%\n");
    let snap = load(&y);
    for name in ["max", "pct"] {
        let b = budget_of(&snap, name);
        assert_eq!(b.allowed, 0, "{name}: {b:?}");
        assert!(b.fail_safe.is_some(), "{name}");
    }
    // With only the maxUnavailable PDB, the fail-safe budget blocks the drain.
    let only_max = y
        .split("---\n")
        .filter(|d| !d.contains("name: pct"))
        .collect::<Vec<_>>()
        .join("---\n");
    let snap1 = load(&only_max);
    let r = drain(&snap1, "n1", Options::default());
    assert_eq!(action_of(&snap1, &r, "web-a"), Action::Blocked);
    assert!(
        r.pods[0].why.contains("has no controller"),
        "{}",
        r.pods[0].why
    );
    // An integer minAvailable counts pods, controller or not.
    let y2 = y.replace("name: pct", "name: pct2").replace("50%", "2");
    let snap = load(&y2);
    assert_eq!(budget_of(&snap, "pct2").allowed, 2);
    // Two PDBs now select web-a.
    let r = drain(&snap, "n1", Options::default());
    assert_eq!(action_of(&snap, &r, "web-a"), Action::Blocked);
    assert!(r.pods[0].why.contains("2 PDBs"), "{}", r.pods[0].why);
}

#[test]
fn budgets_are_spent_in_order_and_the_rest_wait_for_replacements() {
    let mut y = two_nodes() + &deploy("web", 3);
    y += &pod("web-b", "web", "n1", true);
    y += &pod("web-a", "web", "n1", true);
    y += &pod("web-c", "web", "n2", true);
    y += &pdb("web", "web", "  maxUnavailable: 1\n");
    let snap = load(&y);
    let r = drain(&snap, "n1", Options::default());
    assert_eq!(
        actions(&snap, &r),
        vec![("web-a".into(), "evict"), ("web-b".into(), "wait")]
    );
    assert!(r.completes);
    // web-b waits, so web-c and web-b stay Ready during the drain: no outage.
    assert_eq!(r.workloads.len(), 1);
    assert_eq!((r.workloads[0].ready, r.workloads[0].ready_during), (3, 2));
    assert!(r.is_safe());
    assert_eq!(r.badge(), Badge::Waits);
}

#[test]
fn a_budget_that_allows_nothing_at_full_health_blocks_forever() {
    let mut y = two_nodes() + &deploy("db", 2);
    y += &pod("db-0", "db", "n1", true);
    y += &pod("db-1", "db", "n2", true);
    y += &pdb("db", "db", "  minAvailable: 2\n");
    let snap = load(&y);
    let r = drain(&snap, "n1", Options::default());
    assert_eq!(action_of(&snap, &r, "db-0"), Action::Blocked);
    assert!(
        r.pods[0].why.contains("even at full health"),
        "{}",
        r.pods[0].why
    );
    assert!(!r.completes);
}

#[test]
fn waiting_needs_a_schedulable_node_that_tolerates_the_pod() {
    let cluster = |n2_spec: &str, tol: &str| {
        let mut y = node("n1", "", "") + &node("n2", "", n2_spec) + &deploy("web", 2);
        let owner = "  ownerReferences: [{kind: ReplicaSet, name: web-rs, controller: true}]\n";
        y += &pod_with("web-a", "web", "n1", true, owner, tol, "Running");
        y += &pod_with("web-b", "web", "n1", true, owner, tol, "Running");
        y + &pdb("web", "web", "  maxUnavailable: 1\n")
    };
    let snap = load(&cluster("", ""));
    let r = drain(&snap, "n1", Options::default());
    assert_eq!(action_of(&snap, &r, "web-b"), Action::Wait);
    // The only other node is cordoned.
    let snap = load(&cluster("  unschedulable: true\n", ""));
    let r = drain(&snap, "n1", Options::default());
    assert_eq!(action_of(&snap, &r, "web-b"), Action::Blocked);
    // Tainted, and the pod does not tolerate it.
    let taint = "  taints: [{key: dedicated, value: gpu, effect: NoSchedule}]\n";
    let snap = load(&cluster(taint, ""));
    let r = drain(&snap, "n1", Options::default());
    assert_eq!(action_of(&snap, &r, "web-b"), Action::Blocked);
    // Tolerated by value, then by Exists on the key.
    for tol in [
        "  tolerations: [{key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}]\n",
        "  tolerations: [{key: dedicated, operator: Exists}]\n",
        "  tolerations: [{operator: Exists}]\n",
    ] {
        let snap = load(&cluster(taint, tol));
        let r = drain(&snap, "n1", Options::default());
        assert_eq!(action_of(&snap, &r, "web-b"), Action::Wait, "{tol}");
    }
    // The wrong value is not tolerated; PreferNoSchedule never keeps a pod off.
    let snap = load(&cluster(
        taint,
        "  tolerations: [{key: dedicated, operator: Equal, value: cpu}]\n",
    ));
    let r = drain(&snap, "n1", Options::default());
    assert_eq!(action_of(&snap, &r, "web-b"), Action::Blocked);
    let snap = load(&cluster(
        "  taints: [{key: soft, effect: PreferNoSchedule}]\n",
        "",
    ));
    let r = drain(&snap, "n1", Options::default());
    assert_eq!(action_of(&snap, &r, "web-b"), Action::Wait);
}

#[test]
fn unhealthy_pods_under_both_eviction_policies() {
    // 3 replicas: two Ready on n2, one not Ready on n1.
    let cluster = |field: &str| {
        let mut y = two_nodes() + &deploy("web", 3);
        y += &pod("web-sick", "web", "n1", false);
        y += &pod("web-b", "web", "n2", true);
        y += &pod("web-c", "web", "n2", true);
        y + &pdb("web", "web", field)
    };
    // IfHealthyBudget, healthy budget (2 Ready ≥ 2 needed > 0): evicted without spending.
    let snap = load(&cluster("  minAvailable: 2\n"));
    let r = drain(&snap, "n1", Options::default());
    assert_eq!(action_of(&snap, &r, "web-sick"), Action::Evict);
    assert!(
        r.pods[0].why.contains("without spending"),
        "{}",
        r.pods[0].why
    );
    // Unhealthy budget (2 Ready < 3 needed): it spends budget like a Ready pod, and there is none.
    let snap = load(&cluster("  minAvailable: 3\n"));
    let r = drain(&snap, "n1", Options::default());
    assert_eq!(action_of(&snap, &r, "web-sick"), Action::Blocked);
    // AlwaysAllow: evicted whatever the budget.
    let snap = load(&cluster(
        "  minAvailable: 3\n  unhealthyPodEvictionPolicy: AlwaysAllow\n",
    ));
    let r = drain(&snap, "n1", Options::default());
    assert_eq!(action_of(&snap, &r, "web-sick"), Action::Evict);
    // desiredHealthy 0 (maxUnavailable 100 %) and no Ready pod: the unhealthy pod spends
    // budget, and with nothing Ready none is left (429).
    let mut y = two_nodes() + &deploy("job", 1);
    y += &pod("job-x", "job", "n1", false);
    y += &pdb("job", "job", "  maxUnavailable: 100%\n");
    let snap = load(&y);
    assert_eq!(budget_of(&snap, "job").allowed, 0);
    let r = drain(&snap, "n1", Options::default());
    assert_eq!(action_of(&snap, &r, "job-x"), Action::Wait);
    // Not Ready pods spend before Ready ones: maxUnavailable 1, healthy budget impossible
    // (desired 2 > current 1): the sick pod takes the only unit, the Ready one waits.
    let mut y = two_nodes() + &deploy("web", 3);
    y += &pod("web-a", "web", "n1", true);
    y += &pod("web-z", "web", "n1", false);
    y += &pod("web-q", "web", "n2", true);
    y += &pdb("web", "web", "  maxUnavailable: 1\n");
    let snap = load(&y);
    let r = drain(&snap, "n1", Options::default());
    assert_eq!(action_of(&snap, &r, "web-z"), Action::Evict);
    assert_eq!(action_of(&snap, &r, "web-a"), Action::Wait);
}

#[test]
fn a_workload_with_every_ready_replica_on_the_node_goes_down() {
    let mut y = two_nodes() + &deploy("cart", 2) + &deploy("web", 2);
    y += &pod("cart-1", "cart", "n1", true);
    y += &pod("cart-2", "cart", "n1", true);
    y += &pod("web-1", "web", "n1", true);
    y += &pod("web-2", "web", "n2", true);
    let snap = load(&y);
    let r = drain(&snap, "n1", Options::default());
    let down: Vec<String> = r
        .outages()
        .map(|w| snap.workloads[w.workload].meta.name.to_string())
        .collect();
    assert_eq!(down, vec!["cart"]);
    assert!(r.completes);
    assert!(!r.is_safe());
    assert_eq!(r.badge(), Badge::Fails);
    // The owner is the Deployment, not its ReplicaSet.
    let owner = r.pods[0].owner.map(|w| snap.workloads[w].kind);
    assert_eq!(owner, Some(WorkloadKind::Deployment));
}

#[test]
fn pools_and_zones_drain_together_and_replacements_must_fit_outside() {
    let pool = |p: &str, z: &str| {
        format!("    cloud.google.com/gke-nodepool: {p}\n    topology.kubernetes.io/zone: {z}\n")
    };
    let mut y = node("a1", &pool("blue", "z1"), "")
        + &node("a2", &pool("blue", "z2"), "")
        + &node("b1", &pool("green", "z1"), "  unschedulable: true\n")
        + &deploy("web", 2);
    y += &pod("web-1", "web", "a1", true);
    y += &pod("web-2", "web", "a2", true);
    y += &pdb("web", "web", "  maxUnavailable: 1\n");
    let snap = load(&y);
    let planner = Planner::new(&snap);
    let r = match planner.simulate(&Scope::Pool("blue".into()), Options::default()) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(r.nodes.len(), 2);
    // One unit of budget; the other pod has nowhere to go (b1 is cordoned): blocked.
    assert_eq!(
        actions(&snap, &r),
        vec![("web-1".into(), "evict"), ("web-2".into(), "blocked")]
    );
    let r = match planner.simulate(&Scope::Zone("z1".into()), Options::default()) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(&*r.nodes[0], "a1");
    assert_eq!(r.nodes.len(), 2);
    assert_eq!(actions(&snap, &r), vec![("web-1".into(), "evict")]);
    // An unknown pool names the ones there are.
    let e = planner
        .simulate(&Scope::Pool("red".into()), Options::default())
        .err()
        .unwrap_or_default();
    assert!(e.contains("blue") && e.contains("green"), "{e}");
}

#[test]
fn the_pool_label_is_the_first_present_and_the_zone_falls_back_to_the_beta_label() {
    let mut y = node(
        "x",
        "    agentpool: second\n    eks.amazonaws.com/nodegroup: first\n    failure-domain.beta.kubernetes.io/zone: old\n",
        "",
    );
    let _ = write!(y, "");
    let snap = load(&y);
    assert_eq!(pool_of(&snap.nodes[0]), Some("first"));
    assert_eq!(zone_of(&snap.nodes[0]), Some("old"));
}

#[test]
fn replacements_must_fit_the_pods_node_selector_and_required_node_affinity() {
    // n1 is drained; n2 is the only other node, labelled pool=general.
    let cluster = |spec: &str| {
        let mut y = node("n1", "    pool: gpu\n", "") + &node("n2", "    pool: general\n", "");
        y += &deploy("web", 2);
        let owner = "  ownerReferences: [{kind: ReplicaSet, name: web-rs, controller: true}]\n";
        y += &pod_with("web-a", "web", "n1", true, owner, spec, "Running");
        y += &pod_with("web-b", "web", "n1", true, owner, spec, "Running");
        y + &pdb("web", "web", "  maxUnavailable: 1\n")
    };
    let affinity = |term: &str| {
        format!("  affinity:\n    nodeAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n        nodeSelectorTerms:\n{term}")
    };
    for (spec, want) in [
        ("", Action::Wait),
        ("  nodeSelector: {pool: gpu}\n", Action::Blocked),
        ("  nodeSelector: {pool: general}\n", Action::Wait),
        (
            &affinity("        - matchExpressions: [{key: pool, operator: In, values: [gpu]}]\n") as &str,
            Action::Blocked,
        ),
        (
            &affinity("        - matchExpressions: [{key: pool, operator: NotIn, values: [general]}]\n        - matchFields: [{key: metadata.name, operator: In, values: [n2]}]\n"),
            Action::Wait,
        ),
        (
            &affinity("        - matchFields: [{key: metadata.name, operator: In, values: [n1]}]\n"),
            Action::Blocked,
        ),
        // Gt compares integers: kvet does not evaluate it, so it rules no node out.
        (
            &affinity("        - matchExpressions: [{key: cores, operator: Gt, values: [\"64\"]}]\n"),
            Action::Wait,
        ),
    ] {
        let snap = load(&cluster(spec));
        let r = drain(&snap, "n1", Options::default());
        assert_eq!(action_of(&snap, &r, "web-b"), want, "{spec}");
    }
    // Written back by `kvet snapshot save` and read again: the same placement.
    let snap = load(&cluster(&affinity(
        "        - matchExpressions: [{key: pool, operator: In, values: [gpu]}]\n          matchFields: [{key: metadata.name, operator: In, values: [n1]}]\n",
    )));
    let placement = snap.pods[0].spec.placement.clone();
    let back = crate::model::encode::encode(&crate::model::Object::Pod(snap.pods[0].clone()));
    let again = crate::model::decode::decode_yaml(&back.to_string(), &DecodeOptions::default());
    let Some(crate::model::Object::Pod(p)) = again.objects.first() else {
        panic!("{:?}", again.errors)
    };
    assert_eq!(p.spec.placement, placement);
    assert_eq!(placement.terms.len(), 1);
}

#[test]
fn replacements_need_room_for_their_requests_on_a_node_outside_the_drain() {
    // n2 can hold 1 CPU and 2Gi; it already runs a pod that requests 800m.
    let cluster = |allocatable_cpu: &str, web_cpu: &str| {
        let n2 = format!("apiVersion: v1\nkind: Node\nmetadata:\n  name: n2\n  labels: {{kubernetes.io/hostname: n2}}\nspec: {{}}\nstatus:\n  allocatable: {{cpu: \"{allocatable_cpu}\", memory: 2Gi, pods: \"110\"}}\n  conditions:\n  - {{type: Ready, status: \"True\"}}\n---\n");
        let mut y = node("n1", "", "") + &n2 + &deploy("web", 2) + &deploy("busy", 1);
        let owner = "  ownerReferences: [{kind: ReplicaSet, name: web-rs, controller: true}]\n";
        // pod_with writes the containers (without requests): the requests ride on an init
        // container, and the scheduler counts the larger of the two.
        let init = format!("  initContainers: [{{name: init, image: i, resources: {{requests: {{cpu: {web_cpu}, memory: 256Mi}}}}}}]\n");
        y += &pod_with("web-a", "web", "n1", true, owner, &init, "Running");
        y += &pod_with("web-b", "web", "n1", true, owner, &init, "Running");
        let busy_owner =
            "  ownerReferences: [{kind: ReplicaSet, name: busy-rs, controller: true}]\n";
        y += &pod_with(
            "busy-a",
            "busy",
            "n2",
            true,
            busy_owner,
            "  initContainers: [{name: init, image: i, resources: {requests: {cpu: 800m}}}]\n",
            "Running",
        );
        y + &pdb("web", "web", "  maxUnavailable: 1\n")
    };
    for (cpu, web, want) in [
        ("1", "100m", Action::Wait),
        ("1", "500m", Action::Blocked),
        ("2", "500m", Action::Wait),
        // A memory-only squeeze: 256Mi fits in 2Gi.
        ("1", "200m", Action::Wait),
    ] {
        let snap = load(&cluster(cpu, web));
        let r = drain(&snap, "n1", Options::default());
        assert_eq!(
            action_of(&snap, &r, "web-b"),
            want,
            "allocatable {cpu}, web requests {web}"
        );
    }
}
