//! The `tutor` source: a Tutor project root (`config.yml` plus the `env/` tree that
//! `tutor config save` renders from it).
//!
//! `config.yml` alone says little: Tutor writes only generated secrets and what the user
//! set, never the defaults, so they are merged in from `data/tutor-defaults.yml`. What
//! Tutor actually deploys is read from the rendered `env/`: the version, the Django
//! settings (`{lms,cms}.env.yml` and the `production.py` files, where the MongoDB replica
//! set, TLS and secure cookies live), the Kubernetes manifests (Deployments, HPAs) and the
//! build files (`Dockerfile`, which names the edx-platform repository and branch).
//!
//! Choices made here, documented in docs/notes/tutor.md:
//! - A root without `env/` is rendered into a temporary copy when `tutor` is on PATH;
//!   otherwise what needs `env/` is marked unknown, and the gate fails closed.
//! - A manifest document of a kind this collector does not use (Service, Job, PVC, ...)
//!   is skipped; a manifest that is not YAML is an input error (exit 2), because a
//!   half-read deployment would hide a difference.
//! - A Tutor major newer than the release table makes `/release/openedx_release`
//!   unknown (the rest of the root is still read and judged).
//! - Secrets in the rendered settings are all copies of `config.yml` secrets, so they are
//!   left out of `/settings/lms` and `/settings/cms` and judged once, at `/settings/<KEY>`.

use super::{Collected, Context, SourceError};
use crate::classify::Location;
use crate::error::{Error, read_file};
use crate::normalize::{Fingerprinter, SecretPolicy};
use crate::surface::{self, join_pointer};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A Tutor project root, as named in the config file (`[[staging.tutor]] root = "..."`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub root: PathBuf,
}

/// The surfaces a Tutor root speaks for.
const COVERS: [&str; 7] = [
    "/release",
    "/plugins",
    "/datastores",
    "/services",
    "/security",
    "/features",
    "/settings",
];

/// Tutor's defaults (see the header of the data file).
const DEFAULTS: &str = include_str!("../../data/tutor-defaults.yml");

/// Tutor's instance id setting.
const INSTANCE_ID: &str = "ID";

/// The file every Tutor root has.
pub const CONFIG_FILE: &str = "config.yml";

/// Whether `dir` is a Tutor project root: it holds a `config.yml`.
pub fn is_root(dir: &Path) -> bool {
    dir.join(CONFIG_FILE).is_file()
}

/// The pointers a Tutor root covers.
pub fn covers() -> Vec<String> {
    COVERS.iter().map(|s| s.to_string()).collect()
}

/// Reads a Tutor root into a partial surface. Rendering a root without `env/` runs
/// `tutor config save` on a temporary copy, so the user's root is never written to.
pub async fn collect(config: &Config, ctx: &Context) -> Result<Collected, SourceError> {
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
                let env = EnvTree::Rendered(tmp.path.join("env"));
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

async fn blocking(
    f: impl FnOnce() -> Result<Collected, SourceError> + Send + 'static,
) -> Result<Collected, SourceError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| SourceError::Failed(format!("the tutor collector stopped: {e}")))?
}

fn not_a_root(dir: &Path) -> Error {
    Error::Usage(format!(
        "source `{}`: not a Tutor project root (no {CONFIG_FILE} in it)",
        dir.display()
    ))
}

/// Where the rendered tree is, or why there is none.
enum EnvTree {
    At(PathBuf),
    /// A render made for this run in a temporary directory (gone after it).
    Rendered(PathBuf),
    Missing(String),
}

// ------------------------------------------------------------------ rendering

/// The `tutor` executable: `$ENVPARITY_TUTOR` when set, else the first on PATH.
fn tutor_command() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ENVPARITY_TUTOR").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("tutor"))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        p.metadata()
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    }
    #[cfg(not(unix))]
    {
        p.is_file()
    }
}

/// A temporary directory removed when dropped.
struct TempRoot {
    path: PathBuf,
}

impl Drop for TempRoot {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Copies `config.yml` into a fresh directory and runs `tutor config save` there. The
/// error is a reason for the unknown markers; tutor's own output is not repeated, since
/// it may echo configuration values.
async fn render_copy(tutor: &Path, config_path: &Path) -> Result<TempRoot, String> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let tmp = TempRoot {
        path: std::env::temp_dir().join(format!("envparity-tutor-{}-{nanos}", std::process::id())),
    };
    std::fs::create_dir_all(&tmp.path)
        .and_then(|_| std::fs::copy(config_path, tmp.path.join(CONFIG_FILE)))
        .map_err(|e| format!("copying {} to render it: {e}", config_path.display()))?;
    let out = tokio::process::Command::new(tutor)
        .args(["config", "save"])
        .env("TUTOR_ROOT", &tmp.path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| format!("running `{} config save`: {e}", tutor.display()))?;
    let status = out.status;
    // Tutor renders without a plugin it does not have, saying so only on stderr; such a
    // render would silently lack the plugin's deployments and settings.
    let missing = missing_plugins(&String::from_utf8_lossy(&out.stderr));
    if !missing.is_empty() {
        return Err(format!(
            "`{}` has no plugin {} installed, so it cannot render {} faithfully",
            tutor.display(),
            missing.join(", "),
            config_path.display()
        ));
    }
    if !status.success() {
        return Err(format!(
            "`{} config save` on a copy of {} failed ({status}); run it yourself to see why",
            tutor.display(),
            config_path.display()
        ));
    }
    if !tmp.path.join("env").is_dir() {
        return Err(format!(
            "`{} config save` rendered no env/ for {}",
            tutor.display(),
            config_path.display()
        ));
    }
    Ok(tmp)
}

/// The plugins named in Tutor's "Failed to enable plugin 'NAME'" alerts.
fn missing_plugins(stderr: &str) -> Vec<String> {
    const ALERT: &str = "Failed to enable plugin '";
    stderr
        .match_indices(ALERT)
        .filter_map(|(i, _)| {
            let rest = &stderr[i + ALERT.len()..];
            rest.find('\'').map(|end| rest[..end].to_string())
        })
        .filter(|n| n.len() <= 100)
        .collect()
}

// ------------------------------------------------------------------ config.yml

/// `config.yml`: its mapping and the line of each top-level key (and of each PLUGINS
/// item), for locations.
struct ConfigFile {
    path: PathBuf,
    values: Map<String, Value>,
    lines: BTreeMap<String, usize>,
    plugin_lines: BTreeMap<String, usize>,
}

fn read_config(path: &Path) -> Result<ConfigFile, Error> {
    let text = read_file(path)?;
    let value: Value = crate::error::parse_yaml(path, &text)?;
    let values = match value {
        Value::Object(m) => m,
        Value::Null => {
            return Err(Error::invalid(
                path,
                "is empty, expected a YAML mapping of Tutor settings",
            ));
        }
        other => {
            return Err(Error::invalid(
                path,
                format!(
                    "is a YAML {}, expected a mapping of Tutor settings",
                    kind_name(&other)
                ),
            ));
        }
    };
    let mut lines = BTreeMap::new();
    let mut plugin_lines = BTreeMap::new();
    let mut in_plugins = false;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if let Some(key) = top_level_key(line) {
            lines.entry(key.to_string()).or_insert(n);
            in_plugins = key == "PLUGINS";
            continue;
        }
        if in_plugins && let Some(item) = line.trim_start().strip_prefix("- ") {
            plugin_lines.insert(unquote(item.trim()).to_string(), n);
        }
    }
    Ok(ConfigFile {
        path: path.to_path_buf(),
        values,
        lines,
        plugin_lines,
    })
}

/// `KEY:` at column 0 (Tutor writes block YAML, one key per line).
fn top_level_key(line: &str) -> Option<&str> {
    let first = line.chars().next()?;
    if !(first.is_ascii_alphanumeric() || first == '_' || first == '"' || first == '\'') {
        return None;
    }
    let colon = line.find(':')?;
    let key = unquote(line[..colon].trim());
    (!key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
    .then_some(key)
}

fn unquote(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| s.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
        .unwrap_or(s)
}

fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "mapping",
    }
}

// ------------------------------------------------------------------ defaults and templates

/// The release-dependent defaults: only true for the Tutor major the data file is from.
fn release_dependent(key: &str) -> bool {
    key.starts_with("DOCKER_IMAGE_") || key.ends_with("_VERSION") || key == "ATLAS_REVISION"
}

/// `config.yml` merged over Tutor's defaults, templates resolved. `major` is the Tutor
/// major of the root, when known.
fn effective_settings(
    config: &Map<String, Value>,
    version: Option<&TutorVersion>,
) -> Map<String, Value> {
    // The data file is compiled in and checked by a unit test; an unparsable one is a
    // build defect, and the merge then simply has no defaults.
    let defaults: Map<String, Value> = serde_yaml_ng::from_str(DEFAULTS).unwrap_or_default();
    let defaults_major = defaults.get("TUTOR_MAJOR").and_then(Value::as_u64);
    let same_release = matches!((version, defaults_major), (Some(v), Some(m)) if v.major == m);
    let mut settings = Map::new();
    for (k, v) in defaults {
        if k == "TUTOR_MAJOR" || (release_dependent(&k) && !same_release) {
            continue;
        }
        settings.insert(k, v);
    }
    for (k, v) in config {
        settings.insert(k.clone(), v.clone());
    }
    resolve_templates(&mut settings, version.map(|v| v.text.as_str()));
    settings
}

/// Resolves the template forms Tutor's defaults use, in a few passes since defaults refer
/// to other defaults (`MEILISEARCH_PUBLIC_URL` → `MEILISEARCH_HOST` → `LMS_HOST`). A value
/// whose template cannot be resolved here (a filter, an unknown name) is dropped rather
/// than compared as template text.
fn resolve_templates(settings: &mut Map<String, Value>, tutor_version: Option<&str>) {
    let mut vars = settings.clone();
    if let Some(v) = tutor_version {
        vars.insert("TUTOR_VERSION".into(), Value::String(v.into()));
    }
    for _ in 0..5 {
        let mut changed = false;
        let keys: Vec<String> = settings.keys().cloned().collect();
        for k in keys {
            let Some(Value::String(s)) = settings.get(&k) else {
                continue;
            };
            if !is_template(s) {
                continue;
            }
            if let Some(r) = render_template(s, &vars)
                && r != *s
            {
                settings.insert(k.clone(), Value::String(r.clone()));
                vars.insert(k, Value::String(r));
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    settings.retain(|_, v| !matches!(v, Value::String(s) if is_template(s)));
}

fn is_template(s: &str) -> bool {
    s.contains("{{") || s.contains("{%")
}

/// Renders `{{ NAME }}` and `{% if COND %}A{% else %}B{% endif %}` (COND: `NAME` or
/// `NAME == 'literal'`). None when the template uses anything else.
fn render_template(s: &str, vars: &Map<String, Value>) -> Option<String> {
    let mut out = String::new();
    let mut rest = s;
    loop {
        let next = match (rest.find("{{"), rest.find("{%")) {
            (None, None) => {
                out.push_str(rest);
                return Some(out);
            }
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) => a,
            (None, Some(b)) => b,
        };
        out.push_str(&rest[..next]);
        rest = &rest[next..];
        if let Some(after) = rest.strip_prefix("{{") {
            let end = after.find("}}")?;
            let name = after[..end].trim();
            out.push_str(&template_text(vars.get(name)?)?);
            rest = &after[end + 2..];
        } else {
            let after = rest.strip_prefix("{%")?;
            let end = after.find("%}")?;
            let cond = after[..end].trim().strip_prefix("if ")?.trim();
            let body = &after[end + 2..];
            let (else_at, else_len) = find_tag(body, "else")?;
            let (endif_at, endif_len) = find_tag(body, "endif")?;
            if else_at > endif_at {
                return None;
            }
            let (yes, no) = (&body[..else_at], &body[else_at + else_len..endif_at]);
            if yes.contains("{%") || no.contains("{%") {
                return None;
            }
            let branch = if eval_condition(cond, vars)? { yes } else { no };
            out.push_str(&render_template(branch, vars)?);
            rest = &body[endif_at + endif_len..];
        }
    }
}

fn find_tag(s: &str, tag: &str) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(i) = s[from..].find("{%") {
        let start = from + i;
        // The closing `%}` is searched after the opening `{%`: in `{%}` they overlap.
        let end = s[start + 2..].find("%}")? + start + 4;
        if s[start + 2..end - 2].trim() == tag {
            return Some((start, end - start));
        }
        from = end;
    }
    None
}

fn eval_condition(cond: &str, vars: &Map<String, Value>) -> Option<bool> {
    if let Some((name, lit)) = cond.split_once("==") {
        let lit = lit.trim();
        let lit = lit
            .strip_prefix('\'')
            .and_then(|l| l.strip_suffix('\''))
            .or_else(|| lit.strip_prefix('"').and_then(|l| l.strip_suffix('"')))?;
        return Some(template_text(vars.get(name.trim())?)? == lit);
    }
    Some(match vars.get(cond)? {
        Value::Bool(b) => *b,
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => !m.is_empty(),
    })
}

fn template_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(true) => Some("True".into()),
        Value::Bool(false) => Some("False".into()),
        _ => None,
    }
}

// ------------------------------------------------------------------ env/ files

struct TutorVersion {
    text: String,
    major: u64,
}

fn read_version(path: &Path) -> Result<Option<TutorVersion>, Error> {
    let Some(text) = read_optional(path)? else {
        return Ok(None);
    };
    let text = text.trim().to_string();
    let major = text
        .split('.')
        .next()
        .and_then(|m| m.parse::<u64>().ok())
        .filter(|_| text.len() <= 40 && text.contains('.'));
    match major {
        Some(major) => Ok(Some(TutorVersion { text, major })),
        None => Err(Error::invalid(
            path,
            "is not a Tutor version (expected e.g. `22.0.3`)",
        )),
    }
}

/// A file's text, or None when it does not exist.
fn read_optional(path: &Path) -> Result<Option<String>, Error> {
    if !path.exists() {
        return Ok(None);
    }
    read_file(path).map(Some)
}

/// A rendered `*.env.yml`: a YAML mapping.
fn read_env_yml(path: &Path) -> Result<Option<Map<String, Value>>, Error> {
    let Some(text) = read_optional(path)? else {
        return Ok(None);
    };
    match crate::error::parse_yaml::<Value>(path, &text)? {
        Value::Object(m) => Ok(Some(m)),
        other => Err(Error::invalid(
            path,
            format!(
                "is a YAML {}, expected a mapping of settings",
                kind_name(&other)
            ),
        )),
    }
}

/// Every document of a multi-document YAML manifest. Empty documents are skipped; a
/// document that is not a mapping is an error naming the file and the document.
fn read_manifest(path: &Path) -> Result<Vec<Value>, Error> {
    let text = read_file(path)?;
    let mut docs = Vec::new();
    for (i, doc) in serde_yaml_ng::Deserializer::from_str(&text).enumerate() {
        let v = Value::deserialize(doc).map_err(|e| {
            let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
            Error::Parse {
                path: path.to_path_buf(),
                line,
                column,
                message: without_position(&e.to_string()),
            }
        })?;
        match v {
            Value::Null => {}
            Value::Object(_) => docs.push(v),
            other => {
                return Err(Error::invalid(
                    path,
                    format!(
                        "document {} is a YAML {}, expected a Kubernetes object",
                        i + 1,
                        kind_name(&other)
                    ),
                ));
            }
        }
    }
    Ok(docs)
}

/// The YAML parser's message on one line, without its " at line L column C" (the
/// position is printed up front).
fn without_position(msg: &str) -> String {
    let mut out = String::new();
    let mut rest = msg;
    while let Some(i) = rest.find(" at line ") {
        out.push_str(&rest[..i]);
        let after = &rest[i + " at line ".len()..];
        let after = after.trim_start_matches(|c: char| c.is_ascii_digit());
        rest = match after.strip_prefix(" column ") {
            Some(a) => a.trim_start_matches(|c: char| c.is_ascii_digit()),
            None => after,
        };
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The `.yml`/`.yaml` files under `dir`, recursively, in path order.
fn yaml_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| Error::io(&d, e))?;
        for entry in entries {
            let p = entry.map_err(|e| Error::io(&d, e))?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The Kubernetes objects Tutor would apply, split into resources and patches (files
/// listed under `patches:` in `env/kustomization.yml` only modify other objects).
struct Manifests {
    resources: Vec<(PathBuf, Value)>,
    patches: Vec<(PathBuf, Value)>,
}

fn read_manifests(env: &Path) -> Result<Option<Manifests>, Error> {
    let mut files = yaml_files(&env.join("k8s"))?;
    let plugins = env.join("plugins");
    if plugins.is_dir() {
        let entries = std::fs::read_dir(&plugins).map_err(|e| Error::io(&plugins, e))?;
        let mut dirs: Vec<PathBuf> = Vec::new();
        for entry in entries {
            dirs.push(
                entry
                    .map_err(|e| Error::io(&plugins, e))?
                    .path()
                    .join("k8s"),
            );
        }
        dirs.sort();
        for d in dirs {
            files.extend(yaml_files(&d)?);
        }
    }
    if files.is_empty() {
        return Ok(None);
    }
    let patch_files = kustomize_patches(env)?;
    let mut m = Manifests {
        resources: Vec::new(),
        patches: Vec::new(),
    };
    for f in files {
        let is_patch = match &patch_files {
            Some(list) => list.iter().any(|p| same_file(p, &f)),
            // No kustomization: Tutor's own patch file is override.yml.
            None => f.file_name().is_some_and(|n| n == "override.yml"),
        };
        for doc in read_manifest(&f)? {
            if is_patch {
                m.patches.push((f.clone(), doc));
            } else {
                m.resources.push((f.clone(), doc));
            }
        }
    }
    Ok(Some(m))
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

fn kustomize_patches(env: &Path) -> Result<Option<Vec<PathBuf>>, Error> {
    let path = env.join("kustomization.yml");
    let Some(text) = read_optional(&path)? else {
        return Ok(None);
    };
    let k: Value = crate::error::parse_yaml(&path, &text)?;
    let mut out = Vec::new();
    if let Some(items) = k.get("patches").and_then(Value::as_array) {
        for p in items {
            if let Some(file) = p.get("path").and_then(Value::as_str).or(p.as_str()) {
                out.push(env.join(file));
            }
        }
    }
    if let Some(items) = k.get("patchesStrategicMerge").and_then(Value::as_array) {
        out.extend(items.iter().filter_map(Value::as_str).map(|f| env.join(f)));
    }
    Ok(Some(out))
}

/// `ARG NAME=value` lines of the openedx Dockerfile.
fn dockerfile_args(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("ARG "))
        .filter_map(|a| a.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

// ------------------------------------------------------------------ production.py

/// What the collector needs from a rendered `production.py`: top-level assignments of
/// literals, dict literals assigned to a name, item assignments (`NAME["key"] = literal`)
/// and `FEATURES[...]` lines, in file order. Tutor renders these forms one per line; any
/// other line is skipped, so an unexpected construct loses a value, never the file.
#[derive(Debug, Default)]
struct PythonSettings {
    /// Last value of each top-level `NAME = literal`.
    assignments: BTreeMap<String, Value>,
    /// `NAME = { "k": literal, ... }` (top-level keys only) with later `NAME["k"] = ...`.
    dicts: BTreeMap<String, Map<String, Value>>,
    /// Every boolean feature assignment in file order: `FEATURES["X"] = b` or `X = b`.
    features: Vec<(String, bool, bool)>,
}

impl PythonSettings {
    fn parse(text: &str) -> PythonSettings {
        let mut out = PythonSettings::default();
        let mut open: Option<(String, usize)> = None;
        for raw in text.lines() {
            let line = raw.trim_end();
            if let Some((name, depth)) = open.as_mut() {
                let t = line.trim();
                if *depth == 1
                    && let Some((k, v)) = dict_entry(t)
                {
                    out.dicts.entry(name.clone()).or_default().insert(k, v);
                }
                *depth += t.matches(['{', '[', '(']).count();
                *depth = depth.saturating_sub(t.matches(['}', ']', ')']).count());
                if *depth == 0 {
                    open = None;
                }
                continue;
            }
            if line.starts_with([' ', '\t', '#']) || line.is_empty() {
                continue;
            }
            let Some((lhs, rhs)) = line.split_once('=') else {
                continue;
            };
            if rhs.starts_with('=') || lhs.ends_with(['!', '<', '>', '=']) {
                continue;
            }
            let (lhs, rhs) = (lhs.trim(), rhs.trim());
            if let Some((name, key)) = item_target(lhs) {
                let Some(v) = literal(rhs) else { continue };
                if name == "FEATURES" {
                    if let Value::Bool(b) = v {
                        out.features.push((key, b, true));
                    }
                } else {
                    out.dicts.entry(name).or_default().insert(key, v);
                }
            } else if is_identifier(lhs) {
                if rhs == "{" {
                    out.dicts.insert(lhs.to_string(), Map::new());
                    open = Some((lhs.to_string(), 1));
                } else if let Some(v) = literal(rhs) {
                    if let Value::Bool(b) = v {
                        out.features.push((lhs.to_string(), b, false));
                    }
                    out.assignments.insert(lhs.to_string(), v);
                }
            }
        }
        out
    }

    fn bool(&self, name: &str) -> Option<bool> {
        self.assignments.get(name).and_then(Value::as_bool)
    }

    /// The final value of each feature flag. Since Verawood `FEATURES` proxies module
    /// globals, `FEATURES["X"] = v` and `X = v` set the same setting, and the last
    /// assignment in the file wins; a bare `X = v` counts only for a name that is a
    /// feature (in `known` or set through `FEATURES[...]` somewhere in the file).
    fn feature_values(&self, known: &Map<String, Value>) -> BTreeMap<String, bool> {
        let via_features: Vec<&str> = self
            .features
            .iter()
            .filter(|f| f.2)
            .map(|f| f.0.as_str())
            .collect();
        let mut out = BTreeMap::new();
        for (name, value, through_features) in &self.features {
            if *through_features
                || known.contains_key(name)
                || via_features.contains(&name.as_str())
            {
                out.insert(name.clone(), *value);
            }
        }
        out
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `NAME["key"]` or `NAME['key']`.
fn item_target(lhs: &str) -> Option<(String, String)> {
    let (name, rest) = lhs.split_once('[')?;
    let key = rest.strip_suffix(']')?;
    let key = python_string(key.trim())?;
    is_identifier(name.trim()).then(|| (name.trim().to_string(), key))
}

/// `"key": literal,` inside a dict literal.
fn dict_entry(line: &str) -> Option<(String, Value)> {
    let line = line.strip_suffix(',').unwrap_or(line);
    let (k, v) = line.split_once(':')?;
    Some((python_string(k.trim())?, literal(v.trim())?))
}

fn python_string(s: &str) -> Option<String> {
    let quote = s.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let inner = s.strip_prefix(quote)?.strip_suffix(quote)?;
    (!inner.contains(quote) && !inner.contains('\\')).then(|| inner.to_string())
}

/// A Python literal Tutor renders on one line: True/False/None, a number, a plain string.
fn literal(s: &str) -> Option<Value> {
    let s = s.trim().trim_end_matches(',').trim();
    match s {
        "True" => return Some(Value::Bool(true)),
        "False" => return Some(Value::Bool(false)),
        "None" => return Some(Value::Null),
        _ => {}
    }
    if let Some(text) = python_string(s) {
        return Some(Value::String(text));
    }
    if let Ok(n) = s.parse::<i64>() {
        return Some(json!(n));
    }
    s.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map(|f| json!(f))
}

fn read_python(path: &Path) -> Result<Option<PythonSettings>, Error> {
    Ok(read_optional(path)?.map(|t| PythonSettings::parse(&t)))
}

// ------------------------------------------------------------------ the surface

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
    let settings = effective_settings(&config.values, version.as_ref());
    let openedx = env.join("apps/openedx");
    let lms_env = read_env_yml(&openedx.join("config/lms.env.yml"))?;
    let cms_env = read_env_yml(&openedx.join("config/cms.env.yml"))?;
    let lms_py = read_python(&openedx.join("settings/lms/production.py"))?;
    let cms_py = read_python(&openedx.join("settings/cms/production.py"))?;
    let dockerfile = read_optional(&env.join("build/openedx/Dockerfile"))?;
    let manifests = read_manifests(&env)?;
    let compose = read_compose(&env.join("local"))?;

    b.release(
        &settings,
        version.as_ref(),
        dockerfile.as_deref(),
        manifests.as_ref(),
        &env,
    );
    b.plugins(&settings);
    b.datastores(&settings, lms_env.as_ref(), lms_py.as_ref());
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

/// docker-compose files: parsed (a broken one is an input error) and used for the
/// services when the root has no Kubernetes manifests.
fn read_compose(local: &Path) -> Result<Option<Map<String, Value>>, Error> {
    let mut services = Map::new();
    let mut any = false;
    if !local.is_dir() {
        return Ok(None);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(local)
        .map_err(|e| Error::io(local, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("docker-compose") && n.ends_with(".yml"))
        })
        .collect();
    files.sort();
    for f in files {
        any = true;
        let text = read_file(&f)?;
        let v: Value = crate::error::parse_yaml(&f, &text)?;
        match v {
            Value::Null => {}
            Value::Object(m) => {
                if let Some(Value::Object(s)) = m.get("services") {
                    for (k, v) in s {
                        services.insert(k.clone(), v.clone());
                    }
                }
            }
            other => {
                return Err(Error::invalid(
                    &f,
                    format!(
                        "is a YAML {}, expected a docker-compose mapping",
                        kind_name(&other)
                    ),
                ));
            }
        }
    }
    Ok(any.then_some(services))
}

struct Builder<'a> {
    /// Whether values read from env/ may point at their file.
    env_locations: bool,
    fp: &'a Fingerprinter,
    config: &'a ConfigFile,
    surface: Value,
    locations: BTreeMap<String, Location>,
}

/// The config.yml key each derived pointer comes from, for locations.
const DERIVED_FROM: [(&str, &str); 18] = [
    ("/release/openedx_version", "OPENEDX_COMMON_VERSION"),
    (
        "/release/edx_platform/repository",
        "EDX_PLATFORM_REPOSITORY",
    ),
    ("/release/edx_platform/version", "EDX_PLATFORM_VERSION"),
    ("/datastores/mongodb/bundled", "RUN_MONGODB"),
    ("/datastores/mongodb/host", "MONGODB_HOST"),
    ("/datastores/mongodb/members", "MONGODB_HOST"),
    ("/datastores/mongodb/replica_set", "MONGODB_REPLICA_SET"),
    ("/datastores/mongodb/replicated", "MONGODB_REPLICA_SET"),
    ("/datastores/mongodb/tls", "MONGODB_USE_SSL"),
    ("/datastores/mysql/bundled", "RUN_MYSQL"),
    ("/datastores/mysql/host", "MYSQL_HOST"),
    ("/datastores/redis/bundled", "RUN_REDIS"),
    ("/datastores/redis/host", "REDIS_HOST"),
    ("/datastores/search/bundled", "RUN_MEILISEARCH"),
    ("/datastores/smtp/bundled", "RUN_SMTP"),
    ("/datastores/smtp/host", "SMTP_HOST"),
    ("/datastores/smtp/tls", "SMTP_USE_TLS"),
    ("/security/https", "ENABLE_HTTPS"),
];

const MORE_DERIVED: [(&str, &str); 5] = [
    ("/security/session_cookie_secure", "ENABLE_HTTPS"),
    ("/security/csrf_cookie_secure", "ENABLE_HTTPS"),
    ("/security/smtp_tls", "SMTP_USE_TLS"),
    ("/security/mongodb_tls", "MONGODB_USE_SSL"),
    ("/services/lms/uwsgi_workers", "OPENEDX_LMS_UWSGI_WORKERS"),
];

impl Builder<'_> {
    fn set(&mut self, pointer: &str, value: Value) {
        surface::set_pointer(&mut self.surface, pointer, value);
    }

    fn locate_file(&mut self, pointer: &str, file: &Path) {
        if !self.env_locations {
            return;
        }
        self.locations.insert(
            pointer.to_string(),
            Location {
                file: file.display().to_string(),
                line: None,
            },
        );
    }

    fn finish(mut self) -> Collected {
        let file = self.config.path.display().to_string();
        for (key, line) in &self.config.lines {
            self.locations.insert(
                join_pointer(&["settings", key]),
                Location {
                    file: file.clone(),
                    line: Some(*line),
                },
            );
        }
        for (pointer, key) in DERIVED_FROM
            .iter()
            .chain(MORE_DERIVED.iter())
            .copied()
            .chain([("/services/cms/uwsgi_workers", "OPENEDX_CMS_UWSGI_WORKERS")])
        {
            if let Some(line) = self.config.lines.get(key) {
                self.locations.insert(
                    pointer.to_string(),
                    Location {
                        file: file.clone(),
                        line: Some(*line),
                    },
                );
            }
        }
        // A plugin missing from one side points at the other side's PLUGINS list.
        let plugins_line = self.config.lines.get("PLUGINS").copied();
        if let Some(Value::Object(plugins)) = self.surface.get("plugins") {
            for name in plugins.keys() {
                let line = self.config.plugin_lines.get(name).copied().or(plugins_line);
                self.locations.insert(
                    join_pointer(&["plugins", name]),
                    Location {
                        file: file.clone(),
                        line,
                    },
                );
            }
        }
        if let Some(line) = plugins_line {
            self.locations.insert(
                "/plugins".into(),
                Location {
                    file: file.clone(),
                    line: Some(line),
                },
            );
        }
        Collected {
            surface: self.surface,
            covers: covers(),
            locations: self.locations,
            inner_sources: BTreeMap::new(),
            fingerprint: None,
        }
    }

    /// No rendered tree: what `config.yml` (with the defaults) gives, and unknown
    /// markers for what only `env/` can tell.
    fn config_only(&mut self, why: &str) {
        let settings = effective_settings(&self.config.values, None);
        let root = self
            .config
            .path
            .parent()
            .unwrap_or(Path::new("."))
            .display()
            .to_string();
        let unknown = |what: &str| {
            surface::unknown(format!("{what} needs the rendered env/ of {root}: {why}"))
        };
        let marks = [
            (
                "/release/tutor_version",
                unknown("the Tutor version (env/version)"),
            ),
            (
                "/release/openedx_release",
                unknown("the Open edX release (env/version)"),
            ),
            ("/release/images", unknown("the deployed images (env/k8s)")),
            (
                "/services",
                unknown("the deployments and autoscalers (env/k8s)"),
            ),
            ("/features", unknown("the FEATURES maps (env/apps/openedx)")),
            ("/settings/lms", unknown("the LMS settings (lms.env.yml)")),
            ("/settings/cms", unknown("the CMS settings (cms.env.yml)")),
            (
                "/security/session_cookie_secure",
                unknown("the cookie settings (production.py)"),
            ),
            (
                "/security/csrf_cookie_secure",
                unknown("the cookie settings (production.py)"),
            ),
        ];
        for (k, name) in [
            ("/release/openedx_version", "OPENEDX_COMMON_VERSION"),
            (
                "/release/edx_platform/repository",
                "EDX_PLATFORM_REPOSITORY",
            ),
            ("/release/edx_platform/version", "EDX_PLATFORM_VERSION"),
        ] {
            let v = settings
                .get(name)
                .cloned()
                .unwrap_or_else(|| unknown(&format!("the default of {name} (Tutor version)")));
            self.set(k, v);
        }
        self.plugins(&settings);
        self.datastores(&settings, None, None);
        self.security(&settings, None, None);
        for (p, v) in marks {
            self.set(p, v);
        }
        // Without env/version the Tutor release is unknown, and so are the defaults that
        // depend on it (image tags, versions).
        let defaults: Map<String, Value> = serde_yaml_ng::from_str(DEFAULTS).unwrap_or_default();
        let mut settings = settings;
        for k in defaults.keys().filter(|k| release_dependent(k)) {
            if !settings.contains_key(k) {
                settings.insert(k.clone(), unknown(&format!("the default of {k}")));
            }
        }
        self.settings(settings);
    }

    fn release(
        &mut self,
        settings: &Map<String, Value>,
        version: Option<&TutorVersion>,
        dockerfile: Option<&str>,
        manifests: Option<&Manifests>,
        env: &Path,
    ) {
        match version {
            Some(v) => {
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
            None => {
                let why = surface::unknown(format!("{} is missing", env.join("version").display()));
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
        // Images: DOCKER_IMAGE_* settings, replaced by what the manifests deploy (plugins
        // such as indigo re-tag the openedx image).
        let mut images = Map::new();
        for (k, v) in settings {
            if let (Some(name), Value::String(s)) = (k.strip_prefix("DOCKER_IMAGE_"), v)
                && !name.ends_with("_DEV")
            {
                images.insert(name.to_ascii_lowercase(), json!(s));
            }
        }
        if let Some(m) = manifests {
            for (_, doc) in &m.resources {
                if doc.get("kind").and_then(Value::as_str) != Some("Deployment") {
                    continue;
                }
                let deployment = doc.pointer("/metadata/name").and_then(Value::as_str);
                for c in containers(doc) {
                    let Some(image) = c.get("image").and_then(Value::as_str) else {
                        continue;
                    };
                    let repo = image_repository(image);
                    // The platform's deployments all run DOCKER_IMAGE_OPENEDX (re-tagged
                    // by theme plugins); others are matched by repository, so that the
                    // deployed tag wins over the setting.
                    let known = match deployment {
                        Some("lms" | "cms" | "lms-worker" | "cms-worker") => {
                            Some("openedx".to_string())
                        }
                        _ => images
                            .iter()
                            .find(|(_, v)| v.as_str().map(image_repository) == Some(repo))
                            .map(|(k, _)| k.clone()),
                    };
                    match known {
                        Some(k) => {
                            images.insert(k, json!(image));
                        }
                        None => {
                            if let Some(d) = deployment {
                                images.entry(d.to_string()).or_insert_with(|| json!(image));
                            }
                        }
                    }
                }
            }
        }
        if !images.is_empty() {
            self.set("/release/images", Value::Object(images));
        }
    }

    fn plugins(&mut self, settings: &Map<String, Value>) {
        let mut plugins = Map::new();
        if let Some(list) = settings.get("PLUGINS").and_then(Value::as_array) {
            for name in list.iter().filter_map(Value::as_str) {
                plugins.insert(name.to_string(), json!({"enabled": true}));
            }
        }
        // Extra Python packages baked into the openedx image, and host directories mounted
        // into it (a mounted edx-platform is a fork in all but name).
        if let Some(list) = settings
            .get("OPENEDX_EXTRA_PIP_REQUIREMENTS")
            .and_then(Value::as_array)
        {
            for req in list.iter().filter_map(Value::as_str) {
                let name = req
                    .split(['<', '>', '=', '!', '~', '[', ';', '@', ' '])
                    .next()
                    .unwrap_or(req)
                    .trim();
                plugins.insert(
                    format!("pip:{name}"),
                    json!({"enabled": true, "requirement": req}),
                );
            }
        }
        if let Some(list) = settings.get("MOUNTS").and_then(Value::as_array) {
            for mount in list.iter().filter_map(Value::as_str) {
                let host = mount.split(':').next().unwrap_or(mount);
                let name = Path::new(host)
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or(host);
                plugins.insert(format!("mount:{name}"), json!({"enabled": true}));
            }
        }
        self.set("/plugins", Value::Object(plugins));
    }

    fn datastores(
        &mut self,
        settings: &Map<String, Value>,
        lms_env: Option<&Map<String, Value>>,
        lms_py: Option<&PythonSettings>,
    ) {
        let get_bool = |k: &str| settings.get(k).and_then(crate::classify::boolish);
        let get_str = |k: &str| settings.get(k).and_then(Value::as_str).map(str::to_string);

        // MongoDB: the rendered connection parameters are what the platform uses.
        let mongo_params = lms_py.and_then(|p| p.dicts.get("mongodb_parameters"));
        let host = mongo_params
            .and_then(|m| m.get("host"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| get_str("MONGODB_HOST"));
        let tls = mongo_params
            .and_then(|m| m.get("ssl"))
            .and_then(Value::as_bool)
            .or_else(|| get_bool("MONGODB_USE_SSL"))
            .unwrap_or(false);
        let replica_set = match mongo_params {
            Some(m) => m
                .get("replicaSet")
                .and_then(Value::as_str)
                .map(str::to_string),
            None => get_str("MONGODB_REPLICA_SET"),
        }
        .filter(|s| !s.is_empty());
        let bundled = get_bool("RUN_MONGODB").unwrap_or(true);
        let mut mongo = Map::new();
        mongo.insert("bundled".into(), json!(bundled));
        mongo.insert("tls".into(), json!(tls));
        mongo.insert("replicated".into(), json!(replica_set.is_some()));
        mongo.insert("replica_set".into(), json!(replica_set));
        let hosts: Vec<&str> = host
            .as_deref()
            .map(|h| {
                h.split(',')
                    .map(str::trim)
                    .filter(|h| !h.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let members = if replica_set.is_some() {
            hosts.len().max(1)
        } else {
            1
        };
        mongo.insert("members".into(), json!(members));
        if !bundled && let Some(h) = &host {
            mongo.insert("host".into(), json!(h));
            if hosts.len() > 1 {
                let set: Map<String, Value> =
                    hosts.iter().map(|h| (h.to_string(), json!({}))).collect();
                mongo.insert("hosts".into(), Value::Object(set));
            }
        }
        self.set("/datastores/mongodb", Value::Object(mongo));

        let mysql_host = lms_env
            .and_then(|e| e.get("DATABASES"))
            .and_then(|d| d.pointer("/default/HOST"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| get_str("MYSQL_HOST"));
        self.simple_store("mysql", get_bool("RUN_MYSQL"), mysql_host);
        self.simple_store("redis", get_bool("RUN_REDIS"), get_str("REDIS_HOST"));
        let search_host = get_str("MEILISEARCH_URL").map(|u| url_host(&u).to_string());
        self.simple_store("search", get_bool("RUN_MEILISEARCH"), search_host);

        let smtp_host = lms_env
            .and_then(|e| e.get("EMAIL_HOST"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| get_str("SMTP_HOST"));
        self.simple_store("smtp", get_bool("RUN_SMTP"), smtp_host);
        let smtp_tls = smtp_tls(settings, lms_env, lms_py);
        self.set("/datastores/smtp/tls", json!(smtp_tls));
    }

    fn simple_store(&mut self, name: &str, run: Option<bool>, host: Option<String>) {
        let bundled = run.unwrap_or(true);
        let mut m = Map::new();
        m.insert("bundled".into(), json!(bundled));
        if !bundled && let Some(h) = host {
            m.insert("host".into(), json!(h));
        }
        self.set(&format!("/datastores/{name}"), Value::Object(m));
    }

    fn services_k8s(&mut self, m: &Manifests, settings: &Map<String, Value>) {
        let mut services = Map::new();
        for (file, doc) in &m.resources {
            let kind = doc.get("kind").and_then(Value::as_str).unwrap_or_default();
            let Some(name) = doc.pointer("/metadata/name").and_then(Value::as_str) else {
                continue;
            };
            match kind {
                "Deployment" | "StatefulSet" => {
                    let replicas = doc
                        .pointer("/spec/replicas")
                        .and_then(Value::as_u64)
                        .unwrap_or(1);
                    let mut s = Map::new();
                    s.insert("replicas".into(), json!(replicas));
                    if let Some(w) = uwsgi_workers(doc) {
                        s.insert("uwsgi_workers".into(), json!(w));
                    }
                    services.insert(name.to_string(), Value::Object(s));
                }
                "HorizontalPodAutoscaler" => {
                    let target = doc
                        .pointer("/spec/scaleTargetRef/name")
                        .and_then(Value::as_str)
                        .unwrap_or(name);
                    let min = doc
                        .pointer("/spec/minReplicas")
                        .and_then(Value::as_u64)
                        .unwrap_or(1);
                    let max = doc.pointer("/spec/maxReplicas").and_then(Value::as_u64);
                    let mut hpa = Map::new();
                    hpa.insert("min_replicas".into(), json!(min));
                    if let Some(max) = max {
                        hpa.insert("max_replicas".into(), json!(max));
                    }
                    let pointer = join_pointer(&["services", target, "hpa"]);
                    self.locate_file(&pointer, file);
                    surface::set_pointer(&mut self.surface, &pointer, Value::Object(hpa));
                }
                _ => {}
            }
        }
        // Patches change existing objects; Tutor's only set resources, but one that sets
        // replicas is honoured as kustomize would.
        for (_, doc) in &m.patches {
            let Some(name) = doc.pointer("/metadata/name").and_then(Value::as_str) else {
                continue;
            };
            if let (Some(Value::Object(s)), Some(r)) = (
                services.get_mut(name),
                doc.pointer("/spec/replicas").and_then(Value::as_u64),
            ) {
                s.insert("replicas".into(), json!(r));
            }
        }
        self.fill_uwsgi(&mut services, settings);
        let hpas = self.surface.get("services").cloned();
        let mut all = Value::Object(services);
        if let Some(h) = hpas {
            surface::merge(&mut all, h);
        }
        self.set("/services", all);
    }

    fn services_compose(&mut self, c: &Map<String, Value>, settings: &Map<String, Value>) {
        let mut services = Map::new();
        for (name, svc) in c {
            // One-shot jobs and the permissions fixer are no running service.
            if name.ends_with("-job") || name == "permissions" {
                continue;
            }
            let replicas = svc
                .pointer("/deploy/replicas")
                .and_then(Value::as_u64)
                .unwrap_or(1);
            let mut s = Map::new();
            s.insert("replicas".into(), json!(replicas));
            if let Some(w) = svc.pointer("/environment/UWSGI_WORKERS").and_then(number) {
                s.insert("uwsgi_workers".into(), json!(w));
            }
            services.insert(name.clone(), Value::Object(s));
        }
        self.fill_uwsgi(&mut services, settings);
        self.set("/services", Value::Object(services));
    }

    /// uWSGI workers not found in the manifests come from the settings.
    fn fill_uwsgi(&self, services: &mut Map<String, Value>, settings: &Map<String, Value>) {
        for (app, key) in [
            ("lms", "OPENEDX_LMS_UWSGI_WORKERS"),
            ("cms", "OPENEDX_CMS_UWSGI_WORKERS"),
        ] {
            if let (Some(Value::Object(s)), Some(w)) =
                (services.get_mut(app), settings.get(key).and_then(number))
            {
                s.entry("uwsgi_workers").or_insert(json!(w));
            }
        }
    }

    fn security(
        &mut self,
        settings: &Map<String, Value>,
        lms_env: Option<&Map<String, Value>>,
        lms_py: Option<&PythonSettings>,
    ) {
        let https = lms_env
            .and_then(|e| e.get("HTTPS"))
            .and_then(crate::classify::boolish)
            .or_else(|| {
                settings
                    .get("ENABLE_HTTPS")
                    .and_then(crate::classify::boolish)
            })
            .unwrap_or(false);
        self.set("/security/https", json!(https));
        if let Some(py) = lms_py {
            for (name, key) in [
                ("SESSION_COOKIE_SECURE", "session_cookie_secure"),
                ("CSRF_COOKIE_SECURE", "csrf_cookie_secure"),
            ] {
                if let Some(b) = py.bool(name) {
                    self.set(&format!("/security/{key}"), json!(b));
                }
            }
        }
        let smtp = smtp_tls(settings, lms_env, lms_py);
        self.set("/security/smtp_tls", json!(smtp));
        let mongo = self
            .surface
            .pointer("/datastores/mongodb/tls")
            .cloned()
            .unwrap_or(json!(false));
        self.set("/security/mongodb_tls", mongo);
    }

    fn features(
        &mut self,
        app: &str,
        env_yml: Option<&Map<String, Value>>,
        py: Option<&PythonSettings>,
        file: &str,
    ) {
        let Some(env_yml) = env_yml else {
            self.set(
                &format!("/features/{app}"),
                surface::unknown(format!("env/apps/openedx/config/{file} is missing")),
            );
            return;
        };
        let mut flags = match env_yml.get("FEATURES") {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        };
        if let Some(py) = py {
            for (k, v) in py.feature_values(&flags) {
                flags.insert(k, json!(v));
            }
        }
        self.set(&format!("/features/{app}"), Value::Object(flags));
    }

    /// The rendered settings of one app, minus FEATURES (judged under /features) and
    /// minus secrets (copies of config.yml's, judged at /settings/<KEY>).
    fn app_settings(
        &mut self,
        app: &str,
        env_yml: Option<&Map<String, Value>>,
        policy: &SecretPolicy,
        file: &str,
    ) {
        let Some(env_yml) = env_yml else {
            self.set(
                &format!("/settings/{app}"),
                surface::unknown(format!("env/apps/openedx/config/{file} is missing")),
            );
            return;
        };
        let mut m = env_yml.clone();
        m.remove("FEATURES");
        let mut v = Value::Object(m);
        drop_secrets(&mut v, policy);
        self.set(&format!("/settings/{app}"), v);
    }

    fn settings(&mut self, settings: Map<String, Value>) {
        for (k, v) in settings {
            // The instance id names the Kubernetes instance (it is in every label): an
            // identifier that is fingerprinted whatever the profile, so that two
            // environments with one id show as shared without printing it.
            let v = match (k.as_str(), v) {
                (INSTANCE_ID, Value::String(id)) if !id.is_empty() => {
                    surface::secret(self.fp.fingerprint(&id))
                }
                (_, v) => v,
            };
            self.set(&join_pointer(&["settings", &k]), v);
        }
    }
}

fn drop_secrets(v: &mut Value, policy: &SecretPolicy) {
    match v {
        Value::Object(m) => {
            m.retain(|k, _| !policy.is_secret_key(k));
            m.values_mut().for_each(|v| drop_secrets(v, policy));
        }
        Value::Array(a) => a.iter_mut().for_each(|v| drop_secrets(v, policy)),
        _ => {}
    }
}

fn smtp_tls(
    settings: &Map<String, Value>,
    lms_env: Option<&Map<String, Value>>,
    lms_py: Option<&PythonSettings>,
) -> bool {
    let b = |v: Option<&Value>| v.and_then(crate::classify::boolish);
    let tls = b(lms_env.and_then(|e| e.get("EMAIL_USE_TLS"))).or(b(settings.get("SMTP_USE_TLS")));
    let ssl = lms_py
        .and_then(|p| p.bool("EMAIL_USE_SSL"))
        .or(b(settings.get("SMTP_USE_SSL")));
    tls.unwrap_or(false) || ssl.unwrap_or(false)
}

fn containers(doc: &Value) -> impl Iterator<Item = &Value> {
    doc.pointer("/spec/template/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn uwsgi_workers(doc: &Value) -> Option<u64> {
    containers(doc)
        .filter_map(|c| c.get("env").and_then(Value::as_array))
        .flatten()
        .find(|e| e.get("name").and_then(Value::as_str) == Some("UWSGI_WORKERS"))
        .and_then(|e| e.get("value"))
        .and_then(number)
}

fn number(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `registry/org/name:tag` → `registry/org/name` (a digest or tag removed).
fn image_repository(image: &str) -> &str {
    let image = image.split('@').next().unwrap_or(image);
    match image.rfind(':') {
        Some(i) if !image[i..].contains('/') => &image[..i],
        _ => image,
    }
}

/// The host of `scheme://host:port/...`.
fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    authority.split(':').next().unwrap_or(authority)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_data_file_parses_and_names_its_tutor_major() {
        let d: Map<String, Value> = serde_yaml_ng::from_str(DEFAULTS).unwrap();
        assert_eq!(d.get("TUTOR_MAJOR"), Some(&json!(22)));
        assert_eq!(d.get("RUN_MONGODB"), Some(&json!(true)));
        assert_eq!(
            d.get("OPENEDX_COMMON_VERSION"),
            Some(&json!("release/verawood.1"))
        );
    }

    #[test]
    fn defaults_are_merged_under_config_and_templates_resolved() {
        let mut config = Map::new();
        config.insert("LMS_HOST".into(), json!("lms.x.org"));
        config.insert("ENABLE_HTTPS".into(), json!(true));
        let v = TutorVersion {
            text: "22.0.3".into(),
            major: 22,
        };
        let s = effective_settings(&config, Some(&v));
        assert_eq!(s["CMS_HOST"], "studio.lms.x.org");
        assert_eq!(s["MEILISEARCH_PUBLIC_URL"], "https://meilisearch.lms.x.org");
        assert_eq!(s["JWT_COMMON_ISSUER"], "https://lms.x.org/oauth2");
        assert_eq!(
            s["DOCKER_IMAGE_OPENEDX"],
            "docker.io/overhangio/openedx:22.0.3"
        );
        assert_eq!(s["ATLAS_REVISION"], "release/verawood.1");
        assert_eq!(s["EDX_PLATFORM_VERSION"], "release/verawood.1");
        assert_eq!(s["RUN_MYSQL"], true);
        assert!(
            !s.contains_key("DEV_PROJECT_NAME"),
            "TUTOR_APP is unknown here"
        );
    }

    #[test]
    fn release_dependent_defaults_are_not_applied_to_another_tutor_major() {
        let v = TutorVersion {
            text: "21.0.0".into(),
            major: 21,
        };
        let s = effective_settings(&Map::new(), Some(&v));
        assert!(!s.contains_key("OPENEDX_COMMON_VERSION"));
        assert!(!s.contains_key("DOCKER_IMAGE_MONGODB"));
        assert_eq!(s["MONGODB_HOST"], "mongodb");
    }

    #[test]
    fn python_settings_read_the_forms_tutor_renders() {
        let text = r#"from lms.envs.production import *
mongodb_parameters = {
    "db": "openedx",
    "host": "a.x.org,b.x.org",
    "user": None,
    "ssl": True,
    "replicaSet": "rs0",
    "nested": {
        "ignored": 1,
    },
    
}
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = False  
ENABLE_DISCUSSION_SERVICE = False
FEATURES["ENABLE_DISCUSSION_SERVICE"] = True
FEATURES['ENABLE_AUTHN_MICROFRONTEND'] = True
FORUM_MONGODB_CLIENT_PARAMETERS["replicaSet"] = "rs0"
if x == 1:
    SESSION_COOKIE_SECURE = False
CACHES = {"default": {"LOCATION": "redis://@redis:6379/1"}}
"#;
        let p = PythonSettings::parse(text);
        let m = &p.dicts["mongodb_parameters"];
        assert_eq!(m["host"], "a.x.org,b.x.org");
        assert_eq!(m["ssl"], true);
        assert_eq!(m["replicaSet"], "rs0");
        assert_eq!(m["user"], Value::Null);
        assert!(!m.contains_key("ignored"));
        assert_eq!(
            p.bool("SESSION_COOKIE_SECURE"),
            Some(true),
            "indented lines are skipped"
        );
        assert_eq!(p.bool("CSRF_COOKIE_SECURE"), Some(false));
        assert_eq!(
            p.dicts["FORUM_MONGODB_CLIENT_PARAMETERS"]["replicaSet"],
            "rs0"
        );
        let f = p.feature_values(&Map::new());
        assert_eq!(
            f.get("ENABLE_DISCUSSION_SERVICE"),
            Some(&true),
            "last assignment wins"
        );
        assert_eq!(f.get("ENABLE_AUTHN_MICROFRONTEND"), Some(&true));
        assert!(!f.contains_key("SESSION_COOKIE_SECURE"), "not a feature");
    }

    #[test]
    fn a_bare_assignment_after_features_wins() {
        let p = PythonSettings::parse("FEATURES[\"X\"] = True\nX = False\n");
        assert_eq!(p.feature_values(&Map::new()).get("X"), Some(&false));
    }

    #[test]
    fn image_repository_drops_the_tag_not_the_registry_port() {
        assert_eq!(
            image_repository("docker.io/overhangio/openedx:22.0.3-indigo"),
            "docker.io/overhangio/openedx"
        );
        assert_eq!(
            image_repository("registry:5000/openedx"),
            "registry:5000/openedx"
        );
        assert_eq!(url_host("http://meilisearch:7700"), "meilisearch");
    }

    #[test]
    fn odd_templates_are_left_unresolved_not_a_panic() {
        let vars = Map::new();
        for t in [
            "{%}",
            "{% if %}",
            "{{}}",
            "{% if X %}a{% endif %}",
            "{%%}{{",
            "x{% else %}",
        ] {
            assert_eq!(render_template(t, &vars), None, "{t}");
        }
    }

    proptest::proptest! {
        #[test]
        fn python_settings_never_panic(text in "[ -~\\n]{0,300}") {
            let p = PythonSettings::parse(&text);
            let _ = p.feature_values(&Map::new());
        }

        #[test]
        fn templates_never_panic(text in "([{}%a-z =']|if |else|endif|LMS_HOST){0,40}") {
            let mut vars = Map::new();
            vars.insert("LMS_HOST".into(), json!("lms.x.org"));
            let _ = render_template(&text, &vars);
        }

        #[test]
        fn config_key_scanner_never_panics(line in "\\PC{0,80}") {
            let _ = top_level_key(&line);
            let _ = without_position(&line);
            let _ = missing_plugins(&line);
        }
    }

    #[test]
    fn plugins_tutor_could_not_enable_are_named() {
        let stderr = "⚠️  Failed to enable plugin 'nonexistent': plugin 'nonexistent' is not installed.\n⚠️  You are running Tutor as root.";
        assert_eq!(missing_plugins(stderr), ["nonexistent"]);
        assert!(missing_plugins("Configuration saved").is_empty());
    }

    #[test]
    fn yaml_positions_are_cut_from_messages() {
        assert_eq!(
            without_position(
                "did not find expected ',' or ']' at line 2 column 1, while parsing a flow sequence"
            ),
            "did not find expected ',' or ']', while parsing a flow sequence"
        );
    }

    #[test]
    fn config_key_lines_are_found_for_locations() {
        assert_eq!(top_level_key("ENABLE_HTTPS: true"), Some("ENABLE_HTTPS"));
        assert_eq!(top_level_key("  nested: 1"), None);
        assert_eq!(top_level_key("- forum"), None);
        assert_eq!(top_level_key("  MIIEowIBAAKCAQEAu1+VEzXh"), None);
    }
}
