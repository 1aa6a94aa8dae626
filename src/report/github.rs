//! `github`: GitHub Actions workflow commands, so that a gate run in a workflow step
//! annotates the run (and, when a finding is located in a file of the repository, that
//! file's line in the pull request).
//!
//! A finding of a failing class is `::error`, drift (or any class the gate does not fail
//! on but the contract marks failing) is `::warning`, the rest is `::notice`. The last
//! line is the verdict. Values are escaped by the rules of `@actions/core`
//! (`escapeData`: `%` `\r` `\n`; `escapeProperty`: also `:` and `,`), so no value can end
//! a command early or smuggle in a second one.

use super::{RenderOptions, Report, Verdict};
use crate::findings::{Class, Finding, brief};
use std::fmt::Write;

pub fn render(report: &Report, opts: &RenderOptions) -> String {
    render_labelled(report, opts, None)
}

/// As [`render`], with every title and message naming `label` (a fleet's instance).
pub(crate) fn render_labelled(
    report: &Report,
    opts: &RenderOptions,
    label: Option<&str>,
) -> String {
    let named = |s: String| match label {
        Some(l) => format!("{l}: {s}"),
        None => s,
    };
    let mut out = String::new();
    for f in report.visible(opts) {
        let level = if report.fails(f) {
            "error"
        } else if matches!(
            f.class,
            Class::Drift | Class::Reduced | Class::Shared | Class::Unknown
        ) {
            "warning"
        } else {
            "notice"
        };
        let mut props = Vec::new();
        // The staging file is where the fix goes; production's when staging has none.
        if let Some(loc) = f
            .locations
            .staging
            .as_ref()
            .or(f.locations.production.as_ref())
        {
            props.push(format!("file={}", property(&loc.file)));
            if let Some(line) = loc.line {
                props.push(format!("line={line}"));
            }
        }
        props.push(format!(
            "title={}",
            property(&named(format!("envparity {}: {}", f.class, f.path)))
        ));
        let _ = writeln!(
            out,
            "::{level} {}::{}",
            props.join(","),
            data(&named(message(report, f)))
        );
    }
    let level = match report.verdict {
        Verdict::Pass => "notice",
        Verdict::Fail => "error",
    };
    let _ = writeln!(
        out,
        "::{level} title={}::{}",
        property(&named("envparity verdict".into())),
        data(&named(report.verdict_line()))
    );
    out
}

fn message(report: &Report, f: &Finding) -> String {
    let mut m = format!(
        "{}\n{}: {}\n{}: {}",
        f.message,
        report.environments.staging,
        brief(f.staging.as_ref()),
        report.environments.production,
        brief(f.production.as_ref())
    );
    if let Some(w) = f.waiver.as_ref().filter(|w| w.status == "active") {
        let _ = write!(
            m,
            "\nwaiver {}: {} (owner {}, expires {})",
            w.status, w.reason, w.owner, w.expires
        );
    }
    m
}

/// `escapeData` of `@actions/core`.
pub(crate) fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// `escapeProperty` of `@actions/core`.
pub(crate) fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_text_escapes_like_the_actions_toolkit() {
        assert_eq!(data("50% a\r\nb::c"), "50%25 a%0D%0Ab::c");
        assert_eq!(property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
