//! `--discover PATTERN`: the fleet from a directory layout, e.g.
//! `instances/*/{staging,production}` or `snapshots/*/{staging,production}.json`.
//!
//! The pattern holds one `{STAGING,PRODUCTION}` group, whose two words spell the staging
//! and the production path of each instance, and at least one `*` (or `?`) standing for
//! the instance: what the wildcards match, joined by `/`, is its name. Only `*` (any
//! characters but `/`) and `?` (one character) are wildcards; names starting with `.`
//! are matched only by a pattern segment that starts with `.` too.

use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One discovered instance: its name and its staging and production paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub name: String,
    pub staging: PathBuf,
    pub production: PathBuf,
}

/// The instances a pattern finds, ordered by name.
pub fn discover(pattern: &str) -> Result<Vec<Found>> {
    let bad = |why: &str| Error::Usage(format!("--discover `{pattern}`: {why}"));
    let (open, close) = match (pattern.find('{'), pattern.find('}')) {
        (Some(o), Some(c)) if o < c => (o, c),
        _ => {
            return Err(bad(
                "no {STAGING,PRODUCTION} group, e.g. 'instances/*/{staging,production}'",
            ));
        }
    };
    let words: Vec<&str> = pattern[open + 1..close].split(',').collect();
    let [s_word, p_word] = words.as_slice() else {
        return Err(bad(
            "the {…} group must hold two words, staging's then production's, e.g. {staging,production}",
        ));
    };
    let (head, tail) = (&pattern[..open], &pattern[close + 1..]);
    if [s_word, p_word, &head, &tail]
        .iter()
        .any(|p| p.contains(['{', '}', ',']))
    {
        return Err(bad("only one {STAGING,PRODUCTION} group may appear"));
    }
    if !head.contains(['*', '?']) && !tail.contains(['*', '?']) {
        return Err(bad(
            "no `*` standing for the instance name, e.g. 'instances/*/{staging,production}'",
        ));
    }
    let staging = matches(&format!("{head}{s_word}{tail}"));
    let production = matches(&format!("{head}{p_word}{tail}"));
    if staging.is_empty() && production.is_empty() {
        return Err(bad("matches nothing"));
    }
    let mut found = Vec::new();
    for (name, s_path) in &staging {
        let Some(p_path) = production.get(name) else {
            return Err(bad(&format!(
                "instance `{name}` has {} but no {p_word}",
                s_path.display()
            )));
        };
        found.push(Found {
            name: name.clone(),
            staging: s_path.clone(),
            production: p_path.clone(),
        });
    }
    if let Some((name, p_path)) = production.iter().find(|(n, _)| !staging.contains_key(*n)) {
        return Err(bad(&format!(
            "instance `{name}` has {} but no {s_word}",
            p_path.display()
        )));
    }
    Ok(found)
}

/// The existing paths a pattern of `*`/`?` segments matches, by the text its wildcards
/// matched (joined by `/`).
fn matches(pattern: &str) -> BTreeMap<String, PathBuf> {
    let absolute = pattern.starts_with('/');
    let start = if absolute {
        PathBuf::from("/")
    } else {
        PathBuf::new()
    };
    let mut paths = vec![(start, Vec::<String>::new())];
    for segment in pattern.split('/').filter(|s| !s.is_empty()) {
        let mut next = Vec::new();
        for (dir, captured) in paths {
            if !segment.contains(['*', '?']) {
                let p = dir.join(segment);
                if p.exists() {
                    next.push((p, captured));
                }
                continue;
            }
            let listing = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir.as_path()
            };
            let Ok(entries) = std::fs::read_dir(listing) else {
                continue;
            };
            for entry in entries.flatten() {
                let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                    continue;
                };
                if name.starts_with('.') && !segment.starts_with('.') {
                    continue;
                }
                if let Some(mut parts) = wildcard(segment, &name) {
                    let mut c = captured.clone();
                    c.append(&mut parts);
                    next.push((dir.join(&name), c));
                }
            }
        }
        paths = next;
    }
    paths.into_iter().map(|(p, c)| (c.join("/"), p)).collect()
}

/// Whether `name` matches the segment `pattern`, and if so what its wildcards matched
/// (the runs of `*` and `?` in a row count as one capture).
fn wildcard(pattern: &str, name: &str) -> Option<Vec<String>> {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let mut marks = vec![None; p.len()];
    if !matches_from(&p, &n, 0, 0, &mut marks) {
        return None;
    }
    // Each wildcard run's start and end positions in `name`.
    let mut out = Vec::new();
    let mut i = 0;
    while i < p.len() {
        if p[i] == '*' || p[i] == '?' {
            let begin = marks[i].map_or(0, |(b, _)| b);
            let mut j = i;
            let mut end = begin;
            while j < p.len() && (p[j] == '*' || p[j] == '?') {
                end = marks[j].map_or(end, |(_, e)| e);
                j += 1;
            }
            out.push(n[begin..end].iter().collect());
            i = j;
        } else {
            i += 1;
        }
    }
    Some(out)
}

/// Backtracking match of `p[pi..]` against `n[ni..]`, recording the span each wildcard
/// took. `*` takes as little as it can, so that a later literal anchors the name.
fn matches_from(
    p: &[char],
    n: &[char],
    pi: usize,
    ni: usize,
    marks: &mut [Option<(usize, usize)>],
) -> bool {
    if pi == p.len() {
        return ni == n.len();
    }
    match p[pi] {
        '*' => {
            for end in ni..=n.len() {
                marks[pi] = Some((ni, end));
                if matches_from(p, n, pi + 1, end, marks) {
                    return true;
                }
            }
            false
        }
        '?' => {
            if ni < n.len() {
                marks[pi] = Some((ni, ni + 1));
                matches_from(p, n, pi + 1, ni + 1, marks)
            } else {
                false
            }
        }
        c => ni < n.len() && n[ni] == c && matches_from(p, n, pi + 1, ni + 1, marks),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_capture_what_they_matched() {
        assert_eq!(wildcard("*", "acme"), Some(vec!["acme".to_string()]));
        assert_eq!(
            wildcard("site-*.json", "site-acme.json"),
            Some(vec!["acme".to_string()])
        );
        assert_eq!(wildcard("site-*.json", "acme.json"), None);
        assert_eq!(wildcard("a?c", "abc"), Some(vec!["b".to_string()]));
    }

    #[test]
    fn a_pattern_without_its_group_or_wildcard_is_refused() {
        for p in [
            "instances/*",
            "instances/x/{staging,production}",
            "{a,b,c}/*",
        ] {
            let e = discover(p).unwrap_err().to_string();
            assert!(e.starts_with(&format!("--discover `{p}`")), "{e}");
        }
    }
}
