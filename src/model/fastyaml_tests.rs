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
