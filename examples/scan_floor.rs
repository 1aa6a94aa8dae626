//! The scan floor of `envparity diff`: read two JSON files and check that each is JSON
//! (`serde::de::IgnoredAny`: every byte tokenized, no tree built). bench/compare.sh times
//! it beside the real diff and the parse floor: what reading the bytes costs at all.
//!
//! Usage: `scan_floor A.json B.json`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.len() != 2 {
        eprintln!("usage: scan_floor A.json B.json");
        return ExitCode::from(2);
    }
    for path in &paths {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("scan_floor: {path}: {e}");
                return ExitCode::from(2);
            }
        };
        if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(&text) {
            eprintln!("scan_floor: {path}: {e}");
            return ExitCode::from(2);
        }
    }
    println!("both are JSON");
    ExitCode::SUCCESS
}
