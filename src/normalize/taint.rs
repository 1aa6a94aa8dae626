//! Taint: a value redacted for any reason — its key's name, its shape, a collector's own
//! choice — is a secret wherever else it appears. A database password that is also
//! pasted into a connection string under an innocent name, or a staging secret that
//! production carries in plain text, is found again by value and replaced by the same
//! fingerprint.
//!
//! All tainted values are searched for at once (Aho-Corasick), so the cost stays linear
//! in the size of the surface whatever their number. Values too short to mean anything
//! (fewer than [`MIN_LEN`] characters), numbers and booleans are not tainted: replacing
//! every `8` or `true` of a surface would hide what the gate exists to compare.

use super::{Fingerprinter, is_marker};
use crate::surface;
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The shortest value that is tainted, in characters.
pub const MIN_LEN: usize = 6;

/// The plaintexts of redacted values, each with its fingerprint. Never serialized, and
/// its debug output counts the values without showing them.
#[derive(Clone, Default)]
pub struct Taint {
    values: BTreeMap<String, String>,
    /// Built on first use; the patterns are `values`' keys, in order, with their
    /// fingerprints beside them.
    matcher: OnceLock<Option<(AhoCorasick, Vec<String>)>>,
    /// Whether the snapshot holding this taint has had every value replaced (see
    /// [`crate::normalize::share_taint`]); a taint not held by a snapshot ignores it.
    applied: bool,
}

impl std::fmt::Debug for Taint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Taint({} values)", self.values.len())
    }
}

impl PartialEq for Taint {
    fn eq(&self, other: &Taint) -> bool {
        self.values == other.values
    }
}

/// What replacing the tainted values in one string gave.
pub(super) enum Replaced {
    /// The string was one tainted value: it becomes that value's secret marker.
    Whole(String),
    /// Tainted values inside a longer string became `<fingerprint>`.
    Text(String),
}

impl Taint {
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Taints a redacted value, when it is long and specific enough.
    pub fn add(&mut self, plain: &str, fp: &Fingerprinter) {
        if worth_tainting(plain) && !self.values.contains_key(plain) {
            self.values.insert(plain.to_string(), fp.fingerprint(plain));
            self.changed();
        }
    }

    /// Takes over another taint's values (the other environment's, at judge time).
    pub fn extend(&mut self, other: &Taint) {
        let before = self.values.len();
        for (k, v) in &other.values {
            self.values.entry(k.clone()).or_insert_with(|| v.clone());
        }
        if self.values.len() != before {
            self.changed();
        }
    }

    /// A value was added: the matcher is built again, and the snapshot holding this
    /// taint must be walked again.
    fn changed(&mut self) {
        self.matcher = OnceLock::new();
        self.applied = false;
    }

    /// Whether every value has been replaced in the snapshot holding this taint.
    pub fn is_applied(&self) -> bool {
        self.applied
    }

    /// Says that every value has been replaced in the snapshot holding this taint.
    pub fn mark_applied(&mut self) {
        self.applied = true;
    }

    fn matcher(&self) -> Option<&(AhoCorasick, Vec<String>)> {
        self.matcher
            .get_or_init(|| {
                if self.values.is_empty() {
                    return None;
                }
                // A contiguous NFA: a fraction of a DFA's memory (a DFA of a few hundred
                // secrets is megabytes), and the prefilter does most of the scanning.
                let ac = AhoCorasick::builder()
                    .kind(Some(AhoCorasickKind::ContiguousNFA))
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(self.values.keys())
                    .ok()?;
                Some((ac, self.values.values().cloned().collect()))
            })
            .as_ref()
    }

    /// Replaces every tainted value in `value`: a string that is one becomes its secret
    /// marker, one inside a longer string (or an object key) becomes `<fingerprint>`.
    pub fn apply(&self, value: &mut Value) {
        if self.values.is_empty() {
            return;
        }
        match value {
            Value::String(s) => match self.replace(s) {
                Some(Replaced::Whole(fp)) => *value = surface::secret(fp),
                Some(Replaced::Text(t)) => *s = t,
                None => {}
            },
            Value::Array(items) => items.iter_mut().for_each(|v| self.apply(v)),
            Value::Object(map) if is_marker(map) => {
                // An unknown marker's reason is text like any other; a secret marker's
                // fingerprint is no plaintext.
                if let Some(Value::String(reason)) = map.get_mut(surface::UNKNOWN_MARKER)
                    && let Some(t) = self.apply_text(reason)
                {
                    *reason = t;
                }
            }
            Value::Object(map) => {
                let renamed = map.keys().any(|k| self.apply_text(k).is_some());
                if renamed {
                    let old = std::mem::take(map);
                    for (k, mut v) in old {
                        self.apply(&mut v);
                        let k = self.apply_text(&k).unwrap_or(k);
                        map.insert(k, v);
                    }
                } else {
                    map.values_mut().for_each(|v| self.apply(v));
                }
            }
            _ => {}
        }
    }

    /// The text with every tainted value replaced by `<fingerprint>`, or None when it
    /// holds none.
    pub fn apply_text(&self, s: &str) -> Option<String> {
        match self.replace(s)? {
            Replaced::Whole(fp) => Some(format!("<{fp}>")),
            Replaced::Text(t) => Some(t),
        }
    }

    pub(super) fn replace(&self, s: &str) -> Option<Replaced> {
        if s.len() < MIN_LEN {
            return None;
        }
        let (ac, fps) = self.matcher()?;
        let mut out = String::new();
        let mut last = 0;
        for m in ac.find_iter(s) {
            let fp = &fps[m.pattern().as_usize()];
            if m.start() == 0 && m.end() == s.len() {
                return Some(Replaced::Whole(fp.clone()));
            }
            out.push_str(&s[last..m.start()]);
            out.push('<');
            out.push_str(fp);
            out.push('>');
            last = m.end();
        }
        if last == 0 && out.is_empty() {
            return None;
        }
        out.push_str(&s[last..]);
        Some(Replaced::Text(out))
    }
}

/// Long enough, and not a number, a boolean or already a fingerprint.
fn worth_tainting(s: &str) -> bool {
    let t = s.trim();
    t.chars().count() >= MIN_LEN
        && t.parse::<f64>().is_err()
        && !["true", "false", "null", "none"]
            .iter()
            .any(|w| t.eq_ignore_ascii_case(w))
        && !crate::surface::holds_embedded(t)
        && !t.starts_with("hmac-sha256:")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fp() -> Fingerprinter {
        Fingerprinter::with_key(b"taint test")
    }

    #[test]
    fn a_tainted_value_is_replaced_whole_inside_strings_and_in_keys() {
        let mut t = Taint::default();
        t.add("hunter2-db", &fp());
        let f = fp().fingerprint("hunter2-db");
        let mut v = json!({
            "a": "hunter2-db",
            "b": "dsn with hunter2-db inside",
            "hunter2-db key": [1, "x"],
            "c": {"$unknown": "failed: hunter2-db"}
        });
        t.apply(&mut v);
        assert_eq!(v["a"], surface::secret(f.clone()));
        assert_eq!(v["b"], format!("dsn with <{f}> inside"));
        assert!(v.get(format!("<{f}> key")).is_some(), "{v}");
        assert_eq!(v["c"]["$unknown"], format!("failed: <{f}>"));
    }

    #[test]
    fn short_values_numbers_and_booleans_are_not_tainted() {
        let mut t = Taint::default();
        for v in ["pw", "12345678", "3.14159", "true", "FALSE", "  none "] {
            t.add(v, &fp());
        }
        assert!(t.is_empty(), "{t:?}");
    }

    #[test]
    fn the_longest_tainted_value_wins_where_two_overlap() {
        let mut t = Taint::default();
        t.add("secret-one", &fp());
        t.add("secret-one-two", &fp());
        let out = t.apply_text("x secret-one-two y").unwrap();
        assert_eq!(out, format!("x <{}> y", fp().fingerprint("secret-one-two")));
    }

    #[test]
    fn debug_output_counts_values_without_showing_them() {
        let mut t = Taint::default();
        t.add("hunter2-db", &fp());
        assert_eq!(format!("{t:?}"), "Taint(1 values)");
    }
}
