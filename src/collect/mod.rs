//! Collection: every source of both environments runs concurrently, each under its own
//! deadline; one failed source never hides the others, it makes its part `unknown`.
//!
//! A source kind is one file here implementing [`Collector`] plus its name in the
//! [`sources!`] line below (see `docs/adding-a-source.md`); the command line, the config
//! file and the reports find it through [`KINDS`].

pub mod endpoint;
pub mod http;
pub mod lms_tables;
pub(crate) mod progress;
pub mod workloads;

/// Declares the collector modules and lists them in [`KINDS`], in the order a
/// command-line SRC is offered to them: the first kind that claims it takes it, so the
/// catch-all (`snapshot`: any other file) comes last. Sections of the config file are
/// read in the same order.
macro_rules! sources {
    ($($module:ident),* $(,)?) => {
        $(pub mod $module;)*
        /// Every kind of source envparity reads.
        pub const KINDS: &[Kind] = &[$(Kind::of::<$module::Config>()),*];
    };
}

sources!(
    edge, tutor, openedx, mysql, redis, mongodb, kubernetes, snapshot
);

use crate::error::Error;
use crate::findings::Location;
use crate::normalize::{Fingerprinter, SecretPolicy, safe_url};
use crate::snapshot::{FingerprintInfo, Snapshot, SourceState, SourceStatus};
use crate::surface;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
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

/// One kind of source, implemented by the configuration of one source of that kind: the
/// type is read from the config file's `[[<env>.<KIND>]]` sections (so it should be
/// `#[serde(deny_unknown_fields)]`, since a misspelt key must not vanish) and may be
/// made from a command-line SRC.
pub trait Collector: Debug + Clone + Send + Sync + DeserializeOwned + 'static {
    /// The kind's name: its config-file section, and its sources' name in reports.
    const KIND: &'static str;

    /// The source for a command-line SRC this kind claims, `None` for any other SRC
    /// (claimed but malformed is `Some(Err)`, naming the SRC without its credentials).
    fn from_shortcut(src: &str) -> Option<Result<Self, Error>> {
        let _ = src;
        None
    }

    /// Makes paths read from the config file relative to the file's folder.
    fn resolve_paths(&mut self, resolve: &dyn Fn(&Path) -> PathBuf) {
        let _ = resolve;
    }

    /// Checks a config-file entry before anything runs (URLs, numbers).
    fn validate(&self) -> Result<(), String> {
        Ok(())
    }

    /// The `*_env` keys of a config-file entry and their values, each of which must name
    /// an environment variable (never hold the credential).
    fn credential_vars(&self) -> Vec<(&'static str, &str)> {
        Vec::new()
    }

    /// What is read, with no credential in it (through [`safe_url`] for URLs).
    fn origin(&self) -> String;

    /// The pointers this source would speak for, before it runs (a failed source marks
    /// them unknown).
    fn covers(&self) -> Vec<String>;

    /// Reads the source into a partial surface.
    fn collect(&self, ctx: &Context)
    -> impl Future<Output = Result<Collected, SourceError>> + Send;

    /// SSO providers that another environment lists and this one hides from its login
    /// page, asked for by id after both environments are collected; nothing for sources
    /// that cannot be asked.
    fn reveal_hidden(
        &self,
        ctx: &Context,
        ids: &[String],
    ) -> impl Future<Output = BTreeMap<String, Value>> + Send {
        let _ = (ctx, ids);
        async { BTreeMap::new() }
    }
}

type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// [`Collector`] as a trait object: what [`Source`] holds.
trait Configured: Debug + Send + Sync {
    fn kind(&self) -> &'static str;
    fn origin(&self) -> String;
    fn covers(&self) -> Vec<String>;
    fn collect<'a>(&'a self, ctx: &'a Context) -> Boxed<'a, Result<Collected, SourceError>>;
    fn reveal_hidden<'a>(
        &'a self,
        ctx: &'a Context,
        ids: &'a [String],
    ) -> Boxed<'a, BTreeMap<String, Value>>;
}

impl<T: Collector> Configured for T {
    fn kind(&self) -> &'static str {
        T::KIND
    }
    fn origin(&self) -> String {
        Collector::origin(self)
    }
    fn covers(&self) -> Vec<String> {
        Collector::covers(self)
    }
    fn collect<'a>(&'a self, ctx: &'a Context) -> Boxed<'a, Result<Collected, SourceError>> {
        Box::pin(Collector::collect(self, ctx))
    }
    fn reveal_hidden<'a>(
        &'a self,
        ctx: &'a Context,
        ids: &'a [String],
    ) -> Boxed<'a, BTreeMap<String, Value>> {
        Box::pin(Collector::reveal_hidden(self, ctx, ids))
    }
}

/// One entry of [`KINDS`]: a kind's name and how its sources are made.
pub struct Kind {
    pub name: &'static str,
    shortcut: fn(&str) -> Option<Result<Source, Error>>,
    section: SectionReader,
}

/// Reads one kind's section of the config file (an array of tables), with the spans of
/// the file so that an error points at its line.
type SectionReader = for<'a> fn(
    toml::Spanned<toml::de::DeValue<'a>>,
    &dyn Fn(&Path) -> PathBuf,
) -> Result<Vec<Entry>, toml::de::Error>;

/// A source read from the config file, with where its entry starts and the entry's
/// checks, for messages that point at it.
pub struct Entry {
    pub source: Source,
    pub at: usize,
    pub invalid: Option<String>,
    pub credential_vars: Vec<(&'static str, String)>,
}

impl Kind {
    /// The registry entry of collector `T`.
    pub const fn of<T: Collector>() -> Kind {
        Kind {
            name: T::KIND,
            shortcut: shortcut::<T>,
            section: section::<T>,
        }
    }

    /// Reads this kind's section of the config file (`value` spans the section's array
    /// in the file's text); `resolve` makes a relative path relative to the file.
    pub fn read_section(
        &self,
        value: toml::Spanned<toml::de::DeValue<'_>>,
        resolve: &dyn Fn(&Path) -> PathBuf,
    ) -> Result<Vec<Entry>, toml::de::Error> {
        (self.section)(value, resolve)
    }
}

fn shortcut<T: Collector>(src: &str) -> Option<Result<Source, Error>> {
    T::from_shortcut(src).map(|r| r.map(Source::new))
}

fn section<T: Collector>(
    value: toml::Spanned<toml::de::DeValue<'_>>,
    resolve: &dyn Fn(&Path) -> PathBuf,
) -> Result<Vec<Entry>, toml::de::Error> {
    use serde::Deserialize;
    let entries = Vec::<toml::Spanned<T>>::deserialize(toml::de::ValueDeserializer::from(value))?;
    Ok(entries
        .into_iter()
        .map(|entry| {
            let at = entry.span().start;
            let mut config = entry.into_inner();
            config.resolve_paths(resolve);
            Entry {
                at,
                invalid: config.validate().err(),
                credential_vars: config
                    .credential_vars()
                    .into_iter()
                    .map(|(k, v)| (k, v.to_string()))
                    .collect(),
                source: Source::new(config),
            }
        })
        .collect())
}

/// The registry entry of a kind, by name.
pub fn kind(name: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.name == name)
}

/// A path from a config file made relative to its folder by `resolve`, when there is one.
pub fn resolve_path(path: &mut Option<PathBuf>, resolve: &dyn Fn(&Path) -> PathBuf) {
    if let Some(p) = path {
        *p = resolve(p);
    }
}

/// One configured source, of any kind.
#[derive(Debug, Clone)]
pub struct Source(Arc<dyn Configured>);

impl Source {
    /// Wraps a configured collector.
    pub fn new<T: Collector>(config: T) -> Source {
        Source(Arc::new(config))
    }

    /// Parses a command-line SRC: each kind in [`KINDS`] is offered it in turn (a Tutor
    /// root directory, an LMS URL, a datastore URL, a snapshot file, ...).
    pub fn from_shortcut(src: &str) -> Result<Source, Error> {
        if let Some(source) = KINDS.iter().find_map(|k| (k.shortcut)(src)) {
            return source;
        }
        let path = Path::new(src);
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

    pub fn kind(&self) -> &'static str {
        self.0.kind()
    }

    /// What is read, with no credential in it (every collector's origin goes through
    /// [`safe_url`]).
    pub fn origin(&self) -> String {
        self.0.origin()
    }

    /// The pointers this source would speak for, before it runs (a failed source marks
    /// them unknown).
    pub fn covers(&self) -> Vec<String> {
        self.0.covers()
    }

    async fn collect(&self, ctx: &Context) -> Result<Collected, SourceError> {
        self.0.collect(ctx).await
    }
}

/// The scheme of a URL-shaped SRC, lowercased (`mysql` for `MySQL://db`).
pub fn scheme(src: &str) -> Option<String> {
    src.split_once("://").map(|(s, _)| s.to_ascii_lowercase())
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

/// A snapshot source brings the fingerprints of the key it was taken with; they compare
/// with this run's only if that is the same key. An error naming the snapshot files of
/// `sources` otherwise.
pub fn check_snapshot_keys(
    snap: &Snapshot,
    sources: &[Source],
    fingerprinter: &Fingerprinter,
) -> Result<(), Error> {
    let run_key = FingerprintInfo::of(fingerprinter);
    if let Some(f) = &snap.fingerprint
        && f.key_id != run_key.key_id
    {
        let files: Vec<String> = sources
            .iter()
            .filter(|s| s.kind() == "snapshot")
            .map(Source::origin)
            .collect();
        return Err(Error::Usage(format!(
            "{} was fingerprinted with another key ({}) than this run ({}), so its secrets cannot be compared; run with the ENVPARITY_FINGERPRINT_KEY it was taken with (or as the user who took it)",
            files.join(", "),
            f.describe(),
            run_key.describe()
        )));
    }
    Ok(())
}

/// The hidden providers the environment's Open edX sources reveal when asked by id.
async fn reveal_hidden_providers(
    sources: &[Source],
    ctx: &Context,
    ids: Vec<String>,
) -> BTreeMap<String, Value> {
    let mut found = BTreeMap::new();
    for source in sources {
        found.extend(source.0.reveal_hidden(ctx, &ids).await);
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
        fingerprint: Some(FingerprintInfo::of(&ctx.fingerprinter)),
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
    fn every_source_kind_has_a_unique_name_and_is_documented() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut docs = std::fs::read_to_string(root.join("README.md")).unwrap();
        for entry in std::fs::read_dir(root.join("docs")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "md") {
                docs.push_str(&std::fs::read_to_string(path).unwrap());
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for kind in KINDS {
            assert!(
                seen.insert(kind.name),
                "two source kinds named {}",
                kind.name
            );
            assert!(
                !crate::config::ENV_KEYS.contains(&kind.name),
                "source kind {} takes the name of an environment key",
                kind.name
            );
            assert!(
                docs.contains(&format!("[[staging.{}]]", kind.name))
                    || docs.contains(&format!("[[production.{}]]", kind.name)),
                "source kind {} has no config section shown in README.md or docs/",
                kind.name
            );
        }
        // The catch-all for files is offered a command-line SRC last.
        assert_eq!(KINDS.last().map(|k| k.name), Some("snapshot"));
    }

    #[test]
    fn each_shortcut_goes_to_the_kind_that_claims_it() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("staging");
        std::fs::create_dir(&root).unwrap();
        std::fs::write(root.join("config.yml"), "ID: x\n").unwrap();
        let config_yml = root.join("config.yml");
        let snapshot = dir.path().join("s.json");
        for (src, kind) in [
            ("https://lms.example.org", "openedx"),
            ("MySQL://u@db:3306", "mysql"),
            ("mariadb://u@db", "mysql"),
            ("rediss://cache:6380", "redis"),
            ("mongodb://a,b/?replicaSet=rs0", "mongodb"),
            (root.to_str().unwrap(), "tutor"),
            (config_yml.to_str().unwrap(), "tutor"),
            (snapshot.to_str().unwrap(), "snapshot"),
        ] {
            assert_eq!(Source::from_shortcut(src).unwrap().kind(), kind, "{src}");
        }
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        let e = Source::from_shortcut(empty.to_str().unwrap()).unwrap_err();
        assert!(e.to_string().contains("not a Tutor project root"), "{e}");
        let e = Source::from_shortcut("ftp://files.example.org/x").unwrap_err();
        assert!(
            e.to_string()
                .contains("not a source this envparity can read"),
            "{e}"
        );
        let e = Source::from_shortcut("missing-dir").unwrap_err();
        assert!(e.to_string().contains("no such file or directory"), "{e}");
    }

    #[test]
    fn config_sections_are_read_through_the_registry_with_their_lines() {
        use crate::config::Config;
        let path = Path::new("deploy/envparity.toml");
        let text = "[staging]\n[[staging.kubernetes]]\nfile = \"k8s.json\"\n\
                    [[staging.tutor]]\nroot = \"/abs/root\"\n\
                    [production]\n[[production.openedx]]\nlms = \"https://lms.example.org\"\n";
        let c = Config::parse(path, text).unwrap();
        let staging = c.environment("staging").unwrap();
        let found: Vec<(&str, String)> = staging
            .sections
            .iter()
            .map(|s| (s.kind(), s.origin()))
            .collect();
        // Registry order, relative paths made relative to the file.
        assert_eq!(
            found,
            [
                ("tutor", "/abs/root".to_string()),
                ("kubernetes", "deploy/k8s.json".to_string())
            ]
        );
        let e = Config::parse(path, &text.replace("lms = \"https:", "lms = \"ftp:"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("deploy/envparity.toml:7:") && e.contains("[[production.openedx]]"),
            "{e}"
        );
        let e = Config::parse(path, &text.replace("file =", "fil ="))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("deploy/envparity.toml:3:") && e.contains("`fil`"),
            "{e}"
        );
        let e = Config::parse(path, &text.replace("[[staging.tutor]]", "[[staging.tutr]]"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("deploy/envparity.toml:4:") && e.contains("unknown field `tutr`"),
            "{e}"
        );
        let e = Config::parse(
            path,
            "[[staging.kubernetes]]\ntoken_env = \"eyJhbGciOi.secret\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("deploy/envparity.toml:2:"), "{e}");
        assert!(!e.contains("eyJhbGciOi"), "{e}");
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
