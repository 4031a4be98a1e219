//! PURE. Baselines for CI: which findings of an audit are new since an earlier one, which are
//! unchanged or updated, and which are gone. A finding's identity is its check, its object
//! (kind, namespace, name) and its JSON path, never its line: moving a manifest around does not
//! make its findings new. The fingerprint of that identity is what SARIF's
//! `partialFingerprints` carries, so code scanning matches alerts across commits.

use super::{Finding, Severity};
use serde_json::Value;

/// The key of `partialFingerprints` kvet writes (versioned, as SARIF §3.27.17 recommends).
pub const FINGERPRINT_KEY: &str = "kvetIdentity/v1";

/// A finding's identity: check, kind, namespace, name and JSON path.
type Identity<'a> = (&'a str, &'a str, Option<&'a str>, &'a str, &'a str);

/// A finding as a baseline remembers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Remembered {
    pub check: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub path: String,
    pub severity: Severity,
    pub message: String,
}

impl Remembered {
    pub fn of(f: &Finding) -> Remembered {
        Remembered {
            check: f.check.to_string(),
            kind: f.object.kind.as_str().to_string(),
            namespace: f.object.namespace.as_deref().map(str::to_string),
            name: f.object.name.to_string(),
            path: f.path.clone(),
            severity: f.severity,
            message: f.message.clone(),
        }
    }

    fn identity(&self) -> Identity<'_> {
        (
            &self.check,
            &self.kind,
            self.namespace.as_deref(),
            &self.name,
            &self.path,
        )
    }

    pub fn fingerprint(&self) -> String {
        let (c, k, ns, n, p) = self.identity();
        fingerprint(c, k, ns, n, p)
    }
}

/// SARIF's `baselineState` (§3.27.24).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    New,
    Unchanged,
    /// Same identity, another severity or message.
    Updated,
    /// In the baseline, not any more.
    Absent,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::New => "new",
            State::Unchanged => "unchanged",
            State::Updated => "updated",
            State::Absent => "absent",
        }
    }
}

/// The identity's fingerprint: SHA-256 of its parts (NUL-separated), 32 hex digits.
pub fn fingerprint(check: &str, kind: &str, ns: Option<&str>, name: &str, path: &str) -> String {
    let mut text = String::new();
    for part in [check, kind, ns.unwrap_or(""), name, path] {
        text.push_str(part);
        text.push('\0');
    }
    let d = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
    d.as_ref()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The fingerprint of a current finding.
pub fn fingerprint_of(f: &Finding) -> String {
    fingerprint(
        f.check,
        f.object.kind.as_str(),
        f.object.namespace.as_deref(),
        &f.object.name,
        &f.path,
    )
}

/// The comparison: a state per current finding (in their order), and the baseline's findings
/// that are gone.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Compared {
    pub states: Vec<State>,
    pub absent: Vec<Remembered>,
}

impl Compared {
    pub fn count(&self, s: State) -> usize {
        self.states.iter().filter(|x| **x == s).count()
            + if s == State::Absent {
                self.absent.len()
            } else {
                0
            }
    }
}

/// Compares an audit with a baseline. An identity found n times on one side and m on the other
/// (an object defined in several files) pairs min(n, m) of them; the rest are new or absent.
pub fn compare(current: &[Finding], baseline: &[Remembered]) -> Compared {
    use std::collections::HashMap;
    let mut pool: HashMap<Identity, Vec<usize>> = HashMap::new();
    for (i, b) in baseline.iter().enumerate() {
        pool.entry(b.identity()).or_default().push(i);
    }
    for v in pool.values_mut() {
        v.reverse();
    }
    let mut used = vec![false; baseline.len()];
    let states = current
        .iter()
        .map(|f| {
            let id = (
                f.check,
                f.object.kind.as_str(),
                f.object.namespace.as_deref(),
                &*f.object.name,
                f.path.as_str(),
            );
            match pool.get_mut(&id).and_then(Vec::pop) {
                None => State::New,
                Some(i) => {
                    used[i] = true;
                    let b = &baseline[i];
                    if b.severity == f.severity && b.message == f.message {
                        State::Unchanged
                    } else {
                        State::Updated
                    }
                }
            }
        })
        .collect();
    let absent = baseline
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(b, _)| b.clone())
        .collect();
    Compared { states, absent }
}

/// The findings of a `kvet audit -o json` report, or why it is not one.
pub fn from_report(v: &Value) -> Result<Vec<Remembered>, String> {
    let list = v
        .get("findings")
        .and_then(Value::as_array)
        .ok_or("not a kvet audit JSON report: no \"findings\" array")?;
    list.iter()
        .enumerate()
        .map(|(i, f)| {
            let s = |k: &str| f.get(k).and_then(Value::as_str);
            let o = f.get("object");
            let os = |k: &str| o.and_then(|o| o.get(k)).and_then(Value::as_str);
            let severity = match s("severity") {
                Some("critical") => Severity::Critical,
                Some("warning") => Severity::Warning,
                Some("info") => Severity::Info,
                other => return Err(format!("findings[{i}]: unknown severity {other:?}")),
            };
            Ok(Remembered {
                check: s("check")
                    .ok_or_else(|| format!("findings[{i}]: no check"))?
                    .to_string(),
                kind: os("kind")
                    .ok_or_else(|| format!("findings[{i}]: no object.kind"))?
                    .to_string(),
                namespace: os("namespace").map(str::to_string),
                name: os("name")
                    .ok_or_else(|| format!("findings[{i}]: no object.name"))?
                    .to_string(),
                path: s("path").unwrap_or("").to_string(),
                severity,
                message: s("message").unwrap_or("").to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Kind, ObjectRef};

    fn f(check: &'static str, name: &str, path: &str, sev: Severity, msg: &str) -> Finding {
        Finding {
            check,
            severity: sev,
            object: ObjectRef::new(Kind::Deployment, Some("shop"), name),
            origin: None,
            path: path.into(),
            message: msg.into(),
            fix_available: false,
        }
    }

    #[test]
    fn new_unchanged_updated_and_absent() {
        let before = vec![
            f("pdb-missing", "api", "/spec", Severity::Critical, "no PDB"),
            f(
                "limits-missing",
                "api",
                "/spec/template/spec/containers/0",
                Severity::Warning,
                "no limit",
            ),
            f(
                "image-latest",
                "web",
                "/spec/template/spec/containers/0",
                Severity::Warning,
                "latest",
            ),
        ];
        let after = vec![
            f("pdb-missing", "api", "/spec", Severity::Critical, "no PDB"),
            f(
                "limits-missing",
                "api",
                "/spec/template/spec/containers/0",
                Severity::Warning,
                "no memory limit",
            ),
            f(
                "run-as-root",
                "api",
                "/spec/template/spec/containers/0",
                Severity::Warning,
                "root",
            ),
        ];
        let base: Vec<Remembered> = before.iter().map(Remembered::of).collect();
        let c = compare(&after, &base);
        assert_eq!(c.states, [State::Unchanged, State::Updated, State::New]);
        assert_eq!(c.absent.len(), 1);
        assert_eq!(c.absent[0].check, "image-latest");
        // Compared with itself: nothing new, nothing gone.
        let same = compare(&before, &base);
        assert!(same.states.iter().all(|s| *s == State::Unchanged));
        assert!(same.absent.is_empty());
    }

    #[test]
    fn identity_ignores_the_line_and_counts_copies() {
        let mut a = f("pdb-missing", "api", "/spec", Severity::Critical, "m");
        a.origin = Some(crate::model::Origin { file: 0, line: 10 });
        let mut b = a.clone();
        b.origin = Some(crate::model::Origin { file: 3, line: 99 });
        assert_eq!(fingerprint_of(&a), fingerprint_of(&b));
        assert_ne!(
            fingerprint_of(&a),
            fingerprint_of(&f("pdb-missing", "api", "/spec/x", Severity::Critical, "m"))
        );
        // Two copies now, one before: one unchanged, one new.
        let c = compare(&[a.clone(), b], &[Remembered::of(&a)]);
        assert_eq!(c.states, [State::Unchanged, State::New]);
        // A rename is a new finding and an absent one.
        let c = compare(
            &[f("pdb-missing", "api-v2", "/spec", Severity::Critical, "m")],
            &[Remembered::of(&a)],
        );
        assert_eq!(c.states, [State::New]);
        assert_eq!(c.absent.len(), 1);
        assert_eq!(fingerprint_of(&a).len(), 32);
    }
}
