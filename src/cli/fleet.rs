//! `envparity fleet`: every staging/production pair of a fleet judged in one run (a
//! fleet file or a directory layout), a shard of it, or the merge of shard reports.
//! Every flag, the fleet file and each instance's config are checked before anything is
//! collected, as for `check`.

use super::{
    GateArgs, Profiles, Target, View, judge_options, judge_options_with, outputs_of, runtime,
};
use crate::collect::DEFAULT_TIMEOUT;
use crate::config::{Config, EnvConfig};
use crate::fleet::file::Instance;
use crate::fleet::run::{Pair, default_jobs};
use crate::fleet::shard::{self, Shard};
use crate::fleet::{FleetGate, FleetReport, discover, file, render};
use crate::normalize::{Fingerprinter, KeyFile, KeySource};
use crate::report::{Format, Verdict};
use crate::snapshot::FingerprintInfo;
use anyhow::{Context as _, Result, bail};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct FleetArgs {
    #[command(subcommand)]
    pub command: Option<FleetCommand>,
    /// The fleet file (TOML): fleet-wide defaults (profile, waivers, fail_on, allow,
    /// ignore, timeout_secs) and one [[instance]] per pair, each with a name and its
    /// [instance.staging] and [instance.production] sources as in a --config file.
    #[arg(
        value_name = "FLEETFILE",
        required_unless_present = "discover",
        conflicts_with = "discover"
    )]
    pub file: Option<PathBuf>,
    /// Find the instances in a directory layout instead: one {STAGING,PRODUCTION} group
    /// and a `*` standing for the instance name, e.g. 'instances/*/{staging,production}'
    /// (Tutor roots) or 'snapshots/*/{staging,production}.json'.
    #[arg(long, value_name = "PATTERN")]
    pub discover: Option<String>,
    /// Instance pairs judged at once (each source still keeps its own deadline).
    /// [default: 4 per core, at least 8, at most 64]
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Judge only shard K of N (1 <= K <= N): the instances whose name hashes to it,
    /// stable as instances come and go. Merge the shards' JSON reports with `envparity
    /// fleet merge`. Needs one fingerprint key for all shards (ENVPARITY_FINGERPRINT_KEY).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Waivers file (TOML, as --waivers) for the fleet-wide findings: a waiver's path
    /// matches a shared value's path or any of its holders' (e.g. one SMTP relay every
    /// instance uses by design). [default: the fleet file's `shared_waivers`]
    #[arg(long, value_name = "FILE")]
    pub shared_waivers: Option<PathBuf>,
    #[command(flatten)]
    pub gate: GateArgs,
}

#[derive(Debug, Subcommand)]
pub enum FleetCommand {
    /// Merge the JSON reports of every shard of a fleet run into one fleet report, with
    /// the fleet-wide findings across all shards.
    Merge(MergeArgs),
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shard reports (written with `envparity fleet --shard K/N --format json`).
    #[arg(value_name = "REPORT", required = true)]
    pub reports: Vec<PathBuf>,
    /// Format written to stdout. [default: table]
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Also write the fleet report to PATH (repeatable), as --output of `fleet`.
    #[arg(short, long, value_name = "[FORMAT=]PATH")]
    pub output: Vec<String>,
    /// List expected differences too.
    #[arg(long)]
    pub show_expected: bool,
    /// Colour in the table report: auto, always, never.
    #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
    pub color: super::ColorChoice,
}

pub(super) fn fleet(a: FleetArgs) -> Result<Verdict> {
    if let Some(FleetCommand::Merge(m)) = a.command {
        return merge(m);
    }
    let outputs = fleet_outputs(&a.gate.output, a.gate.format)?;
    if let Some(p) = &a.gate.write_waivers {
        bail!(
            "--write-waivers {}: a fleet has one waivers file per instance; write them with `envparity check` for the instance",
            p.display()
        );
    }
    let shard = a
        .shard
        .as_deref()
        .map(Shard::parse)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--shard {e}"))?;
    let jobs = match a.jobs {
        Some(0) => bail!("--jobs 0: at least one pair must run at a time"),
        Some(n) => n,
        None => default_jobs(),
    };
    let flag_timeout = a
        .gate
        .timeout
        .map(|s| crate::input::seconds("--timeout", s).map_err(|e| anyhow::anyhow!(e)))
        .transpose()?;
    let (defaults, shared_waivers, instances) = match (&a.file, &a.discover) {
        (Some(f), _) => {
            let fleet = file::load(f)?;
            (Some(fleet.defaults), fleet.shared_waivers, fleet.instances)
        }
        (None, Some(pattern)) => (None, None, discovered(pattern)?),
        (None, None) => bail!("name a fleet file or --discover PATTERN"),
    };
    let fleet_opts = judge_options(&a.gate, defaults.as_ref())?;
    let gate = FleetGate {
        fail_on: fleet_opts.fail_on,
        shared_waivers: match a.shared_waivers.or(shared_waivers) {
            Some(p) => crate::waiver::load(&p)?,
            None => Vec::new(),
        },
        today: fleet_opts.today,
    };
    let mut profiles = Profiles::default();
    let pairs = instances
        .into_iter()
        .filter(|i| shard.is_none_or(|s| s.holds(&i.name)))
        .map(|i| pair(i, &a.gate, flag_timeout, &mut profiles))
        .collect::<Result<Vec<Pair>>>()?;
    let fingerprinter = Fingerprinter::from_env(KeyFile::UseIfPresent)?;
    if shard.is_some() && fingerprinter.source() == KeySource::Run {
        bail!(
            "--shard: shards compare secrets across instances only with one fingerprint key for all of them; set ENVPARITY_FINGERPRINT_KEY (e.g. from a CI secret) in every shard's job"
        );
    }
    let instances = runtime()?.block_on(crate::fleet::run::run(
        pairs,
        jobs,
        &fingerprinter,
        a.gate.quiet,
    ));
    warn_unmatched_ignores(&instances);
    let report = FleetReport::new(instances, gate, FingerprintInfo::of(&fingerprinter), shard);
    let view = View {
        format: a.gate.format,
        show_expected: a.gate.show_expected,
        color: a.gate.color,
    };
    finish(&report, &view, &outputs)
}

fn merge(m: MergeArgs) -> Result<Verdict> {
    let outputs = fleet_outputs(&m.output, m.format)?;
    let mut reports = Vec::new();
    let spool = crate::fleet::spool::Spool::new().ok();
    for path in m.reports {
        let r = shard::read(&path, spool.as_ref())?;
        reports.push((path, r));
    }
    let report = shard::merge(reports, chrono::Utc::now().date_naive())?;
    let view = View {
        format: m.format,
        show_expected: m.show_expected,
        color: m.color,
    };
    finish(&report, &view, &outputs)
}

/// Writes every output, then gives the verdict; an instance that could not be judged
/// makes it trouble (exit 2), named on the one error line, after the reports of all the
/// others are written.
fn finish(report: &FleetReport, view: &View, outputs: &[(Format, Target)]) -> Result<Verdict> {
    view.write_to(outputs, |format, opts, w| {
        render::render_to(report, format, opts, w)
    })?;
    let errors: Vec<String> = report
        .instances
        .iter()
        .filter_map(|i| i.error.as_ref().map(|e| format!("{}: {e}", i.name)))
        .collect();
    if !errors.is_empty() {
        bail!(
            "{} instance(s) could not be judged: {}",
            errors.len(),
            errors.join("; ")
        );
    }
    Ok(report.verdict)
}

/// `--output` of a fleet: as for `check`, but a fleet has no patch.
fn fleet_outputs(output: &[String], format: Option<Format>) -> Result<Vec<(Format, Target)>> {
    if format.is_some_and(|f| !render::supports(f)) {
        bail!(
            "--format patch: a fleet report has no patch (it edits one staging root); run `envparity check` for the instance"
        );
    }
    let outputs = outputs_of(output, format)?;
    if let Some((_, t)) = outputs.iter().find(|(f, _)| !render::supports(*f)) {
        let shown = match t {
            Target::Stdout => "-".to_string(),
            Target::File(p) => p.display().to_string(),
        };
        bail!(
            "--output {shown}: a fleet report has no patch format (it edits one staging root); run `envparity check` for the instance"
        );
    }
    Ok(outputs)
}

/// The instances a directory layout holds, as configs of one source per environment.
fn discovered(pattern: &str) -> Result<Vec<Instance>> {
    Ok(discover::discover(pattern)?
        .into_iter()
        .map(|f| {
            let env = |p: PathBuf| EnvConfig {
                name: None,
                sources: vec![p.display().to_string()],
                sections: Vec::new(),
            };
            let mut config = Config::default();
            config.staging = Some(env(f.staging));
            config.production = Some(env(f.production));
            Instance {
                name: f.name,
                config,
            }
        })
        .collect())
}

/// One instance made ready to run: its sources, gate and deadline, checked now.
fn pair(
    i: Instance,
    gate: &GateArgs,
    flag_timeout: Option<Duration>,
    profiles: &mut Profiles,
) -> Result<Pair> {
    let c = &i.config;
    let context = || format!("instance `{}`", i.name);
    let (s, p) = (c.environment("staging")?, c.environment("production")?);
    let opts = judge_options_with(gate, Some(c), profiles).with_context(context)?;
    Ok(Pair {
        staging: (
            s.name.clone().unwrap_or_else(|| "staging".into()),
            c.sources(s).with_context(context)?,
        ),
        production: (
            p.name.clone().unwrap_or_else(|| "production".into()),
            c.sources(p).with_context(context)?,
        ),
        opts,
        timeout: flag_timeout.or(c.timeout).unwrap_or(DEFAULT_TIMEOUT),
        ignore: gate.ignore.iter().chain(&c.ignore).cloned().collect(),
        name: i.name,
    })
}

/// Warns, once per glob, of an `ignore` glob (a flag's or the fleet file's) that matched
/// no path in any instance it was given for: most often a path copied without its
/// surface, or mistyped. An instance that could not be judged does not count.
fn warn_unmatched_ignores(instances: &[crate::fleet::InstanceReport]) {
    let mut fared: std::collections::BTreeMap<&str, (bool, Option<&str>)> = Default::default();
    for u in instances.iter().flat_map(|i| &i.ignores) {
        let e = fared.entry(&u.glob).or_default();
        e.0 |= u.matched;
        e.1 = e.1.or(u.near.as_deref());
    }
    for (glob, (_, near)) in fared.into_iter().filter(|(_, (matched, _))| !matched) {
        super::warn_unmatched_ignore(&format!("ignore {glob}"), "any instance", near);
    }
}
