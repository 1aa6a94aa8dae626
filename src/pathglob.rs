//! Globs over JSON Pointer paths: `*` matches one segment, `**` any number of segments
//! (zero included). Rules and waivers both match findings with these.
//!
//! Matching is incremental: the comparer descends the surface one segment at a time and
//! carries a [`MatchState`], so the cost per node is the number of live partial matches,
//! not the number of rules. That keeps a million-leaf comparison linear.

use std::collections::HashMap;
use std::fmt;

/// One compiled glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathGlob {
    source: String,
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    /// A segment with `*` inside a literal (`*PASSWORD*`): matched as a wildcard pattern.
    Pattern(Wildcard),
    Any,
    AnyDepth,
}

/// Why a glob was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("path glob `{glob}` {reason}")]
pub struct GlobError {
    pub glob: String,
    pub reason: &'static str,
}

impl PathGlob {
    /// Parses a glob such as `/datastores/*/host` or `/settings/**`.
    pub fn parse(glob: &str) -> Result<PathGlob, GlobError> {
        let err = |reason| GlobError {
            glob: glob.to_string(),
            reason,
        };
        if glob.is_empty() {
            return Err(err(
                "is empty (a path glob starts with `/`, e.g. /plugins/*)",
            ));
        }
        let Some(rest) = glob.strip_prefix('/') else {
            return Err(err("must start with `/` (a JSON Pointer into the surface)"));
        };
        let mut segments = Vec::new();
        for raw in rest.split('/') {
            let seg = crate::surface::unescape_segment(raw);
            segments.push(match seg.as_str() {
                "**" => Segment::AnyDepth,
                "*" => Segment::Any,
                s if s.contains("**") => return Err(err("uses `**` inside a segment")),
                s if s.contains('*') => Segment::Pattern(Wildcard::new(s)),
                s => Segment::Literal(s.to_string()),
            });
        }
        Ok(PathGlob {
            source: glob.to_string(),
            segments,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Specificity used to pick the most specific of several matching globs: more literal
    /// segments first, then more single-segment wildcards, then fewer `**`.
    pub fn specificity(&self) -> (usize, usize, usize, usize) {
        let (mut lit, mut pat, mut any, mut deep) = (0, 0, 0, 0);
        for s in &self.segments {
            match s {
                Segment::Literal(_) => lit += 1,
                Segment::Pattern(_) => pat += 1,
                Segment::Any => any += 1,
                Segment::AnyDepth => deep += 1,
            }
        }
        (lit, pat, any, usize::MAX - deep)
    }

    /// Whether the glob matches a whole path given as unescaped segments.
    pub fn matches<S: AsRef<str>>(&self, path: &[S]) -> bool {
        let mut positions = vec![0usize];
        closure(&self.segments, &mut positions);
        for seg in path {
            positions = step(&self.segments, &positions, seg.as_ref());
            if positions.is_empty() {
                return false;
            }
        }
        positions.contains(&self.segments.len())
    }

    /// Whether the glob matches a JSON Pointer string.
    pub fn matches_pointer(&self, pointer: &str) -> bool {
        let segs = crate::surface::split_pointer(pointer);
        self.matches(&segs)
    }
}

impl fmt::Display for PathGlob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

/// Adds to `positions` every position reachable by letting a `**` match nothing.
fn closure(segments: &[Segment], positions: &mut Vec<usize>) {
    let mut i = 0;
    while i < positions.len() {
        let p = positions[i];
        if matches!(segments.get(p), Some(Segment::AnyDepth)) && !positions.contains(&(p + 1)) {
            positions.push(p + 1);
        }
        i += 1;
    }
}

fn step(segments: &[Segment], positions: &[usize], seg: &str) -> Vec<usize> {
    let mut next = Vec::new();
    for &p in positions {
        match segments.get(p) {
            Some(Segment::AnyDepth) => push_unique(&mut next, p),
            Some(Segment::Any) => push_unique(&mut next, p + 1),
            Some(Segment::Literal(l)) if l == seg => push_unique(&mut next, p + 1),
            Some(Segment::Pattern(pat)) if pat.matches(seg) => push_unique(&mut next, p + 1),
            _ => {}
        }
    }
    closure(segments, &mut next);
    next
}

fn push_unique(v: &mut Vec<usize>, x: usize) {
    if !v.contains(&x) {
        v.push(x);
    }
}

/// `*` wildcard match of a whole string, ASCII case-insensitive (setting names are
/// conventionally upper case, but plugins and YAML keys are not).
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p = pattern.as_bytes();
    match Shape::of(p) {
        Some(shape) => shape.matches(p, text.as_bytes()),
        None => backtracking_match(p, text.as_bytes()),
    }
}

/// A `*` wildcard compiled once, for patterns tested against every key of a surface
/// (secret-key names, rule segments such as `*_HOST`). Matches as [`wildcard_match`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wildcard {
    pattern: String,
    shape: Option<Shape>,
}

impl Wildcard {
    pub fn new(pattern: &str) -> Wildcard {
        Wildcard {
            pattern: pattern.to_string(),
            shape: Shape::of(pattern.as_bytes()),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    pub fn matches(&self, text: &str) -> bool {
        let p = self.pattern.as_bytes();
        match self.shape {
            Some(shape) => shape.matches(p, text.as_bytes()),
            None => backtracking_match(p, text.as_bytes()),
        }
    }
}

/// The shapes nearly every pattern takes — a literal with an optional leading and
/// trailing `*` (`*PASSWORD*`, `*_KEY`, `DOCKER_IMAGE_*`) — answered with one bounded
/// comparison instead of the backtracking loop. Redaction tests every key of both
/// surfaces against every secret pattern: on a million-leaf surface the backtracking
/// loop alone took a third of `diff`'s time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Shape {
    lead: bool,
    trail: bool,
}

impl Shape {
    /// None when the literal part has a `*` of its own.
    fn of(p: &[u8]) -> Option<Shape> {
        let lead = p.first() == Some(&b'*');
        let trail = p.len() > usize::from(lead) && p.last() == Some(&b'*');
        let shape = Shape { lead, trail };
        (!shape.literal(p).contains(&b'*')).then_some(shape)
    }

    fn literal(self, p: &[u8]) -> &[u8] {
        &p[usize::from(self.lead)..p.len() - usize::from(self.trail)]
    }

    fn matches(self, p: &[u8], t: &[u8]) -> bool {
        let literal = self.literal(p);
        let n = literal.len();
        match (self.lead, self.trail) {
            (false, false) => t.eq_ignore_ascii_case(literal),
            (true, false) => t.len() >= n && t[t.len() - n..].eq_ignore_ascii_case(literal),
            (false, true) => t.len() >= n && t[..n].eq_ignore_ascii_case(literal),
            (true, true) => {
                let Some((first, rest)) = literal.split_first() else {
                    return true;
                };
                // Test one byte per position and compare the rest only where it agrees.
                let first = first.to_ascii_lowercase();
                t.len() >= n
                    && (0..=t.len() - n).any(|i| {
                        t[i].to_ascii_lowercase() == first
                            && t[i + 1..i + n].eq_ignore_ascii_case(rest)
                    })
            }
        }
    }
}

/// The general `*` matcher, for patterns with a `*` inside the literal part.
fn backtracking_match(p: &[u8], t: &[u8]) -> bool {
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] != b'*' && p[pi].eq_ignore_ascii_case(&t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

/// A set of globs matched together while descending a tree.
#[derive(Debug, Clone, Default)]
pub struct GlobSet {
    globs: Vec<PathGlob>,
}

/// The live partial matches at one node of the descent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct MatchState {
    /// (glob index, position in that glob)
    live: Vec<(u32, u32)>,
}

impl GlobSet {
    pub fn new(globs: Vec<PathGlob>) -> GlobSet {
        GlobSet { globs }
    }

    pub fn globs(&self) -> &[PathGlob] {
        &self.globs
    }

    /// The state at the root (empty path).
    pub fn root(&self) -> MatchState {
        let mut live = Vec::new();
        for (i, g) in self.globs.iter().enumerate() {
            let mut pos = vec![0];
            closure(&g.segments, &mut pos);
            live.extend(pos.into_iter().map(|p| (i as u32, p as u32)));
        }
        MatchState { live }
    }

    /// The state one segment further down.
    ///
    /// The comparer calls this for every node of both surfaces, so it builds the next
    /// state in one vector, without the per-glob scratch vectors of [`PathGlob::matches`].
    pub fn step(&self, state: &MatchState, seg: &str) -> MatchState {
        let mut live: Vec<(u32, u32)> = Vec::with_capacity(state.live.len() + 1);
        let mut i = 0;
        while i < state.live.len() {
            let gi = state.live[i].0;
            let segments = &self.globs[gi as usize].segments;
            let start = live.len();
            let push = |live: &mut Vec<(u32, u32)>, p: usize| {
                let entry = (gi, p as u32);
                if !live[start..].contains(&entry) {
                    live.push(entry);
                }
            };
            while i < state.live.len() && state.live[i].0 == gi {
                let p = state.live[i].1 as usize;
                match segments.get(p) {
                    Some(Segment::AnyDepth) => push(&mut live, p),
                    Some(Segment::Any) => push(&mut live, p + 1),
                    Some(Segment::Literal(l)) if l == seg => push(&mut live, p + 1),
                    Some(Segment::Pattern(pat)) if pat.matches(seg) => push(&mut live, p + 1),
                    _ => {}
                }
                i += 1;
            }
            // A `**` may also match nothing (as `closure` does for whole paths).
            let mut j = start;
            while j < live.len() {
                let p = live[j].1 as usize;
                if matches!(segments.get(p), Some(Segment::AnyDepth)) {
                    push(&mut live, p + 1);
                }
                j += 1;
            }
        }
        MatchState { live }
    }

    /// Indices of the globs that match the path of this state exactly.
    pub fn matched<'a>(&'a self, state: &'a MatchState) -> impl Iterator<Item = usize> + 'a {
        state
            .live
            .iter()
            .filter(|&&(gi, p)| p as usize == self.globs[gi as usize].segments.len())
            .map(|&(gi, _)| gi as usize)
    }
}

/// What the live matches of one state do with the next segment, worked out once per
/// state (see [`GlobSet::moves`]): the entries every segment reaches (through `*` and
/// `**`), those a literal segment reaches, and the patterns to test. Nearly every key
/// meets no literal and no pattern of its parent's state and lands in the same state,
/// so a walker that keeps these per state steps with one hash lookup.
#[derive(Debug, Default)]
pub struct Moves {
    always: Vec<(u32, u32)>,
    literals: HashMap<Box<str>, Vec<(u32, u32)>, foldhash::fast::RandomState>,
    /// Each pattern segment with the entries it reaches on a match.
    patterns: Vec<(Wildcard, Vec<(u32, u32)>)>,
}

impl GlobSet {
    /// The moves of `state`'s live matches.
    pub fn moves(&self, state: &MatchState) -> Moves {
        let mut m = Moves::default();
        for &(gi, p) in &state.live {
            let segments = &self.globs[gi as usize].segments;
            // An entry reached, and those a `**` there reaches by matching nothing.
            let closed = |q: u32| {
                let mut positions = vec![q as usize];
                closure(segments, &mut positions);
                positions.into_iter().map(move |p| (gi, p as u32))
            };
            match segments.get(p as usize) {
                Some(Segment::AnyDepth) => m.always.extend(closed(p)),
                Some(Segment::Any) => m.always.extend(closed(p + 1)),
                Some(Segment::Literal(l)) => m
                    .literals
                    .entry(l.as_str().into())
                    .or_default()
                    .extend(closed(p + 1)),
                Some(Segment::Pattern(w)) => {
                    m.patterns.push((w.clone(), closed(p + 1).collect()));
                }
                None => {}
            }
        }
        m
    }
}

impl Moves {
    /// The state one segment further down, as [`GlobSet::step`] finds it (its entries
    /// sorted), or None when `seg` meets no literal and no pattern: the state is then
    /// [`Moves::plain`].
    pub fn take(&self, seg: &str) -> Option<MatchState> {
        let literal = self.literals.get(seg);
        let mut matched = self
            .patterns
            .iter()
            .filter(|(w, _)| w.matches(seg))
            .peekable();
        if literal.is_none() && matched.peek().is_none() {
            return None;
        }
        let mut live = self.always.clone();
        live.extend(literal.into_iter().flatten());
        for (_, reached) in matched {
            live.extend(reached);
        }
        Some(MatchState::of(live))
    }

    /// The state one segment further down for a segment that meets no literal and no
    /// pattern.
    pub fn plain(&self) -> MatchState {
        MatchState::of(self.always.clone())
    }
}

impl MatchState {
    fn of(mut live: Vec<(u32, u32)>) -> MatchState {
        live.sort_unstable();
        live.dedup();
        MatchState { live }
    }

    /// True when no glob can match this path or any path below it.
    pub fn is_dead(&self) -> bool {
        self.live.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(s: &str) -> PathGlob {
        PathGlob::parse(s).unwrap()
    }

    #[test]
    fn star_matches_exactly_one_segment() {
        assert!(g("/plugins/*").matches(&["plugins", "forum"]));
        assert!(!g("/plugins/*").matches(&["plugins"]));
        assert!(!g("/plugins/*").matches(&["plugins", "forum", "version"]));
    }

    #[test]
    fn double_star_matches_zero_or_more_segments() {
        let glob = g("/settings/**");
        assert!(glob.matches(&["settings"]));
        assert!(glob.matches(&["settings", "a", "b", "c"]));
        assert!(g("/**/host").matches(&["datastores", "mysql", "host"]));
        assert!(g("/**/host").matches(&["host"]));
        assert!(!g("/**/host").matches(&["datastores", "hosts"]));
    }

    #[test]
    fn segment_patterns_are_case_insensitive_wildcards() {
        assert!(g("/settings/*PASSWORD*").matches(&["settings", "mysql_root_password"]));
        assert!(g("/settings/*_KEY").matches(&["settings", "OPENEDX_SECRET_KEY"]));
        assert!(!g("/settings/*_KEY").matches(&["settings", "KEYS"]));
    }

    #[test]
    fn wildcard_shortcuts_agree_with_the_backtracking_matcher() {
        use proptest::prelude::*;
        // Small alphabets make matches (and near misses) frequent.
        let pattern = "[*aAb_]{0,6}";
        let text = "[aAbB_]{0,10}";
        proptest!(|(p in pattern, t in text)| {
            prop_assert_eq!(
                wildcard_match(&p, &t),
                backtracking_match(p.as_bytes(), t.as_bytes()),
                "pattern {:?} text {:?}", p, t
            );
        });
        assert!(wildcard_match("*PASSWORD*", "mysql_root_password"));
        assert!(wildcard_match("JWT_*KEY*", "jwt_private_key"));
        assert!(!wildcard_match("*_KEY", "KEYS"));
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("**", "x"));
        assert!(!wildcard_match("", "x"));
    }

    #[test]
    fn escaped_segments_match_literally() {
        assert!(g("/services/deployment~1lms").matches(&["services", "deployment/lms"]));
    }

    #[test]
    fn relative_globs_are_refused() {
        assert!(PathGlob::parse("plugins/*").is_err());
        assert!(PathGlob::parse("").is_err());
        assert!(PathGlob::parse("/a/b**").is_err());
    }

    #[test]
    fn specificity_prefers_literals_over_wildcards() {
        assert!(
            g("/datastores/mongodb/host").specificity() > g("/datastores/*/host").specificity()
        );
        assert!(g("/datastores/*/host").specificity() > g("/**/host").specificity());
    }

    /// Literals, patterns, `*`, `**` and `**` twice in a row.
    const MIXED: [&str; 10] = [
        "/a/**/c",
        "/a/*",
        "/**",
        "/**/b/**",
        "/a/b*",
        "/*/*/c",
        "/a/**/**/c",
        "/b",
        "/a/*_B",
        "/**/c*",
    ];

    #[test]
    fn globset_descent_agrees_with_whole_path_matching_for_any_path() {
        use proptest::prelude::*;
        let globs = MIXED;
        let set = GlobSet::new(globs.iter().map(|s| g(s)).collect());
        proptest!(|(path in proptest::collection::vec("[abc]|bb|ab|x_b|cc", 0..6))| {
            let mut st = set.root();
            for seg in &path {
                st = set.step(&st, seg);
            }
            let mut by_descent: Vec<usize> = set.matched(&st).collect();
            by_descent.sort();
            by_descent.dedup();
            let whole: Vec<usize> = (0..globs.len()).filter(|&i| set.globs()[i].matches(&path)).collect();
            prop_assert_eq!(by_descent, whole, "path {:?}", path);
        });
    }

    #[test]
    fn moves_step_as_the_globset_does_for_any_path() {
        use proptest::prelude::*;
        let set = GlobSet::new(MIXED.iter().map(|s| g(s)).collect());
        proptest!(|(path in proptest::collection::vec("[abc]|bb|ab|x_b|cc", 0..7))| {
            let (mut by_step, mut by_moves) = (set.root(), set.root());
            for seg in &path {
                by_step = set.step(&by_step, seg);
                let moves = set.moves(&by_moves);
                by_moves = moves.take(seg).unwrap_or_else(|| moves.plain());
                prop_assert_eq!(&MatchState::of(by_step.live.clone()), &by_moves, "path {:?}", path);
            }
        });
    }

    #[test]
    fn globset_descent_agrees_with_whole_path_matching() {
        let set = GlobSet::new(vec![g("/a/**/c"), g("/a/*"), g("/**")]);
        let mut st = set.root();
        for seg in ["a", "b", "c"] {
            st = set.step(&st, seg);
        }
        let m: Vec<usize> = set.matched(&st).collect();
        assert!(m.contains(&0) && m.contains(&2) && !m.contains(&1));
    }
}
