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
  minor version live, and the newest version in the table offline. Offline, a document is
  judged by its own apiVersion (what the file holds is what gets applied); the message also
  names the last-applied annotation's version when it differs. Live objects are served in the
  preferred version, so the version an object was written in comes from its kubectl
  last-applied annotation (kvet keeps only its apiVersion and kind). With `kvet audit --helm`, kvet also reads the deployed revision of each Helm release
  (its release Secret or ConfigMap) and keeps each stored object's apiVersion, kind, namespace
  and name, nothing else: Helm compares the next upgrade with that stored manifest. The table
  is derived row by row from the Kubernetes Deprecated API Migration Guide (and, for alpha
  versions, which the guide does not list, from the release notes that removed them). The
  replacement named is the first one the guide gives that the target serves: flowcontrol v1
  from 1.29, v1beta3 on 1.26 to 1.28. PodSecurityPolicy has none.

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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deprecation {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub deprecated_in: (u32, u32),
    pub removed_in: Option<(u32, u32)>,
    /// The replacements, in the order kvet recommends them, each with the release since which
    /// it is available. Empty when nothing replaces the API.
    pub replacements: Vec<(&'static str, (u32, u32))>,
    /// Where the row comes from (the guide's section, or release notes).
    pub source: &'static str,
}

impl Deprecation {
    /// The replacement to recommend at `target`: the first one available there and not itself
    /// removed there; else the first one.
    pub fn replacement_at(&self, target: (u32, u32)) -> Option<&'static str> {
        self.replacements
            .iter()
            .find(|(api, since)| {
                *since <= target
                    && lookup(api, self.kind)
                        .and_then(|d| d.removed_in)
                        .is_none_or(|r| r > target)
            })
            .or(self.replacements.first())
            .map(|(api, _)| *api)
    }
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
                let replacements = f
                    .get(4)
                    .copied()
                    .unwrap_or("")
                    .split(',')
                    .filter(|r| !r.is_empty())
                    .map(|r| {
                        let (api, since) = r.split_once('@')?;
                        Some((api, parse_version(since)?))
                    })
                    .collect::<Option<Vec<_>>>()?;
                Some(Deprecation {
                    api_version: f.first()?,
                    kind: f.get(1)?,
                    deprecated_in: parse_version(f.get(2)?)?,
                    removed_in: f.get(3).and_then(|v| parse_version(v)),
                    replacements,
                    source: f.get(5).copied().unwrap_or(""),
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
    let instead = match d.replacement_at(target) {
        Some(r) => format!("use {r}"),
        None if d.kind == "PodSecurityPolicy" => "nothing replaces it (Pod Security Admission enforces the Pod Security Standards instead)".to_string(),
        None => "nothing replaces it".to_string(),
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
            let noted;
            let (api, k, how) = match &meta.applied_as {
                // Live: the server's version says nothing; the annotation says what was written.
                Some(a) if served && *a.0 == *meta.api_version => (&*a.0, &*a.1, ""),
                Some(a) if served => (&*a.0, &*a.1, " (as last applied)"),
                None if served => continue,
                // A file: what it holds is what gets applied.
                Some(a) if *a.0 != *meta.api_version => {
                    noted = format!(" (its last-applied annotation says {})", a.0);
                    (&*meta.api_version, kind.as_str(), noted.as_str())
                }
                _ => (&*meta.api_version, kind.as_str(), ""),
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
        // Every row names where it comes from, and every replacement parsed.
        for d in table() {
            assert!(!d.source.is_empty(), "{} {}", d.api_version, d.kind);
        }
    }

    fn row(api: &str, kind: &str) -> &'static Deprecation {
        lookup(api, kind).unwrap_or_else(|| panic!("{api} {kind} is not in the table"))
    }

    /// One assertion per row of the table: the release the guide (or the release notes) says
    /// stops serving it, the release that deprecated it, and the replacement at a target.
    #[test]
    fn every_row_is_the_guides() {
        const F: &str = "flowcontrol.apiserver.k8s.io";
        type V = (u32, u32);
        type Row<'a> = (&'a str, &'a str, V, V, V, Option<&'a str>);
        let rows: &[Row] = &[
            // apiVersion, kind, deprecated-in, removed-in, a target, the replacement there
            (
                "admissionregistration.k8s.io/v1alpha1",
                "InitializerConfiguration",
                (1, 12),
                (1, 14),
                (1, 14),
                None,
            ),
            (
                "admissionregistration.k8s.io/v1beta1",
                "MutatingWebhookConfiguration",
                (1, 16),
                (1, 22),
                (1, 22),
                Some("admissionregistration.k8s.io/v1"),
            ),
            (
                "admissionregistration.k8s.io/v1beta1",
                "ValidatingWebhookConfiguration",
                (1, 16),
                (1, 22),
                (1, 22),
                Some("admissionregistration.k8s.io/v1"),
            ),
            (
                "apiextensions.k8s.io/v1beta1",
                "CustomResourceDefinition",
                (1, 16),
                (1, 22),
                (1, 22),
                Some("apiextensions.k8s.io/v1"),
            ),
            (
                "apiregistration.k8s.io/v1beta1",
                "APIService",
                (1, 10),
                (1, 22),
                (1, 22),
                Some("apiregistration.k8s.io/v1"),
            ),
            (
                "apps/v1beta1",
                "Deployment",
                (1, 9),
                (1, 16),
                (1, 16),
                Some("apps/v1"),
            ),
            (
                "apps/v1beta1",
                "ReplicaSet",
                (1, 9),
                (1, 16),
                (1, 16),
                Some("apps/v1"),
            ),
            (
                "apps/v1beta1",
                "StatefulSet",
                (1, 9),
                (1, 16),
                (1, 16),
                Some("apps/v1"),
            ),
            (
                "apps/v1beta2",
                "DaemonSet",
                (1, 9),
                (1, 16),
                (1, 16),
                Some("apps/v1"),
            ),
            (
                "apps/v1beta2",
                "Deployment",
                (1, 9),
                (1, 16),
                (1, 16),
                Some("apps/v1"),
            ),
            (
                "apps/v1beta2",
                "ReplicaSet",
                (1, 9),
                (1, 16),
                (1, 16),
                Some("apps/v1"),
            ),
            (
                "apps/v1beta2",
                "StatefulSet",
                (1, 9),
                (1, 16),
                (1, 16),
                Some("apps/v1"),
            ),
            (
                "authentication.k8s.io/v1beta1",
                "TokenReview",
                (1, 6),
                (1, 22),
                (1, 22),
                Some("authentication.k8s.io/v1"),
            ),
            (
                "authorization.k8s.io/v1beta1",
                "LocalSubjectAccessReview",
                (1, 6),
                (1, 22),
                (1, 22),
                Some("authorization.k8s.io/v1"),
            ),
            (
                "authorization.k8s.io/v1beta1",
                "SelfSubjectAccessReview",
                (1, 6),
                (1, 22),
                (1, 22),
                Some("authorization.k8s.io/v1"),
            ),
            (
                "authorization.k8s.io/v1beta1",
                "SubjectAccessReview",
                (1, 6),
                (1, 22),
                (1, 22),
                Some("authorization.k8s.io/v1"),
            ),
            (
                "autoscaling/v2beta1",
                "HorizontalPodAutoscaler",
                (1, 22),
                (1, 25),
                (1, 25),
                Some("autoscaling/v2"),
            ),
            (
                "autoscaling/v2beta2",
                "HorizontalPodAutoscaler",
                (1, 23),
                (1, 26),
                (1, 26),
                Some("autoscaling/v2"),
            ),
            (
                "batch/v1beta1",
                "CronJob",
                (1, 21),
                (1, 25),
                (1, 25),
                Some("batch/v1"),
            ),
            (
                "batch/v2alpha1",
                "CronJob",
                (1, 8),
                (1, 21),
                (1, 21),
                Some("batch/v1"),
            ),
            (
                "batch/v2alpha1",
                "CronJob",
                (1, 8),
                (1, 21),
                (1, 20),
                Some("batch/v1beta1"),
            ),
            (
                "certificates.k8s.io/v1beta1",
                "CertificateSigningRequest",
                (1, 19),
                (1, 22),
                (1, 22),
                Some("certificates.k8s.io/v1"),
            ),
            (
                "coordination.k8s.io/v1beta1",
                "Lease",
                (1, 14),
                (1, 22),
                (1, 22),
                Some("coordination.k8s.io/v1"),
            ),
            (
                "discovery.k8s.io/v1beta1",
                "EndpointSlice",
                (1, 21),
                (1, 25),
                (1, 25),
                Some("discovery.k8s.io/v1"),
            ),
            (
                "events.k8s.io/v1beta1",
                "Event",
                (1, 19),
                (1, 25),
                (1, 25),
                Some("events.k8s.io/v1"),
            ),
            (
                "extensions/v1beta1",
                "DaemonSet",
                (1, 9),
                (1, 16),
                (1, 16),
                Some("apps/v1"),
            ),
            (
                "extensions/v1beta1",
                "Deployment",
                (1, 9),
                (1, 16),
                (1, 16),
                Some("apps/v1"),
            ),
            (
                "extensions/v1beta1",
                "Ingress",
                (1, 14),
                (1, 22),
                (1, 22),
                Some("networking.k8s.io/v1"),
            ),
            (
                "extensions/v1beta1",
                "Ingress",
                (1, 14),
                (1, 22),
                (1, 18),
                Some("networking.k8s.io/v1beta1"),
            ),
            (
                "extensions/v1beta1",
                "NetworkPolicy",
                (1, 9),
                (1, 16),
                (1, 16),
                Some("networking.k8s.io/v1"),
            ),
            (
                "extensions/v1beta1",
                "PodSecurityPolicy",
                (1, 10),
                (1, 16),
                (1, 16),
                None,
            ),
            (
                "extensions/v1beta1",
                "ReplicaSet",
                (1, 9),
                (1, 16),
                (1, 16),
                Some("apps/v1"),
            ),
            (
                &format!("{F}/v1beta1"),
                "FlowSchema",
                (1, 23),
                (1, 26),
                (1, 26),
                Some(&format!("{F}/v1beta3")),
            ),
            (
                &format!("{F}/v1beta1"),
                "FlowSchema",
                (1, 23),
                (1, 26),
                (1, 29),
                Some(&format!("{F}/v1")),
            ),
            (
                &format!("{F}/v1beta1"),
                "PriorityLevelConfiguration",
                (1, 23),
                (1, 26),
                (1, 32),
                Some(&format!("{F}/v1")),
            ),
            (
                &format!("{F}/v1beta2"),
                "FlowSchema",
                (1, 26),
                (1, 29),
                (1, 29),
                Some(&format!("{F}/v1")),
            ),
            (
                &format!("{F}/v1beta2"),
                "PriorityLevelConfiguration",
                (1, 26),
                (1, 29),
                (1, 28),
                Some(&format!("{F}/v1beta3")),
            ),
            (
                &format!("{F}/v1beta3"),
                "FlowSchema",
                (1, 29),
                (1, 32),
                (1, 32),
                Some(&format!("{F}/v1")),
            ),
            (
                &format!("{F}/v1beta3"),
                "PriorityLevelConfiguration",
                (1, 29),
                (1, 32),
                (1, 32),
                Some(&format!("{F}/v1")),
            ),
            (
                "networking.k8s.io/v1beta1",
                "Ingress",
                (1, 19),
                (1, 22),
                (1, 22),
                Some("networking.k8s.io/v1"),
            ),
            (
                "networking.k8s.io/v1beta1",
                "IngressClass",
                (1, 19),
                (1, 22),
                (1, 22),
                Some("networking.k8s.io/v1"),
            ),
            (
                "node.k8s.io/v1beta1",
                "RuntimeClass",
                (1, 22),
                (1, 25),
                (1, 25),
                Some("node.k8s.io/v1"),
            ),
            (
                "policy/v1beta1",
                "PodDisruptionBudget",
                (1, 21),
                (1, 25),
                (1, 25),
                Some("policy/v1"),
            ),
            (
                "policy/v1beta1",
                "PodSecurityPolicy",
                (1, 21),
                (1, 25),
                (1, 25),
                None,
            ),
            (
                "rbac.authorization.k8s.io/v1alpha1",
                "ClusterRole",
                (1, 17),
                (1, 22),
                (1, 22),
                Some("rbac.authorization.k8s.io/v1"),
            ),
            (
                "rbac.authorization.k8s.io/v1alpha1",
                "ClusterRoleBinding",
                (1, 17),
                (1, 22),
                (1, 22),
                Some("rbac.authorization.k8s.io/v1"),
            ),
            (
                "rbac.authorization.k8s.io/v1alpha1",
                "Role",
                (1, 17),
                (1, 22),
                (1, 22),
                Some("rbac.authorization.k8s.io/v1"),
            ),
            (
                "rbac.authorization.k8s.io/v1alpha1",
                "RoleBinding",
                (1, 17),
                (1, 22),
                (1, 22),
                Some("rbac.authorization.k8s.io/v1"),
            ),
            (
                "rbac.authorization.k8s.io/v1beta1",
                "ClusterRole",
                (1, 17),
                (1, 22),
                (1, 22),
                Some("rbac.authorization.k8s.io/v1"),
            ),
            (
                "rbac.authorization.k8s.io/v1beta1",
                "ClusterRoleBinding",
                (1, 17),
                (1, 22),
                (1, 22),
                Some("rbac.authorization.k8s.io/v1"),
            ),
            (
                "rbac.authorization.k8s.io/v1beta1",
                "Role",
                (1, 17),
                (1, 22),
                (1, 22),
                Some("rbac.authorization.k8s.io/v1"),
            ),
            (
                "rbac.authorization.k8s.io/v1beta1",
                "RoleBinding",
                (1, 17),
                (1, 22),
                (1, 22),
                Some("rbac.authorization.k8s.io/v1"),
            ),
            (
                "scheduling.k8s.io/v1alpha1",
                "PriorityClass",
                (1, 14),
                (1, 17),
                (1, 17),
                Some("scheduling.k8s.io/v1"),
            ),
            (
                "scheduling.k8s.io/v1beta1",
                "PriorityClass",
                (1, 14),
                (1, 22),
                (1, 22),
                Some("scheduling.k8s.io/v1"),
            ),
            (
                "settings.k8s.io/v1alpha1",
                "PodPreset",
                (1, 19),
                (1, 20),
                (1, 20),
                None,
            ),
            (
                "storage.k8s.io/v1beta1",
                "CSIDriver",
                (1, 19),
                (1, 22),
                (1, 22),
                Some("storage.k8s.io/v1"),
            ),
            (
                "storage.k8s.io/v1beta1",
                "CSINode",
                (1, 17),
                (1, 22),
                (1, 22),
                Some("storage.k8s.io/v1"),
            ),
            (
                "storage.k8s.io/v1beta1",
                "CSIStorageCapacity",
                (1, 24),
                (1, 27),
                (1, 27),
                Some("storage.k8s.io/v1"),
            ),
            (
                "storage.k8s.io/v1beta1",
                "StorageClass",
                (1, 6),
                (1, 22),
                (1, 22),
                Some("storage.k8s.io/v1"),
            ),
            (
                "storage.k8s.io/v1beta1",
                "VolumeAttachment",
                (1, 13),
                (1, 22),
                (1, 22),
                Some("storage.k8s.io/v1"),
            ),
        ];
        let mut seen = std::collections::BTreeSet::new();
        for (api, kind, dep, rem, target, replacement) in rows {
            let d = row(api, kind);
            assert_eq!(d.deprecated_in, *dep, "{api} {kind}");
            assert_eq!(d.removed_in, Some(*rem), "{api} {kind}");
            assert_eq!(
                d.replacement_at(*target),
                *replacement,
                "{api} {kind} at {target:?}"
            );
            seen.insert((d.api_version, d.kind));
        }
        assert_eq!(
            seen.len(),
            table().len(),
            "a row of the table has no assertion"
        );
    }
}
