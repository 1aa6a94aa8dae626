//! `config.yml` and the rendered `*.env.yml` settings files.

use crate::error::{Error, read_file};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `config.yml`: its mapping and the line of each top-level key (and of each PLUGINS
/// item), for locations.
pub(super) struct ConfigFile {
    pub(super) path: PathBuf,
    pub(super) values: Map<String, Value>,
    pub(super) lines: BTreeMap<String, usize>,
    pub(super) plugin_lines: BTreeMap<String, usize>,
}

pub(super) fn read_config(path: &Path) -> Result<ConfigFile, Error> {
    let text = read_file(path)?;
    let value: Value = crate::error::parse_yaml(path, &text)?;
    let values = match value {
        Value::Object(m) => m,
        Value::Null => {
            return Err(Error::invalid(
                path,
                "is empty, expected a YAML mapping of Tutor settings",
            ));
        }
        other => {
            return Err(Error::invalid(
                path,
                format!(
                    "is a YAML {}, expected a mapping of Tutor settings",
                    kind_name(&other)
                ),
            ));
        }
    };
    let mut lines = BTreeMap::new();
    let mut plugin_lines = BTreeMap::new();
    let mut in_plugins = false;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if let Some(key) = top_level_key(line) {
            lines.entry(key.to_string()).or_insert(n);
            in_plugins = key == "PLUGINS";
            continue;
        }
        if in_plugins && let Some(item) = line.trim_start().strip_prefix("- ") {
            plugin_lines.insert(unquote(item.trim()).to_string(), n);
        }
    }
    Ok(ConfigFile {
        path: path.to_path_buf(),
        values,
        lines,
        plugin_lines,
    })
}

/// `KEY:` at column 0 (Tutor writes block YAML, one key per line).
pub(super) fn top_level_key(line: &str) -> Option<&str> {
    let first = line.chars().next()?;
    if !(first.is_ascii_alphanumeric() || first == '_' || first == '"' || first == '\'') {
        return None;
    }
    let colon = line.find(':')?;
    let key = unquote(line[..colon].trim());
    (!key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
    .then_some(key)
}

pub(super) fn unquote(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| s.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
        .unwrap_or(s)
}

pub(super) fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "mapping",
    }
}

// ------------------------------------------------------------------ defaults and templates

/// A file's text, or None when it does not exist.
pub(super) fn read_optional(path: &Path) -> Result<Option<String>, Error> {
    if !path.exists() {
        return Ok(None);
    }
    read_file(path).map(Some)
}

/// A rendered `*.env.yml`: a YAML mapping.
pub(super) fn read_env_yml(path: &Path) -> Result<Option<Map<String, Value>>, Error> {
    let Some(text) = read_optional(path)? else {
        return Ok(None);
    };
    match crate::error::parse_yaml::<Value>(path, &text)? {
        Value::Object(m) => Ok(Some(m)),
        other => Err(Error::invalid(
            path,
            format!(
                "is a YAML {}, expected a mapping of settings",
                kind_name(&other)
            ),
        )),
    }
}
