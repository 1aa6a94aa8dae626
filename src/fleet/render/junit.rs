//! `junit`: one `<testsuite>` per instance, holding the test cases its single-pair
//! report has (class name `envparity.<instance>.<surface>`), and one suite for the
//! fleet-wide findings. An instance that could not be judged is one error case.

use super::holders;
use crate::fleet::FleetReport;
use crate::report::RenderOptions;
use crate::report::junit::{attr, cases, suites, text};
use std::fmt::Write;

pub fn render(report: &FleetReport, opts: &RenderOptions) -> String {
    let mut body = String::new();
    let (mut tests, mut failures, mut errors) = (0, 0, 0);
    for i in &report.instances {
        let mut inner = String::new();
        let (mut n, mut fails, mut errs) = (0, 0, 0);
        match i.full() {
            Ok(r) => {
                let r = r.as_ref();
                for (surface, findings) in suites(r, opts) {
                    let name = if surface.is_empty() {
                        "(root)"
                    } else {
                        &surface
                    };
                    cases(
                        &mut inner,
                        r,
                        &surface,
                        &findings,
                        &format!("envparity.{}.{name}", i.name),
                    );
                    n += findings.len().max(1);
                    fails += findings.iter().filter(|f| r.fails(f)).count();
                }
            }
            Err(why) => {
                let _ = writeln!(
                    inner,
                    "    <testcase name=\"{}\" classname=\"envparity.{}\" time=\"0\">\n      <error message=\"{}\"/>\n    </testcase>",
                    attr(&i.name),
                    attr(&i.name),
                    attr(&why)
                );
                n += 1;
                errs += 1;
            }
        }
        let _ = writeln!(
            body,
            "  <testsuite name=\"{}\" tests=\"{n}\" failures=\"{fails}\" errors=\"{errs}\" skipped=\"0\" time=\"0\">",
            attr(&i.name)
        );
        body.push_str(&inner);
        let _ = writeln!(body, "  </testsuite>");
        tests += n;
        failures += fails;
        errors += errs;
    }
    let fleet_fails = report
        .fleet_findings
        .iter()
        .filter(|f| report.fails(f))
        .count();
    let n = report.fleet_findings.len().max(1);
    let _ = writeln!(
        body,
        "  <testsuite name=\"fleet\" tests=\"{n}\" failures=\"{fleet_fails}\" errors=\"0\" skipped=\"0\" time=\"0\">"
    );
    if report.fleet_findings.is_empty() {
        let _ = writeln!(
            body,
            "    <testcase name=\"shared across instances\" classname=\"envparity.fleet\" time=\"0\">\n      <system-out>no value shared across instances</system-out>\n    </testcase>"
        );
    }
    for f in &report.fleet_findings {
        let line = format!("{}: {} (in {})", f.class, f.message, holders(f));
        let _ = writeln!(
            body,
            "    <testcase name=\"{}\" classname=\"envparity.fleet\" time=\"0\">",
            attr(&f.path)
        );
        if report.fails(f) {
            let _ = writeln!(
                body,
                "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                f.class,
                attr(&line),
                text(&line)
            );
        } else {
            let _ = writeln!(body, "      <system-out>{}</system-out>", text(&line));
        }
        let _ = writeln!(body, "    </testcase>");
    }
    let _ = writeln!(body, "  </testsuite>");
    tests += n;
    failures += fleet_fails;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"envparity fleet\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" time=\"0\">"
    );
    out.push_str(&body);
    out.push_str("</testsuites>\n");
    out
}
