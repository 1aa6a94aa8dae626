//! The snapshot document (`envparity.snapshot/1`): one environment's collected surface,
//! with the status of every source that fed it.

use crate::error::{Error, Result, parse_json_value, read_file};
use crate::findings::Location;
use crate::surface::{SECRET_MARKER, UNKNOWN_MARKER};
use crate::tree::{Node, Shape, Surface, Tree};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

pub const FORMAT: &str = "envparity.snapshot/1";

/// How a source fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceState {
    Ok,
    Failed,
}

/// One source's status, as recorded in a snapshot and a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceStatus {
    /// The collector: tutor, openedx, kubernetes, mysql, redis, mongodb, snapshot.
    #[serde(default)]
    pub kind: String,
    pub status: SourceState,
    /// What was read: a directory, a URL (without credentials), a file.
    pub origin: String,
    pub error: Option<String>,
    /// The surface pointers this source speaks for. When empty (an older or hand-written
    /// snapshot), the top-level keys present in the surface are assumed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub covers: Vec<String>,
    /// How the source was read, when the reader should know (e.g. a Tutor release newer
    /// than envparity's knowledge, read with the newest defaults).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl SourceStatus {
    /// Every text of the status a hand-made snapshot may fill with anything: the kind,
    /// the origin, the error, the notes and the pointers covered (a pointer is a path,
    /// like a surface key, and is redacted as keys are). Redaction walks them all.
    pub fn texts_mut(&mut self) -> impl Iterator<Item = &mut String> {
        [&mut self.kind, &mut self.origin]
            .into_iter()
            .chain(self.error.iter_mut())
            .chain(self.notes.iter_mut())
            .chain(self.covers.iter_mut())
    }
}

/// Identifies the key that made a snapshot's fingerprints, without revealing it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FingerprintInfo {
    pub algorithm: String,
    /// A keyed hash of a fixed text: equal ids, equal keys; the key cannot be recovered.
    pub key_id: String,
    /// Where the key came from: `environment` (`ENVPARITY_FINGERPRINT_KEY`), `user` (the
    /// per-user key file) or `run` (random, for one run). Absent in older snapshots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_source: Option<String>,
}

impl FingerprintInfo {
    /// `key id …, where it came from`, for messages.
    pub fn describe(&self) -> String {
        let source = match self.key_source.as_deref() {
            Some("environment") => "ENVPARITY_FINGERPRINT_KEY",
            Some("user") => "a per-user key",
            Some("run") => "a key of its run only",
            _ => "an unrecorded key",
        };
        format!("key id {}, {source}", self.key_id)
    }

    /// What a snapshot records about `fp`'s key.
    pub fn of(fp: &crate::normalize::Fingerprinter) -> FingerprintInfo {
        FingerprintInfo {
            algorithm: "hmac-sha256".into(),
            key_id: fp.key_id().into(),
            key_source: Some(fp.source().as_str().into()),
        }
    }
}

/// A snapshot; its surface a `Value` as collected and written, or a [`Tree`] as judged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot<S = Value> {
    pub format: String,
    pub environment: String,
    pub collected_at: String,
    pub tool: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<FingerprintInfo>,
    pub sources: BTreeMap<String, SourceStatus>,
    pub surface: S,
    /// Where values were read (pointer → file and line), for reports that locate them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub locations: BTreeMap<String, Location>,
    /// The plaintexts redacted while collecting, so that judging can look for them in
    /// the other environment. Never written to a file.
    #[serde(skip)]
    pub taint: crate::normalize::Taint,
}

/// Whether `s` is a fingerprint as [`crate::normalize::Fingerprinter`] writes them:
/// `hmac-sha256:` and 24 lowercase hex digits.
pub fn is_fingerprint(s: &str) -> bool {
    s.strip_prefix(crate::surface::FINGERPRINT_PREFIX)
        .is_some_and(|h| {
            h.len() == 24
                && h.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

/// Checks the markers of a surface read from a file, where anyone may have written
/// anything: a `{"secret": …}` holds a fingerprint, never a value (a value there would
/// be printed as if it were one), and an object with `$unknown` holds nothing but a
/// reason. The error names the JSON pointer of the offending marker.
fn check_markers<'a, N: Node<'a>>(surface: N) -> std::result::Result<(), String> {
    // The pointer is built only for an error, on the way back up: surfaces hold millions
    // of keys.
    check_node(surface).map_err(|(mut segments, message)| {
        segments.push("surface".into());
        segments.reverse();
        format!("{}{message}", crate::surface::join_pointer(&segments))
    })
}

type MarkerError = (Vec<String>, String);

fn check_node<'a, N: Node<'a>>(v: N) -> std::result::Result<(), MarkerError> {
    match v.shape() {
        Shape::Object => {
            let m = v;
            if let Some(reason) = m.get(UNKNOWN_MARKER) {
                if m.len() != 1 {
                    return Err((
                        Vec::new(),
                        format!(
                            ": an object with \"{UNKNOWN_MARKER}\" must hold nothing else (it marks a part that could not be collected)"
                        ),
                    ));
                }
                if reason.shape() != Shape::String {
                    return Err((
                        vec![UNKNOWN_MARKER.into()],
                        format!(": must be a reason string, found {}", kind_of(reason)),
                    ));
                }
                return Ok(());
            }
            if m.len() == 1
                && let Some(fp) = m.get(SECRET_MARKER)
            {
                return match fp.as_str() {
                    Some(s) if is_fingerprint(s) => Ok(()),
                    Some(_) => Err((
                        vec![SECRET_MARKER.into()],
                        ": must be a fingerprint (hmac-sha256: and 24 hex digits), not a secret's value".into(),
                    )),
                    None => Err((
                        vec![SECRET_MARKER.into()],
                        format!(": must be a fingerprint string, found {}", kind_of(fp)),
                    )),
                };
            }
            for (k, v) in m.entries() {
                check_node(v).map_err(|(mut segments, message)| {
                    segments.push(k.to_string());
                    (segments, message)
                })?;
            }
            Ok(())
        }
        Shape::Array => {
            for (i, v) in v.items().enumerate() {
                check_node(v).map_err(|(mut segments, message)| {
                    segments.push(i.to_string());
                    (segments, message)
                })?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn kind_of<'a, N: Node<'a>>(v: N) -> &'static str {
    match v.shape() {
        Shape::Null => "null",
        Shape::Bool => "a boolean",
        Shape::Number => "a number",
        Shape::String => "a string",
        Shape::Array => "a list",
        Shape::Object => "an object",
    }
}

/// Two snapshots whose fingerprints were made with different keys cannot be compared
/// where it matters most: an equal secret would look different, and a shared password
/// would pass unseen. Judging them is refused (fail closed), in one line that says what
/// to do. Snapshots that record no key (hand-made ones) are not refused.
pub fn check_same_key<S>(
    staging: (&Path, &Snapshot<S>),
    production: (&Path, &Snapshot<S>),
) -> Result<()> {
    let (Some(s), Some(p)) = (&staging.1.fingerprint, &production.1.fingerprint) else {
        return Ok(());
    };
    if s.key_id == p.key_id {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "{} ({}) and {} ({}) were fingerprinted with different keys, so their secrets cannot be compared; take both snapshots with the same ENVPARITY_FINGERPRINT_KEY (or as the same user on one machine, whose per-user key both then use)",
        staging.0.display(),
        s.describe(),
        production.0.display(),
        p.describe(),
    )))
}

/// The `tool` field: this program and its version.
pub fn tool() -> String {
    format!("envparity {}", env!("CARGO_PKG_VERSION"))
}

impl Snapshot {
    /// Reads and validates a snapshot file.
    pub fn read(path: &Path) -> Result<Snapshot> {
        let text = read_file(path)?;
        Snapshot::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Snapshot> {
        let value: Value = parse_json_value(path, text).map_err(|e| {
            // Broken JSON keeps its line and column; a file that is no JSON at all (a
            // README, a YAML file) is simply not a snapshot.
            match text.trim_start().chars().next() {
                Some('{' | '[') => e,
                None => Error::invalid(path, "is not an envparity snapshot (the file is empty)"),
                Some(_) => Error::invalid(
                    path,
                    "is not an envparity snapshot (not JSON; snapshots are written by `envparity snapshot`)",
                ),
            }
        })?;
        let (mut snap, surface) = Snapshot::document(path, value)?;
        if let Some(surface) = surface {
            snap.surface = surface;
        }
        if !snap.surface.is_object() {
            return Err(Error::invalid(
                path,
                "invalid snapshot: `surface` must be an object",
            ));
        }
        check_markers(&snap.surface)
            .map_err(|m| Error::invalid(path, format!("invalid snapshot: {m}")))?;
        Ok(snap)
    }

    /// Checks a snapshot document's format and reads everything but the surface, which
    /// it hands back apart (it can hold millions of nodes, and `from_value` would
    /// rebuild every one of them).
    fn document(path: &Path, mut value: Value) -> Result<(Snapshot, Option<Value>)> {
        let Some(obj) = value.as_object_mut() else {
            return Err(Error::invalid(
                path,
                "is not an envparity snapshot (expected a JSON object)",
            ));
        };
        match obj.get("format").and_then(Value::as_str) {
            Some(FORMAT) => {}
            Some(f) if f.starts_with("envparity.snapshot/") => {
                return Err(Error::invalid(
                    path,
                    format!("unsupported snapshot format `{f}` (this envparity reads {FORMAT})"),
                ));
            }
            Some(f) => {
                return Err(Error::invalid(
                    path,
                    format!("is not an envparity snapshot (format `{f}`)"),
                ));
            }
            None => {
                return Err(Error::invalid(
                    path,
                    format!("is not an envparity snapshot (no \"format\": \"{FORMAT}\")"),
                ));
            }
        }
        // Lifted out, leaving null in its place.
        let surface = obj.get_mut("surface").map(std::mem::take);
        let snap: Snapshot = serde_json::from_value(value).map_err(|e| {
            Error::invalid(
                path,
                format!(
                    "invalid snapshot: {}",
                    crate::error::without_values(&e.to_string())
                ),
            )
        })?;
        Ok((snap, surface))
    }

    /// Reads and validates a snapshot file into a surface to judge: as
    /// [`Snapshot::read`], with the same errors, but the surface is a [`Tree`], read a
    /// chunk at a time. A file that does not read as a tree is read again whole, for
    /// the error that names what is wrong.
    pub fn read_tree(path: &Path) -> Result<Snapshot<Tree>> {
        let (mut file, len) = crate::input::open_regular(path)?;
        match Tree::read(&mut file, len, true) {
            Ok(tree) if !crate::input::past_cap(&file) => Snapshot::from_tree(path, tree),
            _ => Snapshot::parse_tree(path, read_file(path)?),
        }
    }

    /// [`Snapshot::read_tree`] of a text already read.
    pub fn parse_tree(path: &Path, text: String) -> Result<Snapshot<Tree>> {
        match Tree::parse(text) {
            Ok(tree) => Snapshot::from_tree(path, tree),
            Err(failure) if failure.error == crate::tree::ParseError::TooLarge => {
                Err(Error::invalid(
                    path,
                    "is too large to judge (a snapshot is read up to 2 GiB)",
                ))
            }
            // The `Value` reader says exactly what is wrong (line, column, both lines of
            // a repeated key). Should it find nothing wrong, its reading is judged.
            Err(failure) => Ok(Snapshot::parse(path, &failure.text)?.into_tree()),
        }
    }

    fn from_tree(path: &Path, mut tree: Tree) -> Result<Snapshot<Tree>> {
        let root = tree.root();
        let surface = root.get("surface");
        // Everything but the surface, which is small, is read as `parse` reads it.
        let meta = if root.is_object() {
            Value::Object(
                root.entries()
                    .map(|(k, v)| {
                        let v = if k == "surface" {
                            Value::Null
                        } else {
                            v.to_value()
                        };
                        (k.to_string(), v)
                    })
                    .collect(),
            )
        } else {
            root.to_value()
        };
        let (snap, _) = Snapshot::document(path, meta)?;
        let surface = surface.filter(|s| s.is_object()).map(|s| s.index());
        let Some(surface) = surface else {
            return Err(Error::invalid(
                path,
                "invalid snapshot: `surface` must be an object",
            ));
        };
        tree.set_root(surface);
        check_markers(tree.root())
            .map_err(|m| Error::invalid(path, format!("invalid snapshot: {m}")))?;
        Ok(snap.with_surface(tree))
    }

    /// The snapshot as judged: its surface made a [`Tree`].
    pub fn into_tree(self) -> Snapshot<Tree> {
        let tree = Tree::from_value(&self.surface);
        self.with_surface(tree)
    }
}

impl<S> Snapshot<S> {
    /// The same snapshot with another surface.
    pub fn with_surface<T>(self, surface: T) -> Snapshot<T> {
        Snapshot {
            format: self.format,
            environment: self.environment,
            collected_at: self.collected_at,
            tool: self.tool,
            fingerprint: self.fingerprint,
            sources: self.sources,
            surface,
            locations: self.locations,
            taint: self.taint,
        }
    }
}

impl<S: Surface> Snapshot<S> {
    /// The pointers this snapshot speaks for: every source's `covers` (failed sources
    /// included: their part is unknown, which is a judgement too), or the surface's
    /// top-level keys for sources that list none.
    pub fn coverage(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut implicit = self.sources.is_empty();
        for s in self.sources.values() {
            if s.covers.is_empty() {
                implicit = true;
            }
            out.extend(s.covers.iter().cloned());
        }
        if implicit {
            out.extend(
                self.surface
                    .root_node()
                    .entries()
                    .map(|(k, _)| format!("/{}", crate::surface::escape_segment(k))),
            );
        }
        out.sort();
        out.dedup();
        out
    }
}

impl Snapshot {
    /// Serializes with stable key order and a trailing newline.
    pub fn to_json(&self) -> String {
        let mut bytes = Vec::new();
        // Into memory nothing fails.
        let _ = self.write_json(&mut bytes);
        String::from_utf8(bytes).unwrap_or_default()
    }

    /// Writes [`Snapshot::to_json`]'s bytes as they are serialized, never holding the
    /// text of a large surface whole.
    pub fn write_json(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *w, self).map_err(std::io::Error::other)?;
        w.write_all(b"\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A snapshot larger than the reader's chunk, its strings running across chunks,
    /// reads as the `Value` reader reads it; so does one with a byte-order mark. Bytes
    /// that are not UTF-8 inside a string are refused as `read` refuses them.
    #[test]
    fn a_tree_read_a_chunk_at_a_time_is_the_value_read_whole() {
        use crate::tree::Node;
        let dir = tempfile::tempdir().unwrap();
        let mut surface = serde_json::Map::new();
        for i in 0..6000 {
            surface.insert(
                format!("k\u{e9}y-{i:05}"),
                serde_json::json!({"url": format!("https://h{i}.example.org/\"q\"\n"),
                                   "n": i, "f": i as f64 / 7.0, "on": i % 2 == 0,
                                   "caf\u{e9}": ["\u{1f600}", null, -i]}),
            );
        }
        let doc = serde_json::json!({"format": FORMAT, "environment": "staging",
            "collected_at": "2026-11-26T12:00:00Z", "tool": "envparity 0.1.0",
            "sources": {}, "surface": surface});
        let text = serde_json::to_string_pretty(&doc).unwrap();
        assert!(text.len() > 4 * 128 * 1024, "{} bytes", text.len());
        for (name, text) in [("plain", text.clone()), ("bom", format!("\u{feff}{text}"))] {
            let path = dir.path().join(format!("{name}.json"));
            std::fs::write(&path, &text).unwrap();
            let by_value = Snapshot::read(&path).unwrap();
            let by_tree = Snapshot::read_tree(&path).unwrap();
            assert_eq!(
                by_value.surface,
                by_tree.surface.root().to_value(),
                "{name}"
            );
            assert_eq!(by_value.environment, by_tree.environment);
        }
        let path = dir.path().join("latin1.json");
        let mut bytes = text.into_bytes();
        let at = bytes.len() - 1000
            + bytes[bytes.len() - 1000..]
                .iter()
                .position(|&b| b == b'"')
                .unwrap()
            + 1;
        bytes.insert(at, 0xe9);
        std::fs::write(&path, &bytes).unwrap();
        let by_value = Snapshot::read(&path).unwrap_err().to_string();
        let by_tree = Snapshot::read_tree(&path).unwrap_err().to_string();
        assert_eq!(by_value, by_tree);
        assert!(
            by_tree.contains("latin1.json") && by_tree.contains("not UTF-8"),
            "{by_tree}"
        );
    }

    #[test]
    fn unknown_format_versions_are_refused_by_name() {
        let e = Snapshot::parse(Path::new("s.json"), r#"{"format": "envparity.snapshot/9"}"#)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("s.json") && e.contains("envparity.snapshot/9"),
            "{e}"
        );
        let e = Snapshot::parse(Path::new("s.json"), r#"{"a": 1}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("not an envparity snapshot"), "{e}");
        let e = Snapshot::parse(Path::new("s.json"), "[1]")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not an envparity snapshot"), "{e}");
    }

    #[test]
    fn a_file_that_is_no_json_is_not_a_snapshot() {
        for text in ["# envparity\n\nA README.\n", "LMS_HOST: x\n", "", "  \n"] {
            let e = Snapshot::parse(Path::new("README.md"), text)
                .unwrap_err()
                .to_string();
            assert!(
                e.starts_with("README.md: is not an envparity snapshot ("),
                "{e}"
            );
            assert!(!e.contains("expected value"), "{e}");
        }
        // Broken JSON keeps its position.
        let e = Snapshot::parse(Path::new("s.json"), "{\n  \"format\": ,\n}")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("s.json:2:"), "{e}");
    }

    #[test]
    fn snapshots_made_with_different_keys_are_refused_in_one_line() {
        let snap = |key_id: &str, source: &str| {
            Snapshot::parse(
                Path::new("s.json"),
                &format!(
                    r#"{{"format": "envparity.snapshot/1", "environment": "e", "collected_at": "x", "tool": "t",
                        "fingerprint": {{"algorithm": "hmac-sha256", "key_id": "{key_id}", "key_source": "{source}"}},
                        "sources": {{}}, "surface": {{}}}}"#
                ),
            )
            .unwrap()
        };
        let (a, b) = (snap("1111", "run"), snap("2222", "user"));
        let (pa, pb) = (Path::new("staging.json"), Path::new("production.json"));
        let e = check_same_key((pa, &a), (pb, &b)).unwrap_err().to_string();
        assert!(!e.contains('\n'), "{e}");
        for part in [
            "staging.json (key id 1111, a key of its run only)",
            "production.json (key id 2222, a per-user key)",
            "different keys",
            "ENVPARITY_FINGERPRINT_KEY",
        ] {
            assert!(e.contains(part), "`{part}` not in {e}");
        }
        assert!(check_same_key((pa, &a), (pb, &snap("1111", "run"))).is_ok());
        // Hand-made snapshots record no key and are not refused.
        let mut bare = b.clone();
        bare.fingerprint = None;
        assert!(check_same_key((pa, &a), (pb, &bare)).is_ok());
    }

    fn with_surface(surface: &str) -> Result<Snapshot> {
        Snapshot::parse(
            Path::new("s.json"),
            &format!(
                r#"{{"format": "envparity.snapshot/1", "environment": "staging", "collected_at": "x", "tool": "t",
                    "sources": {{}}, "surface": {surface}}}"#
            ),
        )
    }

    #[test]
    fn markers_are_checked_and_named_by_pointer() {
        assert!(
            with_surface(r#"{"settings": {"P": {"secret": "hmac-sha256:0123456789abcdef01234567"}, "Q": {"$unknown": "down"}}}"#)
                .is_ok()
        );
        for (surface, pointer) in [
            (
                r#"{"settings": {"P": {"secret": 5}}}"#,
                "/surface/settings/P/secret:",
            ),
            (
                r#"{"settings": {"P": {"secret": "hunter2"}}}"#,
                "/surface/settings/P/secret:",
            ),
            (r#"{"a/b": [{"$unknown": 7}]}"#, "/surface/a~1b/0/$unknown:"),
            (r#"{"x": {"$unknown": "r", "y": 1}}"#, "/surface/x:"),
        ] {
            let e = with_surface(surface).unwrap_err().to_string();
            assert!(e.starts_with("s.json: invalid snapshot: "), "{e}");
            assert!(e.contains(pointer), "{pointer} not in {e}");
        }
        // A `secret` key among others is a setting, not a marker.
        assert!(with_surface(r#"{"x": {"secret": 5, "other": 1}}"#).is_ok());
    }

    #[test]
    fn duplicate_keys_name_both_lines() {
        let e = Snapshot::parse(
            Path::new("s.json"),
            "{\n\"format\": \"envparity.snapshot/1\",\n\"format\": \"x\"\n}",
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("s.json:3:"), "{e}");
        assert!(
            e.contains("duplicate key `format` (first at line 2)"),
            "{e}"
        );
    }

    #[test]
    fn coverage_falls_back_to_surface_keys() {
        let s = Snapshot::parse(
            Path::new("s.json"),
            r#"{"format": "envparity.snapshot/1", "environment": "staging", "collected_at": "x", "tool": "t",
                "sources": {"tutor": {"status": "ok", "origin": "d", "error": null}},
                "surface": {"plugins": {}, "release": {}}}"#,
        )
        .unwrap();
        assert_eq!(
            s.coverage(),
            vec!["/plugins".to_string(), "/release".to_string()]
        );
    }
}
