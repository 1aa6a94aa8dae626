//! `link/symbol-order.txt` is read by the linker (through `build.rs`) and by
//! `bench/compare.sh`; `bench/link-order.sh` writes it. A hand edit that breaks its shape
//! would quietly lay the code out as before, so its shape is held here.

use std::collections::HashSet;
use std::path::Path;

#[test]
fn the_link_order_has_a_section_per_profile_and_one_name_per_line() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("link/symbol-order.txt");
    let text = std::fs::read_to_string(&path).expect("link/symbol-order.txt is committed");
    let mut sections: Vec<(String, usize, HashSet<&str>)> = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let number = number + 1;
        if let Some(header) = line.strip_prefix("# profile ") {
            // "# profile release: 1772 functions from 10 runs"
            let (profile, rest) = header
                .split_once(": ")
                .unwrap_or_else(|| panic!("line {number}: a profile header without ': '"));
            let count = rest
                .split_once(" functions from ")
                .and_then(|(count, _)| count.parse().ok())
                .unwrap_or_else(|| panic!("line {number}: no function count in {line:?}"));
            sections.push((profile.to_owned(), count, HashSet::new()));
        } else if line.starts_with('#') {
            assert!(
                sections.is_empty(),
                "line {number}: a comment inside a section"
            );
        } else {
            assert!(
                !line.is_empty() && !line.contains(char::is_whitespace),
                "line {number}: the linker reads one symbol name per line, got {line:?}"
            );
            let (profile, _, names) = sections
                .last_mut()
                .unwrap_or_else(|| panic!("line {number}: a name before any profile header"));
            assert!(
                names.insert(line),
                "line {number}: {line} twice in {profile}"
            );
        }
    }
    let profiles: Vec<&str> = sections.iter().map(|(p, _, _)| p.as_str()).collect();
    assert_eq!(profiles, ["release", "dist"], "the profiles that ship");
    for (profile, count, names) in &sections {
        assert_eq!(names.len(), *count, "{profile}: the header's count");
        // The code of a diff alone is hundreds of functions; a handful means the runs failed.
        assert!(*count > 500, "{profile}: only {count} functions ordered");
    }
}
