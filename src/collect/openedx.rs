//! The `openedx` source: a live LMS (and CMS) over HTTP(S).
//!
//! What a running Open edX says about itself, read from the endpoints edx-platform
//! serves: `/heartbeat?extended` (health checks), `/api/mfe_context` (SSO providers),
//! `/api/mfe_config/v1` (MFE configuration), `/api/toggles/v0/state/` (waffle flags,
//! switches and boolean settings; staff only, with a JWT from client credentials) and
//! `/auth/saml/metadata.xml` (whether SAML is configured).
//!
//! Each endpoint is one part of the surface: a part that cannot be read becomes
//! `{"$unknown": reason}` on its own, so an unreachable toggles report never hides the
//! providers. The whole source fails only when no LMS answers at all (neither the
//! heartbeat nor the MFE context can be read).
//!
//! Requests go through [`super::http`] (verified TLS, timeouts and a deadline, retries
//! honouring Retry-After, a body cap, same-host redirects only). No message carries the
//! client secret or the token: they are only ever put into request headers.

use super::http::{self, Http, Reply, host_setting, status_text};
use super::{Collected, Collector, Context, SourceError};
use crate::error::Error;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One LMS, as written in the config file (`[[staging.openedx]]`) or as a URL on the
/// command line.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Base URL of the LMS, e.g. `https://lms.example.org`.
    pub lms: String,
    /// Base URL of the CMS (Studio), for its heartbeat.
    #[serde(default)]
    pub cms: Option<String>,
    /// Name of the environment variable holding the OAuth2 client id (default
    /// `ENVPARITY_<ENV>_CLIENT_ID`).
    #[serde(default)]
    pub client_id_env: Option<String>,
    /// Name of the environment variable holding the client secret (default
    /// `ENVPARITY_<ENV>_CLIENT_SECRET`).
    #[serde(default)]
    pub client_secret_env: Option<String>,
    /// PEM file of extra CA certificates to trust (a private CA); the system's web PKI
    /// roots stay trusted.
    #[serde(default)]
    pub ca_bundle: Option<PathBuf>,
    /// Total time of one request, in seconds.
    #[serde(default)]
    pub timeout_secs: Option<f64>,
    /// Time to connect, in seconds.
    #[serde(default)]
    pub connect_timeout_secs: Option<f64>,
}

impl Config {
    /// The source for an `http://` or `https://` SRC on the command line.
    pub fn from_url(url: &str) -> Result<Config, Error> {
        let c = Config {
            lms: url.to_string(),
            cms: None,
            client_id_env: None,
            client_secret_env: None,
            ca_bundle: None,
            timeout_secs: None,
            connect_timeout_secs: None,
        };
        c.validate()
            .map_err(|m| Error::Usage(format!("source `{}`: {m}", safe_display(url))))?;
        Ok(c)
    }

    /// Checks the URLs and numbers before anything runs, so that a typo is exit 2 with
    /// a message, not an unknown surface.
    pub fn validate(&self) -> Result<(), String> {
        base_url("lms", &self.lms)?;
        if let Some(cms) = &self.cms {
            base_url("cms", cms)?;
        }
        for (key, v) in [
            ("timeout_secs", self.timeout_secs),
            ("connect_timeout_secs", self.connect_timeout_secs),
        ] {
            if let Some(v) = v {
                crate::input::seconds(key, v)?;
            }
        }
        for (key, v) in [
            ("client_id_env", &self.client_id_env),
            ("client_secret_env", &self.client_secret_env),
        ] {
            if let Some(v) = v {
                super::endpoint::check_var_name(key, v)?;
            }
        }
        Ok(())
    }



    /// The names of the credential variables for an environment.
    fn credential_var_names(&self, environment: &str) -> (String, String) {
        (
            self.client_id_env
                .clone()
                .unwrap_or_else(|| super::endpoint::env_var_name(environment, "CLIENT_ID")),
            self.client_secret_env
                .clone()
                .unwrap_or_else(|| super::endpoint::env_var_name(environment, "CLIENT_SECRET")),
        )
    }
}

/// Parses a base URL: http or https, a host, no credentials, no query.
fn base_url(key: &str, s: &str) -> Result<Url, String> {
    let url =
        Url::parse(s).map_err(|e| format!("{key} `{}` is not a URL: {e}", safe_display(s)))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "{key} `{}` must be http:// or https://",
            safe_display(s)
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("{key} `{}` has no host", safe_display(s)));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "{key} `{}` carries credentials; name them by environment variable instead (client_id_env, client_secret_env or ENVPARITY_<ENV>_CLIENT_ID/_SECRET)",
            safe_display(s)
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "{key} `{}` must be a base URL without query or fragment",
            safe_display(s)
        ));
    }
    Ok(url)
}

/// A URL for messages, in its canonical spelling when it parses, with its password and
/// query values masked whatever else is wrong with it.
fn safe_display(s: &str) -> String {
    let canonical = match Url::parse(s) {
        Ok(u) => u.to_string().trim_end_matches('/').to_string(),
        Err(_) => s.to_string(),
    };
    crate::normalize::safe_url(&canonical)
}

/// The CMS base URL an LMS's MFE config names, when it names a usable one.
fn discovered_cms(mfe_config: &Result<Option<Map<String, Value>>, String>) -> Option<Url> {
    let url = mfe_config
        .as_ref()
        .ok()?
        .as_ref()?
        .get("STUDIO_BASE_URL")?
        .as_str()?;
    base_url("cms", url).ok()
}

impl Collector for Config {
    const KIND: &'static str = "openedx";

    /// An `http://` or `https://` LMS base URL.
    fn from_shortcut(src: &str) -> Option<Result<Config, Error>> {
        (src.starts_with("http://") || src.starts_with("https://")).then(|| Config::from_url(src))
    }

    fn resolve_paths(&mut self, resolve: &dyn Fn(&Path) -> PathBuf) {
        super::resolve_path(&mut self.ca_bundle, resolve);
    }

    fn validate(&self) -> Result<(), String> {
        self.validate()
    }

    fn credential_vars(&self) -> Vec<(&'static str, &str)> {
        [
            ("client_id_env", &self.client_id_env),
            ("client_secret_env", &self.client_secret_env),
        ]
        .into_iter()
        .filter_map(|(k, v)| Some((k, v.as_deref()?)))
        .collect()
    }

    /// What is read, with no credential in it.
    fn origin(&self) -> String {
        match &self.cms {
            Some(cms) => format!("{} (cms {})", safe_display(&self.lms), safe_display(cms)),
            None => safe_display(&self.lms),
        }
    }

    /// The pointers this source speaks for.
    fn covers(&self) -> Vec<String> {
        let mut c: Vec<String> = [
            "/sso/providers",
            "/sso/third_party_auth",
            "/sso/saml_configured",
            "/sso/saml_working",
            "/health/lms",
            "/features/waffle_flags",
            "/features/waffle_switches",
            "/features/django_settings",
            "/features/lms",
            "/features/mfe_config",
            "/features/mfe_config_api",
            "/features/mfe_config_by_mfe",
        ]
        .map(String::from)
        .to_vec();
        if self.cms.is_some() {
            c.push("/health/cms".into());
        }
        c
    }

    async fn collect(&self, ctx: &Context) -> Result<Collected, SourceError> {
        collect(self, ctx).await
    }

    async fn reveal_hidden(&self, ctx: &Context, ids: &[String]) -> BTreeMap<String, Value> {
        reveal_hidden(self, ctx, ids).await
    }
}

/// Reads the live LMS (and CMS) of one environment.
async fn collect(config: &Config, ctx: &Context) -> Result<Collected, SourceError> {
    let lms = base_url("lms", &config.lms).map_err(Error::Usage)?;
    let cms = match &config.cms {
        Some(c) => Some(base_url("cms", c).map_err(Error::Usage)?),
        None => None,
    };
    let http = Lms::new(config, ctx)?;
    let (id_var, secret_var) = config.credential_var_names(&ctx.environment);

    // The CMS is the configured one or, failing that, the one the LMS's own MFE config
    // names (`STUDIO_BASE_URL`); a configured CMS is asked at once, a discovered one as
    // soon as the MFE config is in.
    let mfe_and_cms = async {
        if let Some(c) = &cms {
            let (m, h) = tokio::join!(http.mfe_config(&lms), http.heartbeat(c));
            return (m, Some(c.clone()), Some(h));
        }
        let m = http.mfe_config(&lms).await;
        let found = discovered_cms(&m);
        let h = match &found {
            Some(c) => Some(http.heartbeat(c).await),
            None => None,
        };
        (m, found, h)
    };
    // Each MFE's own config once the common one is in (only its differences are kept).
    let mfe_all = async {
        let (common, cms, cms_health) = mfe_and_cms.await;
        let per_mfe = match &common {
            Ok(Some(c)) => Some(http.mfe_overrides(&lms, c).await),
            _ => None,
        };
        (common, per_mfe, cms, cms_health)
    };
    let (lms_health, (mfe_config, per_mfe, cms, cms_health), context, saml, toggles, site_config) = tokio::join!(
        http.heartbeat(&lms),
        mfe_all,
        http.mfe_context(&lms, None),
        http.saml_state(&lms),
        http.toggles(&lms, &id_var, &secret_var),
        http.frontend_site_config(&lms),
    );

    // A 404 from /api/mfe_config/v1 or the SAML metadata means "off" only if an LMS
    // is answering at all: when neither the heartbeat nor the MFE context can be read,
    // the URL may point at anything (a wrong path, a default vhost) and nothing it says
    // is evidence.
    if let (Err(h), Err(c)) = (&lms_health, &context) {
        return Err(SourceError::Failed(format!(
            "no Open edX LMS answers at {}: {h}; {c}",
            safe_display(&config.lms)
        )));
    }

    let part = |r: Result<Value, String>| r.unwrap_or_else(crate::surface::unknown);

    let third_party_auth = match (&toggles, &context) {
        (Ok(t), _) if t.third_party_auth.is_some() => Ok(Value::Bool(t.third_party_auth == Some(true))),
        // The LMS lists providers only when third-party auth is on.
        (_, Ok(p)) if !p.is_empty() => Ok(Value::Bool(true)),
        (Err(e), _) => Err(format!("not derivable: no provider is listed and {e}")),
        (Ok(_), _) => Err("not derivable: no provider is listed and the toggle report has no ENABLE_THIRD_PARTY_AUTH".into()),
    };
    let mut sso = Map::new();
    sso.insert("providers".into(), part(context.map(Value::Object)));
    match saml {
        Ok(state) => {
            sso.insert("saml_configured".into(), Value::Bool(state != Saml::Off));
            if state != Saml::Off {
                sso.insert("saml_working".into(), Value::Bool(state == Saml::Working));
            }
        }
        Err(e) => {
            sso.insert("saml_configured".into(), crate::surface::unknown(e.clone()));
            sso.insert("saml_working".into(), crate::surface::unknown(e));
        }
    }
    sso.insert(
        "third_party_auth".into(),
        third_party_auth.unwrap_or_else(crate::surface::unknown),
    );

    let mut health = Map::new();
    health.insert("lms".into(), part(lms_health.map(Value::Object)));
    if let Some(h) = cms_health {
        health.insert("cms".into(), part(h.map(Value::Object)));
    }

    let mut features = Map::new();
    if let Some(per_mfe) = per_mfe {
        features.insert("mfe_config_by_mfe".into(), Value::Object(per_mfe));
    }
    // An API of newer releases only: where it cannot be read, the report says so in one
    // line (an LMS's HTML error page fails with 500 where its templates are missing,
    // which is how some installs answer for an API they lack) instead of failing the gate.
    let mut notes = Vec::new();
    match site_config {
        Ok(Some(v)) => {
            features.insert("frontend_site_config".into(), v);
        }
        Ok(None) => {}
        Err(e) => notes.push(format!(
            "{e}: the frontend site configuration is not compared"
        )),
    }
    match mfe_config {
        Ok(Some(values)) => {
            features.insert("mfe_config_api".into(), Value::Bool(true));
            features.insert("mfe_config".into(), Value::Object(values));
        }
        // The API is off (404): the fact is recorded once, not once per missing key.
        Ok(None) => {
            features.insert("mfe_config_api".into(), Value::Bool(false));
        }
        Err(e) => {
            features.insert("mfe_config_api".into(), part(Err(e.clone())));
            features.insert("mfe_config".into(), crate::surface::unknown(e));
        }
    }
    match toggles {
        Ok(t) => {
            features.insert("waffle_flags".into(), Value::Object(t.waffle_flags));
            features.insert("waffle_switches".into(), Value::Object(t.waffle_switches));
            features.insert("django_settings".into(), Value::Object(t.django_settings));
            features.insert("lms".into(), Value::Object(t.features));
        }
        Err(e) => {
            let u = part(Err(e));
            for k in ["waffle_flags", "waffle_switches", "django_settings", "lms"] {
                features.insert(k.into(), u.clone());
            }
        }
    }

    let mut settings = Map::new();
    settings.insert("LMS_HOST".into(), Value::String(host_setting(&lms)));
    if let Some(c) = &cms {
        settings.insert("CMS_HOST".into(), Value::String(host_setting(c)));
    }
    let surface = json!({
        "sso": sso,
        "health": health,
        "features": features,
        "settings": settings,
    });
    Ok(Collected {
        surface,
        covers: config.covers(),
        notes,
        ..Collected::default()
    })
}

/// Asks the LMS for providers by name (`?tpa_hint=<id>`): the ones the other
/// environment lists and this one does not may be configured but hidden from the login
/// page. Returns the providers found, each marked `"hidden": true`; ids the LMS does not
/// know are simply absent (a probe that fails says nothing either way).
async fn reveal_hidden(
    config: &Config,
    ctx: &Context,
    ids: &[String],
) -> BTreeMap<String, Value> {
    let mut found = BTreeMap::new();
    if ids.is_empty() {
        return found;
    }
    let Ok(lms) = base_url("lms", &config.lms) else {
        return found;
    };
    let Ok(http) = Lms::new(config, ctx) else {
        return found;
    };
    let mut probes = tokio::task::JoinSet::new();
    for id in ids {
        let (http, lms, id) = (http.clone(), lms.clone(), id.clone());
        probes.spawn(async move {
            let found = http.mfe_context(&lms, Some(&id)).await;
            (id, found)
        });
    }
    while let Some(joined) = probes.join_next().await {
        let Ok((id, Ok(providers))) = joined else {
            continue;
        };
        if let Some(Value::Object(p)) = providers.get(id.as_str()) {
            let mut p = p.clone();
            p.insert("hidden".into(), Value::Bool(true));
            found.insert(id, Value::Object(p));
        }
    }
    found
}

/// The parts of the toggle state report envparity compares.
struct Toggles {
    waffle_flags: Map<String, Value>,
    waffle_switches: Map<String, Value>,
    django_settings: Map<String, Value>,
    /// Feature flags, by flag name (`/features/lms/<FLAG>`).
    features: Map<String, Value>,
    third_party_auth: Option<bool>,
}

/// The HTTP client of one LMS source (see [`super::http`] for its discipline).
#[derive(Clone)]
struct Lms {
    http: Http,
}

impl Lms {
    fn new(config: &Config, ctx: &Context) -> Result<Lms, SourceError> {
        // Checked by `validate` already; a value that is not a duration is the default.
        let seconds = |key, v: Option<f64>| v.and_then(|v| crate::input::seconds(key, v).ok());
        let options = http::Options {
            request_timeout: seconds("timeout_secs", config.timeout_secs)
                .unwrap_or(http::DEFAULT_REQUEST_TIMEOUT),
            connect_timeout: seconds("connect_timeout_secs", config.connect_timeout_secs)
                .unwrap_or(http::DEFAULT_CONNECT_TIMEOUT),
            ca_bundle: config.ca_bundle.as_deref(),
            holder: "this LMS",
        };
        Ok(Lms {
            http: Http::new(&options, ctx.timeout)?,
        })
    }

    async fn get(&self, url: &Url, headers: HeaderMap, data_on_503: bool) -> Result<Reply, String> {
        self.http.get(url, headers, data_on_503).await
    }

    async fn get_json(
        &self,
        url: &Url,
        headers: HeaderMap,
    ) -> Result<(StatusCode, Option<Value>), String> {
        let reply = self.get(url, headers, false).await?;
        let json = serde_json::from_slice::<Value>(&reply.body).ok();
        Ok((reply.status, json))
    }

    /// `GET /heartbeat?extended` → check name → passes.
    async fn heartbeat(&self, base: &Url) -> Result<Map<String, Value>, String> {
        let url = endpoint(base, "/heartbeat", &[("extended", None)]);
        let reply = self.get(&url, HeaderMap::new(), true).await?;
        if !matches!(reply.status.as_u16(), 200 | 503) {
            return Err(format!("GET {url}: {}", status_text(reply.status)));
        }
        let v = parse_json(&url, &reply.body)?;
        let Value::Object(checks) = v else {
            return Err(format!("GET {url}: expected a JSON object of checks"));
        };
        let mut out = Map::new();
        for (name, result) in checks {
            match result {
                Value::Object(r) => {
                    let status = r.get("status").and_then(Value::as_bool).ok_or_else(|| {
                        format!("GET {url}: check `{name}` has no boolean `status`")
                    })?;
                    out.insert(name, Value::Bool(status));
                }
                // The view caught an exception while running the checks: the
                // heartbeat as a whole fails.
                Value::String(_) if name == "error" => {
                    out.insert("heartbeat".into(), Value::Bool(false));
                }
                _ => return Err(format!("GET {url}: check `{name}` is not an object")),
            }
        }
        Ok(out)
    }

    /// `GET /api/mfe_context[?tpa_hint=id]` → provider id → provider.
    async fn mfe_context(
        &self,
        base: &Url,
        hint: Option<&str>,
    ) -> Result<Map<String, Value>, String> {
        let query: Vec<(&str, Option<&str>)> =
            hint.map(|h| ("tpa_hint", Some(h))).into_iter().collect();
        let mut url = endpoint(base, "/api/mfe_context", &query);
        let mut reply = self.get(&url, HeaderMap::new(), false).await?;
        if reply.status == StatusCode::NOT_FOUND {
            // The older view, which answers 400 without `redirect_to`.
            let mut old = query.clone();
            old.push(("redirect_to", Some("/")));
            url = endpoint(base, "/api/third_party_auth_context", &old);
            reply = self.get(&url, HeaderMap::new(), false).await?;
        }
        if reply.status != StatusCode::OK {
            return Err(format!("GET {url}: {}", status_text(reply.status)));
        }
        let v = parse_json(&url, &reply.body)?;
        // Newer releases nest the context under `contextData`; older ones return it flat.
        let ctx = v.get("contextData").unwrap_or(&v);
        if ctx.get("providers").is_none() && ctx.get("secondaryProviders").is_none() {
            return Err(format!(
                "GET {url}: not an MFE context (no `providers` or `secondaryProviders`)"
            ));
        }
        let mut out = Map::new();
        for (key, primary) in [("providers", true), ("secondaryProviders", false)] {
            let list = match ctx.get(key) {
                None | Some(Value::Null) => continue,
                Some(Value::Array(a)) => a,
                Some(_) => return Err(format!("GET {url}: `{key}` is not a list")),
            };
            for p in list {
                let Some(id) = p.get("id").and_then(Value::as_str) else {
                    return Err(format!("GET {url}: a provider in `{key}` has no `id`"));
                };
                let flag =
                    |k: &str| Value::Bool(p.get(k).and_then(Value::as_bool).unwrap_or(false));
                out.insert(
                    id.to_string(),
                    json!({
                        "name": p.get("name").cloned().unwrap_or(Value::Null),
                        "kind": provider_kind(id),
                        "primary": primary,
                        "skip_hinted_login": flag("skipHintedLogin"),
                        "skip_registration_form": flag("skipRegistrationForm"),
                    }),
                );
            }
        }
        Ok(out)
    }

    /// `GET /api/mfe_config/v1` → its values, or None when the API is off (404).
    async fn mfe_config(&self, base: &Url) -> Result<Option<Map<String, Value>>, String> {
        let url = endpoint(base, "/api/mfe_config/v1", &[]);
        let reply = self.get(&url, HeaderMap::new(), false).await?;
        match reply.status {
            StatusCode::NOT_FOUND => Ok(None),
            StatusCode::OK => match parse_json(&url, &reply.body)? {
                Value::Object(m) => Ok(Some(m)),
                _ => Err(format!("GET {url}: expected a JSON object")),
            },
            s => Err(format!("GET {url}: {}", status_text(s))),
        }
    }

    /// `GET /auth/saml/metadata.xml`: 404 when SAML is not configured for the site; 500
    /// (with the errors as text) when it is configured but its service provider cannot
    /// produce metadata — a missing or invalid key or certificate — so SAML logins fail.
    async fn saml_state(&self, base: &Url) -> Result<Saml, String> {
        let url = endpoint(base, "/auth/saml/metadata.xml", &[]);
        let reply = self.get(&url, HeaderMap::new(), false).await?;
        match reply.status {
            StatusCode::OK => Ok(Saml::Working),
            StatusCode::NOT_FOUND => Ok(Saml::Off),
            StatusCode::INTERNAL_SERVER_ERROR => Ok(Saml::Broken),
            s => Err(format!("GET {url}: {}", status_text(s))),
        }
    }

    /// `GET /api/mfe_config/v1?mfe=NAME` for each MFE: what each one gets beyond the
    /// common config (its `MFE_CONFIG_OVERRIDES`; an empty object when nothing), asked
    /// all at once.
    async fn mfe_overrides(&self, base: &Url, common: &Map<String, Value>) -> Map<String, Value> {
        let asks = MFES.iter().map(|mfe| async move {
            let url = endpoint(base, "/api/mfe_config/v1", &[("mfe", Some(mfe))]);
            let answer = match self.get(&url, HeaderMap::new(), false).await {
                Ok(r) if r.status == StatusCode::OK => match parse_json(&url, &r.body) {
                    Ok(Value::Object(m)) => Value::Object(
                        m.into_iter()
                            .filter(|(k, v)| common.get(k) != Some(v))
                            .collect(),
                    ),
                    Ok(_) => crate::surface::unknown(format!("GET {url}: expected a JSON object")),
                    Err(e) => crate::surface::unknown(e),
                },
                Ok(r) => crate::surface::unknown(format!("GET {url}: {}", status_text(r.status))),
                Err(e) => crate::surface::unknown(e),
            };
            (mfe.to_string(), answer)
        });
        futures_util::future::join_all(asks)
            .await
            .into_iter()
            .collect()
    }

    /// `GET /api/frontend_site_config/v1/` (newer releases): the frontend site
    /// configuration, or None where the LMS has no such API (404).
    async fn frontend_site_config(&self, base: &Url) -> Result<Option<Value>, String> {
        let url = endpoint(base, "/api/frontend_site_config/v1/", &[]);
        let reply = self.get(&url, HeaderMap::new(), false).await?;
        match reply.status {
            StatusCode::NOT_FOUND => Ok(None),
            StatusCode::OK => match parse_json(&url, &reply.body)? {
                v @ Value::Object(_) => Ok(Some(v)),
                _ => Err(format!("GET {url}: expected a JSON object")),
            },
            s => Err(format!("GET {url}: {}", status_text(s))),
        }
    }

    /// A JWT from client credentials, then the toggle state report.
    async fn toggles(&self, base: &Url, id_var: &str, secret_var: &str) -> Result<Toggles, String> {
        let report_url = endpoint(base, "/api/toggles/v0/state/", &[]);
        let (client_id, secret) = match (
            std::env::var(id_var).ok().filter(|s| !s.is_empty()),
            std::env::var(secret_var).ok().filter(|s| !s.is_empty()),
        ) {
            (Some(i), Some(s)) => (i, s),
            _ => {
                return Err(format!(
                    "{report_url}: not read: no credentials in {} and {} (an OAuth2 client-credentials application whose service user must be staff to read the toggle state report)",
                    super::endpoint::var_display(id_var),
                    super::endpoint::var_display(secret_var)
                ));
            }
        };
        let token_url = endpoint(base, "/oauth2/access_token", &[]);
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, basic_auth(&client_id, &secret));
        // The client id goes in the form too: some releases pick the OAuth backend by
        // the form's `client_id`. The secret stays in the header only.
        let form = vec![
            ("grant_type", "client_credentials".to_string()),
            ("token_type", "jwt".to_string()),
            ("client_id", client_id),
        ];
        // A POST is not retried: it is not idempotent.
        let (reply, _) = self
            .http
            .send(Method::POST, &token_url, headers, Some(form))
            .await
            .map_err(|f| format!("POST {token_url}: {}", f.text()))?;
        if reply.status != StatusCode::OK {
            let code = serde_json::from_slice::<Value>(&reply.body)
                .ok()
                .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_string))
                .filter(|e| e.len() <= 40 && e.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
                .map(|e| format!(", {e}"))
                .unwrap_or_default();
            let hint = if matches!(reply.status.as_u16(), 400 | 401) {
                format!(
                    "; check {} and {}",
                    super::endpoint::var_display(id_var),
                    super::endpoint::var_display(secret_var)
                )
            } else {
                String::new()
            };
            return Err(format!(
                "POST {token_url}: the LMS refused the client credentials ({}{code}){hint}",
                status_text(reply.status)
            ));
        }
        let token = parse_json(&token_url, &reply.body)?
            .get("access_token")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| format!("POST {token_url}: no `access_token` in the response"))?;
        let mut auth = HeaderValue::from_str(&format!("JWT {token}"))
            .map_err(|_| format!("POST {token_url}: the token is not a valid header value"))?;
        auth.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, auth);
        let (status, body) = self.get_json(&report_url, headers).await?;
        match status.as_u16() {
            200 => {}
            403 => {
                return Err(format!(
                    "GET {report_url}: 403 Forbidden: the service user must be staff to read the toggle state report"
                ));
            }
            401 => {
                return Err(format!(
                    "GET {report_url}: 401 Unauthorized: the LMS did not accept the JWT from {token_url} (the service user must be staff, and JWT authentication must be on)"
                ));
            }
            _ => return Err(format!("GET {report_url}: {}", status_text(status))),
        }
        let report = body.ok_or_else(|| format!("GET {report_url}: malformed JSON"))?;
        parse_toggles(&report_url, &report)
    }
}

/// What the SAML metadata view says of SAML on the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Saml {
    Off,
    Working,
    /// Configured, but the service provider cannot produce its metadata (500).
    Broken,
}

/// The MFEs whose own configuration (`MFE_CONFIG_OVERRIDES`) is asked for: the ones
/// tutor-mfe and the Open edX releases serve.
const MFES: [&str; 14] = [
    "account",
    "admin-console",
    "authn",
    "authoring",
    "catalog",
    "communications",
    "course-authoring",
    "discussions",
    "gradebook",
    "learner-dashboard",
    "learning",
    "ora-grading",
    "profile",
    "program-console",
];

/// `Authorization: Basic` for the client credentials (RFC 7617), marked sensitive so
/// that it is never logged.
fn basic_auth(id: &str, secret: &str) -> HeaderValue {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
    // Base64 output is always a valid header value.
    let mut v = HeaderValue::from_str(&format!("Basic {encoded}"))
        .unwrap_or_else(|_| HeaderValue::from_static(""));
    v.set_sensitive(true);
    v
}

/// An endpoint under a base URL (which may carry a path prefix), with its query
/// form-encoded (`?extended`, `?tpa_hint=saml-a+b`).
fn endpoint(base: &Url, path: &str, query: &[(&str, Option<&str>)]) -> Url {
    let mut url = base.clone();
    let prefix = base.path().trim_end_matches('/');
    url.set_path(&format!("{prefix}{path}"));
    url.set_query(None);
    if !query.is_empty() {
        let mut q = url.query_pairs_mut();
        for (k, v) in query {
            match v {
                Some(v) => q.append_pair(k, v),
                None => q.append_key_only(k),
            };
        }
    }
    url
}

/// Parses a body as JSON; the message names the URL and the position, never the body.
fn parse_json(url: &Url, body: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(body).map_err(|e| {
        format!(
            "GET {url}: malformed JSON at line {} column {} ({})",
            e.line(),
            e.column(),
            match e.classify() {
                serde_json::error::Category::Eof => "unexpected end",
                serde_json::error::Category::Syntax => "syntax error",
                serde_json::error::Category::Data => "unexpected data",
                serde_json::error::Category::Io => "read error",
            }
        )
    })
}

/// `saml-<slug>`, `oa2-<backend>`, `lti-<key>`: the id prefix edx-platform gives each
/// provider configuration model.
fn provider_kind(id: &str) -> &'static str {
    match id.split_once('-').map(|(p, _)| p) {
        Some("saml") => "saml",
        Some("oa2") => "oauth2",
        Some("lti") => "lti",
        _ => "other",
    }
}

/// `FEATURES['ENABLE_X']` → `FEATURES.ENABLE_X` (nested keys likewise), so a setting
/// name reads as a path and needs no quoting.
pub fn setting_name(name: &str) -> String {
    let mut out = String::new();
    let mut rest = name;
    while let Some(i) = rest.find("['") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        match after.find("']") {
            Some(j) => {
                out.push('.');
                out.push_str(&after[..j]);
                rest = &after[j + 2..];
            }
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

fn parse_toggles(url: &Url, report: &Value) -> Result<Toggles, String> {
    let list = |key: &str| -> Result<Vec<&Map<String, Value>>, String> {
        match report.get(key) {
            Some(Value::Array(a)) => Ok(a.iter().filter_map(Value::as_object).collect()),
            None => Ok(Vec::new()),
            Some(_) => Err(format!("GET {url}: `{key}` is not a list")),
        }
    };
    if !report.is_object()
        || ["waffle_flags", "waffle_switches", "django_settings"]
            .iter()
            .all(|k| report.get(k).is_none())
    {
        return Err(format!("GET {url}: not a toggle state report"));
    }
    let name = |t: &Map<String, Value>| t.get("name").and_then(Value::as_str).map(str::to_string);

    let mut waffle_flags = Map::new();
    for f in list("waffle_flags")? {
        let Some(n) = name(f) else { continue };
        let status = f
            .get("computed_status")
            .and_then(Value::as_str)
            .unwrap_or("off");
        let mut entry = Map::new();
        entry.insert("status".into(), Value::String(status.to_string()));
        for key in ["course_overrides", "org_overrides"] {
            if let Some(Value::Array(a)) = f.get(key)
                && !a.is_empty()
            {
                entry.insert(key.into(), Value::from(a.len()));
            }
        }
        waffle_flags.insert(n, Value::Object(entry));
    }

    let mut waffle_switches = Map::new();
    for s in list("waffle_switches")? {
        let Some(n) = name(s) else { continue };
        let on = match (s.get("is_active"), s.get("computed_status")) {
            (Some(Value::String(a)), _) => a == "true",
            (Some(Value::Bool(b)), _) => *b,
            (_, Some(Value::String(c))) => c == "on",
            _ => false,
        };
        waffle_switches.insert(n, Value::Bool(on));
    }

    // Feature flags land where the Tutor source puts them, whichever way the release
    // names them: `FEATURES['X']` (an Ulmo LMS) and a flat `X` (Verawood, where FEATURES
    // is a proxy of the settings) are both `/features/lms/X`.
    let mut django_settings = Map::new();
    let mut features = Map::new();
    for s in list("django_settings")? {
        let Some(n) = name(s) else { continue };
        let Some(active) = s.get("is_active").and_then(Value::as_bool) else {
            continue;
        };
        let n = setting_name(&n);
        match crate::release::knowledge::feature_flag(&n) {
            Some(flag) => {
                // A FEATURES entry wins over a flat setting of the same name.
                if n.starts_with("FEATURES.") || !features.contains_key(flag) {
                    features.insert(flag.to_string(), Value::Bool(active));
                }
            }
            None => {
                django_settings.insert(n, Value::Bool(active));
            }
        }
    }
    let third_party_auth = features
        .get("ENABLE_THIRD_PARTY_AUTH")
        .and_then(Value::as_bool);
    Ok(Toggles {
        waffle_flags,
        waffle_switches,
        django_settings,
        features,
        third_party_auth,
    })
}

/// Provider ids `other` lists under `/sso/providers` that `own` does not: the ones to
/// ask for by name. None when either side's providers are unknown.
pub fn ids_to_probe(own: &Value, other: &Value) -> Vec<String> {
    let providers = |v: &Value| -> Option<BTreeSet<String>> {
        let p = v.get("sso")?.get("providers")?;
        if crate::surface::as_unknown(p).is_some() {
            return None;
        }
        Some(p.as_object()?.keys().cloned().collect())
    };
    match (providers(own), providers(other)) {
        (Some(mine), Some(theirs)) => theirs.difference(&mine).cloned().collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feature_dict_settings_read_as_dotted_names() {
        assert_eq!(
            setting_name("FEATURES['ENABLE_THIRD_PARTY_AUTH']"),
            "FEATURES.ENABLE_THIRD_PARTY_AUTH"
        );
        assert_eq!(setting_name("A['b']['c']"), "A.b.c");
        assert_eq!(setting_name("HTTPS"), "HTTPS");
    }

    #[test]
    fn provider_kind_comes_from_the_id_prefix() {
        assert_eq!(provider_kind("saml-default"), "saml");
        assert_eq!(provider_kind("oa2-google-oauth2"), "oauth2");
        assert_eq!(provider_kind("lti-abc"), "lti");
        assert_eq!(provider_kind("weird"), "other");
    }

    #[test]
    fn basic_auth_is_standard_base64() {
        let v = basic_auth("Aladdin", "open sesame");
        assert_eq!(v.to_str().unwrap(), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        assert!(v.is_sensitive());
    }

    #[test]
    fn url_with_credentials_is_refused_without_echoing_them() {
        let e = Config::from_url("https://user:hunter2@lms.example.org").unwrap_err();
        let msg = e.to_string();
        assert!(!msg.contains("hunter2"), "{msg}");
        assert!(msg.contains("credentials"), "{msg}");
    }

    #[test]
    fn endpoint_keeps_a_path_prefix_and_encodes_hints() {
        let base = Url::parse("https://x.org/prefix/").unwrap();
        let u = endpoint(&base, "/api/mfe_context", &[("tpa_hint", Some("saml-a b"))]);
        assert_eq!(
            u.as_str(),
            "https://x.org/prefix/api/mfe_context?tpa_hint=saml-a+b"
        );
        let u = endpoint(&base, "/heartbeat", &[("extended", None)]);
        assert_eq!(u.as_str(), "https://x.org/prefix/heartbeat?extended");
    }

    #[test]
    fn toggle_report_becomes_flags_switches_and_settings() {
        let report = json!({
            "waffle_flags": [
                {"name": "a.flag", "everyone": "yes", "computed_status": "on",
                 "course_overrides": [{"course_id": "x", "force": "on"}]},
                {"name": "b.flag", "class": "WaffleFlag", "computed_status": "off"}
            ],
            "waffle_switches": [
                {"name": "s.on", "is_active": "true", "computed_status": "on"},
                {"name": "s.code_only", "class": "WaffleSwitch", "computed_status": "off"}
            ],
            "django_settings": [
                {"name": "FEATURES['ENABLE_THIRD_PARTY_AUTH']", "is_active": true},
                {"name": "HTTPS", "is_active": false},
                {"name": "ENABLE_CORS_HEADERS", "is_active": true}
            ]
        });
        let url = Url::parse("http://x/api/toggles/v0/state/").unwrap();
        let t = parse_toggles(&url, &report).unwrap();
        assert_eq!(
            t.waffle_flags["a.flag"],
            json!({"status": "on", "course_overrides": 1})
        );
        assert_eq!(t.waffle_flags["b.flag"], json!({"status": "off"}));
        assert_eq!(t.waffle_switches["s.on"], json!(true));
        assert_eq!(t.waffle_switches["s.code_only"], json!(false));
        assert_eq!(t.features["ENABLE_THIRD_PARTY_AUTH"], json!(true));
        assert_eq!(t.django_settings["HTTPS"], json!(false));
        assert_eq!(t.third_party_auth, Some(true));
    }

    #[test]
    fn feature_flags_land_on_one_path_whichever_way_the_release_names_them() {
        // An Ulmo LMS names the flag inside FEATURES; a Verawood LMS lists it flat.
        let ulmo = json!({"django_settings": [
            {"name": "FEATURES['ENABLE_CORS_HEADERS']", "is_active": true},
            {"name": "FEATURES['ENABLE_THIRD_PARTY_AUTH']", "is_active": false}
        ]});
        let verawood = json!({"django_settings": [
            {"name": "ENABLE_CORS_HEADERS", "is_active": true},
            {"name": "ENABLE_THIRD_PARTY_AUTH", "is_active": false},
            {"name": "SESSION_COOKIE_SECURE", "is_active": true}
        ]});
        let url = Url::parse("http://x/api/toggles/v0/state/").unwrap();
        let (u, v) = (
            parse_toggles(&url, &ulmo).unwrap(),
            parse_toggles(&url, &verawood).unwrap(),
        );
        assert_eq!(u.features, v.features);
        assert_eq!(v.third_party_auth, Some(false));
        assert!(!v.features.contains_key("SESSION_COOKIE_SECURE"));
        assert_eq!(v.django_settings["SESSION_COOKIE_SECURE"], json!(true));
    }
}
