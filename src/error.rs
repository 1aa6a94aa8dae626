//! Errors of the library. Every one names the file, URL or key it is about, on one line,
//! because the CLI prints it as the single line a user sees before exit code 2.

use crate::input::unique::{self, DUPLICATE_KEY, KeyChecked, UniqueValue, duplicate_key_in};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("{0}")]
    Usage(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub fn invalid(path: &Path, message: impl Into<String>) -> Error {
        Error::Invalid {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}

/// Reads a whole file as text, through the guards of [`crate::input::read_text`] (regular
/// files only, a size cap, UTF-8, a byte-order mark dropped).
pub fn read_file(path: &Path) -> Result<String> {
    crate::input::read_text(path)
}

/// Line and column (1-based) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = offset
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1)
        + 1;
    (line, col)
}

/// Parses JSON into a value, turning serde's error into a one-line message with line and
/// column. A key repeated in one object is an error naming the key and both lines.
pub fn parse_json_value(path: &Path, text: &str) -> Result<serde_json::Value> {
    match serde_json::from_str::<UniqueValue>(text) {
        Ok(v) => Ok(v.0),
        Err(e) => {
            let (mut line, mut column) = (e.line(), e.column());
            let mut message = without_values(&without_position(&e.to_string()));
            // The parser noticed the duplicate once its value was read: point at the key.
            if duplicate_key_in(&message).is_some()
                && let Some(d) = unique::json_duplicate(text)
            {
                message = format!("{message} (first at line {})", d.first_line);
                (line, column) = (d.line, d.column);
            }
            Err(Error::Parse {
                path: path.to_path_buf(),
                line,
                column,
                message,
            })
        }
    }
}

/// Parses JSON into `T` (through [`parse_json_value`], so duplicates are refused).
pub fn parse_json<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T> {
    let value = parse_json_value(path, text)?;
    serde_json::from_value(value)
        .map_err(|e| Error::invalid(path, without_values(&one_line(&e.to_string()))))
}

/// Parses TOML, turning the multi-line diagnostic into one line with line and column.
pub fn parse_toml<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T> {
    toml::from_str(text).map_err(|e| toml_error(path, text, &e))
}

/// A TOML parse or deserialization error of the file `path` holding `text`, as one line
/// with the line and column it points at.
pub fn toml_error(path: &Path, text: &str, e: &toml::de::Error) -> Error {
    let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
    let mut message = one_line(e.message());
    // The parser says "duplicate key" at the second one; name it, and the first.
    if message.starts_with("duplicate key")
        && let Some(key) = e.span().and_then(|s| text.get(s)).map(str::trim)
    {
        let key = key.trim_matches(['"', '\'']);
        message = match unique::first_toml_key(text, key, line) {
            Some(first) => format!("{DUPLICATE_KEY}{key}` (first at line {first})"),
            None => format!("{DUPLICATE_KEY}{key}`"),
        };
    }
    Error::Parse {
        path: path.to_path_buf(),
        line,
        column,
        message: without_values(&message),
    }
}

/// Parses a YAML document into a value, with line and column when the parser knows
/// them. The nesting depth is checked first, in linear time (see [`crate::input::yaml`]),
/// and a key repeated in one mapping is an error naming the key and both lines.
pub fn parse_yaml_value(path: &Path, text: &str) -> Result<serde_json::Value> {
    check_yaml_depth(path, text)?;
    serde_yaml_ng::from_str::<KeyChecked>(text)
        .map(|v| v.0)
        .map_err(|e| yaml_error(path, text, &e))
}

/// Parses YAML into `T` (through [`parse_yaml_value`]).
pub fn parse_yaml<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T> {
    let value = parse_yaml_value(path, text)?;
    serde_json::from_value(value)
        .map_err(|e| Error::invalid(path, without_values(&one_line(&e.to_string()))))
}

/// Every document of a multi-document YAML stream (`---` between them), checked as
/// [`parse_yaml_value`] checks one.
pub fn parse_yaml_documents(path: &Path, text: &str) -> Result<Vec<serde_json::Value>> {
    use serde::Deserialize;
    check_yaml_depth(path, text)?;
    serde_yaml_ng::Deserializer::from_str(text)
        .map(|doc| {
            KeyChecked::deserialize(doc)
                .map(|v| v.0)
                .map_err(|e| yaml_error(path, text, &e))
        })
        .collect()
}

fn check_yaml_depth(path: &Path, text: &str) -> Result<()> {
    let max = crate::input::yaml::MAX_DEPTH;
    crate::input::yaml::check_depth(text, max).map_err(|at| Error::Parse {
        path: path.to_path_buf(),
        line: at.line,
        column: at.column,
        message: format!(
            "nested more than {max} levels deep; refused (deeper YAML is not a Tutor or Kubernetes file, and would take the YAML parser minutes)"
        ),
    })
}

fn yaml_error(path: &Path, text: &str, e: &serde_yaml_ng::Error) -> Error {
    let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
    let mut message = without_position(&e.to_string());
    if let Some(key) = duplicate_key_in(&message)
        && let Some(first) = unique::first_yaml_key(text, key, line, column)
    {
        message = format!("{message} (first at line {first})");
    }
    Error::Parse {
        path: path.to_path_buf(),
        line,
        column,
        message: without_values(&message),
    }
}

/// The YAML parser's message on one line, without its " at line L column C" (the
/// position is printed up front).
pub fn without_position(msg: &str) -> String {
    let mut out = String::new();
    let mut rest = msg;
    while let Some(i) = rest.find(" at line ") {
        out.push_str(&rest[..i]);
        let after = &rest[i + " at line ".len()..];
        let after = after.trim_start_matches(|c: char| c.is_ascii_digit());
        rest = match after.strip_prefix(" column ") {
            Some(a) => a.trim_start_matches(|c: char| c.is_ascii_digit()),
            None => after,
        };
    }
    out.push_str(rest);
    one_line(&out)
}

/// A deserializer's message without the value it quotes: `invalid type: string "…",
/// expected a map` becomes `invalid type: string, expected a map`. The value may be a
/// credential in the wrong place; the position and the expectation say enough.
pub fn without_values(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    loop {
        let found = ["invalid type: ", "invalid value: "]
            .iter()
            .filter_map(|p| rest.find(p).map(|i| (i, p.len())))
            .min();
        let Some((i, len)) = found else { break };
        let head = i + len;
        out.push_str(&rest[..head]);
        let after = &rest[head..];
        // The kind of value (`string`, `integer`, `floating point`, ...), then its text.
        let kind_end = after
            .find([' ', ','])
            .filter(|&k| after.as_bytes().get(k) == Some(&b' '));
        let Some(k) = kind_end else {
            rest = after;
            continue;
        };
        let mut kind_len = k;
        let mut tail = &after[k + 1..];
        if tail.starts_with("point ") {
            kind_len = k + " point".len();
            tail = &tail["point ".len()..];
        }
        let literal_end = match tail.chars().next() {
            Some('"') => closing_quote(tail),
            Some('`') => tail[1..].find('`').map(|j| j + 2),
            _ => None,
        };
        match literal_end {
            Some(end) => {
                out.push_str(&after[..kind_len]);
                rest = &tail[end..];
            }
            None => rest = after,
        }
    }
    out.push_str(rest);
    out
}

/// The byte just past the `"` that closes a Debug-escaped string starting at 0.
fn closing_quote(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// A message on one line, said once: whitespace folded, a wrapper's repeated prefix
/// ("Input/output error: Input/output error: …") dropped, and any URL in it shown
/// without its password or query values. Driver errors and parser messages go through
/// it before they reach a report or stderr.
pub fn one_line(s: &str) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut parts: Vec<&str> = Vec::new();
    for part in flat.split(": ") {
        if parts.last() != Some(&part) {
            parts.push(part);
        }
    }
    crate::normalize::safe_url(&parts.join(": "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_error_prefixes_are_said_once() {
        assert_eq!(
            one_line("Input/output error: Input/output error: Connection refused\n"),
            "Input/output error: Connection refused"
        );
    }

    #[test]
    fn line_col_is_one_based() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
    }

    #[test]
    fn json_errors_carry_position_once() {
        let e =
            parse_json::<serde_json::Value>(Path::new("x.json"), "{\n  \"a\": ,\n}").unwrap_err();
        let msg = e.to_string();
        assert!(msg.starts_with("x.json:2:"), "{msg}");
        assert!(!msg.contains(" at line "), "{msg}");
    }

    #[test]
    fn deserializer_messages_never_quote_the_value() {
        assert_eq!(
            without_values(r#"invalid type: string "hunter\"2", expected a map"#),
            "invalid type: string, expected a map"
        );
        assert_eq!(
            without_values("invalid value: integer `123456`, expected u16"),
            "invalid value: integer, expected u16"
        );
        assert_eq!(
            without_values("invalid type: floating point `1.5`, expected a string"),
            "invalid type: floating point, expected a string"
        );
        assert_eq!(
            without_values("unknown field `x`, expected one of `a`"),
            "unknown field `x`, expected one of `a`"
        );
        let e = parse_yaml::<std::collections::BTreeMap<String, String>>(
            Path::new("c.yml"),
            "\"s3cr3t-value-here\"",
        )
        .unwrap_err();
        assert!(!e.to_string().contains("s3cr3t"), "{e}");
    }

    #[test]
    fn toml_errors_are_one_line_with_position() {
        let e = parse_toml::<toml::Table>(Path::new("p.toml"), "a = 1\nb = = 2\n").unwrap_err();
        let msg = e.to_string();
        assert!(msg.starts_with("p.toml:2:"), "{msg}");
        assert!(!msg.contains('\n'), "{msg}");
    }
}
