//! The command line: flags are defined once here, with their help beside them.

use crate::classify::Class;
use crate::collect::{self, Context, Source};
use crate::config::Config;
use crate::error::Error;
use crate::normalize::{Fingerprinter, SecretPolicy};
use crate::profile::{DEFAULT_PROFILE, EMBEDDED, Profile};
use crate::report::{self, Format, RenderOptions, Report, Verdict};
use crate::snapshot::Snapshot;
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
    /// error naming it. Default 256MiB.
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
    /// List the embedded profiles, or show one.
    Profiles(ProfilesArgs),
    /// Print a shell completion script (generated from these very flags).
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), generated from these very flags.
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
    /// Profile: an embedded name (tutor, generic) or a TOML file.
    #[arg(long, value_name = "NAME|PATH")]
    pub profile: Option<String>,
    /// Waivers file (TOML).
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,
    /// Also fail the gate on these classes (reduced, shared and unknown always fail
    /// unless --allow says otherwise).
    #[arg(long, value_delimiter = ',', value_name = "CLASS,...")]
    pub fail_on: Vec<String>,
    /// Do not fail the gate on these classes (e.g. --allow unknown when a source is known
    /// to be unreachable).
    #[arg(long, value_delimiter = ',', value_name = "CLASS,...")]
    pub allow: Vec<String>,
    /// Leave these surface paths (globs) out of the comparison, e.g. /features/waffle_flags/**.
    #[arg(long, value_name = "GLOB")]
    pub ignore: Vec<String>,
    /// Format written to stdout.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Also write FORMAT to PATH (repeatable), e.g. --output json=report.json.
    #[arg(long, value_name = "FORMAT=PATH")]
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
    /// Deadline of each source, in seconds (more than 0, at most 86400).
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
    /// Profile whose secret-key patterns apply.
    #[arg(long, value_name = "NAME|PATH")]
    pub profile: Option<String>,
    /// Where to write the snapshot.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Deadline of each source, in seconds (more than 0, at most 86400).
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
            let cmd = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut out)
                .context("rendering the manual page")?;
            print_stdout(&out)?;
            Ok(Verdict::Pass)
        }
    }
}

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
        .map(|s| Source::from_shortcut(s).map_err(anyhow::Error::from))
        .collect()
}

fn check(a: CheckArgs) -> Result<Verdict> {
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
        fingerprinter: Fingerprinter::from_env(),
        secrets: SecretPolicy::with_extra(&opts.profile.secret_keys),
        timeout: deadline,
        quiet: a.gate.quiet,
    };
    let (staging, production) = runtime()?.block_on(collect::collect_pair(
        (&s_name, &s_src),
        (&p_name, &p_src),
        &ctx,
    ))?;
    let (mut staging, mut production) = (staging, production);
    crate::normalize::recognise_fingerprints(&mut staging, &mut production, &ctx.fingerprinter);
    let (report, staging, production) = judge_keeping(staging, production, &opts);
    warn_unmatched_ignores(&a.gate, &staging, &production);
    // Freeing the surfaces just before exit would only delay it (see `judge_keeping`).
    std::mem::forget((staging, production));
    emit(report, &a.gate)
}

fn diff(a: DiffArgs) -> Result<Verdict> {
    // diff collects nothing, but a bad --timeout is still a mistake worth naming.
    timeout(a.gate.timeout, None)?;
    let opts = judge_options(&a.gate, None)?;
    let staging = Snapshot::read(&a.staging)?;
    let production = Snapshot::read(&a.production)?;
    // A hand-made snapshot may hold plaintext secrets: fingerprint them before anything
    // can print them. With no shared key, equal plaintexts still fingerprint equally.
    let fp = Fingerprinter::from_env();
    let policy = SecretPolicy::with_extra(&opts.profile.secret_keys);
    let (mut staging, mut production) = (staging, production);
    crate::normalize::redact_snapshot(&mut staging, &policy, &fp);
    crate::normalize::redact_snapshot(&mut production, &policy, &fp);
    crate::normalize::recognise_fingerprints(&mut staging, &mut production, &fp);
    let (report, staging, production) = judge_keeping(staging, production, &opts);
    warn_unmatched_ignores(&a.gate, &staging, &production);
    // Freeing two large surfaces just before exit would only delay it.
    std::mem::forget((staging, production));
    emit(report, &a.gate)
}

fn snapshot(a: SnapshotArgs) -> Result<Verdict> {
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
        fingerprinter: Fingerprinter::from_env(),
        secrets: SecretPolicy::with_extra(&profile.secret_keys),
        timeout: deadline,
        quiet: false,
    };
    let snap = runtime()?.block_on(collect::collect_environment(&sources, &ctx))?;
    write_file(&a.output, &snap.to_json())?;
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

fn judge_options(g: &GateArgs, config: Option<&Config>) -> Result<JudgeOptions> {
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
    let profile = Profile::resolve(name)?.with_ignored(&ignore)?;
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

/// One line on stderr for each `--ignore` glob that matches no path of either surface
/// (most often a path copied without its surface), naming the nearest real path.
fn warn_unmatched_ignores(g: &GateArgs, staging: &Snapshot, production: &Snapshot) {
    for (glob, near) in waiver::unmatched(&g.ignore, &[&staging.surface, &production.surface]) {
        let hint = near
            .map(|p| format!("; did you mean {p}?"))
            .unwrap_or_default();
        eprintln!(
            "envparity: --ignore {}: matches no path in either environment{}",
            crate::report::escape::terminal(glob),
            crate::report::escape::terminal(&hint)
        );
    }
}

/// Writes the stdout format and every --output file, then returns the verdict.
fn emit(report: Report, g: &GateArgs) -> Result<Verdict> {
    let file_opts = RenderOptions {
        show_expected: g.show_expected,
        color: g.color == ColorChoice::Always,
        width: None,
    };
    let opts = RenderOptions {
        color: g.color.for_stdout(),
        width: report::stdout_width(),
        ..file_opts.clone()
    };
    let mut outputs = Vec::new();
    for o in &g.output {
        let Some((fmt, path)) = o.split_once('=') else {
            bail!("--output `{o}`: expected FORMAT=PATH, e.g. json=report.json");
        };
        let Some(format) = Format::parse(fmt) else {
            bail!(
                "--output `{o}`: unknown format `{fmt}` (expected one of {})",
                Format::names().join(", ")
            );
        };
        if path.is_empty() {
            bail!("--output `{o}`: no path after `=`");
        }
        outputs.push((format, PathBuf::from(path)));
    }
    for (format, path) in &outputs {
        write_file(path, &report::render(&report, *format, &file_opts))?;
    }
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
    let text = report::render(&report, g.format, &opts);
    print_stdout(text.as_bytes())?;
    Ok(report.verdict)
}

fn print_stdout(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth a message; anything else is.
    if let Err(e) = out.write_all(bytes).and_then(|_| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(e).context("writing to stdout");
    }
    Ok(())
}

fn write_file(path: &Path, text: &str) -> Result<()> {
    if path.is_dir() {
        return Err(Error::invalid(path, "is a directory, expected a file to write").into());
    }
    std::fs::write(path, text).map_err(|e| Error::io(path, e).into())
}
