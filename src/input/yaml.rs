//! YAML nesting depth, measured in one linear pass before the YAML parser sees the text.
//!
//! libyaml's scanner (under serde_yaml_ng) revisits every open flow level for every
//! token, so `X: [[[[…]]]]` costs the square of its depth: 40 000 brackets (80 KB) take
//! seconds, 200 000 never finish. serde_yaml_ng's recursion limit acts only after the
//! scanner has done that work. So the depth is measured here first, counting flow
//! collections (`[`, `{` outside quoted scalars, comments and block scalars) and block
//! levels (indentation steps and compact `- ` entries), and a text deeper than
//! [`MAX_DEPTH`] is refused with the line where the limit was passed.
//!
//! The scan follows YAML's rules for where a token starts (a quote opens a quoted
//! scalar only at the start of a token, a plain or block scalar continues on more
//! indented lines), so that what it skips as text is text to libyaml too: counting too
//! much only refuses absurd files, counting too little would let the slow case through.

/// The deepest nesting accepted, flow and block levels together. Real Tutor files stay
/// under 15; the limit keeps the scanner's cost per token small, since it is
/// proportional to the open flow levels.
pub const MAX_DEPTH: usize = 64;

/// Where a text passed the depth limit (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooDeep {
    pub line: usize,
    pub column: usize,
}

/// Checks that `text` nests at most `max` levels deep.
pub fn check_depth(text: &str, max: usize) -> Result<(), TooDeep> {
    scan(text, max).map(|_| ())
}

/// The deepest nesting of `text` as this scan counts it (for tests and the fuzzer, which
/// check it against what the YAML parser builds).
pub fn max_depth(text: &str) -> usize {
    scan(text, usize::MAX).unwrap_or(usize::MAX)
}

fn scan(text: &str, max: usize) -> Result<usize, TooDeep> {
    let mut scan = Scan {
        max,
        deepest: 0,
        flow: 0,
        blocks: Vec::new(),
        quote: None,
        block_scalar: None,
        plain: None,
        in_plain: false,
    };
    for (i, raw) in text.split('\n').enumerate() {
        let l = raw.strip_suffix('\r').unwrap_or(raw).as_bytes();
        scan.line(i + 1, l)?;
    }
    Ok(scan.deepest)
}

/// An open block scalar (`|`, `>`): lines more indented than its parent are its text.
struct BlockScalar {
    parent: isize,
    indent: Option<usize>,
}

struct Scan {
    max: usize,
    deepest: usize,
    /// Open flow collections.
    flow: usize,
    /// Columns of the open block levels.
    blocks: Vec<usize>,
    /// The quote of a quoted scalar that goes on past the line.
    quote: Option<u8>,
    block_scalar: Option<BlockScalar>,
    /// A plain scalar in block context that may go on: lines from this column are its text.
    plain: Option<usize>,
    /// Inside a plain scalar in flow context.
    in_plain: bool,
}

fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

fn blank_or_end(l: &[u8], i: usize) -> bool {
    l.get(i).is_none_or(|&c| is_blank(c))
}

/// `---` or `...` at the start of a line: a document boundary.
fn is_document_marker(l: &[u8]) -> bool {
    (l.starts_with(b"---") || l.starts_with(b"...")) && blank_or_end(l, 3)
}

/// The index after the quote that closes a scalar opened by `q`, searching from `from`.
fn close_quote(l: &[u8], from: usize, q: u8) -> Option<usize> {
    let mut i = from;
    while i < l.len() {
        let c = l[i];
        if q == b'"' && c == b'\\' {
            i += 2;
            continue;
        }
        if c == q {
            if q == b'\'' && l.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            return Some(i + 1);
        }
        i += 1;
    }
    None
}

impl Scan {
    fn depth(&mut self, line: usize, index: usize) -> Result<(), TooDeep> {
        let depth = self.blocks.len() + self.flow;
        self.deepest = self.deepest.max(depth);
        if depth > self.max {
            return Err(TooDeep {
                line,
                column: index + 1,
            });
        }
        Ok(())
    }

    fn line(&mut self, n: usize, l: &[u8]) -> Result<(), TooDeep> {
        let indent = l.iter().take_while(|&&c| c == b' ').count();
        let blank = l[indent..].iter().all(|&c| is_blank(c));
        let marker = is_document_marker(l);

        if let Some(s) = &mut self.block_scalar {
            if blank {
                return Ok(());
            }
            if !marker {
                match s.indent {
                    None if indent as isize > s.parent => {
                        s.indent = Some(indent);
                        return Ok(());
                    }
                    Some(m) if indent >= m => return Ok(()),
                    _ => {}
                }
            }
            self.block_scalar = None;
        }
        if let Some(q) = self.quote {
            return match close_quote(l, 0, q) {
                None => Ok(()),
                Some(end) => {
                    self.quote = None;
                    self.after_scalar(n, l, end, -1)
                }
            };
        }
        if self.flow > 0 {
            return self.flow_scan(n, l, 0);
        }
        if blank {
            return Ok(());
        }
        if let Some(min) = self.plain {
            if l[indent] == b'#' || marker || indent < min {
                self.plain = None;
            } else {
                // Text of a multi-line plain scalar, whatever it starts with.
                return Ok(());
            }
        }
        if l[indent] == b'#' || (indent == 0 && l[0] == b'%') {
            return Ok(());
        }
        if marker {
            self.blocks.clear();
            return self.node(n, l, 3, -1);
        }
        while self.blocks.last().is_some_and(|&top| top > indent) {
            self.blocks.pop();
        }
        if self.blocks.last() != Some(&indent) {
            self.blocks.push(indent);
        }
        self.depth(n, indent)?;
        // The collection this line's node belongs to.
        let mut parent = match self.blocks.len() {
            0 | 1 => -1,
            k => self.blocks[k - 2] as isize,
        };
        // Compact entries (`- - x`, `? x`, `: x`) open a level each.
        let mut pos = indent;
        while matches!(l.get(pos), Some(b'-' | b'?' | b':')) && blank_or_end(l, pos + 1) {
            parent = pos as isize;
            pos += 1;
            while pos < l.len() && is_blank(l[pos]) {
                pos += 1;
            }
            if pos < l.len() {
                self.blocks.push(pos);
                self.depth(n, pos)?;
            }
        }
        self.node(n, l, pos, parent)
    }

    /// A node in block context at `pos`; `parent` is the column of what holds it (a key,
    /// a `-`, or -1 at the document's top).
    fn node(
        &mut self,
        n: usize,
        l: &[u8],
        mut pos: usize,
        mut parent: isize,
    ) -> Result<(), TooDeep> {
        loop {
            while pos < l.len() && is_blank(l[pos]) {
                pos += 1;
            }
            let Some(&c) = l.get(pos) else {
                return Ok(());
            };
            match c {
                b'#' => return Ok(()),
                // Anchors and tags come before the node they name.
                b'&' | b'!' => {
                    while pos < l.len() && !is_blank(l[pos]) {
                        pos += 1;
                    }
                }
                b'[' | b'{' => {
                    self.in_plain = false;
                    return self.flow_scan(n, l, pos);
                }
                b'"' | b'\'' => {
                    return match close_quote(l, pos + 1, c) {
                        None => {
                            self.quote = Some(c);
                            Ok(())
                        }
                        Some(end) => self.after_scalar(n, l, end, pos as isize),
                    };
                }
                b'|' | b'>' => {
                    // An explicit indentation indicator (`|2`) fixes the text's column;
                    // otherwise its first line does.
                    let indicator = l[pos + 1..]
                        .iter()
                        .take_while(|c| c.is_ascii_digit() || **c == b'+' || **c == b'-')
                        .find(|c| c.is_ascii_digit())
                        .map(|c| usize::from(c - b'0'));
                    self.block_scalar = Some(BlockScalar {
                        parent,
                        indent: indicator.map(|i| (parent.max(0) as usize) + i),
                    });
                    return Ok(());
                }
                _ => {
                    // A plain scalar: a key when `: ` follows on this line.
                    let start = pos;
                    let mut i = pos;
                    loop {
                        if i >= l.len() {
                            self.plain = Some((parent + 1).max(0) as usize);
                            return Ok(());
                        }
                        if l[i] == b':' && blank_or_end(l, i + 1) {
                            parent = start as isize;
                            pos = i + 1;
                            break;
                        }
                        if l[i] == b'#' && i > start && is_blank(l[i - 1]) {
                            return Ok(());
                        }
                        i += 1;
                    }
                }
            }
        }
    }

    /// After a quoted scalar or a flow collection closed at `pos`.
    fn after_scalar(
        &mut self,
        n: usize,
        l: &[u8],
        mut pos: usize,
        key: isize,
    ) -> Result<(), TooDeep> {
        if self.flow > 0 {
            self.in_plain = false;
            return self.flow_scan(n, l, pos);
        }
        while pos < l.len() && is_blank(l[pos]) {
            pos += 1;
        }
        if l.get(pos) == Some(&b':') && blank_or_end(l, pos + 1) {
            return self.node(n, l, pos + 1, key);
        }
        Ok(())
    }

    /// Flow context from `i` to the end of the line.
    fn flow_scan(&mut self, n: usize, l: &[u8], mut i: usize) -> Result<(), TooDeep> {
        while i < l.len() {
            let c = l[i];
            match c {
                b'[' | b'{' => {
                    self.in_plain = false;
                    self.flow += 1;
                    self.depth(n, i)?;
                }
                b']' | b'}' => {
                    self.in_plain = false;
                    self.flow = self.flow.saturating_sub(1);
                    if self.flow == 0 {
                        return self.after_scalar(n, l, i + 1, -1);
                    }
                }
                b',' => self.in_plain = false,
                b'"' | b'\'' if !self.in_plain => match close_quote(l, i + 1, c) {
                    None => {
                        self.quote = Some(c);
                        return Ok(());
                    }
                    Some(end) => {
                        i = end;
                        continue;
                    }
                },
                b'#' if i == 0 || is_blank(l[i - 1]) => return Ok(()),
                // Anchors, tags and aliases are tokens of their own: what follows them
                // starts a token too.
                b'&' | b'!' | b'*' if !self.in_plain => {
                    while i < l.len() && !is_blank(l[i]) && !b",[]{}".contains(&l[i]) {
                        i += 1;
                    }
                    continue;
                }
                b':' => {
                    let next = l.get(i + 1).copied();
                    if !self.in_plain || next.is_none_or(|d| is_blank(d) || b",[]{}".contains(&d)) {
                        self.in_plain = false;
                    }
                }
                b' ' | b'\t' => {}
                b'-' | b'?' if !self.in_plain && blank_or_end(l, i + 1) => {}
                _ => self.in_plain = true,
            }
            i += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_ok(text: &str, max: usize) -> bool {
        check_depth(text, max).is_ok()
    }

    /// The smallest limit `text` passes.
    fn depth(text: &str) -> usize {
        (0..200).find(|&m| depth_ok(text, m)).unwrap()
    }

    #[test]
    fn flow_nesting_is_counted() {
        assert_eq!(depth("a: [[[1]]]\n"), 4);
        assert_eq!(depth("a: {b: [c, {d: e}]}\n"), 4);
        let deep = format!("X: {}{}\n", "[".repeat(100), "]".repeat(100));
        assert_eq!(
            check_depth(&deep, 64),
            Err(TooDeep {
                line: 1,
                column: 4 + 63
            })
        );
    }

    #[test]
    fn block_nesting_is_counted() {
        assert_eq!(depth("a:\n  b:\n    c: 1\n"), 3);
        assert_eq!(depth("- - - x\n"), 4);
        assert_eq!(depth("a:\n- b: 1\n  c:\n    d: 2\n"), 3);
        let mut deep = String::new();
        for i in 0..100 {
            deep.push_str(&" ".repeat(i));
            deep.push_str("k:\n");
        }
        assert!(!depth_ok(&deep, 64));
        assert!(!depth_ok(&format!("{}x\n", "- ".repeat(100)), 64));
    }

    #[test]
    fn brackets_in_text_are_not_nesting() {
        for text in [
            "a: '[[[['\n",
            "a: \"{{{{\\\"[[[[\"\n",
            "a: x[[[[\n",
            "a: b # [[[[\n",
            "a: |\n  [[[[\n  {{{{\nb: 1\n",
            "- >-\n  [[[[\n",
            "a: \"[[[[\n  [[[[\"\n",
            "a: [it's, \"]]\", '[[', x]\n",
            "a: plain\n  'continued [[[[\n  text\n",
            "# [[[[\n",
            "--- |\n[[[[\n",
        ] {
            assert!(depth_ok(text, 3), "{text:?} counted {}", depth(text));
        }
    }

    #[test]
    fn a_quote_inside_plain_text_opens_nothing() {
        // If the quote opened a scalar, the brackets below would be skipped as its text.
        let text = format!("a: it's\nb: {}\n'\n", "[".repeat(10));
        assert!(!depth_ok(&text, 5));
        let text = format!("a: [it's, {}]\n'\n", "[".repeat(10));
        assert!(!depth_ok(&text, 5));
    }

    #[test]
    fn an_anchor_in_flow_is_followed_by_a_token() {
        assert!(depth_ok("a: [&x '[[[[', *x, !!str '{{']\n", 2));
    }

    #[test]
    fn an_explicit_indentation_indicator_sets_the_text_column() {
        // `|4` puts the text at column 4: a line at column 2 is no text but structure.
        let text = format!("a: |4\n  {}\n", "[".repeat(10));
        assert!(!depth_ok(&text, 5));
        assert!(depth_ok("a: |2\n  [[[[\n", 2));
    }

    #[test]
    fn the_deepest_level_is_reported() {
        assert_eq!(max_depth("a:\n  b: [[1]]\nc: 1\n"), 4);
        assert_eq!(max_depth(""), 0);
    }

    #[test]
    fn a_block_scalar_ends_at_a_less_indented_line() {
        let text = format!("a: |\n    text\n  b: {}\n", "[".repeat(10));
        assert!(!depth_ok(&text, 5));
    }

    #[test]
    fn real_tutor_and_kubernetes_yaml_passes() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut seen = 0;
        let mut stack = vec![
            root.join("tests/fixtures"),
            root.join("examples"),
            root.join("data"),
        ];
        while let Some(d) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "yml" || x == "yaml") {
                    let text = std::fs::read_to_string(&p).unwrap();
                    if let Err(e) = check_depth(&text, 16) {
                        panic!("{}: {e:?}", p.display());
                    }
                    seen += 1;
                }
            }
        }
        assert!(seen > 50, "only {seen} YAML files found");
    }
}
