//! The `envparity.toml` config file: several sources per environment, credentials named
//! by environment variable, and the gate's settings. Validated up front: an unknown key
//! is an error naming the file and line, since a misspelt source must not vanish.

use crate::collect::{self, Source};
use crate::error::{Error, Result, line_col, read_file};
use crate::findings::Class;
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

/// The sources of one environment: shortcuts, and one section per source kind
/// (`[[staging.tutor]]`, `[[staging.openedx]]`, ... as [`collect::KINDS`] names them).
/// Unknown keys are refused by [`Config::parse`], which reads the kind sections.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EnvConfig {
    /// Display name (defaults to the section name).
    #[serde(default)]
    pub name: Option<String>,
    /// Sources written as on the command line (a Tutor root, a snapshot, a URL).
    #[serde(default)]
    pub sources: Vec<String>,
    /// The sources of the kind sections, in the order of [`collect::KINDS`], their
    /// relative paths made relative to the file.
    #[serde(skip)]
    pub sections: Vec<Source>,
}

/// The keys of an environment section besides the source kinds.
pub(crate) const ENV_KEYS: [&str; 2] = ["name", "sources"];

impl Config {
    pub fn load(path: &Path) -> Result<Config> {
        let text = read_file(path)?;
        Config::parse(path, &text)
    }

    /// Parses and checks the text of a config file read from `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Config> {
        let doc =
            toml::de::DeTable::parse(text).map_err(|e| crate::error::toml_error(path, text, &e))?;
        let span = doc.span();
        let table = toml::Spanned::new(span, toml::de::DeValue::Table(doc.into_inner()));
        Config::from_table(path, text, table)
    }

    /// Reads and checks one table of the file `path` holding `text` as a config: the
    /// whole file, or a part of a larger file (an instance of a fleet file), whose errors
    /// still point at their line in the file.
    pub fn from_table(
        path: &Path,
        text: &str,
        table: toml::Spanned<toml::de::DeValue<'_>>,
    ) -> Result<Config> {
        use serde::Deserialize as _;
        let toml_error = |e: toml::de::Error| crate::error::toml_error(path, text, &e);
        let mut c = Config::deserialize(toml::de::ValueDeserializer::from(table.clone()))
            .map_err(toml_error)?;
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
        c.read_sections(text, table.get_ref())?;
        c.check_values(text, table)?;
        Ok(c)
    }

    /// The values that are more than a type: class names, globs, the profile, source
    /// shortcuts (the kind sections are checked by [`Config::read_sections`]). Checked here, before anything is collected, and reported at their line.
    fn check_values(&self, text: &str, table: toml::Spanned<toml::de::DeValue<'_>>) -> Result<()> {
        use serde::Deserialize as _;
        // A second reading that keeps each value's place in the file (the first one keeps
        // the public types plain).
        let spans = Spans::deserialize(toml::de::ValueDeserializer::from(table))
            .map_err(|e| crate::error::toml_error(&self.path, text, &e))?;
        let at = |span: std::ops::Range<usize>, message: String| {
            let (line, column) = line_col(text, span.start);
            Error::Parse {
                path: self.path.clone(),
                line,
                column,
                message,
            }
        };
        for (key, list) in [("fail_on", &spans.fail_on), ("allow", &spans.allow)] {
            for class in list {
                if Class::parse(class.get_ref().trim()).is_none() {
                    return Err(at(
                        class.span(),
                        format!(
                            "{key}: unknown class `{}` (expected reduced, shared, unknown, drift, extra, waived or expected)",
                            class.get_ref()
                        ),
                    ));
                }
            }
        }
        for glob in &spans.ignore {
            if let Err(e) = crate::pathglob::PathGlob::parse(glob.get_ref()) {
                return Err(at(glob.span(), format!("ignore: {e}")));
            }
        }
        if let Some(p) = &spans.profile {
            let name = p.get_ref();
            let embedded = crate::profile::EMBEDDED.iter().any(|(n, _)| n == name);
            if !embedded && !Path::new(name).exists() {
                let names: Vec<&str> = crate::profile::EMBEDDED.iter().map(|(n, _)| *n).collect();
                return Err(at(
                    p.span(),
                    format!(
                        "profile: unknown profile `{name}`: not an embedded profile ({}) and no such file",
                        names.join(", ")
                    ),
                ));
            }
        }
        for (section, env) in [
            ("staging", &spans.staging),
            ("production", &spans.production),
        ] {
            let Some(env) = env else { continue };
            for src in &env.sources {
                let resolved = if src.get_ref().contains("://") {
                    src.get_ref().clone()
                } else {
                    self.resolve(Path::new(src.get_ref())).display().to_string()
                };
                if let Err(e) = shortcut(&resolved) {
                    return Err(at(src.span(), format!("[{section}] sources: {e}")));
                }
            }
        }
        Ok(())
    }

    /// Reads the kind sections of both environments through the collector registry, with
    /// the file's spans, so that an error points at its line. The serde pass above read
    /// only `name` and `sources`; a key that is neither nor a source kind is refused here.
    fn read_sections(&mut self, text: &str, doc: &toml::de::DeValue<'_>) -> Result<()> {
        let toml_error = |e: toml::de::Error| crate::error::toml_error(&self.path, text, &e);
        let Some(doc) = doc.as_table() else {
            return Ok(());
        };
        let base = self.base.clone();
        let resolve = |p: &Path| resolve_in(&base, p);
        let mut built = [Vec::new(), Vec::new()];
        for (section, sources) in ["staging", "production"].into_iter().zip(&mut built) {
            let Some(table) = doc
                .iter()
                .find(|(k, _)| k.get_ref() == section)
                .and_then(|(_, v)| v.get_ref().as_table())
            else {
                continue;
            };
            for (key, _) in table.iter() {
                let key_name: &str = key.get_ref();
                if !ENV_KEYS.contains(&key_name) && collect::kind(key_name).is_none() {
                    let expected: Vec<&str> = ENV_KEYS
                        .into_iter()
                        .chain(collect::KINDS.iter().map(|k| k.name))
                        .collect();
                    let (line, column) = line_col(text, key.span().start);
                    return Err(Error::Parse {
                        path: self.path.clone(),
                        line,
                        column,
                        message: format!(
                            "unknown field `{key_name}`, expected one of {}",
                            expected
                                .iter()
                                .map(|k| format!("`{k}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    });
                }
            }
            for kind in collect::KINDS {
                let Some((_, value)) = table.iter().find(|(k, _)| k.get_ref() == kind.name) else {
                    continue;
                };
                for entry in kind
                    .read_section(value.clone(), &resolve)
                    .map_err(toml_error)?
                {
                    // Every `*_env` key must name an environment variable. A value that
                    // is not a name is refused before anything runs, with the file, line
                    // and key but never the value: the usual mistake is pasting the
                    // credential itself there.
                    for (key, value) in &entry.credential_vars {
                        if let Err(why) = collect::endpoint::check_var_name(key, value) {
                            let (line, column) = locate_key(text, key, value);
                            return Err(Error::Parse {
                                path: self.path.clone(),
                                line,
                                column,
                                message: format!("[[{section}.{}]] {why}", kind.name),
                            });
                        }
                    }
                    let (line, column) = line_col(text, entry.at);
                    if let Some(why) = &entry.invalid {
                        return Err(Error::Parse {
                            path: self.path.clone(),
                            line,
                            column,
                            message: format!("[[{section}.{}]] {why}", kind.name),
                        });
                    }
                    sources.push(entry.source);
                }
            }
        }
        let [staging, production] = built;
        for (env, sections) in [
            (&mut self.staging, staging),
            (&mut self.production, production),
        ] {
            if let Some(env) = env {
                env.sections = sections;
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
        resolve_in(&self.base, p)
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
        out.extend(env.sections.iter().cloned());
        if out.is_empty() {
            return Err(Error::invalid(
                &self.path,
                "an environment section names no source",
            ));
        }
        Ok(out)
    }
}

/// A source written as on the command line, checked as far as can be without reading it:
/// a snapshot file that is not there is an error now, not after the other sources ran.
pub fn shortcut(src: &str) -> std::result::Result<Source, Error> {
    let source = Source::from_shortcut(src)?;
    if source.kind() == "snapshot" && !Path::new(src).exists() {
        return Err(Error::Usage(format!(
            "source `{}`: no such file",
            crate::normalize::safe_url(src)
        )));
    }
    Ok(source)
}

/// Where the values [`Config::check_values`] checks sit in the file. Unknown keys are
/// left to the first reading, which refuses them.
#[derive(Debug, Default, Deserialize)]
struct Spans {
    #[serde(default)]
    fail_on: Vec<toml::Spanned<String>>,
    #[serde(default)]
    allow: Vec<toml::Spanned<String>>,
    #[serde(default)]
    ignore: Vec<toml::Spanned<String>>,
    #[serde(default)]
    profile: Option<toml::Spanned<String>>,
    #[serde(default)]
    staging: Option<EnvSpans>,
    #[serde(default)]
    production: Option<EnvSpans>,
}

#[derive(Debug, Default, Deserialize)]
struct EnvSpans {
    #[serde(default)]
    sources: Vec<toml::Spanned<String>>,
}

/// `p` relative to `base` (the config file's folder) unless absolute or empty.
fn resolve_in(base: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() || p.as_os_str().is_empty() {
        p.to_path_buf()
    } else {
        base.join(p)
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
