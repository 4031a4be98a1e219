//! Layers 4-6 for the TUI: `App::update` (events in, state and effects out), rendering of every
//! view (insta snapshots, and every size from 0×0 up), and the real event loop driven headless.

use kvet::audit::{self, AuditOptions};
use kvet::tui::app::{App, AppEvent, Effect, Pane, Popup, View};
use kvet::tui::keymap::KeyMap;
use kvet::tui::theme::Theme;
use kvet::tui::tree::{Group, NodeId};
use kvet::tui::{run_loop, EffectRunner};
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::Terminal;
use std::sync::{mpsc, Arc};

pub(crate) fn key(c: char) -> AppEvent {
    AppEvent::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

pub(crate) fn code(c: KeyCode) -> AppEvent {
    AppEvent::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

pub(crate) fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        app.update(key(c));
    }
}

/// A demo app with its audit applied, as after the first effect completes.
pub(crate) fn demo_app() -> App {
    let snap = Arc::new(kvet::source::demo::load().snapshot);
    let mut app = App::new(snap.clone(), KeyMap::defaults(), Theme::default_theme());
    let fx = app.start();
    let generation = match fx.as_slice() {
        [Effect::RunAudit { generation, .. }, Effect::SimulateDrains { .. }] => *generation,
        other => panic!("expected RunAudit and SimulateDrains, got {other:?}"),
    };
    let result = audit::run(&snap, &AuditOptions::default());
    app.update(AppEvent::AuditDone { generation, result });
    app.update(AppEvent::DrainsDone {
        generation,
        verdicts: kvet::drain::summaries(&snap),
    });
    app
}

pub(crate) fn screen(app: &mut App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    t.draw(|f| kvet::tui::views::draw(f, app)).expect("draw");
    buffer_text(t.backend())
}

fn buffer_text(b: &TestBackend) -> String {
    let buf = b.buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for x in 0..buf.area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn selected_name(app: &App) -> Option<String> {
    match app.selected_node() {
        Some(NodeId::Object(r)) => Some(r.name.to_string()),
        Some(NodeId::Namespace(n)) => Some(n.to_string()),
        _ => None,
    }
}

#[test]
fn quit_and_views() {
    let mut app = demo_app();
    app.update(key('2'));
    assert_eq!(app.view, View::Findings);
    app.update(key('4'));
    assert_eq!(app.view, View::Network);
    app.update(key('1'));
    app.update(code(KeyCode::Tab));
    assert_eq!(app.workloads.pane, Pane::Details);
    app.update(code(KeyCode::BackTab));
    assert_eq!(app.workloads.pane, Pane::Tree);
    let fx = app.update(key('q'));
    assert!(matches!(fx.as_slice(), [Effect::Quit]));
}

#[test]
fn stale_audit_results_are_dropped() {
    let mut app = demo_app();
    let before = app.shared.findings.findings.len();
    let fx = app.update(AppEvent::Snapshot(app.shared.snapshot.clone()));
    let new_gen = match fx.as_slice() {
        [Effect::RunAudit { generation, .. }, Effect::SimulateDrains { generation: g2, .. }]
            if generation == g2 =>
        {
            *generation
        }
        other => panic!("{} effects", other.len()),
    };
    // A result for the previous generation arrives late: ignored.
    app.update(AppEvent::AuditDone {
        generation: new_gen - 1,
        result: Default::default(),
    });
    assert_eq!(app.shared.findings.findings.len(), before);
    app.update(AppEvent::AuditDone {
        generation: new_gen,
        result: Default::default(),
    });
    assert_eq!(app.shared.findings.findings.len(), 0);
}

#[test]
fn command_line_jumps_like_k9s() {
    let mut app = demo_app();
    app.update(key(':'));
    typed(&mut app, "ns payments");
    app.update(code(KeyCode::Enter));
    assert_eq!(selected_name(&app).as_deref(), Some("payments"));
    app.update(key(':'));
    typed(&mut app, "deploy storefront");
    app.update(code(KeyCode::Enter));
    assert_eq!(
        app.selected_node(),
        Some(&NodeId::Group(Group::Deployments))
    );
    app.update(key(':'));
    typed(&mut app, "findings");
    app.update(code(KeyCode::Enter));
    assert_eq!(app.view, View::Findings);
    app.update(key(':'));
    typed(&mut app, "bogus");
    app.update(code(KeyCode::Enter));
    assert!(app
        .shared
        .status
        .as_deref()
        .is_some_and(|s| s.contains("unknown command")));
}

#[test]
fn filter_narrows_the_tree_live_and_esc_clears_it() {
    let mut app = demo_app();
    app.update(key('/'));
    typed(&mut app, "fraud");
    app.refresh_tree();
    let visible: Vec<String> = app
        .workloads
        .tree
        .state
        .flatten(&app.workloads.tree.items)
        .iter()
        .filter_map(|f| match f.identifier.last() {
            Some(NodeId::Object(r)) => Some(format!("{}/{}", r.kind, r.name)),
            _ => None,
        })
        .collect();
    // The Deployment, and its PDB of the same name.
    assert_eq!(
        visible,
        vec![
            "Deployment/fraud-scorer",
            "PodDisruptionBudget/fraud-scorer"
        ]
    );
    app.update(code(KeyCode::Esc));
    assert!(app.shared.filter.is_empty());
}

#[test]
fn navigating_to_cart_shows_its_missing_pdb_and_explains_it() {
    let mut app = demo_app();
    app.update(key(':'));
    typed(&mut app, "deploy storefront");
    app.update(code(KeyCode::Enter));
    app.update(code(KeyCode::Right)); // into the first Deployment: cart sorts first (critical)
    assert_eq!(selected_name(&app).as_deref(), Some("cart"));
    let text = screen(&mut app, 160, 48);
    assert!(
        text.contains("none: a drain can evict every replica"),
        "{text}"
    );
    assert!(text.contains("pdb-missing cart"), "{text}");
    app.update(code(KeyCode::Tab));
    app.update(code(KeyCode::Tab));
    assert_eq!(app.workloads.pane, Pane::Findings);
    app.update(code(KeyCode::Enter));
    assert_eq!(
        app.shared.popup,
        Some(Popup::Explain {
            check: "pdb-missing",
            scroll: 0
        })
    );
    let text = screen(&mut app, 160, 48);
    assert!(
        text.contains("Why it matters") && text.contains("PodDisruptionBudget"),
        "{text}"
    );
    app.update(code(KeyCode::Esc));
    assert_eq!(app.shared.popup, None);
}

#[test]
fn selection_survives_a_reload() {
    let mut app = demo_app();
    app.update(key(':'));
    typed(&mut app, "deploy storefront");
    app.update(code(KeyCode::Enter));
    app.update(code(KeyCode::Right));
    let before = app.workloads.tree.state.selected().to_vec();
    let fresh = Arc::new(kvet::source::demo::load().snapshot);
    app.update(AppEvent::Snapshot(fresh));
    app.refresh_tree();
    assert_eq!(app.workloads.tree.state.selected(), before.as_slice());
}

#[test]
fn findings_view_sorts_and_filters_by_severity() {
    let mut app = demo_app();
    app.update(key('2'));
    let all = app.table_rows().len();
    app.update(key('F')); // warning and above
    let warn = app.table_rows().len();
    app.update(key('F')); // critical only
    let crit = app.table_rows().len();
    assert!(all > warn && warn > crit && crit > 0, "{all} {warn} {crit}");
    app.update(key(':'));
    typed(&mut app, "check pdb-missing");
    app.update(code(KeyCode::Enter));
    let rows = app.table_rows();
    assert!(rows
        .iter()
        .all(|&i| app.shared.findings.findings[i].check == "pdb-missing"));
    app.update(key('s'));
    assert!(app
        .shared
        .status
        .as_deref()
        .is_some_and(|s| s.contains("sorted by check")));
    // `:ns` filters the Findings view by namespace.
    app.update(key(':'));
    typed(&mut app, "clear");
    app.update(code(KeyCode::Enter));
    app.update(key(':'));
    typed(&mut app, "ns payments");
    app.update(code(KeyCode::Enter));
    assert_eq!(app.view, View::Findings);
    let rows = app.table_rows();
    assert!(!rows.is_empty());
    assert!(rows
        .iter()
        .all(|&i| app.shared.findings.findings[i].object.namespace() == "payments"));
}

#[test]
fn help_lists_what_is_bound() {
    let mut app = demo_app();
    app.update(key('?'));
    assert!(matches!(app.shared.popup, Some(Popup::Help { .. })));
    let text = screen(&mut app, 160, 260);
    assert!(
        text.contains("quit kvet") && text.contains(":ns NAME"),
        "{text}"
    );
    // A remapped key shows in the help.
    let mut app2 = App::new(
        app.shared.snapshot.clone(),
        KeyMap::with_overrides("[normal]\n\"x\" = \"quit\"\n", "t").expect("keymap"),
        Theme::default_theme(),
    );
    app2.update(key('?'));
    let text = screen(&mut app2, 160, 260);
    assert!(
        text.lines()
            .any(|l| l.contains("q x ctrl-c") && l.contains("quit kvet")),
        "{text}"
    );
}

#[test]
fn mouse_click_focuses_and_selects() {
    let mut app = demo_app();
    let _ = screen(&mut app, 160, 48);
    let details = app.workloads.areas.details;
    app.update(AppEvent::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: details.x + 2,
        row: details.y + 2,
        modifiers: KeyModifiers::NONE,
    }));
    assert_eq!(app.workloads.pane, Pane::Details);
    // Clicking the third tree row selects it (the first namespace under the cluster).
    let tree = app.workloads.areas.tree;
    app.update(AppEvent::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: tree.x + 4,
        row: tree.y + 2,
        modifiers: KeyModifiers::NONE,
    }));
    assert_eq!(app.workloads.pane, Pane::Tree);
    assert!(matches!(app.selected_node(), Some(NodeId::Namespace(_))));
}

#[test]
fn every_view_renders_at_every_size_without_panicking() {
    let mut app = demo_app();
    let sizes = [
        (0, 0),
        (1, 1),
        (10, 5),
        (20, 10),
        (40, 12),
        (80, 24),
        (120, 40),
        (160, 48),
        (400, 120),
        (3, 200),
        (300, 2),
    ];
    type Setup = Box<dyn Fn(&mut App)>;
    let setups: Vec<Setup> = vec![
        Box::new(|a| a.view = View::Workloads),
        Box::new(|a| a.view = View::Findings),
        Box::new(|a| a.view = View::Rbac),
        Box::new(|a| a.view = View::Network),
        Box::new(|a| a.shared.popup = Some(Popup::Help { scroll: 5 })),
        Box::new(|a| {
            a.shared.popup = Some(Popup::Explain {
                check: "pdb-missing",
                scroll: 500,
            })
        }),
    ];
    for setup in &setups {
        app.shared.popup = None;
        setup(&mut app);
        for (w, h) in sizes {
            let _ = screen(&mut app, w, h);
        }
        // Rapid resizes on one terminal.
        let mut t = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
        for (w, h) in sizes.iter().chain(sizes.iter().rev()) {
            t.backend_mut().resize(*w, *h);
            t.resize(ratatui::layout::Rect::new(0, 0, *w, *h))
                .expect("resize");
            t.draw(|f| kvet::tui::views::draw(f, &mut app))
                .expect("draw");
        }
    }
}

#[test]
fn control_characters_in_names_are_shown_escaped() {
    let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: \"evil\\e[2J\\u202e\"\n  namespace: ns\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: x}}\n  template:\n    metadata: {labels: {app: x}}\n    spec: {containers: [{name: c, image: i}]}\n";
    let loaded = kvet::source::offline::load_texts(
        &[("t.yaml", text)],
        &Default::default(),
        kvet::model::SourceKind::Offline,
        "t.yaml",
    );
    let snap = Arc::new(loaded.snapshot);
    let mut app = App::new(snap.clone(), KeyMap::defaults(), Theme::default_theme());
    app.update(AppEvent::AuditDone {
        generation: 1,
        result: audit::run(&snap, &AuditOptions::default()),
    });
    app.update(key(':'));
    typed(&mut app, "deploy ns");
    app.update(code(KeyCode::Enter));
    app.update(code(KeyCode::Right));
    let out = screen(&mut app, 160, 48);
    assert!(!out.contains('\x1b') && !out.contains('\u{202e}'));
    assert!(out.contains("evil\\x1b[2J\\u{202e}"), "{out}");
}

fn snapshot_views(w: u16, h: u16) {
    let mut app = demo_app();
    let shot = |app: &mut App, name: &str| {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen(app, w, h))
    };
    shot(&mut app, "workloads");
    app.update(key(':'));
    typed(&mut app, "deploy storefront");
    app.update(code(KeyCode::Enter));
    app.update(code(KeyCode::Right));
    shot(&mut app, "workloads_cart");
    app.update(key('2'));
    shot(&mut app, "findings");
    app.update(key('3'));
    shot(&mut app, "rbac");
    // The view opens on the riskiest subject.
    assert_eq!(
        app.rbac
            .subjects
            .get(app.rbac.selected)
            .map(|r| r.name.as_str()),
        Some("ci-runner")
    );
    app.update(key('4'));
    shot(&mut app, "network");
    app.update(key('6'));
    shot(&mut app, "nodes");
    app.update(key('7'));
    shot(&mut app, "triage");
    app.update(key('1'));
    app.update(key('?'));
    shot(&mut app, "help");
    app.update(code(KeyCode::Esc));
    app.update(key(':'));
    typed(&mut app, "explain rollout-unavailable");
    app.update(code(KeyCode::Enter));
    shot(&mut app, "explain");
}

#[test]
fn views_at_80x24() {
    snapshot_views(80, 24);
}

#[test]
fn views_at_160x48() {
    snapshot_views(160, 48);
}

#[test]
fn monochrome_and_every_bundled_theme_render() {
    for (name, _) in kvet::tui::theme::BUNDLED {
        let mut app = demo_app();
        app.shared.theme = Theme::load(name, None).expect("bundled theme");
        assert!(screen(&mut app, 120, 30).contains("Findings"));
    }
    let mut app = demo_app();
    app.shared.theme = Theme::monochrome();
    let mut t = Terminal::new(TestBackend::new(120, 30)).expect("terminal");
    t.draw(|f| kvet::tui::views::draw(f, &mut app))
        .expect("draw");
    let buf = t.backend().buffer();
    for cell in buf.content() {
        assert_eq!(
            cell.fg,
            ratatui::style::Color::Reset,
            "NO_COLOR: no colour anywhere"
        );
        assert_eq!(cell.bg, ratatui::style::Color::Reset);
    }
}

/// Runs effects inline, so the headless loop is deterministic.
struct Inline;

impl EffectRunner for Inline {
    fn run(&mut self, fx: Effect, _tx: &mpsc::SyncSender<AppEvent>) -> Vec<AppEvent> {
        match fx {
            Effect::RunAudit {
                generation,
                snapshot,
                target_version,
            } => vec![AppEvent::AuditDone {
                generation,
                result: audit::run(
                    &snapshot,
                    &AuditOptions {
                        target_version,
                        ..Default::default()
                    },
                ),
            }],
            Effect::SimulateDrains {
                generation,
                snapshot,
            } => vec![AppEvent::DrainsDone {
                generation,
                verdicts: kvet::drain::summaries(&snapshot),
            }],
            Effect::Quit
            | Effect::Connect { .. }
            | Effect::PlanFix { .. }
            | Effect::WriteFile { .. }
            | Effect::Clipboard(_)
            | Effect::ApplyFix(_)
            | Effect::LoadJournal
            | Effect::FetchYaml { .. }
            | Effect::StreamLogs { .. }
            | Effect::StopLogs
            | Effect::LoadSince(_)
            | Effect::AuditFleet
            | Effect::FleetDueIn(_)
            | Effect::ComputeChanges { .. }
            | Effect::PlanUndo(_) => vec![],
        }
    }
}

#[test]
fn headless_end_to_end_through_the_real_event_loop() {
    let snap = Arc::new(kvet::source::demo::load().snapshot);
    let mut app = App::new(snap, KeyMap::defaults(), Theme::default_theme());
    let (tx, rx) = mpsc::sync_channel(1024);
    let keys = tx.clone();
    let driver = std::thread::spawn(move || {
        let send = |ev: AppEvent| {
            let _ = keys.send(ev);
            std::thread::sleep(std::time::Duration::from_millis(25));
        };
        // Open, filter for the cart, select it, open its finding's explanation, close it,
        // switch to the Findings view, then quit.
        for c in "/cart".chars() {
            send(key(c));
        }
        send(code(KeyCode::Enter));
        for _ in 0..4 {
            send(code(KeyCode::Down));
        }
        send(code(KeyCode::Tab));
        send(code(KeyCode::Tab));
        send(code(KeyCode::Enter));
        send(code(KeyCode::Esc));
        send(key('2'));
        // The loop draws the last state before it quits, so no wait is needed here.
        let _ = keys.send(key('q'));
    });
    let mut terminal = Terminal::new(TestBackend::new(160, 45)).expect("terminal");
    run_loop(&mut terminal, &mut app, &rx, &tx, &mut Inline).expect("loop");
    driver.join().expect("driver");
    assert!(app.shared.quit);
    let text = buffer_text(terminal.backend());
    // The last screen: the Findings view under the fuzzy filter, the cart's finding ranked first.
    assert!(text.contains("· /cart"), "{text}");
    let first_row = text.lines().nth(3).unwrap_or("");
    assert!(
        first_row.contains("pdb-missing") && first_row.contains("Deployment/cart"),
        "{text}"
    );
    assert_eq!(selected_name(&app).as_deref(), Some("cart"));
}

#[test]
fn live_state_shows_in_the_header_and_the_context_picker_switches() {
    use kvet::tui::app::LiveInfo;
    let mut app = demo_app();
    app.shared.live = Some(LiveInfo {
        context: "prod".into(),
        contexts: vec!["dev".into(), "prod".into(), "staging".into()],
        ..Default::default()
    });
    app.update(AppEvent::LiveConnected {
        context: "prod".into(),
        namespace: None,
        insecure: true,
    });
    app.update(AppEvent::LiveKinds(vec![
        ("Pod".into(), "ok (v1)".into(), true),
        ("Secret".into(), "forbidden".into(), false),
        ("Node".into(), "forbidden".into(), false),
    ]));
    let top = screen(&mut app, 160, 48);
    let header = top.lines().next().unwrap_or("");
    assert!(
        header.contains("● live")
            && header.contains("⚠ 2 kinds unavailable")
            && header.contains("TLS not verified"),
        "{header}"
    );
    assert!(
        top.contains("Secret") && top.contains("forbidden"),
        "the cluster pane lists the kinds: {top}"
    );
    app.update(AppEvent::LiveStale("12:34:56".into()));
    app.update(AppEvent::LiveStale("12:35:10".into()));
    let header = screen(&mut app, 160, 48)
        .lines()
        .next()
        .unwrap_or("")
        .to_string();
    assert!(
        header.contains("stale since 12:34:56"),
        "the first loss is kept: {header}"
    );
    assert!(
        !app.shared.findings.findings.is_empty(),
        "the data stays while stale"
    );
    app.update(AppEvent::LiveHealthy);
    assert!(screen(&mut app, 160, 48)
        .lines()
        .next()
        .unwrap_or("")
        .contains("● live"));
    // The context picker: opens on the current context, moves, and Enter reconnects.
    app.update(key(':'));
    typed(&mut app, "ctx");
    let fx = app.update(code(KeyCode::Enter));
    assert!(fx.is_empty());
    assert_eq!(app.shared.popup, Some(Popup::Contexts { selected: 1 }));
    app.update(code(KeyCode::Down));
    let fx = app.update(code(KeyCode::Enter));
    match fx.as_slice() {
        [Effect::Connect { context, namespace }] => {
            assert_eq!(context.as_deref(), Some("staging"));
            assert_eq!(namespace, &None);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(app.shared.popup, None);
    // A namespace scope.
    app.update(key(':'));
    typed(&mut app, "scope payments");
    let fx = app.update(code(KeyCode::Enter));
    assert!(
        matches!(fx.as_slice(), [Effect::Connect { namespace: Some(ns), .. }] if ns == "payments")
    );
}

/// Runs the app's PlanFix effect as the runner does, and feeds the result back.
fn run_plan(app: &mut App, fx: Vec<Effect>) {
    run_plan_as(app, fx, false);
}

/// The runner's planning, offline; `dry_run_passed` as a live server's dry run reports it.
fn run_plan_as(app: &mut App, fx: Vec<Effect>, dry_run_passed: bool) {
    for e in fx {
        if let Effect::PlanFix {
            snapshot,
            finding,
            settings,
        } = e
        {
            let result = kvet::source::document::fix_object(&snapshot, &finding).and_then(|obj| {
                let plan = kvet::fix::plan_offline(&snapshot, &finding, &obj, &settings)?;
                kvet::fix::preview(&obj, plan)
                    .map(|mut p| {
                        p.dry_run = dry_run_passed;
                        Box::new(p)
                    })
                    .map_err(|e| e.to_string())
            });
            app.update(AppEvent::FixPlanned {
                finding,
                settings,
                result,
            });
        }
    }
}

#[test]
fn f_previews_a_fix_esc_cancels_and_tab_enter_exports_it() {
    let mut app = demo_app();
    app.run_command_line("deploy storefront", &mut Vec::new());
    app.update(code(KeyCode::Down)); // storefront/cart, whose only finding is pdb-missing
    let fx = app.update(key('f'));
    assert!(
        matches!(fx.as_slice(), [Effect::PlanFix { finding, .. }] if finding.check == "pdb-missing"),
        "{fx:?}"
    );
    run_plan(&mut app, fx);
    let Some(Popup::Fix(d)) = &app.shared.popup else {
        panic!("no fix dialog: {:?}", app.shared.status);
    };
    assert_eq!(d.focus, kvet::tui::views::fix_dialog::Button::Cancel);
    let text = screen(&mut app, 160, 48);
    assert!(
        text.contains("Fix pdb-missing · Deployment/storefront/cart"),
        "{text}"
    );
    assert!(text.contains("+kind: PodDisruptionBudget"), "{text}");
    assert!(text.contains("+  maxUnavailable: 1"), "{text}");
    // Esc cancels, and nothing is written.
    let fx = app.update(code(KeyCode::Esc));
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(app.shared.popup, None);
    // Enter on the focused Cancel closes too: no single key exports or applies.
    let fx = app.update(key('f'));
    run_plan(&mut app, fx);
    let fx = app.update(code(KeyCode::Enter));
    assert!(fx.is_empty() && app.shared.popup.is_none(), "{fx:?}");
    // f again, edit the value, Tab to "Write patch file", Enter: the patch is written.
    let fx = app.update(key('f'));
    run_plan(&mut app, fx);
    app.update(key('e'));
    app.update(code(KeyCode::Backspace));
    typed(&mut app, "2");
    let fx = app.update(code(KeyCode::Enter));
    run_plan(&mut app, fx);
    app.update(code(KeyCode::Tab));
    let fx = app.update(code(KeyCode::Enter));
    match fx.as_slice() {
        [Effect::WriteFile { path, text }] => {
            assert_eq!(
                path.display().to_string(),
                "kvet-fix-pdb-missing-storefront-cart-pdb.yaml"
            );
            assert!(text.contains("maxUnavailable: 2"), "{text}");
        }
        other => panic!("expected the patch to be written: {other:?}"),
    }
}

#[test]
fn f_on_a_finding_without_a_fix_says_so() {
    let mut app = demo_app();
    app.update(key('2'));
    app.run_command_line("check pdb-overlap", &mut Vec::new());
    let fx = app.update(key('f'));
    assert!(fx.is_empty());
    let status = app.shared.status.clone().unwrap_or_default();
    assert!(
        status.contains("no automatic fix for pdb-overlap") || status.contains("select a finding"),
        "{status}"
    );
}

#[test]
fn the_journal_view_lists_applied_fixes_and_u_previews_an_undo() {
    let mut app = demo_app();
    let fx = app.update(key('5'));
    assert_eq!(app.view, View::Journal);
    assert!(
        fx.iter().any(|e| matches!(e, Effect::LoadJournal)),
        "{fx:?}"
    );
    let entry = |id: &str, undoes: Option<&str>| kvet::apply::Entry {
        id: id.into(),
        time: "2026-12-01T20:00:00Z".into(),
        context: "prod".into(),
        user: "admin".into(),
        check: "pdb-missing".into(),
        object: kvet::apply::EntryObject {
            kind: "PodDisruptionBudget".into(),
            namespace: Some("shop".into()),
            name: "cart-pdb".into(),
        },
        field_manager: "kvet".into(),
        patch: serde_json::json!({}),
        dry_run_diff_hash: String::new(),
        result: if undoes.is_some() {
            "undone"
        } else {
            "applied"
        }
        .into(),
        inverse: if undoes.is_some() {
            serde_json::Value::Null
        } else {
            serde_json::json!({"delete": {"uid": "u-1"}})
        },
        undoes: undoes.map(str::to_string),
        uid: None,
        mac: None,
    };
    app.update(AppEvent::JournalLoaded(Ok(vec![
        entry("20261201200000-1", None),
        entry("20261201200500-1", Some("20261201200000-1")),
    ])));
    let text = screen(&mut app, 160, 30);
    assert!(text.contains("Journal (2)"), "{text}");
    assert!(text.contains("undone (undo of 20261201200000-1)"), "{text}");
    // Newest first: the undo is selected, and an undo cannot be undone.
    let fx = app.update(key('u'));
    assert!(fx.is_empty());
    assert!(app
        .shared
        .status
        .as_deref()
        .is_some_and(|s| s.contains("itself an undo")));
    // Offline, undoing is refused: it writes to a cluster.
    app.update(code(KeyCode::Down));
    let fx = app.update(key('u'));
    assert!(fx.is_empty());
    assert!(app
        .shared
        .status
        .as_deref()
        .is_some_and(|s| s.contains("open kvet on context prod")));
    // Live, u asks the runner for the undo's dry run.
    app.shared.live = Some(kvet::tui::app::LiveInfo::default());
    let fx = app.update(key('u'));
    assert!(
        matches!(fx.as_slice(), [Effect::PlanUndo(e)] if e.id == "20261201200000-1"),
        "{fx:?}"
    );
}

#[test]
fn rbac_view_answers_who_can_and_r_jumps_to_a_workloads_serviceaccount() {
    let mut app = demo_app();
    // From the monitoring/log-shipper workload, r shows its ServiceAccount's permissions.
    app.run_command_line("ds monitoring", &mut Vec::new());
    app.refresh_tree();
    let target = app
        .workloads
        .tree
        .state
        .flatten(&app.workloads.tree.items)
        .iter()
        .map(|f| f.identifier.clone())
        .find(|id| matches!(id.last(), Some(NodeId::Object(r)) if &*r.name == "log-shipper"))
        .expect("log-shipper in the tree");
    app.workloads.tree.state.select(target);
    app.update(key('r'));
    assert_eq!(app.view, View::Rbac);
    let text = screen(&mut app, 160, 48);
    assert!(
        text.contains("ServiceAccount monitoring/log-shipper"),
        "{text}"
    );
    assert!(text.contains("rbac-secrets-read"), "{text}");
    assert!(
        text.contains("May do, in monitoring (Enter: cluster-wide):"),
        "{text}"
    );
    // Subjects are a tree: ServiceAccounts under their namespace, the heading with its findings.
    assert!(text.contains("│▾ monitoring ●2"), "{text}");
    assert!(text.contains("│  log-shipper ●1"), "{text}");
    // Enter widens the matrix to the whole cluster, and back.
    app.update(code(KeyCode::Enter));
    let text = screen(&mut app, 160, 48);
    assert!(
        text.contains("May do, cluster-wide (Enter: in monitoring):"),
        "{text}"
    );
    app.update(code(KeyCode::Enter));
    assert!(!app.rbac.cluster_wide);
    // :can lists who may read Secrets in payments; Enter says through what.
    app.run_command_line("can get secrets payments", &mut Vec::new());
    let text = screen(&mut app, 160, 48);
    assert!(text.contains("who can get secrets in payments"), "{text}");
    assert!(text.contains("platform/ci-runner"), "{text}");
    let w = app.rbac.who.as_ref().expect("who-can answer");
    let ci = w
        .grants
        .iter()
        .position(|g| g.subject == "platform/ci-runner")
        .expect("ci-runner is allowed");
    for _ in 0..ci {
        app.update(code(KeyCode::Down));
    }
    app.update(code(KeyCode::Enter));
    let text = screen(&mut app, 160, 48);
    assert!(
        text.contains("through ci-runner-admin → ClusterRole/cluster-admin"),
        "{text}"
    );
    // Esc closes the why, then the answer.
    app.update(code(KeyCode::Esc));
    app.update(code(KeyCode::Esc));
    assert!(app.rbac.who.is_none());
}

/// As run_plan, with the server's dry run passed (what the live runner reports).
fn run_plan_dry_run_passed(app: &mut App, fx: Vec<Effect>) {
    run_plan_as(app, fx, true);
}

#[test]
fn after_a_passed_dry_run_tab_then_enter_applies_and_readonly_never_offers_it() {
    let mut app = demo_app();
    app.run_command_line("deploy storefront", &mut Vec::new());
    app.update(code(KeyCode::Down)); // storefront/cart: pdb-missing
    let fx = app.update(key('f'));
    run_plan_dry_run_passed(&mut app, fx);
    let text = screen(&mut app, 160, 48);
    assert!(text.contains("Apply to the cluster"), "{text}");
    assert!(
        text.contains("The server accepted this change as a dry run"),
        "{text}"
    );
    // Esc: nothing sent.
    let fx = app.update(code(KeyCode::Esc));
    assert!(fx.is_empty() && app.shared.popup.is_none(), "{fx:?}");
    // Enter alone, on Cancel: nothing sent.
    let fx = app.update(key('f'));
    run_plan_dry_run_passed(&mut app, fx);
    let fx = app.update(code(KeyCode::Enter));
    assert!(fx.is_empty() && app.shared.popup.is_none(), "{fx:?}");
    // Tab to Apply, then Enter: the fix goes to the runner, which applies it and journals it.
    let fx = app.update(key('f'));
    run_plan_dry_run_passed(&mut app, fx);
    app.update(code(KeyCode::Tab));
    let fx = app.update(code(KeyCode::Enter));
    match fx.as_slice() {
        [Effect::ApplyFix(p)] => {
            assert_eq!(p.plan.check, "pdb-missing");
            assert!(p.dry_run);
        }
        other => panic!("expected the fix to be applied: {other:?}"),
    }
    // --readonly: the same dialog has no Apply button, whatever the dry run said.
    app.readonly = true;
    let fx = app.update(key('f'));
    run_plan_dry_run_passed(&mut app, fx);
    let text = screen(&mut app, 160, 48);
    assert!(!text.contains("Apply to the cluster"), "{text}");
    app.update(code(KeyCode::Tab));
    let fx = app.update(code(KeyCode::Enter));
    assert!(
        fx.iter().all(|e| !matches!(e, Effect::ApplyFix(_))),
        "{fx:?}"
    );
}

#[test]
fn network_view_shows_coverage_paths_and_traces_between_two_workloads() {
    let mut app = demo_app();
    app.update(key('4'));
    assert_eq!(app.view, View::Network);
    let text = screen(&mut app, 160, 48);
    // Coverage per namespace: payments has both default-denies, and one workload without DNS.
    assert!(text.contains("▾ payments  in ✓ out ✓ dns ✗1"), "{text}");
    assert!(text.contains("▾ identity  in ✗ out ✗ dns ✓ ⚠1"), "{text}");
    // Select storefront/checkout, mark it as the source, then select payments/api.
    let pos = |app: &App, name: &str| {
        app.network
            .pods
            .iter()
            .position(|c| c.name == name)
            .expect("workload in the view")
    };
    let go = |app: &mut App, name: &str| {
        let target = pos(app, name);
        app.update(code(KeyCode::Home));
        for _ in 0..target {
            app.update(code(KeyCode::Down));
        }
    };
    go(&mut app, "storefront/checkout");
    app.update(code(KeyCode::Enter));
    assert_eq!(app.network.from, Some(pos(&app, "storefront/checkout")));
    go(&mut app, "payments/api");
    let text = screen(&mut app, 160, 48);
    assert!(
        text.contains("from app=checkout pods in kubernetes.io/metadata.name=storefront namespaces on 8080/TCP"),
        "{text}"
    );
    assert!(text.contains("From storefront/checkout"), "{text}");
    assert!(
        text.contains(
            "storefront/checkout → payments/api:8080/TCP DENIED: storefront/default-deny"
        ),
        "{text}"
    );
    // :reach traces any two ends, in words.
    app.run_command_line("reach storefront/web storefront/cart 8080", &mut Vec::new());
    let trace = app.network.trace.clone().expect("a trace");
    assert_eq!(trace.len(), 1);
    assert!(
        trace[0].starts_with("storefront/web → storefront/cart:8080/TCP "),
        "{trace:?}"
    );
    app.run_command_line("reach nowhere/x payments/api 80", &mut Vec::new());
    assert!(
        app.shared
            .status
            .clone()
            .unwrap_or_default()
            .contains("nowhere/x"),
        "{:?}",
        app.shared.status
    );
    // Esc closes the trace, then clears the source.
    app.update(code(KeyCode::Esc));
    assert!(app.network.trace.is_none());
    app.update(code(KeyCode::Esc));
    assert!(app.network.from.is_none());
}

#[test]
fn nodes_view_shows_drain_verdicts_and_d_simulates_a_node_and_a_pool() {
    let snap = Arc::new(kvet::source::demo::load().snapshot);
    let mut app = App::new(snap.clone(), KeyMap::defaults(), Theme::default_theme());
    let generation = app.shared.generation;
    app.update(key('6'));
    assert_eq!(app.view, View::Nodes);
    // Before the verdicts arrive, the view says they are being computed.
    let text = screen(&mut app, 160, 48);
    assert!(text.contains("computing drain verdicts"), "{text}");
    app.update(AppEvent::DrainsDone {
        generation,
        verdicts: kvet::drain::summaries(&snap),
    });
    let text = screen(&mut app, 160, 48);
    // Grouped by pool, then zone; node-a2 holds both config-sync replicas, node-c1 a bare pod.
    assert!(text.contains("▾ pool batch (3)"), "{text}");
    assert!(text.contains("▾ zone eu-west-1a (1)"), "{text}");
    assert!(text.contains("✗ node-a2"), "{text}");
    assert!(text.contains("↓ config-sync"), "{text}");
    assert!(text.contains("✗ node-c1"), "{text}");
    assert!(text.contains("1 block"), "{text}");
    assert!(text.contains("✓ node-b1"), "{text}");
    // node-a1 waits: the crash-looping recommendations pods leave their PDB no budget.
    assert!(text.contains("Nodes (5) · ✓2 ⏳ 1"), "{text}");
    assert!(text.contains("✗2 "), "{text}");
    // Select node-a2 and simulate.
    let row = app
        .nodes
        .rows
        .iter()
        .position(|r| matches!(r, kvet::tui::views::nodes::Row::Node(i) if &*snap.nodes[*i].meta.name == "node-a2"))
        .expect("node-a2 row");
    app.update(code(KeyCode::Home));
    for _ in 0..row {
        app.update(code(KeyCode::Down));
    }
    app.update(key('d'));
    let text = screen(&mut app, 160, 48);
    assert!(text.contains("Drain of node node-a2"), "{text}");
    assert!(text.contains("Goes down (1)"), "{text}");
    assert!(
        text.contains("Deployment/platform/config-sync: 2 Ready now, 0 while the drain runs"),
        "{text}"
    );
    assert!(
        text.contains("evict: no PodDisruptionBudget selects it"),
        "{text}"
    );
    // Esc closes the simulation; the pool header simulates the whole pool.
    app.update(code(KeyCode::Esc));
    assert!(app.nodes.sim.is_none());
    app.update(code(KeyCode::Home));
    app.update(key('d'));
    let text = screen(&mut app, 160, 48);
    assert!(
        text.contains("Drain of pool batch (3 nodes): does NOT complete"),
        "{text}"
    );
    assert!(text.contains("refuse-unmanaged: no controller"), "{text}");
    // :drain takes a zone and the kubectl flags.
    app.run_command_line("drain zone eu-west-1c --force", &mut Vec::new());
    let text = screen(&mut app, 160, 48);
    assert!(text.contains("delete-unmanaged"), "{text}");
    assert!(
        text.contains("Drain of zone eu-west-1c (1 node): completes"),
        "{text}"
    );
}

#[test]
fn namespace_details_show_quota_bars_and_helm_releases() {
    let mut app = demo_app();
    app.run_command_line("ns payments", &mut Vec::new());
    let text = screen(&mut app, 200, 48);
    assert!(text.contains("compute (used: status.used)"), "{text}");
    // 15Gi of 16Gi: 94 %, the bar nine tenths full.
    assert!(
        text.contains("requests.memory  █████████░ 15360Mi / 16Gi  94 %"),
        "{text}"
    );
    app.run_command_line("ns storefront", &mut Vec::new());
    let text = screen(&mut app, 200, 48);
    assert!(
        text.contains("(used: estimated from the pod templates)"),
        "{text}"
    );
    assert!(
        text.contains("storefront · 12 revisions · v12 deployed"),
        "{text}"
    );
}

#[test]
fn target_reaudits_deprecated_apis_for_the_chosen_version() {
    let mut app = demo_app();
    let sev = |app: &App| {
        app.shared
            .findings
            .findings
            .iter()
            .find(|f| f.check == "deprecated-api" && &*f.object.name == "batch-importer")
            .map(|f| f.severity)
    };
    // Default target: the newest version of the table, where policy/v1beta1 is gone.
    assert_eq!(sev(&app), Some(kvet::audit::Severity::Critical));
    let mut fx = Vec::new();
    app.run_command_line("target 1.22", &mut fx);
    let (generation, target) = fx
        .iter()
        .find_map(|e| match e {
            Effect::RunAudit {
                generation,
                target_version,
                ..
            } => Some((*generation, *target_version)),
            _ => None,
        })
        .expect("a new audit");
    assert_eq!(target, Some((1, 22)));
    let result = audit::run(
        &app.shared.snapshot,
        &AuditOptions {
            target_version: target,
            ..Default::default()
        },
    );
    app.update(AppEvent::AuditDone { generation, result });
    // 1.22: deprecated (since 1.21), still served.
    assert_eq!(sev(&app), Some(kvet::audit::Severity::Warning));
}

/// The Triage view: the demo's incident worst first, the header's down and degraded counts,
/// Enter on a symptom goes to its workload, and `f` previews the explaining finding's fix.
#[test]
fn triage_view_lists_what_hurts_and_enter_goes_to_the_workload() {
    let mut app = demo_app();
    app.update(key('7'));
    assert_eq!(app.view, View::Triage);
    let text = screen(&mut app, 160, 48);
    assert!(text.contains("✖2 ▼4"), "the header counts: {text}");
    assert!(text.contains("Triage (8) · 2 down · 4 degraded"), "{text}");
    let first = text
        .lines()
        .find(|l| l.starts_with("│down"))
        .unwrap_or_default();
    assert!(
        first.contains("Deployment/storefront/recommendations"),
        "worst first: {text}"
    );
    assert!(
        text.contains("limit-ratio on Deployment/recommendations"),
        "{text}"
    );
    // Enter goes to the selected symptom's workload.
    app.update(code(KeyCode::Enter));
    assert_eq!(app.view, View::Workloads);
    let text = screen(&mut app, 160, 48);
    assert!(
        text.contains("Deployment storefront/recommendations"),
        "{text}"
    );
}

/// Runs the effects of one update through the offline runner and feeds their events back.
fn settle(app: &mut App, fx: Vec<Effect>) {
    let (tx, rx) = mpsc::sync_channel(64);
    let mut runner = kvet::tui::ThreadRunner;
    let mut pending = fx;
    while !pending.is_empty() {
        // A fix is planned on a thread of its own: its result comes back on the channel.
        let background = pending
            .iter()
            .filter(|f| matches!(f, Effect::PlanFix { .. }))
            .count();
        for f in std::mem::take(&mut pending) {
            for ev in runner.run(f, &tx) {
                pending.extend(app.update(ev));
            }
        }
        for _ in 0..background {
            match rx.recv_timeout(std::time::Duration::from_secs(30)) {
                Ok(ev) => pending.extend(app.update(ev)),
                Err(e) => panic!("a background effect never answered: {e}"),
            }
        }
    }
}

#[test]
fn y_shows_the_selection_yaml_as_written_and_searches_it() {
    let mut app = demo_app();
    app.update(key('7'));
    let fx = app.update(key('y'));
    assert!(
        matches!(fx.as_slice(), [Effect::FetchYaml { object, .. }] if object.to_string() == "Deployment/storefront/recommendations"),
        "{fx:?}"
    );
    settle(&mut app, fx);
    let text = screen(&mut app, 120, 30);
    assert!(
        text.contains("YAML · Deployment/storefront/recommendations"),
        "{text}"
    );
    assert!(
        text.contains("demo/storefront.yaml:"),
        "where it is written: {text}"
    );
    assert!(text.contains("kind: Deployment"), "{text}");
    // `/` searches; the first match comes to the top of the pager.
    app.update(key('/'));
    typed(&mut app, "preStop");
    app.update(code(KeyCode::Enter));
    let text = screen(&mut app, 120, 30);
    let first_body_line = text.lines().nth(3).unwrap_or_default();
    assert!(
        first_body_line.to_lowercase().contains("prestop"),
        "the match is at the top: {text}"
    );
    // Esc closes the pager and the Triage view is back.
    app.update(code(KeyCode::Esc));
    assert!(app.pager.is_none());
    assert!(screen(&mut app, 120, 30).contains("Triage ("));
}

#[test]
fn y_redacts_secret_data_and_the_last_applied_annotation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("app.yaml");
    std::fs::write(
        &path,
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: shop\ndata:\n  password: aHVudGVyMg==\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: shop\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '{\"env\":\"hunter2\"}'\nspec:\n  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api}}\n    spec:\n      containers: [{name: api, image: api:1}]\n",
    )
    .expect("write");
    let snap = crate::support::load(&path).snapshot;
    for (kind, name) in [
        (kvet::model::Kind::Secret, "db"),
        (kvet::model::Kind::Deployment, "api"),
    ] {
        let r = kvet::model::ObjectRef::new(kind, Some("shop"), name);
        let y = kvet::source::document::shown_yaml(&snap, &r).expect("yaml");
        assert!(!y.text.contains("aHVudGVyMg"), "{}", y.text);
        assert!(!y.text.contains("hunter2"), "{}", y.text);
        assert!(!y.redacted.is_empty(), "the title says what was redacted");
        assert!(
            y.source
                .ends_with(&format!("app.yaml:{}", if name == "db" { 1 } else { 9 })),
            "{}",
            y.source
        );
    }
}

#[test]
fn l_reads_the_worst_pods_logs_and_p_the_previous_instance() {
    let mut app = demo_app();
    app.update(key('7'));
    let fx = app.update(key('l'));
    let req = match fx.as_slice() {
        [Effect::StreamLogs { request, .. }] => request.clone(),
        other => panic!("expected StreamLogs, got {other:?}"),
    };
    assert_eq!(
        (req.pod.as_str(), req.container.as_str(), req.previous),
        ("recommendations-6f8d4c7b9-q2w8e", "recommendations", false),
        "the pod that restarted most"
    );
    settle(&mut app, fx);
    let text = screen(&mut app, 120, 30);
    assert!(
        text.contains("Logs · storefront/recommendations-6f8d4c7b9-q2w8e"),
        "{text}"
    );
    assert!(text.contains("shard 2/12 loaded"), "{text}");
    // p: the instance that was OOMKilled.
    let fx = app.update(key('p'));
    assert!(
        matches!(fx.as_slice(), [Effect::StreamLogs { request, .. }] if request.previous),
        "{fx:?}"
    );
    settle(&mut app, fx);
    let text = screen(&mut app, 120, 30);
    assert!(text.contains("previous instance"), "{text}");
    assert!(text.contains("is 96% of the cgroup limit"), "{text}");
    // Lines of an older request are dropped; control characters are escaped.
    let session = app.pager.as_ref().map(|p| p.session).unwrap_or_default();
    app.update(AppEvent::LogLines {
        session: session - 1,
        lines: vec!["stale line".into()],
    });
    app.update(AppEvent::LogLines {
        session,
        lines: vec!["\x1b]52;c;ZXZpbA==\x07clipboard".into()],
    });
    let text = screen(&mut app, 120, 30);
    assert!(!text.contains("stale line"), "{text}");
    assert!(text.contains("\\x1b]52;c;ZXZpbA==\\x07clipboard"), "{text}");
    // c: one container here, said so.
    app.update(key('c'));
    let text = screen(&mut app, 120, 30);
    assert!(text.contains("has one container"), "{text}");
}

#[test]
fn l_picks_the_troubled_container_c_cycles_and_follow_keeps_a_bound() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("pod.yaml");
    std::fs::write(
        &path,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web-1, namespace: shop}\nspec:\n  containers:\n  - {name: web, image: web:1}\n  - {name: proxy, image: envoy:1}\n  initContainers:\n  - {name: migrate, image: m:1}\nstatus:\n  containerStatuses:\n  - {name: web, ready: true, restartCount: 0}\n  - {name: proxy, ready: false, restartCount: 4, state: {waiting: {reason: CrashLoopBackOff}}}\n",
    )
    .expect("write");
    let snap = Arc::new(crate::support::load(&path).snapshot);
    let mut app = App::new(snap, KeyMap::defaults(), Theme::default_theme());
    app.reveal(&kvet::model::ObjectRef::new(
        kvet::model::Kind::Pod,
        Some("shop"),
        "web-1",
    ));
    let fx = app.update(key('l'));
    let req = match fx.as_slice() {
        [Effect::StreamLogs { request, .. }] => request.clone(),
        other => panic!("expected StreamLogs, got {other:?}"),
    };
    assert_eq!(req.container, "proxy", "the crash-looping container first");
    settle(&mut app, fx);
    let text = screen(&mut app, 120, 20);
    assert!(text.contains("web [proxy] migrate"), "{text}");
    assert!(
        text.contains("come from a live cluster"),
        "offline says where logs come from: {text}"
    );
    let fx = app.update(key('c'));
    assert!(
        matches!(fx.as_slice(), [Effect::StreamLogs { request, .. }] if request.container == "migrate"),
        "{fx:?}"
    );
    // f: follow; lines beyond the bound drop the oldest.
    let fx = app.update(key('f'));
    assert!(
        matches!(fx.as_slice(), [Effect::StreamLogs { request, .. }] if request.follow),
        "{fx:?}"
    );
    let session = app.pager.as_ref().map(|p| p.session).unwrap_or_default();
    let keep = kvet::tui::views::pager::KEEP_LINES;
    app.update(AppEvent::LogLines {
        session,
        lines: (0..keep + 1500).map(|i| format!("line {i}")).collect(),
    });
    let p = app.pager.as_ref().expect("pager");
    assert_eq!(p.lines.len(), keep);
    assert_eq!(p.dropped, 1500);
    let text = screen(&mut app, 120, 20);
    assert!(
        text.contains(&format!("line {}", keep + 1499)),
        "follow shows the newest line: {text}"
    );
    // Esc stops the stream.
    let fx = app.update(code(KeyCode::Esc));
    assert!(matches!(fx.as_slice(), [Effect::StopLogs]), "{fx:?}");
}

#[test]
fn f_on_an_oom_crash_loop_raises_the_memory_limit_through_the_fix_pipeline() {
    let mut app = demo_app();
    app.update(key('7'));
    let text = screen(&mut app, 160, 48);
    assert!(
        text.contains("Fix (f)"),
        "the symptom says it has a fix: {text}"
    );
    let fx = app.update(key('f'));
    let finding = match fx.as_slice() {
        [Effect::PlanFix { finding, .. }] => finding.clone(),
        other => panic!("expected PlanFix, got {other:?}"),
    };
    assert_eq!(finding.check, "oom-killed");
    assert_eq!(
        finding.object.to_string(),
        "Deployment/storefront/recommendations"
    );
    settle(&mut app, fx);
    let text = screen(&mut app, 160, 48);
    assert!(text.contains("Fix oom-killed"), "{text}");
    assert!(text.contains("+            memory: 1536Mi"), "{text}");
    assert!(text.contains("-            memory: 1Gi"), "{text}");
}

#[test]
fn findings_the_evidence_confirms_come_first_and_say_so() {
    let mut app = demo_app();
    app.update(key('2'));
    let text = screen(&mut app, 160, 48);
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| {
            l.starts_with("│critical") || l.starts_with("│warning") || l.starts_with("│info")
        })
        .collect();
    let confirmed = rows.iter().take_while(|l| l.contains('✔')).count();
    assert!(confirmed >= 5, "confirmed findings lead: {text}");
    assert!(
        rows[confirmed..].iter().all(|l| !l.contains('✔')),
        "and only they: {text}"
    );
    // The right pane of the Workloads view says what confirms the selected finding.
    app.update(key('1'));
    app.reveal(&kvet::model::ObjectRef::new(
        kvet::model::Kind::Deployment,
        Some("storefront"),
        "recommendations",
    ));
    let text = screen(&mut app, 160, 48);
    assert!(text.contains("✔ limit-ratio recommendations"), "{text}");
    assert!(text.contains("✔ confirmed: crash-loop"), "{text}");
}

#[test]
fn node_details_show_the_events_recorded_about_the_node() {
    let mut app = demo_app();
    app.update(key('6'));
    screen(&mut app, 160, 48);
    let snap = app.shared.snapshot.clone();
    let row = app
        .nodes
        .rows
        .iter()
        .position(|r| matches!(r, kvet::tui::views::nodes::Row::Node(i) if &*snap.nodes[*i].meta.name == "node-a1"))
        .expect("node-a1 row");
    app.nodes.selected = row;
    let text = screen(&mut app, 160, 48);
    assert!(text.contains("Events (1)"), "{text}");
    assert!(text.contains("OOMKilling ×9"), "{text}");
}

/// Issue 21 §3: `:since FILE` compares the source with a saved state: new findings are marked
/// ✚, the Changes view lists the sections, Enter goes to a changed workload, and `:since`
/// alone clears it.
#[test]
fn since_marks_new_findings_and_the_changes_view_lists_what_changed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let before = dir.path().join("before");
    std::fs::create_dir_all(&before).expect("dir");
    for f in ["storefront.yaml", "cluster.yaml"] {
        std::fs::copy(
            crate::support::repo().join("assets/demo").join(f),
            before.join(f),
        )
        .expect("copy");
    }
    let after = dir.path().join("after");
    std::fs::create_dir_all(&after).expect("dir");
    std::fs::copy(before.join("cluster.yaml"), after.join("cluster.yaml")).expect("copy");
    let store = std::fs::read_to_string(before.join("storefront.yaml")).expect("read");
    // cart loses its PDB-relevant replicas change and its image moves to :latest.
    let changed = store.replacen(
        "image: registry.example.com/shop/cart:",
        "image: registry.example.com/shop/cart-next:",
        1,
    );
    assert_ne!(
        changed, store,
        "the demo's cart image is where this test expects"
    );
    std::fs::write(after.join("storefront.yaml"), changed).expect("write");
    let snap = Arc::new(crate::support::load(&after).snapshot);
    let mut app = App::new(snap.clone(), KeyMap::defaults(), Theme::default_theme());
    let fx = app.start();
    settle(&mut app, fx);
    let result = audit::run(&snap, &AuditOptions::default());
    let generation = app.shared.generation;
    let fx = app.update(AppEvent::AuditDone { generation, result });
    settle(&mut app, fx);
    // :since with the earlier folder.
    app.update(key(':'));
    typed(&mut app, &format!("since {}", before.display()));
    let fx = app.update(code(KeyCode::Enter));
    assert!(matches!(fx.as_slice(), [Effect::LoadSince(_)]), "{fx:?}");
    let (tx, rx) = mpsc::sync_channel(16);
    let mut runner = kvet::tui::ThreadRunner;
    let mut pending = fx;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while app.shared.changes.is_none() && std::time::Instant::now() < deadline {
        for f in std::mem::take(&mut pending) {
            for ev in runner.run(f, &tx) {
                pending.extend(app.update(ev));
            }
        }
        if let Ok(ev) = rx.recv_timeout(std::time::Duration::from_millis(200)) {
            pending.extend(app.update(ev));
        }
    }
    let d = app.shared.changes.as_ref().expect("the comparison arrived");
    assert!(
        d.diff.objects.changed.iter().any(|c| c.object.name == "cart"
            && c.fields.iter().any(|f| f.path.ends_with("/image"))),
        "{:?}",
        d.diff.objects
    );
    app.update(key('8'));
    assert_eq!(app.view, View::Changes);
    let text = screen(&mut app, 160, 40);
    assert!(text.contains("Changes since"), "{text}");
    assert!(text.contains("Δ Deployment/storefront/cart"), "{text}");
    // Enter on the changed object goes to it.
    let row = text
        .lines()
        .skip(2)
        .position(|l| l.contains("Δ Deployment/storefront/cart"))
        .expect("row");
    for _ in 0..row {
        app.update(code(KeyCode::Down));
    }
    app.update(code(KeyCode::Enter));
    assert_eq!(app.view, View::Workloads);
    let text = screen(&mut app, 160, 40);
    assert!(text.contains("Deployment storefront/cart"), "{text}");
    // The tree marks the changed workload Δ, and the details say which field changed and how.
    assert!(text.contains("Δ cart"), "{text}");
    assert!(text.contains("Δ changed since"), "{text}");
    assert!(
        text.contains("shop/cart:") && text.contains("→") && text.contains("shop/cart-next:"),
        "{text}"
    );
    // Unchanged workloads carry no mark.
    assert!(!text.contains("Δ checkout"), "{text}");
    // :since alone clears it.
    app.update(key(':'));
    typed(&mut app, "since");
    app.update(code(KeyCode::Enter));
    assert!(app.shared.since.is_none() && app.shared.changes.is_none());
    assert!(!screen(&mut app, 160, 40).contains("Δ cart"));
}

/// Status lines quote names, contexts and server messages: the footer escapes them.
#[test]
fn the_status_line_never_prints_a_raw_control_character() {
    let mut app = demo_app();
    app.shared.status = Some("cannot read \u{1b}]52;c;ZXZpbA==\u{7} logs".into());
    let text = screen(&mut app, 120, 20);
    assert!(!text.contains('\u{1b}'), "{text}");
    assert!(text.contains("\\x1b]52;c;ZXZpbA==\\x07"), "{text}");
}

/// The Fleet view audits every context again while it is shown: one timer at a time, and none
/// once the user has left the view.
#[test]
fn the_fleet_view_refreshes_itself_while_shown() {
    use kvet::tui::views::fleet::{FleetRow, REFRESH};
    let mut app = demo_app();
    let fx = app.update(key('9'));
    assert_eq!(app.view, View::Fleet);
    assert!(matches!(fx.as_slice(), [Effect::AuditFleet]), "{fx:?}");
    let row = |n: usize| FleetRow {
        context: "staging".into(),
        error: None,
        server_version: Some((1, 30)),
        nodes: 3,
        pods: n,
        counts: [1, 2, 0],
        top: vec!["pdb-missing".into()],
    };
    let fx = app.update(AppEvent::FleetDone(Ok(vec![row(10)])));
    assert!(
        matches!(fx.as_slice(), [Effect::FleetDueIn(d)] if *d == REFRESH),
        "{fx:?}"
    );
    let text = screen(&mut app, 140, 20);
    assert!(text.contains("again every 60 s"), "{text}");
    // A second result while a refresh is pending does not start a second timer.
    let fx = app.update(AppEvent::FleetDone(Ok(vec![row(11)])));
    assert!(fx.is_empty(), "{fx:?}");
    // Due while shown: audit again.
    let fx = app.update(AppEvent::FleetDue);
    assert!(matches!(fx.as_slice(), [Effect::AuditFleet]), "{fx:?}");
    assert!(screen(&mut app, 140, 20).contains("auditing"));
    let fx = app.update(AppEvent::FleetDone(Ok(vec![row(12)])));
    assert!(matches!(fx.as_slice(), [Effect::FleetDueIn(_)]), "{fx:?}");
    // Left the view: the timer fires into nothing, and no new one is set.
    app.update(key('1'));
    assert_eq!(app.view, View::Workloads);
    let fx = app.update(AppEvent::FleetDue);
    assert!(fx.is_empty(), "{fx:?}");
    // An error (offline) is shown and not retried on a timer.
    app.update(key('9'));
    let fx = app.update(AppEvent::FleetDone(Err("no kubeconfig".into())));
    assert!(fx.is_empty(), "{fx:?}");
}

/// Live, snapshots come faster than a big comparison: at most one runs, and when it ends the
/// latest snapshot is compared (the ones in between are skipped).
#[test]
fn since_comparisons_are_coalesced_latest_wins() {
    let mut app = demo_app();
    let snap = app.shared.snapshot.clone();
    let before = audit::run(&snap, &AuditOptions::default());
    let since = Arc::new(kvet::tui::shared::Since {
        label: "before.json".into(),
        snapshot: snap.clone(),
        findings: Arc::new(before.findings.clone()),
    });
    let fx = app.update(AppEvent::SinceLoaded(Ok(since.clone())));
    let first = match fx.as_slice() {
        [Effect::ComputeChanges { generation, .. }] => *generation,
        other => panic!("{other:?}"),
    };
    // Two more snapshots while the first comparison runs: none starts.
    for _ in 0..2 {
        let fx = app.update(AppEvent::Snapshot(snap.clone()));
        settle(&mut app, fx);
        let generation = app.shared.generation;
        let result = audit::run(&snap, &AuditOptions::default());
        let fx = app.update(AppEvent::AuditDone { generation, result });
        assert!(
            !fx.iter()
                .any(|f| matches!(f, Effect::ComputeChanges { .. })),
            "{fx:?}"
        );
    }
    // The first ends: it is for an old generation (not shown), and the latest is compared now.
    let diff = Arc::new(kvet::diff::diff(
        &snap,
        &before.findings,
        &snap,
        &before.findings,
    ));
    let fx = app.update(AppEvent::ChangesReady {
        generation: first,
        since: since.clone(),
        diff: Ok(diff.clone()),
    });
    let latest = app.shared.generation;
    assert!(latest > first);
    assert!(
        matches!(fx.as_slice(), [Effect::ComputeChanges { generation, .. }] if *generation == latest),
        "{fx:?}"
    );
    assert!(
        app.shared.changes.is_none(),
        "a stale comparison is not shown"
    );
    let fx = app.update(AppEvent::ChangesReady {
        generation: latest,
        since: since.clone(),
        diff: Ok(diff.clone()),
    });
    assert!(fx.is_empty(), "{fx:?}");
    assert!(app.shared.changes.is_some());
    // A result for an earlier :since (replaced meanwhile) is dropped.
    let other = Arc::new(kvet::tui::shared::Since {
        label: "other.json".into(),
        snapshot: snap.clone(),
        findings: since.findings.clone(),
    });
    app.update(AppEvent::SinceLoaded(Ok(other)));
    app.update(AppEvent::ChangesReady {
        generation: latest,
        since,
        diff: Ok(diff),
    });
    assert!(app.shared.changes.is_none());
}

/// Other tools' reports (Kyverno, a scanner, kube-bench) show after kvet's findings in the
/// Findings view, labelled by source and counted apart, and in the selected workload's details;
/// kvet's own report is not shown twice.
#[test]
fn other_tools_reports_show_beside_kvets_findings_and_are_counted_apart() {
    let repo = crate::support::repo();
    let loaded = kvet::source::load(
        &[
            kvet::source::Input::Path(repo.join("assets/demo")),
            kvet::source::Input::Path(repo.join("tests/fixtures/reports/other-tools.yaml")),
        ],
        &kvet::model::decode::DecodeOptions::default(),
        kvet::model::SourceKind::Offline,
    );
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let snap = Arc::new(loaded.snapshot);
    // Three reports of other tools (kvet's own is skipped), four results that are not passes.
    assert_eq!(snap.reports.len(), 3);
    let results: usize = snap.reports.iter().map(|r| r.results.len()).sum();
    assert_eq!(results, 4);
    assert_eq!(snap.reports.iter().map(|r| r.passed).sum::<u32>(), 2);
    let mut app = App::new(snap.clone(), KeyMap::defaults(), Theme::default_theme());
    let fx = app.start();
    settle(&mut app, fx);
    let result = audit::run(&snap, &AuditOptions::default());
    let kvet_count = result.findings.len();
    let generation = app.shared.generation;
    let fx = app.update(AppEvent::AuditDone { generation, result });
    settle(&mut app, fx);
    app.update(key('2'));
    assert_eq!(app.view, View::Findings);
    let text = screen(&mut app, 180, 60);
    // kvet's own count is its own; the others are counted by source.
    assert!(
        text.contains(&format!("Findings {kvet_count}/{kvet_count}")),
        "{text}"
    );
    assert!(
        text.contains("other tools 4 (kyverno 2, kube-bench-adapter 1, trivy 1)"),
        "{text}"
    );
    // They come after kvet's 78 rows: the end of the table.
    app.update(code(KeyCode::End));
    let text = screen(&mut app, 180, 60);
    assert!(text.contains("kyverno: require-labels"), "{text}");
    assert!(text.contains("trivy: CVE-2024-45337"), "{text}");
    assert!(!text.contains("must not be shown"), "{text}");
    // The last row is the least severe of the others: Enter says what it is.
    app.update(code(KeyCode::Enter));
    let status = app.shared.status.clone().unwrap_or_default();
    assert!(
        status.contains("kube-bench-adapter") && status.contains("--profiling"),
        "{status}"
    );
    assert_eq!(
        app.shared.popup, None,
        "no kvet explanation for another tool's policy"
    );
    // The severity filter applies to them too.
    app.update(key(':'));
    typed(&mut app, "sev critical");
    app.update(code(KeyCode::Enter));
    let text = screen(&mut app, 180, 60);
    assert!(text.contains("trivy: CVE-2024-45337"), "{text}");
    assert!(text.contains("kyverno: disallow-latest"), "{text}");
    assert!(!text.contains("kyverno: require-labels"), "{text}");
    // The workload's details list what other tools said about it.
    app.update(key('1'));
    app.update(key(':'));
    typed(&mut app, "deploy storefront");
    app.update(code(KeyCode::Enter));
    app.update(code(KeyCode::Right));
    assert_eq!(selected_name(&app).as_deref(), Some("cart"));
    let text = screen(&mut app, 180, 60);
    assert!(text.contains("Other tools' reports (2)"), "{text}");
    assert!(text.contains("kyverno · require-labels"), "{text}");
}

#[test]
fn reports_false_is_accepted_as_kubectl_style_boolean() {
    use clap::Parser;
    let on = kvet::cli::Cli::try_parse_from(["kvet", "--demo"]).expect("parse");
    assert!(on.reports);
    let off = kvet::cli::Cli::try_parse_from(["kvet", "--demo", "--reports=false"]).expect("parse");
    assert!(!off.reports);
}
