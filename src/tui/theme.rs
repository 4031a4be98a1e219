//! Themes: TOML files with named colours. The bundled ones are embedded; a user's themes live
//! in `<config dir>/themes/NAME.toml`. With `NO_COLOR` set, every colour is the terminal's own
//! and emphasis comes from bold, underline and reverse video only.

use crate::audit::Severity;
use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::path::Path;

/// (name, TOML text) of the themes shipped in the binary.
pub const BUNDLED: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTheme {
    name: String,
    colors: RawColors,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawColors {
    fg: String,
    bg: String,
    muted: String,
    accent: String,
    border: String,
    border_focus: String,
    selection_fg: String,
    selection_bg: String,
    header_fg: String,
    header_bg: String,
    critical: String,
    warning: String,
    info: String,
    ok: String,
    key: String,
}

/// Every colour a view may use. Views take styles from here, never from literals.
#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    pub name: String,
    pub fg: Color,
    pub bg: Color,
    pub muted: Color,
    pub accent: Color,
    pub border: Color,
    pub border_focus: Color,
    pub selection_fg: Color,
    pub selection_bg: Color,
    pub header_fg: Color,
    pub header_bg: Color,
    pub critical: Color,
    pub warning: Color,
    pub info: Color,
    pub ok: Color,
    pub key: Color,
    /// NO_COLOR: styles rely on modifiers only.
    pub monochrome: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    #[error("no theme named {0:?}; bundled themes: dark, light, high-contrast (or add <config dir>/themes/{0}.toml)")]
    Unknown(String),
}

fn color(value: &str, field: &str, path: &str) -> Result<Color, ThemeError> {
    value.parse::<Color>().map_err(|_| ThemeError::Invalid {
        path: path.to_string(),
        message: format!(
            "colors.{field}: {value:?} is not a colour (a name, #rrggbb, an index 0-255, or reset)"
        ),
    })
}

impl Theme {
    /// Parses theme TOML; `path` names the file in errors.
    pub fn parse(text: &str, path: &str) -> Result<Theme, ThemeError> {
        let raw: RawTheme = toml::from_str(text).map_err(|e| ThemeError::Invalid {
            path: path.to_string(),
            message: e.message().to_string(),
        })?;
        let c = &raw.colors;
        Ok(Theme {
            name: raw.name,
            fg: color(&c.fg, "fg", path)?,
            bg: color(&c.bg, "bg", path)?,
            muted: color(&c.muted, "muted", path)?,
            accent: color(&c.accent, "accent", path)?,
            border: color(&c.border, "border", path)?,
            border_focus: color(&c.border_focus, "border_focus", path)?,
            selection_fg: color(&c.selection_fg, "selection_fg", path)?,
            selection_bg: color(&c.selection_bg, "selection_bg", path)?,
            header_fg: color(&c.header_fg, "header_fg", path)?,
            header_bg: color(&c.header_bg, "header_bg", path)?,
            critical: color(&c.critical, "critical", path)?,
            warning: color(&c.warning, "warning", path)?,
            info: color(&c.info, "info", path)?,
            ok: color(&c.ok, "ok", path)?,
            key: color(&c.key, "key", path)?,
            monochrome: false,
        })
    }

    /// The default theme. The bundled TOML is tested, so this cannot fail in practice; should
    /// it ever, the monochrome theme is used rather than panicking.
    pub fn default_theme() -> Theme {
        Theme::parse(BUNDLED[0].1, "themes/dark.toml").unwrap_or_else(|_| Theme::monochrome())
    }

    /// The NO_COLOR theme: terminal colours, emphasis by modifiers.
    pub fn monochrome() -> Theme {
        let r = Color::Reset;
        Theme {
            name: "no-color".into(),
            fg: r,
            bg: r,
            muted: r,
            accent: r,
            border: r,
            border_focus: r,
            selection_fg: r,
            selection_bg: r,
            header_fg: r,
            header_bg: r,
            critical: r,
            warning: r,
            info: r,
            ok: r,
            key: r,
            monochrome: true,
        }
    }

    /// Finds a theme by name: the user's `<dir>/themes/NAME.toml` first, then the bundled ones.
    pub fn load(name: &str, config_dir: Option<&Path>) -> Result<Theme, ThemeError> {
        if let Some(dir) = config_dir {
            let p = dir.join("themes").join(format!("{name}.toml"));
            if let Ok(text) = std::fs::read_to_string(&p) {
                return Theme::parse(&text, &p.display().to_string());
            }
        }
        BUNDLED
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(n, t)| Theme::parse(t, &format!("themes/{n}.toml")))
            .unwrap_or_else(|| Err(ThemeError::Unknown(name.to_string())))
    }

    pub fn base(&self) -> Style {
        Style::default().fg(self.fg).bg(self.bg)
    }

    pub fn muted(&self) -> Style {
        if self.monochrome {
            Style::default().add_modifier(Modifier::DIM)
        } else {
            Style::default().fg(self.muted)
        }
    }

    pub fn accent(&self) -> Style {
        Style::default()
            .fg(self.accent)
            .add_modifier(Modifier::BOLD)
    }

    pub fn key(&self) -> Style {
        Style::default().fg(self.key).add_modifier(Modifier::BOLD)
    }

    pub fn border(&self, focused: bool) -> Style {
        if focused {
            Style::default()
                .fg(self.border_focus)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::default().fg(self.border)
        }
    }

    pub fn selection(&self) -> Style {
        if self.monochrome {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default()
                .fg(self.selection_fg)
                .bg(self.selection_bg)
                .add_modifier(Modifier::BOLD)
        }
    }

    pub fn header(&self) -> Style {
        if self.monochrome {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default().fg(self.header_fg).bg(self.header_bg)
        }
    }

    pub fn severity(&self, s: Severity) -> Style {
        let c = match s {
            Severity::Critical => self.critical,
            Severity::Warning => self.warning,
            Severity::Info => self.info,
        };
        let st = Style::default().fg(c);
        match s {
            Severity::Critical => st.add_modifier(Modifier::BOLD),
            Severity::Warning if self.monochrome => st.add_modifier(Modifier::UNDERLINED),
            _ => st,
        }
    }

    pub fn ok(&self) -> Style {
        Style::default().fg(self.ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_theme_parses_and_names_itself() {
        for (name, text) in BUNDLED {
            let t = Theme::parse(text, name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(&t.name, name);
            assert_ne!(
                t.critical, t.warning,
                "{name}: critical and warning look the same"
            );
        }
    }

    #[test]
    fn bad_colour_names_the_field() {
        let text = BUNDLED[0]
            .1
            .replace("critical = \"#ff5370\"", "critical = \"blurple\"");
        let e = Theme::parse(&text, "my.toml").unwrap_err().to_string();
        assert!(
            e.contains("my.toml") && e.contains("colors.critical"),
            "{e}"
        );
    }

    #[test]
    fn user_theme_overrides_and_unknown_names_fail() {
        let dir = std::env::temp_dir().join(format!("kvet-theme-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("themes")).unwrap();
        std::fs::write(
            dir.join("themes/mine.toml"),
            BUNDLED[1].1.replace("name = \"light\"", "name = \"mine\""),
        )
        .unwrap();
        assert_eq!(Theme::load("mine", Some(&dir)).unwrap().name, "mine");
        assert!(matches!(
            Theme::load("nope", Some(&dir)),
            Err(ThemeError::Unknown(_))
        ));
        std::fs::remove_dir_all(&dir).ok();
    }
}
