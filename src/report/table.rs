//! `table`: for a person at a terminal. Findings grouped by surface, reduced and shared
//! first, staging and production values side by side, and a one-line verdict last.
//!
//! Every string that comes from a source goes through [`terminal`], so that no value can
//! send the terminal an escape sequence; the colours are the renderer's own.

use super::escape::terminal;
use super::{RenderOptions, Report};
use crate::findings::{Class, Finding, brief};
use crate::snapshot::SourceState;
use std::fmt::Write;
use tabled::builder::Builder;
use tabled::settings::{Modify, Style, Width, object::Columns};

pub fn render(report: &Report, opts: &RenderOptions) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "envparity: {} vs {} (profile {})",
        terminal(&report.environments.staging),
        terminal(&report.environments.production),
        terminal(&report.profile)
    );
    for (env, sources) in [
        (&report.environments.staging, &report.sources.staging),
        (&report.environments.production, &report.sources.production),
    ] {
        let env = terminal(env);
        for (name, s) in sources {
            let (name, origin) = (terminal(name), terminal(&s.origin));
            if s.status == SourceState::Failed {
                let _ = writeln!(
                    out,
                    "  {env}: source {name} ({origin}) FAILED: {}",
                    terminal(s.error.as_deref().unwrap_or("unknown error"))
                );
            }
            for note in &s.notes {
                let _ = writeln!(out, "  {env}: source {name} ({origin}): {}", terminal(note));
            }
        }
    }
    if let Some(heading) = report.release_heading() {
        let _ = writeln!(out, "\n{}", paint(opts, BOLD, &terminal(&heading)));
        let attributed: Vec<_> = report.attributed().collect();
        if opts.show_expected && !attributed.is_empty() {
            let _ = writeln!(out, "{}", findings_table(report, opts, &attributed, None));
        }
    }
    let findings: Vec<_> = report.listed(opts).collect();
    let mut i = 0;
    while i < findings.len() {
        let surface = &findings[i].surface;
        let start = i;
        while i < findings.len() && &findings[i].surface == surface {
            i += 1;
        }
        let _ = writeln!(
            out,
            "\n{}",
            paint(
                opts,
                BOLD,
                &terminal(if surface.is_empty() {
                    "(root)"
                } else {
                    surface
                })
            )
        );
        let _ = writeln!(
            out,
            "{}",
            findings_table(report, opts, &findings[start..i], Some(surface))
        );
    }
    let hidden = report.hidden_expected(opts);
    if hidden > 0 {
        let _ = writeln!(
            out,
            "\n{hidden} expected difference(s) hidden (--show-expected lists them)"
        );
    }
    let notable: Vec<_> = report
        .waivers
        .iter()
        .filter(|w| w.status != "active")
        .collect();
    if !notable.is_empty() {
        let _ = writeln!(out, "\nwaivers:");
        for w in notable {
            let _ = writeln!(
                out,
                "  {} {} (owner {}, expires {}): {}",
                terminal(&w.status),
                terminal(&w.path),
                terminal(&w.owner),
                terminal(&w.expires),
                terminal(&w.reason)
            );
        }
    }
    let verdict_color = match report.verdict {
        super::Verdict::Pass => GREEN_BOLD,
        super::Verdict::Fail => RED_BOLD,
    };
    let _ = writeln!(
        out,
        "\n{}",
        paint(opts, verdict_color, &report.verdict_line())
    );
    out
}

/// One boxed table of findings; paths are shown relative to `surface` when given.
fn findings_table(
    report: &Report,
    opts: &RenderOptions,
    findings: &[&Finding],
    surface: Option<&str>,
) -> String {
    let mut b = Builder::default();
    b.push_record([
        "class",
        "path",
        &terminal(&report.environments.staging),
        &terminal(&report.environments.production),
        "why",
    ]);
    for f in findings {
        let rel = surface
            .and_then(|s| f.path.strip_prefix(&format!("/{s}")))
            .filter(|r| !r.is_empty())
            .unwrap_or(&f.path);
        let class = if report.fails(f) {
            format!("{} ✗", f.class)
        } else {
            f.class.to_string()
        };
        let class = paint(opts, class_color(f.class, report.fails(f)), &class);
        b.push_record([
            class,
            terminal(rel).into_owned(),
            terminal(&brief(f.staging.as_ref())).into_owned(),
            terminal(&brief(f.production.as_ref())).into_owned(),
            terminal(&f.message).into_owned(),
        ]);
    }
    let mut table = b.build();
    table
        .with(Style::sharp())
        .with(Modify::new(Columns::new(1..4)).with(Width::wrap(32).keep_words(true)))
        .with(Modify::new(Columns::new(4..5)).with(Width::wrap(48).keep_words(true)));
    table.to_string()
}

// SGR sequences; tabled measures cells without them (its `ansi` feature).
const BOLD: &str = "1";
const RED_BOLD: &str = "1;31";
const GREEN_BOLD: &str = "1;32";

fn class_color(class: Class, fails: bool) -> &'static str {
    match class {
        _ if fails => RED_BOLD,
        Class::Drift => "33",
        Class::Extra => "36",
        Class::Waived | Class::Expected => "2",
        Class::Reduced | Class::Shared | Class::Unknown => "31",
    }
}

/// Wraps `text` in an SGR colour when colour is on.
fn paint(opts: &RenderOptions, sgr: &str, text: &str) -> String {
    if opts.color {
        format!("\x1b[{sgr}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}
