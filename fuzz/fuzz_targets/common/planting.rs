//! Planted secrets, shared by the targets that look for leaks: each secret's plaintext
//! is replaced by a marker that nothing else writes, so that a marker in an output is a
//! leak and not text that merely looks alike.

/// What every marker begins with.
pub const MARK: &str = "QzLEAKq";

/// A marker for each plaintext, longest first so that a secret inside another is not
/// split by the shorter one; none when a plaintext is part of a marker, which planting
/// would rewrite. `tag` tells apart the markers of one plaintext in different copies.
pub fn markers(mut plain: Vec<String>, tag: char) -> Option<Vec<(String, String)>> {
    plain.sort();
    plain.dedup();
    plain.sort_by_key(|p| std::cmp::Reverse(p.len()));
    let marks: Vec<(String, String)> = plain
        .into_iter()
        .enumerate()
        .map(|(i, p)| (p, format!("{MARK}{i:03}{tag}")))
        .collect();
    let clash = marks
        .iter()
        .any(|(p, _)| marks.iter().any(|(_, m)| m.contains(p.as_str())));
    (!clash).then_some(marks)
}

/// `text` with every plaintext replaced by its marker.
pub fn plant_text(text: &str, marks: &[(String, String)]) -> String {
    let mut text = text.to_string();
    for (plain, mark) in marks {
        if text.contains(plain.as_str()) {
            text = text.replace(plain.as_str(), mark);
        }
    }
    text
}

/// The input as text, unless it is not UTF-8 or already holds a marker (which no run
/// could then tell from a leak).
pub fn plantable(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok().filter(|t| !t.contains(MARK))
}
