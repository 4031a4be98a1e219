//! The RBAC view: every subject as a tree (ServiceAccounts under their namespace, then users,
//! then groups) with its risk, and for the selected one its bindings, roles and rules, and a matrix of what it may do
//! (resources × verbs) where it works. `:can VERB RESOURCE [NS]` lists who may do something, and
//! Enter on a row says why (the binding and the role).

use crate::audit::Severity;
use crate::model::{Kind, ObjectRef};
use crate::rbac::{effective_rules, who_can, Grant, Graph, Request, Requester, Target};
use crate::text::escape_ctrl;
use crate::tui::keymap::Command;
use crate::tui::shared::{Shared, Version};
use crate::tui::views::clip;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

pub const COMMANDS: &[Command] = &[
    Command::Up,
    Command::Down,
    Command::Top,
    Command::Bottom,
    Command::Select,
    Command::Back,
];

pub const COMMAND_LINE: &[(&str, &str)] = &[(
    ":can VERB RESOURCE [NS]",
    "who may do it (Enter on a row: through which binding and role)",
)];

/// Rows of the permission matrix.
const RESOURCES: &[&str] = &[
    "pods",
    "pods/exec",
    "pods/log",
    "secrets",
    "configmaps",
    "services",
    "serviceaccounts",
    "deployments.apps",
    "statefulsets.apps",
    "jobs.batch",
    "networkpolicies.networking.k8s.io",
    "roles.rbac.authorization.k8s.io",
    "rolebindings.rbac.authorization.k8s.io",
    "clusterrolebindings.rbac.authorization.k8s.io",
    "nodes",
    "nodes/proxy",
    "namespaces",
];

const VERBS: &[&str] = &[
    "get", "list", "watch", "create", "update", "patch", "delete",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubjectRow {
    pub kind: &'static str,
    pub namespace: Option<String>,
    pub name: String,
}

impl SubjectRow {
    fn requester(&self) -> Requester {
        match (self.kind, &self.namespace) {
            ("ServiceAccount", Some(ns)) => Requester::service_account(ns, &self.name),
            ("Group", _) => Requester {
                user: String::new(),
                groups: vec![self.name.clone()],
            },
            _ => Requester::user(&self.name, &[]),
        }
    }

    fn label(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{ns}/{}", self.name),
            None => format!("{}: {}", self.kind.to_ascii_lowercase(), self.name),
        }
    }

    fn object(&self) -> Option<ObjectRef> {
        let ns = self.namespace.as_deref()?;
        Some(ObjectRef::new(Kind::ServiceAccount, Some(ns), &self.name))
    }
}

/// A `:can` question and its answer.
#[derive(Clone, Debug, Default)]
pub struct WhoCan {
    pub question: String,
    pub grants: Vec<Grant>,
    pub selected: usize,
    pub why: bool,
}

#[derive(Default)]
pub struct RbacView {
    pub subjects: Vec<SubjectRow>,
    pub selected: usize,
    built: Option<Version>,
    pub who: Option<WhoCan>,
    /// The matrix cluster-wide rather than in the subject's namespace (Enter toggles).
    pub cluster_wide: bool,
}

impl RbacView {
    /// Rebuilds the subject list when the snapshot changed.
    pub fn refresh(&mut self, sh: &Shared) {
        if self.built == Some(sh.version()) {
            return;
        }
        let s = &sh.snapshot;
        let mut rows: Vec<SubjectRow> = s
            .service_accounts
            .iter()
            .map(|a| SubjectRow {
                kind: "ServiceAccount",
                namespace: Some(a.meta.namespace().to_string()),
                name: a.meta.name.to_string(),
            })
            .collect();
        for b in &s.bindings {
            for sub in &b.subjects {
                let row = match &*sub.kind {
                    "ServiceAccount" => SubjectRow {
                        kind: "ServiceAccount",
                        namespace: b.subject_namespace(sub).map(str::to_string),
                        name: sub.name.to_string(),
                    },
                    "User" => SubjectRow {
                        kind: "User",
                        namespace: None,
                        name: sub.name.to_string(),
                    },
                    "Group" => SubjectRow {
                        kind: "Group",
                        namespace: None,
                        name: sub.name.to_string(),
                    },
                    _ => continue,
                };
                rows.push(row);
            }
        }
        let order = |r: &SubjectRow| match r.kind {
            "ServiceAccount" => 0,
            "User" => 1,
            _ => 2,
        };
        rows.sort_by(|a, b| {
            (order(a), &a.namespace, &a.name).cmp(&(order(b), &b.namespace, &b.name))
        });
        rows.dedup();
        let keep = self.subjects.get(self.selected).cloned();
        self.subjects = rows;
        // On first opening, land on the riskiest subject.
        let riskiest = || {
            let mut best: Option<(usize, (Option<Severity>, usize))> = None;
            for (i, r) in self.subjects.iter().enumerate() {
                let Some(b) = r
                    .object()
                    .map(|o| sh.findings.badge(sh.findings.of_object(&o)))
                else {
                    continue;
                };
                let key = (b.worst, b.count);
                if b.count > 0 && best.as_ref().is_none_or(|(_, k)| key > *k) {
                    best = Some((i, key));
                }
            }
            best.map_or(0, |(i, _)| i)
        };
        self.selected = match keep {
            Some(k) => self.subjects.iter().position(|r| *r == k).unwrap_or(0),
            None => riskiest(),
        };
        self.built = Some(sh.version());
    }

    /// Selects a ServiceAccount (the jump from a workload).
    pub fn select_service_account(&mut self, sh: &Shared, ns: &str, name: &str) {
        self.built = None;
        self.refresh(sh);
        self.who = None;
        if let Some(i) = self.subjects.iter().position(|r| {
            r.kind == "ServiceAccount" && r.namespace.as_deref() == Some(ns) && r.name == name
        }) {
            self.selected = i;
        } else {
            // A ServiceAccount with no object and no binding: show it anyway, unbound.
            self.subjects.insert(
                0,
                SubjectRow {
                    kind: "ServiceAccount",
                    namespace: Some(ns.to_string()),
                    name: name.to_string(),
                },
            );
            self.selected = 0;
        }
    }

    pub fn command(&mut self, cmd: Command, sh: &mut Shared) -> bool {
        self.refresh(sh);
        if let Some(w) = self.who.as_mut() {
            match cmd {
                Command::Back if w.why => w.why = false,
                Command::Back => self.who = None,
                Command::Select => w.why = !w.why,
                Command::Up | Command::Down | Command::Top | Command::Bottom => {
                    w.selected = super::step(w.selected, super::delta(cmd, 10), w.grants.len());
                    w.why = false;
                }
                _ => return false,
            }
            return true;
        }
        match cmd {
            c if super::is_move(c) => {
                self.selected =
                    super::step(self.selected, super::delta(c, 10), self.subjects.len());
            }
            Command::Select => self.cluster_wide = !self.cluster_wide,
            _ => return false,
        }
        true
    }

    /// `:can VERB RESOURCE [NS]`.
    pub fn command_line(&mut self, word: &str, args: &[String], sh: &mut Shared) -> bool {
        if word != "can" {
            return false;
        }
        let (Some(verb), Some(resource)) = (args.first(), args.get(1)) else {
            sh.status = Some("usage: :can VERB RESOURCE [NAMESPACE]".into());
            return true;
        };
        let ns = args.get(2).cloned();
        let req = Request {
            verb: verb.clone(),
            namespace: ns.clone(),
            target: Target::parse(resource, None, None),
        };
        let g = Graph::new(&sh.snapshot);
        let grants = who_can(&g, &req);
        self.who = Some(WhoCan {
            question: format!(
                "who can {verb} {resource} {}",
                ns.map(|n| format!("in {n}"))
                    .unwrap_or_else(|| "cluster-wide".into())
            ),
            grants,
            selected: 0,
            why: false,
        });
        true
    }
}

pub fn render(frame: &mut Frame, area: Rect, v: &mut RbacView, sh: &Shared) {
    v.refresh(sh);
    let t = &sh.theme;
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(35), Constraint::Percentage(65)]).areas(area);
    // The subjects, as a tree: ServiceAccounts under their namespace, then users, then groups.
    // A group heading carries the worst finding among its subjects.
    let group_of = |r: &SubjectRow| match (r.kind, &r.namespace) {
        ("ServiceAccount", Some(ns)) => format!("▾ {ns}"),
        ("User", _) => "▾ users".to_string(),
        _ => "▾ groups".to_string(),
    };
    let badge_of = |r: &SubjectRow| {
        r.object()
            .map(|o| sh.findings.badge(sh.findings.of_object(&o)))
            .filter(|b| b.count > 0)
    };
    let width = left.width.saturating_sub(10) as usize;
    let mut all: Vec<Line> = Vec::new();
    let mut selected_line = 0;
    let mut i = 0;
    while i < v.subjects.len() {
        let group = group_of(&v.subjects[i]);
        let end = (i..v.subjects.len())
            .find(|&j| group_of(&v.subjects[j]) != group)
            .unwrap_or(v.subjects.len());
        let (count, worst) = v.subjects[i..end]
            .iter()
            .filter_map(badge_of)
            .fold((0, None), |(c, w), b| (c + b.count, w.max(b.worst)));
        let mut head = vec![Span::styled(clip(&escape_ctrl(&group), width), t.accent())];
        if count > 0 {
            let s = worst.unwrap_or(Severity::Info);
            head.push(Span::styled(format!(" ●{count}"), t.severity(s)));
        }
        all.push(Line::from(head));
        for (k, r) in v.subjects[i..end].iter().enumerate() {
            let mut spans = vec![Span::raw(format!(
                "  {}",
                clip(&escape_ctrl(&r.name), width.saturating_sub(2))
            ))];
            if let Some(b) = badge_of(r) {
                let s = b.worst.unwrap_or(Severity::Info);
                spans.push(Span::styled(format!(" ●{}", b.count), t.severity(s)));
            }
            let l = Line::from(spans);
            if i + k == v.selected {
                selected_line = all.len();
                all.push(l.style(t.selection()));
            } else {
                all.push(l);
            }
        }
        i = end;
    }
    let h = left.height.saturating_sub(2) as usize;
    let offset = selected_line.saturating_sub(h.saturating_sub(1));
    let lines: Vec<Line> = all.into_iter().skip(offset).take(h).collect();
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(format!(" Subjects ({}) ", v.subjects.len()))
                .border_style(t.border(v.who.is_none()))
                .style(t.base()),
        ),
        left,
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(v.who.is_some()))
        .style(t.base());
    if let Some(w) = &v.who {
        render_who(frame, right, w, sh, block);
        return;
    }
    let Some(row) = v.subjects.get(v.selected) else {
        frame.render_widget(
            Paragraph::new("No RBAC subject in this snapshot.").block(block.title(" RBAC ")),
            right,
        );
        return;
    };
    let g = Graph::new(&sh.snapshot);
    let who = row.requester();
    let mut out: Vec<Line> = vec![Line::styled(
        format!("{} {}", row.kind, escape_ctrl(&row.label())),
        t.accent(),
    )];
    if let Some(o) = row.object() {
        for &i in sh.findings.of_object(&o) {
            let f = &sh.findings.findings[i];
            out.push(Line::from(vec![
                Span::styled(format!("{} ", f.check), t.severity(f.severity)),
                Span::raw(escape_ctrl(&f.message).into_owned()),
            ]));
        }
    }
    out.push(Line::raw(""));
    let bindings = effective_rules(&g, &who);
    if bindings.is_empty() {
        out.push(Line::styled(
            "No binding: it may do nothing through RBAC.",
            t.muted(),
        ));
    }
    for b in &bindings {
        out.push(Line::from(vec![
            Span::styled(
                format!("{} ", b.namespace.as_deref().unwrap_or("cluster-wide")),
                t.key(),
            ),
            Span::raw(format!(
                "{} → {}",
                escape_ctrl(&b.binding),
                escape_ctrl(&b.role)
            )),
        ]));
        for r in b.rules.iter().take(8) {
            let l = |x: &[Box<str>]| {
                x.iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            };
            out.push(Line::styled(
                if r.non_resource_urls.is_empty() {
                    format!(
                        "    {}  {}  {}",
                        l(&r.verbs),
                        l(&r.resources),
                        l(&r.api_groups)
                    )
                } else {
                    format!("    {}  {}", l(&r.verbs), l(&r.non_resource_urls))
                },
                t.muted(),
            ));
        }
        if b.rules.len() > 8 {
            out.push(Line::styled(
                format!("    … {} more rules", b.rules.len() - 8),
                t.muted(),
            ));
        }
    }
    // The matrix, where the subject works: its namespace, or cluster-wide.
    let scope = if v.cluster_wide {
        None
    } else {
        row.namespace.clone()
    };
    out.push(Line::raw(""));
    out.push(Line::styled(
        format!(
            "May do, {}:",
            match (&scope, &row.namespace) {
                (Some(n), _) => format!("in {n} (Enter: cluster-wide)"),
                (None, Some(n)) => format!("cluster-wide (Enter: in {n})"),
                (None, None) => "cluster-wide".into(),
            }
        ),
        t.accent(),
    ));
    let mut header = format!("{:<34}", "");
    for verb in VERBS {
        header.push_str(&format!("{:<8}", verb));
    }
    out.push(Line::styled(header, t.muted()));
    for res in RESOURCES {
        let mut spans = vec![Span::raw(format!("{:<34}", clip(res, 33)))];
        for verb in VERBS {
            let req = Request {
                verb: verb.to_string(),
                namespace: scope.clone(),
                target: Target::parse(res, None, None),
            };
            let yes = g.decide(&who, &req).allowed;
            spans.push(if yes {
                Span::styled(format!("{:<8}", "✓"), t.severity(Severity::Warning))
            } else {
                Span::styled(format!("{:<8}", "·"), t.muted())
            });
        }
        out.push(Line::from(spans));
    }
    let block = block.title(" Permissions ");
    let out = super::wrap::hanging(out, block.inner(right).width);
    frame.render_widget(
        Paragraph::new(out).wrap(Wrap { trim: false }).block(block),
        right,
    );
}

fn render_who(frame: &mut Frame, area: Rect, w: &WhoCan, sh: &Shared, block: Block) {
    let t = &sh.theme;
    let mut lines = vec![Line::styled(
        format!(
            "{} · {} subjects · Enter why · Esc back",
            w.question,
            w.grants.len()
        ),
        t.accent(),
    )];
    if w.grants.is_empty() {
        lines.push(Line::styled("No subject is allowed.", t.muted()));
    }
    for (i, g) in w.grants.iter().enumerate() {
        let l = Line::raw(format!("{:<15} {}", g.kind, escape_ctrl(&g.subject)));
        lines.push(if i == w.selected {
            l.style(t.selection())
        } else {
            l
        });
        if i == w.selected && w.why {
            lines.push(Line::styled(
                format!(
                    "    through {} → {}",
                    escape_ctrl(&g.binding),
                    escape_ctrl(&g.role)
                ),
                t.key(),
            ));
        }
    }
    frame.render_widget(Paragraph::new(lines).block(block.title(" Who can ")), area);
}
