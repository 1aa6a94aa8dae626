//! The config reader (`--config FILE`) on arbitrary text, through to the sources it names.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(config) = envparity::config::Config::parse(Path::new("fuzz/envparity.toml"), text)
    else {
        return;
    };
    for env in ["staging", "production"] {
        if let Ok(section) = config.environment(env) {
            let _ = config.sources(section);
        }
    }
});
