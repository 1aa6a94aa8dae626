//! `json`: the fleet report `envparity.fleet-report/1`, deterministic — instances by
//! name, fleet-wide findings by path and value — and complete: each instance carries its
//! whole report (expected findings too) and the values it must not share, so that
//! `envparity fleet merge` can rebuild the fleet from shard reports.

use crate::fleet::FleetReport;

/// Writes the report as it serializes it (each instance's report read back from the
/// run's spool in turn).
pub fn write(report: &FleetReport, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, report).map_err(std::io::Error::other)?;
    w.write_all(b"\n")
}
