//! Datastores (bundled or external, hosts, replica sets, TLS) and security settings.

use super::builder::Builder;
use super::python::PythonSettings;
use serde_json::{Map, Value, json};

impl Builder<'_> {
    pub(super) fn datastores(
        &mut self,
        settings: &Map<String, Value>,
        lms_env: Option<&Map<String, Value>>,
        lms_py: Option<&PythonSettings>,
    ) {
        let get_bool = |k: &str| settings.get(k).and_then(crate::surface::boolish);
        let get_str = |k: &str| settings.get(k).and_then(Value::as_str).map(str::to_string);

        // MongoDB: the rendered connection parameters are what the platform uses.
        let mongo_params = lms_py.and_then(|p| p.dicts.get("mongodb_parameters"));
        let host = mongo_params
            .and_then(|m| m.get("host"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| get_str("MONGODB_HOST"));
        let tls = mongo_params
            .and_then(|m| m.get("ssl"))
            .and_then(Value::as_bool)
            .or_else(|| get_bool("MONGODB_USE_SSL"))
            .unwrap_or(false);
        let replica_set = match mongo_params {
            Some(m) => m
                .get("replicaSet")
                .and_then(Value::as_str)
                .map(str::to_string),
            None => get_str("MONGODB_REPLICA_SET"),
        }
        .filter(|s| !s.is_empty());
        let bundled = get_bool("RUN_MONGODB").unwrap_or(true);
        let mut mongo = Map::new();
        mongo.insert("bundled".into(), json!(bundled));
        mongo.insert("tls".into(), json!(tls));
        mongo.insert("replicated".into(), json!(replica_set.is_some()));
        mongo.insert("replica_set".into(), json!(replica_set));
        let hosts: Vec<&str> = host
            .as_deref()
            .map(|h| {
                h.split(',')
                    .map(str::trim)
                    .filter(|h| !h.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let members = if replica_set.is_some() {
            hosts.len().max(1)
        } else {
            1
        };
        mongo.insert("members".into(), json!(members));
        if !bundled && let Some(h) = &host {
            mongo.insert("host".into(), json!(h));
            if hosts.len() > 1 {
                let set: Map<String, Value> =
                    hosts.iter().map(|h| (h.to_string(), json!({}))).collect();
                mongo.insert("hosts".into(), Value::Object(set));
            }
        }
        self.set("/datastores/mongodb", Value::Object(mongo));

        let mysql_host = lms_env
            .and_then(|e| e.get("DATABASES"))
            .and_then(|d| d.pointer("/default/HOST"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| get_str("MYSQL_HOST"));
        self.simple_store("mysql", get_bool("RUN_MYSQL"), mysql_host);
        self.simple_store("redis", get_bool("RUN_REDIS"), get_str("REDIS_HOST"));
        let search_host = get_str("MEILISEARCH_URL").map(|u| url_host(&u).to_string());
        let search_bundled = get_bool("RUN_MEILISEARCH").unwrap_or(true);
        self.simple_store("search", Some(search_bundled), search_host.clone());
        if get_str("MEILISEARCH_URL").is_some() {
            self.set("/datastores/search/backend", json!("meilisearch"));
            let prefix = get_str("MEILISEARCH_INDEX_PREFIX").unwrap_or_default();
            self.set("/datastores/search/index_prefix", json!(prefix));
            // Two environments on one external cluster overwrite each other's indexes
            // only with the same prefix: the index is host and prefix together.
            if !search_bundled && let Some(h) = &search_host {
                self.set("/datastores/search/index", json!(format!("{h}/{prefix}")));
            }
        }

        // Error reporting: a Sentry DSN (set by a plugin; its value is a secret and
        // judged under /settings, equal DSNs there are `shared`).
        let sentry = ["SENTRY_DSN", "OPENEDX_SENTRY_DSN"]
            .iter()
            .any(|k| get_str(k).is_some_and(|v| !v.trim().is_empty()));
        self.set("/monitoring/error_reporting", json!(sentry));

        let smtp_host = lms_env
            .and_then(|e| e.get("EMAIL_HOST"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| get_str("SMTP_HOST"));
        self.simple_store("smtp", get_bool("RUN_SMTP"), smtp_host);
        let smtp_tls = smtp_tls(settings, lms_env, lms_py);
        self.set("/datastores/smtp/tls", json!(smtp_tls));
    }

    pub(super) fn simple_store(&mut self, name: &str, run: Option<bool>, host: Option<String>) {
        let bundled = run.unwrap_or(true);
        let mut m = Map::new();
        m.insert("bundled".into(), json!(bundled));
        if !bundled && let Some(h) = host {
            m.insert("host".into(), json!(h));
        }
        self.set(&format!("/datastores/{name}"), Value::Object(m));
    }

    pub(super) fn security(
        &mut self,
        settings: &Map<String, Value>,
        lms_env: Option<&Map<String, Value>>,
        lms_py: Option<&PythonSettings>,
    ) {
        let https = lms_env
            .and_then(|e| e.get("HTTPS"))
            .and_then(crate::surface::boolish)
            .or_else(|| {
                settings
                    .get("ENABLE_HTTPS")
                    .and_then(crate::surface::boolish)
            })
            .unwrap_or(false);
        self.set("/security/https", json!(https));
        if let Some(py) = lms_py {
            for (name, key) in [
                ("SESSION_COOKIE_SECURE", "session_cookie_secure"),
                ("CSRF_COOKIE_SECURE", "csrf_cookie_secure"),
            ] {
                if let Some(b) = py.bool(name) {
                    self.set(&format!("/security/{key}"), json!(b));
                }
            }
        }
        let smtp = smtp_tls(settings, lms_env, lms_py);
        self.set("/security/smtp_tls", json!(smtp));
        let mongo = self
            .surface
            .pointer("/datastores/mongodb/tls")
            .cloned()
            .unwrap_or(json!(false));
        self.set("/security/mongodb_tls", mongo);
    }
}
pub(super) fn smtp_tls(
    settings: &Map<String, Value>,
    lms_env: Option<&Map<String, Value>>,
    lms_py: Option<&PythonSettings>,
) -> bool {
    let b = |v: Option<&Value>| v.and_then(crate::surface::boolish);
    let tls = b(lms_env.and_then(|e| e.get("EMAIL_USE_TLS"))).or(b(settings.get("SMTP_USE_TLS")));
    let ssl = lms_py
        .and_then(|p| p.bool("EMAIL_USE_SSL"))
        .or(b(settings.get("SMTP_USE_SSL")));
    tls.unwrap_or(false) || ssl.unwrap_or(false)
}

/// The host of `scheme://host:port/...`.
pub(super) fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    authority.split(':').next().unwrap_or(authority)
}
