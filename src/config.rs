//! The `envparity.toml` config file: several sources per environment, credentials named
//! by environment variable, and the gate's settings. Validated up front: an unknown key
//! is an error naming the file and line, since a misspelt source must not vanish.

use crate::collect::{self, Source};
use crate::error::{Error, Result, line_col, read_file};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub profile: Option<String>,
    #[serde(default)]
    pub waivers: Option<PathBuf>,
    /// Classes that fail the gate in addition to reduced, shared and unknown.
    #[serde(default)]
    pub fail_on: Vec<String>,
    /// Classes that do not fail the gate even though they would by default.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Surface globs left out of the comparison.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Deadline of each source, in seconds, as written (checked by [`Config::load`]).
    #[serde(default)]
    timeout_secs: Option<toml::Spanned<f64>>,
    /// `timeout_secs`, checked: positive, finite, at most a day.
    #[serde(skip)]
    pub timeout: Option<std::time::Duration>,
    pub staging: Option<EnvConfig>,
    pub production: Option<EnvConfig>,
    /// Where the file was read from; relative paths inside it are relative to its folder.
    #[serde(skip)]
    pub base: PathBuf,
    #[serde(skip)]
    pub path: PathBuf,
}

/// The sources of one environment.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvConfig {
    /// Display name (defaults to the section name).
    #[serde(default)]
    pub name: Option<String>,
    /// Sources written as on the command line (a Tutor root, a snapshot, a URL).
    #[serde(default)]
    pub sources: Vec<String>,
    #[serde(default)]
    pub snapshot: Vec<collect::snapshot::Config>,
    /// Tutor project roots (`[[staging.tutor]] root = "deploy/staging"`).
    #[serde(default)]
    pub tutor: Vec<collect::tutor::Config>,
    /// Live Open edX instances (`[[staging.openedx]]`: lms, cms, client_id_env, ...).
    #[serde(default)]
    pub openedx: Vec<collect::openedx::Config>,
    #[serde(default)]
    pub mysql: Vec<collect::mysql::Config>,
    #[serde(default)]
    pub redis: Vec<collect::redis::Config>,
    #[serde(default)]
    pub mongodb: Vec<collect::mongodb::Config>,
    #[serde(default)]
    pub kubernetes: Vec<collect::kubernetes::Config>,
    /// Public hosts as served (`[[staging.edge]] url = "https://lms.example.org"`).
    #[serde(default)]
    pub edge: Vec<collect::edge::Config>,
}

impl Config {
    pub fn load(path: &Path) -> Result<Config> {
        let text = read_file(path)?;
        Config::parse(path, &text)
    }

    /// Parses and checks the text of a config file read from `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Config> {
        let mut c: Config = crate::error::parse_toml(path, text)?;
        if let Some(t) = &c.timeout_secs {
            let secs = *t.get_ref();
            c.timeout = Some(
                crate::input::seconds("timeout_secs", secs).map_err(|message| {
                    let (line, column) = line_col(text, t.span().start);
                    Error::Parse {
                        path: path.to_path_buf(),
                        line,
                        column,
                        message,
                    }
                })?,
            );
        }
        c.base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        c.path = path.to_path_buf();
        c.check_var_names(text)?;
        Ok(c)
    }

    /// Every `*_env` key must name an environment variable. A value that is not a name
    /// is refused before anything runs, with the file, line and key but never the
    /// value: the usual mistake is pasting the credential itself there.
    fn check_var_names(&self, text: &str) -> Result<()> {
        for (section, env) in [("staging", &self.staging), ("production", &self.production)] {
            let Some(env) = env else { continue };
            let fields = env
                .openedx
                .iter()
                .flat_map(|c| {
                    [
                        ("openedx", "client_id_env", &c.client_id_env),
                        ("openedx", "client_secret_env", &c.client_secret_env),
                    ]
                })
                .chain(
                    env.mysql
                        .iter()
                        .map(|c| ("mysql", "password_env", &c.password_env)),
                )
                .chain(
                    env.redis
                        .iter()
                        .map(|c| ("redis", "password_env", &c.password_env)),
                )
                .chain(
                    env.mongodb
                        .iter()
                        .map(|c| ("mongodb", "password_env", &c.password_env)),
                )
                .chain(
                    env.kubernetes
                        .iter()
                        .map(|c| ("kubernetes", "token_env", &c.token_env)),
                );
            for (table, key, value) in fields {
                let Some(value) = value else { continue };
                if let Err(why) = collect::endpoint::check_var_name(key, value) {
                    let (line, column) = locate_key(text, key, value);
                    return Err(Error::Parse {
                        path: self.path.clone(),
                        line,
                        column,
                        message: format!("[[{section}.{table}]] {why}"),
                    });
                }
            }
        }
        Ok(())
    }

    /// The section of one environment, or an error naming the file.
    pub fn environment(&self, name: &str) -> Result<&EnvConfig> {
        let env = match name {
            "staging" => self.staging.as_ref(),
            "production" => self.production.as_ref(),
            _ => None,
        };
        env.ok_or_else(|| Error::invalid(&self.path, format!("has no [{name}] section")))
    }

    /// A path from the file, relative to the file's folder.
    pub fn resolve(&self, p: &Path) -> PathBuf {
        if p.is_absolute() || p.as_os_str().is_empty() {
            p.to_path_buf()
        } else {
            self.base.join(p)
        }
    }

    /// The sources of one environment section.
    pub fn sources(&self, env: &EnvConfig) -> Result<Vec<Source>> {
        let mut out = Vec::new();
        for s in &env.sources {
            let s = if s.contains("://") {
                s.clone()
            } else {
                self.resolve(Path::new(s)).display().to_string()
            };
            out.push(
                Source::from_shortcut(&s).map_err(|e| Error::invalid(&self.path, e.to_string()))?,
            );
        }
        for c in &env.snapshot {
            out.push(Source::Snapshot(collect::snapshot::Config {
                path: self.resolve(&c.path),
            }));
        }
        for c in &env.tutor {
            out.push(Source::Tutor(collect::tutor::Config {
                root: self.resolve(&c.root),
            }));
        }
        for c in &env.openedx {
            c.validate()
                .map_err(|m| Error::invalid(&self.path, format!("[[openedx]]: {m}")))?;
            let mut c = c.clone();
            c.ca_bundle = c.ca_bundle.as_deref().map(|p| self.resolve(p));
            out.push(Source::OpenEdx(c));
        }
        let resolve = |p: &Option<PathBuf>| p.as_deref().map(|p| self.resolve(p));
        for c in &env.mysql {
            out.push(Source::Mysql(collect::mysql::Config {
                ca_bundle: resolve(&c.ca_bundle),
                ..c.clone()
            }));
        }
        for c in &env.redis {
            out.push(Source::Redis(collect::redis::Config {
                ca_bundle: resolve(&c.ca_bundle),
                ..c.clone()
            }));
        }
        for c in &env.mongodb {
            out.push(Source::Mongodb(collect::mongodb::Config {
                status_file: resolve(&c.status_file),
                ca_bundle: resolve(&c.ca_bundle),
                ..c.clone()
            }));
        }
        for c in &env.kubernetes {
            out.push(Source::Kubernetes(collect::kubernetes::Config {
                file: resolve(&c.file),
                ca_bundle: resolve(&c.ca_bundle),
                ..c.clone()
            }));
        }
        for c in &env.edge {
            c.validate()
                .map_err(|m| Error::invalid(&self.path, format!("[[edge]]: {m}")))?;
            out.push(Source::Edge(collect::edge::Config {
                ca_bundle: resolve(&c.ca_bundle),
                ..c.clone()
            }));
        }
        if out.is_empty() {
            return Err(Error::invalid(
                &self.path,
                "an environment section names no source",
            ));
        }
        Ok(out)
    }
}

/// Line and column of `key = "value"` in the file (the first `key =` when the value
/// is spelt with escapes), for a message that points at it without repeating it.
fn locate_key(text: &str, key: &str, value: &str) -> (usize, usize) {
    let mut first = None;
    for (i, line) in text.lines().enumerate() {
        for (at, _) in line.match_indices(key) {
            let before = line[..at].chars().next_back();
            let after = line[at + key.len()..].trim_start();
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                || !after.starts_with('=')
            {
                continue;
            }
            if after.contains(value) {
                return (i + 1, at + 1);
            }
            first.get_or_insert((i + 1, at + 1));
        }
    }
    first.unwrap_or((1, 1))
}
