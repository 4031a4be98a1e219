//! The admin tiers: AdminNetworkPolicy and BaselineAdminNetworkPolicy
//! (policy.networking.k8s.io/v1alpha1) over the same x/y/z × a/b/c cluster as the
//! NetworkPolicy truth tables.
//!
//! Every expected matrix is written by hand from the network-policy-api reference (the
//! AdminNetworkPolicySpec and BaselineAdminNetworkPolicySpec field documentation): priorities
//! lower first, rules in written order, Allow and Deny final, Pass to the NetworkPolicies, the
//! baseline only for pods no NetworkPolicy isolates, peers without a known field failing closed.

use crate::netpol::{check, cluster, is, policy, P, TCP, UDP};
use crate::support::load;
use kvet::netpol::{classes, Endpoint, Engine, Tier};

fn anp(name: &str, priority: i64, spec: &str) -> String {
    format!(
        "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata:\n  name: {name}\nspec:\n  priority: {priority}\n{spec}---\n"
    )
}

fn banp(name: &str, spec: &str) -> String {
    format!(
        "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata:\n  name: {name}\nspec:\n{spec}---\n"
    )
}

const SUBJECT_X: &str = "  subject:\n    namespaces:\n      matchLabels: {ns: x}\n";
const SUBJECT_ALL: &str = "  subject:\n    namespaces: {}\n";
const NP_DENY_X: &str = "  podSelector: {}\n  policyTypes: [Ingress]\n";

fn deny_from_y_to_x() -> String {
    anp(
        "deny-y",
        10,
        &format!("{SUBJECT_X}  ingress:\n  - name: deny-y\n    action: Deny\n    from:\n    - namespaces:\n        matchLabels: {{ns: \"y\"}}\n"),
    )
}

#[test]
fn an_admin_deny_overrides_a_networkpolicy_allow() {
    let np = policy("x", "allow-all", "  podSelector: {}\n  ingress:\n  - {}\n");
    let set = format!("{np}{}", deny_from_y_to_x());
    check("ANP deny over NP allow", &set, 80, TCP, |f: P, t: P| {
        !(t.ns == "x" && f.ns == "y")
    });
}

#[test]
fn an_admin_allow_overrides_a_networkpolicy_deny() {
    let np = policy("x", "deny", NP_DENY_X);
    let allow = anp(
        "allow-z",
        10,
        &format!("{SUBJECT_X}  ingress:\n  - name: from-z\n    action: Allow\n    from:\n    - namespaces:\n        matchLabels: {{ns: z}}\n"),
    );
    check(
        "ANP allow over NP deny",
        &format!("{np}{allow}"),
        80,
        TCP,
        |f, t| t.ns != "x" || f.ns == "z",
    );
}

#[test]
fn the_lower_priority_value_is_checked_first() {
    let allow_y = |p| {
        anp("allow-y", p, &format!("{SUBJECT_X}  ingress:\n  - action: Allow\n    from:\n    - namespaces:\n        matchLabels: {{ns: \"y\"}}\n"))
    };
    let deny_all = |p| {
        anp(
            "deny-all",
            p,
            &format!(
                "{SUBJECT_X}  ingress:\n  - action: Deny\n    from:\n    - namespaces: {{}}\n"
            ),
        )
    };
    check(
        "allow at 5, deny at 10",
        &format!("{}{}", allow_y(5), deny_all(10)),
        80,
        TCP,
        |f, t| t.ns != "x" || f.ns == "y",
    );
    check(
        "allow at 20, deny at 10",
        &format!("{}{}", allow_y(20), deny_all(10)),
        80,
        TCP,
        |_, t| t.ns != "x",
    );
}

#[test]
fn within_a_policy_rules_are_checked_in_written_order() {
    let np = policy("x", "deny", NP_DENY_X);
    let ordered = anp(
        "ordered",
        1,
        &format!("{SUBJECT_X}  ingress:\n  - name: no-a\n    action: Deny\n    from:\n    - pods:\n        namespaceSelector: {{}}\n        podSelector:\n          matchLabels: {{pod: a}}\n  - name: rest\n    action: Allow\n    from:\n    - namespaces: {{}}\n"),
    );
    check(
        "deny a, then allow all",
        &format!("{np}{ordered}"),
        80,
        TCP,
        |f, t| t.ns != "x" || f.pod != "a",
    );
}

#[test]
fn pass_hands_the_decision_to_the_networkpolicies() {
    let pass = anp(
        "pass-y",
        1,
        &format!("{SUBJECT_X}  ingress:\n  - action: Pass\n    from:\n    - namespaces:\n        matchLabels: {{ns: \"y\"}}\n"),
    );
    // Checked after the Pass: it never sees y's traffic, and denies the rest.
    let deny = anp(
        "deny-rest",
        2,
        &format!("{SUBJECT_X}  ingress:\n  - action: Deny\n    from:\n    - namespaces: {{}}\n"),
    );
    let np = policy(
        "x",
        "from-y-b",
        "  podSelector: {}\n  ingress:\n  - from:\n    - namespaceSelector:\n        matchLabels: {ns: \"y\"}\n      podSelector:\n        matchLabels: {pod: b}\n",
    );
    check(
        "pass to NP",
        &format!("{pass}{deny}{np}"),
        80,
        TCP,
        |f, t| t.ns != "x" || is(f, "y", "b"),
    );
}

#[test]
fn pass_without_a_networkpolicy_goes_to_the_baseline() {
    let pass = anp(
        "pass-y",
        1,
        &format!("{SUBJECT_X}  ingress:\n  - action: Pass\n    from:\n    - namespaces:\n        matchLabels: {{ns: \"y\"}}\n"),
    );
    let base = banp(
        "default",
        &format!("{SUBJECT_ALL}  ingress:\n  - name: no-y\n    action: Deny\n    from:\n    - namespaces:\n        matchLabels: {{ns: \"y\"}}\n"),
    );
    check("pass to BANP", &format!("{pass}{base}"), 80, TCP, |f, _| {
        f.ns != "y"
    });
}

#[test]
fn the_baseline_yields_to_networkpolicies() {
    let base = banp(
        "default",
        &format!("{SUBJECT_ALL}  ingress:\n  - action: Deny\n    from:\n    - namespaces: {{}}\n"),
    );
    let np = policy(
        "x",
        "from-anywhere",
        "  podSelector: {}\n  ingress:\n  - from:\n    - namespaceSelector: {}\n",
    );
    check("BANP under NP", &format!("{base}{np}"), 80, TCP, |_, t| {
        t.ns == "x"
    });
}

#[test]
fn only_the_baseline_named_default_counts() {
    let base = banp(
        "other",
        &format!("{SUBJECT_ALL}  ingress:\n  - action: Deny\n    from:\n    - namespaces: {{}}\n"),
    );
    check("BANP not named default", &base, 80, TCP, |_, _| true);
}

#[test]
fn admin_egress_rules_with_port_numbers() {
    let deny = anp(
        "a-not-to-z-80",
        3,
        "  subject:\n    pods:\n      namespaceSelector: {}\n      podSelector:\n        matchLabels: {pod: a}\n  egress:\n  - action: Deny\n    to:\n    - namespaces:\n        matchLabels: {ns: z}\n    ports:\n    - portNumber: {protocol: TCP, port: 80}\n",
    );
    check("egress deny 80/TCP", &deny, 80, TCP, |f, t| {
        !(f.pod == "a" && t.ns == "z")
    });
    check("egress deny, 81/TCP", &deny, 81, TCP, |_, _| true);
    check("egress deny, 80/UDP", &deny, 80, UDP, |_, _| true);
}

#[test]
fn port_ranges_and_named_ports() {
    let deny = anp(
        "ports",
        3,
        &format!("{SUBJECT_X}  ingress:\n  - action: Deny\n    from:\n    - namespaces: {{}}\n    ports:\n    - portRange: {{protocol: TCP, start: 70, end: 80}}\n    - namedPort: serve-81-udp\n"),
    );
    check("range 70-80/TCP", &deny, 80, TCP, |_, t| t.ns != "x");
    check("range, 81/TCP", &deny, 81, TCP, |_, _| true);
    check("named 81/UDP", &deny, 81, UDP, |_, t| t.ns != "x");
    check("named, 80/UDP", &deny, 80, UDP, |_, _| true);
}

#[test]
fn a_peer_without_a_known_field_fails_closed() {
    // Deny (or Pass) with an unknown peer denies everything to the subject.
    let deny = anp(
        "unknown-deny",
        1,
        &format!("{SUBJECT_X}  ingress:\n  - action: Pass\n    from:\n    - futurePeer: {{}}\n"),
    );
    check("unknown peer, Pass", &deny, 80, TCP, |_, t| t.ns != "x");
    // Allow with an unknown peer matches nothing: the NetworkPolicy's deny stands.
    let allow = anp(
        "unknown-allow",
        1,
        &format!("{SUBJECT_X}  ingress:\n  - action: Allow\n    from:\n    - futurePeer: {{}}\n"),
    );
    let np = policy("x", "deny", NP_DENY_X);
    check(
        "unknown peer, Allow",
        &format!("{allow}{np}"),
        80,
        TCP,
        |_, t| t.ns != "x",
    );
}

#[test]
fn both_ends_still_must_allow() {
    // An admin egress Allow from x does not open y's ingress, which a NetworkPolicy isolates.
    let allow = anp(
        "x-out",
        1,
        "  subject:\n    namespaces:\n      matchLabels: {ns: x}\n  egress:\n  - action: Allow\n    to:\n    - namespaces: {}\n",
    );
    let np = policy("y", "deny", NP_DENY_X);
    check(
        "egress allow, ingress deny",
        &format!("{allow}{np}"),
        80,
        TCP,
        |_, t| t.ns != "y",
    );
}

#[test]
fn verdicts_name_the_deciding_tier_and_rule() {
    let np = policy("x", "allow-all", "  podSelector: {}\n  ingress:\n  - {}\n");
    let tmp = tempfile::tempdir().expect("tmp");
    let file = tmp.path().join("c.yaml");
    std::fs::write(&file, format!("{}{np}{}", cluster(), deny_from_y_to_x())).expect("write");
    let loaded = load(&file);
    let engine = Engine::new(&loaded.snapshot);
    let pods = classes(&loaded.snapshot, None);
    let pod = |n: &str| Endpoint::Pod(pods.iter().find(|p| p.name == n).cloned().expect("pod"));
    let v = engine.decide(&pod("y/a"), &pod("x/b"), 80, TCP);
    assert!(!v.allowed);
    assert_eq!(v.ingress.tier(), Tier::AdminNetworkPolicy);
    assert_eq!(
        v.ingress.admin_reason("ingress").as_deref(),
        Some("AdminNetworkPolicy/deny-y (priority 10) ingress rule 1 \"deny-y\" denies it")
    );
    let v = engine.decide(&pod("z/a"), &pod("x/b"), 80, TCP);
    assert!(v.allowed);
    assert_eq!(v.ingress.tier(), Tier::NetworkPolicy);
    let v = engine.decide(&pod("z/a"), &pod("y/b"), 80, TCP);
    assert_eq!(v.ingress.tier(), Tier::None);
    // The command says it too, in text and JSON.
    let run = |extra: &[&str]| {
        let f = file.display().to_string();
        let mut args = vec![
            "reach", "-f", &f, "--from", "y/a", "--to", "x/b", "--port", "80",
        ];
        args.extend_from_slice(extra);
        assert_cmd::Command::cargo_bin("kvet")
            .expect("bin")
            .args(&args)
            .output()
            .expect("run")
    };
    let out = run(&[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("ingress to x/b: AdminNetworkPolicy/deny-y (priority 10) ingress rule 1 \"deny-y\" denies it"),
        "{text}"
    );
    let v: serde_json::Value = serde_json::from_slice(&run(&["-o", "json"]).stdout).expect("json");
    assert_eq!(v["ingress"]["tier"], "AdminNetworkPolicy");
    assert_eq!(v["ingress"]["admin_rule"]["action"], "Deny");
    assert_eq!(v["ingress"]["admin_rule"]["priority"], 10);
    assert_eq!(v["egress"]["tier"], "none");
}

#[test]
fn the_network_view_lists_the_admin_tiers_and_traces_through_them() {
    use crate::tui::{code, key, screen};
    use kvet::tui::app::{App, View};
    use ratatui::crossterm::event::KeyCode;
    let pass_z = "  - name: pass-z\n    action: Pass\n    from:\n    - namespaces:\n        matchLabels: {ns: \"z\"}\n";
    let set = format!(
        "{}{}{}",
        deny_from_y_to_x().replace("---\n", &format!("{pass_z}---\n")),
        anp("twin", 10, "  subject:\n    namespaces: {}\n  egress:\n  - action: Allow\n    to:\n    - networks: [10.0.0.0/8]\n"),
        banp("default", &format!("{SUBJECT_ALL}  ingress:\n  - name: no-z\n    action: Deny\n    from:\n    - namespaces:\n        matchLabels: {{ns: \"z\"}}\n")),
    );
    let tmp = tempfile::tempdir().expect("tmp");
    let file = tmp.path().join("c.yaml");
    std::fs::write(&file, format!("{}{set}", cluster())).expect("write");
    let snap = std::sync::Arc::new(load(&file).snapshot);
    let mut app = App::new(
        snap,
        kvet::tui::keymap::KeyMap::defaults(),
        kvet::tui::theme::Theme::default_theme(),
    );
    app.update(key('4'));
    assert_eq!(app.view, View::Network);
    let _ = screen(&mut app, 200, 50);
    let row = |app: &App, n: &str| {
        app.network
            .pods
            .iter()
            .position(|p| p.name == n)
            .expect("row")
    };
    // Mark z/a as the source, then select x/b.
    let (za, xb) = (row(&app, "z/a"), row(&app, "x/b"));
    for _ in 0..za {
        app.update(code(KeyCode::Down));
    }
    app.update(code(KeyCode::Enter));
    for _ in xb..za {
        app.update(code(KeyCode::Up));
    }
    let text = screen(&mut app, 200, 50);
    for want in [
        "AdminNetworkPolicies deny-y, twin share priority 10",
        "AdminNetworkPolicy/deny-y (priority 10)",
        "ingress 1 \"deny-y\": Deny from namespaces ns=y on every port",
        "ingress 2 \"pass-z\": Pass from namespaces ns=z on every port",
        "BaselineAdminNetworkPolicy/default",
        "Ingress: no NetworkPolicy isolates it: the admin tiers above decide",
        // The verdict wraps at 200 columns.
        "z/a → x/b:80/TCP DENIED: AdminNetworkPolicy/deny-y (priority 10) ingress rule 2 \"pass-z\" passes it on; no",
        "NetworkPolicy isolates it, and BaselineAdminNetworkPolicy/default ingress rule 1 \"no-z\" denies it",
    ] {
        assert!(text.contains(want), "{want:?} not on screen:\n{text}");
    }
}

/// The admin tiers on the real API server: a minimal CRD for each kind
/// ([`crate::live::install_admin_crds`]), the policies created through it,
/// and kvet's verdicts from the live lists equal to its verdicts on the same manifests offline.
/// The subjects pick only this test's namespaces, so no other test's traffic changes.
#[test]
fn live_admin_tiers_equal_the_offline_verdicts_of_the_same_manifests() {
    use kvet::netpol::Protocol;
    use serde_json::json;
    let Some(kc) = crate::live::kubeconfig() else {
        return;
    };
    let ns = |n: &str| {
        json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": format!("anp-{n}"), "labels": {"anp-live": "yes", "tenant": n}}})
    };
    let deploy = |n: &str, pod: &str| {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": pod, "namespace": format!("anp-{n}")},
            "spec": {"replicas": 0, "selector": {"matchLabels": {"pod": pod}},
                "template": {"metadata": {"labels": {"pod": pod}},
                    "spec": {"containers": [{"name": "c", "image": "nginx:1.27.2",
                        "ports": [{"name": "http", "containerPort": 80}, {"name": "alt", "containerPort": 81}]}]}}}})
    };
    let tenant = |t: &str| json!({"matchLabels": {"anp-live": "yes", "tenant": t}});
    let mut docs = Vec::new();
    for n in ["x", "y", "z"] {
        docs.push(ns(n));
        for pod in ["a", "b"] {
            docs.push(deploy(n, pod));
        }
    }
    docs.extend([
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "deny", "namespace": "anp-y"},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}),
        json!({"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "AdminNetworkPolicy",
            "metadata": {"name": "anp-live-guard"},
            "spec": {"priority": 10, "subject": {"namespaces": tenant("x")},
                "ingress": [
                    {"name": "deny-y", "action": "Deny", "from": [{"namespaces": tenant("y")}]},
                    {"name": "pass-z", "action": "Pass", "from": [{"namespaces": tenant("z")}],
                        "ports": [{"portNumber": {"protocol": "TCP", "port": 80}}]}]}}),
        json!({"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "AdminNetworkPolicy",
            "metadata": {"name": "anp-live-open-b"},
            "spec": {"priority": 20,
                "subject": {"pods": {"namespaceSelector": {"matchLabels": {"anp-live": "yes"}}, "podSelector": {"matchLabels": {"pod": "b"}}}},
                "ingress": [{"name": "b-open", "action": "Allow",
                    "from": [{"namespaces": {"matchLabels": {"anp-live": "yes"}}}],
                    "ports": [{"portRange": {"protocol": "TCP", "start": 70, "end": 80}}, {"namedPort": "alt"}]}]}}),
        json!({"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "BaselineAdminNetworkPolicy",
            "metadata": {"name": "default"},
            "spec": {"subject": {"namespaces": {"matchLabels": {"anp-live": "yes"}}},
                "ingress": [{"name": "no-z", "action": "Deny", "from": [{"namespaces": tenant("z")}]}]}}),
    ]);
    let rt = crate::live_fixes::rt();
    let snap = rt.block_on(async {
        let conn = crate::live_fixes::connect(&kc).await;
        crate::live::install_admin_crds(&conn).await;
        crate::live_fixes::create_all(&conn, &docs).await;
        kvet::source::live::load(&conn).await.expect("load").0
    });
    assert_eq!(
        snap.admin_netpols
            .iter()
            .filter(|a| a.meta.name.starts_with("anp-live") || a.baseline)
            .count(),
        3,
        "the live lists hold the admin policies"
    );
    let text: String = docs.iter().map(|d| format!("{d}\n---\n")).collect();
    let tmp = tempfile::tempdir().expect("tmp");
    let file = tmp.path().join("anp.yaml");
    std::fs::write(&file, text).expect("write");
    let offline = load(&file).snapshot;
    let matrix = |s: &kvet::model::Snapshot, port: u16, proto: Protocol| {
        crate::netpol::verdicts(s, |c| c.namespace.starts_with("anp-"), port, proto)
    };
    let mut tiers = std::collections::BTreeSet::new();
    let mut compared = 0;
    for (port, proto) in [(80, TCP), (81, TCP), (80, UDP)] {
        let (live, off) = (matrix(&snap, port, proto), matrix(&offline, port, proto));
        assert_eq!(
            live.len(),
            36,
            "six workloads, both ways, on {port}/{proto}"
        );
        let differ: Vec<_> = live.iter().zip(&off).filter(|(a, b)| a != b).collect();
        assert!(differ.is_empty(), "{port}/{proto}: {differ:#?}");
        tiers.extend(live.iter().map(|c| (c.5, c.2)));
        compared += live.len();
    }
    // Every tier decided something, both ways where it can: the comparison is not vacuous.
    for want in [
        (Tier::AdminNetworkPolicy, false),
        (Tier::AdminNetworkPolicy, true),
        (Tier::NetworkPolicy, false),
        (Tier::BaselineAdminNetworkPolicy, false),
        (Tier::None, true),
    ] {
        assert!(tiers.contains(&want), "no {want:?} cell: {tiers:?}");
    }
    assert_eq!(compared, 108);
}

#[test]
fn the_workloads_details_name_the_admin_policies_of_the_demo() {
    use crate::tui::{code, demo_app, key, screen, typed};
    use ratatui::crossterm::event::KeyCode;
    let mut app = demo_app();
    app.update(key(':'));
    typed(&mut app, "deploy payments");
    app.update(code(KeyCode::Enter));
    app.update(code(KeyCode::Right));
    let text = screen(&mut app, 200, 50);
    assert!(
        text.contains("Admin policies  AdminNetworkPolicy/payments-guard (priority 10)"),
        "{text}"
    );
    // Storefront's workloads are no subject of it.
    app.update(key(':'));
    typed(&mut app, "deploy storefront");
    app.update(code(KeyCode::Enter));
    app.update(code(KeyCode::Right));
    let text = screen(&mut app, 200, 50);
    assert!(!text.contains("Admin policies"), "{text}");
}

#[test]
fn admin_egress_to_networks_matches_addresses_and_pod_addresses() {
    let deny = anp(
        "no-private",
        5,
        &format!("{SUBJECT_X}  egress:\n  - name: keep-dns\n    action: Allow\n    to:\n    - networks: [10.96.0.10/32]\n  - name: no-private\n    action: Deny\n    to:\n    - networks: [10.0.0.0/8, \"fd00::/8\"]\n"),
    );
    // y/b runs at 10.2.0.7: a pod inside the denied network.
    let cluster = cluster().replacen(
        "  name: b\n  namespace: \"y\"\n  labels:\n    pod: b\nspec:",
        "  name: b\n  namespace: \"y\"\n  labels:\n    pod: b\nstatus:\n  podIP: 10.2.0.7\nspec:",
        1,
    );
    assert!(cluster.contains("podIP: 10.2.0.7"));
    let tmp = tempfile::tempdir().expect("tmp");
    let file = tmp.path().join("c.yaml");
    std::fs::write(&file, format!("{cluster}{deny}")).expect("write");
    let snap = load(&file).snapshot;
    let engine = Engine::new(&snap);
    let pods = classes(&snap, None);
    let pod = |n: &str| Endpoint::Pod(pods.iter().find(|p| p.name == n).cloned().expect("pod"));
    let addr = |a: &str| Endpoint::Address(a.parse().expect("address"));
    let allowed = |from: &Endpoint, to: &Endpoint| engine.decide(from, to, 443, TCP).allowed;
    assert!(!allowed(&pod("x/a"), &addr("10.1.2.3")));
    assert!(!allowed(&pod("x/a"), &addr("fd00::1")));
    assert!(allowed(&pod("x/a"), &addr("192.168.1.1")));
    // The earlier Allow rule wins for the DNS service address.
    assert!(allowed(&pod("x/a"), &addr("10.96.0.10")));
    // Pods by their addresses: y/b is inside 10.0.0.0/8, y/a has no address known.
    assert!(!allowed(&pod("x/a"), &pod("y/b")));
    assert!(allowed(&pod("x/a"), &pod("y/a")));
    // Only x is the subject.
    assert!(allowed(&pod("z/a"), &addr("10.1.2.3")));
    let v = engine.decide(&pod("x/c"), &addr("10.1.2.3"), 443, TCP);
    assert_eq!(
        v.egress.admin_reason("egress").as_deref(),
        Some("AdminNetworkPolicy/no-private (priority 5) egress rule 2 \"no-private\" denies it")
    );
}
