//! `markdown`: for a pull-request comment or a job summary. The verdict, one table row
//! per instance linking to its section, the fleet-wide findings, then one section per
//! instance holding its single-pair markdown report (headings one level down).

use super::{Out, holders, most_severe, value};
use crate::findings::Class;
use crate::fleet::{FleetReport, InstanceVerdict};
use crate::report::markdown::{code, text};
use crate::report::{Format, RenderOptions, Verdict};
use std::fmt::Write;

pub fn write(report: &FleetReport, opts: &RenderOptions, out: &mut Out) -> std::io::Result<()> {
    let (mark, word) = match report.verdict {
        Verdict::Pass => ("✅", "PASS"),
        Verdict::Fail => ("❌", "FAIL"),
    };
    let _ = writeln!(out, "# {mark} envparity fleet {word}\n");
    let _ = writeln!(out, "**{}**\n", text(&report.verdict_line()));
    let _ = writeln!(
        out,
        "| instance | verdict | reduced | shared | unknown | most severe finding |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---|");
    for (n, i) in report.instances.iter().enumerate() {
        let verdict = match i.verdict {
            InstanceVerdict::Pass => "✅ pass",
            InstanceVerdict::Fail => "❌ fail",
            InstanceVerdict::Error => "⚠️ error",
        };
        let _ = writeln!(
            out,
            "| [{}](#{}) | {verdict} | {} | {} | {} | {} |",
            text(&i.name),
            anchor(n),
            i.count(Class::Reduced),
            i.count(Class::Shared),
            i.count(Class::Unknown),
            code(&most_severe(i))
        );
        out.flush()?;
    }
    if !report.fleet_findings.is_empty() {
        let _ = writeln!(out, "\n## Shared across instances\n");
        let _ = writeln!(out, "| class | path | value | held by | why |");
        let _ = writeln!(out, "|---|---|---|---|---|");
        for f in &report.fleet_findings {
            let gate = if report.fails(f) { " ✗" } else { "" };
            let _ = writeln!(
                out,
                "| {}{gate} | {} | {} | {} | {} |",
                f.class,
                code(&f.path),
                code(&value(f)),
                text(&holders(f)),
                text(&f.message)
            );
        }
    }
    let stale = report.stale_shared_waivers();
    if !stale.is_empty() {
        let _ = writeln!(
            out,
            "\n**Stale shared waivers** (they match no shared value):\n"
        );
    }
    for w in stale {
        let _ = writeln!(out, "- {} ({})", code(&w.path), text(&w.owner));
    }
    for (n, i) in report.instances.iter().enumerate() {
        let _ = writeln!(
            out,
            "\n<a id=\"{}\"></a>\n\n## {}: {}\n",
            anchor(n),
            text(&i.name),
            i.verdict.as_str()
        );
        match i.full() {
            Ok(r) => {
                for line in crate::report::render(&r, Format::Markdown, opts).lines() {
                    // The pair's headings go one level down, under the instance's.
                    if line.starts_with('#') {
                        out.push('#');
                    }
                    out.push_str(line);
                    out.push('\n');
                }
            }
            Err(why) => {
                let _ = writeln!(out, "could not be judged: {}", text(&why));
            }
        }
        out.flush()?;
    }
    Ok(())
}

/// The anchor of the n-th instance's section (names may hold anything; positions not).
fn anchor(n: usize) -> String {
    format!("instance-{}", n + 1)
}
