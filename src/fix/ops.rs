//! Building RFC 6902 patches that assume nothing silently: every value a change depends on is
//! checked first with a `test` operation, so a patch computed from a stale copy fails whole.

use serde_json::{json, Map, Value};

/// The operations of one patch, in order, and the object as they leave it (so that a later
/// operation sees what an earlier one added).
#[derive(Debug, Default)]
pub struct Ops(pub Vec<Value>, Value);

fn escape(seg: &str) -> String {
    seg.replace('~', "~0").replace('/', "~1")
}

/// A pointer with one more segment.
pub fn child(pointer: &str, seg: &str) -> String {
    format!("{pointer}/{}", escape(seg))
}

impl Ops {
    /// A patch of `object`.
    pub fn new(object: Value) -> Ops {
        Ops(Vec::new(), object)
    }

    /// Records an operation and applies it to the working copy.
    fn push(&mut self, op: Value) {
        if let Ok(p) = serde_json::from_value::<json_patch::Patch>(Value::Array(vec![op.clone()])) {
            let _ = json_patch::patch(&mut self.1, &p);
        }
        self.0.push(op);
    }

    pub fn test(&mut self, path: &str, value: Value) {
        self.0
            .push(json!({"op": "test", "path": path, "value": value}));
    }

    pub fn add(&mut self, path: &str, value: Value) {
        self.push(json!({"op": "add", "path": path, "value": value}));
    }

    pub fn replace(&mut self, path: &str, value: Value) {
        self.push(json!({"op": "replace", "path": path, "value": value}));
    }

    pub fn remove(&mut self, path: &str) {
        self.push(json!({"op": "remove", "path": path}));
    }

    /// Guards the rest of the patch on a value of the object (a container's name, say), unless
    /// an earlier operation already tests it.
    pub fn guard(&mut self, path: &str) {
        let tested = self
            .0
            .iter()
            .any(|o| o["op"] == "test" && o["path"] == path);
        if let (false, Some(v)) = (tested, self.1.pointer(path).cloned()) {
            self.test(path, v);
        }
    }

    /// Sets `path` to `value` in `object`: a tested replace when the field exists; otherwise an
    /// add at the first missing level, carrying the nested objects below it (a JSON patch
    /// cannot add into a parent that does not exist).
    pub fn set(&mut self, path: &str, value: Value) {
        let object = self.1.clone();
        if let Some(old) = object.pointer(path) {
            if *old == value {
                return;
            }
            self.test(path, old.clone());
            self.replace(path, value);
            return;
        }
        // Walk up to the deepest existing ancestor.
        let mut missing: Vec<&str> = Vec::new();
        let mut at = path;
        while let Some(i) = at.rfind('/') {
            missing.push(&at[i + 1..]);
            at = &at[..i];
            if at.is_empty() || object.pointer(at).is_some() {
                break;
            }
        }
        // `missing` holds the segments from the leaf up to the first missing level.
        let mut v = value;
        for seg in missing.iter().take(missing.len().saturating_sub(1)) {
            let mut m = Map::new();
            m.insert(unescape(seg), v);
            v = Value::Object(m);
        }
        let first = missing.last().copied().unwrap_or_default();
        // A null parent (`lifecycle:` with nothing under it) is replaced, not added into.
        let target = format!("{at}/{first}");
        match object.pointer(at) {
            Some(Value::Null) => {
                self.test(at, Value::Null);
                let mut m = Map::new();
                m.insert(unescape(first), v);
                self.replace(at, Value::Object(m));
            }
            _ => self.add(&target, v),
        }
    }
}

fn unescape(seg: &str) -> String {
    seg.replace("~1", "/").replace("~0", "~")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patched(obj: &Value, ops: &Ops) -> Value {
        let p: json_patch::Patch =
            serde_json::from_value(Value::Array(ops.0.clone())).expect("patch");
        let mut out = obj.clone();
        json_patch::patch(&mut out, &p).expect("applies");
        out
    }

    #[test]
    fn set_adds_missing_parents_and_tests_existing_values() {
        let obj =
            json!({"spec": {"containers": [{"name": "a", "resources": {"limits": {"cpu": "1"}}}]}});
        let mut ops = Ops::new(obj.clone());
        ops.guard("/spec/containers/0/name");
        ops.set("/spec/containers/0/resources/requests/cpu", json!("100m"));
        ops.set("/spec/containers/0/resources/requests/memory", json!("1Gi"));
        ops.set("/spec/containers/0/resources/limits/cpu", json!("2"));
        ops.set(
            "/spec/containers/0/lifecycle/preStop",
            json!({"sleep": {"seconds": 5}}),
        );
        let out = patched(&obj, &ops);
        assert_eq!(
            out,
            json!({"spec": {"containers": [{"name": "a",
                "resources": {"limits": {"cpu": "2"}, "requests": {"cpu": "100m", "memory": "1Gi"}},
                "lifecycle": {"preStop": {"sleep": {"seconds": 5}}}}]}})
        );
        assert_eq!(ops.0[0]["op"], "test");
        assert!(ops
            .0
            .iter()
            .any(|o| o["op"] == "test" && o["path"] == "/spec/containers/0/resources/limits/cpu"));
        // A stale copy fails whole.
        let stale = json!({"spec": {"containers": [{"name": "b"}]}});
        let p: json_patch::Patch = serde_json::from_value(Value::Array(ops.0)).expect("patch");
        let mut s = stale.clone();
        assert!(json_patch::patch(&mut s, &p).is_err());
    }

    #[test]
    fn a_null_parent_is_replaced() {
        let obj = json!({"spec": {"strategy": null}});
        let mut ops = Ops::new(obj.clone());
        ops.set("/spec/strategy/type", json!("RollingUpdate"));
        assert_eq!(
            patched(&obj, &ops),
            json!({"spec": {"strategy": {"type": "RollingUpdate"}}})
        );
    }
}
