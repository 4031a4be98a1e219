//! PURE. Fix plans: for a finding, the exact change that clears it, as an RFC 6902 JSON patch
//! guarded by `test` operations, or as a new object (a PodDisruptionBudget). Plans are computed
//! from the snapshot and the object's full JSON; nothing here talks to a cluster or a file.
//!
//! Applying a plan locally ([`apply_local`]) gives the object as it would be after the fix, from
//! which the preview diff and the invariant tests are made. Sending it to a cluster is
//! [`apply`]'s job: the one I/O module here, and the only code in kvet that writes to a cluster.

pub mod journal;
mod netpol_plans;
mod ops;
mod plans;

pub use ops::Ops;

use crate::audit::Finding;
use crate::model::{Kind, ObjectRef, Snapshot};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// Checks kvet can fix, in catalog order.
pub const FIXABLE: &[&str] = &[
    "pdb-missing",
    "pdb-blocks-drain",
    "requests-missing",
    "limits-missing",
    "readiness-missing",
    "liveness-missing",
    "liveness-equals-readiness",
    "startup-budget-short",
    "rollout-defaults",
    "rollout-unavailable",
    "rollout-recreate",
    "revision-history",
    "prestop-missing",
    "prestop-exceeds-grace",
    "hpa-min-replicas",
    "netpol-no-default-deny",
    "netpol-blocks-dns",
];

pub fn has_fix(check: &str) -> bool {
    FIXABLE.contains(&check) || crate::triage::fixes::FIXABLE_SYMPTOMS.contains(&check)
}

/// Findings of other checks that a fix may bring to light on purpose: the fix is right, and the
/// new finding is the next thing to do (an HPA with 2 replicas makes its workload replicated, so
/// it now needs a PDB).
pub fn follow_ups(check: &str) -> &'static [&'static str] {
    match check {
        // Two replicas now need a budget and a spread.
        "hpa-min-replicas" => &["pdb-missing", "replica-concentration"],
        _ => &[],
    }
}

/// What a plan changes.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// An RFC 6902 patch of the object (`test` operations first for every value it assumes).
    Patch(Vec<Value>),
    /// A new object to create.
    Create(Value),
    /// Delete the object, only if it still has this UID (the undo of a creation).
    Delete(String),
}

/// A value the user may change before applying (`--set KEY=VALUE`, or in the TUI dialog).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Editable {
    pub key: &'static str,
    pub label: &'static str,
    pub value: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FixPlan {
    pub check: &'static str,
    /// The object patched, or the object created.
    pub target: ObjectRef,
    /// One line: what the fix does.
    pub summary: String,
    pub change: Change,
    pub editable: Vec<Editable>,
    /// Things to know before applying (conservative values, GitOps owners, follow-ups).
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixError(pub String);

impl fmt::Display for FixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FixError {}

fn err<T>(msg: impl Into<String>) -> Result<T, FixError> {
    Err(FixError(msg.into()))
}

/// Everything a plan is computed from.
pub struct FixInput<'a> {
    pub snap: &'a Snapshot,
    pub finding: &'a Finding,
    /// The full object of the finding's copy, as JSON (from its file, or from the server).
    pub object: &'a Value,
    /// The live server's minor version (the native `sleep` preStop action needs 1.30).
    pub server_minor: Option<u32>,
    /// The PodDisruptionBudget API version to create (`policy/v1`, or `policy/v1beta1` on old
    /// servers).
    pub pdb_api_version: &'a str,
    /// Values set by the user (`maxUnavailable=2`, `path=/healthz`, `sleep=10`, `cpu=250m`).
    pub settings: &'a BTreeMap<String, String>,
}

/// The plan that fixes a finding.
pub fn plan(input: &FixInput) -> Result<FixPlan, FixError> {
    let check = input.finding.check;
    if !has_fix(check) {
        return err(format!("kvet has no automatic fix for {check}"));
    }
    let mut plan = plans::plan(input)?;
    // A value the user set that this fix does not take would be ignored silently, and the fix
    // applied with a value the user did not ask for.
    let unknown: Vec<&str> = input
        .settings
        .keys()
        .map(String::as_str)
        .filter(|k| !plan.editable.iter().any(|e| e.key == *k))
        .collect();
    if !unknown.is_empty() {
        let keys: Vec<&str> = plan.editable.iter().map(|e| e.key).collect();
        return err(format!(
            "--set {}: not a value this fix of {check} takes; {}",
            unknown.join(", "),
            if keys.is_empty() {
                "it has no editable value".to_string()
            } else {
                format!("its editable values are {}", keys.join(", "))
            }
        ));
    }
    if let Some(owner) = gitops_owner(input.object) {
        plan.notes.push(format!(
            "{owner} manages this object: its next sync reverts a change made in the cluster. Export the patch and commit it to the source instead"
        ));
    }
    let follow = follow_ups(check);
    if !follow.is_empty() {
        let fixable: Vec<&str> = follow.iter().copied().filter(|c| has_fix(c)).collect();
        let by_hand: Vec<&str> = follow.iter().copied().filter(|c| !has_fix(c)).collect();
        let mut note = format!(
            "after this fix, expect {} on the same workload",
            follow.join(", ")
        );
        if !fixable.is_empty() {
            note.push_str(&format!("; kvet can fix {}", fixable.join(", ")));
        }
        if !by_hand.is_empty() {
            note.push_str(&format!("; {} needs a change by hand", by_hand.join(", ")));
        }
        plan.notes.push(note);
    }
    Ok(plan)
}

/// The plan of an offline finding (no server: policy/v1 budgets, no native sleep action).
pub fn plan_offline(
    snap: &Snapshot,
    finding: &Finding,
    object: &Value,
    settings: &BTreeMap<String, String>,
) -> Result<FixPlan, String> {
    plan(&FixInput {
        snap,
        finding,
        object,
        server_minor: None,
        pdb_api_version: "policy/v1",
        settings,
    })
    .map_err(|e| e.to_string())
}

/// Argo CD, Flux or Helm, when one of them manages the object (their labels or annotations).
pub fn gitops_owner(object: &Value) -> Option<&'static str> {
    let meta = object.get("metadata")?;
    let has = |field: &str, key: &str| {
        meta.get(field)
            .and_then(|m| m.as_object())
            .is_some_and(|m| m.contains_key(key))
    };
    let label_is = |key: &str, v: &str| {
        meta.get("labels")
            .and_then(|l| l.get(key))
            .and_then(Value::as_str)
            == Some(v)
    };
    if has("annotations", "argocd.argoproj.io/tracking-id")
        || has("labels", "argocd.argoproj.io/instance")
        || has("labels", "app.kubernetes.io/instance")
            && label_is("app.kubernetes.io/managed-by", "argocd")
    {
        Some("Argo CD")
    } else if has("labels", "kustomize.toolkit.fluxcd.io/name")
        || has("labels", "helm.toolkit.fluxcd.io/name")
    {
        Some("Flux")
    } else if label_is("app.kubernetes.io/managed-by", "Helm")
        || has("annotations", "meta.helm.sh/release-name")
    {
        Some("Helm")
    } else {
        None
    }
}

/// The object as it would be after the plan (the new object for a creation).
pub fn apply_local(object: &Value, plan: &FixPlan) -> Result<Value, FixError> {
    match &plan.change {
        Change::Create(v) => Ok(v.clone()),
        Change::Delete(_) => Ok(Value::Null),
        Change::Patch(ops) => {
            let patch: json_patch::Patch = serde_json::from_value(Value::Array(ops.clone()))
                .map_err(|e| FixError(format!("invalid patch: {e}")))?;
            let mut out = object.clone();
            json_patch::patch(&mut out, &patch)
                .map_err(|e| FixError(format!("the patch does not apply: {e}")))?;
            Ok(out)
        }
    }
}

/// The patch as RFC 6902 JSON text (or the new object as JSON).
pub fn patch_text(plan: &FixPlan) -> String {
    let v = match &plan.change {
        Change::Patch(ops) => Value::Array(ops.clone()),
        Change::Create(obj) => obj.clone(),
        Change::Delete(uid) => serde_json::json!({"delete": {"uid": uid}}),
    };
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

/// A YAML rendering of an object for previews and exports, without the fields a reader never
/// wants to review (managedFields, the last-applied annotation).
pub fn yaml(object: &Value) -> String {
    let mut v = object.clone();
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
        if let Some(a) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            a.remove(crate::model::meta::LAST_APPLIED);
        }
    }
    serde_saphyr::to_string(&v).unwrap_or_else(|e| format!("# cannot render: {e}\n"))
}

/// A unified diff of the object's YAML, before and after (`/dev/null` before a creation and
/// after a deletion).
pub fn diff(before: Option<&Value>, after: Option<&Value>, name: &str) -> String {
    let old = before.map(yaml).unwrap_or_default();
    let new = after.map(yaml).unwrap_or_default();
    let a = match before {
        Some(_) => format!("a/{name}"),
        None => "/dev/null".to_string(),
    };
    let b = match after {
        Some(_) => format!("b/{name}"),
        None => "/dev/null".to_string(),
    };
    similar::TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(3)
        .header(&a, &b)
        .to_string()
}

/// Everything the preview dialog and the exports show for one plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Preview {
    pub plan: FixPlan,
    /// The object before the fix (what undo restores).
    pub before: Value,
    /// Live: the server's dry run passed, and the diff is against its answer.
    pub dry_run: bool,
    /// An undo: the journal entry it undoes.
    pub undoes: Option<String>,
    /// The object after the fix (or the new object).
    pub after: Value,
    /// Unified diff of the object's YAML.
    pub diff: String,
    /// RFC 6902 patch (or the new object) as JSON.
    pub patch: String,
    /// The kubectl command that applies it.
    pub kubectl: String,
    /// A file name for the exported patch: `kvet-fix-<check>-<ns>-<name>.json` (`.yaml` for a
    /// new object).
    pub file_name: String,
}

/// Applies the plan locally and renders what the preview shows.
pub fn preview(object: &Value, plan: FixPlan) -> Result<Preview, FixError> {
    let after = apply_local(object, &plan)?;
    let label = format!(
        "{}.yaml",
        plan.target
            .to_string()
            .to_ascii_lowercase()
            .replace('/', "_")
    );
    let diff = match plan.change {
        Change::Create(_) => diff(None, Some(&after), &label),
        Change::Patch(_) => diff(Some(object), Some(&after), &label),
        Change::Delete(_) => diff(Some(object), None, &label),
    };
    let ext = match plan.change {
        Change::Create(_) => "yaml",
        Change::Patch(_) | Change::Delete(_) => "json",
    };
    let file_name = format!(
        "kvet-fix-{}-{}-{}.{ext}",
        plan.check,
        plan.target.namespace().replace('/', "_"),
        plan.target.name.replace('/', "_")
    );
    let patch = match &plan.change {
        Change::Create(obj) => yaml(obj),
        Change::Patch(_) | Change::Delete(_) => patch_text(&plan),
    };
    Ok(Preview {
        before: object.clone(),
        dry_run: false,
        undoes: None,
        kubectl: kubectl(&plan),
        patch,
        diff,
        after,
        file_name,
        plan,
    })
}

/// The plural resource name kubectl takes for a kind.
pub fn resource_name(kind: &Kind) -> String {
    match kind {
        Kind::PodDisruptionBudget => "poddisruptionbudget".into(),
        Kind::HorizontalPodAutoscaler => "horizontalpodautoscaler".into(),
        k => k.as_str().to_ascii_lowercase(),
    }
}

/// The fix as a shell command: `kubectl patch --type=json` or `kubectl apply` of the new object.
pub fn kubectl(plan: &FixPlan) -> String {
    let ns = plan
        .target
        .namespace
        .as_deref()
        .map(|n| format!(" -n {}", shell_word(n)))
        .unwrap_or_default();
    match &plan.change {
        Change::Patch(ops) => {
            let json = serde_json::to_string(ops).unwrap_or_default();
            format!(
                "kubectl patch {} {}{ns} --type=json --field-manager=kvet -p {}\n",
                resource_name(&plan.target.kind),
                shell_word(&plan.target.name),
                shell_word(&json)
            )
        }
        Change::Create(obj) => format!(
            "kubectl apply --field-manager=kvet -f - <<'EOF'\n{}EOF\n",
            yaml(obj)
        ),
        Change::Delete(_) => format!(
            "kubectl delete {} {}{ns}\n",
            resource_name(&plan.target.kind),
            shell_word(&plan.target.name)
        ),
    }
}

/// Quotes a word for a POSIX shell when it needs it.
fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=".contains(&b))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shell_words_are_quoted_when_needed() {
        assert_eq!(shell_word("cart"), "cart");
        assert_eq!(shell_word("[{\"op\":1}]"), "'[{\"op\":1}]'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
    }

    #[test]
    fn gitops_owners_are_recognised() {
        let argo = json!({"metadata": {"annotations": {"argocd.argoproj.io/tracking-id": "x"}}});
        let helm = json!({"metadata": {"labels": {"app.kubernetes.io/managed-by": "Helm"}}});
        let flux = json!({"metadata": {"labels": {"kustomize.toolkit.fluxcd.io/name": "apps"}}});
        let none = json!({"metadata": {"labels": {"app": "x"}}});
        assert_eq!(gitops_owner(&argo), Some("Argo CD"));
        assert_eq!(gitops_owner(&helm), Some("Helm"));
        assert_eq!(gitops_owner(&flux), Some("Flux"));
        assert_eq!(gitops_owner(&none), None);
    }
}
