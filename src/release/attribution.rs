//! Release attribution: when staging and production run different releases, which
//! differences the release itself explains.
//!
//! A difference belongs to the release, not to the operator, when each environment's
//! value is what its own Tutor version produces from that environment's settings, and the
//! two versions produce different things: a default that changed, an image tag that
//! follows the version, a setting or flag that one release's templates add, drop or
//! change, a deployment one release defines. A value the operator set keeps its own
//! judgement, so an upgrade candidate that also lacks a plugin fails on that plugin.
//!
//! Judged on the raw surfaces (before host tokens), from the generated knowledge of each
//! release ([`super::knowledge`]); a release without knowledge explains nothing.

use super::knowledge::{self, Knowledge};
use super::template::render_template;
use crate::tree::Node;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::cmp::Ordering;

/// What one environment runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseSide {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tutor_version: Option<String>,
    /// The named Open edX release (`ulmo`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    /// The point release the edx-platform ref names (`ulmo.4`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub point_release: Option<String>,
    /// The edx-platform repository and ref the image is built from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// Where staging stands against production.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    /// Staging runs a newer release: the upgrade candidate.
    Ahead,
    Same,
    /// Staging runs an older release than production.
    Behind,
    /// One side's release is not known, or the two cannot be ordered.
    Unknown,
}

/// The release block of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseSummary {
    pub staging: ReleaseSide,
    pub production: ReleaseSide,
    pub order: Order,
    /// How many differences the release explains.
    pub attributed: usize,
    /// The finding that stands for the release itself, when the releases differ.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

impl ReleaseSummary {
    /// The one line every human format shows above the attributed differences.
    pub fn heading(&self) -> Option<String> {
        let label = |s: &ReleaseSide| {
            s.point_release
                .clone()
                .or_else(|| s.release.clone())
                .or_else(|| s.tutor_version.as_ref().map(|v| format!("Tutor {v}")))
                .unwrap_or_else(|| "an unknown release".into())
        };
        let (mut from, mut to) = (label(&self.production), label(&self.staging));
        if from == to {
            // Same point release, other Tutor version.
            let tutor =
                |s: &ReleaseSide| format!("Tutor {}", s.tutor_version.as_deref().unwrap_or("?"));
            (from, to) = (tutor(&self.production), tutor(&self.staging));
        }
        let n = self.attributed;
        match self.order {
            Order::Ahead => Some(format!(
                "release upgrade: {from} → {to}, {n} difference(s) that come with it"
            )),
            // Behind with nothing attributed: the reduced release finding says it all.
            Order::Behind if n == 0 => None,
            Order::Behind => Some(format!(
                "release behind: staging runs {to}, production {from}; {n} difference(s) come with it"
            )),
            Order::Same | Order::Unknown => None,
        }
    }
}

/// The part of a surface that names the release, all [`Upgrade::new`] reads to say
/// whether and how the releases differ.
pub fn release_part<'a, N: Node<'a>>(surface: N) -> Value {
    parts(surface, &["release"])
}

/// The parts of a surface that attribution reads.
pub fn raw_parts<'a, N: Node<'a>>(surface: N) -> Value {
    parts(
        surface,
        &[
            "release",
            "settings",
            "features",
            "services",
            "datastores",
            "build",
            "mfes",
        ],
    )
}

/// The named top-level parts of a surface, as a `Value`.
fn parts<'a, N: Node<'a>>(surface: N, keys: &[&str]) -> Value {
    Value::Object(
        keys.iter()
            .filter_map(|k| Some((k.to_string(), surface.get(k)?.to_value())))
            .collect(),
    )
}

/// The releases of the two environments and what their difference explains.
pub struct Upgrade<'a> {
    staging: Side<'a>,
    production: Side<'a>,
    pub order: Order,
}

struct Side<'a> {
    info: ReleaseSide,
    /// The Tutor major of `info.tutor_version`.
    major: Option<u64>,
    knowledge: Option<&'static Knowledge>,
    surface: &'a Value,
}

impl<'a> Side<'a> {
    fn new(surface: &'a Value) -> Side<'a> {
        let text = |p: &str| {
            surface
                .pointer(p)
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let tutor_version = text("/release/tutor_version");
        let reference =
            text("/release/edx_platform/version").or_else(|| text("/release/openedx_version"));
        let info = ReleaseSide {
            release: text("/release/openedx_release"),
            point_release: reference
                .as_deref()
                .and_then(super::point_release)
                .map(str::to_string),
            repository: text("/release/edx_platform/repository"),
            reference,
            tutor_version,
        };
        let major = info
            .tutor_version
            .as_deref()
            .and_then(|v| v.split('.').next())
            .and_then(|m| m.parse::<u64>().ok());
        Side {
            knowledge: major.and_then(knowledge::of_major),
            major,
            info,
            surface,
        }
    }

    fn settings(&self) -> Map<String, Value> {
        let mut vars = match self.surface.get("settings") {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        };
        if let Some(v) = &self.info.tutor_version {
            vars.insert("TUTOR_VERSION".into(), Value::String(v.clone()));
        }
        vars
    }

    /// What this side's release renders for the default of `key`, with this side's
    /// settings. None: no knowledge, no such default, or a template envparity cannot
    /// render.
    fn default_of(&self, key: &str, vars: &Map<String, Value>) -> Option<Value> {
        let raw = self.knowledge?.defaults.get(key)?;
        match raw {
            Value::String(s) => render_template(s, vars).map(Value::String),
            other => Some(other.clone()),
        }
    }
}

impl<'a> Upgrade<'a> {
    /// Reads both releases from the raw surfaces.
    pub fn new(staging: &'a Value, production: &'a Value) -> Upgrade<'a> {
        let (s, p) = (Side::new(staging), Side::new(production));
        let order = match (&s.info.tutor_version, &p.info.tutor_version) {
            (Some(a), Some(b)) => match super::compare(a, b) {
                Some(Ordering::Greater) => Order::Ahead,
                Some(Ordering::Less) => Order::Behind,
                Some(Ordering::Equal) => Order::Same,
                None => Order::Unknown,
            },
            _ => Order::Unknown,
        };
        Upgrade {
            staging: s,
            production: p,
            order,
        }
    }

    /// Whether the two environments run different, ordered releases.
    pub fn differs(&self) -> bool {
        matches!(self.order, Order::Ahead | Order::Behind)
    }

    /// The finding that stands for the release: the named release when it differs,
    /// else the Tutor version (another point release).
    pub fn release_path(&self) -> &'static str {
        if self.staging.info.release != self.production.info.release {
            "/release/openedx_release"
        } else {
            "/release/tutor_version"
        }
    }

    /// The report's release block (with no attributed differences counted yet).
    pub fn summary(&self) -> ReleaseSummary {
        ReleaseSummary {
            staging: self.staging.info.clone(),
            production: self.production.info.clone(),
            order: self.order,
            attributed: 0,
            path: self.differs().then(|| self.release_path().to_string()),
        }
    }

    /// Whether the release explains the difference at `path`.
    pub fn explains(&self, path: &str) -> bool {
        if !self.differs() {
            return false;
        }
        let segments: Vec<String> = crate::surface::split_pointer(path);
        let seg: Vec<&str> = segments.iter().map(String::as_str).collect();
        match seg.as_slice() {
            ["release", "tutor_version"] | ["release", "openedx_release"] => true,
            ["release", "openedx_version"] => self.follows_default(path, "OPENEDX_COMMON_VERSION"),
            ["release", "edx_platform", "version"] => {
                self.follows_default(path, "EDX_PLATFORM_VERSION")
            }
            ["release", "images", name] => self.image_follows_release(path, name),
            ["settings", key] => self.defaults_differ(key) && self.follows_default(path, key),
            ["settings", app @ ("lms" | "cms"), key, ..] => {
                self.template_differs(&format!("{app}.env.yml"), key)
                    || self.plugin_default_differs(key)
            }
            ["datastores", store, "image"] => {
                let image = if *store == "search" {
                    "meilisearch"
                } else {
                    store
                };
                self.image_follows_release(path, image)
            }
            ["features", app @ ("lms" | "cms"), flag] => self.flag_follows_release(path, app, flag),
            ["services", name] => self.deployment_follows_release(path, name),
            ["build", "pip", name, ..] => self.package_follows_release(name),
            ["plugins", _, "version"] => self.version_follows_major(path),
            ["mfes", _, "ref"] => self.follows_common_version(path),
            ["mfes", name] => self.mfe_follows_release(name),
            _ => false,
        }
    }

    fn both(&self) -> Option<(&'static Knowledge, &'static Knowledge)> {
        Some((self.staging.knowledge?, self.production.knowledge?))
    }

    fn sides(&self) -> [&Side<'a>; 2] {
        [&self.staging, &self.production]
    }

    /// Each side's value at `path` is its own release's default of `key`.
    fn follows_default(&self, path: &str, key: &str) -> bool {
        self.both().is_some()
            && self.sides().iter().all(|side| {
                let vars = side.settings();
                side.surface.pointer(path).cloned() == side.default_of(key, &vars)
            })
    }

    fn defaults_differ(&self, key: &str) -> bool {
        self.both()
            .is_some_and(|(s, p)| s.defaults.get(key) != p.defaults.get(key))
    }

    fn template_differs(&self, file: &str, key: &str) -> bool {
        self.both().is_some_and(|(s, p)| {
            let t = |k: &Knowledge| k.env_templates.get(file).and_then(|m| m.get(key)).cloned();
            t(s) != t(p)
        })
    }

    /// A setting a pinned plugin of one release defines differently from the other's
    /// (plugins render their defaults into the settings files).
    fn plugin_default_differs(&self, key: &str) -> bool {
        self.both().is_some_and(|(s, p)| {
            let d = |k: &'static Knowledge| k.plugin_defaults.values().find_map(|m| m.get(key));
            d(s) != d(p)
        })
    }

    /// A flag the two releases' templates set differently, at each side's template value.
    fn flag_follows_release(&self, path: &str, app: &str, flag: &str) -> bool {
        let Some((s, p)) = self.both() else {
            return false;
        };
        let template = |k: &Knowledge| k.features.get(app).and_then(|m| m.get(flag)).cloned();
        if template(s) == template(p) {
            return false;
        }
        self.sides().iter().all(|side| {
            let expected = side
                .knowledge
                .and_then(&template)
                .and_then(|t| match t.trim() {
                    "True" => Some(Value::Bool(true)),
                    "False" => Some(Value::Bool(false)),
                    _ => None,
                });
            let actual = side.surface.pointer(path).cloned();
            actual.is_none() || actual == expected || expected.is_none()
        })
    }

    /// A Python package that each side's own Dockerfile template installs as that side
    /// has it (added, dropped or re-pinned by the release).
    fn package_follows_release(&self, name: &str) -> bool {
        let Some((s, p)) = self.both() else {
            return false;
        };
        // Each release's Dockerfile runs are parsed once here, not once per side and use.
        let (from_s, from_p) = (s.pip().remove(name), p.pip().remove(name));
        if from_s == from_p {
            return false;
        }
        let path = crate::surface::join_pointer(&["build", "pip", name]);
        [
            (self.staging.surface, from_s),
            (self.production.surface, from_p),
        ]
        .iter()
        .all(|(surface, expected)| surface.pointer(&path) == expected.as_ref())
    }

    /// A ref that is each side's own release branch (`OPENEDX_COMMON_VERSION`, which
    /// tutor-mfe builds every MFE from unless told otherwise), the two branches differing.
    fn follows_common_version(&self, path: &str) -> bool {
        self.defaults_differ("OPENEDX_COMMON_VERSION")
            && self.follows_default(path, "OPENEDX_COMMON_VERSION")
    }

    /// An MFE only one side builds, which that side's release brings: Open edX's own
    /// repository at that side's release branch (tutor-mfe adds core MFEs release by
    /// release, as Catalog in Verawood).
    fn mfe_follows_release(&self, name: &str) -> bool {
        if !self.defaults_differ("OPENEDX_COMMON_VERSION") {
            return false;
        }
        let path = crate::surface::join_pointer(&["mfes", name]);
        let [s, p] = self.sides().map(|side| side.surface.pointer(&path));
        let side = match (s, p) {
            (Some(_), None) => &self.staging,
            (None, Some(_)) => &self.production,
            _ => return false,
        };
        let text = |k: &str| {
            side.surface
                .pointer(&format!("{path}/{k}"))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let upstream = text("repository")
            .is_some_and(|r| r.starts_with("https://github.com/openedx/frontend-app-"));
        upstream
            && text("ref").map(Value::String)
                == side.default_of("OPENEDX_COMMON_VERSION", &side.settings())
    }

    /// A deployment that only one release's templates define, present only there.
    fn deployment_follows_release(&self, path: &str, name: &str) -> bool {
        let Some((s, p)) = self.both() else {
            return false;
        };
        let defines = |k: &Knowledge| {
            k.deployments.iter().any(|d| d == name) || k.compose_services.iter().any(|d| d == name)
        };
        if defines(s) == defines(p) {
            return false;
        }
        self.sides().iter().all(|side| {
            let present = side.surface.pointer(path).is_some();
            present == side.knowledge.is_some_and(defines)
        })
    }

    /// A version whose major is each side's Tutor major (Tutor's plugins are versioned
    /// with it: tutor-mfe 22.1.0 for Tutor 22), or that only one side has, following it.
    fn version_follows_major(&self, path: &str) -> bool {
        let major = |side: &Side| -> Option<u64> {
            let v = side.surface.pointer(path)?.as_str()?;
            v.trim_start_matches('v').split('.').next()?.parse().ok()
        };
        self.sides().iter().all(|side| {
            side.surface.pointer(path).is_none()
                || (major(side).is_some() && major(side) == side.major)
        })
    }

    /// An image whose tag is what each side's release deploys: its own default
    /// (`DOCKER_IMAGE_*`, a plugin's `*_DOCKER_IMAGE`), or the same repository with a tag
    /// that follows each side's Tutor major (plugin images are versioned with Tutor).
    fn image_follows_release(&self, path: &str, name: &str) -> bool {
        let key = format!("DOCKER_IMAGE_{}", name.to_ascii_uppercase());
        if self.follows_default(path, &key) {
            return true;
        }
        let image = |side: &Side| {
            side.surface
                .pointer(path)
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let tagged = |side: &Side| -> Option<(String, u64)> {
            let img = image(side)?;
            let (repo, tag) = img.rsplit_once(':').filter(|(_, t)| !t.contains('/'))?;
            let major = tag
                .trim_start_matches('v')
                .split(['.', '-'])
                .next()?
                .parse::<u64>()
                .ok()?;
            Some((repo.to_string(), major))
        };
        match (tagged(&self.staging), tagged(&self.production)) {
            (Some((rs, ms)), Some((rp, mp))) => {
                rs == rp && Some(ms) == self.staging.major && Some(mp) == self.production.major
            }
            // Only one side runs it: a service its release brings (or drops) with a
            // version-following tag.
            (Some((_, m)), None) => {
                Some(m) == self.staging.major && image(&self.production).is_none()
            }
            (None, Some((_, m))) => {
                Some(m) == self.production.major && image(&self.staging).is_none()
            }
            (None, None) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn side(version: &str, reference: &str, images: Value, settings: Value) -> Value {
        json!({
            "release": {
                "tutor_version": version,
                "openedx_release": if version.starts_with("21") { "ulmo" } else { "verawood" },
                "edx_platform": {"version": reference},
                "images": images,
            },
            "settings": settings,
        })
    }

    #[test]
    fn staging_on_the_next_release_is_ahead_and_the_heading_names_both() {
        let s = side("22.0.3", "release/verawood.1", json!({}), json!({}));
        let p = side("21.0.9", "release/ulmo.4", json!({}), json!({}));
        let u = Upgrade::new(&s, &p);
        assert_eq!(u.order, Order::Ahead);
        assert_eq!(u.release_path(), "/release/openedx_release");
        let mut summary = u.summary();
        summary.attributed = 3;
        assert_eq!(
            summary.heading().unwrap(),
            "release upgrade: ulmo.4 → verawood.1, 3 difference(s) that come with it"
        );
        assert_eq!(Upgrade::new(&p, &s).order, Order::Behind);
        assert_eq!(Upgrade::new(&s, &s).order, Order::Same);
        assert!(!Upgrade::new(&s, &s).explains("/release/tutor_version"));
    }

    #[test]
    fn image_tags_that_follow_each_tutor_version_belong_to_the_release() {
        let s = side(
            "22.0.3",
            "release/verawood.1",
            json!({"mfe": "docker.io/overhangio/openedx-mfe:22.1.0", "custom": "reg/x:1.0"}),
            json!({}),
        );
        let p = side(
            "21.0.9",
            "release/ulmo.4",
            json!({"mfe": "docker.io/overhangio/openedx-mfe:21.0.2", "custom": "reg/x:2.0"}),
            json!({}),
        );
        let u = Upgrade::new(&s, &p);
        assert!(u.explains("/release/images/mfe"));
        assert!(!u.explains("/release/images/custom"));
        assert!(!u.explains("/plugins/notes"));
    }
}
