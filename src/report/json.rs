//! `json`: the machine-readable report (`envparity.report/1`), deterministic — the same
//! input gives byte-identical output.

use super::{RenderOptions, Report};
use serde_json::{Value, json};

pub fn render(report: &Report, opts: &RenderOptions) -> String {
    let findings: Vec<&crate::classify::Finding> = report.visible(opts).collect();
    let doc = json!({
        "format": report.format,
        "verdict": report.verdict,
        "fail_on": report.fail_on,
        "profile": report.profile,
        "environments": report.environments,
        "summary": report.summary,
        "sources": report.sources,
        "findings": findings,
        "waivers": report.waivers,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| Value::Null.to_string());
    s.push('\n');
    s
}
