//! TUI speed (performance.md G3 and G6): one frame at 200×50 on the 150k-pod synthetic snapshot,
//! the Findings view with a filter, and the time to the first screen of `--demo`.
//! Run with `cargo bench --bench tui`.

use kvet::audit::{self, AuditOptions};
use kvet::model::decode::DecodeOptions;
use kvet::model::SourceKind;
use kvet::source::offline::load_texts;
use kvet::tui::app::{App, AppEvent, View};
use kvet::tui::keymap::KeyMap;
use kvet::tui::theme::Theme;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::sync::{Arc, LazyLock};

fn main() {
    divan::main();
}

/// The 150k-pod snapshot with its audit, built once.
static BIG: LazyLock<(Arc<kvet::model::Snapshot>, audit::AuditResult)> = LazyLock::new(|| {
    let mut out = Vec::new();
    let _ = kvet::synth::write(&kvet::synth::Params::for_pods(150_000, 1), &mut out);
    let text = String::from_utf8(out).unwrap_or_default();
    let loaded = load_texts(
        &[("synth", &text)],
        &DecodeOptions::default(),
        SourceKind::Offline,
        "synth",
    );
    let result = audit::run(&loaded.snapshot, &AuditOptions::default());
    (Arc::new(loaded.snapshot), result)
});

fn big_app() -> App {
    let (snap, result) = &*BIG;
    let mut app = App::new(snap.clone(), KeyMap::defaults(), Theme::default_theme());
    app.update(AppEvent::AuditDone {
        generation: 1,
        result: audit::AuditResult {
            findings: result.findings.clone(),
        },
    });
    app
}

#[divan::bench(sample_count = 50)]
fn frame_200x50_workloads_150k_pods(bencher: divan::Bencher) {
    let mut app = big_app();
    // Open the first namespace and its Deployments, as a user would.
    app.run_command_line("deploy ns-0000", &mut Vec::new());
    let mut t = Terminal::new(TestBackend::new(200, 50)).expect("terminal");
    let _ = t.draw(|f| kvet::tui::views::draw(f, &mut app));
    bencher.bench_local(|| {
        let _ = t.draw(|f| kvet::tui::views::draw(f, &mut app));
    });
}

#[divan::bench(sample_count = 50)]
fn frame_200x50_findings_view_150k_pods(bencher: divan::Bencher) {
    let mut app = big_app();
    app.view = View::Findings;
    let mut t = Terminal::new(TestBackend::new(200, 50)).expect("terminal");
    let _ = t.draw(|f| kvet::tui::views::draw(f, &mut app));
    bencher.bench_local(|| {
        let _ = t.draw(|f| kvet::tui::views::draw(f, &mut app));
    });
}

#[divan::bench(sample_count = 20)]
fn filter_plus_frame_findings_150k_pods(bencher: divan::Bencher) {
    let mut app = big_app();
    app.view = View::Findings;
    let mut t = Terminal::new(TestBackend::new(200, 50)).expect("terminal");
    let mut n = 0u32;
    bencher.bench_local(|| {
        // A new filter each time, so the rows are recomputed.
        n += 1;
        app.shared.set_filter(if n.is_multiple_of(2) {
            "checkout".into()
        } else {
            "checkou".into()
        });
        app.update(AppEvent::Resize(200, 50));
        app.run_command_line("clear", &mut Vec::new());
        app.shared.set_filter(if n.is_multiple_of(2) {
            "checkout".into()
        } else {
            "checkou".into()
        });
        let _ = t.draw(|f| kvet::tui::views::draw(f, &mut app));
    });
}

#[divan::bench(sample_count = 20)]
fn first_screen_demo() {
    // What `kvet --demo` does before the first frame: load, audit, build the app, draw.
    let loaded = kvet::source::demo::load();
    let snap = Arc::new(loaded.snapshot);
    let result = audit::run(&snap, &AuditOptions::default());
    let mut app = App::new(snap, KeyMap::defaults(), Theme::default_theme());
    app.update(AppEvent::AuditDone {
        generation: 1,
        result,
    });
    let mut t = Terminal::new(TestBackend::new(200, 50)).expect("terminal");
    let _ = t.draw(|f| kvet::tui::views::draw(f, &mut app));
}

/// G4: what the UI thread does when a key arrives right behind a new live snapshot (what the
/// watchers publish at most every 100 ms however fast events stream in): take the snapshot,
/// take the key, draw the frame that shows it. Its time is the key's latency on top of the
/// 16 ms frame pacing.
fn key_echo_after_snapshot(
    bencher: divan::Bencher,
    snap: Arc<kvet::model::Snapshot>,
    result: &audit::AuditResult,
) {
    let mut app = App::new(snap.clone(), KeyMap::defaults(), Theme::default_theme());
    app.update(AppEvent::AuditDone {
        generation: 1,
        result: audit::AuditResult {
            findings: result.findings.clone(),
        },
    });
    let mut t = Terminal::new(TestBackend::new(200, 50)).expect("terminal");
    let _ = t.draw(|f| kvet::tui::views::draw(f, &mut app));
    let key = |c| {
        AppEvent::Key(ratatui::crossterm::event::KeyEvent::new(
            ratatui::crossterm::event::KeyCode::Char(c),
            ratatui::crossterm::event::KeyModifiers::NONE,
        ))
    };
    bencher.bench_local(|| {
        app.update(AppEvent::Snapshot(snap.clone()));
        app.update(key('j'));
        let _ = t.draw(|f| kvet::tui::views::draw(f, &mut app));
    });
}

#[divan::bench(sample_count = 30)]
fn key_echo_after_snapshot_demo(bencher: divan::Bencher) {
    let loaded = kvet::source::demo::load();
    let snap = Arc::new(loaded.snapshot);
    let result = audit::run(&snap, &AuditOptions::default());
    key_echo_after_snapshot(bencher, snap, &result);
}

#[divan::bench(sample_count = 30)]
fn key_echo_after_snapshot_150k_pods(bencher: divan::Bencher) {
    let (snap, result) = &*BIG;
    key_echo_after_snapshot(bencher, snap.clone(), result);
}

#[divan::bench(sample_count = 30)]
fn frame_200x50_first_screen_150k_pods(bencher: divan::Bencher) {
    // The first screen: the cluster node selected, its summary in the details pane.
    let mut app = big_app();
    let mut t = Terminal::new(TestBackend::new(200, 50)).expect("terminal");
    let _ = t.draw(|f| kvet::tui::views::draw(f, &mut app));
    bencher.bench_local(|| {
        let _ = t.draw(|f| kvet::tui::views::draw(f, &mut app));
    });
}

#[divan::bench(sample_count = 30)]
fn frame_200x50_namespace_selected_150k_pods(bencher: divan::Bencher) {
    let mut app = big_app();
    app.run_command_line("ns ns-0001", &mut Vec::new());
    let mut t = Terminal::new(TestBackend::new(200, 50)).expect("terminal");
    let _ = t.draw(|f| kvet::tui::views::draw(f, &mut app));
    bencher.bench_local(|| {
        let _ = t.draw(|f| kvet::tui::views::draw(f, &mut app));
    });
}

#[divan::bench(sample_count = 30)]
fn frame_200x50_pod_selected_150k_pods(bencher: divan::Bencher) {
    let mut app = big_app();
    let (snap, _) = &*BIG;
    // The last pod, so that a linear search would go through all of them.
    let pod = snap
        .pods
        .last()
        .map(|p| kvet::model::obj_ref(kvet::model::Kind::Pod, &p.meta));
    app.run_command_line("deploy ns-0299", &mut Vec::new());
    if let Some(r) = pod {
        let owner = snap
            .index
            .workload_by_ref
            .iter()
            .find(|(_, &w)| snap.index.pods_of[w].contains(&(snap.pods.len() - 1)))
            .map(|(r, _)| r.clone());
        if let Some(w) = owner {
            let ns = w.namespace.clone().unwrap_or_default();
            let mut path = vec![
                kvet::tui::tree::NodeId::Cluster,
                kvet::tui::tree::NodeId::Namespace(ns),
                kvet::tui::tree::NodeId::Group(kvet::tui::tree::Group::Deployments),
                kvet::tui::tree::NodeId::Object(w),
            ];
            app.workloads.tree.state.open(path.clone());
            app.workloads.tree.dirty = true;
            path.push(kvet::tui::tree::NodeId::Object(r));
            app.workloads.tree.state.select(path);
        }
    }
    let mut t = Terminal::new(TestBackend::new(200, 50)).expect("terminal");
    let _ = t.draw(|f| kvet::tui::views::draw(f, &mut app));
    assert!(
        matches!(app.selected_node(), Some(kvet::tui::tree::NodeId::Object(r)) if r.kind == kvet::model::Kind::Pod),
        "the pod is selected"
    );
    bencher.bench_local(|| {
        let _ = t.draw(|f| kvet::tui::views::draw(f, &mut app));
    });
}
