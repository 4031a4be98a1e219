//! NetworkPolicy reachability: a truth-table suite in the style of the upstream Kubernetes e2e
//! NetworkPolicy tests (namespaces x, y, z; pods a, b, c; ports 80 and 81 over TCP, UDP and
//! SCTP), the netpol-recipes with their documented outcomes, and the `kvet reach` command.
//!
//! Every expected matrix is written by hand from the API documentation ("Network Policies" and
//! the NetworkPolicySpec reference): a closure over (from, to) that says what the documentation
//! says, never a result copied from kvet.

use crate::support::{corpus, load};
use kvet::netpol::{classes, resolve, Endpoint, Engine, Protocol};
use std::fmt::Write as _;
use std::path::Path;

const NAMESPACES: [&str; 3] = ["x", "y", "z"];
const PODS: [&str; 3] = ["a", "b", "c"];

/// The e2e cluster: namespaces labelled `ns: <name>` (the API server adds
/// `kubernetes.io/metadata.name`, which the manifests here leave out on purpose), pods labelled
/// `pod: <name>`, each serving 80 and 81 over TCP, UDP and SCTP on named ports `serve-PORT-PROTO`.
pub(crate) fn cluster() -> String {
    let mut s = String::new();
    for ns in NAMESPACES {
        let _ = write!(
            s,
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: \"{ns}\"\n  labels:\n    ns: \"{ns}\"\n---\n"
        );
        for pod in PODS {
            let _ = write!(
                s,
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {pod}\n  namespace: \"{ns}\"\n  labels:\n    pod: {pod}\nspec:\n  containers:\n"
            );
            for port in [80, 81] {
                for proto in ["TCP", "UDP", "SCTP"] {
                    let _ = write!(
                        s,
                        "  - name: c{port}-{p}\n    image: agnhost\n    ports:\n    - name: serve-{port}-{p}\n      containerPort: {port}\n      protocol: {proto}\n",
                        p = proto.to_ascii_lowercase()
                    );
                }
            }
            s.push_str("---\n");
        }
    }
    s
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct P {
    pub ns: &'static str,
    pub pod: &'static str,
}

/// Loads the cluster plus `policies` and compares the whole 9×9 matrix on one port.
pub(crate) fn check(
    name: &str,
    policies: &str,
    port: u16,
    proto: Protocol,
    expect: impl Fn(P, P) -> bool,
) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("cluster.yaml");
    std::fs::write(&file, format!("{}{policies}", cluster())).expect("write");
    let loaded = load(&file);
    assert!(loaded.errors.is_empty(), "{name}: {:?}", loaded.errors);
    let snap = &loaded.snapshot;
    let engine = Engine::new(snap);
    let pods = classes(snap, None);
    assert_eq!(pods.len(), 9, "{name}: the nine pods");
    let mut wrong = Vec::new();
    let mut grid = String::new();
    // The bitset matrix (kvet reach --matrix) must say what decide says, cell by cell.
    let fast = kvet::netpol::matrix::matrix(&engine, &pods, port, proto);
    for (i, from) in pods.iter().enumerate() {
        for (j, to) in pods.iter().enumerate() {
            let (f, t) = (split(&from.name), split(&to.name));
            let got = engine
                .decide(
                    &Endpoint::Pod(from.clone()),
                    &Endpoint::Pod(to.clone()),
                    port,
                    proto,
                )
                .allowed;
            assert_eq!(
                fast.allowed(i, j),
                got,
                "{name} on {port}/{proto}: the matrix and decide differ on {} → {}",
                from.name,
                to.name
            );
            let want = expect(f, t);
            grid.push(match (got, want) {
                (true, true) => 'X',
                (false, false) => '.',
                (true, false) => '+',
                (false, true) => '-',
            });
            if got != want {
                wrong.push(format!(
                    "{} → {}: kvet {got}, expected {want}",
                    from.name, to.name
                ));
            }
        }
        grid.push('\n');
    }
    assert!(
        wrong.is_empty(),
        "{name} on {port}/{proto}: (X allowed, . denied, + kvet allows wrongly, - kvet denies wrongly)\n{grid}{}",
        wrong.join("\n")
    );
}

fn split(name: &str) -> P {
    let (ns, pod) = name.split_once('/').unwrap_or(("", ""));
    let ns = NAMESPACES.into_iter().find(|n| *n == ns).unwrap_or("?");
    let pod = PODS.into_iter().find(|p| *p == pod).unwrap_or("?");
    P { ns, pod }
}

pub(crate) fn policy(ns: &str, name: &str, spec: &str) -> String {
    format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {name}\n  namespace: \"{ns}\"\nspec:\n{spec}---\n"
    )
}

pub(crate) const TCP: Protocol = Protocol::Tcp;
pub(crate) const UDP: Protocol = Protocol::Udp;
const SCTP: Protocol = Protocol::Sctp;

pub(crate) fn is(p: P, ns: &str, pod: &str) -> bool {
    p.ns == ns && p.pod == pod
}

#[test]
fn without_policies_everything_is_allowed() {
    for proto in [TCP, UDP, SCTP] {
        check("no policy", "", 80, proto, |_, _| true);
    }
}

#[test]
fn default_deny_ingress_isolates_only_its_namespace() {
    let p = policy("x", "deny", "  podSelector: {}\n  policyTypes: [Ingress]\n");
    check("deny ingress x", &p, 80, TCP, |_, t| t.ns != "x");
    check("deny ingress x, udp", &p, 81, UDP, |_, t| t.ns != "x");
}

#[test]
fn a_policy_without_rules_or_types_isolates_for_ingress_only() {
    // policyTypes defaults to [Ingress] when there are no egress rules.
    let p = policy("x", "deny", "  podSelector: {}\n");
    check("implicit ingress", &p, 80, TCP, |_, t| t.ns != "x");
}

#[test]
fn egress_rules_without_policy_types_isolate_both_ways() {
    // Egress rules present and no policyTypes: [Ingress, Egress]. No ingress rule: ingress denied.
    let p = policy(
        "x",
        "egress-in-x",
        "  podSelector: {}\n  egress:\n  - to:\n    - podSelector: {}\n",
    );
    check("implicit both", &p, 80, TCP, |f, t| {
        let ingress = t.ns != "x";
        let egress = f.ns != "x" || t.ns == "x";
        ingress && egress
    });
}

#[test]
fn an_empty_ingress_rule_allows_everything() {
    let deny = policy("x", "deny", "  podSelector: {}\n  policyTypes: [Ingress]\n");
    let allow = policy(
        "x",
        "allow",
        "  podSelector: {}\n  policyTypes: [Ingress]\n  ingress:\n  - {}\n",
    );
    check(
        "deny + allow-all (union)",
        &format!("{deny}{allow}"),
        80,
        TCP,
        |_, _| true,
    );
    // An explicitly empty `from` is the same as an absent one: every source.
    let empty_from = policy(
        "x",
        "empty-from",
        "  podSelector: {}\n  policyTypes: [Ingress]\n  ingress:\n  - from: []\n",
    );
    check("from: []", &empty_from, 80, TCP, |_, _| true);
    // But an empty list of rules admits nothing.
    let no_rules = policy(
        "x",
        "no-rules",
        "  podSelector: {}\n  policyTypes: [Ingress]\n  ingress: []\n",
    );
    check("ingress: []", &no_rules, 80, TCP, |_, t| t.ns != "x");
}

#[test]
fn default_deny_egress_isolates_the_sources() {
    let p = policy(
        "x",
        "deny-egress",
        "  podSelector: {}\n  policyTypes: [Egress]\n",
    );
    check("deny egress x", &p, 80, TCP, |f, _| f.ns != "x");
    // policyTypes [Egress] only: ingress rules written beside are ignored for isolation.
    let q = policy(
        "y",
        "egress-only",
        "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - {}\n  ingress: []\n",
    );
    check("egress only type", &q, 80, TCP, |_, _| true);
}

#[test]
fn pod_selector_alone_means_the_policys_namespace() {
    let p = policy(
        "x",
        "a-from-b",
        "  podSelector:\n    matchLabels: {pod: a}\n  ingress:\n  - from:\n    - podSelector:\n        matchLabels: {pod: b}\n",
    );
    check("x/a from x/b", &p, 80, TCP, |f, t| {
        !is(t, "x", "a") || is(f, "x", "b")
    });
}

#[test]
fn namespace_selector_alone_means_every_pod_there() {
    let p = policy(
        "x",
        "a-from-y",
        "  podSelector:\n    matchLabels: {pod: a}\n  ingress:\n  - from:\n    - namespaceSelector:\n        matchLabels: {ns: \"y\"}\n",
    );
    check("x/a from ns y", &p, 80, TCP, |f, t| {
        !is(t, "x", "a") || f.ns == "y"
    });
}

#[test]
fn both_selectors_in_one_peer_must_both_hold() {
    let p = policy(
        "x",
        "a-from-y-c",
        "  podSelector:\n    matchLabels: {pod: a}\n  ingress:\n  - from:\n    - namespaceSelector:\n        matchLabels: {ns: \"y\"}\n      podSelector:\n        matchLabels: {pod: c}\n",
    );
    check("AND", &p, 80, TCP, |f, t| {
        !is(t, "x", "a") || is(f, "y", "c")
    });
}

#[test]
fn two_peers_are_either() {
    let p = policy(
        "x",
        "a-from-y-or-c",
        "  podSelector:\n    matchLabels: {pod: a}\n  ingress:\n  - from:\n    - namespaceSelector:\n        matchLabels: {ns: \"y\"}\n    - podSelector:\n        matchLabels: {pod: c}\n",
    );
    check("OR", &p, 80, TCP, |f, t| {
        !is(t, "x", "a") || f.ns == "y" || is(f, "x", "c")
    });
}

#[test]
fn the_namespace_name_label_is_there_without_being_written() {
    let p = policy(
        "x",
        "from-z",
        "  podSelector: {}\n  ingress:\n  - from:\n    - namespaceSelector:\n        matchLabels: {kubernetes.io/metadata.name: z}\n",
    );
    check("metadata.name", &p, 80, TCP, |f, t| {
        t.ns != "x" || f.ns == "z"
    });
}

#[test]
fn an_empty_namespace_selector_means_every_namespace() {
    let p = policy(
        "x",
        "from-any-b",
        "  podSelector: {}\n  ingress:\n  - from:\n    - namespaceSelector: {}\n      podSelector:\n        matchLabels: {pod: b}\n",
    );
    check("any ns, pod b", &p, 80, TCP, |f, t| {
        t.ns != "x" || f.pod == "b"
    });
}

#[test]
fn selector_expressions() {
    let p = policy(
        "x",
        "exprs",
        "  podSelector:\n    matchExpressions:\n    - {key: pod, operator: In, values: [a, b]}\n  ingress:\n  - from:\n    - podSelector:\n        matchExpressions:\n        - {key: pod, operator: NotIn, values: [a, b]}\n",
    );
    check("In / NotIn", &p, 80, TCP, |f, t| {
        !(t.ns == "x" && (t.pod == "a" || t.pod == "b")) || is(f, "x", "c")
    });
    let q = policy(
        "x",
        "not-x",
        "  podSelector: {}\n  ingress:\n  - from:\n    - namespaceSelector:\n        matchExpressions:\n        - {key: ns, operator: NotIn, values: [\"x\"]}\n",
    );
    check("namespace NotIn", &q, 80, TCP, |f, t| {
        t.ns != "x" || f.ns != "x"
    });
    let r = policy(
        "x",
        "exists",
        "  podSelector: {}\n  ingress:\n  - from:\n    - namespaceSelector:\n        matchExpressions:\n        - {key: team, operator: Exists}\n",
    );
    check(
        "namespace Exists (no namespace has it)",
        &r,
        80,
        TCP,
        |_, t| t.ns != "x",
    );
}

#[test]
fn policies_of_one_namespace_do_not_touch_another() {
    let p = policy(
        "y",
        "deny",
        "  podSelector: {}\n  policyTypes: [Ingress, Egress]\n",
    );
    check("deny all in y", &p, 80, TCP, |f, t| {
        f.ns != "y" && t.ns != "y"
    });
}

#[test]
fn policies_add_up() {
    let p = format!(
        "{}{}",
        policy(
            "x",
            "a-from-b",
            "  podSelector:\n    matchLabels: {pod: a}\n  ingress:\n  - from:\n    - podSelector:\n        matchLabels: {pod: b}\n",
        ),
        policy(
            "x",
            "a-from-z",
            "  podSelector:\n    matchLabels: {pod: a}\n  ingress:\n  - from:\n    - namespaceSelector:\n        matchLabels: {ns: z}\n",
        )
    );
    check("union", &p, 80, TCP, |f, t| {
        !is(t, "x", "a") || is(f, "x", "b") || f.ns == "z"
    });
}

#[test]
fn both_ends_must_allow() {
    let p = format!(
        "{}{}",
        policy("x", "deny-egress", "  podSelector: {}\n  policyTypes: [Egress]\n"),
        policy(
            "y",
            "allow-from-x",
            "  podSelector: {}\n  ingress:\n  - from:\n    - namespaceSelector:\n        matchLabels: {ns: x}\n",
        )
    );
    check("egress denied wins", &p, 80, TCP, |f, t| {
        let egress = f.ns != "x";
        let ingress = t.ns != "y" || f.ns == "x";
        egress && ingress
    });
}

#[test]
fn numeric_ports_and_protocols() {
    let p = policy(
        "x",
        "tcp80",
        "  podSelector: {}\n  ingress:\n  - ports:\n    - port: 80\n",
    );
    // No protocol given: TCP.
    check("80 TCP", &p, 80, TCP, |_, _| true);
    check("81 TCP", &p, 81, TCP, |_, t| t.ns != "x");
    check("80 UDP", &p, 80, UDP, |_, t| t.ns != "x");
    check("80 SCTP", &p, 80, SCTP, |_, t| t.ns != "x");
    let s = policy(
        "x",
        "sctp80",
        "  podSelector: {}\n  ingress:\n  - ports:\n    - {protocol: SCTP, port: 80}\n",
    );
    check("SCTP 80", &s, 80, SCTP, |_, _| true);
    check("SCTP 80, TCP asked", &s, 80, TCP, |_, t| t.ns != "x");
}

#[test]
fn a_port_entry_without_a_port_is_every_port_of_its_protocol() {
    let p = policy(
        "x",
        "udp-any",
        "  podSelector: {}\n  ingress:\n  - ports:\n    - protocol: UDP\n",
    );
    check("UDP 80", &p, 80, UDP, |_, _| true);
    check("UDP 81", &p, 81, UDP, |_, _| true);
    check("TCP 81", &p, 81, TCP, |_, t| t.ns != "x");
}

#[test]
fn end_port_makes_a_range() {
    let p = policy(
        "x",
        "range",
        "  podSelector: {}\n  ingress:\n  - ports:\n    - {protocol: TCP, port: 79, endPort: 80}\n",
    );
    check("79-80 has 80", &p, 80, TCP, |_, _| true);
    check("79-80 lacks 81", &p, 81, TCP, |_, t| t.ns != "x");
}

#[test]
fn named_ports_resolve_on_the_destination() {
    let p = policy(
        "x",
        "named",
        "  podSelector: {}\n  ingress:\n  - ports:\n    - {protocol: UDP, port: serve-81-udp}\n",
    );
    check("named UDP 81", &p, 81, UDP, |_, _| true);
    check("named, UDP 80", &p, 80, UDP, |_, t| t.ns != "x");
    check("named, TCP 81", &p, 81, TCP, |_, t| t.ns != "x");
    // Egress with a named port: the name is looked up on the destination pod.
    let q = policy(
        "x",
        "egress-named",
        "  podSelector:\n    matchLabels: {pod: a}\n  policyTypes: [Egress]\n  egress:\n  - ports:\n    - {port: serve-80-tcp}\n",
    );
    check("egress named 80", &q, 80, TCP, |_, _| true);
    check("egress named, 81", &q, 81, TCP, |f, _| !is(f, "x", "a"));
    // A name no container declares matches nothing.
    let r = policy(
        "x",
        "unknown-name",
        "  podSelector: {}\n  ingress:\n  - ports:\n    - {port: nope}\n",
    );
    check("unknown name", &r, 80, TCP, |_, t| t.ns != "x");
}

#[test]
fn egress_to_pods_of_the_same_namespace() {
    let p = policy(
        "x",
        "a-to-b",
        "  podSelector:\n    matchLabels: {pod: a}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - podSelector:\n        matchLabels: {pod: b}\n",
    );
    check("x/a to x/b only", &p, 80, TCP, |f, t| {
        !is(f, "x", "a") || is(t, "x", "b")
    });
}

#[test]
fn egress_to_other_namespaces_on_one_port() {
    let p = policy(
        "x",
        "to-y-81",
        "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - namespaceSelector:\n        matchLabels: {ns: \"y\"}\n    ports:\n    - {protocol: UDP, port: 81}\n",
    );
    check("to y, UDP 81", &p, 81, UDP, |f, t| {
        f.ns != "x" || t.ns == "y"
    });
    check("to y, UDP 80", &p, 80, UDP, |f, _| f.ns != "x");
}

#[test]
fn a_pod_selector_that_matches_nothing_isolates_nothing() {
    let p = policy(
        "x",
        "nobody",
        "  podSelector:\n    matchLabels: {pod: d}\n  policyTypes: [Ingress, Egress]\n",
    );
    check("selects nothing", &p, 80, TCP, |_, _| true);
}

#[test]
fn ip_blocks_match_addresses_with_except_and_masking() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("c.yaml");
    let p = policy(
        "x",
        "egress-ip",
        "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - ipBlock:\n        cidr: 10.1.2.3/8\n        except: [10.9.0.0/16]\n    - ipBlock:\n        cidr: 2001:db8::/32\n",
    );
    std::fs::write(&file, format!("{}{p}", cluster())).expect("write");
    let loaded = load(&file);
    let snap = &loaded.snapshot;
    let engine = Engine::new(snap);
    let from = resolve(snap, "x/a", 443).expect("x/a");
    let reach = |to: &str| {
        let to = resolve(snap, to, 443).expect("address");
        engine.decide(&from[0].0, &to[0].0, 443, TCP).allowed
    };
    // Host bits in 10.1.2.3/8 are masked: the block is 10.0.0.0/8.
    assert!(reach("10.200.0.1"));
    assert!(!reach("10.9.1.1"), "except");
    assert!(!reach("192.0.2.1"));
    assert!(reach("2001:db8:1::5"));
    assert!(!reach("2001:db9::5"));
    // These pods have no status.podIP, so no ipBlock names them: x/a → y/a is denied.
    let y = resolve(snap, "y/a", 443).expect("y/a");
    assert!(!engine.decide(&from[0].0, &y[0].0, 443, TCP).allowed);
    // An address as the source: only the destination's ingress side decides.
    let ext = resolve(snap, "203.0.113.9", 80).expect("address");
    assert!(engine.decide(&ext[0].0, &from[0].0, 80, TCP).allowed);
}

/// One line of a recipe's expected.md.
struct Expectation {
    allow: bool,
    from: String,
    to: String,
    proto: Protocol,
    port: u16,
    only: Option<String>,
    line: String,
}

fn expectations(text: &str) -> Vec<Expectation> {
    text.lines()
        .filter(|l| l.starts_with("- ALLOW") || l.starts_with("- DENY"))
        .map(|l| {
            let f: Vec<&str> = l[2..].split('|').map(str::trim).collect();
            let (proto, port) = f[3].split_once('/').unwrap_or(("TCP", "0"));
            let only = f
                .get(4)
                .and_then(|n| n.strip_prefix('['))
                .and_then(|n| n.split_once(']'))
                .map(|(file, _)| file.to_string());
            Expectation {
                allow: f[0] == "ALLOW",
                from: f[1].trim_start_matches("external:").to_string(),
                to: f[2].trim_start_matches("external:").to_string(),
                proto: Protocol::parse(proto).unwrap_or(Protocol::Tcp),
                port: port.parse().unwrap_or(0),
                only,
                line: l.to_string(),
            }
        })
        .collect()
}

/// The manifests of the recipe's `Apply:` line, in order.
fn applied(dir: &Path, text: &str) -> Vec<String> {
    let line = text
        .lines()
        .find(|l| l.contains("Apply: "))
        .unwrap_or_default();
    let apply = line.split("Apply: ").nth(1).unwrap_or_default();
    let apply = apply.split("; load").next().unwrap_or_default();
    apply
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|f| {
            let f = f.split_whitespace().next().unwrap_or_default();
            std::fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"))
        })
        .collect()
}

#[test]
fn every_netpol_recipe_agrees_with_its_documented_outcome() {
    let root = corpus().join("netpol-recipes");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("recipes")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 14, "{dirs:?}");
    let mut checked = 0;
    let mut wrong = Vec::new();
    for dir in &dirs {
        let text = std::fs::read_to_string(dir.join("expected.md")).expect("expected.md");
        let scenario = std::fs::read_to_string(dir.join("scenario.yaml")).expect("scenario");
        for e in expectations(&text) {
            let policies = match &e.only {
                Some(f) => vec![std::fs::read_to_string(dir.join(f)).expect("tagged manifest")],
                None => applied(dir, &text),
            };
            let tmp = tempfile::tempdir().expect("tempdir");
            let file = tmp.path().join("recipe.yaml");
            let mut all = scenario.clone();
            for p in &policies {
                all.push_str("\n---\n");
                all.push_str(p);
            }
            std::fs::write(&file, all).expect("write");
            let loaded = load(&file);
            let snap = &loaded.snapshot;
            let engine = Engine::new(snap);
            let from =
                resolve(snap, &e.from, e.port).unwrap_or_else(|m| panic!("{}: {m}", dir.display()));
            let to =
                resolve(snap, &e.to, e.port).unwrap_or_else(|m| panic!("{}: {m}", dir.display()));
            let v = engine.decide(&from[0].0, &to[0].0, to[0].1, e.proto);
            checked += 1;
            if v.allowed != e.allow {
                wrong.push(format!(
                    "{}: {}\n  kvet: {:?}",
                    dir.file_name().unwrap_or_default().to_string_lossy(),
                    e.line,
                    v
                ));
            }
        }
    }
    assert!(checked >= 30, "only {checked} expectations read");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn reach_answers_with_the_deciding_policies_and_its_exit_code() {
    let run = |args: &[&str]| {
        assert_cmd::Command::cargo_bin("kvet")
            .expect("binary")
            .arg("--demo")
            .arg("reach")
            .args(args)
            .output()
            .expect("run")
    };
    // storefront/checkout → payments/api through the Service: payments admits it, but
    // storefront's default-deny egress does not let it out.
    let out = run(&[
        "--from",
        "deploy/storefront/checkout",
        "--to",
        "svc/payments/api",
        "--port",
        "80",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.starts_with("DENY  storefront/checkout → payments/api:8080/TCP"),
        "{text}"
    );
    assert!(
        text.contains("admitted by payments/api-from-storefront (ingress rule 1)"),
        "{text}"
    );
    assert!(
        text.contains("egress  storefront/checkout: isolated by storefront/default-deny"),
        "{text}"
    );
    let json = run(&[
        "--from",
        "deploy/storefront/checkout",
        "--to",
        "deploy/payments/api",
        "--port",
        "8080",
        "-o",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(v["allowed"], false);
    assert_eq!(
        v["ingress"]["allowed_by"][0],
        "payments/api-from-storefront"
    );
    assert_eq!(v["egress"]["isolated"], true);
    assert_eq!(v["protocol"], "TCP");
    // The matrix: square, named rows.
    let m = run(&[
        "--matrix",
        "--port",
        "8080",
        "-n",
        "storefront",
        "-o",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&m.stdout).expect("json");
    let pods = v["pods"].as_array().expect("pods");
    let rows = v["allowed"].as_array().expect("rows");
    assert!(pods.len() >= 5 && rows.len() == pods.len());
    assert!(rows
        .iter()
        .all(|r| r.as_array().map(Vec::len) == Some(pods.len())));
    // Usage errors say what to write.
    let bad = run(&["--from", "x", "--to", "y", "--port", "1"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("expected NS/POD, deploy/NS/NAME"));
}

#[test]
fn sock_shop_policies_as_the_api_reads_them() {
    let dir = corpus().join("sock-shop/deploy/kubernetes");
    let (findings, loaded) = crate::support::audit_path(
        &dir,
        Some(&[
            "netpol-no-default-deny",
            "netpol-selects-nothing",
            "netpol-blocks-dns",
        ]),
    );
    let snap = &loaded.snapshot;
    // cart-access selects `name: cart`; the pods are labelled `name: carts`.
    assert!(
        findings.iter().any(|f| f.check == "netpol-selects-nothing"
            && &*f.object.name == "cart-access"
            && f.message.contains("podSelector name=cart matches no pod")),
        "{findings:#?}"
    );
    // The namespace's pre-v1 annotation is not what isolates it: cortex-access has an empty
    // podSelector (`matchLabels:` with nothing under it), so it selects every pod of sock-shop
    // for Ingress and admits only `name: cortex`. By the API, sock-shop is default-deny, and
    // carts is closed even to front-end, whose cart-access allowance selects nothing.
    assert!(
        !findings
            .iter()
            .any(|f| f.check == "netpol-no-default-deny" && &*f.object.name == "sock-shop"),
        "{findings:#?}"
    );
    let engine = Engine::new(snap);
    let front = resolve(snap, "deploy/sock-shop/front-end", 80).expect("front-end");
    let carts = resolve(snap, "deploy/sock-shop/carts", 80).expect("carts");
    let v = engine.decide(&front[0].0, &carts[0].0, 80, Protocol::Tcp);
    assert!(!v.allowed);
    assert!(v.ingress.isolated);
    assert_eq!(
        v.ingress.selected_by,
        vec!["sock-shop/cortex-access".to_string()]
    );
    // While catalogue-access does select the catalogue pods and admits front-end.
    let cat = resolve(snap, "deploy/sock-shop/catalogue", 80).expect("catalogue");
    let v = engine.decide(&front[0].0, &cat[0].0, 80, Protocol::Tcp);
    assert!(v.allowed, "{v:?}");
    assert_eq!(
        v.ingress.allowing_policies(),
        vec!["sock-shop/catalogue-access".to_string()]
    );
}

#[test]
fn the_pre_v1_isolation_annotation_is_named_as_ignored() {
    let file = crate::support::repo()
        .join("tests/fixtures/checks/netpol-no-default-deny/fail_beta_annotation.yaml");
    let (findings, _) = crate::support::audit_path(&file, Some(&["netpol-no-default-deny"]));
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert!(
        findings[0].message.contains(
            "its net.beta.kubernetes.io/network-policy annotation ({\"ingress\": {\"isolation\": \"DefaultDeny\"}}) is the pre-v1 isolation, ignored by every current release"
        ),
        "{}",
        findings[0].message
    );
    assert_eq!(findings[0].path, "/metadata/annotations");
}

#[test]
fn the_default_deny_fix_lists_the_traffic_it_would_cut() {
    let out = assert_cmd::Command::cargo_bin("kvet")
        .expect("binary")
        .args([
            "--demo",
            "fix",
            "--check",
            "netpol-no-default-deny",
            "--object",
            "ns/identity",
            "-o",
            "yaml",
        ])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    let yaml = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{err}");
    assert!(
        yaml.contains("kind: NetworkPolicy") && yaml.contains("podSelector: {}"),
        "{yaml}"
    );
    // identity/sessions is isolated by no policy today: every pod may reach its 8080.
    assert!(
        err.contains("identity/auth → identity/sessions:8080/TCP would be denied"),
        "{err}"
    );
    // identity/auth is already isolated (auth-from-everywhere): nothing to it is cut.
    assert!(!err.contains("→ identity/auth:"), "{err}");
    // The DNS fix for the payouts CronJob of payments.
    let out = assert_cmd::Command::cargo_bin("kvet")
        .expect("binary")
        .args([
            "--demo",
            "fix",
            "--check",
            "netpol-blocks-dns",
            "--object",
            "cj/payments/payouts",
            "-o",
            "yaml",
        ])
        .output()
        .expect("run");
    let yaml = String::from_utf8_lossy(&out.stdout);
    assert!(
        yaml.contains("name: payouts-allow-dns") && yaml.contains("k8s-app: kube-dns"),
        "{yaml}"
    );
}

#[test]
fn ip_blocks_match_pods_by_their_status_addresses() {
    let pod = |ns: &str, name: &str, ips: &[&str]| {
        let list: Vec<String> = ips.iter().map(|i| format!("{{ip: \"{i}\"}}")).collect();
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels: {{app: {name}}}\nspec:\n  containers:\n  - name: c\n    image: agnhost\n    ports: [{{containerPort: 80}}]\nstatus:\n  podIP: \"{}\"\n  podIPs: [{}]\n---\n",
            ips[0],
            list.join(", ")
        )
    };
    let text = format!(
        "{}{}{}{}",
        pod("shop", "web", &["10.1.0.5", "fd00::5"]),
        pod("shop", "admin", &["10.2.0.9"]),
        pod("ops", "probe", &["10.1.7.1"]),
        policy(
            "shop",
            "web-from-range",
            "  podSelector:\n    matchLabels: {app: web}\n  ingress:\n  - from:\n    - ipBlock:\n        cidr: 10.1.0.0/16\n        except: [10.1.7.0/24]\n    - ipBlock:\n        cidr: fd00::/64\n",
        )
    );
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("ips.yaml");
    std::fs::write(&file, text).expect("write");
    let loaded = load(&file);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let snap = &loaded.snapshot;
    let engine = Engine::new(snap);
    let reach = |from: &str| {
        let a = resolve(snap, from, 80).expect("from");
        let b = resolve(snap, "shop/web", 80).expect("to");
        engine.decide(&a[0].0, &b[0].0, 80, TCP).allowed
    };
    // web itself is inside 10.1.0.0/16 (and fd00::/64).
    assert!(reach("shop/web"));
    // admin's 10.2.0.9 is outside; probe's 10.1.7.1 is in the except.
    assert!(!reach("shop/admin"));
    assert!(!reach("ops/probe"));
    // Addresses work as before, IPv6 included.
    assert!(reach("fd00::7"));
    assert!(!reach("10.1.7.200"));
    // A snapshot saved and reopened keeps the addresses.
    let saved =
        serde_json::to_string(&kvet::model::encode::snapshot_list(snap, "test")).expect("json");
    let file2 = tmp.path().join("saved.json");
    std::fs::write(&file2, saved).expect("write");
    let again = load(&file2);
    let web = again
        .snapshot
        .pods
        .iter()
        .find(|p| &*p.meta.name == "web")
        .expect("web");
    assert_eq!(web.ips.len(), 2, "{:?}", web.ips);
}

/// `decide` for every pair, as the matrix must answer.
fn assert_matrix_is_decide(
    what: &str,
    snap: &kvet::model::Snapshot,
    port: u16,
    proto: Protocol,
) -> usize {
    let engine = Engine::new(snap);
    let pods = classes(snap, None);
    let fast = kvet::netpol::matrix::matrix(&engine, &pods, port, proto);
    let eps: Vec<Endpoint> = pods.iter().cloned().map(Endpoint::Pod).collect();
    let mut allowed = 0;
    for (i, a) in eps.iter().enumerate() {
        for (j, b) in eps.iter().enumerate() {
            let one = engine.decide(a, b, port, proto).allowed;
            assert_eq!(
                fast.allowed(i, j),
                one,
                "{what} {port}/{proto}: {} → {}",
                a.label(),
                b.label()
            );
            allowed += usize::from(one);
        }
    }
    allowed
}

#[test]
fn the_bitset_matrix_equals_decide_on_the_demo_a_synthetic_cluster_and_merged_classes() {
    let demo = kvet::source::demo::load().snapshot;
    for (port, proto) in [(8080, TCP), (53, UDP), (53, TCP), (9090, TCP), (443, TCP)] {
        let n = assert_matrix_is_decide("demo", &demo, port, proto);
        assert!(n > 0, "demo {port}/{proto}: nothing allowed");
    }
    let mut text = Vec::new();
    kvet::synth::write(&kvet::synth::Params::for_pods(3_000, 7), &mut text).expect("synth");
    let tmp = tempfile::tempdir().expect("tmp");
    let file = tmp.path().join("synth.yaml");
    std::fs::write(&file, &text).expect("write");
    let synth = load(&file).snapshot;
    // Only the team's namespaces reach 8080; the synthetic cluster has no DNS pods.
    assert!(assert_matrix_is_decide("synth", &synth, 8080, TCP) > 0);
    assert_matrix_is_decide("synth", &synth, 53, UDP);
    // Blue and green: the same labels and ports in one namespace are one class.
    let twin = |name: &str| {
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: shop\nspec:\n  selector:\n    matchLabels: {{app: web}}\n  template:\n    metadata:\n      labels: {{app: web}}\n    spec:\n      containers:\n      - name: c\n        image: web:1\n        ports:\n        - {{name: http, containerPort: 8080}}\n---\n")
    };
    let set = format!(
        "{}{}{}{}",
        twin("web-blue"),
        twin("web-green"),
        policy("shop", "web", "  podSelector:\n    matchLabels: {app: web}\n  ingress:\n  - ports:\n    - port: http\n"),
        twin("api").replace("app: web", "app: api"),
    );
    std::fs::write(&file, set).expect("write");
    let snap = load(&file).snapshot;
    let engine = Engine::new(&snap);
    let pods = classes(&snap, None);
    assert_eq!(pods.len(), 3);
    assert_eq!(
        kvet::netpol::matrix::matrix(&engine, &pods, 8080, TCP).merged,
        2
    );
    assert_eq!(assert_matrix_is_decide("twins", &snap, 8080, TCP), 9);
    assert_eq!(assert_matrix_is_decide("twins", &snap, 9090, TCP), 3);
}

/// One cell of a verdict matrix, as the live comparisons check it: the ends, the verdict, the
/// policies that admit it on each side, and the tier that decides the ingress side and why.
pub(crate) type Cell = (
    String,
    String,
    bool,
    Vec<String>,
    Vec<String>,
    kvet::netpol::Tier,
    Option<String>,
);

/// Every pair of the classes `keep` picks, decided one by one.
pub(crate) fn verdicts(
    s: &kvet::model::Snapshot,
    keep: impl Fn(&kvet::netpol::PodClass) -> bool,
    port: u16,
    proto: Protocol,
) -> Vec<Cell> {
    let engine = Engine::new(s);
    let pods: Vec<Endpoint> = classes(s, None)
        .into_iter()
        .filter(|c| keep(c))
        .map(Endpoint::Pod)
        .collect();
    let mut out = Vec::new();
    for a in &pods {
        for b in &pods {
            let v = engine.decide(a, b, port, proto);
            out.push((
                a.label(),
                b.label(),
                v.allowed,
                v.ingress.allowing_policies(),
                v.egress.allowing_policies(),
                v.ingress.tier(),
                v.ingress.admin_reason("ingress"),
            ));
        }
    }
    out
}
