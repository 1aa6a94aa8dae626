//! The snapshot readers (`envparity diff`, snapshot sources) on arbitrary text: an error is
//! fine, a panic or a hang is a bug, and so is the tree reader `diff` uses disagreeing
//! with the `Value` reader, on the verdict or on the surface, or with serde_json on any
//! JSON, read whole or a few bytes at a time.
#![no_main]

use envparity::tree::{Node, ParseError, Tree};
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
        // The tree reader alone, which `parse_tree` would cover for with the `Value`
        // reader: it reads what serde_json reads, to the same value, and refuses only
        // what serde_json refuses or a repeated key. A short length makes it hold a few
        // bytes at a time.
        let whole = Tree::parse(text.to_string()).map_err(|f| f.error);
        let short = data.len() as u64 % 23;
        let chunked = Tree::read(&mut text.as_bytes(), short, false);
        match (&whole, &chunked) {
            (Ok(a), Ok(b)) => assert_eq!(a.root().to_value(), b.root().to_value()),
            (Err(a), Err(b)) => assert_eq!(a, b),
            _ => panic!("whole {:?} / chunked {:?}", whole.err(), chunked.err()),
        }
        match whole {
            Ok(t) => assert_eq!(
                serde_json::from_str::<serde_json::Value>(text).ok(),
                Some(t.root().to_value())
            ),
            Err(ParseError::Invalid) => {
                assert!(envparity::error::parse_json_value(path, text).is_err())
            }
            Err(ParseError::TooLarge) => panic!("too large: {} bytes", text.len()),
        }
    }
});
