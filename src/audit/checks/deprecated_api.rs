//! `deprecated-api`: an object written in an apiVersion that the target Kubernetes version no
//! longer serves (critical) or has deprecated (warning). The table is data:
//! `assets/deprecations.tsv`, with its origin.

use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::{Kind, ObjectRef, Snapshot};
use std::sync::OnceLock;

pub static INFO: CheckInfo = CheckInfo {
    id: "deprecated-api",
    family: Family::Deprecations,
    severity: Severity::Critical,
    summary: "An apiVersion removed in the target Kubernetes version (critical), or deprecated there (warning)",
    doc: "\
What it detects
  An object whose apiVersion, for its kind, is removed in the target Kubernetes version
  (critical) or deprecated but still served there (warning). The target is
  `kvet audit --target-version X.Y` (`:target 1.29` in the TUI); by default the server's next
  minor version live, and the newest version in the table offline. Live objects are served in the preferred version, so the version an object was
  written in comes from its kubectl last-applied annotation (kvet keeps only its apiVersion and
  kind). With `kvet audit --helm`, kvet also reads the deployed revision of each Helm release
  (its release Secret or ConfigMap) and keeps each stored object's apiVersion, kind, namespace
  and name, nothing else: Helm compares the next upgrade with that stored manifest. The table
  is the Kubernetes deprecation guide as Pluto records it.

Why it matters
  After the upgrade, the API server no longer accepts the old apiVersion: the next
  `kubectl apply`, Helm upgrade or GitOps sync of these manifests fails, often in the middle of
  the deploy that was supposed to fix something.

Example
  A Deployment in extensions/v1beta1 (removed in 1.16), an Ingress in
  networking.k8s.io/v1beta1 (removed in 1.22), a PodDisruptionBudget in policy/v1beta1
  (removed in 1.25).

Fix
  Rewrite the manifest in the replacement apiVersion (`kubectl convert` helps; some fields
  moved, such as an Ingress backend's service name and port) and re-apply it before the
  upgrade. For a Helm release, also rewrite the stored revision (the helm mapkubeapis plugin
  does it), or the first `helm upgrade` on the upgraded cluster fails.",
    fix_available: false,
};

/// One row of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deprecation {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub deprecated_in: (u32, u32),
    pub removed_in: Option<(u32, u32)>,
    /// Empty when nothing replaces the API.
    pub replacement: &'static str,
}

/// `1.22` → (1, 22).
pub fn parse_version(text: &str) -> Option<(u32, u32)> {
    let t = text.trim().trim_start_matches('v');
    let mut parts = t.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// The table, parsed once from `assets/deprecations.tsv`. Lookups borrow from it: nothing is
/// allocated per object.
pub fn table() -> &'static [Deprecation] {
    static TABLE: OnceLock<Vec<Deprecation>> = OnceLock::new();
    TABLE.get_or_init(|| {
        include_str!("../../../assets/deprecations.tsv")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let f: Vec<&'static str> = l.split('\t').collect();
                Some(Deprecation {
                    api_version: f.first()?,
                    kind: f.get(1)?,
                    deprecated_in: parse_version(f.get(2)?)?,
                    removed_in: f.get(3).and_then(|v| parse_version(v)),
                    replacement: f.get(4).copied().unwrap_or(""),
                })
            })
            .collect()
    })
}

/// The default target offline: the newest version the table names.
pub fn newest() -> (u32, u32) {
    table()
        .iter()
        .flat_map(|d| [Some(d.deprecated_in), d.removed_in])
        .flatten()
        .max()
        .unwrap_or((1, 32))
}

pub fn lookup(api_version: &str, kind: &str) -> Option<&'static Deprecation> {
    table()
        .iter()
        .find(|d| d.api_version == api_version && d.kind == kind)
}

pub struct DeprecatedApi;

/// The finding for an object written in `api`/`kind` (`how` says where that version comes
/// from), or None when the target still serves it undeprecated.
fn judge(
    d: &Deprecation,
    target: (u32, u32),
    what: &str,
    removed_tail: &str,
) -> Option<(Severity, String)> {
    let t = format!("{}.{}", target.0, target.1);
    let instead = if d.replacement.is_empty() {
        "nothing replaces it".to_string()
    } else {
        format!("use {}", d.replacement)
    };
    match d.removed_in {
        Some(r) if r <= target => Some((
            Severity::Critical,
            format!(
                "{what} is removed in Kubernetes {}.{} (target {t}): {instead}{removed_tail}",
                r.0, r.1
            ),
        )),
        removed if d.deprecated_in <= target => Some((
            Severity::Warning,
            format!(
                "{what} is deprecated since Kubernetes {}.{}{} (target {t}): {instead}",
                d.deprecated_in.0,
                d.deprecated_in.1,
                removed
                    .map(|r| format!(" and removed in {}.{}", r.0, r.1))
                    .unwrap_or_default()
            ),
        )),
        _ => None,
    }
}

impl Check for DeprecatedApi {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        // Live, the default target is the server's next minor version (the upgrade to plan).
        let target = out
            .target_version
            .or(snap.server_version.map(|(major, minor)| (major, minor + 1)))
            .unwrap_or_else(newest);
        // Live, objects come in the version the server prefers: only the last-applied
        // annotation says what they were written in.
        let served = !snap.source_kind.is_offline() || snap.captured_live;
        let mut flagged = std::collections::HashSet::new();
        for (kind, meta) in snap.all_meta() {
            let (api, k, how) = match &meta.applied_as {
                Some(a) if *a.0 == *meta.api_version => (&*a.0, &*a.1, ""),
                Some(a) => (&*a.0, &*a.1, " (as last applied)"),
                None if served => continue,
                None => (&*meta.api_version, kind.as_str(), ""),
            };
            // Every row of the table is an alpha or beta version: most objects stop here.
            if !api.contains("beta") && !api.contains("alpha") {
                continue;
            }
            let Some(d) = lookup(api, k) else { continue };
            if let Some((severity, message)) = judge(d, target, &format!("{api} {k}{how}"), "") {
                let subject = crate::audit::Subject::of(kind.clone(), meta);
                flagged.insert(subject.object.clone());
                out.add_at(severity, subject, "/apiVersion", message);
            }
        }
        // `--helm`: the manifests stored in the deployed revision of each release. Helm
        // compares the next upgrade with them, so a removed apiVersion there breaks that
        // upgrade even when the chart itself was fixed (Helm's "Deprecated Kubernetes APIs"
        // guide).
        for o in snap.helm.iter().flat_map(|h| &h.objects) {
            let Some(d) = lookup(&o.api_version, &o.kind) else {
                continue;
            };
            let object = ObjectRef::new(Kind::parse(&o.kind), o.namespace.as_deref(), &o.name);
            if flagged.contains(&object) {
                continue;
            }
            let what = format!(
                "{} {} (in Helm release {}/{} revision {})",
                o.api_version, o.kind, o.release_namespace, o.release, o.revision
            );
            let tail = "; until the release record is rewritten (helm mapkubeapis), helm upgrade fails on the upgraded cluster";
            if let Some((severity, message)) = judge(d, target, &what, tail) {
                flagged.insert(object.clone());
                out.add_at(severity, object, "/apiVersion", message);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_whole_and_only_holds_pre_release_versions() {
        let rows = include_str!("../../../assets/deprecations.tsv")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .count();
        assert_eq!(table().len(), rows, "a row did not parse");
        // The check skips GA versions before looking them up.
        assert!(table()
            .iter()
            .all(|d| d.api_version.contains("beta") || d.api_version.contains("alpha")));
        assert_eq!(newest(), (1, 32));
        let pdb = lookup("policy/v1beta1", "PodDisruptionBudget").expect("row");
        assert_eq!(
            (pdb.deprecated_in, pdb.removed_in),
            ((1, 21), Some((1, 25)))
        );
    }
}
