//! Classification: each difference becomes one finding of exactly one class, judged by
//! the rule that governs its path.

use crate::collect::workloads::split_digest;
use crate::compare::{Change, Difference};
use crate::findings::{Class, Finding, Locations, brief};
use crate::profile::{Profile, RuleKind};
use crate::snapshot::Snapshot;
use crate::surface::{self, boolish, number};
use crate::tree::{Node, Surface};
use serde_json::Value;
use std::cmp::Ordering;

/// Context that classification needs beyond the difference itself.
#[derive(Debug, Clone, Default)]
pub struct ClassifyContext {
    /// True when the two sides' fingerprints were made with different keys, so that
    /// equal or different fingerprints say nothing.
    pub fingerprint_keys_differ: bool,
}

/// Judges one difference. None when the difference is no finding at all (a value that
/// only looks different, or an equal value where equality is fine).
pub fn classify(d: Difference, ctx: &ClassifyContext) -> Option<Finding> {
    let kind = d.rule.as_ref().map(|r| r.kind);
    let rule_message = d.rule.as_ref().and_then(|r| r.message.clone());
    let s = d.staging.as_ref();
    let p = d.production.as_ref();
    let secrets =
        s.and_then(surface::as_secret).is_some() && p.and_then(surface::as_secret).is_some();
    let (class, detail) = match d.change {
        Change::Unknown => {
            let reason = s
                .and_then(surface::as_unknown)
                .map(|r| format!("staging: {r}"));
            let reason2 = p
                .and_then(surface::as_unknown)
                .map(|r| format!("production: {r}"));
            let text = [reason, reason2]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("; ");
            (Class::Unknown, format!("cannot be judged ({text})"))
        }
        Change::Equal => {
            if secrets || p.is_some_and(embeds_secret) {
                if ctx.fingerprint_keys_differ {
                    return None;
                }
                (
                    Class::Shared,
                    "the same secret in both environments".to_string(),
                )
            } else if p.is_some_and(contains_host_token) {
                // Equal only because both hosts were replaced by the same token.
                return None;
            } else {
                (
                    Class::Shared,
                    format!("the same value in both environments: {}", brief(p)),
                )
            }
        }
        Change::OnlyProduction => match kind {
            Some(RuleKind::Distinct) => (Class::Expected, "set in production only".into()),
            Some(RuleKind::Drift | RuleKind::Secret) => {
                (Class::Drift, "set in production only".into())
            }
            Some(RuleKind::Expected) => (
                Class::Expected,
                "set in production only, as expected".into(),
            ),
            Some(RuleKind::Capability) if !p.is_some_and(truthy) => return None,
            Some(RuleKind::Capability) => {
                (Class::Reduced, "on in production, absent in staging".into())
            }
            _ => (Class::Reduced, "missing in staging".into()),
        },
        Change::OnlyStaging => match kind {
            Some(RuleKind::Distinct) => (Class::Expected, "set in staging only".into()),
            Some(RuleKind::Drift | RuleKind::Secret) => {
                (Class::Drift, "set in staging only".into())
            }
            Some(RuleKind::Expected) => {
                (Class::Expected, "set in staging only, as expected".into())
            }
            Some(RuleKind::Capability) if !s.is_some_and(truthy) => return None,
            Some(RuleKind::Capability) => {
                (Class::Extra, "on in staging, absent in production".into())
            }
            _ => (Class::Extra, "only in staging".into()),
        },
        Change::Changed if secrets => {
            if ctx.fingerprint_keys_differ && !matches!(kind, Some(RuleKind::Expected)) {
                (Class::Unknown, "secret fingerprints were made with different keys; set ENVPARITY_FINGERPRINT_KEY when taking both snapshots".into())
            } else {
                (Class::Expected, "secrets differ, as they should".into())
            }
        }
        Change::Changed if s.zip(p).is_some_and(|(a, b)| differ_only_in_secrets(a, b)) => (
            Class::Expected,
            "differs only in an embedded secret, as it should".into(),
        ),
        Change::Changed => changed(kind, s, p)?,
    };
    let severity = match (d.rule.as_ref().and_then(|r| r.severity), class) {
        (Some(sev), Class::Reduced | Class::Shared | Class::Drift) => sev,
        _ => class.default_severity(),
    };
    // A rule's message names what the rule guards ("replicas", "external host"); the
    // detail says what happened to it. Other classes at the same path get the detail.
    let message = match rule_message {
        Some(m)
            if matches!(class, Class::Reduced | Class::Shared)
                || (class == Class::Drift && kind == Some(RuleKind::Drift)) =>
        {
            format!("{m}: {detail}")
        }
        _ => detail,
    };
    Some(Finding {
        class,
        surface: surface::surface_of(&d.path),
        path: d.path,
        severity,
        message,
        staging: d.staging,
        production: d.production,
        rule: d.rule.map(|r| r.glob.as_str().to_string()),
        waiver: None,
        locations: Locations::default(),
        release: false,
    })
}

/// Identity settings (hosts) differ by design; they are listed as expected before they
/// are replaced by tokens, so that the report still shows them.
pub fn host_findings<S: Surface>(
    staging: &Snapshot<S>,
    production: &Snapshot<S>,
    profile: &Profile,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for name in &profile.host_settings {
        if profile.is_ignored(&format!("/settings/{}", surface::escape_segment(name))) {
            continue;
        }
        let get = |s: &Snapshot<S>| {
            let settings = s.surface.root_node().get("settings")?;
            settings.get(name).map(Node::to_value)
        };
        let (s, p) = (get(staging), get(production));
        if let (Some(s), Some(p)) = (&s, &p)
            && s != p
        {
            out.push(Finding {
                class: Class::Expected,
                path: format!("/settings/{}", surface::escape_segment(name)),
                surface: "settings".into(),
                severity: Class::Expected.default_severity(),
                message:
                    "identity setting: differs by design, and its values are compared as a token"
                        .into(),
                staging: Some(s.clone()),
                production: Some(p.clone()),
                rule: None,
                waiver: None,
                locations: Locations::default(),
                release: false,
            });
        }
    }
    out
}

fn changed(
    kind: Option<RuleKind>,
    s: Option<&Value>,
    p: Option<&Value>,
) -> Option<(Class, String)> {
    let (s, p) = (s?, p?);
    let drift = || {
        (
            Class::Drift,
            format!(
                "differs: staging {} / production {}",
                brief(Some(s)),
                brief(Some(p))
            ),
        )
    };
    Some(match kind {
        Some(RuleKind::Capacity) => match (number(s), number(p)) {
            (Some(a), Some(b)) if a < b => (
                Class::Reduced,
                format!("staging {} < production {}", brief(Some(s)), brief(Some(p))),
            ),
            (Some(a), Some(b)) if a > b => (
                Class::Extra,
                format!("staging {} > production {}", brief(Some(s)), brief(Some(p))),
            ),
            (Some(_), Some(_)) => return None,
            _ => drift(),
        },
        Some(RuleKind::Capability) => match (level(s), level(p)) {
            (Some(a), Some(b)) if a < b => (
                Class::Reduced,
                format!(
                    "{} in production, {} in staging",
                    level_word(b),
                    level_word(a)
                ),
            ),
            (Some(a), Some(b)) if a > b => (
                Class::Extra,
                format!(
                    "{} in staging, {} in production",
                    level_word(a),
                    level_word(b)
                ),
            ),
            (Some(_), Some(_)) => return None,
            _ => drift(),
        },
        Some(RuleKind::Version) => match (text(s), text(p)) {
            (Some(a), Some(b)) => {
                // Images that pin the build they run (`repo:tag@sha256:…`) are compared
                // by digest where both sides have one: the same digest is the same
                // build whatever the tags say, the same tag with another digest is not.
                let ((ra, da), (rb, db)) = (split_digest(&a), split_digest(&b));
                match (da, db) {
                    (Some(x), Some(y)) if x == y => return None,
                    (Some(x), Some(y)) if ra == rb => (
                        Class::Drift,
                        format!(
                            "another build of {ra}: staging {} / production {}",
                            short_digest(x),
                            short_digest(y)
                        ),
                    ),
                    _ => match crate::release::compare(ra, rb) {
                        Some(Ordering::Less) => {
                            (Class::Reduced, format!("staging is older: {ra} < {rb}"))
                        }
                        Some(Ordering::Greater) => {
                            (Class::Extra, format!("staging is newer: {ra} > {rb}"))
                        }
                        Some(Ordering::Equal) => return None,
                        None => drift(),
                    },
                }
            }
            _ => drift(),
        },
        Some(RuleKind::Distinct | RuleKind::Secret | RuleKind::Expected) => {
            (Class::Expected, "differs, as expected".into())
        }
        Some(RuleKind::Ignore) => return None,
        Some(RuleKind::Presence | RuleKind::Drift) | None => drift(),
    })
}

/// `sha256:` and the first 12 hex digits, as registries show a digest.
fn short_digest(d: &str) -> &str {
    d.get(..19).unwrap_or(d)
}

/// How far a capability is on: off (0), on for some — a waffle flag's `both`, for a
/// percentage of users or for staff only — (1), on (2).
fn level(v: &Value) -> Option<u8> {
    match v {
        Value::String(s) if s.trim().eq_ignore_ascii_case("both") => Some(1),
        _ => boolish(v).map(|b| if b { 2 } else { 0 }),
    }
}

fn level_word(level: u8) -> &'static str {
    match level {
        0 => "off",
        1 => "on for some",
        _ => "on",
    }
}

fn truthy(v: &Value) -> bool {
    boolish(v).unwrap_or(true)
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

const EMBEDDED_SECRET: &str = "<hmac-sha256:";

/// A string with a fingerprint inside it (a URL whose password was redacted).
fn embeds_secret(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s.contains(EMBEDDED_SECRET))
}

/// Two strings equal but for the fingerprints embedded in them.
fn differ_only_in_secrets(a: &Value, b: &Value) -> bool {
    fn strip(s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find(EMBEDDED_SECRET) {
            out.push_str(&rest[..i]);
            match rest[i..].find('>') {
                Some(end) => rest = &rest[i + end + 1..],
                None => {
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }
    match (a.as_str(), b.as_str()) {
        (Some(x), Some(y)) => x.contains(EMBEDDED_SECRET) && strip(x) == strip(y),
        _ => false,
    }
}

/// Whether a string holds a `{NAME}` host token put there by normalization.
fn contains_host_token(v: &Value) -> bool {
    let Value::String(s) = v else { return false };
    s.match_indices('{').any(|(i, _)| {
        let rest = &s[i + 1..];
        rest.find('}').is_some_and(|end| {
            end > 0
                && rest[..end]
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b == b'_')
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pathglob::PathGlob;
    use crate::profile::Rule;
    use serde_json::json;

    fn diff(
        kind: Option<RuleKind>,
        change: Change,
        s: Option<Value>,
        p: Option<Value>,
    ) -> Difference {
        Difference {
            path: "/x/y".into(),
            change,
            staging: s,
            production: p,
            rule: kind.map(|kind| Rule {
                glob: PathGlob::parse("/x/*").unwrap(),
                kind,
                severity: None,
                message: None,
                ordered: false,
            }),
        }
    }

    fn class(
        kind: Option<RuleKind>,
        change: Change,
        s: Option<Value>,
        p: Option<Value>,
    ) -> Option<Class> {
        classify(diff(kind, change, s, p), &ClassifyContext::default()).map(|f| f.class)
    }

    use Change::*;
    use RuleKind::*;

    #[test]
    fn presence_missing_in_staging_is_reduced_and_extra_the_other_way() {
        assert_eq!(
            class(Some(Presence), OnlyProduction, None, Some(json!({}))),
            Some(Class::Reduced)
        );
        assert_eq!(
            class(Some(Presence), OnlyStaging, Some(json!({})), None),
            Some(Class::Extra)
        );
        assert_eq!(
            class(None, OnlyProduction, None, Some(json!(1))),
            Some(Class::Reduced)
        );
    }

    #[test]
    fn capacity_lower_in_staging_is_reduced() {
        assert_eq!(
            class(Some(Capacity), Changed, Some(json!(1)), Some(json!(3))),
            Some(Class::Reduced)
        );
        assert_eq!(
            class(Some(Capacity), Changed, Some(json!(5)), Some(json!(3))),
            Some(Class::Extra)
        );
        assert_eq!(
            class(Some(Capacity), Changed, Some(json!("2")), Some(json!(2))),
            None
        );
        assert_eq!(
            class(Some(Capacity), Changed, Some(json!("many")), Some(json!(2))),
            Some(Class::Drift)
        );
    }

    #[test]
    fn capability_off_in_staging_is_reduced() {
        assert_eq!(
            class(
                Some(Capability),
                Changed,
                Some(json!(false)),
                Some(json!(true))
            ),
            Some(Class::Reduced)
        );
        assert_eq!(
            class(
                Some(Capability),
                Changed,
                Some(json!("on")),
                Some(json!("off"))
            ),
            Some(Class::Extra)
        );
        assert_eq!(
            class(Some(Capability), OnlyProduction, None, Some(json!(false))),
            None,
            "absent is off"
        );
        assert_eq!(
            class(Some(Capability), OnlyProduction, None, Some(json!(true))),
            Some(Class::Reduced)
        );
    }

    #[test]
    fn distinct_equal_is_shared_and_different_is_expected() {
        assert_eq!(
            class(
                Some(Distinct),
                Equal,
                Some(json!("db.x.org")),
                Some(json!("db.x.org"))
            ),
            Some(Class::Shared)
        );
        assert_eq!(
            class(Some(Distinct), Changed, Some(json!("a")), Some(json!("b"))),
            Some(Class::Expected)
        );
        assert_eq!(
            class(
                Some(Distinct),
                Equal,
                Some(json!("{LMS_HOST}")),
                Some(json!("{LMS_HOST}"))
            ),
            None
        );
    }

    #[test]
    fn secret_equal_is_shared_and_different_is_expected() {
        let a = surface::secret("hmac-sha256:aa".into());
        let b = surface::secret("hmac-sha256:bb".into());
        assert_eq!(
            class(Some(Secret), Equal, Some(a.clone()), Some(a.clone())),
            Some(Class::Shared)
        );
        assert_eq!(
            class(None, Equal, Some(a.clone()), Some(a.clone())),
            Some(Class::Shared)
        );
        assert_eq!(
            class(Some(Secret), Changed, Some(a.clone()), Some(b.clone())),
            Some(Class::Expected)
        );
        let ctx = ClassifyContext {
            fingerprint_keys_differ: true,
        };
        let f = classify(diff(Some(Secret), Changed, Some(a), Some(b)), &ctx).unwrap();
        assert_eq!(f.class, Class::Unknown);
    }

    #[test]
    fn images_are_compared_by_digest_where_both_pin_one() {
        let pinned = |tag: &str, d: char| {
            json!(format!(
                "overhangio/openedx:{tag}@sha256:{}",
                d.to_string().repeat(64)
            ))
        };
        let image = |s: Value, p: Value| class(Some(Version), Changed, Some(s), Some(p));
        // The same digest under two tags: the same build.
        assert_eq!(image(pinned("latest", 'a'), pinned("22.0.3", 'a')), None);
        // The same tag, another digest: another build.
        assert_eq!(
            image(pinned("22.0.3", 'a'), pinned("22.0.3", 'b')),
            Some(Class::Drift)
        );
        let f = classify(
            diff(
                Some(Version),
                Changed,
                Some(pinned("22.0.3", 'a')),
                Some(pinned("22.0.3", 'b')),
            ),
            &ClassifyContext::default(),
        )
        .unwrap();
        assert!(f.message.contains("another build of overhangio/openedx:22.0.3: staging sha256:aaaaaaaaaaaa / production sha256:bbbbbbbbbbbb"), "{}", f.message);
        // Older tags are still older; one side without a digest compares tags only.
        assert_eq!(
            image(pinned("22.0.1", 'a'), pinned("22.0.3", 'b')),
            Some(Class::Reduced)
        );
        assert_eq!(
            image(json!("overhangio/openedx:22.0.3"), pinned("22.0.3", 'b')),
            None
        );
    }

    #[test]
    fn version_older_in_staging_is_reduced_newer_is_extra() {
        assert_eq!(
            class(
                Some(Version),
                Changed,
                Some(json!("22.0.1")),
                Some(json!("22.0.3"))
            ),
            Some(Class::Reduced)
        );
        assert_eq!(
            class(
                Some(Version),
                Changed,
                Some(json!("22.0.4")),
                Some(json!("22.0.3"))
            ),
            Some(Class::Extra)
        );
        assert_eq!(
            class(
                Some(Version),
                Changed,
                Some(json!("master")),
                Some(json!("22.0.3"))
            ),
            Some(Class::Drift)
        );
    }

    #[test]
    fn expected_and_drift_and_ignore() {
        assert_eq!(
            class(Some(Expected), Changed, Some(json!("a")), Some(json!("b"))),
            Some(Class::Expected)
        );
        assert_eq!(
            class(Some(Expected), OnlyProduction, None, Some(json!("b"))),
            Some(Class::Expected)
        );
        assert_eq!(
            class(Some(Drift), OnlyProduction, None, Some(json!("b"))),
            Some(Class::Drift)
        );
        assert_eq!(
            class(None, Changed, Some(json!("a")), Some(json!("b"))),
            Some(Class::Drift)
        );
        assert_eq!(
            class(Some(Ignore), Changed, Some(json!("a")), Some(json!("b"))),
            None
        );
    }

    #[test]
    fn unknown_names_the_side_and_reason() {
        let f = classify(
            diff(
                None,
                Unknown,
                Some(surface::unknown("timeout")),
                Some(json!({})),
            ),
            &ClassifyContext::default(),
        )
        .unwrap();
        assert_eq!(f.class, Class::Unknown);
        assert!(f.message.contains("staging: timeout"), "{}", f.message);
    }
}
