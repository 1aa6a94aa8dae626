//! The keyed structural diff of two surfaces.
//!
//! Objects are matched key by key (the surface is keyed by identity), so an element added
//! at the head of a 100 000-entry collection is one difference, not 100 000. Arrays are
//! sets unless a rule marks them `ordered`, in which case they are compared with Myers'
//! linear-space sequence diff. The comparer knows nothing about finding classes: it
//! reports where the trees differ (and where a `distinct` path or a secret is *equal*),
//! with the rule that governs each place.

use crate::pathglob::{MatchState, Moves};
use crate::profile::{Profile, Rule, RuleKind};
use crate::surface::escape_segment;
use crate::surface::{as_secret, as_unknown};
use crate::tree::{Node, Shape};
use serde_json::Value;
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

/// Compares two normalized surfaces (`&Value`s or [`crate::tree::Ref`]s) under a
/// profile's rules.
pub fn compare<'v, N: Node<'v> + Send + Sync>(
    staging: N,
    production: N,
    profile: &Profile,
) -> Vec<Difference> {
    walk(staging, production, profile, &Spare::new())
}

fn walk<'v, N: Node<'v> + Send + Sync>(
    staging: N,
    production: N,
    profile: &Profile,
    spare: &Spare,
) -> Vec<Difference> {
    let mut steps = Steps::new(profile);
    let root = steps.intern(profile.root());
    let mut walker = Walker {
        steps,
        out: Vec::new(),
        path: String::new(),
        spare,
        nodes: std::marker::PhantomData,
    };
    walker.node(Some(staging), Some(production), root);
    walker.out
}

/// Which nodes a walker walks (`&Value`s or tree nodes).
type NodeKind<'v, N> = std::marker::PhantomData<(fn() -> N, &'v ())>;

struct Walker<'a, 'v, N> {
    steps: Steps<'a>,
    out: Vec<Difference>,
    path: String,
    spare: &'a Spare,
    nodes: NodeKind<'v, N>,
}

/// An object of at least this many keys (both sides together) is walked by two threads
/// when one is spare.
const SPLIT_AT: usize = 512;

/// The threads a comparison may add: one fewer than [`crate::threads`]. A walker that
/// splits an object takes one and gives it back when both halves are done, so a later
/// large object can be split again.
struct Spare(std::sync::atomic::AtomicUsize);

impl Spare {
    fn new() -> Spare {
        if !crate::spare_threads_allowed() {
            return Spare::of(0);
        }
        Spare::of(crate::threads().saturating_sub(1))
    }

    fn of(threads: usize) -> Spare {
        Spare(std::sync::atomic::AtomicUsize::new(threads))
    }

    fn take(&self) -> bool {
        use std::sync::atomic::Ordering::AcqRel;
        self.0
            .fetch_update(AcqRel, std::sync::atomic::Ordering::Acquire, |n| {
                n.checked_sub(1)
            })
            .is_ok()
    }

    fn give_back(&self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }
}

/// A matcher state of one walk: an index into [`Steps::states`].
type StateId = u32;

/// The profile's path matcher, made a lazy automaton for one walk: the states met so
/// far are kept once each, with the rule that governs them and their [`Moves`], so a
/// step is a hash lookup and a few pattern tests instead of a pass over every live
/// partial match (a state under `/settings/lms` holds a dozen; the root, every rule).
struct Steps<'a> {
    profile: &'a Profile,
    states: Vec<Step<'a>>,
    ids: HashMap<MatchState, StateId, foldhash::fast::RandomState>,
}

struct Step<'a> {
    matcher: MatchState,
    rule: Option<&'a Rule>,
    /// Worked out on the first step down from this state.
    moves: Option<Moves>,
    /// The state a segment that meets no literal and no pattern leads to.
    plain: Option<StateId>,
    /// The states the keys that met one led to (`status` under each waffle flag), up to
    /// [`REMEMBERED_KEYS`].
    taken: HashMap<Box<str>, StateId, foldhash::fast::RandomState>,
}

/// At most this many keys that met a literal or a pattern are remembered per state.
const REMEMBERED_KEYS: usize = 1024;

impl<'a> Steps<'a> {
    fn new(profile: &'a Profile) -> Steps<'a> {
        Steps {
            profile,
            states: Vec::new(),
            ids: HashMap::default(),
        }
    }

    fn intern(&mut self, matcher: MatchState) -> StateId {
        if let Some(&id) = self.ids.get(&matcher) {
            return id;
        }
        let id = StateId::try_from(self.states.len()).expect("fewer states than nodes");
        self.ids.insert(matcher.clone(), id);
        self.states.push(Step {
            rule: self.profile.rule_at(&matcher),
            matcher,
            moves: None,
            plain: None,
            taken: HashMap::default(),
        });
        id
    }

    /// The state one segment below `from`.
    fn step(&mut self, from: StateId, key: &str) -> StateId {
        let globs = self.profile.globs();
        let step = &mut self.states[from as usize];
        if step.matcher.is_dead() {
            return from;
        }
        if let Some(&id) = step.taken.get(key) {
            return id;
        }
        let moves = step.moves.get_or_insert_with(|| globs.moves(&step.matcher));
        if let Some(next) = moves.take(key) {
            let id = self.intern(next);
            let taken = &mut self.states[from as usize].taken;
            if taken.len() < REMEMBERED_KEYS {
                taken.insert(key.into(), id);
            }
            return id;
        }
        if let Some(id) = step.plain {
            return id;
        }
        let plain = moves.plain();
        let id = self.intern(plain);
        self.states[from as usize].plain = Some(id);
        id
    }

    fn rule(&self, state: StateId) -> Option<&'a Rule> {
        self.states[state as usize].rule
    }
}

/// A key with its value on each side.
type Keyed<'v, N> = (&'v str, Option<N>, Option<N>);

/// The keys of two objects in order, each once, with their values on either side: a
/// merge join over the keys, which both serde_json's map and a tree keep sorted (the
/// map is a B-tree: the `preserve_order` feature is off, and a test below fails should
/// another crate switch it on), so one key comparison per step instead of a lookup per
/// key.
struct Merged<'v, N: Node<'v>> {
    a: std::iter::Peekable<N::Entries>,
    b: std::iter::Peekable<N::Entries>,
    /// The first key not to give (the other half's first, when split).
    end: Option<&'v str>,
}

impl<'v, N: Node<'v>> Merged<'v, N> {
    fn new(a: N, b: N) -> Merged<'v, N> {
        Merged {
            a: a.entries().peekable(),
            b: b.entries().peekable(),
            end: None,
        }
    }

    /// The keys before `mid`, and those from `mid` on: two halves that together give
    /// what [`Merged::new`] gives, without holding the keys (a million-key object would
    /// need 48 MB for them).
    fn split(a: N, b: N, mid: &'v str) -> (Merged<'v, N>, Merged<'v, N>) {
        let before = Merged {
            end: Some(mid),
            ..Merged::new(a, b)
        };
        let mut after = Merged::new(a, b);
        while after.a.next_if(|(k, _)| *k < mid).is_some() {}
        while after.b.next_if(|(k, _)| *k < mid).is_some() {}
        (before, after)
    }
}

impl<'v, N: Node<'v>> Iterator for Merged<'v, N> {
    type Item = Keyed<'v, N>;

    fn next(&mut self) -> Option<Keyed<'v, N>> {
        use std::cmp::Ordering::{Equal, Greater, Less};
        let (order, key) = match (self.a.peek(), self.b.peek()) {
            (None, None) => return None,
            (Some((ka, _)), None) => (Less, *ka),
            (None, Some((kb, _))) => (Greater, *kb),
            (Some((ka, _)), Some((kb, _))) => (ka.cmp(kb), (*ka).min(*kb)),
        };
        if self.end.is_some_and(|end| key >= end) {
            return None;
        }
        Some(match order {
            Less => self.a.next().map(|(k, v)| (k, Some(v), None))?,
            Greater => self.b.next().map(|(k, v)| (k, None, Some(v)))?,
            Equal => {
                let (k, va) = self.a.next()?;
                let (_, vb) = self.b.next()?;
                (k, Some(va), Some(vb))
            }
        })
    }
}

impl<'v, N: Node<'v> + Send + Sync> Walker<'_, 'v, N> {
    fn emit(&mut self, change: Change, s: Option<N>, p: Option<N>, rule: Option<&Rule>) {
        self.out.push(Difference {
            path: self.path.clone(),
            change,
            staging: s.map(N::to_value),
            production: p.map(N::to_value),
            rule: rule.cloned(),
        });
    }

    fn node(&mut self, s: Option<N>, p: Option<N>, state: StateId) {
        let rule = self.steps.rule(state);
        if rule.is_some_and(|r| r.kind == RuleKind::Ignore) {
            return;
        }
        if s.is_some_and(|v| as_unknown(v).is_some()) || p.is_some_and(|v| as_unknown(v).is_some())
        {
            self.emit(Change::Unknown, s, p, rule);
            return;
        }
        let (a, b) = match (s, p) {
            (None, None) => return,
            (None, Some(_)) => return self.emit(Change::OnlyProduction, s, p, rule),
            (Some(_), None) => return self.emit(Change::OnlyStaging, s, p, rule),
            (Some(a), Some(b)) => (a, b),
        };
        match (a.shape(), b.shape()) {
            (Shape::Object, Shape::Object) if as_secret(a).is_none() && as_secret(b).is_none() => {
                self.objects(a, b, state)
            }
            (Shape::Array, Shape::Array) => {
                if a.same(b) {
                    if must_differ(a, rule) {
                        self.equal_leaves(a, rule);
                    } else {
                        // Equal, but a secret inside may be one both environments share.
                        for (i, v) in a.items().enumerate() {
                            self.child(&i.to_string(), Some(v), Some(v), state);
                        }
                    }
                } else if rule.is_some_and(|r| r.ordered) {
                    self.sequence(a, b, state)
                } else {
                    self.set(a, b, state)
                }
            }
            _ => {
                if a.same(b) {
                    self.equal_leaves(a, rule);
                } else {
                    self.emit(Change::Changed, s, p, rule);
                }
            }
        }
    }

    /// Equal leaves matter only under a `distinct` rule or when they are secrets.
    fn equal_leaves(&mut self, v: N, rule: Option<&Rule>) {
        if must_differ(v, rule) {
            self.emit(Change::Equal, Some(v), Some(v), rule);
        }
    }

    fn objects(&mut self, a: N, b: N, state: StateId) {
        if a.len() + b.len() >= SPLIT_AT && self.spare.take() {
            // A large object is walked in two halves at once, split at the larger side's
            // middle key; the second half's differences follow the first's, so the
            // order is the one-thread order.
            let larger = if a.len() >= b.len() { a } else { b };
            let mid = larger
                .entries()
                .nth(larger.len() / 2)
                .map_or("", |(k, _)| k);
            let (left, right) = Merged::split(a, b, mid);
            // The other half has matcher states of its own, starting from this one.
            let mut steps = Steps::new(self.steps.profile);
            let other_state = steps.intern(self.steps.states[state as usize].matcher.clone());
            let mut other = Walker {
                steps,
                out: Vec::new(),
                path: self.path.clone(),
                spare: self.spare,
                nodes: std::marker::PhantomData,
            };
            crate::both(
                || {
                    for (k, s, p) in left {
                        self.child(k, s, p, state);
                    }
                },
                || {
                    for (k, s, p) in right {
                        other.child(k, s, p, other_state);
                    }
                },
            );
            self.spare.give_back();
            self.out.append(&mut other.out);
        } else {
            for (k, s, p) in Merged::new(a, b) {
                self.child(k, s, p, state);
            }
        }
    }

    fn child(&mut self, key: &str, s: Option<N>, p: Option<N>, state: StateId) {
        let len = self.path.len();
        self.path.push('/');
        self.path.push_str(&escape_segment(key));
        let next = self.steps.step(state, key);
        self.node(s, p, next);
        self.path.truncate(len);
    }

    /// Unordered arrays: a multiset difference by [`pairing_key`]. The elements it pairs
    /// are compared in turn (at production's index), so that a secret of each
    /// environment's own, or one both share, is seen inside them.
    fn set(&mut self, a: N, b: N, state: StateId) {
        let (a, b): (Vec<N>, Vec<N>) = (a.items().collect(), b.items().collect());
        let mut counts: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, v) in b.iter().enumerate() {
            counts.entry(pairing_key(*v)).or_default().push(i);
        }
        let mut matched_b = vec![false; b.len()];
        let mut only_a = Vec::new();
        let mut pairs = Vec::new();
        for (i, v) in a.iter().enumerate() {
            match counts.get_mut(&pairing_key(*v)).and_then(Vec::pop) {
                Some(j) => {
                    matched_b[j] = true;
                    pairs.push((i, j));
                }
                None => only_a.push(i),
            }
        }
        for (i, j) in pairs {
            self.child(&j.to_string(), Some(a[i]), Some(b[j]), state);
        }
        for i in only_a {
            self.child(&i.to_string(), Some(a[i]), None, state);
        }
        for (j, m) in matched_b.iter().enumerate() {
            if !m {
                self.child(&j.to_string(), None, Some(b[j]), state);
            }
        }
    }

    /// Ordered arrays: Myers' diff in linear space; a replaced run is compared element by
    /// element so that a changed middleware keeps its position in the report.
    fn sequence(&mut self, a: N, b: N, state: StateId) {
        use similar::{Algorithm, DiffOp, capture_diff_slices};
        let (a, b): (Vec<N>, Vec<N>) = (a.items().collect(), b.items().collect());
        let ka: Vec<String> = a.iter().map(|v| pairing_key(*v)).collect();
        let kb: Vec<String> = b.iter().map(|v| pairing_key(*v)).collect();
        for op in capture_diff_slices(Algorithm::Myers, &ka, &kb) {
            match op {
                DiffOp::Equal {
                    old_index,
                    new_index,
                    len,
                } => self.pairs(
                    &a[old_index..old_index + len],
                    &b[new_index..],
                    new_index,
                    state,
                ),
                DiffOp::Delete {
                    old_index, old_len, ..
                } => self.run(&a, old_index..old_index + old_len, true, state),
                DiffOp::Insert {
                    new_index, new_len, ..
                } => self.run(&b, new_index..new_index + new_len, false, state),
                DiffOp::Replace {
                    old_index,
                    old_len,
                    new_index,
                    new_len,
                } => {
                    let common = old_len.min(new_len);
                    let olds = &a[old_index..old_index + common];
                    self.pairs(olds, &b[new_index..], new_index, state);
                    self.run(&a, old_index + common..old_index + old_len, true, state);
                    self.run(&b, new_index + common..new_index + new_len, false, state);
                }
            }
        }
    }

    /// Compares each element of `a` with the one at the same place in `b`, named by
    /// production's index, which `b` starts at.
    fn pairs(&mut self, a: &[N], b: &[N], first: usize, state: StateId) {
        for (k, (x, y)) in a.iter().zip(b).enumerate() {
            self.child(&(first + k).to_string(), Some(*x), Some(*y), state);
        }
    }

    /// A run of elements present on one side only.
    fn run(&mut self, items: &[N], range: std::ops::Range<usize>, staging: bool, state: StateId) {
        for (i, v) in items
            .iter()
            .copied()
            .enumerate()
            .take(range.end)
            .skip(range.start)
        {
            let (s, p) = if staging {
                (Some(v), None)
            } else {
                (None, Some(v))
            };
            self.child(&i.to_string(), s, p, state);
        }
    }
}

/// What the elements of an array are paired by: their canonical JSON text (serde_json's
/// map and a tree are ordered by key), with the digest of every fingerprint left out. An
/// Elasticsearch host that holds its environment's own password then pairs with its
/// counterpart, and the two are compared, rather than one reported removed and one
/// added. Pairing decides only which elements are compared; what differs in a pair is
/// still found.
fn pairing_key<'v, N: Node<'v>>(v: N) -> String {
    use crate::surface::FINGERPRINT_PREFIX as DIGEST;
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(DIGEST));
    let text = v.to_value().to_string();
    if FINDER.find(text.as_bytes()).is_none() {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = FINDER.find(rest.as_bytes()) {
        out.push_str(&rest[..at + DIGEST.len()]);
        rest = rest[at + DIGEST.len()..].trim_start_matches(|c: char| c.is_ascii_hexdigit());
    }
    out.push_str(rest);
    out
}

/// Whether two environments holding the same value `v` under `rule` share what must be
/// separate: a value under a `distinct` rule, or a secret (a fingerprint, or a string
/// holding one) that no `expected` or `ignore` rule lets be equal. A fleet compares the
/// values of different instances by the same test.
pub fn must_differ<'v, N: Node<'v>>(v: N, rule: Option<&Rule>) -> bool {
    let distinct = rule.is_some_and(|r| r.kind == RuleKind::Distinct);
    let secret = (as_secret(v).is_some() || v.as_str().is_some_and(crate::surface::holds_embedded))
        && !rule.is_some_and(|r| matches!(r.kind, RuleKind::Expected | RuleKind::Ignore));
    distinct || secret
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::surface;
    use serde_json::{Map, json};

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
    fn object_keys_iterate_sorted_as_the_merge_join_needs() {
        let mut m = Map::new();
        for k in ["zeta", "alpha", "Mid", "beta", "", "alpha2"] {
            m.insert(k.to_string(), Value::Null);
        }
        let keys: Vec<&String> = m.keys().collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted, "serde_json's preserve_order must stay off");
    }

    #[test]
    fn large_objects_walked_by_several_threads_differ_as_by_one() {
        let side = |skip: usize, change: usize, n: usize| {
            let groups: Map<String, Value> = (0..40)
                .map(|g| {
                    let leaves: Map<String, Value> = (0..n)
                        .filter(|i| (g * 700 + i) % 997 != skip)
                        .map(|i| {
                            let v = if (g * 700 + i) % 1009 == change { 1 } else { 0 };
                            (format!("k{i:04}"), json!(v))
                        })
                        .collect();
                    (format!("g{g:02}"), Value::Object(leaves))
                })
                .collect();
            json!({ "settings": groups, "release": "x" })
        };
        let profile = profile("");
        // Equal sizes, and one side far larger than the other (the split is at the
        // larger side's middle key, so the smaller side's keys all fall in one half).
        for (s, p) in [
            (side(3, 5, 700), side(7, 11, 700)),
            (side(3, 5, 700), side(7, 11, 90)),
            (side(3, 5, 90), side(7, 11, 1400)),
        ] {
            let one = walk(&s, &p, &profile, &Spare::of(0));
            assert!(one.len() > 50, "{}", one.len());
            let (ts, tp) = (
                crate::tree::Tree::parse(s.to_string()).expect("a tree"),
                crate::tree::Tree::parse(p.to_string()).expect("a tree"),
            );
            for threads in [1, 3] {
                let many = walk(&s, &p, &profile, &Spare::of(threads));
                assert_eq!(paths(&many), paths(&one), "{threads} spare thread(s)");
                let trees = walk(ts.root(), tp.root(), &profile, &Spare::of(threads));
                assert_eq!(
                    paths(&trees),
                    paths(&one),
                    "trees, {threads} spare thread(s)"
                );
            }
        }
    }

    #[test]
    fn keys_on_either_side_alone_or_both_are_each_visited_once() {
        let s = json!({"a": 1, "c": 3, "d": 4, "f": 6});
        let p = json!({"b": 2, "c": 30, "d": 4, "e": 5, "g": 7});
        let d = compare(&s, &p, &profile(""));
        // In key order, as the merge join visits them.
        assert_eq!(
            paths(&d),
            [
                ("/a", Change::OnlyStaging),
                ("/b", Change::OnlyProduction),
                ("/c", Change::Changed),
                ("/e", Change::OnlyProduction),
                ("/f", Change::OnlyStaging),
                ("/g", Change::OnlyProduction),
            ]
        );
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
    fn a_secret_inside_an_array_is_seen_whether_the_arrays_are_equal_or_not() {
        let es = |pw: &str, extra: bool| {
            let mut hosts = vec![json!({"host": "es.x.org", "auth": surface::secret(pw.into())})];
            if extra {
                hosts.push(json!({"host": "es2.x.org"}));
            }
            json!({"es": hosts.clone(), "mw": hosts})
        };
        let ordered = profile("[[rule]]\npath = \"/mw\"\nkind = \"drift\"\nordered = true\n");
        for p in [profile(""), ordered] {
            // The same secret in both: shared, in equal arrays and in unequal ones.
            let same = compare(
                &es("hmac-sha256:aa", false),
                &es("hmac-sha256:aa", false),
                &p,
            );
            assert_eq!(
                paths(&same),
                vec![("/es/0/auth", Change::Equal), ("/mw/0/auth", Change::Equal)]
            );
            let more = compare(
                &es("hmac-sha256:aa", false),
                &es("hmac-sha256:aa", true),
                &p,
            );
            assert!(
                more.iter()
                    .any(|d| d.path == "/es/0/auth" && d.change == Change::Equal)
            );
            assert!(
                more.iter()
                    .any(|d| d.path == "/mw/0/auth" && d.change == Change::Equal)
            );
            // A secret of each environment's own: the hosts pair, and only it differs.
            let own = compare(
                &es("hmac-sha256:aa", false),
                &es("hmac-sha256:bb", false),
                &p,
            );
            assert_eq!(
                paths(&own),
                vec![
                    ("/es/0/auth", Change::Changed),
                    ("/mw/0/auth", Change::Changed)
                ]
            );
        }
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
