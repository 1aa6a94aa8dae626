//! Normalization: secrets are fingerprinted at collection time, host tokens are
//! substituted before comparing.
//!
//! Fingerprints are keyed hashes (HMAC-SHA256) so that equality across environments is
//! visible — the same database password in staging and production is a finding — while
//! the value is not: without the key, a fingerprint cannot be checked against guesses.
//!
//! A secret is recognised three ways. By name: the value of a key that matches
//! [`DEFAULT_SECRET_KEYS`] (and is not one of [`NOT_SECRET_KEYS`]) or the profile's
//! `secret_keys`. By shape, wherever it is ([`shapes`]): URL and `user:password@host`
//! credentials, `Authorization` values, JWTs, private key blocks, private members of a
//! JSON Web Key, `KEY=value` pairs with a secret-like key, and JSON inside strings,
//! which is parsed and redacted like the rest. By value ([`Taint`]): everything redacted
//! for any reason is replaced wherever else it appears, in both environments.

mod key;
mod shapes;
mod taint;

pub use key::{KEY_FILE, user_key_path};

pub use shapes::safe_url;
pub use taint::Taint;

use crate::pathglob::Wildcard;
use crate::snapshot::{Snapshot, SourceStatus};
use crate::surface;
use crate::tree::{Node, Shape, Surface, Tree};
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;
use shapes::{EMBEDDED_PREFIX, Found, is_embedded};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;

/// The environment variable that holds the fingerprint key.
pub const KEY_VAR: &str = "ENVPARITY_FINGERPRINT_KEY";

/// Key-name globs whose values are secrets, whatever the profile says. Matched without
/// regard to case, with `-`, `.` and spaces read as `_`. Drawn from the keywords that
/// gitleaks' generic rule and detect-secrets' keyword detector look for, narrowed to
/// what names a credential rather than mentions one: `*_CREDENTIALS` holds credentials,
/// while `CREDENTIALS_*` names Open edX's Credentials service
/// (`CREDENTIALS_INTERNAL_SERVICE_URL`, the `credentials` plugin).
pub const DEFAULT_SECRET_KEYS: [&str; 25] = [
    "*PASSWORD*",
    "*PASSWD*",
    "*PASSPHRASE*",
    "*_PWD",
    "PWD",
    "*_PASS",
    "PASS",
    "*SECRET*",
    "*_KEY",
    "*APIKEY*",
    "*API_KEY*",
    "*FERNET_KEY*",
    "*TOKEN*",
    "*PRIVATE*",
    "*_CREDENTIAL",
    "*_CREDENTIALS",
    "CREDENTIALS",
    "*_CREDS",
    "*_DSN",
    "*BASIC_AUTH*",
    // The Elasticsearch and OpenSearch clients' `http_auth` (`user:password`), which
    // edx-platform's `ELASTIC_SEARCH_CONFIG` hosts carry.
    "*HTTP_AUTH*",
    "*CONNECTION_STRING*",
    "*_SALT",
    "*AUTH_HEADER*",
    "*SIGNATURE_KEY*",
];

/// Names the default globs would take for secrets that name something *about* a secret:
/// its id, its user, where it is, how long it lives, the class that checks it
/// (`MEILISEARCH_API_KEY_UID`, `CREDENTIALS_INTERNAL_SERVICE_URL`,
/// `ACCESS_TOKEN_EXPIRE_SECONDS`, `ACE_ROUTING_KEY`, a queue name). The profile's own
/// `secret_keys` are never overridden by these.
pub const NOT_SECRET_KEYS: [&str; 30] = [
    "*_ID",
    "*_IDS",
    "*_UID",
    "*_UUID",
    "*_USER",
    "*_USERNAME",
    "*_NAME",
    "*_URL",
    "*_URLS",
    "*_URI",
    "*_HOST",
    "*_PORT",
    "*_PATH",
    "*_FILE",
    "*_DIR",
    "*_LENGTH",
    "*_TIMEOUT",
    "*_SECONDS",
    "*_TTL",
    "*_AGE",
    "*_EXPIRATION",
    "*_EXPIRY",
    "*_EXPIRE_SECONDS",
    "*_BACKEND",
    "*_BACKENDS",
    "*_CLASS",
    "*_ENABLED",
    "*ROUTING_KEY",
    // An access key id, the public half of a key pair (`OPENEDX_AWS_ACCESS_KEY` that
    // tutor-minio sets to `openedx`); the secret half says SECRET (below).
    "*_ACCESS_KEY",
    "*ACCESS_KEY_ID",
];

/// Secret names whose `user:password` strings keep the user readable (`flower:<…>`,
/// Celery Flower's `CELERY_FLOWER_BASIC_AUTH`), and whose `[user, password]` pairs taint
/// only the password (edx-platform's `XQUEUE_INTERFACE.basic_auth`).
const PAIR_KEYS: [&str; 5] = [
    "*BASIC_AUTH*",
    "*HTTP_AUTH*",
    "*_CREDENTIAL",
    "*_CREDENTIALS",
    "CREDENTIALS",
];

/// The private members of a JSON Web Key (RFC 7518: RSA `d`, `p`, `q`, `dp`, `dq`, `qi`,
/// `oth`; EC and OKP `d`; symmetric `k`), secret in any object that has a `kty`.
const JWK_PRIVATE: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// Keys that identify rather than authenticate: inside a secret object their values are
/// not tainted (a broker's user name is no password, and tainting it would hide it
/// everywhere else).
const IDENTITY_KEYS: [&str; 22] = [
    "user", "username", "login", "name", "id", "host", "hostname", "port", "url", "uri", "type",
    "scheme", "engine", "database", "db", "email", "kid", "kty", "alg", "use", "e", "n",
];

/// Makes fingerprints with one key.
#[derive(Clone)]
pub struct Fingerprinter {
    key: Vec<u8>,
    key_id: String,
    source: KeySource,
}

/// Where a fingerprint key came from, recorded in snapshots so that a `diff` of
/// snapshots made with different keys can say why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// `ENVPARITY_FINGERPRINT_KEY`.
    Environment,
    /// The per-user key file.
    User,
    /// Random, for this run only.
    Run,
}

impl KeySource {
    pub fn as_str(self) -> &'static str {
        match self {
            KeySource::Environment => "environment",
            KeySource::User => "user",
            KeySource::Run => "run",
        }
    }
}

/// Whether [`Fingerprinter::from_env`] may create the per-user key file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFile {
    /// Create it when missing: the fingerprints outlive the run (`snapshot`).
    Create,
    /// Use it when present, else a key for this run: fingerprints compared within the run
    /// need no lasting key, but those of snapshots made here earlier are recognised.
    UseIfPresent,
}

impl std::fmt::Debug for Fingerprinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key itself is never printed, not even in debug output.
        f.debug_struct("Fingerprinter")
            .field("key_id", &self.key_id)
            .field("source", &self.source)
            .finish()
    }
}

impl Fingerprinter {
    /// The key of `ENVPARITY_FINGERPRINT_KEY` when set; else the per-user key file
    /// (see [`key`]), created or not as `file` says; else, with no home directory or no
    /// file to use, a random key for this run only. A key file that is not private or
    /// not well-formed is an error naming it, never silently replaced.
    pub fn from_env(file: KeyFile) -> crate::error::Result<Fingerprinter> {
        if let Ok(k) = std::env::var(KEY_VAR)
            && !k.is_empty()
        {
            return Ok(Fingerprinter::with_key(k.as_bytes()).with_source(KeySource::Environment));
        }
        let path = user_key_path();
        let key = match (&path, file) {
            (Some(p), KeyFile::Create) => Some(key::read_or_create_key_file(p)?),
            (Some(p), KeyFile::UseIfPresent) => key::read_key_file(p)?,
            (None, KeyFile::Create) => {
                return Err(crate::error::Error::Usage(format!(
                    "no {KEY_VAR} and no home directory (HOME or XDG_CONFIG_HOME) to keep a fingerprint key in: set {KEY_VAR} so that this snapshot can be compared with others"
                )));
            }
            (None, KeyFile::UseIfPresent) => None,
        };
        Ok(match key {
            Some(k) => Fingerprinter::with_key(&k).with_source(KeySource::User),
            None => Fingerprinter::random(),
        })
    }

    /// A random key for this run only: fingerprints can be compared within the run but
    /// not with other snapshots.
    pub fn random() -> Fingerprinter {
        let mut key = [0u8; 32];
        if getrandom::fill(&mut key).is_err() {
            // No OS randomness: fall back to time and pid. Weaker, but the key still
            // never leaves the process.
            let seed = format!("{:?}{}", std::time::SystemTime::now(), std::process::id());
            key.copy_from_slice(&sha256(seed.as_bytes()));
        }
        Fingerprinter::with_key(&key).with_source(KeySource::Run)
    }

    fn with_source(mut self, source: KeySource) -> Fingerprinter {
        self.source = source;
        self
    }

    /// Where the key came from.
    pub fn source(&self) -> KeySource {
        self.source
    }

    pub fn with_key(key: &[u8]) -> Fingerprinter {
        let mut fp = Fingerprinter {
            key: key.to_vec(),
            key_id: String::new(),
            source: KeySource::Environment,
        };
        // The key id lets two snapshots tell whether their fingerprints are comparable.
        fp.key_id = fp.mac("envparity key id")[..16].to_string();
        fp
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The fingerprint of a secret value.
    pub fn fingerprint(&self, secret: &str) -> String {
        format!("{}{}", surface::FINGERPRINT_PREFIX, &self.mac(secret)[..24])
    }

    fn mac(&self, data: &str) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key)
            .expect("HMAC accepts keys of any length");
        mac.update(data.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

fn sha256(data: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    let mut h = Sha256::new();
    h.update(data);
    h.finalize().into()
}

/// Which keys hold secrets.
#[derive(Debug, Clone)]
pub struct SecretPolicy {
    // Compiled once: every key of both surfaces is tested against every pattern.
    defaults: Vec<Wildcard>,
    /// The literal parts of `defaults` and of `extra`, searched for at once: a key that
    /// holds none of them (nearly every key) is settled in one pass instead of one per
    /// pattern. None when a pattern has no literal part.
    words: Option<aho_corasick::AhoCorasick>,
    not_secret: Vec<Wildcard>,
    /// The profile's own patterns, which no exception overrides.
    extra: Vec<Wildcard>,
    pairs: Vec<Wildcard>,
}

impl Default for SecretPolicy {
    fn default() -> Self {
        SecretPolicy::with_extra(&[])
    }
}

impl SecretPolicy {
    /// The default globs plus the profile's own.
    pub fn with_extra(extra: &[String]) -> SecretPolicy {
        let globs = |list: &[&str]| list.iter().map(|s| Wildcard::new(s)).collect();
        let extra: Vec<Wildcard> = extra.iter().map(|s| Wildcard::new(s)).collect();
        // Every key a pattern takes holds, case aside, the pattern's longest literal
        // piece; a pattern of stars alone takes every key, and leaves no word to look for.
        let mut words: Option<Vec<&str>> = Some(
            DEFAULT_SECRET_KEYS
                .iter()
                .map(|p| p.trim_matches('*'))
                .collect(),
        );
        for g in &extra {
            let longest = g.as_str().split('*').max_by_key(|w| w.len());
            match (longest.filter(|w| !w.is_empty()), words.as_mut()) {
                (Some(w), Some(list)) => list.push(w),
                _ => words = None,
            }
        }
        // Keys are short: the DFA alone answers faster than a SIMD prefilter is set up.
        let words = words.and_then(|list| {
            aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                .prefilter(false)
                .build(list)
                .ok()
        });
        SecretPolicy {
            defaults: globs(&DEFAULT_SECRET_KEYS),
            words,
            not_secret: globs(&NOT_SECRET_KEYS),
            extra,
            pairs: globs(&PAIR_KEYS),
        }
    }

    pub fn is_secret_key(&self, key: &str) -> bool {
        let key = canonical_key(key);
        if self
            .words
            .as_ref()
            .is_some_and(|w| !w.is_match(key.as_ref()))
        {
            return false;
        }
        self.extra.iter().any(|g| g.matches(&key))
            || (self.defaults.iter().any(|g| g.matches(&key))
                && (says_secret(&key) || !self.not_secret.iter().any(|g| g.matches(&key))))
    }

    fn is_pair_key(&self, key: &str) -> bool {
        let key = canonical_key(key);
        self.pairs.iter().any(|g| g.matches(&key))
    }
}

/// `db.password`, `api-key` and `client secret` read as `db_password`, `api_key` and
/// `client_secret`.
/// A name with SECRET in it (any case): no exception takes it (`AWS_SECRET_ACCESS_KEY`
/// stays a secret although `*_ACCESS_KEY` names an access key id).
fn says_secret(key: &str) -> bool {
    key.as_bytes()
        .windows(6)
        .any(|w| w.eq_ignore_ascii_case(b"SECRET"))
}

fn canonical_key(key: &str) -> Cow<'_, str> {
    if memchr::memchr3(b'-', b'.', b' ', key.as_bytes()).is_some() {
        Cow::Owned(key.replace(['-', '.', ' '], "_"))
    } else {
        Cow::Borrowed(key)
    }
}

/// The userinfo of the URL `src` begins with, read as the redactor reads it (to the last
/// `@` a host follows), for parsers that must agree with it.
pub(crate) fn url_userinfo(src: &str) -> Option<Range<usize>> {
    shapes::urls(src)
        .into_iter()
        .next()
        .filter(|u| u.start == 0)?
        .userinfo
}

/// Replaces every secret in `value` by its fingerprint (by name and by shape), then
/// every other occurrence of what was replaced.
pub fn redact(value: &mut Value, policy: &SecretPolicy, fp: &Fingerprinter) {
    let mut taint = Taint::default();
    redact_collecting(value, policy, fp, &mut taint);
    taint.apply(value);
}

/// Replaces every secret in `value` by its fingerprint, by name and by shape, and adds
/// what it replaced to `taint` (which the caller applies once everything is collected).
pub fn redact_collecting(
    value: &mut Value,
    policy: &SecretPolicy,
    fp: &Fingerprinter,
    taint: &mut Taint,
) {
    Redactor {
        policy,
        fp,
        taint,
        changes: 0,
    }
    .value(value, At::Root);
}

/// Taints a value a collector left out or fingerprinted itself, as if it had been
/// redacted under `key`.
pub fn taint_secret(
    key: &str,
    value: &Value,
    policy: &SecretPolicy,
    fp: &Fingerprinter,
    taint: &mut Taint,
) {
    let mut r = Redactor {
        policy,
        fp,
        taint,
        changes: 0,
    };
    match value {
        Value::String(s) if policy.is_pair_key(key) && user_password(s).is_some() => {
            if let Some((_, pass)) = user_password(s) {
                r.taint.add(pass, fp);
            }
            r.taint.add(s, fp);
        }
        Value::String(s) => r.taint_text(s),
        other => r.taint_leaves(other),
    }
}

/// Redacts a whole snapshot read from a file (which may be hand-made and hold
/// plaintext): its surface and its source statuses, then every other occurrence.
pub fn redact_snapshot<S: Rewrite>(
    snapshot: &mut Snapshot<S>,
    policy: &SecretPolicy,
    fp: &Fingerprinter,
) {
    let mut taint = Taint::default();
    snapshot.surface.redact(policy, fp, &mut taint);
    seal(snapshot, policy, fp, taint);
}

/// A surface the normalizing passes rewrite: a `Value` as collected, or a [`Tree`] as
/// judged.
pub trait Rewrite: Surface {
    /// Replaces every secret by its fingerprint, by name and by shape, adding what it
    /// replaced to `taint` (see [`redact_collecting`]).
    fn redact(&mut self, policy: &SecretPolicy, fp: &Fingerprinter, taint: &mut Taint);
    /// Replaces every tainted value (see [`Taint::apply`]).
    fn apply_taint(&mut self, taint: &Taint);
    /// Substitutes host tokens in strings and keys (see [`HostTokens::apply`]).
    fn apply_hosts(&mut self, tokens: &HostTokens);
}

impl Rewrite for Value {
    fn redact(&mut self, policy: &SecretPolicy, fp: &Fingerprinter, taint: &mut Taint) {
        redact_collecting(self, policy, fp, taint);
    }

    fn apply_taint(&mut self, taint: &Taint) {
        taint.apply(self);
    }

    fn apply_hosts(&mut self, tokens: &HostTokens) {
        tokens.apply(self);
    }
}

impl Rewrite for Tree {
    fn redact(&mut self, policy: &SecretPolicy, fp: &Fingerprinter, taint: &mut Taint) {
        let root = self.root_index();
        Redactor {
            policy,
            fp,
            taint,
            changes: 0,
        }
        .tree(self, root, At::Root);
    }

    fn apply_taint(&mut self, taint: &Taint) {
        if !taint.is_empty() {
            let root = self.root_index();
            taint_tree(taint, self, root);
        }
    }

    fn apply_hosts(&mut self, tokens: &HostTokens) {
        if !tokens.is_empty() {
            let root = self.root_index();
            let hits = tokens.hits(self.strings());
            hosts_tree(tokens, hits.as_ref(), self, root);
        }
    }
}

/// [`Taint::apply`] on a tree.
fn taint_tree(taint: &Taint, t: &mut Tree, at: u32) {
    let node = t.at(at);
    match node.shape() {
        Shape::String => match node.as_str().and_then(|s| taint.replace(s)) {
            Some(taint::Replaced::Whole(fp)) => t.set(at, &surface::secret(fp)),
            Some(taint::Replaced::Text(new)) => t.set_str(at, &new),
            None => {}
        },
        Shape::Array => {
            for i in t.children(at) {
                taint_tree(taint, t, i);
            }
        }
        Shape::Object if is_marker_node(node) => {
            // An unknown marker's reason is text like any other; a secret marker's
            // fingerprint is no plaintext.
            if let Some(reason) = node.get(surface::UNKNOWN_MARKER)
                && let Some(new) = reason.as_str().and_then(|r| taint.apply_text(r))
            {
                t.set_str(reason.index(), &new);
            }
        }
        Shape::Object => {
            for i in t.children(at) {
                taint_tree(taint, t, i);
            }
            t.rename_keys(at, |k| taint.apply_text(k));
        }
        _ => {}
    }
}

/// [`HostTokens::apply`] on a tree. `hits` (from [`HostTokens::hits`]), when given, says
/// where in the tree's strings a host begins: a string with none inside it holds no
/// host, and is not searched.
fn hosts_tree(tokens: &HostTokens, hits: Option<&Hits>, t: &mut Tree, at: u32) {
    let may_hold = |range: Range<usize>| hits.is_none_or(|h| h.any_in(range));
    let node = t.at(at);
    match node.shape() {
        Shape::String => {
            if t.string_range(at).is_none_or(may_hold)
                && let Some(new) = node.as_str().and_then(|s| tokens.substitute(s))
            {
                t.set_str(at, &new);
            }
        }
        Shape::Array => {
            for i in t.children(at) {
                hosts_tree(tokens, hits, t, i);
            }
        }
        // Markers carry reasons and fingerprints, not surface values.
        Shape::Object if is_marker_node(node) => {}
        Shape::Object => {
            for i in t.children(at) {
                hosts_tree(tokens, hits, t, i);
            }
            if t.children(at).any(|i| may_hold(t.key_range(i))) {
                t.rename_keys(at, |k| tokens.substitute(k));
            }
        }
        _ => {}
    }
}

/// Finishes the redaction of a snapshot whose surface has been redacted: the source
/// statuses (every text of theirs, see [`crate::snapshot::SourceStatus::texts_mut`])
/// are redacted by shape, every tainted value is replaced in the surface and the
/// statuses, and the taint is kept with the snapshot (never written out) so that judging
/// can look for it in the other environment.
pub fn seal<S: Rewrite>(
    snapshot: &mut Snapshot<S>,
    policy: &SecretPolicy,
    fp: &Fingerprinter,
    taint: Taint,
) {
    let mut r = Redactor {
        policy,
        fp,
        taint: &mut snapshot.taint,
        changes: 0,
    };
    r.taint.extend(&taint);
    for status in snapshot.sources.values_mut() {
        for text in status.texts_mut() {
            if let Some(t) = r.text(text) {
                *text = t;
            }
        }
    }
    rename_sources(&mut snapshot.sources, |name| r.key(name));
    apply_taint(snapshot);
}

/// Renames the sources whose name `rename` rewrites (a source's name is text like a
/// key). A new name another source already has gets a number, so that no source's
/// status is lost: a failed source dropped would pass a gate it must fail.
fn rename_sources(
    sources: &mut BTreeMap<String, SourceStatus>,
    mut rename: impl FnMut(&str) -> Option<String>,
) {
    let renamed: Vec<(String, String)> = sources
        .keys()
        .filter_map(|k| rename(k).map(|new| (k.clone(), new)))
        .collect();
    for (old, new) in renamed {
        if let Some(status) = sources.remove(&old) {
            let mut name = new.clone();
            let mut n = 2;
            while sources.contains_key(&name) {
                name = format!("{new} ({n})");
                n += 1;
            }
            sources.insert(name, status);
        }
    }
}

/// Replaces, in both snapshots, every value either has tainted: a staging secret that
/// production carries in plain text is a secret there too.
pub fn share_taint<S: Rewrite + Send>(a: &mut Snapshot<S>, b: &mut Snapshot<S>) {
    let (from_a, from_b) = (a.taint.clone(), b.taint.clone());
    a.taint.extend(&from_b);
    b.taint.extend(&from_a);
    // A side whose taint is all applied already (its own, when it was sealed, and the
    // other's brought nothing new) needs no walk.
    crate::both(|| apply_taint(a), || apply_taint(b));
}

/// Snapshots taken in separate runs hold no plaintext of each other's secrets; but when
/// both were made with `fp`'s key, a string one of them holds in plain text is still
/// recognised by the fingerprint the other recorded for it, and tainted. Whole strings
/// only: a secret inside a longer string of the other environment cannot be recognised
/// by its fingerprint. Costs one keyed hash per string, and nothing when the other side
/// holds no fingerprint.
pub fn recognise_fingerprints<S: Surface>(
    a: &mut Snapshot<S>,
    b: &mut Snapshot<S>,
    fp: &Fingerprinter,
) {
    let made_here = |s: &Snapshot<S>| {
        s.fingerprint
            .as_ref()
            .is_none_or(|f| f.key_id == fp.key_id())
    };
    if !made_here(a) || !made_here(b) {
        return;
    }
    let (in_a, in_b) = (
        fingerprints(a.surface.root_node()),
        fingerprints(b.surface.root_node()),
    );
    for (snap, other) in [(a, in_b), (b, in_a)] {
        if other.is_empty() {
            continue;
        }
        let mut found = Vec::new();
        plaintexts_of(snap.surface.root_node(), fp, &other, &mut found);
        for plain in found {
            snap.taint.add(&plain, fp);
        }
    }
}

/// Every fingerprint in a surface: secret markers and `<…>` inside strings.
fn fingerprints<'a, N: Node<'a>>(v: N) -> std::collections::HashSet<String> {
    fn walk<'a, N: Node<'a>>(v: N, out: &mut std::collections::HashSet<String>) {
        match v.shape() {
            Shape::String => {
                let s = v.as_str().unwrap_or_default();
                for (i, _) in s.match_indices(EMBEDDED_PREFIX) {
                    let rest = &s[i + 1..];
                    if let Some(end) = rest.find('>') {
                        out.insert(rest[..end].to_string());
                    }
                }
            }
            Shape::Array => v.items().for_each(|v| walk(v, out)),
            Shape::Object => match surface::as_secret(v) {
                Some(f) => {
                    out.insert(f.to_string());
                }
                None => v.entries().for_each(|(_, v)| walk(v, out)),
            },
            _ => {}
        }
    }
    let mut out = std::collections::HashSet::new();
    walk(v, &mut out);
    out
}

/// The strings (values and keys) of `v` whose fingerprint is in `known`.
fn plaintexts_of<'a, N: Node<'a>>(
    v: N,
    fp: &Fingerprinter,
    known: &std::collections::HashSet<String>,
    out: &mut Vec<String>,
) {
    let is_known = |s: &str| {
        s.len() >= taint::MIN_LEN
            && !surface::holds_embedded(s)
            && known.contains(&fp.fingerprint(s))
    };
    match v.shape() {
        Shape::String => {
            if let Some(s) = v.as_str().filter(|s| is_known(s)) {
                out.push(s.to_string());
            }
        }
        Shape::Array => v.items().for_each(|v| plaintexts_of(v, fp, known, out)),
        Shape::Object if is_marker_node(v) => {}
        Shape::Object => {
            for (k, v) in v.entries() {
                if is_known(k) {
                    out.push(k.to_string());
                }
                plaintexts_of(v, fp, known, out);
            }
        }
        _ => {}
    }
}

/// Replaces the snapshot's tainted values everywhere in it, unless every value of its
/// taint has been replaced already.
fn apply_taint<S: Rewrite>(snapshot: &mut Snapshot<S>) {
    if snapshot.taint.is_empty() || snapshot.taint.is_applied() {
        return;
    }
    snapshot.taint.mark_applied();
    let taint = &snapshot.taint;
    snapshot.surface.apply_taint(taint);
    for status in snapshot.sources.values_mut() {
        for text in status.texts_mut() {
            if let Some(t) = taint.apply_text(text) {
                *text = t;
            }
        }
    }
    rename_sources(&mut snapshot.sources, |name| taint.apply_text(name));
}

/// Where a map sits in the surface. The keys of identity-keyed collections name things —
/// a plugin, a service, a provider, a waffle flag, a health check, a datastore, a
/// Kubernetes object — not settings: a plugin called `credentials` or a flag called
/// `api.token_auth` is no secret, and fingerprinting its description would hide it.
/// Everything else (settings, the MFE config, anything in a string) is judged by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    Root,
    Sso,
    Features,
    Health,
    /// `/datastores`: stores by name, each with `hosts` by host.
    Stores,
    Store,
    /// `/kubernetes/<Kind>/<namespace>/<name>`, with the levels still to go.
    Kubernetes(u8),
    /// `/edge`: hosts by role, each with `cookies` by cookie name (`csrftoken`).
    Edge,
    EdgeHost,
    /// A map whose keys are identities; their values are judged freely.
    Identities,
    Free,
}

impl At {
    /// Whether `key` here is an identity, and where its value sits.
    fn child(self, key: &str) -> (bool, At) {
        match (self, key) {
            (At::Root, "plugins" | "services") => (false, At::Identities),
            (At::Root, "sso") => (false, At::Sso),
            (At::Root, "features") => (false, At::Features),
            (At::Root, "health") => (false, At::Health),
            (At::Root, "datastores") => (false, At::Stores),
            (At::Root, "kubernetes") => (false, At::Kubernetes(3)),
            (At::Root, "edge") => (false, At::Edge),
            (At::Edge, _) => (true, At::EdgeHost),
            (At::EdgeHost, "cookies") => (false, At::Identities),
            (At::Sso, "providers") => (false, At::Identities),
            (
                At::Features,
                "waffle_flags" | "waffle_switches" | "django_settings" | "lms" | "cms",
            ) => (false, At::Identities),
            (At::Health, _) => (true, At::Identities),
            (At::Stores, _) => (true, At::Store),
            (At::Store, "hosts") => (false, At::Identities),
            (At::Kubernetes(n), _) if n > 1 => (true, At::Kubernetes(n - 1)),
            (At::Kubernetes(_) | At::Identities, _) => (true, At::Free),
            _ => (false, At::Free),
        }
    }
}

/// One redaction pass.
struct Redactor<'a> {
    policy: &'a SecretPolicy,
    fp: &'a Fingerprinter,
    taint: &'a mut Taint,
    /// How many secrets were replaced, so that JSON inside a string is written back
    /// only when something in it changed.
    changes: usize,
}

impl Redactor<'_> {
    /// [`Redactor::value`] on a tree: the same judgement of every key and string; a
    /// secret's value and a rewritten string are made as `Value`s and put in place.
    fn tree(&mut self, t: &mut Tree, node: u32, at: At) {
        let n = t.at(node);
        match n.shape() {
            Shape::Object => {
                if is_marker_node(n) {
                    if let Some(reason) = n.get(surface::UNKNOWN_MARKER)
                        && let Some(new) = reason.as_str().and_then(|r| self.text(r))
                    {
                        t.set_str(reason.index(), &new);
                    }
                    return;
                }
                let jwk = n.get("kty").is_some_and(|v| v.shape() == Shape::String);
                for i in t.children(node) {
                    let k = t.key(i);
                    let (identity, child) = at.child(k);
                    let secret = (jwk && JWK_PRIVATE.contains(&k))
                        || ((!identity || holds_a_setting(t.at(i).shape()))
                            && self.policy.is_secret_key(k));
                    if secret && is_secret_worthy_node(t.at(i)) {
                        let k = k.to_string();
                        let mut v = t.at(i).to_value();
                        self.secret(&k, &mut v);
                        t.set(i, &v);
                    } else {
                        self.tree(t, i, child);
                    }
                }
                t.rename_keys(node, |k| self.key(k));
            }
            Shape::Array => {
                for i in t.children(node) {
                    self.tree(t, i, At::Free);
                }
            }
            Shape::String => {
                if let Some(new) = n.as_str().and_then(|s| self.string(s)) {
                    t.set(node, &new);
                }
            }
            _ => {}
        }
    }

    fn value(&mut self, value: &mut Value, at: At) {
        match value {
            Value::Object(map) => {
                if is_marker(map) {
                    if let Some(Value::String(reason)) = map.get_mut(surface::UNKNOWN_MARKER)
                        && let Some(t) = self.text(reason)
                    {
                        *reason = t;
                    }
                    return;
                }
                let jwk = map.get("kty").is_some_and(Value::is_string);
                for (k, v) in map.iter_mut() {
                    let (identity, child) = at.child(k);
                    let secret = (jwk && JWK_PRIVATE.contains(&k.as_str()))
                        || ((!identity || holds_a_setting(Node::shape(&*v)))
                            && self.policy.is_secret_key(k));
                    if secret && is_secret_worthy(v) {
                        self.secret(k, v);
                    } else {
                        self.value(v, child);
                    }
                }
                self.keys(map);
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.value(v, At::Free)),
            Value::String(s) => {
                if let Some(new) = self.string(s) {
                    *value = new;
                }
            }
            _ => {}
        }
    }

    /// A string value: JSON inside it is redacted as JSON; otherwise its secrets are
    /// found by shape.
    fn string(&mut self, s: &str) -> Option<Value> {
        if s.len() < 5 {
            return None;
        }
        if looks_like_json(s)
            && let Ok(mut inner) = serde_json::from_str::<Value>(s)
            && (inner.is_object() || inner.is_array())
        {
            let before = self.changes;
            self.value(&mut inner, At::Free);
            return (self.changes != before).then(|| Value::String(inner.to_string()));
        }
        match shapes::find(s, self.policy) {
            Found::Nothing => None,
            Found::Whole => {
                self.taint_text(s);
                self.changes += 1;
                Some(surface::secret(self.fp.fingerprint(s)))
            }
            Found::Parts(parts) => Some(Value::String(self.splice(s, &parts))),
        }
    }

    /// Text that is no surface value (a key, a message): its secrets become
    /// `<fingerprint>` whatever their shape.
    fn text(&mut self, s: &str) -> Option<String> {
        match shapes::find(s, self.policy) {
            Found::Nothing => None,
            Found::Whole => {
                self.taint_text(s);
                self.changes += 1;
                Some(format!("<{}>", self.fp.fingerprint(s)))
            }
            Found::Parts(parts) => Some(self.splice(s, &parts)),
        }
    }

    fn splice(&mut self, s: &str, parts: &[Range<usize>]) -> String {
        let mut out = String::with_capacity(s.len());
        let mut last = 0;
        for r in parts {
            let secret = &s[r.clone()];
            self.taint.add(secret, self.fp);
            self.changes += 1;
            out.push_str(&s[last..r.start]);
            out.push('<');
            out.push_str(&self.fp.fingerprint(secret));
            out.push('>');
            last = r.end;
        }
        out.push_str(&s[last..]);
        for r in shapes::url_passwords(s) {
            self.taint.add(&s[r], self.fp);
        }
        out
    }

    /// A key, or a source's name: text (see [`Redactor::text`]) when it is long enough
    /// to hold a secret.
    fn key(&mut self, k: &str) -> Option<String> {
        if k.len() < 5 { None } else { self.text(k) }
    }

    /// Object keys are text too (a toggle named after a credential, a host list keyed
    /// by `user:password@host`).
    fn keys(&mut self, map: &mut Map<String, Value>) {
        let renamed: Vec<(String, String)> = map
            .keys()
            .filter_map(|k| self.key(k).map(|new| (k.clone(), new)))
            .collect();
        for (old, new) in renamed {
            if let Some(v) = map.remove(&old) {
                map.insert(new, v);
            }
        }
    }

    /// The value of a secret key: replaced whole, but a `user:password` under a pair name
    /// keeps its user.
    fn secret(&mut self, key: &str, value: &mut Value) {
        if let Value::String(s) = value {
            if s.split_once(':').is_some_and(|(_, pass)| is_embedded(pass)) {
                return; // a `user:<fingerprint>` redacted already
            }
            if self.policy.is_pair_key(key)
                && let Some((user, pass)) = user_password(s)
            {
                self.taint.add(pass, self.fp);
                self.taint.add(s, self.fp);
                self.changes += 1;
                *s = format!("{user}:<{}>", self.fp.fingerprint(pass));
                return;
            }
            self.taint_text(s);
        } else if let Value::Array(items) = &*value
            && self.policy.is_pair_key(key)
            && let [Value::String(_), Value::String(pass)] = items.as_slice()
        {
            // [user, password]
            self.taint.add(pass, self.fp);
        } else {
            self.taint_leaves(value);
        }
        self.changes += 1;
        *value = surface::secret(self.fp.fingerprint(&canonical(value)));
    }

    /// Taints a secret string, and what is inside it: a key block's lines, the secrets a
    /// shape detector finds in it, the values of JSON in it.
    fn taint_text(&mut self, s: &str) {
        self.taint.add(s, self.fp);
        if shapes::holds_private_key(s) {
            for line in shapes::key_body_lines(s) {
                self.taint.add(line, self.fp);
            }
            return;
        }
        if looks_like_json(s)
            && let Ok(inner) = serde_json::from_str::<Value>(s)
        {
            self.taint_leaves(&inner);
            return;
        }
        if let Found::Parts(parts) = shapes::find(s, self.policy) {
            for r in parts.into_iter().chain(shapes::url_passwords(s)) {
                self.taint.add(&s[r], self.fp);
            }
        }
    }

    /// Taints the strings of a secret object or array, but not those that identify (a
    /// user name, a host), nor the public members of a JSON Web Key.
    fn taint_leaves(&mut self, value: &Value) {
        match value {
            Value::String(s) => self.taint_text(s),
            Value::Array(items) => items.iter().for_each(|v| self.taint_leaves(v)),
            Value::Object(map) if is_marker(map) => {}
            Value::Object(map) => {
                let jwk = map.get("kty").is_some_and(Value::is_string);
                for (k, v) in map {
                    let identity = IDENTITY_KEYS.iter().any(|i| k.eq_ignore_ascii_case(i));
                    if (jwk && !JWK_PRIVATE.contains(&k.as_str())) || (!jwk && identity) {
                        continue;
                    }
                    self.taint_leaves(v);
                }
            }
            _ => {}
        }
    }
}

/// `user:password`, with a plain user name and no URL or whitespace around.
fn user_password(s: &str) -> Option<(&str, &str)> {
    if s.contains("://") || s.contains(char::is_whitespace) {
        return None;
    }
    let (user, pass) = s.split_once(':')?;
    let plain = !user.is_empty()
        && user.len() <= 64
        && user
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-' | b'@' | b'+'));
    (plain && !pass.is_empty()).then_some((user, pass))
}

fn looks_like_json(s: &str) -> bool {
    let t = s.trim();
    (t.starts_with('{') && t.ends_with('}')) || (t.starts_with('[') && t.ends_with(']'))
}

/// A secret marker (with a fingerprint in it) or an unknown marker. A one-key object
/// `{"secret": "hunter2"}` read from a configuration file is no marker: its value is
/// redacted like any other.
pub(crate) fn is_marker(map: &Map<String, Value>) -> bool {
    map.len() == 1
        && (map
            .get(surface::SECRET_MARKER)
            .and_then(Value::as_str)
            .is_some_and(surface::is_fingerprint)
            || map
                .get(surface::UNKNOWN_MARKER)
                .is_some_and(Value::is_string))
}

/// [`is_marker`] of a node.
pub(crate) fn is_marker_node<'a, N: Node<'a>>(n: N) -> bool {
    surface::as_secret(n).is_some() || surface::as_unknown(n).is_some()
}

/// [`is_secret_worthy`] of a node.
fn is_secret_worthy_node<'a, N: Node<'a>>(v: N) -> bool {
    match v.shape() {
        Shape::Null | Shape::Bool => false,
        Shape::String => v.as_str().is_some_and(|s| !s.is_empty()),
        Shape::Object => !is_marker_node(v),
        _ => true,
    }
}

/// Whether a value under an identity (a flag, a plugin, a check) named like a secret is
/// one all the same: a thing is described by an object or switched by a boolean, but a
/// string, a number or a list there is a setting in all but name (a Django setting such
/// as `EMAIL_HOST_PASSWORD` among the LMS's feature flags).
fn holds_a_setting(shape: Shape) -> bool {
    matches!(shape, Shape::String | Shape::Number | Shape::Array)
}

/// Booleans, null and empty strings say whether a secret is set, not what it is.
fn is_secret_worthy(v: &Value) -> bool {
    match v {
        Value::Null | Value::Bool(_) => false,
        Value::String(s) => !s.is_empty(),
        Value::Object(m) => !is_marker(m),
        _ => true,
    }
}

fn canonical(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Host tokens: the values of identity settings, substituted by `{NAME}` in every string
/// and key so that the same URL on two hosts compares equal.
#[derive(Debug, Clone, Default)]
pub struct HostTokens {
    /// (value, token), longest value first so that `preview.lms.x.org` is replaced before
    /// `lms.x.org` could match inside it.
    pairs: Vec<(String, String)>,
    /// A substring searcher for each value, built once: `str::contains` would set one up
    /// for every string a host may be in.
    finders: Vec<memchr::memmem::Finder<'static>>,
    /// All the values at once, for the pass over a snapshot's whole text: Teddy, the
    /// SIMD searcher for a few patterns, where the CPU has it.
    packed: Option<aho_corasick::packed::Searcher>,
}

impl HostTokens {
    /// Reads `/settings/<NAME>` for each identity setting the profile names.
    pub fn from_surface<'a, N: Node<'a>>(surface: N, names: &[String]) -> HostTokens {
        let mut pairs = Vec::new();
        for name in names {
            if let Some(v) = surface
                .get("settings")
                .and_then(|s| s.get(name))
                .and_then(N::as_str)
            {
                // Very short values ("lms", "") would replace far more than hosts.
                if v.len() >= 4 {
                    pairs.push((v.to_string(), format!("{{{name}}}")));
                }
            }
        }
        pairs.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        pairs.dedup_by(|a, b| a.0 == b.0);
        let finders = pairs
            .iter()
            .map(|(host, _)| memchr::memmem::Finder::new(host).into_owned())
            .collect();
        // The pass over a tree's strings is off when a host holds a quote
        // ([`HostTokens::hits`]): no searcher for it.
        let packed = pairs
            .iter()
            .all(|(host, _)| !host.contains('"'))
            .then(|| {
                aho_corasick::packed::Config::new()
                    .match_kind(aho_corasick::packed::MatchKind::LeftmostFirst)
                    .builder()
                    .extend(pairs.iter().map(|(host, _)| host))
                    .build()
            })
            .flatten();
        HostTokens {
            pairs,
            finders,
            packed,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Substitutes in place, in strings and object keys alike.
    pub fn apply(&self, value: &mut Value) {
        if self.pairs.is_empty() {
            return;
        }
        match value {
            Value::String(s) => {
                if let Some(r) = self.substitute(s) {
                    *s = r;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.apply(v)),
            // Markers carry reasons and fingerprints, not surface values.
            Value::Object(map) if is_marker(map) => {}
            Value::Object(map) => {
                let renamed = map.keys().any(|k| self.substitute(k).is_some());
                if renamed {
                    let old = std::mem::take(map);
                    for (k, mut v) in old {
                        self.apply(&mut v);
                        let k = self.substitute(&k).unwrap_or(k);
                        map.insert(k, v);
                    }
                } else {
                    map.values_mut().for_each(|v| self.apply(v));
                }
            }
            _ => {}
        }
    }

    /// Where in `text` (a tree's strings, each followed by a quote: [`Tree::strings`]) a
    /// host begins, sorted: one SIMD search over all the strings rather than one per
    /// string. An occurrence cannot run from one string into the next (it would hold
    /// the quote between them), so a string holds a host only if one begins inside it.
    /// None when a host holds a quote.
    pub fn hits(&self, text: &str) -> Option<Hits> {
        if self.pairs.iter().any(|(host, _)| host.contains('"')) {
            return None;
        }
        let starts = match &self.packed {
            // Leftmost-first and without overlaps, so in order; a match cannot cross a
            // string's quotes, so every string holding a host has one begin inside it.
            Some(packed) => packed.find_iter(text).map(|m| m.start()).collect(),
            None => {
                let mut all: Vec<usize> = self
                    .finders
                    .iter()
                    .flat_map(|f| f.find_iter(text.as_bytes()))
                    .collect();
                all.sort_unstable();
                all
            }
        };
        Some(Hits::new(starts, text.len()))
    }

    /// The substituted string, or None when nothing matched.
    pub fn substitute(&self, s: &str) -> Option<String> {
        let mut out: Option<String> = None;
        for ((host, token), finder) in self.pairs.iter().zip(&self.finders) {
            let cur = out.as_deref().unwrap_or(s);
            if finder.find(cur.as_bytes()).is_none() {
                continue;
            }
            let mut result = String::with_capacity(cur.len());
            let mut rest = cur;
            let mut changed = false;
            while let Some(i) = finder.find(rest.as_bytes()) {
                let before = rest[..i]
                    .chars()
                    .next_back()
                    .or_else(|| result.chars().next_back());
                let after = rest[i + host.len()..].chars().next();
                if is_host_boundary(before) && is_host_boundary(after) {
                    result.push_str(&rest[..i]);
                    result.push_str(token);
                    changed = true;
                } else {
                    result.push_str(&rest[..i + host.len()]);
                }
                rest = &rest[i + host.len()..];
            }
            result.push_str(rest);
            if changed {
                out = Some(result);
            }
        }
        out
    }
}

/// Where hosts begin in a snapshot's text, asked of every string and key whether one
/// begins inside it: a bit per 64-byte block of the text answers most of them, and a
/// binary search only those in a block where a host begins.
pub struct Hits {
    starts: Vec<usize>,
    blocks: Vec<u64>,
}

impl Hits {
    const BLOCK: usize = 64;

    fn new(starts: Vec<usize>, text_len: usize) -> Hits {
        let mut blocks = vec![0u64; text_len / Self::BLOCK / 64 + 1];
        for &s in &starts {
            let b = s / Self::BLOCK;
            blocks[b / 64] |= 1 << (b % 64);
        }
        Hits { starts, blocks }
    }

    /// How many places a host begins at.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// Whether a host begins inside `r`.
    fn any_in(&self, r: Range<usize>) -> bool {
        if r.is_empty() {
            return false;
        }
        let marked = |b: usize| {
            self.blocks
                .get(b / 64)
                .is_some_and(|w| w >> (b % 64) & 1 != 0)
        };
        if !(r.start / Self::BLOCK..=(r.end - 1) / Self::BLOCK).any(marked) {
            return false;
        }
        let first = self.starts.partition_point(|h| *h < r.start);
        self.starts.get(first).is_some_and(|h| *h < r.end)
    }
}

/// A host starts and ends where a hostname character could not continue it.
fn is_host_boundary(c: Option<char>) -> bool {
    match c {
        None => true,
        Some(c) => !(c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_'),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fp() -> Fingerprinter {
        Fingerprinter::with_key(b"test key")
    }

    #[test]
    fn secret_keys_are_fingerprinted_and_plain_keys_kept() {
        let mut v = json!({"settings": {"MYSQL_ROOT_PASSWORD": "hunter2", "LMS_HOST": "lms.x.org",
            "OPENEDX_SECRET_KEY": "s3cr3t", "ENABLE_HTTPS": true, "SMTP_PASSWORD": ""}});
        redact(&mut v, &SecretPolicy::default(), &fp());
        let text = v.to_string();
        assert!(
            !text.contains("hunter2") && !text.contains("s3cr3t"),
            "{text}"
        );
        assert!(surface::as_secret(&v["settings"]["MYSQL_ROOT_PASSWORD"]).is_some());
        assert_eq!(v["settings"]["LMS_HOST"], "lms.x.org");
        assert_eq!(
            v["settings"]["SMTP_PASSWORD"], "",
            "an empty secret says no secret is set"
        );
    }

    /// Collectors redact `Value`s and `diff` redacts trees: the two must agree on every
    /// kind of secret, and on what each replaced.
    #[test]
    fn a_tree_is_redacted_exactly_as_a_value() {
        let surface = json!({
            "settings": {"MYSQL_ROOT_PASSWORD": "hunter2hunter2", "LMS_HOST": "lms.x.org",
                "SMTP_PASSWORD": "", "ENABLE_HTTPS": true, "CACHE": {"PASSWORD": ["a", 1]},
                "DB": "mysql://openedx:pa55word@db.x.org:3306/edxapp",
                "KEY": "-----BEGIN RSA PRIVATE KEY-----\nMIIEsecretbody\n-----END RSA PRIVATE KEY-----",
                "JSON": "{\"client_secret\": \"abcdefgh1234\", \"id\": 3}",
                "HEADER": "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
                "PAIR": "user:pa55word-again", "SAME": "hunter2hunter2 appears again",
                "REDIS_PASSWORD": "alreadyhidden", "X": {"secret": "hmac-sha256:0123456789abcdef01234567"}},
            "plugins": {"credentials": {"enabled": true, "password_reset": "on"}},
            "datastores": {"mysql": {"hosts": {"admin:pa55word@db.x.org": {"up": true}}}},
            "jwk": {"kty": "RSA", "n": "public-modulus", "d": "private-exponent-value"},
            "sso": {"$unknown": "login failed with password hunter2hunter2"},
            "list": [{"api_token": "tok-123456789"}, "plain", 3.5, null]
        });
        let policy = SecretPolicy::with_extra(&["*_TOKEN".to_string()]);
        let (mut value, mut tree) = (surface.clone(), Tree::from_value(&surface));
        let (mut tv, mut tt) = (Taint::default(), Taint::default());
        value.redact(&policy, &fp(), &mut tv);
        tree.redact(&policy, &fp(), &mut tt);
        assert_eq!(tv, tt, "the same plaintexts are tainted");
        value.apply_taint(&tv);
        tree.apply_taint(&tt);
        assert_eq!(tree.root().to_value(), value);
        let text = value.to_string();
        for plain in [
            "hunter2",
            "pa55word",
            "MIIEsecretbody",
            "abcdefgh1234",
            "private-exponent",
        ] {
            assert!(!text.contains(plain), "{plain} in {text}");
        }
        // Host tokens too.
        let tokens = HostTokens::from_surface(&value, &["LMS_HOST".to_string()]);
        let mut tree = Tree::from_value(&value);
        value.apply_hosts(&tokens);
        tree.apply_hosts(&tokens);
        assert_eq!(tree.root().to_value(), value);
    }

    /// A tree read from text finds its strings' hosts with one pass over the text; it
    /// must substitute exactly what a search in every string does, escaped strings and
    /// keys included.
    #[test]
    fn hits_answer_as_a_search_of_every_start_would() {
        use proptest::prelude::*;
        proptest!(|(mut starts in proptest::collection::vec(0usize..3000, 0..40),
                    ranges in proptest::collection::vec((0usize..3000, 0usize..300), 1..40))| {
            starts.sort_unstable();
            let hits = Hits::new(starts.clone(), 3000);
            for (start, len) in ranges {
                let r = start..(start + len).min(3000);
                let by_search = starts.iter().any(|h| r.contains(h));
                prop_assert_eq!(hits.any_in(r.clone()), by_search, "{:?}", r);
            }
        });
    }

    #[test]
    fn host_tokens_found_in_the_text_are_those_found_string_by_string() {
        let text = r#"{"settings": {"LMS_HOST": "lms.x.org", "CMS_HOST": "studio.x.org"},
            "urls": ["https://lms.x.org/a", "http://preview.lms.x.org", "xlms.x.org",
                "lms.x.orgs", "esc\"aped lms.x.org", "https:\/\/studio.x.org\/b", "none"],
            "hosts": {"lms.x.org": {"studio.x.org:443": true}, "other": "lms.x.org"},
            "n": 12, "m": {"$unknown": "lms.x.org failed"}}"#;
        let mut value: Value = serde_json::from_str(text).unwrap();
        let mut tree = Tree::parse(text.to_string()).unwrap();
        let names = ["LMS_HOST".to_string(), "CMS_HOST".to_string()];
        let tokens = HostTokens::from_surface(&value, &names);
        assert!(tokens.hits(tree.strings()).is_some_and(|h| h.len() >= 8));
        value.apply_hosts(&tokens);
        tree.apply_hosts(&tokens);
        assert_eq!(tree.root().to_value(), value);
        assert_eq!(value["urls"][5], "https://{CMS_HOST}/b");
        assert!(value["hosts"].get("{LMS_HOST}").is_some());
    }

    /// The search runs over the decoded strings, so a host that JSON escapes is found
    /// as itself; one holding the quote that separates the strings turns it off.
    #[test]
    fn hosts_that_json_escapes_are_found_in_the_decoded_strings() {
        for (host, searched) in [(r"l\\ms.x.org", true), (r#"l\"ms.x.org"#, false)] {
            let text = format!(
                r#"{{"settings": {{"LMS_HOST": "{host}"}},
                    "urls": ["https://{host}/a", "x{host}", "{host}", "none"],
                    "keys": {{"{host}": 1, "other": "a {host} b"}}}}"#
            );
            let mut value: Value = serde_json::from_str(&text).unwrap();
            let mut tree = Tree::parse(text.clone()).unwrap();
            let tokens = HostTokens::from_surface(&value, &["LMS_HOST".to_string()]);
            let hits = tokens.hits(tree.strings());
            assert_eq!(hits.is_some(), searched, "{host}");
            assert!(hits.is_none_or(|h| h.len() >= 5), "{host}");
            value.apply_hosts(&tokens);
            tree.apply_hosts(&tokens);
            assert_eq!(tree.root().to_value(), value, "{host}");
            assert_eq!(value["urls"][0], "https://{LMS_HOST}/a", "{host}");
            assert!(value["keys"].get("{LMS_HOST}").is_some(), "{host}");
        }
    }

    #[test]
    fn same_secret_same_fingerprint_and_key_matters() {
        let a = fp().fingerprint("hunter2");
        assert_eq!(a, fp().fingerprint("hunter2"));
        assert_ne!(a, fp().fingerprint("hunter3"));
        assert_ne!(a, Fingerprinter::with_key(b"other").fingerprint("hunter2"));
        assert!(!a.contains("hunter2"));
    }

    #[test]
    fn url_passwords_and_pem_keys_are_fingerprinted_anywhere() {
        let mut v = json!({"a": "mysql://openedx:pa55word@db.x.org:3306/edxapp",
            "b": ["-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----"]});
        redact(&mut v, &SecretPolicy::default(), &fp());
        let text = v.to_string();
        assert!(
            !text.contains("pa55word") && !text.contains("MIIE"),
            "{text}"
        );
        assert!(
            v["a"]
                .as_str()
                .unwrap()
                .starts_with("mysql://openedx:<hmac-sha256:")
        );
        assert!(v["a"].as_str().unwrap().ends_with("@db.x.org:3306/edxapp"));
    }

    #[test]
    fn a_url_password_read_past_the_path_is_also_a_secret_where_rfc_ends_it() {
        // The redactor masks this password to the last `@`; RFC 3986 ends it at the
        // first, and that password, shown again on its own, is a secret too.
        let v = redacted(json!({
            "error": "mongodb://admin:s3cretPassw0rd@m0.x.org:db://admin:s3cretPassw0rd@m1.x.org:27017",
            "again": "as admin:s3cretPassw0rd@m2"
        }));
        assert!(!v.to_string().contains("s3cretPassw0rd"), "{v}");
        assert!(
            v["again"]
                .as_str()
                .unwrap()
                .starts_with("as admin:<hmac-sha256:"),
            "{v}"
        );
    }

    #[test]
    fn a_forged_fingerprint_shields_nothing() {
        let v = redacted(json!({
            "SMTP_PASSWORD": "<hmac-sha256:00> hunter2-forged",
            "URL": "mysql://u:<hmac-sha256:00>hunter3-forged@db.x.org/x"
        }));
        assert!(!v.to_string().contains("-forged"), "{v}");
    }

    #[test]
    fn redaction_is_idempotent() {
        let mut v = json!({"X_PASSWORD": "p", "u": "redis://:pw@h:6379",
            "CELERY_FLOWER_BASIC_AUTH": "flower:pw-flower", "basic_auth": ["u", "pw-pair"],
            "a": "https://ghp_0123456789abcdefghijABCD@github.com/o/r",
            "b": "Basic dXNlcjpwYXNzd29yZA== and Bearer abc123def456ghi",
            "c": "Authorization: Digest r=1", "d": "root:pw@db.x.org:3306",
            "e": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", "f": "API_KEY=\"a b\" T=1",
            "g": "{\"password\": \"pw-json\"}", "h": {"kty": "oct", "k": "pw-jwk"},
            "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----": 1});
        redact(&mut v, &SecretPolicy::default(), &fp());
        let once = v.clone();
        redact(&mut v, &SecretPolicy::default(), &fp());
        assert_eq!(v, once);
    }

    fn redacted(v: Value) -> Value {
        let mut v = v;
        redact(&mut v, &SecretPolicy::default(), &fp());
        v
    }

    #[test]
    fn widened_names_are_secret_and_their_exceptions_are_not() {
        let p = SecretPolicy::default();
        for k in [
            "DB_PWD",
            "SMTP_PASS",
            "pass",
            "passwd",
            "STRIPE_APIKEY",
            "SENDGRID_API_KEY_VALUE",
            "MY_PLUGIN_CREDENTIALS",
            "ZENDESK_CREDENTIALS",
            "credentials",
            "SENTRY_DSN",
            "basic_auth",
            "CELERY_FLOWER_BASIC_AUTH",
            "db-password",
            "backup.passphrase",
            "apiKey",
            // No exception takes a name that says SECRET.
            "AWS_SECRET_ACCESS_KEY",
            "OPENEDX_AWS_SECRET_ACCESS_KEY",
            "CLIENT_SECRET_ID",
        ] {
            assert!(p.is_secret_key(k), "{k}");
        }
        for k in [
            "MEILISEARCH_API_KEY_UID",
            "AWS_ACCESS_KEY_ID",
            "OPENEDX_AWS_ACCESS_KEY",
            "MINIO_ACCESS_KEY",
            "CREDENTIALS_INTERNAL_SERVICE_URL",
            "CREDENTIALS_BASE_URL",
            "CREDENTIALS_COURSE_COMPLETION_STATE",
            "ACE_ROUTING_KEY",
            "ACCESS_TOKEN_EXPIRE_SECONDS",
            "SMTP_USERNAME",
            "PASSWORD_RESET_TIMEOUT",
            "BYPASS",
            "ENABLE_THIRD_PARTY_AUTH",
        ] {
            assert!(!p.is_secret_key(k), "{k}");
        }
        // The profile's own patterns are never overridden by an exception.
        assert!(SecretPolicy::with_extra(&["*CLIENT_ID*".into()]).is_secret_key("LMS_CLIENT_ID"));
    }

    #[test]
    fn the_word_prefilter_never_changes_which_keys_are_secret() {
        use proptest::prelude::*;
        let extra: Vec<String> = ["*CLIENT_ID*", "JWT_*KEY*", "x*y", "Ab.c-*"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let filtered = SecretPolicy::with_extra(&extra);
        assert!(filtered.words.is_some());
        let mut unfiltered = filtered.clone();
        unfiltered.words = None;
        // A pattern of stars alone takes every key: no word can stand for it.
        let stars = SecretPolicy::with_extra(&["**".to_string()]);
        assert!(stars.words.is_none() && stars.is_secret_key("status"));
        proptest!(|(key in "[a-zA-Z_.-]{0,6}(PASS|pass|KEY|Key|_ID|JWT_|client|SECRET|TOKEN|x|y|ab_c_)?[a-zA-Z_.-]{0,6}")| {
            prop_assert_eq!(filtered.is_secret_key(&key), unfiltered.is_secret_key(&key), "{}", key);
        });
    }

    #[test]
    fn user_password_pairs_keep_the_user() {
        let v = redacted(json!({
            "CELERY_FLOWER_BASIC_AUTH": "flower:s3cret-flower",
            "XQUEUE_INTERFACE": {"basic_auth": ["xqueue_lms", "s3cret-xqueue"], "url": null},
            "NOTE": "xqueue_lms logs in with s3cret-xqueue"
        }));
        let text = v.to_string();
        assert!(!text.contains("s3cret"), "{text}");
        let flower = v["CELERY_FLOWER_BASIC_AUTH"].as_str().unwrap();
        assert_eq!(
            flower,
            format!("flower:<{}>", fp().fingerprint("s3cret-flower"))
        );
        assert!(surface::as_secret(&v["XQUEUE_INTERFACE"]["basic_auth"]).is_some());
        // The password is tainted, the user name is not.
        assert!(
            v["NOTE"]
                .as_str()
                .unwrap()
                .starts_with("xqueue_lms logs in with <hmac"),
            "{v}"
        );
    }

    #[test]
    fn jwk_private_members_are_secret_wherever_the_key_is() {
        let v = redacted(json!({
            "SIGNING": {"kty": "RSA", "kid": "k1", "e": "AQAB", "n": "modulus-public", "d": "private-d", "p": "private-p"},
            "AS_STRING": "{\"kty\": \"oct\", \"k\": \"symmetric-key\"}",
            "NOT_A_JWK": {"d": "day", "k": "kilo"}
        }));
        let text = v.to_string();
        for s in ["private-d", "private-p", "symmetric-key"] {
            assert!(!text.contains(s), "{text}");
        }
        assert_eq!(v["SIGNING"]["n"], "modulus-public");
        assert_eq!(v["SIGNING"]["kid"], "k1");
        assert_eq!(v["NOT_A_JWK"], json!({"d": "day", "k": "kilo"}));
        let inner: Value = serde_json::from_str(v["AS_STRING"].as_str().unwrap()).unwrap();
        assert!(surface::as_secret(&inner["k"]).is_some(), "{inner}");
    }

    #[test]
    fn json_inside_a_string_is_redacted_as_json_and_left_alone_otherwise() {
        let v = redacted(json!({
            "EXTRA": "{\"db\": {\"password\": \"hunter2-json\"}}",
            "PLAIN": "{\"a\":  1}",
            "NOT_JSON": "{not json}"
        }));
        assert!(!v.to_string().contains("hunter2-json"), "{v}");
        assert_eq!(
            v["PLAIN"], "{\"a\":  1}",
            "unchanged JSON keeps its spelling"
        );
        assert_eq!(v["NOT_JSON"], "{not json}");
    }

    #[test]
    fn a_value_redacted_once_is_replaced_everywhere_else() {
        let v = redacted(json!({
            "settings": {"REPORTS_PASSWORD": "hunter2-reports", "COPY": "hunter2-reports",
                         "SENTENCE": "use hunter2-reports nightly"},
            "mfe": {"LINK": "mysql://u:pw-in-url-7@db.x.org/r", "ECHO": "pw-in-url-7"}
        }));
        let text = v.to_string();
        assert!(
            !text.contains("hunter2") && !text.contains("pw-in-url-7"),
            "{text}"
        );
        assert!(surface::as_secret(&v["settings"]["COPY"]).is_some());
        assert!(surface::as_secret(&v["mfe"]["ECHO"]).is_some());
    }

    #[test]
    fn across_environments_a_plain_copy_of_a_secret_is_redacted_at_judge_time() {
        let snap = |surface: Value| Snapshot {
            format: crate::snapshot::FORMAT.into(),
            environment: "x".into(),
            collected_at: String::new(),
            tool: String::new(),
            fingerprint: None,
            sources: Default::default(),
            surface,
            locations: Default::default(),
            taint: Taint::default(),
        };
        let mut s = snap(json!({"settings": {"X_PASSWORD": "staging-only-secret"}}));
        let mut p = snap(
            json!({"settings": {"NOTE": "staging-only-secret", "T": "has staging-only-secret in"}}),
        );
        redact_snapshot(&mut s, &SecretPolicy::default(), &fp());
        redact_snapshot(&mut p, &SecretPolicy::default(), &fp());
        assert_eq!(p.surface["settings"]["NOTE"], "staging-only-secret");
        share_taint(&mut s, &mut p);
        assert!(
            !p.surface.to_string().contains("staging-only-secret"),
            "{}",
            p.surface
        );
        // Taken in separate runs, only the fingerprint is left to recognise it by.
        let mut s2 = snap(
            json!({"settings": {"X_PASSWORD": {"secret": fp().fingerprint("staging-only-secret")}}}),
        );
        let mut p2 = snap(json!({"settings": {"NOTE": "staging-only-secret"}}));
        recognise_fingerprints(&mut s2, &mut p2, &fp());
        share_taint(&mut s2, &mut p2);
        assert!(surface::as_secret(&p2.surface["settings"]["NOTE"]).is_some());
    }

    #[test]
    fn what_is_not_a_secret_stays_readable() {
        let plain = json!({
            "DOCKER_IMAGE_OPENEDX": "docker.io/overhangio/openedx@sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945",
            "EDX_PLATFORM_VERSION": "release/verawood.1",
            "COMMIT": "9fceb02d0ae598e95dc970b74767f19372d61af8",
            "LMS_HOST": "lms.example.org",
            "MEILISEARCH_API_KEY_UID": "0115aaef-c0dc-4b06-914f-71382bc78db7",
            "INSTANCE": "6f1e2c1a-8b1d-4a55-9a0b-2b3c4d5e6f70",
            "ENABLE_HTTPS": true,
            "CONTACT_EMAIL": "contact@lms.example.org",
            "MONGODB_HOST": "mongo-0.db.example.org,mongo-1.db.example.org",
            "JWT_COMMON_ISSUER": "https://lms.example.org/oauth2",
            "INIT": "SET sql_mode='STRICT_TRANS_TABLES'",
            "TUTOR_VERSION": "22.0.3",
            "HELP": "Basic settings; the Token expires daily",
            "PLUGIN_INDEXES": ["https://overhang.io/tutor/main"],
            "NPM": "https://registry.npmjs.org/@edx/frontend-platform",
            "PORTED": "https://h.example.org:8443/x?e=ops@example.org"
        });
        assert_eq!(redacted(plain.clone()), plain);
    }

    #[test]
    fn things_named_like_secrets_in_keyed_collections_are_not_secrets() {
        let surface = json!({
            "plugins": {"credentials": {"enabled": true, "version": "22.0.2"}},
            "services": {"credentials": {"replicas": 2}},
            "sso": {"providers": {"oa2-token-auth": {"name": "Token", "primary": true}}},
            "features": {"waffle_flags": {"api.token_auth": {"status": "on"}},
                         "mfe_config": {"ZENDESK_CREDENTIALS": "in-mfe-config"}},
            "health": {"lms": {"secret_store": true}},
            "datastores": {"vault_token_store": {"bundled": false, "host": "v.x.org"}},
            "kubernetes": {"Secret": {"openedx": {"api-key": {"data_keys": 3}}}},
            "edge": {"lms": {"cookies": {"csrftoken": {"secure": true, "samesite": "lax"}}}},
            "settings": {"credentials": "in-settings", "CREDENTIALS_INTERNAL_SERVICE_URL": "http://c"}
        });
        let v = redacted(surface.clone());
        for p in [
            "/plugins",
            "/services",
            "/sso",
            "/features/waffle_flags",
            "/health",
            "/datastores",
            "/kubernetes",
            "/edge",
            "/settings/CREDENTIALS_INTERNAL_SERVICE_URL",
        ] {
            assert_eq!(v.pointer(p), surface.pointer(p), "{p}");
        }
        assert!(surface::as_secret(&v["features"]["mfe_config"]["ZENDESK_CREDENTIALS"]).is_some());
        assert!(surface::as_secret(&v["settings"]["credentials"]).is_some());
    }

    #[test]
    fn a_value_named_like_a_secret_among_identities_is_a_secret_unless_it_describes_or_switches() {
        let surface = json!({
            "features": {"lms": {"MYSQL_ROOT_PASSWORD": "hunter2-in-flags",
                                 "ENABLE_PASSWORD_RESET": true},
                         "django_settings": {"EMAIL_HOST_PASSWORD": "smtp-pass-in-flags",
                                             "API_TOKEN": 48151623,
                                             "SECRET_KEY_FALLBACKS": ["old-key-in-flags"]}},
            "health": {"lms": {"secret_store": true}},
            "settings": {"URL": "mysql://root:hunter2-in-flags@db/x"}
        });
        let v = redacted(surface.clone());
        for p in [
            "/features/lms/MYSQL_ROOT_PASSWORD",
            "/features/django_settings/EMAIL_HOST_PASSWORD",
            "/features/django_settings/API_TOKEN",
            "/features/django_settings/SECRET_KEY_FALLBACKS",
        ] {
            assert!(
                surface::as_secret(v.pointer(p).expect(p)).is_some(),
                "{p}: {v}"
            );
        }
        // A switch says whether, not what; the plaintext is gone wherever it was pasted.
        assert_eq!(v["features"]["lms"]["ENABLE_PASSWORD_RESET"], json!(true));
        assert_eq!(v["health"], surface["health"]);
        let text = v.to_string();
        assert!(
            !text.contains("hunter2")
                && !text.contains("smtp-pass")
                && !text.contains("48151623")
                && !text.contains("old-key"),
            "{text}"
        );
        // A tree, as `diff` judges, is redacted alike.
        let mut tree = crate::tree::Tree::from_value(&surface);
        let mut taint = Taint::default();
        tree.redact(&SecretPolicy::default(), &fp(), &mut taint);
        tree.apply_taint(&taint);
        assert_eq!(tree.root().to_value(), v);
    }

    #[test]
    fn a_one_key_object_named_secret_is_data_not_a_marker() {
        let v = redacted(json!({"cfg": {"secret": "hunter2-raw"}}));
        assert!(!v.to_string().contains("hunter2-raw"), "{v}");
        assert!(surface::as_secret(&json!({"secret": "hunter2-raw"})).is_none());
    }

    #[test]
    fn host_tokens_replace_on_boundaries_longest_first() {
        let s =
            json!({"settings": {"LMS_HOST": "lms.x.org", "PREVIEW_LMS_HOST": "preview.lms.x.org"}});
        let t = HostTokens::from_surface(&s, &["LMS_HOST".into(), "PREVIEW_LMS_HOST".into()]);
        assert_eq!(
            t.substitute("https://lms.x.org/oauth2").as_deref(),
            Some("https://{LMS_HOST}/oauth2")
        );
        assert_eq!(
            t.substitute("preview.lms.x.org").as_deref(),
            Some("{PREVIEW_LMS_HOST}")
        );
        assert_eq!(t.substitute("mylms.x.org"), None);
        let mut v = json!({"lms.x.org": {"url": "lms.x.org:443"}});
        t.apply(&mut v);
        assert_eq!(v, json!({"{LMS_HOST}": {"url": "{LMS_HOST}:443"}}));
    }

    #[test]
    fn a_source_renamed_onto_another_keeps_both_statuses() {
        let status = |state: crate::snapshot::SourceState| SourceStatus {
            kind: "mysql".into(),
            status: state,
            origin: "by hand".into(),
            error: None,
            covers: Vec::new(),
            notes: Vec::new(),
        };
        let mut sources = BTreeMap::from([
            ("<fp>".to_string(), status(crate::snapshot::SourceState::Ok)),
            (
                "mysql://u:pw@db".to_string(),
                status(crate::snapshot::SourceState::Failed),
            ),
        ]);
        rename_sources(&mut sources, |k| k.contains("pw").then(|| "<fp>".into()));
        let names: Vec<&str> = sources.keys().map(String::as_str).collect();
        assert_eq!(names, ["<fp>", "<fp> (2)"]);
        assert_eq!(
            sources["<fp> (2)"].status,
            crate::snapshot::SourceState::Failed
        );
    }
}
