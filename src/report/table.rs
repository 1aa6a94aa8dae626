//! `table`: for a person at a terminal. Findings grouped by surface, reduced and shared
//! first, staging and production values side by side, and a one-line verdict last.

use super::{RenderOptions, Report};
use crate::classify::{Class, brief};
use crate::snapshot::SourceState;
use std::fmt::Write;
use tabled::builder::Builder;
use tabled::settings::{Modify, Style, Width, object::Columns};

pub fn render(report: &Report, opts: &RenderOptions) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "envparity: {} vs {} (profile {})",
        report.environments.staging, report.environments.production, report.profile
    );
    for (env, sources) in [
        (&report.environments.staging, &report.sources.staging),
        (&report.environments.production, &report.sources.production),
    ] {
        for (name, s) in sources {
            if s.status == SourceState::Failed {
                let _ = writeln!(
                    out,
                    "  {env}: source {name} ({}) FAILED: {}",
                    s.origin,
                    s.error.as_deref().unwrap_or("unknown error")
                );
            }
        }
    }
    let findings: Vec<_> = report.visible(opts).collect();
    let mut i = 0;
    while i < findings.len() {
        let surface = &findings[i].surface;
        let mut b = Builder::default();
        b.push_record([
            "class",
            "path",
            &report.environments.staging,
            &report.environments.production,
            "why",
        ]);
        while i < findings.len() && &findings[i].surface == surface {
            let f = findings[i];
            let rel = f
                .path
                .strip_prefix(&format!("/{surface}"))
                .filter(|r| !r.is_empty())
                .unwrap_or(&f.path);
            let class = if report.fails(f) {
                format!("{} ✗", f.class)
            } else {
                f.class.to_string()
            };
            b.push_record([
                class,
                rel.to_string(),
                brief(f.staging.as_ref()),
                brief(f.production.as_ref()),
                f.message.clone(),
            ]);
            i += 1;
        }
        let mut table = b.build();
        table
            .with(Style::sharp())
            .with(Modify::new(Columns::new(1..4)).with(Width::wrap(32).keep_words(true)))
            .with(Modify::new(Columns::new(4..5)).with(Width::wrap(48).keep_words(true)));
        let _ = writeln!(
            out,
            "\n{}",
            if surface.is_empty() {
                "(root)"
            } else {
                surface
            }
        );
        let _ = writeln!(out, "{table}");
    }
    let hidden = report.summary.get(&Class::Expected).copied().unwrap_or(0);
    if !opts.show_expected && hidden > 0 {
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
                w.status, w.path, w.owner, w.expires, w.reason
            );
        }
    }
    let _ = writeln!(out, "\n{}", report.verdict_line());
    out
}
