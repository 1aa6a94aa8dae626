//! The redactor on arbitrary JSON: every secret it finds becomes a fingerprint, without a
//! panic whatever the shape.
#![no_main]

use envparity::normalize::{Fingerprinter, SecretPolicy, redact};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let policy = SecretPolicy::with_extra(&["*_API_KEY".to_string()]);
    redact(&mut value, &policy, &Fingerprinter::with_key(b"fuzzing"));
});
