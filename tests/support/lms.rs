//! A loopback stand-in for an Open edX LMS, serving the endpoints envparity reads in the
//! exact shapes edx-platform produces them:
//!
//! - `/heartbeat?extended`: `openedx/core/djangoapps/heartbeat/views.py` — a JSON object
//!   `{check: {"status": bool, "message": str}}`, 200 when all pass, else 503.
//! - `/api/mfe_context`: `openedx/core/djangoapps/user_authn/api/views.py` and
//!   `user_authn/views/utils.py` (`third_party_auth_context`, `get_mfe_context`) — the
//!   `contextData` shape of current releases or the flat shape of older ones; hidden
//!   providers appear only when named by `?tpa_hint=`.
//! - `/api/mfe_config/v1`: `lms/djangoapps/mfe_config_api/views.py` — a flat object, or
//!   `HttpResponseNotFound` (empty 404) when `ENABLE_MFE_CONFIG_API` is off.
//! - `/oauth2/access_token`: `oauth_dispatch/views.py` `AccessTokenView` — with
//!   `token_type=jwt`, `{"access_token", "expires_in", "token_type": "JWT", "scope"}`;
//!   django-oauth-toolkit's `{"error": "invalid_client"}` with 401 otherwise.
//! - `/api/toggles/v0/state/`: `waffle_utils/views.py` `ToggleStateView` — JWT auth,
//!   `IsStaff` (DRF's 403 detail for others), lists sorted by name.
//! - `/auth/saml/metadata.xml`: 200 XML when SAML is configured, else 404.
//!
//! Shared by the integration tests and the collection benchmark (examples/lms_server.rs).

#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::Response;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How one LMS behaves.
#[derive(Clone, Debug)]
pub struct Lms {
    pub client_id: String,
    pub client_secret: String,
    /// The JWT handed out for good client credentials.
    pub token: String,
    /// Whether the service user behind the client is staff.
    pub staff: bool,
    /// `contextData` shape (current releases) or flat (older ones).
    pub nested_context: bool,
    pub providers: Vec<Value>,
    pub secondary_providers: Vec<Value>,
    /// Enabled but not visible: listed only when named by `tpa_hint`.
    pub hidden_providers: Vec<Value>,
    /// `FEATURES['ENABLE_THIRD_PARTY_AUTH']`: with it off, no provider is listed.
    pub third_party_auth: bool,
    /// Check name → passes.
    pub heartbeat: Vec<(&'static str, bool)>,
    /// None: the MFE config API is off (404).
    pub mfe_config: Option<Value>,
    pub saml: bool,
    /// SAML configured but its service provider cannot make metadata (the view's 500).
    pub saml_broken: bool,
    /// MFE name → its `MFE_CONFIG_OVERRIDES` (merged over the common config for `?mfe=`).
    pub mfe_overrides: BTreeMap<&'static str, Value>,
    /// Flag name → `everyone` ("yes", "no", "unknown"; None: defined in code only).
    pub waffle_flags: Vec<(&'static str, Option<&'static str>)>,
    /// Switch name → active (None: defined in code only).
    pub waffle_switches: Vec<(&'static str, Option<bool>)>,
    /// Setting name as the report spells it → value.
    pub django_settings: Vec<(&'static str, bool)>,
    /// Delay before every response.
    pub delay: Duration,
    /// Per-path extra behaviour.
    pub quirks: BTreeMap<&'static str, Quirk>,
}

/// Something an endpoint does instead of, or before, its normal answer.
#[derive(Clone, Debug)]
pub enum Quirk {
    /// Sleep this long first.
    Slow(Duration),
    /// The first `n` requests get 429 with `Retry-After: secs`.
    RateLimited { n: usize, retry_after_secs: u64 },
    /// The first `n` requests get a bare 502 from the proxy.
    BadGateway { n: usize },
    /// A body of this many bytes.
    Oversize(usize),
    /// This text, served as JSON.
    Malformed(&'static str),
    /// A 302 to this absolute URL.
    RedirectTo(String),
    /// A 302 to the same host, port and path over plain `http://` (a proxy that drops
    /// TLS), built from the request's `Host` header.
    RedirectToPlainHttp,
}

impl Default for Lms {
    fn default() -> Lms {
        Lms {
            client_id: "envparity-client".into(),
            client_secret: "s3cr3t-client-secret-XYZ".into(),
            token: "eyJhbGciOiJSUzUxMiJ9.eyJzdWIiOiJ0b2tlbi1wYXlsb2FkIn0.c2lnbmF0dXJlLXRva2Vu"
                .into(),
            staff: true,
            nested_context: true,
            providers: vec![provider("oa2-google-oauth2", "Google")],
            secondary_providers: Vec::new(),
            hidden_providers: Vec::new(),
            third_party_auth: true,
            heartbeat: vec![("modulestore", true), ("sql", true), ("celery", true)],
            mfe_config: Some(json!({
                "ENABLE_COURSE_SORTING_BY_START_DATE": true,
                "HOMEPAGE_PROMO_VIDEO_YOUTUBE_ID": null,
                "HOMEPAGE_COURSE_MAX": null,
                "COURSE_ABOUT_TWITTER_ACCOUNT": "@YourPlatformTwitterAccount",
                "NON_BROWSABLE_COURSES": false,
                "ENABLE_COURSE_DISCOVERY": false,
                "ENABLE_ACCOUNT_DELETION": true
            })),
            saml: false,
            saml_broken: false,
            mfe_overrides: BTreeMap::new(),
            waffle_flags: vec![("course_experience.relative_dates", Some("yes"))],
            waffle_switches: vec![("student.courseenrollment_admin", Some(true))],
            django_settings: vec![
                ("FEATURES['ENABLE_THIRD_PARTY_AUTH']", true),
                ("HTTPS", true),
            ],
            delay: Duration::ZERO,
            quirks: BTreeMap::new(),
        }
    }
}

/// A provider as `third_party_auth_context` lists it (`iconClass` etc. as in the
/// edx-platform test suite).
pub fn provider(id: &str, name: &str) -> Value {
    let backend = id.split_once('-').map_or(id, |(_, b)| b);
    json!({
        "id": id,
        "name": name,
        "iconClass": "fa-sign-in",
        "iconImage": null,
        "skipHintedLogin": false,
        "skipRegistrationForm": false,
        "loginUrl": format!("/auth/login/{backend}/?auth_entry=login&next=%2Fdashboard"),
        "registerUrl": format!("/auth/login/{backend}/?auth_entry=register&next=%2Fdashboard"),
    })
}

/// What the server saw.
#[derive(Debug, Default)]
pub struct Seen {
    /// Path → number of requests.
    pub hits: BTreeMap<String, usize>,
    /// Every Authorization header received, by path.
    pub authorization: Vec<(String, String)>,
    /// Every User-Agent received.
    pub user_agents: Vec<String>,
}

/// A running stand-in LMS.
pub struct Server {
    pub addr: SocketAddr,
    pub seen: Arc<Mutex<Seen>>,
}

impl Server {
    /// Starts `lms` on a loopback port, in a thread of its own (so that a blocking test
    /// can run the CLI against it).
    pub fn start(lms: Lms) -> Server {
        Server::start_with(lms, |listener| listener)
    }

    /// Starts `lms` like [`Server::start`], accepting connections through what `wrap`
    /// makes of the bound loopback listener (e.g. a TLS acceptor).
    pub fn start_with<L, F>(lms: Lms, wrap: F) -> Server
    where
        F: FnOnce(tokio::net::TcpListener) -> L + Send + 'static,
        L: axum::serve::Listener,
        L::Addr: std::fmt::Debug,
    {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let state = Arc::new(State {
            lms,
            seen: seen.clone(),
        });
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("test server runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind loopback");
                tx.send(listener.local_addr().expect("local addr"))
                    .expect("report address");
                let app = Router::new().fallback(handle).with_state(state);
                axum::serve(wrap(listener), app).await.expect("serve");
            });
        });
        let addr = rx.recv().expect("test server started");
        Server { addr, seen }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn hits(&self, path: &str) -> usize {
        self.seen
            .lock()
            .unwrap()
            .hits
            .get(path)
            .copied()
            .unwrap_or(0)
    }
}

struct State {
    lms: Lms,
    seen: Arc<Mutex<Seen>>,
}

fn json_response(status: u16, v: &Value) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(v.to_string()))
        .unwrap()
}

fn not_found() -> Response {
    // Django's HttpResponseNotFound: an HTML page, not JSON.
    Response::builder()
        .status(404)
        .header(header::CONTENT_TYPE, "text/html")
        .body(Body::from("<h1>Not Found</h1>"))
        .unwrap()
}

async fn handle(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> Response {
    let path = uri.path().to_string();
    // One MFE's config (`?mfe=NAME`) is counted, and given quirks, apart from the
    // common config at the same path.
    let key = match uri.query() {
        Some(q) if q.starts_with("mfe=") => format!("{path}?{q}"),
        _ => path.clone(),
    };
    let n = {
        let mut seen = state.seen.lock().unwrap();
        let n = seen.hits.entry(key.clone()).or_default();
        *n += 1;
        let n = *n;
        seen.user_agents.push(
            headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string(),
        );
        if let Some(a) = headers.get(header::AUTHORIZATION) {
            seen.authorization
                .push((path.clone(), a.to_str().unwrap_or("").to_string()));
        }
        n
    };
    let lms = &state.lms;
    if !lms.delay.is_zero() {
        tokio::time::sleep(lms.delay).await;
    }
    match lms.quirks.get(key.as_str()) {
        Some(Quirk::Slow(d)) => tokio::time::sleep(*d).await,
        Some(Quirk::RateLimited {
            n: limit,
            retry_after_secs,
        }) if n <= *limit => {
            return Response::builder()
                .status(429)
                .header(header::RETRY_AFTER, retry_after_secs.to_string())
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    json!({"detail": "Request was throttled."}).to_string(),
                ))
                .unwrap();
        }
        Some(Quirk::BadGateway { n: limit }) if n <= *limit => {
            return Response::builder()
                .status(502)
                .header(header::CONTENT_TYPE, "text/html")
                .body(Body::from("<html><body>502 Bad Gateway</body></html>"))
                .unwrap();
        }
        Some(Quirk::Oversize(len)) => {
            let mut body = Vec::with_capacity(*len);
            body.push(b'{');
            body.extend(std::iter::repeat_n(b' ', len.saturating_sub(2)));
            body.push(b'}');
            return Response::builder()
                .status(200)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .unwrap();
        }
        Some(Quirk::Malformed(text)) => {
            return Response::builder()
                .status(200)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(*text))
                .unwrap();
        }
        Some(Quirk::RedirectTo(to)) => {
            return Response::builder()
                .status(302)
                .header(header::LOCATION, to.as_str())
                .body(Body::empty())
                .unwrap();
        }
        Some(Quirk::RedirectToPlainHttp) => {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or_default();
            return Response::builder()
                .status(302)
                .header(header::LOCATION, format!("http://{host}{path}"))
                .body(Body::empty())
                .unwrap();
        }
        _ => {}
    }
    let query = uri.query().unwrap_or("");
    match (method, path.as_str()) {
        (Method::GET, "/heartbeat") => heartbeat(lms, query.split('&').any(|q| q == "extended")),
        // Older releases (the flat context) have no /api/mfe_context, and their
        // third_party_auth_context answers 400 without `redirect_to`.
        (Method::GET, "/api/mfe_context") if lms.nested_context => mfe_context(lms, query),
        (Method::GET, "/api/third_party_auth_context")
            if lms.nested_context || query.split('&').any(|q| q.starts_with("redirect_to=")) =>
        {
            mfe_context(lms, query)
        }
        (Method::GET, "/api/third_party_auth_context") => json_response(
            400,
            &json!({"message": "Request missing required parameter: redirect_to"}),
        ),
        (Method::GET, "/api/mfe_config/v1" | "/api/mfe_config/v1/") => match &lms.mfe_config {
            Some(Value::Object(common)) => {
                let mut merged = common.clone();
                if let Some(Value::Object(own)) = query
                    .split('&')
                    .find_map(|q| q.strip_prefix("mfe="))
                    .and_then(|mfe| lms.mfe_overrides.get(mfe))
                {
                    merged.extend(own.clone());
                }
                json_response(200, &Value::Object(merged))
            }
            Some(v) => json_response(200, v),
            None => not_found(),
        },
        (Method::GET, "/auth/saml/metadata.xml") if lms.saml_broken => Response::builder()
            .status(500)
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            .body(Body::from("sp_cert_not_found, sp_key_not_found"))
            .unwrap(),
        (Method::GET, "/auth/saml/metadata.xml") if lms.saml => Response::builder()
            .status(200)
            .header(header::CONTENT_TYPE, "text/xml")
            .body(Body::from(
                "<?xml version=\"1.0\"?>\n<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"https://lms.example.org\"/>",
            ))
            .unwrap(),
        (Method::POST, "/oauth2/access_token") => token(lms, &headers, &body),
        (Method::GET, "/api/toggles/v0/state/") => toggles(lms, &headers),
        _ => not_found(),
    }
}

fn heartbeat(lms: &Lms, extended: bool) -> Response {
    let mut checks = serde_json::Map::new();
    let mut all = true;
    for (name, ok) in &lms.heartbeat {
        // celery is one of HEARTBEAT_EXTENDED_CHECKS, the rest HEARTBEAT_CHECKS.
        if *name == "celery" && !extended {
            continue;
        }
        all &= *ok;
        let message = match (*name, *ok) {
            ("celery", true) => "{'time': '0.2513'}".to_string(),
            ("celery", false) => "expired".to_string(),
            (_, true) => "OK".to_string(),
            (_, false) => "(2003, \"Can't connect to MySQL server\")".to_string(),
        };
        checks.insert(name.to_string(), json!({"status": ok, "message": message}));
    }
    json_response(if all { 200 } else { 503 }, &Value::Object(checks))
}

fn mfe_context(lms: &Lms, query: &str) -> Response {
    let hint = query
        .split('&')
        .find_map(|q| q.strip_prefix("tpa_hint="))
        .map(|h| h.replace("%2D", "-"));
    let mut providers = Vec::new();
    let mut secondary = Vec::new();
    if lms.third_party_auth {
        providers.extend(lms.providers.iter().cloned());
        secondary.extend(lms.secondary_providers.iter().cloned());
        for p in &lms.hidden_providers {
            if hint.as_deref() == p["id"].as_str() {
                providers.push(p.clone());
            }
        }
    }
    let body = if lms.nested_context {
        json!({
            "contextData": {
                "currentProvider": null,
                "platformName": "My Open edX",
                "providers": providers,
                "secondaryProviders": secondary,
                "finishAuthUrl": null,
                "errorMessage": null,
                "registerFormSubmitButtonText": "Create Account",
                "autoSubmitRegForm": false,
                "syncLearnerProfileData": false,
                "countryCode": null,
                "welcomePageRedirectUrl": null,
                "pipelineUserDetails": {}
            },
            "registrationFields": {},
            "optionalFields": {"extended_profile": []}
        })
    } else {
        json!({
            "currentProvider": null,
            "platformName": "My Open edX",
            "providers": providers,
            "secondaryProviders": secondary,
            "finishAuthUrl": null,
            "errorMessage": null,
            "registerFormSubmitButtonText": "Create Account",
            "syncLearnerProfileData": false,
            "pipeline_user_details": {},
            "countryCode": null
        })
    };
    json_response(200, &body)
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = v.strip_prefix("Basic ")?;
    let decoded = base64_decode(encoded)?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes().filter(|&c| c != b'=') {
        let v = TABLE.iter().position(|&t| t == c)? as u32;
        buf = (buf << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    Some(out)
}

fn token(lms: &Lms, headers: &HeaderMap, body: &str) -> Response {
    let form: BTreeMap<&str, &str> = body
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .collect();
    if form.get("grant_type") != Some(&"client_credentials") {
        return json_response(400, &json!({"error": "unsupported_grant_type"}));
    }
    match basic_credentials(headers) {
        Some((id, secret)) if id == lms.client_id && secret == lms.client_secret => {}
        _ => return json_response(401, &json!({"error": "invalid_client"})),
    }
    if form.get("token_type") != Some(&"jwt") {
        return json_response(
            200,
            &json!({"access_token": "opaque-bearer", "expires_in": 36000, "token_type": "Bearer", "scope": "read write"}),
        );
    }
    json_response(
        200,
        &json!({
            "access_token": lms.token,
            "expires_in": 36000,
            "token_type": "JWT",
            "scope": "read write email profile"
        }),
    )
}

fn toggles(lms: &Lms, headers: &HeaderMap) -> Response {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if auth.is_empty() {
        return json_response(
            401,
            &json!({"detail": "Authentication credentials were not provided."}),
        );
    }
    if auth != format!("JWT {}", lms.token) {
        return json_response(401, &json!({"detail": "Error decoding token."}));
    }
    if !lms.staff {
        return json_response(
            403,
            &json!({"detail": "You do not have permission to perform this action."}),
        );
    }
    let mut flags: Vec<Value> = lms
        .waffle_flags
        .iter()
        .map(|(name, everyone)| {
            let mut f = json!({
                "name": name,
                "class": "WaffleFlag",
                "module": "openedx.features.course_experience",
                "code_owner": "platform-team"
            });
            let computed = match everyone {
                Some("yes") => "on",
                Some("unknown") => "both",
                _ => "off",
            };
            if let Some(e) = everyone {
                f["everyone"] = json!(e);
                f["created"] = json!("2026-01-05 10:00:00.000000+00:00");
                f["modified"] = json!("2026-03-01 09:30:00.000000+00:00");
            }
            f["computed_status"] = json!(computed);
            f
        })
        .collect();
    flags.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    let mut switches: Vec<Value> = lms
        .waffle_switches
        .iter()
        .map(|(name, active)| {
            let mut s = json!({"name": name, "class": "WaffleSwitch", "module": "common.djangoapps.student"});
            if let Some(a) = active {
                s["is_active"] = json!(if *a { "true" } else { "false" });
                s["created"] = json!("2026-01-05 10:00:00.000000+00:00");
                s["modified"] = json!("2026-01-05 10:00:00.000000+00:00");
            }
            s["computed_status"] = json!(if *active == Some(true) { "on" } else { "off" });
            s
        })
        .collect();
    switches.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    let mut settings: Vec<Value> = lms
        .django_settings
        .iter()
        .map(|(name, active)| json!({"name": name, "is_active": active}))
        .collect();
    settings.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    json_response(
        200,
        &json!({
            "waffle_flags": flags,
            "waffle_switches": switches,
            "django_settings": settings
        }),
    )
}
