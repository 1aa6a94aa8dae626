//! `table`: for the terminal. One line per instance (verdict, reduced/shared/unknown
//! counts, the most severe finding), the fleet-wide findings, then the single-pair table
//! of each instance that did not pass, and the verdict last.

use super::{Out, holders, most_severe, value};
use crate::findings::Class;
use crate::fleet::{FleetReport, InstanceVerdict};
use crate::report::escape::terminal;
use crate::report::{Format, RenderOptions};
use std::fmt::Write;
use unicode_width::UnicodeWidthStr;

/// The rows of the instance table are held (a short line per instance: their widths
/// align the columns); each instance's detail is written as it is rendered.
pub fn write(report: &FleetReport, opts: &RenderOptions, out: &mut Out) -> std::io::Result<()> {
    let _ = writeln!(
        out,
        "envparity fleet: {} instance(s){}\n",
        report.instances.len(),
        report
            .shard
            .map(|s| format!(", shard {s}"))
            .unwrap_or_default()
    );
    let mut rows = vec![[
        "instance".to_string(),
        "verdict".into(),
        "reduced".into(),
        "shared".into(),
        "unknown".into(),
        "most severe finding".into(),
    ]];
    for i in &report.instances {
        rows.push([
            terminal(&i.name).into_owned(),
            i.verdict.as_str().to_uppercase(),
            i.count(Class::Reduced).to_string(),
            i.count(Class::Shared).to_string(),
            i.count(Class::Unknown).to_string(),
            terminal(&most_severe(i)).into_owned(),
        ]);
    }
    let widths: Vec<usize> = (0..6)
        .map(|c| rows.iter().map(|r| r[c].width()).max().unwrap_or(0))
        .collect();
    for r in &rows {
        let mut line = String::new();
        for (c, cell) in r.iter().enumerate() {
            let pad = widths[c] - cell.width();
            match c {
                // Counts align right.
                2..=4 => line.push_str(&format!("{}{cell}  ", " ".repeat(pad))),
                5 => line.push_str(cell),
                _ => line.push_str(&format!("{cell}{}  ", " ".repeat(pad))),
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    if !report.fleet_findings.is_empty() {
        let _ = writeln!(out, "\nshared across instances");
        for f in &report.fleet_findings {
            let mark = if report.fails(f) { " ✗" } else { "" };
            let _ = writeln!(
                out,
                "  {}{mark} {}: {}\n    value {} in {}",
                f.class,
                terminal(&f.path),
                terminal(&f.message),
                terminal(&value(f)),
                terminal(&holders(f))
            );
        }
    }
    let stale = report.stale_shared_waivers();
    if !stale.is_empty() {
        out.push('\n');
    }
    for w in stale {
        let _ = writeln!(
            out,
            "stale shared waiver {}: matches no value shared across instances",
            terminal(&w.path)
        );
    }
    for i in &report.instances {
        if i.verdict == InstanceVerdict::Pass {
            continue;
        }
        let _ = writeln!(out, "\n── {} ──", terminal(&i.name));
        match i.full() {
            Ok(r) => out.push_str(&crate::report::render(&r, Format::Table, opts)),
            Err(why) => {
                let _ = writeln!(out, "could not be judged: {}", terminal(&why));
            }
        }
        out.flush()?;
    }
    let _ = writeln!(out, "\n{}", report.verdict_line());
    Ok(())
}
