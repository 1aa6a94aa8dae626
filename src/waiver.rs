//! Waivers: a reviewed, owned, expiring exception to the gate.
//!
//! A waiver names a path (a glob), optionally a class, a reason, an owner and an expiry
//! date. An unexpired matching waiver turns the finding into `waived`; an expired one
//! stops applying and the finding says so; a waiver that matches nothing is stale and the
//! report lists it, so the file does not rot.

use crate::error::{Error, Result, line_col, read_file};
use crate::findings::{Class, Finding, WaiverNote};
use crate::pathglob::PathGlob;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
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
    reason: String,
    owner: String,
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
        let expires = match w.expires.get_ref() {
            toml::Value::Datetime(d) => d.to_string(),
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
        if w.reason.trim().is_empty() || w.owner.trim().is_empty() {
            return Err(at(
                w.path.span(),
                "waiver needs a non-empty reason and owner".into(),
            ));
        }
        out.push(Waiver {
            glob,
            class,
            reason: w.reason,
            owner: w.owner,
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
        })
        .collect()
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
}
