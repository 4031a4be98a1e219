//! Keys to commands, per mode. The defaults are TOML embedded in the binary
//! (`assets/keymap.toml`); a user's `<config dir>/keymap.toml` overrides them key by key. The help
//! screen and the command bar are generated from the same table, so they show what is bound.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::{BTreeMap, HashMap};

pub const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.toml");

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyMode {
    /// Browsing the panes and tables.
    Normal,
    /// Help or an explanation is open.
    Popup,
    /// Typing a filter or a `:` command.
    Input,
    /// The YAML (`y`) or logs (`l`) pager is open.
    Pager,
}

impl KeyMode {
    fn section(self) -> &'static str {
        match self {
            KeyMode::Normal => "normal",
            KeyMode::Popup => "popup",
            KeyMode::Input => "input",
            KeyMode::Pager => "pager",
        }
    }
}

macro_rules! commands {
    ($($variant:ident = $name:literal : $help:literal,)*) => {
        /// What a key does. The names are the keymap file's vocabulary.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Command { $($variant,)* }
        impl Command {
            pub const ALL: &'static [Command] = &[$(Command::$variant,)*];
            pub fn name(self) -> &'static str { match self { $(Command::$variant => $name,)* } }
            pub fn help(self) -> &'static str { match self { $(Command::$variant => $help,)* } }
            pub fn parse(s: &str) -> Option<Command> { match s { $($name => Some(Command::$variant),)* _ => None } }
        }
    };
}

commands! {
    Quit = "quit": "quit kvet",
    Up = "up": "move up",
    Down = "down": "move down",
    Left = "left": "collapse, or go to the parent",
    Right = "right": "expand",
    PageUp = "page_up": "page up",
    PageDown = "page_down": "page down",
    Top = "top": "go to the top",
    Bottom = "bottom": "go to the bottom",
    Select = "select": "open: expand a node, explain a finding",
    Explain = "explain": "explain the selected finding",
    Back = "back": "close, cancel or clear the filter",
    NextPane = "next_pane": "focus the next pane",
    PrevPane = "prev_pane": "focus the previous pane",
    ViewWorkloads = "view_workloads": "Workloads view",
    ViewFindings = "view_findings": "Findings view",
    ViewRbac = "view_rbac": "RBAC view",
    ViewNetwork = "view_network": "Network view",
    ViewJournal = "view_journal": "Journal view (the fixes kvet applied)",
    ViewNodes = "view_nodes": "Nodes view (pools, zones and drain verdicts)",
    ViewTriage = "view_triage": "Triage view (what hurts now, and the findings that explain it)",
    ViewChanges = "view_changes": "Changes view (what changed since the --since state)",
    ViewFleet = "view_fleet": "Fleet view (every kubeconfig context, audited in the background)",
    Drain = "drain": "Nodes: simulate draining the selected node, pool or zone",
    Undo = "undo": "Journal: undo the selected fix (a preview first)",
    ShowRbac = "show_rbac": "Workloads: the selected workload's ServiceAccount in the RBAC view",
    Help = "help": "this help",
    Filter = "filter": "fuzzy filter",
    CommandLine = "command": "command line (:ns payments, :deploy, :findings)",
    Sort = "sort": "Findings: next sort column",
    Severity = "severity": "Findings: cycle the minimum severity",
    Fix = "fix": "fix the selected finding: a preview first, then export or apply",
    WritePatch = "write_patch": "fix dialog: write the patch to a file",
    CopyCommand = "copy_command": "fix dialog: copy the kubectl command (OSC 52)",
    EditValue = "edit_value": "fix dialog: change an editable value",
    FindingsFirst = "findings_first": "tree: objects with findings first",
    Confirm = "confirm": "apply the filter or run the command",
    Yaml = "yaml": "the selection's YAML (live: fetched whole; Secret data redacted)",
    Logs = "logs": "the logs of the selected pod, or of the worst pod of a workload",
    SearchNext = "search_next": "pager: the next match of the search",
    SearchPrev = "search_prev": "pager: the previous match of the search",
    Follow = "follow": "logs: follow the stream as lines come",
    Previous = "previous": "logs: the previous instance of the container (after a crash)",
    Container = "container": "logs: the pod's next container",
}

/// A key as the keymap names it: `ctrl-c`, `G`, `pagedown`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: KeyCodeName,
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

/// The subset of key codes kvet binds, ordered for display.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCodeName {
    Char(char),
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    F(u8),
}

impl Key {
    pub fn parse(spec: &str) -> Option<Key> {
        let mut k = Key {
            code: KeyCodeName::Esc,
            ctrl: false,
            alt: false,
            shift: false,
        };
        let mut rest = spec;
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                k.ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                k.alt = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("shift-").filter(|r| !r.is_empty()) {
                k.shift = true;
                rest = r;
            } else {
                break;
            }
        }
        k.code = match rest {
            "up" => KeyCodeName::Up,
            "down" => KeyCodeName::Down,
            "left" => KeyCodeName::Left,
            "right" => KeyCodeName::Right,
            "pageup" => KeyCodeName::PageUp,
            "pagedown" => KeyCodeName::PageDown,
            "home" => KeyCodeName::Home,
            "end" => KeyCodeName::End,
            "enter" => KeyCodeName::Enter,
            "esc" => KeyCodeName::Esc,
            "tab" => KeyCodeName::Tab,
            "backtab" => KeyCodeName::BackTab,
            "backspace" => KeyCodeName::Backspace,
            "space" => KeyCodeName::Char(' '),
            f if f.len() >= 2 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                KeyCodeName::F(f[1..].parse().ok()?)
            }
            c if c.chars().count() == 1 => KeyCodeName::Char(c.chars().next()?),
            _ => return None,
        };
        // A character carries its own case: `G` is shift-g.
        if let KeyCodeName::Char(_) = k.code {
            k.shift = false;
        }
        Some(k)
    }

    pub fn from_event(e: &KeyEvent) -> Option<Key> {
        let code = match e.code {
            KeyCode::Char(c) => KeyCodeName::Char(c),
            KeyCode::Up => KeyCodeName::Up,
            KeyCode::Down => KeyCodeName::Down,
            KeyCode::Left => KeyCodeName::Left,
            KeyCode::Right => KeyCodeName::Right,
            KeyCode::PageUp => KeyCodeName::PageUp,
            KeyCode::PageDown => KeyCodeName::PageDown,
            KeyCode::Home => KeyCodeName::Home,
            KeyCode::End => KeyCodeName::End,
            KeyCode::Enter => KeyCodeName::Enter,
            KeyCode::Esc => KeyCodeName::Esc,
            KeyCode::Tab => KeyCodeName::Tab,
            KeyCode::BackTab => KeyCodeName::BackTab,
            KeyCode::Backspace => KeyCodeName::Backspace,
            KeyCode::F(n) => KeyCodeName::F(n),
            _ => return None,
        };
        let is_char = matches!(code, KeyCodeName::Char(_));
        Some(Key {
            code,
            ctrl: e.modifiers.contains(KeyModifiers::CONTROL),
            alt: e.modifiers.contains(KeyModifiers::ALT),
            shift: !is_char
                && e.modifiers.contains(KeyModifiers::SHIFT)
                && code != KeyCodeName::BackTab,
        })
    }

    pub fn label(&self) -> String {
        let mut s = String::new();
        if self.ctrl {
            s.push_str("ctrl-");
        }
        if self.alt {
            s.push_str("alt-");
        }
        if self.shift {
            s.push_str("shift-");
        }
        match self.code {
            KeyCodeName::Char(' ') => s.push_str("space"),
            KeyCodeName::Char(c) => s.push(c),
            KeyCodeName::Up => s.push('↑'),
            KeyCodeName::Down => s.push('↓'),
            KeyCodeName::Left => s.push('←'),
            KeyCodeName::Right => s.push('→'),
            KeyCodeName::PageUp => s.push_str("PgUp"),
            KeyCodeName::PageDown => s.push_str("PgDn"),
            KeyCodeName::Home => s.push_str("Home"),
            KeyCodeName::End => s.push_str("End"),
            KeyCodeName::Enter => s.push_str("Enter"),
            KeyCodeName::Esc => s.push_str("Esc"),
            KeyCodeName::Tab => s.push_str("Tab"),
            KeyCodeName::BackTab => s.push_str("S-Tab"),
            KeyCodeName::Backspace => s.push_str("BkSp"),
            KeyCodeName::F(n) => s.push_str(&format!("F{n}")),
        }
        s
    }
}

#[derive(Clone, Debug)]
pub struct KeyMap {
    map: HashMap<(KeyMode, Key), Command>,
}

#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct KeyMapError {
    pub path: String,
    pub message: String,
}

type RawKeymap = BTreeMap<String, BTreeMap<String, String>>;

impl KeyMap {
    /// The built-in bindings.
    pub fn defaults() -> KeyMap {
        let mut k = KeyMap {
            map: HashMap::new(),
        };
        // The embedded file is covered by a test; a failure here leaves the map empty of it.
        let _ = k.apply(DEFAULT_KEYMAP, "assets/keymap.toml");
        k
    }

    /// The defaults with a user's file applied on top.
    pub fn with_overrides(text: &str, path: &str) -> Result<KeyMap, KeyMapError> {
        let mut k = KeyMap::defaults();
        k.apply(text, path)?;
        Ok(k)
    }

    fn apply(&mut self, text: &str, path: &str) -> Result<(), KeyMapError> {
        let err = |message: String| KeyMapError {
            path: path.to_string(),
            message,
        };
        let raw: RawKeymap = toml::from_str(text).map_err(|e| err(e.message().to_string()))?;
        for (section, binds) in raw {
            let mode = [
                KeyMode::Normal,
                KeyMode::Popup,
                KeyMode::Input,
                KeyMode::Pager,
            ]
            .into_iter()
            .find(|m| m.section() == section)
            .ok_or_else(|| {
                err(format!(
                    "unknown section [{section}]; use [normal], [popup], [input] or [pager]"
                ))
            })?;
            for (key, cmd) in binds {
                let k = Key::parse(&key)
                    .ok_or_else(|| err(format!("[{section}] {key:?} is not a key")))?;
                if cmd == "none" {
                    self.map.remove(&(mode, k));
                    continue;
                }
                let c = Command::parse(&cmd)
                    .ok_or_else(|| err(format!("[{section}] {key:?}: unknown command {cmd:?}")))?;
                self.map.insert((mode, k), c);
            }
        }
        Ok(())
    }

    pub fn command(&self, mode: KeyMode, e: &KeyEvent) -> Option<Command> {
        let k = Key::from_event(e)?;
        self.map.get(&(mode, k)).copied()
    }

    /// Keys bound to a command in a mode, in a stable order.
    pub fn keys_for(&self, mode: KeyMode, c: Command) -> Vec<Key> {
        let mut keys: Vec<Key> = self
            .map
            .iter()
            .filter(|((m, _), cmd)| *m == mode && **cmd == c)
            .map(|((_, k), _)| *k)
            .collect();
        // Plain keys first: the command bar shows the first one.
        keys.sort_by_key(|k| (k.ctrl || k.alt, *k));
        keys
    }

    /// (keys, command) for every bound command of a mode, in command order: the help screen.
    pub fn bindings(&self, mode: KeyMode) -> Vec<(String, Command)> {
        Command::ALL
            .iter()
            .filter_map(|&c| {
                let keys = self.keys_for(mode, c);
                (!keys.is_empty())
                    .then(|| (keys.iter().map(Key::label).collect::<Vec<_>>().join(" "), c))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    #[test]
    fn defaults_parse_and_bind_the_basics() {
        let mut k = KeyMap {
            map: HashMap::new(),
        };
        k.apply(DEFAULT_KEYMAP, "default")
            .expect("the embedded keymap parses");
        assert_eq!(
            k.command(KeyMode::Normal, &ev(KeyCode::Char('q'), KeyModifiers::NONE)),
            Some(Command::Quit)
        );
        assert_eq!(
            k.command(
                KeyMode::Normal,
                &ev(KeyCode::Char('c'), KeyModifiers::CONTROL)
            ),
            Some(Command::Quit)
        );
        assert_eq!(
            k.command(
                KeyMode::Normal,
                &ev(KeyCode::Char('G'), KeyModifiers::SHIFT)
            ),
            Some(Command::Bottom)
        );
        assert_eq!(
            k.command(KeyMode::Normal, &ev(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Command::PrevPane)
        );
        assert_eq!(
            k.command(KeyMode::Input, &ev(KeyCode::Char('q'), KeyModifiers::NONE)),
            None,
            "q types in input mode"
        );
    }

    #[test]
    fn overrides_rebind_and_unbind() {
        let k = KeyMap::with_overrides(
            "[normal]\n\"x\" = \"quit\"\n\"q\" = \"none\"\n",
            "mine.toml",
        )
        .unwrap();
        assert_eq!(
            k.command(KeyMode::Normal, &ev(KeyCode::Char('x'), KeyModifiers::NONE)),
            Some(Command::Quit)
        );
        assert_eq!(
            k.command(KeyMode::Normal, &ev(KeyCode::Char('q'), KeyModifiers::NONE)),
            None
        );
        let help = k.bindings(KeyMode::Normal);
        let quit = help
            .iter()
            .find(|(_, c)| *c == Command::Quit)
            .map(|(k, _)| k.clone());
        assert_eq!(
            quit.as_deref(),
            Some("x ctrl-c"),
            "help shows what is actually bound"
        );
    }

    #[test]
    fn bad_files_name_the_problem() {
        let e = KeyMap::with_overrides("[normal]\n\"x\" = \"fly\"\n", "k.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("k.toml") && e.contains("unknown command \"fly\""),
            "{e}"
        );
        let e = KeyMap::with_overrides("[weird]\n", "k.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown section"), "{e}");
    }
}
