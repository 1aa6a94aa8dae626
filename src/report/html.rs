//! `html`: one self-contained page for a release engineer — the verdict, a parity score
//! per surface as a bar chart, filters by class and surface, and every finding with both
//! values. Styles and script are inline and a Content-Security-Policy forbids any
//! network access, so the file can be attached to a ticket or a CI artifact and opened
//! anywhere.
//!
//! The parity score of a surface is the share of its differences that are not losses:
//! `reduced`, `shared`, `drift` and `unknown` count against it; `extra` and `waived`
//! count for it; an `expected` difference is by design and not counted at all. A surface
//! with no difference other than expected ones scores 100%. The score does not change
//! with `--show-expected`.
//!
//! Expected differences are on the page, folded under each surface (open with
//! `--show-expected`). Paths are shown whole, as waivers and `--ignore` take them.
//!
//! The page is built with maud, which escapes every value it interpolates unless it is
//! wrapped in `PreEscaped`: only the page's own style and script are. Values come from
//! configuration files and live servers, and none may become markup.

use super::{RenderOptions, Report, Verdict, by_surface};
use crate::findings::{Class, Finding};
use crate::snapshot::SourceState;
use crate::surface::{as_secret, as_unknown, surface_of, surface_rank};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde_json::Value;

const STYLE: &str = r#"
:root{--bg:#f5f6f8;--card:#fff;--ink:#1d2433;--muted:#5d6677;--line:#e3e6eb;
--reduced:#c62828;--shared:#ad1457;--unknown:#6a1b9a;--drift:#e07800;--extra:#1565c0;
--waived:#546e7a;--expected:#78909c;--ok:#2e7d32;--warn:#e07800;--bad:#c62828}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,"DejaVu Sans",sans-serif}
main{max-width:1200px;margin:0 auto;padding:24px}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:12.5px}
pre{margin:0;white-space:pre-wrap;word-break:break-word}
h1{font-size:22px;margin:0 0 4px}h2{font-size:15px;margin:0 0 12px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
h3{font-size:17px;margin:0;padding:14px 16px;border-bottom:1px solid var(--line);display:flex;gap:10px;align-items:center}
.verdict{display:flex;gap:18px;align-items:center;padding:20px 24px;border-radius:10px;color:#fff;margin-bottom:18px;box-shadow:0 2px 6px rgba(0,0,0,.12)}
.verdict.fail{background:linear-gradient(135deg,#b71c1c,#d84315)}.verdict.pass{background:linear-gradient(135deg,#1b5e20,#2e7d32)}
.verdict .badge{font-weight:800;font-size:26px;letter-spacing:.06em;border:2px solid rgba(255,255,255,.7);border-radius:8px;padding:6px 14px}
.verdict p{margin:2px 0}.verdict .meta{opacity:.85;font-size:13px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px;box-shadow:0 1px 2px rgba(0,0,0,.04)}
.chips{display:flex;flex-wrap:wrap;gap:10px;margin-bottom:18px}
.chip{background:var(--card);border:1px solid var(--line);border-left:5px solid var(--c);border-radius:8px;padding:8px 14px;min-width:120px}
.chip b{display:block;font-size:22px}.chip span{color:var(--muted)}.chip.fails b{color:var(--c)}
.grid{display:grid;grid-template-columns:3fr 2fr;gap:18px;margin-bottom:18px}
@media (max-width:900px){.grid{grid-template-columns:1fr}}
.bars{display:grid;grid-template-columns:110px 1fr 190px;gap:8px 12px;align-items:center}
.bar{height:14px;background:#eceff3;border-radius:7px;overflow:hidden}
.bar{display:flex}.bar i{display:block;height:100%}
.bar i.pass{background:var(--ok)}.bar i.fail{background:var(--bad)}
.n b.good{color:var(--ok)}.n b.fair{color:var(--warn)}.n b.poor{color:var(--bad)}
.bars .n{color:var(--muted);font-size:12.5px}
table{width:100%;border-collapse:collapse}
table.findings{table-layout:fixed}
table.findings col.class{width:118px}table.findings col.path{width:22%}table.findings col.value{width:22%}
th{text-align:left;font-weight:600;color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em;padding:8px 12px;border-bottom:1px solid var(--line);background:#fafbfc}
td{padding:9px 12px;border-bottom:1px solid var(--line);vertical-align:top}
table.findings td{overflow-wrap:anywhere}
td.nowrap{white-space:nowrap}
tr:last-child td{border-bottom:0}
.sources td,.sources th{padding:6px 8px}
.pill{display:inline-block;border-radius:999px;padding:1px 10px;font-size:12px;font-weight:600;color:#fff;background:var(--c);white-space:nowrap}
.pill.soft{background:transparent;color:var(--c);border:1px solid var(--c)}
.gate{font-size:11px;color:var(--bad);font-weight:700;display:block;margin-top:3px}
.filters{display:flex;flex-wrap:wrap;gap:8px 28px;align-items:flex-start;margin-bottom:18px}
.filters fieldset{border:0;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:6px 14px}
.filters legend{font-weight:600;color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em;margin-bottom:6px;padding:0}
.filters label{cursor:pointer;user-select:none}
.count{margin-left:auto;color:var(--muted)}
.surface{margin-bottom:18px;padding:0;overflow:hidden}
.path{font-weight:600;word-break:break-all}
.abs{color:var(--muted);font-style:italic}
.secret{color:var(--shared)}
.unk{color:var(--unknown)}
.loc{display:block;color:var(--muted);font-size:11.5px;margin-top:4px;word-break:break-all}
.why{color:#344055}details.expected{border-top:1px solid var(--line)}details.expected summary{padding:10px 16px;cursor:pointer;color:var(--muted)}.waiver{display:block;margin-top:4px;font-size:12px;color:var(--waived)}
.c-reduced{--c:var(--reduced)}.c-shared{--c:var(--shared)}.c-unknown{--c:var(--unknown)}.c-drift{--c:var(--drift)}
.c-extra{--c:var(--extra)}.c-waived{--c:var(--waived)}.c-expected{--c:var(--expected)}
footer{color:var(--muted);font-size:12px;text-align:center;margin:24px 0 8px}
[hidden]{display:none!important}
"#;

const SCRIPT: &str = r#"
(function () {
  var boxes = document.querySelectorAll('input[data-filter]');
  function apply() {
    var on = { class: {}, surface: {} };
    boxes.forEach(function (b) { if (b.checked) on[b.getAttribute('data-filter')][b.value] = true; });
    var shown = 0;
    document.querySelectorAll('tr.finding').forEach(function (r) {
      var v = on.class[r.getAttribute('data-class')] && on.surface[r.getAttribute('data-surface')];
      r.hidden = !v;
      if (v) shown++;
    });
    document.querySelectorAll('section.surface[data-surface]').forEach(function (s) {
      s.hidden = !s.querySelector('tr.finding:not([hidden])');
    });
    document.getElementById('shown').textContent = String(shown);
  }
  // A link can preselect filters: #class=reduced,shared&surface=datastores
  location.hash.replace(/^#/, '').split('&').forEach(function (kv) {
    var p = kv.split('=');
    if (p.length !== 2 || (p[0] !== 'class' && p[0] !== 'surface')) return;
    var wanted = decodeURIComponent(p[1]).split(',');
    boxes.forEach(function (b) {
      if (b.getAttribute('data-filter') === p[0]) b.checked = wanted.indexOf(b.value) >= 0;
    });
  });
  boxes.forEach(function (b) { b.addEventListener('change', apply); });
  apply();
})();
"#;

/// The page's Content-Security-Policy: nothing from the network, only the inline style
/// and script the page carries.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'";

/// The classes that count against a surface's parity score.
const LOSSES: [Class; 4] = [Class::Reduced, Class::Shared, Class::Drift, Class::Unknown];

pub fn render(report: &Report, opts: &RenderOptions) -> String {
    let (word, cls) = match report.verdict {
        Verdict::Pass => ("PASS", "pass"),
        Verdict::Fail => ("FAIL", "fail"),
    };
    let staging = report.environments.staging.as_str();
    let production = report.environments.production.as_str();
    let fail_on: Vec<&str> = report.fail_on.iter().map(|c| c.as_str()).collect();
    // Every finding a surface lists, expected ones included: they are folded, not left out.
    let all = RenderOptions {
        show_expected: true,
        ..opts.clone()
    };
    let groups = by_surface(report, &all);
    let listed = groups.iter().map(|(_, f)| f.len()).sum::<usize>();
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            (head(&format!("envparity {word}: {staging} vs {production}"), ""))
            body {
                main {
                    header class={ "verdict " (cls) } id="verdict" data-verdict=(cls) {
                        div class="badge" { (word) }
                        div {
                            h1 { (staging) " vs " (production) }
                            p id="verdict-line" { (report.verdict_line()) }
                            p class="meta" { "profile " (report.profile) " · the gate fails on " (fail_on.join(", ")) }
                        }
                    }
                    (overview(report))
                    (filters(&groups, listed))
                    (detail(report, opts))
                    footer { "envparity " (env!("CARGO_PKG_VERSION")) " · report " (report.format) " · self-contained: no network access" }
                }
                script { (PreEscaped(SCRIPT)) }
            }
        }
    };
    let mut out = page.into_string();
    out.push('\n');
    out
}

/// The page's head: the title, the style (and `extra` style), and the
/// Content-Security-Policy that forbids any network access.
pub(crate) fn head(title: &str, extra: &'static str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta http-equiv="Content-Security-Policy" content=(CSP);
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="generator" content={ "envparity " (env!("CARGO_PKG_VERSION")) };
            title { (title) }
            style { (PreEscaped(STYLE)) (PreEscaped(extra)) }
        }
    }
}

/// The counts per class, the parity bars and the sources: what a reader takes in first.
pub(crate) fn overview(report: &Report) -> Markup {
    html! {
        (chips(report))
        section class="grid" {
            div class="card" {
                h2 { "Parity by surface" }
                div class="bars" id="parity" { (parity(report)) }
            }
            div class="card" {
                h2 { "Sources" }
                (sources(report))
            }
        }
    }
}

/// The release heading, every finding by surface, and the waivers.
pub(crate) fn detail(report: &Report, opts: &RenderOptions) -> Markup {
    let all = RenderOptions {
        show_expected: true,
        ..opts.clone()
    };
    let groups = by_surface(report, &all);
    html! {
        (release(report))
        div id="findings" {
            @if groups.is_empty() {
                section class="card" { p { "No differences to show." } }
            }
            @for (surface, findings) in &groups {
                (surface_section(report, opts, surface, findings))
            }
        }
        (waivers(report))
    }
}

/// The count of findings per class, and whether each class fails the gate.
fn chips(report: &Report) -> Markup {
    html! {
        section class="chips" aria-label="findings per class" {
            @for class in Class::ALL {
                @let n = report.summary.get(&class).copied().unwrap_or(0);
                @let gate = report.fail_on.contains(&class);
                div class={ "chip c-" (class) @if gate && n > 0 { " fails" } } {
                    b { (n) }
                    span { (class) @if gate { " · fails the gate" } }
                }
            }
        }
    }
}

/// One bar per surface: the share of its differences that are not losses.
fn parity(report: &Report) -> Markup {
    html! {
        @for (surface, judged, losses) in scores(report) {
            @let pct = ((judged - losses) * 100 + judged / 2).checked_div(judged).unwrap_or(100);
            @let grade = match pct { 90.. => "good", 50.. => "fair", _ => "poor" };
            span { (surface) }
            div class="bar" role="img" aria-label={ (surface) ": " (pct) "%" } {
                i class="pass" style={ "width:" (pct) "%" } {}
                i class="fail" style={ "width:" (100 - pct) "%" } {}
            }
            span class="n" {
                b class=(grade) { (pct) "%" }
                " · "
                @if judged == 0 { "no differences" } @else { (losses) " of " (judged) " against parity" }
            }
        }
    }
}

fn sources(report: &Report) -> Markup {
    html! {
        table class="sources" {
            thead { tr { th { "env" } th { "source" } th { "origin" } th { "status" } } }
            tbody {
                @for (env, sources) in [
                    (&report.environments.staging, &report.sources.staging),
                    (&report.environments.production, &report.sources.production),
                ] {
                    @for (name, s) in sources {
                        tr {
                            td { (env) }
                            td { (name) }
                            td {
                                code { (s.origin) }
                                @if s.status == SourceState::Failed {
                                    span class="loc unk" { (s.error.as_deref().unwrap_or("unknown error")) }
                                }
                                @for note in &s.notes { span class="loc" { (note) } }
                            }
                            td {
                                @match s.status {
                                    SourceState::Ok => span class="pill soft c-extra" { "ok" },
                                    SourceState::Failed => span class="pill c-unknown" { "failed" },
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The class and surface checkboxes (the page's script hides what is unticked).
fn filters(groups: &[(&str, Vec<&Finding>)], listed: usize) -> Markup {
    let per_class = Class::ALL.map(|c| {
        groups
            .iter()
            .flat_map(|(_, f)| f.iter())
            .filter(|f| f.class == c)
            .count()
    });
    html! {
        section class="card filters" id="filters" {
            fieldset {
                legend { "Class" }
                @for (class, n) in Class::ALL.iter().zip(per_class) {
                    @if n > 0 {
                        label class={ "c-" (class) } {
                            input type="checkbox" data-filter="class" value=(class) checked;
                            " " span class="pill" { (class) } " " (n)
                        }
                    }
                }
            }
            fieldset {
                legend { "Surface" }
                @for (surface, findings) in groups {
                    label {
                        input type="checkbox" data-filter="surface" value=(surface) checked;
                        " " (label(surface)) " (" (findings.len()) ")"
                    }
                }
            }
            div class="count" { b id="shown" { (listed) } " of " (listed) " findings shown" }
        }
    }
}

/// The release, and the differences that come with it (folded).
fn release(report: &Report) -> Markup {
    let Some(heading) = report.release_heading() else {
        return html! {};
    };
    let attributed: Vec<&Finding> = report.attributed().collect();
    html! {
        section class="card" id="release" {
            h3 { (heading) }
            @if !attributed.is_empty() {
                details {
                    summary { (attributed.len()) " difference(s) that come with the release" }
                    (findings_table(report, &attributed))
                }
            }
        }
    }
}

/// A surface's findings; its expected differences folded below the rest.
fn surface_section(
    report: &Report,
    opts: &RenderOptions,
    surface: &str,
    findings: &[&Finding],
) -> Markup {
    let failing = findings.iter().filter(|f| report.fails(f)).count();
    let (expected, shown): (Vec<&Finding>, Vec<&Finding>) =
        findings.iter().partition(|f| f.class == Class::Expected);
    html! {
        section class="card surface" data-surface=(surface) {
            h3 {
                (label(surface))
                span class="n" style="font-weight:400;color:var(--muted);font-size:13px" {
                    (findings.len()) " finding(s), " (failing) " failing"
                }
            }
            @if !shown.is_empty() {
                (findings_table(report, &shown))
            }
            @if !expected.is_empty() {
                details class="expected" open[opts.show_expected] {
                    summary { (expected.len()) " expected difference(s)" }
                    (findings_table(report, &expected))
                }
            }
        }
    }
}

fn findings_table(report: &Report, findings: &[&Finding]) -> Markup {
    html! {
        table class="findings" {
            colgroup { col class="class"; col class="path"; col class="value"; col class="value"; col; }
            thead {
                tr {
                    th { "class" } th { "path" }
                    th { (report.environments.staging) } th { (report.environments.production) }
                    th { "why" }
                }
            }
            tbody {
                @for f in findings { (finding_row(report, f)) }
            }
        }
    }
}

/// One finding's row, with its full path.
fn finding_row(report: &Report, f: &Finding) -> Markup {
    let at = |l: Option<&crate::findings::Location>| {
        l.map(|l| match l.line {
            Some(n) => format!("{}:{n}", l.file),
            None => l.file.clone(),
        })
    };
    html! {
        tr class={ "finding c-" (f.class) } data-class=(f.class) data-surface=(f.surface) data-path=(f.path) {
            td {
                span class="pill" { (f.class) }
                @if report.fails(f) { span class="gate" { "fails the gate" } }
            }
            td { code class="path" title=(f.path) { (f.path) } }
            td { (value_cell(f.staging.as_ref(), at(f.locations.staging.as_ref()))) }
            td { (value_cell(f.production.as_ref(), at(f.locations.production.as_ref()))) }
            td class="why" {
                (f.message)
                @if let Some(w) = f.waiver.as_ref().filter(|w| w.status == "active") {
                    span class="waiver" {
                        "waived: " (w.reason) " — owner " (w.owner) ", expires " (w.expires)
                    }
                }
            }
        }
    }
}

fn value_cell(v: Option<&Value>, at: Option<String>) -> Markup {
    html! {
        @match v {
            None => span class="abs" { "absent" },
            Some(v) => {
                @if let Some(fp) = as_secret(v) {
                    pre class="secret" { "secret " (fp) }
                } @else if let Some(reason) = as_unknown(v) {
                    pre class="unk" { "not collected: " (reason) }
                } @else {
                    pre {
                        @match v {
                            Value::String(s) => (s),
                            other => (serde_json::to_string_pretty(other).unwrap_or_default()),
                        }
                    }
                }
            }
        }
        @if let Some(at) = at { span class="loc" { (at) } }
    }
}

fn waivers(report: &Report) -> Markup {
    if report.waivers.is_empty() {
        return html! {};
    }
    html! {
        section class="card surface" id="waivers" {
            h3 { "Waivers" }
            table {
                thead {
                    tr {
                        th { "status" } th { "path" } th { "class" } th { "reason" }
                        th { "owner" } th { "expires" } th { "matched" }
                    }
                }
                tbody {
                    @for w in &report.waivers {
                        @let c = match w.status.as_str() { "active" => "waived", "expired" => "reduced", _ => "expected" };
                        tr {
                            td { span class={ "pill c-" (c) } { (w.status) } }
                            td {
                                code { (w.path) }
                                @if let Some(s) = &w.suggestion {
                                    span class="loc" { "did you mean " code { (s) } "?" }
                                }
                            }
                            td class="nowrap" { (w.class.map(|c| c.as_str()).unwrap_or("any")) }
                            td { (w.reason) }
                            td { (w.owner) }
                            td class="nowrap" { (w.expires) }
                            td { (w.matched) }
                        }
                    }
                }
            }
        }
    }
}

fn label(surface: &str) -> &str {
    if surface.is_empty() {
        "(root)"
    } else {
        surface
    }
}

/// (surface, differences judged, losses) for every surface with findings or collected
/// by a source, in report order. Expected differences are not judged: they are by design.
fn scores(report: &Report) -> Vec<(String, usize, usize)> {
    let mut names: Vec<String> = report
        .findings
        .iter()
        .map(|f| f.surface.clone())
        .chain(
            report
                .sources
                .staging
                .values()
                .chain(report.sources.production.values())
                .flat_map(|s| s.covers.iter().map(|c| surface_of(c))),
        )
        .filter(|s| !s.is_empty())
        .collect();
    names.sort_by_key(|a| surface_rank(a));
    names.dedup();
    let mut counts: std::collections::HashMap<&str, (usize, usize)> = Default::default();
    for f in report
        .findings
        .iter()
        .filter(|f| f.class != Class::Expected)
    {
        let c = counts.entry(f.surface.as_str()).or_default();
        c.0 += 1;
        if LOSSES.contains(&f.class) {
            c.1 += 1;
        }
    }
    names
        .into_iter()
        .map(|s| {
            let (judged, losses) = counts.get(s.as_str()).copied().unwrap_or_default();
            (s, judged, losses)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_values_is_escaped() {
        let v = Value::String("<script>alert('x')</script> & \"y\"".into());
        let cell = value_cell(Some(&v), Some("a<b>.yml:3".into())).into_string();
        assert!(!cell.contains("<script>"), "{cell}");
        assert!(cell.contains("&lt;script&gt;"), "{cell}");
        assert!(cell.contains("&amp; &quot;y&quot;"), "{cell}");
        assert!(cell.contains("a&lt;b&gt;.yml:3"), "{cell}");
    }
}
