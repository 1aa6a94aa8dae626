//! The baseline: today's failing findings as a waivers file to edit (`--write-waivers`),
//! as `gitleaks --baseline-path` and `detect-secrets scan > .secrets.baseline` give their
//! users a starting point.
//!
//! One `[[waiver]]` per finding that fails the gate, with its full path and its class,
//! and `reason`, `owner` and `expires` left empty: [`crate::waiver::parse`] refuses a
//! file with an empty one and names its line, so nothing is waived until a person has
//! said why, who answers for it, and until when. Only paths and classes are written,
//! never a value.

use super::Report;
use std::fmt::Write;

/// The waivers file for the findings of `report` that fail the gate.
pub fn render(report: &Report) -> String {
    let failing: Vec<_> = report.findings.iter().filter(|f| report.fails(f)).collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Waivers for the {} finding(s) that failed the gate ({} vs {}, profile {}).",
        failing.len(),
        one_line(&report.environments.staging),
        one_line(&report.environments.production),
        one_line(&report.profile)
    );
    out.push_str(
        "# Keep the entries you accept and fill in reason, owner and expires (YYYY-MM-DD);\n\
         # delete the others. envparity refuses to load this file while any of them is empty.\n\
         # Use it with --waivers FILE (or `waivers = \"FILE\"` in the config).\n",
    );
    for f in failing {
        let _ = write!(
            out,
            "\n[[waiver]]\npath = {}\nclass = \"{}\"\nreason = \"\"\nowner = \"\"\nexpires = \"\"\n",
            toml_string(&f.path),
            f.class
        );
    }
    out
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A name on one comment line.
fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}
