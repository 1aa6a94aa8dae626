//! Errors of the library. Every one names the file, URL or key it is about, on one line,
//! because the CLI prints it as the single line a user sees before exit code 2.

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

/// Reads a whole file, refusing directories with a message that says so (reading a
/// directory fails with an obscure OS error otherwise).
pub fn read_file(path: &Path) -> Result<String> {
    if path.is_dir() {
        return Err(Error::invalid(path, "is a directory, expected a file"));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    String::from_utf8(bytes).map_err(|e| {
        Error::invalid(
            path,
            format!("is not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
        )
    })
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

/// Parses JSON, turning serde's error into a one-line message with line and column.
pub fn parse_json<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::Parse {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: without_values(&strip_position(&e.to_string())),
    })
}

/// Parses TOML, turning the multi-line diagnostic into one line with line and column.
pub fn parse_toml<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T> {
    toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
        Error::Parse {
            path: path.to_path_buf(),
            line,
            column,
            message: without_values(&one_line(e.message())),
        }
    })
}

/// Parses YAML, with line and column when the parser knows them.
pub fn parse_yaml<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T> {
    serde_yaml_ng::from_str(text).map_err(|e| {
        let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
        Error::Parse {
            path: path.to_path_buf(),
            line,
            column,
            message: without_values(&strip_position(&e.to_string())),
        }
    })
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

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// serde_json and YAML append " at line X column Y"; we print the position up front.
fn strip_position(s: &str) -> String {
    let s = one_line(s);
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
