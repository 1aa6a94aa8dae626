//! Escaping every human format shares. Values come from configuration files and live
//! servers an attacker may write to, and a report is read where it can do harm: in a
//! CI log, where GitHub Actions runs any line that starts with `::` as a workflow
//! command, and on a terminal, where an escape sequence can rewrite what was printed
//! before it. Each format escapes its own markup (HTML, Markdown, XML); what is common
//! to all is here.

use std::borrow::Cow;

/// Makes sure no line of a rendered report is a GitHub Actions workflow command: a line
/// whose first characters after any leading whitespace are `::` gets a visible `\`
/// before them. The Actions runner reads a line as a command only when it starts that
/// way, and it splits lines at `\r` as well as `\n`. The `github` format writes real
/// commands and escapes its values itself; every other format goes through here.
pub fn defuse_workflow_commands(text: &str) -> Cow<'_, str> {
    let b = text.as_bytes();
    let mut starts = Vec::new();
    let mut line_start = 0;
    loop {
        let mut i = line_start;
        while i < b.len() && matches!(b[i], b' ' | b'\t') {
            i += 1;
        }
        if b[i..].starts_with(b"::") {
            starts.push(i);
        }
        match b[line_start..]
            .iter()
            .position(|&c| c == b'\n' || c == b'\r')
        {
            Some(p) => line_start += p + 1,
            None => break,
        }
    }
    if starts.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + starts.len());
    let mut last = 0;
    for i in starts {
        out.push_str(&text[last..i]);
        out.push('\\');
        last = i;
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

/// Text for a terminal: control characters (ESC and the rest of C0 but the line break,
/// DEL, C1) and the bidirectional overrides that make text read other than it is are
/// shown as escapes (`\x1b`, `\u{202e}`), so that a value cannot move the cursor,
/// recolour, retitle or rewrite what the report printed.
pub fn terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs_escape(c) {
            let n = c as u32;
            if n < 0x100 {
                out.push_str(&format!("\\x{n:02x}"));
            } else {
                out.push_str(&format!("\\u{{{n:04x}}}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_line_can_start_a_workflow_command() {
        assert_eq!(
            defuse_workflow_commands("a\n::error::x\n  ::set-output name=a::b\rc::d\r::warning::w"),
            "a\n\\::error::x\n  \\::set-output name=a::b\rc::d\r\\::warning::w"
        );
        assert_eq!(defuse_workflow_commands("::x"), "\\::x");
        assert!(matches!(
            defuse_workflow_commands("plain a::b\n"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn terminal_controls_are_shown_escaped() {
        assert_eq!(terminal("a\x1b[2Jb"), "a\\x1b[2Jb");
        assert_eq!(terminal("x\ry\tz\u{9b}"), "x\\x0dy\\x09z\\x9b");
        assert_eq!(terminal("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(terminal("two\nlines"), "two\nlines");
    }
}
