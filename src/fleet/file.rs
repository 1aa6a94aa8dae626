//! The fleet file: fleet-wide defaults, then one `[[instance]]` per staging/production
//! pair, each shaped as a `--config` file with a `name`. Read through [`Config`], so an
//! instance is checked exactly as a config file is (unknown keys, sources, classes,
//! globs, credential names), and every error points at its line in the fleet file.

use crate::config::Config;
use crate::error::{Error, Result, line_col, read_file};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One staging/production pair of the fleet, its config settled: the fleet-wide
/// defaults with the instance's own keys in their place.
#[derive(Debug, Clone)]
pub struct Instance {
    pub name: String,
    pub config: Config,
}

/// The keys of an instance that override a fleet-wide default of the same name.
const OVERRIDES: [&str; 6] = [
    "profile",
    "waivers",
    "fail_on",
    "allow",
    "ignore",
    "timeout_secs",
];

/// A fleet file read: its defaults (as a [`Config`] without environments), the waivers
/// file of its fleet-wide findings, and its instances in the order written.
#[derive(Debug, Clone)]
pub struct Fleet {
    pub defaults: Config,
    /// `shared_waivers`, resolved against the fleet file's directory.
    pub shared_waivers: Option<PathBuf>,
    pub instances: Vec<Instance>,
}

/// Reads a fleet file.
pub fn load(path: &Path) -> Result<Fleet> {
    let text = read_file(path)?;
    parse(path, &text)
}

/// Parses the text of a fleet file read from `path`.
pub fn parse(path: &Path, text: &str) -> Result<Fleet> {
    let at = |offset: usize, message: String| {
        let (line, column) = line_col(text, offset);
        Error::Parse {
            path: path.to_path_buf(),
            line,
            column,
            message,
        }
    };
    let doc = DeTable::parse(text).map_err(|e| crate::error::toml_error(path, text, &e))?;
    let span = doc.span();
    let mut root = doc.into_inner();
    for env in ["staging", "production"] {
        if let Some((key, _)) = root.iter().find(|(k, _)| k.get_ref() == env) {
            return Err(at(
                key.span().start,
                format!(
                    "`{env}` belongs in an [[instance]] table: a fleet file lists instances, each with its own staging and production"
                ),
            ));
        }
    }
    let list = root.remove("instance");
    // The one fleet-wide key a config file does not have.
    let shared_waivers = match root.remove("shared_waivers") {
        None => None,
        Some(w) => match w.get_ref().as_str() {
            Some(s) if !s.trim().is_empty() => Some(PathBuf::from(s)),
            _ => {
                return Err(at(
                    w.span().start,
                    "shared_waivers: expected the path of a waivers file".into(),
                ));
            }
        },
    };
    let defaults = Config::from_table(path, text, Spanned::new(span, DeValue::Table(root)))?;
    let shared_waivers = shared_waivers.map(|p| defaults.resolve(&p));
    let Some(list) = list else {
        return Err(Error::invalid(
            path,
            "names no instance (add an [[instance]] table with name, staging and production)",
        ));
    };
    let list_at = list.span().start;
    let DeValue::Array(entries) = list.into_inner() else {
        return Err(at(
            list_at,
            "instance: expected an array of tables ([[instance]])".into(),
        ));
    };
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut instances = Vec::new();
    for entry in entries {
        let entry_at = entry.span();
        let DeValue::Table(mut table) = entry.into_inner() else {
            return Err(at(
                entry_at.start,
                "instance: expected a table ([[instance]])".into(),
            ));
        };
        let name = match table.remove("name") {
            Some(n) => match n.get_ref().as_str() {
                Some(s) => Spanned::new(n.span(), s.to_string()),
                None => return Err(at(n.span().start, "name: expected a string".into())),
            },
            None => {
                return Err(at(entry_at.start, "[[instance]] has no `name`".into()));
            }
        };
        check_name(name.get_ref()).map_err(|why| at(name.span().start, format!("name: {why}")))?;
        let (line, _) = line_col(text, name.span().start);
        if let Some(first) = seen.insert(name.get_ref().clone(), line) {
            return Err(at(
                name.span().start,
                format!(
                    "name: duplicate instance name `{}` (first at line {first})",
                    name.get_ref()
                ),
            ));
        }
        for env in ["staging", "production"] {
            if !table.contains_key(env) {
                return Err(at(
                    entry_at.start,
                    format!(
                        "[[instance]] `{}` has no [instance.{env}] table",
                        name.get_ref()
                    ),
                ));
            }
        }
        let given: Vec<&str> = OVERRIDES
            .into_iter()
            .filter(|k| table.contains_key(*k))
            .collect();
        let own = Config::from_table(path, text, Spanned::new(entry_at, DeValue::Table(table)))?;
        instances.push(Instance {
            name: name.into_inner(),
            config: settle(&defaults, own, &given),
        });
    }
    if instances.is_empty() {
        return Err(at(list_at, "instance: the list is empty".into()));
    }
    Ok(Fleet {
        defaults,
        shared_waivers,
        instances,
    })
}

/// The instance's config with the fleet-wide defaults for every key it does not give.
fn settle(defaults: &Config, mut own: Config, given: &[&str]) -> Config {
    let has = |k: &str| given.contains(&k);
    if !has("profile") {
        own.profile = defaults.profile.clone();
    }
    if !has("waivers") {
        own.waivers = defaults.waivers.clone();
    }
    if !has("fail_on") {
        own.fail_on = defaults.fail_on.clone();
    }
    if !has("allow") {
        own.allow = defaults.allow.clone();
    }
    if !has("ignore") {
        own.ignore = defaults.ignore.clone();
    }
    if !has("timeout_secs") {
        own.timeout = defaults.timeout;
    }
    own
}

/// An instance name names reports, JUnit suites and SARIF runs: it must be there and
/// printable.
pub fn check_name(name: &str) -> std::result::Result<(), String> {
    if name.trim().is_empty() {
        return Err("an instance name must not be empty".into());
    }
    if name.chars().any(char::is_control) {
        return Err("an instance name must not hold control characters".into());
    }
    Ok(())
}
