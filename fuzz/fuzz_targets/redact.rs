//! The redactor on arbitrary JSON: every secret it finds becomes a fingerprint, without a
//! panic whatever the shape, and a tree (as `diff` judges) is redacted exactly as a
//! `Value` (as collectors redact).
#![no_main]

use envparity::normalize::{Fingerprinter, Rewrite, SecretPolicy, Taint, redact};
use envparity::tree::{Node, Tree};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let policy = SecretPolicy::with_extra(&["*_API_KEY".to_string()]);
    let fp = Fingerprinter::with_key(b"fuzzing");
    let mut tree = Tree::from_value(&value);
    redact(&mut value, &policy, &fp);
    let mut taint = Taint::default();
    tree.redact(&policy, &fp, &mut taint);
    tree.apply_taint(&taint);
    assert_eq!(tree.root().to_value(), value);
});
