//! The whole `diff` pipeline on two arbitrary snapshots (staging, a NUL byte, production):
//! reading as trees, redaction, taint, host tokens, the comparison and every output
//! format. A panic is a bug; so is a report that differs from one run to the next, a
//! secret in any format, and a faithful copy (exact, or with secrets of its own) told it
//! is less, more or otherwise.
//!
//! Secrets are planted, so that a leak is told apart from text that merely looks alike:
//! every string of 6 characters or more under a secret-named key, and every URL's
//! password, becomes a marker that nothing else produces, and so does each other
//! occurrence of that string in the string values of both snapshots' surfaces and
//! source statuses (a password pasted into a URL; a snapshot's name, date and tool are
//! labels, left as they are). No marker may reach any output. A secret that also
//! appears inside an object key is left as it was: keys are paths, which reports must
//! show.
#![no_main]

use envparity::findings::Class;
use envparity::normalize::{Fingerprinter, SecretPolicy};
use envparity::profile::{DEFAULT_PROFILE, Profile};
use envparity::report::{self, Format, RenderOptions, Report};
use envparity::snapshot::Snapshot;
use envparity::{JudgeOptions, judge_keeping};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::path::Path;
use std::sync::{Arc, OnceLock};

#[path = "common/planting.rs"]
mod planting;

use planting::MARK;

fn options() -> &'static JudgeOptions {
    static OPTS: OnceLock<JudgeOptions> = OnceLock::new();
    OPTS.get_or_init(|| JudgeOptions {
        profile: Arc::new(Profile::resolve(DEFAULT_PROFILE).expect("the embedded profile")),
        waivers: Vec::new(),
        fail_on: Class::FAILING_BY_DEFAULT.to_vec(),
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 26).expect("a date"),
    })
}

fn policy() -> &'static SecretPolicy {
    static POLICY: OnceLock<SecretPolicy> = OnceLock::new();
    POLICY.get_or_init(|| SecretPolicy::with_extra(&options().profile.secret_keys))
}

/// The passwords of the plainest URLs in `s`: `scheme://user:password@host`, the
/// password of six or more unreserved characters, a host after the `@` and nothing but a
/// path after it; any other URL is left to the redaction's own tests.
fn url_passwords(s: &str, out: &mut Vec<String>) {
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '~' | '-');
    for (sep, _) in s.match_indices("://") {
        if !s[..sep].ends_with(|c: char| c.is_ascii_alphabetic()) {
            continue;
        }
        let rest = &s[sep + 3..];
        let token = &rest[..rest.find(char::is_whitespace).unwrap_or(rest.len())];
        let Some(at) = token.find('@') else { continue };
        let (userinfo, after) = (&token[..at], &token[at + 1..]);
        let Some((user, password)) = userinfo.split_once(':') else {
            continue;
        };
        let host = &after[..after.find('/').unwrap_or(after.len())];
        if user.chars().all(plain)
            && password.chars().count() >= 6
            && password.chars().all(plain)
            && host.starts_with(|c: char| c.is_ascii_alphanumeric())
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
            && !after.contains('@')
        {
            out.push(password.to_string());
        }
    }
}

/// The plaintexts held directly under secret-named keys, and the passwords of URLs
/// anywhere.
fn secrets(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => url_passwords(s, out),
        Value::Object(map) => {
            for (k, child) in map {
                match child {
                    Value::String(s) if s.chars().count() >= 6 && policy().is_secret_key(k) => {
                        out.push(s.clone());
                    }
                    _ => secrets(child, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| secrets(i, out)),
        _ => {}
    }
}

fn in_keys(v: &Value, needle: &str) -> bool {
    match v {
        Value::Object(map) => map
            .iter()
            .any(|(k, child)| k.contains(needle) || in_keys(child, needle)),
        Value::Array(items) => items.iter().any(|i| in_keys(i, needle)),
        _ => false,
    }
}

/// A marker for each secret of `docs` (see [`secrets`]) that no key holds (see
/// [`planting::markers`]).
fn markers(docs: &[&Value], tag: char) -> Option<Vec<(String, String)>> {
    let mut plain = Vec::new();
    docs.iter().for_each(|d| secrets(d, &mut plain));
    plain.retain(|p| docs.iter().all(|d| !in_keys(d, p)));
    planting::markers(plain, tag)
}

/// Plants the markers in a snapshot's surface and source statuses, where the collected
/// values are; its name, date and tool are the user's own labels, not values.
fn plant_snapshot(v: &mut Value, marks: &[(String, String)]) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                if k == "surface" || k == "sources" {
                    plant(child, marks);
                }
            }
        }
        other => plant(other, marks),
    }
}

/// Replaces every occurrence of each plaintext inside string values by its marker.
fn plant(v: &mut Value, marks: &[(String, String)]) {
    match v {
        Value::String(s) => *s = planting::plant_text(s, marks),
        Value::Object(map) => map.values_mut().for_each(|c| plant(c, marks)),
        Value::Array(items) => items.iter_mut().for_each(|c| plant(c, marks)),
        _ => {}
    }
}

/// One judgement of the two texts, as `diff` makes it, or none when either is not a
/// snapshot.
fn judged(staging: &str, production: &str) -> Option<Report> {
    let read = |name: &str, text: &str| Snapshot::parse_tree(Path::new(name), text.to_string());
    let (Ok(mut staging), Ok(mut production)) = (
        read("staging.json", staging),
        read("production.json", production),
    ) else {
        return None;
    };
    let fp = Fingerprinter::with_key(b"fuzzing");
    envparity::normalize::redact_snapshot(&mut staging, policy(), &fp);
    envparity::normalize::redact_snapshot(&mut production, policy(), &fp);
    envparity::normalize::recognise_fingerprints(&mut staging, &mut production, &fp);
    let (report, staging, production) = judge_keeping(staging, production, options());
    envparity::refuse_overflow(&staging, &production).ok()?;
    Some(report)
}

/// Every format's output of a report, and the waivers file `--write-waivers` makes of it.
fn outputs(report: &Report) -> Vec<String> {
    let opts = RenderOptions {
        show_expected: true,
        color: false,
        width: Some(100),
    };
    let formats = [
        Format::Table,
        Format::Json,
        Format::Markdown,
        Format::Junit,
        Format::Sarif,
        Format::Github,
        Format::Patch,
        Format::Html,
    ];
    let mut out: Vec<String> = formats
        .iter()
        .map(|&f| report::render(report, f, &opts))
        .collect();
    out.push(report::baseline_waivers(report));
    out
}

fuzz_target!(|data: &[u8]| {
    let Some(text) = planting::plantable(data) else {
        return;
    };
    let Some((a, b)) = text.split_once('\u{0}') else {
        return;
    };
    let (Ok(mut sa), Ok(mut sb)) = (
        serde_json::from_str::<Value>(a),
        serde_json::from_str::<Value>(b),
    ) else {
        // Not JSON: the readers' own fuzz target covers that; still, nothing may panic.
        if let Some(report) = judged(a, b) {
            outputs(&report);
        }
        return;
    };
    let Some(marks) = markers(&[&sa, &sb], 'z') else {
        return;
    };
    // Staging against itself, each side with secrets of its own: only staging's secrets,
    // which the pair itself shows to be secrets, each marked otherwise on each side.
    let (Some(mine), Some(theirs)) = (markers(&[&sa], 'y'), markers(&[&sa], 'x')) else {
        return;
    };
    let (mut own, mut other) = (sa.clone(), sa.clone());
    plant_snapshot(&mut own, &mine);
    plant_snapshot(&mut other, &theirs);
    plant_snapshot(&mut sa, &marks);
    plant_snapshot(&mut sb, &marks);
    let (a, b) = (sa.to_string(), sb.to_string());
    let (own, other) = (own.to_string(), other.to_string());

    let Some(report) = judged(&a, &b) else {
        return;
    };
    let first = outputs(&report);
    for (i, out) in first.iter().enumerate() {
        assert!(
            !out.contains(MARK),
            "output {i} shows a planted secret:\n{out}"
        );
    }
    let again = outputs(&judged(&a, &b).expect("judged once, judged again"));
    assert_eq!(first, again, "two judgements of the same pair differ");

    // A staging that is production's exact copy is faithful: what it may be told is that
    // the two share what must be separate, or that a source could not be read, never
    // that it is less, more or otherwise.
    let twin = judged(&a, &a).expect("staging read once, read again");
    for f in &twin.findings {
        assert!(
            matches!(f.class, Class::Shared | Class::Unknown),
            "an exact copy is told {} at {}: {}",
            f.class,
            f.path,
            f.message
        );
    }

    // Nor is a copy whose every planted secret is its own (a password in a URL included):
    // separate secrets are what a faithful staging has.
    let separate = judged(&own, &other).expect("read before, as staging");
    for (i, out) in outputs(&separate).iter().enumerate() {
        assert!(
            !out.contains(MARK),
            "output {i} shows a planted secret:\n{out}"
        );
    }
    for f in &separate.findings {
        assert!(
            matches!(f.class, Class::Shared | Class::Unknown | Class::Expected),
            "a copy with secrets of its own is told {} at {}: {}",
            f.class,
            f.path,
            f.message
        );
    }
});
