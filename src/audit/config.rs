//! The audit config: a TOML file that turns checks off or changes their severity.
//!
//! ```toml
//! [checks]
//! limit-ratio = "off"
//! pdb-missing = "warning"
//! ```
//!
//! Parsing is pure; finding and reading the file is the caller's business.

use super::{find_check, Severity};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Setting {
    Off,
    Severity(Severity),
}

#[derive(Clone, Debug, Default)]
pub struct Config {
    checks: BTreeMap<String, Setting>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{path}:{line}: {message}")]
pub struct ConfigError {
    pub path: String,
    pub line: usize,
    pub message: String,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    checks: BTreeMap<String, String>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Line of the first line that mentions `key` (for errors about a key's value).
fn line_of_key(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| l.trim_start().trim_start_matches('"').starts_with(key))
        .map(|i| i + 1)
        .unwrap_or(1)
}

impl Config {
    /// Parses config text; `path` is only used in error messages.
    pub fn parse(text: &str, path: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError {
            path: path.to_string(),
            line: e.span().map(|s| line_of(text, s.start)).unwrap_or(1),
            message: e.message().to_string(),
        })?;
        let mut checks = BTreeMap::new();
        for (id, value) in raw.checks {
            let err = |message: String| ConfigError {
                path: path.to_string(),
                line: line_of_key(text, &id),
                message,
            };
            if find_check(&id).is_none() {
                return Err(err(format!(
                    "unknown check ID {id:?}; `kvet checks` lists the IDs"
                )));
            }
            let setting = if value.eq_ignore_ascii_case("off") {
                Setting::Off
            } else {
                Setting::Severity(Severity::parse(&value).ok_or_else(|| {
                    err(format!(
                        "{id}: {value:?} is not one of off, info, warning, critical"
                    ))
                })?)
            };
            checks.insert(id, setting);
        }
        Ok(Config { checks })
    }

    pub fn setting(&self, id: &str) -> Option<Setting> {
        self.checks.get(id).copied()
    }

    pub fn set(&mut self, id: &str, setting: Setting) {
        self.checks.insert(id.to_string(), setting);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_and_severity() {
        let c = Config::parse(
            "[checks]\nlimit-ratio = \"off\"\npdb-missing = \"warning\"\n",
            "k.toml",
        )
        .unwrap();
        assert_eq!(c.setting("limit-ratio"), Some(Setting::Off));
        assert_eq!(
            c.setting("pdb-missing"),
            Some(Setting::Severity(Severity::Warning))
        );
        assert_eq!(c.setting("rollout-defaults"), None);
    }

    #[test]
    fn unknown_id_names_file_and_line() {
        let e = Config::parse("[checks]\n\npdb-mising = \"off\"\n", "/etc/kvet.toml").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e
            .to_string()
            .starts_with("/etc/kvet.toml:3: unknown check ID"));
    }

    #[test]
    fn bad_value_and_bad_toml() {
        let e = Config::parse("[checks]\npdb-missing = \"loud\"\n", "c.toml").unwrap_err();
        assert!(e.message.contains("not one of"), "{e}");
        let e = Config::parse("[checks\n", "c.toml").unwrap_err();
        assert_eq!(e.line, 1);
    }
}
