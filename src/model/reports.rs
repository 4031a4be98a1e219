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
