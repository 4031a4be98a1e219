//! Completion: `kvet completions SHELL` (scripts from clap_complete), `kvet man` (a roff page
//! from clap_mangen), and `kvet __complete WORDS...`, the dynamic protocol kubectl speaks to a
//! plugin's `kubectl_complete-kvet` (kubectl 1.26+): the words after `kubectl kvet`, the last one
//! being completed (empty for a new word); one candidate per line (`value\tdescription`), then
//! `:DIRECTIVE` as Cobra defines it (0: the shell may also complete file names; 4: it may not).

use super::{exit, Cli, Failure};
use clap::{Arg, Command, CommandFactory};
use std::io::Write;

/// Cobra's ShellCompDirective values.
const DEFAULT: u8 = 0;
const NO_FILE: u8 = 4;

/// Flags whose value is a file or a folder: left to the shell.
fn takes_path(a: &Arg) -> bool {
    matches!(
        a.get_value_hint(),
        clap::ValueHint::FilePath | clap::ValueHint::DirPath | clap::ValueHint::AnyPath
    ) || a.get_value_names().is_some_and(|n| {
        n.iter()
            .any(|v| matches!(v.as_str(), "FILE" | "PATH" | "DIR"))
    })
}

fn takes_value(a: &Arg) -> bool {
    a.get_num_args().is_some_and(|n| n.takes_values()) || a.get_action().takes_values()
}

/// Every flag usable at `cmd`: its own and the global ones of its ancestors.
fn flags<'a>(path: &[&'a Command]) -> Vec<&'a Arg> {
    let mut out: Vec<&Arg> = Vec::new();
    for (i, c) in path.iter().enumerate() {
        for a in c.get_arguments() {
            if a.is_positional() || a.is_hide_set() {
                continue;
            }
            if i + 1 < path.len() && !a.is_global_set() {
                continue;
            }
            if !out.iter().any(|b| b.get_id() == a.get_id()) {
                out.push(a);
            }
        }
    }
    out
}

fn find_flag<'a>(flags: &[&'a Arg], word: &str) -> Option<&'a Arg> {
    if let Some(long) = word.strip_prefix("--") {
        let long = long.split('=').next().unwrap_or(long);
        flags.iter().copied().find(|a| {
            a.get_long() == Some(long) || a.get_all_aliases().is_some_and(|al| al.contains(&long))
        })
    } else {
        let c = word.strip_prefix('-')?.chars().next()?;
        flags.iter().copied().find(|a| a.get_short() == Some(c))
    }
}

fn help_of(a: &Arg) -> String {
    a.get_help()
        .map(|h| h.to_string().lines().next().unwrap_or("").to_string())
        .unwrap_or_default()
}

/// The candidates for the last of `words` (the words after `kvet`), and the directive.
/// `contexts` gives the kubeconfig's context names when a `--context` value is completed.
pub fn candidates(
    root: &Command,
    words: &[String],
    contexts: &dyn Fn() -> Vec<String>,
) -> (Vec<String>, u8) {
    let (partial, done) = match words.split_last() {
        Some((p, d)) => (p.as_str(), d),
        None => ("", &[][..]),
    };
    let mut path: Vec<&Command> = vec![root];
    let mut expect_value: Option<&Arg> = None;
    for w in done {
        let cur = path[path.len() - 1];
        if expect_value.take().is_some() {
            continue;
        }
        if w.starts_with('-') {
            let f = flags(&path);
            if let Some(a) = find_flag(&f, w) {
                // `--flag=value` and `-ovalue` carry their value.
                let attached = w.contains('=') || (!w.starts_with("--") && w.len() > 2);
                if takes_value(a) && !attached {
                    expect_value = Some(a);
                }
            }
            continue;
        }
        if let Some(sub) = cur
            .get_subcommands()
            .find(|s| s.get_name() == w || s.get_all_aliases().any(|al| al == w))
        {
            path.push(sub);
        }
    }
    let all_flags = flags(&path);
    // A flag's value.
    let value_of = expect_value.or_else(|| {
        partial
            .starts_with("--")
            .then(|| partial.contains('='))
            .filter(|x| *x)
            .and_then(|_| find_flag(&all_flags, partial))
    });
    if let Some(a) = value_of {
        let prefix = match partial.split_once('=') {
            Some((flag, v)) if partial.starts_with("--") => (format!("{flag}="), v),
            _ => (String::new(), partial),
        };
        if a.get_long() == Some("context") {
            let list = contexts()
                .into_iter()
                .filter(|c| c.starts_with(prefix.1))
                .map(|c| format!("{}{c}", prefix.0))
                .collect();
            return (list, NO_FILE);
        }
        let values: Vec<String> = a
            .get_possible_values()
            .iter()
            .filter(|v| !v.is_hide_set() && v.get_name().starts_with(prefix.1))
            .map(|v| format!("{}{}", prefix.0, v.get_name()))
            .collect();
        if !values.is_empty() {
            return (values, NO_FILE);
        }
        return (Vec::new(), if takes_path(a) { DEFAULT } else { NO_FILE });
    }
    if partial.starts_with('-') {
        let mut out = Vec::new();
        for a in &all_flags {
            if let Some(l) = a.get_long() {
                let name = format!("--{l}");
                if name.starts_with(partial) {
                    out.push(format!("{name}\t{}", help_of(a)));
                }
            }
        }
        out.sort();
        return (out, NO_FILE);
    }
    let cur = path[path.len() - 1];
    let mut out: Vec<String> = cur
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name().starts_with(partial))
        .map(|s| {
            let about = s
                .get_about()
                .map(|h| h.to_string().lines().next().unwrap_or("").to_string())
                .unwrap_or_default();
            format!("{}\t{about}", s.get_name())
        })
        .collect();
    // Positional values with a fixed set (shells, check IDs are free text).
    for a in cur.get_positionals() {
        for v in a.get_possible_values() {
            if !v.is_hide_set() && v.get_name().starts_with(partial) {
                out.push(v.get_name().to_string());
            }
        }
    }
    // A command whose positional is a file or a source (`kvet diff BEFORE AFTER`) may take
    // paths.
    let paths = cur
        .get_positionals()
        .any(|a| a.get_possible_values().is_empty());
    (out, if paths { DEFAULT } else { NO_FILE })
}

/// `kvet completions SHELL`.
pub fn completions_cmd(shell: clap_complete::Shell, out: &mut dyn Write) -> Result<u8, Failure> {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "kvet", out);
    Ok(exit::OK)
}

/// `kvet man`.
pub fn man_cmd(out: &mut dyn Write) -> Result<u8, Failure> {
    written(clap_mangen::Man::new(Cli::command()).render(out))
}

/// `kvet __complete WORDS...`.
pub fn complete_cmd(words: &[String], out: &mut dyn Write) -> Result<u8, Failure> {
    written(print(&Cli::command(), words, &kubeconfig_contexts, out))
}

/// The exit code of a command that only prints: a reader that closed the pipe early
/// (`kvet man | head`) is not an error.
pub(crate) fn written(r: std::io::Result<()>) -> Result<u8, Failure> {
    match r {
        Ok(()) => Ok(exit::OK),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(exit::OK),
        Err(e) => Err(Failure::usage(format!("cannot write output: {e}"))),
    }
}

/// Prints the candidates as kubectl (Cobra) reads them.
pub fn print(
    root: &Command,
    words: &[String],
    contexts: &dyn Fn() -> Vec<String>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let (list, directive) = candidates(root, words, contexts);
    for c in list {
        writeln!(out, "{c}")?;
    }
    writeln!(out, ":{directive}")
}

/// The context names of the kubeconfig kvet would read (KUBECONFIG, else ~/.kube/config).
pub fn kubeconfig_contexts() -> Vec<String> {
    let kc = match kube::config::Kubeconfig::from_env() {
        Ok(Some(k)) => Some(k),
        _ => kube::config::Kubeconfig::read().ok(),
    };
    kc.map(|k| k.contexts.into_iter().map(|c| c.name).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(words: &[&str]) -> (Vec<String>, u8) {
        let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        candidates(&crate::cli::Cli::command(), &words, &|| {
            vec!["prod".into(), "staging".into()]
        })
    }

    fn names(v: &[String]) -> Vec<&str> {
        v.iter()
            .map(|c| c.split('\t').next().unwrap_or(""))
            .collect()
    }

    #[test]
    fn subcommands_flags_values_and_contexts() {
        let (c, d) = run(&["au"]);
        assert_eq!(names(&c), ["audit"]);
        assert_eq!(d, NO_FILE);
        let (c, _) = run(&["audit", "--fa"]);
        assert_eq!(names(&c), ["--fail-on"]);
        let (c, _) = run(&["audit", "--fail-on", ""]);
        assert_eq!(names(&c), ["critical", "warning", "info", "never"]);
        let (c, _) = run(&["audit", "-o", "s"]);
        assert_eq!(names(&c), ["sarif"]);
        let (c, d) = run(&["--context", "st"]);
        assert_eq!(names(&c), ["staging"]);
        assert_eq!(d, NO_FILE);
        let (c, _) = run(&["report", "--context=p"]);
        assert_eq!(names(&c), ["--context=prod"]);
        // A global flag is offered below a subcommand, and a file flag leaves it to the shell.
        let (c, _) = run(&["report", "--kube"]);
        assert_eq!(names(&c), ["--kubeconfig"]);
        let (c, d) = run(&["audit", "-f", ""]);
        assert!(c.is_empty());
        assert_eq!(d, DEFAULT);
        let (c, _) = run(&["completions", ""]);
        assert!(names(&c).contains(&"bash") && names(&c).contains(&"powershell"));
        // The hidden protocol command is never offered.
        let (c, _) = run(&[""]);
        assert!(!names(&c).iter().any(|n| n.starts_with("__")));
        assert!(names(&c).contains(&"report"));
    }
}
