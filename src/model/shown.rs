//! PURE. An object's YAML as `y` shows it: whole, but with what must not reach a screen (or a
//! screen share) taken out. Secret values and the last-applied annotation (which holds a copy of
//! the object as applied, Secret data included) are redacted; managedFields are dropped, as
//! `kubectl get -o yaml` does since 1.21.

use serde_json::Value;

pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The YAML of one object, ready for the pager.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShownYaml {
    pub text: String,
    /// Where it comes from: `file:line`, the demo, or the live server.
    pub source: String,
    /// What was redacted or dropped, for the title (empty: shown as it is).
    pub redacted: Vec<String>,
}

/// Redacts `v` for display; returns what was taken out.
pub fn redact(v: &mut Value) -> Vec<String> {
    let mut out = Vec::new();
    let is_secret = v.get("kind").and_then(Value::as_str) == Some("Secret");
    if let Some(m) = v.as_object_mut() {
        if is_secret {
            for key in ["data", "stringData"] {
                if let Some(Value::Object(d)) = m.get_mut(key) {
                    let base64 = key == "data";
                    for x in d.values_mut() {
                        let n = x.as_str().map(|s| decoded_len(s, base64)).unwrap_or(0);
                        *x = Value::String(format!("<redacted: {n} bytes>"));
                    }
                    if !d.is_empty() {
                        out.push(format!("Secret {key}"));
                    }
                }
            }
        }
        if let Some(meta) = m.get_mut("metadata").and_then(Value::as_object_mut) {
            if meta.remove("managedFields").is_some() {
                out.push("managedFields".into());
            }
            if let Some(a) = meta
                .get_mut("annotations")
                .and_then(Value::as_object_mut)
                .and_then(|a| a.get_mut(LAST_APPLIED))
            {
                *a = Value::String("<redacted: kubectl apply view-last-applied shows it>".into());
                out.push("last-applied".into());
            }
        }
    }
    out
}

fn decoded_len(s: &str, base64: bool) -> usize {
    if !base64 {
        return s.len();
    }
    let t = s.trim_end_matches('=');
    t.len() * 3 / 4
}

/// `v` as YAML (a rendering error is said in the text, never a panic).
pub fn to_yaml(v: &Value) -> String {
    serde_saphyr::to_string(v)
        .unwrap_or_else(|e| format!("# kvet cannot render this object: {e}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_and_last_applied_never_show() {
        let mut s = json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "db", "managedFields": [{"manager": "kubectl"}],
                "annotations": {LAST_APPLIED: "{\"data\":{\"password\":\"aHVudGVyMg==\"}}", "team": "x"}},
            "data": {"password": "aHVudGVyMg=="}, "stringData": {"user": "root"}});
        let what = redact(&mut s);
        let text = to_yaml(&s);
        assert!(!text.contains("aHVudGVyMg"), "{text}");
        assert!(!text.contains("root"), "{text}");
        assert!(!text.contains("managedFields"), "{text}");
        assert!(
            text.contains("password: '<redacted: 7 bytes>'")
                || text.contains("<redacted: 7 bytes>"),
            "{text}"
        );
        assert!(text.contains("team: x"), "{text}");
        assert_eq!(
            what,
            [
                "Secret data",
                "Secret stringData",
                "managedFields",
                "last-applied"
            ]
        );
        // A ConfigMap's data is shown.
        let mut c = json!({"kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "v"}});
        assert!(redact(&mut c).is_empty());
        assert!(to_yaml(&c).contains("k: v"));
    }
}
