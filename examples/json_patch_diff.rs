//! A peer of `envparity diff` for bench/compare.sh: what a Rust user would reach for
//! first, `json_patch::diff` (RFC 6902) on the two documents.
//!
//! Usage: `json_patch_diff A.json B.json` (prints the number of patch operations).

use std::process::ExitCode;

fn read(path: &str) -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))
}

fn main() -> ExitCode {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.len() != 2 {
        eprintln!("usage: json_patch_diff A.json B.json");
        return ExitCode::from(2);
    }
    let (a, b) = match (read(&paths[0]), read(&paths[1])) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("json_patch_diff: {e}");
            return ExitCode::from(2);
        }
    };
    let patch = json_patch::diff(&a, &b);
    println!("operations: {}", patch.0.len());
    // Same teardown as the envparity CLI and the parse floor: the process exit frees it.
    std::mem::forget((a, b, patch));
    ExitCode::SUCCESS
}
