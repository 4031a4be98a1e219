//! `kvet triage`: what hurts now, worst impact first, with the evidence the cluster recorded and
//! the findings that explain it. Exit 1 when something is down.

use super::{exit, load_source, Failure, SourceArgs};
use crate::audit::{self, AuditOptions};
use crate::text::escape_ctrl;
use crate::triage::{triage, Impact, Symptom};
use clap::Args;
use std::io::Write;

#[derive(Args, Debug)]
pub struct TriageArgs {
    #[arg(short = 'o', long = "output", value_enum, default_value_t = super::ListFormat::Table)]
    pub output: super::ListFormat,
}

fn object(s: &Symptom) -> String {
    let r = &s.object;
    match &r.namespace {
        Some(ns) => format!("{}/{ns}/{}", r.kind, r.name),
        None => format!("{}/{}", r.kind, r.name),
    }
}

/// `2026-11-27T06:01:30.000000Z` → `2026-11-27T06:01:30`: seconds are enough on a timeline.
fn short_time(t: &str) -> &str {
    t.get(..19).unwrap_or(t)
}

/// The table: one block per symptom, its newest evidence first (a short timeline).
pub fn table(symptoms: &[Symptom]) -> String {
    if symptoms.is_empty() {
        return "Nothing hurts now: no symptom in the events and statuses kvet can see.\n".into();
    }
    let down = symptoms.iter().filter(|s| s.impact == Impact::Down).count();
    let degraded = symptoms
        .iter()
        .filter(|s| s.impact == Impact::Degraded)
        .count();
    let mut out = format!(
        "{} symptom{}: {down} down, {degraded} degraded, {} at risk\n",
        symptoms.len(),
        if symptoms.len() == 1 { "" } else { "s" },
        symptoms.len() - down - degraded
    );
    for s in symptoms {
        out.push_str(&format!(
            "\n{:<9} {:<21} {}\n",
            s.impact.as_str().to_ascii_uppercase(),
            s.symptom,
            escape_ctrl(&object(s))
        ));
        for e in s.evidence.iter().take(5) {
            out.push_str(&format!(
                "  {:<20} {:<22} {}{}\n",
                e.last_seen.as_deref().map(short_time).unwrap_or("-"),
                escape_ctrl(&format!("{} ×{}", e.reason, e.count)),
                escape_ctrl(&e.message),
                if e.object != s.object {
                    format!("  ({} {})", e.object.kind, escape_ctrl(&e.object.name))
                } else {
                    String::new()
                }
            ));
        }
        if s.evidence.len() > 5 {
            out.push_str(&format!("  … and {} more\n", s.evidence.len() - 5));
        }
        if s.explained_by.is_empty() {
            out.push_str(
                "  explained by: no finding; the evidence above is the cause to look at\n",
            );
        } else {
            let list: Vec<String> = s
                .explained_by
                .iter()
                .map(|x| {
                    format!(
                        "{} on {}/{}",
                        x.check,
                        x.object.kind,
                        escape_ctrl(&x.object.name)
                    )
                })
                .collect();
            out.push_str(&format!("  explained by: {}\n", list.join(", ")));
        }
    }
    out
}

pub fn triage_cmd(
    src: &SourceArgs,
    args: &TriageArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Failure> {
    let loaded = load_source(src)?;
    super::report_errors(&loaded, err);
    let snap = &loaded.snapshot;
    if snap.events_dropped > 0 {
        let _ = writeln!(
            err,
            "kvet: warning: {} events not kept (kvet keeps the newest {} per object and {} in all, Normal ones only up to half of that)",
            snap.events_dropped,
            crate::model::snapshot::EVENTS_PER_OBJECT,
            crate::model::snapshot::MAX_EVENTS
        );
    }
    let findings = audit::run(snap, &AuditOptions::default()).findings;
    let symptoms = triage(snap, &findings);
    let text = if args.output == super::ListFormat::Json {
        serde_json::to_string_pretty(&serde_json::json!({"symptoms": symptoms})).unwrap_or_default()
            + "\n"
    } else {
        table(&symptoms)
    };
    let _ = out.write_all(text.as_bytes());
    let down = symptoms.iter().any(|s| s.impact == Impact::Down);
    Ok(if down { exit::FINDINGS } else { exit::OK })
}
