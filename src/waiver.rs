//! Waivers: a reviewed, owned, expiring exception to the gate.
//!
//! A waiver names a path (a glob), optionally a class, a reason, an owner and an expiry
//! date. An unexpired matching waiver turns the finding into `waived`; an expired one
//! stops applying and the finding says so; a waiver that matches nothing is stale and the
//! report lists it, so the file does not rot.

use crate::error::{Error, Result, line_col, read_file};
use crate::findings::{Class, Finding, WaiverNote};
use crate::pathglob::PathGlob;
use crate::tree::{Node, Shape};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::Path;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default, rename = "waiver")]
    waivers: Vec<RawWaiver>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiver {
    path: toml::Spanned<String>,
    #[serde(default)]
    class: Option<toml::Spanned<String>>,
    reason: toml::Spanned<String>,
    owner: toml::Spanned<String>,
    expires: toml::Spanned<toml::Value>,
}

/// One waiver, validated.
#[derive(Debug, Clone)]
pub struct Waiver {
    pub glob: PathGlob,
    pub class: Option<Class>,
    pub reason: String,
    pub owner: String,
    pub expires: NaiveDate,
}

/// How a waiver fared in this run, for the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaiverStatus {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<Class>,
    pub reason: String,
    pub owner: String,
    pub expires: String,
    /// `active`, `expired` or `stale` (matched no finding).
    pub status: String,
    pub matched: usize,
    /// For a stale waiver, the real path nearest to its own (see [`suggest`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
}

/// Loads a waivers file.
pub fn load(path: &Path) -> Result<Vec<Waiver>> {
    let text = read_file(path)?;
    parse(path, &text)
}

/// Parses and validates the text of a waivers file read from `path`.
pub fn parse(path: &Path, text: &str) -> Result<Vec<Waiver>> {
    let raw: RawFile = crate::error::parse_toml(path, text)?;
    let at = |span: std::ops::Range<usize>, message: String| {
        let (line, column) = line_col(text, span.start);
        Error::Parse {
            path: path.to_path_buf(),
            line,
            column,
            message,
        }
    };
    let mut out = Vec::new();
    for (i, w) in raw.waivers.into_iter().enumerate() {
        let glob = PathGlob::parse(w.path.get_ref())
            .map_err(|e| at(w.path.span(), format!("waiver {}: path: {e}", i + 1)))?;
        let class = match &w.class {
            None => None,
            Some(c) => Some(Class::parse(c.get_ref()).ok_or_else(|| {
                at(c.span(), format!("waiver.class: unknown class `{}` (expected one of reduced, shared, unknown, drift, extra)", c.get_ref()))
            })?),
        };
        let what = format!("waiver {} (`{}`)", i + 1, w.path.get_ref());
        // An empty field is what `--write-waivers` leaves to fill: say which one.
        for (field, value, hint) in [
            ("reason", &w.reason, "why staging may differ here"),
            ("owner", &w.owner, "who answers for it"),
        ] {
            if value.get_ref().trim().is_empty() {
                return Err(at(
                    value.span(),
                    format!("{what}: {field} is empty; fill in {hint}"),
                ));
            }
        }
        let expires = match w.expires.get_ref() {
            toml::Value::Datetime(d) => d.to_string(),
            toml::Value::String(s) if s.trim().is_empty() => {
                return Err(at(
                    w.expires.span(),
                    format!(
                        "{what}: expires is empty; fill in the date it must be looked at again (YYYY-MM-DD)"
                    ),
                ));
            }
            toml::Value::String(s) => s.clone(),
            other => {
                return Err(at(
                    w.expires.span(),
                    format!("waiver.expires: expected a date like 2027-01-31, found {other}"),
                ));
            }
        };
        let date = NaiveDate::parse_from_str(expires.get(..10).unwrap_or(&expires), "%Y-%m-%d")
            .ok()
            .filter(|_| expires.len() == 10 || expires.as_bytes().get(10) == Some(&b'T'))
            .ok_or_else(|| {
                at(
                    w.expires.span(),
                    format!("waiver.expires: `{expires}` is not a date (YYYY-MM-DD)"),
                )
            })?;
        out.push(Waiver {
            glob,
            class,
            reason: w.reason.into_inner(),
            owner: w.owner.into_inner(),
            expires: date,
        });
    }
    Ok(out)
}

/// Applies waivers to findings and reports how each waiver fared. A waiver is active on
/// its expiry date and expired the day after.
pub fn apply(findings: &mut [Finding], waivers: &[Waiver], today: NaiveDate) -> Vec<WaiverStatus> {
    waive_each(
        findings,
        waivers,
        today,
        |w, f| {
            w.glob.matches_pointer(&f.path)
                && w.class.is_none_or(|c| c == f.class)
                && f.class != Class::Expected
        },
        |f, w| {
            f.waiver = Some(w.note(f.class, today));
            if today <= w.expires {
                f.class = Class::Waived;
                f.severity = Class::Waived.default_severity();
            } else {
                f.message = format!(
                    "{} (waiver by {} expired on {})",
                    f.message, w.owner, w.expires
                );
            }
        },
    )
}

/// Applies waivers to anything waivable: the first waiver (in file order) that `matches`
/// an item is the one `mark` applies to it (one item, one waiver); then how each waiver
/// fared.
pub(crate) fn waive_each<T>(
    items: &mut [T],
    waivers: &[Waiver],
    today: NaiveDate,
    matches: impl Fn(&Waiver, &T) -> bool,
    mut mark: impl FnMut(&mut T, &Waiver),
) -> Vec<WaiverStatus> {
    let mut matched = vec![0usize; waivers.len()];
    for item in items.iter_mut() {
        let Some((i, w)) = waivers.iter().enumerate().find(|(_, w)| matches(w, item)) else {
            continue;
        };
        matched[i] += 1;
        mark(item, w);
    }
    statuses(waivers, &matched, today)
}

/// How each waiver fared, given how many findings each matched.
fn statuses(waivers: &[Waiver], matched: &[usize], today: NaiveDate) -> Vec<WaiverStatus> {
    waivers
        .iter()
        .zip(matched)
        .map(|(w, &n)| WaiverStatus {
            path: w.glob.as_str().to_string(),
            class: w.class,
            reason: w.reason.clone(),
            owner: w.owner.clone(),
            expires: w.expires.to_string(),
            status: if n == 0 {
                "stale"
            } else if today <= w.expires {
                "active"
            } else {
                "expired"
            }
            .into(),
            matched: n,
            suggestion: None,
        })
        .collect()
}

impl Waiver {
    /// What a finding of `class` says of this waiver as of `today`.
    pub(crate) fn note(&self, class: Class, today: NaiveDate) -> WaiverNote {
        let active = today <= self.expires;
        WaiverNote {
            status: if active { "active" } else { "expired" }.into(),
            reason: self.reason.clone(),
            owner: self.owner.clone(),
            expires: self.expires.to_string(),
            waived_class: active.then_some(class),
        }
    }
}

impl WaiverStatus {
    /// The waiver this status was made from (a report carries its waivers' definitions:
    /// `fleet merge` applies a shard report's shared waivers again).
    pub fn waiver(&self) -> Option<Waiver> {
        Some(Waiver {
            glob: PathGlob::parse(&self.path).ok()?,
            class: self.class,
            reason: self.reason.clone(),
            owner: self.owner.clone(),
            expires: NaiveDate::parse_from_str(&self.expires, "%Y-%m-%d").ok()?,
        })
    }

    /// Whether two statuses come from one waiver (whatever each matched).
    pub fn same_waiver(&self, other: &WaiverStatus) -> bool {
        (
            &self.path,
            self.class,
            &self.reason,
            &self.owner,
            &self.expires,
        ) == (
            &other.path,
            other.class,
            &other.reason,
            &other.owner,
            &other.expires,
        )
    }
}

/// Names, for each stale waiver, the real path nearest to its own (see [`nearest`]): a
/// waiver that matches nothing is most often a path copied without its surface (`/forum`
/// for `/plugins/forum`) or mistyped.
pub fn suggest<'v, N: Node<'v>>(statuses: &mut [WaiverStatus], surfaces: &[N]) {
    for w in statuses.iter_mut().filter(|w| w.status == "stale") {
        w.suggestion = nearest(&w.path, surfaces);
    }
}

/// The globs (e.g. `--ignore` ones) that match no path of the surfaces, each with the real
/// path nearest to it, if one is near. Whether a glob matches is read off the paths of
/// both surfaces, gathered once for all globs and only as deep as the deepest reaches.
pub fn unmatched<'a, 'v, N: Node<'v>>(
    globs: &'a [String],
    surfaces: &[N],
) -> Vec<(&'a str, Option<String>)> {
    let parsed: Vec<(&str, PathGlob)> = globs
        .iter()
        .filter_map(|g| PathGlob::parse(g).ok().map(|p| (g.as_str(), p)))
        .collect();
    if parsed.is_empty() {
        return Vec::new();
    }
    let depth = if globs.iter().any(|g| g.contains("**")) {
        usize::MAX
    } else {
        globs
            .iter()
            .map(|g| g.matches('/').count())
            .max()
            .unwrap_or(0)
    };
    let mut paths = HashSet::new();
    for s in surfaces {
        gather(*s, &mut String::new(), depth, &mut paths);
    }
    parsed
        .into_iter()
        .filter(|(_, glob)| !paths.iter().any(|p| glob.matches_pointer(p)))
        .map(|(g, _)| (g, nearest(g, surfaces)))
        .collect()
}

/// Every pointer under `v` (objects and arrays alike) down to `depth` more segments,
/// `prefix` being `v`'s own.
fn gather<'v, N: Node<'v>>(v: N, prefix: &mut String, depth: usize, out: &mut HashSet<String>) {
    if depth == 0 {
        return;
    }
    let len = prefix.len();
    for (key, child) in children(v) {
        prefix.push('/');
        prefix.push_str(&crate::surface::escape_segment(&key));
        out.insert(prefix.clone());
        gather(child, prefix, depth - 1, out);
        prefix.truncate(len);
    }
}

/// A node's children by their (unescaped) pointer segment, in key order.
fn children<'v, N: Node<'v>>(v: N) -> Vec<(String, N)> {
    match v.shape() {
        Shape::Object => v.entries().map(|(k, c)| (k.to_string(), c)).collect(),
        Shape::Array => v
            .items()
            .enumerate()
            .map(|(i, c)| (i.to_string(), c))
            .collect(),
        _ => Vec::new(),
    }
}

/// The real path nearest to `glob` in the surfaces. Two readings are tried: the glob as a
/// path from the root, and the glob under each surface (a path copied without it). Each
/// follows the glob down the tree one segment at a time, taking at each level the key
/// nearest by edit distance (`strsim`) when the glob's own is not there, so the cost is
/// the number of keys along the way, never the number of paths. The reading under a
/// surface is judged by the distance of its part below the surface. A candidate is kept
/// when that distance is at most a third of the glob's length (at least 2); a path the
/// glob reaches unchanged under a surface comes first.
fn nearest<'v, N: Node<'v>>(glob: &str, surfaces: &[N]) -> Option<String> {
    let segments = crate::surface::split_pointer(glob);
    let limit = (glob.chars().count() / 3).max(2);
    // (distance, length, candidate)
    let mut best: Option<(usize, usize, String)> = None;
    let mut consider = |d: usize, candidate: String| {
        if d <= limit
            && candidate != glob
            && best
                .as_ref()
                .is_none_or(|(b, l, c)| (d, candidate.len(), &candidate) < (*b, *l, c))
        {
            best = Some((d, candidate.len(), candidate));
        }
    };
    if let Some(found) = follow(surfaces, &segments) {
        consider(strsim::levenshtein(glob, &found), found);
    }
    let mut tops: Vec<(String, N)> = surfaces.iter().flat_map(|s| children(*s)).collect();
    tops.sort_by(|a, b| a.0.cmp(&b.0));
    tops.dedup_by(|a, b| a.0 == b.0);
    for (surface, _) in &tops {
        let under: Vec<N> = surfaces.iter().filter_map(|s| s.get(surface)).collect();
        if let Some(found) = follow(&under, &segments) {
            let d = strsim::levenshtein(glob, &found);
            let prefix = crate::surface::escape_segment(surface);
            consider(d, format!("/{prefix}{found}"));
        }
    }
    best.map(|(_, _, c)| c)
}

/// Follows `segments` down from `nodes`, each segment to the key it names, or to any key
/// a wildcard matches (the segment is kept), or else to the nearest key by edit distance.
/// `**` keeps the rest of the glob as it is. Returns the pointer reached, or none when a
/// level has no key at all.
fn follow<'v, N: Node<'v>>(nodes: &[N], segments: &[String]) -> Option<String> {
    let mut nodes: Vec<N> = nodes.to_vec();
    let mut out = String::new();
    for (i, seg) in segments.iter().enumerate() {
        if seg == "**" {
            for rest in &segments[i..] {
                out.push('/');
                out.push_str(&crate::surface::escape_segment(rest));
            }
            return Some(out);
        }
        let kids: Vec<(String, N)> = nodes.iter().flat_map(|n| children(*n)).collect();
        let next: Vec<N> = if seg.contains('*') {
            kids.iter()
                .filter(|(k, _)| crate::pathglob::wildcard_match(seg, k))
                .map(|(_, c)| *c)
                .collect()
        } else {
            let key = if kids.iter().any(|(k, _)| k == seg) {
                seg.clone()
            } else {
                kids.iter()
                    .map(|(k, _)| (strsim::levenshtein(seg, k), k))
                    .min()
                    .map(|(_, k)| k.clone())?
            };
            let next: Vec<N> = kids
                .iter()
                .filter(|(k, _)| *k == key)
                .map(|(_, c)| *c)
                .collect();
            out.push('/');
            out.push_str(&crate::surface::escape_segment(&key));
            if next.is_empty() {
                return None;
            }
            nodes = next;
            continue;
        };
        if next.is_empty() {
            return None;
        }
        out.push('/');
        out.push_str(&crate::surface::escape_segment(seg));
        nodes = next;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Locations;
    use crate::profile::Severity;

    fn finding(path: &str, class: Class) -> Finding {
        Finding {
            class,
            path: path.into(),
            surface: crate::surface::surface_of(path),
            severity: Severity::High,
            message: "missing in staging".into(),
            staging: None,
            production: None,
            rule: None,
            waiver: None,
            locations: Locations::default(),
            release: false,
        }
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    const FILE: &str = "[[waiver]]\npath = \"/plugins/*\"\nclass = \"reduced\"\nreason = \"licence for staging pending\"\nowner = \"ops@x.org\"\nexpires = 2027-01-31\n\n\
        [[waiver]]\npath = \"/sso/providers/saml-old\"\nreason = \"decommissioned\"\nowner = \"idm\"\nexpires = \"2026-01-01\"\n";

    #[test]
    fn unexpired_waiver_waives_and_expired_one_says_so() {
        let ws = parse(Path::new("w.toml"), FILE).unwrap();
        let mut fs = vec![
            finding("/plugins/forum", Class::Reduced),
            finding("/sso/providers/saml-old", Class::Reduced),
        ];
        let status = apply(&mut fs, &ws, day("2026-11-26"));
        assert_eq!(fs[0].class, Class::Waived);
        assert_eq!(
            fs[0].waiver.as_ref().unwrap().waived_class,
            Some(Class::Reduced)
        );
        assert_eq!(fs[1].class, Class::Reduced);
        assert!(
            fs[1].message.contains("expired on 2026-01-01"),
            "{}",
            fs[1].message
        );
        assert_eq!(status[0].status, "active");
        assert_eq!(status[1].status, "expired");
    }

    #[test]
    fn waiver_class_must_match_and_unmatched_waiver_is_stale() {
        let ws = parse(Path::new("w.toml"), FILE).unwrap();
        let mut fs = vec![finding("/plugins/forum", Class::Drift)];
        let status = apply(&mut fs, &ws, day("2026-11-26"));
        assert_eq!(fs[0].class, Class::Drift);
        assert_eq!(status[0].status, "stale");
    }

    #[test]
    fn waiver_is_active_on_its_expiry_day() {
        let ws = parse(Path::new("w.toml"), FILE).unwrap();
        let mut fs = vec![finding("/plugins/forum", Class::Reduced)];
        apply(&mut fs, &ws, day("2027-01-31"));
        assert_eq!(fs[0].class, Class::Waived);
    }

    #[test]
    fn bad_dates_and_classes_name_the_line() {
        let e = parse(
            Path::new("w.toml"),
            "[[waiver]]\npath = \"/a\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"next week\"\n",
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("w.toml:5:"), "{e}");
        let e = parse(Path::new("w.toml"), "[[waiver]]\npath = \"/a\"\nclass = \"reduce\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2027-01-01\n").unwrap_err();
        assert!(e.to_string().contains("reduce"), "{e}");
        let e = parse(
            Path::new("w.toml"),
            "[[waiver]]\npath = \"/a\"\nreason = \"r\"\nexpires = 2027-01-01\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("owner"), "{e}");
    }

    #[test]
    fn an_empty_field_left_to_fill_names_itself_and_its_line() {
        let text = "[[waiver]]\npath = \"/plugins/forum\"\nclass = \"reduced\"\nreason = \"\"\nowner = \"\"\nexpires = \"\"\n";
        let e = parse(Path::new("w.toml"), text).unwrap_err().to_string();
        assert!(e.starts_with("w.toml:4:"), "{e}");
        assert!(
            e.contains("waiver 1 (`/plugins/forum`): reason is empty"),
            "{e}"
        );
        let e = parse(
            Path::new("w.toml"),
            &text.replace("reason = \"\"", "reason = \"r\""),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("w.toml:5:") && e.contains("owner is empty"),
            "{e}"
        );
        let e = parse(
            Path::new("w.toml"),
            &text
                .replace("reason = \"\"", "reason = \"r\"")
                .replace("owner = \"\"", "owner = \"o\""),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("w.toml:6:") && e.contains("expires is empty"),
            "{e}"
        );
    }

    #[test]
    fn nearest_path_prefers_the_surface_a_relative_path_lacks_then_edit_distance() {
        let surface = serde_json::json!({
            "plugins": {"forum": {"enabled": true}, "notes": {}},
            "services": {"lms": {"replicas": 3, "hpa": {}}},
            "sso": {}
        });
        let s = [&surface];
        assert_eq!(nearest("/forum", &s).as_deref(), Some("/plugins/forum"));
        assert_eq!(
            nearest("/lms/*", &s).as_deref(),
            Some("/services/lms/*"),
            "a glob keeps its wildcard"
        );
        assert_eq!(
            nearest("/services/lms/replica", &s).as_deref(),
            Some("/services/lms/replicas")
        );
        assert_eq!(
            nearest("/lms/replica", &s).as_deref(),
            Some("/services/lms/replicas"),
            "without its surface and mistyped"
        );
        assert_eq!(nearest("/datastores/mysql/host", &s), None);
        assert_eq!(
            nearest("/plugins/forum", &s),
            None,
            "no suggestion of itself"
        );
    }

    #[test]
    fn unmatched_globs_are_named_and_matching_ones_are_not() {
        let surface = serde_json::json!({"plugins": {"forum": {}}, "settings": {"A": 1}});
        let globs = ["/forum", "/plugins/*", "/settings/**", "/nothing/here"].map(String::from);
        let out = unmatched(&globs, &[&surface]);
        assert_eq!(
            out,
            vec![
                ("/forum", Some("/plugins/forum".to_string())),
                ("/nothing/here", None)
            ]
        );
    }

    #[test]
    fn only_stale_waivers_get_a_suggestion() {
        let ws = parse(Path::new("w.toml"), FILE).unwrap();
        let mut fs = vec![finding("/plugins/forum", Class::Reduced)];
        let mut status = apply(&mut fs, &ws, day("2026-11-26"));
        let surface = serde_json::json!({"sso": {"providers": {"saml-oldx": {}}}});
        suggest(&mut status, &[&surface]);
        assert_eq!(status[0].suggestion, None);
        assert_eq!(
            status[1].suggestion.as_deref(),
            Some("/sso/providers/saml-oldx")
        );
    }
}
