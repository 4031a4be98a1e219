use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = kvet::cli::Cli::parse();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let code = kvet::cli::run(cli, &mut stdout.lock(), &mut stderr.lock());
    ExitCode::from(code)
}
