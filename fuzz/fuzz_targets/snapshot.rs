//! The snapshot readers (`envparity diff`, snapshot sources) on arbitrary text: an error is
//! fine, a panic or a hang is a bug, and so is the tree reader `diff` uses disagreeing
//! with the `Value` reader, on the verdict or on the surface.
#![no_main]

use envparity::tree::Node;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let path = Path::new("fuzz.json");
        let value = envparity::snapshot::Snapshot::parse(path, text);
        let tree = envparity::snapshot::Snapshot::parse_tree(path, text.to_string());
        match (value, tree) {
            (Ok(v), Ok(t)) => assert_eq!(v.surface, t.surface.root().to_value()),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
            (v, t) => panic!("the readers disagree: {:?} / {:?}", v.err(), t.err()),
        }
    }
});
