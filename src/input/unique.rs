//! Duplicate keys. JSON and YAML parsers keep the last of two equal keys without a word,
//! so a hand-edited snapshot or `config.yml` would be judged on a value nobody sees while
//! every location points at the other one. [`UniqueValue`] reads a `serde_json::Value`
//! from any serde format and refuses a key its mapping already has. For YAML the error is
//! raised while the second key is read, so the parser puts that key's position on it
//! ([`KeyChecked`]); for JSON, where snapshots of a million keys are read, the one map
//! lookup of the insert finds it, and [`json_duplicate`] finds both lines after the fact.
//! The `first_*` functions find the first occurrence, for the message.

use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

/// How every duplicate-key message starts; [`crate::error`] recognises it to add the line
/// of the first occurrence.
pub const DUPLICATE_KEY: &str = "duplicate key `";

/// A JSON value whose objects have no duplicate keys; `AT_KEY`: the error is raised when
/// the second key is read (its position is the key's), else when its value is in.
pub struct Unique<const AT_KEY: bool>(pub Value);

/// Duplicates found when the map is filled: one lookup per key (JSON).
pub type UniqueValue = Unique<false>;
/// Duplicates found when the key is read, with the key's position (YAML).
pub type KeyChecked = Unique<true>;

impl<'de, const AT_KEY: bool> Deserialize<'de> for Unique<AT_KEY> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor::<AT_KEY>)
    }
}

struct ValueVisitor<const AT_KEY: bool>;

impl<'de, const AT_KEY: bool> Visitor<'de> for ValueVisitor<AT_KEY> {
    type Value = Unique<AT_KEY>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Unique<AT_KEY>, E> {
        Ok(Unique(Value::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Unique<AT_KEY>, E> {
        Ok(Unique(Value::Number(v.into())))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Unique<AT_KEY>, E> {
        Ok(Unique(Value::Number(v.into())))
    }

    fn visit_i128<E: serde::de::Error>(self, v: i128) -> Result<Unique<AT_KEY>, E> {
        Number::deserialize(serde::de::value::I128Deserializer::<E>::new(v))
            .map(|n| Unique(Value::Number(n)))
    }

    fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<Unique<AT_KEY>, E> {
        Number::deserialize(serde::de::value::U128Deserializer::<E>::new(v))
            .map(|n| Unique(Value::Number(n)))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Unique<AT_KEY>, E> {
        Ok(Unique(
            Number::from_f64(v).map_or(Value::Null, Value::Number),
        ))
    }

    fn visit_str<E>(self, v: &str) -> Result<Unique<AT_KEY>, E> {
        Ok(Unique(Value::String(v.to_string())))
    }

    fn visit_string<E>(self, v: String) -> Result<Unique<AT_KEY>, E> {
        Ok(Unique(Value::String(v)))
    }

    fn visit_none<E>(self) -> Result<Unique<AT_KEY>, E> {
        Ok(Unique(Value::Null))
    }

    fn visit_unit<E>(self) -> Result<Unique<AT_KEY>, E> {
        Ok(Unique(Value::Null))
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Unique<AT_KEY>, D::Error> {
        Unique::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Unique<AT_KEY>, A::Error> {
        let mut out = Vec::new();
        while let Some(Unique::<AT_KEY>(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Unique(Value::Array(out)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Unique<AT_KEY>, A::Error> {
        let mut out = Map::new();
        if AT_KEY {
            while let Some(key) = map.next_key_seed(NewKey { seen: &out })? {
                let Unique::<AT_KEY>(v) = map.next_value()?;
                out.insert(key, v);
            }
        } else {
            while let Some(key) = map.next_key::<String>()? {
                let Unique::<AT_KEY>(v) = map.next_value()?;
                match out.entry(key) {
                    serde_json::map::Entry::Vacant(slot) => {
                        slot.insert(v);
                    }
                    serde_json::map::Entry::Occupied(slot) => {
                        return Err(serde::de::Error::custom(format_args!(
                            "{DUPLICATE_KEY}{}`",
                            shown(slot.key())
                        )));
                    }
                }
            }
        }
        Ok(Unique(Value::Object(out)))
    }
}

/// A map key that must not be in `seen` yet.
struct NewKey<'a> {
    seen: &'a Map<String, Value>,
}

impl<'de> DeserializeSeed<'de> for NewKey<'_> {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for NewKey<'_> {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
        if self.seen.contains_key(v) {
            return Err(E::custom(format_args!("{DUPLICATE_KEY}{}`", shown(v))));
        }
        Ok(v.to_string())
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<String, E> {
        if self.seen.contains_key(&v) {
            return Err(E::custom(format_args!("{DUPLICATE_KEY}{}`", shown(&v))));
        }
        Ok(v)
    }
}

/// A key as messages show it: one line, at most 80 characters.
fn shown(key: &str) -> String {
    let flat: String = key
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    match flat.char_indices().nth(80) {
        Some((i, _)) => format!("{}…", &flat[..i]),
        None => flat,
    }
}

/// The key named by a duplicate-key message.
pub fn duplicate_key_in(message: &str) -> Option<&str> {
    let rest = &message[message.find(DUPLICATE_KEY)? + DUPLICATE_KEY.len()..];
    Some(&rest[..rest.find('`')?])
}

/// Where a duplicate key is: its first line, and the line and column of its second
/// occurrence (1-based).
#[derive(Debug, PartialEq, Eq)]
pub struct Duplicate {
    pub key: String,
    pub first_line: usize,
    pub line: usize,
    pub column: usize,
}

/// The first key repeated in one object of JSON text, in document order (the one a parser
/// stops at). `None` when the text has none (or cannot be scanned). Runs only after a
/// parser has reported a duplicate.
pub fn json_duplicate(text: &str) -> Option<Duplicate> {
    let b = text.as_bytes();
    let mut line = 1;
    let mut line_start = 0;
    // One set of keys per open object (None for an array).
    let mut stack: Vec<Option<std::collections::HashMap<String, usize>>> = Vec::new();
    // Whether the next string in the innermost object is a key.
    let mut expect_key = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\n' => {
                line += 1;
                line_start = i + 1;
            }
            b'{' => {
                stack.push(Some(Default::default()));
                expect_key = true;
            }
            b'[' => {
                stack.push(None);
                expect_key = false;
            }
            b'}' | b']' => {
                stack.pop();
                expect_key = false;
            }
            b',' => expect_key = matches!(stack.last(), Some(Some(_))),
            b':' => expect_key = false,
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                let raw = text.get(start..j.min(b.len()))?;
                if expect_key && let Some(Some(keys)) = stack.last_mut() {
                    let key: String = serde_json::from_str(&format!("\"{raw}\"")).ok()?;
                    if let Some(first) = keys.get(&key) {
                        return Some(Duplicate {
                            first_line: *first,
                            line,
                            column: text[line_start..i].chars().count() + 1,
                            key,
                        });
                    }
                    keys.insert(key, line);
                }
                i = j;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The line of the first occurrence of `key` in YAML text, given the line and column
/// (1-based) of the second: the nearest line above at the same key column, within the
/// same parent (a less indented line ends the search). Best effort: `None` when the first
/// occurrence is not laid out one key per line.
pub fn first_yaml_key(text: &str, key: &str, line: usize, column: usize) -> Option<usize> {
    let col = column.checked_sub(1)?;
    let lines: Vec<&str> = text.lines().collect();
    for n in (1..line.min(lines.len() + 1)).rev() {
        let l = lines[n - 1].trim_end();
        let indent = l.len() - l.trim_start_matches(' ').len();
        let body = l.trim_start_matches(' ');
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        // The key column of `- - key:` lines is after the sequence indicators.
        let mut at = indent;
        let mut rest = body;
        while let Some(r) = rest.strip_prefix("- ") {
            at += 2 + (r.len() - r.trim_start_matches(' ').len());
            rest = r.trim_start_matches(' ');
        }
        if at == col && yaml_line_key(rest) == Some(key) {
            return Some(n);
        }
        if indent < col && at <= col {
            return None;
        }
    }
    None
}

/// The key of a `key: value` line (plain or quoted).
fn yaml_line_key(rest: &str) -> Option<&str> {
    for q in ['"', '\''] {
        if let Some(r) = rest.strip_prefix(q) {
            let end = r.find(q)?;
            return r[end + 1..]
                .trim_start()
                .starts_with(':')
                .then(|| &r[..end]);
        }
    }
    let colon = rest
        .find(": ")
        .or_else(|| rest.ends_with(':').then(|| rest.len() - 1))?;
    Some(rest[..colon].trim_end())
}

/// The line of the first occurrence of `key` in TOML text before `line` (1-based), within
/// the same table: a `key =` line, or a `[key]` / `[a.key]` header. Best effort.
pub fn first_toml_key(text: &str, key: &str, line: usize) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let second = lines.get(line.checked_sub(1)?)?.trim_start();
    let is_header = second.starts_with('[');
    for n in (1..line.min(lines.len() + 1)).rev() {
        let l = lines[n - 1].trim();
        if is_header {
            let name = l.trim_start_matches('[').trim_end_matches(']').trim();
            if l.starts_with('[')
                && !l.starts_with("[[")
                && name.rsplit('.').next().map(str::trim) == Some(key)
            {
                return Some(n);
            }
            continue;
        }
        if l.starts_with('[') {
            return None;
        }
        let lhs = l.split('=').next().unwrap_or_default().trim();
        if l.contains('=') && lhs.trim_matches(['"', '\'']) == key {
            return Some(n);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Result<Value, serde_json::Error> {
        serde_json::from_str::<UniqueValue>(text).map(|u| u.0)
    }

    fn json_at_key(text: &str) -> Result<Value, serde_json::Error> {
        serde_json::from_str::<KeyChecked>(text).map(|u| u.0)
    }

    #[test]
    fn json_without_duplicates_reads_as_serde_json_does() {
        let text = r#"{"a": [1, -2, 3.5, 18446744073709551615, null, true], "b": {"c": "d"}}"#;
        assert_eq!(
            json(text).unwrap(),
            serde_json::from_str::<Value>(text).unwrap()
        );
    }

    #[test]
    fn json_duplicates_are_refused() {
        let text = "{\n \"a\": 1,\n \"b\": {\"x\": 1},\n \"a\": 2\n}";
        for e in [json(text).unwrap_err(), json_at_key(text).unwrap_err()] {
            assert!(e.to_string().starts_with("duplicate key `a`"), "{e}");
        }
        // Checked at the key, the error is on the key's line.
        assert_eq!(json_at_key(text).unwrap_err().line(), 4);
        // Equal keys in different objects are no duplicates.
        assert!(json(r#"{"a": {"a": 1}, "b": {"a": 2}}"#).is_ok());
        assert!(json_at_key(r#"{"a": {"a": 1}, "b": {"a": 2}}"#).is_ok());
    }

    #[test]
    fn the_first_json_occurrence_is_found() {
        let text = "{\n \"x\": {\"a\": 1},\n \"a\": [{\"a\": 1}],\n \"b\": 2,\n \"\\u0061\": 3\n}";
        assert_eq!(
            json_duplicate(text),
            Some(Duplicate {
                key: "a".into(),
                first_line: 3,
                line: 5,
                column: 2
            })
        );
        assert_eq!(json_duplicate(r#"{"a": 1, "b": "a"}"#), None);
    }

    #[test]
    fn yaml_duplicates_are_refused_at_the_second_key() {
        let text = "A: 1\nB:\n  A: 2\nA: 3\n";
        let e = serde_yaml_ng::from_str::<KeyChecked>(text).err().unwrap();
        let at = e.location().unwrap();
        assert_eq!((at.line(), at.column()), (4, 1));
        assert!(e.to_string().starts_with("duplicate key `A`"), "{e}");
        assert_eq!(first_yaml_key(text, "A", 4, 1), Some(1));
    }

    #[test]
    fn the_first_yaml_occurrence_is_found_under_a_sequence_item() {
        let text = "items:\n- name: a\n  port: 1\n  name: b\n";
        assert_eq!(first_yaml_key(text, "name", 4, 3), Some(2));
        // A parent boundary stops the search.
        let text = "a:\n  x: 1\nb:\n  x: 2\n  x: 3\n";
        assert_eq!(first_yaml_key(text, "x", 5, 3), Some(4));
        assert_eq!(first_yaml_key(text, "x", 4, 3), None);
    }

    #[test]
    fn toml_first_occurrences_are_found() {
        let text =
            "timeout_secs = 1\n[staging]\nsources = []\n[production]\nname = \"p\"\nname = \"q\"\n";
        assert_eq!(first_toml_key(text, "name", 6), Some(5));
        assert_eq!(first_toml_key(text, "sources", 3), None);
        let text = "[staging]\na = 1\n[staging]\n";
        assert_eq!(first_toml_key(text, "staging", 3), Some(1));
    }

    #[test]
    fn duplicate_key_messages_name_the_key() {
        assert_eq!(duplicate_key_in("duplicate key `a b`"), Some("a b"));
        assert_eq!(duplicate_key_in("something else"), None);
    }
}
