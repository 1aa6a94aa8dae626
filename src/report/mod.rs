//! The report model and its renderers. A renderer takes a finished [`Report`] and
//! returns text; it never reaches back into collection or comparison. Adding a format
//! is one new file here plus one variant of [`Format`].

mod baseline;
pub(crate) mod escape;
pub(crate) mod github;
pub(crate) mod html;
mod json;
pub(crate) mod junit;
pub(crate) mod markdown;
mod patch;
pub(crate) mod sarif;
pub(crate) mod table;

pub use table::stdout_width;

/// Today's failing findings as a waivers file to fill in (`--write-waivers`).
pub fn baseline_waivers(report: &Report) -> String {
    baseline::render(report)
}

use crate::findings::{Class, Finding};
use crate::snapshot::SourceStatus;
use crate::surface::surface_rank;
use crate::waiver::WaiverStatus;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const FORMAT: &str = "envparity.report/1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Environments {
    pub staging: String,
    pub production: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sources {
    pub staging: BTreeMap<String, SourceStatus>,
    pub production: BTreeMap<String, SourceStatus>,
}

/// The finished judgement of one staging/production pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub format: String,
    pub verdict: Verdict,
    pub fail_on: Vec<Class>,
    pub profile: String,
    pub environments: Environments,
    pub summary: BTreeMap<Class, usize>,
    /// What each environment runs, their order, and how many differences the release
    /// explains; absent when neither environment's release is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<crate::release::attribution::ReleaseSummary>,
    pub sources: Sources,
    pub findings: Vec<Finding>,
    pub waivers: Vec<WaiverStatus>,
}

impl Report {
    /// The findings a reader sees: expected ones only when asked for.
    pub fn visible<'a>(
        &'a self,
        opts: &'a RenderOptions,
    ) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings
            .iter()
            .filter(move |f| opts.show_expected || f.class != Class::Expected)
    }

    /// The visible findings that are listed under their surfaces: all but those that come
    /// with the release, which are listed under its heading.
    pub fn listed<'a>(&'a self, opts: &'a RenderOptions) -> impl Iterator<Item = &'a Finding> + 'a {
        self.visible(opts).filter(|f| !self.is_attributed(f))
    }

    /// The differences that come with the release, listed under its heading instead of
    /// their surfaces.
    pub fn attributed(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| self.is_attributed(f))
    }

    /// A difference the release explains, other than the one that stands for the release.
    fn is_attributed(&self, f: &Finding) -> bool {
        f.release
            && f.class == Class::Expected
            && self.release.as_ref().and_then(|r| r.path.as_deref()) != Some(f.path.as_str())
    }

    /// The one line that says the environments run different releases, and how many
    /// differences come with that (see [`crate::release::attribution`]).
    pub fn release_heading(&self) -> Option<String> {
        self.release.as_ref()?.heading()
    }

    /// How many expected differences a listing leaves out (all of them, unless
    /// `--show-expected`): every human format says so in one line.
    pub fn hidden_expected(&self, opts: &RenderOptions) -> usize {
        if opts.show_expected {
            0
        } else {
            let expected = self.summary.get(&Class::Expected).copied().unwrap_or(0);
            expected.saturating_sub(self.attributed().count())
        }
    }

    /// One line for a finding: class, why, and both environments' values (JUnit failure
    /// messages and SARIF results both say it this way).
    pub fn finding_line(&self, f: &Finding) -> String {
        format!(
            "{}: {} ({}: {}; {}: {})",
            f.class,
            f.message,
            self.environments.staging,
            crate::findings::brief(f.staging.as_ref()),
            self.environments.production,
            crate::findings::brief(f.production.as_ref())
        )
    }

    /// Whether a finding's class fails the gate.
    pub fn fails(&self, f: &Finding) -> bool {
        self.fail_on.contains(&f.class)
    }

    /// One line: the verdict and the counts that led to it.
    pub fn verdict_line(&self) -> String {
        let counts: Vec<String> = self
            .summary
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(c, n)| format!("{n} {c}"))
            .collect();
        let counts = if counts.is_empty() {
            "no differences".to_string()
        } else {
            counts.join(", ")
        };
        let fail_on: Vec<&str> = self.fail_on.iter().map(|c| c.as_str()).collect();
        match self.verdict {
            Verdict::Pass => format!(
                "PASS: parity holds ({counts}; gate fails on {})",
                fail_on.join(", ")
            ),
            Verdict::Fail => format!(
                "FAIL: staging is not a faithful copy of production ({counts}; gate fails on {})",
                fail_on.join(", ")
            ),
        }
    }
}

/// Rank of a class in reports: reduced and shared first, expected last.
pub fn class_rank(c: Class) -> usize {
    Class::ALL
        .iter()
        .position(|x| *x == c)
        .unwrap_or(usize::MAX)
}

/// The one order of findings every format uses: by surface (design order), then class
/// (reduced and shared first), then path.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        surface_rank(&a.surface)
            .cmp(&surface_rank(&b.surface))
            .then(class_rank(a.class).cmp(&class_rank(b.class)))
            .then_with(|| a.path.cmp(&b.path))
    });
}

/// The visible findings grouped by surface, in report order (findings are sorted by
/// surface first, so each group is one run).
pub fn by_surface<'a>(
    report: &'a Report,
    opts: &'a RenderOptions,
) -> Vec<(&'a str, Vec<&'a Finding>)> {
    let mut groups: Vec<(&str, Vec<&Finding>)> = Vec::new();
    for f in report.listed(opts) {
        match groups.last_mut() {
            Some((s, v)) if *s == f.surface => v.push(f),
            _ => groups.push((f.surface.as_str(), vec![f])),
        }
    }
    groups
}

/// How a report is rendered.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    pub show_expected: bool,
    pub color: bool,
    /// The width the `table` format is laid out to (see [`stdout_width`]); none for full
    /// values on unbroken lines.
    pub width: Option<usize>,
}

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Markdown,
    Junit,
    Sarif,
    Github,
    Patch,
    Html,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        <Format as clap::ValueEnum>::from_str(s, true).ok()
    }

    pub fn names() -> Vec<String> {
        <Format as clap::ValueEnum>::value_variants()
            .iter()
            .filter_map(|f| clap::ValueEnum::to_possible_value(f).map(|v| v.get_name().to_string()))
            .collect()
    }
}

/// Renders a report in one format. Only the `github` format may hold workflow commands
/// (its values are escaped by the Actions toolkit's rules); in every other format a line
/// that would be one is defused, whatever a value holds.
pub fn render(report: &Report, format: Format, opts: &RenderOptions) -> String {
    let text = match format {
        Format::Table => table::render(report, opts),
        Format::Json => json::render(report, opts),
        Format::Markdown => markdown::render(report, opts),
        Format::Junit => junit::render(report, opts),
        Format::Sarif => sarif::render(report, opts),
        Format::Github => return github::render(report, opts),
        Format::Patch => patch::render(report, opts),
        Format::Html => html::render(report, opts),
    };
    match escape::defuse_workflow_commands(&text) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(defused) => defused,
    }
}
