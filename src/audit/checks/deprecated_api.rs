//! `deprecated-api`: an object written in an apiVersion that the target Kubernetes version no
//! longer serves (critical) or has deprecated (warning). The table is data:
//! `assets/deprecations.tsv`, with its origin.

use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::Snapshot;
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
  kind). The table is the Kubernetes deprecation guide as Pluto records it.

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
  upgrade.",
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
        let t = format!("{}.{}", target.0, target.1);
        // Live, objects come in the version the server prefers: only the last-applied
        // annotation says what they were written in.
        let served = !snap.source_kind.is_offline() || snap.captured_live;
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
            let instead = if d.replacement.is_empty() {
                "nothing replaces it".to_string()
            } else {
                format!("use {}", d.replacement)
            };
            let subject = crate::audit::Subject::of(kind.clone(), meta);
            match d.removed_in {
                Some(r) if r <= target => out.add_at(
                    Severity::Critical,
                    subject,
                    "/apiVersion",
                    format!(
                        "{api} {k}{how} is removed in Kubernetes {}.{} (target {t}): {instead}",
                        r.0, r.1
                    ),
                ),
                removed if d.deprecated_in <= target => out.add_at(
                    Severity::Warning,
                    subject,
                    "/apiVersion",
                    format!(
                        "{api} {k}{how} is deprecated since Kubernetes {}.{}{} (target {t}): {instead}",
                        d.deprecated_in.0,
                        d.deprecated_in.1,
                        removed
                            .map(|r| format!(" and removed in {}.{}", r.0, r.1))
                            .unwrap_or_default()
                    ),
                ),
                _ => {}
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
