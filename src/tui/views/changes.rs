//! The Changes view (`8`, `:changes`): what changed since the `--since` (or `:since FILE`)
//! state, in the sections of `kvet diff`: findings new, resolved and changed; objects added,
//! removed and changed (with their fields); grants gained and lost; connections opened and
//! closed; drain verdicts. Enter on a row with an object goes to it. Live, the comparison is
//! computed again for each snapshot the watchers publish.

use crate::diff::Diff;
use crate::model::{Kind, ObjectRef};
use crate::text::escape_ctrl;
use crate::tui::keymap::Command;
use crate::tui::shared::Shared;
use crate::tui::views::clip;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

pub const COMMANDS: &[Command] = &[
    Command::Up,
    Command::Down,
    Command::PageUp,
    Command::PageDown,
    Command::Top,
    Command::Bottom,
    Command::Select,
];

pub const COMMAND_LINE: &[(&str, &str)] = &[(
    ":changes",
    "what changed since the --since state (:since FILE sets it)",
)];

#[derive(Default)]
pub struct ChangesView {
    pub selected: usize,
    /// The rows of the diff on screen, built once per comparison (a diff can list millions of
    /// connections: never per frame or per key).
    cache: Option<(std::sync::Arc<Diff>, std::sync::Arc<Vec<Row>>)>,
}

impl std::fmt::Debug for ChangesView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangesView")
            .field("selected", &self.selected)
            .finish_non_exhaustive()
    }
}

/// One row: its text, its style class and the object it is about.
struct Row {
    text: String,
    kind: RowKind,
    object: Option<ObjectRef>,
}

#[derive(Clone, Copy, PartialEq)]
enum RowKind {
    Header,
    Added,
    Removed,
    Changed,
    Detail,
}

fn obj(kind: &str, ns: Option<&str>, name: &str) -> ObjectRef {
    ObjectRef::new(Kind::parse(kind), ns, name)
}

fn rows(d: &Diff) -> Vec<Row> {
    let mut out = Vec::new();
    let header = |out: &mut Vec<Row>, t: String| {
        out.push(Row {
            text: t,
            kind: RowKind::Header,
            object: None,
        })
    };
    let f = &d.findings;
    header(
        &mut out,
        format!(
            "Findings: {} new · {} resolved · {} changed",
            f.new.len(),
            f.resolved.len(),
            f.changed.len()
        ),
    );
    for (k, mark, list) in [
        (RowKind::Added, "✚", &f.new),
        (RowKind::Removed, "✓", &f.resolved),
    ] {
        for x in list {
            out.push(Row {
                text: format!(
                    "{mark} {:<8} {:<26} {}  {}",
                    x.severity.as_str(),
                    x.check,
                    x.object,
                    x.message
                ),
                kind: k,
                object: Some(obj(
                    &x.object.kind,
                    x.object.namespace.as_deref(),
                    &x.object.name,
                )),
            });
        }
    }
    for x in &f.changed {
        out.push(Row {
            text: format!(
                "Δ {:<8} {:<26} {}  {} (was {})",
                x.after.severity.as_str(),
                x.after.check,
                x.after.object,
                x.after.message,
                x.before.severity.as_str()
            ),
            kind: RowKind::Changed,
            object: Some(obj(
                &x.after.object.kind,
                x.after.object.namespace.as_deref(),
                &x.after.object.name,
            )),
        });
    }
    let o = &d.objects;
    header(
        &mut out,
        format!(
            "Objects: {} added · {} removed · {} changed",
            o.added.len(),
            o.removed.len(),
            o.changed.len()
        ),
    );
    for (k, mark, list) in [
        (RowKind::Added, "+", &o.added),
        (RowKind::Removed, "-", &o.removed),
    ] {
        for x in list {
            out.push(Row {
                text: format!("{mark} {x}"),
                kind: k,
                object: Some(obj(&x.kind, x.namespace.as_deref(), &x.name)),
            });
        }
    }
    for x in &o.changed {
        let r = obj(
            &x.object.kind,
            x.object.namespace.as_deref(),
            &x.object.name,
        );
        out.push(Row {
            text: format!("Δ {}", x.object),
            kind: RowKind::Changed,
            object: Some(r.clone()),
        });
        for c in &x.fields {
            out.push(Row {
                text: format!("    {}: {} → {}", c.path, c.before, c.after),
                kind: RowKind::Detail,
                object: Some(r.clone()),
            });
        }
    }
    header(
        &mut out,
        format!(
            "RBAC: {} grants gained · {} lost",
            d.rbac.gained.len(),
            d.rbac.lost.len()
        ),
    );
    for (k, mark, list) in [
        (RowKind::Added, "+", &d.rbac.gained),
        (RowKind::Removed, "-", &d.rbac.lost),
    ] {
        for g in list {
            out.push(Row {
                text: format!(
                    "{mark} {} may {} {} in {}  (via {} → {})",
                    g.subject,
                    g.verb,
                    g.resource,
                    g.namespace.as_deref().unwrap_or("(cluster-wide)"),
                    g.binding,
                    g.role
                ),
                kind: k,
                object: None,
            });
        }
    }
    header(
        &mut out,
        format!(
            "Reach: {} opened · {} closed",
            d.reach.opened.len(),
            d.reach.closed.len()
        ),
    );
    for (k, mark, list) in [
        (RowKind::Added, "+", &d.reach.opened),
        (RowKind::Removed, "-", &d.reach.closed),
    ] {
        for c in list {
            let why = if k == RowKind::Added {
                &c.allowed_by
            } else {
                &c.denied_by
            };
            out.push(Row {
                text: format!(
                    "{mark} {} → {}:{}/{}  ({why})",
                    c.from, c.to, c.port, c.protocol
                ),
                kind: k,
                object: None,
            });
        }
    }
    header(
        &mut out,
        format!("Drain: {} verdicts changed", d.drain.changed.len()),
    );
    for c in &d.drain.changed {
        out.push(Row {
            text: format!("Δ {}: {} → {}", c.node, c.before.verdict, c.after.verdict),
            kind: RowKind::Changed,
            object: Some(ObjectRef::new(Kind::Node, None, &c.node)),
        });
    }
    out
}

impl ChangesView {
    /// The rows of the current diff, from the cache when it is the same comparison.
    fn rows(&mut self, sh: &Shared) -> Option<std::sync::Arc<Vec<Row>>> {
        let d = sh
            .changes
            .as_ref()
            .filter(|c| c.generation == sh.generation)
            .map(|c| &c.diff)?;
        match &self.cache {
            Some((k, r)) if std::sync::Arc::ptr_eq(k, d) => Some(r.clone()),
            _ => {
                let r = std::sync::Arc::new(rows(d));
                self.cache = Some((d.clone(), r.clone()));
                Some(r)
            }
        }
    }

    pub fn selected_object(&mut self, sh: &Shared) -> Option<ObjectRef> {
        self.rows(sh)?.get(self.selected)?.object.clone()
    }

    pub fn command(&mut self, cmd: Command, sh: &mut Shared) -> bool {
        if !super::is_move(cmd) {
            return false;
        }
        let n = self.rows(sh).map(|r| r.len()).unwrap_or(0);
        self.selected = super::step(self.selected, super::delta(cmd, 10), n);
        true
    }
}

pub fn render(frame: &mut Frame, area: Rect, v: &mut ChangesView, sh: &Shared) {
    let t = &sh.theme;
    let title = match &sh.since {
        Some(s) => format!(" Changes since {} · Enter go ", escape_ctrl(&s.label)),
        None => " Changes ".to_string(),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(t.border(true))
        .style(t.base());
    let Some(all) = v.rows(sh) else {
        let text = if sh.since.is_none() {
            "No comparison. Start kvet with --since FILE, or type :since FILE (a saved snapshot, manifests or a kvet audit JSON report)."
        } else {
            "comparing…"
        };
        frame.render_widget(
            Paragraph::new(Line::styled(text, t.muted())).block(block),
            area,
        );
        return;
    };
    v.selected = v.selected.min(all.len().saturating_sub(1));
    let h = area.height.saturating_sub(2) as usize;
    let w = area.width.saturating_sub(2) as usize;
    let offset = v.selected.saturating_sub(h.saturating_sub(1));
    let lines: Vec<Line> = all
        .iter()
        .enumerate()
        .skip(offset)
        .take(h)
        .map(|(i, r)| {
            let style: Style = match r.kind {
                RowKind::Header => t.accent(),
                RowKind::Added => t.severity(crate::audit::Severity::Warning),
                RowKind::Removed => t.ok(),
                RowKind::Changed => t.base(),
                RowKind::Detail => t.muted(),
            };
            let line = Line::from(Span::styled(clip(&escape_ctrl(&r.text), w), style));
            if i == v.selected {
                line.style(t.selection())
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
