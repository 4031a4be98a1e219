/// See Cargo.toml and BENCHMARKS.md ("Allocator") for why.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{CommandFactory, FromArgMatches};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // Installed as `kubectl-kvet`, kvet runs as `kubectl kvet ...` (kubectl passes the words
    // after the plugin's name, and no flag of its own): the help says so.
    let plugin = args
        .first()
        .and_then(|a| std::path::Path::new(a).file_name())
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("kubectl-"));
    let mut cmd = kvet::cli::Cli::command();
    if plugin {
        cmd = cmd.bin_name("kubectl kvet");
    }
    let cli = match kvet::cli::Cli::from_arg_matches(&cmd.get_matches_from(args)) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let code = kvet::cli::run(cli, &mut stdout.lock(), &mut stderr.lock());
    ExitCode::from(code)
}
