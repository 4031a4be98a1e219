//! `kvet diff BEFORE AFTER`: what changed between two states of a cluster or of its manifests,
//! per section (findings, objects, rbac, reach, drain). Each side is a file or folder of
//! manifests, a saved snapshot, `live` (the current context, or --context), `ctx:NAME` (a
//! kubeconfig context) or `demo`. Exit 1 with --fail-on when a new finding is at or above it.

use super::{exit, load_source, FailOn, Failure, SourceArgs};
use crate::audit::{self, AuditOptions};
use crate::diff::{diff, group_by_destination, Diff};
use crate::text::escape_ctrl;
use clap::{Args, ValueEnum};
use std::fmt::Write as _;
use std::io::Write;

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiffFormat {
    Table,
    Json,
    Markdown,
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The earlier state: a file or folder of manifests, a saved snapshot, `live`, `ctx:NAME`
    /// or `demo`
    pub before: String,
    /// The later state, in the same forms
    pub after: String,
    #[arg(short = 'o', long = "output", value_enum, default_value_t = DiffFormat::Table)]
    pub output: DiffFormat,
    /// Exit 1 when a new finding is at or above this severity (default: never)
    #[arg(long, value_enum, default_value_t = FailOn::Never)]
    pub fail_on: FailOn,
}

/// The source of one side, from the shared flags.
fn side(src: &SourceArgs, text: &str) -> SourceArgs {
    let mut s = SourceArgs {
        filename: Vec::new(),
        demo: false,
        ..src.clone()
    };
    match text {
        "live" => {}
        "demo" => s.demo = true,
        t => match t.strip_prefix("ctx:") {
            Some(ctx) => s.context = vec![ctx.to_string()],
            None => s.filename = vec![t.to_string()],
        },
    }
    s
}

type Side = (crate::model::Snapshot, Vec<audit::Finding>, Vec<String>);

fn load_side(src: &SourceArgs, text: &str) -> Result<Side, Failure> {
    let is_file = !matches!(text, "live" | "demo") && !text.starts_with("ctx:");
    if is_file && text != "-" && !std::path::Path::new(text).exists() {
        return Err(Failure::usage(format!(
            "{text:?}: no such file or folder (give manifests, a snapshot, live, ctx:NAME or demo)"
        )));
    }
    let loaded = load_source(&side(src, text))?;
    let problems = loaded
        .errors
        .iter()
        .chain(&loaded.degraded)
        .map(|e| format!("kvet: {text}: {e}"))
        .collect();
    let findings = audit::run(&loaded.snapshot, &AuditOptions::default()).findings;
    Ok((loaded.snapshot, findings, problems))
}

pub fn diff_cmd(
    src: &SourceArgs,
    args: &DiffArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Failure> {
    if !src.filename.is_empty() || src.demo {
        return Err(Failure::usage(
            "kvet diff takes its two sides as arguments (BEFORE AFTER), not -f or --demo",
        ));
    }
    // Both sides load (and are audited) at once: loading is most of a diff's time.
    let (before, after) = std::thread::scope(|s| {
        let a = s.spawn(|| load_side(src, &args.before));
        let b = load_side(src, &args.after);
        let a = a.join().unwrap_or_else(|_| {
            Err(Failure::usage(
                "loading the first side failed (see the log)",
            ))
        });
        (a, b)
    });
    let (a, fa, pa) = before?;
    let (b, fb, pb) = after?;
    for p in pa.iter().chain(&pb) {
        let _ = writeln!(err, "{p}");
    }
    let d = diff(&a, &fa, &b, &fb);
    // The two sides are not needed any more: their memory goes before the output is made.
    drop((a, fa, b, fb));
    match args.output {
        // Written as it is serialized (a diff can hold millions of connections).
        DiffFormat::Json => {
            let mut w = std::io::BufWriter::with_capacity(1 << 16, &mut *out);
            let _ = serde_json::to_writer_pretty(&mut w, &d)
                .map_err(std::io::Error::from)
                .and_then(|_| w.write_all(b"\n"))
                .and_then(|_| w.flush());
        }
        DiffFormat::Table => {
            let _ = out.write_all(table(&d).as_bytes());
        }
        DiffFormat::Markdown => {
            let _ = out.write_all(markdown(&d, &args.before, &args.after).as_bytes());
        }
    }
    let failing = args
        .fail_on
        .threshold()
        .is_some_and(|t| d.findings.new.iter().any(|f| f.severity >= t));
    Ok(if failing { exit::FINDINGS } else { exit::OK })
}

fn ns(n: &Option<String>) -> &str {
    n.as_deref().unwrap_or("(cluster-wide)")
}

fn short(v: &serde_json::Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        let cut: String = s.chars().take(59).collect();
        format!("{cut}…")
    } else {
        s
    }
}

/// The sources of a group of connections as one cell: up to five named, then how many more
/// (the `-o json` output lists every pair); true when some were left out.
fn sources(from: &[&str]) -> (String, bool) {
    const SHOWN: usize = 5;
    if from.len() <= SHOWN {
        return (from.join(", "), false);
    }
    (
        format!(
            "{} workloads: {} and {} more",
            from.len(),
            from[..SHOWN].join(", "),
            from.len() - SHOWN
        ),
        true,
    )
}

/// The table: counts first, then each section that has something.
pub fn table(d: &Diff) -> String {
    let mut o = String::new();
    if d.is_empty() {
        return "No difference: the same findings, objects, grants, connections and drain verdicts.\n"
            .into();
    }
    for (what, n) in d.counts() {
        if n > 0 {
            let _ = writeln!(o, "{n:>6}  {what}");
        }
    }
    let f = &d.findings;
    if !(f.new.is_empty() && f.resolved.is_empty() && f.changed.is_empty()) {
        let _ = writeln!(o, "\nFINDINGS");
        for (mark, list) in [("+ new     ", &f.new), ("- resolved", &f.resolved)] {
            for x in list {
                let _ = writeln!(
                    o,
                    "  {mark} {:<8} {:<26} {}  {}",
                    x.severity.as_str(),
                    x.check,
                    escape_ctrl(&x.object.to_string()),
                    escape_ctrl(&x.message)
                );
            }
        }
        for x in &f.changed {
            let _ = writeln!(
                o,
                "  ~ changed  {:<8} {:<26} {}  {} (was {}: {})",
                x.after.severity.as_str(),
                x.after.check,
                escape_ctrl(&x.after.object.to_string()),
                escape_ctrl(&x.after.message),
                x.before.severity.as_str(),
                escape_ctrl(&x.before.message)
            );
        }
    }
    let ob = &d.objects;
    if !(ob.added.is_empty() && ob.removed.is_empty() && ob.changed.is_empty()) {
        let _ = writeln!(o, "\nOBJECTS");
        for x in &ob.added {
            let _ = writeln!(o, "  + added    {}", escape_ctrl(&x.to_string()));
        }
        for x in &ob.removed {
            let _ = writeln!(o, "  - removed  {}", escape_ctrl(&x.to_string()));
        }
        for x in &ob.changed {
            let _ = writeln!(o, "  ~ changed  {}", escape_ctrl(&x.object.to_string()));
            for c in &x.fields {
                let _ = writeln!(
                    o,
                    "      {}: {} → {}",
                    escape_ctrl(&c.path),
                    escape_ctrl(&short(&c.before)),
                    escape_ctrl(&short(&c.after))
                );
            }
        }
    }
    if !(d.rbac.gained.is_empty() && d.rbac.lost.is_empty()) {
        let _ = writeln!(o, "\nRBAC");
        for (mark, list) in [("+ gained", &d.rbac.gained), ("- lost  ", &d.rbac.lost)] {
            for g in list {
                let _ = writeln!(
                    o,
                    "  {mark} {} may {} {} in {}  (via {} → {})",
                    escape_ctrl(&g.subject),
                    escape_ctrl(&g.verb),
                    escape_ctrl(&g.resource),
                    escape_ctrl(ns(&g.namespace)),
                    escape_ctrl(&g.binding),
                    escape_ctrl(&g.role)
                );
            }
        }
    }
    if !(d.reach.opened.is_empty() && d.reach.closed.is_empty()) {
        let _ = writeln!(o, "\nREACH");
        let mut cut = false;
        for (mark, list, opened) in [
            ("+ opened", &d.reach.opened, true),
            ("- closed", &d.reach.closed, false),
        ] {
            for g in group_by_destination(list, opened) {
                let (from, more) = sources(&g.from);
                cut |= more;
                let _ = writeln!(
                    o,
                    "  {mark}  {} → {}:{}/{}  ({})",
                    escape_ctrl(&from),
                    escape_ctrl(g.to),
                    g.port,
                    g.protocol,
                    escape_ctrl(g.why)
                );
            }
        }
        if cut {
            let _ = writeln!(
                o,
                "  (connections to one port for one reason are grouped; -o json lists every pair)"
            );
        }
    }
    if !d.drain.changed.is_empty() {
        let _ = writeln!(o, "\nDRAIN");
        for c in &d.drain.changed {
            let _ = writeln!(
                o,
                "  ~ {}: {} → {}{}",
                escape_ctrl(&c.node),
                c.before.verdict,
                c.after.verdict,
                if c.after.outages.is_empty() {
                    String::new()
                } else {
                    format!(" (down: {})", escape_ctrl(&c.after.outages.join(", ")))
                }
            );
        }
    }
    o
}

fn md(s: &str) -> String {
    escape_ctrl(s).replace('|', "\\|")
}

/// Markdown for a pull request or a ticket: counts, then a table per section.
pub fn markdown(d: &Diff, before: &str, after: &str) -> String {
    let mut o = format!("# kvet diff\n\n`{}` → `{}`\n\n", md(before), md(after));
    if d.is_empty() {
        o.push_str("No difference.\n");
        return o;
    }
    o.push_str("| Change | Count |\n|---|---|\n");
    for (what, n) in d.counts() {
        let _ = writeln!(o, "| {what} | {n} |");
    }
    let f = &d.findings;
    if !(f.new.is_empty() && f.resolved.is_empty() && f.changed.is_empty()) {
        o.push_str(
            "\n## Findings\n\n| | Severity | Check | Object | Finding |\n|---|---|---|---|---|\n",
        );
        for (mark, list) in [("**new**", &f.new), ("resolved", &f.resolved)] {
            for x in list {
                let _ = writeln!(
                    o,
                    "| {mark} | {} | `{}` | {} | {} |",
                    x.severity,
                    x.check,
                    md(&x.object.to_string()),
                    md(&x.message)
                );
            }
        }
        for x in &f.changed {
            let _ = writeln!(
                o,
                "| changed | {} (was {}) | `{}` | {} | {} |",
                x.after.severity,
                x.before.severity,
                x.after.check,
                md(&x.after.object.to_string()),
                md(&x.after.message)
            );
        }
    }
    let ob = &d.objects;
    if !(ob.added.is_empty() && ob.removed.is_empty() && ob.changed.is_empty()) {
        o.push_str(
            "\n## Objects\n\n| | Object | Field | Before | After |\n|---|---|---|---|---|\n",
        );
        for x in &ob.added {
            let _ = writeln!(o, "| added | {} | | | |", md(&x.to_string()));
        }
        for x in &ob.removed {
            let _ = writeln!(o, "| removed | {} | | | |", md(&x.to_string()));
        }
        for x in &ob.changed {
            for c in &x.fields {
                let _ = writeln!(
                    o,
                    "| changed | {} | `{}` | `{}` | `{}` |",
                    md(&x.object.to_string()),
                    md(&c.path),
                    md(&short(&c.before)),
                    md(&short(&c.after))
                );
            }
        }
    }
    if !(d.rbac.gained.is_empty() && d.rbac.lost.is_empty()) {
        o.push_str("\n## RBAC\n\n| | Subject | Verb | Resource | Namespace | Via |\n|---|---|---|---|---|---|\n");
        for (mark, list) in [("gained", &d.rbac.gained), ("lost", &d.rbac.lost)] {
            for g in list {
                let _ = writeln!(
                    o,
                    "| {mark} | {} | {} | {} | {} | {} → {} |",
                    md(&g.subject),
                    md(&g.verb),
                    md(&g.resource),
                    md(ns(&g.namespace)),
                    md(&g.binding),
                    md(&g.role)
                );
            }
        }
    }
    if !(d.reach.opened.is_empty() && d.reach.closed.is_empty()) {
        o.push_str("\n## Reach\n\n| | From | To | Port | Why |\n|---|---|---|---|---|\n");
        let mut cut = false;
        for (mark, list, opened) in [
            ("opened", &d.reach.opened, true),
            ("closed", &d.reach.closed, false),
        ] {
            for g in group_by_destination(list, opened) {
                let (from, more) = sources(&g.from);
                cut |= more;
                let _ = writeln!(
                    o,
                    "| {mark} | {} | {} | {}/{} | {} |",
                    md(&from),
                    md(g.to),
                    g.port,
                    g.protocol,
                    md(g.why)
                );
            }
        }
        if cut {
            o.push_str("\nConnections to one port for one reason are grouped; `-o json` lists every pair.\n");
        }
    }
    if !d.drain.changed.is_empty() {
        o.push_str("\n## Drain\n\n| Node | Before | After |\n|---|---|---|\n");
        for c in &d.drain.changed {
            let _ = writeln!(
                o,
                "| {} | {} | {} |",
                md(&c.node),
                c.before.verdict,
                c.after.verdict
            );
        }
    }
    o
}
