//! The canonical surface model: one JSON tree per environment, keyed by identity.
//!
//! The surface is deliberately a plain `serde_json::Value` object rather than a typed
//! struct: collectors add keys as Open edX grows, and the comparer must treat every key
//! the same way. What is typed is the vocabulary of the tree — the top-level surfaces,
//! the secret and unknown markers, and JSON Pointer handling. Collectors build it as a
//! `Value`; the judge holds it as a [`crate::tree::Tree`] (the same tree, in a fraction
//! of the memory), and reads either through [`crate::tree::Node`].

use crate::tree::Node;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// The top-level surfaces, in the order reports present them.
pub const SURFACES: [&str; 9] = [
    "release",
    "plugins",
    "sso",
    "datastores",
    "services",
    "security",
    "features",
    "settings",
    "health",
];

/// Key of the marker object that stands in for a secret value.
pub const SECRET_MARKER: &str = "secret";
/// Key of the marker object that stands in for a part that could not be collected.
pub const UNKNOWN_MARKER: &str = "$unknown";

/// A secret, as it appears in a snapshot or report: `{"secret": "<fingerprint>"}`.
pub fn secret(fingerprint: String) -> Value {
    let mut m = Map::new();
    m.insert(SECRET_MARKER.into(), Value::String(fingerprint));
    Value::Object(m)
}

/// The fingerprint, when `v` (a `&Value` or a tree node) is a secret marker. A one-key
/// object `{"secret": …}` whose value is no fingerprint is data (a configuration file may
/// hold one), not a marker.
pub fn as_secret<'a, N: Node<'a>>(v: N) -> Option<&'a str> {
    if !v.is_object() || v.len() != 1 {
        return None;
    }
    v.get(SECRET_MARKER)?.as_str().filter(|s| is_fingerprint(s))
}

/// What every fingerprint begins with, before its hex digest.
pub const FINGERPRINT_PREFIX: &str = "hmac-sha256:";

/// How a fingerprint appears inside a longer string: `<hmac-sha256:…>`.
pub const EMBEDDED_PREFIX: &str = "<hmac-sha256:";

/// Whether `s` holds a fingerprint inside it (`mysql://root:<hmac-sha256:…>@db`). Every
/// equal string of both surfaces is asked, so the searcher is built once.
pub fn holds_embedded(s: &str) -> bool {
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(EMBEDDED_PREFIX));
    FINDER.find(s.as_bytes()).is_some()
}

/// Whether `s` is a fingerprint: `hmac-sha256:` and hex digits.
pub fn is_fingerprint(s: &str) -> bool {
    s.strip_prefix(FINGERPRINT_PREFIX)
        .is_some_and(|h| !h.is_empty() && h.bytes().all(|c| c.is_ascii_hexdigit()))
}

/// A part of the surface that a source could not collect, with the reason.
pub fn unknown(reason: impl Into<String>) -> Value {
    let mut m = Map::new();
    m.insert(UNKNOWN_MARKER.into(), Value::String(reason.into()));
    Value::Object(m)
}

/// The reason, when `v` (a `&Value` or a tree node) is an unknown marker.
pub fn as_unknown<'a, N: Node<'a>>(v: N) -> Option<&'a str> {
    if !v.is_object() || v.len() != 1 {
        return None;
    }
    v.get(UNKNOWN_MARKER)?.as_str()
}

/// An empty surface with every top-level key absent.
pub fn empty() -> Value {
    Value::Object(Map::new())
}

/// Escapes one JSON Pointer segment (RFC 6901: `~` → `~0`, `/` → `~1`).
pub fn escape_segment(s: &str) -> Cow<'_, str> {
    // Every key of both surfaces passes here: a byte search, not a char pattern.
    if memchr::memchr2(b'~', b'/', s.as_bytes()).is_some() {
        Cow::Owned(s.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(s)
    }
}

/// Reverses [`escape_segment`].
pub fn unescape_segment(s: &str) -> String {
    if s.contains('~') {
        s.replace("~1", "/").replace("~0", "~")
    } else {
        s.to_string()
    }
}

/// Splits a JSON Pointer into unescaped segments (`""` is the root).
pub fn split_pointer(pointer: &str) -> Vec<String> {
    match pointer.strip_prefix('/') {
        None => Vec::new(),
        Some(rest) => rest.split('/').map(unescape_segment).collect(),
    }
}

/// Joins unescaped segments into a JSON Pointer.
pub fn join_pointer<S: AsRef<str>>(segments: &[S]) -> String {
    let mut out = String::new();
    for s in segments {
        out.push('/');
        out.push_str(&escape_segment(s.as_ref()));
    }
    out
}

/// The first segment of a pointer: the surface a finding belongs to.
pub fn surface_of(pointer: &str) -> String {
    split_pointer(pointer)
        .into_iter()
        .next()
        .unwrap_or_default()
}

/// Whether `prefix` is `pointer` itself or one of its ancestors.
pub fn is_prefix(prefix: &str, pointer: &str) -> bool {
    prefix.is_empty()
        || pointer == prefix
        || (pointer.starts_with(prefix) && pointer.as_bytes().get(prefix.len()) == Some(&b'/'))
}

/// Sets the value at `pointer`, creating objects along the way (replacing any
/// non-object found on the way, since a deeper fact is more specific). Nothing is
/// written inside an unknown marker: as in [`merge`], a part that could not be collected
/// stays unknown rather than being half-filled by another source.
pub fn set_pointer(root: &mut Value, pointer: &str, value: Value) {
    let segs = split_pointer(pointer);
    let mut cur = root;
    for (i, seg) in segs.iter().enumerate() {
        if as_unknown(&*cur).is_some() {
            return;
        }
        if !cur.is_object() {
            *cur = Value::Object(Map::new());
        }
        let Value::Object(map) = cur else {
            unreachable!("made an object just above")
        };
        if i + 1 == segs.len() {
            map.insert(seg.clone(), value);
            return;
        }
        cur = map
            .entry(seg.clone())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    *cur = value;
}

/// Deep-merges `from` into `into`: objects merge key by key, anything else in `from`
/// replaces what `into` had — except that an unknown marker is never overwritten by
/// data, because one failed source must not be hidden by another that succeeded.
pub fn merge(into: &mut Value, from: Value) {
    if as_unknown(&*into).is_some() {
        return;
    }
    match (into, from) {
        (Value::Object(a), Value::Object(b))
            if as_unknown_map(&b).is_none() && as_secret_map(&b).is_none() =>
        {
            for (k, v) in b {
                match a.get_mut(&k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        a.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

/// Which source wrote which part of an environment's surface while its sources are
/// merged: the pointer of each subtree a source put in, so that both sides of a conflict
/// can be named.
#[derive(Debug, Default)]
pub struct Owners(std::collections::BTreeMap<String, String>);

impl Owners {
    /// The source that wrote `pointer`: the one that put in it or its nearest ancestor.
    fn of(&self, pointer: &str) -> Option<&str> {
        let mut p = pointer;
        loop {
            if let Some(name) = self.0.get(p) {
                return Some(name);
            }
            p = &p[..p.rfind('/')?];
        }
    }
}

/// Merges the surface of source `name` into its environment's surface. Objects merge key
/// by key; a value equal to what is there changes nothing; a part this source could not
/// read (an unknown marker) replaces what is there, as in [`merge`], and an unknown part
/// is never overwritten. Two sources that give different values for one pointer make it
/// unknown, naming both and what each says: a later source never silently wins, since
/// which of two disagreeing witnesses is right is not envparity's to guess.
pub fn merge_source(into: &mut Value, from: Value, name: &str, owners: &mut Owners) {
    let mut pointer = String::new();
    merge_owned(into, from, name, owners, &mut pointer);
}

fn merge_owned(
    into: &mut Value,
    from: Value,
    name: &str,
    owners: &mut Owners,
    pointer: &mut String,
) {
    if as_unknown(&*into).is_some() {
        return;
    }
    match (into, from) {
        (Value::Object(a), Value::Object(b)) if !is_marker_map(a) && !is_marker_map(&b) => {
            for (k, v) in b {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape_segment(&k));
                match a.get_mut(&k) {
                    Some(slot) => merge_owned(slot, v, name, owners, pointer),
                    None => {
                        owners.0.insert(pointer.clone(), name.to_string());
                        a.insert(k, v);
                    }
                }
                pointer.truncate(len);
            }
        }
        (slot, v) if as_unknown(&v).is_some() => {
            owners.0.insert(pointer.clone(), name.to_string());
            *slot = v;
        }
        (slot, v) => {
            if *slot == v {
                return;
            }
            let other = owners.of(pointer).unwrap_or("another source").to_string();
            let at = if pointer.is_empty() {
                "/"
            } else {
                pointer.as_str()
            };
            *slot = unknown(format!(
                "sources {other} and {name} disagree at {at}: {other} has {}, {name} has {}",
                brief(slot),
                brief(&v)
            ));
            owners.0.insert(pointer.clone(), name.to_string());
        }
    }
}

/// A value in a message: compact JSON, cut at 60 characters.
fn brief(v: &Value) -> String {
    let s = v.to_string();
    match s.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

fn is_marker_map(m: &Map<String, Value>) -> bool {
    as_unknown_map(m).is_some() || as_secret_map(m).is_some()
}

fn as_unknown_map(m: &Map<String, Value>) -> Option<&str> {
    if m.len() == 1 {
        m.get(UNKNOWN_MARKER)?.as_str()
    } else {
        None
    }
}

fn as_secret_map(m: &Map<String, Value>) -> Option<&str> {
    if m.len() == 1 {
        m.get(SECRET_MARKER)?.as_str().filter(|s| is_fingerprint(s))
    } else {
        None
    }
}

/// Sort key for surfaces: the design order first, anything else after, by name.
pub fn surface_rank(name: &str) -> (usize, String) {
    match SURFACES.iter().position(|s| *s == name) {
        Some(i) => (i, String::new()),
        None => (SURFACES.len(), name.to_string()),
    }
}

/// Booleans as Open edX and YAML spell them (`true`, `"on"`, `"yes"`, `1`, `"enabled"`,
/// null for false); `None` for anything else.
pub fn boolish(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Null => Some(false),
        Value::Number(n) => n.as_f64().map(|x| x != 0.0),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "on" | "yes" | "1" | "enabled" => Some(true),
            "false" | "off" | "no" | "0" | "disabled" | "" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A number, or a string holding one (YAML and Django settings spell numbers both ways).
pub fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pointers_round_trip_through_escaping() {
        let segs = vec![
            "services".to_string(),
            "apps/v1 Deployment/lms".into(),
            "a~b".into(),
        ];
        let p = join_pointer(&segs);
        assert_eq!(p, "/services/apps~1v1 Deployment~1lms/a~0b");
        assert_eq!(split_pointer(&p), segs);
    }

    #[test]
    fn merge_keeps_unknown_over_data() {
        let mut a = json!({"services": unknown("kubernetes source failed")});
        merge(&mut a, json!({"services": {"lms": {"replicas": 1}}}));
        assert_eq!(as_unknown(&a["services"]), Some("kubernetes source failed"));
    }

    #[test]
    fn merge_is_deep_and_later_leaves_win() {
        let mut a = json!({"services": {"lms": {"replicas": 1, "workers": 2}}});
        merge(
            &mut a,
            json!({"services": {"lms": {"replicas": 3}, "cms": {"replicas": 1}}}),
        );
        assert_eq!(
            a,
            json!({"services": {"lms": {"replicas": 3, "workers": 2}, "cms": {"replicas": 1}}})
        );
    }

    #[test]
    fn sources_that_agree_merge_and_sources_that_disagree_are_unknown() {
        let mut owners = Owners::default();
        let mut a = empty();
        merge_source(
            &mut a,
            json!({"settings": {"LMS_HOST": "lms.x.org", "A": 1}, "sso": {"p": {}}}),
            "tutor",
            &mut owners,
        );
        merge_source(
            &mut a,
            json!({"settings": {"LMS_HOST": "lms.y.org", "A": 1, "B": 2}}),
            "openedx",
            &mut owners,
        );
        assert_eq!(a["settings"]["A"], json!(1));
        assert_eq!(a["settings"]["B"], json!(2));
        assert_eq!(
            as_unknown(&a["settings"]["LMS_HOST"]),
            Some(
                "sources tutor and openedx disagree at /settings/LMS_HOST: tutor has \"lms.x.org\", openedx has \"lms.y.org\""
            )
        );
        // A third source names the one it disagrees with: the one that wrote the value.
        merge_source(
            &mut a,
            json!({"settings": {"B": 3}}),
            "openedx#2",
            &mut owners,
        );
        assert_eq!(
            as_unknown(&a["settings"]["B"]),
            Some(
                "sources openedx and openedx#2 disagree at /settings/B: openedx has 2, openedx#2 has 3"
            )
        );
    }

    #[test]
    fn a_part_a_source_could_not_read_stays_unknown() {
        let mut owners = Owners::default();
        let mut a = empty();
        merge_source(
            &mut a,
            json!({"sso": {"providers": {"x": {}}}}),
            "tutor",
            &mut owners,
        );
        merge_source(
            &mut a,
            json!({"sso": {"providers": unknown("down")}}),
            "openedx",
            &mut owners,
        );
        merge_source(
            &mut a,
            json!({"sso": {"providers": {"y": {}}}}),
            "openedx#2",
            &mut owners,
        );
        assert_eq!(as_unknown(&a["sso"]["providers"]), Some("down"));
    }

    #[test]
    fn prefix_respects_segment_boundaries() {
        assert!(is_prefix("/sso", "/sso/providers"));
        assert!(is_prefix("", "/sso"));
        assert!(!is_prefix("/sso", "/ssox"));
    }

    #[test]
    fn set_pointer_never_writes_inside_an_unknown_part() {
        let mut v = json!({"sso": unknown("openedx source failed")});
        set_pointer(&mut v, "/sso/providers/saml-x", json!({"hidden": true}));
        assert_eq!(as_unknown(&v["sso"]), Some("openedx source failed"));
    }

    #[test]
    fn set_pointer_creates_parents() {
        let mut v = empty();
        set_pointer(&mut v, "/datastores/mongodb", unknown("x"));
        assert_eq!(as_unknown(&v["datastores"]["mongodb"]), Some("x"));
    }
}
