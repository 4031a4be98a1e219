//! Other tools' policy reports (Kyverno, Kubescape, trivy-operator, kube-bench adapters...):
//! OpenReports `Report`/`ClusterReport` and wg-policy `PolicyReport`/`ClusterPolicyReport`.
//! Only the results that say something is wrong (fail, warn, error) are kept; passes and skips
//! are counted. kvet's own reports (labelled `app.kubernetes.io/managed-by: kvet`) are not
//! kept: its findings are already on screen.

use super::{Kind, Meta, ObjectRef};

/// The report kinds of both APIs, with their group.
pub const REPORT_KINDS: [(&str, &str); 4] = [
    ("Report", "openreports.io"),
    ("ClusterReport", "openreports.io"),
    ("PolicyReport", "wgpolicyk8s.io"),
    ("ClusterPolicyReport", "wgpolicyk8s.io"),
];

/// The most results kept of one report; the rest are counted in [`PolicyReport::dropped`].
pub const MAX_RESULTS_PER_REPORT: usize = 1_000;
/// The most results kept of all reports together (about 300 bytes each); the rest are counted
/// in `Snapshot::reports_dropped`. Reports grow with the cluster (Kyverno writes one per
/// resource): this bounds what they cost.
pub const MAX_REPORT_RESULTS: usize = 100_000;

/// Whether `kind` in `api_version` is one of the report kinds.
pub fn is_report(kind: &str, api_version: &str) -> bool {
    let group = api_version.split('/').next().unwrap_or("");
    REPORT_KINDS.iter().any(|(k, g)| *k == kind && *g == group)
}

/// One result another tool reported.
#[derive(Clone, Debug, PartialEq)]
pub struct ExternalResult {
    /// The tool (`kyverno`, `kubescape`, `trivy`...): the result's source, else the report's.
    pub source: Box<str>,
    pub policy: Box<str>,
    pub rule: Option<Box<str>>,
    pub category: Option<Box<str>>,
    /// As the tool wrote it: critical, high, medium, low, info (or none).
    pub severity: Option<Box<str>>,
    /// fail, warn or error.
    pub result: Box<str>,
    pub message: Box<str>,
    /// The object it is about: its first resource, else the report's scope, else none (a
    /// result about the report's namespace or the cluster as a whole).
    pub object: Option<ObjectRef>,
}

impl ExternalResult {
    /// kvet's severity scale, for sorting and filtering beside kvet's findings (never counted
    /// with them): critical and high are critical, medium (and a failure with none) warning,
    /// low and info info.
    pub fn severity_level(&self) -> crate::audit::Severity {
        use crate::audit::Severity;
        match self.severity.as_deref() {
            Some("critical" | "high") => Severity::Critical,
            Some("low" | "info") => Severity::Info,
            Some(_) => Severity::Warning,
            None if &*self.result == "fail" || &*self.result == "error" => Severity::Warning,
            None => Severity::Info,
        }
    }
}

/// A report object of another tool.
#[derive(Clone, Debug)]
pub struct PolicyReport {
    pub meta: Meta,
    /// Report, ClusterReport, PolicyReport or ClusterPolicyReport.
    pub kind: Box<str>,
    pub results: Vec<ExternalResult>,
    /// Results that passed or were skipped: counted, not kept.
    pub passed: u32,
    /// Failing results past [`MAX_RESULTS_PER_REPORT`]: counted, not kept.
    pub dropped: u32,
}

impl PolicyReport {
    pub fn kind(&self) -> Kind {
        Kind::parse(&self.kind)
    }

    /// Whether kvet wrote it (`kvet report`).
    pub fn is_kvets(&self) -> bool {
        self.meta.labels.get("app.kubernetes.io/managed-by") == Some("kvet")
    }
}

#[cfg(test)]
mod tests {
    use crate::model::snapshot::from_yaml;
    use crate::model::SourceKind;

    fn report(name: &str, fails: usize) -> String {
        let mut y = format!(
            "apiVersion: wgpolicyk8s.io/v1alpha2\nkind: PolicyReport\nmetadata: {{name: {name}, namespace: a}}\nresults:\n- {{policy: ok, result: pass}}\n"
        );
        for i in 0..fails {
            y.push_str(&format!(
                "- {{policy: p{i}, result: fail, source: kyverno, message: m}}\n"
            ));
        }
        y
    }

    /// A report keeps at most MAX_RESULTS_PER_REPORT results, all reports together at most
    /// MAX_REPORT_RESULTS; what is not kept is counted, and passes are counted apart.
    #[test]
    fn results_are_bounded_per_report_and_in_all() {
        let s = from_yaml(
            &report("big", super::MAX_RESULTS_PER_REPORT + 5),
            SourceKind::Live,
        );
        assert_eq!(s.reports[0].results.len(), super::MAX_RESULTS_PER_REPORT);
        assert_eq!(s.reports[0].passed, 1);
        assert_eq!(s.reports_dropped, 5);
        let many = super::MAX_REPORT_RESULTS / super::MAX_RESULTS_PER_REPORT + 2;
        let yaml: Vec<String> = (0..many)
            .map(|i| report(&format!("r{i}"), super::MAX_RESULTS_PER_REPORT))
            .collect();
        let s = from_yaml(&yaml.join("---\n"), SourceKind::Live);
        let kept: usize = s.reports.iter().map(|r| r.results.len()).sum();
        assert_eq!(kept, super::MAX_REPORT_RESULTS);
        assert_eq!(
            s.reports_dropped,
            many * super::MAX_RESULTS_PER_REPORT - super::MAX_REPORT_RESULTS
        );
    }
}
