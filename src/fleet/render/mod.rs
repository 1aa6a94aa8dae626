//! The fleet report's renderers, one file per format, each reading a finished
//! [`FleetReport`]. The detail of each instance is rendered by the single-pair renderer
//! of the same format ([`crate::report`]), so an instance reads as `check` shows it.

mod github;
mod html;
mod json;
mod junit;
mod markdown;
mod sarif;
mod table;

use super::{FleetFinding, FleetReport, InstanceReport};
use crate::findings::brief;
use crate::report::{Format, RenderOptions};

/// Whether a fleet report can be written in `format` (a patch edits one staging root;
/// a fleet has many).
pub fn supports(format: Format) -> bool {
    format != Format::Patch
}

/// Writes a fleet report in one format as it renders it, so that a fleet of thousands
/// of instances is never held whole: each instance's report is read back from the run's
/// spool, rendered and written before the next one is read. The JSON report is
/// serialized straight into `w` (its pretty-printed lines begin with a space, `{`, `}` or
/// `]`, so no workflow command can start one); the other formats go through [`Out`].
pub fn render_to(
    report: &FleetReport,
    format: Format,
    opts: &RenderOptions,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    if format == Format::Json {
        return json::write(report, w);
    }
    // As for single reports, only the `github` format may hold workflow commands.
    let mut out = Out::new(w, format != Format::Github);
    match format {
        Format::Markdown => markdown::write(report, opts, &mut out)?,
        Format::Junit => junit::write(report, opts, &mut out)?,
        Format::Sarif => sarif::write(report, opts, &mut out)?,
        Format::Github => github::write(report, opts, &mut out)?,
        Format::Html => html::write(report, opts, &mut out)?,
        Format::Json | Format::Table | Format::Patch => table::write(report, opts, &mut out)?,
    }
    out.finish()
}

/// Where a format writes as it renders: text gathers in a buffer and goes out when the
/// renderer has finished a part (an instance) or the buffer has grown large, with
/// workflow commands defused on the way. Whether a line is one depends on that line's
/// first characters only, so text goes out as soon as the fate of every line in it is
/// known — complete lines, and an open line once its first two characters past the
/// indentation are in (the HTML page is one long line) — and the bytes are those of
/// defusing the whole report at once. A write that fails is kept and returned by the
/// next [`Out::flush`] or by the end.
pub(super) struct Out<'a> {
    w: &'a mut dyn std::io::Write,
    buf: Vec<u8>,
    defuse: bool,
    /// Whether the last byte written left a line open (its start already judged).
    mid_line: bool,
    error: Option<std::io::Error>,
}

/// How much text is gathered before it goes out without being asked.
const OUT_BUFFER: usize = 64 * 1024;

fn is_line_end(b: u8) -> bool {
    b == b'\n' || b == b'\r'
}

impl<'a> Out<'a> {
    fn new(w: &'a mut dyn std::io::Write, defuse: bool) -> Out<'a> {
        Out {
            w,
            buf: Vec::new(),
            defuse,
            mid_line: false,
            error: None,
        }
    }

    pub fn push_str(&mut self, s: &str) {
        self.gather(s.as_bytes());
    }

    pub fn push(&mut self, c: char) {
        self.gather(c.encode_utf8(&mut [0; 4]).as_bytes());
    }

    fn gather(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= OUT_BUFFER
            && let Err(e) = self.flush()
        {
            self.error.get_or_insert(e);
        }
    }

    /// Writes everything gathered whose lines' fate is known.
    pub fn flush(&mut self) -> std::io::Result<()> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let open_from = match self.buf.iter().rposition(|&b| is_line_end(b)) {
            Some(p) => p + 1,
            // The whole buffer continues a line whose start went out.
            None if self.mid_line => self.buf.len(),
            None => 0,
        };
        let open = &self.buf[open_from..];
        let indent = open
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
        let cut = if open.len() >= indent + 2 {
            self.buf.len()
        } else {
            open_from
        };
        let rest = self.buf.split_off(cut);
        let ready = std::mem::replace(&mut self.buf, rest);
        self.emit(&ready)
    }

    /// Writes the rest.
    fn finish(mut self) -> std::io::Result<()> {
        self.flush()?;
        let rest = std::mem::take(&mut self.buf);
        self.emit(&rest)
    }

    fn emit(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        let continued = self.mid_line;
        self.mid_line = !is_line_end(bytes[bytes.len() - 1]);
        if !self.defuse {
            return self.w.write_all(bytes);
        }
        // Every renderer writes text, cut only at ASCII bytes, so nothing is lost here.
        let text = String::from_utf8_lossy(bytes);
        let mut text: &str = &text;
        if continued {
            // The rest of a line whose start was judged when it went out.
            let end = text.find(['\n', '\r']).map_or(text.len(), |p| p + 1);
            self.w.write_all(&text.as_bytes()[..end])?;
            text = &text[end..];
        }
        let defused = crate::report::escape::defuse_workflow_commands(text);
        self.w.write_all(defused.as_bytes())
    }
}

impl std::fmt::Write for Out<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.push_str(s);
        Ok(())
    }
}

/// For serializers (the SARIF log) writing into the same buffer.
impl std::io::Write for Out<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.gather(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Out::flush(self)
    }
}

/// The instance's most severe finding in a few words (`reduced /plugins/forum`), or why
/// it could not be judged.
fn most_severe(i: &InstanceReport) -> String {
    if let Some(e) = &i.error {
        return format!("error: {e}");
    }
    match i.most_severe() {
        Some((class, path)) => format!("{class} {path}"),
        None => "-".into(),
    }
}

/// Where a value is shared: `initech production, umbrella production (/datastores/…)`.
fn holders(f: &FleetFinding) -> String {
    f.instances
        .iter()
        .map(|h| {
            if h.path == f.path {
                format!("{} {}", h.instance, h.environment.as_str())
            } else {
                format!("{} {} ({})", h.instance, h.environment.as_str(), h.path)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The shared value in a few words (a secret shows as its fingerprint).
fn value(f: &FleetFinding) -> String {
    brief(Some(&f.value))
}

#[cfg(test)]
mod tests {
    use super::Out;
    use crate::report::escape::defuse_workflow_commands;
    use std::fmt::Write;

    /// Writes `parts` through an [`Out`], flushing after each.
    fn through_out(parts: &[&str], defuse: bool) -> String {
        let mut bytes = Vec::new();
        let mut out = Out::new(&mut bytes, defuse);
        for p in parts {
            out.push_str(p);
            out.flush().unwrap();
        }
        out.finish().unwrap();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn text_written_a_part_at_a_time_is_defused_as_the_whole_would_be() {
        let cases: &[&[&str]] = &[
            &["a\n", "::error::x\n", "b"],
            // A command split across parts, at every point.
            &["ok\n  :", ":warning::y\nz\n"],
            &["ok\n", ":", ":set-output name=a::b\n"],
            &["<html>", "::not a line start", "\n::", "error::q"],
            &["line\r", "::error::cr\r\n", "  \t", "::x"],
            &["::", "", "x\n"],
            &["é", "::é\n::", "é"],
        ];
        for parts in cases {
            let whole = parts.concat();
            assert_eq!(
                through_out(parts, true),
                defuse_workflow_commands(&whole),
                "{parts:?}"
            );
            assert_eq!(through_out(parts, false), whole, "{parts:?}");
        }
    }

    #[test]
    fn a_long_line_goes_out_before_it_ends_and_a_command_never_does() {
        let mut bytes = Vec::new();
        let mut out = Out::new(&mut bytes, true);
        let long = "x".repeat(super::OUT_BUFFER + 10);
        let _ = write!(out, "<p>{long}");
        out.flush().unwrap();
        // One long line (the HTML page) need not wait for its end.
        assert!(out.buf.is_empty());
        let _ = write!(out, "</p>\n:");
        out.flush().unwrap();
        // Whether the open line is a command is not known yet: it waits.
        assert_eq!(out.buf, b":");
        let _ = writeln!(out, ":error::boom");
        out.finish().unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(!text.contains("\n::error"), "{}", &text[text.len() - 40..]);
        assert_eq!(
            text,
            defuse_workflow_commands(&format!("<p>{long}</p>\n::error::boom\n"))
        );
    }
}
