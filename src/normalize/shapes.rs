//! Secrets recognised by their shape, whatever the key they sit under: credentials in
//! URLs (RFC 3986 userinfo, read so that a password may hold `/`, `?`, `#` or `@`) and
//! schemeless `user:password@host:port`, `Authorization` values (`Basic`, `Bearer`,
//! `Token`, `JWT`), JSON Web Tokens, private key blocks of every kind, and `KEY=value`
//! pairs whose key is secret-like.
//!
//! Each detector reports byte ranges; the redactor replaces them and keeps the rest of
//! the string readable (`mysql://root:<hmac-sha256:…>@db:3306/edxapp`). Every detector
//! is shaped to stay quiet on what is not a credential — an e-mail address, a URL with a
//! port and an `@` in its path, the word "Basic" in a sentence — since a parity gate that
//! hides hosts and versions loses what it exists to show.
//!
//! [`safe_url`] uses the same URL reading for messages: every URL printed in an error,
//! a progress line or a log has its password and its query values masked.

use super::SecretPolicy;
use std::ops::Range;
use std::sync::LazyLock;

// Text that already holds a fingerprint has been redacted, and the detectors leave it
// alone (redaction is idempotent: a snapshot is redacted again when it is read).
pub(super) use crate::surface::EMBEDDED_PREFIX;

/// Whether `t` is exactly one embedded fingerprint. Only that is left alone: a value
/// that merely *holds* one next to other text (`<hmac-sha256:0>hunter2`) is redacted,
/// so that a forged fingerprint cannot shield a secret.
pub(super) fn is_embedded(t: &str) -> bool {
    t.strip_prefix('<')
        .and_then(|t| t.strip_suffix('>'))
        .is_some_and(crate::surface::is_fingerprint)
}

/// What the detectors found in one string.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Found {
    Nothing,
    /// The whole string is a secret (a private key block).
    Whole,
    /// These byte ranges, sorted and disjoint, are secrets; the rest stays readable.
    Parts(Vec<Range<usize>>),
}

// The bytes `find` looks for first, one bit each.
const AT: u8 = 1;
const COLON: u8 = 2;
const EQ: u8 = 4;
const SPACE: u8 = 8;
const DASH: u8 = 16;
const J: u8 = 32;
const T: u8 = 64;
const SLASH: u8 = 128;

/// Each byte's cue bits.
static CUES: [u8; 256] = {
    let mut t = [0u8; 256];
    t[b'@' as usize] = AT;
    t[b':' as usize] = COLON;
    t[b'=' as usize] = EQ;
    t[b' ' as usize] = SPACE;
    t[b'-' as usize] = DASH;
    t[b'J' as usize] = J;
    t[b'T' as usize] = T;
    t[b'/' as usize] = SLASH;
    t
};

// The multi-byte cues, searched for with the searchers built once.
type Finder = LazyLock<memchr::memmem::Finder<'static>>;
static FIVE_DASHES: Finder = LazyLock::new(|| memchr::memmem::Finder::new("-----"));
static JWT_START: Finder = LazyLock::new(|| memchr::memmem::Finder::new("eyJ"));
static PUTTY: Finder = LazyLock::new(|| memchr::memmem::Finder::new("PuT"));
static SCHEME_END: Finder = LazyLock::new(|| memchr::memmem::Finder::new("://"));

/// Finds the secrets in `s` by their shape.
pub(super) fn find(s: &str, policy: &SecretPolicy) -> Found {
    // Every string and key of both surfaces passes here, and nearly all hold no secret:
    // one branchless pass over the bytes says which detectors can possibly match, and
    // a multi-byte cue is looked for only in a string that holds its last byte.
    let b = s.as_bytes();
    let seen = b.iter().fold(0u8, |seen, &c| seen | CUES[c as usize]);
    let has = |cue: u8, needle: &Finder| seen & cue != 0 && needle.find(b).is_some();
    let (at, colon, eq, space) = (
        seen & AT != 0,
        seen & COLON != 0,
        seen & EQ != 0,
        seen & SPACE != 0,
    );
    let dashes = has(DASH, &FIVE_DASHES);
    let jwt = has(J, &JWT_START);
    let putty = has(T, &PUTTY);
    let scheme = at && has(SLASH, &SCHEME_END);
    if (dashes || putty) && holds_private_key(s) {
        return Found::Whole;
    }
    let mut parts = Vec::new();
    let spans = if scheme { urls(s) } else { Vec::new() };
    for u in &spans {
        parts.extend(u.passwords(s));
    }
    if at && colon {
        schemeless(s, &spans, &mut parts);
    }
    if space {
        auth_schemes(s, &mut parts);
    }
    if colon || eq {
        authorization(s, &mut parts);
    }
    if jwt {
        jwts(s, &mut parts);
    }
    if eq {
        key_values(s, policy, &mut parts);
    }
    if parts.is_empty() {
        return Found::Nothing;
    }
    // What was redacted before stays as it is: a part that is a fingerprint, or that
    // cuts into one, is no secret (one that holds a whole fingerprint and more is).
    let embedded = embedded_spans(s);
    parts.retain(|r| {
        !r.is_empty()
            && !is_embedded(&s[r.clone()])
            && !embedded.iter().any(|e| {
                r.start < e.end && e.start < r.end && !(r.start <= e.start && e.end <= r.end)
            })
    });
    if parts.is_empty() {
        return Found::Nothing;
    }
    Found::Parts(union(parts))
}

/// Where the embedded fingerprints of `s` are.
fn embedded_spans(s: &str) -> Vec<Range<usize>> {
    s.match_indices(EMBEDDED_PREFIX)
        .filter_map(|(i, _)| {
            let end = i + s[i..].find('>')? + 1;
            is_embedded(&s[i..end]).then_some(i..end)
        })
        .collect()
}

/// Sorts ranges and merges those that overlap or touch.
fn union(mut parts: Vec<Range<usize>>) -> Vec<Range<usize>> {
    parts.sort_by_key(|r| (r.start, r.end));
    let mut out: Vec<Range<usize>> = Vec::with_capacity(parts.len());
    for r in parts {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

/// Case-insensitive positions of an ASCII `needle` (given in lower case).
fn find_ci(hay: &[u8], needle: &[u8]) -> impl Iterator<Item = usize> {
    let n = needle.len();
    (0..hay.len().saturating_sub(n - 1))
        .filter(move |&i| hay[i] | 0x20 == needle[0] && hay[i..i + n].eq_ignore_ascii_case(needle))
}

// ---------------------------------------------------------------- private keys

/// Whether a string holds a private key block: PEM of any kind (`RSA`, `EC`, `DSA`,
/// `OPENSSH`, `ENCRYPTED`, PKCS#8), a PGP private key block, or a PuTTY key file.
pub(super) fn holds_private_key(s: &str) -> bool {
    s.match_indices("-----BEGIN ").any(|(i, m)| {
        let rest = &s[i + m.len()..];
        rest.find("-----")
            .is_some_and(|end| rest[..end].contains("PRIVATE KEY"))
    }) || s.contains("PuTTY-User-Key-File-")
}

/// The lines of a key block's body (between its armour lines), long enough to be
/// distinctive: each is tainted, so that any line of the key is found again wherever it
/// is copied, with whatever line breaks (a literal `\n` in JSON, say).
pub(super) fn key_body_lines(s: &str) -> impl Iterator<Item = &str> {
    s.split('\n')
        .flat_map(|l| l.split("\\n"))
        .map(|l| l.trim_matches(|c: char| c.is_whitespace() || c == '"' || c == '\''))
        .filter(|l| l.len() >= 16 && !l.starts_with("-----") && !l.contains(':'))
}

// ---------------------------------------------------------------- URLs

/// One URL found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UrlSpan {
    /// Where the scheme starts.
    pub start: usize,
    /// The userinfo (between `://` and the `@` before the host), when there is one.
    pub userinfo: Option<Range<usize>>,
    /// Where the host starts.
    pub host: usize,
    /// Where the URL ends (the next whitespace, or the end of the text).
    pub end: usize,
}

impl UrlSpan {
    /// The password of the userinfo (after its first `:`), or a lone user name that has
    /// the shape of a token (`https://ghp_…@github.com/…`).
    fn secret_userinfo(&self, s: &str) -> Option<Range<usize>> {
        secret_of_userinfo(s, self.userinfo.clone()?)
    }

    /// The password of each reading of the userinfo: the redactor's, and RFC's where it
    /// differs ([`rfc_secret`]).
    fn passwords(&self, s: &str) -> impl Iterator<Item = Range<usize>> {
        self.secret_userinfo(s)
            .into_iter()
            .chain(rfc_secret(s, self))
    }
}

/// The secret of the userinfo `ui` of `s` (see [`UrlSpan::secret_userinfo`]).
fn secret_of_userinfo(s: &str, ui: Range<usize>) -> Option<Range<usize>> {
    let text = &s[ui.clone()];
    if is_embedded(text) {
        return None;
    }
    match text.find(':') {
        Some(c) if c + 1 < text.len() => Some(ui.start + c + 1..ui.end),
        Some(_) => None,
        None if token_like(text) => Some(ui),
        None => None,
    }
}

/// The password RFC 3986 reads in `u` where the redactor reads another userinfo: RFC
/// ends it at the last `@` before the path, the redactor at the last `@` a plausible
/// host follows (`u:pw@h:db://u:pw@h2` is masked to its second `@`, RFC ends the
/// password at the first; `u:pw@h.example.org;@x~y` the other way round). It is a
/// secret too: masked where it is, and wherever it shows again.
fn rfc_secret(s: &str, u: &UrlSpan) -> Option<Range<usize>> {
    let ui = u.userinfo.clone()?;
    let at = rfc_userinfo_end(&s[ui.start..u.end])?;
    (at != ui.len())
        .then(|| secret_of_userinfo(s, ui.start..ui.start + at))
        .flatten()
}

/// The longest password that is looked for again elsewhere. A longer reading is the
/// redactor's running over a whole text of nested URLs: it is masked where it is, but
/// copying or searching for each of thousands of those would take time and memory
/// quadratic in the text.
const REPEATED_MAX: usize = 256;

/// Every password of the URLs in `s`, as each reading finds it (the redactor's, RFC's,
/// a nested URL's), up to [`REPEATED_MAX`] bytes: a masked range may hold several, so
/// callers taint each one.
pub(super) fn url_passwords(s: &str) -> Vec<Range<usize>> {
    if !s.contains("://") {
        return Vec::new();
    }
    let spans = urls(s);
    spans
        .iter()
        .flat_map(|u| u.passwords(s))
        .filter(|r| r.len() <= REPEATED_MAX)
        .collect()
}

/// A user name that is a token: long, one word, letters and digits mixed.
fn token_like(s: &str) -> bool {
    s.len() >= 20
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'~' | b'%'))
        && s.bytes().any(|c| c.is_ascii_digit())
        && s.bytes().any(|c| c.is_ascii_alphabetic())
}

/// The URLs of a text, `scheme://` first.
///
/// The userinfo is read as RFC 3986 would read it if the password were encoded: it runs
/// to the *last* `@` before the end of the URL that a plausible host follows, so that a
/// password holding `/`, `?`, `#` or `@` is masked whole rather than cut at its first
/// such character. Two readings stay RFC's: a URL whose `@` lies past its path and has
/// no `:` before that path (`https://h/p?to=a@b.org`, an npm `/@scope`), and a dotted
/// host with a numeric port before the path (`https://h.example.org:8443/x?e=a@b.org`).
///
/// A URL inside another's path or query (`https://proxy/r?to=https://u:pw@db/`), or
/// inside what the redactor reads as its password (`u:pw://u2:pw2@h`), is a URL of its
/// own, with its own userinfo: spans may nest.
pub(crate) fn urls(s: &str) -> Vec<UrlSpan> {
    let b = s.as_bytes();
    let mut out: Vec<UrlSpan> = Vec::new();
    // The URLs nested in one run of text without whitespace share its end, and the last
    // `@` a host follows in it: each is found once per run, so that a text of many
    // `://` is read in linear time.
    let mut hosted: (usize, Option<usize>) = (usize::MAX, None);
    for (sep, _) in s.match_indices("://") {
        // What follows `://` is read as an authority even after no valid scheme
        // (`mongod$://u:pw@h`, a scheme mangled in a log): its password is no less one.
        let start = scheme_start(b, sep).unwrap_or(sep);
        let auth = sep + 3;
        let end = match out.last() {
            Some(u) if auth <= u.end => u.end,
            _ => b[auth..]
                .iter()
                .position(|c| c.is_ascii_whitespace())
                .map_or(b.len(), |p| auth + p),
        };
        if hosted.0 != end {
            hosted = (end, last_hosted_at(&b[auth..end]).map(|at| auth + at));
        }
        let token = &s[auth..end];
        let at = hosted.1.filter(|&at| at >= auth).map(|at| at - auth);
        let userinfo = userinfo_end(token, at).map(|at| auth..auth + at);
        let host = userinfo.as_ref().map_or(auth, |r| r.end + 1);
        out.push(UrlSpan {
            start,
            userinfo,
            host,
            end,
        });
    }
    out
}

fn scheme_start(b: &[u8], sep: usize) -> Option<usize> {
    let mut i = sep;
    while i > 0 && (b[i - 1].is_ascii_alphanumeric() || matches!(b[i - 1], b'+' | b'-' | b'.')) {
        i -= 1;
    }
    while i < sep && !b[i].is_ascii_alphabetic() {
        i += 1;
    }
    (i < sep).then_some(i)
}

/// The last `@` of the text after `://` (to its end) that a host follows, or nothing
/// does (`mysql://root:pw@` is still a password).
fn last_hosted_at(b: &[u8]) -> Option<usize> {
    (0..b.len()).rev().find(|&i| {
        b[i] == b'@'
            && (host_len(&b[i + 1..]).is_some()
                || matches!(b.get(i + 1), None | Some(b'/' | b'?' | b'#')))
    })
}

/// Where the userinfo of the text after `://` ends (the `@`), if it has one, given
/// its [`last_hosted_at`].
fn userinfo_end(token: &str, hosted: Option<usize>) -> Option<usize> {
    let path = token.find(['/', '?', '#']).unwrap_or(token.len());
    // RFC 3986's own reading: the answer when no plausible host follows any `@`
    // (`u:pw@d~b.example.org`, a host no resolver takes, still has its password
    // before it).
    let rfc = || rfc_userinfo_end(token);
    let Some(at) = hosted else {
        return rfc();
    };
    if at < path {
        return Some(at);
    }
    // The `@` lies past where RFC 3986 ends the authority.
    let authority = &token[..path];
    let Some(colon) = authority.find(':') else {
        return rfc(); // no password can begin before the path
    };
    let (host, port) = (&authority[..colon], &authority[colon + 1..]);
    let numeric_port =
        !port.is_empty() && port.len() <= 5 && port.bytes().all(|c| c.is_ascii_digit());
    if numeric_port && (host.contains('.') || host.eq_ignore_ascii_case("localhost")) {
        return rfc();
    }
    Some(at)
}

/// Where RFC 3986 ends the userinfo of the text after `://`: the last `@` of the
/// authority (before the first `/`, `?` or `#`), whatever follows it.
fn rfc_userinfo_end(token: &str) -> Option<usize> {
    let path = token.find(['/', '?', '#']).unwrap_or(token.len());
    token[..path].rfind('@')
}

/// The length of a plausible `host[:port]` at the start of `b`, followed by the end of
/// the text or a character that can end a host.
fn host_len(b: &[u8]) -> Option<usize> {
    let mut i = if b.first() == Some(&b'[') {
        b.iter().position(|&c| c == b']')? + 1
    } else {
        let n = b
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_' | b'%'))
            .count();
        if n == 0 || !b[0].is_ascii_alphanumeric() {
            return None;
        }
        n
    };
    if b.get(i) == Some(&b':') {
        let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 || digits > 5 {
            return None;
        }
        i += 1 + digits;
    }
    match b.get(i) {
        None => Some(i),
        Some(c) if c.is_ascii_whitespace() || b"/?#,;)]}\"'`<>".contains(c) => Some(i),
        Some(_) => None,
    }
}

/// `user:password@host[:port]` with no scheme before it (a Celery broker written as
/// `root:pw@db:3306`, a MongoDB host list): the password is the secret.
fn schemeless(s: &str, urls: &[UrlSpan], out: &mut Vec<Range<usize>>) {
    let b = s.as_bytes();
    // The URLs come in order of their starts and ends; the `@`s too, so one pass over
    // both says which `@` lies in a URL.
    let mut urls = urls.iter().peekable();
    for (at, _) in s.match_indices('@') {
        while urls.next_if(|u| u.end <= at).is_some() {}
        if urls.peek().is_some_and(|u| u.start <= at) {
            continue;
        }
        let Some(hl) = host_len(&b[at + 1..]) else {
            continue;
        };
        let host = &s[at + 1..at + 1 + hl];
        if !(host.contains(['.', ':']) || host.eq_ignore_ascii_case("localhost")) {
            continue;
        }
        let start = b[..at]
            .iter()
            .rposition(|c| c.is_ascii_whitespace() || b"\"'`(<[{,;=".contains(c))
            .map_or(0, |p| p + 1);
        let cred = &s[start..at];
        let Some(colon) = cred.find(':') else {
            continue;
        };
        let user = &cred[..colon];
        let user_ok = !user.is_empty()
            && user.len() <= 64
            && user.bytes().all(|c| {
                c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-' | b'%' | b'+')
            })
            && !["mailto", "sip", "sips", "tel", "xmpp"]
                .iter()
                .any(|s| user.eq_ignore_ascii_case(s));
        if user_ok && colon + 1 < cred.len() {
            out.push(start + colon + 1..at);
        }
    }
}

/// Masks, in a message, the password and the query and fragment values of every URL,
/// and the password of every schemeless `user:password@host`. The one helper every
/// message that shows a URL goes through: a URL given on the command line or in a config
/// file may carry a credential the user did not mean to show (`?access_token=…`). What it
/// masks is masked wherever else the message repeats it, since the redactor that sees
/// the message next cannot learn a secret it is shown only as `***`.
pub fn safe_url(text: &str) -> String {
    let b = text.as_bytes();
    let spans = if text.contains("://") {
        urls(text)
    } else {
        Vec::new()
    };
    // Passwords first: they, not the query values (which may be a host), are what the
    // rest of the message is searched for.
    let mut masked: Vec<Range<usize>> = spans.iter().flat_map(|u| u.passwords(text)).collect();
    if b.contains(&b'@') {
        schemeless(text, &spans, &mut masked);
    }
    let mut secrets: Vec<&str> = masked
        .iter()
        .cloned()
        .map(|r| &text[r])
        .filter(|t| (super::taint::MIN_LEN..=REPEATED_MAX).contains(&t.len()))
        .collect();
    for u in &spans {
        if let Some(q) = text[u.host..u.end].find(['?', '#']) {
            query_values(text, u.host + q, u.end, &mut masked);
        }
    }
    if masked.is_empty() {
        return text.to_string();
    }
    secrets.sort_unstable();
    secrets.dedup();
    if !secrets.is_empty()
        && let Ok(ac) = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(&secrets)
    {
        masked.extend(ac.find_iter(text).map(|m| m.range()));
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for r in union(masked) {
        out.push_str(&text[last..r.start]);
        out.push_str("***");
        last = r.end;
    }
    out.push_str(&text[last..]);
    out
}

/// The values of `k=v` pairs in a query or fragment that runs from `from` to `end`.
fn query_values(text: &str, from: usize, end: usize, out: &mut Vec<Range<usize>>) {
    let b = text.as_bytes();
    let mut i = from;
    while i < end {
        if b[i] == b'=' {
            let stop = b[i + 1..end]
                .iter()
                .position(|c| matches!(c, b'&' | b';' | b'#' | b'`' | b'"' | b'\'' | b'<' | b'>'))
                .map_or(end, |p| i + 1 + p);
            if stop > i + 1 {
                out.push(i + 1..stop);
            }
            i = stop;
        }
        i += 1;
    }
}

// ---------------------------------------------------------------- Authorization

/// `Authorization` values: `Basic <base64 of user:password>` and `Bearer`/`Token`/`JWT`
/// followed by a token. The scheme word stays readable (`Basic <hmac-sha256:…>`).
fn auth_schemes(s: &str, out: &mut Vec<Range<usize>>) {
    let b = s.as_bytes();
    for scheme in [&b"basic"[..], b"bearer", b"token", b"jwt"] {
        for i in find_ci(b, scheme) {
            if i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_') {
                continue;
            }
            let mut j = i + scheme.len();
            let spaces = b[j..].iter().take_while(|&&c| c == b' ').count();
            if spaces == 0 {
                continue;
            }
            j += spaces;
            let tok_len = b[j..]
                .iter()
                .take_while(|c| {
                    c.is_ascii_alphanumeric()
                        || matches!(c, b'+' | b'/' | b'=' | b'.' | b'_' | b'~' | b'-')
                })
                .count();
            let tok = &s[j..j + tok_len];
            let credential = if scheme == b"basic" {
                basic_credential(tok)
            } else {
                tok.len() >= 12
                    && tok.bytes().any(|c| c.is_ascii_digit())
                    && tok.bytes().any(|c| c.is_ascii_alphabetic())
            };
            if credential {
                out.push(j..j + tok_len);
            }
        }
    }
}

/// Whatever follows an `Authorization:` or `Authorization=` (a header line, a header in
/// a pasted env file), but a scheme word first (`Basic`, `Digest`, `ApiKey`).
fn authorization(s: &str, out: &mut Vec<Range<usize>>) {
    let b = s.as_bytes();
    for i in find_ci(b, b"authorization") {
        if i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_') {
            continue;
        }
        let mut j = i + "authorization".len();
        j += b[j..]
            .iter()
            .take_while(|c| matches!(c, b'"' | b'\'' | b' '))
            .count();
        if !matches!(b.get(j), Some(b':' | b'=')) {
            continue;
        }
        j += 1;
        j += b[j..].iter().take_while(|&&c| c == b' ').count();
        let quote = b.get(j).copied().filter(|c| matches!(c, b'"' | b'\''));
        if quote.is_some() {
            j += 1;
        }
        let end = b[j..]
            .iter()
            .position(|&c| Some(c) == quote || c == b'\n' || c == b'\r')
            .map_or(b.len(), |p| j + p);
        let value = &s[j..end];
        // A scheme word first (`Basic`, `Digest`, `ApiKey`) stays readable.
        let word = value
            .bytes()
            .take_while(|c| c.is_ascii_alphabetic())
            .count();
        let from = if word > 0 && value.as_bytes().get(word) == Some(&b' ') {
            j + word + 1
        } else {
            j
        };
        let value_end = from + s[from..end].trim_end().len();
        if value_end > from {
            out.push(from..value_end);
        }
    }
}

/// Whether a `Basic` token is base64 of `user:password`.
fn basic_credential(tok: &str) -> bool {
    use base64::Engine;
    if tok.len() < 8 {
        return false;
    }
    let body = tok.trim_end_matches('=');
    if !body
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/')
    {
        return false;
    }
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(body)
        .is_ok_and(|d| d.contains(&b':'))
}

// ---------------------------------------------------------------- JWTs

/// JSON Web Tokens: three base64url segments, the first of which decodes to a JSON
/// object with an `alg`.
fn jwts(s: &str, out: &mut Vec<Range<usize>>) {
    let b = s.as_bytes();
    let seg = |from: usize| {
        b[from..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'='))
            .count()
    };
    for (i, _) in s.match_indices("eyJ") {
        if i > 0 && (b[i - 1].is_ascii_alphanumeric() || matches!(b[i - 1], b'-' | b'_')) {
            continue;
        }
        let h = seg(i);
        if b.get(i + h) != Some(&b'.') {
            continue;
        }
        let p = seg(i + h + 1);
        if p == 0 || b.get(i + h + 1 + p) != Some(&b'.') {
            continue;
        }
        let sig = seg(i + h + p + 2);
        let end = i + h + p + 2 + sig;
        if jwt_header(&s[i..i + h]) {
            out.push(i..end);
        }
    }
}

fn jwt_header(segment: &str) -> bool {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment.trim_end_matches('='))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .is_some_and(|v| v.get("alg").is_some())
}

// ---------------------------------------------------------------- KEY=value

/// `KEY=value` (and `KEY="value with spaces"`) where KEY is secret-like by the policy's
/// names: an env file pasted into a setting, a connection string
/// (`Server=db;Password=…`), a query string (`?access_token=…`).
fn key_values(s: &str, policy: &SecretPolicy, out: &mut Vec<Range<usize>>) {
    let b = s.as_bytes();
    for (eq, _) in s.match_indices('=') {
        if b.get(eq + 1) == Some(&b'=')
            || (eq > 0 && matches!(b[eq - 1], b'=' | b'!' | b'<' | b'>'))
        {
            continue;
        }
        let key_start = b[..eq]
            .iter()
            .rposition(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-')))
            .map_or(0, |p| p + 1);
        let key = &s[key_start..eq];
        if key.is_empty() || !policy.is_secret_key(key) {
            continue;
        }
        let mut from = eq + 1;
        let quote = b.get(from).copied().filter(|c| matches!(c, b'"' | b'\''));
        if quote.is_some() {
            from += 1;
        }
        let end = b[from..]
            .iter()
            .position(|&c| match quote {
                Some(q) => c == q,
                None => c.is_ascii_whitespace() || matches!(c, b'&' | b';' | b'"' | b'\''),
            })
            .map_or(b.len(), |p| from + p);
        if end > from {
            out.push(from..end);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> SecretPolicy {
        SecretPolicy::default()
    }

    /// The secret texts found in `s`.
    fn secrets(s: &str) -> Vec<&str> {
        match find(s, &policy()) {
            Found::Nothing => Vec::new(),
            Found::Whole => vec![s],
            Found::Parts(p) => p.into_iter().map(|r| &s[r]).collect(),
        }
    }

    #[test]
    fn url_password_may_hold_slash_question_mark_hash_and_at() {
        assert_eq!(secrets("mysql://root:pa/ss@127.0.0.1:1"), ["pa/ss"]);
        assert_eq!(
            secrets("mysql://root:p?a#s@s@db.x.org:3306/edx"),
            ["p?a#s@s"]
        );
        assert_eq!(secrets("redis://:pw@redis:6379/1"), ["pw"]);
        assert_eq!(secrets("mongodb+srv://u:PW@h/"), ["PW"]);
        assert_eq!(secrets("mysql://root:pw-no-host@"), ["pw-no-host"]);
        // No plausible host after the `@`: RFC 3986's authority still ends at the path.
        assert_eq!(
            secrets("https://disco:pw-before-odd-host@d~isco.example.org/api"),
            ["pw-before-odd-host"]
        );
        assert_eq!(secrets("redis://:pw@(redis)/0"), ["pw"]);
        assert_eq!(
            secrets("see mongodb://u:a b@h mysql://v:c@d:1"),
            ["c"],
            "a URL ends at whitespace"
        );
    }

    /// Every password [`url_passwords`] finds in `s`, in order.
    fn passwords(s: &str) -> Vec<&str> {
        let mut r = url_passwords(s);
        r.sort_by_key(|r| (r.start, r.end));
        r.into_iter().map(|r| &s[r]).collect()
    }

    #[test]
    fn where_rfc_reads_another_userinfo_its_password_is_one_too() {
        // The redactor reads to the last `@`, RFC to the first, and a nested URL starts
        // inside the password: three readings, each password tainted.
        let s = "mongodb://admin:s3cretPassw0rd@m0.x.org:db://admin:s3cretPassw0rd@m1.x.org";
        assert_eq!(
            secrets(s),
            ["s3cretPassw0rd@m0.x.org:db://admin:s3cretPassw0rd"]
        );
        assert_eq!(
            passwords(s),
            [
                "s3cretPassw0rd",
                "s3cretPassw0rd@m0.x.org:db://admin:s3cretPassw0rd",
                "s3cretPassw0rd"
            ]
        );
        // RFC reads no userinfo before the path, or the same one.
        assert_eq!(passwords("https://u:pa/ss@db.example.org"), ["pa/ss"]);
        assert_eq!(passwords("https://u:p@ss@db.example.org/x"), ["p@ss"]);
        // RFC's userinfo runs further than the redactor's: both passwords are masked.
        let s = "https://u:pw-first@h.example.org;@x~y/p";
        assert_eq!(secrets(s), ["pw-first@h.example.org;"]);
        assert_eq!(passwords(s), ["pw-first", "pw-first@h.example.org;"]);
        let s = "mongodb://adminzPassw0rd@mon'o-0.x:s3cret-pw@mongo-0.min:se";
        assert_eq!(secrets(s), ["s3cret-pw"]);
        assert_eq!(
            safe_url(s),
            "mongodb://adminzPassw0rd@mon'o-0.x:***@mongo-0.min:se"
        );
        // A query's `@` after a password: the redactor masks through it, RFC stops at
        // the host, and both readings are secrets.
        let s = "mysql://u:pw@db.example.org/x?e=a@b.org";
        assert_eq!(passwords(s), ["pw", "pw@db.example.org/x?e=a"]);
    }

    #[test]
    fn a_url_inside_another_urls_query_or_path_has_its_own_password() {
        assert_eq!(
            secrets("see https://proxy.example.org/r?to=https://u:Passw0rdXYZ@db.example.org/x"),
            ["Passw0rdXYZ"]
        );
        assert_eq!(
            secrets("https://h.example.org/go/mysql://b:pw-inner@db.example.org"),
            ["pw-inner"]
        );
        // After a scheme no URL may have, the authority is read all the same.
        assert_eq!(
            secrets("to mongod$://admin:s3cret-pw@m0.example.org"),
            ["s3cret-pw"]
        );
        assert_eq!(secrets("://admin:s3cret-pw@m0"), ["s3cret-pw"]);
        // A password holding "://" is still one password.
        assert_eq!(secrets("redis://:p://w@cache.example.org:6379"), ["p://w"]);
        assert_eq!(
            safe_url("https://proxy.example.org/r/https://u:Passw0rdXYZ@db.example.org"),
            "https://proxy.example.org/r/https://u:***@db.example.org"
        );
    }

    #[test]
    fn what_safe_url_masks_is_masked_wherever_the_message_repeats_it() {
        assert_eq!(
            safe_url("to mongodb://admin:s3cret-pw@m0.example.org: bad path /x/admin:s3cret-pw@m0"),
            "to mongodb://admin:***@m0.example.org: bad path /x/admin:***@m0"
        );
        // Shorter than the taint's own minimum, a repeat stays (`pw` is too common), and
        // so does a query value's (it may be a host).
        assert_eq!(
            safe_url("redis://:pw@h.example.org pw"),
            "redis://:***@h.example.org pw"
        );
        // RFC's reading of a password is searched for too.
        assert_eq!(
            safe_url("mongodb://u:s3cret-pw@m0.x.org:db://u:s3cret-pw@m1.x.org then s3cret-pw"),
            "mongodb://u:***@m1.x.org then ***"
        );
        assert_eq!(
            safe_url("https://lms.example.org/x?host=db.example.org: db.example.org down"),
            "https://lms.example.org/x?host=*** db.example.org down"
        );
    }

    #[test]
    fn many_nested_urls_and_schemeless_passwords_are_read_in_one_pass() {
        // Read URL by URL to the end of the text, or `@` by `@` against every URL, this
        // would take hours; in one pass it takes milliseconds.
        let n = 20_000;
        let s = format!(
            "{} {}",
            "a://u:pw-12345@h.example.org/".repeat(n),
            "r:pw-67890@db.example.org ".repeat(n)
        );
        let shown = safe_url(&s);
        assert!(!shown.contains("pw-12345") && !shown.contains("pw-67890"));
        assert_eq!(secrets(&s).len(), 1 + n);
        let mut v = serde_json::json!({ "e": s });
        let fp = crate::normalize::Fingerprinter::with_key(b"one pass");
        crate::normalize::redact(&mut v, &policy(), &fp);
        let redacted = v.to_string();
        assert!(!redacted.contains("pw-12345") && !redacted.contains("pw-67890"));
    }

    #[test]
    fn url_without_password_keeps_every_part() {
        for s in [
            "https://lms.example.org/oauth2",
            "https://h.example.org/p?to=a@b.org",
            "https://registry.npmjs.org/@scope/pkg",
            "https://h.example.org:8443/x?e=a@b.org",
            "mysql://openedx@db.example.org:3306",
            "git@github.com:openedx/edx-platform.git",
            "mailto:ops@example.org",
            "contact@lms.example.org",
        ] {
            assert_eq!(secrets(s), Vec::<&str>::new(), "{s}");
        }
    }

    #[test]
    fn token_as_url_user_is_a_secret_but_a_user_name_is_not() {
        assert_eq!(
            secrets("https://ghp_0123456789abcdefghijABCDEF@github.com/o/r.git"),
            ["ghp_0123456789abcdefghijABCDEF"]
        );
        assert!(secrets("https://envparity@github.com/o/r.git").is_empty());
    }

    #[test]
    fn schemeless_user_password_at_host() {
        assert_eq!(secrets("root:s3cret@db.example.org:3306"), ["s3cret"]);
        assert_eq!(secrets("broker=amqp user:pw!x@localhost"), ["pw!x"]);
        assert!(secrets("time 10:30@home").is_empty());
    }

    #[test]
    fn authorization_values_keep_their_scheme_word() {
        // base64("user:password")
        assert_eq!(
            secrets("Basic dXNlcjpwYXNzd29yZA=="),
            ["dXNlcjpwYXNzd29yZA=="]
        );
        assert_eq!(secrets("Bearer abc123def456ghi"), ["abc123def456ghi"]);
        assert_eq!(
            secrets("Authorization: Digest username=\"u\", response=\"r\""),
            ["username=\"u\", response=\"r\""]
        );
        assert!(secrets("Basic settings for beginners").is_empty());
        assert!(secrets("Token expired, please retry").is_empty());
    }

    #[test]
    fn jwts_are_found_by_their_header() {
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
        assert_eq!(secrets(&format!("token {jwt} end")), [jwt]);
        assert_eq!(secrets(jwt), [jwt]);
        // base64url of {"a":1}: a JSON object without alg is no JWT header.
        assert!(secrets("eyJhIjoxfQ.eyJhIjoxfQ.x").is_empty());
    }

    #[test]
    fn private_key_blocks_of_every_kind() {
        for label in [
            "RSA PRIVATE KEY",
            "PRIVATE KEY",
            "EC PRIVATE KEY",
            "OPENSSH PRIVATE KEY",
            "ENCRYPTED PRIVATE KEY",
            "PGP PRIVATE KEY BLOCK",
        ] {
            let s = format!("-----BEGIN {label}-----\nAAAA\n-----END {label}-----");
            assert_eq!(find(&s, &policy()), Found::Whole, "{label}");
        }
        assert_eq!(
            find("-----BEGIN CERTIFICATE-----\nAAAA", &policy()),
            Found::Nothing
        );
    }

    #[test]
    fn key_value_pairs_with_secret_keys() {
        assert_eq!(secrets("DB_PASSWORD=hunter2 DEBUG=1"), ["hunter2"]);
        assert_eq!(secrets("Server=db;Password=pw1;User=x"), ["pw1"]);
        assert_eq!(secrets("API_KEY=\"a b c\""), ["a b c"]);
        assert_eq!(
            secrets("http://h/?access_token=T0k&x=1"),
            ["T0k"],
            "query parameters are KEY=value pairs"
        );
        assert!(secrets("LOG_LEVEL=debug if a == b").is_empty());
    }

    #[test]
    fn safe_url_masks_passwords_and_query_values_only() {
        assert_eq!(
            safe_url("source `mysql://root:pa/ss@127.0.0.1:1`: bad"),
            "source `mysql://root:***@127.0.0.1:1`: bad"
        );
        assert_eq!(
            safe_url("http://h/?access_token=T&extended"),
            "http://h/?access_token=***&extended"
        );
        assert_eq!(
            safe_url("GET https://lms.example.org/heartbeat?extended: HTTP 503"),
            "GET https://lms.example.org/heartbeat?extended: HTTP 503"
        );
        assert_eq!(safe_url("u:pw@db.x.org:3306"), "u:***@db.x.org:3306");
        assert_eq!(safe_url("no url here"), "no url here");
    }
}
