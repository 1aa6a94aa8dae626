//! The `mysql` source: a live MySQL or MariaDB server, asked for its version, flavour,
//! read-only state, replication role and connected replicas, TLS and binlog format.
//!
//! A staging database without the replica production has is the reduced copy this tool
//! exists to catch, and the same server reached from both environments is a shared one.
//! Each query is read on its own: a query the account may not run makes that one fact
//! unknown, not the whole server.

use super::endpoint::{self, Endpoint, call_deadline, within};
use super::{Collected, Collector, Context, SourceError};
use crate::error::Error;
use crate::surface;
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, OptsBuilder, Row, SslOpts};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};

pub const DEFAULT_PORT: u16 = 3306;

/// `[[<env>.mysql]]` in the config file.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub host: String,
    #[serde(default = "default_port")]
    pub port: u16,
    #[serde(default)]
    pub user: Option<String>,
    /// The environment variable holding the password (never the password itself).
    #[serde(default)]
    pub password_env: Option<String>,
    /// Require TLS to the server.
    #[serde(default)]
    pub tls: bool,
    /// PEM file of the CA that signed the server's certificate (implies `tls`).
    #[serde(default)]
    pub ca_bundle: Option<PathBuf>,
    /// Key under `/datastores` (default `mysql`), for a deployment with several servers.
    #[serde(default)]
    pub store: Option<String>,
    /// The LMS's database on this server: its SSO providers (hidden ones included), SAML
    /// configurations, site configuration and OAuth applications are read from it
    /// (read-only; see `lms_tables`).
    #[serde(default)]
    pub lms_database: Option<String>,
    /// Set for a shortcut: the password comes from `ENVPARITY_<ENV>_MYSQL_PASSWORD` or
    /// `MYSQL_PWD`.
    #[serde(skip)]
    pub shortcut: bool,
}

fn default_port() -> u16 {
    DEFAULT_PORT
}

impl Config {
    /// `mysql://USER@HOST:PORT[?tls=true]`.
    pub fn from_url(src: &str) -> Result<Config, Error> {
        let e = Endpoint::parse(
            src,
            DEFAULT_PORT,
            // Not the ecosystem's own variable, which both environments would share.
            "ENVPARITY_<ENV>_MYSQL_PASSWORD (ENVPARITY_STAGING_MYSQL_PASSWORD, ENVPARITY_PRODUCTION_MYSQL_PASSWORD) or a variable named by `password_env` in the config file's [[staging.mysql]] or [[production.mysql]], one per environment",
        )?;
        let [(host, port)] = e.hosts.as_slice() else {
            return Err(Error::Usage(format!(
                "source `{}`: a mysql source names one server",
                crate::normalize::safe_url(src)
            )));
        };
        Ok(Config {
            host: host.clone(),
            port: *port,
            user: e.user.clone(),
            password_env: None,
            tls: matches!(e.param("tls"), Some("true" | "1" | "required")),
            ca_bundle: None,
            store: None,
            lms_database: None,
            shortcut: true,
        })
    }


    pub fn store(&self) -> &str {
        self.store.as_deref().unwrap_or("mysql")
    }


    fn password(&self, ctx: &Context) -> Result<Option<String>, Error> {
        if let Some(var) = &self.password_env {
            return endpoint::required_var(&self.origin(), "password_env", var).map(Some);
        }
        if self.shortcut {
            let names = [
                endpoint::env_var_name(&ctx.environment, "MYSQL_PASSWORD"),
                "MYSQL_PWD".to_string(),
            ];
            return Ok(endpoint::first_set(&names).map(|(_, v)| v));
        }
        Ok(None)
    }
}

impl Collector for Config {
    const KIND: &'static str = "mysql";

    fn from_shortcut(src: &str) -> Option<Result<Config, Error>> {
        matches!(super::scheme(src).as_deref(), Some("mysql" | "mariadb")).then(|| Config::from_url(src))
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
        let user = self
            .user
            .as_deref()
            .map(|u| format!("{u}@"))
            .unwrap_or_default();
        crate::normalize::safe_url(&format!("mysql://{user}{}:{}", self.host, self.port))
    }

    fn covers(&self) -> Vec<String> {
        let mut c = vec![format!(
            "/datastores/{}",
            surface::escape_segment(self.store())
        )];
        if self.lms_database.is_some() {
            c.extend(super::lms_tables::COVERS.iter().map(|p| p.to_string()));
        }
        c
    }

    async fn collect(&self, ctx: &Context) -> Result<Collected, SourceError> {
        collect(self, ctx).await
    }
}

/// Connects, asks, and writes `/datastores/<store>/…`.
async fn collect(config: &Config, ctx: &Context) -> Result<Collected, SourceError> {
    let password = config.password(ctx)?;
    let deadline = call_deadline(ctx.timeout);
    let mut opts = OptsBuilder::default()
        .ip_or_hostname(config.host.clone())
        .tcp_port(config.port)
        .user(config.user.clone())
        .pass(password)
        .prefer_socket(false)
        .stmt_cache_size(0);
    if config.tls || config.ca_bundle.is_some() {
        let mut ssl = SslOpts::default();
        if let Some(ca) = &config.ca_bundle {
            // Read here, through the guards, rather than by the driver at connect time.
            let pem = crate::input::read_bytes(ca)?;
            ssl = ssl.with_root_certs(vec![pem.into()]);
        }
        opts = opts.ssl_opts(Some(ssl));
    }
    let at = format!("{}:{}", config.host, config.port);
    let mut conn = within(deadline, &format!("connecting to {at}"), Conn::new(opts))
        .await
        .map_err(SourceError::Failed)?;
    let facts = read_facts(&mut conn, deadline).await;
    let lms = match (&config.lms_database, &facts) {
        (Some(db), Ok(_)) => {
            Some(super::lms_tables::read(&mut conn, db, deadline, &ctx.fingerprinter).await)
        }
        _ => None,
    };
    // A polite goodbye; a server that stops answering here changes nothing collected.
    let _ = tokio::time::timeout(deadline, conn.disconnect()).await;
    let facts = facts.map_err(SourceError::Failed)?;
    let mut surface = surface::empty();
    let pointer = config.covers().remove(0);
    let mut node = facts.into_surface();
    if let Value::Object(m) = &mut node {
        m.insert("host".into(), json!(config.host));
        m.insert("port".into(), json!(config.port));
    }
    surface::set_pointer(&mut surface, &pointer, node);
    if let Some(lms) = lms {
        surface::merge(&mut surface, lms);
    }
    Ok(Collected {
        surface,
        covers: config.covers(),
        ..Default::default()
    })
}

/// What was learnt from one server; a field the account could not read is `Err(reason)`.
#[derive(Debug)]
pub struct Facts {
    pub variables: Map<String, Value>,
    pub ssl_cipher: Option<String>,
    /// Rows of SHOW REPLICA/SLAVE STATUS: non-empty on a replica.
    pub replica_status: Result<Vec<ReplicaStatus>, String>,
    /// Replicas connected to this server.
    pub connected_replicas: Result<u64, String>,
}

/// One replication channel of a replica.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicaStatus {
    pub source_host: Option<String>,
    pub io_running: bool,
    pub sql_running: bool,
}

async fn read_facts(conn: &mut Conn, deadline: std::time::Duration) -> Result<Facts, String> {
    // The variables tell which server this is; without them nothing else is worth
    // reporting, so a failure here fails the source.
    let rows: Vec<Row> = within(
        deadline,
        "SHOW GLOBAL VARIABLES",
        conn.query(
            "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('version', 'version_comment', \
             'read_only', 'super_read_only', 'have_ssl', 'binlog_format', 'log_bin', \
             'require_secure_transport')",
        ),
    )
    .await?;
    let mut variables = Map::new();
    for row in &rows {
        if let (Some(k), Some(v)) = (text(row, 0), text(row, 1)) {
            variables.insert(k.to_ascii_lowercase(), Value::String(v));
        }
    }
    let mariadb = variables
        .get("version")
        .and_then(Value::as_str)
        .is_some_and(|v| v.contains("MariaDB"));

    let cipher: Vec<Row> = within(
        deadline,
        "SHOW SESSION STATUS",
        conn.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'"),
    )
    .await?;
    let ssl_cipher = cipher.first().and_then(|r| text(r, 1));

    // MariaDB has always spoken SHOW SLAVE STATUS; MySQL renamed it in 8.0.22 and
    // removes the old name in 8.4.
    let status_queries: &[&str] = if mariadb {
        &["SHOW SLAVE STATUS"]
    } else {
        &["SHOW REPLICA STATUS", "SHOW SLAVE STATUS"]
    };
    let replica_status = first_answer(conn, deadline, status_queries)
        .await
        .map(|rows| rows.iter().map(replica_status).collect());

    let hosts_queries: &[&str] = if mariadb {
        &["SHOW SLAVE HOSTS"]
    } else {
        &["SHOW REPLICAS", "SHOW SLAVE HOSTS"]
    };
    let listed = first_answer(conn, deadline, hosts_queries)
        .await
        .map(|rows| rows.len() as u64);
    // SHOW SLAVE HOSTS lists only replicas that registered (older MySQL needs
    // --report-host for that); a Binlog Dump thread exists for every connected replica.
    let dumping: Result<u64, String> = within(
        deadline,
        "counting Binlog Dump threads",
        conn.query_first::<u64, _>(
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'",
        ),
    )
    .await
    .map(Option::unwrap_or_default);
    let connected_replicas = match (listed, dumping) {
        (Ok(a), Ok(b)) => Ok(a.max(b)),
        (Ok(a), Err(_)) | (Err(_), Ok(a)) => Ok(a),
        (Err(a), Err(b)) => Err(format!("{a}; {b}")),
    };
    Ok(Facts {
        variables,
        ssl_cipher,
        replica_status,
        connected_replicas,
    })
}

/// Runs the queries in order and returns the rows of the first one the server accepts.
async fn first_answer(
    conn: &mut Conn,
    deadline: std::time::Duration,
    queries: &[&str],
) -> Result<Vec<Row>, String> {
    let mut errors = Vec::new();
    for q in queries {
        match within(deadline, q, conn.query::<Row, _>(*q)).await {
            Ok(rows) => return Ok(rows),
            Err(e) if e.contains("no answer within") => return Err(e),
            Err(e) => errors.push(e),
        }
    }
    Err(errors.join("; "))
}

/// A column of a row as text (NULL: None).
pub(super) fn text(row: &Row, idx: usize) -> Option<String> {
    match row.as_ref(idx)? {
        mysql_async::Value::Bytes(b) => Some(String::from_utf8_lossy(b).into_owned()),
        mysql_async::Value::NULL => None,
        v => Some(v.as_sql(true)),
    }
}

fn column(row: &Row, names: &[&str]) -> Option<String> {
    let cols = row.columns_ref();
    names.iter().find_map(|n| {
        let i = cols
            .iter()
            .position(|c| c.name_str().eq_ignore_ascii_case(n))?;
        text(row, i)
    })
}

fn replica_status(row: &Row) -> ReplicaStatus {
    let yes = |names: &[&str]| column(row, names).is_some_and(|v| v.eq_ignore_ascii_case("yes"));
    ReplicaStatus {
        source_host: column(row, &["Source_Host", "Master_Host"]),
        io_running: yes(&["Replica_IO_Running", "Slave_IO_Running"]),
        sql_running: yes(&["Replica_SQL_Running", "Slave_SQL_Running"]),
    }
}

impl Facts {
    /// The surface node of this server, without host and port.
    pub fn into_surface(self) -> Value {
        let var = |k: &str| self.variables.get(k).and_then(Value::as_str);
        let on = |k: &str| var(k).map(|v| matches!(v.to_ascii_uppercase().as_str(), "ON" | "1"));
        let mut m = Map::new();
        let full = var("version").unwrap_or_default();
        let mariadb = full.contains("MariaDB");
        m.insert("version".into(), json!(numeric_version(full)));
        m.insert(
            "flavour".into(),
            json!(if mariadb { "mariadb" } else { "mysql" }),
        );
        if let Some(ro) = on("read_only") {
            m.insert(
                "read_only".into(),
                json!(ro || on("super_read_only").unwrap_or(false)),
            );
        }
        if let Some(f) = var("binlog_format") {
            // Without a binary log the format setting is inert.
            let logging = on("log_bin").unwrap_or(true);
            m.insert(
                "binlog_format".into(),
                if logging {
                    json!(f.to_ascii_uppercase())
                } else {
                    Value::Null
                },
            );
        }
        let have_ssl = var("have_ssl").map(|v| v.eq_ignore_ascii_case("YES"));
        let session_tls = self.ssl_cipher.as_deref().is_some_and(|c| !c.is_empty());
        m.insert(
            "tls".into(),
            json!(have_ssl.unwrap_or(false) || session_tls),
        );
        if let Some(req) = on("require_secure_transport") {
            m.insert("tls_required".into(), json!(req));
        }
        match &self.connected_replicas {
            Ok(n) => m.insert("replicas".into(), json!(n)),
            Err(e) => m.insert(
                "replicas".into(),
                surface::unknown(format!("connected replicas: {e}")),
            ),
        };
        let role = match (&self.replica_status, &self.connected_replicas) {
            (Ok(rows), _) if !rows.is_empty() => Ok("replica"),
            (_, Ok(n)) if *n > 0 => Ok("primary"),
            (Ok(_), Ok(_)) => Ok("standalone"),
            (Err(e), _) => Err(format!("replica status: {e}")),
            (_, Err(e)) => Err(format!("connected replicas: {e}")),
        };
        match role {
            Ok(r) => {
                m.insert("role".into(), json!(r));
                m.insert("replicated".into(), json!(r != "standalone"));
            }
            Err(e) => {
                m.insert("role".into(), surface::unknown(e.clone()));
                m.insert("replicated".into(), surface::unknown(e));
            }
        }
        if let Ok(rows) = &self.replica_status
            && !rows.is_empty()
        {
            m.insert(
                "replication_running".into(),
                json!(rows.iter().all(|r| r.io_running && r.sql_running)),
            );
            let sources: Map<String, Value> = rows
                .iter()
                .filter_map(|r| r.source_host.clone())
                .map(|h| (h, json!({})))
                .collect();
            m.insert("replicates_from".into(), Value::Object(sources));
        }
        Value::Object(m)
    }
}

/// `10.11.6-MariaDB-0+deb12u1-log` → `10.11.6`: the distribution suffix says how the
/// server was packaged, not which server it is.
pub fn numeric_version(full: &str) -> String {
    let end = full
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(full.len());
    if end == 0 {
        full.to_string()
    } else {
        full[..end].trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Map<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect()
    }

    #[test]
    fn mariadb_version_loses_its_packaging_suffix() {
        assert_eq!(numeric_version("10.11.6-MariaDB-0+deb12u1-log"), "10.11.6");
        assert_eq!(numeric_version("8.0.36"), "8.0.36");
    }

    #[test]
    fn primary_with_a_dump_thread_is_replicated() {
        let f = Facts {
            variables: vars(&[("version", "8.0.36"), ("read_only", "OFF")]),
            ssl_cipher: None,
            replica_status: Ok(vec![]),
            connected_replicas: Ok(2),
        };
        let v = f.into_surface();
        assert_eq!(v["role"], "primary");
        assert_eq!(v["replicas"], 2);
        assert_eq!(v["replicated"], true);
        assert_eq!(v["flavour"], "mysql");
    }

    #[test]
    fn denied_replica_status_makes_role_unknown_not_standalone() {
        let f = Facts {
            variables: vars(&[("version", "10.11.6-MariaDB")]),
            ssl_cipher: None,
            replica_status: Err("Access denied".into()),
            connected_replicas: Ok(0),
        };
        let v = f.into_surface();
        assert!(surface::as_unknown(&v["role"]).is_some());
        assert!(surface::as_unknown(&v["replicated"]).is_some());
    }

    #[test]
    fn shortcut_keeps_user_and_host() {
        let c = Config::from_url("mysql://envparity@db.internal:3307").unwrap();
        assert_eq!(
            (c.host.as_str(), c.port, c.user.as_deref()),
            ("db.internal", 3307, Some("envparity"))
        );
        assert_eq!(c.origin(), "mysql://envparity@db.internal:3307");
    }
}
