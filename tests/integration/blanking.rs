//! Parity of the pre-parse blanking: `strip_unkept` blanks blocks kvet never reads (`env:`,
//! `volumes:`, the last-applied annotation, ...) before parsing, for speed. It must never change
//! what a document decodes to. Checked on every document of the vendored corpus, and on
//! mutations of them made to hit the cases where text-level blanking could go wrong: key-like
//! lines inside block scalars, multi-line quoted scalars and flow collections, anchors inside a
//! blanked block, and shifted or missing lines.

use crate::support::corpus;
use kvet::model::decode::{decode_yaml, decode_yaml_unblanked, DecodeOptions, Decoded};
use std::path::{Path, PathBuf};

const BLANKABLE: [&str; 7] = [
    "env:",
    "envFrom:",
    "volumeMounts:",
    "volumes:",
    "args:",
    "tolerations:",
    "managedFields:",
];

/// A small deterministic generator (xorshift64*), so that a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    crate::support::files_with(dir, &["yaml", "yml"], out);
}

/// Documents of a file, cut at `---` lines as the loader cuts them.
fn documents(text: &str) -> Vec<String> {
    let mut docs = vec![String::new()];
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "---" || line.starts_with("--- ") {
            docs.push(String::new());
        } else if let Some(last) = docs.last_mut() {
            last.push_str(line);
        }
    }
    docs.retain(|d| !d.trim().is_empty());
    docs
}

fn projection(d: &Decoded) -> String {
    format!("{:?}", d.objects)
}

/// Compares the two decodings of one document. Returns a description of a difference.
fn differs(doc: &str) -> Option<String> {
    let opts = DecodeOptions::default();
    let plain = decode_yaml_unblanked(doc, &opts);
    let blanked = decode_yaml(doc, &opts);
    if !plain.errors.is_empty() {
        // The parser rejects the document: there is no projection to compare. (Blanking can
        // hide a syntax error that lies wholly inside a blanked block; see `hidden_errors`.)
        return None;
    }
    if !blanked.errors.is_empty() {
        return Some(format!("blanked decode failed: {:?}", blanked.errors));
    }
    if projection(&plain) != projection(&blanked) {
        return Some(format!(
            "projections differ:\n  plain:   {}\n  blanked: {}",
            projection(&plain),
            projection(&blanked)
        ));
    }
    None
}

fn indent(n: usize) -> String {
    " ".repeat(n)
}

/// One mutation of a document's lines, chosen to stress the blanking.
fn mutate(doc: &str, rng: &mut Rng) -> String {
    let mut lines: Vec<String> = doc.lines().map(str::to_string).collect();
    if lines.is_empty() {
        return doc.to_string();
    }
    let at = rng.below(lines.len() + 1);
    let col = |l: &String| l.len() - l.trim_start_matches(' ').len();
    let base = lines.get(at).map(col).unwrap_or(0);
    let key = rng.pick(&BLANKABLE);
    const TRICKY: [&str; 24] = [
        "0x1F",
        "0o17",
        "017",
        "1e3",
        "1_000",
        "1:30",
        ".5",
        "+1",
        "-.inf",
        ".NaN",
        "yes",
        "No",
        "~",
        "'it''s'",
        "\"tab\\tand\\u00e9\"",
        "!!str 12",
        "&a x",
        "*a",
        "[a, {b: c}]",
        "{}",
        "\"unclosed",
        "a #comment",
        "a#b",
        "- x",
    ];
    match rng.below(13) {
        // A value replaced by a spelling the YAML schemas type differently, or odd syntax.
        10..=12 => {
            if let Some(l) = lines.get_mut(at) {
                if let Some(i) = l.find(": ") {
                    *l = format!("{}: {}", &l[..i], TRICKY[rng.below(TRICKY.len())]);
                } else if let Some(i) = l.find("- ") {
                    *l = format!("{}- {}", &l[..i], TRICKY[rng.below(TRICKY.len())]);
                }
            }
        }
        // A blankable key line dropped anywhere, at some indentation.
        0 => lines.insert(at, format!("{}{key}", indent(2 * rng.below(6)))),
        // A block scalar whose text holds a blankable key.
        1 => {
            lines.insert(at, format!("{}script: |", indent(base)));
            lines.insert(at + 1, format!("{}{key}", indent(base + 2)));
            lines.insert(at + 2, format!("{}- name: not-a-field", indent(base + 2)));
        }
        // A multi-line double-quoted scalar that holds a blankable key line.
        2 => {
            lines.insert(at, format!("{}note: \"first line", indent(base)));
            lines.insert(at + 1, format!("{}{key}", indent(base + 2)));
            lines.insert(at + 2, format!("{}last line\"", indent(base + 2)));
        }
        // The same with single quotes.
        3 => {
            lines.insert(at, format!("{}note: 'first", indent(base)));
            lines.insert(at + 1, format!("{}{key}", indent(base + 2)));
            lines.insert(at + 2, format!("{}last'", indent(base + 2)));
        }
        // A multi-line flow sequence with a blankable key inside.
        4 => {
            lines.insert(at, format!("{}items: [a,", indent(base)));
            lines.insert(at + 1, format!("{}{key}", indent(base + 2)));
            lines.insert(at + 2, format!("{}b]", indent(base + 2)));
        }
        // An anchor inside a blanked block, and an alias to it outside.
        5 => {
            lines.insert(at, format!("{}{key}", indent(base)));
            lines.insert(at + 1, format!("{}- &shared {{name: X}}", indent(base)));
            lines.push("aliased: *shared".to_string());
        }
        // A line removed.
        6 => {
            if at < lines.len() {
                lines.remove(at);
            }
        }
        // A line repeated.
        7 => {
            if let Some(l) = lines.get(at).cloned() {
                lines.insert(at, l);
            }
        }
        // A line shifted left or right.
        8 => {
            if let Some(l) = lines.get_mut(at) {
                if rng.below(2) == 0 {
                    *l = format!("  {l}");
                } else if l.starts_with("  ") {
                    *l = l[2..].to_string();
                }
            }
        }
        // A blanked block followed by an item at its own indentation.
        _ => {
            lines.insert(at, format!("{}{key}", indent(base)));
            lines.insert(at + 1, format!("{}- name: A", indent(base)));
            lines.insert(at + 2, format!("{}  value: \"b", indent(base)));
            lines.insert(at + 3, format!("{}  c\"", indent(base)));
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

#[test]
fn blanking_never_changes_a_corpus_document() {
    let mut files = Vec::new();
    yaml_files(&corpus(), &mut files);
    let mut checked = 0;
    let mut blanked = 0;
    let mut failures = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read");
        for doc in documents(&text) {
            checked += 1;
            if matches!(
                kvet::model::decode::strip_unkept(&doc),
                std::borrow::Cow::Owned(_)
            ) {
                blanked += 1;
            }
            if let Some(d) = differs(&doc) {
                failures.push(format!("{}: {d}", f.display()));
            }
        }
    }
    assert!(checked > 900, "{checked} documents");
    // The blanking still does its work on real manifests (it is there for speed).
    assert!(blanked > 100, "{blanked} documents blanked");
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn blanking_never_changes_a_mutated_document() {
    let mut files = Vec::new();
    yaml_files(&corpus(), &mut files);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut cases = 0;
    let mut parsed = 0;
    let mut failures = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read");
        for doc in documents(&text) {
            if !BLANKABLE.iter().any(|k| doc.contains(k)) && rng.below(8) != 0 {
                continue;
            }
            for round in 0..12 {
                let mut m = mutate(&doc, &mut rng);
                if round % 3 == 2 {
                    m = mutate(&m, &mut rng);
                }
                cases += 1;
                if decode_yaml_unblanked(&m, &DecodeOptions::default())
                    .errors
                    .is_empty()
                {
                    parsed += 1;
                }
                if let Some(d) = differs(&m) {
                    failures.push(format!("{} (mutated):\n{m}\n=> {d}", f.display()));
                }
            }
        }
    }
    let hidden = hidden_errors(&files);
    eprintln!("blanking parity: {cases} mutated documents, {parsed} parse, {hidden} syntax errors hidden inside blanked blocks");
    assert!(cases > 600, "{cases} mutated documents");
    assert!(
        parsed > cases / 3,
        "{parsed} of {cases} mutations still parse"
    );
    assert!(
        failures.is_empty(),
        "{} of {cases} differ:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Mutated documents that the parser rejects but that decode once blanked: the error sat in a
/// block kvet never reads. Counted for the report; each such document still yields only what
/// it declares.
fn hidden_errors(files: &[PathBuf]) -> usize {
    let mut rng = Rng(7);
    let mut n = 0;
    for f in files.iter().take(200) {
        let text = std::fs::read_to_string(f).expect("read");
        for doc in documents(&text) {
            let m = mutate(&doc, &mut rng);
            let opts = DecodeOptions::default();
            if !decode_yaml_unblanked(&m, &opts).errors.is_empty()
                && decode_yaml(&m, &opts).errors.is_empty()
            {
                n += 1;
            }
        }
    }
    n
}

#[test]
fn text_that_looks_like_a_blanked_key_is_kept() {
    // `env:` here is a line of a quoted annotation, not a key: blanking it would cut the value.
    let doc = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  annotations:\n    note: \"first\n      env:\n      last\"\nspec:\n  replicas: 2\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: web:1\n        env:\n        - name: A\n          value: b\n";
    assert!(differs(doc).is_none(), "{:?}", differs(doc));
    let d = decode_yaml(doc, &DecodeOptions::default());
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    let text = format!("{:?}", d.objects);
    assert!(text.contains("first env: last"), "{text}");
}

/// The fast YAML path against serde-saphyr on one document (after the blanking, as loading
/// does it). Returns `Some(true)` when the fast path took it, `Some(false)` when it gave up, and
/// `None` after recording a difference.
fn fast_agrees(doc: &str, failures: &mut Vec<String>) -> Option<bool> {
    use kvet::model::decode::{from_raw, parse_yaml_full, strip_unkept};
    use kvet::model::fastyaml;
    let opts = DecodeOptions::default();
    let text = strip_unkept(doc);
    let full = parse_yaml_full(&text, &opts);
    match fastyaml::from_str::<kvet::model::wire::RawObject>(&text) {
        Err(_) => Some(false),
        Ok(raw) => {
            let fast = from_raw(raw, &opts);
            if projection(&fast) != projection(&full) || fast.errors != full.errors {
                failures.push(format!(
                    "{doc}\n=> fast:  {} {:?}\n   full:  {} {:?}",
                    projection(&fast),
                    fast.errors,
                    projection(&full),
                    full.errors
                ));
                return None;
            }
            Some(true)
        }
    }
}

/// Mutations of each document for the fast-path comparison (more with KVET_FUZZ_ROUNDS).
const MUTATIONS: usize = 3;

#[test]
fn the_fast_yaml_path_agrees_with_the_full_parser() {
    let rounds: usize = std::env::var("KVET_FUZZ_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(MUTATIONS);
    let mut files = Vec::new();
    yaml_files(&corpus(), &mut files);
    let mut failures = Vec::new();
    let (mut fast, mut total) = (0, 0);
    let mut rng = Rng(0xC0FF_EE00_1234_5678);
    let mut sources: Vec<String> = files
        .iter()
        .map(|f| std::fs::read_to_string(f).expect("read"))
        .collect();
    // The demo and a slice of the synthetic cluster too: the shapes the benchmarks measure.
    sources.extend(kvet::source::demo::FILES.iter().map(|(_, t)| t.to_string()));
    let mut synth = Vec::new();
    kvet::synth::write(&kvet::synth::Params::for_pods(300, 1), &mut synth).expect("synth");
    sources.push(String::from_utf8(synth).expect("utf-8"));
    for text in &sources {
        for doc in documents(text) {
            total += 1;
            if fast_agrees(&doc, &mut failures) == Some(true) {
                fast += 1;
            }
            for _ in 0..rounds {
                let m = mutate(&doc, &mut rng);
                fast_agrees(&m, &mut failures);
            }
        }
    }
    eprintln!("fast YAML path: {fast} of {total} documents");
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
    assert!(
        fast * 10 > total * 8,
        "only {fast} of {total} documents took the fast path"
    );
}
