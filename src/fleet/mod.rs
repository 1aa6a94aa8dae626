//! Fleets: every staging/production pair of a hosting provider judged in one run, and
//! what two instances share that must be separate.
//!
//! [`file`] reads a fleet file and [`discover`] a directory layout into instances;
//! [`run`] judges them with bounded concurrency, each pair through the same pipeline as
//! `check`; [`shared`] finds the fleet-wide findings; [`shard`] splits a fleet across CI
//! jobs and merges their reports. The [`FleetReport`] is the model every renderer in
//! [`render`] reads.

pub mod discover;
pub mod file;
pub mod render;
pub mod run;
pub mod shard;
pub mod shared;
pub mod spool;

use crate::findings::{Class, WaiverNote};
use crate::profile::Severity;
use crate::report::{Report, Verdict, class_rank};
use crate::snapshot::FingerprintInfo;
use crate::waiver::{Waiver, WaiverStatus};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shard::Shard;
use shared::{Held, Side};
use std::collections::BTreeMap;

pub const FORMAT: &str = "envparity.fleet-report/1";

/// The judgement of a whole fleet (or of one shard of it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetReport {
    pub format: String,
    /// `fail` when an instance fails or errs, or a fleet-wide finding fails the gate.
    pub verdict: Verdict,
    /// Instances by outcome: `pass`, `fail`, `error`.
    pub instances_by_verdict: BTreeMap<InstanceVerdict, usize>,
    /// Findings by class over every instance and the fleet-wide findings.
    pub summary: BTreeMap<Class, usize>,
    /// The classes of fleet-wide findings that fail the gate.
    pub fail_on: Vec<Class>,
    /// The one key every instance's secrets were fingerprinted with.
    pub fingerprint: FingerprintInfo,
    /// The part of the fleet this report covers; absent for a whole fleet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
    /// What different instances share that must be separate.
    pub fleet_findings: Vec<FleetFinding>,
    /// The waivers of fleet-wide findings (`shared_waivers`) and how each fared; `fleet
    /// merge` applies them again from here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shared_waivers: Vec<WaiverStatus>,
    /// Every instance, by name.
    pub instances: Vec<InstanceReport>,
}

/// One instance of the fleet: its verdict, counts and full report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstanceReport {
    pub name: String,
    pub verdict: InstanceVerdict,
    pub summary: BTreeMap<Class, usize>,
    /// Why the instance could not be judged (bad input that `check` would refuse).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The values of its environments that must stay apart from other instances'
    /// (fingerprints and hosts), for fleet-wide findings across shards.
    pub held: Vec<Held>,
    /// The full report of the pair, every finding included (kept in the run's spool
    /// until a format renders it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<spool::Detail>,
    /// How each of the instance's `ignore` globs fared (for a warning after the run;
    /// not reported).
    #[serde(skip)]
    pub ignores: Vec<IgnoreUse>,
    /// The class and path of its most severe finding, taken while the report is at hand
    /// (judged, or read from a shard report) so that a summary row never reads the
    /// report back from the spool.
    #[serde(skip)]
    headline: std::sync::OnceLock<Option<(Class, String)>>,
}

/// Whether an `ignore` glob matched a path in an instance's environments, and if not,
/// the real path nearest to it.
#[derive(Debug, Clone, PartialEq)]
pub struct IgnoreUse {
    pub glob: String,
    pub matched: bool,
    pub near: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InstanceVerdict {
    Pass,
    Fail,
    Error,
}

impl InstanceVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceVerdict::Pass => "pass",
            InstanceVerdict::Fail => "fail",
            InstanceVerdict::Error => "error",
        }
    }
}

/// A value two or more instances share, reported once with every place it is held.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetFinding {
    pub class: Class,
    /// The first path (in order) it is held at.
    pub path: String,
    pub severity: Severity,
    pub message: String,
    /// The shared value: a host, an index, or a secret's fingerprint.
    pub value: Value,
    pub instances: Vec<Holder>,
    /// The shared waiver that matched it: active (the finding is `waived`) or expired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiver: Option<WaiverNote>,
}

/// Where an instance holds a shared value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Holder {
    pub instance: String,
    pub environment: Side,
    pub path: String,
}

/// What decides the fleet-wide findings' part of the verdict.
#[derive(Debug, Clone)]
pub struct FleetGate {
    /// The classes that fail the gate.
    pub fail_on: Vec<Class>,
    /// Waivers of fleet-wide findings: a glob matches a finding's path or any holder's.
    pub shared_waivers: Vec<Waiver>,
    /// The day waivers are checked against.
    pub today: NaiveDate,
}

impl InstanceReport {
    /// An instance judged; its report goes to the spool when there is one (else it
    /// stays in memory).
    pub fn judged(
        name: String,
        report: Report,
        held: Vec<Held>,
        spool: Option<&std::sync::Arc<spool::Spool>>,
    ) -> InstanceReport {
        let verdict = match report.verdict {
            Verdict::Pass => InstanceVerdict::Pass,
            Verdict::Fail => InstanceVerdict::Fail,
        };
        let summary = report.summary.clone();
        let headline = std::sync::OnceLock::from(headline_of(&report));
        let detail = match spool.map(|s| s.put(&report)) {
            Some(Ok(d)) => d,
            _ => spool::Detail::Inline(Box::new(report)),
        };
        InstanceReport {
            name,
            verdict,
            summary,
            error: None,
            held,
            report: Some(detail),
            ignores: Vec::new(),
            headline,
        }
    }

    /// The full report, or why there is none (the instance could not be judged, or its
    /// report could not be read back).
    pub fn full(&self) -> Result<std::borrow::Cow<'_, Report>, String> {
        match (&self.report, &self.error) {
            (Some(d), _) => d.get(),
            (None, Some(e)) => Err(e.clone()),
            (None, None) => Err("no report".into()),
        }
    }

    /// An instance that could not be judged.
    pub fn failed(name: String, error: String) -> InstanceReport {
        InstanceReport {
            name,
            verdict: InstanceVerdict::Error,
            summary: Class::ALL.iter().map(|c| (*c, 0)).collect(),
            error: Some(error),
            held: Vec::new(),
            report: None,
            ignores: Vec::new(),
            headline: std::sync::OnceLock::from(None),
        }
    }

    pub fn count(&self, class: Class) -> usize {
        self.summary.get(&class).copied().unwrap_or(0)
    }

    /// The class and path of the finding a reader should see first (see
    /// [`headline_of`]); the report is read only if it was not at hand before.
    pub fn most_severe(&self) -> Option<(Class, &str)> {
        self.headline
            .get_or_init(|| self.full().ok().and_then(|r| headline_of(&r)))
            .as_ref()
            .map(|(c, p)| (*c, p.as_str()))
    }
}

/// The finding a reader should see first: one that fails the gate before one that does
/// not, then by severity, class and report order; its class and path.
fn headline_of(r: &Report) -> Option<(Class, String)> {
    r.findings
        .iter()
        .filter(|f| f.class != Class::Expected)
        .enumerate()
        .min_by_key(|(i, f)| (!r.fails(f), f.severity, class_rank(f.class), *i))
        .map(|(_, f)| (f.class, f.path.clone()))
}

impl FleetReport {
    /// The report of a set of judged instances: sorted by name, with the fleet-wide
    /// findings among them (waived by `waivers` as of `today`) and the verdict of all.
    pub fn new(
        mut instances: Vec<InstanceReport>,
        gate: FleetGate,
        fingerprint: FingerprintInfo,
        shard: Option<Shard>,
    ) -> FleetReport {
        let FleetGate {
            fail_on,
            shared_waivers,
            today,
        } = gate;
        instances.sort_by(|a, b| a.name.cmp(&b.name));
        let mut fleet_findings = shared::findings(&instances);
        let shared_waivers = shared::waive(&mut fleet_findings, &shared_waivers, today);
        let mut summary: BTreeMap<Class, usize> = Class::ALL.iter().map(|c| (*c, 0)).collect();
        let mut instances_by_verdict: BTreeMap<InstanceVerdict, usize> = [
            InstanceVerdict::Pass,
            InstanceVerdict::Fail,
            InstanceVerdict::Error,
        ]
        .into_iter()
        .map(|v| (v, 0))
        .collect();
        for i in &instances {
            *instances_by_verdict.entry(i.verdict).or_default() += 1;
            for (c, n) in &i.summary {
                *summary.entry(*c).or_default() += n;
            }
        }
        for f in &fleet_findings {
            *summary.entry(f.class).or_default() += 1;
        }
        let failed = instances.iter().any(|i| i.verdict != InstanceVerdict::Pass)
            || fleet_findings.iter().any(|f| fail_on.contains(&f.class));
        FleetReport {
            format: FORMAT.into(),
            verdict: if failed { Verdict::Fail } else { Verdict::Pass },
            instances_by_verdict,
            summary,
            fail_on,
            fingerprint,
            shard,
            fleet_findings,
            shared_waivers,
            instances,
        }
    }

    /// The shared waivers that matched no fleet-wide finding.
    pub fn stale_shared_waivers(&self) -> Vec<&WaiverStatus> {
        self.shared_waivers
            .iter()
            .filter(|w| w.status == "stale")
            .collect()
    }

    pub fn fails(&self, f: &FleetFinding) -> bool {
        self.fail_on.contains(&f.class)
    }

    pub fn count(&self, v: InstanceVerdict) -> usize {
        self.instances_by_verdict.get(&v).copied().unwrap_or(0)
    }

    /// Whether an instance could not be judged: the run ends with exit 2 after every
    /// report is written.
    pub fn has_errors(&self) -> bool {
        self.count(InstanceVerdict::Error) > 0
    }

    /// One line: the verdict and the counts that led to it.
    pub fn verdict_line(&self) -> String {
        let n = self.instances.len();
        let mut parts = vec![format!("{} pass", self.count(InstanceVerdict::Pass))];
        if self.count(InstanceVerdict::Fail) > 0 {
            parts.push(format!("{} fail", self.count(InstanceVerdict::Fail)));
        }
        if self.has_errors() {
            parts.push(format!(
                "{} could not be judged",
                self.count(InstanceVerdict::Error)
            ));
        }
        let of = |class: Class| {
            self.fleet_findings
                .iter()
                .filter(|f| f.class == class)
                .count()
        };
        let (shared, waived) = (of(Class::Shared), of(Class::Waived));
        if shared > 0 {
            parts.push(format!("{shared} shared across instances"));
        }
        if waived > 0 {
            parts.push(format!("{waived} shared by waiver"));
        }
        let scope = match &self.shard {
            Some(s) => format!("{n} instance(s) of shard {s}"),
            None => format!("{n} instance(s)"),
        };
        match self.verdict {
            Verdict::Pass => format!(
                "PASS: every instance holds parity ({scope}: {})",
                parts.join(", ")
            ),
            Verdict::Fail => format!(
                "FAIL: the fleet does not hold parity ({scope}: {})",
                parts.join(", ")
            ),
        }
    }
}
