//! The `edge` source: what a public host serves to a browser, as served.
//!
//! Settings say what an instance *means* to send; the edge (Caddy, an ingress, a load
//! balancer, a CDN) decides what a learner's browser gets. One TLS handshake and one
//! `GET /` per host say which TLS version is negotiated, which certificate is served (its
//! issuer, its expiry, whether the web PKI or the configured CA trusts it), which security
//! headers come back (HSTS, X-Frame-Options, Content-Security-Policy, Referrer-Policy,
//! X-Content-Type-Options) and with which flags cookies are set; one plain `GET /` on the
//! HTTP port says whether it redirects to HTTPS.
//!
//! Each host lands at `/edge/<name>`, `name` being the role (`lms`, `cms`, `apps`): the
//! hostnames differ between environments, the roles do not. An untrusted certificate is a
//! fact to report, not a reason to stop: the handshake completes, the verdict of the
//! verifier is recorded, and nothing is sent but an anonymous `GET /` with no credential.
//!
//! Discipline: connect and read deadlines on every step, at most [`MAX_HEAD`] bytes of
//! response head read (the body is never read), no redirect followed.

use super::{Collected, Collector, Context, SourceError};
use crate::error::Error;
use crate::normalize::safe_url;
use crate::surface;
use reqwest::Url;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime, pem::PemObject};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// The most of a response head read; a longer head is an error.
pub const MAX_HEAD: usize = 64 * 1024;
/// A certificate that expires sooner than this is its own finding.
pub const EXPIRY_WARNING_DAYS: i64 = 14;
/// The response headers read, by their lower-case names.
pub const SECURITY_HEADERS: [&str; 4] = [
    "x-frame-options",
    "content-security-policy",
    "referrer-policy",
    "x-content-type-options",
];

/// One public host, as written in the config file (`[[staging.edge]]`) or as
/// `edge:https://HOST` on the command line; or the public hosts of a Tutor root.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `https://HOST[:PORT]` of the host as learners reach it.
    #[serde(default)]
    pub url: String,
    /// Instead of `url`: every public host of this Tutor root (`LMS_HOST` as `lms`,
    /// `CMS_HOST` as `cms`, `MFE_HOST` as `apps` with the mfe plugin).
    #[serde(default)]
    pub tutor: Option<PathBuf>,
    /// With `tutor`: the HTTPS port of the hosts (default 443).
    #[serde(default)]
    pub port: Option<u16>,
    /// With `tutor`: the plain-HTTP port asked for the redirect (default 80).
    #[serde(default)]
    pub http_port: Option<u16>,
    /// The host's role, the key it is compared by (default: the host's first label).
    #[serde(default)]
    pub name: Option<String>,
    /// Connect to this address instead of resolving the host (as `curl --resolve`):
    /// probe one load balancer, or a host not yet in DNS. The TLS server name and the
    /// `Host` header stay the URL's host.
    #[serde(default)]
    pub resolve: Option<String>,
    /// Where to ask for the HTTP → HTTPS redirect (default `http://HOST` on port 80).
    #[serde(default)]
    pub http_url: Option<String>,
    /// PEM file of extra CA certificates to trust (a private CA) besides the web PKI.
    #[serde(default)]
    pub ca_bundle: Option<PathBuf>,
}

impl Collector for Config {
    const KIND: &'static str = "edge";

    /// `edge:https://HOST` on the command line.
    fn from_shortcut(src: &str) -> Option<Result<Config, Error>> {
        let url = src.strip_prefix("edge:")?;
        let c = Config {
            url: url.to_string(),
            ..Config::default()
        };
        Some(c.check().map(|_| c))
    }

    fn resolve_paths(&mut self, resolve: &dyn Fn(&Path) -> PathBuf) {
        super::resolve_path(&mut self.ca_bundle, resolve);
        super::resolve_path(&mut self.tutor, resolve);
    }

    fn validate(&self) -> Result<(), String> {
        self.check().map_err(|e| e.to_string())
    }

    fn origin(&self) -> String {
        match &self.tutor {
            Some(root) => format!("the public hosts of {}", root.display()),
            None => safe_url(&self.url),
        }
    }

    fn covers(&self) -> Vec<String> {
        match &self.tutor {
            Some(_) => vec!["/edge".into()],
            None => vec![format!("/edge/{}", surface::escape_segment(&self.name()))],
        }
    }

    async fn collect(&self, ctx: &Context) -> Result<Collected, SourceError> {
        match &self.tutor {
            Some(root) => collect_tutor_hosts(self, root, ctx).await,
            None => collect(self, ctx).await,
        }
    }
}

impl Config {
    /// The URL is an `https://` URL with a host and nothing else (no credential, path or
    /// query: the probe is one anonymous `GET /`).
    pub fn check(&self) -> Result<(), Error> {
        let bad = |why: &str| Error::Usage(format!("edge source `{}`: {why}", self.origin()));
        if self.tutor.is_some() {
            return match (self.url.is_empty(), &self.name, &self.http_url) {
                (false, _, _) => Err(bad("give `url` or `tutor`, not both")),
                (_, Some(_), _) => Err(bad("`name` is for one `url`; a Tutor root's hosts are named lms, cms and apps")),
                (_, _, Some(_)) => Err(bad("`http_url` is for one `url`; with `tutor` say `http_port`")),
                _ => Ok(()),
            };
        }
        if self.port.is_some() || self.http_port.is_some() {
            return Err(bad("`port` and `http_port` are for `tutor`; a `url` carries its own port"));
        }
        if self.url.is_empty() {
            return Err(bad("give `url` (https://HOST) or `tutor` (a Tutor root)"));
        }
        let url = Url::parse(&self.url).map_err(|e| bad(&format!("not a URL ({e})")))?;
        if url.scheme() != "https" {
            return Err(bad("the URL must start with https://"));
        }
        if url.host_str().is_none() {
            return Err(bad("the URL names no host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("the URL must not carry a user or password"));
        }
        if let Some(h) = &self.http_url {
            let u = Url::parse(h).map_err(|e| bad(&format!("http_url is not a URL ({e})")))?;
            if u.scheme() != "http" || u.host_str().is_none() {
                return Err(bad("http_url must be an http:// URL with a host"));
            }
        }
        if let Some(name) = &self.name
            && (name.is_empty() || name.contains('/'))
        {
            return Err(bad("name must be a non-empty word without `/`"));
        }
        Ok(())
    }

    fn url(&self) -> Result<Url, Error> {
        self.check()?;
        Url::parse(&self.url).map_err(|e| Error::Usage(e.to_string()))
    }

    /// The role the host is compared by.
    pub fn name(&self) -> String {
        if let Some(n) = &self.name {
            return n.clone();
        }
        let host = Url::parse(&self.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        host.split('.').next().unwrap_or("edge").to_string()
    }

}

/// What the certificate verifier said, kept for the report.
#[derive(Debug)]
struct Recording {
    inner: Arc<WebPkiServerVerifier>,
    verdict: Mutex<Option<Result<(), String>>>,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict = self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
            .map(|_| ())
            .map_err(|e| e.to_string());
        *self.verdict.lock().expect("verdict lock") = Some(verdict);
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

fn verifier(config: &Config) -> Result<Arc<Recording>, SourceError> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(path) = &config.ca_bundle {
        let pem = crate::input::read_bytes(path)?;
        let mut added = 0;
        for cert in CertificateDer::pem_slice_iter(&pem) {
            let cert = cert.map_err(|e| {
                Error::invalid(
                    path,
                    format!("ca_bundle is not a PEM certificate bundle: {e}"),
                )
            })?;
            roots.add(cert).map_err(|e| {
                Error::invalid(
                    path,
                    format!("ca_bundle holds an unusable certificate: {e}"),
                )
            })?;
            added += 1;
        }
        if added == 0 {
            return Err(Error::invalid(path, "ca_bundle holds no PEM certificate").into());
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map_err(|e| SourceError::Failed(format!("{}: {e}", config.origin())))?;
    Ok(Arc::new(Recording {
        inner,
        verdict: Mutex::new(None),
    }))
}

/// One step under a deadline, its failure named after the step.
async fn step<T, E: std::fmt::Display>(
    origin: &str,
    what: &str,
    limit: Duration,
    fut: impl Future<Output = Result<T, E>>,
) -> Result<T, String> {
    match tokio::time::timeout(limit, fut).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(format!(
            "{origin}: {what}: {}",
            crate::error::one_line(&e.to_string())
        )),
        Err(_) => Err(format!("{origin}: {what}: no answer in {limit:?}")),
    }
}

async fn connect(host: &str, port: u16, resolve: Option<&str>) -> std::io::Result<TcpStream> {
    match resolve {
        Some(addr) => TcpStream::connect((addr, port)).await,
        None => TcpStream::connect((host, port)).await,
    }
}

/// A response head: status and headers (names lower-case, in order, repeated ones kept).
#[derive(Debug)]
struct Head {
    status: u16,
    headers: Vec<(String, String)>,
}

impl Head {
    fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends an anonymous `GET /` and reads the response head (never the body).
async fn get_head<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    host_header: &str,
) -> Result<Head, String> {
    let request = format!(
        "GET / HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: envparity/{}\r\nAccept: text/html\r\nConnection: close\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    );
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 128];
        let mut response = httparse::Response::new(&mut headers);
        match response.parse(&buf) {
            Ok(httparse::Status::Complete(_)) => {
                return Ok(Head {
                    status: response.code.unwrap_or(0),
                    headers: response
                        .headers
                        .iter()
                        .map(|h| {
                            (
                                h.name.to_ascii_lowercase(),
                                String::from_utf8_lossy(h.value).trim().to_string(),
                            )
                        })
                        .collect(),
                });
            }
            Ok(httparse::Status::Partial) => {}
            Err(e) => return Err(format!("not an HTTP response ({e})")),
        }
        if buf.len() >= MAX_HEAD {
            return Err(format!("response head longer than {MAX_HEAD} bytes"));
        }
        let n = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("the connection closed before a whole response head".into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// `max-age=31536000; includeSubDomains; preload` as its parts.
fn hsts(value: &str) -> Value {
    let mut max_age = Value::Null;
    let (mut subdomains, mut preload) = (false, false);
    for part in value.split(';').map(str::trim) {
        let lower = part.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("max-age=") {
            max_age = v
                .trim_matches('"')
                .parse::<u64>()
                .map(Value::from)
                .unwrap_or(Value::Null);
        } else if lower == "includesubdomains" {
            subdomains = true;
        } else if lower == "preload" {
            preload = true;
        }
    }
    json!({"max_age": max_age, "include_subdomains": subdomains, "preload": preload})
}

/// `name=value; Path=/; Secure; HttpOnly; SameSite=Lax` as the cookie's flags (the value
/// is never kept: it may be a session).
fn cookie(value: &str) -> Option<(String, Value)> {
    let mut parts = value.split(';').map(str::trim);
    let name = parts.next()?.split_once('=')?.0.trim().to_string();
    if name.is_empty() {
        return None;
    }
    let (mut secure, mut httponly, mut samesite) = (false, false, Value::Null);
    for p in parts {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        match k.trim().to_ascii_lowercase().as_str() {
            "secure" => secure = true,
            "httponly" => httponly = true,
            "samesite" => samesite = Value::from(v.trim().to_ascii_lowercase()),
            _ => {}
        }
    }
    Some((
        name,
        json!({"secure": secure, "httponly": httponly, "samesite": samesite}),
    ))
}

/// Issuer, expiry and the verifier's verdict on the served certificate.
fn certificate(der: &CertificateDer<'_>, verdict: Option<&Result<(), String>>) -> Value {
    let trusted = matches!(verdict, Some(Ok(())));
    match x509_parser::parse_x509_certificate(der.as_ref()) {
        Ok((_, cert)) => {
            let not_after = cert.validity().not_after.timestamp();
            let now = chrono::Utc::now().timestamp();
            let expires = chrono::DateTime::from_timestamp(not_after, 0)
                .map(|t| t.format("%Y-%m-%d").to_string())
                .map_or(Value::Null, Value::from);
            json!({
                "issuer": cert.issuer().to_string(),
                "not_after": expires,
                "valid_14_days": not_after - now >= EXPIRY_WARNING_DAYS * 86_400,
                "trusted": trusted,
            })
        }
        Err(e) => surface::unknown(format!("the served certificate cannot be read: {e}")),
    }
}

/// Probes every public host of a Tutor root, concurrently: one that cannot be reached is
/// `unknown` at its own `/edge/<role>`, the others are still read.
async fn collect_tutor_hosts(
    config: &Config,
    root: &Path,
    ctx: &Context,
) -> Result<Collected, SourceError> {
    let root = root.to_path_buf();
    let hosts = tokio::task::spawn_blocking(move || super::tutor::public_hosts(&root))
        .await
        .map_err(|e| SourceError::Failed(super::crashed("edge", e)))??;
    let mut out = Collected {
        surface: json!({"edge": {}}),
        covers: config.covers(),
        ..Collected::default()
    };
    if !hosts.https {
        out.notes.push(format!(
            "{}: ENABLE_HTTPS is false, yet its hosts are probed over HTTPS (a proxy in front may serve it)",
            config.origin()
        ));
    }
    let probes = hosts.hosts.iter().map(|(role, host)| {
        let one = Config {
            url: match config.port {
                Some(p) => format!("https://{host}:{p}"),
                None => format!("https://{host}"),
            },
            name: Some(role.clone()),
            resolve: config.resolve.clone(),
            http_url: config.http_port.map(|p| format!("http://{host}:{p}")),
            ca_bundle: config.ca_bundle.clone(),
            ..Config::default()
        };
        async move { (role, collect(&one, ctx).await) }
    });
    for (role, got) in futures_util::future::join_all(probes).await {
        let pointer = format!("/edge/{}", surface::escape_segment(role));
        match got {
            Ok(c) => {
                if let Some(node) = c.surface.pointer(&pointer) {
                    surface::set_pointer(&mut out.surface, &pointer, node.clone());
                }
                out.notes.extend(c.notes);
            }
            Err(SourceError::Failed(why)) => {
                surface::set_pointer(&mut out.surface, &pointer, surface::unknown(why));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Handshakes, asks for `/`, and asks the HTTP port for the redirect; writes `/edge/<name>`.
async fn collect(config: &Config, ctx: &Context) -> Result<Collected, SourceError> {
    let url = config.url()?;
    let origin = config.origin();
    let host = url
        .host_str()
        .expect("validated: the URL has a host")
        .to_string();
    let port = url.port_or_known_default().unwrap_or(443);
    let limit = ctx.timeout.min(Duration::from_secs(20));
    let verifier = verifier(config)?;
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| SourceError::Failed(format!("{origin}: {e}")))?
    .dangerous()
    .with_custom_certificate_verifier(verifier.clone())
    .with_no_client_auth();
    let server_name = ServerName::try_from(host.clone())
        .map_err(|e| Error::Usage(format!("edge source `{origin}`: {e}")))?;
    let tcp = step(
        &origin,
        "connect",
        limit,
        connect(&host, port, config.resolve.as_deref()),
    )
    .await
    .map_err(SourceError::Failed)?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(tls));
    let mut stream = step(
        &origin,
        "TLS handshake",
        limit,
        connector.connect(server_name, tcp),
    )
    .await
    .map_err(SourceError::Failed)?;
    let (version, served) = {
        let (_, conn) = stream.get_ref();
        let version = match conn.protocol_version() {
            Some(rustls::ProtocolVersion::TLSv1_3) => "1.3",
            Some(rustls::ProtocolVersion::TLSv1_2) => "1.2",
            _ => "other",
        };
        let served = conn
            .peer_certificates()
            .and_then(|c| c.first())
            .map(|c| c.clone().into_owned());
        (version, served)
    };
    let verdict = verifier.verdict.lock().expect("verdict lock").take();
    let host_header = match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.clone(),
    };
    let head = step(&origin, "GET /", limit, get_head(&mut stream, &host_header))
        .await
        .map_err(SourceError::Failed)?;

    let mut node = Map::new();
    node.insert("host".into(), Value::from(host.clone()));
    node.insert("tls_version".into(), Value::from(version));
    node.insert(
        "certificate".into(),
        served.as_ref().map_or_else(
            || surface::unknown("the server sent no certificate"),
            |c| certificate(c, verdict.as_ref()),
        ),
    );
    if let Some(v) = head.get("strict-transport-security") {
        node.insert("hsts".into(), hsts(v));
    }
    let mut headers = Map::new();
    for name in SECURITY_HEADERS {
        if let Some(v) = head.get(name) {
            headers.insert(name.into(), Value::from(v));
        }
    }
    node.insert("headers".into(), Value::Object(headers));
    let mut cookies = Map::new();
    for (_, v) in head.headers.iter().filter(|(n, _)| n == "set-cookie") {
        if let Some((name, flags)) = cookie(v) {
            cookies.insert(name, flags);
        }
    }
    node.insert("cookies".into(), Value::Object(cookies));
    node.insert(
        "https_redirect".into(),
        https_redirect(config, &host, limit).await,
    );
    let mut notes = Vec::new();
    if let Some(Err(why)) = &verdict {
        notes.push(format!(
            "{origin}: the served certificate is not trusted ({})",
            crate::error::one_line(why)
        ));
    }
    if head.status >= 400 {
        notes.push(format!("{origin}: GET / answered {}", head.status));
    }
    // Said whatever the other environment's certificate does: two certificates expiring
    // together are no difference, and still a renewal to make.
    if let Some(cert) = node.get("certificate")
        && cert.get("valid_14_days") == Some(&Value::Bool(false))
    {
        notes.push(format!(
            "{origin}: the served certificate expires on {} (within {EXPIRY_WARNING_DAYS} days)",
            cert.get("not_after").and_then(Value::as_str).unwrap_or("an unreadable date")
        ));
    }
    let mut edge = Map::new();
    edge.insert(config.name(), Value::Object(node));
    Ok(Collected {
        surface: json!({ "edge": edge }),
        covers: config.covers(),
        notes,
        ..Collected::default()
    })
}

/// Does plain HTTP answer `/` with a redirect to `https://`? A refused connection is a
/// no (nothing listens there); a timeout or garbage is unknown.
async fn https_redirect(config: &Config, host: &str, limit: Duration) -> Value {
    let (h, p) = match config.http_url.as_deref().map(Url::parse) {
        Some(Ok(u)) => (
            u.host_str().unwrap_or(host).to_string(),
            u.port_or_known_default().unwrap_or(80),
        ),
        _ => (host.to_string(), 80),
    };
    let shown = format!("http://{h}:{p}/");
    let connected = match tokio::time::timeout(limit, connect(&h, p, config.resolve.as_deref())).await {
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            return Value::Bool(false);
        }
        Ok(r) => r.map_err(|e| format!("{shown}: connect: {e}")),
        Err(_) => Err(format!("{shown}: connect: no answer in {limit:?}")),
    };
    let mut tcp = match connected {
        Ok(tcp) => tcp,
        Err(why) => return surface::unknown(why),
    };
    let host_header = if p == 80 {
        host.to_string()
    } else {
        format!("{host}:{p}")
    };
    match step(&shown, "GET /", limit, get_head(&mut tcp, &host_header)).await {
        Ok(head) => Value::Bool(
            (300..400).contains(&head.status)
                && head
                    .get("location")
                    .is_some_and(|l| l.to_ascii_lowercase().starts_with("https://")),
        ),
        Err(why) => surface::unknown(why),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hsts_parts() {
        assert_eq!(
            hsts("max-age=31536000; includeSubDomains; preload"),
            json!({"max_age": 31536000, "include_subdomains": true, "preload": true})
        );
        assert_eq!(
            hsts("max-age=\"600\""),
            json!({"max_age": 600, "include_subdomains": false, "preload": false})
        );
    }

    #[test]
    fn cookie_flags_never_keep_the_value() {
        let (name, flags) =
            cookie("sessionid=s3cr3t-value; Path=/; Secure; HttpOnly; SameSite=None")
                .expect("a cookie");
        assert_eq!(name, "sessionid");
        assert_eq!(
            flags,
            json!({"secure": true, "httponly": true, "samesite": "none"})
        );
        assert!(!flags.to_string().contains("s3cr3t"));
        assert!(cookie("garbage").is_none());
    }

    #[test]
    fn urls_are_checked_before_anything_is_sent() {
        for (url, why) in [
            ("http://lms.example.org", "https://"),
            ("https://user:pw@lms.example.org", "user or password"),
            ("lms.example.org", "not a URL"),
        ] {
            let e = Config::from_shortcut(&format!("edge:{url}"))
                .expect("an edge shortcut")
                .expect_err(url)
                .to_string();
            assert!(e.contains(why), "{e}");
            assert!(!e.contains("pw@"), "{e}");
        }
        let c = Config::from_shortcut("edge:https://lms.staging.example.org:8443")
            .expect("edge")
            .expect("valid");
        assert_eq!(c.name(), "lms");
        assert_eq!(c.covers(), vec!["/edge/lms".to_string()]);
        assert!(Config::from_shortcut("https://lms.example.org").is_none());
    }
}
