//! `json`: the machine-readable report (`envparity.report/1`), deterministic — the same
//! input gives byte-identical output.
//!
//! Serialized from a struct rather than a `json!` map so that the keys keep the order of
//! the contract (`format`, `verdict`, `summary`, … `findings`) instead of an alphabetical
//! one: a person reading the file sees the verdict first.

use super::{Environments, RenderOptions, Report, Sources, Verdict};
use crate::findings::{Class, Finding};
use crate::release::attribution::ReleaseSummary;
use crate::waiver::WaiverStatus;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Serialize)]
struct Document<'a> {
    format: &'a str,
    verdict: Verdict,
    summary: &'a BTreeMap<Class, usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    release: Option<&'a ReleaseSummary>,
    fail_on: &'a [Class],
    profile: &'a str,
    environments: &'a Environments,
    sources: &'a Sources,
    findings: Vec<&'a Finding>,
    waivers: &'a [WaiverStatus],
}

pub fn render(report: &Report, opts: &RenderOptions) -> String {
    let doc = Document {
        format: &report.format,
        verdict: report.verdict,
        summary: &report.summary,
        release: report.release.as_ref(),
        fail_on: &report.fail_on,
        profile: &report.profile,
        environments: &report.environments,
        sources: &report.sources,
        findings: report.visible(opts).collect(),
        waivers: &report.waivers,
    };
    // Serializing plain data into a String cannot fail; an empty object is the
    // conservative answer should it ever.
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".to_string());
    s.push('\n');
    s
}
