//! Issue 19 §1: one escaping policy for every human-facing output, tried on every command with
//! the same hostile corpus (`tests/fixtures/hostile/`), and input that must not hang or blow up.

use crate::support::repo;
use assert_cmd::Command;

fn kvet() -> Command {
    let mut c = Command::cargo_bin("kvet").expect("binary");
    c.env("KVET_CONFIG_DIR", repo().join("tests/fixtures/no-config"));
    c
}

/// What a terminal would interpret: C0/C1 controls but newline and tab, DEL, bidi controls.
fn raw_controls(s: &str) -> Vec<String> {
    s.chars()
        .filter(|&c| kvet::text::is_unsafe(c) && c != '\n' && c != '\t')
        .map(|c| format!("U+{:04X}", c as u32))
        .collect()
}

#[test]
fn no_command_prints_a_raw_control_character_from_the_hostile_corpus() {
    let f = repo().join("tests/fixtures/hostile/cluster.yaml");
    let f = f.to_str().unwrap_or_default();
    let runs: Vec<Vec<&str>> = vec![
        vec!["audit", "-f", f, "--fail-on", "never"],
        vec!["audit", "-f", f, "-o", "json", "--fail-on", "never"],
        vec!["audit", "-f", f, "-o", "sarif", "--fail-on", "never"],
        vec!["audit", "-f", f, "-o", "markdown", "--fail-on", "never"],
        vec!["can", "serviceaccount:hostile:robot", "-f", f],
        vec!["can", "serviceaccount:hostile:robot", "-f", f, "-o", "json"],
        vec![
            "can",
            "serviceaccount:hostile:robot",
            "get",
            "secrets",
            "-n",
            "hostile",
            "-f",
            f,
        ],
        vec!["who-can", "get", "secrets", "-n", "hostile", "-f", f],
        vec![
            "who-can", "get", "secrets", "-n", "hostile", "-f", f, "-o", "json",
        ],
        vec![
            "reach",
            "-f",
            f,
            "--from",
            "deploy/hostile/web",
            "--to",
            "deploy/hostile/web",
            "--port",
            "8080",
        ],
        vec!["drain", "node-1", "-f", f],
        vec!["drain", "node-1", "-f", f, "-o", "json"],
        vec!["triage", "-f", f],
        vec!["triage", "-f", f, "-o", "json"],
        vec![
            "fix",
            "-f",
            f,
            "--check",
            "pdb-missing",
            "--object",
            "deploy/hostile/web",
            "-o",
            "diff",
        ],
        vec![
            "fix",
            "-f",
            f,
            "--check",
            "pdb-missing",
            "--object",
            "deploy/hostile/web",
            "-o",
            "yaml",
        ],
        vec![
            "fix",
            "-f",
            f,
            "--check",
            "pdb-missing",
            "--object",
            "deploy/hostile/web",
            "-o",
            "kubectl",
        ],
        vec![
            "fix",
            "-f",
            f,
            "--check",
            "pdb-missing",
            "--object",
            "deploy/hostile/web",
            "-o",
            "patch",
        ],
        // A usage error that repeats what the user typed.
        vec![
            "fix",
            "-f",
            f,
            "--check",
            "pdb-missing",
            "--object",
            "deploy/hostile/\u{1b}[2Jx",
        ],
    ];
    let mut reached = 0;
    for args in runs {
        let out = kvet().args(&args).output().expect("run kvet");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        for (name, text) in [("stdout", &stdout), ("stderr", &stderr)] {
            let bad = raw_controls(text);
            assert!(
                bad.is_empty(),
                "kvet {args:?}: {name} has raw {bad:?}:\n{text}"
            );
        }
        // The hostile strings did reach the output, escaped: the test is not passing on silence.
        if stdout.contains("\\u202e") || stdout.contains("\\x1b") || stdout.contains("\\u001b") {
            reached += 1;
        }
        if args.contains(&"json") || args.contains(&"sarif") || args.contains(&"patch") {
            let v: Result<serde_json::Value, _> = serde_json::from_str(&stdout);
            assert!(
                v.is_ok(),
                "kvet {args:?}: the escaped JSON must stay valid:\n{stdout}"
            );
        }
    }
    assert!(
        reached >= 8,
        "hostile strings reached only {reached} outputs"
    );
    // The two outputs the issue found raw: `kvet can SUBJECT`'s rules and the fix diff.
    let can = kvet()
        .args(["can", "serviceaccount:hostile:robot", "-f", f])
        .output()
        .expect("run kvet");
    let can = String::from_utf8_lossy(&can.stdout);
    assert!(can.contains("get,\\x1b]52;c;aGVsbG8=\\x07"), "{can}");
    let diff = kvet()
        .args([
            "fix",
            "-f",
            f,
            "--check",
            "pdb-missing",
            "--object",
            "deploy/hostile/web",
        ])
        .output()
        .expect("run kvet");
    let diff = String::from_utf8_lossy(&diff.stdout);
    assert!(diff.contains("web\\u202e"), "{diff}");
}

#[test]
fn escaped_json_decodes_to_the_original_strings() {
    let f = repo().join("tests/fixtures/hostile/cluster.yaml");
    let out = kvet()
        .args(["can", "serviceaccount:hostile:robot", "-o", "json", "-f"])
        .arg(&f)
        .output()
        .expect("run kvet");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let text = v.to_string();
    assert!(
        text.contains("\u{1b}]52;c;aGVsbG8=\u{7}") || v.to_string().contains("\\u001b]52"),
        "{text}"
    );
    let verbs = &v["bindings"][0]["rules"][0]["verbs"];
    assert_eq!(verbs[1], "\u{1b}]52;c;aGVsbG8=\u{7}", "{v}");
}

const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: web:1}]\n";

/// `-f <(helm template ...)`: a pipe given directly is read as a stream; a FIFO inside a folder
/// is skipped with a note instead of blocking forever.
#[cfg(unix)]
#[test]
fn pipes_are_streams_and_fifos_in_folders_are_skipped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("pipe.yaml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("SKIPPED: mkfifo is not available");
        return;
    }
    std::fs::write(dir.path().join("web.yaml"), DEPLOY).expect("write");
    // Direct: a writer feeds the FIFO, as bash's process substitution does.
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let _ = std::fs::write(&fifo, DEPLOY);
        })
    };
    let out = kvet()
        .args(["audit", "-o", "json", "--fail-on", "never", "-f"])
        .arg(&fifo)
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .expect("run");
    let _ = writer.join();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert!(
        v["findings"]
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f["check"] == "pdb-missing")),
        "{v}"
    );
    // Inside a folder: skipped with a note, the rest audited, nothing blocks.
    let out = kvet()
        .args(["audit", "-o", "json", "--fail-on", "never", "-f"])
        .arg(dir.path())
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("pipe.yaml") && stderr.contains("not a regular file"),
        "{stderr}"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert!(v["findings"]
        .as_array()
        .is_some_and(|f| f.iter().any(|f| f["check"] == "pdb-missing")));
}

/// A binary is refused from its first bytes (never read whole), and the other inputs still load.
#[test]
fn a_binary_is_refused_from_its_first_bytes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bin = dir.path().join("blob.yaml");
    // Sparse: 1 GiB on paper, nothing on disk. Read whole, it would cost a gigabyte.
    let f = std::fs::File::create(&bin).expect("create");
    f.set_len(1 << 30).expect("sparse");
    std::fs::write(dir.path().join("web.yaml"), DEPLOY).expect("write");
    let started = std::time::Instant::now();
    let out = kvet()
        .args(["audit", "-o", "json", "--fail-on", "never", "-f"])
        .arg(dir.path())
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("blob.yaml") && stderr.contains("binary file"),
        "{stderr}"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert!(
        v["findings"].as_array().is_some_and(|f| !f.is_empty()),
        "the other file is audited"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

/// JSON is YAML: a stream of JSON documents separated by `---` loads every document, and a
/// Kustomization is skipped with a note (a raw kustomize folder no longer exits 2).
#[test]
fn json_streams_with_separators_and_kustomize_folders_load() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = r#"{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}"#;
    let b = r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
 "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
  "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "web:1"}]}}}}"#;
    std::fs::write(
        dir.path().join("stream.json"),
        format!("{a}\n---\n{b}\n---\n{a}\n"),
    )
    .expect("write");
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        "resources: [stream.json]\nnamePrefix: prod-\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("component.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches: []\n",
    )
    .expect("write");
    let out = kvet()
        .args(["audit", "-o", "json", "--fail-on", "never", "-f"])
        .arg(dir.path())
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("kustomization.yaml: a Kustomization, skipped"),
        "{stderr}"
    );
    assert!(
        stderr.contains("component.yaml:1: a Kustomization, skipped"),
        "{stderr}"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let f = v["findings"].as_array().cloned().unwrap_or_default();
    let pdb = f
        .iter()
        .find(|f| f["check"] == "pdb-missing")
        .expect("the second document loaded");
    // The labels of the second document stand on line 5 of the file.
    assert_eq!(pdb["location"]["line"], 5, "{pdb}");
    // The namespace is defined twice: both documents were read.
    assert!(
        v["warnings"].to_string().contains("Namespace/shop"),
        "{}",
        v["warnings"]
    );
}

/// `fix --set` with a key the fix does not take is a usage error naming the editable keys.
#[test]
fn fix_set_with_an_unknown_key_is_refused() {
    let out = kvet()
        .args([
            "fix",
            "--demo",
            "--check",
            "pdb-missing",
            "--object",
            "deploy/storefront/cart",
            "--set",
            "maxUnavailabel=2",
        ])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("maxUnavailabel") && stderr.contains("editable values are maxUnavailable"),
        "{stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "nothing printed as if it were the fix"
    );
}
