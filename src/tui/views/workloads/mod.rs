//! The Workloads view: the cluster tree, the selection's details and its findings side by side.
//! This module owns the view's state, its keys, its `:` commands and (in `render`) its drawing.

pub mod details;
mod render;
mod summary;
pub mod tree;

pub use render::render;

use crate::model::{Kind, ObjectRef};
use crate::tui::keymap::Command;
use crate::tui::shared::{Shared, Version};
use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};
use std::collections::HashSet;
use tree::{Group, NodeId, TreeIndex};
use tui_tree_widget::{TreeItem, TreeState};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Tree,
    Details,
    Findings,
}

/// Screen areas of the last frame, for mouse hits.
#[derive(Clone, Copy, Debug, Default)]
pub struct Areas {
    pub tree: Rect,
    pub details: Rect,
    pub findings: Rect,
}

pub struct TreeModel {
    pub state: TreeState<NodeId>,
    pub items: Vec<TreeItem<'static, NodeId>>,
    pub index: TreeIndex,
    /// Set when something the items show changed (opened nodes, order).
    pub dirty: bool,
    /// The shared version (and changes version) the items were built from.
    built: Option<(Version, u64)>,
}

/// The commands this view acts on, for the help screen.
pub const COMMANDS: &[Command] = &[
    Command::Up,
    Command::Down,
    Command::Left,
    Command::Right,
    Command::PageUp,
    Command::PageDown,
    Command::Top,
    Command::Bottom,
    Command::Select,
    Command::Explain,
    Command::NextPane,
    Command::PrevPane,
    Command::FindingsFirst,
    Command::ShowRbac,
];

/// `:` commands of this view: (syntax, what it does).
pub const COMMAND_LINE: &[(&str, &str)] = &[
    (
        ":ns NAME",
        "jump to a namespace (in Findings: filter by it, :ns all clears)",
    ),
    (
        ":deploy [NS]",
        "jump to Deployments (also :sts :ds :cj :job :po :pdb :hpa)",
    ),
];

pub struct WorkloadsView {
    pub tree: TreeModel,
    pub pane: Pane,
    pub findings_first: bool,
    /// Right pane: selected row among the selection's findings.
    pub pane_selected: usize,
    pub details_scroll: u16,
    pub areas: Areas,
}

impl WorkloadsView {
    pub fn new(sh: &Shared) -> WorkloadsView {
        let mut state = TreeState::default();
        // Open the cluster, so the first screen shows the namespaces.
        state.open(vec![NodeId::Cluster]);
        state.select(vec![NodeId::Cluster]);
        WorkloadsView {
            tree: TreeModel {
                state,
                items: Vec::new(),
                index: TreeIndex::new(&sh.snapshot),
                dirty: true,
                built: None,
            },
            pane: Pane::Tree,
            findings_first: true,
            pane_selected: 0,
            details_scroll: 0,
            areas: Areas::default(),
        }
    }

    /// A new snapshot arrived: index it (the items are rebuilt on the next refresh).
    pub fn on_snapshot(&mut self, sh: &Shared) {
        self.tree.index = TreeIndex::new(&sh.snapshot);
        self.tree.dirty = true;
    }

    /// Rebuilds the tree items if anything they depend on changed.
    pub fn refresh_tree(&mut self, sh: &Shared) {
        if !self.tree.dirty && self.tree.built == Some((sh.version(), sh.changes_version)) {
            return;
        }
        let opened: HashSet<Vec<NodeId>> = self.tree.state.opened().clone();
        let filter = (!sh.filter.is_empty()).then_some(sh.filter.as_str());
        self.tree.items = tree::build(&tree::BuildCtx {
            snap: &sh.snapshot,
            index: &self.tree.index,
            findings: &sh.findings,
            opened: &opened,
            filter,
            findings_first: self.findings_first,
            theme: &sh.theme,
            changed: sh
                .changes
                .as_ref()
                .filter(|c| c.generation == sh.generation && !c.changed_objects.is_empty())
                .map(|c| &c.changed_objects),
        });
        self.tree.dirty = false;
        self.tree.built = Some((sh.version(), sh.changes_version));
        if filter.is_some() {
            // A filtered tree shows every match: open the namespaces and kinds that hold them.
            fn open_all(
                state: &mut TreeState<NodeId>,
                items: &[TreeItem<'static, NodeId>],
                prefix: &mut Vec<NodeId>,
            ) {
                for it in items {
                    let real = it
                        .children()
                        .iter()
                        .any(|c| *c.identifier() != NodeId::More);
                    if !real || it.identifier().object().is_some() {
                        continue;
                    }
                    prefix.push(it.identifier().clone());
                    state.open(prefix.clone());
                    open_all(state, it.children(), prefix);
                    prefix.pop();
                }
            }
            open_all(&mut self.tree.state, &self.tree.items, &mut Vec::new());
        }
        // Keep the selection on a visible node: fall back to its nearest visible ancestor.
        let visible: HashSet<Vec<NodeId>> = self
            .tree
            .state
            .flatten(&self.tree.items)
            .into_iter()
            .map(|f| f.identifier)
            .collect();
        let mut sel = self.tree.state.selected().to_vec();
        while !sel.is_empty() && !visible.contains(&sel) {
            sel.pop();
        }
        if sel.is_empty() {
            sel = vec![NodeId::Cluster];
        }
        if sel != self.tree.state.selected() {
            self.tree.state.select(sel);
        }
    }

    pub fn selected_node(&self) -> Option<&NodeId> {
        self.tree.state.selected().last()
    }

    /// Findings shown in the right pane: the selection's and its children's.
    pub fn selection_findings(&self, sh: &Shared) -> Vec<usize> {
        let f = &sh.findings;
        let snap = &sh.snapshot;
        let sel = self.tree.state.selected();
        let mut out: Vec<usize> = match sel.last() {
            None | Some(NodeId::Cluster) | Some(NodeId::More) => (0..f.findings.len()).collect(),
            Some(NodeId::Namespace(ns)) => f.of_namespace(ns).to_vec(),
            Some(NodeId::Group(g)) => {
                let ns = sel.iter().find_map(|n| match n {
                    NodeId::Namespace(ns) => Some(ns.clone()),
                    _ => None,
                });
                let kinds: Vec<String> = match g {
                    Group::Pdbs => vec!["PodDisruptionBudget".into()],
                    Group::Hpas => vec!["HorizontalPodAutoscaler".into()],
                    Group::ReplicaSets => vec!["ReplicaSet".into(), "ReplicationController".into()],
                    other => vec![other.title().trim_end_matches('s').to_string()],
                };
                ns.map(|ns| {
                    f.of_namespace(&ns)
                        .iter()
                        .copied()
                        .filter(|&i| {
                            kinds
                                .iter()
                                .any(|k| k == f.findings[i].object.kind.as_str())
                        })
                        .collect()
                })
                .unwrap_or_default()
            }
            Some(id @ (NodeId::Object(r) | NodeId::Copy(r, _))) => {
                let origin = tree::copy_origin(snap, id);
                let mut v = match tree::workload_of(snap, id) {
                    Some(w) => {
                        let mut v = tree::workload_findings(snap, f, w);
                        // The PDBs and the HPA of a workload decide its availability too.
                        for &p in &snap.index.pdbs_of[w] {
                            let pr = crate::model::obj_ref(
                                Kind::PodDisruptionBudget,
                                &snap.pdbs[p].meta,
                            );
                            v.extend_from_slice(f.of_object(&pr));
                        }
                        if let Some(h) = snap.index.hpa_of[w] {
                            let hr = crate::model::obj_ref(
                                Kind::HorizontalPodAutoscaler,
                                &snap.hpas[h].meta,
                            );
                            v.extend_from_slice(f.of_object(&hr));
                        }
                        v
                    }
                    None => f.of_object(r).to_vec(),
                };
                // A copy defined in several files shows its own findings only.
                if let Some(o) = origin {
                    v.retain(|&i| {
                        let x = &f.findings[i];
                        x.object != *r || x.origin == Some(o)
                    });
                }
                v.sort_unstable();
                v.dedup();
                v
            }
        };
        // Confirmed by evidence first; then the audit's order (most severe first).
        out.sort_unstable();
        f.confirmed_first(&mut out);
        out
    }

    /// The finding highlighted in the right pane (the first of the selection's by default).
    pub fn selected_finding(&self, sh: &Shared) -> Option<usize> {
        let list = self.selection_findings(sh);
        list.get(self.pane_selected.min(list.len().saturating_sub(1)))
            .copied()
    }

    /// Acts on a command. Returns false when the command is not this view's.
    pub fn command(&mut self, cmd: Command, sh: &mut Shared) -> bool {
        match cmd {
            Command::NextPane | Command::PrevPane => {
                let order = [Pane::Tree, Pane::Details, Pane::Findings];
                let i = order.iter().position(|p| *p == self.pane).unwrap_or(0);
                let n = if cmd == Command::NextPane {
                    (i + 1) % 3
                } else {
                    (i + 2) % 3
                };
                self.pane = order[n];
            }
            Command::FindingsFirst => {
                self.findings_first = !self.findings_first;
                self.tree.dirty = true;
                sh.status = Some(format!(
                    "tree order: {}",
                    if self.findings_first {
                        "objects with findings first"
                    } else {
                        "by name"
                    }
                ));
            }
            Command::Select if self.pane == Pane::Tree => {
                self.refresh_tree(sh);
                let sel = self.tree.state.selected().to_vec();
                self.tree.state.toggle(sel);
                self.tree.dirty = true;
            }
            Command::Select | Command::Explain => {
                let list = self.selection_findings(sh);
                if let Some(&i) = list.get(self.pane_selected.min(list.len().saturating_sub(1))) {
                    let check = sh.findings.findings[i].check;
                    sh.explain(check);
                }
            }
            Command::Up
            | Command::Down
            | Command::PageUp
            | Command::PageDown
            | Command::Top
            | Command::Bottom => self.move_cursor(cmd, sh),
            Command::Left | Command::Right => {
                if self.pane == Pane::Tree {
                    self.tree_horizontal(cmd == Command::Right, sh);
                }
            }
            _ => return false,
        }
        true
    }

    fn page(&self) -> usize {
        let h = match self.pane {
            Pane::Tree => self.areas.tree.height,
            Pane::Details => self.areas.details.height,
            Pane::Findings => self.areas.findings.height,
        };
        (h.saturating_sub(3) as usize).max(1)
    }

    fn move_cursor(&mut self, cmd: Command, sh: &Shared) {
        let delta = super::delta(cmd, self.page());
        match self.pane {
            Pane::Tree => {
                self.refresh_tree(sh);
                let flat = self.tree.state.flatten(&self.tree.items);
                let cur = flat
                    .iter()
                    .position(|f| f.identifier == self.tree.state.selected())
                    .unwrap_or(0);
                let next = super::step(cur, delta, flat.len());
                if let Some(f) = flat.get(next) {
                    let id = f.identifier.clone();
                    self.tree.state.select(id);
                }
                self.pane_selected = 0;
                self.details_scroll = 0;
            }
            Pane::Details => {
                self.details_scroll = (self.details_scroll as isize)
                    .saturating_add(delta)
                    .clamp(0, u16::MAX as isize / 2) as u16;
            }
            Pane::Findings => {
                let len = self.selection_findings(sh).len();
                self.pane_selected = super::step(self.pane_selected, delta, len);
            }
        }
    }

    fn tree_horizontal(&mut self, right: bool, sh: &Shared) {
        self.refresh_tree(sh);
        let sel = self.tree.state.selected().to_vec();
        let opened = self.tree.state.opened().clone();
        let has_children = self
            .tree
            .state
            .flatten(&self.tree.items)
            .iter()
            .find(|f| f.identifier == sel)
            .is_some_and(|f| !f.item.children().is_empty());
        if right {
            if has_children && !opened.contains(&sel) {
                self.tree.state.open(sel);
                self.tree.dirty = true;
            } else if has_children {
                self.move_cursor(Command::Down, sh);
            }
        } else if opened.contains(&sel) && has_children {
            self.tree.state.close(&sel);
            self.tree.dirty = true;
        } else if sel.len() > 1 {
            self.tree.state.select(sel[..sel.len() - 1].to_vec());
        }
    }

    /// `:ns NAME` and the kind jumps (`:deploy [NS]`, `:sts`, ...). Returns false when the word
    /// is not this view's.
    pub fn command_line(&mut self, word: &str, arg: Option<String>, sh: &mut Shared) -> bool {
        match word {
            "ns" | "namespace" => match arg {
                Some(ns) => self.jump_namespace(&ns, None, sh),
                None => sh.status = Some("usage: :ns NAME".into()),
            },
            w => {
                let Some(g) = Group::ALL.iter().find(|g| g.aliases().contains(&w)) else {
                    return false;
                };
                let ns = arg.or_else(|| self.current_namespace().map(|n| n.to_string()));
                let ns = ns.or_else(|| {
                    // No namespace chosen: the first namespace that has this kind.
                    self.tree
                        .index
                        .namespaces
                        .iter()
                        .find(|(_, e)| e.groups.contains_key(g))
                        .map(|(n, _)| n.to_string())
                });
                match ns {
                    Some(ns) => self.jump_namespace(&ns, Some(g.clone()), sh),
                    None => sh.status = Some(format!("no {} in this snapshot", g.title())),
                }
            }
        }
        true
    }

    fn current_namespace(&self) -> Option<std::sync::Arc<str>> {
        self.tree.state.selected().iter().find_map(|n| match n {
            NodeId::Namespace(ns) => Some(ns.clone()),
            _ => None,
        })
    }

    /// Selects a namespace (and a kind group in it) in the tree, opening what is needed.
    pub fn jump_namespace(&mut self, ns: &str, group: Option<Group>, sh: &mut Shared) {
        let Some((name, entry)) = self.tree.index.namespaces.iter().find(|(n, _)| &***n == ns)
        else {
            sh.status = Some(format!("no namespace {ns:?}"));
            return;
        };
        let ns_path = vec![NodeId::Cluster, NodeId::Namespace(name.clone())];
        self.pane = Pane::Tree;
        self.tree.state.open(vec![NodeId::Cluster]);
        self.tree.state.open(ns_path.clone());
        let target = match group {
            Some(g) if entry.groups.contains_key(&g) => {
                let mut p = ns_path.clone();
                p.push(NodeId::Group(g));
                self.tree.state.open(p.clone());
                p
            }
            Some(g) => {
                sh.status = Some(format!("no {} in {ns}", g.title()));
                ns_path
            }
            None => ns_path,
        };
        self.tree.state.select(target);
        self.tree.dirty = true;
        self.pane_selected = 0;
    }

    /// Selects an object in the tree by reference.
    pub fn reveal(&mut self, r: &ObjectRef, sh: &mut Shared) {
        let Some(ns) = r.namespace.clone() else {
            return;
        };
        let group = match &r.kind {
            Kind::PodDisruptionBudget => Some(Group::Pdbs),
            Kind::HorizontalPodAutoscaler => Some(Group::Hpas),
            _ => sh.snapshot.index.workload_by_ref.get(r).map(|&w| {
                Group::ALL
                    .iter()
                    .find(|g| {
                        self.tree
                            .index
                            .namespaces
                            .get(&ns)
                            .is_some_and(|e| e.groups.get(*g).is_some_and(|l| l.contains(&w)))
                    })
                    .cloned()
                    .unwrap_or(Group::Pods)
            }),
        };
        if let Some(g) = group {
            self.jump_namespace(&ns, Some(g.clone()), sh);
            self.tree.state.select(vec![
                NodeId::Cluster,
                NodeId::Namespace(ns),
                NodeId::Group(g),
                NodeId::Object(r.clone()),
            ]);
        }
    }

    pub fn on_mouse(&mut self, m: MouseEvent, sh: &Shared) {
        let pos = Position::new(m.column, m.row);
        let hit = |r: Rect| r.contains(pos);
        match m.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                if hit(self.areas.tree) {
                    self.pane = Pane::Tree;
                    if self.tree.state.click_at(pos) {
                        self.tree.dirty = true;
                        self.pane_selected = 0;
                        self.details_scroll = 0;
                    }
                } else if hit(self.areas.details) {
                    self.pane = Pane::Details;
                } else if hit(self.areas.findings) {
                    self.pane = Pane::Findings;
                    let row = m.row.saturating_sub(self.areas.findings.y + 1) as usize;
                    if row < self.selection_findings(sh).len() {
                        self.pane_selected = row;
                    }
                }
            }
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                if hit(self.areas.tree) {
                    self.pane = Pane::Tree;
                } else if hit(self.areas.details) {
                    self.pane = Pane::Details;
                } else if hit(self.areas.findings) {
                    self.pane = Pane::Findings;
                }
                let down = m.kind == MouseEventKind::ScrollDown;
                for _ in 0..3 {
                    self.move_cursor(if down { Command::Down } else { Command::Up }, sh);
                }
            }
            _ => {}
        }
    }
}
