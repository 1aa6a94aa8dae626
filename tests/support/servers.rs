//! Real servers from Debian's packages, started on loopback for the tests: a process and
//! its throwaway data directory per server, stopped by a Drop guard (which also runs when
//! a test panics). Shared by tests/topology_live.rs and tests/real_lms.rs.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

pub fn find(name: &str) -> Option<PathBuf> {
    let path = std::env::var("PATH").unwrap_or_default();
    path.split(':')
        .chain(["/usr/sbin", "/usr/local/sbin", "/sbin"])
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
}

/// The binaries, or `None` (skip) — a panic under CI, where they must be installed.
pub fn binaries(names: &[&str]) -> Option<Vec<PathBuf>> {
    let found: Vec<Option<PathBuf>> = names.iter().map(|n| find(n)).collect();
    if found.iter().all(Option::is_some) {
        return Some(found.into_iter().flatten().collect());
    }
    let missing: Vec<&str> = names
        .iter()
        .zip(&found)
        .filter(|(_, f)| f.is_none())
        .map(|(n, _)| *n)
        .collect();
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "CI=true but {} not installed: apt-get install mariadb-server redis-server",
            missing.join(", ")
        );
    }
    eprintln!("skipped: {} not installed", missing.join(", "));
    None
}

pub fn free_port(ip: &str) -> u16 {
    TcpListener::bind((ip, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

pub fn wait_until(what: &str, limit: Duration, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < limit {
        if ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(150));
    }
    panic!("{what}: not ready after {limit:?}");
}

/// A server process and its data directory; killed and removed when dropped.
pub struct Server {
    pub child: Child,
    pub ip: &'static str,
    pub port: u16,
    pub dir: TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    pub fn addr(&self) -> String {
        format!("{}:{}", self.ip, self.port)
    }
}

// ---------------------------------------------------------------- MariaDB

pub struct MariaDb {
    pub mariadbd: PathBuf,
    pub client: PathBuf,
    /// A freshly installed data directory, copied for each server (installing takes
    /// seconds, copying milliseconds).
    pub template: TempDir,
}

impl MariaDb {
    pub fn new() -> Option<MariaDb> {
        let b = binaries(&["mariadbd", "mariadb-install-db", "mariadb"])?;
        let template = TempDir::new().expect("temp dir");
        // Temporary tables go to a directory of this install's own, not the shared /tmp,
        // where another process may clear them while the bootstrap still needs them.
        let tmp = template.path().join("tmp");
        std::fs::create_dir(&tmp).expect("tmp dir");
        let out = Command::new(&b[1])
            .args(["--no-defaults", "--user=root", "--skip-test-db"])
            .arg(format!(
                "--datadir={}",
                template.path().join("data").display()
            ))
            .arg(format!("--tmpdir={}", tmp.display()))
            .output()
            .expect("running mariadb-install-db");
        assert!(
            out.status.success(),
            "mariadb-install-db failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(MariaDb {
            mariadbd: b[0].clone(),
            client: b[2].clone(),
            template,
        })
    }

    pub fn start(&self, ip: &'static str, server_id: u32, binlog: bool) -> Server {
        self.start_with(ip, server_id, binlog, &[])
    }

    pub fn start_with(
        &self,
        ip: &'static str,
        server_id: u32,
        binlog: bool,
        extra: &[String],
    ) -> Server {
        let dir = TempDir::new().expect("temp dir");
        let status = Command::new("cp")
            .arg("-a")
            .arg(self.template.path().join("data"))
            .arg(dir.path().join("data"))
            .status()
            .expect("cp");
        assert!(status.success(), "copying the MariaDB data directory");
        let port = free_port(ip);
        let d = dir.path();
        std::fs::create_dir(d.join("tmp")).expect("tmp dir");
        let mut cmd = Command::new(&self.mariadbd);
        cmd.args(["--no-defaults", "--user=root", "--skip-name-resolve"])
            .arg(format!("--datadir={}", d.join("data").display()))
            .arg(format!("--tmpdir={}", d.join("tmp").display()))
            .arg(format!("--socket={}", d.join("sock").display()))
            .arg(format!("--pid-file={}", d.join("pid").display()))
            .arg(format!("--log-error={}", d.join("error.log").display()))
            .arg(format!("--port={port}"))
            .arg(format!("--bind-address={ip}"))
            .arg(format!("--server-id={server_id}"))
            .arg("--innodb-buffer-pool-size=16M")
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if binlog {
            cmd.arg(format!("--log-bin={}", d.join("data/binlog").display()));
        }
        let child = cmd.spawn().expect("starting mariadbd");
        let server = Server {
            child,
            ip,
            port,
            dir,
        };
        wait_until("mariadbd", Duration::from_secs(30), || {
            self.sql(&server, "SELECT 1").is_ok()
        });
        server
    }

    /// Runs SQL as root over the server's socket (root authenticates by unix_socket).
    pub fn sql(&self, server: &Server, sql: &str) -> Result<String, String> {
        let out = Command::new(&self.client)
            .arg(format!(
                "--socket={}",
                server.dir.path().join("sock").display()
            ))
            .args(["-uroot", "-N", "-B", "-e", sql])
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    pub fn must(&self, server: &Server, sql: &str) -> String {
        self.sql(server, sql)
            .unwrap_or_else(|e| panic!("`{sql}` on {}: {e}", server.addr()))
    }
}
