//! Faults a real API server does not produce on demand, against a scripted mock API server
//! (tower-test): a 410 Gone during a watch, a watch that disconnects, a list that takes 10 s while
//! the UI must stay responsive, and 429 with Retry-After.

use bytes::Bytes;
use futures::channel::mpsc::{unbounded, UnboundedReceiver, UnboundedSender};
use http::{Request, Response};
use http_body::Frame;
use http_body_util::StreamBody;
use kube::client::Body;
use kvet::source::live::{self, Connection, LiveUpdate};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Chunk = Result<Frame<Bytes>, std::io::Error>;
type MockBody = StreamBody<UnboundedReceiver<Chunk>>;
type Log = Arc<Mutex<Vec<String>>>;

fn once(status: u16, v: serde_json::Value, retry_after: Option<&str>) -> Response<MockBody> {
    let (tx, rx) = unbounded();
    let _ = tx.unbounded_send(Ok(Frame::data(Bytes::from(v.to_string()))));
    let mut r = Response::builder()
        .status(status)
        .header("content-type", "application/json");
    if let Some(s) = retry_after {
        r = r.header("Retry-After", s);
    }
    r.body(StreamBody::new(rx)).expect("response")
}

/// A watch response whose events the test writes as it goes.
fn stream() -> (UnboundedSender<Chunk>, Response<MockBody>) {
    let (tx, rx) = unbounded();
    (
        tx,
        Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(StreamBody::new(rx))
            .expect("response"),
    )
}

fn event(tx: &UnboundedSender<Chunk>, v: serde_json::Value) {
    let _ = tx.unbounded_send(Ok(Frame::data(Bytes::from(format!("{v}\n")))));
}

fn pod(name: &str, rv: &str) -> serde_json::Value {
    serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "ns", "resourceVersion": rv, "labels": {"app": name}},
        "spec": {"containers": [{"name": "c", "image": "i"}]}})
}

fn pod_list(rv: &str, names: &[&str]) -> serde_json::Value {
    serde_json::json!({"apiVersion": "v1", "kind": "PodList", "metadata": {"resourceVersion": rv}, "items": names.iter().map(|n| pod(n, rv)).collect::<Vec<_>>()})
}

/// Discovery of a server that serves only pods.
fn discovery(path: &str) -> Option<Response<MockBody>> {
    discovery_of(path, false)
}

/// Discovery of a server that serves pods and, with `events`, events.k8s.io/v1 Events.
fn discovery_of(path: &str, events: bool) -> Option<Response<MockBody>> {
    if path.starts_with("/api/v1?") || path == "/api/v1" {
        return Some(once(
            200,
            serde_json::json!({"kind": "APIResourceList", "groupVersion": "v1", "resources": [
            {"name": "pods", "singularName": "pod", "namespaced": true, "kind": "Pod", "verbs": ["get", "list", "watch"]}]}),
            None,
        ));
    }
    if events && (path == "/apis" || path.starts_with("/apis?")) {
        return Some(once(
            200,
            serde_json::json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                {"name": "events.k8s.io", "versions": [{"groupVersion": "events.k8s.io/v1", "version": "v1"}],
                 "preferredVersion": {"groupVersion": "events.k8s.io/v1", "version": "v1"}}]}),
            None,
        ));
    }
    if events && (path == "/apis/events.k8s.io/v1" || path.starts_with("/apis/events.k8s.io/v1?")) {
        return Some(once(
            200,
            serde_json::json!({"kind": "APIResourceList", "groupVersion": "events.k8s.io/v1", "resources": [
                {"name": "events", "singularName": "event", "namespaced": true, "kind": "Event", "verbs": ["get", "list", "watch"]}]}),
            None,
        ));
    }
    if path.starts_with("/apis") && !path.starts_with("/apis/events.k8s.io/v1/events") {
        return Some(once(
            404,
            serde_json::json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404}),
            None,
        ));
    }
    None
}

/// Runs the mock: every request is logged and answered by `route` (after its delay), or 404.
fn serve(
    rt: &tokio::runtime::Runtime,
    handle: tower_test::mock::Handle<Request<Body>, Response<MockBody>>,
    log: Log,
    route: impl FnMut(&str) -> Option<(Duration, Response<MockBody>)> + Send + 'static,
) {
    serve_on(rt, handle, log, false, route)
}

/// [`serve`], with events.k8s.io/v1 Events in discovery when `events` is set.
fn serve_on(
    rt: &tokio::runtime::Runtime,
    mut handle: tower_test::mock::Handle<Request<Body>, Response<MockBody>>,
    log: Log,
    events: bool,
    mut route: impl FnMut(&str) -> Option<(Duration, Response<MockBody>)> + Send + 'static,
) {
    rt.spawn(async move {
        while let Some((req, send)) = handle.next_request().await {
            let path = req
                .uri()
                .path_and_query()
                .map(|p| p.to_string())
                .unwrap_or_default();
            if let Ok(mut l) = log.lock() {
                l.push(path.clone());
            }
            let reply = discovery_of(&path, events)
                .map(|r| (Duration::ZERO, r))
                .or_else(|| route(&path));
            let (delay, resp) = reply.unwrap_or_else(|| {
                (
                    Duration::ZERO,
                    once(
                        404,
                        serde_json::json!({"kind": "Status", "code": 404}),
                        None,
                    ),
                )
            });
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                send.send_response(resp);
            });
        }
    });
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn mock_connection<S>(service: S) -> Connection
where
    S: tower::Service<Request<Body>, Response = Response<MockBody>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<tower::BoxError>,
{
    let client = kube::Client::new(service, "default");
    Connection {
        watch_client: client.clone(),
        client,
        request_timeout: None,
        context: "mock".into(),
        server: "mock".into(),
        insecure: false,
        namespace: None,
        readonly: true,
        reports: false,
    }
}

fn is_list(p: &str) -> bool {
    p.starts_with("/api/v1/pods?") && !p.contains("watch=true")
}

fn is_watch(p: &str) -> bool {
    p.starts_with("/api/v1/pods?") && p.contains("watch=true")
}

/// The TUI as `kvet` opens it on a live cluster (an empty snapshot until the watchers publish),
/// with its feed started on `conn`.
fn live_tui_on(
    rt: &Arc<tokio::runtime::Runtime>,
    conn: Connection,
) -> (
    kvet::tui::app::App,
    kvet::cli::live_tui::LiveRunner,
    std::sync::mpsc::SyncSender<kvet::tui::app::AppEvent>,
    std::sync::mpsc::Receiver<kvet::tui::app::AppEvent>,
) {
    let snap = Arc::new(kvet::model::Snapshot::build(
        kvet::model::SourceKind::Live,
        "mock",
        Vec::new(),
        Vec::new(),
    ));
    let mut app = kvet::tui::app::App::new(
        snap,
        kvet::tui::keymap::KeyMap::defaults(),
        kvet::tui::theme::Theme::default_theme(),
    );
    app.shared.live = Some(kvet::tui::app::LiveInfo {
        context: "mock".into(),
        ..Default::default()
    });
    let (tx, rx) = std::sync::mpsc::sync_channel(1024);
    let runner = kvet::cli::live_tui::LiveRunner {
        runtime: rt.clone(),
        base: Default::default(),
        feed: Arc::default(),
        audits: kvet::tui::ThreadRunner,
        conn: Arc::default(),
        logs: None,
    };
    runner.start_with(conn, tx.clone());
    (app, runner, tx, rx)
}

/// Pod names of the snapshots the watchers publish, until `want` is seen or the deadline.
async fn until_pods(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<LiveUpdate>,
    want: &[&str],
) -> bool {
    let deadline = Instant::now() + Duration::from_secs(15);
    while let Ok(Some(u)) = tokio::time::timeout(
        deadline.saturating_duration_since(Instant::now()),
        rx.recv(),
    )
    .await
    {
        if let LiveUpdate::Snapshot(s) = u {
            let mut names: Vec<String> = s.pods.iter().map(|p| p.meta.name.to_string()).collect();
            names.sort();
            if names == want {
                return true;
            }
        }
    }
    false
}

#[test]
fn gone_410_during_a_watch_relists() {
    let rt = runtime();
    let (svc, handle) = tower_test::mock::pair::<Request<Body>, Response<MockBody>>();
    let log: Log = Arc::default();
    let (mut lists, mut watches) = (0, 0);
    let keep: Arc<Mutex<Vec<UnboundedSender<Chunk>>>> = Arc::default();
    let k = keep.clone();
    serve(&rt, handle, log.clone(), move |p| {
        if is_list(p) {
            lists += 1;
            return Some((
                Duration::ZERO,
                once(
                    200,
                    if lists == 1 {
                        pod_list("10", &["a"])
                    } else {
                        pod_list("20", &["b"])
                    },
                    None,
                ),
            ));
        }
        if is_watch(p) {
            watches += 1;
            let (tx, resp) = stream();
            if watches == 1 {
                event(
                    &tx,
                    serde_json::json!({"type": "ERROR", "object": {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Expired", "message": "too old resource version", "code": 410}}),
                );
            }
            k.lock().expect("keep").push(tx);
            return Some((Duration::ZERO, resp));
        }
        None
    });
    let _in_runtime = rt.enter();
    let conn = mock_connection(svc);
    rt.block_on(async {
        let plan = live::plan(&conn).await.expect("plan");
        assert_eq!(plan.readable.len(), 1, "only pods are served");
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let w = tokio::spawn(live::watch(
            conn,
            plan,
            Duration::from_millis(20),
            move |u| tx.send(u).is_ok(),
        ));
        assert!(
            until_pods(&mut rx, &["b"]).await,
            "the relisted pods never replaced the old ones"
        );
        w.abort();
    });
    let log = log.lock().expect("log");
    assert_eq!(
        log.iter().filter(|p| is_list(p)).count(),
        2,
        "410 relists once: {log:#?}"
    );
}

#[test]
fn a_watch_that_disconnects_resumes_from_its_resource_version() {
    let rt = runtime();
    let (svc, handle) = tower_test::mock::pair::<Request<Body>, Response<MockBody>>();
    let log: Log = Arc::default();
    let mut watches = 0;
    let keep: Arc<Mutex<Vec<UnboundedSender<Chunk>>>> = Arc::default();
    let k = keep.clone();
    serve(&rt, handle, log.clone(), move |p| {
        if is_list(p) {
            return Some((Duration::ZERO, once(200, pod_list("10", &["a"]), None)));
        }
        if is_watch(p) {
            watches += 1;
            let (tx, resp) = stream();
            if watches == 1 {
                event(
                    &tx,
                    serde_json::json!({"type": "ADDED", "object": pod("b", "11")}),
                );
                drop(tx); // the connection drops mid-watch
            } else {
                event(
                    &tx,
                    serde_json::json!({"type": "ADDED", "object": pod("c", "12")}),
                );
                k.lock().expect("keep").push(tx);
            }
            return Some((Duration::ZERO, resp));
        }
        None
    });
    let _in_runtime = rt.enter();
    let conn = mock_connection(svc);
    rt.block_on(async {
        let plan = live::plan(&conn).await.expect("plan");
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let w = tokio::spawn(live::watch(
            conn,
            plan,
            Duration::from_millis(20),
            move |u| tx.send(u).is_ok(),
        ));
        assert!(
            until_pods(&mut rx, &["a", "b", "c"]).await,
            "the watch did not resume"
        );
        w.abort();
    });
    let log = log.lock().expect("log");
    let watch_paths: Vec<&String> = log.iter().filter(|p| is_watch(p)).collect();
    assert_eq!(
        log.iter().filter(|p| is_list(p)).count(),
        1,
        "no relist after a plain disconnect: {log:#?}"
    );
    assert!(
        watch_paths.len() >= 2 && watch_paths[1].contains("resourceVersion=11"),
        "{watch_paths:#?}"
    );
}

#[test]
fn too_many_requests_waits_for_retry_after() {
    let rt = runtime();
    let (svc, handle) = tower_test::mock::pair::<Request<Body>, Response<MockBody>>();
    let log: Log = Arc::default();
    let mut lists = 0;
    serve(&rt, handle, log.clone(), move |p| {
        if is_list(p) {
            lists += 1;
            return Some(if lists == 1 {
                (
                    Duration::ZERO,
                    once(
                        429,
                        serde_json::json!({"kind": "Status", "code": 429, "reason": "TooManyRequests"}),
                        Some("1"),
                    ),
                )
            } else {
                (Duration::ZERO, once(200, pod_list("10", &["a"]), None))
            });
        }
        None
    });
    // The retry policy kube applies to every client built from a kubeconfig, as kvet's are.
    let svc = tower::ServiceBuilder::new()
        .layer(tower::retry::RetryLayer::new(
            kube::client::retry::RetryPolicy::server_retry(),
        ))
        .service(svc);
    let _in_runtime = rt.enter();
    let conn = mock_connection(svc);
    let (pods, elapsed) = rt.block_on(async {
        let plan = live::plan(&conn).await.expect("plan");
        let (spec, ar) = &plan.readable[0];
        let t = Instant::now();
        let pods = live::list_kind(&conn, spec, ar, &Default::default())
            .await
            .expect("list after retry");
        (pods, t.elapsed())
    });
    assert_eq!(pods.len(), 1);
    assert!(
        elapsed >= Duration::from_millis(950),
        "Retry-After: 1 was not honoured ({elapsed:?})"
    );
    assert_eq!(
        log.lock()
            .expect("log")
            .iter()
            .filter(|p| is_list(p))
            .count(),
        2
    );
}

#[test]
fn a_slow_list_never_freezes_the_ui() {
    use kvet::tui::app::AppEvent;
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let rt = Arc::new(runtime());
    let (svc, handle) = tower_test::mock::pair::<Request<Body>, Response<MockBody>>();
    let log: Log = Arc::default();
    serve(&rt, handle, log.clone(), move |p| {
        if is_list(p) {
            // The list answers after 10 s.
            return Some((
                Duration::from_secs(10),
                once(200, pod_list("10", &["a"]), None),
            ));
        }
        None
    });
    let _in_runtime = rt.enter();
    let conn = mock_connection(svc);
    let (mut app, mut runner, tx, rx) = live_tui_on(&rt, conn);
    let keys = tx.clone();
    let t0 = Instant::now();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        let _ = keys.send(AppEvent::Key(KeyEvent::new(
            KeyCode::Char('2'),
            KeyModifiers::NONE,
        )));
        std::thread::sleep(Duration::from_millis(200));
        let _ = keys.send(AppEvent::Key(KeyEvent::new(
            KeyCode::Char('q'),
            KeyModifiers::NONE,
        )));
    });
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 30)).expect("terminal");
    kvet::tui::run_loop(&mut terminal, &mut app, &rx, &tx, &mut runner).expect("loop");
    let elapsed = t0.elapsed();
    let screen: String = terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(
        elapsed < Duration::from_secs(3),
        "the UI waited for the list: {elapsed:?}"
    );
    assert!(
        screen.contains("Findings 0/0"),
        "the key's effect was not rendered while the list was pending"
    );
    assert!(
        log.lock().expect("log").iter().any(|p| is_list(p)),
        "the list was under way"
    );
}

#[test]
fn a_group_that_answers_503_degrades_only_its_kinds() {
    let rt = runtime();
    let (svc, handle) = tower_test::mock::pair::<Request<Body>, Response<MockBody>>();
    let log: Log = Arc::default();
    rt.spawn({
        let log = log.clone();
        let mut handle = handle;
        async move {
            while let Some((req, send)) = handle.next_request().await {
                let path = req.uri().path_and_query().map(|p| p.to_string()).unwrap_or_default();
                log.lock().expect("log").push(path.clone());
                let resp = if path.starts_with("/apis/apps/v1") {
                    // An aggregated or overloaded API: 503.
                    once(503, serde_json::json!({"kind": "Status", "code": 503, "reason": "ServiceUnavailable", "message": "the server is currently unable to handle the request"}), None)
                } else if let Some(r) = discovery(&path) {
                    r
                } else if is_list(&path) {
                    once(200, pod_list("10", &["a"]), None)
                } else {
                    once(404, serde_json::json!({"kind": "Status", "code": 404}), None)
                };
                send.send_response(resp);
            }
        }
    });
    let _in_runtime = rt.enter();
    let conn = mock_connection(svc);
    let (snap, status) =
        rt.block_on(async { live::load(&conn).await.expect("the rest still loads") });
    assert!(
        matches!(&status["Deployment"], live::KindStatus::Failed(m) if m.contains("503")),
        "{:?}",
        status["Deployment"]
    );
    assert!(matches!(
        &status["StatefulSet"],
        live::KindStatus::Failed(_)
    ));
    assert!(matches!(status["Pod"], live::KindStatus::Ok { .. }));
    assert_eq!(status["PodDisruptionBudget"], live::KindStatus::NotServed);
    assert_eq!(snap.pods.len(), 1);
}

#[test]
fn losing_the_connection_is_reported_stale_within_a_second() {
    let rt = runtime();
    let (svc, handle) = tower_test::mock::pair::<Request<Body>, Response<MockBody>>();
    let log: Log = Arc::default();
    let down = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let keep: Arc<Mutex<Vec<UnboundedSender<Chunk>>>> = Arc::default();
    let (k, d) = (keep.clone(), down.clone());
    serve(&rt, handle, log.clone(), move |p| {
        if d.load(std::sync::atomic::Ordering::SeqCst) {
            return Some((
                Duration::ZERO,
                once(
                    503,
                    serde_json::json!({"kind": "Status", "code": 503}),
                    None,
                ),
            ));
        }
        if is_list(p) {
            return Some((Duration::ZERO, once(200, pod_list("10", &["a"]), None)));
        }
        if is_watch(p) {
            let (tx, resp) = stream();
            k.lock().expect("keep").push(tx);
            return Some((Duration::ZERO, resp));
        }
        None
    });
    let _in_runtime = rt.enter();
    let conn = mock_connection(svc);
    rt.block_on(async {
        let plan = live::plan(&conn).await.expect("plan");
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let w = tokio::spawn(live::watch(
            conn,
            plan,
            Duration::from_millis(20),
            move |u| tx.send(u).is_ok(),
        ));
        assert!(until_pods(&mut rx, &["a"]).await);
        // The server goes away: the open watch ends and every new request fails. A watch that
        // reached the mock just before `down` was set may register its stream a moment later,
        // so streams are closed until none is left, timing from the last one closed.
        down.store(true, std::sync::atomic::Ordering::SeqCst);
        let mut lost = Instant::now();
        let deadline = Instant::now() + Duration::from_secs(10);
        let stale = loop {
            let closed = {
                let mut k = keep.lock().expect("keep");
                let n = k.len();
                k.clear();
                n
            };
            if closed > 0 {
                lost = Instant::now();
            }
            if Instant::now() > deadline {
                break None;
            }
            match tokio::time::timeout(Duration::from_millis(50), rx.recv()).await {
                Ok(Some(LiveUpdate::Stale(at))) => break Some(at),
                Ok(None) => break None,
                _ => continue,
            }
        };
        let waited = lost.elapsed();
        assert!(stale.is_some(), "never reported stale");
        assert!(
            waited < Duration::from_secs(1),
            "stale reported after {waited:?}"
        );
        assert_eq!(stale.map(|s| s.len()), Some(8), "HH:MM:SS");
        w.abort();
    });
}

/// A test backend that notes when each frame reaches the screen, and which view it shows.
struct Recording {
    inner: ratatui::backend::TestBackend,
    frames: Arc<Mutex<Vec<(Instant, bool)>>>,
}

impl ratatui::backend::Backend for Recording {
    type Error = std::convert::Infallible;
    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a ratatui::buffer::Cell)>,
    {
        self.inner.draw(content)
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<ratatui::layout::Position, Self::Error> {
        self.inner.get_cursor_position()
    }
    fn set_cursor_position<P: Into<ratatui::layout::Position>>(
        &mut self,
        p: P,
    ) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(p)
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.inner.clear()
    }
    fn clear_region(&mut self, t: ratatui::backend::ClearType) -> Result<(), Self::Error> {
        self.inner.clear_region(t)
    }
    fn size(&self) -> Result<ratatui::layout::Size, Self::Error> {
        self.inner.size()
    }
    fn window_size(&mut self) -> Result<ratatui::backend::WindowSize, Self::Error> {
        self.inner.window_size()
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        let text: String = self
            .inner
            .buffer()
            .content()
            .iter()
            .map(|c| c.symbol())
            .collect();
        if let Ok(mut f) = self.frames.lock() {
            f.push((Instant::now(), text.contains("· sorted by")));
        }
        self.inner.flush()
    }
}

/// G4, literally: keys typed while 200 watch events per second stream into the real watchers
/// and the real event loop. Prints when each key's effect reached the screen; asserts only that
/// every key did (timings belong to BENCHMARKS.md, measured with
/// `cargo test --release --test integration key_echo -- --nocapture`).
#[test]
fn key_echo_while_200_watch_events_per_second_stream_in() {
    key_echo_under(false);
}

/// G4 with Kubernetes Events streaming: 200 new or repeated Events a second (kubelet BackOff
/// and Unhealthy warnings about the pods), merged, capped and triaged as they come.
#[test]
fn key_echo_while_200_kubernetes_events_per_second_stream_in() {
    key_echo_under(true);
}

fn key_echo_under(events: bool) {
    use kvet::tui::app::AppEvent;
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let rt = Arc::new(runtime());
    let (svc, handle) = tower_test::mock::pair::<Request<Body>, Response<MockBody>>();
    let log: Log = Arc::default();
    let names: Vec<String> = (0..200).map(|i| format!("p{i:03}")).collect();
    let list_names: Vec<&str> = names.iter().map(String::as_str).collect();
    let list = pod_list("10", &list_names);
    let streamer = rt.clone();
    serve_on(&rt, handle, log.clone(), events, move |p| {
        if is_list(p) {
            return Some((Duration::ZERO, once(200, list.clone(), None)));
        }
        let is_events = p.starts_with("/apis/events.k8s.io/v1/events?");
        if is_events && !p.contains("watch=true") {
            return Some((
                Duration::ZERO,
                once(
                    200,
                    serde_json::json!({"apiVersion": "v1", "kind": "EventList", "metadata": {"resourceVersion": "10"}, "items": []}),
                    None,
                ),
            ));
        }
        if is_events {
            let (tx, resp) = stream();
            // 200 Events a second: a new one about each pod, then the same ones again with a
            // higher count (as the kubelet's event recorder merges repeats).
            streamer.spawn(async move {
                let mut rv = 11u64;
                let mut tick = tokio::time::interval(Duration::from_millis(5));
                loop {
                    tick.tick().await;
                    let pod = format!("p{:03}", rv % 200);
                    let reason = if rv.is_multiple_of(3) { "Unhealthy" } else { "BackOff" };
                    let e = serde_json::json!({"apiVersion": "events.k8s.io/v1", "kind": "Event",
                        "metadata": {"name": format!("{pod}.{reason}"), "namespace": "ns", "resourceVersion": rv.to_string()},
                        "regarding": {"kind": "Pod", "namespace": "ns", "name": pod},
                        "reason": reason, "note": format!("{reason} about {pod}"), "type": "Warning",
                        "eventTime": "2026-12-03T08:00:00.000000Z",
                        "series": {"count": rv / 200 + 1, "lastObservedTime": "2026-12-03T08:00:05.000000Z"}});
                    let kind = if rv < 211 { "ADDED" } else { "MODIFIED" };
                    if tx
                        .unbounded_send(Ok(Frame::data(Bytes::from(format!(
                            "{}\n",
                            serde_json::json!({"type": kind, "object": e})
                        )))))
                        .is_err()
                    {
                        break;
                    }
                    rv += 1;
                }
            });
            return Some((Duration::ZERO, resp));
        }
        if is_watch(p) && events {
            // Pods stay still: the Events are the stream.
            let (tx, resp) = stream();
            std::mem::forget(tx);
            return Some((Duration::ZERO, resp));
        }
        if is_watch(p) {
            let (tx, resp) = stream();
            // 200 MODIFIED events a second, for as long as the watch is open.
            streamer.spawn(async move {
                let mut rv = 11u64;
                let mut tick = tokio::time::interval(Duration::from_millis(5));
                loop {
                    tick.tick().await;
                    let mut p = pod(&format!("p{:03}", rv % 200), &rv.to_string());
                    p["metadata"]["labels"]["rev"] = serde_json::json!(rv.to_string());
                    if tx
                        .unbounded_send(Ok(Frame::data(Bytes::from(format!(
                            "{}\n",
                            serde_json::json!({"type": "MODIFIED", "object": p})
                        )))))
                        .is_err()
                    {
                        break;
                    }
                    rv += 1;
                }
            });
            return Some((Duration::ZERO, resp));
        }
        None
    });
    let _in_runtime = rt.enter();
    let conn = mock_connection(svc);
    let (mut app, mut runner, tx, rx) = live_tui_on(&rt, conn);
    let frames: Arc<Mutex<Vec<(Instant, bool)>>> = Arc::default();
    let sent: Arc<Mutex<Vec<(Instant, bool)>>> = Arc::default();
    let (keys, s) = (tx.clone(), sent.clone());
    let driver = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(500));
        for i in 0..12 {
            let findings = i % 2 == 0;
            let c = if findings { '2' } else { '1' };
            s.lock().expect("sent").push((Instant::now(), findings));
            let _ = keys.send(AppEvent::Key(KeyEvent::new(
                KeyCode::Char(c),
                KeyModifiers::NONE,
            )));
            std::thread::sleep(Duration::from_millis(150));
        }
        let _ = keys.send(AppEvent::Key(KeyEvent::new(
            KeyCode::Char('q'),
            KeyModifiers::NONE,
        )));
    });
    let backend = Recording {
        inner: ratatui::backend::TestBackend::new(160, 40),
        frames: frames.clone(),
    };
    let mut terminal = ratatui::Terminal::new(backend).expect("terminal");
    kvet::tui::run_loop(&mut terminal, &mut app, &rx, &tx, &mut runner).expect("loop");
    driver.join().expect("driver");
    let frames = frames.lock().expect("frames").clone();
    let mut latencies: Vec<Duration> = Vec::new();
    for (at, findings) in sent.lock().expect("sent").iter() {
        let shown = frames.iter().find(|(t, f)| t >= at && f == findings);
        let Some((t, _)) = shown else {
            panic!("a key's effect never reached the screen")
        };
        latencies.push(t.duration_since(*at));
    }
    latencies.sort();
    let snapshots = app.shared.generation - 1;
    if events {
        let held = app.shared.snapshot.events.len();
        assert!(held > 0, "the Events reached the snapshot");
        assert!(held <= 400, "merged by reason per pod: {held}");
    }
    eprintln!(
        "key echo under 200 {} watch events/s: median {:?}, max {:?} over {} keys; {} snapshots reached the UI, {} frames drawn",
        if events { "Kubernetes Event" } else { "pod" },
        latencies[latencies.len() / 2],
        latencies[latencies.len() - 1],
        latencies.len(),
        snapshots,
        frames.len()
    );
    assert!(
        snapshots >= 5,
        "the event stream did not reach the UI ({snapshots} snapshots)"
    );
}

/// The screen of a live TUI whose pod list answers after `list_delay`, as it is when `q` is
/// pressed at `quit_at` (the loop draws the last state before it quits).
fn live_screen(list_delay: Duration, quit_at: Duration) -> String {
    use kvet::tui::app::AppEvent;
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let rt = Arc::new(runtime());
    let (svc, handle) = tower_test::mock::pair::<Request<Body>, Response<MockBody>>();
    serve(&rt, handle, Arc::default(), move |p| {
        if is_list(p) {
            return Some((list_delay, once(200, pod_list("10", &["a", "b"]), None)));
        }
        if is_watch(p) {
            // A watch that stays open with no events.
            let (tx, resp) = stream();
            std::mem::forget(tx);
            return Some((Duration::ZERO, resp));
        }
        None
    });
    let _in_runtime = rt.enter();
    let (mut app, mut runner, tx, rx) = live_tui_on(&rt, mock_connection(svc));
    let keys = tx.clone();
    std::thread::spawn(move || {
        std::thread::sleep(quit_at);
        let _ = keys.send(AppEvent::Key(KeyEvent::new(
            KeyCode::Char('q'),
            KeyModifiers::NONE,
        )));
    });
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(160, 40)).expect("terminal");
    kvet::tui::run_loop(&mut terminal, &mut app, &rx, &tx, &mut runner).expect("loop");
    let buf = terminal.backend().buffer();
    let width = buf.area.width as usize;
    buf.content()
        .chunks(width)
        .map(|row| row.iter().map(|c| c.symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_first_load_shows_progress_and_no_provisional_count_as_final() {
    // While the pod list is in flight: progress in the header, and no count or "no findings"
    // that could be read as final.
    let loading = live_screen(Duration::from_secs(10), Duration::from_millis(800));
    let header = loading.lines().next().unwrap_or_default().to_string();
    assert!(
        header.contains("◌ loading") && header.contains("kinds") && header.contains("so far"),
        "{header}"
    );
    assert!(
        !header.contains("critical") && !header.contains("warning"),
        "a count was shown while listing: {header}"
    );
    assert!(!loading.contains("no findings here"), "{loading}");
    assert!(loading.contains("none yet: still listing"), "{loading}");
    assert!(loading.contains("Still listing ("), "{loading}");
    // Once every kind is listed: the real counts, and no progress.
    let loaded = live_screen(Duration::from_millis(200), Duration::from_millis(2500));
    let header = loaded.lines().next().unwrap_or_default().to_string();
    assert!(!header.contains("loading"), "{header}");
    assert!(
        header.contains("critical") && header.contains("warning"),
        "{header}"
    );
    assert!(!loaded.contains("Still listing"), "{loaded}");
}

fn is_log(p: &str) -> bool {
    p.starts_with("/api/v1/namespaces/ns/pods/p/log")
}

fn log_request(container: &str, previous: bool, follow: bool) -> kvet::source::logs::LogRequest {
    kvet::source::logs::LogRequest {
        namespace: "ns".into(),
        pod: "p".into(),
        container: container.into(),
        previous,
        follow,
    }
}

fn status(code: u16, reason: &str, message: &str) -> Response<MockBody> {
    once(
        code,
        serde_json::json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": reason, "message": message, "code": code}),
        None,
    )
}

fn text(body: &str) -> Response<MockBody> {
    let (tx, rx) = unbounded();
    let _ = tx.unbounded_send(Ok(Frame::data(Bytes::from(body.to_string()))));
    Response::builder()
        .status(200)
        .header("content-type", "text/plain")
        .body(StreamBody::new(rx))
        .expect("response")
}

/// Logs through the pods/log subresource: the tail, the previous instance, and why they cannot
/// be read (403, a container that is not there), each as the mock API server answers.
#[test]
fn logs_read_the_tail_the_previous_instance_and_say_why_not() {
    let rt = runtime();
    let (svc, handle) = tower_test::mock::pair::<Request<Body>, Response<MockBody>>();
    let log: Log = Arc::default();
    serve(&rt, handle, log.clone(), move |p| {
        if !is_log(p) {
            return None;
        }
        let r = if p.contains("container=nope") {
            status(400, "BadRequest", "container nope is not valid for pod p")
        } else if p.contains("container=secret") {
            status(
                403,
                "Forbidden",
                "pods \"p\" is forbidden: User \"dev\" cannot get resource \"pods/log\" in API group \"\" in the namespace \"ns\"",
            )
        } else if p.contains("previous=true") {
            text("before the crash\nout of memory\x1b]52;c;ZXZpbA==\x07\n")
        } else {
            text("one\r\ntwo\nthree")
        };
        Some((Duration::ZERO, r))
    });
    let _in_runtime = rt.enter();
    let conn = mock_connection(svc);
    rt.block_on(async {
        let mut got = Vec::new();
        let r = kvet::source::logs::stream(&conn, &log_request("c", false, false), |l| {
            got.extend(l);
            true
        })
        .await;
        assert_eq!(r, Ok(()));
        assert_eq!(got, ["one", "two", "three"]);
        let mut got = Vec::new();
        kvet::source::logs::stream(&conn, &log_request("c", true, false), |l| {
            got.extend(l);
            true
        })
        .await
        .expect("previous");
        assert_eq!(got[0], "before the crash");
        let e = kvet::source::logs::stream(&conn, &log_request("secret", false, false), |_| true)
            .await
            .unwrap_err();
        assert!(e.contains("get on pods/log in namespace ns"), "{e}");
        let e = kvet::source::logs::stream(&conn, &log_request("nope", false, false), |_| true)
            .await
            .unwrap_err();
        assert!(e.contains("no such container"), "{e}");
    });
    let paths = log.lock().expect("log").clone();
    let first = paths
        .iter()
        .find(|p| is_log(p))
        .cloned()
        .unwrap_or_default();
    assert!(
        first.contains("container=c")
            && first.contains("tailLines=500")
            && !first.contains("follow"),
        "the tail of one container: {first}"
    );
    assert!(
        paths
            .iter()
            .any(|p| is_log(p) && p.contains("previous=true")),
        "{paths:?}"
    );
}

/// Follow mode: lines reach the pager as the container writes them, through the live runner,
/// escaped on screen; closing the pager stops the stream.
#[test]
fn logs_follow_streams_lines_into_the_pager_as_they_come() {
    use kvet::tui::EffectRunner;
    let rt = Arc::new(runtime());
    let (svc, handle) = tower_test::mock::pair::<Request<Body>, Response<MockBody>>();
    let log: Log = Arc::default();
    let keep: Arc<Mutex<Option<UnboundedSender<Chunk>>>> = Arc::default();
    let k = keep.clone();
    serve(&rt, handle, log.clone(), move |p| {
        if is_log(p) && p.contains("follow=true") {
            let (tx, resp) = stream();
            let _ = tx.unbounded_send(Ok(Frame::data(Bytes::from("started\n"))));
            *k.lock().expect("keep") = Some(tx);
            return Some((Duration::ZERO, resp));
        }
        None
    });
    let _in_runtime = rt.enter();
    let conn = mock_connection(svc);
    let (tx, rx) = std::sync::mpsc::sync_channel(1024);
    let mut runner = kvet::cli::live_tui::LiveRunner {
        runtime: rt.clone(),
        base: Default::default(),
        feed: Arc::default(),
        audits: kvet::tui::ThreadRunner,
        conn: Arc::new(Mutex::new(Some(conn))),
        logs: None,
    };
    let out = runner.run(
        kvet::tui::app::Effect::StreamLogs {
            session: 7,
            request: log_request("c", false, true),
            source: kvet::model::SourceKind::Live,
        },
        &tx,
    );
    assert!(out.is_empty(), "the stream runs in the background");
    let next_lines = || -> Vec<String> {
        match rx.recv_timeout(Duration::from_secs(10)) {
            Ok(kvet::tui::app::AppEvent::LogLines { session: 7, lines }) => lines,
            other => panic!("expected log lines, got {other:?}"),
        }
    };
    assert_eq!(next_lines(), ["started"]);
    let sender = keep
        .lock()
        .expect("keep")
        .clone()
        .expect("the follow request arrived");
    let _ = sender.unbounded_send(Ok(Frame::data(Bytes::from("request 1 ok\nreq"))));
    assert_eq!(next_lines(), ["request 1 ok"]);
    let _ = sender.unbounded_send(Ok(Frame::data(Bytes::from("uest 2 \x1b[2Jfailed\n"))));
    let lines = next_lines();
    assert_eq!(lines, ["request 2 \x1b[2Jfailed"]);
    // In the pager, the escape is shown, never sent to the terminal.
    let mut app = kvet::tui::app::App::new(
        Arc::new(kvet::model::Snapshot::empty(
            kvet::model::SourceKind::Live,
            "mock",
        )),
        kvet::tui::keymap::KeyMap::defaults(),
        kvet::tui::theme::Theme::default_theme(),
    );
    let target = kvet::tui::views::pager::LogTarget {
        namespace: "ns".into(),
        pod: "p".into(),
        containers: vec!["c".into()],
        container: 0,
        previous: false,
        follow: true,
    };
    let (pager, _) = kvet::tui::views::pager::Pager::logs(target, 7, kvet::model::SourceKind::Live);
    app.pager = Some(pager);
    app.update(kvet::tui::app::AppEvent::LogLines { session: 7, lines });
    let screen = super::tui::screen(&mut app, 100, 12);
    assert!(screen.contains("request 2 \\x1b[2Jfailed"), "{screen}");
    assert!(!screen.contains('\x1b'), "{screen}");
    assert!(screen.contains("following"), "{screen}");
    // Closing the pager stops the stream: the task is aborted and sends nothing more.
    runner.run(kvet::tui::app::Effect::StopLogs, &tx);
    std::thread::sleep(Duration::from_millis(200));
    let _ = sender.unbounded_send(Ok(Frame::data(Bytes::from("after close\n"))));
    assert!(
        rx.recv_timeout(Duration::from_millis(500)).is_err(),
        "nothing arrives after the stream is stopped"
    );
    let follows = log
        .lock()
        .expect("log")
        .iter()
        .filter(|p| is_log(p) && p.contains("follow=true"))
        .count();
    assert_eq!(follows, 1);
}
