//! `junit`: one `<testsuite>` per instance, holding the test cases its single-pair
//! report has (class name `envparity.<instance>.<surface>`), and one suite for the
//! fleet-wide findings. An instance that could not be judged is one error case.
//!
//! The root element carries the totals, so the instances are read twice: once to count,
//! once to write (each read back from the spool and dropped in turn).

use super::{Out, holders};
use crate::fleet::{FleetReport, InstanceReport};
use crate::report::RenderOptions;
use crate::report::junit::{attr, cases, suites, text};
use std::fmt::Write;

/// Test cases, failures and errors.
#[derive(Default, Clone, Copy)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
}

pub fn write(report: &FleetReport, opts: &RenderOptions, out: &mut Out) -> std::io::Result<()> {
    let fleet_fails = report
        .fleet_findings
        .iter()
        .filter(|f| report.fails(f))
        .count();
    let fleet_tests = report.fleet_findings.len().max(1);
    let mut total = Counts {
        tests: fleet_tests,
        failures: fleet_fails,
        errors: 0,
    };
    for i in &report.instances {
        let c = suite(i, opts, None);
        total.tests += c.tests;
        total.failures += c.failures;
        total.errors += c.errors;
    }
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"envparity fleet\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"0\">",
        total.tests, total.failures, total.errors
    );
    for i in &report.instances {
        let mut inner = String::new();
        let c = suite(i, opts, Some(&mut inner));
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\" time=\"0\">",
            attr(&i.name),
            c.tests,
            c.failures,
            c.errors
        );
        out.push_str(&inner);
        let _ = writeln!(out, "  </testsuite>");
        out.flush()?;
    }
    let _ = writeln!(
        out,
        "  <testsuite name=\"fleet\" tests=\"{fleet_tests}\" failures=\"{fleet_fails}\" errors=\"0\" skipped=\"0\" time=\"0\">"
    );
    if report.fleet_findings.is_empty() {
        let _ = writeln!(
            out,
            "    <testcase name=\"shared across instances\" classname=\"envparity.fleet\" time=\"0\">\n      <system-out>no value shared across instances</system-out>\n    </testcase>"
        );
    }
    for f in &report.fleet_findings {
        let line = format!("{}: {} (in {})", f.class, f.message, holders(f));
        let _ = writeln!(
            out,
            "    <testcase name=\"{}\" classname=\"envparity.fleet\" time=\"0\">",
            attr(&f.path)
        );
        if report.fails(f) {
            let _ = writeln!(
                out,
                "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                f.class,
                attr(&line),
                text(&line)
            );
        } else {
            let _ = writeln!(out, "      <system-out>{}</system-out>", text(&line));
        }
        let _ = writeln!(out, "    </testcase>");
    }
    let _ = writeln!(out, "  </testsuite>");
    out.push_str("</testsuites>\n");
    Ok(())
}

/// An instance's test cases, counted, and written into `cases_out` when given.
fn suite(i: &InstanceReport, opts: &RenderOptions, mut cases_out: Option<&mut String>) -> Counts {
    let mut c = Counts::default();
    match i.full() {
        Ok(r) => {
            let r = r.as_ref();
            for (surface, findings) in suites(r, opts) {
                let name = if surface.is_empty() {
                    "(root)"
                } else {
                    &surface
                };
                if let Some(out) = cases_out.as_deref_mut() {
                    cases(
                        out,
                        r,
                        &surface,
                        &findings,
                        &format!("envparity.{}.{name}", i.name),
                    );
                }
                c.tests += findings.len().max(1);
                c.failures += findings.iter().filter(|f| r.fails(f)).count();
            }
        }
        Err(why) => {
            let _ = writeln!(
                cases_out.unwrap_or(&mut String::new()),
                "    <testcase name=\"{}\" classname=\"envparity.{}\" time=\"0\">\n      <error message=\"{}\"/>\n    </testcase>",
                attr(&i.name),
                attr(&i.name),
                attr(&why)
            );
            c.tests += 1;
            c.errors += 1;
        }
    }
    c
}
