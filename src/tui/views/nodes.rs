//! The Nodes view: nodes grouped by pool and zone, each with its pods and its drain verdict
//! (✓ drains cleanly, ⏳ waits for replacements, ✗ blocks or takes something down). The verdicts
//! for every node are computed off the UI thread; until they arrive the view says so. `d` on a
//! node, a pool or a zone runs the simulation of design/drain.md and shows the pods in groups
//! (blocked or refused, wait, go now, stay) with their reasons and PDBs, and the workloads that
//! would go down. `:drain [pool|zone] NAME [--force] [--delete-emptydir-data]` does the same
//! for any scope.

use crate::audit::Severity;
use crate::drain::words::{headline, GROUPS};
use crate::drain::{pool_of, workload_name, zone_of, NodeSummary, Options, Planner, Report, Scope};
use crate::model::Snapshot;
use crate::text::escape_ctrl;
use crate::tui::keymap::Command;
use crate::tui::shared::Shared;
use crate::tui::views::clip;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;
use std::sync::Arc;

pub const COMMANDS: &[Command] = &[
    Command::Up,
    Command::Down,
    Command::Top,
    Command::Bottom,
    Command::PageUp,
    Command::PageDown,
    Command::Drain,
    Command::Back,
];

pub const COMMAND_LINE: &[(&str, &str)] = &[(
    ":drain [pool|zone] NAME [--force] [--delete-emptydir-data]",
    "simulate kubectl drain of a node, a whole pool or a whole zone",
)];

/// A row of the left pane.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Row {
    /// A pool header (only when some node has a pool label), with its node count.
    Pool(Option<String>, usize),
    /// A zone header, with its node count under the pool above it.
    Zone(Option<String>, usize),
    /// A node: its position in `snap.nodes`.
    Node(usize),
}

#[derive(Default)]
pub struct NodesView {
    pub rows: Vec<Row>,
    pub selected: usize,
    /// Every node's verdict, for the snapshot generation it was computed from.
    pub verdicts: Option<(u64, Arc<Vec<NodeSummary>>)>,
    /// The simulation on screen: its scope and flags, and the generation it was computed for.
    pub sim: Option<(Scope, Options, u64, Report)>,
    /// First line of the simulation shown (PageUp/PageDown scroll it).
    pub scroll: u16,
    built: Option<u64>,
}

fn rows(snap: &Snapshot) -> Vec<Row> {
    let mut nodes: Vec<(Option<&str>, Option<&str>, &str, usize)> = snap
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (pool_of(n), zone_of(n), &*n.meta.name, i))
        .collect();
    nodes.sort();
    let pooled = nodes.iter().any(|n| n.0.is_some());
    let mut out = Vec::new();
    let mut i = 0;
    while i < nodes.len() {
        let pool = nodes[i].0;
        let end = (i..nodes.len())
            .find(|&j| nodes[j].0 != pool)
            .unwrap_or(nodes.len());
        if pooled {
            out.push(Row::Pool(pool.map(str::to_string), end - i));
        }
        let mut k = i;
        while k < end {
            let zone = nodes[k].1;
            let zend = (k..end).find(|&j| nodes[j].1 != zone).unwrap_or(end);
            out.push(Row::Zone(zone.map(str::to_string), zend - k));
            out.extend(nodes[k..zend].iter().map(|n| Row::Node(n.3)));
            k = zend;
        }
        i = end;
    }
    out
}

impl NodesView {
    pub fn refresh(&mut self, sh: &Shared) {
        if self.built == Some(sh.generation) {
            return;
        }
        let keep = self.rows.get(self.selected).cloned().and_then(|r| match r {
            Row::Node(i) => self
                .built
                .and(sh.snapshot.nodes.get(i))
                .map(|n| n.meta.name.clone()),
            _ => None,
        });
        self.rows = rows(&sh.snapshot);
        self.selected = keep
            .and_then(|name| {
                self.rows.iter().position(
                    |r| matches!(r, Row::Node(i) if sh.snapshot.nodes[*i].meta.name == name),
                )
            })
            .unwrap_or_else(|| {
                self.rows
                    .iter()
                    .position(|r| matches!(r, Row::Node(_)))
                    .unwrap_or(0)
            });
        // A simulation on screen follows the data: re-run on the new snapshot.
        if let Some((scope, opts, generation, _)) = &self.sim {
            if *generation != sh.generation {
                let (scope, opts) = (scope.clone(), *opts);
                self.sim = Planner::new(&sh.snapshot)
                    .simulate(&scope, opts)
                    .ok()
                    .map(|r| (scope, opts, sh.generation, r));
            }
        }
        self.built = Some(sh.generation);
    }

    /// The verdicts computed off the UI thread arrived.
    pub fn set_verdicts(&mut self, generation: u64, v: Vec<NodeSummary>) {
        if self.verdicts.as_ref().is_none_or(|(g, _)| *g <= generation) {
            self.verdicts = Some((generation, Arc::new(v)));
        }
    }

    fn verdict<'a>(&'a self, sh: &Shared, name: &str) -> Option<&'a NodeSummary> {
        let (g, v) = self.verdicts.as_ref()?;
        if *g != sh.generation {
            return None;
        }
        v.iter().find(|s| &*s.name == name)
    }

    /// The selected node, for `y`.
    pub fn selected_node(&self, sh: &Shared) -> Option<crate::model::ObjectRef> {
        match self.rows.get(self.selected)? {
            Row::Node(i) => Some(crate::model::ObjectRef::new(
                crate::model::Kind::Node,
                None,
                &sh.snapshot.nodes.get(*i)?.meta.name,
            )),
            _ => None,
        }
    }

    fn scope_of_selection(&self, sh: &Shared) -> Option<Scope> {
        match self.rows.get(self.selected)? {
            Row::Node(i) => Some(Scope::Node(
                sh.snapshot.nodes.get(*i)?.meta.name.to_string(),
            )),
            Row::Pool(Some(p), _) => Some(Scope::Pool(p.clone())),
            Row::Zone(Some(z), _) => Some(Scope::Zone(z.clone())),
            Row::Pool(None, _) | Row::Zone(None, _) => None,
        }
    }

    fn simulate(&mut self, scope: Scope, opts: Options, sh: &mut Shared) {
        match Planner::new(&sh.snapshot).simulate(&scope, opts) {
            Ok(r) => {
                sh.status = Some(headline(&sh.snapshot, &r));
                self.sim = Some((scope, opts, sh.generation, r));
                self.scroll = 0;
            }
            Err(e) => sh.status = Some(e),
        }
    }

    pub fn command(&mut self, cmd: Command, sh: &mut Shared) -> bool {
        self.refresh(sh);
        match cmd {
            Command::Back if self.sim.is_some() => self.sim = None,
            Command::PageDown if self.sim.is_some() => self.scroll = self.scroll.saturating_add(10),
            Command::PageUp if self.sim.is_some() => self.scroll = self.scroll.saturating_sub(10),
            Command::Drain | Command::Select => match self.scope_of_selection(sh) {
                Some(scope) => self.simulate(scope, Options::default(), sh),
                None => sh.status = Some(
                    "these nodes have no pool or zone label: select a node to simulate its drain"
                        .into(),
                ),
            },
            c if super::is_move(c) => {
                self.selected = super::step(self.selected, super::delta(c, 10), self.rows.len());
            }
            _ => return false,
        }
        true
    }

    /// `:drain [pool|zone] NAME [--force] [--delete-emptydir-data]`.
    pub fn command_line(&mut self, word: &str, args: &[String], sh: &mut Shared) -> bool {
        if word != "drain" {
            return false;
        }
        self.refresh(sh);
        let mut opts = Options::default();
        let mut words = Vec::new();
        for a in args {
            match a.as_str() {
                "--force" => opts.force = true,
                "--delete-emptydir-data" => opts.delete_emptydir_data = true,
                _ => words.push(a.as_str()),
            }
        }
        let scope = match words.as_slice() {
            ["pool", name] => Scope::Pool(name.to_string()),
            ["zone", name] => Scope::Zone(name.to_string()),
            [name] => Scope::Node(name.to_string()),
            [] => match self.scope_of_selection(sh) {
                Some(s) => s,
                None => {
                    sh.status = Some(
                        "usage: :drain [pool|zone] NAME [--force] [--delete-emptydir-data]".into(),
                    );
                    return true;
                }
            },
            _ => {
                sh.status = Some(
                    "usage: :drain [pool|zone] NAME [--force] [--delete-emptydir-data]".into(),
                );
                return true;
            }
        };
        self.simulate(scope, opts, sh);
        true
    }
}

fn pods_text(n: usize) -> String {
    if n == 1 {
        "1 pod".to_string()
    } else {
        format!("{n} pods")
    }
}

fn node_line(v: &NodesView, sh: &Shared, i: usize, width: usize) -> Line<'static> {
    let t = &sh.theme;
    let n = &sh.snapshot.nodes[i];
    let longest = sh
        .snapshot
        .nodes
        .iter()
        .map(|n| n.meta.name.chars().count())
        .max()
        .unwrap_or(0);
    let nw = longest.min(width.saturating_sub(18)).max(8);
    let mut spans = vec![Span::raw("    ")];
    match v.verdict(sh, &n.meta.name) {
        Some(s) => {
            let style = match s.badge {
                crate::drain::Badge::Clean => t.ok(),
                crate::drain::Badge::Waits => t.severity(Severity::Warning),
                crate::drain::Badge::Fails => t.severity(Severity::Critical),
            };
            spans.push(Span::styled(format!("{} ", s.badge.symbol()), style));
            let mut text = format!(
                "{:<nw$} {:>8}",
                clip(&escape_ctrl(&n.meta.name), nw),
                pods_text(s.pods)
            );
            if n.unschedulable {
                text.push_str(" cordoned");
            }
            if !s.outages.is_empty() {
                let names: Vec<&str> = s
                    .outages
                    .iter()
                    .map(|w| w.rsplit('/').next().unwrap_or(w))
                    .collect();
                text.push_str(&format!(" ↓ {}", names.join(", ")));
            } else if s.stops > 0 {
                text.push_str(&format!(" {} block", s.stops));
            } else if s.waits > 0 {
                text.push_str(&format!(" {} wait", s.waits));
            }
            spans.push(Span::raw(clip(&text, width.saturating_sub(6))));
        }
        None => {
            spans.push(Span::styled("◌ ", t.muted()));
            let count = sh
                .snapshot
                .index
                .pods_on_node
                .get(&*n.meta.name)
                .copied()
                .unwrap_or(0);
            spans.push(Span::raw(clip(
                &format!(
                    "{:<nw$} {:>8}",
                    clip(&escape_ctrl(&n.meta.name), nw),
                    pods_text(count)
                ),
                width.saturating_sub(6),
            )));
        }
    }
    Line::from(spans)
}

fn details(sh: &Shared, v: &NodesView) -> Vec<Line<'static>> {
    let t = &sh.theme;
    let snap = &sh.snapshot;
    let mut out = Vec::new();
    match v.rows.get(v.selected) {
        Some(Row::Node(i)) => {
            let n = &snap.nodes[*i];
            out.push(Line::styled(escape_ctrl(&n.meta.name).into_owned(), t.accent()));
            out.push(Line::raw(format!(
                "Pool {} · zone {} · {} · {}",
                pool_of(n).unwrap_or("—"),
                zone_of(n).unwrap_or("—"),
                match n.ready {
                    Some(true) => "Ready",
                    Some(false) => "NotReady",
                    None => "Ready unknown",
                },
                if n.unschedulable { "cordoned" } else { "schedulable" }
            )));
            if !n.taints.is_empty() {
                let taints: Vec<String> = n
                    .taints
                    .iter()
                    .map(|t| format!("{}={}:{}", t.key, t.value.as_deref().unwrap_or(""), t.effect))
                    .collect();
                out.push(Line::raw(format!("Taints: {}", escape_ctrl(&taints.join(", ")))));
            }
            match v.verdict(sh, &n.meta.name) {
                Some(s) => out.push(Line::raw(format!(
                    "Drain: {} {} (d for the simulation)",
                    s.badge.symbol(),
                    s.badge.words()
                ))),
                None => out.push(Line::styled("Drain: computing…", t.muted())),
            }
            // Conditions that say something is wrong: Ready not True, pressure True.
            for c in n.conditions.iter().filter(|c| {
                (&*c.kind == "Ready") != (&*c.status == "True")
            }) {
                out.push(Line::styled(
                    escape_ctrl(&format!(
                        "⚠ {} {}{}{}",
                        c.kind,
                        c.status,
                        c.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default(),
                        c.message.as_deref().map(|m| format!(": {m}")).unwrap_or_default()
                    ))
                    .into_owned(),
                    t.severity(crate::audit::Severity::Warning),
                ));
            }
            let r = crate::model::ObjectRef::new(crate::model::Kind::Node, None, &n.meta.name);
            super::workloads::details::events_section(snap, t, &r, &mut out);
            out.push(Line::raw(""));
            // Straight from the snapshot's index: nothing is built per frame.
            let pods: Vec<usize> = snap.pods_on_node(&n.meta.name).collect();
            out.push(Line::styled(format!("Pods on this node ({})", pods.len()), t.accent()));
            for p in pods {
                let pod = &snap.pods[p];
                let owner = snap
                    .top_workload_of(p)
                    .map(|w| workload_name(&snap.workloads[w].object_ref()))
                    .unwrap_or_else(|| "no controller".into());
                out.push(Line::raw(format!(
                    "  {} {}/{}  {}",
                    if pod.is_ready() { "●" } else { "○" },
                    escape_ctrl(pod.meta.namespace()),
                    escape_ctrl(&pod.meta.name),
                    escape_ctrl(&owner)
                )));
            }
        }
        Some(Row::Pool(p, n)) => {
            out.push(Line::styled(
                format!("Pool {} ({n} nodes)", p.as_deref().unwrap_or("(no pool label)")),
                t.accent(),
            ));
            if p.is_some() {
                out.push(Line::raw("d simulates losing every node of the pool at once"));
            }
        }
        Some(Row::Zone(z, n)) => {
            out.push(Line::styled(
                format!("Zone {} ({n} nodes here)", z.as_deref().unwrap_or("(no zone label)")),
                t.accent(),
            ));
            if z.is_some() {
                out.push(Line::raw(
                    "d simulates losing the whole zone at once (its nodes in every pool)",
                ));
            }
        }
        None => out.push(Line::styled(
            "No Node objects in this source: a drain needs a live cluster, the demo or a saved snapshot.",
            t.muted(),
        )),
    }
    out
}

fn simulation(sh: &Shared, r: &Report) -> Vec<Line<'static>> {
    let t = &sh.theme;
    let snap = &sh.snapshot;
    let style = if r.is_safe() {
        t.ok()
    } else {
        t.severity(Severity::Critical)
    };
    let mut out = vec![Line::styled(headline(snap, r), style)];
    if r.nodes.len() > 1 {
        let names: Vec<&str> = r.nodes.iter().map(|n| &**n).collect();
        out.push(Line::raw(format!(
            "Nodes: {}",
            escape_ctrl(&crate::text::truncate_list(&names, 12))
        )));
    }
    out.push(Line::styled("Esc closes the simulation", t.muted()));
    let down: Vec<_> = r.outages().collect();
    if !down.is_empty() {
        out.push(Line::raw(""));
        out.push(Line::styled(
            format!("Goes down ({})", down.len()),
            t.severity(Severity::Critical),
        ));
        for w in down {
            out.push(Line::styled(
                format!(
                    "  {}: {} Ready now, 0 while the drain runs",
                    escape_ctrl(&workload_name(&snap.workloads[w.workload].object_ref())),
                    w.ready
                ),
                t.severity(Severity::Critical),
            ));
        }
    }
    for (title, actions) in GROUPS {
        let group: Vec<_> = r
            .pods
            .iter()
            .filter(|p| actions.contains(&p.action))
            .collect();
        if group.is_empty() {
            continue;
        }
        out.push(Line::raw(""));
        let style = if title.starts_with("Blocked") {
            t.severity(Severity::Critical)
        } else if title.starts_with("Wait") {
            t.severity(Severity::Warning)
        } else {
            t.accent()
        };
        out.push(Line::styled(format!("{title} ({})", group.len()), style));
        for p in group {
            let pod = &snap.pods[p.pod];
            let pdbs: Vec<String> = p
                .pdbs
                .iter()
                .map(|&i| snap.pdbs[i].meta.name.to_string())
                .collect();
            out.push(Line::from(vec![
                Span::raw(format!(
                    "  {}/{}",
                    escape_ctrl(pod.meta.namespace()),
                    escape_ctrl(&pod.meta.name)
                )),
                Span::styled(
                    if pdbs.is_empty() {
                        String::new()
                    } else {
                        format!("  PDB {}", escape_ctrl(&pdbs.join(", ")))
                    },
                    t.muted(),
                ),
            ]));
            out.push(Line::styled(
                format!("      {}: {}", p.action.as_str(), escape_ctrl(&p.why)),
                t.muted(),
            ));
        }
    }
    out
}

pub fn render(frame: &mut Frame, area: Rect, v: &mut NodesView, sh: &Shared) {
    v.refresh(sh);
    let t = &sh.theme;
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(area);
    let width = left.width.saturating_sub(2) as usize;
    let mut lines: Vec<Line> = Vec::new();
    for (i, r) in v.rows.iter().enumerate() {
        let l = match r {
            Row::Pool(p, n) => Line::styled(
                clip(
                    &format!(
                        "▾ pool {} ({n})",
                        escape_ctrl(p.as_deref().unwrap_or("(none)"))
                    ),
                    width,
                ),
                t.accent(),
            ),
            Row::Zone(z, n) => Line::styled(
                clip(
                    &format!(
                        "  ▾ zone {} ({n})",
                        escape_ctrl(z.as_deref().unwrap_or("(none)"))
                    ),
                    width,
                ),
                t.accent(),
            ),
            Row::Node(n) => node_line(v, sh, *n, width),
        };
        lines.push(if i == v.selected {
            l.style(t.selection())
        } else {
            l
        });
    }
    let h = left.height.saturating_sub(2) as usize;
    let offset = v.selected.saturating_sub(h.saturating_sub(1));
    let lines: Vec<Line> = lines.into_iter().skip(offset).take(h).collect();
    let title = match &v.verdicts {
        Some((g, s)) if *g == sh.generation => {
            let count = |b| s.iter().filter(|x| x.badge == b).count();
            format!(
                " Nodes ({}) · ✓{} ⏳{} ✗{} ",
                sh.snapshot.nodes.len(),
                count(crate::drain::Badge::Clean),
                count(crate::drain::Badge::Waits),
                count(crate::drain::Badge::Fails)
            )
        }
        _ => format!(
            " Nodes ({}) · computing drain verdicts… ",
            sh.snapshot.nodes.len()
        ),
    };
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(title)
                .border_style(t.border(true))
                .style(t.base()),
        ),
        left,
    );
    let (title, body, scroll) = match &v.sim {
        Some((scope, _, _, r)) => (
            format!(" Drain of {} (PgUp/PgDn scroll) ", scope.describe()),
            simulation(sh, r),
            v.scroll,
        ),
        None => (" Node ".to_string(), details(sh, v), 0),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(t.border(false))
        .style(t.base());
    let body = super::wrap::hanging(body, block.inner(right).width);
    frame.render_widget(
        Paragraph::new(body)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0))
            .block(block),
        right,
    );
}
