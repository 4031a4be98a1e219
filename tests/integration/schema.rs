//! A JSON Schema validator for the tests: kvet's SARIF against the SARIF 2.1.0 schema, and its
//! report objects against the CRDs' structural schemas.

use serde_json::Value;

/// The keywords the SARIF schema and the CRDs' structural schemas use, as JSON Schema defines
/// them (`format` and `pattern` are not checked: they only constrain URIs, version strings and
/// language tags).
pub struct Validator<'a> {
    root: &'a Value,
    /// A CRD's structural schema: a field it does not declare is pruned by the API server, so
    /// it is an error here (what kvet meant to say would be lost), unless the schema preserves
    /// unknown fields; `metadata` is the server's.
    structural: bool,
}

impl<'a> Validator<'a> {
    /// A JSON Schema (unknown properties allowed unless `additionalProperties: false`).
    pub fn json_schema(root: &'a Value) -> Self {
        Validator {
            root,
            structural: false,
        }
    }

    /// A CRD version's `openAPIV3Schema`.
    pub fn structural(root: &'a Value) -> Self {
        Validator {
            root,
            structural: true,
        }
    }

    fn resolve<'b>(&'b self, s: &'b Value) -> &'b Value {
        match s.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let ptr = r.trim_start_matches('#');
                self.root
                    .pointer(ptr)
                    .unwrap_or_else(|| panic!("unresolved {r}"))
            }
            None => s,
        }
    }

    fn type_ok(v: &Value, t: &str) -> bool {
        match t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "null" => v.is_null(),
            _ => true,
        }
    }

    pub fn errors(&self, v: &Value, s: &Value, at: &str) -> Vec<String> {
        let s = self.resolve(s);
        let mut out = Vec::new();
        if s.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true))
            || (self.structural && at == "/metadata")
        {
            return out;
        }
        match s.get("type") {
            Some(Value::String(t)) if !Self::type_ok(v, t) => {
                return vec![format!("{at}: {v} is not {t}")]
            }
            Some(Value::Array(ts))
                if !ts
                    .iter()
                    .any(|t| Self::type_ok(v, t.as_str().unwrap_or(""))) =>
            {
                return vec![format!("{at}: {v} is none of {ts:?}")]
            }
            _ => {}
        }
        if let Some(e) = s.get("enum").and_then(Value::as_array) {
            if !e.contains(v) {
                out.push(format!("{at}: {v} is not one of {e:?}"));
            }
        }
        if let (Some(min), Some(n)) = (s.get("minimum").and_then(Value::as_f64), v.as_f64()) {
            if n < min {
                out.push(format!("{at}: {n} < {min}"));
            }
        }
        if let (Some(max), Some(n)) = (s.get("maximum").and_then(Value::as_f64), v.as_f64()) {
            if n > max {
                out.push(format!("{at}: {n} > {max}"));
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(alts) = s.get(key).and_then(Value::as_array) {
                let ok = alts
                    .iter()
                    .filter(|a| self.errors(v, a, at).is_empty())
                    .count();
                let good = if key == "oneOf" { ok == 1 } else { ok >= 1 };
                if !good {
                    out.push(format!("{at}: {ok} of the {key} alternatives match"));
                }
            }
        }
        match v {
            Value::Object(m) => {
                for r in s
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    if !m.contains_key(r) {
                        out.push(format!("{at}: required {r} is missing"));
                    }
                }
                let props = s.get("properties").and_then(Value::as_object);
                for (k, x) in m {
                    match (props.and_then(|p| p.get(k)), s.get("additionalProperties")) {
                        (Some(sub), _) => out.extend(self.errors(x, sub, &format!("{at}/{k}"))),
                        (None, Some(Value::Bool(false))) => {
                            out.push(format!("{at}/{k}: not allowed here"))
                        }
                        (None, None) if self.structural => {
                            out.push(format!("{at}/{k}: not in the schema (pruned)"))
                        }
                        (None, Some(sub @ Value::Object(_))) => {
                            out.extend(self.errors(x, sub, &format!("{at}/{k}")))
                        }
                        _ => {}
                    }
                }
            }
            Value::Array(items) => {
                if let Some(min) = s.get("minItems").and_then(Value::as_u64) {
                    if (items.len() as u64) < min {
                        out.push(format!("{at}: fewer than {min} items"));
                    }
                }
                if s.get("uniqueItems") == Some(&Value::Bool(true)) {
                    for (i, x) in items.iter().enumerate() {
                        if items[..i].contains(x) {
                            out.push(format!("{at}/{i}: repeats an earlier item"));
                        }
                    }
                }
                if let Some(is) = s.get("items") {
                    for (i, x) in items.iter().enumerate() {
                        out.extend(self.errors(x, is, &format!("{at}/{i}")));
                    }
                }
            }
            _ => {}
        }
        out
    }
}
