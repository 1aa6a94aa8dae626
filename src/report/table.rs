//! `table`: for a person at a terminal. Findings grouped by surface, reduced and shared
//! first, staging and production values side by side, the waivers with their reason,
//! owner and expiry, and a one-line verdict last.
//!
//! Paths are shown whole (`/plugins/forum`), as waivers and `--ignore` take them, so that
//! a path can be copied from the table into either.
//!
//! The table fits the width it is given ([`RenderOptions::width`]: the terminal, or
//! `COLUMNS`): text wraps at word boundaries, paths before a `/`, JSON values after a
//! `,`; a value longer than its cell is shortened with a visible `…`, and a word longer
//! than its column is split with a `…` at the end of the line it breaks. With no width
//! (stdout piped, a file) nothing is shortened. Below the width the narrowest table needs,
//! each finding is printed as a short block instead.
//!
//! Every string that comes from a source goes through [`terminal`], so that no value can
//! send the terminal an escape sequence; the colours are the renderer's own.

use super::escape::terminal;
use super::{RenderOptions, Report};
use crate::findings::{Class, Finding};
use crate::snapshot::SourceState;
use crate::surface::{as_secret, as_unknown};
use serde_json::Value;
use std::fmt::Write;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The width the table report is laid out to on stdout: `COLUMNS` when it is set to a
/// number, else the terminal's width when stdout is a terminal, else none (piped: full
/// values, nothing wrapped).
pub fn stdout_width() -> Option<usize> {
    use std::io::IsTerminal;
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
    {
        return Some(n.max(MIN_WIDTH));
    }
    if std::io::stdout().is_terminal() {
        return terminal_size::terminal_size().map(|(w, _)| usize::from(w.0).max(MIN_WIDTH));
    }
    None
}

/// Narrower than this, no layout is readable; a smaller `COLUMNS` is taken as this.
const MIN_WIDTH: usize = 30;

pub fn render(report: &Report, opts: &RenderOptions) -> String {
    let width = opts.width;
    let mut out = String::new();
    let line = |out: &mut String, text: &str, indent: usize| {
        for l in wrap_prose(text, width, indent) {
            let _ = writeln!(out, "{l}");
        }
    };
    line(
        &mut out,
        &format!(
            "envparity: {} vs {} (profile {})",
            terminal(&report.environments.staging),
            terminal(&report.environments.production),
            terminal(&report.profile)
        ),
        0,
    );
    for (env, sources) in [
        (&report.environments.staging, &report.sources.staging),
        (&report.environments.production, &report.sources.production),
    ] {
        let env = terminal(env);
        for (name, s) in sources {
            let (name, origin) = (terminal(name), terminal(&s.origin));
            if s.status == SourceState::Failed {
                line(
                    &mut out,
                    &format!(
                        "  {env}: source {name} ({origin}) FAILED: {}",
                        terminal(s.error.as_deref().unwrap_or("unknown error"))
                    ),
                    4,
                );
            }
            for note in &s.notes {
                line(
                    &mut out,
                    &format!("  {env}: source {name} ({origin}): {}", terminal(note)),
                    4,
                );
            }
        }
    }
    if let Some(heading) = report.release_heading() {
        out.push('\n');
        for l in wrap_prose(&terminal(&heading), width, 2) {
            let _ = writeln!(out, "{}", paint(opts, BOLD, &l));
        }
        let attributed: Vec<_> = report.attributed().collect();
        if opts.show_expected && !attributed.is_empty() {
            out.push_str(&findings_table(report, opts, &attributed));
        }
    }
    for (surface, findings) in super::by_surface(report, opts) {
        let title = if surface.is_empty() {
            "(root)"
        } else {
            surface
        };
        let _ = writeln!(out, "\n{}", paint(opts, BOLD, &terminal(title)));
        out.push_str(&findings_table(report, opts, &findings));
    }
    let hidden = report.hidden_expected(opts);
    if hidden > 0 {
        out.push('\n');
        line(
            &mut out,
            &format!("{hidden} expected difference(s) hidden (--show-expected lists them)"),
            2,
        );
    }
    if !report.waivers.is_empty() {
        let _ = writeln!(out, "\n{}", paint(opts, BOLD, "waivers"));
        for w in &report.waivers {
            let class = w.class.map(|c| c.as_str()).unwrap_or("any class");
            let matched = match w.status.as_str() {
                "stale" => match &w.suggestion {
                    Some(s) => format!("matches nothing; did you mean {}?", terminal(s)),
                    None => "matches nothing".to_string(),
                },
                _ => format!("{} finding(s)", w.matched),
            };
            line(
                &mut out,
                &format!(
                    "  {} {} ({class}), {matched}: {} (owner {}, expires {})",
                    terminal(&w.status),
                    terminal(&w.path),
                    terminal(&w.reason),
                    terminal(&w.owner),
                    terminal(&w.expires),
                ),
                4,
            );
        }
    }
    let verdict_color = match report.verdict {
        super::Verdict::Pass => GREEN_BOLD,
        super::Verdict::Fail => RED_BOLD,
    };
    out.push('\n');
    for l in wrap_prose(&report.verdict_line(), width, 2) {
        let _ = writeln!(out, "{}", paint(opts, verdict_color, &l));
    }
    out
}

/// How a cell's text may be broken and shortened.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cell {
    /// Prose: breaks at spaces.
    Text,
    /// A JSON pointer: breaks before a `/`, never shortened.
    Path,
    /// A value: breaks after a space or `,`; shortened with `…` past [`VALUE_LINES`].
    Value,
}

/// A value cell is shortened to this many lines in a table that must fit a width.
const VALUE_LINES: usize = 3;

const KINDS: [Cell; 5] = [Cell::Text, Cell::Path, Cell::Value, Cell::Value, Cell::Text];

/// The findings as one boxed table (or, when even the narrowest table would not fit,
/// as one block per finding).
fn findings_table(report: &Report, opts: &RenderOptions, findings: &[&Finding]) -> String {
    let header = [
        "class".to_string(),
        "path".to_string(),
        terminal(&report.environments.staging).into_owned(),
        terminal(&report.environments.production).into_owned(),
        "why".to_string(),
    ];
    let rows: Vec<(Class, bool, [String; 5])> = findings
        .iter()
        .map(|f| {
            let fails = report.fails(f);
            let class = if fails {
                format!("{} ✗", f.class)
            } else {
                f.class.to_string()
            };
            (
                f.class,
                fails,
                [
                    class,
                    terminal(&f.path).into_owned(),
                    terminal(&value_text(f.staging.as_ref())).into_owned(),
                    terminal(&value_text(f.production.as_ref())).into_owned(),
                    terminal(&why(f)).into_owned(),
                ],
            )
        })
        .collect();

    let natural: Vec<usize> = (0..5)
        .map(|i| {
            rows.iter()
                .map(|r| &r.2[i])
                .chain(std::iter::once(&header[i]))
                .map(|c| c.lines().map(UnicodeWidthStr::width).max().unwrap_or(0))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let widths = match opts.width {
        None => natural,
        Some(total) => match fit(&natural, &rows, total) {
            Some(w) => w,
            None => return blocks(report, opts, &rows, total),
        },
    };
    let limited = opts.width.is_some();

    let mut out = String::new();
    rule(&mut out, &widths, '┌', '┬', '┐');
    row(&mut out, &widths, &header, limited, None, opts);
    rule(&mut out, &widths, '├', '┼', '┤');
    for (class, fails, cells) in &rows {
        row(
            &mut out,
            &widths,
            cells,
            limited,
            Some(class_color(*class, *fails)),
            opts,
        );
    }
    rule(&mut out, &widths, '└', '┴', '┘');
    out
}

/// Column widths that fit `total` columns, or none when even the narrowest do not. Each
/// column keeps its natural width when all fit; otherwise the widest columns give way
/// first, down to a floor per column (the class whole; a path's longest segment).
fn fit(natural: &[usize], rows: &[(Class, bool, [String; 5])], total: usize) -> Option<Vec<usize>> {
    let frame = 3 * natural.len() + 1;
    let avail = total.checked_sub(frame)?;
    if natural.iter().sum::<usize>() <= avail {
        return Some(natural.to_vec());
    }
    let longest_segment = rows
        .iter()
        .flat_map(|r| pieces(&r.2[1], Cell::Path))
        .map(UnicodeWidthStr::width)
        .max()
        .unwrap_or(0);
    let floor = [
        natural[0],
        natural[1].min(longest_segment.clamp(12, 28)),
        natural[2].min(8),
        natural[3].min(8),
        natural[4].min(12),
    ];
    if floor.iter().sum::<usize>() > avail {
        return None;
    }
    // Give way one column at a time, widest first, until the table fits: at most
    // (sum of natural widths) steps of five comparisons.
    let mut w = natural.to_vec();
    let mut excess = w.iter().sum::<usize>() - avail;
    while excess > 0 {
        let (i, _) = w
            .iter()
            .enumerate()
            .filter(|(i, x)| **x > floor[*i])
            .max_by_key(|(i, x)| (**x - floor[*i], std::cmp::Reverse(*i)))?;
        // Bring the widest column down to the next widest in one step when it can.
        let second = w
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(j, x)| x.saturating_sub(floor[j]))
            .max()
            .unwrap_or(0);
        let room = w[i] - floor[i];
        let step = (room - second.min(room)).max(1).min(excess);
        w[i] -= step;
        excess -= step;
    }
    Some(w)
}

fn rule(out: &mut String, widths: &[usize], left: char, mid: char, right: char) {
    out.push(left);
    for (i, w) in widths.iter().enumerate() {
        if i > 0 {
            out.push(mid);
        }
        out.extend(std::iter::repeat_n('─', w + 2));
    }
    out.push(right);
    out.push('\n');
}

/// One table row, its cells wrapped to their widths and padded.
fn row(
    out: &mut String,
    widths: &[usize],
    cells: &[String; 5],
    limited: bool,
    class_sgr: Option<&str>,
    opts: &RenderOptions,
) {
    let wrapped: Vec<Vec<String>> = cells
        .iter()
        .zip(widths)
        .zip(KINDS)
        .map(|((c, w), kind)| {
            if limited {
                wrap(c, *w, kind)
            } else {
                c.lines().map(str::to_string).collect()
            }
        })
        .collect();
    let height = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
    for n in 0..height {
        out.push('│');
        for (i, lines) in wrapped.iter().enumerate() {
            let text = lines.get(n).map(String::as_str).unwrap_or("");
            let pad = widths[i].saturating_sub(text.width());
            let text = match class_sgr {
                Some(sgr) if i == 0 && !text.is_empty() => paint(opts, sgr, text),
                _ => text.to_string(),
            };
            let _ = write!(out, " {text}{} │", " ".repeat(pad));
        }
        out.pop();
        out.push('│');
        out.push('\n');
    }
}

/// The narrow layout: one block per finding, each line wrapped to `total` columns.
fn blocks(
    report: &Report,
    opts: &RenderOptions,
    rows: &[(Class, bool, [String; 5])],
    total: usize,
) -> String {
    let mut out = String::new();
    let label_s = terminal(&report.environments.staging);
    let label_p = terminal(&report.environments.production);
    for (n, (class, fails, cells)) in rows.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let head = format!("{} {}", cells[0], cells[1]);
        for (i, l) in wrap(&head, total, Cell::Path).into_iter().enumerate() {
            let l = if i == 0 {
                match l.strip_prefix(cells[0].as_str()) {
                    Some(rest) => format!(
                        "{}{rest}",
                        paint(opts, class_color(*class, *fails), &cells[0])
                    ),
                    None => l,
                }
            } else {
                l
            };
            let _ = writeln!(out, "{l}");
        }
        for (label, cell, kind) in [
            (label_s.as_ref(), &cells[2], Cell::Value),
            (label_p.as_ref(), &cells[3], Cell::Value),
            ("why", &cells[4], Cell::Text),
        ] {
            let lead = format!("  {label}: ");
            let room = total.saturating_sub(lead.width()).max(8);
            for (i, l) in wrap(cell, room, kind).into_iter().enumerate() {
                if i == 0 {
                    let _ = writeln!(out, "{lead}{l}");
                } else {
                    let _ = writeln!(out, "{}{l}", " ".repeat(lead.width()));
                }
            }
        }
    }
    out
}

/// The reason a finding is listed, and for a waived one the waiver's reason, owner and
/// expiry (an expired waiver is already named in the message).
fn why(f: &Finding) -> String {
    match f.waiver.as_ref().filter(|w| w.status == "active") {
        Some(w) => format!(
            "{} (waived until {} by {}: {})",
            f.message, w.expires, w.owner, w.reason
        ),
        None => f.message.clone(),
    }
}

/// A value as the table shows it, whole: shortening is the layout's job.
fn value_text(v: Option<&Value>) -> String {
    match v {
        None => "(absent)".into(),
        Some(v) if as_unknown(v).is_some() => "(unknown)".into(),
        Some(Value::String(s)) => s.clone(),
        Some(v) => match as_secret(v) {
            Some(fp) => format!("secret {fp}"),
            None => v.to_string(),
        },
    }
}

/// Prose (a heading, a verdict) wrapped at spaces to `width`, continuation lines indented.
fn wrap_prose(text: &str, width: Option<usize>, indent: usize) -> Vec<String> {
    let Some(width) = width else {
        return text.lines().map(str::to_string).collect();
    };
    let mut out = Vec::new();
    for (i, l) in wrap(text, width.saturating_sub(indent).max(8), Cell::Text)
        .into_iter()
        .enumerate()
    {
        if i == 0 {
            out.push(l);
        } else {
            out.push(format!("{}{}", " ".repeat(indent), l.trim_start()));
        }
    }
    out
}

/// The pieces a line may break between: text after each space, a path before each `/`,
/// a value after each space or `,`. Concatenated, the pieces are the line.
fn pieces(line: &str, kind: Cell) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in line.char_indices() {
        let cut = match kind {
            Cell::Text => (c == ' ').then_some(i + 1),
            Cell::Path => (c == '/' && i > start).then_some(i),
            Cell::Value => (c == ' ' || c == ',').then_some(i + c.len_utf8()),
        };
        if let Some(at) = cut
            && at > start
        {
            out.push(&line[start..at]);
            start = at;
        }
    }
    if start < line.len() {
        out.push(&line[start..]);
    }
    out
}

/// Wraps `text` to lines of at most `width` columns. A value cell gets at most
/// [`VALUE_LINES`] lines, the last ending in `…` when something was left out; a piece
/// wider than the cell is split, and the line that breaks it ends in `…`.
fn wrap(text: &str, width: usize, kind: Cell) -> Vec<String> {
    let width = width.max(2);
    let mut lines: Vec<String> = Vec::new();
    for src in text.split('\n') {
        let first = lines.len();
        let mut cur = String::new();
        for piece in pieces(src, kind) {
            let fits = cur.width() + piece.trim_end().width() <= width;
            if !fits && !cur.is_empty() {
                lines.push(cur.trim_end().to_string());
                cur.clear();
            }
            // A continuation line of prose does not start with the space it broke at.
            let piece = if cur.is_empty() && kind == Cell::Text && lines.len() > first {
                piece.trim_start()
            } else {
                piece
            };
            if piece.trim_end().width() <= width {
                cur.push_str(piece);
                continue;
            }
            // A piece wider than the cell: split it, and say so on each line it breaks.
            let mut rest = piece;
            while rest.trim_end().width() > width {
                let (head, tail) = split_at_width(rest, width - 1);
                lines.push(format!("{head}…"));
                rest = tail;
            }
            cur.push_str(rest);
        }
        lines.push(cur.trim_end().to_string());
    }
    if kind == Cell::Value && lines.len() > VALUE_LINES {
        lines.truncate(VALUE_LINES);
        if let Some(last) = lines.last_mut() {
            let (head, _) = split_at_width(last, width - 1);
            let head = head.trim_end_matches('…').to_string();
            *last = format!("{head}…");
        }
    }
    lines
}

/// Splits `s` after as many characters as fit in `width` columns (at least one).
fn split_at_width(s: &str, width: usize) -> (&str, &str) {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        let w = c.width().unwrap_or(0);
        if used + w > width && i > 0 {
            return s.split_at(i);
        }
        used += w;
    }
    (s, "")
}

// SGR sequences; widths are measured before colour is added.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_wraps_at_spaces_and_paths_before_slashes() {
        assert_eq!(
            wrap("on in production, off in staging", 16, Cell::Text),
            ["on in", "production, off", "in staging"]
        );
        assert_eq!(
            wrap("/services/lms/uwsgi_workers", 16, Cell::Path),
            ["/services/lms", "/uwsgi_workers"]
        );
    }

    #[test]
    fn a_long_value_is_shortened_with_an_ellipsis() {
        let fp = "secret hmac-sha256:4c1f0e2b9d8a7f6e5d4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a2918";
        let lines = wrap(fp, 14, Cell::Value);
        assert!(lines.len() <= VALUE_LINES, "{lines:?}");
        assert!(lines.iter().all(|l| l.width() <= 14), "{lines:?}");
        assert!(lines.last().is_some_and(|l| l.ends_with('…')), "{lines:?}");
        let json = r#"{"enabled":true,"version":"22.0.0","a":1,"b":2,"c":3,"d":4,"e":5}"#;
        let lines = wrap(json, 20, Cell::Value);
        assert!(
            lines[0].ends_with(','),
            "JSON breaks after a comma: {lines:?}"
        );
        assert!(lines.last().is_some_and(|l| l.ends_with('…')), "{lines:?}");
    }

    #[test]
    fn a_word_wider_than_its_column_is_split_visibly() {
        let lines = wrap("see ENABLE_COURSEWARE_MICROFRONTEND now", 12, Cell::Text);
        assert!(lines.iter().all(|l| l.width() <= 12), "{lines:?}");
        assert!(lines.iter().any(|l| l.ends_with('…')), "{lines:?}");
        // Nothing is lost in prose: the pieces put back together are the words.
        let joined: String = lines.iter().map(|l| l.trim_end_matches('…')).collect();
        assert!(
            joined.contains("ENABLE_COURSEWARE_MICROFRONTEND"),
            "{joined}"
        );
    }
}
