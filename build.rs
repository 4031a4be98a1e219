//! Names the commit kvet is built from, for `kvet --version`: `KVET_COMMIT` when the packager
//! sets it, else `git rev-parse` of the checkout, else "unknown" (a source tarball).

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!s.is_empty()).then_some(s)
}

fn main() {
    println!("cargo:rerun-if-env-changed=KVET_COMMIT");
    let commit = std::env::var("KVET_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(|| {
            // Rebuild when HEAD moves: HEAD itself, and the branch file it names.
            if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
                println!("cargo:rerun-if-changed={dir}/HEAD");
                if let Some(r) = git(&["symbolic-ref", "-q", "HEAD"]) {
                    println!("cargo:rerun-if-changed={dir}/{r}");
                }
                println!("cargo:rerun-if-changed={dir}/packed-refs");
            }
            let hash = git(&["rev-parse", "--short=12", "HEAD"])?;
            let date = git(&["log", "-1", "--format=%cs", "HEAD"]).unwrap_or_default();
            Some(if date.is_empty() {
                hash
            } else {
                format!("{hash} {date}")
            })
        })
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=KVET_COMMIT={commit}");
}
