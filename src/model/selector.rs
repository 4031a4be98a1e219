//! Label selectors with the exact semantics of `metav1.LabelSelector`.
//!
//! - `matchLabels` and `matchExpressions` are ANDed.
//! - `In` needs the key present with one of the values; `NotIn` matches when the key is absent
//!   or its value is not listed; `Exists` / `DoesNotExist` test the key only.
//! - An empty selector (`{}`) matches every object. A null (absent) selector is represented by
//!   `Option::None` at the call site, and what it means depends on the field (for most fields,
//!   nothing). A selector the API server would reject (unknown operator, `In` without values)
//!   matches nothing, as `metav1.LabelSelectorAsSelector` returns an error for it.

use super::meta::Labels;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Requirement {
    pub key: Box<str>,
    pub operator: Operator,
    pub values: Vec<Box<str>>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct LabelSelector {
    pub match_labels: Vec<(Box<str>, Box<str>)>,
    pub expressions: Vec<Requirement>,
    /// Set when the API server would refuse this selector; such a selector matches nothing.
    pub invalid: Option<String>,
}

impl LabelSelector {
    /// A selector from a plain map (Service, ReplicationController): every pair must match.
    pub fn from_map(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut match_labels: Vec<(Box<str>, Box<str>)> = pairs
            .into_iter()
            .map(|(k, v)| (k.into_boxed_str(), v.into_boxed_str()))
            .collect();
        match_labels.sort();
        LabelSelector {
            match_labels,
            expressions: Vec::new(),
            invalid: None,
        }
    }

    /// Adds a `matchExpressions` entry, validating it as the API server does.
    pub fn push_expression(&mut self, key: String, operator: &str, values: Vec<String>) {
        let op = match operator {
            "In" => Some(Operator::In),
            "NotIn" => Some(Operator::NotIn),
            "Exists" => Some(Operator::Exists),
            "DoesNotExist" => Some(Operator::DoesNotExist),
            _ => None,
        };
        let Some(op) = op else {
            self.invalid = Some(format!("unknown operator {operator:?} for key {key:?}"));
            return;
        };
        match op {
            Operator::In | Operator::NotIn if values.is_empty() => {
                self.invalid = Some(format!("operator {operator} on {key:?} needs values"));
            }
            Operator::Exists | Operator::DoesNotExist if !values.is_empty() => {
                self.invalid = Some(format!("operator {operator} on {key:?} takes no values"));
            }
            _ => {}
        }
        self.expressions.push(Requirement {
            key: key.into_boxed_str(),
            operator: op,
            values: values.into_iter().map(String::into_boxed_str).collect(),
        });
    }

    /// True for `{}`: no requirement at all. It matches everything.
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.expressions.is_empty() && self.invalid.is_none()
    }

    pub fn matches(&self, labels: &Labels) -> bool {
        if self.invalid.is_some() {
            return false;
        }
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(&**v))
            && self.expressions.iter().all(|r| r.matches(labels))
    }

    /// One `matchLabels` pair, usable as an index key: an object without it cannot match.
    pub fn index_pair(&self) -> Option<(&str, &str)> {
        self.match_labels.first().map(|(k, v)| (&**k, &**v))
    }

    /// `app=web,tier in (a,b)`, as kubectl prints selectors.
    pub fn display(&self) -> String {
        let mut parts: Vec<String> = self
            .match_labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        for r in &self.expressions {
            let vals = r.values.join(",");
            parts.push(match r.operator {
                Operator::In => format!("{} in ({vals})", r.key),
                Operator::NotIn => format!("{} notin ({vals})", r.key),
                Operator::Exists => r.key.to_string(),
                Operator::DoesNotExist => format!("!{}", r.key),
            });
        }
        if parts.is_empty() {
            "<all>".to_string()
        } else {
            parts.join(",")
        }
    }
}

impl std::fmt::Display for Operator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Operator::In => "In",
            Operator::NotIn => "NotIn",
            Operator::Exists => "Exists",
            Operator::DoesNotExist => "DoesNotExist",
        })
    }
}

impl Requirement {
    pub fn matches(&self, labels: &Labels) -> bool {
        let value = labels.get(&self.key);
        match self.operator {
            Operator::In => value.is_some_and(|v| self.values.iter().any(|x| **x == *v)),
            Operator::NotIn => value.is_none_or(|v| self.values.iter().all(|x| **x != *v)),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        Labels::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    fn sel(ml: &[(&str, &str)], exprs: &[(&str, &str, &[&str])]) -> LabelSelector {
        let mut s = LabelSelector::from_map(ml.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        for (k, op, vals) in exprs {
            s.push_expression(
                k.to_string(),
                op,
                vals.iter().map(|v| v.to_string()).collect(),
            );
        }
        s
    }

    #[test]
    fn match_labels_needs_every_pair() {
        let s = sel(&[("app", "web"), ("tier", "front")], &[]);
        assert!(s.matches(&labels(&[("app", "web"), ("tier", "front"), ("x", "y")])));
        assert!(!s.matches(&labels(&[("app", "web")])));
        assert!(!s.matches(&labels(&[("app", "web"), ("tier", "back")])));
    }

    #[test]
    fn in_operator() {
        let s = sel(&[], &[("env", "In", &["prod", "staging"])]);
        assert!(s.matches(&labels(&[("env", "prod")])));
        assert!(!s.matches(&labels(&[("env", "dev")])));
        assert!(!s.matches(&labels(&[])), "In needs the key to be present");
    }

    #[test]
    fn not_in_matches_absent_key() {
        let s = sel(&[], &[("env", "NotIn", &["prod"])]);
        assert!(
            s.matches(&labels(&[])),
            "NotIn matches when the key is absent"
        );
        assert!(s.matches(&labels(&[("env", "dev")])));
        assert!(!s.matches(&labels(&[("env", "prod")])));
    }

    #[test]
    fn exists_and_does_not_exist() {
        let e = sel(&[], &[("canary", "Exists", &[])]);
        assert!(e.matches(&labels(&[("canary", "")])));
        assert!(!e.matches(&labels(&[("app", "x")])));
        let d = sel(&[], &[("canary", "DoesNotExist", &[])]);
        assert!(d.matches(&labels(&[("app", "x")])));
        assert!(!d.matches(&labels(&[("canary", "true")])));
    }

    #[test]
    fn labels_and_expressions_are_anded() {
        let s = sel(&[("app", "web")], &[("env", "NotIn", &["dev"])]);
        assert!(s.matches(&labels(&[("app", "web"), ("env", "prod")])));
        assert!(!s.matches(&labels(&[("app", "web"), ("env", "dev")])));
        assert!(!s.matches(&labels(&[("app", "api"), ("env", "prod")])));
    }

    #[test]
    fn empty_selector_matches_everything() {
        let s = LabelSelector::default();
        assert!(s.is_empty());
        assert!(s.matches(&labels(&[])));
        assert!(s.matches(&labels(&[("a", "b")])));
    }

    #[test]
    fn invalid_selectors_match_nothing() {
        let unknown = sel(&[], &[("a", "Gt", &["1"])]);
        assert!(!unknown.matches(&labels(&[("a", "2")])));
        let no_values = sel(&[], &[("a", "In", &[])]);
        assert!(!no_values.matches(&labels(&[("a", "")])));
        let exists_with_values = sel(&[], &[("a", "Exists", &["x"])]);
        assert!(!exists_with_values.matches(&labels(&[("a", "x")])));
        assert!(!unknown.is_empty());
    }

    #[test]
    fn display_like_kubectl() {
        let s = sel(
            &[("app", "web")],
            &[("env", "In", &["a", "b"]), ("x", "DoesNotExist", &[])],
        );
        assert_eq!(s.display(), "app=web,env in (a,b),!x");
    }
}
