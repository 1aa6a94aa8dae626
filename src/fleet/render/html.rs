//! `html`: one self-contained page. The fleet's verdict, one table row per instance
//! (verdict, reduced/shared/unknown counts, most severe finding), the fleet-wide
//! findings, and each instance's single-pair report folded in a `<details>` one click
//! away. Built with maud, which escapes every interpolated value; the page carries the
//! single-pair page's head: its style and Content-Security-Policy (no network access).

use super::{Out, holders, most_severe, value};
use crate::findings::Class;
use crate::fleet::{FleetReport, InstanceReport};
use crate::report::html::{detail, head, overview};
use crate::report::{RenderOptions, Verdict};
use maud::{DOCTYPE, Markup, PreEscaped, html};

/// Where the page's skeleton takes the instance rows, then the instances' sections
/// (comments no interpolated value can produce: maud escapes every `<`).
const ROWS: &str = "<!--envparity:rows-->";
const SECTIONS: &str = "<!--envparity:sections-->";

const FLEET_STYLE: &str = "table.fleet{width:100%;border-collapse:collapse}\
table.fleet td,table.fleet th{padding:6px 8px;border-bottom:1px solid var(--line);text-align:left}\
table.fleet td.n{text-align:right}details.instance{margin:12px 0}\
details.instance>summary{cursor:pointer;font-weight:600;padding:8px 0}";

/// The page is rendered as a skeleton holding everything but the instances, which are
/// written into it one at a time, each read back from the spool in turn.
pub fn write(report: &FleetReport, opts: &RenderOptions, out: &mut Out) -> std::io::Result<()> {
    let (word, cls) = match report.verdict {
        Verdict::Pass => ("PASS", "pass"),
        Verdict::Fail => ("FAIL", "fail"),
    };
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            (head(&format!("envparity fleet {word}"), FLEET_STYLE))
            body {
                main {
                    header class={ "verdict " (cls) } data-verdict=(cls) {
                        div class="badge" { (word) }
                        div {
                            h1 { "fleet of " (report.instances.len()) " instance(s)" }
                            p id="verdict-line" { (report.verdict_line()) }
                        }
                    }
                    section class="card" {
                        table class="fleet" id="instances" {
                            thead { tr {
                                th { "instance" } th { "verdict" } th { "reduced" }
                                th { "shared" } th { "unknown" } th { "most severe finding" }
                            } }
                            tbody { (PreEscaped(ROWS)) }
                        }
                    }
                    @if !report.fleet_findings.is_empty() {
                        section class="card" id="fleet-findings" {
                            h2 { "Shared across instances" }
                            table class="fleet" {
                                thead { tr { th { "class" } th { "path" } th { "value" } th { "held by" } th { "why" } } }
                                tbody {
                                    @for f in &report.fleet_findings {
                                        tr {
                                            td { (f.class) @if report.fails(f) { " ✗" } }
                                            td { code { (f.path) } }
                                            td { code { (value(f)) } }
                                            td { (holders(f)) }
                                            td { (f.message) }
                                        }
                                    }
                                }
                            }
                            @for w in report.stale_shared_waivers() {
                                p { "Stale shared waiver " code { (w.path) } ": matches no value shared across instances." }
                            }
                        }
                    }
                    (PreEscaped(SECTIONS))
                    footer { "envparity " (env!("CARGO_PKG_VERSION")) " · report " (report.format) " · self-contained: no network access" }
                }
            }
        }
    };
    let page = page.into_string();
    let (head, rest) = page.split_once(ROWS).unwrap_or((&page, ""));
    let (middle, tail) = rest.split_once(SECTIONS).unwrap_or((rest, ""));
    out.push_str(head);
    for (n, i) in report.instances.iter().enumerate() {
        out.push_str(&row(n, i).into_string());
    }
    out.push_str(middle);
    for (n, i) in report.instances.iter().enumerate() {
        out.push_str(&section(n, i, opts).into_string());
        out.flush()?;
    }
    out.push_str(tail);
    out.push('\n');
    Ok(())
}

/// The n-th instance's row in the table of instances.
fn row(n: usize, i: &InstanceReport) -> Markup {
    html! {
        tr data-verdict=(i.verdict.as_str()) {
            td { a href={ "#instance-" (n + 1) } { (i.name) } }
            td { (i.verdict.as_str()) }
            td class="n" { (i.count(Class::Reduced)) }
            td class="n" { (i.count(Class::Shared)) }
            td class="n" { (i.count(Class::Unknown)) }
            td { code { (most_severe(i)) } }
        }
    }
}

/// The n-th instance's report, folded. The single-pair report's ids (`findings`,
/// `waivers`, …) are the same in every instance, so each instance's get its own prefix
/// and the page holds each id once (maud escapes every quote of an interpolated value,
/// so ` id="` appears only where an id is set).
fn section(n: usize, i: &InstanceReport, opts: &RenderOptions) -> Markup {
    let inner = match i.full() {
        Ok(r) => html! {
            p { (r.verdict_line()) }
            (overview(&r))
            (detail(&r, opts))
        },
        Err(why) => html! { p { "could not be judged: " (why) } },
    };
    let inner = inner
        .into_string()
        .replace(" id=\"", &format!(" id=\"instance-{}-", n + 1));
    html! {
        details class="instance" id={ "instance-" (n + 1) } data-verdict=(i.verdict.as_str()) {
            summary { (i.name) " — " (i.verdict.as_str()) }
            (PreEscaped(inner))
        }
    }
}
