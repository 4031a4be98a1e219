//! The dependency rule of architecture.md: pure modules import no I/O, async or terminal crates.

use crate::support::repo;

fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn pure_layers_do_no_io() {
    let forbidden = [
        "tokio",
        "kube::",
        "ratatui",
        "crossterm",
        "std::fs",
        // Addresses are values; sockets and name lookups are I/O.
        "TcpStream",
        "TcpListener",
        "UdpSocket",
        "ToSocketAddrs",
        "std::process",
        "std::io::stdin",
        "reqwest",
    ];
    let mut bad = Vec::new();
    for layer in ["model", "audit", "fix", "rbac", "netpol", "drain", "triage"] {
        let mut files = Vec::new();
        rust_files(&repo().join("src").join(layer), &mut files);
        assert!(!files.is_empty(), "src/{layer} has no files");
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            for word in forbidden {
                if text.contains(word) {
                    bad.push(format!("{} uses {word}", f.display()));
                }
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
