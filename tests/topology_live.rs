//! The mysql and redis collectors against real servers started here: a MariaDB primary
//! with one replica actually replicating, a standalone MariaDB, a Redis primary with a
//! replica, a standalone Redis — each on its own loopback port with a throwaway data
//! directory, stopped by a Drop guard (which also runs when a test panics).
//!
//! With the server binaries missing the tests are skipped with a message, except under
//! CI=true, where they fail: CI installs mariadb-server and redis-server.

#[path = "support/servers.rs"]
mod servers;

use serde_json::Value;
use servers::{MariaDb, Server, binaries, free_port, wait_until};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
use tempfile::TempDir;

const MYSQL_USER: &str = "envparity";
const MYSQL_PASSWORD: &str = "collector-pw";
const REPL_PASSWORD: &str = "repl-pw";
const REDIS_PASSWORD: &str = "staging-redis-pw";

impl MariaDb {
    /// The account the collector uses, with only the privileges the notes list.
    fn create_collector_user(&self, server: &Server) {
        self.must(
            server,
            &format!(
                "CREATE USER '{MYSQL_USER}'@'%' IDENTIFIED BY '{MYSQL_PASSWORD}'; \
                 GRANT PROCESS, BINLOG MONITOR, REPLICA MONITOR, REPLICATION MASTER ADMIN \
                 ON *.* TO '{MYSQL_USER}'@'%';"
            ),
        );
    }

    /// A primary with one replica that is verified to replicate.
    fn replicated_pair(&self) -> (Server, Server) {
        let primary = self.start("127.0.0.1", 1, true);
        self.create_collector_user(&primary);
        self.must(
            &primary,
            &format!(
                "CREATE USER 'repl'@'%' IDENTIFIED BY '{REPL_PASSWORD}'; \
                 GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%';"
            ),
        );
        let replica = self.start("127.0.0.1", 2, false);
        self.must(
            &replica,
            &format!(
                "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={}, \
                 MASTER_USER='repl', MASTER_PASSWORD='{REPL_PASSWORD}', \
                 MASTER_USE_GTID=no; START SLAVE;",
                primary.port
            ),
        );
        self.must(
            &primary,
            "CREATE DATABASE parity_probe; CREATE TABLE parity_probe.t (id INT); \
             INSERT INTO parity_probe.t VALUES (42);",
        );
        wait_until(
            "the replica to apply the primary's writes",
            Duration::from_secs(30),
            || {
                self.sql(&replica, "SELECT id FROM parity_probe.t")
                    .is_ok_and(|out| out.trim() == "42")
            },
        );
        (primary, replica)
    }
}

// ---------------------------------------------------------------- Redis

struct Redis {
    server: PathBuf,
    cli: PathBuf,
}

impl Redis {
    fn new() -> Option<Redis> {
        let b = binaries(&["redis-server", "redis-cli"])?;
        Some(Redis {
            server: b[0].clone(),
            cli: b[1].clone(),
        })
    }

    fn start(&self, ip: &'static str, extra: &[String]) -> Server {
        let dir = TempDir::new().expect("temp dir");
        let port = free_port(ip);
        let child = Command::new(&self.server)
            .args(["--port", &port.to_string(), "--bind", ip])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .arg("--dir")
            .arg(dir.path())
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting redis-server");
        let server = Server {
            child,
            ip,
            port,
            dir,
        };
        wait_until("redis-server", Duration::from_secs(15), || {
            self.cli(&server, &["PING"])
                .is_ok_and(|o| o.contains("PONG") || o.contains("NOAUTH"))
        });
        server
    }

    fn cli(&self, server: &Server, args: &[&str]) -> Result<String, String> {
        let out = Command::new(&self.cli)
            .args(["-h", server.ip, "-p", &server.port.to_string()])
            .args(args)
            .output()
            .map_err(|e| e.to_string())?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn replicated_pair(&self) -> (Server, Server) {
        let primary = self.start("127.0.0.1", &[]);
        let replica = self.start(
            "127.0.0.1",
            &[
                "--replicaof".into(),
                "127.0.0.1".into(),
                primary.port.to_string(),
            ],
        );
        self.cli(&primary, &["SET", "parity_probe", "42"])
            .expect("SET");
        wait_until("the Redis replica to sync", Duration::from_secs(20), || {
            self.cli(&replica, &["INFO", "replication"])
                .is_ok_and(|o| o.contains("master_link_status:up"))
                && self
                    .cli(&replica, &["GET", "parity_probe"])
                    .is_ok_and(|o| o.trim() == "42")
        });
        (primary, replica)
    }
}

// ---------------------------------------------------------------- the CLI

fn envparity() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_envparity"));
    for var in ["MYSQL_PWD", "REDISCLI_AUTH"] {
        c.env_remove(var);
    }
    // A key of its own: the run never reads or makes the user's key file.
    c.env("ENVPARITY_FINGERPRINT_KEY", "topology live tests");
    c
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().expect("running envparity");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn snapshot(env: &str, sources: &[String], vars: &[(&str, &str)]) -> (Run, Value) {
    let dir = TempDir::new().expect("temp dir");
    let out = dir.path().join("snap.json");
    let mut cmd = envparity();
    cmd.args(["snapshot", "--env", env, "--timeout", "20", "-o"])
        .arg(&out)
        .arg("--source")
        .args(sources);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let r = run(&mut cmd);
    let snap = std::fs::read_to_string(&out)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    (r, snap)
}

fn class_at<'a>(report: &'a Value, path: &str) -> Option<&'a str> {
    report["findings"]
        .as_array()?
        .iter()
        .find(|f| f["path"] == path)
        .and_then(|f| f["class"].as_str())
}

// ---------------------------------------------------------------- tests

#[test]
fn replicated_production_against_standalone_staging_is_reduced() {
    let (Some(maria), Some(redis)) = (MariaDb::new(), Redis::new()) else {
        return;
    };
    let (m_primary, m_replica) = maria.replicated_pair();
    let m_standalone = maria.start("127.0.0.2", 3, false);
    maria.create_collector_user(&m_standalone);
    let (r_primary, r_replica) = redis.replicated_pair();
    let r_standalone = redis.start(
        "127.0.0.2",
        &["--requirepass".into(), REDIS_PASSWORD.into()],
    );

    // The replica itself: it says it is one, and that replication runs.
    let (r, snap) = snapshot(
        "production",
        &[
            format!("mysql://{MYSQL_USER}@{}", m_replica.addr()),
            format!("redis://{}", r_replica.addr()),
        ],
        &[("MYSQL_PWD", MYSQL_PASSWORD)],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mysql = &snap["surface"]["datastores"]["mysql"];
    assert_eq!(mysql["role"], "replica", "{mysql}");
    assert_eq!(mysql["replication_running"], true, "{mysql}");
    assert_eq!(mysql["flavour"], "mariadb");
    assert!(
        mysql["replicates_from"].get("127.0.0.1").is_some(),
        "{mysql}"
    );
    let redis_node = &snap["surface"]["datastores"]["redis"];
    assert_eq!(redis_node["role"], "replica", "{redis_node}");
    assert_eq!(redis_node["replication_running"], true);

    // The gate: production (primary + replica) against staging (standalone).
    let mut cmd = envparity();
    cmd.args(["check", "--format", "json", "--timeout", "20", "--staging"])
        .arg(format!("mysql://{MYSQL_USER}@{}", m_standalone.addr()))
        .arg(format!("redis://{}", r_standalone.addr()))
        .arg("--production")
        .arg(format!("mysql://{MYSQL_USER}@{}", m_primary.addr()))
        .arg(format!("redis://{}", r_primary.addr()))
        .env("MYSQL_PWD", MYSQL_PASSWORD)
        .env("ENVPARITY_STAGING_REDIS_PASSWORD", REDIS_PASSWORD);
    let r = run(&mut cmd);
    assert_eq!(
        r.code, 1,
        "the gate fails on a reduced staging: {}",
        r.stderr
    );
    let report: Value = serde_json::from_str(&r.stdout).expect("JSON report");
    assert_eq!(report["verdict"], "fail");
    for path in [
        "/datastores/mysql/replicated",
        "/datastores/mysql/replicas",
        "/datastores/redis/replicated",
        "/datastores/redis/replicas",
    ] {
        assert_eq!(
            class_at(&report, path),
            Some("reduced"),
            "{path}: {}",
            r.stdout
        );
    }
    // Different servers on different hosts: nothing is shared, nothing unknown.
    assert_eq!(report["summary"]["shared"], 0, "{}", r.stdout);
    assert_eq!(report["summary"]["unknown"], 0, "{}", r.stdout);
    // No password reaches any output.
    for secret in [MYSQL_PASSWORD, REDIS_PASSWORD] {
        assert!(!r.stdout.contains(secret) && !r.stderr.contains(secret));
    }

    // The same pair on both sides holds parity.
    let mut cmd = envparity();
    cmd.args(["check", "--format", "json", "--timeout", "20", "--staging"])
        .arg(format!("redis://{}", r_replica.addr()))
        .arg("--production")
        .arg(format!("redis://{}", r_replica.addr()));
    let r = run(&mut cmd);
    let report: Value = serde_json::from_str(&r.stdout).expect("JSON report");
    // ... except that one server reached from both environments is shared.
    assert_eq!(
        class_at(&report, "/datastores/redis/host"),
        Some("shared"),
        "{}",
        r.stdout
    );
    assert_eq!(report["summary"]["reduced"], 0, "{}", r.stdout);
    drop((
        m_primary,
        m_replica,
        m_standalone,
        r_primary,
        r_replica,
        r_standalone,
    ));
}

#[test]
fn same_mysql_server_in_both_environments_is_shared_and_faults_are_unknown() {
    let Some(maria) = MariaDb::new() else {
        return;
    };
    let server = maria.start("127.0.0.1", 7, true);
    maria.create_collector_user(&server);
    let url = format!("mysql://{MYSQL_USER}@{}", server.addr());

    let mut cmd = envparity();
    cmd.args(["check", "--format", "json", "--timeout", "20"])
        .args(["--staging", &url, "--production", &url])
        .env("MYSQL_PWD", MYSQL_PASSWORD);
    let r = run(&mut cmd);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).expect("JSON report");
    assert_eq!(
        class_at(&report, "/datastores/mysql/host"),
        Some("shared"),
        "{}",
        r.stdout
    );

    // Wrong password: the source fails, its part is unknown, the reason names the server.
    let (r, snap) = snapshot(
        "staging",
        std::slice::from_ref(&url),
        &[("MYSQL_PWD", "not-the-password")],
    );
    assert_eq!(r.code, 0, "a failed source is not bad input: {}", r.stderr);
    let why = snap["surface"]["datastores"]["mysql"]["$unknown"]
        .as_str()
        .unwrap_or_default();
    assert!(why.contains("Access denied"), "{snap}");
    assert!(why.contains(&server.addr()), "{why}");
    assert!(!why.contains("not-the-password"), "{why}");
    assert_eq!(snap["sources"]["mysql"]["status"], "failed");

    // TLS required by the client, not offered by the server (Debian's MariaDB starts
    // without certificates): unknown, not a silent plaintext connection.
    let (r, snap) = snapshot(
        "staging",
        &[format!("{url}?tls=required")],
        &[("MYSQL_PWD", MYSQL_PASSWORD)],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let why = snap["surface"]["datastores"]["mysql"]["$unknown"]
        .as_str()
        .unwrap_or_default();
    assert!(
        why.to_lowercase().contains("ssl") || why.to_lowercase().contains("tls"),
        "{snap}"
    );

    // The server's own facts, read with the collector's limited privileges.
    let (r, snap) = snapshot("staging", &[url], &[("MYSQL_PWD", MYSQL_PASSWORD)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mysql = &snap["surface"]["datastores"]["mysql"];
    assert_eq!(mysql["role"], "standalone", "{mysql}");
    assert_eq!(mysql["tls"], false);
    assert_eq!(mysql["read_only"], false);
    assert_eq!(mysql["binlog_format"], "MIXED", "{mysql}");
    assert!(
        mysql["version"]
            .as_str()
            .is_some_and(|v| v.starts_with("10.")),
        "{mysql}"
    );
}

/// A CA and a server certificate for 127.0.0.1, made with the openssl command.
fn certificates(dir: &Path) -> Option<()> {
    let openssl = binaries(&["openssl"])?.remove(0);
    let run = |args: &[&str]| {
        let st = Command::new(&openssl)
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("running openssl");
        assert!(st.success(), "openssl {args:?}");
    };
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .expect("write");
    for ca in ["ca", "other-ca"] {
        run(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-keyout",
            &format!("{ca}.key"),
            "-out",
            &format!("{ca}.pem"),
            "-subj",
            "/CN=envparity test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
    }
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ]);
    Some(())
}

#[test]
fn mysql_over_tls_with_the_configured_ca_reports_tls_and_a_foreign_ca_is_unknown() {
    let Some(maria) = MariaDb::new() else {
        return;
    };
    let certs = TempDir::new().expect("temp dir");
    if certificates(certs.path()).is_none() {
        return;
    }
    let c = |f: &str| certs.path().join(f).display().to_string();
    let server = maria.start_with(
        "127.0.0.1",
        9,
        false,
        &[
            format!("--ssl-ca={}", c("ca.pem")),
            format!("--ssl-cert={}", c("server.pem")),
            format!("--ssl-key={}", c("server.key")),
        ],
    );
    maria.create_collector_user(&server);
    let dir = TempDir::new().expect("temp dir");
    let snap_with = |ca: &str| {
        let config = dir.path().join("envparity.toml");
        std::fs::write(
            &config,
            format!(
                "[[staging.mysql]]\nhost = \"127.0.0.1\"\nport = {}\nuser = \"{MYSQL_USER}\"\n\
                 password_env = \"STAGING_MYSQL_PASSWORD\"\ntls = true\nca_bundle = \"{}\"\n",
                server.port,
                c(ca)
            ),
        )
        .expect("write");
        let out = dir.path().join("snap.json");
        let r = run(envparity()
            .args([
                "snapshot",
                "--env",
                "staging",
                "--timeout",
                "20",
                "--config",
            ])
            .arg(&config)
            .arg("-o")
            .arg(&out)
            .env("STAGING_MYSQL_PASSWORD", MYSQL_PASSWORD));
        assert_eq!(r.code, 0, "{}", r.stderr);
        let snap: Value =
            serde_json::from_str(&std::fs::read_to_string(&out).expect("snapshot")).expect("JSON");
        snap["surface"]["datastores"]["mysql"].clone()
    };
    let mysql = snap_with("ca.pem");
    assert_eq!(mysql["tls"], true, "{mysql}");
    assert_eq!(mysql["tls_required"], false, "{mysql}");
    // A certificate the configured CA did not sign is refused, not trusted anyway.
    let mysql = snap_with("other-ca.pem");
    let why = mysql["$unknown"]
        .as_str()
        .unwrap_or_default()
        .to_lowercase();
    assert!(why.contains("certificate"), "{mysql}");
}

#[test]
fn redis_over_tls_reports_tls_and_plaintext_to_a_tls_port_is_unknown() {
    let Some(redis) = Redis::new() else {
        return;
    };
    let certs = TempDir::new().expect("temp dir");
    if certificates(certs.path()).is_none() {
        return;
    }
    let c = |f: &str| certs.path().join(f).display().to_string();
    let dir = TempDir::new().expect("temp dir");
    let port = free_port("127.0.0.1");
    let child = Command::new(&redis.server)
        .args([
            "--port",
            "0",
            "--tls-port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
        ])
        .args([
            "--tls-cert-file",
            &c("server.pem"),
            "--tls-key-file",
            &c("server.key"),
        ])
        .args([
            "--tls-ca-cert-file",
            &c("ca.pem"),
            "--tls-auth-clients",
            "no",
        ])
        .args([
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--dir",
        ])
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting redis-server");
    let server = Server {
        child,
        ip: "127.0.0.1",
        port,
        dir,
    };
    wait_until("redis-server over TLS", Duration::from_secs(15), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    let cfg = TempDir::new().expect("temp dir");
    let config = cfg.path().join("envparity.toml");
    std::fs::write(
        &config,
        format!(
            "[[staging.redis]]\nhost = \"127.0.0.1\"\nport = {port}\nca_bundle = \"{}\"\n",
            c("ca.pem")
        ),
    )
    .expect("write");
    let out = cfg.path().join("snap.json");
    let r = run(envparity()
        .args([
            "snapshot",
            "--env",
            "staging",
            "--timeout",
            "10",
            "--config",
        ])
        .arg(&config)
        .arg("-o")
        .arg(&out));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let snap: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("snapshot")).expect("JSON");
    let node = &snap["surface"]["datastores"]["redis"];
    assert_eq!(node["tls"], true, "{snap}");
    assert_eq!(node["role"], "standalone", "{snap}");

    // Plain TCP to the TLS port: the server hangs up; unknown, with the reason.
    let (r, snap) = snapshot("staging", &[format!("redis://{}", server.addr())], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let why = snap["surface"]["datastores"]["redis"]["$unknown"]
        .as_str()
        .unwrap_or_default();
    assert!(why.contains(&server.addr()), "{snap}");
}

#[test]
fn redis_cluster_and_sentinel_modes_are_read() {
    let Some(redis) = Redis::new() else {
        return;
    };
    // One cluster node with no slots assigned yet: cluster mode, state not ok.
    let probe = TempDir::new().expect("temp dir");
    let nodes = probe.path().join("nodes.conf").display().to_string();
    let cluster = redis.start(
        "127.0.0.1",
        &[
            "--cluster-enabled".into(),
            "yes".into(),
            "--cluster-config-file".into(),
            nodes,
        ],
    );
    let (r, snap) = snapshot("staging", &[format!("redis://{}", cluster.addr())], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let node = &snap["surface"]["datastores"]["redis"];
    assert_eq!(node["mode"], "cluster", "{snap}");
    assert_eq!(node["members"], 1, "{snap}");
    assert_eq!(node["cluster_ok"], false, "{snap}");

    // A sentinel watching the cluster-less primary below.
    let primary = redis.start("127.0.0.1", &[]);
    let conf = probe.path().join("sentinel.conf");
    let port = free_port("127.0.0.1");
    // A sentinel reads (and rewrites) its config file, which must come first.
    std::fs::write(
        &conf,
        format!(
            "port {port}\nbind 127.0.0.1\ndir {}\n\
             sentinel monitor parity 127.0.0.1 {} 1\n\
             sentinel down-after-milliseconds parity 5000\n",
            probe.path().display(),
            primary.port
        ),
    )
    .expect("write");
    let child = Command::new(&redis.server)
        .arg(&conf)
        .arg("--sentinel")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting redis-server --sentinel");
    let sentinel = Server {
        child,
        ip: "127.0.0.1",
        port,
        dir: TempDir::new().expect("temp dir"),
    };
    wait_until("redis sentinel", Duration::from_secs(15), || {
        redis
            .cli(&sentinel, &["PING"])
            .is_ok_and(|o| o.contains("PONG"))
    });
    let (r, snap) = snapshot("staging", &[format!("redis://{}", sentinel.addr())], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let node = &snap["surface"]["datastores"]["redis"];
    assert_eq!(node["mode"], "sentinel", "{snap}");
    assert_eq!(node["sentinel_masters"], 1, "{snap}");
}
