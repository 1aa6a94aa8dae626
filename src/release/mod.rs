//! Open edX releases: the Tutor-major → named-release table and the ordering of release
//! strings ("22.0.3", "release/verawood.1", "open-release/sumac.3", image tags).

pub mod attribution;
pub mod knowledge;
pub mod template;

use serde::Deserialize;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// One named release.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Release {
    pub tutor: u64,
    pub name: String,
    pub branch: String,
    /// The Tutor version whose knowledge `data/generate.sh` extracts (supported releases).
    #[serde(default)]
    pub pin: Option<String>,
    /// The plugin versions pinned with it.
    #[serde(default)]
    pub plugins: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct Table {
    release: Vec<Release>,
}

const TABLE: &str = include_str!("../../data/releases.toml");

/// The release table, parsed once. It is compiled in and checked by a unit test, so a
/// parse failure here is a build defect, not bad user input.
pub fn releases() -> &'static [Release] {
    static CELL: OnceLock<Vec<Release>> = OnceLock::new();
    CELL.get_or_init(|| {
        toml::from_str::<Table>(TABLE)
            .map(|t| t.release)
            .unwrap_or_default()
    })
}

/// The named release of a Tutor major version.
pub fn by_tutor_major(major: u64) -> Option<&'static Release> {
    releases().iter().find(|r| r.tutor == major)
}

/// The newest Tutor major the table knows.
pub fn newest_known_major() -> u64 {
    releases().iter().map(|r| r.tutor).max().unwrap_or(0)
}

/// The point release an edx-platform ref names: `release/ulmo.4` → `ulmo.4`,
/// `open-release/sumac.3` → `sumac.3`; None for a ref that names no release (`master`).
pub fn point_release(reference: &str) -> Option<&str> {
    let tail = reference.rsplit('/').next().unwrap_or(reference);
    let name = tail.split('.').next().unwrap_or(tail);
    releases().iter().any(|r| r.name == name).then_some(tail)
}

/// Words that say nothing about which release a string names.
const NOISE: [&str; 4] = ["open", "release", "v", "tags"];

/// The ordering key of a release string: its numbers, with a release name standing for
/// its Tutor major, plus the words that must agree for two strings to be comparable.
fn key(s: &str) -> Option<(Vec<u64>, Vec<String>)> {
    let mut nums = Vec::new();
    let mut words = Vec::new();
    let lower = s.to_ascii_lowercase();
    for token in lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
    {
        if let Ok(n) = token.parse::<u64>() {
            nums.push(n);
        } else if let Some(r) = releases().iter().find(|r| r.name == token) {
            nums.push(r.tutor);
        } else if let Some(n) = token.strip_prefix('v').and_then(|t| t.parse::<u64>().ok()) {
            nums.push(n);
        } else if !NOISE.contains(&token) {
            words.push(token.to_string());
        }
    }
    if nums.is_empty() {
        None
    } else {
        Some((nums, words))
    }
}

/// Orders two release strings, or None when they are not versions of the same thing
/// (another fork, another image, a branch such as `master`).
pub fn compare(a: &str, b: &str) -> Option<Ordering> {
    let (na, wa) = key(a)?;
    let (nb, wb) = key(b)?;
    if wa != wb {
        return None;
    }
    let len = na.len().max(nb.len());
    let pad = |v: &[u64]| {
        (0..len)
            .map(|i| v.get(i).copied().unwrap_or(0))
            .collect::<Vec<_>>()
    };
    Some(pad(&na).cmp(&pad(&nb)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_parses_and_covers_quince_to_verawood() {
        assert_eq!(by_tutor_major(17).unwrap().name, "quince");
        assert_eq!(by_tutor_major(22).unwrap().name, "verawood");
        assert!(newest_known_major() >= 22);
    }

    #[test]
    fn numeric_versions_order_naturally() {
        assert_eq!(compare("22.0.3", "22.0.10"), Some(Ordering::Less));
        assert_eq!(compare("22.0", "22.0.0"), Some(Ordering::Equal));
        assert_eq!(compare("v21.1.0", "22.0.0"), Some(Ordering::Less));
    }

    #[test]
    fn named_branches_order_by_release() {
        assert_eq!(
            compare("release/ulmo.3", "release/verawood.1"),
            Some(Ordering::Less)
        );
        assert_eq!(
            compare("open-release/sumac.3", "release/teak.1"),
            Some(Ordering::Less)
        );
        assert_eq!(
            compare("release/verawood.2", "release/verawood.1"),
            Some(Ordering::Greater)
        );
    }

    #[test]
    fn different_things_do_not_compare() {
        assert_eq!(compare("master", "release/verawood.1"), None);
        assert_eq!(
            compare("myorg/openedx:22.0.3", "overhangio/openedx:22.0.3"),
            None
        );
        assert_eq!(
            compare("overhangio/openedx:21.0.0", "overhangio/openedx:22.0.3"),
            Some(Ordering::Less)
        );
    }
}
