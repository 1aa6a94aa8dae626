//! Collection: every source of both environments runs concurrently, each under its own
//! deadline; one failed source never hides the others, it makes its part `unknown`.
//!
//! Adding a collector: a new file here with a `Config` (deserialized from the config
//! file, `deny_unknown_fields`), `covers()` and `collect()`, then one variant in
//! [`Source`] and one line in each `match` below.

pub mod edge;
pub mod endpoint;
pub mod kubernetes;
pub mod lms_tables;
pub mod mongodb;
pub mod mysql;
pub mod openedx;
mod progress;
pub mod redis;
pub mod snapshot;
pub mod tutor;

use crate::classify::Location;
use crate::error::Error;
use crate::normalize::{Fingerprinter, SecretPolicy, safe_url};
use crate::snapshot::{FingerprintInfo, Snapshot, SourceState, SourceStatus};
use crate::surface;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Default deadline of one source.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// What a collector hands back: a partial surface and what it speaks for.
#[derive(Debug, Clone, Default)]
pub struct Collected {
    pub surface: Value,
    /// Pointers this source covers, e.g. `/sso` or `/datastores/mysql`.
    pub covers: Vec<String>,
    /// Where values were read (pointer → file and line).
    pub locations: BTreeMap<String, Location>,
    /// Inner source statuses (a snapshot source carries those of the snapshot).
    pub inner_sources: BTreeMap<String, SourceStatus>,
    pub fingerprint: Option<FingerprintInfo>,
    /// Lines for the report about how the source was read (not failures).
    pub notes: Vec<String>,
    /// Secrets the collector left out of the surface or fingerprinted itself, by the key
    /// they sat under: they are looked for everywhere else in the environment (taint).
    pub secrets: Vec<(String, Value)>,
}

/// Why a source gave nothing.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The user's input is wrong (missing file, not a Tutor root): exit 2.
    #[error(transparent)]
    Input(#[from] Error),
    /// The source could not be read (unreachable, refused, timed out): its part of the
    /// surface is unknown, and the gate fails closed.
    #[error("{0}")]
    Failed(String),
}

/// Everything a collector needs besides its own config.
#[derive(Debug, Clone)]
pub struct Context {
    /// The environment name (staging, production), for messages and credential names.
    pub environment: String,
    pub fingerprinter: Fingerprinter,
    pub secrets: SecretPolicy,
    pub timeout: Duration,
    /// No progress line on stderr (it is drawn only on a terminal anyway).
    pub quiet: bool,
}

/// One configured source.
#[derive(Debug, Clone)]
pub enum Source {
    Snapshot(snapshot::Config),
    Tutor(tutor::Config),
    OpenEdx(openedx::Config),
    Mysql(mysql::Config),
    Redis(self::redis::Config),
    Mongodb(mongodb::Config),
    Kubernetes(kubernetes::Config),
    Edge(edge::Config),
}

impl Source {
    /// Parses a command-line SRC: a Tutor root directory, a snapshot `.json` file, an
    /// LMS URL, or a datastore URL.
    pub fn from_shortcut(src: &str) -> Result<Source, Error> {
        if let Some(edge) = edge::Config::from_shortcut(src) {
            return edge.map(Source::Edge);
        }
        if src.starts_with("http://") || src.starts_with("https://") {
            return openedx::Config::from_url(src).map(Source::OpenEdx);
        }
        if let Some(source) = Source::from_datastore_url(src)? {
            return Ok(source);
        }
        let path = Path::new(src);
        // A Tutor root's config.yml stands for its root.
        if path.file_name().is_some_and(|n| n == tutor::CONFIG_FILE)
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
                .filter(|r| tutor::is_root(r))
        {
            return Ok(Source::Tutor(tutor::Config {
                root: root.to_path_buf(),
            }));
        }
        if src.ends_with(".json") || path.is_file() {
            return Ok(Source::Snapshot(snapshot::Config {
                path: path.to_path_buf(),
            }));
        }
        if path.is_dir() {
            if tutor::is_root(path) {
                return Ok(Source::Tutor(tutor::Config {
                    root: path.to_path_buf(),
                }));
            }
            return Err(Error::Usage(format!(
                "source `{}`: a directory but not a Tutor project root (no {} in it)",
                safe_url(src),
                tutor::CONFIG_FILE
            )));
        }
        if !path.exists() && !src.contains("://") {
            return Err(Error::Usage(format!(
                "source `{}`: no such file or directory",
                safe_url(src)
            )));
        }
        Err(Error::Usage(format!(
            "source `{}`: not a source this envparity can read (expected a snapshot .json file)",
            safe_url(src)
        )))
    }

    /// `mysql://`, `redis://`, `rediss://` and `mongodb://` shortcuts; `None` for
    /// anything else.
    fn from_datastore_url(src: &str) -> Result<Option<Source>, Error> {
        let scheme = src
            .split_once("://")
            .map(|(s, _)| s.to_ascii_lowercase())
            .unwrap_or_default();
        Ok(Some(match scheme.as_str() {
            "mysql" | "mariadb" => Source::Mysql(mysql::Config::from_shortcut(src)?),
            "redis" | "rediss" => Source::Redis(self::redis::Config::from_shortcut(src)?),
            "mongodb" => Source::Mongodb(mongodb::Config::from_shortcut(src)?),
            _ => return Ok(None),
        }))
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Source::Snapshot(_) => "snapshot",
            Source::Tutor(_) => "tutor",
            Source::OpenEdx(_) => "openedx",
            Source::Mysql(_) => "mysql",
            Source::Redis(_) => "redis",
            Source::Mongodb(_) => "mongodb",
            Source::Kubernetes(_) => "kubernetes",
            Source::Edge(_) => "edge",
        }
    }

    /// What is read, with no credential in it (every collector's origin goes through
    /// [`safe_url`]).
    pub fn origin(&self) -> String {
        match self {
            Source::Snapshot(c) => c.path.display().to_string(),
            Source::Tutor(c) => c.root.display().to_string(),
            Source::OpenEdx(c) => c.origin(),
            Source::Mysql(c) => c.origin(),
            Source::Redis(c) => c.origin(),
            Source::Mongodb(c) => c.origin(),
            Source::Kubernetes(c) => c.origin(),
            Source::Edge(c) => c.origin(),
        }
    }

    /// The pointers this source would speak for, before it runs (a failed source marks
    /// them unknown).
    pub fn covers(&self) -> Vec<String> {
        match self {
            Source::Snapshot(_) => Vec::new(),
            Source::Tutor(_) => tutor::covers(),
            Source::OpenEdx(c) => c.covers(),
            Source::Mysql(c) => c.covers(),
            Source::Redis(c) => c.covers(),
            Source::Mongodb(c) => c.covers(),
            Source::Kubernetes(c) => c.covers(),
            Source::Edge(c) => c.covers(),
        }
    }

    async fn collect(&self, ctx: &Context) -> Result<Collected, SourceError> {
        match self {
            Source::Snapshot(c) => snapshot::collect(c, ctx).await,
            Source::Tutor(c) => tutor::collect(c, ctx).await,
            Source::OpenEdx(c) => openedx::collect(c, ctx).await,
            Source::Mysql(c) => mysql::collect(c, ctx).await,
            Source::Redis(c) => self::redis::collect(c, ctx).await,
            Source::Mongodb(c) => mongodb::collect(c, ctx).await,
            Source::Kubernetes(c) => kubernetes::collect(c, ctx).await,
            Source::Edge(c) => edge::collect(c, ctx).await,
        }
    }
}

/// Collects both environments, all sources at once.
pub async fn collect_pair(
    staging: (&str, &[Source]),
    production: (&str, &[Source]),
    ctx: &Context,
) -> Result<(Snapshot, Snapshot), Error> {
    let s_ctx = Context {
        environment: staging.0.to_string(),
        ..ctx.clone()
    };
    let p_ctx = Context {
        environment: production.0.to_string(),
        ..ctx.clone()
    };
    let bars = progress::Bars::new(ctx.quiet);
    let (s, p) = tokio::join!(
        collect_with_progress(staging.1, &s_ctx, &bars),
        collect_with_progress(production.1, &p_ctx, &bars)
    );
    let (mut s, mut p) = (s?, p?);

    // Second phase: a provider one environment lists and the other does not may be
    // configured but hidden from the other's login page; ask that LMS for it by name.
    let (s_found, p_found) = tokio::join!(
        reveal_hidden_providers(
            staging.1,
            &s_ctx,
            openedx::ids_to_probe(&s.surface, &p.surface)
        ),
        reveal_hidden_providers(
            production.1,
            &p_ctx,
            openedx::ids_to_probe(&p.surface, &s.surface)
        )
    );
    for (snap, found) in [(&mut s, s_found), (&mut p, p_found)] {
        for (id, provider) in found {
            let pointer = surface::join_pointer(&["sso", "providers", &id]);
            surface::set_pointer(&mut snap.surface, &pointer, provider);
        }
    }
    Ok((s, p))
}

/// The hidden providers the environment's Open edX sources reveal when asked by id.
async fn reveal_hidden_providers(
    sources: &[Source],
    ctx: &Context,
    ids: Vec<String>,
) -> BTreeMap<String, Value> {
    let mut found = BTreeMap::new();
    for source in sources {
        if let Source::OpenEdx(c) = source {
            found.extend(openedx::reveal_hidden(c, ctx, &ids).await);
        }
    }
    found
}

/// Collects one environment into a snapshot.
pub async fn collect_environment(sources: &[Source], ctx: &Context) -> Result<Snapshot, Error> {
    collect_with_progress(sources, ctx, &progress::Bars::new(ctx.quiet)).await
}

async fn collect_with_progress(
    sources: &[Source],
    ctx: &Context,
    bars: &progress::Bars,
) -> Result<Snapshot, Error> {
    let ctx = Arc::new(ctx.clone());
    // Names come from the place on the command line or in the config, before anything
    // runs, so that a source that fails (or finishes late) cannot take another's name.
    let names = source_names(sources);
    let labels: Vec<String> = sources
        .iter()
        .map(|s| format!("{} {}", s.kind(), s.origin()))
        .collect();
    let bar = bars.environment(&ctx.environment, labels.clone());
    let mut tasks = Vec::new();
    for (source, label) in sources.iter().zip(labels) {
        let (task_source, ctx, bar) = (source.clone(), ctx.clone(), bar.clone());
        let task = tokio::spawn(async move {
            let outcome = match tokio::time::timeout(ctx.timeout, task_source.collect(&ctx)).await {
                Ok(r) => r,
                Err(_) => Err(SourceError::Failed(format!(
                    "timed out after {}s",
                    ctx.timeout.as_secs_f64()
                ))),
            };
            bar.done(&label);
            outcome
        });
        tasks.push((source, task));
    }
    let mut snapshot = Snapshot {
        format: crate::snapshot::FORMAT.into(),
        environment: ctx.environment.clone(),
        collected_at: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        tool: crate::snapshot::tool(),
        fingerprint: Some(FingerprintInfo {
            algorithm: "hmac-sha256".into(),
            key_id: ctx.fingerprinter.key_id().into(),
        }),
        sources: BTreeMap::new(),
        surface: surface::empty(),
        locations: BTreeMap::new(),
        taint: Default::default(),
    };
    let mut owners = surface::Owners::default();
    let mut failures = Vec::new();
    let mut taint = crate::normalize::Taint::default();
    for ((source, task), name) in tasks.into_iter().zip(&names) {
        // A collector that panics fails its own source, never the run.
        let outcome = match task.await {
            Ok(outcome) => outcome,
            Err(e) => Err(SourceError::Failed(crashed(source.kind(), e))),
        };
        match outcome {
            Ok(mut collected) => {
                crate::normalize::redact_collecting(
                    &mut collected.surface,
                    &ctx.secrets,
                    &ctx.fingerprinter,
                    &mut taint,
                );
                for (key, value) in &collected.secrets {
                    crate::normalize::taint_secret(
                        key,
                        value,
                        &ctx.secrets,
                        &ctx.fingerprinter,
                        &mut taint,
                    );
                }
                surface::merge_source(&mut snapshot.surface, collected.surface, name, &mut owners);
                snapshot.locations.extend(collected.locations);
                if let Some(fp) = collected.fingerprint {
                    snapshot.fingerprint = Some(fp);
                }
                let inner = !collected.inner_sources.is_empty();
                for (k, v) in collected.inner_sources {
                    let n = unique_name(&snapshot.sources, &names, &k);
                    snapshot.sources.insert(n, v);
                }
                if !inner {
                    snapshot.sources.insert(
                        name.clone(),
                        SourceStatus {
                            kind: source.kind().into(),
                            status: SourceState::Ok,
                            origin: source.origin(),
                            error: None,
                            covers: collected.covers,
                            notes: collected.notes,
                        },
                    );
                }
            }
            Err(SourceError::Input(e)) => return Err(e),
            Err(SourceError::Failed(reason)) => failures.push((name.clone(), source, reason)),
        }
    }
    bar.finish();
    // Third-party authentication as Open edX decides it: the site configuration first.
    if let Some(on) = lms_tables::site_third_party_auth(&snapshot.surface) {
        surface::set_pointer(
            &mut snapshot.surface,
            "/sso/third_party_auth",
            Value::Bool(on),
        );
    }
    // Failed sources last, so their unknown markers win over any data merged before.
    for (name, source, reason) in failures {
        let covers = source.covers();
        for pointer in &covers {
            let why = format!(
                "{} source {} failed: {reason}",
                source.kind(),
                source.origin()
            );
            surface::set_pointer(&mut snapshot.surface, pointer, surface::unknown(why));
        }
        snapshot.sources.insert(
            name,
            SourceStatus {
                kind: source.kind().into(),
                status: SourceState::Failed,
                origin: source.origin(),
                error: Some(reason),
                covers,
                notes: Vec::new(),
            },
        );
    }
    // Every value redacted in any source is a secret wherever else it appears in this
    // environment: in another source's values, keys, notes or errors.
    crate::normalize::seal(&mut snapshot, &ctx.secrets, &ctx.fingerprinter, taint);
    Ok(snapshot)
}

/// The name of each source in a report's `sources`: its kind, numbered from the second
/// of a kind on (`tutor`, `openedx`, `openedx#2`), in the order they were given.
pub fn source_names(sources: &[Source]) -> Vec<String> {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    sources
        .iter()
        .map(|s| {
            let n = seen.entry(s.kind()).or_default();
            *n += 1;
            if *n == 1 {
                s.kind().to_string()
            } else {
                format!("{}#{n}", s.kind())
            }
        })
        .collect()
}

/// The text of a panic's payload (`panic!` gives a `&str` or a `String`).
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".into()
    }
}

/// The reason a source failed when its collector's task did not finish: it panicked (a
/// bug, reported with its message) or was cancelled.
pub fn crashed(kind: &str, e: tokio::task::JoinError) -> String {
    match e.try_into_panic() {
        Ok(payload) => format!(
            "the {kind} collector crashed: {}",
            panic_message(payload.as_ref())
        ),
        Err(e) => format!("the {kind} collector was stopped: {e}"),
    }
}

/// A name for a source a snapshot source carries inside it: its own name unless a source
/// of this run has it (`reserved`) or one was given already.
fn unique_name(
    existing: &BTreeMap<String, SourceStatus>,
    reserved: &[String],
    base: &str,
) -> String {
    let taken = |n: &str| existing.contains_key(n) || reserved.iter().any(|r| r == n);
    if !taken(base) {
        return base.to_string();
    }
    (2..)
        .map(|i| format!("{base}#{i}"))
        .find(|n| !taken(n))
        .unwrap_or_else(|| base.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_collector_that_panics_fails_with_its_message() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let e = rt
            .block_on(async { tokio::spawn(async { panic!("index out of bounds") }).await })
            .unwrap_err();
        assert_eq!(
            crashed("tutor", e),
            "the tutor collector crashed: index out of bounds"
        );
        let e = rt
            .block_on(async { tokio::spawn(async { std::panic::panic_any(7.to_string()) }).await })
            .unwrap_err();
        assert_eq!(crashed("openedx", e), "the openedx collector crashed: 7");
    }

    #[test]
    fn names_follow_the_order_sources_were_given_in() {
        let sources = [
            Source::from_shortcut("https://lms-a.example.org").unwrap(),
            Source::from_shortcut("mysql://u@db:3306").unwrap(),
            Source::from_shortcut("https://lms-b.example.org").unwrap(),
            Source::from_shortcut("https://lms-c.example.org").unwrap(),
        ];
        assert_eq!(
            source_names(&sources),
            ["openedx", "mysql", "openedx#2", "openedx#3"]
        );
    }
}
