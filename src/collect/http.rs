//! HTTP for the sources that read a server over HTTP(S) (`openedx`, `kubernetes`), with
//! one discipline, because they run against production: TLS is always verified (a
//! custom CA may be added, verification can't be turned off); every request has a
//! connect and a total timeout and the source a deadline; idempotent GETs are retried
//! with jittered backoff on connect errors, 429 and 502/503/504, honouring Retry-After;
//! bodies are capped; redirects are followed only within the same host, so that an
//! `Authorization` header never reaches another host. Messages name the URL and never
//! carry a header's value.

use super::SourceError;
use crate::error::Error;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url, redirect};
use serde_json::Value;
use std::path::Path;
use std::time::Duration;
use tokio::time::Instant;

/// The largest response body read; a bigger one is an error, not a truncation.
pub const MAX_BODY: usize = 16 * 1024 * 1024;
/// Total time of one request (connect, send, read the body) unless configured.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// Time to establish a connection unless configured.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts of an idempotent GET (the first one included).
const MAX_ATTEMPTS: u32 = 3;
/// First backoff step; doubled per retry, with jitter.
const BACKOFF_BASE: Duration = Duration::from_millis(250);
/// Same-host redirects followed at most.
const MAX_REDIRECTS: usize = 5;

/// A response, read whole (within [`MAX_BODY`]).
pub struct Reply {
    pub status: StatusCode,
    pub body: Vec<u8>,
}

/// The HTTP client of one source, with its deadline.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    request_timeout: Duration,
    deadline: Instant,
    holder: &'static str,
}

/// How one source's client is set up.
pub struct Options<'a> {
    /// Total time of one request (connect, send, read the body).
    pub request_timeout: Duration,
    /// Time to establish a connection.
    pub connect_timeout: Duration,
    /// PEM file of extra CA certificates to trust; the system's web PKI roots stay
    /// trusted.
    pub ca_bundle: Option<&'a Path>,
    /// Who the credentials are for, in the message about a refused redirect
    /// (`this LMS`, `the API server`).
    pub holder: &'static str,
}

impl Http {
    /// A client for one source: TLS verified against the system's roots plus
    /// `ca_bundle`, its timeouts, same-host redirects, and a deadline a little before
    /// the source's own (`source_timeout`), so that a slow request is reported with its
    /// URL rather than as a bare timeout of the source.
    pub fn new(options: &Options<'_>, source_timeout: Duration) -> Result<Http, SourceError> {
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .user_agent(concat!("envparity/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            .redirect(same_host_redirects());
        if let Some(path) = options.ca_bundle {
            let pem = crate::input::read_bytes(path)?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                Error::invalid(
                    path,
                    format!("ca_bundle is not a PEM certificate bundle: {e}"),
                )
            })?;
            if certs.is_empty() {
                return Err(Error::invalid(path, "ca_bundle holds no PEM certificate").into());
            }
            for c in certs {
                builder = builder.add_root_certificate(c);
            }
        }
        let client = builder
            .build()
            .map_err(|e| SourceError::Failed(format!("cannot set up HTTPS: {}", chain(&e))))?;
        let margin = (source_timeout / 10).min(Duration::from_secs(1));
        Ok(Http {
            client,
            request_timeout: options.request_timeout,
            deadline: after(source_timeout.saturating_sub(margin)),
            holder: options.holder,
        })
    }

    /// A GET, retried when that is safe and useful. `data_on_503`: a 503 with a JSON
    /// body is the answer itself (the heartbeat's failing checks), not an outage.
    pub async fn get(
        &self,
        url: &Url,
        headers: HeaderMap,
        data_on_503: bool,
    ) -> Result<Reply, String> {
        let shown = shown(url);
        let mut attempt = 1;
        loop {
            let sent = self.send(Method::GET, url, headers.clone(), None).await;
            let retry_in = match &sent {
                Err(Failure::Connect(_)) => Some(backoff(attempt)),
                Ok((reply, retry_after)) if reply.status == StatusCode::TOO_MANY_REQUESTS => {
                    Some(retry_after.unwrap_or_else(|| backoff(attempt)))
                }
                Ok((reply, retry_after))
                    if matches!(reply.status.as_u16(), 502..=504)
                        && !(data_on_503
                            && reply.status == StatusCode::SERVICE_UNAVAILABLE
                            && serde_json::from_slice::<Value>(&reply.body)
                                .is_ok_and(|v| v.is_object())) =>
                {
                    // A 503 may say when the service is back (RFC 9110, 10.2.3).
                    Some(retry_after.unwrap_or_else(|| backoff(attempt)))
                }
                _ => None,
            };
            match retry_in {
                Some(wait) if attempt < MAX_ATTEMPTS => {
                    // A server's Retry-After can be anything up to u64::MAX seconds:
                    // checked, and a wait past the deadline is not waited for.
                    if Instant::now()
                        .checked_add(wait)
                        .is_none_or(|t| t >= self.deadline)
                    {
                        let why = match &sent {
                            Ok((r, _)) => status_text(r.status),
                            Err(f) => f.text(),
                        };
                        return Err(format!(
                            "GET {shown}: {why}; retrying in {} would pass the deadline",
                            wait_text(wait)
                        ));
                    }
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                _ => {
                    return match sent {
                        Ok((reply, _)) => Ok(reply),
                        Err(f) => Err(format!("GET {shown}: {}", f.text())),
                    };
                }
            }
        }
    }

    /// One request under the deadline; the body is read whole within the cap.
    pub async fn send(
        &self,
        method: Method,
        url: &Url,
        headers: HeaderMap,
        form: Option<Vec<(&str, String)>>,
    ) -> Result<(Reply, Option<Duration>), Failure> {
        let mut req = self.client.request(method, url.clone()).headers(headers);
        if let Some(form) = form {
            req = req.form(&form);
        }
        let timeout = self.request_timeout;
        let exchange = async {
            let mut resp = req.send().await.map_err(|e| classify(&e, timeout))?;
            let status = resp.status();
            if status.is_redirection() {
                // Only a redirect the policy refused gets here: it leaves the host, or
                // https for plain http.
                let target = resp
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .and_then(|l| url.join(l).ok());
                let to = target
                    .as_ref()
                    .map(|u| format!("{}://{}", u.scheme(), host_setting(u)))
                    .unwrap_or_else(|| "an unreadable location".into());
                let downgrade = resp.url().scheme() == "https"
                    && target.as_ref().is_some_and(|u| u.scheme() != "https");
                return Err(Failure::Other(if downgrade {
                    format!(
                        "redirected from https to http ({to}); not followed, so that credentials never travel unencrypted"
                    )
                } else {
                    format!(
                        "redirected to another host ({to}); not followed, so that credentials stay with {}",
                        self.holder
                    )
                }));
            }
            let retry_after = resp
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(parse_retry_after);
            if resp.content_length().is_some_and(|n| n > MAX_BODY as u64) {
                return Err(Failure::Other(too_big()));
            }
            let mut body = Vec::new();
            while let Some(chunk) = resp.chunk().await.map_err(|e| classify(&e, timeout))? {
                if body.len() + chunk.len() > MAX_BODY {
                    return Err(Failure::Other(too_big()));
                }
                body.extend_from_slice(&chunk);
            }
            Ok((Reply { status, body }, retry_after))
        };
        match tokio::time::timeout_at(self.deadline, exchange).await {
            Ok(r) => r,
            Err(_) => Err(Failure::Other(
                "the source's deadline passed (raise --timeout or timeout_secs in the config)"
                    .into(),
            )),
        }
    }
}

/// A URL for a message: as requested, with a password in it masked.
pub fn shown(url: &Url) -> String {
    let mut url = url.clone();
    if url.password().is_some() {
        let _ = url.set_password(Some("***"));
    }
    url.to_string()
}

/// Why one request failed.
pub enum Failure {
    /// Could not connect: worth a retry.
    Connect(String),
    Other(String),
}

impl Failure {
    pub fn text(&self) -> String {
        match self {
            Failure::Connect(s) => format!("cannot connect: {s}"),
            Failure::Other(s) => s.clone(),
        }
    }
}

fn classify(e: &reqwest::Error, timeout: Duration) -> Failure {
    if e.is_timeout() {
        Failure::Other(format!("timed out after {}s", timeout.as_secs_f64()))
    } else if e.is_connect() {
        Failure::Connect(chain(e))
    } else {
        Failure::Other(chain(e))
    }
}

/// The error and its causes on one line, without the URL (messages add it themselves).
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        let text = match err.downcast_ref::<reqwest::Error>() {
            // reqwest prints its URL; ours is already in the message.
            Some(r) if r.url().is_some() => {
                let s = r.to_string();
                match s.find(" for url (") {
                    Some(i) => s[..i].to_string(),
                    None => s,
                }
            }
            _ => err.to_string(),
        };
        if parts.last().is_none_or(|p| !p.contains(&text)) {
            parts.push(text);
        }
        cur = err.source();
    }
    parts.join(": ")
}

fn too_big() -> String {
    format!(
        "response body larger than {} MiB; not read further",
        MAX_BODY / (1024 * 1024)
    )
}

pub fn status_text(s: StatusCode) -> String {
    match s.canonical_reason() {
        Some(r) => format!("HTTP {} {r}", s.as_u16()),
        None => format!("HTTP {}", s.as_u16()),
    }
}

/// The instant `d` from now; a duration too long for the clock is a day (no deadline here
/// is longer: `--timeout` and `timeout_secs` are at most a day).
pub fn after(d: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(d)
        .or_else(|| now.checked_add(Duration::from_secs(86_400)))
        .unwrap_or(now)
}

/// A wait for a message: `1.5s`, or whole seconds when it is long.
fn wait_text(d: Duration) -> String {
    if d.as_secs() >= 86_400 {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// `Retry-After`: delay-seconds or an HTTP-date.
fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let delta = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

/// Exponential backoff with jitter (between half and one and a half of the step), so
/// that two environments retrying at once do not hit a proxy in lockstep.
fn backoff(attempt: u32) -> Duration {
    let step = BACKOFF_BASE * 2u32.saturating_pow(attempt.saturating_sub(1));
    let r = getrandom::u64().unwrap_or(u64::from(std::process::id()));
    let fraction = 0.5 + (r % 1000) as f64 / 1000.0;
    step.mul_f64(fraction)
}

/// Follows redirects only to the same host and port (and never from https to http):
/// a redirect elsewhere is returned as is and reported, so that the `Authorization`
/// header is never sent to another host.
fn same_host_redirects() -> redirect::Policy {
    redirect::Policy::custom(|attempt| {
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
        }
        let Some(first) = attempt.previous().first() else {
            return attempt.stop();
        };
        let next = attempt.url();
        let same = next.host_str() == first.host_str()
            && next.port_or_known_default() == first.port_or_known_default();
        let downgrade = first.scheme() == "https" && next.scheme() != "https";
        if same && !downgrade {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// `host` or `host:port` of a URL, the value of the LMS_HOST/CMS_HOST settings.
pub fn host_setting(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(
            parse_retry_after("18446744073709551615"),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(
            wait_text(Duration::from_secs(u64::MAX)),
            "18446744073709551615s"
        );
    }

    #[test]
    fn deadlines_past_the_clock_do_not_panic() {
        assert!(after(Duration::MAX) > Instant::now());
    }
}
