//! The `mongodb` source: a replica set's shape — name, members keyed by host with their
//! state, priority, votes, hidden and arbiter flags, whether a primary is present, TLS
//! and the server version — from the documents MongoDB itself prints.
//!
//! The input is a JSON file (`status_file`): what `mongosh --quiet --eval
//! 'EJSON.stringify(rs.status())'` prints (replSetGetStatus), `rs.conf()`
//! (replSetGetConfig), `db.hello()`, or one combined document
//! `{"hello": …, "status": …, "config": …, "buildInfo": …, "cmdLineOpts": …}`, any part
//! optional. A live connection is made with the wire protocol's `hello` and `buildInfo`
//! commands (see [`wire`]), which MongoDB answers without authentication; the member
//! details that need `replSetGetStatus` (clusterMonitor role) come from the file.
//!
//! "A single MongoDB instead of a replica set" is the classic reduced staging of an
//! Open edX deployment, so a standalone server is reported as such (not as unknown):
//! `replicated: false`, one member.

pub mod wire;

use super::endpoint::{self, Endpoint, call_deadline};
use super::{Collected, Collector, Context, SourceError};
use crate::error::{Error, parse_json, read_file};
use crate::surface;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const DEFAULT_PORT: u16 = 27017;

/// `[[<env>.mongodb]]` in the config file: either `status_file`, or `hosts` to ask live.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// A saved JSON document (see the module documentation).
    #[serde(default)]
    pub status_file: Option<PathBuf>,
    /// Seed list, `host:port` each, for a live `hello`.
    #[serde(default)]
    pub hosts: Vec<String>,
    /// The replica set the seed list should belong to.
    #[serde(default)]
    pub replica_set: Option<String>,
    /// Connect with TLS.
    #[serde(default)]
    pub tls: bool,
    /// PEM file of the CA that signed the servers' certificates (implies `tls`).
    #[serde(default)]
    pub ca_bundle: Option<PathBuf>,
    /// Kept for the day authenticated commands are asked live; `hello` and `buildInfo`
    /// need none.
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub password_env: Option<String>,
    /// Key under `/datastores` (default `mongodb`).
    #[serde(default)]
    pub store: Option<String>,
}

impl Config {
    /// `mongodb://HOST[,HOST...]/?replicaSet=NAME[&tls=true]`.
    pub fn from_url(src: &str) -> Result<Config, Error> {
        let e = Endpoint::parse(src, DEFAULT_PORT, "ENVPARITY_<ENV>_MONGODB_PASSWORD")?;
        let tls = e
            .param("tls")
            .or(e.param("ssl"))
            .is_some_and(|v| v == "true");
        Ok(Config {
            hosts: e.hosts.iter().map(|(h, p)| format!("{h}:{p}")).collect(),
            replica_set: e.param("replicaSet").map(str::to_string),
            tls: tls || e.scheme == "mongodb+srv",
            user: e.user.clone(),
            ..Default::default()
        })
    }


    pub fn store(&self) -> &str {
        self.store.as_deref().unwrap_or("mongodb")
    }

}

impl Collector for Config {
    const KIND: &'static str = "mongodb";

    fn from_shortcut(src: &str) -> Option<Result<Config, Error>> {
        matches!(super::scheme(src).as_deref(), Some("mongodb")).then(|| Config::from_url(src))
    }

    fn resolve_paths(&mut self, resolve: &dyn Fn(&Path) -> PathBuf) {
        super::resolve_path(&mut self.ca_bundle, resolve);
        super::resolve_path(&mut self.status_file, resolve);
    }

    fn credential_vars(&self) -> Vec<(&'static str, &str)> {
        self.password_env
            .iter()
            .map(|v| ("password_env", v.as_str()))
            .collect()
    }

    fn origin(&self) -> String {
        match &self.status_file {
            Some(p) => p.display().to_string(),
            None => {
                let rs = self
                    .replica_set
                    .as_deref()
                    .map(|r| format!("/?replicaSet={r}"))
                    .unwrap_or_default();
                // The replica set is ours to show; the hosts are masked like any URL.
                format!(
                    "{}{rs}",
                    crate::normalize::safe_url(&format!("mongodb://{}", self.hosts.join(",")))
                )
            }
        }
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

/// Reads the file or asks the servers, and writes `/datastores/<store>/…`.
async fn collect(config: &Config, ctx: &Context) -> Result<Collected, SourceError> {
    let node = match &config.status_file {
        Some(path) => {
            let path = path.clone();
            let text = tokio::task::spawn_blocking(move || read_file(&path))
                .await
                .map_err(|e| SourceError::Failed(super::crashed("mongodb", e)))??;
            let path = config.status_file.as_deref().unwrap_or(Path::new(""));
            let doc: Value = parse_json(path, &text)?;
            let documents = Documents::from_file(&doc).map_err(|e| Error::invalid(path, e))?;
            documents.into_surface().map_err(SourceError::Failed)?
        }
        None => {
            if config.hosts.is_empty() {
                return Err(SourceError::Input(Error::Usage(
                    "a mongodb source needs status_file or hosts".into(),
                )));
            }
            let documents = live(config, ctx).await.map_err(SourceError::Failed)?;
            let mut node = documents.into_surface().map_err(SourceError::Failed)?;
            if let Value::Object(m) = &mut node {
                m.insert(
                    "tls".into(),
                    json!(config.tls || config.ca_bundle.is_some()),
                );
                // A standalone's hello names no host; the seed it was reached by does.
                if !m.contains_key("host")
                    && let Some(seed) = config.hosts.first()
                {
                    m.insert("host".into(), json!(seed));
                }
                if let (Some(want), Some(got)) = (&config.replica_set, m.get("replica_set"))
                    && got.as_str() != Some(want.as_str())
                {
                    return Err(SourceError::Failed(format!(
                        "{}: the servers belong to replica set {got}, not {want}",
                        config.origin()
                    )));
                }
            }
            node
        }
    };
    let mut surface = surface::empty();
    surface::set_pointer(&mut surface, &config.covers()[0], node);
    Ok(Collected {
        surface,
        covers: config.covers(),
        ..Default::default()
    })
}

/// Asks each seed in turn until one answers `hello`; `buildInfo` adds the version.
async fn live(config: &Config, ctx: &Context) -> Result<Documents, String> {
    let deadline = call_deadline(ctx.timeout);
    let tls = if config.tls || config.ca_bundle.is_some() {
        Some(wire::TlsSettings {
            ca_bundle: config.ca_bundle.clone(),
        })
    } else {
        None
    };
    let mut errors = Vec::new();
    for seed in &config.hosts {
        let (host, port) = match seed.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p.parse().unwrap_or(DEFAULT_PORT)),
            None => (seed.clone(), DEFAULT_PORT),
        };
        let what = format!("hello to {seed}");
        let asked = endpoint::within(deadline, &what, async {
            let mut conn = wire::Connection::open(&host, port, tls.as_ref()).await?;
            let hello = conn.command("admin", "hello").await?;
            let build = conn.command("admin", "buildInfo").await.ok();
            Ok::<_, wire::WireError>((hello, build))
        })
        .await;
        match asked {
            Ok((hello, build)) => {
                return Ok(Documents {
                    hello: Some(hello),
                    build_info: build,
                    ..Default::default()
                });
            }
            Err(e) => errors.push(e),
        }
    }
    Err(errors.join("; "))
}

/// The documents a replica set's shape is read from; any may be missing.
#[derive(Debug, Default, Clone)]
pub struct Documents {
    pub hello: Option<Value>,
    pub status: Option<Value>,
    pub config: Option<Value>,
    pub build_info: Option<Value>,
    pub cmd_line_opts: Option<Value>,
    pub version: Option<String>,
}

impl Documents {
    /// Recognizes what a file holds: a combined document, or one command's output.
    pub fn from_file(doc: &Value) -> Result<Documents, String> {
        let Value::Object(m) = doc else {
            return Err("expected a JSON object (replSetGetStatus, replSetGetConfig, hello, or {hello, status, config})".into());
        };
        let combined = ["hello", "status", "config", "buildInfo", "cmdLineOpts"]
            .iter()
            .any(|k| m.get(*k).is_some_and(Value::is_object));
        if combined && !m.contains_key("members") {
            let obj = |k: &str| m.get(k).filter(|v| v.is_object()).cloned();
            return Ok(Documents {
                hello: obj("hello"),
                status: obj("status"),
                config: obj("config").map(unwrap_config),
                build_info: obj("buildInfo"),
                cmd_line_opts: obj("cmdLineOpts"),
                version: m.get("version").and_then(Value::as_str).map(str::to_string),
            });
        }
        let mut d = Documents::default();
        if is_error(doc) || m.contains_key("myState") || m.contains_key("set") {
            d.status = Some(doc.clone());
        } else if m.contains_key("isWritablePrimary") || m.contains_key("ismaster") {
            d.hello = Some(doc.clone());
        } else if m.contains_key("members") && m.contains_key("_id") {
            d.config = Some(doc.clone());
        } else {
            return Err("not a document this source knows: expected replSetGetStatus (rs.status()), replSetGetConfig (rs.conf()), hello, or {hello, status, config}".into());
        }
        Ok(d)
    }

    /// The surface node of the replica set (or standalone server).
    ///
    /// An error document other than "not a replica set" (e.g. Unauthorized) leaves the
    /// shape unknown, and so does a document set with nothing to read.
    pub fn into_surface(self) -> Result<Value, String> {
        let mut m = Map::new();
        if let Some(v) = self.version() {
            m.insert("version".into(), json!(v));
        }
        if let Some(tls) = self.tls() {
            m.insert("tls".into(), json!(tls));
        }
        if let Some(status) = self.status.as_ref().filter(|s| is_error(s)) {
            let code = status.get("codeName").and_then(Value::as_str).unwrap_or("");
            let errmsg = status.get("errmsg").and_then(Value::as_str).unwrap_or("");
            match code {
                // A mongod started without --replSet.
                "NoReplicationEnabled" => return Ok(standalone(m, "standalone")),
                // Started with --replSet, never initiated: no replication either.
                "NotYetInitialized" => return Ok(standalone(m, "uninitialized")),
                _ if errmsg.contains("not running with --replSet") => {
                    return Ok(standalone(m, "standalone"));
                }
                _ => {
                    return Err(format!(
                        "replSetGetStatus answered an error: {} {}",
                        code,
                        crate::error::one_line(errmsg)
                    )
                    .trim()
                    .to_string());
                }
            }
        }
        let members = self.members();
        let set_name = self
            .status
            .as_ref()
            .and_then(|s| s.get("set"))
            .or_else(|| self.config.as_ref().and_then(|c| c.get("_id")))
            .or_else(|| self.hello.as_ref().and_then(|h| h.get("setName")))
            .and_then(Value::as_str)
            .map(str::to_string);
        if set_name.is_none() {
            if let Some(h) = &self.hello {
                if h.get("msg").and_then(Value::as_str) == Some("isdbgrid") {
                    return Err("the server is a mongos router; point the source at the shards' replica sets".into());
                }
                return Ok(standalone(m, "standalone"));
            }
            return Err("the documents name no replica set and carry no hello".into());
        }
        m.insert("replica_set".into(), json!(set_name));
        m.insert("replicated".into(), json!(true));
        m.insert("role".into(), json!("replica_set"));
        m.insert("members".into(), json!(members.len()));
        let count = |f: &dyn Fn(&Member) -> bool| members.values().filter(|x| f(x)).count();
        m.insert(
            "data_members".into(),
            json!(count(&|x| x.arbiter != Some(true))),
        );
        if members.values().any(|x| x.votes.is_some()) {
            m.insert(
                "voting_members".into(),
                json!(count(&|x| x.votes.unwrap_or(1) > 0)),
            );
        }
        m.insert(
            "arbiters".into(),
            json!(count(&|x| x.arbiter == Some(true))),
        );
        m.insert(
            "hidden_members".into(),
            json!(count(&|x| x.hidden == Some(true))),
        );
        let primary = members
            .iter()
            .find(|(_, x)| x.state.as_deref() == Some("PRIMARY"))
            .map(|(h, _)| h.clone())
            .or_else(|| {
                self.hello
                    .as_ref()
                    .and_then(|h| h.get("primary"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            });
        if self.status.is_some() || self.hello.is_some() {
            m.insert("primary".into(), json!(primary.is_some()));
            m.insert(
                "healthy_members".into(),
                json!(count(&|x| matches!(
                    x.state.as_deref(),
                    Some("PRIMARY" | "SECONDARY" | "ARBITER")
                ) && x.health != Some(0.0))),
            );
        }
        // For shared detection: the member the writes go to, or the first by name.
        if let Some(host) = primary.clone().or_else(|| members.keys().next().cloned()) {
            m.insert("host".into(), json!(host));
        }
        let hosts: Map<String, Value> = members
            .into_iter()
            .map(|(h, x)| (h, x.into_value()))
            .collect();
        m.insert("hosts".into(), Value::Object(hosts));
        Ok(Value::Object(m))
    }

    fn version(&self) -> Option<String> {
        self.build_info
            .as_ref()
            .and_then(|b| b.get("version"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| self.version.clone())
    }

    /// TLS from getCmdLineOpts: `net.tls.mode` (4.2+) or `net.ssl.mode` (older); any mode
    /// but `disabled` means the server speaks TLS.
    fn tls(&self) -> Option<bool> {
        let net = self.cmd_line_opts.as_ref()?.get("parsed")?.get("net")?;
        let mode = net
            .get("tls")
            .or_else(|| net.get("ssl"))
            .and_then(|t| t.get("mode"))
            .and_then(Value::as_str);
        Some(mode.is_some_and(|m| m != "disabled"))
    }

    /// Members keyed by `host:port`, merged from status (state, health), config
    /// (priority, votes, hidden, arbiterOnly) and hello (host lists).
    fn members(&self) -> BTreeMap<String, Member> {
        let mut out: BTreeMap<String, Member> = BTreeMap::new();
        if let Some(members) = self
            .config
            .as_ref()
            .and_then(|c| c.get("members"))
            .and_then(Value::as_array)
        {
            for x in members {
                let Some(host) = x.get("host").and_then(Value::as_str) else {
                    continue;
                };
                let e = out.entry(host.to_string()).or_default();
                e.priority = x.get("priority").and_then(ejson_number);
                e.votes = x.get("votes").and_then(ejson_number).map(|v| v as i64);
                e.hidden = Some(x.get("hidden").and_then(Value::as_bool).unwrap_or(false));
                e.arbiter = Some(
                    x.get("arbiterOnly")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                );
            }
        }
        if let Some(members) = self
            .status
            .as_ref()
            .and_then(|s| s.get("members"))
            .and_then(Value::as_array)
        {
            for x in members {
                let Some(host) = x.get("name").and_then(Value::as_str) else {
                    continue;
                };
                let e = out.entry(host.to_string()).or_default();
                e.state = x
                    .get("stateStr")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .or_else(|| x.get("state").and_then(ejson_number).map(state_name));
                e.health = x.get("health").and_then(ejson_number);
                if e.state.as_deref() == Some("ARBITER") {
                    e.arbiter = Some(true);
                }
            }
        }
        if let Some(h) = &self.hello {
            let list = |k: &str| -> Vec<String> {
                h.get(k)
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let primary = h.get("primary").and_then(Value::as_str);
            for host in list("hosts") {
                let e = out.entry(host.clone()).or_default();
                if e.state.is_none() {
                    e.state = Some(if Some(host.as_str()) == primary {
                        "PRIMARY".into()
                    } else {
                        "SECONDARY".into()
                    });
                }
            }
            for host in list("passives") {
                let e = out.entry(host).or_default();
                e.priority.get_or_insert(0.0);
                e.state.get_or_insert_with(|| "SECONDARY".into());
            }
            for host in list("arbiters") {
                let e = out.entry(host).or_default();
                e.arbiter = Some(true);
                e.state.get_or_insert_with(|| "ARBITER".into());
            }
            // hello lists neither hidden members nor itself when hidden; `me` is.
            if h.get("hidden").and_then(Value::as_bool) == Some(true)
                && let Some(me) = h.get("me").and_then(Value::as_str)
            {
                out.entry(me.to_string()).or_default().hidden = Some(true);
            }
        }
        out
    }
}

/// One replica-set member; `None` where no document said.
#[derive(Debug, Default, Clone)]
struct Member {
    state: Option<String>,
    health: Option<f64>,
    priority: Option<f64>,
    votes: Option<i64>,
    hidden: Option<bool>,
    arbiter: Option<bool>,
}

impl Member {
    fn into_value(self) -> Value {
        let mut m = Map::new();
        if let Some(s) = self.state {
            m.insert("state".into(), json!(s));
        }
        if let Some(p) = self.priority {
            m.insert("priority".into(), json!(p));
        }
        if let Some(v) = self.votes {
            m.insert("votes".into(), json!(v));
        }
        if let Some(h) = self.hidden {
            m.insert("hidden".into(), json!(h));
        }
        if let Some(a) = self.arbiter {
            m.insert("arbiter".into(), json!(a));
        }
        Value::Object(m)
    }
}

/// A server that is not (yet) a replica set: one member, counted the same way a set's
/// members are, so that each count compares against production's.
fn standalone(mut m: Map<String, Value>, role: &str) -> Value {
    // A standalone mongod takes writes; a member started with --replSet but never
    // initiated does not.
    let writable = role == "standalone";
    m.insert("replicated".into(), json!(false));
    m.insert("replica_set".into(), Value::Null);
    m.insert("role".into(), json!(role));
    m.insert("members".into(), json!(1));
    m.insert("data_members".into(), json!(1));
    m.insert("voting_members".into(), json!(1));
    m.insert("arbiters".into(), json!(0));
    m.insert("hidden_members".into(), json!(0));
    m.insert("primary".into(), json!(writable));
    m.insert("healthy_members".into(), json!(u8::from(writable)));
    Value::Object(m)
}

/// `{"ok": 0, "errmsg": …}`: a command that failed, as mongosh's EJSON prints it.
fn is_error(v: &Value) -> bool {
    v.get("ok").and_then(ejson_number) == Some(0.0)
}

/// Reads a number in plain JSON or in canonical Extended JSON (`{"$numberInt": "1"}`,
/// `$numberLong`, `$numberDouble`), since EJSON.stringify can print either.
fn ejson_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        Value::Object(m) => ["$numberInt", "$numberLong", "$numberDouble"]
            .iter()
            .find_map(|k| m.get(*k))
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok()),
        _ => None,
    }
}

/// replSetGetStatus's numeric `state`, named as its `stateStr` does.
fn state_name(n: f64) -> String {
    match n as i64 {
        0 => "STARTUP",
        1 => "PRIMARY",
        2 => "SECONDARY",
        3 => "RECOVERING",
        5 => "STARTUP2",
        6 => "UNKNOWN",
        7 => "ARBITER",
        8 => "DOWN",
        9 => "ROLLBACK",
        10 => "REMOVED",
        _ => "UNKNOWN",
    }
    .to_string()
}

/// replSetGetConfig answers `{"config": {…}, "ok": 1}`; rs.conf() prints the inner one.
fn unwrap_config(v: Value) -> Value {
    match v.get("config") {
        Some(inner) if inner.is_object() => inner.clone(),
        _ => v,
    }
}
