//! The waivers reader (`--waivers FILE`) on arbitrary text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = envparity::waiver::parse(Path::new("waivers.toml"), text);
    }
});
