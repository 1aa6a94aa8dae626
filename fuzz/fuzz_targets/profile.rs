//! The profile reader (`--profile FILE`) on arbitrary text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = envparity::profile::Profile::from_toml(Path::new("fuzz/profile.toml"), text);
    }
});
