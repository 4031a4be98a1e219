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
