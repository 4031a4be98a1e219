//! `kvet fix`: the fix of one finding, as a JSON patch, a kubectl command, the object after the
//! fix, or a diff.

use super::{exit, load_source, Failure, SourceArgs};
use crate::audit::{self, AuditOptions, Finding};
use crate::fix::{self, FixPlan};
use crate::model::{ObjectRef, Snapshot};
use clap::{Args, ValueEnum};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;

#[derive(Args, Debug)]
pub struct FixArgs {
    /// The check whose finding to fix (kvet checks marks the fixable ones)
    #[arg(long, value_name = "ID")]
    pub check: String,
    /// The object: KIND/NAMESPACE/NAME, e.g. deploy/storefront/cart or pdb/identity/users
    #[arg(long, value_name = "KIND/NS/NAME")]
    pub object: String,
    /// What to print
    #[arg(short = 'o', long = "output", value_enum, default_value_t = FixFormat::Diff)]
    pub output: FixFormat,
    /// Change an editable value: maxUnavailable=2, path=/healthz, sleep=10, cpu=250m
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Apply to the live cluster (dry run first, then a confirmation)
    #[arg(long)]
    pub apply: bool,
    /// With --apply: do not ask (for scripts)
    #[arg(long)]
    pub yes: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixFormat {
    /// RFC 6902 JSON patch (or the new object, for a creation)
    Patch,
    /// A kubectl command that applies it
    Kubectl,
    /// The object after the fix
    Yaml,
    /// A unified diff of the object's YAML
    Diff,
}

pub use crate::model::parse_object;

pub fn settings(list: &[String]) -> Result<BTreeMap<String, String>, String> {
    list.iter()
        .map(|s| match s.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => Err(format!("--set {s:?}: expected KEY=VALUE")),
        })
        .collect()
}

/// The findings of a check, or of a symptom that carries a fix (`oom-killed`).
pub fn findings_for(snap: &crate::model::Snapshot, check: &str) -> Vec<Finding> {
    if crate::triage::fixes::FIXABLE_SYMPTOMS.contains(&check) {
        return crate::triage::fixes::symptom_findings(snap, check);
    }
    audit::run(
        snap,
        &AuditOptions {
            only: Some(vec![check.to_string()]),
            ..AuditOptions::default()
        },
    )
    .findings
}

/// The finding of `check` on `r` (its first copy when it is defined more than once).
pub fn find<'a>(findings: &'a [Finding], check: &str, r: &ObjectRef) -> Vec<&'a Finding> {
    findings
        .iter()
        .filter(|f| f.check == check && f.object == *r)
        .collect()
}

/// Plans the fix of an offline finding: the object is read again from its file.
pub fn plan_offline(
    snap: &Snapshot,
    finding: &Finding,
    settings: &BTreeMap<String, String>,
) -> Result<(FixPlan, Value), String> {
    let object = crate::source::document::fix_object(snap, finding)?;
    let plan = fix::plan_offline(snap, finding, &object, settings)?;
    Ok((plan, object))
}

/// The output of a plan in one format.
pub fn render(plan: &FixPlan, object: &Value, format: FixFormat) -> Result<String, String> {
    let p = fix::preview(object, plan.clone()).map_err(|e| e.to_string())?;
    Ok(match format {
        FixFormat::Patch => fix::patch_text(plan),
        FixFormat::Kubectl => p.kubectl,
        FixFormat::Yaml => fix::yaml(&p.after),
        FixFormat::Diff => p.diff,
    })
}

pub fn fix_cmd(
    src: &SourceArgs,
    args: &FixArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Failure> {
    let symptom = crate::triage::fixes::FIXABLE_SYMPTOMS.contains(&args.check.as_str());
    if audit::find_check(&args.check).is_none() && !symptom {
        return Err(Failure::usage(format!(
            "unknown check ID {:?}. `kvet checks` lists the IDs",
            args.check
        )));
    }
    if !fix::has_fix(&args.check) {
        return Err(Failure::usage(format!(
            "kvet has no automatic fix for {} (`kvet checks` marks the fixable ones); `kvet explain {}` says what to change",
            args.check, args.check
        )));
    }
    let r = parse_object(&args.object).map_err(Failure::usage)?;
    let settings = settings(&args.set).map_err(Failure::usage)?;
    let live = !src.demo && src.filename.is_empty();
    if args.apply && !live {
        return Err(Failure::usage(
            "--apply changes a live cluster; offline, print the patch (-o patch|kubectl|yaml|diff) and commit it to the manifests",
        ));
    }
    if args.apply && src.readonly {
        return Err(Failure::usage("--apply is refused with --readonly"));
    }
    if live {
        return super::live_fix::fix_live(src, args, r, settings, out, err);
    }
    let loaded = load_source(src)?;
    let findings = findings_for(&loaded.snapshot, &args.check);
    let found = find(&findings, &args.check, &r);
    let Some(finding) = found.first() else {
        let _ = writeln!(
            err,
            "kvet: {} does not fire on {r}: nothing to fix",
            args.check
        );
        return Ok(exit::FINDINGS);
    };
    if found.len() > 1 {
        let places: Vec<String> = found
            .iter()
            .filter_map(|f| f.origin)
            .filter_map(|o| {
                loaded
                    .snapshot
                    .files
                    .get(o.file as usize)
                    .map(|f| format!("{f}:{}", o.line))
            })
            .collect();
        let _ = writeln!(
            err,
            "kvet: {r} is defined {} times ({}); fixing the first. Give its file alone with -f to choose",
            found.len(),
            places.join(", ")
        );
    }
    let (plan, object) =
        plan_offline(&loaded.snapshot, finding, &settings).map_err(Failure::usage)?;
    let mut text = render(&plan, &object, args.output).map_err(Failure::usage)?;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    let _ = writeln!(err, "kvet: {}", crate::text::escape_ctrl(&plan.summary));
    for n in &plan.notes {
        let _ = writeln!(err, "kvet: note: {}", crate::text::escape_ctrl(n));
    }
    let _ = out.write_all(text.as_bytes());
    Ok(exit::OK)
}
