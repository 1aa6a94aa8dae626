//! The micro-frontends tutor-mfe builds, from its rendered Dockerfile
//! (`env/plugins/mfe/build/mfe/Dockerfile`): one `FROM scratch AS <name>-src` stage per
//! enabled MFE, whose `ADD <repository>#<ref> .` names where its code comes from. The
//! `mfe-apps` filter (core MFEs, plugins adding, removing or re-pointing them) is
//! applied by Tutor when it renders, so the Dockerfile is what gets built.

use super::builder::Builder;
use serde_json::{Map, Value, json};

/// The path of the MFE build file under `env/`.
pub(super) const MFE_DOCKERFILE: &str = "plugins/mfe/build/mfe/Dockerfile";

/// `<name>` → `{"repository", "ref"}` for every MFE source stage of the Dockerfile.
pub(super) fn mfe_sources(dockerfile: &str) -> Map<String, Value> {
    let mut out = Map::new();
    let mut stage: Option<String> = None;
    for line in dockerfile.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            [from, "scratch", as_, name] if from.eq_ignore_ascii_case("FROM") && as_.eq_ignore_ascii_case("AS") => {
                stage = name.strip_suffix("-src").map(str::to_string);
            }
            [from, ..] if from.eq_ignore_ascii_case("FROM") => stage = None,
            [add, rest @ ..] if add.eq_ignore_ascii_case("ADD") => {
                let Some(name) = &stage else { continue };
                let Some(source) = rest.iter().find(|w| !w.starts_with("--")) else {
                    continue;
                };
                let (repository, reference) = source.split_once('#').unwrap_or((source, ""));
                let mut m = Map::new();
                m.insert(
                    "repository".into(),
                    json!(crate::normalize::safe_url(repository)),
                );
                if !reference.is_empty() {
                    m.insert("ref".into(), json!(reference));
                }
                out.insert(name.clone(), Value::Object(m));
                stage = None;
            }
            _ => {}
        }
    }
    out
}

impl Builder<'_> {
    /// `/mfes/<name>`: each MFE tutor-mfe builds, with its repository and ref. Without
    /// the mfe plugin there are none; with it and no rendered Dockerfile they are unknown.
    pub(super) fn mfes(&mut self, mfe_enabled: bool, dockerfile: Option<&str>) {
        let value = match (mfe_enabled, dockerfile) {
            (false, _) => json!({}),
            (true, Some(text)) => Value::Object(mfe_sources(text)),
            (true, None) => crate::surface::unknown(format!(
                "the mfe plugin is enabled but env/{MFE_DOCKERFILE} was not rendered (run `tutor config save`)"
            )),
        };
        self.set("/mfes", value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_mfe_source_stage_gives_its_repository_and_ref() {
        let dockerfile = "\
FROM $NODE_IMAGE AS base
####################### learning MFE
FROM scratch AS learning-src
ADD --keep-git-dir=true https://github.com/openedx/frontend-app-learning.git#release/verawood.1 .
FROM base AS learning-common
ADD https://example.org/not-a-source.tgz /tmp/
FROM scratch AS custom-src
ADD --keep-git-dir=true https://user:pw@git.example.org/org/frontend-app-custom.git#main .
FROM scratch AS frontend-app-notifications-src

FROM scratch AS site-src
COPY site/ .
";
        let m = mfe_sources(dockerfile);
        assert_eq!(m.keys().collect::<Vec<_>>(), ["custom", "learning"]);
        assert_eq!(
            m["learning"],
            json!({"repository": "https://github.com/openedx/frontend-app-learning.git", "ref": "release/verawood.1"})
        );
        let custom = m["custom"]["repository"].as_str().unwrap_or_default();
        assert!(!custom.contains("pw"), "{custom}");
    }
}
