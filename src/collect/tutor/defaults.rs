//! Tutor's defaults for the root's own release. `config.yml` holds only what the user set
//! and the generated secrets; the rest comes from the defaults of the Tutor version that
//! rendered the root, taken from the generated release knowledge.

use super::release::TutorVersion;
use crate::release::knowledge;
use crate::release::template::resolve_templates;
use crate::surface;
use serde_json::{Map, Value};

/// Keys whose default follows the release however stable it looks (image tags, versions).
pub(super) fn release_dependent(key: &str) -> bool {
    key.starts_with("DOCKER_IMAGE_") || key.ends_with("_VERSION") || key == "ATLAS_REVISION"
}

/// A root's effective settings and, when they were read with another release's defaults,
/// the one line that says so.
pub(super) struct Effective {
    pub(super) settings: Map<String, Value>,
    pub(super) note: Option<String>,
}

/// `config.yml` merged over the defaults of the root's Tutor version, templates resolved.
///
/// - A supported major: its own defaults.
/// - A major newer than the knowledge: the newest defaults, and a note.
/// - An older or unknown version (`version` None: no `env/version`): only the defaults
///   that every supported release shares; a key whose default differs between releases,
///   or that follows the release, is unknown with `why_unknown`, never guessed.
pub(super) fn effective_settings(
    config: &Map<String, Value>,
    version: Option<&TutorVersion>,
    why_unknown: &str,
) -> Effective {
    let own = version.and_then(|v| knowledge::of_major(v.major));
    let newest = knowledge::newest();
    let mut note = None;
    let defaults: Option<&Map<String, Value>> = match (own, version, newest) {
        (Some(k), _, _) => Some(&k.defaults),
        (None, Some(v), Some((major, k))) if v.major > major => {
            note = Some(format!(
                "Tutor {} is newer than the releases envparity knows: read with the defaults of Tutor {}",
                v.text, k.tutor_version
            ));
            Some(&k.defaults)
        }
        _ => None,
    };
    let mut settings = Map::new();
    match defaults {
        Some(d) => settings.extend(d.iter().map(|(k, v)| (k.clone(), v.clone()))),
        None => {
            if let Some((_, k)) = newest {
                for (key, v) in &k.defaults {
                    let value = if release_dependent(key) || knowledge::varies_across_releases(key)
                    {
                        surface::unknown(format!("the default of {key}: {why_unknown}"))
                    } else {
                        v.clone()
                    };
                    settings.insert(key.clone(), value);
                }
            }
        }
    }
    for (k, v) in config {
        settings.insert(k.clone(), v.clone());
    }
    resolve_templates(&mut settings, version.map(|v| v.text.as_str()));
    Effective { settings, note }
}
