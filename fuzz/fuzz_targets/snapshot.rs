//! The snapshot reader (`envparity diff`, snapshot sources) on arbitrary text: an error is
//! fine, a panic or a hang is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = envparity::snapshot::Snapshot::parse(Path::new("fuzz.json"), text);
    }
});
