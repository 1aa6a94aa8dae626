//! What the targets that collect a source with planted secrets share: which plaintexts
//! they plant, and the check that no marker reached the snapshot or the error.

use crate::planting::MARK;
use envparity::collect::{Context, Source, collect_environment};
use envparity::normalize::{Fingerprinter, SecretPolicy};
use serde_json::Value;
use std::time::Duration;

/// Whether `s` is a plain word a marker can stand for.
fn word(s: &str) -> bool {
    s.len() >= 8
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The plaintexts a target plants: the plain words held directly under secret-named
/// keys at any depth, and the passwords of URLs.
pub fn secrets(v: &Value, policy: &SecretPolicy, out: &mut Vec<String>) {
    named_secrets(v, policy, out);
    url_passwords(v, out);
}

/// The plain words held directly under secret-named keys, at any depth.
fn named_secrets(v: &Value, policy: &SecretPolicy, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                match child {
                    Value::String(s) if word(s) && policy.is_secret_key(k) => out.push(s.clone()),
                    _ => named_secrets(child, policy, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| named_secrets(i, policy, out)),
        _ => {}
    }
}

/// The passwords of the `scheme://user:password@host` URLs in the strings of `v`, where
/// a plain word.
fn url_passwords(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => map.values().for_each(|c| url_passwords(c, out)),
        Value::Array(items) => items.iter().for_each(|i| url_passwords(i, out)),
        Value::String(s) => {
            for (at, _) in s.match_indices("://") {
                let rest = &s[at + 3..];
                // A URL holds no whitespace: the authority ends there too.
                let authority = rest
                    .split(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace())
                    .next()
                    .unwrap_or_default();
                if let Some((userinfo, _)) = authority.rsplit_once('@')
                    && let Some((_, password)) = userinfo.split_once(':')
                    && word(password)
                {
                    out.push(password.to_string());
                }
            }
        }
        _ => {}
    }
}

/// The first string value (never a key) that holds a marker.
fn marked(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => s.contains(MARK).then_some(s.as_str()),
        Value::Object(map) => map.values().find_map(marked),
        Value::Array(items) => items.iter().find_map(marked),
        _ => None,
    }
}

/// How a target collects: on one thread (it runs one input at a time), as `check` would
/// collect staging with the default profile.
pub struct Collector {
    runtime: tokio::runtime::Runtime,
    pub ctx: Context,
}

impl Collector {
    pub fn new() -> Collector {
        let profile = envparity::profile::Profile::resolve(envparity::profile::DEFAULT_PROFILE)
            .expect("the embedded profile");
        Collector {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime"),
            ctx: Context {
                environment: "staging".into(),
                fingerprinter: Fingerprinter::with_key(b"fuzzing"),
                secrets: SecretPolicy::with_extra(&profile.secret_keys),
                timeout: Duration::from_secs(10),
                quiet: true,
            },
        }
    }

    /// Collects `source`, and panics when a marker is in a value of the snapshot (its
    /// keys are names, which it must keep) or in the error of a collection that failed.
    pub fn assert_no_marker(&self, source: Source) {
        match self
            .runtime
            .block_on(collect_environment(&[source], &self.ctx))
        {
            Ok(snapshot) => {
                let v = serde_json::to_value(&snapshot).expect("a snapshot serializes");
                if let Some(s) = marked(&v) {
                    panic!("the snapshot shows a planted secret: {s}\n{v:#}");
                }
            }
            Err(e) => {
                let e = e.to_string();
                assert!(!e.contains(MARK), "the error shows a planted secret: {e}");
            }
        }
    }
}
