//! `json`: the fleet report `envparity.fleet-report/1`, deterministic — instances by
//! name, fleet-wide findings by path and value — and complete: each instance carries its
//! whole report (expected findings too) and the values it must not share, so that
//! `envparity fleet merge` can rebuild the fleet from shard reports.

use crate::fleet::FleetReport;

pub fn render(report: &FleetReport) -> String {
    // Serializing plain data into a String cannot fail; an empty object is the
    // conservative answer should it ever.
    let mut s = serde_json::to_string_pretty(report).unwrap_or_else(|_| "{}".to_string());
    s.push('\n');
    s
}
