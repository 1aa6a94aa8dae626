//! The release: `env/version`, the Dockerfile's edx-platform source, the images.

use super::builder::Builder;
use super::config::read_optional;
use super::k8s::{Manifests, all_containers};
use crate::error::Error;
use crate::surface;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::Path;

// ------------------------------------------------------------------ env/ files

pub(super) struct TutorVersion {
    pub(super) text: String,
    pub(super) major: u64,
}

/// `env/version`: the Tutor version that rendered the root, or why it is not known (the
/// file is missing, or holds no version). Only an unreadable file is an input error: a
/// root without a usable version is still read, its release unknown.
pub(super) fn read_version(path: &Path) -> Result<Result<TutorVersion, String>, Error> {
    let Some(text) = read_optional(path)? else {
        return Ok(Err(format!("{} is missing", path.display())));
    };
    let text = text.trim().to_string();
    let well_formed = text.len() <= 40
        && text.contains('.')
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+'));
    let major = text
        .split('.')
        .next()
        .and_then(|m| m.parse::<u64>().ok())
        .filter(|_| well_formed);
    Ok(match major {
        Some(major) => Ok(TutorVersion { text, major }),
        None => Err(format!(
            "{} is not a Tutor version (expected e.g. `22.0.3`)",
            path.display()
        )),
    })
}

/// `ARG NAME=value` lines of the openedx Dockerfile.
pub(super) fn dockerfile_args(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("ARG "))
        .filter_map(|a| a.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

// ------------------------------------------------------------------ production.py

/// `registry/org/name:tag` → `registry/org/name` (a digest or tag removed).
/// The kinds of Kubernetes object that run containers.
const WORKLOADS: [&str; 5] = ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"];

/// The images of Tutor's bundled datastores, and the datastore each belongs to.
const BUNDLED_STORES: [(&str, &str); 5] = [
    ("mongodb", "mongodb"),
    ("mysql", "mysql"),
    ("redis", "redis"),
    ("smtp", "smtp"),
    ("meilisearch", "search"),
];

/// The platform's own workloads: they run DOCKER_IMAGE_OPENEDX, whatever its name.
const PLATFORM: [&str; 4] = ["lms", "cms", "lms-worker", "cms-worker"];

pub(super) fn image_repository(image: &str) -> &str {
    let image = image.split('@').next().unwrap_or(image);
    match image.rfind(':') {
        Some(i) if !image[i..].contains('/') => &image[..i],
        _ => image,
    }
}

impl Builder<'_> {
    pub(super) fn release(
        &mut self,
        settings: &Map<String, Value>,
        version: Result<&TutorVersion, &str>,
        dockerfile: Option<&str>,
        manifests: Option<&Manifests>,
        compose: Option<&Map<String, Value>>,
        env: &Path,
    ) {
        match version {
            Ok(v) => {
                self.set("/release/tutor_version", json!(v.text));
                let release = match crate::release::by_tutor_major(v.major) {
                    Some(r) => json!(r.name),
                    None => {
                        let newest = crate::release::newest_known_major();
                        let relation = if v.major > newest { "newer" } else { "older" };
                        surface::unknown(format!(
                            "{}: Tutor {} is {relation} than the releases envparity knows (Tutor {}..{} in data/releases.toml); upgrade envparity",
                            env.join("version").display(),
                            v.text,
                            crate::release::releases()
                                .iter()
                                .map(|r| r.tutor)
                                .min()
                                .unwrap_or(0),
                            newest
                        ))
                    }
                };
                self.set("/release/openedx_release", release);
                self.locate_file("/release/tutor_version", &env.join("version"));
            }
            Err(why) => {
                let why = surface::unknown(why);
                self.set("/release/tutor_version", why.clone());
                self.set("/release/openedx_release", why);
            }
        }
        let common = settings.get("OPENEDX_COMMON_VERSION").cloned().unwrap_or_else(|| {
            surface::unknown("OPENEDX_COMMON_VERSION is not in config.yml and envparity's defaults are of another Tutor release")
        });
        self.set("/release/openedx_version", common);
        // The Dockerfile is what gets built: it wins over the settings.
        let args = dockerfile.map(dockerfile_args).unwrap_or_default();
        for (name, leaf) in [
            ("EDX_PLATFORM_REPOSITORY", "repository"),
            ("EDX_PLATFORM_VERSION", "version"),
        ] {
            let v = args
                .get(name)
                .map(|s| json!(s))
                .or_else(|| settings.get(name).cloned());
            if let Some(v) = v {
                self.set(&format!("/release/edx_platform/{leaf}"), v);
            }
        }
        // Images: what runs, from every workload Tutor renders — containers and init
        // containers of Kubernetes Deployments, StatefulSets, DaemonSets, Jobs and
        // CronJobs (core and plugins), or, without manifests, the docker-compose services.
        // The default image of a service that does not run is no image of this
        // environment. Each image is named after the DOCKER_IMAGE_* setting whose
        // repository it runs (theme plugins re-tag the openedx image, so the repository
        // is what matches), the platform's own workloads after `openedx`, and any other
        // after its workload.
        let by_repository: Vec<(String, &str)> = settings
            .iter()
            .filter_map(|(k, v)| {
                let name = k.strip_prefix("DOCKER_IMAGE_")?;
                let image = v.as_str()?;
                (!name.ends_with("_DEV"))
                    .then(|| (name.to_ascii_lowercase(), image_repository(image)))
            })
            .collect();
        let mut running: Vec<(&str, &str)> = Vec::new();
        match (manifests, compose) {
            (Some(m), _) => {
                for (_, doc) in &m.resources {
                    let kind = doc.get("kind").and_then(Value::as_str).unwrap_or_default();
                    if !WORKLOADS.contains(&kind) {
                        continue;
                    }
                    let Some(name) = doc.pointer("/metadata/name").and_then(Value::as_str) else {
                        continue;
                    };
                    for c in all_containers(doc) {
                        if let Some(image) = c.get("image").and_then(Value::as_str) {
                            running.push((name, image));
                        }
                    }
                }
            }
            (None, Some(services)) => {
                for (name, svc) in services {
                    if let Some(image) = svc.get("image").and_then(Value::as_str) {
                        running.push((name, image));
                    }
                }
            }
            (None, None) => {}
        }
        let mut images = Map::new();
        for (workload, image) in running {
            let repository = image_repository(image);
            let name = if PLATFORM.contains(&workload) {
                "openedx".to_string()
            } else {
                by_repository
                    .iter()
                    .find(|(_, r)| *r == repository)
                    .map_or_else(|| workload.to_string(), |(n, _)| n.clone())
            };
            // A bundled datastore's image is judged with the datastore: whether staging
            // runs one at all is already the bundled/external difference there.
            // (An external store's image still runs as a client in init jobs.)
            let bundled = BUNDLED_STORES.iter().find(|(image, store)| {
                *image == name
                    && self
                        .surface
                        .pointer(&format!("/datastores/{store}/bundled"))
                        == Some(&Value::Bool(true))
            });
            match bundled {
                Some((_, store)) => {
                    let pointer = format!("/datastores/{store}/image");
                    if self.surface.pointer(&pointer).is_none() {
                        self.set(&pointer, json!(image));
                    }
                }
                None => {
                    images.entry(name).or_insert_with(|| json!(image));
                }
            }
        }
        if !images.is_empty() {
            self.set("/release/images", Value::Object(images));
        }
    }
}
