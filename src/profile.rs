//! Profiles: the Open edX judgement that turns a difference into a finding class.
//!
//! A profile is data (TOML), validated up front: unknown keys and unknown rule kinds are
//! errors that name the file, line and key, because a typo in a gate's profile must
//! never silently weaken the gate.

use crate::error::{Error, Result, line_col, read_file};
use crate::pathglob::{GlobSet, MatchState, PathGlob};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Profiles compiled into the binary: (name, TOML text).
pub const EMBEDDED: [(&str, &str); 2] = [
    ("generic", include_str!("../profiles/generic.toml")),
    ("tutor", include_str!("../profiles/tutor.toml")),
];

/// The profile used when none is named.
pub const DEFAULT_PROFILE: &str = "tutor";

/// How differences at a path are judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleKind {
    /// Keyed sets: missing in staging → reduced, only in staging → extra.
    Presence,
    /// Numbers: lower in staging → reduced, higher → extra.
    Capacity,
    /// Booleans: on in production, off in staging → reduced.
    Capability,
    /// Must differ between environments: equal → shared, different → expected.
    Distinct,
    /// Secret fingerprints: equal → shared, different → expected.
    Secret,
    /// Release strings: older in staging → reduced, newer → extra.
    Version,
    /// Any difference is expected (names, identifiers).
    Expected,
    /// Any difference, absence included, is drift.
    Drift,
    /// Not compared at all.
    Ignore,
}

impl RuleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Presence => "presence",
            RuleKind::Capacity => "capacity",
            RuleKind::Capability => "capability",
            RuleKind::Distinct => "distinct",
            RuleKind::Secret => "secret",
            RuleKind::Version => "version",
            RuleKind::Expected => "expected",
            RuleKind::Drift => "drift",
            RuleKind::Ignore => "ignore",
        }
    }
}

/// Severity of a finding, for people and for SARIF levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    High,
    Medium,
    Low,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }
}

/// One rule as written in the profile file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    path: toml::Spanned<String>,
    kind: RuleKind,
    #[serde(default)]
    severity: Option<Severity>,
    #[serde(default)]
    message: Option<String>,
    /// Arrays under this path are ordered sequences (compared with a sequence diff)
    /// rather than sets.
    #[serde(default)]
    ordered: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    extends: Option<String>,
    #[serde(default)]
    host_settings: Vec<String>,
    #[serde(default)]
    secret_keys: Vec<String>,
    #[serde(default, rename = "rule")]
    rules: Vec<RawRule>,
}

/// A validated rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub glob: PathGlob,
    pub kind: RuleKind,
    pub severity: Option<Severity>,
    pub message: Option<String>,
    pub ordered: bool,
}

/// A validated profile.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    pub description: String,
    /// Identity settings whose values become `{NAME}` tokens before comparing.
    pub host_settings: Vec<String>,
    /// Key globs whose values are secrets, beyond the built-in ones.
    pub secret_keys: Vec<String>,
    pub rules: Vec<Rule>,
    /// Where it came from: `embedded:tutor` or a file path.
    pub origin: String,
    globs: GlobSet,
    /// Rules from this index on came from `--ignore`: they win over every profile rule.
    user_ignores: usize,
}

impl Profile {
    /// Resolves `--profile NAME|PATH`: an embedded name first, then a file.
    pub fn resolve(name_or_path: &str) -> Result<Profile> {
        if let Some((name, text)) = EMBEDDED.iter().find(|(n, _)| *n == name_or_path) {
            return Profile::parse(
                Path::new(&format!("profiles/{name}.toml")),
                text,
                &format!("embedded:{name}"),
                &mut Vec::new(),
            );
        }
        let path = PathBuf::from(name_or_path);
        if !path.exists() {
            let names: Vec<&str> = EMBEDDED.iter().map(|(n, _)| *n).collect();
            return Err(Error::Usage(format!(
                "unknown profile `{name_or_path}`: not an embedded profile ({}) and no such file",
                names.join(", ")
            )));
        }
        Profile::load(&path)
    }

    /// Loads a profile file.
    pub fn load(path: &Path) -> Result<Profile> {
        let text = read_file(path)?;
        Profile::from_toml(path, &text)
    }

    /// Parses and validates the text of a profile file read from `path` (an `extends`
    /// that names a file is read relative to it).
    pub fn from_toml(path: &Path, text: &str) -> Result<Profile> {
        Profile::parse(path, text, &path.display().to_string(), &mut Vec::new())
    }

    /// Parses one profile of an `extends` chain. `chain` holds the profiles that extend
    /// this one, outermost first, as (identity, name shown): a profile that is already
    /// in it closes a cycle, which is named whole.
    fn parse(
        path: &Path,
        text: &str,
        origin: &str,
        chain: &mut Vec<(PathBuf, String)>,
    ) -> Result<Profile> {
        let raw: RawProfile = crate::error::parse_toml(path, text)?;
        let identity = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        let me = identity(path);
        if let Some(i) = chain.iter().position(|(id, _)| *id == me) {
            let cycle: Vec<&str> = chain[i..]
                .iter()
                .map(|(_, shown)| shown.as_str())
                .chain(std::iter::once(chain[i].1.as_str()))
                .collect();
            let (_, first) = &chain[i];
            return Err(Error::Usage(format!(
                "{first}: `extends` forms a cycle: {}",
                cycle.join(" → ")
            )));
        }
        chain.push((me, path.display().to_string()));
        let mut rules = Vec::new();
        let mut host_settings = Vec::new();
        let mut secret_keys = Vec::new();
        if let Some(base) = &raw.extends {
            let base_profile = match EMBEDDED.iter().find(|(n, _)| n == base) {
                Some((n, t)) => {
                    Profile::parse(Path::new(&format!("profiles/{n}.toml")), t, origin, chain)?
                }
                None => {
                    let p = path.parent().unwrap_or(Path::new(".")).join(base);
                    let t = read_file(&p)
                        .map_err(|_| Error::invalid(path, format!("`extends = \"{base}\"` names no embedded profile and no readable file")))?;
                    Profile::parse(&p, &t, origin, chain)?
                }
            };
            rules = base_profile.rules;
            host_settings = base_profile.host_settings;
            secret_keys = base_profile.secret_keys;
        }
        for (i, r) in raw.rules.into_iter().enumerate() {
            let glob = PathGlob::parse(r.path.get_ref()).map_err(|e| {
                let (line, column) = line_col(text, r.path.span().start);
                Error::Parse {
                    path: path.to_path_buf(),
                    line,
                    column,
                    message: format!("[[rule]] number {}: path: {e}", i + 1),
                }
            })?;
            rules.push(Rule {
                glob,
                kind: r.kind,
                severity: r.severity,
                message: r.message,
                ordered: r.ordered,
            });
        }
        for h in raw.host_settings {
            if !host_settings.contains(&h) {
                host_settings.push(h);
            }
        }
        secret_keys.extend(raw.secret_keys);
        chain.pop();
        let globs = GlobSet::new(rules.iter().map(|r| r.glob.clone()).collect());
        let rules_len = rules.len();
        Ok(Profile {
            name: raw.name,
            description: raw.description,
            host_settings,
            secret_keys,
            rules,
            origin: origin.to_string(),
            user_ignores: rules_len,
            globs,
        })
    }

    /// Adds `ignore` rules (from `--ignore`), which win over the profile's own, however
    /// specific those are: the user said to leave these paths out.
    pub fn with_ignored(mut self, globs: &[String]) -> Result<Profile> {
        self.user_ignores = self.user_ignores.min(self.rules.len());
        for g in globs {
            let glob = PathGlob::parse(g).map_err(|e| Error::Usage(format!("--ignore: {e}")))?;
            self.rules.push(Rule {
                glob,
                kind: RuleKind::Ignore,
                severity: None,
                message: None,
                ordered: false,
            });
        }
        self.globs = GlobSet::new(self.rules.iter().map(|r| r.glob.clone()).collect());
        Ok(self)
    }

    /// The matcher state at the surface root.
    pub fn root(&self) -> MatchState {
        self.globs.root()
    }

    /// The matcher state one segment below `state`.
    pub fn step(&self, state: &MatchState, segment: &str) -> MatchState {
        if state.is_dead() {
            return MatchState::default();
        }
        self.globs.step(state, segment)
    }

    /// The profile's globs, matched together.
    pub fn globs(&self) -> &GlobSet {
        &self.globs
    }

    /// The most specific rule matching the path of `state`; on a tie the one declared
    /// last, so a profile that extends another overrides it with the same glob.
    pub fn rule_at(&self, state: &MatchState) -> Option<&Rule> {
        self.globs
            .matched(state)
            .max_by_key(|&i| (i >= self.user_ignores, self.rules[i].glob.specificity(), i))
            .map(|i| &self.rules[i])
    }

    /// Whether `pointer` or one of its ancestors is ignored by the profile or `--ignore`.
    pub fn is_ignored(&self, pointer: &str) -> bool {
        let mut st = self.root();
        for seg in crate::surface::split_pointer(pointer) {
            st = self.step(&st, &seg);
            if self
                .rule_at(&st)
                .is_some_and(|r| r.kind == RuleKind::Ignore)
            {
                return true;
            }
        }
        false
    }

    /// The rule for a pointer, matched from scratch (waivers and tests use this).
    pub fn rule_for(&self, pointer: &str) -> Option<&Rule> {
        let mut st = self.root();
        for seg in crate::surface::split_pointer(pointer) {
            st = self.step(&st, &seg);
        }
        self.rule_at(&st)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Profile> {
        Profile::parse(Path::new("p.toml"), text, "test", &mut Vec::new())
    }

    #[test]
    fn embedded_profiles_are_valid() {
        for (name, _) in EMBEDDED {
            let p = Profile::resolve(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!p.rules.is_empty(), "{name} has rules");
        }
    }

    #[test]
    fn unknown_rule_kind_names_file_and_line() {
        let e = parse("name = \"x\"\n[[rule]]\npath = \"/a\"\nkind = \"presense\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("p.toml:4:"), "{e}");
        assert!(e.contains("presense"), "{e}");
    }

    #[test]
    fn unknown_keys_are_errors() {
        let e =
            parse("name = \"x\"\n[[rule]]\npath = \"/a\"\nkind = \"drift\"\nseverty = \"high\"\n")
                .unwrap_err()
                .to_string();
        assert!(e.contains("severty"), "{e}");
        let e = parse("name = \"x\"\nhost_setting = []\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("host_setting"), "{e}");
    }

    #[test]
    fn bad_glob_names_its_line() {
        let e = parse("name = \"x\"\n\n[[rule]]\npath = \"plugins/*\"\nkind = \"presence\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("p.toml:4:"), "{e}");
    }

    #[test]
    fn an_empty_rule_path_names_the_rule_and_line() {
        let e = parse("name = \"x\"\n[[rule]]\npath = \"/a\"\nkind = \"drift\"\n[[rule]]\npath = \"\"\nkind = \"drift\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("p.toml:6:"), "{e}");
        assert!(
            e.contains("[[rule]] number 2") && e.contains("is empty"),
            "{e}"
        );
    }

    #[test]
    fn most_specific_rule_wins_and_later_breaks_ties() {
        let p = parse(
            "name = \"x\"\n[[rule]]\npath = \"/**\"\nkind = \"drift\"\n[[rule]]\npath = \"/datastores/*/host\"\nkind = \"distinct\"\n\
             [[rule]]\npath = \"/datastores/mongodb/host\"\nkind = \"expected\"\n[[rule]]\npath = \"/datastores/*/host\"\nkind = \"secret\"\n",
        )
        .unwrap();
        assert_eq!(
            p.rule_for("/datastores/mongodb/host").unwrap().kind,
            RuleKind::Expected
        );
        assert_eq!(
            p.rule_for("/datastores/mysql/host").unwrap().kind,
            RuleKind::Secret
        );
        assert_eq!(p.rule_for("/plugins/x").unwrap().kind, RuleKind::Drift);
    }

    #[test]
    fn extends_inherits_rules_and_hosts() {
        let p =
            parse("name = \"x\"\nextends = \"generic\"\nhost_settings = [\"MY_HOST\"]\n").unwrap();
        assert!(p.host_settings.contains(&"MY_HOST".to_string()));
        assert!(!p.rules.is_empty());
    }

    #[test]
    fn an_extends_cycle_is_named_whole() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, c) = (
            dir.path().join("a.toml"),
            dir.path().join("b.toml"),
            dir.path().join("c.toml"),
        );
        std::fs::write(&a, "name = \"a\"\nextends = \"b.toml\"\n").unwrap();
        std::fs::write(&b, "name = \"b\"\nextends = \"c.toml\"\n").unwrap();
        std::fs::write(&c, "name = \"c\"\nextends = \"b.toml\"\n").unwrap();
        let e = Profile::load(&a).unwrap_err().to_string();
        let (b, c) = (b.display().to_string(), c.display().to_string());
        assert_eq!(e, format!("{b}: `extends` forms a cycle: {b} → {c} → {b}"),);
        // A profile extending itself is the shortest cycle.
        std::fs::write(&a, "name = \"a\"\nextends = \"a.toml\"\n").unwrap();
        let e = Profile::load(&a).unwrap_err().to_string();
        let a = a.display().to_string();
        assert_eq!(e, format!("{a}: `extends` forms a cycle: {a} → {a}"));
    }

    #[test]
    fn a_long_extends_chain_without_a_cycle_is_fine() {
        // Deeper than the old cut-off of 8.
        let dir = tempfile::tempdir().unwrap();
        for i in 0..12 {
            let extends = if i == 11 {
                "generic".to_string()
            } else {
                format!("p{}.toml", i + 1)
            };
            std::fs::write(
                dir.path().join(format!("p{i}.toml")),
                format!("name = \"p{i}\"\nextends = \"{extends}\"\n"),
            )
            .unwrap();
        }
        let p = Profile::load(&dir.path().join("p0.toml")).unwrap();
        assert_eq!(p.name, "p0");
        assert!(
            !p.rules.is_empty(),
            "the rules of generic at the end of the chain"
        );
    }

    #[test]
    fn unknown_profile_name_is_a_usage_error() {
        let e = Profile::resolve("no-such-profile").unwrap_err().to_string();
        assert!(e.contains("no-such-profile") && e.contains("tutor"), "{e}");
    }
}
