//! The Network view: workloads by namespace, each namespace with its coverage (default-deny for
//! ingress and egress, DNS, policies that select nothing), and for the selected workload who
//! may reach it and where it may go, rule by rule. Enter marks a workload as the source of a
//! trace: the selected one then shows the verdict from it on each of its ports.
//! `:reach FROM TO PORT [PROTO]` traces any two ends, as `kvet reach` does.

use crate::model::{LabelSelector, Peer, PolicyPort, PortRef, Snapshot};
use crate::netpol::{
    classes, direction_rules, dns_class, dns_egress, has_default_deny, resolve, Endpoint, Engine,
    PodClass, Protocol, Tier, Verdict,
};
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
    ":reach FROM TO PORT [TCP|UDP|SCTP]",
    "may FROM open a connection to TO (NS/NAME, deploy/NS/NAME, svc/NS/NAME or an address)?",
)];

/// A namespace's coverage.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    pub ingress_default_deny: bool,
    pub egress_default_deny: bool,
    /// Workloads whose DNS lookups are blocked.
    pub dns_blocked: Vec<String>,
    /// Policies whose podSelector matches nothing.
    pub selects_nothing: Vec<String>,
    /// Admin policies (AdminNetworkPolicies, then the baseline) whose subject picks one of its
    /// workloads.
    pub admin: Vec<String>,
}

#[derive(Default)]
pub struct NetworkView {
    /// Workloads, sorted by namespace then name.
    pub pods: Vec<PodClass>,
    pub coverage: Vec<(String, Coverage)>,
    pub selected: usize,
    /// The source of a trace (Enter).
    pub from: Option<usize>,
    /// The answer to `:reach`.
    pub trace: Option<Vec<String>>,
    built: Option<Version>,
}

fn coverage(snap: &Snapshot, engine: &Engine, ns: &str, pods: &[&PodClass]) -> Coverage {
    let ingress_default_deny = has_default_deny(snap, ns, true);
    let egress_default_deny = has_default_deny(snap, ns, false);
    let dns = Endpoint::Pod(dns_class(snap));
    let dns_blocked = pods
        .iter()
        .filter(|c| {
            let (udp, tcp) = dns_egress(engine, c, &dns);
            !(udp.allows() && tcp.allows())
        })
        .map(|c| short(&c.name).to_string())
        .collect();
    let selects_nothing = snap
        .netpols
        .iter()
        .filter(|p| p.meta.namespace() == ns)
        .filter(|p| {
            !p.pod_selector.is_empty() && !pods.iter().any(|c| p.pod_selector.matches(&c.labels))
        })
        .map(|p| p.meta.name.to_string())
        .collect();
    let mut admin: Vec<String> = Vec::new();
    for c in pods {
        for a in engine.admin_policies_for(c) {
            let name = format!("{}/{}", a.kind(), a.meta.name);
            if !admin.contains(&name) {
                admin.push(name);
            }
        }
    }
    Coverage {
        ingress_default_deny,
        egress_default_deny,
        dns_blocked,
        selects_nothing,
        admin,
    }
}

fn short(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

impl NetworkView {
    pub fn refresh(&mut self, sh: &Shared) {
        if self.built == Some(sh.version()) {
            return;
        }
        let keep = self.pods.get(self.selected).map(|c| c.name.clone());
        let from = self
            .from
            .and_then(|i| self.pods.get(i))
            .map(|c| c.name.clone());
        let snap = &sh.snapshot;
        self.pods = classes(snap, None);
        let engine = Engine::new(snap);
        self.coverage.clear();
        let mut i = 0;
        while i < self.pods.len() {
            let ns = self.pods[i].namespace.clone();
            let end = (i..self.pods.len())
                .find(|&j| self.pods[j].namespace != ns)
                .unwrap_or(self.pods.len());
            let group: Vec<&PodClass> = self.pods[i..end].iter().collect();
            self.coverage
                .push((ns.to_string(), coverage(snap, &engine, &ns, &group)));
            i = end;
        }
        let find = |n: &Option<String>| {
            n.as_ref()
                .and_then(|n| self.pods.iter().position(|c| &c.name == n))
        };
        self.selected = find(&keep).unwrap_or(0);
        self.from = find(&from);
        self.built = Some(sh.version());
    }

    pub fn command(&mut self, cmd: Command, sh: &mut Shared) -> bool {
        self.refresh(sh);
        match cmd {
            Command::Back if self.trace.is_some() => self.trace = None,
            Command::Back if self.from.is_some() => self.from = None,
            Command::Select => {
                self.from = if self.from == Some(self.selected) {
                    None
                } else {
                    Some(self.selected)
                };
                if let Some(c) = self.from.and_then(|i| self.pods.get(i)) {
                    sh.status = Some(format!(
                        "tracing from {}: select a destination",
                        escape_ctrl(&c.name)
                    ));
                }
            }
            c if super::is_move(c) => {
                self.selected = super::step(self.selected, super::delta(c, 10), self.pods.len());
            }
            _ => return false,
        }
        true
    }

    /// `:reach FROM TO PORT [PROTO]`.
    pub fn command_line(&mut self, word: &str, args: &[String], sh: &mut Shared) -> bool {
        if word != "reach" {
            return false;
        }
        let usage = "usage: :reach FROM TO PORT [TCP|UDP|SCTP], e.g. :reach storefront/web payments/api 8080";
        let (Some(from), Some(to), Some(port)) = (args.first(), args.get(1), args.get(2)) else {
            sh.status = Some(usage.into());
            return true;
        };
        let Ok(port) = port.parse::<u16>() else {
            sh.status = Some(format!("{port:?} is not a port. {usage}"));
            return true;
        };
        let proto = match args.get(3).map(|p| Protocol::parse(p)) {
            None => Protocol::Tcp,
            Some(Some(p)) => p,
            Some(None) => {
                sh.status = Some(usage.into());
                return true;
            }
        };
        let snap = &sh.snapshot;
        // `ns/name` names a workload here (pods come and go; their workload stays).
        let end = |s: &str| {
            resolve(snap, s, port).or_else(|e| {
                let w = snap
                    .top_workloads()
                    .map(|(_, w)| w)
                    .find(|w| format!("{}/{}", w.meta.namespace(), w.meta.name) == s);
                match w {
                    Some(w) => Ok(vec![(
                        Endpoint::Pod(crate::netpol::workload_class(w)),
                        port,
                    )]),
                    None => Err(e),
                }
            })
        };
        let (froms, tos) = match (end(from), end(to)) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => {
                sh.status = Some(e);
                return true;
            }
        };
        let engine = Engine::new(snap);
        let mut lines = Vec::new();
        for (a, _) in &froms {
            for (b, p) in &tos {
                let v = engine.decide(a, b, *p, proto);
                lines.push(verdict_line(a, b, *p, proto, &v));
            }
        }
        self.trace = Some(lines);
        true
    }
}

/// "storefront/web → payments/api:8443/TCP DENIED: payments/default-deny selects api; no
/// ingress rule admits storefront/web".
pub fn verdict_line(
    from: &Endpoint,
    to: &Endpoint,
    port: u16,
    proto: Protocol,
    v: &Verdict,
) -> String {
    let head = format!("{} → {}:{port}/{proto}", from.label(), to.label());
    if v.allowed {
        let mut why = Vec::new();
        for (side, s) in [("egress", &v.egress), ("ingress", &v.ingress)] {
            if let Some(reason) = s.admin_reason(side) {
                why.push(reason);
            } else if s.isolated {
                why.push(format!(
                    "{side} admitted by {}",
                    s.allowing_policies().join(", ")
                ));
            }
        }
        if why.is_empty() {
            why.push("no policy isolates either end".into());
        }
        return format!("{head} ALLOWED: {}", why.join("; "));
    }
    let mut why = Vec::new();
    for (side, s) in [("egress", &v.egress), ("ingress", &v.ingress)] {
        if !s.allows() {
            if let Some(reason) = s.admin_reason(side) {
                why.push(reason);
            }
        }
    }
    if !v.egress.allows() && v.egress.tier() == Tier::NetworkPolicy {
        why.push(format!(
            "{} {} {} for egress; no egress rule admits {}",
            v.egress.selected_by.join(", "),
            verb(v.egress.selected_by.len()),
            short(&from.label()),
            to.label()
        ));
    }
    if !v.ingress.allows() && v.ingress.tier() == Tier::NetworkPolicy {
        why.push(format!(
            "{} {} {}; no ingress rule admits {}",
            v.ingress.selected_by.join(", "),
            verb(v.ingress.selected_by.len()),
            short(&to.label()),
            from.label()
        ));
    }
    format!("{head} DENIED: {}", why.join("; "))
}

fn verb(policies: usize) -> &'static str {
    if policies == 1 {
        "selects"
    } else {
        "select"
    }
}

fn selector(s: &LabelSelector) -> String {
    if s.is_empty() {
        "every".into()
    } else {
        s.display()
    }
}

/// A peer in words, as the policy in `ns` reads it.
pub fn peer_text(p: &Peer, ns: &str) -> String {
    if let Some(b) = &p.ip_block {
        return if b.except.is_empty() {
            format!("addresses {}", b.cidr)
        } else {
            let ex: Vec<&str> = b.except.iter().map(|e| &**e).collect();
            format!("addresses {} except {}", b.cidr, ex.join(", "))
        };
    }
    match (&p.namespace_selector, &p.pod_selector) {
        (None, None) => format!("every pod in {ns}"),
        (None, Some(pod)) if pod.is_empty() => format!("every pod in {ns}"),
        (None, Some(pod)) => format!("pods {} in {ns}", pod.display()),
        (Some(n), None) if n.is_empty() => "every pod of every namespace".into(),
        (Some(n), None) => format!("every pod in namespaces {}", n.display()),
        (Some(n), Some(pod)) => format!("{} pods in {} namespaces", selector(pod), selector(n))
            .replace("every pods", "every pod")
            .replace("in every namespaces", "in every namespace"),
    }
}

pub fn ports_text(ports: &[PolicyPort]) -> String {
    if ports.is_empty() {
        return "any port".into();
    }
    let v: Vec<String> = ports
        .iter()
        .map(|p| {
            let proto = if p.protocol.is_empty() {
                "TCP"
            } else {
                &p.protocol
            };
            match (&p.port, p.end_port) {
                (None, _) => format!("any {proto} port"),
                (Some(PortRef::Number(n)), Some(e)) => format!("{n}-{e}/{proto}"),
                (Some(PortRef::Number(n)), None) => format!("{n}/{proto}"),
                (Some(PortRef::Name(n)), _) => format!("{n}/{proto}"),
            }
        })
        .collect();
    v.join(", ")
}

/// Who may reach the pod and where it may go, rule by rule.
pub fn paths(engine: &Engine, pod: &PodClass) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    let admin = engine.admin_policies_for(pod);
    let has_admin = !admin.is_empty();
    if has_admin {
        out.push((
            true,
            "Admin tiers (AdminNetworkPolicies first, by priority; the baseline only where no NetworkPolicy isolates):".to_string(),
        ));
        for a in admin {
            let prio = if a.baseline {
                String::new()
            } else {
                format!(" (priority {})", a.priority)
            };
            out.push((true, format!("  {}/{}{prio}", a.kind(), a.meta.name)));
            for (dir, rules) in [("ingress", &a.ingress), ("egress", &a.egress)] {
                for (i, r) in rules.iter().enumerate() {
                    let arrow = if dir == "ingress" { "from" } else { "to" };
                    let peers: Vec<String> = r
                        .peers
                        .iter()
                        .map(crate::netpol::admin::peer_text)
                        .collect();
                    let name = if r.name.is_empty() {
                        String::new()
                    } else {
                        format!(" {:?}", r.name)
                    };
                    out.push((
                        true,
                        format!(
                            "    {dir} {}{name}: {} {arrow} {} on {}",
                            i + 1,
                            r.action.as_str(),
                            peers.join(" or "),
                            crate::netpol::admin::ports_text(&r.ports)
                        ),
                    ));
                }
            }
        }
    }
    for ingress in [true, false] {
        let dir = if ingress { "Ingress" } else { "Egress" };
        let selected = direction_rules(engine, pod, ingress);
        let isolated = selected.is_some();
        let mut rules = Vec::new();
        for (p, r) in selected.unwrap_or_default() {
            let ns = p.meta.namespace();
            let peers = if r.peers.is_empty() {
                if ingress {
                    "every source".to_string()
                } else {
                    "every destination".to_string()
                }
            } else {
                r.peers
                    .iter()
                    .map(|x| peer_text(x, ns))
                    .collect::<Vec<_>>()
                    .join(" or ")
            };
            let arrow = if ingress { "from" } else { "to" };
            rules.push(format!(
                "  {arrow} {peers} on {} ({ns}/{})",
                ports_text(&r.ports),
                p.meta.name
            ));
        }
        if !isolated && has_admin {
            out.push((
                false,
                format!("{dir}: no NetworkPolicy isolates it: the admin tiers above decide, and allow what they do not match"),
            ));
        } else if !isolated {
            out.push((
                false,
                format!(
                    "{dir}: not isolated: {}",
                    if ingress {
                        "accepts every source on every port"
                    } else {
                        "may reach every destination"
                    }
                ),
            ));
        } else if rules.is_empty() {
            out.push((
                true,
                format!("{dir}: isolated, and no rule admits anything"),
            ));
        } else {
            out.push((true, format!("{dir}: isolated; admitted:")));
            out.extend(rules.into_iter().map(|r| (true, r)));
        }
    }
    out
}

pub fn render(frame: &mut Frame, area: Rect, v: &mut NetworkView, sh: &Shared) {
    v.refresh(sh);
    let t = &sh.theme;
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(area);
    let yes_no = |b: bool| if b { "✓" } else { "✗" };
    let width = left.width.saturating_sub(4) as usize;
    let mut all: Vec<Line> = Vec::new();
    let mut selected_line = 0;
    for (ns, cov) in &v.coverage {
        let mut head = vec![Span::styled(
            clip(&format!("▾ {}", escape_ctrl(ns)), width.saturating_sub(30)),
            t.accent(),
        )];
        head.push(Span::styled(
            format!(
                "  in {} out {} dns {}",
                yes_no(cov.ingress_default_deny),
                yes_no(cov.egress_default_deny),
                if cov.dns_blocked.is_empty() {
                    "✓".to_string()
                } else {
                    format!("✗{}", cov.dns_blocked.len())
                }
            ),
            if cov.ingress_default_deny && cov.dns_blocked.is_empty() {
                t.muted()
            } else {
                t.severity(crate::audit::Severity::Warning)
            },
        ));
        if !cov.selects_nothing.is_empty() {
            head.push(Span::styled(
                format!(" ⚠{}", cov.selects_nothing.len()),
                t.severity(crate::audit::Severity::Warning),
            ));
        }
        if !cov.admin.is_empty() {
            head.push(Span::styled(format!(" adm{}", cov.admin.len()), t.muted()));
        }
        all.push(Line::from(head));
        for (i, c) in v
            .pods
            .iter()
            .enumerate()
            .filter(|(_, c)| &*c.namespace == ns)
        {
            let mark = if v.from == Some(i) { "◉ " } else { "  " };
            let l = Line::raw(format!(
                "{mark}{}",
                clip(&escape_ctrl(short(&c.name)), width)
            ));
            if i == v.selected {
                selected_line = all.len();
                all.push(l.style(t.selection()));
            } else {
                all.push(l);
            }
        }
    }
    let h = left.height.saturating_sub(2) as usize;
    let offset = selected_line.saturating_sub(h.saturating_sub(1));
    let lines: Vec<Line> = all.into_iter().skip(offset).take(h).collect();
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(format!(" Namespaces · workloads ({}) ", v.pods.len()))
                .border_style(t.border(true))
                .style(t.base()),
        ),
        left,
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" Traffic ")
        .border_style(t.border(false))
        .style(t.base());
    let snap = &sh.snapshot;
    let engine = Engine::new(snap);
    let mut out: Vec<Line> = Vec::new();
    if let Some(trace) = &v.trace {
        out.push(Line::styled("Trace (Esc closes)", t.accent()));
        for l in trace {
            let style = if l.contains(" DENIED: ") {
                t.severity(crate::audit::Severity::Warning)
            } else {
                t.base()
            };
            out.push(Line::styled(escape_ctrl(l).to_string(), style));
        }
        out.push(Line::raw(""));
    }
    let Some(pod) = v.pods.get(v.selected) else {
        out.push(Line::raw("No workload in this snapshot."));
        let out = super::wrap::hanging(out, block.inner(right).width);
        frame.render_widget(
            Paragraph::new(out).block(block).wrap(Wrap { trim: false }),
            right,
        );
        return;
    };
    out.push(Line::styled(escape_ctrl(&pod.name).to_string(), t.accent()));
    for (prio, names) in engine.priority_ties() {
        out.push(Line::styled(
            escape_ctrl(&format!(
                "⚠ AdminNetworkPolicies {} share priority {prio}: their order is undefined in the API (kvet checks them by name)",
                names.join(", ")
            ))
            .to_string(),
            t.severity(crate::audit::Severity::Warning),
        ));
    }
    let cov = v
        .coverage
        .iter()
        .find(|(ns, _)| **ns == *pod.namespace)
        .map(|(_, c)| c.clone())
        .unwrap_or_default();
    out.push(Line::styled(
        format!(
            "namespace {}: default-deny ingress {} · egress {} · DNS blocked for {} · policies selecting nothing: {}",
            pod.namespace,
            yes_no(cov.ingress_default_deny),
            yes_no(cov.egress_default_deny),
            if cov.dns_blocked.is_empty() { "none".to_string() } else { cov.dns_blocked.join(", ") },
            if cov.selects_nothing.is_empty() { "none".to_string() } else { cov.selects_nothing.join(", ") },
        ),
        t.muted(),
    ));
    if !cov.admin.is_empty() {
        out.push(Line::styled(
            escape_ctrl(&format!(
                "admin policies in the namespace: {}",
                cov.admin.join(", ")
            ))
            .to_string(),
            t.muted(),
        ));
    }
    out.push(Line::raw(""));
    for (isolated, l) in paths(&engine, pod) {
        let style = if !isolated && !l.starts_with("  ") {
            t.severity(crate::audit::Severity::Warning)
        } else {
            t.base()
        };
        out.push(Line::styled(escape_ctrl(&l).to_string(), style));
    }
    if let Some(src) = v.from.and_then(|i| v.pods.get(i)) {
        out.push(Line::raw(""));
        out.push(Line::styled(
            format!(
                "From {} (Enter on it again clears):",
                escape_ctrl(&src.name)
            ),
            t.accent(),
        ));
        let mut ports: Vec<(u16, Protocol)> = pod
            .ports
            .iter()
            .filter_map(|p| Some((u16::try_from(p.port).ok()?, Protocol::parse(&p.protocol)?)))
            .collect();
        ports.sort();
        ports.dedup();
        if ports.is_empty() {
            out.push(Line::styled(
                "  (the destination declares no container port: use :reach with a port)",
                t.muted(),
            ));
        }
        for (port, proto) in ports {
            let from = Endpoint::Pod(src.clone());
            let to = Endpoint::Pod(pod.clone());
            let verdict = engine.decide(&from, &to, port, proto);
            let line = verdict_line(&from, &to, port, proto, &verdict);
            let style = if verdict.allowed {
                t.base()
            } else {
                t.severity(crate::audit::Severity::Warning)
            };
            out.push(Line::styled(format!("  {}", escape_ctrl(&line)), style));
        }
    } else {
        out.push(Line::raw(""));
        out.push(Line::styled(
            "Enter marks this workload as a source; then select a destination to trace.",
            t.muted(),
        ));
    }
    let out = super::wrap::hanging(out, block.inner(right).width);
    frame.render_widget(
        Paragraph::new(out).block(block).wrap(Wrap { trim: false }),
        right,
    );
}
