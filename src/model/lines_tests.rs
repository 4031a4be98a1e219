//! Tests of `lines.rs`.

use super::*;

fn whole(text: &str) -> LineIndex {
    index_yaml(text, 1, Want::Whole).remove(0).1
}

const DEPLOY: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: cart
  labels:
    app: cart
spec:
  replicas: 3
  strategy: {type: Recreate}
  template:
    metadata:
      labels: {app: cart}
    spec:
      containers:
      - name: cart
        image: cart:1
        command: [\"/bin/cart\",
          \"--serve\"]
        resources:
          requests:
            cpu: 100m
        readinessProbe:
          httpGet: {path: /ready, port: http}
      - name: sidecar
        args: |
          - name: not-a-container
        livenessProbe:
          exec:
            command:
            - cat
";

#[test]
fn yaml_fields_have_their_lines() {
    let ix = whole(DEPLOY);
    assert_eq!(ix.exact(""), Some(1));
    assert_eq!(ix.exact("/metadata/name"), Some(4));
    assert_eq!(ix.exact("/metadata/labels"), Some(5));
    assert_eq!(ix.exact("/metadata/labels/app"), None, "labels are leaves");
    assert_eq!(ix.exact("/spec/strategy"), Some(9));
    assert_eq!(ix.exact("/spec/template/spec/containers/0"), Some(15));
    assert_eq!(ix.exact("/spec/template/spec/containers/0/name"), Some(15));
    assert_eq!(
        ix.exact("/spec/template/spec/containers/0/resources/requests/cpu"),
        Some(21)
    );
    assert_eq!(
        ix.exact("/spec/template/spec/containers/1/livenessProbe/exec/command/0"),
        None,
        "deeper than recorded"
    );
    assert_eq!(
        ix.line_of("/spec/template/spec/containers/1/livenessProbe/exec/command/0"),
        Some(29)
    );
    assert_eq!(
        ix.exact("/spec/template/spec/containers/0/resources"),
        Some(19)
    );
    assert_eq!(
        ix.exact("/spec/template/spec/containers/0/readinessProbe"),
        Some(22)
    );
    assert_eq!(ix.exact("/spec/template/spec/containers/1"), Some(24));
    assert_eq!(
        ix.exact("/spec/template/spec/containers/1/livenessProbe"),
        Some(27)
    );
    // The block scalar's text is not a container.
    assert_eq!(ix.exact("/spec/template/spec/containers/2"), None);
    // Unwritten pointers resolve to their nearest written ancestor.
    assert_eq!(
        ix.line_of("/spec/template/spec/containers/0/resources/limits"),
        Some(19)
    );
    assert_eq!(ix.line_of("/spec/strategy/rollingUpdate"), Some(9));
    assert_eq!(ix.line_of("/spec/minReadySeconds"), Some(7));
}

#[test]
fn compact_sequences_and_nested_items() {
    let text = "\
spec:
  containers:
  - name: a
    ports:
    - containerPort: 80
      name: http
  - name: b
  initContainers:
    - name: init
";
    let ix = whole(text);
    assert_eq!(ix.exact("/spec/containers/0"), Some(3));
    assert_eq!(ix.exact("/spec/containers/0/ports/0"), Some(5));
    assert_eq!(ix.exact("/spec/containers/0/ports/0/name"), Some(6));
    assert_eq!(ix.exact("/spec/containers/1"), Some(7));
    assert_eq!(ix.exact("/spec/initContainers"), Some(8));
    assert_eq!(ix.exact("/spec/initContainers/0"), Some(9));
}

#[test]
fn list_items_are_indexed_on_their_own() {
    let text = "\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata:
    name: a
- apiVersion: apps/v1
  kind: Deployment
  spec:
    replicas: 2
";
    let ix = index_yaml(text, 10, Want::Items(&[1]));
    assert_eq!(ix.len(), 1);
    assert_eq!(ix[0].0, Some(1));
    assert_eq!(ix[0].1.exact(""), Some(17));
    assert_eq!(ix[0].1.exact("/spec/replicas"), Some(20));
}

#[test]
fn json_fields_have_their_lines() {
    let text = "{\n  \"kind\": \"Deployment\",\n  \"spec\": {\n    \"template\": {\"spec\": {\n      \"containers\": [\n        {\"name\": \"a\"},\n        {\n          \"name\": \"b\",\n          \"resources\": {}\n        }\n      ]\n    }}\n  }\n}\n";
    let ix = index_json(text, 5, Want::Whole).remove(0).1;
    assert_eq!(ix.exact(""), Some(5));
    assert_eq!(ix.exact("/kind"), Some(6));
    assert_eq!(ix.exact("/spec/template/spec/containers/0"), Some(10));
    assert_eq!(ix.exact("/spec/template/spec/containers/1"), Some(11));
    assert_eq!(
        ix.exact("/spec/template/spec/containers/1/resources"),
        Some(13)
    );
}

#[test]
fn quoted_keys_and_multiline_quotes() {
    let text = "\
metadata:
  \"name\": x
  annotations:
    note: \"a long
      text: still the note\"
spec:
  replicas: 1
";
    let ix = whole(text);
    assert_eq!(ix.exact("/metadata/name"), Some(2));
    assert_eq!(ix.exact("/spec/replicas"), Some(7));
}

#[test]
fn byte_scans_agree_with_str_find() {
    for s in [
        "",
        "a",
        ":",
        "#",
        " #",
        "key: value",
        "key:value: x",
        "url: http://x:80/#frag # note",
        "a:b:c:",
        "été: ça # é",
        "#start",
        "x #a #b",
        "  : ",
    ] {
        assert_eq!(super::find_key_end(s), s.find(": "), "{s:?}");
        assert_eq!(super::find_comment(s), s.find(" #"), "{s:?}");
        assert_eq!(
            super::flow_balance(s),
            s.chars()
                .take_while(|&c| c != '#')
                .map(|c| match c {
                    '[' | '{' => 1,
                    ']' | '}' => -1,
                    _ => 0,
                })
                .sum::<i32>(),
            "{s:?}"
        );
    }
}
