//! `github`: the workflow commands of each instance's single-pair report, every title and
//! message naming the instance; then one `::error` per fleet-wide finding and the fleet's
//! verdict.

use super::{Out, holders};
use crate::fleet::FleetReport;
use crate::report::github::{data, property, render_labelled};
use crate::report::{RenderOptions, Verdict};
use std::fmt::Write;

pub fn write(report: &FleetReport, opts: &RenderOptions, out: &mut Out) -> std::io::Result<()> {
    for i in &report.instances {
        match i.full() {
            Ok(r) => out.push_str(&render_labelled(&r, opts, Some(&i.name))),
            Err(why) => {
                let _ = writeln!(
                    out,
                    "::error title={}::{}",
                    property(&format!("{}: envparity could not judge it", i.name)),
                    data(&why)
                );
            }
        }
        out.flush()?;
    }
    for f in &report.fleet_findings {
        let level = if report.fails(f) { "error" } else { "warning" };
        let _ = writeln!(
            out,
            "::{level} title={}::{}",
            property(&format!("envparity fleet {}: {}", f.class, f.path)),
            data(&format!("{}\nheld by {}", f.message, holders(f)))
        );
    }
    let level = match report.verdict {
        Verdict::Pass => "notice",
        Verdict::Fail => "error",
    };
    let _ = writeln!(
        out,
        "::{level} title=envparity fleet verdict::{}",
        data(&report.verdict_line())
    );
    Ok(())
}
