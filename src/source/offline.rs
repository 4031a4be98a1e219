//! Manifests from files, folders and stdin.
//!
//! Files are read line by line and cut into documents at `---`; the documents are decoded on
//! all cores, in order. A document that cannot be read becomes a [`LoadError`] with its path and
//! line, and every other document still loads.

use super::split::split_docs;
use crate::model::decode::{self, DecodeOptions, Decoded};
use crate::model::lines::{self, LineIndex, Want};
use crate::model::snapshot::Builder;
use crate::model::{Object, Origin, Snapshot, SourceKind};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

/// One `-f` argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Path(PathBuf),
    Stdin,
}

impl Input {
    pub fn parse(arg: &str) -> Input {
        if arg == "-" {
            Input::Stdin
        } else {
            Input::Path(PathBuf::from(arg))
        }
    }
}

/// A document, a file or a list item that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LoadError {
    pub source: String,
    pub line: Option<u32>,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}: {}", self.source, l, self.message),
            None => write!(f, "{}: {}", self.source, self.message),
        }
    }
}

#[derive(Debug)]
pub struct Loaded {
    pub snapshot: Snapshot,
    /// Input that could not be read (exit code 2).
    pub errors: Vec<LoadError>,
    /// Live kinds that could not be read (forbidden, not served): reported, not fatal.
    pub degraded: Vec<LoadError>,
}

/// One document cut from a file, waiting to be decoded.
pub(super) struct Doc {
    pub(super) seq: usize,
    pub(super) file: u32,
    /// Line of the file where `text` starts (1-based).
    pub(super) start: u32,
    pub(super) text: String,
    pub(super) json: bool,
    /// A JSON value already parsed while splitting a JSON stream.
    pub(super) value: Option<serde_json::Value>,
    /// Set when the bytes were not UTF-8: the document is reported, not decoded.
    pub(super) bad_utf8: Option<u32>,
}

struct DocResult {
    seq: usize,
    file: u32,
    start: u32,
    decoded: Decoded,
    /// Line indexes of the objects that need one (see [`locate`]).
    lines: Vec<(Option<usize>, LineIndex)>,
    /// Why the document was skipped without an error (a Kustomization).
    note: Option<String>,
}

pub(super) const BATCH: usize = 64;

/// Loads every input. Unreadable paths and documents are collected as errors.
pub fn load(inputs: &[Input], opts: &DecodeOptions, kind: SourceKind) -> Loaded {
    let mut files: Vec<String> = Vec::new();
    let mut errors: Vec<LoadError> = Vec::new();
    let mut notes: Vec<LoadError> = Vec::new();
    let mut readers: Vec<(u32, Box<dyn Read + Send>)> = Vec::new();
    for input in inputs {
        match input {
            Input::Stdin => {
                readers.push((files.len() as u32, Box::new(std::io::stdin())));
                files.push("-".to_string());
            }
            Input::Path(p) => {
                let mut found = Vec::new();
                if let Err(e) = collect_files(p, &mut found, &mut notes, 0) {
                    errors.push(e);
                }
                for f in found {
                    match std::fs::File::open(&f) {
                        Ok(fh) => {
                            readers.push((files.len() as u32, Box::new(fh)));
                            files.push(f.display().to_string());
                        }
                        Err(e) => errors.push(LoadError {
                            source: f.display().to_string(),
                            line: None,
                            message: format!("cannot open: {e}"),
                        }),
                    }
                }
            }
        }
    }
    let description = inputs
        .iter()
        .map(|i| match i {
            Input::Stdin => "-".to_string(),
            Input::Path(p) => p.display().to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let names = files.clone();
    let builder = Builder::new(kind, description, files);
    let mut c = decode_all(readers, &names, opts, builder);
    errors.append(&mut c.errors);
    notes.append(&mut c.notes);
    let mut snapshot = c.snapshot;
    snapshot.captured_live = c.captured_live;
    snapshot.server_version = c.server_version;
    Loaded {
        snapshot,
        errors,
        degraded: notes,
    }
}

/// Loads documents that are already in memory (the embedded demo, tests).
pub fn load_texts(
    texts: &[(&str, &str)],
    opts: &DecodeOptions,
    kind: SourceKind,
    description: &str,
) -> Loaded {
    let files: Vec<String> = texts.iter().map(|(n, _)| n.to_string()).collect();
    let readers: Vec<(u32, Box<dyn Read + Send>)> = texts
        .iter()
        .enumerate()
        .map(|(i, (_, t))| {
            (
                i as u32,
                Box::new(std::io::Cursor::new(t.as_bytes().to_vec())) as Box<dyn Read + Send>,
            )
        })
        .collect();
    let builder = Builder::new(kind, description, files.clone());
    let c = decode_all(readers, &files, opts, builder);
    let errors = c.errors;
    let mut snapshot = c.snapshot;
    snapshot.captured_live = c.captured_live;
    snapshot.server_version = c.server_version;
    Loaded {
        snapshot,
        errors,
        degraded: c.notes,
    }
}

fn is_manifest(p: &Path) -> bool {
    matches!(
        p.extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref(),
        Some("yaml" | "yml" | "json")
    )
}

/// Kustomize's own files: inputs to `kustomize build`, not objects for a cluster.
fn is_kustomization(p: &Path) -> bool {
    matches!(
        p.file_name().and_then(|n| n.to_str()),
        Some("kustomization.yaml" | "kustomization.yml" | "Kustomization")
    )
}

fn note(p: &Path, message: &str) -> LoadError {
    LoadError {
        source: p.display().to_string(),
        line: None,
        message: message.to_string(),
    }
}

const KUSTOMIZATION_NOTE: &str =
    "a Kustomization, skipped: kvet reads what it builds (kustomize build DIR | kvet audit -f -)";

/// A file is taken as named, and so is a pipe or a device (`-f <(helm template ...)`), read as a
/// stream; a folder is walked recursively for .yaml, .yml and .json regular files, in name order,
/// skipping hidden entries, Kustomizations and special files (each with a note).
fn collect_files(
    p: &Path,
    out: &mut Vec<PathBuf>,
    notes: &mut Vec<LoadError>,
    depth: usize,
) -> Result<(), LoadError> {
    let err = |m: String| LoadError {
        source: p.display().to_string(),
        line: None,
        message: m,
    };
    let meta = std::fs::metadata(p).map_err(|e| err(describe_io(&e)))?;
    if !meta.is_dir() {
        if is_kustomization(p) {
            notes.push(note(p, KUSTOMIZATION_NOTE));
        } else {
            out.push(p.to_path_buf());
        }
        return Ok(());
    }
    if depth > 32 {
        return Err(err("folders nested too deep (a symlink loop?)".into()));
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
        .map_err(|e| err(describe_io(&e)))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|e| {
            !e.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'))
        })
        .collect();
    entries.sort();
    for e in entries {
        let Ok(meta) = std::fs::metadata(&e) else {
            notes.push(note(&e, "skipped: cannot be read (a broken link?)"));
            continue;
        };
        if meta.is_dir() {
            collect_files(&e, out, notes, depth + 1)?;
        } else if !is_manifest(&e) {
        } else if !meta.is_file() {
            // A FIFO or a device inside a folder would block or never end.
            notes.push(note(&e, "skipped: not a regular file (a pipe, socket or device); give it alone with -f to read it as a stream"));
        } else if is_kustomization(&e) {
            notes.push(note(&e, KUSTOMIZATION_NOTE));
        } else {
            out.push(e);
        }
    }
    Ok(())
}

fn describe_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

/// What the collector makes of the decoded documents, in input order.
struct Collected {
    snapshot: Snapshot,
    errors: Vec<LoadError>,
    /// Documents skipped on purpose, and files passed over while walking folders.
    notes: Vec<LoadError>,
    captured_live: bool,
    server_version: Option<(u32, u32)>,
}

/// Takes decoded documents in input order: reports their errors, sets each object's origin,
/// keeps its line index, and hands the object to the snapshot builder at once (nothing is held
/// twice).
struct Collector<'f> {
    files: &'f [String],
    builder: Builder,
    locations: Locations,
    errors: Vec<LoadError>,
    notes: Vec<LoadError>,
    captured_live: bool,
    server_version: Option<(u32, u32)>,
}

impl Collector<'_> {
    fn take(&mut self, r: DocResult) {
        self.captured_live |= r.decoded.captured_live;
        self.server_version = self.server_version.or(r.decoded.server_version);
        let source = self.files.get(r.file as usize).cloned().unwrap_or_default();
        if let Some(n) = r.note {
            self.notes.push(LoadError {
                source: source.clone(),
                line: Some(r.start),
                message: n,
            });
        }
        for e in r.decoded.errors {
            self.errors.push(LoadError {
                source: source.clone(),
                line: Some(e.line.map(|l| r.start + l - 1).unwrap_or(r.start)),
                message: e.message,
            });
        }
        let mut lines = r.lines;
        let list = !r.decoded.items.is_empty();
        for (k, mut o) in r.decoded.objects.into_iter().enumerate() {
            let item = r.decoded.items.get(k).map(|&i| i as usize);
            let found = lines
                .iter()
                .position(|(i, _)| if list { *i == item } else { i.is_none() });
            let mut origin = Origin {
                file: r.file,
                line: r.start,
            };
            if let Some(pos) = found {
                let (_, ix) = lines.swap_remove(pos);
                origin.line = ix.exact("").unwrap_or(r.start);
                self.locations.insert((origin.file, origin.line), ix);
            }
            o.meta_mut().origin = Some(origin);
            self.builder.push(o);
        }
    }

    fn finish(self) -> Collected {
        let mut snapshot = self.builder.finish();
        snapshot.locations = self.locations;
        Collected {
            snapshot,
            errors: self.errors,
            notes: self.notes,
            captured_live: self.captured_live,
            server_version: self.server_version,
        }
    }
}

/// Reads every file on this thread and decodes the documents on worker threads; a collector
/// thread puts the results back in input order and builds the snapshot as they arrive.
fn decode_all(
    readers: Vec<(u32, Box<dyn Read + Send>)>,
    files: &[String],
    opts: &DecodeOptions,
    builder: Builder,
) -> Collected {
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8);
    let (doc_tx, doc_rx) = mpsc::sync_channel::<Vec<Doc>>(workers * 4);
    let doc_rx = std::sync::Mutex::new(doc_rx);
    let (res_tx, res_rx) = mpsc::channel::<Vec<DocResult>>();
    let mut read_errors = Vec::new();
    let mut collected: Option<Collected> = None;
    std::thread::scope(|s| {
        for _ in 0..workers {
            let res_tx = res_tx.clone();
            let doc_rx = &doc_rx;
            s.spawn(move || loop {
                let batch = match doc_rx.lock() {
                    Ok(rx) => match rx.recv() {
                        Ok(b) => b,
                        Err(_) => break,
                    },
                    Err(_) => break,
                };
                let out: Vec<DocResult> = batch.into_iter().map(|d| decode_doc(d, opts)).collect();
                if res_tx.send(out).is_err() {
                    break;
                }
            });
        }
        drop(res_tx);
        let collector = s.spawn(move || {
            let mut c = Collector {
                files,
                builder,
                locations: Locations::default(),
                errors: Vec::new(),
                notes: Vec::new(),
                captured_live: false,
                server_version: None,
            };
            // Batches arrive out of order from the workers: hold the early ones until the
            // documents before them are in.
            let mut waiting: std::collections::BTreeMap<usize, DocResult> = Default::default();
            let mut next = 0usize;
            for batch in res_rx {
                for r in batch {
                    waiting.insert(r.seq, r);
                }
                while let Some(r) = waiting.remove(&next) {
                    c.take(r);
                    next += 1;
                }
            }
            // Sequence numbers are dense, so nothing is left; keep anything that is.
            for (_, r) in std::mem::take(&mut waiting) {
                c.take(r);
            }
            c.finish()
        });
        let mut seq = 0usize;
        for (file, reader) in readers {
            if let Err(e) = split_docs(file, reader, &mut seq, &doc_tx) {
                read_errors.push(LoadError {
                    source: files.get(file as usize).cloned().unwrap_or_default(),
                    line: None,
                    message: format!("read failed: {e}"),
                });
            }
        }
        drop(doc_tx);
        collected = collector.join().ok();
    });
    let mut c = collected.unwrap_or_else(|| Collected {
        snapshot: Snapshot::empty(SourceKind::Offline, ""),
        errors: vec![LoadError {
            source: files.join(", "),
            line: None,
            message: "the loader failed; please report this".into(),
        }],
        notes: Vec::new(),
        captured_live: false,
        server_version: None,
    });
    read_errors.append(&mut c.errors);
    c.errors = read_errors;
    c
}

/// (file, line of the object) → the lines of its fields.
pub type Locations = rustc_hash::FxHashMap<(u32, u32), LineIndex>;

fn decode_doc(mut d: Doc, opts: &DecodeOptions) -> DocResult {
    if is_kustomize_doc(&d) {
        return DocResult {
            seq: d.seq,
            file: d.file,
            start: d.start + first_content_line(&d.text).unwrap_or(1) - 1,
            decoded: Decoded::default(),
            lines: Vec::new(),
            note: Some(KUSTOMIZATION_NOTE.into()),
        };
    }
    let value = d.value.take();
    let json = d.json || value.is_some();
    let decoded = if let Some(line) = d.bad_utf8 {
        Decoded {
            errors: vec![decode::DecodeError {
                line: Some(line),
                message: "not UTF-8 text".to_string(),
            }],
            ..Decoded::default()
        }
    } else if let Some(v) = value {
        match serde_json::from_value::<crate::model::wire::RawObject>(v) {
            Ok(raw) => decode::from_raw(raw, opts),
            Err(e) => Decoded {
                errors: vec![decode::DecodeError {
                    line: None,
                    message: e.to_string(),
                }],
                ..Decoded::default()
            },
        }
    } else if d.json {
        decode::decode_json(&d.text, opts)
    } else {
        decode::decode_yaml(&d.text, opts)
    };
    // Report the document's first content line rather than its separator.
    let first = first_content_line(&d.text).unwrap_or(1);
    let start = d.start + first - 1;
    let lines = locate(&d, json, &decoded, start);
    let decoded = Decoded {
        captured_live: decoded.captured_live,
        server_version: decoded.server_version,
        objects: decoded.objects,
        items: decoded.items,
        errors: decoded
            .errors
            .into_iter()
            .map(|mut e| {
                e.line = Some(match e.line {
                    Some(l) if l >= first => l - first + 1,
                    _ => 1,
                });
                e
            })
            .collect(),
    };
    DocResult {
        seq: d.seq,
        file: d.file,
        start,
        decoded,
        lines,
        note: None,
    }
}

/// A Kustomization or Component (`kustomize.config.k8s.io`), in YAML or JSON.
fn is_kustomize_doc(d: &Doc) -> bool {
    const GROUP: &str = "kustomize.config.k8s.io/";
    if let Some(v) = &d.value {
        return v["apiVersion"]
            .as_str()
            .is_some_and(|a| a.starts_with(GROUP));
    }
    d.text.contains(GROUP)
        && d.text.lines().any(|l| {
            let l = l.trim_start().trim_start_matches('"');
            l.starts_with("apiVersion") && l.contains(GROUP)
        })
}

/// Objects whose findings need the lines of their fields: everything but the pods and
/// ReplicaSets that a controller owns (no check reports on them) and Secret or ConfigMap data.
pub fn wants_lines(o: &Object) -> bool {
    match o {
        Object::Pod(p) => p.meta.owner.is_none(),
        Object::Workload(w) => w.meta.owner.is_none(),
        Object::Data(_) => false,
        _ => true,
    }
}

/// The line index of each object of a document that needs one (see [`wants_lines`]): for a
/// whole document, `None`; for the items of a List, their item numbers.
fn locate(d: &Doc, json: bool, decoded: &Decoded, start: u32) -> Vec<(Option<usize>, LineIndex)> {
    if decoded.objects.is_empty() || d.bad_utf8.is_some() {
        return Vec::new();
    }
    let text: &str = &d.text;
    let index = |want: Want| {
        if json {
            lines::index_json(text, d.start, want)
        } else {
            lines::index_yaml(text, d.start, want)
        }
    };
    if decoded.items.is_empty() {
        if !decoded.objects.iter().any(wants_lines) {
            return Vec::new();
        }
        let mut ix = index(Want::Whole);
        // The document's own line is its first content line, not its separator.
        if let Some((_, whole)) = ix.first_mut() {
            whole.set_root(start);
        }
        return ix;
    }
    let wanted: Vec<usize> = decoded
        .objects
        .iter()
        .zip(&decoded.items)
        .filter(|(o, _)| wants_lines(o))
        .map(|(_, &i)| i as usize)
        .collect();
    if wanted.is_empty() {
        return Vec::new();
    }
    index(Want::Items(&wanted))
}

fn first_content_line(text: &str) -> Option<u32> {
    text.lines()
        .position(|l| {
            let t = l.trim();
            !(t.is_empty() || t.starts_with('#') || t == "---")
        })
        .map(|i| i as u32 + 1)
}
