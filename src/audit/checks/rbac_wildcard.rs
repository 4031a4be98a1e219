//! `rbac-wildcard`: a rule bound to a ServiceAccount uses * in its verbs or resources.

use crate::audit::{Check, CheckInfo, Family, Findings, Severity};
use crate::model::Snapshot;

pub static INFO: CheckInfo = CheckInfo {
    id: "rbac-wildcard",
    family: Family::Rbac,
    severity: Severity::Warning,
    summary: "A rule bound to a ServiceAccount uses * in its verbs or resources",
    doc: "\
What it detects
  A rule of a role bound to a ServiceAccount whose verbs or resources contain `*`.

Why it matters
  A wildcard grants today's verbs and resources and every one added later (new subresources,
  new CRDs): the permission grows without anyone reviewing it.

Example
  rules: [{apiGroups: [apps], resources: [\"*\"], verbs: [\"*\"]}]

Fix
  List the verbs and resources the workload uses (get, list, watch on deployments, say).",
    fix_available: false,
};

pub struct RbacWildcard;

impl Check for RbacWildcard {
    fn info(&self) -> &'static CheckInfo {
        &INFO
    }

    fn run(&self, snap: &Snapshot, out: &mut Findings) {
        crate::audit::helpers::sa_findings(snap, out, |g| {
            let rule = g.rules.iter().find(|r| {
                r.verbs.iter().any(|v| &**v == "*") || r.resources.iter().any(|v| &**v == "*")
            })?;
            let what = if rule.verbs.iter().any(|v| &**v == "*") {
                "every verb"
            } else {
                "every resource"
            };
            Some(format!("a rule grants {what} with * ({})", g.via()))
        });
    }
}
