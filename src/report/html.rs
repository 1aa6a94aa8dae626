//! `html`: one self-contained page for a release engineer — the verdict, a parity score
//! per surface as a bar chart, filters by class and surface, and every finding with both
//! values. Styles and script are inline and a Content-Security-Policy forbids any
//! network access, so the file can be attached to a ticket or a CI artifact and opened
//! anywhere.
//!
//! The parity score of a surface is the share of its differences that the gate lets
//! through: 100% when it has none or none of them fails, 0% when all of them fail. It is
//! computed over all findings (expected ones included), so it does not change with
//! `--show-expected`. Every string from the report is HTML-escaped: values come from
//! configuration files and live servers, and none may become markup.

use super::{RenderOptions, Report, Verdict, by_surface};
use crate::findings::{Class, Finding, Location};
use crate::snapshot::SourceState;
use crate::surface::{as_secret, as_unknown, surface_of, surface_rank};
use serde_json::Value;
use std::fmt::Write;

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
.bars{display:grid;grid-template-columns:110px 1fr 150px;gap:8px 12px;align-items:center}
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
.why{color:#344055}.waiver{display:block;margin-top:4px;font-size:12px;color:var(--waived)}
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

pub fn render(report: &Report, opts: &RenderOptions) -> String {
    let mut o = String::new();
    let (word, cls) = match report.verdict {
        Verdict::Pass => ("PASS", "pass"),
        Verdict::Fail => ("FAIL", "fail"),
    };
    let staging = esc(&report.environments.staging);
    let production = esc(&report.environments.production);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"envparity {}\">\n\
         <title>envparity {word}: {staging} vs {production}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        env!("CARGO_PKG_VERSION")
    );

    // The verdict.
    let fail_on: Vec<&str> = report.fail_on.iter().map(|c| c.as_str()).collect();
    let _ = writeln!(
        o,
        "<header class=\"verdict {cls}\" id=\"verdict\" data-verdict=\"{cls}\">\
         <div class=\"badge\">{word}</div><div>\
         <h1>{staging} vs {production}</h1>\
         <p id=\"verdict-line\">{}</p>\
         <p class=\"meta\">profile {} · the gate fails on {}</p></div></header>",
        esc(&report.verdict_line()),
        esc(&report.profile),
        esc(&fail_on.join(", "))
    );

    // Counts per class.
    o.push_str("<section class=\"chips\" aria-label=\"findings per class\">\n");
    for class in Class::ALL {
        let n = report.summary.get(&class).copied().unwrap_or(0);
        let fails = report.fail_on.contains(&class) && n > 0;
        let _ = writeln!(
            o,
            "<div class=\"chip c-{class}{}\"><b>{n}</b><span>{class}{}</span></div>",
            if fails { " fails" } else { "" },
            if report.fail_on.contains(&class) {
                " · fails the gate"
            } else {
                ""
            }
        );
    }
    o.push_str("</section>\n");

    // Parity per surface, and the sources.
    o.push_str("<section class=\"grid\">\n<div class=\"card\"><h2>Parity by surface</h2><div class=\"bars\" id=\"parity\">\n");
    for (surface, total, failing) in scores(report) {
        let passing = total - failing;
        let pct = (passing * 100 + total / 2)
            .checked_div(total)
            .unwrap_or(100);
        let grade = match pct {
            90.. => "good",
            50.. => "fair",
            _ => "poor",
        };
        let detail = if total == 0 {
            "no differences".to_string()
        } else {
            format!("{failing} of {total} fail")
        };
        let _ = writeln!(
            o,
            "<span>{}</span><div class=\"bar\" role=\"img\" aria-label=\"{0}: {pct}%\"><i class=\"pass\" style=\"width:{pct}%\"></i><i class=\"fail\" style=\"width:{}%\"></i></div><span class=\"n\"><b class=\"{grade}\">{pct}%</b> · {}</span>",
            esc(&surface),
            100 - pct,
            esc(&detail)
        );
    }
    o.push_str("</div></div>\n<div class=\"card\"><h2>Sources</h2><table class=\"sources\"><thead><tr><th>env</th><th>source</th><th>origin</th><th>status</th></tr></thead><tbody>\n");
    for (env, sources) in [
        (&report.environments.staging, &report.sources.staging),
        (&report.environments.production, &report.sources.production),
    ] {
        for (name, s) in sources {
            let status = match s.status {
                SourceState::Ok => "<span class=\"pill soft c-extra\">ok</span>".to_string(),
                SourceState::Failed => "<span class=\"pill c-unknown\">failed</span>".to_string(),
            };
            let mut error = match (&s.status, &s.error) {
                (SourceState::Failed, e) => format!(
                    "<span class=\"loc unk\">{}</span>",
                    esc(e.as_deref().unwrap_or("unknown error"))
                ),
                _ => String::new(),
            };
            for note in &s.notes {
                let _ = write!(error, "<span class=\"loc\">{}</span>", esc(note));
            }
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{}</td><td><code>{}</code>{error}</td><td>{status}</td></tr>",
                esc(env),
                esc(name),
                esc(&s.origin)
            );
        }
    }
    o.push_str("</tbody></table></div>\n</section>\n");

    // Filters.
    let groups = by_surface(report, opts);
    let visible: Vec<&Finding> = report.visible(opts).collect();
    o.push_str("<section class=\"card filters\" id=\"filters\">\n<fieldset><legend>Class</legend>");
    for class in Class::ALL {
        let n = visible.iter().filter(|f| f.class == class).count();
        if n == 0 {
            continue;
        }
        let _ = write!(
            o,
            "<label class=\"c-{class}\"><input type=\"checkbox\" data-filter=\"class\" value=\"{class}\" checked> <span class=\"pill\">{class}</span> {n}</label>"
        );
    }
    o.push_str("</fieldset>\n<fieldset><legend>Surface</legend>");
    for (surface, findings) in &groups {
        let _ = write!(
            o,
            "<label><input type=\"checkbox\" data-filter=\"surface\" value=\"{}\" checked> {} ({})</label>",
            esc(surface),
            esc(label(surface)),
            findings.len()
        );
    }
    let _ = writeln!(
        o,
        "</fieldset>\n<div class=\"count\"><b id=\"shown\">{}</b> of {} findings shown</div>\n</section>",
        visible.len(),
        visible.len()
    );

    // The release, and the differences that come with it (folded).
    if let Some(heading) = report.release_heading() {
        let attributed: Vec<&Finding> = report.attributed().collect();
        let _ = writeln!(
            o,
            "<section class=\"card\" id=\"release\"><h3>{}</h3>",
            esc(&heading)
        );
        if !attributed.is_empty() {
            let _ = writeln!(
                o,
                "<details><summary>{} difference(s) that come with the release</summary>\
                 <table class=\"findings\"><colgroup><col class=\"class\"><col class=\"path\"><col class=\"value\"><col class=\"value\"><col></colgroup>\
                 <thead><tr><th>class</th><th>path</th><th>{staging}</th><th>{production}</th><th>why</th></tr></thead><tbody>",
                attributed.len()
            );
            for f in attributed {
                finding_row(&mut o, report, f, true);
            }
            o.push_str("</tbody></table></details>\n");
        }
        o.push_str("</section>\n");
    }

    // The findings.
    o.push_str("<div id=\"findings\">\n");
    if groups.is_empty() {
        o.push_str("<section class=\"card\"><p>No differences to show.</p></section>\n");
    }
    for (surface, findings) in &groups {
        let failing = findings.iter().filter(|f| report.fails(f)).count();
        let _ = write!(
            o,
            "<section class=\"card surface\" data-surface=\"{}\"><h3>{}<span class=\"n\" style=\"font-weight:400;color:var(--muted);font-size:13px\">{} finding(s), {failing} failing</span></h3>\n\
             <table class=\"findings\"><colgroup><col class=\"class\"><col class=\"path\"><col class=\"value\"><col class=\"value\"><col></colgroup>\
             <thead><tr><th>class</th><th>path</th><th>{staging}</th><th>{production}</th><th>why</th></tr></thead><tbody>\n",
            esc(surface),
            esc(label(surface)),
            findings.len()
        );
        for f in findings {
            finding_row(&mut o, report, f, false);
        }
        o.push_str("</tbody></table></section>\n");
    }
    o.push_str("</div>\n");
    let hidden = report.hidden_expected(opts);
    if hidden > 0 {
        let _ = writeln!(
            o,
            "<p class=\"why\">{hidden} expected difference(s) hidden (<code>--show-expected</code> lists them).</p>"
        );
    }

    // Waivers.
    if !report.waivers.is_empty() {
        o.push_str("<section class=\"card surface\" id=\"waivers\"><h3>Waivers</h3><table><thead><tr><th>status</th><th>path</th><th>class</th><th>reason</th><th>owner</th><th>expires</th><th>matched</th></tr></thead><tbody>\n");
        for w in &report.waivers {
            let c = match w.status.as_str() {
                "active" => "waived",
                "expired" => "reduced",
                _ => "expected",
            };
            let _ = writeln!(
                o,
                "<tr><td><span class=\"pill c-{c}\">{}</span></td><td><code>{}</code></td><td class=\"nowrap\">{}</td><td>{}</td><td>{}</td><td class=\"nowrap\">{}</td><td>{}</td></tr>",
                esc(&w.status),
                esc(&w.path),
                w.class.map(|c| c.as_str()).unwrap_or("any"),
                esc(&w.reason),
                esc(&w.owner),
                esc(&w.expires),
                w.matched
            );
        }
        o.push_str("</tbody></table></section>\n");
    }

    let _ = write!(
        o,
        "<footer>envparity {} · report {} · self-contained: no network access</footer>\n</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        esc(&report.format)
    );
    o
}

/// One finding's row; its path relative to its surface, or whole (`full_path`) where
/// the rows of several surfaces share a table.
fn finding_row(o: &mut String, report: &Report, f: &Finding, full_path: bool) {
    let rel = Some(f.path.as_str())
        .filter(|_| !full_path)
        .and_then(|p| p.strip_prefix(&format!("/{}", f.surface)))
        .filter(|r| !r.is_empty())
        .unwrap_or(&f.path);
    let gate = if report.fails(f) {
        "<span class=\"gate\">fails the gate</span>"
    } else {
        ""
    };
    let mut why = esc(&f.message);
    if let Some(w) = f.waiver.as_ref().filter(|w| w.status == "active") {
        let _ = write!(
            why,
            "<span class=\"waiver\">waiver {}: {} — {}, expires {}</span>",
            esc(&w.status),
            esc(&w.reason),
            esc(&w.owner),
            esc(&w.expires)
        );
    }
    let _ = writeln!(
        o,
        "<tr class=\"finding c-{class}\" data-class=\"{class}\" data-surface=\"{}\" data-path=\"{}\">\
         <td><span class=\"pill\">{class}</span>{gate}</td>\
         <td><code class=\"path\" title=\"{1}\">{}</code></td><td>{}</td><td>{}</td><td class=\"why\">{why}</td></tr>",
        esc(&f.surface),
        esc(&f.path),
        esc(rel),
        value_cell(f.staging.as_ref(), f.locations.staging.as_ref()),
        value_cell(f.production.as_ref(), f.locations.production.as_ref()),
        class = f.class,
    );
}

fn value_cell(v: Option<&Value>, loc: Option<&Location>) -> String {
    let mut s = match v {
        None => "<span class=\"abs\">absent</span>".to_string(),
        Some(v) => {
            if let Some(fp) = as_secret(v) {
                format!("<pre class=\"secret\">secret {}</pre>", esc(fp))
            } else if let Some(reason) = as_unknown(v) {
                format!("<pre class=\"unk\">not collected: {}</pre>", esc(reason))
            } else {
                let text = match v {
                    Value::String(s) => s.clone(),
                    other => serde_json::to_string_pretty(other).unwrap_or_default(),
                };
                format!("<pre>{}</pre>", esc(&text))
            }
        }
    };
    if let Some(l) = loc {
        let at = match l.line {
            Some(n) => format!("{}:{n}", l.file),
            None => l.file.clone(),
        };
        let _ = write!(s, "<span class=\"loc\">{}</span>", esc(&at));
    }
    s
}

fn label(surface: &str) -> &str {
    if surface.is_empty() {
        "(root)"
    } else {
        surface
    }
}

/// (surface, differences, failing ones) for every surface with findings or collected
/// by a source, in report order.
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
    names
        .into_iter()
        .map(|s| {
            let total = report.findings.iter().filter(|f| f.surface == s).count();
            let failing = report
                .findings
                .iter()
                .filter(|f| f.surface == s && report.fails(f))
                .count();
            (s, total, failing)
        })
        .collect()
}

/// Escapes text and attribute values alike.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_values_is_escaped() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
    }
}
