//! `patch`: an RFC 6902 JSON Patch that turns the staging surface into the production
//! surface at every place the gate judged, expected differences left out. It answers
//! "what exactly would staging need to look like production", in a form tools can apply
//! and diff.
//!
//! The values are those that were compared: secrets are fingerprints and host names are
//! `{LMS_HOST}`-style tokens, so the patch applies to a snapshot's surface after
//! normalization, not to a Tutor `config.yml`. Shared findings need no operation (the
//! values are already equal: the fix is to make them differ) and unknown ones get none
//! (one side was never collected, so nothing can be claimed about it).
//!
//! Operation order matters where a path runs through an array: the comparer names a
//! staging-only element by its staging index and everything else by its production
//! index. So, at each array, element removals go first from the highest index down, and
//! then additions, replacements and deeper changes in ascending index order. Every
//! operation then finds the index it names. Object members are independent of order.
//! One limit: an array element the engine does not judge at all (a false value under a
//! `capability` rule, which counts as "off" like an absent one) gets no operation, so a
//! later element of the same array may name an index past its end. The surface layout
//! has no arrays under capability rules (capabilities are keyed booleans).

use super::{RenderOptions, Report};
use crate::findings::{Class, Finding};
use crate::surface::{join_pointer, split_pointer};
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub fn render(report: &Report, _opts: &RenderOptions) -> String {
    let ops: Vec<(Vec<String>, Value)> = report
        .findings
        .iter()
        .filter_map(|f| operation(f).map(|op| (split_pointer(&f.path), op)))
        .collect();
    let mut ordered = Vec::with_capacity(ops.len());
    order(ops, 0, &mut ordered);
    let mut s = serde_json::to_string_pretty(&Value::Array(ordered)).unwrap_or_default();
    s.push('\n');
    s
}

/// The operation a finding calls for, if any.
fn operation(f: &Finding) -> Option<Value> {
    if matches!(f.class, Class::Expected | Class::Unknown | Class::Shared) {
        return None;
    }
    // Rebuilt from the segments so that the pointer is canonically escaped.
    let path = join_pointer(&split_pointer(&f.path));
    match (&f.staging, &f.production) {
        (None, Some(p)) => Some(json!({"op": "add", "path": path, "value": p})),
        (Some(_), None) => Some(json!({"op": "remove", "path": path})),
        (Some(s), Some(p)) if s != p => Some(json!({"op": "replace", "path": path, "value": p})),
        _ => None,
    }
}

/// An array index as RFC 6901 spells it (no leading zeros).
fn index(seg: &str) -> Option<usize> {
    if seg.is_empty() || (seg.len() > 1 && seg.starts_with('0')) {
        return None;
    }
    if seg.bytes().all(|b| b.is_ascii_digit()) {
        seg.parse().ok()
    } else {
        None
    }
}

/// Sort key for the children of one node: indices by value, then names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Child {
    Index(usize),
    Name(String),
}

/// What one child of a node gets: an element removal (a staging index) and any other
/// operation (a production index) may name the same index, so both are kept apart.
#[derive(Default)]
struct Slot {
    removal: Option<Value>,
    other: Option<Value>,
    deeper: Vec<(Vec<String>, Value)>,
}

fn order(ops: Vec<(Vec<String>, Value)>, depth: usize, out: &mut Vec<Value>) {
    let mut children: BTreeMap<Child, Slot> = BTreeMap::new();
    for (segs, op) in ops {
        let Some(seg) = segs.get(depth) else {
            // An operation on this node itself (only the root can get here): first.
            out.push(op);
            continue;
        };
        let key = match index(seg) {
            Some(i) => Child::Index(i),
            None => Child::Name(seg.clone()),
        };
        let slot = children.entry(key).or_default();
        if segs.len() > depth + 1 {
            slot.deeper.push((segs, op));
        } else if op.get("op").and_then(Value::as_str) == Some("remove") {
            slot.removal = Some(op);
        } else {
            slot.other = Some(op);
        }
    }
    // Removals of array elements, highest index first (staging indices).
    for (key, slot) in children.iter_mut().rev() {
        if matches!(key, Child::Index(_))
            && let Some(op) = slot.removal.take()
        {
            out.push(op);
        }
    }
    // Everything else in ascending order (production indices).
    for (_, slot) in children {
        out.extend(slot.removal);
        out.extend(slot.other);
        order(slot.deeper, depth + 1, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Locations;
    use crate::profile::Severity;

    fn finding(path: &str, class: Class, s: Option<Value>, p: Option<Value>) -> Finding {
        Finding {
            class,
            path: path.into(),
            surface: crate::surface::surface_of(path),
            severity: Severity::High,
            message: String::new(),
            staging: s,
            production: p,
            rule: None,
            waiver: None,
            locations: Locations::default(),
            release: false,
        }
    }

    #[test]
    fn array_removals_come_first_from_the_highest_index() {
        let ops = [
            finding("/a/1", Class::Extra, Some(json!(1)), None),
            finding("/a/0", Class::Reduced, None, Some(json!(9))),
            finding("/a/3", Class::Extra, Some(json!(3)), None),
            finding("/a/2/x", Class::Drift, Some(json!(1)), Some(json!(2))),
            finding("/a/3", Class::Reduced, None, Some(json!(7))),
        ];
        let ops: Vec<_> = ops
            .iter()
            .filter_map(|f| operation(f).map(|o| (split_pointer(&f.path), o)))
            .collect();
        let mut out = Vec::new();
        order(ops, 0, &mut out);
        let paths: Vec<&str> = out.iter().filter_map(|o| o["path"].as_str()).collect();
        assert_eq!(paths, ["/a/3", "/a/1", "/a/0", "/a/2/x", "/a/3"]);
        assert_eq!(out[0]["op"], "remove");
        assert_eq!(out[4]["op"], "add");
    }

    #[test]
    fn expected_shared_and_unknown_findings_get_no_operation() {
        for class in [Class::Expected, Class::Shared, Class::Unknown] {
            assert!(operation(&finding("/x", class, Some(json!(1)), Some(json!(2)))).is_none());
        }
        assert!(
            operation(&finding(
                "/x",
                Class::Waived,
                Some(json!(1)),
                Some(json!(2))
            ))
            .is_some()
        );
    }
}
