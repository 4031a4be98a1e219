//! The pager: one object's YAML (`y`) or one container's logs (`l`), over the view it was
//! opened from. It scrolls, searches (`/`, then `n` and `N`), and for logs follows the stream
//! (`f`), switches to the previous instance of the container (`p`) and to the pod's next
//! container (`c`). Lines are held bounded and escaped when drawn: log lines and YAML values
//! carry arbitrary bytes.

use crate::model::{ObjectRef, Snapshot, SourceKind};
use crate::source::logs::{LogRequest, TAIL_LINES};
use crate::text::escape_ctrl;
use crate::tui::app::Effect;
use crate::tui::keymap::Command;
use crate::tui::shared::{InputKind, Shared};
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;
use std::collections::VecDeque;

/// Lines a follow keeps: the tail, and as much again as it grows.
pub const KEEP_LINES: usize = 2 * TAIL_LINES;

/// The commands of the pager, for the help screen.
pub const COMMANDS: &[Command] = &[
    Command::Back,
    Command::Down,
    Command::Up,
    Command::PageDown,
    Command::Top,
    Command::Bottom,
    Command::Filter,
    Command::SearchNext,
    Command::SearchPrev,
    Command::Follow,
    Command::Previous,
    Command::Container,
];

/// The container logs on screen: the pod, its containers and the instance shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogTarget {
    pub namespace: String,
    pub pod: String,
    /// Every container of the pod (init containers after the others).
    pub containers: Vec<String>,
    pub container: usize,
    pub previous: bool,
    pub follow: bool,
}

impl LogTarget {
    pub fn request(&self) -> LogRequest {
        LogRequest {
            namespace: self.namespace.clone(),
            pod: self.pod.clone(),
            container: self
                .containers
                .get(self.container)
                .cloned()
                .unwrap_or_default(),
            previous: self.previous,
            follow: self.follow,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content {
    Yaml(ObjectRef),
    Logs(LogTarget),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    Loading,
    /// Everything is here (YAML, or logs without follow).
    Done,
    /// Following: lines arrive as the container writes them.
    Streaming,
    /// Why the text cannot be shown.
    Failed(String),
}

#[derive(Debug)]
pub struct Pager {
    pub content: Content,
    /// Bumped on every request: lines of an older request are dropped.
    pub session: u64,
    pub lines: VecDeque<String>,
    /// Lines dropped from the front to keep the bound.
    pub dropped: u64,
    /// First line on screen.
    pub top: usize,
    /// The view stays at the bottom as lines come (follow), until the user scrolls up.
    pub stick: bool,
    pub search: Option<String>,
    pub state: State,
    /// Where the text comes from, and what was redacted.
    pub note: String,
    /// Text rows of the last frame, for paging.
    pub page: usize,
    /// The source of the snapshot the pager was opened on.
    pub source: SourceKind,
}

impl Pager {
    fn new(content: Content, session: u64, source: SourceKind) -> Pager {
        Pager {
            content,
            session,
            lines: VecDeque::new(),
            dropped: 0,
            top: 0,
            stick: false,
            search: None,
            state: State::Loading,
            note: String::new(),
            page: 20,
            source,
        }
    }

    /// Opens the YAML of `r`; the effect reads it.
    pub fn yaml(r: ObjectRef, session: u64, sh: &Shared) -> (Pager, Effect) {
        let fx = Effect::FetchYaml {
            session,
            snapshot: sh.snapshot.clone(),
            object: r.clone(),
        };
        (
            Pager::new(Content::Yaml(r), session, sh.snapshot.source_kind),
            fx,
        )
    }

    /// Opens the logs of a pod's container; the effect streams them.
    pub fn logs(target: LogTarget, session: u64, source: SourceKind) -> (Pager, Effect) {
        let mut p = Pager::new(Content::Logs(target), session, source);
        let fx = p.log_effect();
        p.stick = true;
        (p, fx)
    }

    fn log_effect(&self) -> Effect {
        match &self.content {
            Content::Logs(t) => Effect::StreamLogs {
                session: self.session,
                request: t.request(),
                source: self.source,
            },
            Content::Yaml(_) => Effect::StopLogs,
        }
    }

    /// The text of the YAML, or why it cannot be shown.
    pub fn set_text(&mut self, session: u64, result: Result<(String, String), String>) {
        if session != self.session {
            return;
        }
        match result {
            Ok((text, note)) => {
                self.lines = text.lines().map(str::to_string).collect();
                self.note = note;
                self.state = State::Done;
            }
            Err(e) => self.state = State::Failed(e),
        }
    }

    /// Lines of the log stream, kept to the last [`KEEP_LINES`].
    pub fn push_lines(&mut self, session: u64, lines: Vec<String>) {
        if session != self.session {
            return;
        }
        if self.state == State::Loading {
            self.state = match &self.content {
                Content::Logs(t) if t.follow => State::Streaming,
                _ => State::Loading,
            };
        }
        self.lines.extend(lines);
        while self.lines.len() > KEEP_LINES {
            self.lines.pop_front();
            self.dropped += 1;
            self.top = self.top.saturating_sub(1);
        }
        if self.stick {
            self.top = self.bottom_top();
        }
    }

    /// The log stream ended (or failed).
    pub fn end(&mut self, session: u64, error: Option<String>) {
        if session != self.session {
            return;
        }
        self.state = match error {
            Some(e) => State::Failed(e),
            None => State::Done,
        };
        if self.stick {
            self.top = self.bottom_top();
        }
    }

    fn bottom_top(&self) -> usize {
        self.lines.len().saturating_sub(self.page.max(1))
    }

    /// Restarts the log stream after a change of container, instance or follow.
    fn restart(&mut self, next_session: u64) -> Effect {
        self.session = next_session;
        self.lines.clear();
        self.dropped = 0;
        self.top = 0;
        self.stick = true;
        self.state = State::Loading;
        self.log_effect()
    }

    /// A key in the pager. Returns false when the pager closes.
    pub fn command(
        &mut self,
        cmd: Command,
        next_session: u64,
        sh: &mut Shared,
        fx: &mut Vec<Effect>,
    ) -> bool {
        match cmd {
            Command::Back | Command::Quit => {
                if matches!(self.content, Content::Logs(_)) {
                    fx.push(Effect::StopLogs);
                }
                return false;
            }
            Command::Up | Command::Down | Command::PageUp | Command::PageDown => {
                let d = super::delta(cmd, self.page.max(1));
                self.top = super::step(self.top, d, self.lines.len());
                self.stick = self.top >= self.bottom_top();
            }
            Command::Top => {
                self.top = 0;
                self.stick = false;
            }
            Command::Bottom => {
                self.top = self.bottom_top();
                self.stick = true;
            }
            Command::Filter => {
                sh.input = Some((InputKind::Search, self.search.clone().unwrap_or_default()))
            }
            Command::SearchNext | Command::SearchPrev => {
                self.find(cmd == Command::SearchNext, false, sh);
            }
            Command::Follow | Command::Previous | Command::Container => {
                let Content::Logs(t) = &mut self.content else {
                    sh.status = Some("f, p and c work on logs (l)".into());
                    return true;
                };
                match cmd {
                    Command::Follow => {
                        t.follow = !t.follow;
                        if t.follow && t.previous {
                            // A previous instance has stopped: there is nothing to follow.
                            t.previous = false;
                        }
                    }
                    Command::Previous => {
                        t.previous = !t.previous;
                        if t.previous {
                            t.follow = false;
                        }
                    }
                    _ => {
                        if t.containers.len() < 2 {
                            sh.status = Some(format!("{} has one container", t.pod));
                            return true;
                        }
                        t.container = (t.container + 1) % t.containers.len();
                    }
                }
                fx.push(self.restart(next_session));
            }
            _ => {}
        }
        true
    }

    /// Sets the search and goes to its first match from the top of the screen.
    pub fn set_search(&mut self, text: String, sh: &mut Shared) {
        self.search = (!text.is_empty()).then_some(text);
        if self.search.is_some() {
            self.find(true, true, sh);
        }
    }

    /// Moves to the next (or previous) line that matches the search, wrapping around.
    fn find(&mut self, forward: bool, include_current: bool, sh: &mut Shared) {
        let Some(q) = self.search.as_deref().map(str::to_lowercase) else {
            sh.status = Some("/ searches; n and N go to the next and previous match".into());
            return;
        };
        let n = self.lines.len();
        if n == 0 {
            return;
        }
        let start = self.top.min(n - 1);
        let found = (0..n)
            .map(|i| {
                let k = if include_current { i } else { i + 1 };
                if forward {
                    (start + k) % n
                } else {
                    (start + n - k % n) % n
                }
            })
            .find(|&i| self.lines[i].to_lowercase().contains(&q));
        match found {
            Some(i) => {
                self.top = i;
                self.stick = false;
            }
            None => sh.status = Some(format!("no match for {:?}", escape_ctrl(&q))),
        }
    }
}

/// The pod whose logs `l` opens for a selection: the pod itself, or the worst pod of a
/// workload (not ready, then waiting, then the most restarts).
pub fn pod_for(snap: &Snapshot, r: &ObjectRef) -> Option<usize> {
    if r.kind == crate::model::Kind::Pod {
        return snap.index.pod_by_ref.get(r).copied();
    }
    let w = *snap.index.workload_by_ref.get(r)?;
    (0..snap.pods.len())
        .filter(|&p| snap.top_workload_of(p) == Some(w))
        .min_by_key(|&p| {
            let pod = &snap.pods[p];
            let waiting = pod.containers.iter().any(|c| c.waiting_reason.is_some());
            let restarts: i64 = pod.containers.iter().map(|c| c.restart_count).sum();
            (pod.is_ready(), !waiting, -restarts, pod.meta.name.clone())
        })
}

/// The log target of a pod: its containers, the one in trouble first picked.
pub fn log_target(snap: &Snapshot, pod: usize) -> Option<LogTarget> {
    let p = snap.pods.get(pod)?;
    let mut containers: Vec<String> = p
        .spec
        .containers
        .iter()
        .map(|c| c.name.to_string())
        .collect();
    containers.extend(p.spec.init_containers.iter().map(|c| c.name.to_string()));
    if containers.is_empty() {
        return None;
    }
    // The container that is crash-looping, waiting or not ready is the one to read.
    let troubled = p
        .containers
        .iter()
        .filter(|c| c.waiting_reason.is_some() || !c.ready || c.restart_count > 0)
        .max_by_key(|c| (c.waiting_reason.is_some(), c.restart_count))
        .and_then(|c| containers.iter().position(|n| **n == *c.name));
    Some(LogTarget {
        namespace: p.meta.namespace().to_string(),
        pod: p.meta.name.to_string(),
        containers,
        container: troubled.unwrap_or(0),
        previous: false,
        follow: false,
    })
}

pub fn render(frame: &mut Frame, area: Rect, p: &mut Pager, sh: &Shared) {
    let t = &sh.theme;
    let title = match &p.content {
        Content::Yaml(r) => format!(" YAML · {} ", escape_ctrl(&r.to_string())),
        Content::Logs(l) => {
            let names: Vec<String> = l
                .containers
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if i == l.container {
                        format!("[{}]", escape_ctrl(c))
                    } else {
                        escape_ctrl(c).into_owned()
                    }
                })
                .collect();
            format!(
                " Logs · {}/{} · {}{}{} ",
                escape_ctrl(&l.namespace),
                escape_ctrl(&l.pod),
                names.join(" "),
                if l.previous {
                    " · previous instance"
                } else {
                    ""
                },
                if l.follow { " · following" } else { "" },
            )
        }
    };
    let hint = match &p.content {
        Content::Yaml(_) => " / search · n N · Esc close ",
        Content::Logs(_) => " f follow · p previous · c container · / search · Esc close ",
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .title_bottom(Line::styled(hint, t.muted()))
        .border_style(t.border(true))
        .style(t.base());
    frame.render_widget(Clear, area);
    let inner_h = area.height.saturating_sub(3) as usize;
    p.page = inner_h.max(1);
    if p.stick {
        p.top = p.bottom_top();
    }
    if let (State::Failed(e), true) = (&p.state, p.lines.is_empty()) {
        // Nothing to scroll: the reason, wrapped, in full.
        let text = Line::styled(
            escape_ctrl(e).into_owned(),
            t.severity(crate::audit::Severity::Warning),
        );
        frame.render_widget(
            Paragraph::new(text)
                .block(block)
                .wrap(ratatui::widgets::Wrap { trim: false }),
            area,
        );
        return;
    }
    let mut lines: Vec<Line> = Vec::with_capacity(inner_h + 1);
    // The status line: where the text comes from, and what is still coming.
    let status = match &p.state {
        State::Loading => Line::styled(
            match &p.content {
                Content::Yaml(_) => "reading…".to_string(),
                Content::Logs(l) => format!(
                    "reading the last {TAIL_LINES} lines ({})…",
                    l.request().kubectl()
                ),
            },
            t.muted(),
        ),
        State::Failed(e) => Line::styled(
            escape_ctrl(e).into_owned(),
            t.severity(crate::audit::Severity::Warning),
        ),
        State::Done | State::Streaming => {
            let mut s = match &p.content {
                Content::Yaml(_) => escape_ctrl(&p.note).into_owned(),
                Content::Logs(_) if p.lines.is_empty() => "no log lines".to_string(),
                Content::Logs(_) => format!(
                    "{} lines{}",
                    p.lines.len(),
                    if p.dropped > 0 {
                        format!(
                            " (the {} before them dropped: kvet keeps {KEEP_LINES})",
                            p.dropped
                        )
                    } else {
                        String::new()
                    }
                ),
            };
            if p.state == State::Streaming {
                s.push_str(" · following, ● live");
            }
            if !p.lines.is_empty() {
                let end = (p.top + inner_h).min(p.lines.len());
                s.push_str(&format!(" · {}-{} of {}", p.top + 1, end, p.lines.len()));
            }
            Line::styled(s, t.muted())
        }
    };
    lines.push(status);
    let q = p.search.as_deref().map(str::to_lowercase);
    let number_width = p.lines.len().to_string().len();
    let numbered = matches!(p.content, Content::Yaml(_));
    for (i, raw) in p.lines.iter().enumerate().skip(p.top).take(inner_h) {
        let text = escape_ctrl(raw).into_owned();
        let mut spans = Vec::new();
        if numbered {
            spans.push(Span::styled(
                format!("{:>number_width$} ", i + 1),
                t.muted(),
            ));
        }
        spans.extend(highlight(&text, q.as_deref(), t.accent()));
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// The spans of a line, with the matches of the search highlighted.
fn highlight(text: &str, q: Option<&str>, style: Style) -> Vec<Span<'static>> {
    let Some(q) = q.filter(|q| !q.is_empty()) else {
        return vec![Span::raw(text.to_string())];
    };
    let lower = text.to_lowercase();
    // Lower-casing may change byte lengths; highlight only when it does not.
    if lower.len() != text.len() {
        return vec![Span::raw(text.to_string())];
    }
    let mut out = Vec::new();
    let mut at = 0;
    for (i, _) in lower.match_indices(q) {
        if i < at || !text.is_char_boundary(i) || !text.is_char_boundary(i + q.len()) {
            continue;
        }
        out.push(Span::raw(text[at..i].to_string()));
        out.push(Span::styled(
            text[i..i + q.len()].to_string(),
            style.add_modifier(Modifier::REVERSED),
        ));
        at = i + q.len();
    }
    out.push(Span::raw(text[at..].to_string()));
    out
}
