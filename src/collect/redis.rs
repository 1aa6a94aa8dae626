//! The `redis` source: a live Redis server, asked `INFO server`, `INFO replication` and
//! (in cluster mode) `CLUSTER INFO` for its version, mode, role and connected replicas,
//! and whether the connection is TLS.
//!
//! Open edX keeps Celery's broker and the Django cache in Redis; a production cache with
//! a replica and a staging cache without one is a reduced staging.

use super::endpoint::{self, Endpoint, call_deadline, within};
use super::{Collected, Collector, Context, SourceError};
use crate::error::Error;
use crate::surface;
use redis::aio::MultiplexedConnection;
use redis::{
    AsyncConnectionConfig, Client, ConnectionAddr, IntoConnectionInfo, RedisConnectionInfo,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const DEFAULT_PORT: u16 = 6379;

/// `[[<env>.redis]]` in the config file.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub host: String,
    #[serde(default = "default_port")]
    pub port: u16,
    /// ACL user (Redis 6+); none means the default user.
    #[serde(default)]
    pub user: Option<String>,
    /// The environment variable holding the password (never the password itself).
    #[serde(default)]
    pub password_env: Option<String>,
    /// Connect with TLS (`rediss://`).
    #[serde(default)]
    pub tls: bool,
    /// PEM file of the CA that signed the server's certificate (implies `tls`).
    #[serde(default)]
    pub ca_bundle: Option<PathBuf>,
    /// Key under `/datastores` (default `redis`).
    #[serde(default)]
    pub store: Option<String>,
    /// Set for a shortcut: the password comes from `ENVPARITY_<ENV>_REDIS_PASSWORD` or
    /// `REDISCLI_AUTH` (redis-cli's own variable).
    #[serde(skip)]
    pub shortcut: bool,
}

fn default_port() -> u16 {
    DEFAULT_PORT
}

impl Config {
    /// `redis://[USER@]HOST:PORT` or `rediss://…` for TLS.
    pub fn from_url(src: &str) -> Result<Config, Error> {
        let e = Endpoint::parse(
            src,
            DEFAULT_PORT,
            // Not the ecosystem's own variable, which both environments would share.
            "ENVPARITY_<ENV>_REDIS_PASSWORD (ENVPARITY_STAGING_REDIS_PASSWORD, ENVPARITY_PRODUCTION_REDIS_PASSWORD) or a variable named by `password_env` in the config file's [[staging.redis]] or [[production.redis]], one per environment",
        )?;
        let [(host, port)] = e.hosts.as_slice() else {
            return Err(Error::Usage(format!(
                "source `{}`: a redis source names one server",
                crate::normalize::safe_url(src)
            )));
        };
        Ok(Config {
            host: host.clone(),
            port: *port,
            user: e.user.clone(),
            password_env: None,
            tls: e.scheme == "rediss",
            ca_bundle: None,
            store: None,
            shortcut: true,
        })
    }

    fn uses_tls(&self) -> bool {
        self.tls || self.ca_bundle.is_some()
    }


    pub fn store(&self) -> &str {
        self.store.as_deref().unwrap_or("redis")
    }


    fn password(&self, ctx: &Context) -> Result<Option<String>, Error> {
        if let Some(var) = &self.password_env {
            return endpoint::required_var(&self.origin(), "password_env", var).map(Some);
        }
        if self.shortcut {
            let names = [
                endpoint::env_var_name(&ctx.environment, "REDIS_PASSWORD"),
                "REDISCLI_AUTH".to_string(),
            ];
            return Ok(endpoint::first_set(&names).map(|(_, v)| v));
        }
        Ok(None)
    }

    fn client(&self, password: Option<String>) -> Result<Client, SourceError> {
        let addr = if self.uses_tls() {
            ConnectionAddr::TcpTls {
                host: self.host.clone(),
                port: self.port,
                insecure: false,
                tls_params: None,
            }
        } else {
            ConnectionAddr::Tcp(self.host.clone(), self.port)
        };
        let mut redis = RedisConnectionInfo::default().set_skip_set_lib_name();
        if let Some(u) = &self.user {
            redis = redis.set_username(u);
        }
        if let Some(p) = &password {
            redis = redis.set_password(p);
        }
        let bad = |e: redis::RedisError| {
            SourceError::Failed(format!(
                "{}: {}",
                self.origin(),
                crate::error::one_line(&e.to_string())
            ))
        };
        let info = addr
            .into_connection_info()
            .map_err(bad)?
            .set_redis_settings(redis);
        match &self.ca_bundle {
            Some(ca) => {
                let pem = crate::input::read_bytes(ca)?;
                Client::build_with_tls(
                    info,
                    redis::TlsCertificates {
                        client_tls: None,
                        root_cert: Some(pem),
                    },
                )
                .map_err(bad)
            }
            None => Client::open(info).map_err(bad),
        }
    }
}

impl Collector for Config {
    const KIND: &'static str = "redis";

    fn from_shortcut(src: &str) -> Option<Result<Config, Error>> {
        matches!(super::scheme(src).as_deref(), Some("redis" | "rediss")).then(|| Config::from_url(src))
    }

    fn resolve_paths(&mut self, resolve: &dyn Fn(&Path) -> PathBuf) {
        super::resolve_path(&mut self.ca_bundle, resolve);
    }

    fn credential_vars(&self) -> Vec<(&'static str, &str)> {
        self.password_env
            .iter()
            .map(|v| ("password_env", v.as_str()))
            .collect()
    }

    fn origin(&self) -> String {
        let scheme = if self.uses_tls() { "rediss" } else { "redis" };
        let user = self
            .user
            .as_deref()
            .map(|u| format!("{u}@"))
            .unwrap_or_default();
        crate::normalize::safe_url(&format!("{scheme}://{user}{}:{}", self.host, self.port))
    }

    fn covers(&self) -> Vec<String> {
        vec![format!(
            "/datastores/{}",
            surface::escape_segment(self.store())
        )]
    }

    async fn collect(&self, ctx: &Context) -> Result<Collected, SourceError> {
        collect(self, ctx).await
    }
}

/// Connects, asks, and writes `/datastores/<store>/…`.
async fn collect(config: &Config, ctx: &Context) -> Result<Collected, SourceError> {
    let password = config.password(ctx)?;
    let client = config.client(password)?;
    let deadline = call_deadline(ctx.timeout);
    let conn_config = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(deadline))
        .set_response_timeout(Some(deadline));
    let at = format!("{}:{}", config.host, config.port);
    let mut conn = within(
        deadline,
        &format!("connecting to {at}"),
        client.get_multiplexed_async_connection_with_config(&conn_config),
    )
    .await
    .map_err(SourceError::Failed)?;

    let server = info(&mut conn, deadline, "server", &at)
        .await
        .map_err(SourceError::Failed)?;
    let mode = server
        .get("redis_mode")
        .cloned()
        .unwrap_or_else(|| "standalone".into());
    let mut facts = Facts {
        server,
        mode: mode.clone(),
        ..Default::default()
    };
    if mode == "sentinel" {
        facts.sentinel = Some(info(&mut conn, deadline, "sentinel", &at).await);
    } else {
        facts.replication = Some(info(&mut conn, deadline, "replication", &at).await);
    }
    if mode == "cluster" {
        facts.cluster = Some(cluster_info(&mut conn, deadline, &at).await);
    }
    facts.tls_port = if config.uses_tls() {
        None
    } else {
        Some(tls_port(&mut conn, deadline, &at).await)
    };
    let mut node = facts.into_surface(config.uses_tls());
    if let Value::Object(m) = &mut node {
        m.insert("host".into(), json!(config.host));
        m.insert("port".into(), json!(config.port));
    }
    let mut surface = surface::empty();
    surface::set_pointer(&mut surface, &config.covers()[0], node);
    Ok(Collected {
        surface,
        covers: config.covers(),
        ..Default::default()
    })
}

async fn info(
    conn: &mut MultiplexedConnection,
    deadline: Duration,
    section: &str,
    at: &str,
) -> Result<BTreeMap<String, String>, String> {
    let text: String = within(
        deadline,
        &format!("INFO {section} from {at}"),
        redis::cmd("INFO").arg(section).query_async::<String>(conn),
    )
    .await?;
    Ok(parse_info(&text))
}

async fn cluster_info(
    conn: &mut MultiplexedConnection,
    deadline: Duration,
    at: &str,
) -> Result<BTreeMap<String, String>, String> {
    let text: String = within(
        deadline,
        &format!("CLUSTER INFO from {at}"),
        redis::cmd("CLUSTER")
            .arg("INFO")
            .query_async::<String>(conn),
    )
    .await?;
    Ok(parse_info(&text))
}

/// `CONFIG GET tls-port`: managed services often disable CONFIG, so a refusal is kept as
/// a reason rather than failing the source.
async fn tls_port(
    conn: &mut MultiplexedConnection,
    deadline: Duration,
    at: &str,
) -> Result<u16, String> {
    let pair: Vec<String> = within(
        deadline,
        &format!("CONFIG GET tls-port from {at}"),
        redis::cmd("CONFIG")
            .arg("GET")
            .arg("tls-port")
            .query_async::<Vec<String>>(conn),
    )
    .await?;
    Ok(pair.get(1).and_then(|p| p.parse().ok()).unwrap_or(0))
}

/// Parses the `key:value` lines of an INFO reply (section headers and blanks skipped).
pub fn parse_info(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// What was learnt from one server; a section that could not be read is `Err(reason)`.
#[derive(Debug, Default)]
pub struct Facts {
    pub server: BTreeMap<String, String>,
    pub mode: String,
    pub replication: Option<Result<BTreeMap<String, String>, String>>,
    pub sentinel: Option<Result<BTreeMap<String, String>, String>>,
    pub cluster: Option<Result<BTreeMap<String, String>, String>>,
    pub tls_port: Option<Result<u16, String>>,
}

impl Facts {
    /// The surface node of this server, without host and port.
    pub fn into_surface(self, connected_with_tls: bool) -> Value {
        let mut m = Map::new();
        if let Some(v) = self.server.get("redis_version") {
            m.insert("version".into(), json!(v));
        }
        m.insert("mode".into(), json!(self.mode));
        let tls = match self.tls_port {
            None => json!(connected_with_tls),
            Some(Ok(port)) => json!(connected_with_tls || port > 0),
            // Plain TCP worked and the server would not say whether it also serves TLS:
            // what is known is that this path to it is unencrypted.
            Some(Err(_)) => json!(connected_with_tls),
        };
        m.insert("tls".into(), tls);
        match self.replication {
            Some(Ok(r)) => {
                let role = match r.get("role").map(String::as_str) {
                    Some("master") => "primary",
                    Some("slave") => "replica",
                    Some(other) => other,
                    None => "unknown",
                };
                let replicas: u64 = r
                    .get("connected_slaves")
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                let role = if role == "primary" && replicas == 0 {
                    "standalone"
                } else {
                    role
                };
                m.insert("role".into(), json!(role));
                m.insert("replicas".into(), json!(replicas));
                m.insert("replicated".into(), json!(role != "standalone"));
                if role == "replica" {
                    m.insert(
                        "replication_running".into(),
                        json!(r.get("master_link_status").map(String::as_str) == Some("up")),
                    );
                }
            }
            Some(Err(e)) => {
                for k in ["role", "replicas", "replicated"] {
                    m.insert(k.into(), surface::unknown(e.clone()));
                }
            }
            None => {}
        }
        if let Some(s) = self.sentinel {
            m.insert(
                "sentinel_masters".into(),
                match s {
                    Ok(s) => json!(
                        s.get("sentinel_masters")
                            .and_then(|n| n.parse::<u64>().ok())
                            .unwrap_or(0)
                    ),
                    Err(e) => surface::unknown(e),
                },
            );
        }
        if let Some(c) = self.cluster {
            match c {
                Ok(c) => {
                    let num = |k: &str| c.get(k).and_then(|n| n.parse::<u64>().ok());
                    if let Some(n) = num("cluster_known_nodes") {
                        m.insert("members".into(), json!(n));
                    }
                    if let Some(n) = num("cluster_size") {
                        m.insert("shards".into(), json!(n));
                    }
                    m.insert(
                        "cluster_ok".into(),
                        json!(c.get("cluster_state").map(String::as_str) == Some("ok")),
                    );
                }
                Err(e) => {
                    m.insert("members".into(), surface::unknown(e));
                }
            }
        }
        Value::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // As printed by redis-server 7.0 for `INFO replication` on a primary with a replica.
    const PRIMARY: &str = "# Replication\r\nrole:master\r\nconnected_slaves:1\r\n\
        slave0:ip=127.0.0.1,port=6380,state=online,offset=126,lag=1\r\n\
        master_failover_state:no-failover\r\nmaster_replid:8a5d0c0e5f5c6a6f5e6c1c2b3a4d5e6f7a8b9c0d\r\n";

    #[test]
    fn primary_with_connected_slave_is_replicated() {
        let f = Facts {
            server: parse_info("# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n"),
            mode: "standalone".into(),
            replication: Some(Ok(parse_info(PRIMARY))),
            ..Default::default()
        };
        let v = f.into_surface(false);
        assert_eq!(v["role"], "primary");
        assert_eq!(v["replicas"], 1);
        assert_eq!(v["replicated"], true);
        assert_eq!(v["version"], "7.0.15");
    }

    #[test]
    fn master_without_replicas_is_standalone() {
        let f = Facts {
            mode: "standalone".into(),
            replication: Some(Ok(parse_info("role:master\r\nconnected_slaves:0\r\n"))),
            ..Default::default()
        };
        let v = f.into_surface(false);
        assert_eq!(v["role"], "standalone");
        assert_eq!(v["replicated"], false);
    }

    #[test]
    fn rediss_shortcut_means_tls() {
        let c = Config::from_url("rediss://cache.internal:6380").unwrap();
        assert!(c.tls);
        assert_eq!(c.origin(), "rediss://cache.internal:6380");
    }
}
