//! Waivers: a reviewed, owned, expiring exception to the gate.
//!
//! A waiver names a path (a glob), optionally a class, a reason, an owner and an expiry
//! date. An unexpired matching waiver turns the finding into `waived`; an expired one
//! stops applying and the finding says so; a waiver that matches nothing is stale and the
//! report lists it, so the file does not rot.

use crate::classify::{Class, Finding, WaiverNote};
use crate::error::{Error, Result, line_col, read_file};
use crate::pathglob::PathGlob;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
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
    let mut matched = vec![0usize; waivers.len()];
    for f in findings.iter_mut() {
        // The first matching waiver in file order decides; one finding, one waiver.
        let hit = waivers.iter().enumerate().find(|(_, w)| {
            w.glob.matches_pointer(&f.path)
                && w.class.is_none_or(|c| c == f.class)
                && f.class != Class::Expected
        });
        let Some((i, w)) = hit else { continue };
        matched[i] += 1;
        let active = today <= w.expires;
        f.waiver = Some(WaiverNote {
            status: if active { "active" } else { "expired" }.into(),
            reason: w.reason.clone(),
            owner: w.owner.clone(),
            expires: w.expires.to_string(),
            waived_class: active.then_some(f.class),
        });
        if active {
            f.class = Class::Waived;
            f.severity = Class::Waived.default_severity();
        } else {
            f.message = format!(
                "{} (waiver by {} expired on {})",
                f.message, w.owner, w.expires
            );
        }
    }
    waivers
        .iter()
        .zip(matched)
        .map(|(w, n)| WaiverStatus {
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

/// Names, for each stale waiver, the real path nearest to its own: a waiver that matches
/// nothing is most often a path copied without its surface (`/forum` for
/// `/plugins/forum`) or mistyped. The paths of both surfaces are gathered once, and only
/// when some waiver is stale.
pub fn suggest(statuses: &mut [WaiverStatus], surfaces: &[&Value]) {
    if statuses.iter().all(|w| w.status != "stale") {
        return;
    }
    // No suggestion is deeper than the deepest stale waiver plus its missing surface.
    let depth = statuses
        .iter()
        .filter(|w| w.status == "stale")
        .map(|w| w.path.matches('/').count() + 1)
        .max()
        .unwrap_or(0);
    let mut paths = HashSet::new();
    for s in surfaces {
        let mut prefix = String::new();
        gather(s, &mut prefix, depth, &mut paths);
    }
    let mut paths: Vec<String> = paths.into_iter().collect();
    paths.sort();
    for w in statuses.iter_mut().filter(|w| w.status == "stale") {
        w.suggestion = nearest(&w.path, &paths);
    }
}

/// The globs (e.g. `--ignore` ones) that match no path of the surfaces, each with the real
/// path nearest to it, if one is near; the paths are gathered once for all of them.
pub fn unmatched<'a>(globs: &'a [String], surfaces: &[&Value]) -> Vec<(&'a str, Option<String>)> {
    let parsed: Vec<(&str, PathGlob)> = globs
        .iter()
        .filter_map(|g| PathGlob::parse(g).ok().map(|p| (g.as_str(), p)))
        .collect();
    if parsed.is_empty() {
        return Vec::new();
    }
    let depth = globs
        .iter()
        .map(|g| g.matches('/').count() + 1)
        .max()
        .unwrap_or(0);
    let mut paths = HashSet::new();
    for s in surfaces {
        gather(s, &mut String::new(), depth, &mut paths);
    }
    let mut paths: Vec<String> = paths.into_iter().collect();
    paths.sort();
    parsed
        .into_iter()
        .filter(|(_, glob)| !paths.iter().any(|p| glob.matches_pointer(p)))
        .map(|(g, _)| (g, nearest(g, &paths)))
        .collect()
}

/// Every pointer under `v` (objects and arrays alike) down to `depth` more segments,
/// `prefix` being `v`'s own.
fn gather(v: &Value, prefix: &mut String, depth: usize, out: &mut HashSet<String>) {
    if depth == 0 {
        return;
    }
    let len = prefix.len();
    let mut visit = |key: &str, child: &Value, prefix: &mut String| {
        prefix.push('/');
        prefix.push_str(&crate::surface::escape_segment(key));
        out.insert(prefix.clone());
        gather(child, prefix, depth - 1, out);
        prefix.truncate(len);
    };
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                visit(k, child, prefix);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                visit(&i.to_string(), child, prefix);
            }
        }
        _ => {}
    }
}

/// The path nearest to `glob` among `paths` (sorted): a path that is `glob` under one more
/// leading segment (a surface-relative path) first, else the path at the smallest edit
/// distance, if that distance is small for the glob's length.
fn nearest(glob: &str, paths: &[String]) -> Option<String> {
    if let Ok(under) = PathGlob::parse(&format!("/*{glob}"))
        && let Some(p) = paths
            .iter()
            .filter(|p| under.matches_pointer(p))
            .min_by_key(|p| p.len())
    {
        let surface = crate::surface::split_pointer(p).into_iter().next()?;
        return Some(format!(
            "/{}{glob}",
            crate::surface::escape_segment(&surface)
        ));
    }
    let len = glob.chars().count();
    let limit = (len / 3).max(2);
    let mut best: Option<(usize, &String)> = None;
    for p in paths {
        let bound = best.map_or(limit, |(d, _)| d.min(limit));
        // The distance is at least the difference in length: most paths stop here.
        if p.chars().count().abs_diff(len) > bound {
            continue;
        }
        let d = strsim::levenshtein(glob, p);
        if d <= bound && best.is_none_or(|(b, q)| (d, p.len()) < (b, q.len())) {
            best = Some((d, p));
        }
    }
    best.filter(|(d, _)| *d > 0).map(|(_, p)| p.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::Locations;
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
        let paths: Vec<String> = [
            "/plugins",
            "/plugins/forum",
            "/plugins/notes",
            "/services/lms/replicas",
            "/sso",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(nearest("/forum", &paths).as_deref(), Some("/plugins/forum"));
        assert_eq!(
            nearest("/lms/*", &paths).as_deref(),
            Some("/services/lms/*"),
            "a glob keeps its wildcard"
        );
        assert_eq!(
            nearest("/services/lms/replica", &paths).as_deref(),
            Some("/services/lms/replicas")
        );
        assert_eq!(nearest("/datastores/mysql/host", &paths), None);
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
