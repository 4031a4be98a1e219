//! The command line: flags as cli.md gives them, dispatch, and exit codes.

mod args;
pub mod complete;
pub mod diff_cmd;
pub mod drain_cmd;
pub mod fix_cmd;
pub mod fleet;
pub mod live_fix;
pub mod live_tui;
mod load;
pub mod output;
pub mod rbac_cmd;
pub mod reach_cmd;
pub mod report_cmd;
mod safe_out;
pub mod triage_cmd;

use crate::audit::{self, find_check, registry, AuditOptions, Config};
use crate::model::decode::DecodeOptions;
use crate::model::SourceKind;
use crate::source::{self, Input, Loaded};

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

pub use args::*;
pub(crate) use load::live_failure;
pub use load::{live_options, load_live, load_source, load_source_with, runtime};

/// Exit codes of cli.md.
pub mod exit {
    pub const OK: u8 = 0;
    pub const FINDINGS: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const UNREACHABLE: u8 = 3;
}

/// A failure that ends the command: the message for stderr and the exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure {
            code: exit::USAGE,
            message: message.into(),
        }
    }
}

/// The config directory: `KVET_CONFIG_DIR`, else the platform's (`~/.config/kvet`).
pub fn config_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("KVET_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    directories::ProjectDirs::from("io", "kvet", "kvet").map(|p| p.config_dir().to_path_buf())
}

pub(crate) fn load_config(explicit: Option<&PathBuf>) -> Result<Config, Failure> {
    let (path, required) = match explicit {
        Some(p) => (p.clone(), true),
        None => match config_dir() {
            Some(d) => (d.join("config.toml"), false),
            None => return Ok(Config::default()),
        },
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => Config::parse(&text, &path.display().to_string()).map_err(|e| {
            Failure::usage(format!("{e}\nFix the file or pass another with --config."))
        }),
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
        Err(e) => Err(Failure::usage(format!(
            "{}: cannot read config: {e}",
            path.display()
        ))),
    }
}

/// Prints every unreadable document as `path:line: reason`, every degraded live kind, and
/// every identity defined more than once.
pub(crate) fn report_errors(loaded: &Loaded, err: &mut dyn Write) {
    for e in &loaded.errors {
        let _ = writeln!(err, "{}", crate::text::escape_ctrl(&e.to_string()));
    }
    for e in &loaded.degraded {
        let _ = writeln!(
            err,
            "kvet: warning: {}",
            crate::text::escape_ctrl(&e.to_string())
        );
    }
    for w in output::warnings(&loaded.snapshot) {
        let _ = writeln!(err, "kvet: warning: {}", crate::text::escape_ctrl(&w));
    }
}

fn suggest(id: &str) -> String {
    let mut best: Option<(&str, usize)> = None;
    for c in registry() {
        let d = edit_distance(id, c.info().id);
        if best.is_none_or(|(_, b)| d < b) {
            best = Some((c.info().id, d));
        }
    }
    match best {
        Some((s, d)) if d <= 3 => format!(" Did you mean {s:?}?"),
        _ => " `kvet checks` lists the IDs.".to_string(),
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Runs `kvet audit`; returns the exit code.
/// `--checks`: every ID must be a check's (with a suggestion when it is close to one).
pub(crate) fn known_checks(ids: Option<&[String]>) -> Result<(), Failure> {
    for id in ids.unwrap_or_default() {
        if find_check(id).is_none() {
            return Err(Failure::usage(format!(
                "unknown check ID {id:?}.{}",
                suggest(id)
            )));
        }
    }
    Ok(())
}

/// `--target-version X.Y`.
pub(crate) fn target_version(t: Option<&str>) -> Result<Option<(u32, u32)>, Failure> {
    t.map(|t| {
        audit::checks::deprecated_api::parse_version(t).ok_or_else(|| {
            Failure::usage(format!(
                "--target-version {t:?}: expected a Kubernetes version such as 1.29"
            ))
        })
    })
    .transpose()
}

pub fn audit_cmd(
    src: &SourceArgs,
    args: &AuditArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Failure> {
    if args.all_contexts || src.context.len() > 1 {
        return fleet::fleet_cmd(src, args, out, err);
    }
    known_checks(args.checks.as_deref())?;
    let target_version = target_version(args.target_version.as_deref())?;
    let config = load_config(args.config.as_ref())?;
    // The release records only feed deprecated-api: not read when it does not run.
    let helm = args.helm
        && args
            .checks
            .as_ref()
            .is_none_or(|ids| ids.iter().any(|i| i == "deprecated-api"));
    if args.helm && !helm {
        let _ = writeln!(
            err,
            "kvet: --helm: deprecated-api is not among --checks, so no Helm release record is read"
        );
    }
    let loaded = load_source_with(src, helm)?;
    report_errors(&loaded, err);
    // The table says it in its header; the other formats go to files and scripts.
    if helm && (args.output != Format::Table || loaded.snapshot.helm.is_none()) {
        let _ = writeln!(
            err,
            "kvet: {}",
            output::helm_notice(&loaded.snapshot).unwrap_or_else(|| {
                "--helm reads Helm release records from a cluster; -f and --demo have none (ignored)".into()
            })
        );
    }
    let result = audit::run(
        &loaded.snapshot,
        &AuditOptions {
            config,
            only: args.checks.clone(),
            target_version,
        },
    );
    let all_errors: Vec<source::LoadError> = loaded
        .errors
        .iter()
        .chain(&loaded.degraded)
        .cloned()
        .collect();
    let compared = match &args.baseline {
        None => None,
        Some(path) => {
            let before = baseline_findings(
                path,
                src,
                &AuditOptions {
                    config: load_config(args.config.as_ref())?,
                    only: args.checks.clone(),
                    target_version,
                },
                err,
            )?;
            Some(audit::baseline::compare(&result.findings, &before))
        }
    };
    let base = compared.as_ref();
    let text = match args.output {
        Format::Table => output::table_with(&loaded.snapshot, &result, base),
        Format::Json => output::json_with(&loaded.snapshot, &result, &all_errors, base),
        Format::Sarif => output::sarif_with(&loaded.snapshot, &result, &all_errors, base),
        Format::Markdown => output::markdown_with(&loaded.snapshot, &result, &all_errors, base),
    };
    if let Err(e) = out.write_all(text.as_bytes()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(Failure::usage(format!("cannot write output: {e}")));
        }
    }
    if !loaded.errors.is_empty() {
        let _ = writeln!(
            err,
            "kvet: {} document(s) could not be read; everything else was audited",
            loaded.errors.len()
        );
        return Ok(exit::USAGE);
    }
    // With a baseline, only what is new fails the gate.
    let failing = args.fail_on.threshold().is_some_and(|t| {
        result.findings.iter().enumerate().any(|(i, f)| {
            f.severity >= t
                && base.is_none_or(|c| c.states.get(i) == Some(&audit::baseline::State::New))
        })
    });
    Ok(if failing { exit::FINDINGS } else { exit::OK })
}

/// The findings of a baseline: a `kvet audit -o json` report as it is, or a snapshot or
/// manifests audited with the same options.
fn baseline_findings(
    path: &std::path::Path,
    src: &SourceArgs,
    opts: &AuditOptions,
    err: &mut dyn Write,
) -> Result<Vec<audit::baseline::Remembered>, Failure> {
    let shown = path.display();
    let report = std::fs::read(path)
        .ok()
        .filter(|b| b.iter().find(|c| !c.is_ascii_whitespace()) == Some(&b'{'))
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .filter(|v| v.get("kvet_version").is_some() && v.get("findings").is_some());
    if let Some(v) = report {
        return audit::baseline::from_report(&v)
            .map_err(|e| Failure::usage(format!("--baseline {shown}: {e}")));
    }
    if !path.exists() {
        return Err(Failure::usage(format!(
            "--baseline {shown}: no such file or folder (give a kvet audit -o json report, a snapshot or manifests)"
        )));
    }
    let decode = DecodeOptions {
        default_namespace: Arc::from(src.namespace.as_deref().unwrap_or("default")),
    };
    let loaded = source::load(
        &[Input::Path(path.to_path_buf())],
        &decode,
        SourceKind::Offline,
    );
    for e in loaded.errors.iter().chain(&loaded.degraded) {
        let _ = writeln!(err, "kvet: --baseline: {e}");
    }
    let result = audit::run(&loaded.snapshot, opts);
    Ok(result
        .findings
        .iter()
        .map(audit::baseline::Remembered::of)
        .collect())
}

pub fn checks_cmd(format: ListFormat, out: &mut dyn Write) -> Result<u8, Failure> {
    let text = match format {
        ListFormat::Json => {
            let v: Vec<serde_json::Value> = registry()
                .iter()
                .map(|c| {
                    let i = c.info();
                    serde_json::json!({"id": i.id, "family": i.family, "severity": i.severity, "summary": i.summary, "fix_available": i.fix_available})
                })
                .collect();
            serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
        }
        ListFormat::Table => {
            let w = registry()
                .iter()
                .map(|c| c.info().id.len())
                .max()
                .unwrap_or(2);
            let mut s = format!(
                "{:<w$}   {:<12}   {:<8}   {:<3}   SUMMARY\n",
                "ID", "FAMILY", "SEVERITY", "FIX"
            );
            for c in registry() {
                let i = c.info();
                s.push_str(&format!(
                    "{:<w$}   {:<12}   {:<8}   {:<3}   {}\n",
                    i.id,
                    i.family.as_str(),
                    i.severity.as_str(),
                    if i.fix_available { "yes" } else { "-" },
                    i.summary
                ));
            }
            s
        }
    };
    let _ = out.write_all(text.as_bytes());
    Ok(exit::OK)
}

pub fn explain_cmd(id: &str, out: &mut dyn Write) -> Result<u8, Failure> {
    let Some(c) = find_check(id) else {
        return Err(Failure::usage(format!(
            "unknown check ID {id:?}.{}",
            suggest(id)
        )));
    };
    let i = c.info();
    let text = format!(
        "{} ({}, default severity {})\n{}\n\n{}\n\nAutomatic fix in kvet: {}\nExempt an object with the annotation kvet.io/ignore: \"{}\"\n",
        i.id,
        i.family.as_str(),
        i.severity,
        i.summary,
        i.doc,
        if i.fix_available { "yes (`kvet fix`)" } else { "not yet" },
        i.id
    );
    let _ = out.write_all(text.as_bytes());
    Ok(exit::OK)
}

/// Entry point used by `main`: parses nothing itself, so tests can call it with any `Cli`.
pub fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    // Every byte a command prints goes through the one escaping policy (text::escape_output).
    let mut safe_out = safe_out::SafeWriter::new(out);
    let mut safe_err = safe_out::SafeWriter::new(err);
    let (out, err): (&mut dyn Write, &mut dyn Write) = (&mut safe_out, &mut safe_err);
    let result = match &cli.command {
        Some(Command::Audit(args)) => audit_cmd(&cli.source, args, out, err),
        Some(Command::Checks { output }) => checks_cmd(*output, out),
        Some(Command::Explain { id }) => explain_cmd(id, out),
        Some(Command::Fix(args)) => fix_cmd::fix_cmd(&cli.source, args, out, err),
        Some(Command::WhoCan(args)) => rbac_cmd::who_can_cmd(&cli.source, args, out, err),
        Some(Command::Can(args)) => rbac_cmd::can_cmd(&cli.source, args, out, err),
        Some(Command::Reach(args)) => reach_cmd::reach_cmd(&cli.source, args, out, err),
        Some(Command::Drain(args)) => drain_cmd::drain_cmd(&cli.source, args, out, err),
        Some(Command::Triage(args)) => triage_cmd::triage_cmd(&cli.source, args, out, err),
        Some(Command::Diff(args)) => diff_cmd::diff_cmd(&cli.source, args, out, err),
        Some(Command::Report(args)) => report_cmd::report_cmd(&cli.source, args, out, err),
        Some(Command::Completions { shell }) => complete::completions_cmd(*shell, out),
        Some(Command::Man) => complete::man_cmd(out),
        Some(Command::Complete { words }) => complete::complete_cmd(words, out),
        Some(Command::Journal { output }) => {
            live_fix::journal_cmd(*output == ListFormat::Json, out, err)
        }
        Some(Command::Undo { id, yes }) => live_fix::undo_cmd(&cli.source, id, *yes, out, err),
        Some(Command::Snapshot {
            command: SnapshotCommand::Save { file },
        }) => snapshot_save_cmd(&cli.source, file, out, err),
        Some(Command::Dev {
            command: DevCommand::Synth { pods, seed, output },
        }) => synth_cmd(*pods, *seed, output.as_ref(), out),
        None => tui_cmd(&cli, err),
    };
    match result {
        Ok(code) => code,
        Err(f) => {
            let _ = writeln!(err, "kvet: {}", f.message);
            f.code
        }
    }
}

fn synth_cmd(
    pods: usize,
    seed: u64,
    output: Option<&PathBuf>,
    out: &mut dyn Write,
) -> Result<u8, Failure> {
    let params = crate::synth::Params::for_pods(pods, seed);
    let res = match output {
        Some(p) => {
            let f = std::fs::File::create(p)
                .map_err(|e| Failure::usage(format!("{}: {e}", p.display())))?;
            let mut w = std::io::BufWriter::new(f);
            crate::synth::write(&params, &mut w).and_then(|_| w.flush())
        }
        None => crate::synth::write(&params, out),
    };
    res.map_err(|e| Failure::usage(format!("cannot write: {e}")))?;
    Ok(exit::OK)
}

/// `kvet [SOURCE]`: the interactive TUI.
fn tui_cmd(cli: &Cli, err: &mut dyn Write) -> Result<u8, Failure> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(Failure::usage(
            "the TUI needs a terminal; for scripts and CI use `kvet audit` (for example `kvet audit --demo -o json`)",
        ));
    }
    let dir = config_dir();
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme = if no_color {
        crate::tui::theme::Theme::monochrome()
    } else {
        let name = cli.theme.as_deref().unwrap_or("dark");
        crate::tui::theme::Theme::load(name, dir.as_deref())
            .map_err(|e| Failure::usage(e.to_string()))?
    };
    let keymap = match dir.as_ref().map(|d| d.join("keymap.toml")) {
        Some(p) if p.is_file() => {
            let text = std::fs::read_to_string(&p)
                .map_err(|e| Failure::usage(format!("{}: {e}", p.display())))?;
            crate::tui::keymap::KeyMap::with_overrides(&text, &p.display().to_string())
                .map_err(|e| Failure::usage(e.to_string()))?
        }
        _ => crate::tui::keymap::KeyMap::defaults(),
    };
    if cli.source.demo || !cli.source.filename.is_empty() {
        let mut loaded = load_source(&cli.source)?;
        if !cli.reports {
            loaded.snapshot.reports.clear();
        }
        if !loaded.errors.is_empty() {
            // Shown before the screen switches, so nothing is hidden behind the TUI.
            report_errors(&loaded, err);
            let _ = writeln!(
                err,
                "kvet: {} document(s) could not be read; opening the rest",
                loaded.errors.len()
            );
        }
        crate::tui::run(
            std::sync::Arc::new(loaded.snapshot),
            keymap,
            theme,
            None,
            cli.since.clone(),
        )
        .map_err(|e| Failure::usage(format!("terminal error: {e}")))?;
        return Ok(exit::OK);
    }
    // Live: connect and authenticate before the TUI takes the screen, so that an exec credential
    // plugin can talk to the user (and cache its token); the TUI's own client never lets a
    // plugin write to the terminal.
    let runtime = std::sync::Arc::new(runtime()?);
    let mut opts = live_options(&cli.source, true);
    opts.reports = cli.reports;
    // The screen stays the shell's until the server answers: say what is being waited for.
    let _ = writeln!(
        err,
        "kvet: connecting to {} (discovery; --request-timeout {})…",
        cli.source.context.last().map_or_else(
            || "the current context".to_string(),
            |c| format!("context {c}")
        ),
        match cli.source.request_timeout.0 {
            Some(t) => format!("{}s", t.as_secs()),
            None => "0: waits forever".to_string(),
        }
    );
    let (conn, plan) = runtime.block_on(async {
        let conn = source::live::connect(&opts).await.map_err(live_failure)?;
        let plan = source::live::plan(&conn).await.map_err(live_failure)?;
        Ok::<_, Failure>((conn, plan))
    })?;
    if conn.insecure {
        let _ = writeln!(
            err,
            "kvet: warning: insecure-skip-tls-verify is set for {}",
            conn.context
        );
    }
    let info = crate::tui::app::LiveInfo {
        context: conn.context.clone(),
        contexts: live_tui::contexts(&opts),
        namespace: conn.namespace.clone(),
        insecure: conn.insecure,
        kinds: live_tui::kind_rows(&plan.status),
    };
    let empty = crate::model::Snapshot::build(
        crate::model::SourceKind::Live,
        source::live::source_label(&conn),
        Vec::new(),
        Vec::new(),
    );
    let mut base = live_options(&cli.source, false);
    base.reports = cli.reports;
    let rt = runtime.clone();
    let feed: crate::tui::Feed = Box::new(move |tx| {
        let runner = live_tui::LiveRunner {
            runtime: rt,
            base: base.clone(),
            feed: std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0)),
            audits: crate::tui::ThreadRunner,
            conn: Default::default(),
            logs: None,
        };
        runner.start(base, tx);
        Box::new(runner)
    });
    crate::tui::run(
        std::sync::Arc::new(empty),
        keymap,
        theme,
        Some((info, feed)),
        cli.since.clone(),
    )
    .map_err(|e| Failure::usage(format!("terminal error: {e}")))?;
    Ok(exit::OK)
}

/// `kvet snapshot save FILE`: the live cluster as a YAML List, reopened later with `-f FILE`.
fn snapshot_save_cmd(
    src: &SourceArgs,
    file: &PathBuf,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Failure> {
    if src.demo || !src.filename.is_empty() {
        return Err(Failure::usage(
            "snapshot save reads a live cluster: drop --demo and -f",
        ));
    }
    let loaded = load_source(src)?;
    report_errors(&loaded, err);
    let context = loaded.snapshot.source.clone();
    let list = crate::model::encode::snapshot_list(&loaded.snapshot, &context);
    let mut text = format!(
        "# kvet snapshot of {context}, {} objects. Reopen with: kvet -f FILE\n",
        loaded.snapshot.object_count()
    );
    text.push_str(
        &serde_saphyr::to_string(&list)
            .map_err(|e| Failure::usage(format!("cannot write YAML: {e}")))?,
    );
    if file.as_os_str() == "-" {
        let _ = out.write_all(text.as_bytes());
    } else {
        std::fs::write(file, text)
            .map_err(|e| Failure::usage(format!("{}: {e}", file.display())))?;
        let _ = writeln!(
            err,
            "kvet: saved {} objects of {context} to {}",
            loaded.snapshot.object_count(),
            file.display()
        );
    }
    Ok(exit::OK)
}
