//! G2: heap bytes held per cached pod, counted exactly with a counting allocator.
//!
//! The counter is per thread, so tests running in parallel do not disturb it: the snapshot is
//! decoded and built on this test's thread.

use kvet::model::decode::{decode_yaml, DecodeOptions};
use kvet::model::lines;
use kvet::model::{Snapshot, SourceKind};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static NET: Cell<isize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = NET.try_with(|n| n.set(n.get() + layout.size() as isize));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let _ = NET.try_with(|n| n.set(n.get() - layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = NET.try_with(|n| n.set(n.get() + new_size as isize - layout.size() as isize));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn net() -> isize {
    NET.with(|n| n.get())
}

#[test]
fn bytes_held_per_pod_stay_under_4_kib() {
    let pods = 3000;
    let mut yaml = Vec::new();
    kvet::synth::write(&kvet::synth::Params::for_pods(pods, 7), &mut yaml).expect("generate");
    let text = String::from_utf8(yaml).expect("utf8");
    let docs: Vec<&str> = text.split("\n---\n").collect();
    let opts = DecodeOptions::default();

    let before = net();
    let mut objects = Vec::new();
    let mut locations = kvet::source::offline::Locations::default();
    for (n, d) in docs.iter().enumerate() {
        let decoded = decode_yaml(d, &opts);
        assert!(decoded.errors.is_empty(), "{:?}", decoded.errors);
        // The line index the loader keeps for objects that can carry findings.
        if decoded
            .objects
            .iter()
            .any(kvet::source::offline::wants_lines)
        {
            let ix = lines::index_yaml(d, 1, lines::Want::Whole);
            if let Some((_, ix)) = ix.into_iter().next() {
                locations.insert((0, n as u32), ix);
            }
        }
        objects.extend(decoded.objects);
    }
    let mut snap = Snapshot::build(SourceKind::Offline, "synthetic", Vec::new(), objects);
    locations.shrink_to_fit();
    snap.locations = locations;
    let held = net() - before;
    assert_eq!(snap.pods.len(), pods);
    let per_pod = held as f64 / pods as f64;
    eprintln!("snapshot of {pods} pods holds {held} bytes: {per_pod:.0} bytes per pod (everything included)");
    assert!(per_pod <= 4096.0, "{per_pod:.0} bytes per pod");
    // Pods of one ReplicaSet share one spec and one label map.
    let first = &snap.pods[0];
    let sibling = snap
        .pods
        .iter()
        .skip(1)
        .find(|p| p.meta.owner == first.meta.owner)
        .expect("a sibling pod");
    assert!(std::sync::Arc::ptr_eq(&first.spec, &sibling.spec));
    assert_eq!(first.meta.labels.identity(), sibling.meta.labels.identity());
    let before_lines = net();
    drop(std::mem::take(&mut snap.locations));
    eprintln!(
        "of which the line indexes of fields: {} bytes per pod",
        (before_lines - net()) / pods as isize
    );
    let before_index = net();
    drop(std::mem::take(&mut snap.index));
    eprintln!(
        "of which the indexes: {} bytes per pod",
        (before_index - net()) / pods as isize
    );
    let before_pods = net();
    drop(std::mem::take(&mut snap.pods));
    eprintln!(
        "of which the pods themselves: {} bytes per pod",
        (before_pods - net()) / pods as isize
    );
    drop(snap);
}

#[test]
fn managed_fields_and_last_applied_are_never_kept() {
    let doc = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: shop\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '{\"secret\":\"hunter2\"}'\n    team: a\n  managedFields:\n  - manager: kubectl\nspec:\n  containers: [{name: c, image: i}]\n";
    let d = decode_yaml(doc, &DecodeOptions::default());
    let snap = Snapshot::build(SourceKind::Offline, "t", Vec::new(), d.objects);
    let ann: Vec<(&str, &str)> = snap.pods[0].meta.annotations.iter().collect();
    assert_eq!(ann, vec![("team", "a")]);
    assert!(!format!("{:?}", snap.pods[0]).contains("hunter2"));
}

/// Issue 20: what events cost, counted exactly: bytes held per kept event, a window of
/// `EVENTS_PER_OBJECT` per object, and `MAX_EVENTS` in all whatever the rate (Normal events
/// only up to half of it, so warnings keep room).
#[test]
fn events_are_bounded_and_their_bytes_counted() {
    use kvet::model::snapshot::{EVENTS_PER_OBJECT, MAX_EVENTS};
    let opts = DecodeOptions::default();
    let event = |i: usize, pod: usize, warning: bool| {
        let text = format!(
            "apiVersion: v1\nkind: Event\nmetadata: {{name: e{i}, namespace: shop}}\ninvolvedObject: {{kind: Pod, namespace: shop, name: web-{pod}}}\nreason: {}\nmessage: \"Back-off restarting failed container web in pod web-{pod}, attempt {i}\"\ntype: {}\ncount: 2\nlastTimestamp: \"2026-12-03T08:{:02}:{:02}Z\"\n",
            if warning { "BackOff" } else { "Pulled" },
            if warning { "Warning" } else { "Normal" },
            (i / 60) % 60,
            i % 60
        );
        decode_yaml(&text, &opts).objects
    };
    // 1,000 objects with 30 distinct warnings each: the window keeps 12 per object.
    let before = net();
    let mut objects = Vec::new();
    for i in 0..30_000 {
        objects.extend(event(i, i % 1000, true));
    }
    let snap = Snapshot::build(SourceKind::Live, "events", Vec::new(), objects);
    let held = net() - before;
    assert_eq!(snap.events.len(), 1000 * EVENTS_PER_OBJECT);
    let per_event = held as f64 / snap.events.len() as f64;
    eprintln!(
        "{} events held in {held} bytes: {per_event:.0} bytes per kept event",
        snap.events.len()
    );
    assert!(per_event <= 512.0, "{per_event:.0} bytes per event");
    // So events never hold more than 64 MiB, whatever their rate.
    assert!(per_event * MAX_EVENTS as f64 <= 64.0 * 1024.0 * 1024.0);
    // Past the cap, events are counted as dropped, and Normal ones stop at half of it.
    let mut objects = Vec::new();
    for i in 0..(MAX_EVENTS / 2 + 100) {
        objects.extend(event(i, i, false));
    }
    for i in 0..100 {
        objects.extend(event(i, 1_000_000 + i, true));
    }
    let snap = Snapshot::build(SourceKind::Live, "events", Vec::new(), objects);
    assert_eq!(
        snap.events_dropped, 100,
        "the Normal events past half the cap"
    );
    assert_eq!(
        snap.events.len(),
        MAX_EVENTS / 2 + 100,
        "every warning kept"
    );
}
