//! Fixes on a live cluster, headless: `kvet fix --apply`, `kvet journal` and `kvet undo`.
//! Every write is previewed against the server's dry run and confirmed (a terminal `y/N`, or
//! `--yes`), then journaled with its inverse.

use super::fix_cmd::{find, FixArgs, FixFormat};
use super::{exit, live_failure, live_options, runtime, Failure, SourceArgs};
use crate::apply as ap;
use crate::fix::{self, FixInput, FixPlan};
use crate::model::ObjectRef;
use crate::source::live::{self, KindStatus};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};

/// Asks `y/N` on the terminal, or takes `--yes`. Without a terminal and without `--yes`, no.
fn confirm(question: &str, yes: bool, err: &mut dyn Write) -> Result<bool, Failure> {
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::usage(
            "not a terminal, so no confirmation can be asked: pass --yes to apply",
        ));
    }
    let _ = write!(err, "{question} [y/N] ");
    let _ = err.flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    Ok(matches!(
        line.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

/// The kubeconfig user of a context (for the journal).
fn user_of(src: &SourceArgs, context: &str) -> String {
    ap::kubeconfig_user(src.kubeconfig.as_deref(), context)
}

/// `kvet fix` on a live cluster: the object is read from the server; with `--apply`, the
/// change is dry-run, confirmed, applied and journaled.
pub fn fix_live(
    src: &SourceArgs,
    args: &FixArgs,
    r: ObjectRef,
    settings: BTreeMap<String, String>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Failure> {
    let rt = runtime()?;
    let mut opts = live_options(src, true);
    opts.readonly = src.readonly;
    rt.block_on(async {
        let conn = live::connect(&opts).await.map_err(live_failure)?;
        let (snapshot, status) = live::load(&conn).await.map_err(live_failure)?;
        let findings = super::fix_cmd::findings_for(&snapshot, &args.check);
        let Some(finding) = find(&findings, &args.check, &r).first().copied() else {
            let _ = writeln!(
                err,
                "kvet: {} does not fire on {r}: nothing to fix",
                args.check
            );
            return Ok(exit::FINDINGS);
        };
        if !args.apply {
            // An export: the plan, from the object as the server has it.
            let object = ap::fetch(&conn, &r).await.map_err(Failure::usage)?;
            let pdb_api = match status.get("PodDisruptionBudget") {
                Some(KindStatus::Ok { api_version }) => api_version.clone(),
                _ => "policy/v1".to_string(),
            };
            let plan = fix::plan(&FixInput {
                snap: &snapshot,
                finding,
                object: &object,
                server_minor: None,
                pdb_api_version: &pdb_api,
                settings: &settings,
            })
            .map_err(|e| Failure::usage(e.to_string()))?;
            report(&plan, err);
            let text =
                super::fix_cmd::render(&plan, &object, args.output).map_err(Failure::usage)?;
            let _ = out.write_all(text.as_bytes());
            return Ok(exit::OK);
        }
        if args.output != FixFormat::Diff {
            let _ = writeln!(err, "kvet: with --apply, the diff is what is shown");
        }
        // The dry run: the server's answer is what the user reviews.
        let p = ap::preview_live(&conn, &snapshot, finding, &settings)
            .await
            .map_err(Failure::usage)?;
        report(&p.plan, err);
        let _ = out.write_all(p.diff.as_bytes());
        let _ = out.flush();
        let question = format!("Apply this change to {r} in context {}?", conn.context);
        if !confirm(&question, args.yes, err)? {
            let _ = writeln!(err, "kvet: not applied");
            return Ok(exit::FINDINGS);
        }
        let user = user_of(src, &conn.context);
        let entry = ap::apply_and_journal(&conn, &p.plan, &p.before, &p.diff, &user, None)
            .await
            .map_err(Failure::usage)?;
        let _ = writeln!(
            err,
            "kvet: applied to {} (journal entry {}; undo with `kvet undo {}`)",
            p.plan.target, entry.id, entry.id
        );
        Ok(exit::OK)
    })
}

/// The plan's summary and notes, on stderr.
fn report(plan: &FixPlan, err: &mut dyn Write) {
    let _ = writeln!(err, "kvet: {}", crate::text::escape_ctrl(&plan.summary));
    for n in &plan.notes {
        let _ = writeln!(err, "kvet: note: {}", crate::text::escape_ctrl(n));
    }
}

/// `kvet journal`: the applied fixes, newest first.
pub fn journal_cmd(json: bool, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Failure> {
    let (mut entries, bad) = ap::read_journal().map_err(Failure::usage)?;
    for b in bad {
        let _ = writeln!(err, "kvet: {b}");
    }
    entries.reverse();
    let text = if json {
        let list: Vec<Value> = entries
            .iter()
            .map(|e| {
                serde_json::json!({"id": e.id, "time": e.time, "context": e.context, "user": e.user,
                    "check": e.check, "object": e.object, "result": e.result, "undoes": e.undoes})
            })
            .collect();
        serde_json::to_string_pretty(&serde_json::json!({"entries": list})).unwrap_or_default()
            + "\n"
    } else if entries.is_empty() {
        "No fix has been applied.\n".to_string()
    } else {
        let mut s = format!(
            "{:<18} {:<20} {:<16} {:<26} {:<40} RESULT\n",
            "ID", "TIME", "CONTEXT", "CHECK", "OBJECT"
        );
        for e in &entries {
            let obj = e.object.object_ref().to_string();
            let result = match &e.undoes {
                Some(u) => format!("{} (undo of {u})", e.result),
                None => e.result.clone(),
            };
            s.push_str(&format!(
                "{:<18} {:<20} {:<16} {:<26} {:<40} {}\n",
                e.id,
                e.time,
                crate::text::escape_ctrl(&e.context),
                e.check,
                crate::text::escape_ctrl(&obj),
                result
            ));
        }
        s
    };
    let _ = out.write_all(text.as_bytes());
    Ok(exit::OK)
}

/// `kvet undo ID`: the entry's inverse, through the same pipeline (diff, dry run, confirm).
pub fn undo_cmd(
    src: &SourceArgs,
    id: &str,
    yes: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Failure> {
    if src.readonly {
        return Err(Failure::usage(
            "undo writes to the cluster: refused with --readonly",
        ));
    }
    let (entries, _) = ap::read_journal().map_err(Failure::usage)?;
    let Some(entry) = entries.iter().find(|e| e.id == id).cloned() else {
        return Err(Failure::usage(format!(
            "no journal entry {id:?} (`kvet journal` lists them)"
        )));
    };
    let rt = runtime()?;
    let mut opts = live_options(src, true);
    if opts.context.is_none() {
        opts.context = Some(entry.context.clone());
    }
    rt.block_on(async {
        let conn = live::connect(&opts).await.map_err(live_failure)?;
        let p = ap::preview_undo(&conn, &entry)
            .await
            .map_err(Failure::usage)?;
        report(&p.plan, err);
        let _ = out.write_all(p.diff.as_bytes());
        let _ = out.flush();
        if !confirm(&format!("Undo {id} on {}?", p.plan.target), yes, err)? {
            let _ = writeln!(err, "kvet: not undone");
            return Ok(exit::FINDINGS);
        }
        let user = user_of(src, &conn.context);
        let undo = ap::apply_and_journal(&conn, &p.plan, &p.before, &p.diff, &user, Some(id))
            .await
            .map_err(Failure::usage)?;
        let _ = writeln!(
            err,
            "kvet: undid {id} on {} (journal entry {})",
            p.plan.target, undo.id
        );
        Ok(exit::OK)
    })
}
