//! The `tutor` source: a Tutor project root (`config.yml` plus the `env/` tree that
//! `tutor config save` renders from it).
//!
//! `config.yml` alone says little: Tutor writes only generated secrets and what the user
//! set, never the defaults, so they are merged in from the defaults of the root's own
//! Tutor version (the generated release knowledge, `data/tutor-knowledge.yml`). What
//! Tutor actually deploys is read from the rendered `env/`: the version, the Django
//! settings (`{lms,cms}.env.yml` and the `production.py` files, where the MongoDB replica
//! set, TLS and secure cookies live), the Kubernetes manifests (Deployments, HPAs) and the
//! build files (`Dockerfile`, which names the edx-platform repository and branch).
//!
//! One file per artefact read: `config` (config.yml, `*.env.yml`), `defaults`, `python`
//! (production.py), `k8s`, `compose`, `release` (env/version, Dockerfile, images),
//! `datastores`, `settings` (plugins, flags, settings), `render` (a root without env/),
//! and `builder` (the surface they fill).
//!
//! Choices made here, documented in docs/tutor.md:
//! - A root without `env/` is rendered into a temporary copy when `tutor` is on PATH;
//!   otherwise what needs `env/` is marked unknown, and the gate fails closed.
//! - A manifest document of a kind this collector does not use (Service, Job, PVC, ...)
//!   is skipped; a manifest that is not YAML is an input error (exit 2), because a
//!   half-read deployment would hide a difference.
//! - A Tutor major newer than the release table makes `/release/openedx_release`
//!   unknown (the rest of the root is still read and judged).
//! - Secrets in the rendered settings are all copies of `config.yml` secrets, so they are
//!   left out of `/settings/lms` and `/settings/cms` and judged once, at `/settings/<KEY>`.

mod build;
pub use build::pip_surface;
mod builder;
mod compose;
mod config;
mod datastores;
mod defaults;
mod k8s;
mod mfe;
mod plugin_versions;
mod python;
mod release;
mod render;
mod settings;
mod storage;
#[cfg(test)]
mod tests;

use super::{Collected, Collector, Context, SourceError};
use crate::error::Error;
use crate::normalize::{Fingerprinter, SecretPolicy};
use crate::surface::{self};
use builder::Builder;
use compose::read_compose;
use config::{read_config, read_env_yml, read_optional};
use defaults::effective_settings;
use k8s::read_manifests;
use python::read_python;
use release::read_version;
use render::{render_copy, tutor_command};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A Tutor project root, as named in the config file (`[[staging.tutor]] root = "..."`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub root: PathBuf,
    /// Read plugin versions with `tutor plugins list` when a `tutor` of the root's
    /// release is on PATH (default true).
    #[serde(default = "yes")]
    pub plugin_versions: bool,
}

fn yes() -> bool {
    true
}

/// The surfaces a Tutor root speaks for.
pub(super) const COVERS: [&str; 14] = [
    "/release",
    "/build",
    "/celery",
    "/jobs",
    "/mfes",
    "/storage",
    "/email",
    "/monitoring",
    "/plugins",
    "/datastores",
    "/services",
    "/security",
    "/features",
    "/settings",
];

/// Tutor's instance id setting.
pub(super) const INSTANCE_ID: &str = "ID";

/// The file every Tutor root has.
pub const CONFIG_FILE: &str = "config.yml";

/// Whether `dir` is a Tutor project root: it holds a `config.yml` (of whatever type: a
/// `config.yml` that is no regular file is then refused by the reader, by name).
pub fn is_root(dir: &Path) -> bool {
    dir.join(CONFIG_FILE).exists()
}

/// The public hosts of a Tutor root, by role, for the edge source.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicHosts {
    /// `ENABLE_HTTPS` (Tutor's default: false).
    pub https: bool,
    /// `("lms", LMS_HOST)`, `("cms", CMS_HOST)`, and `("apps", MFE_HOST)` with the mfe
    /// plugin; unset ones take Tutor's defaults (`studio.{{ LMS_HOST }}`, ...).
    pub hosts: Vec<(String, String)>,
}

/// Reads [`PublicHosts`] from a root's `config.yml`.
pub fn public_hosts(root: &Path) -> Result<PublicHosts, Error> {
    if !is_root(root) {
        return Err(not_a_root(root));
    }
    let config = read_config(&root.join(CONFIG_FILE))?;
    let newest = crate::release::knowledge::newest().map(|(_, k)| k);
    let setting = |key: &str, fallback: &str| -> String {
        config
            .values
            .get(key)
            .or_else(|| newest.and_then(|k| k.defaults.get(key)))
            .or_else(|| newest.and_then(|k| k.plugin_defaults.get("mfe")?.get(key)))
            .and_then(Value::as_str)
            .unwrap_or(fallback)
            .to_string()
    };
    let lms = setting("LMS_HOST", "www.myopenedx.com");
    let render = |t: String| t.replace("{{ LMS_HOST }}", &lms);
    let mut hosts = vec![
        ("lms".to_string(), lms.clone()),
        ("cms".to_string(), render(setting("CMS_HOST", "studio.{{ LMS_HOST }}"))),
    ];
    let plugins = config.values.get("PLUGINS").and_then(Value::as_array);
    if plugins.is_some_and(|p| p.iter().any(|n| n == "mfe")) {
        hosts.push(("apps".into(), render(setting("MFE_HOST", "apps.{{ LMS_HOST }}"))));
    }
    Ok(PublicHosts {
        https: config
            .values
            .get("ENABLE_HTTPS")
            .and_then(surface::boolish)
            .unwrap_or(false),
        hosts,
    })
}

/// The pointers a Tutor root covers.
pub fn covers() -> Vec<String> {
    COVERS.iter().map(|s| s.to_string()).collect()
}

impl Collector for Config {
    const KIND: &'static str = "tutor";

    /// A directory (a Tutor root, or an error saying it is none), or the `config.yml` of
    /// a Tutor root; a directory named `*.json` is left to the snapshot kind.
    fn from_shortcut(src: &str) -> Option<Result<Config, Error>> {
        let path = Path::new(src);
        // A Tutor root's config.yml stands for its root.
        if path.file_name().is_some_and(|n| n == CONFIG_FILE)
            && path.is_file()
            && let Some(root) = path
                .parent()
                .map(|r| {
                    if r.as_os_str().is_empty() {
                        Path::new(".")
                    } else {
                        r
                    }
                })
                .filter(|r| is_root(r))
        {
            return Some(Ok(Config {
                root: root.to_path_buf(),
                plugin_versions: true,
            }));
        }
        if src.ends_with(".json") || !path.is_dir() {
            return None;
        }
        Some(if is_root(path) {
            Ok(Config {
                root: path.to_path_buf(),
                plugin_versions: true,
            })
        } else {
            Err(Error::Usage(format!(
                "source `{}`: a directory but not a Tutor project root (no {CONFIG_FILE} in it)",
                crate::normalize::safe_url(src),
            )))
        })
    }

    fn resolve_paths(&mut self, resolve: &dyn Fn(&Path) -> PathBuf) {
        self.root = resolve(&self.root);
    }

    fn origin(&self) -> String {
        self.root.display().to_string()
    }

    fn covers(&self) -> Vec<String> {
        covers()
    }

    async fn collect(&self, ctx: &Context) -> Result<Collected, SourceError> {
        let mut collected = collect(self, ctx).await?;
        if self.plugin_versions
            && let Some(installed) =
                plugin_versions::installed(super::endpoint::call_deadline(ctx.timeout)).await
        {
            match installed {
                Ok(i) => plugin_versions::apply(&mut collected.surface, &i, &mut collected.notes),
                Err(why) => collected.notes.push(format!("plugin versions not read: {why}")),
            }
        }
        Ok(collected)
    }
}

/// Reads a Tutor root into a partial surface. Rendering a root without `env/` runs
/// `tutor config save` on a temporary copy, so the user's root is never written to.
async fn collect(config: &Config, ctx: &Context) -> Result<Collected, SourceError> {
    let root = config.root.clone();
    if !root.is_dir() {
        return Err(Error::Usage(format!(
            "tutor source `{}`: no such directory",
            root.display()
        ))
        .into());
    }
    if !is_root(&root) {
        return Err(not_a_root(&root).into());
    }
    let config_path = root.join(CONFIG_FILE);
    let env_dir = root.join("env");
    let policy = ctx.secrets.clone();
    let fp = ctx.fingerprinter.clone();
    if env_dir.is_dir() {
        return blocking(move || read_root(&config_path, EnvTree::At(env_dir), &policy, &fp)).await;
    }
    // Validate config.yml before spending time on a render.
    read_config(&config_path)?;
    let rendered = match tutor_command() {
        Some(tutor) => render_copy(&tutor, &config_path).await,
        None => Err(
            "no env/ in the root and no `tutor` on PATH to render it (run `tutor config save`)"
                .to_string(),
        ),
    };
    match rendered {
        Ok(tmp) => {
            blocking(move || {
                let env = EnvTree::Rendered(tmp.path().join("env"));
                let out = read_root(&config_path, env, &policy, &fp);
                drop(tmp);
                out
            })
            .await
        }
        Err(why) => {
            blocking(move || read_root(&config_path, EnvTree::Missing(why), &policy, &fp)).await
        }
    }
}

/// Reads a Tutor root's files as [`collect`] does once `env/` is there, for the fuzzer:
/// `root/config.yml` and whatever of `root/env/` exists. Only the outcome matters.
#[doc(hidden)]
pub fn read_root_for_fuzzing(root: &Path) -> Result<(), String> {
    let policy = SecretPolicy::default();
    let fp = Fingerprinter::with_key(b"fuzzing");
    read_root(
        &root.join(CONFIG_FILE),
        EnvTree::At(root.join("env")),
        &policy,
        &fp,
    )
    .map(|_| ())
    .map_err(|e| e.to_string())
}

/// The `production.py` line reader on any text, for the fuzzer (reached through
/// [`read_root_for_fuzzing`] only when the rest of the root reads). Returns how many
/// settings it found.
#[doc(hidden)]
pub fn read_python_for_fuzzing(text: &str) -> usize {
    let p = python::PythonSettings::parse(text);
    p.assignments.len() + p.dicts.len() + p.feature_values(&serde_json::Map::new()).len()
}

async fn blocking(
    f: impl FnOnce() -> Result<Collected, SourceError> + Send + 'static,
) -> Result<Collected, SourceError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| SourceError::Failed(super::crashed("tutor", e)))?
}

fn not_a_root(dir: &Path) -> Error {
    Error::Usage(format!(
        "source `{}`: not a Tutor project root (no {CONFIG_FILE} in it)",
        dir.display()
    ))
}

/// Where the rendered tree is, or why there is none.
pub(super) enum EnvTree {
    At(PathBuf),
    /// A render made for this run in a temporary directory (gone after it).
    Rendered(PathBuf),
    Missing(String),
}

/// Builds the surface of one root; `env` is where the rendered tree is (possibly a
/// temporary render), `config_path` the user's own `config.yml` (for locations).
fn read_root(
    config_path: &Path,
    env: EnvTree,
    policy: &SecretPolicy,
    fp: &Fingerprinter,
) -> Result<Collected, SourceError> {
    let config = read_config(config_path)?;
    let mut b = Builder {
        env_locations: true,
        fp,
        config: &config,
        surface: surface::empty(),
        locations: BTreeMap::new(),
        notes: Vec::new(),
        secrets: Vec::new(),
    };
    let env = match env {
        EnvTree::At(dir) => dir,
        EnvTree::Rendered(dir) => {
            // Its files are removed after the run: no location may point into it.
            b.env_locations = false;
            dir
        }
        EnvTree::Missing(why) => {
            b.config_only(&why);
            return Ok(b.finish());
        }
    };
    let display = |p: &Path| {
        // Messages name the user's file; a temporary render is named as such.
        p.display().to_string()
    };
    let version = read_version(&env.join("version"))?;
    if let Err(why) = &version {
        b.notes.push(why.clone());
    }
    let effective = effective_settings(
        &config.values,
        version.as_ref().ok(),
        &match &version {
            Ok(v) => format!(
                "envparity has no knowledge of Tutor {} ({})",
                v.text,
                env.join("version").display()
            ),
            Err(why) => why.clone(),
        },
    );
    b.notes.extend(effective.note);
    let settings = effective.settings;
    let openedx = env.join("apps/openedx");
    let lms_env_path = openedx.join("config/lms.env.yml");
    let lms_env = read_env_yml(&lms_env_path)?;
    // env/ rendered from another config.yml (not saved since it changed) would be
    // judged as if it were this one's: what only env/ tells is unknown instead.
    if let Some(why) = stale_render(&settings, lms_env.as_ref(), &lms_env_path) {
        b.notes.push(why.clone());
        b.config_only(&why);
        return Ok(b.finish());
    }
    let cms_env = read_env_yml(&openedx.join("config/cms.env.yml"))?;
    let lms_py = read_python(&openedx.join("settings/lms/production.py"))?;
    let cms_py = read_python(&openedx.join("settings/cms/production.py"))?;
    let dockerfile = read_optional(&env.join("build/openedx/Dockerfile"))?;
    let mfe_dockerfile = read_optional(&env.join(mfe::MFE_DOCKERFILE))?;
    let manifests = read_manifests(&env)?;
    let compose = read_compose(&env.join("local"))?;

    b.plugins(&settings);
    b.datastores(&settings, lms_env.as_ref(), lms_py.as_ref());
    // After the datastores: a bundled datastore's image is recorded with it.
    b.release(
        &settings,
        version.as_ref().map_err(String::as_str),
        dockerfile.as_deref(),
        manifests.as_ref(),
        compose.as_ref(),
        &env,
    );
    b.build(dockerfile.as_deref());
    let mfe_enabled = settings
        .get("PLUGINS")
        .and_then(serde_json::Value::as_array)
        .is_some_and(|p| p.iter().any(|n| n.as_str() == Some("mfe")));
    b.mfes(mfe_enabled, mfe_dockerfile.as_deref());
    let lms = storage::AppSettings {
        env: lms_env.as_ref(),
        py: lms_py.as_ref(),
    };
    let cms = storage::AppSettings {
        env: cms_env.as_ref(),
        py: cms_py.as_ref(),
    };
    b.storage(lms, cms);
    b.email(lms);
    match (&manifests, &compose) {
        (Some(m), _) => b.services_k8s(m, &settings),
        (None, Some(c)) => b.services_compose(c, &settings),
        (None, None) => b.set(
            "/services",
            surface::unknown(format!(
                "no Kubernetes manifests or docker-compose files under {}",
                display(&env)
            )),
        ),
    }
    b.security(&settings, lms_env.as_ref(), lms_py.as_ref());
    for (app, env_yml, py, file) in [
        ("lms", &lms_env, &lms_py, "lms.env.yml"),
        ("cms", &cms_env, &cms_py, "cms.env.yml"),
    ] {
        b.features(app, env_yml.as_ref(), py.as_ref(), file);
        b.app_settings(app, env_yml.as_ref(), policy, file);
    }
    b.settings(settings);
    Ok(b.finish())
}

/// Why `env/` cannot be the render of these settings, if it cannot: Tutor renders
/// `LMS_HOST` into `LMS_BASE`, so a different host means env/ is stale.
fn stale_render(
    settings: &serde_json::Map<String, serde_json::Value>,
    lms_env: Option<&serde_json::Map<String, serde_json::Value>>,
    lms_env_path: &Path,
) -> Option<String> {
    let host = settings.get("LMS_HOST")?.as_str()?;
    let rendered = lms_env?.get("LMS_BASE")?.as_str()?;
    (host != rendered).then(|| {
        format!(
            "env/ and config.yml disagree (LMS_HOST is `{host}` in config.yml, LMS_BASE is `{rendered}` in {}): env/ was rendered from another config.yml; run `tutor config save`",
            lms_env_path.display()
        )
    })
}
