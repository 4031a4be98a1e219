//! `kvet report`: the audit's findings as policy report objects (OpenReports and wg-policy),
//! printed (`--dry-run`) or written to the cluster.

use super::{
    exit, live_failure, live_options, load_live, load_source, runtime, Failure, SourceArgs,
};
use crate::apply::reports::{self as write, Outcome};
use crate::audit::{self, AuditOptions};
use crate::model::Snapshot;
use crate::report::{self, Api, Stamp};
use clap::{Args, ValueEnum};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

#[derive(Args, Debug, Clone)]
pub struct ReportArgs {
    /// The report API: openreports (openreports.io/v1alpha1), wgpolicy (wgpolicyk8s.io/v1alpha2),
    /// both, or auto (live: every one the cluster serves; otherwise openreports)
    #[arg(long, value_enum, default_value_t = ReportFormat::Auto)]
    pub format: ReportFormat,
    /// Print the report objects instead of writing them
    #[arg(long)]
    pub dry_run: bool,
    /// How to print: the objects with --dry-run (YAML documents, or a JSON List), otherwise
    /// what was written
    #[arg(short = 'o', long = "output", value_enum, default_value_t = ObjectFormat::Yaml)]
    pub output: ObjectFormat,
    /// Config file (default: config.toml in the kvet config directory)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Report only these checks (comma-separated IDs): the reports then hold their results
    /// only, and the results of other checks leave them
    #[arg(long, value_delimiter = ',', value_name = "ID,...")]
    pub checks: Option<Vec<String>>,
    /// The Kubernetes version an upgrade targets, for deprecated-api (default: live, the
    /// server's next minor version; offline, the newest version in its table)
    #[arg(long, value_name = "X.Y")]
    pub target_version: Option<String>,
    /// Live: also read the deployed revision of each Helm release for deprecated-api (as
    /// `kvet audit --helm`; needs list on Secrets, which returns their data)
    #[arg(long)]
    pub helm: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Auto,
    Openreports,
    Wgpolicy,
    Both,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectFormat {
    Yaml,
    Json,
}

/// Names both APIs, for a cluster that serves neither (or not the one asked for).
const NOT_SERVED: &str = "install the OpenReports CRDs (openreports.io/v1alpha1: Report, ClusterReport) or the wg-policy CRDs (wgpolicyk8s.io/v1alpha2: PolicyReport, ClusterPolicyReport); kvet ships both in assets/crds/ (kubectl apply -f assets/crds/openreports/ -f assets/crds/wgpolicy/)";

fn now() -> Stamp {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Stamp {
        seconds: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        nanos: 0,
    }
}

fn audit_options(args: &ReportArgs) -> Result<AuditOptions, Failure> {
    super::known_checks(args.checks.as_deref())?;
    Ok(AuditOptions {
        config: super::load_config(args.config.as_ref())?,
        only: args.checks.clone(),
        target_version: super::target_version(args.target_version.as_deref())?,
    })
}

/// Builds one API's reports from a snapshot (the findings and their evidence computed once).
struct Built {
    findings: Vec<audit::Finding>,
    confirmed: crate::triage::Confirmations,
}

impl Built {
    fn new(snap: &Snapshot, opts: &AuditOptions) -> Built {
        let result = audit::run(snap, opts);
        let confirmed =
            crate::triage::confirmations(&crate::triage::triage(snap, &result.findings));
        Built {
            findings: result.findings,
            confirmed,
        }
    }

    fn reports(
        &self,
        snap: &Snapshot,
        api: Api,
        first_seen: &HashMap<String, Value>,
        now: Stamp,
    ) -> Vec<Value> {
        report::build(
            api,
            &report::Input {
                snapshot: snap,
                findings: &self.findings,
                confirmed: &self.confirmed,
                now,
                first_seen,
            },
        )
    }
}

fn print_objects(
    objects: &[Value],
    format: ObjectFormat,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let text = match format {
        ObjectFormat::Json => {
            let list = json!({"apiVersion": "v1", "kind": "List", "items": objects});
            let mut s = serde_json::to_string_pretty(&list).unwrap_or_default();
            s.push('\n');
            s
        }
        ObjectFormat::Yaml => {
            let mut s = String::new();
            for o in objects {
                s.push_str("---\n");
                s.push_str(&crate::model::shown::to_yaml(o));
            }
            s
        }
    };
    out.write_all(text.as_bytes())
        .map_err(|e| Failure::usage(format!("cannot write output: {e}")))
}

pub fn report_cmd(
    src: &SourceArgs,
    args: &ReportArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Failure> {
    let offline = src.demo || !src.filename.is_empty();
    if !args.dry_run && src.readonly {
        return Err(Failure::usage(
            "--readonly: kvet report writes report objects to the cluster; --dry-run prints them instead",
        ));
    }
    if !args.dry_run && offline {
        return Err(Failure::usage(
            "kvet report writes to a cluster: run it on a live context, or add --dry-run to print the reports of this source",
        ));
    }
    let opts = audit_options(args)?;
    if offline {
        let loaded = load_source(src)?;
        super::report_errors(&loaded, err);
        let apis = match args.format {
            ReportFormat::Auto | ReportFormat::Openreports => vec![Api::OpenReports],
            ReportFormat::Wgpolicy => vec![Api::WgPolicy],
            ReportFormat::Both => Api::ALL.to_vec(),
        };
        let built = Built::new(&loaded.snapshot, &opts);
        let objects: Vec<Value> = apis
            .iter()
            .flat_map(|a| built.reports(&loaded.snapshot, *a, &HashMap::new(), now()))
            .collect();
        print_objects(&objects, args.output, out)?;
        return Ok(if loaded.errors.is_empty() {
            exit::OK
        } else {
            exit::USAGE
        });
    }
    let rt = runtime()?;
    let lopts = live_options(src, true);
    rt.block_on(async {
        let conn = crate::source::live::connect(&lopts)
            .await
            .map_err(live_failure)?;
        // Which APIs, before the (long) listing: a cluster without the CRDs fails at once.
        let mut served = Vec::new();
        for api in Api::ALL {
            if write::served(&conn, api).await.map_err(|e| Failure {
                code: exit::UNREACHABLE,
                message: format!("cannot ask the server which report APIs it serves: {e}"),
            })? {
                served.push(api);
            }
        }
        let wanted: Vec<Api> = match args.format {
            ReportFormat::Auto => served.clone(),
            ReportFormat::Openreports => vec![Api::OpenReports],
            ReportFormat::Wgpolicy => vec![Api::WgPolicy],
            ReportFormat::Both => Api::ALL.to_vec(),
        };
        let missing: Vec<Api> = wanted
            .iter()
            .copied()
            .filter(|a| !served.contains(a))
            .collect();
        let apis: Vec<Api> = if args.dry_run {
            // Printing needs no CRD.
            if wanted.is_empty() {
                vec![Api::OpenReports]
            } else {
                wanted
            }
        } else if wanted.is_empty() {
            return Err(Failure::usage(format!(
                "the cluster of context {} serves no report API: {NOT_SERVED}",
                conn.context
            )));
        } else if !missing.is_empty() {
            let names: Vec<String> = missing.iter().map(|a| a.api_version()).collect();
            return Err(Failure::usage(format!(
                "the cluster of context {} does not serve {}: {NOT_SERVED}",
                conn.context,
                names.join(" or ")
            )));
        } else {
            wanted
        };
        let loaded = load_live(&conn, args.helm).await?;
        super::report_errors(&loaded, err);
        let snap = &loaded.snapshot;
        let built = Built::new(snap, &opts);
        let stamp = now();
        if args.dry_run {
            let objects: Vec<Value> = apis
                .iter()
                .flat_map(|a| built.reports(snap, *a, &HashMap::new(), stamp))
                .collect();
            print_objects(&objects, args.output, out)?;
            return Ok(exit::OK);
        }
        let scope = conn.namespace.clone();
        let mut outcomes = Vec::new();
        for api in apis {
            let o = write::reconcile(&conn, api, scope.as_deref(), |first| {
                built.reports(snap, api, first, stamp)
            })
            .await
            .map_err(|e| Failure {
                code: exit::UNREACHABLE,
                message: format!("{}: cannot read kvet's reports: {e}", api.api_version()),
            })?;
            outcomes.push(o);
        }
        print_outcomes(&outcomes, args.output, out)?;
        let failed = outcomes.iter().any(|o| !o.errors.is_empty());
        for o in &outcomes {
            for e in &o.errors {
                let _ = writeln!(err, "kvet: {}: {e}", o.api);
            }
            for s in &o.skipped {
                if s.ends_with(')') {
                    let _ = writeln!(err, "kvet: {}: {s}: skipped", o.api);
                } else {
                    let _ = writeln!(
                        err,
                        "kvet: {}: {s} exists and is not kvet's (no app.kubernetes.io/managed-by=kvet label): left alone",
                        o.api
                    );
                }
            }
        }
        Ok(if failed { exit::UNREACHABLE } else { exit::OK })
    })
}

fn print_outcomes(
    outcomes: &[Outcome],
    format: ObjectFormat,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let text = match format {
        ObjectFormat::Json => {
            let mut s =
                serde_json::to_string_pretty(&json!({ "reports": outcomes })).unwrap_or_default();
            s.push('\n');
            s
        }
        ObjectFormat::Yaml => {
            let mut s = String::new();
            for o in outcomes {
                s.push_str(&format!(
                    "{}: {} created, {} updated, {} unchanged, {} deleted{}{}\n",
                    o.api,
                    o.created.len(),
                    o.updated.len(),
                    o.unchanged.len(),
                    o.deleted.len(),
                    if o.skipped.is_empty() {
                        String::new()
                    } else {
                        format!(", {} not kvet's (left alone)", o.skipped.len())
                    },
                    if o.errors.is_empty() {
                        String::new()
                    } else {
                        format!(", {} failed", o.errors.len())
                    },
                ));
                for (what, list) in [
                    ("created", &o.created),
                    ("updated", &o.updated),
                    ("deleted", &o.deleted),
                ] {
                    for k in list {
                        s.push_str(&format!("  {what:<8} {k}\n"));
                    }
                }
            }
            s
        }
    };
    out.write_all(text.as_bytes())
        .map_err(|e| Failure::usage(format!("cannot write output: {e}")))
}
