//! The Tutor reader on arbitrary files. The input is split at NUL bytes into the files of
//! a Tutor root — `config.yml`, `env/version`, `env/apps/openedx/config/lms.env.yml`,
//! `env/apps/openedx/settings/lms/production.py` (the Python settings reader) and a
//! Kubernetes manifest — which are written into a private directory and read as the
//! collector reads a root. The whole input is also parsed as a YAML stream, the path
//! every YAML file takes (depth check, duplicate keys), and what the parser builds is
//! checked against the depth the linear pre-scan counted: a structure much deeper than
//! counted would mean the pre-scan can be fooled into letting the parser's quadratic
//! case through.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

#[path = "common/tutor_root.rs"]
mod tutor_root;

fn root() -> &'static PathBuf {
    static ROOT: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &ROOT.get_or_init(tutor_root::make).1
}

/// How many collections are nested in `v`.
fn nesting(v: &serde_json::Value) -> usize {
    match v {
        serde_json::Value::Array(a) => 1 + a.iter().map(nesting).max().unwrap_or(0),
        serde_json::Value::Object(m) => 1 + m.values().map(nesting).max().unwrap_or(0),
        _ => 0,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(docs) = envparity::error::parse_yaml_documents(Path::new("fuzz.yml"), text) {
        // A block mapping and a block sequence can share one indentation level, so the
        // parser may build up to two collections per level the scan counts.
        let counted = envparity::input::yaml::max_depth(text);
        for doc in &docs {
            assert!(
                nesting(doc) <= 2 * counted + 2,
                "the pre-scan counted {counted} levels, the parser built {}",
                nesting(doc)
            );
        }
    }
    if let Some(python) = text.split('\0').nth(3) {
        envparity::collect::tutor::read_python_for_fuzzing(python);
    }
    let root = root();
    tutor_root::write(root, text, str::to_string);
    let _ = envparity::collect::tutor::read_root_for_fuzzing(root);
});
