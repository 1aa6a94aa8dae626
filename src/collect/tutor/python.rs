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
    /// `NAME = OTHER` or `NAME = OTHER["k"]`: a setting that takes another's value (the
    /// text of the right-hand side), when its last assignment is one.
    pub(super) references: BTreeMap<String, String>,
}

impl PythonSettings {
    pub(super) fn parse(text: &str) -> PythonSettings {
        let mut out = PythonSettings::default();
        // The dict literal being read: its name, the bracket depth, the depth of its
        // entries (`NAME = {` has them at 1, `FEATURES.update({` at 2), and the keys of
        // the nested dict literals open inside it (`"STORAGE_KWARGS": {`).
        let mut open: Option<(String, usize, usize, Vec<String>)> = None;
        for raw in text.lines() {
            let line = raw.trim_end();
            if let Some((name, depth, entries, nested)) = open.as_mut() {
                let t = line.trim();
                let level = *entries + nested.len();
                if *depth == level {
                    if let Some((k, v)) = dict_entry(t) {
                        out.dict_entry(name, nested, k, v);
                    } else if let Some(k) = t
                        .strip_suffix('{')
                        .and_then(|k| k.trim_end().strip_suffix(':'))
                        .and_then(|k| python_string(k.trim()))
                        .filter(|_| name != "FEATURES")
                    {
                        nested.push(k);
                    }
                }
                *depth += t.matches(['{', '[', '(']).count();
                *depth = depth.saturating_sub(t.matches(['}', ']', ')']).count());
                nested.truncate(depth.saturating_sub(*entries));
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
                    open = Some(("FEATURES".into(), 2, 2, Vec::new()));
                } else if let Some(body) = rest
                    .strip_prefix('{')
                    .and_then(|b| b.strip_suffix(')'))
                    .and_then(|b| b.trim_end().strip_suffix('}'))
                {
                    for entry in body.split(',') {
                        if let Some((k, v)) = dict_entry(entry.trim()) {
                            out.dict_entry("FEATURES", &[], k, v);
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
            if let Some((name, mut keys)) = item_targets(lhs) {
                let Some(v) = literal(rhs) else { continue };
                let Some(key) = keys.pop() else { continue };
                if name == "FEATURES" {
                    if let (Value::Bool(b), true) = (&v, keys.is_empty()) {
                        out.features.push((key, *b, true));
                    }
                } else {
                    out.dict_entry(&name, &keys, key, v);
                }
            } else if is_identifier(lhs) {
                let name = lhs.to_string();
                if rhs == "{" {
                    out.dicts.insert(name.clone(), Map::new());
                    out.references.remove(&name);
                    open = Some((name, 1, 1, Vec::new()));
                } else if let Some(v) = literal(rhs) {
                    out.references.remove(&name);
                    match v {
                        Value::Object(m) => {
                            out.dicts.insert(name, m);
                        }
                        v => {
                            if let Value::Bool(b) = v {
                                out.features.push((name.clone(), b, false));
                            }
                            out.assignments.insert(name, v);
                        }
                    }
                } else if item_targets(rhs).is_some() || is_identifier(rhs) {
                    out.assignments.remove(&name);
                    out.references.insert(name, rhs.to_string());
                }
            }
        }
        out
    }

    /// One `"k": v` entry of the dict `name`, inside its nested dicts `nested` (the
    /// entry of a nested dict literal, or `NAME["a"]["k"] = v`); a FEATURES entry is a
    /// flag.
    fn dict_entry(&mut self, name: &str, nested: &[String], key: String, value: Value) {
        if name == "FEATURES" {
            if let (Value::Bool(b), true) = (&value, nested.is_empty()) {
                self.features.push((key, *b, true));
            }
            return;
        }
        let mut map = self.dicts.entry(name.to_string()).or_default();
        for k in nested {
            let slot = map.entry(k.clone()).or_insert_with(|| json!({}));
            if !slot.is_object() {
                *slot = json!({});
            }
            let Value::Object(inner) = slot else { return };
            map = inner;
        }
        map.insert(key, value);
    }

    /// The value at `path` of the dict `name` (`STORAGES`, `["default", "BACKEND"]`).
    pub(super) fn dict_value(&self, name: &str, path: &[&str]) -> Option<&Value> {
        let (last, inner) = path.split_last()?;
        let mut map = self.dicts.get(name)?;
        for k in inner {
            map = map.get(*k)?.as_object()?;
        }
        map.get(*last)
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

/// `NAME["key"]` or `NAME['key']`, or a chain of them (`NAME["a"]["b"]`): the name and
/// the keys.
pub(super) fn item_targets(lhs: &str) -> Option<(String, Vec<String>)> {
    let (name, mut rest) = lhs.split_once('[')?;
    let name = name.trim();
    if !is_identifier(name) {
        return None;
    }
    let mut keys = Vec::new();
    loop {
        let (key, after) = rest.split_once(']')?;
        keys.push(python_string(key.trim())?);
        let after = after.trim_start();
        if after.is_empty() {
            return Some((name.to_string(), keys));
        }
        rest = after.strip_prefix('[')?;
    }
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
    // A list or a dict of literals on one line (`["django_email"]`,
    // `{"ServerSideEncryption": "AES256"}`), not nested; a comma inside a string is not
    // read.
    let flat = |body: &str| !body.contains(['[', ']', '{', '}']);
    if let Some(body) = s
        .strip_prefix('[')
        .and_then(|b| b.strip_suffix(']'))
        .filter(|b| flat(b))
    {
        return body
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(literal)
            .collect::<Option<Vec<_>>>()
            .map(Value::Array);
    }
    if let Some(body) = s
        .strip_prefix('{')
        .and_then(|b| b.strip_suffix('}'))
        .filter(|b| flat(b))
    {
        return body
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(dict_entry)
            .collect::<Option<Map<_, _>>>()
            .map(Value::Object);
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
