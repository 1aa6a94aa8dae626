//! A line reader for the rendered `production.py` settings.

use super::config::read_optional;
use crate::error::Error;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::Path;

/// What the collector needs from a rendered `production.py`: top-level assignments of
/// literals, dict literals assigned to a name, item assignments (`NAME["key"] = literal`)
/// and `FEATURES[...]` lines, in file order. Tutor renders these forms one per line; any
/// other line is skipped, so an unexpected construct loses a value, never the file.
#[derive(Debug, Default)]
pub(super) struct PythonSettings {
    /// Last value of each top-level `NAME = literal`.
    pub(super) assignments: BTreeMap<String, Value>,
    /// `NAME = { "k": literal, ... }` (top-level keys only) with later `NAME["k"] = ...`.
    pub(super) dicts: BTreeMap<String, Map<String, Value>>,
    /// Every boolean feature assignment in file order: `FEATURES["X"] = b` or `X = b`.
    pub(super) features: Vec<(String, bool, bool)>,
}

impl PythonSettings {
    pub(super) fn parse(text: &str) -> PythonSettings {
        let mut out = PythonSettings::default();
        // The dict literal being read: its name, the bracket depth, and the depth of its
        // entries (`NAME = {` has them at 1, `FEATURES.update({` at 2).
        let mut open: Option<(String, usize, usize)> = None;
        for raw in text.lines() {
            let line = raw.trim_end();
            if let Some((name, depth, entries)) = open.as_mut() {
                let t = line.trim();
                if *depth == *entries
                    && let Some((k, v)) = dict_entry(t)
                {
                    out.dict_entry(name, k, v);
                }
                *depth += t.matches(['{', '[', '(']).count();
                *depth = depth.saturating_sub(t.matches(['}', ']', ')']).count());
                if *depth == 0 {
                    open = None;
                }
                continue;
            }
            if line.starts_with([' ', '\t', '#']) || line.is_empty() {
                continue;
            }
            if let Some(rest) = line.strip_prefix("FEATURES.update(") {
                let rest = rest.trim();
                if rest == "{" {
                    open = Some(("FEATURES".into(), 2, 2));
                } else if let Some(body) = rest
                    .strip_prefix('{')
                    .and_then(|b| b.strip_suffix(')'))
                    .and_then(|b| b.trim_end().strip_suffix('}'))
                {
                    for entry in body.split(',') {
                        if let Some((k, v)) = dict_entry(entry.trim()) {
                            out.dict_entry("FEATURES", k, v);
                        }
                    }
                }
                continue;
            }
            let Some((lhs, rhs)) = line.split_once('=') else {
                continue;
            };
            if rhs.starts_with('=') || lhs.ends_with(['!', '<', '>', '=']) {
                continue;
            }
            let (lhs, rhs) = (lhs.trim(), rhs.trim());
            if let Some((name, key)) = item_target(lhs) {
                let Some(v) = literal(rhs) else { continue };
                if name == "FEATURES" {
                    if let Value::Bool(b) = v {
                        out.features.push((key, b, true));
                    }
                } else {
                    out.dicts.entry(name).or_default().insert(key, v);
                }
            } else if is_identifier(lhs) {
                if rhs == "{" {
                    out.dicts.insert(lhs.to_string(), Map::new());
                    open = Some((lhs.to_string(), 1, 1));
                } else if let Some(v) = literal(rhs) {
                    if let Value::Bool(b) = v {
                        out.features.push((lhs.to_string(), b, false));
                    }
                    out.assignments.insert(lhs.to_string(), v);
                }
            }
        }
        out
    }

    /// One `"k": v` entry of the dict literal `name`; a FEATURES entry is a flag.
    fn dict_entry(&mut self, name: &str, key: String, value: Value) {
        if name == "FEATURES" {
            if let Value::Bool(b) = value {
                self.features.push((key, b, true));
            }
        } else {
            self.dicts
                .entry(name.to_string())
                .or_default()
                .insert(key, value);
        }
    }

    pub(super) fn bool(&self, name: &str) -> Option<bool> {
        self.assignments.get(name).and_then(Value::as_bool)
    }

    /// The final value of each feature flag. Since Verawood `FEATURES` proxies module
    /// globals, `FEATURES["X"] = v` and `X = v` set the same setting, and the last
    /// assignment in the file wins; a bare `X = v` counts only for a name that is a
    /// feature: a known Open edX feature, in `known` (the rendered FEATURES map) or set
    /// through `FEATURES[...]` somewhere in the file.
    pub(super) fn feature_values(&self, known: &Map<String, Value>) -> BTreeMap<String, bool> {
        let via_features: std::collections::BTreeSet<&str> = self
            .features
            .iter()
            .filter(|f| f.2)
            .map(|f| f.0.as_str())
            .collect();
        let mut out = BTreeMap::new();
        for (name, value, through_features) in &self.features {
            if *through_features
                || known.contains_key(name)
                || via_features.contains(name.as_str())
                || crate::release::knowledge::is_feature(name)
            {
                out.insert(name.clone(), *value);
            }
        }
        out
    }
}

pub(super) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `NAME["key"]` or `NAME['key']`.
pub(super) fn item_target(lhs: &str) -> Option<(String, String)> {
    let (name, rest) = lhs.split_once('[')?;
    let key = rest.strip_suffix(']')?;
    let key = python_string(key.trim())?;
    is_identifier(name.trim()).then(|| (name.trim().to_string(), key))
}

/// `"key": literal,` inside a dict literal.
pub(super) fn dict_entry(line: &str) -> Option<(String, Value)> {
    let line = line.strip_suffix(',').unwrap_or(line);
    let (k, v) = line.split_once(':')?;
    Some((python_string(k.trim())?, literal(v.trim())?))
}

pub(super) fn python_string(s: &str) -> Option<String> {
    let quote = s.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let inner = s.strip_prefix(quote)?.strip_suffix(quote)?;
    (!inner.contains(quote) && !inner.contains('\\')).then(|| inner.to_string())
}

/// A Python literal Tutor renders on one line: True/False/None, a number, a plain string.
pub(super) fn literal(s: &str) -> Option<Value> {
    let s = s.trim().trim_end_matches(',').trim();
    match s {
        "True" => return Some(Value::Bool(true)),
        "False" => return Some(Value::Bool(false)),
        "None" => return Some(Value::Null),
        _ => {}
    }
    if let Some(text) = python_string(s) {
        return Some(Value::String(text));
    }
    if let Ok(n) = s.parse::<i64>() {
        return Some(json!(n));
    }
    s.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map(|f| json!(f))
}

pub(super) fn read_python(path: &Path) -> Result<Option<PythonSettings>, Error> {
    Ok(read_optional(path)?.map(|t| PythonSettings::parse(&t)))
}

// ------------------------------------------------------------------ the surface
