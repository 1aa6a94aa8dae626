//! A Tutor root collected as `check` and `snapshot` collect it, on arbitrary files (split
//! at NUL bytes, as the `tutor` target splits them): no secret of its `config.yml` may
//! reach the snapshot or an error message.
//!
//! Secrets are planted, so that a leak is told apart from text that merely looks alike:
//! every plain word of 8 characters or more under a secret-named key of `config.yml`
//! becomes a marker that nothing else produces, in every file of the root (a password
//! that the rendered settings repeat under another name, a URL, a Python string). No
//! marker may be in a value of the snapshot (its keys are names, which it must keep) or
//! in the error of a root that does not read.
#![no_main]

use envparity::collect::{Context, Source, collect_environment};
use envparity::normalize::{Fingerprinter, SecretPolicy};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

#[path = "common/planting.rs"]
mod planting;
#[path = "common/tutor_root.rs"]
mod tutor_root;

use planting::MARK;

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    runtime: tokio::runtime::Runtime,
    ctx: Context,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        // No `tutor` to ask for plugin versions: the files are all there is.
        // SAFETY: set once, before the runtime or any other thread of this process.
        unsafe { std::env::set_var("PATH", "") };
        let (dir, root) = tutor_root::make();
        let profile = envparity::profile::Profile::resolve(envparity::profile::DEFAULT_PROFILE)
            .expect("the embedded profile");
        Fixture {
            _dir: dir,
            root,
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
    })
}

/// The plain words held directly under secret-named keys, at any depth.
fn secrets(v: &Value, policy: &SecretPolicy, out: &mut Vec<String>) {
    let word = |s: &str| {
        s.len() >= 8
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                match child {
                    Value::String(s) if word(s) && policy.is_secret_key(k) => out.push(s.clone()),
                    _ => secrets(child, policy, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| secrets(i, policy, out)),
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

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if text.contains(MARK) {
        return;
    }
    let fx = fixture();
    let config = text.split('\0').next().unwrap_or_default();
    let Ok(docs) = envparity::error::parse_yaml_documents(Path::new("config.yml"), config) else {
        return;
    };
    let mut plain = Vec::new();
    docs.iter()
        .for_each(|d| secrets(d, &fx.ctx.secrets, &mut plain));
    let Some(marks) = planting::markers(plain, 'z') else {
        return;
    };
    tutor_root::write(&fx.root, text, |part| planting::plant_text(part, &marks));
    let source =
        Source::from_shortcut(fx.root.to_str().expect("a UTF-8 path")).expect("a Tutor root");
    match fx.runtime.block_on(collect_environment(&[source], &fx.ctx)) {
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
});
