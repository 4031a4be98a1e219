//! The `:` command line of [`App`]: the view on screen first, then the global commands, then
//! the other views' (which bring their view to the screen).

use super::app::{App, AppEvent, Effect, Popup, View};
use crate::audit::find_check;

impl App {
    /// `:` commands, k9s-style: the view on screen first, then the global ones, then the other
    /// views' (which bring their view to the screen).
    pub fn run_command_line(&mut self, line: &str, fx: &mut Vec<Effect>) {
        let mut parts = line.split_whitespace();
        let Some(word) = parts.next() else { return };
        let args: Vec<String> = parts.map(str::to_string).collect();
        let arg = args.first().cloned();
        let word = word.to_ascii_lowercase();
        let w = word.as_str();
        let sh = &mut self.shared;
        let handled = match self.view {
            View::Workloads => self.workloads.command_line(w, arg.clone(), sh),
            View::Findings => self.findings_view.command_line(w, arg.clone(), sh),
            View::Rbac
            | View::Network
            | View::Journal
            | View::Nodes
            | View::Triage
            | View::Changes
            | View::Fleet => false,
        };
        if handled || self.global_command_line(w, arg.clone(), fx) {
            return;
        }
        let sh = &mut self.shared;
        if self.rbac.command_line(w, &args, sh) {
            self.view = View::Rbac;
        } else if self.network.command_line(w, &args, sh) {
            self.view = View::Network;
        } else if self.nodes.command_line(w, &args, sh) {
            self.view = View::Nodes;
        } else if self.findings_view.command_line(w, arg.clone(), sh) {
            self.view = View::Findings;
        } else if self.workloads.command_line(w, arg, sh) {
            self.view = View::Workloads;
        } else {
            sh.status = Some(format!("unknown command :{w} (? lists them)"));
        }
    }

    fn global_command_line(&mut self, w: &str, arg: Option<String>, fx: &mut Vec<Effect>) -> bool {
        let sh = &mut self.shared;
        match w {
            "q" | "quit" | "q!" => self.do_quit(fx),
            "help" | "h" => sh.popup = Some(Popup::Help { scroll: 0 }),
            "findings" | "f" => self.view = View::Findings,
            "workloads" | "w" | "tree" => self.view = View::Workloads,
            "rbac" => self.view = View::Rbac,
            "net" | "network" | "netpol" => self.view = View::Network,
            "nodes" | "node" | "no" => self.view = View::Nodes,
            "triage" | "tr" => self.view = View::Triage,
            "changes" | "ch" => self.view = View::Changes,
            "fleet" => self.open_fleet(fx),
            "since" => match arg {
                Some(file) => {
                    sh.status = Some(format!("reading {}…", crate::text::escape_ctrl(&file)));
                    fx.push(Effect::LoadSince(std::path::PathBuf::from(file)));
                }
                None => {
                    sh.since = None;
                    sh.set_changes(None);
                    sh.status =
                        Some("no comparison: :since FILE compares with a saved state".into());
                }
            },
            "target" => {
                let parsed = arg
                    .as_deref()
                    .and_then(crate::audit::checks::deprecated_api::parse_version);
                match parsed {
                    Some(v) => {
                        sh.target_version = Some(v);
                        sh.status = Some(format!(
                            "deprecated-api now targets Kubernetes {}.{}: auditing…",
                            v.0, v.1
                        ));
                        let snap = sh.snapshot.clone();
                        fx.extend(self.update(AppEvent::Snapshot(snap)));
                    }
                    None => {
                        sh.status =
                            Some("usage: :target X.Y (the Kubernetes version of the upgrade), e.g. :target 1.29".into())
                    }
                }
            }
            "journal" | "j" => {
                self.view = View::Journal;
                fx.push(Effect::LoadJournal);
            }
            "clear" => {
                sh.set_filter(String::new());
                self.findings_view.clear();
            }
            "ctx" | "context" | "contexts" => match (&sh.live, arg) {
                (None, _) => {
                    sh.status =
                        Some("not connected to a cluster: start kvet without -f or --demo".into())
                }
                (Some(l), Some(ctx)) => {
                    if l.contexts.contains(&ctx) || l.contexts.is_empty() {
                        fx.push(Effect::Connect {
                            context: Some(ctx.clone()),
                            namespace: l.namespace.clone(),
                        });
                        sh.status = Some(format!("connecting to {ctx}…"));
                    } else {
                        sh.status = Some(format!("no context {ctx:?} in the kubeconfig"));
                    }
                }
                (Some(l), None) => {
                    let selected = l.contexts.iter().position(|c| *c == l.context).unwrap_or(0);
                    sh.popup = Some(Popup::Contexts { selected });
                }
            },
            "scope" => match &sh.live {
                None => sh.status = Some("a namespace scope applies to live clusters".into()),
                Some(l) => {
                    let ns = arg.filter(|a| a != "all" && a != "-A");
                    fx.push(Effect::Connect {
                        context: Some(l.context.clone()),
                        namespace: ns.clone(),
                    });
                    sh.status = Some(match ns {
                        Some(ns) => format!("watching namespace {ns}…"),
                        None => "watching all namespaces…".into(),
                    });
                }
            },
            "explain" => match arg.as_deref().and_then(find_check) {
                Some(c) => sh.explain(c.info().id),
                None => sh.status = Some("usage: :explain CHECK-ID".into()),
            },
            _ => return false,
        }
        true
    }
}
