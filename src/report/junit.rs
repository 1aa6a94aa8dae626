//! `junit`: JUnit XML, the one test-report format GitLab, Jenkins and GitHub test
//! reporters all read, so that a parity gate shows up beside the unit tests.
//!
//! The mapping: one `<testsuite>` per surface, one `<testcase>` per finding with the
//! finding's path as its name and `envparity.<surface>` as its class name. A finding of
//! a class that fails the gate (`Report::fails`) is a `<failure>` whose message carries
//! the staging and production values. A finding of any other class (drift, extra,
//! waived, expected when shown) is a *passing* test case: the gate does not fail on it,
//! and a CI dashboard that showed it red would cry wolf. Its class and message go to
//! `<system-out>` so that they remain readable. A surface that some source collected
//! and that has no finding gets one passing test case named by the surface itself, so
//! that a report of full parity still has tests in it (Jenkins refuses a report with
//! none).

use super::{RenderOptions, Report, by_surface};
use crate::findings::Finding;
use crate::snapshot::SourceState;
use crate::surface::{SURFACES, surface_of, surface_rank};
use std::fmt::Write;

pub fn render(report: &Report, opts: &RenderOptions) -> String {
    let suites = suites(report, opts);
    let tests: usize = suites.iter().map(|(_, f)| f.len().max(1)).sum();
    let failures: usize = suites
        .iter()
        .map(|(_, f)| f.iter().filter(|f| report.fails(f)).count())
        .sum();

    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" time=\"0\">",
        attr(&format!(
            "envparity {} vs {}",
            report.environments.staging, report.environments.production
        ))
    );
    for (surface, findings) in &suites {
        let name = if surface.is_empty() {
            "(root)"
        } else {
            surface
        };
        let classname = format!("envparity.{name}");
        let fails = findings.iter().filter(|f| report.fails(f)).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{fails}\" errors=\"0\" skipped=\"0\" time=\"0\">",
            attr(name),
            findings.len().max(1)
        );
        cases(&mut out, report, surface, findings, &classname);
        let _ = writeln!(out, "  </testsuite>");
    }
    out.push_str("</testsuites>\n");
    out
}

/// The test cases of one surface's findings (one passing case named by the surface when
/// it has none), as [`render`] writes them; a fleet writes them into its instances'
/// suites.
pub(crate) fn cases(
    out: &mut String,
    report: &Report,
    surface: &str,
    findings: &[&Finding],
    classname: &str,
) {
    if findings.is_empty() {
        let _ = writeln!(
            out,
            "    <testcase name=\"/{}\" classname=\"{}\" time=\"0\">\n      <system-out>parity: no differences</system-out>\n    </testcase>",
            attr(surface),
            attr(classname)
        );
    }
    for f in findings {
        let _ = writeln!(
            out,
            "    <testcase name=\"{}\" classname=\"{}\" time=\"0\">",
            attr(&f.path),
            attr(classname)
        );
        if report.fails(f) {
            let _ = writeln!(
                out,
                "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                f.class,
                attr(&report.finding_line(f)),
                text(&detail(report, f))
            );
        } else {
            let _ = writeln!(
                out,
                "      <system-out>{}</system-out>",
                text(&detail(report, f))
            );
        }
        let _ = writeln!(out, "    </testcase>");
    }
}

/// The suites of a report: one per surface with findings or collected by a source, in
/// surface order.
pub(crate) fn suites<'a>(
    report: &'a Report,
    opts: &'a RenderOptions,
) -> Vec<(String, Vec<&'a Finding>)> {
    let mut suites: Vec<(String, Vec<&Finding>)> = by_surface(report, opts)
        .into_iter()
        .map(|(s, f)| (s.to_string(), f))
        .collect();
    for s in collected_surfaces(report) {
        if !suites.iter().any(|(name, _)| *name == s) {
            suites.push((s, Vec::new()));
        }
    }
    suites.sort_by_key(|a| surface_rank(&a.0));
    suites
}

/// The surfaces some source of either environment collected (its `covers`), so that a
/// surface in full parity still reports a passing test.
fn collected_surfaces(report: &Report) -> Vec<String> {
    let mut out: Vec<String> = report
        .sources
        .staging
        .values()
        .chain(report.sources.production.values())
        .filter(|s| s.status == SourceState::Ok)
        .flat_map(|s| s.covers.iter().map(|c| surface_of(c)))
        .filter(|s| !s.is_empty())
        .collect();
    if out.is_empty() {
        // Sources that list no coverage speak for the surfaces that have findings only.
        out.extend(
            SURFACES
                .iter()
                .filter(|s| report.findings.iter().any(|f| f.surface == **s))
                .map(|s| s.to_string()),
        );
    }
    out.sort();
    out.dedup();
    out
}

/// The body: everything a reader needs without opening another report.
fn detail(report: &Report, f: &Finding) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "class: {}", f.class);
    let _ = writeln!(s, "severity: {}", f.severity.as_str());
    let _ = writeln!(s, "path: {}", f.path);
    let _ = writeln!(s, "why: {}", f.message);
    for (env, v, loc) in [
        (
            &report.environments.staging,
            &f.staging,
            &f.locations.staging,
        ),
        (
            &report.environments.production,
            &f.production,
            &f.locations.production,
        ),
    ] {
        let value = match v {
            Some(v) => serde_json::to_string(v).unwrap_or_default(),
            None => "(absent)".into(),
        };
        let _ = write!(s, "{env}: {value}");
        if let Some(l) = loc {
            match l.line {
                Some(n) => {
                    let _ = write!(s, " ({}:{n})", l.file);
                }
                None => {
                    let _ = write!(s, " ({})", l.file);
                }
            }
        }
        s.push('\n');
    }
    if let Some(rule) = &f.rule {
        let _ = writeln!(s, "rule: {rule}");
    }
    if let Some(w) = &f.waiver {
        let _ = writeln!(
            s,
            "waiver ({}): {} (owner {}, expires {})",
            w.status, w.reason, w.owner, w.expires
        );
    }
    s
}

/// Escapes character data. Characters XML 1.0 cannot carry at all (most C0 controls)
/// are replaced, since no escape makes them legal.
pub(crate) fn text(s: &str) -> String {
    escape(s, false)
}

/// Escapes an attribute value; newlines and tabs become character references so that
/// attribute-value normalization does not turn them into spaces.
pub(crate) fn attr(s: &str) -> String {
    escape(s, true)
}

fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_controls_in_values_stay_well_formed() {
        assert_eq!(
            attr("<a href=\"x\">&\n"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#10;"
        );
        assert_eq!(text("a\u{1}b\nc"), "a\u{FFFD}b\nc");
    }
}
