//! The keyed structural diff of two surfaces.
//!
//! Objects are matched key by key (the surface is keyed by identity), so an element added
//! at the head of a 100 000-entry collection is one difference, not 100 000. Arrays are
//! sets unless a rule marks them `ordered`, in which case they are compared with Myers'
//! linear-space sequence diff. The comparer knows nothing about finding classes: it
//! reports where the trees differ (and where a `distinct` path or a secret is *equal*),
//! with the rule that governs each place.

use crate::pathglob::MatchState;
use crate::profile::{Profile, Rule, RuleKind};
use crate::surface::{self, escape_segment};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// What kind of difference was found at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Production has it, staging does not.
    OnlyProduction,
    /// Staging has it, production does not.
    OnlyStaging,
    /// Both have it, with different values.
    Changed,
    /// Both have the same value, at a path where equality itself matters (a `distinct`
    /// rule or a secret fingerprint).
    Equal,
    /// One side could not be collected.
    Unknown,
}

/// One place where the surfaces differ.
#[derive(Debug, Clone)]
pub struct Difference {
    pub path: String,
    pub change: Change,
    pub staging: Option<Value>,
    pub production: Option<Value>,
    pub rule: Option<Rule>,
}

/// Compares two normalized surfaces under a profile's rules.
pub fn compare(staging: &Value, production: &Value, profile: &Profile) -> Vec<Difference> {
    let mut walker = Walker {
        profile,
        out: Vec::new(),
        path: String::new(),
    };
    walker.node(Some(staging), Some(production), &profile.root());
    walker.out
}

struct Walker<'a> {
    profile: &'a Profile,
    out: Vec<Difference>,
    path: String,
}

impl Walker<'_> {
    fn emit(&mut self, change: Change, s: Option<&Value>, p: Option<&Value>, rule: Option<&Rule>) {
        self.out.push(Difference {
            path: self.path.clone(),
            change,
            staging: s.cloned(),
            production: p.cloned(),
            rule: rule.cloned(),
        });
    }

    fn node(&mut self, s: Option<&Value>, p: Option<&Value>, state: &MatchState) {
        let rule = self.profile.rule_at(state);
        if rule.is_some_and(|r| r.kind == RuleKind::Ignore) {
            return;
        }
        if s.is_some_and(|v| surface::as_unknown(v).is_some())
            || p.is_some_and(|v| surface::as_unknown(v).is_some())
        {
            self.emit(Change::Unknown, s, p, rule);
            return;
        }
        match (s, p) {
            (None, None) => {}
            (None, Some(_)) => self.emit(Change::OnlyProduction, s, p, rule),
            (Some(_), None) => self.emit(Change::OnlyStaging, s, p, rule),
            (Some(Value::Object(a)), Some(Value::Object(b)))
                if surface::as_secret(s.unwrap_or(&Value::Null)).is_none()
                    && surface::as_secret(p.unwrap_or(&Value::Null)).is_none() =>
            {
                self.objects(a, b, state)
            }
            (Some(Value::Array(a)), Some(Value::Array(b))) => {
                if a == b {
                    self.equal_leaves(s, state, rule);
                } else if rule.is_some_and(|r| r.ordered) {
                    self.sequence(a, b, state)
                } else {
                    self.set(a, b, state)
                }
            }
            (Some(a), Some(b)) => {
                if a == b {
                    self.equal_leaves(s, state, rule);
                } else {
                    self.emit(Change::Changed, s, p, rule);
                }
            }
        }
    }

    /// Equal leaves matter only under a `distinct` rule or when they are secrets.
    fn equal_leaves(&mut self, v: Option<&Value>, _state: &MatchState, rule: Option<&Rule>) {
        let Some(v) = v else { return };
        if must_differ(v, rule) {
            self.emit(Change::Equal, Some(v), Some(v), rule);
        }
    }

    fn objects(&mut self, a: &Map<String, Value>, b: &Map<String, Value>, state: &MatchState) {
        // Keyed lookups rather than a merge join over sorted keys: correct whatever order
        // the map keeps (serde_json's `preserve_order` may be switched on by another
        // crate), and still one visit per key. Findings are sorted later.
        for (key, va) in a {
            self.child(key, Some(va), b.get(key), state);
        }
        for (key, vb) in b {
            if !a.contains_key(key) {
                self.child(key, None, Some(vb), state);
            }
        }
    }

    fn child(&mut self, key: &str, s: Option<&Value>, p: Option<&Value>, state: &MatchState) {
        let len = self.path.len();
        self.path.push('/');
        self.path.push_str(&escape_segment(key));
        let next = self.profile.step(state, key);
        self.node(s, p, &next);
        self.path.truncate(len);
    }

    /// Unordered arrays: a multiset difference by canonical JSON text.
    fn set(&mut self, a: &[Value], b: &[Value], state: &MatchState) {
        let mut counts: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, v) in b.iter().enumerate() {
            counts.entry(canonical(v)).or_default().push(i);
        }
        let mut matched_b = vec![false; b.len()];
        let mut only_a = Vec::new();
        for (i, v) in a.iter().enumerate() {
            match counts.get_mut(&canonical(v)).and_then(Vec::pop) {
                Some(j) => matched_b[j] = true,
                None => only_a.push(i),
            }
        }
        for i in only_a {
            self.child(&i.to_string(), Some(&a[i]), None, state);
        }
        for (j, m) in matched_b.iter().enumerate() {
            if !m {
                self.child(&j.to_string(), None, Some(&b[j]), state);
            }
        }
    }

    /// Ordered arrays: Myers' diff in linear space; a replaced run is compared element by
    /// element so that a changed middleware keeps its position in the report.
    fn sequence(&mut self, a: &[Value], b: &[Value], state: &MatchState) {
        use similar::{Algorithm, DiffOp, capture_diff_slices};
        let ka: Vec<String> = a.iter().map(canonical).collect();
        let kb: Vec<String> = b.iter().map(canonical).collect();
        for op in capture_diff_slices(Algorithm::Myers, &ka, &kb) {
            match op {
                DiffOp::Equal { .. } => {}
                DiffOp::Delete {
                    old_index, old_len, ..
                } => self.run(a, old_index..old_index + old_len, true, state),
                DiffOp::Insert {
                    new_index, new_len, ..
                } => self.run(b, new_index..new_index + new_len, false, state),
                DiffOp::Replace {
                    old_index,
                    old_len,
                    new_index,
                    new_len,
                } => {
                    let common = old_len.min(new_len);
                    for k in 0..common {
                        self.child(
                            &(new_index + k).to_string(),
                            Some(&a[old_index + k]),
                            Some(&b[new_index + k]),
                            state,
                        );
                    }
                    self.run(a, old_index + common..old_index + old_len, true, state);
                    self.run(b, new_index + common..new_index + new_len, false, state);
                }
            }
        }
    }

    /// A run of elements present on one side only.
    fn run(
        &mut self,
        items: &[Value],
        range: std::ops::Range<usize>,
        staging: bool,
        state: &MatchState,
    ) {
        for (i, v) in items.iter().enumerate().take(range.end).skip(range.start) {
            let (s, p) = if staging {
                (Some(v), None)
            } else {
                (None, Some(v))
            };
            self.child(&i.to_string(), s, p, state);
        }
    }
}

fn canonical(v: &Value) -> String {
    // serde_json's map is ordered by key, so this text is canonical.
    v.to_string()
}

/// Whether two environments holding the same value `v` under `rule` share what must be
/// separate: a value under a `distinct` rule, or a secret (a fingerprint, or a string
/// holding one) that no `expected` or `ignore` rule lets be equal. A fleet compares the
/// values of different instances by the same test.
pub fn must_differ(v: &Value, rule: Option<&Rule>) -> bool {
    let distinct = rule.is_some_and(|r| r.kind == RuleKind::Distinct);
    let secret = (surface::as_secret(v).is_some()
        || v.as_str().is_some_and(|s| s.contains("<hmac-sha256:")))
        && !rule.is_some_and(|r| matches!(r.kind, RuleKind::Expected | RuleKind::Ignore));
    distinct || secret
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn profile(rules: &str) -> Profile {
        let text = format!("name = \"t\"\n{rules}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.toml");
        std::fs::write(&path, text).unwrap();
        Profile::load(&path).unwrap()
    }

    fn paths(d: &[Difference]) -> Vec<(&str, Change)> {
        d.iter().map(|d| (d.path.as_str(), d.change)).collect()
    }

    #[test]
    fn keyed_collections_match_by_identity() {
        let s = json!({"plugins": {"mfe": {}, "forum": {}}});
        let p = json!({"plugins": {"mfe": {}, "forum": {}, "pod-autoscaling": {"v": 1}}});
        let d = compare(&s, &p, &profile(""));
        assert_eq!(
            paths(&d),
            vec![("/plugins/pod-autoscaling", Change::OnlyProduction)]
        );
        assert_eq!(d[0].production, Some(json!({"v": 1})));
    }

    #[test]
    fn head_insertion_into_large_keyed_collection_is_one_difference() {
        let mut a = Map::new();
        for i in 0..100_000 {
            a.insert(format!("k{i:06}"), json!(i));
        }
        let mut b = a.clone();
        b.insert("a-new-head".into(), json!(-1));
        let d = compare(&json!({"x": a}), &json!({"x": b}), &profile(""));
        assert_eq!(paths(&d), vec![("/x/a-new-head", Change::OnlyProduction)]);
    }

    #[test]
    fn unordered_arrays_ignore_order() {
        let d = compare(
            &json!({"a": [1, 2, 3]}),
            &json!({"a": [3, 2, 1, 4]}),
            &profile(""),
        );
        assert_eq!(paths(&d), vec![("/a/3", Change::OnlyProduction)]);
    }

    #[test]
    fn ordered_arrays_use_a_sequence_diff() {
        let p = profile("[[rule]]\npath = \"/mw\"\nkind = \"drift\"\nordered = true\n");
        let s = json!({"mw": ["a", "b", "c", "d"]});
        let q = json!({"mw": ["x", "a", "b", "c", "d"]});
        assert_eq!(
            paths(&compare(&s, &q, &p)),
            vec![("/mw/0", Change::OnlyProduction)]
        );
        let r = json!({"mw": ["b", "a", "c", "d"]});
        assert!(
            !compare(&s, &r, &p).is_empty(),
            "a reorder is a difference in an ordered sequence"
        );
        assert!(compare(&s, &r, &profile("")).is_empty(), "but not in a set");
    }

    #[test]
    fn ignore_rules_prune_whole_subtrees() {
        let p = profile("[[rule]]\npath = \"/health/**\"\nkind = \"ignore\"\n");
        let d = compare(
            &json!({"health": {"a": 1}}),
            &json!({"health": {"a": 2, "b": 3}}),
            &p,
        );
        assert!(d.is_empty());
    }

    #[test]
    fn unknown_markers_stop_descent() {
        let s = json!({"sso": surface::unknown("openedx source failed: timeout")});
        let p = json!({"sso": {"providers": {"saml-x": {}}}});
        let d = compare(&s, &p, &profile(""));
        assert_eq!(paths(&d), vec![("/sso", Change::Unknown)]);
    }

    #[test]
    fn equal_values_matter_only_where_distinct_or_secret() {
        let p = profile("[[rule]]\npath = \"/datastores/*/host\"\nkind = \"distinct\"\n");
        let v = json!({"datastores": {"mysql": {"host": "db.x.org", "port": 3306}}, "s": {"K": surface::secret("hmac-sha256:f".into())}});
        let d = compare(&v, &v, &p);
        assert_eq!(
            paths(&d),
            vec![
                ("/datastores/mysql/host", Change::Equal),
                ("/s/K", Change::Equal)
            ]
        );
    }
}
