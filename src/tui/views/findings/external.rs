//! Other tools' results in the Findings view: listed after kvet's findings, labelled by their
//! source, filtered like them, and never counted with them.

use super::FindingsFilter;
use crate::model::ExternalResult;
use crate::tui::shared::Shared;

/// (report, result) indices into `snapshot.reports`.
pub type ExtRow = (usize, usize);

pub fn result(sh: &Shared, (r, i): ExtRow) -> Option<&ExternalResult> {
    sh.snapshot.reports.get(r)?.results.get(i)
}

/// The namespace a result is about: its object's, else its report's.
pub fn namespace(sh: &Shared, (r, i): ExtRow) -> &str {
    let rep = &sh.snapshot.reports[r];
    rep.results[i]
        .object
        .as_ref()
        .map(|o| o.namespace())
        .or(rep.meta.namespace.as_deref())
        .unwrap_or("")
}

/// The rows shown, most severe first, then by source and policy. A `:check` filter names a kvet
/// check, so it hides them all.
pub fn rows(sh: &Shared, tf: &FindingsFilter) -> Vec<ExtRow> {
    if tf.check.is_some() {
        return Vec::new();
    }
    let mut fuzzy = crate::tui::fuzzy::Fuzzy::new(&sh.filter);
    let mut out: Vec<ExtRow> = Vec::new();
    for (r, rep) in sh.snapshot.reports.iter().enumerate() {
        for (i, x) in rep.results.iter().enumerate() {
            let ns = namespace(sh, (r, i));
            let keep = tf.min_severity.is_none_or(|s| x.severity_level() >= s)
                && tf.namespace.as_deref().is_none_or(|n| ns == n)
                && tf.kind.as_deref().is_none_or(|k| {
                    x.object
                        .as_ref()
                        .is_some_and(|o| o.kind.as_str().eq_ignore_ascii_case(k))
                })
                && fuzzy.as_mut().is_none_or(|f| {
                    let name = x.object.as_ref().map_or("", |o| &*o.name);
                    f.matches(&format!("{ns}/{name} {} {}", x.source, x.policy))
                });
            if keep {
                out.push((r, i));
            }
        }
    }
    out.sort_by(|a, b| {
        let (x, y) = (result(sh, *a), result(sh, *b));
        let key = |x: Option<&ExternalResult>| {
            x.map(|x| {
                // The tool's own scale first, then kvet's for results that name none.
                let rank = match x.severity.as_deref() {
                    Some("critical") => 0,
                    Some("high") => 1,
                    Some("medium") => 2,
                    Some("low") => 3,
                    Some("info") => 4,
                    _ => 5,
                };
                (
                    std::cmp::Reverse(x.severity_level()),
                    rank,
                    x.source.clone(),
                    x.policy.clone(),
                )
            })
        };
        key(x).cmp(&key(y))
    });
    out
}

/// `kyverno 12, trivy 3`: the results per source, most first.
pub fn by_source(sh: &Shared) -> String {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for rep in &sh.snapshot.reports {
        for x in &rep.results {
            *counts.entry(&x.source).or_default() += 1;
        }
    }
    let mut v: Vec<(&str, usize)> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    v.iter()
        .map(|(s, n)| format!("{} {n}", crate::text::escape_ctrl(s)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One line about a result, for the status line and the details pane.
pub fn describe(x: &ExternalResult) -> String {
    let mut s = format!("{} · {}", x.source, x.policy);
    if let Some(r) = x.rule.as_deref().filter(|r| *r != &*x.policy) {
        s.push('/');
        s.push_str(r);
    }
    s.push_str(&format!(
        " · {}{}: {}",
        x.result,
        x.severity
            .as_deref()
            .map(|v| format!(" ({v})"))
            .unwrap_or_default(),
        x.message
    ));
    s
}
