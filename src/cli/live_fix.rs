//! Fixes on a live cluster, headless: `kvet fix --apply`, `kvet journal` and `kvet undo`.
//! Every write is previewed against the server's dry run and confirmed (a terminal `y/N`, or
//! `--yes`), then journaled with its inverse.

use super::fix_cmd::{find, FixArgs, FixFormat};
use super::{exit, live_failure, live_options, runtime, Failure, SourceArgs};
use crate::audit::{self, AuditOptions};
use crate::fix::apply::{self as ap, Entry, EntryObject};
use crate::fix::{self, Change, FixInput, FixPlan};
use crate::model::ObjectRef;
use crate::source::live::{self, Connection, KindStatus};
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
    use kube::config::Kubeconfig;
    let kc = match &src.kubeconfig {
        Some(p) => Kubeconfig::read_from(p).ok(),
        None => Kubeconfig::from_env()
            .ok()
            .flatten()
            .or_else(|| Kubeconfig::read().ok()),
    };
    kc.and_then(|k| {
        k.contexts
            .into_iter()
            .find(|c| c.name == context)
            .and_then(|c| c.context.map(|x| x.user.unwrap_or_default()))
    })
    .unwrap_or_default()
}

async fn server_minor(conn: &Connection) -> Option<u32> {
    let v = conn.client.apiserver_version().await.ok()?;
    v.minor.trim_end_matches('+').parse().ok()
}

/// The diff a user confirms: the object now, and the server's dry-run answer.
fn review_diff(plan: &FixPlan, before: &Value, server: &Value) -> String {
    let name = format!(
        "{}.yaml",
        plan.target
            .to_string()
            .to_ascii_lowercase()
            .replace('/', "_")
    );
    match plan.change {
        Change::Create(_) => fix::diff(None, &ap::for_review(server), &name),
        Change::Patch(_) => fix::diff(
            Some(&ap::for_review(before)),
            &ap::for_review(server),
            &name,
        ),
    }
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
        let result = audit::run(
            &snapshot,
            &AuditOptions {
                only: Some(vec![args.check.clone()]),
                ..AuditOptions::default()
            },
        );
        let Some(finding) = find(&result.findings, &args.check, &r).first().copied() else {
            let _ = writeln!(
                err,
                "kvet: {} does not fire on {r}: nothing to fix",
                args.check
            );
            return Ok(exit::FINDINGS);
        };
        let object = ap::fetch(&conn, &r).await.map_err(Failure::usage)?;
        let pdb_api = match status.get("PodDisruptionBudget") {
            Some(KindStatus::Ok { api_version }) => api_version.clone(),
            _ => "policy/v1".to_string(),
        };
        let minor = server_minor(&conn).await;
        let mut plan = fix::plan(&FixInput {
            snap: &snapshot,
            finding,
            object: &object,
            server_minor: minor,
            pdb_api_version: &pdb_api,
            settings: &settings,
        })
        .map_err(|e| Failure::usage(e.to_string()))?;
        ap::guard_resource_version(&mut plan, &object);
        let _ = writeln!(err, "kvet: {}", crate::text::escape_ctrl(&plan.summary));
        for n in &plan.notes {
            let _ = writeln!(err, "kvet: note: {}", crate::text::escape_ctrl(n));
        }
        if !args.apply {
            let text =
                super::fix_cmd::render(&plan, &object, args.output).map_err(Failure::usage)?;
            let _ = out.write_all(text.as_bytes());
            return Ok(exit::OK);
        }
        if args.output != FixFormat::Diff {
            let _ = writeln!(err, "kvet: with --apply, the diff is what is shown");
        }
        // The dry run: the server's answer is what the user reviews.
        let server = ap::send(&conn, &plan, true).await.map_err(|e| Failure {
            code: exit::USAGE,
            message: format!("the server refused the dry run, so nothing was applied: {e}"),
        })?;
        let diff = review_diff(&plan, &object, &server);
        let _ = out.write_all(diff.as_bytes());
        let _ = out.flush();
        let question = format!("Apply this change to {r} in context {}?", conn.context);
        if !confirm(&question, args.yes, err)? {
            let _ = writeln!(err, "kvet: not applied");
            return Ok(exit::FINDINGS);
        }
        let applied = ap::send(&conn, &plan, false)
            .await
            .map_err(Failure::usage)?;
        let after_local =
            fix::apply_local(&object, &plan).map_err(|e| Failure::usage(e.to_string()))?;
        let entries = ap::read_journal().map(|j| j.0).unwrap_or_default();
        let now = ap::now_utc();
        let entry = Entry {
            id: ap::new_id(&now, &entries),
            time: now,
            context: conn.context.clone(),
            user: user_of(src, &conn.context),
            check: plan.check.to_string(),
            object: EntryObject::of(&plan.target),
            field_manager: ap::FIELD_MANAGER.into(),
            patch: ap::redact(&plan.target.kind, &patch_value(&plan)),
            dry_run_diff_hash: ap::fingerprint(&diff),
            result: "applied".into(),
            inverse: ap::inverse(&object, &after_local, &plan, &applied),
            undoes: None,
        };
        ap::append(&entry).map_err(|e| {
            Failure::usage(format!(
                "applied, but the journal could not be written: {e}"
            ))
        })?;
        let _ = writeln!(
            err,
            "kvet: applied to {} (journal entry {}; undo with `kvet undo {}`)",
            plan.target, entry.id, entry.id
        );
        Ok(exit::OK)
    })
}

fn patch_value(plan: &FixPlan) -> Value {
    match &plan.change {
        Change::Patch(ops) => Value::Array(ops.clone()),
        Change::Create(obj) => obj.clone(),
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
    let r = entry.object.object_ref();
    rt.block_on(async {
        let conn = live::connect(&opts).await.map_err(live_failure)?;
        let check = audit::find_check(&entry.check)
            .map(|c| c.info().id)
            .unwrap_or("undo");
        let result = if let Some(uid) = entry.inverse.pointer("/delete/uid").and_then(Value::as_str)
        {
            ap::delete(&conn, &r, uid, true)
                .await
                .map_err(|e| Failure {
                    code: exit::USAGE,
                    message: format!("the server refused the dry run, so nothing was undone: {e}"),
                })?;
            let current = ap::fetch(&conn, &r).await.map_err(Failure::usage)?;
            let old = fix::yaml(&ap::for_review(&current));
            let _ = out.write_all(
                similar::TextDiff::from_lines(old.as_str(), "")
                    .unified_diff()
                    .header(&format!("a/{r}"), "/dev/null")
                    .to_string()
                    .as_bytes(),
            );
            if !confirm(&format!("Delete {r}, which kvet created?"), yes, err)? {
                let _ = writeln!(err, "kvet: not undone");
                return Ok(exit::FINDINGS);
            }
            ap::delete(&conn, &r, uid, false)
                .await
                .map_err(Failure::usage)?;
            serde_json::json!({"delete": {"uid": uid}})
        } else {
            let ops = entry.inverse["patch"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let current = ap::fetch(&conn, &r).await.map_err(Failure::usage)?;
            let mut plan = FixPlan {
                check,
                target: r.clone(),
                summary: format!("undo journal entry {id}"),
                change: Change::Patch(ops),
                editable: Vec::new(),
                notes: Vec::new(),
            };
            ap::guard_resource_version(&mut plan, &current);
            let server = ap::send(&conn, &plan, true).await.map_err(|e| Failure {
                code: exit::USAGE,
                message: format!("the server refused the dry run, so nothing was undone: {e}"),
            })?;
            let diff = review_diff(&plan, &current, &server);
            let _ = out.write_all(diff.as_bytes());
            if !confirm(&format!("Undo {id} on {r}?"), yes, err)? {
                let _ = writeln!(err, "kvet: not undone");
                return Ok(exit::FINDINGS);
            }
            ap::send(&conn, &plan, false)
                .await
                .map_err(Failure::usage)?;
            patch_value(&plan)
        };
        let entries = ap::read_journal().map(|j| j.0).unwrap_or_default();
        let now = ap::now_utc();
        let undo = Entry {
            id: ap::new_id(&now, &entries),
            time: now,
            context: conn.context.clone(),
            user: user_of(src, &conn.context),
            check: entry.check.clone(),
            object: entry.object.clone(),
            field_manager: ap::FIELD_MANAGER.into(),
            patch: result,
            dry_run_diff_hash: String::new(),
            result: "undone".into(),
            inverse: Value::Null,
            undoes: Some(id.to_string()),
        };
        ap::append(&undo).map_err(Failure::usage)?;
        let _ = writeln!(err, "kvet: undid {id} on {r} (journal entry {})", undo.id);
        Ok(exit::OK)
    })
}
