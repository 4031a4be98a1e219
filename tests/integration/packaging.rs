//! Issue 22 §4: kvet as a kubectl plugin (through the real kubectl), its shell completions
//! sourced in bash, its man page rendered by `man -l`, and `--version` naming the commit.

use std::path::{Path, PathBuf};
use std::process::Command;

fn kvet_bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("kvet")
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn skipped(what: &str, tool: &str) {
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "\nSKIPPED: {what} needs {tool}, which this machine lacks (.ci/run installs it)\n"
    );
}

/// A PATH folder with kvet installed as a kubectl plugin, as krew or a user would.
fn plugin_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink(kvet_bin(), dir.path().join("kubectl-kvet")).expect("symlink");
    std::fs::copy(
        crate::support::repo().join("assets/kubectl/kubectl_complete-kvet"),
        dir.path().join("kubectl_complete-kvet"),
    )
    .expect("copy");
    dir
}

fn path_with(dir: &Path) -> String {
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// kubectl's minor version (`kubectl version --client -o json`).
fn kubectl_minor() -> Option<u32> {
    let out = Command::new("kubectl")
        .args(["version", "--client", "-o", "json"])
        .output()
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    let m = v["clientVersion"]["minor"].as_str()?;
    m.trim_end_matches('+').parse().ok()
}

#[test]
fn kubectl_runs_kvet_as_a_plugin_and_completes_its_words() {
    if !have("kubectl") {
        return skipped("the kubectl plugin test", "kubectl");
    }
    let dir = plugin_dir();
    let path = path_with(dir.path());
    let kubectl = |args: &[&str]| {
        Command::new("kubectl")
            .args(args)
            .env("PATH", &path)
            .env(
                "KVET_CONFIG_DIR",
                crate::support::repo().join("tests/fixtures/no-config"),
            )
            .output()
            .expect("kubectl")
    };
    let out = kubectl(&["plugin", "list"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("kubectl-kvet"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = kubectl(&["kvet", "--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("Usage: kubectl kvet"), "{help}");
    // The words after `kubectl kvet` reach kvet as they are, exit code included.
    let out = kubectl(&[
        "kvet",
        "audit",
        "--demo",
        "-o",
        "json",
        "--fail-on",
        "never",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(v["findings"].as_array().is_some_and(|f| !f.is_empty()));
    let out = kubectl(&["kvet", "audit", "--demo"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "critical findings fail the audit"
    );
    // Completion inside kubectl (1.26+ runs kubectl_complete-kvet); older kubectl cannot, so
    // the script is run as kubectl would run it.
    let completed = |words: &[&str]| -> String {
        let out = if kubectl_minor().is_some_and(|m| m >= 26) {
            let mut args = vec!["__complete", "kvet"];
            args.extend_from_slice(words);
            kubectl(&args)
        } else {
            Command::new(dir.path().join("kubectl_complete-kvet"))
                .args(words)
                .env("PATH", &path)
                .output()
                .expect("script")
        };
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let text = completed(&["rep"]);
    assert!(text.lines().any(|l| l.starts_with("report\t")), "{text}");
    assert!(text.lines().last().is_some_and(|l| l == ":4"), "{text}");
    let text = completed(&["report", "--format", ""]);
    for v in ["auto", "openreports", "wgpolicy", "both"] {
        assert!(text.lines().any(|l| l == v), "{text}");
    }
}

#[test]
fn bash_completion_sourced_completes_commands_and_flag_values() {
    if !have("bash") {
        return skipped("the bash completion test", "bash");
    }
    let script = r#"
        source <("$KVET" completions bash) || exit 9
        complete -p kvet || exit 8
        COMP_WORDS=(kvet rep); COMP_CWORD=1; COMP_LINE="kvet rep"; COMP_POINT=${#COMP_LINE}
        _kvet kvet rep kvet
        echo "words: ${COMPREPLY[*]}"
        COMP_WORDS=(kvet audit --fail-on ""); COMP_CWORD=3; COMP_LINE="kvet audit --fail-on "; COMP_POINT=${#COMP_LINE}
        _kvet kvet "" --fail-on
        echo "values: ${COMPREPLY[*]}"
    "#;
    let out = Command::new("bash")
        .args(["-c", script])
        .env("KVET", kvet_bin())
        .output()
        .expect("bash");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("-F _kvet kvet"), "{text}");
    assert!(text.contains("words: report"), "{text}");
    assert!(
        text.contains("values: critical warning info never"),
        "{text}"
    );
    // Every shell clap_complete knows gets a script that names kvet's commands.
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = Command::new(kvet_bin())
            .args(["completions", shell])
            .output()
            .expect("run");
        assert!(out.status.success());
        let s = String::from_utf8_lossy(&out.stdout);
        assert!(s.contains("who-can") && s.contains("report"), "{shell}");
    }
}

#[test]
fn the_man_page_renders_and_names_every_command() {
    let out = Command::new(kvet_bin()).arg("man").output().expect("run");
    assert!(out.status.success());
    let roff = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(roff.contains(".TH kvet 1"), "{roff}");
    for cmd in ["audit", "report", "diff", "triage", "completions"] {
        assert!(roff.contains(cmd), "{cmd} is not in the man page");
    }
    if !have("man") {
        return skipped("rendering the man page", "man");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let page = dir.path().join("kvet.1");
    std::fs::write(&page, &roff).expect("write");
    let out = Command::new("man")
        .arg("-l")
        .arg(&page)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .output()
        .expect("man");
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    // Minimised Debian images replace man with a stub that says so.
    if format!("{text}{err}").contains("minimized") {
        return skipped("rendering the man page", "a real man (this one is a stub)");
    }
    assert!(out.status.success(), "{err}");
    assert!(
        text.contains("NAME") && text.contains("kvet - Inspect"),
        "{text}"
    );
    assert!(text.contains("--kubeconfig"), "{text}");
}

#[test]
fn version_names_the_commit() {
    let out = Command::new(kvet_bin())
        .arg("--version")
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        text.starts_with(&format!("kvet {} (commit ", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(crate::support::repo())
        .output();
    if let Some(h) = head.ok().filter(|h| h.status.success()) {
        let hash = String::from_utf8_lossy(&h.stdout).trim().to_string();
        assert!(text.contains(&hash), "{text} does not name {hash}");
    }
}
