//! I/O. The watchers of a live cluster: one per kind, feeding a store of slim projections that
//! publishes snapshots, with the progress of the first lists.

use super::live::{
    decode_options, project, project_meta, server_version, source_label, status_code, Connection,
    KindStatus, Plan, PAGE,
};
use crate::model::{Object, Snapshot, SourceKind};
use futures::StreamExt;
use kube::api::{Api, DynamicObject, PartialObjectMeta};
use kube::runtime::watcher;
use kube::runtime::WatchStreamExt;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How far the lists have come: the first load, a relist after a 410, or the load after a
/// context switch. Until it is complete, counts on screen are provisional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadProgress {
    /// Kinds whose first list is complete (or that turned out unreadable).
    pub kinds_done: usize,
    pub kinds_total: usize,
    /// Objects received so far, the lists in flight included.
    pub objects: usize,
    /// Kinds listed again after their watch expired (410 Gone): their old data stays shown.
    pub relisting: Vec<&'static str>,
}

impl LoadProgress {
    pub fn complete(&self) -> bool {
        self.kinds_done >= self.kinds_total && self.relisting.is_empty()
    }
}

/// What the watchers report to the TUI.
#[derive(Debug)]
pub enum LiveUpdate {
    /// The lists' progress; sent while lists are in flight, and once when they are done.
    Progress(LoadProgress),
    Snapshot(Arc<Snapshot>),
    /// Every watcher is streaming.
    Healthy,
    /// A watcher lost its stream; the data shown is as of this time (UTC, `HH:MM:SS`).
    Stale(String),
    Kinds(BTreeMap<&'static str, KindStatus>),
}

enum StoreMsg {
    Init(&'static str),
    InitApply(&'static str, Object),
    InitDone(&'static str),
    Apply(&'static str, Object),
    Delete(&'static str, Object),
    Failed(&'static str, String, Option<u16>),
}

type Key = (Option<Arc<str>>, Arc<str>);

fn key(o: &Object) -> Key {
    let m = o.meta();
    (m.namespace.clone(), m.name.clone())
}

/// Objects by kind, updated one event at a time.
#[derive(Default)]
pub struct Store {
    kinds: HashMap<&'static str, HashMap<Key, Object>>,
    init: HashMap<&'static str, HashMap<Key, Object>>,
    server_version: Option<(u32, u32)>,
    /// Events evicted to keep the store bounded (added to the snapshot's dropped count).
    events_evicted: usize,
}

/// The most Events the watch store holds: as many as a snapshot keeps (about 55 MiB at 479 B
/// each), whatever the event rate. Past it, the oldest Normal events go first, then the
/// oldest warnings, down to nine tenths.
pub const STORE_EVENTS: usize = crate::model::snapshot::MAX_EVENTS;

/// Keeps an Event map within `cap`; returns how many it evicted.
fn bound_events(map: &mut HashMap<Key, Object>, cap: usize) -> usize {
    if map.len() <= cap {
        return 0;
    }
    let keep = cap * 9 / 10;
    let mut ranked: Vec<(bool, Option<Box<str>>, Key)> = map
        .iter()
        .map(|(k, o)| match o {
            Object::Event(e) => (e.warning, e.last_seen.clone(), k.clone()),
            _ => (true, None, k.clone()),
        })
        .collect();
    // Normal before warnings, oldest first: the front is evicted.
    ranked.sort_unstable_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let evict = map.len() - keep;
    for (_, _, k) in ranked.into_iter().take(evict) {
        map.remove(&k);
    }
    evict
}

impl Store {
    fn apply(&mut self, msg: StoreMsg) -> bool {
        match msg {
            StoreMsg::Init(k) => {
                self.init.insert(k, HashMap::new());
                false
            }
            StoreMsg::InitApply(k, o) => {
                let map = self.init.entry(k).or_default();
                map.insert(key(&o), o);
                if k == "Event" {
                    self.events_evicted += bound_events(map, STORE_EVENTS);
                }
                false
            }
            StoreMsg::InitDone(k) => {
                let fresh = self.init.remove(k).unwrap_or_default();
                self.kinds.insert(k, fresh);
                true
            }
            StoreMsg::Apply(k, o) => {
                let map = self.kinds.entry(k).or_default();
                map.insert(key(&o), o);
                if k == "Event" {
                    self.events_evicted += bound_events(map, STORE_EVENTS);
                }
                true
            }
            StoreMsg::Delete(k, o) => {
                self.kinds.entry(k).or_default().remove(&key(&o));
                true
            }
            StoreMsg::Failed(..) => false,
        }
    }

    pub fn snapshot(&self, source: &str) -> Snapshot {
        let objects = self.kinds.values().flat_map(|m| m.values().cloned());
        let mut snap = Snapshot::build(SourceKind::Live, source.to_string(), Vec::new(), objects);
        snap.server_version = self.server_version;
        snap.events_dropped += self.events_evicted;
        snap
    }
}

/// `HH:MM:SS` in UTC.
pub fn clock() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!(
        "{:02}:{:02}:{:02}",
        (secs / 3600) % 24,
        (secs / 60) % 60,
        secs % 60
    )
}

/// Watches every readable kind until `send` returns false. Snapshots are published at most
/// every `debounce`, and only after something changed.
pub async fn watch(
    conn: Connection,
    plan: Plan,
    debounce: Duration,
    send: impl Fn(LiveUpdate) -> bool + Send + 'static,
) {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<StoreMsg>(4096);
    let opts = decode_options(&conn);
    let mut status = plan.status.clone();
    if !send(LiveUpdate::Kinds(status.clone())) {
        return;
    }
    for (spec, ar) in plan.readable {
        let tx = tx.clone();
        let client = conn.watch_client.clone();
        let api: Api<DynamicObject> = match (&conn.namespace, spec.namespaced) {
            (Some(ns), true) => Api::namespaced_with(client.clone(), ns, &ar),
            _ => Api::all_with(client.clone(), &ar),
        };
        let ns = conn.namespace.clone();
        let opts = opts.clone();
        let cfg = watcher::Config::default().page_size(PAGE);
        let kind = spec.kind;
        tokio::spawn(async move {
            macro_rules! pump {
                ($stream:expr, $proj:expr) => {{
                    let mut stream = std::pin::pin!($stream);
                    while let Some(ev) = stream.next().await {
                        let msg = match ev {
                            Ok(watcher::Event::Init) => StoreMsg::Init(kind),
                            Ok(watcher::Event::InitApply(o)) => match $proj(o, &ar, &opts) {
                                Some(o) => StoreMsg::InitApply(kind, o),
                                None => continue,
                            },
                            Ok(watcher::Event::InitDone) => StoreMsg::InitDone(kind),
                            Ok(watcher::Event::Apply(o)) => match $proj(o, &ar, &opts) {
                                Some(o) => StoreMsg::Apply(kind, o),
                                None => continue,
                            },
                            Ok(watcher::Event::Delete(o)) => match $proj(o, &ar, &opts) {
                                Some(o) => StoreMsg::Delete(kind, o),
                                None => continue,
                            },
                            Err(e) => {
                                let code = match &e {
                                    watcher::Error::InitialListFailed(e)
                                    | watcher::Error::WatchStartFailed(e)
                                    | watcher::Error::WatchFailed(e) => status_code(e),
                                    watcher::Error::WatchError(s) => Some(s.code),
                                    _ => None,
                                };
                                let forbidden = code == Some(403);
                                if tx
                                    .send(StoreMsg::Failed(kind, e.to_string(), code))
                                    .await
                                    .is_err()
                                    || forbidden
                                {
                                    // A 403 does not go away by retrying: stop, no retry storm.
                                    break;
                                }
                                continue;
                            }
                        };
                        if tx.send(msg).await.is_err() {
                            break;
                        }
                    }
                }};
            }
            if spec.metadata_only {
                let mapi: Api<PartialObjectMeta<DynamicObject>> = match (&ns, spec.namespaced) {
                    (Some(ns), true) => Api::namespaced_with(client, ns, &ar),
                    _ => Api::all_with(client, &ar),
                };
                pump!(watcher::watcher(mapi, cfg).default_backoff(), project_meta)
            } else {
                pump!(watcher::watcher(api, cfg).default_backoff(), project)
            }
        });
    }
    drop(tx);
    let source = source_label(&conn);
    let mut store = Store {
        server_version: server_version(&conn).await,
        ..Store::default()
    };
    let mut dirty = false;
    let mut last_publish = Instant::now() - debounce;
    // Publishing rebuilds the snapshot (about 1 s at 150k pods): never spend more than a third of
    // the time on it, however fast events arrive.
    let mut gap = debounce;
    let mut failing: HashMap<&'static str, bool> = HashMap::new();
    let mut stale = false;
    let mut progress = Progress::new(status.len(), &status);
    if !send(LiveUpdate::Progress(progress.report(&store))) {
        return;
    }
    loop {
        let wait = if dirty {
            gap.saturating_sub(last_publish.elapsed())
        } else {
            Duration::from_secs(3600)
        };
        let msg = tokio::select! {
            m = rx.recv() => m,
            _ = tokio::time::sleep(wait) => {
                if dirty {
                    dirty = false;
                    let t = Instant::now();
                    let snap = Arc::new(store.snapshot(&source));
                    gap = debounce.max(t.elapsed() * 2);
                    last_publish = Instant::now();
                    if !send(LiveUpdate::Snapshot(snap)) {
                        return;
                    }
                }
                continue;
            }
        };
        let Some(msg) = msg else { return };
        let changed = progress.note(&msg);
        match &msg {
            StoreMsg::Failed(kind, text, code) => {
                if *code == Some(403) {
                    status.insert(kind, KindStatus::Forbidden);
                    if !send(LiveUpdate::Kinds(status.clone())) {
                        return;
                    }
                } else {
                    failing.insert(kind, true);
                    tracing::warn!(kind, error = %text, "watch failed; retrying with backoff");
                    if !stale {
                        stale = true;
                        if !send(LiveUpdate::Stale(clock())) {
                            return;
                        }
                    }
                }
            }
            StoreMsg::InitApply(kind, _)
            | StoreMsg::Init(kind)
            | StoreMsg::InitDone(kind)
            | StoreMsg::Apply(kind, _)
            | StoreMsg::Delete(kind, _) => {
                if failing.remove(kind).is_some() && failing.is_empty() && stale {
                    stale = false;
                    if !send(LiveUpdate::Healthy) {
                        return;
                    }
                }
            }
        }
        dirty |= store.apply(msg);
        if progress.due(changed) && !send(LiveUpdate::Progress(progress.report(&store))) {
            return;
        }
    }
}

/// Tracks the lists in flight for [`LoadProgress`]: which kinds have their first list, which
/// are listing again, and how many objects have arrived.
struct Progress {
    total: usize,
    /// Kinds whose first list is complete, or that can never be listed (forbidden, not served).
    done: std::collections::HashSet<&'static str>,
    /// Kinds between a list's start and its end.
    listing: std::collections::BTreeSet<&'static str>,
    /// Objects received by each list still in flight.
    in_flight: HashMap<&'static str, usize>,
    last: Instant,
    finished: bool,
}

impl Progress {
    fn new(total: usize, status: &BTreeMap<&'static str, KindStatus>) -> Progress {
        Progress {
            total,
            // Kinds that discovery or the access checks ruled out count as done.
            done: status
                .iter()
                .filter(|(_, s)| !matches!(s, KindStatus::Ok { .. }))
                .map(|(k, _)| *k)
                .collect(),
            listing: Default::default(),
            in_flight: HashMap::new(),
            last: Instant::now(),
            finished: false,
        }
    }

    /// Notes one message; returns true when a kind started or finished a list.
    fn note(&mut self, msg: &StoreMsg) -> bool {
        match msg {
            StoreMsg::Init(k) => {
                self.listing.insert(k);
                self.in_flight.insert(k, 0);
                true
            }
            StoreMsg::InitApply(k, _) => {
                *self.in_flight.entry(k).or_default() += 1;
                false
            }
            StoreMsg::InitDone(k) | StoreMsg::Failed(k, _, Some(403)) => {
                self.listing.remove(k);
                self.in_flight.remove(k);
                self.done.insert(k);
                true
            }
            _ => false,
        }
    }

    /// Whether to report now: on every list start or end while loading, and at most every
    /// 100 ms while objects stream in; never again once everything is listed.
    fn due(&mut self, changed: bool) -> bool {
        let complete = self.done.len() >= self.total && self.listing.is_empty();
        if !complete {
            self.finished = false;
        } else if self.finished {
            return false;
        }
        let due = changed || self.last.elapsed() >= Duration::from_millis(100);
        if due {
            self.last = Instant::now();
            self.finished = complete;
        }
        due
    }

    fn report(&self, store: &Store) -> LoadProgress {
        let listed: usize = store.kinds.values().map(|m| m.len()).sum();
        LoadProgress {
            kinds_done: self.done.len().min(self.total),
            kinds_total: self.total,
            objects: listed + self.in_flight.values().sum::<usize>(),
            // A list of a kind that already had one is a relist (410 Gone, reconnect).
            relisting: self
                .listing
                .iter()
                .filter(|k| self.done.contains(*k))
                .copied()
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(i: usize, warning: bool) -> Object {
        let y = format!(
            "apiVersion: v1\nkind: Event\nmetadata: {{name: e{i}, namespace: ns}}\ninvolvedObject: {{kind: Pod, namespace: ns, name: p{i}}}\nreason: {r}\nmessage: m\ntype: {t}\ncount: 1\nlastTimestamp: \"2026-12-03T08:{:02}:{:02}Z\"\n",
            (i / 60) % 60,
            i % 60,
            r = if warning { "BackOff" } else { "Scheduled" },
            t = if warning { "Warning" } else { "Normal" },
        );
        let d = crate::model::decode::decode_yaml(&y, &Default::default());
        d.objects.into_iter().next().expect("an event")
    }

    #[test]
    fn the_event_store_stays_bounded_and_keeps_warnings_and_the_newest() {
        let mut map: HashMap<Key, Object> = HashMap::new();
        let mut evicted = 0;
        for i in 0..1000 {
            let o = event(i, i % 4 == 0);
            map.insert(key(&o), o);
            evicted += bound_events(&mut map, 300);
            assert!(map.len() <= 300);
        }
        assert_eq!(evicted + map.len(), 1000, "every eviction is counted");
        let warnings = map
            .values()
            .filter(|o| matches!(o, Object::Event(e) if e.warning))
            .count();
        assert_eq!(
            warnings, 250,
            "no warning is evicted while Normal events remain"
        );
        // The newest Normal events are the ones kept.
        assert!(map.keys().any(|(_, n)| &**n == "e999"));
        assert!(!map.keys().any(|(_, n)| &**n == "e1"));
    }
}
