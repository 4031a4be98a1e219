//! PURE. The audit engine: the check trait, the registry, findings, config and exemptions.
//!
//! Each check lives in its own file under `checks/`, with its documentation beside its code.
//! `registry()` is the explicit list of them; nothing is discovered at run time.

pub mod baseline;
pub mod checks;
pub mod config;
pub mod helpers;

use crate::model::{Kind, Meta, ObjectRef, Origin, Snapshot, Workload};
use serde::Serialize;
use std::collections::HashMap;
use std::fmt;

pub use config::{Config, ConfigError, Setting};

/// How bad a finding is. Ordered: `Info < Warning < Critical`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn parse(s: &str) -> Option<Severity> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The check families of checks.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Availability,
    Resources,
    Probes,
    Rollout,
    Lifecycle,
    Autoscaling,
    Rbac,
    Network,
    Placement,
    Quotas,
    Security,
    Deprecations,
    Helm,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Availability => "availability",
            Family::Resources => "resources",
            Family::Probes => "probes",
            Family::Rollout => "rollout",
            Family::Lifecycle => "lifecycle",
            Family::Autoscaling => "autoscaling",
            Family::Rbac => "rbac",
            Family::Network => "network",
            Family::Placement => "placement",
            Family::Quotas => "quotas",
            Family::Security => "security",
            Family::Deprecations => "deprecations",
            Family::Helm => "helm",
        }
    }
}

/// The catalog entry of a check: its public ID, its default severity and its documentation.
#[derive(Debug)]
pub struct CheckInfo {
    pub id: &'static str,
    pub family: Family,
    pub severity: Severity,
    /// One line, as `kvet checks` lists it.
    pub summary: &'static str,
    /// What it detects, why it matters, an example, and the fix (`kvet explain`).
    pub doc: &'static str,
    /// Whether kvet can produce a patch for it (`kvet fix`).
    pub fix_available: bool,
}

/// The object a finding is about, and which copy of it: offline, the same identity can be
/// defined in several files, and each copy has its own findings and location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    pub object: ObjectRef,
    pub origin: Option<Origin>,
}

impl Subject {
    pub fn of(kind: Kind, meta: &Meta) -> Subject {
        Subject {
            object: crate::model::obj_ref(kind, meta),
            origin: meta.origin,
        }
    }
}

impl From<ObjectRef> for Subject {
    fn from(object: ObjectRef) -> Subject {
        Subject {
            object,
            origin: None,
        }
    }
}

impl From<&Workload> for Subject {
    fn from(w: &Workload) -> Subject {
        Subject {
            object: w.object_ref(),
            origin: w.meta.origin,
        }
    }
}

/// One problem on one object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub check: &'static str,
    pub severity: Severity,
    pub object: ObjectRef,
    /// Which copy of the object (offline): its file and first line.
    #[serde(skip)]
    pub origin: Option<Origin>,
    /// JSON pointer into the object (`/spec/template/spec/containers/0/resources`).
    pub path: String,
    pub message: String,
    pub fix_available: bool,
}

/// A check. `run` looks at the snapshot and appends findings; it never does I/O.
pub trait Check: Sync {
    fn info(&self) -> &'static CheckInfo;
    fn run(&self, snap: &Snapshot, out: &mut Findings);
}

/// Collects the findings of one check, stamping its ID and default severity.
pub struct Findings {
    info: &'static CheckInfo,
    items: Vec<Finding>,
    /// The Kubernetes version an upgrade targets (deprecated-api).
    pub target_version: Option<(u32, u32)>,
}

impl Findings {
    pub fn new(info: &'static CheckInfo) -> Self {
        Findings {
            info,
            items: Vec::new(),
            target_version: None,
        }
    }

    /// A finding at the check's default severity.
    pub fn add(
        &mut self,
        subject: impl Into<Subject>,
        path: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.add_at(self.info.severity, subject, path, message);
    }

    /// A finding at an explicit severity (for checks with two levels).
    pub fn add_at(
        &mut self,
        severity: Severity,
        subject: impl Into<Subject>,
        path: impl Into<String>,
        message: impl Into<String>,
    ) {
        let Subject { object, origin } = subject.into();
        self.items.push(Finding {
            check: self.info.id,
            severity,
            object,
            origin,
            path: path.into(),
            message: message.into(),
            fix_available: self.info.fix_available,
        });
    }

    pub fn into_vec(self) -> Vec<Finding> {
        self.items
    }
}

/// Every check kvet runs, in catalog order.
pub fn registry() -> &'static [&'static dyn Check] {
    checks::ALL
}

pub fn find_check(id: &str) -> Option<&'static dyn Check> {
    registry().iter().copied().find(|c| c.info().id == id)
}

/// The annotation an object uses to exempt itself: `kvet.io/ignore: "pdb-missing,limit-ratio"`
/// (or `"*"` for every check).
pub const IGNORE_ANNOTATION: &str = "kvet.io/ignore";

fn ignored(list: &str, id: &str) -> bool {
    list.split(',').map(str::trim).any(|x| x == id || x == "*")
}

/// Which checks to run and how to rate them.
#[derive(Clone, Debug, Default)]
pub struct AuditOptions {
    pub config: Config,
    /// When set, only these check IDs run.
    pub only: Option<Vec<String>>,
    /// `--target-version X.Y` for deprecated-api (default: live, the server's next minor version;
    /// offline, the newest version of its table).
    pub target_version: Option<(u32, u32)>,
}

#[derive(Debug, Default)]
pub struct AuditResult {
    pub findings: Vec<Finding>,
}

impl AuditResult {
    pub fn count(&self, s: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == s).count()
    }

    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

/// Runs the enabled checks on a snapshot, applies config overrides and exemptions, and sorts
/// the findings (most severe first, then by namespace, kind, name and check).
pub fn run(snap: &Snapshot, opts: &AuditOptions) -> AuditResult {
    let exemptions = exemptions(snap);
    let mut findings = Vec::new();
    for check in registry() {
        let info = check.info();
        if let Some(only) = &opts.only {
            if !only.iter().any(|x| x == info.id) {
                continue;
            }
        }
        let severity = match opts.config.setting(info.id) {
            Some(Setting::Off) => continue,
            Some(Setting::Severity(s)) => Some(s),
            None => None,
        };
        let mut out = Findings::new(info);
        out.target_version = opts.target_version;
        check.run(snap, &mut out);
        for mut f in out.into_vec() {
            if exemptions
                .get(&(f.object.clone(), f.origin))
                .is_some_and(|list| list.iter().any(|l| ignored(l, info.id)))
            {
                continue;
            }
            if let Some(s) = severity {
                f.severity = s;
            }
            findings.push(f);
        }
    }
    sort(&mut findings);
    AuditResult { findings }
}

pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.object.namespace().cmp(b.object.namespace()))
            .then_with(|| a.object.kind.as_str().cmp(b.object.kind.as_str()))
            .then_with(|| a.object.name.cmp(&b.object.name))
            .then_with(|| a.check.cmp(b.check))
            .then_with(|| {
                let key = |o: Option<Origin>| o.map(|o| (o.file, o.line));
                key(a.origin).cmp(&key(b.origin))
            })
    });
}

/// An object copy: its identity and, offline, where that copy is defined.
type CopyKey = (ObjectRef, Option<Origin>);

/// Object copies that carry the ignore annotation (on themselves or on their pod template).
/// Each copy exempts only itself: `staging/` may ignore a check that `prod/` does not.
fn exemptions(snap: &Snapshot) -> HashMap<CopyKey, Vec<&str>> {
    let mut out: HashMap<CopyKey, Vec<&str>> = HashMap::new();
    for (kind, m) in snap.all_meta() {
        if let Some(v) = m.annotation(IGNORE_ANNOTATION) {
            out.entry((crate::model::objects::obj_ref(kind, m), m.origin))
                .or_default()
                .push(v);
        }
    }
    for w in &snap.workloads {
        if let Some(v) = w.template_annotations.get(IGNORE_ANNOTATION) {
            out.entry((w.object_ref(), w.meta.origin))
                .or_default()
                .push(v);
        }
    }
    out
}
