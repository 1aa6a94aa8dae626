//! Reading JSON text into a [`Tree`] a chunk at a time.
//!
//! A snapshot is mostly indentation, quotes and punctuation around its strings: the
//! realistic benchmark surface's strings and keys are 58 % of its text, a keyed
//! collection's 44 %. Reading a chunk at a time and keeping only the decoded strings
//! (and the nodes) spares the rest, and the whole text is never held.
//!
//! The grammar is serde_json's, and so is every value: what serde_json refuses, this
//! refuses (the caller then asks serde_json why, for the message). Numbers that are not
//! small integers are handed to serde_json itself, so that a float reads to the same
//! bits. The `snapshot` fuzz target holds this to serde_json on any input.

use super::{Bits, MAX_BYTES, NO_KEY, ParseError, SEPARATOR, Slot, Span, Str, Tree, number_slot};
use std::io::Read;

/// How much text is held at a time.
const CHUNK: usize = 128 * 1024;

/// serde_json's nesting limit: it refuses the 128th array or object open at once.
const MAX_DEPTH: u32 = 128;

/// The bytes that end a run of plain string text: a quote, a backslash, a control
/// character (which JSON allows only escaped).
static STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// Reads a document (see [`Tree::read`]).
pub(super) fn read(src: &mut impl Read, len: u64, bom: bool) -> Result<Tree, ParseError> {
    read_in(src, len, bom, CHUNK)
}

/// [`read`], holding `chunk` bytes at a time (or the text's length, if less).
fn read_in(src: &mut impl Read, len: u64, bom: bool, chunk: usize) -> Result<Tree, ParseError> {
    let len = usize::try_from(len).unwrap_or(usize::MAX).min(MAX_BYTES);
    let mut r = Reader {
        src,
        buf: vec![0; chunk.min(len.max(16)).max(1)].into_boxed_slice(),
        pos: 0,
        end: 0,
        failed: false,
        depth: 0,
        number: Vec::new(),
        too_large: false,
        // The strings take less than the text (their quotes alone, which are not kept,
        // outnumber the separators); a snapshot holds a node per 30 to 40 bytes, and
        // reserving one per 16 spares the copies of a growing vector. Pages never
        // written cost no memory.
        strings: Vec::with_capacity(len),
        nodes: Vec::with_capacity(len / 16),
        keys: Vec::with_capacity(len / 16),
        stack: Vec::new(),
    };
    let root = if bom { r.skip_bom() } else { Ok(()) }.and_then(|()| r.document());
    if r.too_large || r.nodes.len() >= u32::MAX as usize {
        return Err(ParseError::TooLarge);
    }
    let root = match root {
        Ok(root) if !r.failed => root,
        _ => return Err(ParseError::Invalid),
    };
    let at = r.nodes.len() as u32;
    r.nodes.push(root);
    r.keys.push(NO_KEY);
    // Every string was copied whole, each followed by an ASCII separator, so the buffer
    // is UTF-8 exactly when each string is.
    let strings = String::from_utf8(r.strings).map_err(|_| ParseError::Invalid)?;
    Ok(Tree {
        strings,
        nodes: r.nodes,
        keys: r.keys,
        root: at,
        overflowed: false,
    })
}

/// Why reading stopped: the text is not JSON as serde_json reads it, or is too large
/// (then `Reader::too_large` is set). Either way the caller is told which.
struct Fault;

type Step<T> = Result<T, Fault>;

struct Reader<'r, R> {
    src: &'r mut R,
    buf: Box<[u8]>,
    pos: usize,
    end: usize,
    /// Whether the source failed to read: the document is then refused.
    failed: bool,
    depth: u32,
    /// A number's text, gathered across chunks.
    number: Vec<u8>,
    too_large: bool,
    strings: Vec<u8>,
    nodes: Vec<Slot>,
    keys: Vec<Str>,
    /// The children of the arrays and objects being read, moved into `nodes` side by
    /// side when their array or object ends.
    stack: Vec<(Slot, Str)>,
}

impl<R: Read> Reader<'_, R> {
    /// Reads the next chunk once the last is used up; false at the end of the text.
    fn fill(&mut self) -> bool {
        debug_assert_eq!(self.pos, self.end);
        self.pos = 0;
        self.end = 0;
        while !self.failed && self.end < self.buf.len() {
            match self.src.read(&mut self.buf[self.end..]) {
                Ok(0) => break,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => self.failed = true,
            }
        }
        self.end > 0
    }

    fn peek(&mut self) -> Option<u8> {
        if self.pos == self.end && !self.fill() {
            return None;
        }
        Some(self.buf[self.pos])
    }

    fn next(&mut self) -> Step<u8> {
        let c = self.peek().ok_or(Fault)?;
        self.pos += 1;
        Ok(c)
    }

    /// Drops a leading byte-order mark. Its first byte begins nothing else in UTF-8
    /// text, so it is the mark or the text is refused.
    fn skip_bom(&mut self) -> Step<()> {
        const BOM: &[u8] = "\u{feff}".as_bytes();
        if self.peek() == Some(BOM[0]) {
            self.pos += 1;
            self.literal(&BOM[1..], Slot::Null)?;
        }
        Ok(())
    }

    /// The next byte that is not whitespace, taken.
    fn token(&mut self) -> Step<u8> {
        loop {
            while self.pos < self.end {
                let c = self.buf[self.pos];
                self.pos += 1;
                if !matches!(c, b' ' | b'\n' | b'\t' | b'\r') {
                    return Ok(c);
                }
            }
            if !self.fill() {
                return Err(Fault);
            }
        }
    }

    fn document(&mut self) -> Step<Slot> {
        let first = self.token()?;
        let root = self.value(first)?;
        while let Some(c) = self.peek() {
            if !matches!(c, b' ' | b'\n' | b'\t' | b'\r') {
                return Err(Fault);
            }
            self.pos += 1;
        }
        Ok(root)
    }

    /// A value whose first byte, `c`, is taken.
    fn value(&mut self, c: u8) -> Step<Slot> {
        match c {
            b'"' => self.string().map(Slot::Str),
            b'[' => self.container(b']').map(Slot::Arr),
            b'{' => self.container(b'}').map(Slot::Obj),
            b't' => self.literal(b"rue", Slot::Bool(true)),
            b'f' => self.literal(b"alse", Slot::Bool(false)),
            b'n' => self.literal(b"ull", Slot::Null),
            b'-' | b'0'..=b'9' => self.number(c),
            _ => Err(Fault),
        }
    }

    fn literal(&mut self, rest: &[u8], slot: Slot) -> Step<Slot> {
        for &want in rest {
            if self.next()? != want {
                return Err(Fault);
            }
        }
        Ok(slot)
    }

    fn enter(&mut self) -> Step<()> {
        self.depth += 1;
        if self.depth >= MAX_DEPTH {
            return Err(Fault);
        }
        Ok(())
    }

    /// An array or object whose opening bracket is taken: its entries up to `close`,
    /// each a value or (for an object) a key and a value.
    fn container(&mut self, close: u8) -> Step<Span> {
        self.enter()?;
        let object = close == b'}';
        let mark = self.stack.len();
        let mut c = self.token()?;
        if c != close {
            loop {
                let entry = if object {
                    self.member(c)?
                } else {
                    (self.value(c)?, NO_KEY)
                };
                self.stack.push(entry);
                match self.token()? {
                    b',' => c = self.token()?,
                    b if b == close => break,
                    _ => return Err(Fault),
                }
            }
        }
        self.depth -= 1;
        self.finish(mark, object)
    }

    /// An object's member whose first byte, `c`, is taken: a key, a colon, a value.
    fn member(&mut self, c: u8) -> Step<(Slot, Str)> {
        if c != b'"' {
            return Err(Fault);
        }
        let key = self.string()?;
        if self.token()? != b':' {
            return Err(Fault);
        }
        let first = self.token()?;
        Ok((self.value(first)?, key))
    }

    /// A string whose opening quote is taken, decoded into the buffer.
    fn string(&mut self) -> Step<Str> {
        let at = self.strings.len();
        loop {
            if self.pos == self.end && !self.fill() {
                return Err(Fault);
            }
            let chunk = &self.buf[self.pos..self.end];
            match chunk.iter().position(|&c| STOP[c as usize]) {
                None => {
                    self.strings.extend_from_slice(chunk);
                    self.pos = self.end;
                }
                Some(i) => {
                    self.strings.extend_from_slice(&chunk[..i]);
                    let c = chunk[i];
                    self.pos += i + 1;
                    match c {
                        b'"' => break,
                        b'\\' => self.escape()?,
                        _ => return Err(Fault),
                    }
                }
            }
        }
        let len = self.strings.len() - at;
        if self.strings.len() + 1 > MAX_BYTES {
            self.too_large = true;
            return Err(Fault);
        }
        self.strings.push(SEPARATOR);
        Ok(Str {
            at: at as u32,
            len: len as u32,
        })
    }

    /// An escape whose backslash is taken, decoded as serde_json decodes it: a lone
    /// surrogate is refused.
    fn escape(&mut self) -> Step<()> {
        let byte = match self.next()? {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                let c = self.unicode()?;
                let mut utf8 = [0; 4];
                self.strings
                    .extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
                return Ok(());
            }
            _ => return Err(Fault),
        };
        self.strings.push(byte);
        Ok(())
    }

    fn unicode(&mut self) -> Step<char> {
        let high = self.hex4()?;
        let code = match high {
            0xD800..=0xDBFF => {
                if self.next()? != b'\\' || self.next()? != b'u' {
                    return Err(Fault);
                }
                let low = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return Err(Fault);
                }
                0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(Fault),
            code => code,
        };
        char::from_u32(code).ok_or(Fault)
    }

    fn hex4(&mut self) -> Step<u32> {
        let mut n = 0;
        for _ in 0..4 {
            let digit = char::from(self.next()?).to_digit(16).ok_or(Fault)?;
            n = n * 16 + digit;
        }
        Ok(n)
    }

    /// A number whose first byte, `c`, is taken. Its text runs to the first byte no
    /// number holds: serde_json refuses a number followed by such a byte too.
    fn number(&mut self, c: u8) -> Step<Slot> {
        self.number.clear();
        self.number.push(c);
        while let Some(c @ (b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')) = self.peek() {
            self.number.push(c);
            self.pos += 1;
        }
        let text = self.number.as_slice();
        if !is_number(text) {
            return Err(Fault);
        }
        let integer = !text.iter().any(|c| matches!(c, b'.' | b'e' | b'E'));
        // ASCII, checked above.
        let s = std::str::from_utf8(text).map_err(|_| Fault)?;
        if integer {
            if let Ok(u) = s.parse::<u64>() {
                return Ok(Slot::Pos(Bits::of(u)));
            }
            // serde_json reads `-0` as the float -0.0.
            if let Ok(i) = s.parse::<i64>()
                && i < 0
            {
                return Ok(Slot::Neg(Bits::of(i as u64)));
            }
        }
        // A float, `-0`, or an integer past 64 bits: serde_json's own reading.
        serde_json::from_str::<serde_json::Number>(s)
            .map(|n| number_slot(&n))
            .map_err(|_| Fault)
    }

    fn key(&self, s: Str) -> &[u8] {
        &self.strings[s.range()]
    }

    /// Moves the children gathered since `mark` into the arena; for an object, sorted
    /// by key, refusing a key repeated.
    fn finish(&mut self, mark: usize, object: bool) -> Step<Span> {
        if object {
            let block = &self.stack[mark..];
            let sorted = block
                .windows(2)
                .all(|w| self.key(w[0].1) < self.key(w[1].1));
            if !sorted {
                let mut block = self.stack.split_off(mark);
                block.sort_by(|a, b| self.key(a.1).cmp(self.key(b.1)));
                if block
                    .windows(2)
                    .any(|w| self.key(w[0].1) == self.key(w[1].1))
                {
                    return Err(Fault);
                }
                self.stack.extend(block);
            }
        }
        let start = self.nodes.len();
        if start + (self.stack.len() - mark) >= u32::MAX as usize {
            self.too_large = true;
            return Err(Fault);
        }
        for (slot, key) in self.stack.drain(mark..) {
            self.nodes.push(slot);
            self.keys.push(key);
        }
        Ok(Span {
            start: start as u32,
            len: (self.nodes.len() - start) as u32,
        })
    }
}

/// Whether `s` is a JSON number, whole: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
fn is_number(s: &[u8]) -> bool {
    let digits = |i: &mut usize| {
        let from = *i;
        while s.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > from
    };
    let mut i = usize::from(s.first() == Some(&b'-'));
    match s.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return false,
    }
    if s.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(s.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == s.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::Node;
    use serde_json::Value;

    /// What serde_json makes of a text, and what the reader makes of it, read through
    /// chunks of every size from one byte.
    fn agree(text: &str) {
        let want = serde_json::from_str::<Value>(text).ok();
        for chunk in [1, 2, 3, 7, 64, CHUNK] {
            let mut src = Chunked(text.as_bytes(), chunk);
            let got = read_in(&mut src, text.len() as u64, false, chunk)
                .ok()
                .map(|t| t.root().to_value());
            assert_eq!(got, want, "{text:?} in chunks of {chunk}");
        }
    }

    /// A source that answers at most `.1` bytes a read.
    struct Chunked<'a>(&'a [u8], usize);

    impl Read for Chunked<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.len().min(self.1).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn reads_what_serde_json_reads_and_refuses_what_it_refuses() {
        for text in [
            r#"{"b": [1, -2, 3.5, 1e300, null, true, false, "x\"y"], "a": {"z": {}, "y": []}}"#,
            r#""\u00e9\ud83d\ude00\/\b\f\n\r\t\\""#,
            "  [ 0, -0, 1E2, 1e-2, 1.5e+3, 18446744073709551615, 18446744073709551616 ] ",
            "[-9223372036854775808, -9223372036854775809, 0.1, 2.2250738585072011e-308]",
            "[-0, -0.0, 0.0, -1, -01.5]",
            "[-0]",
            "[123456789012345678901234567890, 1.7976931348623157e308]",
            "\"caf\u{e9} \u{1f600}\"",
            "{\"\u{e9}\": 1, \"e\": 2, \"\": 3}",
            // Refused by both:
            "",
            "  ",
            "[1,]",
            "{\"a\":1,}",
            "[01]",
            "[1.]",
            "[.5]",
            "[1e]",
            "[-]",
            "[1-2]",
            "[+1]",
            "[1e400]",
            "[tru]",
            "[truex]",
            "[nul]",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\ud800\\u0041\"",
            "\"\\x\"",
            "\"\\u00g0\"",
            "\"a\tb\"",
            "\"open",
            "{\"a\" 1}",
            "{1: 2}",
            "[1] x",
            "[1] [2]",
            "\u{feff}{}",
            "[NaN]",
            "[Infinity]",
            "[\"\\u0000\"]",
        ] {
            agree(text);
        }
    }

    #[test]
    fn a_repeated_key_is_refused() {
        let mut dup: &[u8] = br#"{"b": 1, "a": {"x": 1, "x": 2}}"#;
        assert_eq!(read(&mut dup, 30, false).err(), Some(ParseError::Invalid));
    }

    #[test]
    fn nesting_stops_where_serde_jsons_does() {
        for depth in [126, 127, 128, 129] {
            agree(&format!("{}{}", "[".repeat(depth), "]".repeat(depth)));
            agree(&format!("{}{}", "{\"a\":".repeat(depth), "}".repeat(depth)));
        }
    }

    #[test]
    fn invalid_utf8_in_a_string_is_refused_and_a_bom_dropped_when_asked() {
        let mut bad: &[u8] = b"[\"a\xff\"]";
        assert_eq!(read(&mut bad, 6, false).err(), Some(ParseError::Invalid));
        let mut bom: &[u8] = "\u{feff} {\"a\": \"b\"}".as_bytes();
        let t = read(&mut bom, 15, true).unwrap();
        assert_eq!(t.root().to_value(), serde_json::json!({"a": "b"}));
        let mut bom: &[u8] = "\u{feff}[]".as_bytes();
        assert_eq!(read(&mut bom, 5, false).err(), Some(ParseError::Invalid));
    }

    #[test]
    fn a_source_that_fails_is_refused() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("gone"))
            }
        }
        assert_eq!(
            read(&mut Failing, 10, false).err(),
            Some(ParseError::Invalid)
        );
    }

    #[test]
    fn every_string_is_followed_by_a_separator() {
        let t = Tree::parse(r#"{"k": ["a\"b", "c"]}"#.to_string()).unwrap();
        assert_eq!(t.strings(), "k\"a\"b\"c\"");
    }
}
