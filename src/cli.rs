//! The command line: flags are defined once here, with their help beside them.

mod fleet;

use crate::collect::{self, Context, Source};
use crate::config::Config;
use crate::error::Error;
use crate::findings::Class;
use crate::normalize::{Fingerprinter, KeyFile, SecretPolicy};
use crate::profile::{DEFAULT_PROFILE, EMBEDDED, Profile};
use crate::report::{self, Format, RenderOptions, Report, Verdict};
use crate::snapshot::Snapshot;
use crate::tree::Tree;
use crate::{JudgeOptions, judge_keeping, waiver};
use anyhow::{Context as _, Result, bail};
use clap::{Args, Parser, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// Tells where an Open edX staging environment is a reduced copy of production.
#[derive(Debug, Parser)]
#[command(name = "envparity", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Largest file read, in bytes or with a unit (64MiB, 1GiB); a bigger file is an
    /// error naming it. [default: 256MiB]
    #[arg(long, global = true, value_name = "BYTES")]
    pub max_input_size: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Collect both environments and judge their parity (the gate).
    Check(CheckArgs),
    /// Collect one environment into a snapshot file.
    Snapshot(SnapshotArgs),
    /// Judge two snapshot files.
    Diff(DiffArgs),
    /// Judge every staging/production pair of a fleet in one run, and what instances
    /// share across the fleet; or merge the reports of its shards.
    Fleet(fleet::FleetArgs),
    /// List the embedded profiles, or show one.
    Profiles(ProfilesArgs),
    /// Print a shell completion script (generated from these very flags).
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): every command and flag on one page, generated from
    /// these very flags.
    Man,
}

/// When the `table` report is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set or TERM is dumb.
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether stdout gets colour. Files written with --output never do, unless `always`.
    fn for_stdout(self) -> bool {
        use std::io::IsTerminal;
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                // https://no-color.org: any non-empty NO_COLOR turns colour off.
                let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
                let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
                !no_color && !dumb && std::io::stdout().is_terminal()
            }
        }
    }
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Sources of staging: a Tutor root, a snapshot .json, an LMS URL, a datastore URL.
    #[arg(long, num_args = 1.., value_name = "SRC", required_unless_present = "config")]
    pub staging: Vec<String>,
    /// Sources of production, as for --staging.
    #[arg(long, num_args = 1.., value_name = "SRC", required_unless_present = "config")]
    pub production: Vec<String>,
    /// A config file naming the sources of both environments (and their credentials by
    /// environment-variable name).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["staging", "production"])]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub gate: GateArgs,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The staging snapshot.
    #[arg(value_name = "STAGING.json")]
    pub staging: PathBuf,
    /// The production snapshot.
    #[arg(value_name = "PRODUCTION.json")]
    pub production: PathBuf,
    #[command(flatten)]
    pub gate: GateArgs,
}

#[derive(Debug, Args)]
pub struct GateArgs {
    /// Profile: an embedded name (tutor, generic) or a TOML file. [default: tutor, or
    /// the config file's `profile`]
    #[arg(long, value_name = "NAME|PATH")]
    pub profile: Option<String>,
    /// Waivers file (TOML). [default: none, or the config file's `waivers`]
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,
    /// Also fail the gate on these classes: drift, extra, expected, waived. [default:
    /// none; reduced, shared and unknown always fail unless --allow says otherwise]
    #[arg(long, value_delimiter = ',', value_name = "CLASS,...")]
    pub fail_on: Vec<String>,
    /// Do not fail the gate on these classes (e.g. --allow unknown when a source is known
    /// to be unreachable). [default: none]
    #[arg(long, value_delimiter = ',', value_name = "CLASS,...")]
    pub allow: Vec<String>,
    /// Leave these surface paths (globs) out of the comparison, e.g. /features/waffle_flags/**.
    #[arg(long, value_name = "GLOB")]
    pub ignore: Vec<String>,
    /// Format written to stdout. [default: table]
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Also write a report to PATH (repeatable): FORMAT=PATH, or PATH alone with the
    /// format told by its extension (.json, .md, .xml for junit, .sarif, .html, .patch,
    /// .txt for table). PATH `-` is stdout, in place of --format.
    #[arg(short, long, value_name = "[FORMAT=]PATH")]
    pub output: Vec<String>,
    /// Write today's failing findings to FILE as a waivers file (one entry per finding,
    /// reason, owner and expires left to fill in); FILE must not exist yet.
    #[arg(long, value_name = "FILE")]
    pub write_waivers: Option<PathBuf>,
    /// List expected differences too.
    #[arg(long)]
    pub show_expected: bool,
    /// Colour in the table report: auto (a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
    pub color: ColorChoice,
    /// Deadline of each source, in seconds (more than 0, at most 86400). [default: 60, or
    /// the config file's `timeout_secs`]
    #[arg(long, value_name = "SECONDS", allow_negative_numbers = true)]
    pub timeout: Option<f64>,
    /// No progress output on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// The environment's name (staging, production, ...).
    #[arg(long, value_name = "NAME")]
    pub env: String,
    /// Sources of the environment.
    #[arg(long, num_args = 1.., value_name = "SRC", required_unless_present = "config", conflicts_with = "config")]
    pub source: Vec<String>,
    /// A config file; the section named by --env is used.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Profile whose secret-key patterns apply. [default: tutor, or the config file's
    /// `profile`]
    #[arg(long, value_name = "NAME|PATH")]
    pub profile: Option<String>,
    /// Where to write the snapshot: PATH or json=PATH, as --output of check and diff
    /// (a snapshot is JSON); `-` is stdout.
    #[arg(short, long, value_name = "[json=]PATH")]
    pub output: String,
    /// Deadline of each source, in seconds (more than 0, at most 86400). [default: 60, or
    /// the config file's `timeout_secs`]
    #[arg(long, value_name = "SECONDS", allow_negative_numbers = true)]
    pub timeout: Option<f64>,
}

#[derive(Debug, Args)]
pub struct ProfilesArgs {
    #[command(subcommand)]
    pub action: Option<ProfilesAction>,
}

#[derive(Debug, Subcommand)]
pub enum ProfilesAction {
    /// List the embedded profiles.
    List,
    /// Print a profile's TOML (an embedded name or a file, validated first).
    Show { name: String },
}

/// Parses argv, runs, and maps the outcome to 0 / 1 / 2.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    quiet_panics();
    // A panic is a bug, but the contract still holds: one line on stderr and exit 2.
    // (A collector's panic never gets here: it fails that source alone, see `collect`.)
    let outcome = std::panic::catch_unwind(move || run(cli)).unwrap_or_else(|payload| {
        Err(anyhow::anyhow!(
            "internal error: {} (this is a bug in envparity; please report it)",
            crate::collect::panic_message(payload.as_ref())
        ))
    });
    match outcome {
        Ok(Verdict::Pass) => ExitCode::SUCCESS,
        Ok(Verdict::Fail) => ExitCode::from(1),
        Err(e) => {
            // One line, the whole cause chain: what went wrong and where. Whatever a
            // message quotes, no URL in it shows a password or query value, and no
            // control character in it reaches the terminal or starts a new log line.
            let msg = format!("{e:#}").replace(['\n', '\r'], " ");
            let msg = crate::normalize::safe_url(&msg);
            let msg = crate::report::escape::terminal(&msg);
            let _ = writeln!(std::io::stderr(), "envparity: error: {msg}");
            ExitCode::from(2)
        }
    }
}

/// Panics are reported where they are caught (a failed source, or the one error line), so
/// the default hook's lines on stderr would only break the one-line contract. With
/// `RUST_BACKTRACE` set, they are printed as usual, for whoever debugs.
fn quiet_panics() {
    if std::env::var_os("RUST_BACKTRACE").is_none_or(|v| v.is_empty() || v == "0") {
        std::panic::set_hook(Box::new(|_| {}));
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<Verdict> {
    if let Some(size) = &cli.max_input_size {
        let bytes =
            crate::input::parse_size(size).map_err(|e| anyhow::anyhow!("--max-input-size {e}"))?;
        crate::input::set_max_input_size(bytes);
    }
    match cli.command {
        Command::Check(a) => check(a),
        Command::Diff(a) => diff(a),
        Command::Fleet(a) => fleet::fleet(a),
        Command::Snapshot(a) => snapshot(a),
        Command::Profiles(a) => profiles(a),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut cmd, "envparity", &mut out);
            print_stdout(&out)?;
            Ok(Verdict::Pass)
        }
        Command::Man => {
            let out = manual().context("rendering the manual page")?;
            print_stdout(&out)?;
            Ok(Verdict::Pass)
        }
    }
}

/// The manual page: one page, `envparity(1)`, with every command's synopsis and flags,
/// so that it names no page that is not installed.
fn manual() -> std::io::Result<Vec<u8>> {
    let mut cmd = <Cli as clap::CommandFactory>::command().disable_help_subcommand(true);
    cmd.build();
    let top = clap_mangen::Man::new(cmd.clone());
    let mut out = Vec::new();
    top.render_title(&mut out)?;
    top.render_name_section(&mut out)?;
    top.render_synopsis_section(&mut out)?;
    top.render_description_section(&mut out)?;
    top.render_options_section(&mut out)?;
    out.extend_from_slice(b".SH COMMANDS\n");
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let page = clap_mangen::Man::new(sub.clone());
        let mut synopsis = Vec::new();
        page.render_synopsis_section(&mut synopsis)?;
        let mut options = Vec::new();
        if sub.get_arguments().any(|a| !a.is_hide_set()) {
            page.render_options_section(&mut options)?;
        }
        let mut about = Vec::new();
        page.render_description_section(&mut about)?;
        // Each command's sections become subsections of COMMANDS.
        let demote = |roff: Vec<u8>| {
            String::from_utf8_lossy(&roff)
                .lines()
                .filter(|l| !l.starts_with(".SH"))
                .map(|l| format!("{l}\n"))
                .collect::<String>()
        };
        out.extend_from_slice(format!(".SS \"envparity {}\"\n", sub.get_name()).as_bytes());
        out.extend_from_slice(demote(about).as_bytes());
        out.extend_from_slice(demote(synopsis).as_bytes());
        out.extend_from_slice(demote(options).as_bytes());
    }
    out.extend_from_slice(MAN_TAIL.as_bytes());
    Ok(out)
}

/// What the manual says beyond the flags: exit codes, environment, files.
const MAN_TAIL: &str = r#".SH "EXIT STATUS"
.TP
0
parity holds: no finding of a failing class
.TP
1
the gate failed: at least one finding of a failing class
.TP
2
trouble: bad arguments, unreadable input, invalid profile, config or waivers (one line on stderr naming the file, URL or key)
.SH ENVIRONMENT
.TP
ENVPARITY_FINGERPRINT_KEY
the key of secret fingerprints; without it, the per-user key file (see FILES)
.TP
ENVPARITY_<ENV>_CLIENT_ID, ENVPARITY_<ENV>_CLIENT_SECRET, ENVPARITY_<ENV>_MYSQL_PASSWORD, ENVPARITY_<ENV>_REDIS_PASSWORD, ENVPARITY_<ENV>_MONGODB_PASSWORD
credentials of the command-line sources of environment <ENV> (STAGING, PRODUCTION)
.TP
NO_COLOR
no colour in the table on a terminal
.SH FILES
.TP
$XDG_CONFIG_HOME/envparity/fingerprint-key (else ~/.config/envparity/fingerprint-key)
the per-user fingerprint key, made by the first snapshot (0600, in a 0700 directory)
"#;

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// The deadline of each source: `--timeout`, else the config's `timeout_secs` (checked
/// when the config was read), else the default.
fn timeout(flag: Option<f64>, config: Option<&Config>) -> Result<Duration> {
    match flag {
        Some(secs) => crate::input::seconds("--timeout", secs).map_err(|e| anyhow::anyhow!(e)),
        None => Ok(config
            .and_then(|c| c.timeout)
            .unwrap_or(collect::DEFAULT_TIMEOUT)),
    }
}

fn shortcuts(srcs: &[String]) -> Result<Vec<Source>> {
    srcs.iter()
        .map(|s| crate::config::shortcut(s).map_err(anyhow::Error::from))
        .collect()
}

fn check(a: CheckArgs) -> Result<Verdict> {
    // Every flag and config value is checked before anything is collected: a typo must
    // not cost a whole --timeout.
    let outputs = report_outputs(&a.gate)?;
    let config = a.config.as_deref().map(Config::load).transpose()?;
    let deadline = timeout(a.gate.timeout, config.as_ref())?;
    let (s_name, p_name, s_src, p_src) = match &config {
        Some(c) => {
            let (s, p) = (c.environment("staging")?, c.environment("production")?);
            (
                s.name.clone().unwrap_or_else(|| "staging".into()),
                p.name.clone().unwrap_or_else(|| "production".into()),
                c.sources(s)?,
                c.sources(p)?,
            )
        }
        None => (
            "staging".into(),
            "production".into(),
            shortcuts(&a.staging)?,
            shortcuts(&a.production)?,
        ),
    };
    let opts = judge_options(&a.gate, config.as_ref())?;
    let ctx = Context {
        environment: String::new(),
        fingerprinter: Fingerprinter::from_env(KeyFile::UseIfPresent)?,
        secrets: SecretPolicy::with_extra(&opts.profile.secret_keys),
        timeout: deadline,
        quiet: a.gate.quiet,
    };
    let (staging, production) = runtime()?.block_on(collect::collect_pair(
        (&s_name, &s_src),
        (&p_name, &p_src),
        &ctx,
    ))?;
    collect::check_snapshot_keys(&staging, &s_src, &ctx.fingerprinter)?;
    collect::check_snapshot_keys(&production, &p_src, &ctx.fingerprinter)?;
    let (mut staging, mut production) = (staging.into_tree(), production.into_tree());
    crate::normalize::recognise_fingerprints(&mut staging, &mut production, &ctx.fingerprinter);
    let (report, staging, production) = judge_keeping(staging, production, &opts);
    crate::refuse_overflow(&staging, &production).map_err(anyhow::Error::msg)?;
    warn_unmatched_ignores(&a.gate, &staging, &production);
    // Freeing the surfaces just before exit would only delay it (see `judge_keeping`).
    std::mem::forget((staging, production));
    emit(report, &a.gate, &outputs)
}

fn diff(a: DiffArgs) -> Result<Verdict> {
    // diff collects nothing, but a bad --timeout is still a mistake worth naming.
    timeout(a.gate.timeout, None)?;
    let outputs = report_outputs(&a.gate)?;
    let opts = judge_options(&a.gate, None)?;
    // A hand-made snapshot may hold plaintext secrets: each file's are fingerprinted as
    // soon as it is read, on the thread that read it, before anything can print them.
    // With no shared key, equal plaintexts still fingerprint equally. The two files are
    // read at once; staging's error comes first, should both be bad, and the key's last.
    let fp = Fingerprinter::from_env(KeyFile::UseIfPresent);
    let policy = SecretPolicy::with_extra(&opts.profile.secret_keys);
    let key = fp.as_ref().ok();
    let read = |path: &Path| {
        let mut s = read_snapshot(path)?;
        if let Some(fp) = key {
            crate::normalize::redact_snapshot(&mut s, &policy, fp);
        }
        anyhow::Ok(s)
    };
    let (staging, production) = crate::both(|| read(&a.staging), || read(&a.production));
    let (mut staging, mut production) = (staging?, production?);
    crate::snapshot::check_same_key((&a.staging, &staging), (&a.production, &production))?;
    let fp = fp?;
    crate::normalize::recognise_fingerprints(&mut staging, &mut production, &fp);
    let (report, staging, production) = judge_keeping(staging, production, &opts);
    crate::refuse_overflow(&staging, &production).map_err(anyhow::Error::msg)?;
    warn_unmatched_ignores(&a.gate, &staging, &production);
    // Freeing two large surfaces just before exit would only delay it.
    std::mem::forget((staging, production));
    emit(report, &a.gate, &outputs)
}

/// Reads a snapshot named on `diff`'s command line. A Tutor root or another directory
/// there is a mix-up between `diff` and `check`, and the message says which to run.
fn read_snapshot(path: &Path) -> Result<Snapshot<Tree>> {
    if path.is_dir() {
        let shown = path.display();
        if crate::collect::tutor::is_root(path) {
            bail!(
                "{shown}: is a Tutor project root, not an envparity snapshot; judge Tutor roots with `envparity check --staging ROOT --production ROOT`, or write a snapshot first with `envparity snapshot --env NAME --source {shown} -o FILE`"
            );
        }
        bail!(
            "{shown}: is a directory, not an envparity snapshot; `diff` judges two snapshot files, `envparity check` judges Tutor roots and live sources"
        );
    }
    Snapshot::read_tree(path).map_err(|e| {
        // A Tutor root's own files (config.yml, a rendered env file) are not snapshots
        // either, but their root is something `check` reads.
        let root = path
            .ancestors()
            .skip(1)
            .take(5)
            .map(|r| if r.as_os_str().is_empty() { Path::new(".") } else { r })
            .find(|r| crate::collect::tutor::is_root(r));
        match (&e, root) {
            (crate::error::Error::Parse { .. } | crate::error::Error::Invalid { .. }, Some(r)) => {
                anyhow::anyhow!(
                    "{e}; it lies in the Tutor project root {}: judge Tutor roots with `envparity check --staging ROOT --production ROOT`",
                    r.display()
                )
            }
            _ => e.into(),
        }
    })
}

fn snapshot(a: SnapshotArgs) -> Result<Verdict> {
    let output = snapshot_output(&a.output)?;
    let config = a.config.as_deref().map(Config::load).transpose()?;
    let deadline = timeout(a.timeout, config.as_ref())?;
    let sources = match &config {
        Some(c) => c.sources(c.environment(&a.env)?)?,
        None => shortcuts(&a.source)?,
    };
    let profile = Profile::resolve(
        a.profile
            .as_deref()
            .or(config.as_ref().and_then(|c| c.profile.as_deref()))
            .unwrap_or(DEFAULT_PROFILE),
    )?;
    let ctx = Context {
        environment: a.env.clone(),
        // A snapshot's fingerprints outlive the run: they are made with a lasting key.
        fingerprinter: Fingerprinter::from_env(KeyFile::Create)?,
        secrets: SecretPolicy::with_extra(&profile.secret_keys),
        timeout: deadline,
        quiet: false,
    };
    let snap = runtime()?.block_on(collect::collect_environment(&sources, &ctx))?;
    match output {
        Target::Stdout => stream_stdout(|w| snap.write_json(w))?,
        Target::File(path) => write_file_with(&path, |w| snap.write_json(w))?,
    }
    Ok(Verdict::Pass)
}

fn profiles(a: ProfilesArgs) -> Result<Verdict> {
    let mut out = std::io::stdout().lock();
    match a.action.unwrap_or(ProfilesAction::List) {
        ProfilesAction::List => {
            for (name, _) in EMBEDDED {
                let p = Profile::resolve(name)?;
                writeln!(out, "{name:<10} {}", p.description)?;
            }
        }
        ProfilesAction::Show { name } => {
            Profile::resolve(&name)?;
            let text = match EMBEDDED.iter().find(|(n, _)| *n == name) {
                Some((_, t)) => t.to_string(),
                None => crate::error::read_file(Path::new(&name))?,
            };
            write!(out, "{text}")?;
        }
    }
    Ok(Verdict::Pass)
}

fn classes(list: &[String], flag: &str) -> Result<Vec<Class>> {
    list.iter()
        .map(|s| {
            Class::parse(s.trim()).ok_or_else(|| {
                anyhow::anyhow!("{flag}: unknown class `{s}` (expected reduced, shared, unknown, drift, extra, waived or expected)")
            })
        })
        .collect()
}

/// Profiles already resolved in this run, by name and ignore globs: a fleet of a
/// thousand instances holds one copy of each.
#[derive(Default)]
struct Profiles(std::collections::HashMap<(String, Vec<String>), std::sync::Arc<Profile>>);

impl Profiles {
    fn get(&mut self, name: &str, ignore: &[String]) -> Result<std::sync::Arc<Profile>> {
        let key = (name.to_string(), ignore.to_vec());
        if let Some(p) = self.0.get(&key) {
            return Ok(p.clone());
        }
        let p = std::sync::Arc::new(Profile::resolve(name)?.with_ignored(ignore)?);
        self.0.insert(key, p.clone());
        Ok(p)
    }
}

fn judge_options(g: &GateArgs, config: Option<&Config>) -> Result<JudgeOptions> {
    judge_options_with(g, config, &mut Profiles::default())
}

fn judge_options_with(
    g: &GateArgs,
    config: Option<&Config>,
    profiles: &mut Profiles,
) -> Result<JudgeOptions> {
    let name = g
        .profile
        .as_deref()
        .or(config.and_then(|c| c.profile.as_deref()))
        .unwrap_or(DEFAULT_PROFILE);
    let mut ignore = g.ignore.clone();
    let mut fail_on = Class::FAILING_BY_DEFAULT.to_vec();
    let mut allow = classes(&g.allow, "--allow")?;
    if let Some(c) = config {
        ignore.extend(c.ignore.iter().cloned());
        fail_on.extend(classes(&c.fail_on, "fail_on")?);
        allow.extend(classes(&c.allow, "allow")?);
    }
    fail_on.extend(classes(&g.fail_on, "--fail-on")?);
    fail_on.retain(|c| !allow.contains(c));
    fail_on.sort();
    fail_on.dedup();
    let profile = profiles.get(name, &ignore)?;
    if let Some(p) = g.write_waivers.as_deref().filter(|p| p.exists()) {
        bail!(
            "--write-waivers {}: the file exists; it would be overwritten (remove it or pick another name)",
            p.display()
        );
    }
    let waivers_path = g
        .waivers
        .clone()
        .or_else(|| config.and_then(|c| c.waivers.as_ref().map(|w| c.resolve(w))));
    let waivers = match waivers_path {
        Some(p) => waiver::load(&p)?,
        None => Vec::new(),
    };
    Ok(JudgeOptions {
        profile,
        waivers,
        fail_on,
        today: chrono::Utc::now().date_naive(),
    })
}

/// Where one output goes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Stdout,
    File(PathBuf),
}

/// The formats a report file's extension stands for, when `--output` names no format.
const EXTENSIONS: [(&str, Format); 9] = [
    ("json", Format::Json),
    ("md", Format::Markdown),
    ("markdown", Format::Markdown),
    ("xml", Format::Junit),
    ("sarif", Format::Sarif),
    ("html", Format::Html),
    ("htm", Format::Html),
    ("patch", Format::Patch),
    ("txt", Format::Table),
];

/// Splits `[FORMAT=]PATH`. A prefix before `=` that reads as a word (no `/` or `.`) is
/// taken for a format, so that `yml=out.yml` is a mistyped format, not a file name.
fn split_output<'a>(flag: &str, value: &'a str) -> Result<(Option<&'a str>, &'a str)> {
    let (format, path) = match value.split_once('=') {
        Some((f, p))
            if !f.is_empty()
                && f.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
        {
            (Some(f), p)
        }
        _ => (None, value),
    };
    if path.is_empty() {
        bail!("{flag} `{value}`: no path (write PATH, FORMAT=PATH, or - for stdout)");
    }
    Ok((format, path))
}

/// A path to write checked before any work: `-` is stdout, and a file must not be a
/// directory and must have an existing directory to go into.
fn target(flag: &str, value: &str, path: &str) -> Result<Target> {
    if path == "-" {
        return Ok(Target::Stdout);
    }
    let p = PathBuf::from(path);
    if p.is_dir() {
        bail!("{flag} `{value}`: {path} is a directory, expected a file to write");
    }
    if let Some(parent) = p.parent().filter(|d| !d.as_os_str().is_empty())
        && !parent.is_dir()
    {
        bail!(
            "{flag} `{value}`: no directory {} to write into",
            parent.display()
        );
    }
    Ok(Target::File(p))
}

/// The `--output` values of `check` and `diff`, checked before anything is collected.
fn report_outputs(g: &GateArgs) -> Result<Vec<(Format, Target)>> {
    outputs_of(&g.output, g.format)
}

/// `--output` values checked against `--format` (see [`report_outputs`]).
fn outputs_of(output: &[String], stdout: Option<Format>) -> Result<Vec<(Format, Target)>> {
    let names = || Format::names().join(", ");
    let mut out = Vec::new();
    for o in output {
        let (format, path) = split_output("--output", o)?;
        let format = match format {
            Some(f) => Format::parse(f).ok_or_else(|| {
                anyhow::anyhow!(
                    "--output `{o}`: unknown format `{f}` (expected one of {})",
                    names()
                )
            })?,
            None if path == "-" => stdout.unwrap_or(Format::Table),
            None => {
                let ext = Path::new(path)
                    .extension()
                    .and_then(|e| e.to_str())
                    .map(str::to_ascii_lowercase)
                    .unwrap_or_default();
                EXTENSIONS
                    .iter()
                    .find(|(e, _)| *e == ext)
                    .map(|(_, f)| *f)
                    .ok_or_else(|| {
                        anyhow::anyhow!(
                            "--output `{o}`: cannot tell the format from the file name; write FORMAT=PATH, e.g. json={path} (formats: {})",
                            names()
                        )
                    })?
            }
        };
        out.push((format, target("--output", o, path)?));
    }
    let to_stdout: Vec<&(Format, Target)> =
        out.iter().filter(|(_, t)| *t == Target::Stdout).collect();
    if to_stdout.len() > 1 {
        bail!("--output: more than one output to stdout (-)");
    }
    if let (Some((f, _)), Some(given)) = (to_stdout.first(), stdout)
        && *f != given
    {
        bail!(
            "--output: a report to stdout (-) and --format {} both claim stdout; keep one",
            Format::names()
                .into_iter()
                .find(|n| Format::parse(n) == Some(given))
                .unwrap_or_default()
        );
    }
    Ok(out)
}

/// `snapshot --output`: PATH or json=PATH (a snapshot is JSON), `-` for stdout.
fn snapshot_output(value: &str) -> Result<Target> {
    let (format, path) = split_output("--output", value)?;
    if let Some(f) = format
        && !f.eq_ignore_ascii_case("json")
    {
        bail!(
            "--output `{value}`: a snapshot is written as json, not `{f}` (write PATH or json=PATH)"
        );
    }
    target("--output", value, path)
}

/// One line on stderr for each `--ignore` glob that matches no path of either surface
/// (most often a path copied without its surface), naming the nearest real path.
fn warn_unmatched_ignores(g: &GateArgs, staging: &Snapshot<Tree>, production: &Snapshot<Tree>) {
    let surfaces = [staging.surface.root(), production.surface.root()];
    for (glob, near) in waiver::unmatched(&g.ignore, &surfaces) {
        warn_unmatched_ignore(
            &format!("--ignore {glob}"),
            "either environment",
            near.as_deref(),
        );
    }
}

/// One line on stderr: an ignore glob (`what`) matched no path in `scope`, with the
/// nearest real path when there is one.
fn warn_unmatched_ignore(what: &str, scope: &str, near: Option<&str>) {
    let hint = near
        .map(|p| format!("; did you mean {p}?"))
        .unwrap_or_default();
    eprintln!(
        "envparity: {}: matches no path in {scope}{}",
        crate::report::escape::terminal(what),
        crate::report::escape::terminal(&hint)
    );
}

/// Writes the stdout format and every --output file, then returns the verdict.
fn emit(report: Report, g: &GateArgs, outputs: &[(Format, Target)]) -> Result<Verdict> {
    let view = View {
        format: g.format,
        show_expected: g.show_expected,
        color: g.color,
    };
    if let Some(path) = &g.write_waivers {
        write_file(path, &report::baseline_waivers(&report))?;
        if !g.quiet {
            eprintln!(
                "envparity: wrote {} waiver(s) to {}; fill in reason, owner and expires before using it with --waivers",
                report.findings.iter().filter(|f| report.fails(f)).count(),
                path.display()
            );
        }
    }
    view.write(outputs, |format, opts| {
        report::render(&report, format, opts)
    })?;
    Ok(report.verdict)
}

/// How reports are shown: the stdout format and the render options of stdout and files.
struct View {
    format: Option<Format>,
    show_expected: bool,
    color: ColorChoice,
}

impl View {
    /// Writes every --output file, then the stdout format, each rendered by `render`.
    fn write(
        &self,
        outputs: &[(Format, Target)],
        render: impl Fn(Format, &RenderOptions) -> String,
    ) -> Result<()> {
        self.write_to(outputs, |format, opts, w| {
            w.write_all(render(format, opts).as_bytes())
        })
    }

    /// As [`View::write`], for renderers that write as they go (a fleet report of
    /// thousands of instances is never held whole).
    fn write_to(
        &self,
        outputs: &[(Format, Target)],
        render: impl Fn(Format, &RenderOptions, &mut dyn Write) -> std::io::Result<()>,
    ) -> Result<()> {
        let file_opts = RenderOptions {
            show_expected: self.show_expected,
            color: self.color == ColorChoice::Always,
            width: None,
        };
        let opts = RenderOptions {
            color: self.color.for_stdout(),
            width: report::stdout_width(),
            ..file_opts.clone()
        };
        let mut stdout_format = self.format.unwrap_or(Format::Table);
        for (format, target) in outputs {
            match target {
                Target::File(path) => write_file_with(path, |w| render(*format, &file_opts, w))?,
                Target::Stdout => stdout_format = *format,
            }
        }
        stream_stdout(|w| render(stdout_format, &opts, w))
    }
}

fn print_stdout(bytes: &[u8]) -> Result<()> {
    stream_stdout(|w| w.write_all(bytes))
}

/// Writes to stdout through a buffer as `write` goes.
fn stream_stdout(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    // A closed pipe (`| head`) is not an error worth a message; anything else is.
    if let Err(e) = write(&mut out).and_then(|_| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(e).context("writing to stdout");
    }
    Ok(())
}

fn write_file_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    if path.is_dir() {
        return Err(Error::invalid(path, "is a directory, expected a file to write").into());
    }
    let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    let mut out = std::io::BufWriter::new(file);
    write(&mut out)
        .and_then(|_| out.flush())
        .map_err(|e| Error::io(path, e).into())
}

fn write_file(path: &Path, text: &str) -> Result<()> {
    write_file_with(path, |w| w.write_all(text.as_bytes()))
}
