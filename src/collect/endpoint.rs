//! What the live-datastore collectors share: reading `scheme://user@host:port` shortcuts
//! without ever accepting a password in them, finding credentials in environment
//! variables, and putting a deadline on every network call.

use crate::error::Error;
use crate::normalize::safe_url;
use std::future::Future;
use std::time::Duration;

/// A datastore address from a command-line shortcut. There is no password field on
/// purpose: a password in argv would be visible in `ps` and shell history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub scheme: String,
    pub user: Option<String>,
    /// `host:port` pairs (MongoDB seed lists have several).
    pub hosts: Vec<(String, u16)>,
    pub path: String,
    /// Query parameters in order, e.g. `replicaSet=rs0`.
    pub query: Vec<(String, String)>,
}

impl Endpoint {
    /// Parses `scheme://[user@]host[:port][,host[:port]...][/path][?k=v&...]`.
    ///
    /// `password_var` names the variable the message points to when the URL carries a
    /// password; the message never repeats the password itself.
    pub fn parse(src: &str, default_port: u16, password_var: &str) -> Result<Endpoint, Error> {
        let shown = safe_url(src);
        let (scheme, rest) = src
            .split_once("://")
            .ok_or_else(|| Error::Usage(format!("source `{shown}`: expected scheme://host")))?;
        // The userinfo runs to the last `@` a host follows, as the redactor reads it: a
        // password holding `/`, `?` or `#` is refused whole, never taken for a host.
        let (userinfo, after) = match crate::normalize::url_userinfo(src) {
            Some(r) => (Some(&src[r.clone()]), &src[r.end + 1..]),
            None => (None, rest),
        };
        let (hostlist, tail) = match after.find(['/', '?']) {
            Some(i) => (&after[..i], &after[i..]),
            None => (after, ""),
        };
        let user = match userinfo {
            Some(u) if u.contains(':') => {
                return Err(Error::Usage(format!(
                    "source `{shown}`: a password in the URL is refused (it would show in \
                     the process list and shell history); set {password_var} instead"
                )));
            }
            Some("") | None => None,
            Some(u) => Some(percent_decode(u)),
        };
        let mut hosts = Vec::new();
        for h in hostlist.split(',') {
            hosts.push(parse_host_port(h, default_port).ok_or_else(|| {
                Error::Usage(format!("source `{shown}`: `{h}` is not HOST or HOST:PORT"))
            })?);
        }
        let (path, query) = match tail.split_once('?') {
            Some((p, q)) => (p, q),
            None => (tail, ""),
        };
        let query = query
            .split('&')
            .filter(|kv| !kv.is_empty())
            .map(|kv| match kv.split_once('=') {
                Some((k, v)) => (k.to_string(), percent_decode(v)),
                None => (kv.to_string(), String::new()),
            })
            .collect();
        Ok(Endpoint {
            scheme: scheme.to_ascii_lowercase(),
            user,
            hosts,
            path: path.to_string(),
            query,
        })
    }

    /// The first value of a query parameter.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }
}

fn parse_host_port(s: &str, default_port: u16) -> Option<(String, u16)> {
    if s.is_empty() {
        return None;
    }
    // [v6]:port
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None if after.is_empty() => default_port,
            None => return None,
        };
        return Some((host.to_string(), port));
    }
    match s.rsplit_once(':') {
        Some((h, p)) if !h.is_empty() => Some((h.to_string(), p.parse().ok()?)),
        Some(_) => None,
        None => Some((s.to_string(), default_port)),
    }
}

/// `%XX` escapes decoded (invalid UTF-8 replaced, a stray `%` kept).
fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// `ENVPARITY_<ENV>_<NAME>`: the variable a shortcut's credential is read from, with the
/// environment name upper-cased and anything not alphanumeric turned into `_`.
pub fn env_var_name(environment: &str, name: &str) -> String {
    let env: String = environment
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("ENVPARITY_{env}_{name}")
}

/// The first of `names` that is set and not empty, as (variable, value).
pub fn first_set(names: &[String]) -> Option<(String, String)> {
    names.iter().find_map(|n| match std::env::var(n) {
        Ok(v) if !v.is_empty() => Some((n.clone(), v)),
        _ => None,
    })
}

/// A credential named in the config: the variable must be set, since a configured
/// credential that silently goes missing would turn into a confusing "access denied".
pub fn required_var(source: &str, key: &str, name: &str) -> Result<String, Error> {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => Ok(v),
        _ => Err(Error::Usage(format!(
            "{source}: {key} names {}, which is not set",
            var_display(name)
        ))),
    }
}

/// The longest environment-variable name a `*_env` key accepts.
pub const MAX_VAR_NAME: usize = 128;

/// Checks a `*_env` config value: it must be an environment-variable *name*
/// (`^[A-Za-z_][A-Za-z0-9_]*$`, at most [`MAX_VAR_NAME`] characters). The message never
/// repeats the value, since what was pasted there may be the credential itself.
pub fn check_var_name(key: &str, value: &str) -> Result<(), String> {
    let mut chars = value.chars();
    let valid = value.len() <= MAX_VAR_NAME
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(format!(
            "{key} must name an environment variable (letters, digits and _, not starting \
             with a digit, at most {MAX_VAR_NAME} characters, e.g. STAGING_LMS_CLIENT_SECRET); \
             the value given is not one, and is not repeated here in case it is the \
             credential itself"
        ))
    }
}

/// A variable name as a message shows it: itself when it has the usual shape of one
/// (upper case, digits and `_`); otherwise described, since a value that merely passes
/// for a name may be a credential pasted in its place.
pub fn var_display(name: &str) -> String {
    let conventional = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_');
    if conventional {
        format!("the environment variable {name}")
    } else {
        "an environment variable (name not shown: it is not UPPER_CASE, and could be a \
         credential pasted in place of a name)"
            .to_string()
    }
}

/// Runs one network call under a deadline, so a server that accepts and never answers
/// makes the call fail with a message instead of hanging the whole run.
pub async fn within<T, E: std::fmt::Display>(
    deadline: Duration,
    what: &str,
    call: impl Future<Output = Result<T, E>>,
) -> Result<T, String> {
    match tokio::time::timeout(deadline, call).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(format!(
            "{what}: {}",
            crate::error::one_line(&e.to_string())
        )),
        Err(_) => Err(format!(
            "{what}: no answer within {}s",
            deadline.as_secs_f64()
        )),
    }
}

/// The deadline of one call: a little under the source's own, so the call's message
/// (which says what was being done) wins over the generic "source timed out".
pub fn call_deadline(source_timeout: Duration) -> Duration {
    source_timeout.mul_f64(0.8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_in_url_is_refused_without_repeating_it() {
        for (src, pw) in [
            ("mysql://root:hunter2@db:3306", "hunter2"),
            ("mysql://root:pa/ss@127.0.0.1:1", "pa/ss"),
            ("mysql://root:p?w#d@db.x.org", "p?w#d"),
            ("redis://:s3cr@t@cache:6379", "s3cr@t"),
        ] {
            let e = Endpoint::parse(src, 3306, "MYSQL_PWD").unwrap_err();
            let msg = e.to_string();
            assert!(msg.contains("MYSQL_PWD"), "{msg}");
            assert!(msg.contains("refused"), "{msg}");
            assert!(!msg.contains(pw), "{msg}");
        }
    }

    #[test]
    fn var_names_are_checked_and_never_repeated() {
        assert!(check_var_name("password_env", "PROD_MYSQL_PASSWORD").is_ok());
        assert!(check_var_name("password_env", "_x1").is_ok());
        for bad in ["", "1ABC", "s3cr3t-value", "a b", "x=y", &"A".repeat(129)] {
            let msg = check_var_name("password_env", bad).unwrap_err();
            assert!(msg.contains("password_env"), "{msg}");
            assert!(bad.is_empty() || !msg.contains(bad), "{msg}");
        }
        assert!(var_display("PROD_TOKEN").contains("PROD_TOKEN"));
        assert!(!var_display("sk_live_abcdef123456").contains("sk_live"));
    }

    #[test]
    fn mongodb_seed_list_and_replica_set_are_read() {
        let e = Endpoint::parse(
            "mongodb://m1.example.org,m2.example.org:27018/?replicaSet=rs0",
            27017,
            "X",
        )
        .unwrap();
        assert_eq!(
            e.hosts,
            vec![
                ("m1.example.org".to_string(), 27017),
                ("m2.example.org".to_string(), 27018)
            ]
        );
        assert_eq!(e.param("replicaset"), Some("rs0"));
    }

    #[test]
    fn user_and_default_port_are_read() {
        let e = Endpoint::parse("mysql://envparity@10.0.0.5", 3306, "X").unwrap();
        assert_eq!(e.user.as_deref(), Some("envparity"));
        assert_eq!(e.hosts, vec![("10.0.0.5".to_string(), 3306)]);
    }

    #[test]
    fn percent_escapes_in_user_and_query_are_decoded() {
        let e = Endpoint::parse(
            "mongodb://ops%2Bro@a:1,b/?replicaSet=rs%2F0&x=%zz",
            27017,
            "X",
        )
        .unwrap();
        assert_eq!(e.user.as_deref(), Some("ops+ro"));
        assert_eq!(e.hosts, [("a".to_string(), 1), ("b".to_string(), 27017)]);
        assert_eq!(e.param("replicaSet"), Some("rs/0"));
        assert_eq!(e.param("x"), Some("%zz"));
    }

    #[test]
    fn bad_port_is_a_usage_error() {
        assert!(Endpoint::parse("redis://cache:notaport", 6379, "X").is_err());
    }

    #[test]
    fn env_var_name_is_upper_snake() {
        assert_eq!(
            env_var_name("pre-prod", "MONGODB_PASSWORD"),
            "ENVPARITY_PRE_PROD_MONGODB_PASSWORD"
        );
    }
}
