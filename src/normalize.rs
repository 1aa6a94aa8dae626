//! Normalization: secrets are fingerprinted at collection time, host tokens are
//! substituted before comparing.
//!
//! Fingerprints are keyed hashes (HMAC-SHA256) so that equality across environments is
//! visible — the same database password in staging and production is a finding — while
//! the value is not: without the key, a fingerprint cannot be checked against guesses.

use crate::pathglob::Wildcard;
use crate::surface;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;

/// The environment variable that holds the fingerprint key.
pub const KEY_VAR: &str = "ENVPARITY_FINGERPRINT_KEY";

/// Key-name globs whose values are secrets, whatever the profile says.
pub const DEFAULT_SECRET_KEYS: [&str; 5] =
    ["*PASSWORD*", "*SECRET*", "*_KEY", "*TOKEN*", "*PRIVATE*"];

/// Makes fingerprints with one key.
#[derive(Clone)]
pub struct Fingerprinter {
    key: Vec<u8>,
    key_id: String,
}

impl std::fmt::Debug for Fingerprinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key itself is never printed, not even in debug output.
        f.debug_struct("Fingerprinter")
            .field("key_id", &self.key_id)
            .finish()
    }
}

impl Fingerprinter {
    /// Uses `ENVPARITY_FINGERPRINT_KEY` when set, else a random key for this run only —
    /// then fingerprints can be compared within the run but not with other snapshots.
    pub fn from_env() -> Fingerprinter {
        match std::env::var(KEY_VAR) {
            Ok(k) if !k.is_empty() => Fingerprinter::with_key(k.as_bytes()),
            _ => {
                let mut key = [0u8; 32];
                if getrandom::fill(&mut key).is_err() {
                    // No OS randomness: fall back to time and pid. Weaker, but the key
                    // still never leaves the process.
                    let seed = format!("{:?}{}", std::time::SystemTime::now(), std::process::id());
                    key.copy_from_slice(&sha256(seed.as_bytes()));
                }
                Fingerprinter::with_key(&key)
            }
        }
    }

    pub fn with_key(key: &[u8]) -> Fingerprinter {
        let mut fp = Fingerprinter {
            key: key.to_vec(),
            key_id: String::new(),
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
        format!("hmac-sha256:{}", &self.mac(secret)[..24])
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
    key_globs: Vec<Wildcard>,
}

impl Default for SecretPolicy {
    fn default() -> Self {
        SecretPolicy {
            key_globs: DEFAULT_SECRET_KEYS
                .iter()
                .map(|s| Wildcard::new(s))
                .collect(),
        }
    }
}

impl SecretPolicy {
    /// The default globs plus the profile's own.
    pub fn with_extra(extra: &[String]) -> SecretPolicy {
        let mut p = SecretPolicy::default();
        p.key_globs.extend(extra.iter().map(|s| Wildcard::new(s)));
        p
    }

    pub fn is_secret_key(&self, key: &str) -> bool {
        self.key_globs.iter().any(|g| g.matches(key))
    }
}

/// Replaces every secret in `value` by its fingerprint: values of secret keys, passwords
/// inside URLs, and PEM private keys wherever they are.
pub fn redact(value: &mut Value, policy: &SecretPolicy, fp: &Fingerprinter) {
    redact_inner(value, policy, fp);
}

fn redact_inner(value: &mut Value, policy: &SecretPolicy, fp: &Fingerprinter) {
    match value {
        Value::Object(map) => {
            if is_marker(map) {
                return;
            }
            for (k, v) in map.iter_mut() {
                if policy.is_secret_key(k) && is_secret_worthy(v) {
                    *v = surface::secret(fp.fingerprint(&canonical(v)));
                } else {
                    redact_inner(v, policy, fp);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| redact_inner(v, policy, fp)),
        Value::String(s) => {
            if holds_private_key(s) {
                *value = surface::secret(fp.fingerprint(s));
            } else if let Some(clean) = redact_url_password(s, fp) {
                *s = clean;
            }
        }
        _ => {}
    }
}

/// Whether a string holds a PEM private key. Every string of both surfaces passes here;
/// most have no capital `V` at all, and a byte search for it spares them the setup of a
/// substring search.
fn holds_private_key(s: &str) -> bool {
    s.as_bytes().contains(&b'V') && s.contains("PRIVATE KEY-----")
}

fn is_marker(map: &Map<String, Value>) -> bool {
    map.len() == 1
        && (map.contains_key(surface::SECRET_MARKER) || map.contains_key(surface::UNKNOWN_MARKER))
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

/// `scheme://user:password@host/...` → `scheme://user:<hmac-sha256:...>@host/...`.
fn redact_url_password(s: &str, fp: &Fingerprinter) -> Option<String> {
    // No `@`, no credentials: a byte search settles most strings before any parsing.
    if !s.as_bytes().contains(&b'@') {
        return None;
    }
    let scheme_end = s.find("://")?;
    let rest = &s[scheme_end + 3..];
    let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let at = rest[..auth_end].rfind('@')?;
    let colon = rest[..at].find(':')?;
    let password = &rest[colon + 1..at];
    if password.is_empty() || password.starts_with("<hmac-sha256:") {
        return None;
    }
    Some(format!(
        "{}{}:<{}>{}",
        &s[..scheme_end + 3],
        &rest[..colon],
        fp.fingerprint(password),
        &rest[at..]
    ))
}

/// Host tokens: the values of identity settings, substituted by `{NAME}` in every string
/// and key so that the same URL on two hosts compares equal.
#[derive(Debug, Clone, Default)]
pub struct HostTokens {
    /// (value, token), longest value first so that `preview.lms.x.org` is replaced before
    /// `lms.x.org` could match inside it.
    pairs: Vec<(String, String)>,
}

impl HostTokens {
    /// Reads `/settings/<NAME>` for each identity setting the profile names.
    pub fn from_surface(surface: &Value, names: &[String]) -> HostTokens {
        let mut pairs = Vec::new();
        for name in names {
            if let Some(v) = surface
                .get("settings")
                .and_then(|s| s.get(name))
                .and_then(Value::as_str)
            {
                // Very short values ("lms", "") would replace far more than hosts.
                if v.len() >= 4 {
                    pairs.push((v.to_string(), format!("{{{name}}}")));
                }
            }
        }
        pairs.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        pairs.dedup_by(|a, b| a.0 == b.0);
        HostTokens { pairs }
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

    /// The substituted string, or None when nothing matched.
    pub fn substitute(&self, s: &str) -> Option<String> {
        let mut out: Option<String> = None;
        for (host, token) in &self.pairs {
            let cur = out.as_deref().unwrap_or(s);
            // Every string and key passes here; most are shorter than a host name, and
            // the length test spares them the setup of a substring search.
            if cur.len() < host.len() || !cur.contains(host.as_str()) {
                continue;
            }
            let mut result = String::with_capacity(cur.len());
            let mut rest = cur;
            let mut changed = false;
            while let Some(i) = rest.find(host.as_str()) {
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
    fn redaction_is_idempotent() {
        let mut v = json!({"X_PASSWORD": "p", "u": "redis://:pw@h:6379"});
        redact(&mut v, &SecretPolicy::default(), &fp());
        let once = v.clone();
        redact(&mut v, &SecretPolicy::default(), &fp());
        assert_eq!(v, once);
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
}
