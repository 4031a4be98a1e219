//! The command line as clap reads it: the flags every command shares (the source), the
//! commands and their own flags (the larger ones live beside their command).

use super::{diff_cmd, drain_cmd, fix_cmd, rbac_cmd, reach_cmd, report_cmd, triage_cmd};
use crate::audit::Severity;
use crate::source;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// `kvet --version`: the package version and the commit it was built from (build.rs).
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("KVET_COMMIT"),
    ")"
);

#[derive(Parser, Debug)]
#[command(
    name = "kvet",
    version = LONG_VERSION,
    about = "Inspect and audit Kubernetes clusters: workloads, PDBs, probes, rollouts, autoscaling",
    long_about = None,
    after_help = "Run `kvet --demo audit` to try it on the embedded demo cluster."
)]
pub struct Cli {
    #[command(flatten)]
    pub source: SourceArgs,
    /// TUI theme: dark, light, high-contrast, or a file in <config dir>/themes/
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,
    /// TUI: compare with a saved state (a snapshot or manifests): new findings are marked ✚,
    /// and the Changes view (8) lists what changed
    #[arg(long, value_name = "FILE")]
    pub since: Option<PathBuf>,
    /// TUI: show other tools' policy reports (OpenReports, wg-policy) beside kvet's findings;
    /// --reports=false neither reads nor shows them
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub reports: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Where the snapshot comes from (shared by every command).
#[derive(Args, Debug, Clone, Default)]
pub struct SourceArgs {
    /// Path to the kubeconfig file (as kubectl)
    #[arg(long, global = true, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use (as kubectl). `kvet audit` takes it more than once: one
    /// audit per context (a fleet)
    #[arg(long, global = true, value_name = "NAME", action = clap::ArgAction::Append)]
    pub context: Vec<String>,
    /// Namespace scope; offline, the namespace of objects that name none
    #[arg(short = 'n', long = "namespace", global = true, value_name = "NS")]
    pub namespace: Option<String>,
    /// All namespaces
    #[arg(short = 'A', long = "all-namespaces", global = true)]
    pub all_namespaces: bool,
    /// Manifests: a file, a folder (recursive) or - for stdin; repeatable
    #[arg(short = 'f', long = "filename", global = true, value_name = "PATH")]
    pub filename: Vec<String>,
    /// The demo cluster embedded in the binary
    #[arg(long, global = true)]
    pub demo: bool,
    /// Never write to the cluster
    #[arg(long, global = true)]
    pub readonly: bool,
    /// How long to wait for one server request before giving up, as kubectl: 30s, 2m, 0 (wait
    /// forever). Connecting takes at most 10s of it
    #[arg(long, global = true, value_name = "DURATION", default_value = "30s", value_parser = parse_timeout)]
    pub request_timeout: Timeout,
}

/// `--request-timeout`: `None` waits forever.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeout(pub Option<std::time::Duration>);

impl Default for Timeout {
    fn default() -> Self {
        Timeout(Some(source::live::REQUEST_TIMEOUT))
    }
}

/// Reads a duration as kubectl's `--request-timeout` does: a number with a unit (`500ms`, `30s`,
/// `2m`, `1h`, or a sum such as `1m30s`); a bare number is seconds; 0 means no timeout.
pub fn parse_timeout(s: &str) -> Result<Timeout, String> {
    let bad = || format!("{s:?} is not a duration: write 30s, 2m or 0 (no timeout)");
    let t = s.trim();
    if let Ok(n) = t.parse::<u64>() {
        return Ok(Timeout((n > 0).then(|| std::time::Duration::from_secs(n))));
    }
    let mut total = std::time::Duration::ZERO;
    let mut rest = t;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let n: u64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        total += match &rest[..unit] {
            "ms" => std::time::Duration::from_millis(n),
            "s" => std::time::Duration::from_secs(n),
            "m" => std::time::Duration::from_secs(n * 60),
            "h" => std::time::Duration::from_secs(n * 3600),
            _ => return Err(bad()),
        };
        rest = &rest[unit..];
    }
    Ok(Timeout((!total.is_zero()).then_some(total)))
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Audit the source and print the findings
    Audit(AuditArgs),
    /// List the check catalog
    Checks {
        #[arg(short = 'o', long = "output", value_enum, default_value_t = ListFormat::Table)]
        output: ListFormat,
    },
    /// Print a check's documentation: what, why, an example and the fix
    Explain {
        /// A check ID, as `kvet checks` lists them
        id: String,
    },
    /// The fix of one finding: a JSON patch, a kubectl command, the fixed object or a diff
    Fix(fix_cmd::FixArgs),
    /// Who may do something: the subjects allowed, with the binding and role that allow them
    #[command(name = "who-can")]
    WhoCan(rbac_cmd::WhoCanArgs),
    /// What a subject may do (its effective rules), or one question with its exit code
    Can(rbac_cmd::CanArgs),
    /// May one pod reach another on a port under the NetworkPolicies (exit 0 ALLOW, 1 DENY)
    Reach(reach_cmd::ReachArgs),
    /// What `kubectl drain --ignore-daemonsets` would do to a node, pool or zone, without doing it
    /// (exit 0 when it completes without an outage)
    Drain(drain_cmd::DrainArgs),
    /// What hurts now: symptoms from events and statuses, worst first, with the findings that
    /// explain them (exit 1 when something is down)
    Triage(triage_cmd::TriageArgs),
    /// What changed between two states (manifests, snapshots, live, ctx:NAME, demo): findings,
    /// objects, RBAC grants, reachability and drain verdicts (exit 1 with --fail-on when a new
    /// finding is at or above it)
    Diff(diff_cmd::DiffArgs),
    /// Write the findings as policy reports (OpenReports, wg-policy) in the cluster, one per
    /// namespace plus a cluster-scoped one, for Policy Reporter and other readers; --dry-run
    /// prints them
    Report(report_cmd::ReportArgs),
    /// Print a shell completion script: bash, zsh, fish, powershell or elvish (see the README
    /// for where each shell reads it)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print kvet's man page (roff): `kvet man > kvet.1`, or `kvet man | man -l -`
    Man,
    /// The completion protocol of kubectl plugins (`kubectl_complete-kvet`): the words after
    /// `kubectl kvet`, the last one being completed
    #[command(name = "__complete", hide = true)]
    Complete {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        words: Vec<String>,
    },
    /// The fixes kvet applied (newest first)
    Journal {
        #[arg(short = 'o', long = "output", value_enum, default_value_t = ListFormat::Table)]
        output: ListFormat,
    },
    /// Undo an applied fix: its inverse, through the same dry run and confirmation
    Undo {
        /// The journal entry's ID (kvet journal)
        id: String,
        /// Do not ask (for scripts)
        #[arg(long)]
        yes: bool,
    },
    /// Save the live cluster's snapshot, to reopen offline with -f
    Snapshot {
        #[command(subcommand)]
        command: SnapshotCommand,
    },
    /// Developer tools (synthetic clusters for benchmarks)
    #[command(hide = true)]
    Dev {
        #[command(subcommand)]
        command: DevCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum SnapshotCommand {
    /// Write every object kvet reads as a YAML List (Secret and ConfigMap values are never read)
    Save {
        /// The file to write (- for stdout)
        file: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum DevCommand {
    /// Write a deterministic synthetic cluster as multi-document YAML
    Synth {
        #[arg(long, default_value_t = 10_000)]
        pods: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output file (default stdout)
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
    },
}

#[derive(Args, Debug)]
pub struct AuditArgs {
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Table)]
    pub output: Format,
    /// Exit 1 when a finding is at or above this severity
    #[arg(long, value_enum, default_value_t = FailOn::Critical)]
    pub fail_on: FailOn,
    /// Run only these checks (comma-separated IDs)
    #[arg(long, value_delimiter = ',', value_name = "ID,...")]
    pub checks: Option<Vec<String>>,
    /// Audit every context of the kubeconfig (a fleet), each apart; or give --context more than
    /// once
    #[arg(long)]
    pub all_contexts: bool,
    /// Fleet: how many contexts are audited at once
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub parallel: usize,
    /// Compare with an earlier audit: a `kvet audit -o json` report, a snapshot, or manifests.
    /// Each finding is marked new, unchanged or updated, gone ones are listed as absent, and
    /// only new findings count towards --fail-on
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Config file (default: config.toml in the kvet config directory)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The Kubernetes version an upgrade targets, for deprecated-api (default: live, the
    /// server's next minor version; offline, the newest version in its table)
    #[arg(long, value_name = "X.Y")]
    pub target_version: Option<String>,
    /// Live: also read the deployed revision of each Helm release (release Secrets' data) for
    /// deprecated-api; only each manifest object's apiVersion, kind, namespace and name are kept
    #[arg(long)]
    pub helm: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Sarif,
    Markdown,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    Critical,
    Warning,
    Info,
    Never,
}

impl FailOn {
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Critical => Some(Severity::Critical),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }
}
