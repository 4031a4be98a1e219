//! Tests of `fastyaml.rs`.

use super::from_str;
use std::collections::BTreeMap;

#[derive(serde::Deserialize, Debug, PartialEq, Default)]
#[serde(default)]
struct Doc {
    kind: String,
    spec: BTreeMap<String, serde_json::Value>,
}

#[test]
fn block_and_flow() {
    let d: Doc = from_str(
            "kind: Deployment\nspec:\n  replicas: 3\n  ports:\n  - name: http # the port\n    port: 80\n  - {name: 'a''b', port: \"8\\u0041\"}\n  labels: {app: web, tier: [a, b]}\n  empty:\n  quoted: \"x\"\n",
        )
        .expect("fast path");
    assert_eq!(d.kind, "Deployment");
    assert_eq!(d.spec["replicas"], serde_json::json!(3));
    assert_eq!(
        d.spec["ports"],
        serde_json::json!([{"name": "http", "port": 80}, {"name": "a'b", "port": "8A"}])
    );
    assert_eq!(
        d.spec["labels"],
        serde_json::json!({"app": "web", "tier": ["a", "b"]})
    );
    assert_eq!(d.spec["empty"], serde_json::Value::Null);
}

#[test]
fn gives_up_outside_the_subset() {
    for text in [
        "kind: a\nspec: &x {}\n",
        "kind: a\nspec:\n  script: |\n    echo\n",
        "kind: a\nspec:\n  note: first\n    second\n",
        "kind: a\nspec: {a: [1,\n  2]}\n",
        "kind: a\nspec:\n  flag: yes\n",
        "kind: a\nspec:\n  mode: 0644\n",
        "- a\n- b\n",
        "kind: a\nspec:\n  x: \"open\n",
    ] {
        assert!(from_str::<Doc>(text).is_err(), "{text}");
    }
}

#[test]
fn plain_scalars_the_fast_path_reads_and_those_it_leaves() {
    // Read as text: a colon not followed by a space, a dot that is not a number's.
    for (text, want) in [
        ("image: nginx:1.27\n", "nginx:1.27"),
        ("image: a.b.c\n", "a.b.c"),
        ("image: 1.2.3\n", "1.2.3"),
        ("image: http://x/y\n", "http://x/y"),
    ] {
        let v: serde_json::Value = from_str(text).unwrap_or_else(|_| panic!("{text}"));
        assert_eq!(v["image"], want, "{text}");
    }
    // Numbers, where every YAML schema agrees.
    let v: serde_json::Value = from_str("a: 12\nb: -3\nc: 1.5\n").expect("numbers");
    assert_eq!(v, serde_json::json!({"a": 12, "b": -3, "c": 1.5}));
    // Left to the full parser: a key inside the value, a trailing colon, a tab, spellings some
    // schema reads as a number or a special float.
    for text in [
        "image: a: b\n",
        "image: a:\n",
        "image: a\tb\n",
        "image: 0x1F\n",
        "image: 1e3\n",
        "image: .Inf\n",
        "image: -.NaN\n",
        "image: 1_000\n",
        "image: 1:30\n",
    ] {
        assert!(from_str::<serde_json::Value>(text).is_err(), "{text:?}");
    }
}
