//! `markdown`: for a pull-request comment or `$GITHUB_STEP_SUMMARY`. The verdict first,
//! the counts per class, then one table per surface (failing classes first, expected
//! differences folded away in a `<details>` block), then the waivers.
//!
//! Cells are escaped for GitHub-flavoured Markdown: a value read from a configuration
//! file may hold `|`, newlines or HTML, and none of them may break the table or inject
//! markup into the comment.

use super::{RenderOptions, Report, Verdict, by_surface};
use crate::findings::{Class, Finding, brief};
use crate::snapshot::SourceState;
use std::fmt::Write;

pub fn render(report: &Report, opts: &RenderOptions) -> String {
    let mut out = String::new();
    let (mark, word) = match report.verdict {
        Verdict::Pass => ("✅", "PASS"),
        Verdict::Fail => ("❌", "FAIL"),
    };
    let _ = writeln!(
        out,
        "## {mark} envparity {word}: {} vs {}\n",
        text(&report.environments.staging),
        text(&report.environments.production)
    );
    let _ = writeln!(
        out,
        "**{}** (profile `{}`)\n",
        text(&report.verdict_line()),
        code_text(&report.profile)
    );

    let _ = writeln!(out, "| class | findings | gate |");
    let _ = writeln!(out, "|---|---:|---|");
    for class in Class::ALL {
        let n = report.summary.get(&class).copied().unwrap_or(0);
        let gate = if report.fail_on.contains(&class) {
            if n > 0 { "**fails**" } else { "fails if any" }
        } else {
            "passes"
        };
        let _ = writeln!(out, "| {class} | {n} | {gate} |");
    }

    let failed: Vec<_> = [
        (&report.environments.staging, &report.sources.staging),
        (&report.environments.production, &report.sources.production),
    ]
    .into_iter()
    .flat_map(|(env, sources)| {
        sources
            .iter()
            .filter(|(_, s)| s.status == SourceState::Failed)
            .map(move |(name, s)| (env, name, s))
    })
    .collect();
    if !failed.is_empty() {
        let _ = writeln!(out, "\n### Sources that failed\n");
        for (env, name, s) in failed {
            let _ = writeln!(
                out,
                "- {} `{}` ({}): {}",
                text(env),
                code_text(name),
                text(&s.origin),
                text(s.error.as_deref().unwrap_or("unknown error"))
            );
        }
    }

    if let Some(heading) = report.release_heading() {
        let _ = writeln!(out, "\n### Release\n\n{}", text(&heading));
        let attributed: Vec<&Finding> = report.attributed().collect();
        if !attributed.is_empty() {
            let _ = writeln!(
                out,
                "\n<details><summary>{} difference(s) that come with the release</summary>\n",
                attributed.len()
            );
            table(&mut out, report, &attributed);
            let _ = writeln!(out, "\n</details>");
        }
    }

    let notes: Vec<String> = [
        (&report.environments.staging, &report.sources.staging),
        (&report.environments.production, &report.sources.production),
    ]
    .into_iter()
    .flat_map(|(env, sources)| {
        sources.iter().flat_map(move |(name, s)| {
            s.notes.iter().map(move |n| {
                format!(
                    "- {} `{}` ({}): {}",
                    text(env),
                    code_text(name),
                    text(&s.origin),
                    text(n)
                )
            })
        })
    })
    .collect();
    if !notes.is_empty() {
        let _ = writeln!(out, "\n### Notes\n\n{}", notes.join("\n"));
    }

    for (surface, findings) in by_surface(report, opts) {
        let title = if surface.is_empty() {
            "(root)"
        } else {
            surface
        };
        let _ = writeln!(out, "\n### {}\n", text(title));
        let (expected, shown): (Vec<&Finding>, Vec<&Finding>) = findings
            .into_iter()
            .partition(|f| f.class == Class::Expected);
        if !shown.is_empty() {
            table(&mut out, report, &shown);
        }
        if !expected.is_empty() {
            let _ = writeln!(
                out,
                "\n<details><summary>{} expected difference(s)</summary>\n",
                expected.len()
            );
            table(&mut out, report, &expected);
            let _ = writeln!(out, "\n</details>");
        }
    }

    let hidden = report.hidden_expected(opts);
    if hidden > 0 {
        let _ = writeln!(
            out,
            "\n_{hidden} expected difference(s) hidden (`--show-expected` lists them)._"
        );
    }

    if !report.waivers.is_empty() {
        let _ = writeln!(out, "\n### Waivers\n");
        let _ = writeln!(
            out,
            "| status | path | class | reason | owner | expires | matched |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|---:|");
        for w in &report.waivers {
            let status = match &w.suggestion {
                Some(s) => format!("{} (did you mean {}?)", text(&w.status), code(s)),
                None => text(&w.status),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                status,
                code(&w.path),
                w.class.map(|c| c.as_str()).unwrap_or("any"),
                text(&w.reason),
                text(&w.owner),
                text(&w.expires),
                w.matched
            );
        }
    }
    out
}

/// A table of findings, each with its full path (as waivers and `--ignore` take it).
fn table(out: &mut String, report: &Report, findings: &[&Finding]) {
    let _ = writeln!(
        out,
        "| class | path | {} | {} | why |",
        text(&report.environments.staging),
        text(&report.environments.production)
    );
    let _ = writeln!(out, "|---|---|---|---|---|");
    for f in findings {
        let class = if report.fails(f) {
            format!("**{}** ✗", f.class)
        } else {
            f.class.to_string()
        };
        let mut why = text(&f.message);
        // An expired waiver is already named in the message; an active one is not.
        if let Some(w) = f.waiver.as_ref().filter(|w| w.status == "active") {
            let _ = write!(
                why,
                " (waiver {}: {}, owner {}, expires {})",
                text(&w.status),
                text(&w.reason),
                text(&w.owner),
                text(&w.expires)
            );
        }
        let _ = writeln!(
            out,
            "| {class} | {} | {} | {} | {why} |",
            code(&f.path),
            code(&brief(f.staging.as_ref())),
            code(&brief(f.production.as_ref())),
        );
    }
}

/// Plain text in a table cell: Markdown and HTML metacharacters are escaped, a newline
/// becomes `<br>` so that the row stays one line.
pub(crate) fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("\\|"),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push_str("<br>");
                }
            }
            '\n' => out.push_str("<br>"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '~' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text for inside a code span (profile and source names): only the pipe needs escaping,
/// since GFM splits table cells before it parses code spans.
fn code_text(s: &str) -> String {
    s.replace('`', "'")
        .replace('|', "\\|")
        .replace(['\r', '\n'], " ")
}

/// A value as a code span, so that paths and values read verbatim. Values with a line
/// break cannot be code spans in a table row; they fall back to escaped text.
pub(crate) fn code(s: &str) -> String {
    if s.is_empty() {
        return String::new();
    }
    if s.contains(['\n', '\r']) {
        return text(s);
    }
    // A fence one backtick longer than the longest run inside the value.
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    let body = s.replace('|', "\\|");
    let pad = if body.starts_with('`') || body.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{body}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipes_and_newlines_cannot_break_a_table_row() {
        assert_eq!(text("a | b\nc"), "a \\| b<br>c");
        assert_eq!(text("x\r\ny"), "x<br>y");
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(code("two\nlines | x"), "two<br>lines \\| x");
    }

    #[test]
    fn html_in_values_is_shown_not_interpreted() {
        assert_eq!(
            text("<script>alert(1)</script> & co"),
            "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"
        );
    }

    #[test]
    fn backticks_in_values_get_a_longer_fence() {
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
    }
}
