//! The parse floor of `envparity diff`: read two JSON files and parse each into a
//! `serde_json::Value`, nothing else. bench/compare.sh times it beside the real diff,
//! because no diff of two documents can be faster than reading them.
//!
//! Usage: `parse_floor A.json B.json` (prints the number of top-level keys of each).

use std::process::ExitCode;

fn main() -> ExitCode {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.len() != 2 {
        eprintln!("usage: parse_floor A.json B.json");
        return ExitCode::from(2);
    }
    let mut counts = Vec::new();
    for path in &paths {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("parse_floor: {path}: {e}");
                return ExitCode::from(2);
            }
        };
        let value: serde_json::Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("parse_floor: {path}: {e}");
                return ExitCode::from(2);
            }
        };
        counts.push(value.as_object().map_or(0, |m| m.len()));
        // Same teardown as the envparity CLI: the process exit frees the tree.
        std::mem::forget(value);
    }
    println!("top-level keys: {} / {}", counts[0], counts[1]);
    ExitCode::SUCCESS
}
