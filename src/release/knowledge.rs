//! What each supported Tutor release produces by itself: its setting defaults, the
//! settings its templates render, the feature flags its templates and pinned plugins set,
//! and the deployments it defines. Generated from the pinned Tutor packages by
//! `data/generate.sh` into `data/tutor-knowledge.yml` (what is reviewed); never edited by
//! hand. The program embeds the same data as JSON (`data/tutor-knowledge.json`, written
//! from the YAML by a unit test that also fails when the two differ): serde_json reads
//! it in a fraction of a millisecond, the YAML took about 4 ms of every run.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

/// One release's knowledge.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Knowledge {
    /// The Tutor version the knowledge was generated from, e.g. `21.0.9`.
    pub tutor_version: String,
    /// The plugin versions pinned with it.
    pub plugins: BTreeMap<String, String>,
    /// `templates/config/defaults.yml`, values as written (templates unrendered).
    pub defaults: Map<String, Value>,
    /// Each pinned plugin's defaults (`MFE_DOCKER_IMAGE`, ...), as written.
    pub plugin_defaults: BTreeMap<String, Map<String, Value>>,
    /// Per rendered settings file (`lms.env.yml`): each top-level key's template text.
    pub env_templates: BTreeMap<String, BTreeMap<String, String>>,
    /// Per app (`lms`, `cms`): the feature flags the templates set, as written.
    pub features: BTreeMap<String, BTreeMap<String, String>>,
    /// The Deployments of the Kubernetes template.
    pub deployments: Vec<String>,
    /// The services of the docker-compose template.
    pub compose_services: Vec<String>,
    /// The core Dockerfile's `RUN … pip install …` instructions (Jinja left in).
    pub pip_runs: Vec<String>,
}

impl Knowledge {
    /// What the release's own Dockerfile installs, as `/build/pip` writes it.
    pub fn pip(&self) -> Map<String, Value> {
        crate::collect::tutor::pip_surface(&self.pip_runs.join("\n"))
    }
}

#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
struct File {
    releases: BTreeMap<String, Knowledge>,
    known_features: BTreeSet<String>,
}

const DATA: &str = include_str!("../../data/tutor-knowledge.json");

/// The generated file, parsed once. It is compiled in and checked by a unit test, so a
/// parse failure is a build defect, not bad input; it then means "no knowledge".
fn file() -> &'static File {
    static CELL: OnceLock<File> = OnceLock::new();
    CELL.get_or_init(|| serde_json::from_str(DATA).unwrap_or_default())
}

/// The knowledge of a Tutor major, when envparity has it.
pub fn of_major(major: u64) -> Option<&'static Knowledge> {
    file().releases.get(&major.to_string())
}

/// The majors envparity has knowledge of, oldest first.
pub fn majors() -> Vec<u64> {
    let mut m: Vec<u64> = file()
        .releases
        .keys()
        .filter_map(|k| k.parse().ok())
        .collect();
    m.sort_unstable();
    m
}

/// The newest release's knowledge and its major.
pub fn newest() -> Option<(u64, &'static Knowledge)> {
    let major = *majors().last()?;
    of_major(major).map(|k| (major, k))
}

/// Whether `name` is an Open edX feature flag: a key of edx-platform's `FEATURES` in some
/// release, or a flag a supported Tutor release or plugin sets. Since Verawood the flags
/// are plain settings (`FEATURES` is a proxy of the settings module), so a plain `NAME =
/// True` line or a flat toggle-report name is a feature exactly when this says so.
pub fn is_feature(name: &str) -> bool {
    file().known_features.contains(name)
}

/// The feature flag a setting name stands for: `FEATURES.X` (as the toggle report's
/// `FEATURES['X']` is written on the surface) is always flag X; a flat `X` is flag X when
/// X is a known feature. One normalization for the Tutor and the live sources.
pub fn feature_flag(setting: &str) -> Option<&str> {
    match setting.strip_prefix("FEATURES.") {
        Some(flag) => (!flag.is_empty() && !flag.contains('.')).then_some(flag),
        None => is_feature(setting).then_some(setting),
    }
}

/// A key whose default differs between two supported releases, or that only some of them
/// define: its value cannot be taken from another release's defaults.
pub fn varies_across_releases(key: &str) -> bool {
    let mut seen: Option<Option<&Value>> = None;
    for k in file().releases.values() {
        let v = k.defaults.get(key);
        match seen {
            None => seen = Some(v),
            Some(prev) if prev != v => return true,
            Some(_) => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The embedded JSON is the reviewed YAML, read as the YAML reader reads it. With
    /// `ENVPARITY_WRITE_KNOWLEDGE=1` it writes the JSON (data/generate.sh does).
    #[test]
    fn the_embedded_json_is_the_generated_yaml() {
        let yaml = include_str!("../../data/tutor-knowledge.yml");
        let from_yaml: File = serde_yaml_ng::from_str(yaml).expect("the generated YAML reads");
        let json = serde_json::to_string(&from_yaml).expect("into memory") + "\n";
        if std::env::var_os("ENVPARITY_WRITE_KNOWLEDGE").is_some() {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/tutor-knowledge.json");
            std::fs::write(path, &json).expect("data/tutor-knowledge.json is writable");
            return;
        }
        assert!(
            json == DATA,
            "data/tutor-knowledge.json is not data/tutor-knowledge.yml: run `ENVPARITY_WRITE_KNOWLEDGE=1 cargo test --lib the_embedded_json_is_the_generated_yaml`"
        );
        let from_json: File = serde_json::from_str(DATA).expect("the JSON reads");
        assert_eq!(from_json, from_yaml);
        assert_eq!(file(), &from_yaml);
    }

    #[test]
    fn every_supported_release_from_redwood_to_verawood_has_knowledge() {
        for major in 18..=22 {
            let k = of_major(major).unwrap_or_else(|| panic!("no knowledge of Tutor {major}"));
            assert!(
                k.tutor_version.starts_with(&format!("{major}.")),
                "{major}: {}",
                k.tutor_version
            );
            assert!(k.defaults.contains_key("DOCKER_IMAGE_OPENEDX"), "{major}");
            assert!(k.defaults.contains_key("OPENEDX_COMMON_VERSION"), "{major}");
            assert!(!k.deployments.is_empty(), "{major}");
        }
        assert_eq!(newest().map(|n| n.0), Some(22));
    }

    #[test]
    fn ulmo_and_verawood_defaults_name_their_branches() {
        let v = |m: u64| of_major(m).unwrap().defaults["OPENEDX_COMMON_VERSION"].clone();
        assert!(v(21).as_str().unwrap().starts_with("release/ulmo."));
        assert!(v(22).as_str().unwrap().starts_with("release/verawood."));
    }

    #[test]
    fn flags_that_verawood_writes_as_plain_settings_are_features() {
        for f in [
            "ENABLE_CORS_HEADERS",
            "ENABLE_COURSEWARE_INDEX",
            "ENABLE_COURSE_DISCOVERY",
            "ENABLE_THIRD_PARTY_AUTH",
        ] {
            assert!(is_feature(f), "{f}");
        }
        assert!(!is_feature("SESSION_COOKIE_SECURE"));
    }
}
