//! `kvet audit --all-contexts` (or `--context A --context B`): one audit per kubeconfig context,
//! several at once (`--parallel`, 4 by default). Each context has its own connection and the
//! usual timeouts: one that refuses, hangs, has a forbidden token or an expired credential is
//! reported with its error and never stalls or fails the others. The exit code is the worst
//! context's (3 for one that could not be audited, as for a single unreachable cluster).

use super::{exit, live_failure, live_options, AuditArgs, Failure, Format, SourceArgs};
use crate::audit::{self, AuditOptions, Finding, Severity};
use crate::source::live;
use crate::text::escape_ctrl;
use serde_json::{json, Value};
use std::io::Write;
use std::sync::Arc;

/// One context's audit, or why it could not be done.
pub struct ContextAudit {
    pub context: String,
    pub error: Option<String>,
    pub server_version: Option<(u32, u32)>,
    pub nodes: usize,
    pub pods: usize,
    pub findings: Vec<Finding>,
}

impl ContextAudit {
    pub fn count(&self, s: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == s).count()
    }

    /// The checks that fire most, for the summary row.
    pub fn top_checks(&self, n: usize) -> Vec<String> {
        let mut by: std::collections::BTreeMap<&str, usize> = Default::default();
        for f in &self.findings {
            *by.entry(f.check).or_default() += 1;
        }
        let mut v: Vec<(&str, usize)> = by.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v.into_iter()
            .take(n)
            .map(|(c, k)| format!("{c}×{k}"))
            .collect()
    }
}

/// Audits each context, at most `parallel` at once, in the order given.
pub async fn audit_contexts(
    base: &live::LiveOptions,
    contexts: &[String],
    parallel: usize,
    opts: &AuditOptions,
) -> Vec<ContextAudit> {
    let gate = Arc::new(tokio::sync::Semaphore::new(parallel.max(1)));
    let tasks: Vec<_> = contexts
        .iter()
        .map(|ctx| {
            let mut o = base.clone();
            o.context = Some(ctx.clone());
            o.interactive_auth = false;
            let gate = gate.clone();
            let ctx = ctx.clone();
            let opts = opts.clone();
            tokio::spawn(async move {
                let _permit = gate.acquire_owned().await.ok();
                let loaded = async {
                    let conn = live::connect(&o)
                        .await
                        .map_err(|e| live_failure(e).message)?;
                    live::load(&conn).await.map_err(|e| live_failure(e).message)
                }
                .await;
                match loaded {
                    Err(e) => ContextAudit {
                        context: ctx,
                        error: Some(e),
                        server_version: None,
                        nodes: 0,
                        pods: 0,
                        findings: Vec::new(),
                    },
                    Ok((snap, _)) => {
                        let findings = audit::run(&snap, &opts).findings;
                        ContextAudit {
                            context: ctx,
                            error: None,
                            server_version: snap.server_version,
                            nodes: snap.nodes.len(),
                            pods: snap.pods.len(),
                            findings,
                        }
                    }
                }
            })
        })
        .collect();
    let mut out = Vec::new();
    for (t, ctx) in tasks.into_iter().zip(contexts) {
        out.push(t.await.unwrap_or_else(|_| ContextAudit {
            context: ctx.clone(),
            error: Some("the audit of this context failed (see the log)".into()),
            server_version: None,
            nodes: 0,
            pods: 0,
            findings: Vec::new(),
        }));
    }
    out
}

fn version(v: Option<(u32, u32)>) -> String {
    v.map(|(a, b)| format!("{a}.{b}"))
        .unwrap_or_else(|| "-".into())
}

pub fn json(all: &[ContextAudit]) -> String {
    let v = json!({"contexts": all.iter().map(|c| json!({
        "context": c.context,
        "error": c.error,
        "server_version": c.server_version.map(|(a, b)| format!("{a}.{b}")),
        "summary": {
            "critical": c.count(Severity::Critical),
            "warning": c.count(Severity::Warning),
            "info": c.count(Severity::Info),
        },
        "findings": c.findings.iter().map(super::output::finding_json).collect::<Vec<_>>(),
    })).collect::<Vec<_>>()});
    serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
}

/// The table: one row per context, then the findings tagged by context.
pub fn table(all: &[ContextAudit]) -> String {
    let mut o = String::new();
    let w = all
        .iter()
        .map(|c| c.context.chars().count())
        .max()
        .unwrap_or(7)
        .max(7);
    o.push_str(&format!(
        "{:<w$}   {:<7} {:>5} {:>7} {:>8} {:>7} {:>5}   TOP CHECKS\n",
        "CONTEXT", "SERVER", "NODES", "PODS", "CRITICAL", "WARNING", "INFO"
    ));
    for c in all {
        match &c.error {
            Some(e) => o.push_str(&format!(
                "{:<w$}   error: {}\n",
                escape_ctrl(&c.context),
                escape_ctrl(e)
            )),
            None => o.push_str(&format!(
                "{:<w$}   {:<7} {:>5} {:>7} {:>8} {:>7} {:>5}   {}\n",
                escape_ctrl(&c.context),
                version(c.server_version),
                c.nodes,
                c.pods,
                c.count(Severity::Critical),
                c.count(Severity::Warning),
                c.count(Severity::Info),
                c.top_checks(3).join(", ")
            )),
        }
    }
    for c in all.iter().filter(|c| !c.findings.is_empty()) {
        o.push('\n');
        for f in &c.findings {
            o.push_str(&format!(
                "{:<w$}   {:<8} {:<26} {}  {}\n",
                escape_ctrl(&c.context),
                f.severity.as_str().to_ascii_uppercase(),
                f.check,
                escape_ctrl(&f.object.to_string()),
                escape_ctrl(&f.message)
            ));
        }
    }
    o
}

/// SARIF: one run per context (its name in the run's properties), results as `kvet audit`.
pub fn sarif(all: &[ContextAudit]) -> String {
    let runs: Vec<Value> = all
        .iter()
        .map(|c| {
            let snap = crate::model::Snapshot::empty(crate::model::SourceKind::Live, &c.context);
            let result = audit::AuditResult {
                findings: c.findings.clone(),
            };
            let errors: Vec<crate::source::LoadError> = c
                .error
                .iter()
                .map(|e| crate::source::LoadError {
                    source: c.context.clone(),
                    line: None,
                    message: e.clone(),
                })
                .collect();
            let one: Value = serde_json::from_str(&super::output::sarif(&snap, &result, &errors))
                .unwrap_or_default();
            let mut run = one["runs"][0].clone();
            run["properties"]["context"] = json!(c.context);
            run
        })
        .collect();
    let v = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": runs,
    });
    serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
}

pub fn fleet_cmd(
    src: &SourceArgs,
    args: &AuditArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Failure> {
    if !src.filename.is_empty() || src.demo {
        return Err(Failure::usage(
            "--all-contexts and several --context audit live clusters: not with -f or --demo",
        ));
    }
    if args.baseline.is_some() {
        return Err(Failure::usage(
            "--baseline compares one audit: give one --context",
        ));
    }
    let contexts: Vec<String> = if args.all_contexts {
        super::live_tui::contexts(&live_options(src, false))
    } else {
        let mut seen = std::collections::BTreeSet::new();
        src.context
            .iter()
            .filter(|c| seen.insert(c.to_string()))
            .cloned()
            .collect()
    };
    if contexts.is_empty() {
        return Err(Failure {
            code: exit::UNREACHABLE,
            message: "no context in the kubeconfig (KUBECONFIG, --kubeconfig or ~/.kube/config)"
                .into(),
        });
    }
    let opts = AuditOptions {
        config: super::load_config(args.config.as_ref())?,
        only: args.checks.clone(),
        target_version: None,
    };
    let _ = writeln!(
        err,
        "kvet: auditing {} context{} ({} at a time)…",
        contexts.len(),
        if contexts.len() == 1 { "" } else { "s" },
        args.parallel.max(1)
    );
    let rt = super::runtime()?;
    let all = rt.block_on(audit_contexts(
        &live_options(src, false),
        &contexts,
        args.parallel,
        &opts,
    ));
    for c in all.iter().filter(|c| c.error.is_some()) {
        let _ = writeln!(
            err,
            "kvet: context {}: {}",
            escape_ctrl(&c.context),
            escape_ctrl(c.error.as_deref().unwrap_or_default())
        );
    }
    let text = match args.output {
        Format::Json => json(&all),
        Format::Sarif => sarif(&all),
        Format::Table | Format::Markdown => table(&all),
    };
    let _ = out.write_all(text.as_bytes());
    let unreachable = all.iter().any(|c| c.error.is_some());
    let failing = args.fail_on.threshold().is_some_and(|t| {
        all.iter()
            .any(|c| c.findings.iter().any(|f| f.severity >= t))
    });
    Ok(if unreachable {
        exit::UNREACHABLE
    } else if failing {
        exit::FINDINGS
    } else {
        exit::OK
    })
}
