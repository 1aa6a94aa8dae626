//! The fleet report's renderers, one file per format, each reading a finished
//! [`FleetReport`]. The detail of each instance is rendered by the single-pair renderer
//! of the same format ([`crate::report`]), so an instance reads as `check` shows it.

mod github;
mod html;
mod json;
mod junit;
mod markdown;
mod sarif;
mod table;

use super::{FleetFinding, FleetReport, InstanceReport};
use crate::findings::brief;
use crate::report::{Format, RenderOptions};

/// Whether a fleet report can be written in `format` (a patch edits one staging root;
/// a fleet has many).
pub fn supports(format: Format) -> bool {
    format != Format::Patch
}

/// Writes a fleet report in one format as it renders it: the JSON report, which carries
/// every instance's full report, is serialized straight from the run's spool into `w`
/// (its pretty-printed lines begin with a space, `{`, `}` or `]`, so no workflow command
/// can start one); the other formats are rendered whole, then written.
pub fn render_to(
    report: &FleetReport,
    format: Format,
    opts: &RenderOptions,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Json => json::write(report, w),
        _ => w.write_all(render(report, format, opts).as_bytes()),
    }
}

/// Renders a fleet report in one format (see [`supports`]). As for single reports,
/// only the `github` format may hold workflow commands.
pub fn render(report: &FleetReport, format: Format, opts: &RenderOptions) -> String {
    let text = match format {
        Format::Json => json::render(report),
        Format::Markdown => markdown::render(report, opts),
        Format::Junit => junit::render(report, opts),
        Format::Sarif => sarif::render(report, opts),
        Format::Github => return github::render(report, opts),
        Format::Html => html::render(report, opts),
        Format::Table | Format::Patch => table::render(report, opts),
    };
    match crate::report::escape::defuse_workflow_commands(&text) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(defused) => defused,
    }
}

/// The instance's most severe finding in a few words (`reduced /plugins/forum`), or why
/// it could not be judged.
fn most_severe(i: &InstanceReport) -> String {
    if let Some(e) = &i.error {
        return format!("error: {e}");
    }
    match i.most_severe() {
        Some(f) => format!("{} {}", f.class, f.path),
        None => "-".into(),
    }
}

/// Where a value is shared: `initech production, umbrella production (/datastores/…)`.
fn holders(f: &FleetFinding) -> String {
    f.instances
        .iter()
        .map(|h| {
            if h.path == f.path {
                format!("{} {}", h.instance, h.environment.as_str())
            } else {
                format!("{} {} ({})", h.instance, h.environment.as_str(), h.path)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The shared value in a few words (a secret shows as its fingerprint).
fn value(f: &FleetFinding) -> String {
    brief(Some(&f.value))
}
