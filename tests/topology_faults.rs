//! Faults of the live topology sources, with no server software needed: a closed
//! loopback port (connection refused), a server that accepts and never answers (the
//! deadline fires), a password in a URL (refused before anything is sent). Each failed
//! source becomes unknown with a one-line reason while the other sources still report.

use serde_json::Value;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use tempfile::TempDir;

fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
    // dropped here: nothing listens on the port any more
}

/// Accepts connections and holds them open without a byte in reply.
fn silent_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let mut held: Vec<TcpStream> = Vec::new();
        for s in l.incoming().flatten() {
            held.push(s);
        }
    });
    port
}

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

fn snapshot_with(config_body: &str, timeout: &str) -> (i32, Value, String, Duration) {
    let dir = TempDir::new().expect("temp dir");
    let config = dir.path().join("envparity.toml");
    std::fs::write(&config, config_body).expect("write");
    let out = dir.path().join("snap.json");
    let start = Instant::now();
    let o = Command::new(env!("CARGO_BIN_EXE_envparity"))
        .args([
            "snapshot",
            "--env",
            "staging",
            "--timeout",
            timeout,
            "--config",
        ])
        .arg(&config)
        .arg("-o")
        .arg(&out)
        .env_remove("MYSQL_PWD")
        .env_remove("REDISCLI_AUTH")
        // A key of its own: the run never reads or makes the user's key file.
        .env("ENVPARITY_FINGERPRINT_KEY", "topology fault tests")
        .output()
        .expect("running envparity");
    let took = start.elapsed();
    let snap = std::fs::read_to_string(&out)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    (
        o.status.code().unwrap_or(-1),
        snap,
        String::from_utf8_lossy(&o.stderr).into_owned(),
        took,
    )
}

fn reason<'a>(snap: &'a Value, pointer: &str) -> &'a str {
    snap["surface"]
        .pointer(pointer)
        .and_then(|v| v.get("$unknown"))
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{pointer} is not unknown: {snap}"))
}

#[test]
fn silent_servers_time_out_as_unknown_while_other_sources_report() {
    let (my, rd, mg) = (silent_port(), silent_port(), silent_port());
    let body = format!(
        "[staging]\n\
         [[staging.mysql]]\nhost = \"127.0.0.1\"\nport = {my}\nuser = \"envparity\"\n\
         [[staging.redis]]\nhost = \"127.0.0.1\"\nport = {rd}\n\
         [[staging.mongodb]]\nhosts = [\"127.0.0.1:{mg}\"]\n\
         [[staging.kubernetes]]\nfile = \"{}\"\n",
        fixture("kubernetes/staging-list.json").display()
    );
    let (code, snap, stderr, took) = snapshot_with(&body, "2");
    assert_eq!(code, 0, "{stderr}");
    assert!(took < Duration::from_secs(10), "took {took:?}: a call hung");
    for (pointer, port) in [
        ("/datastores/mysql", my),
        ("/datastores/redis", rd),
        ("/datastores/mongodb", mg),
    ] {
        let why = reason(&snap, pointer);
        assert!(why.contains(&format!("127.0.0.1:{port}")), "{why}");
        assert!(
            why.contains("no answer") || why.contains("timed out"),
            "{pointer}: {why}"
        );
        assert!(!why.contains('\n'), "{why}");
    }
    // The kubernetes file still reported.
    assert_eq!(snap["surface"]["services"]["lms"]["replicas"], 1, "{snap}");
    assert_eq!(snap["sources"]["kubernetes"]["status"], "ok");
}

#[test]
fn closed_ports_are_unknown_with_the_refusal() {
    let (my, rd, mg, k8s) = (closed_port(), closed_port(), closed_port(), closed_port());
    let body = format!(
        "[staging]\n\
         [[staging.mysql]]\nhost = \"127.0.0.1\"\nport = {my}\n\
         [[staging.redis]]\nhost = \"127.0.0.1\"\nport = {rd}\n\
         [[staging.mongodb]]\nhosts = [\"127.0.0.1:{mg}\"]\n\
         [[staging.kubernetes]]\napi_server = \"http://127.0.0.1:{k8s}\"\n"
    );
    let (code, snap, stderr, took) = snapshot_with(&body, "5");
    assert_eq!(code, 0, "{stderr}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
    for pointer in [
        "/datastores/mysql",
        "/datastores/redis",
        "/datastores/mongodb",
        "/services",
    ] {
        let why = reason(&snap, pointer).to_lowercase();
        assert!(why.contains("refused"), "{pointer}: {why}");
    }
}

#[test]
fn silent_kubernetes_api_times_out_as_unknown() {
    let port = silent_port();
    let body =
        format!("[staging]\n[[staging.kubernetes]]\napi_server = \"http://127.0.0.1:{port}\"\n");
    let (code, snap, stderr, took) = snapshot_with(&body, "2");
    assert_eq!(code, 0, "{stderr}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
    let why = reason(&snap, "/services");
    assert!(
        why.contains("no answer") || why.contains("timed out"),
        "{why}"
    );
}

#[test]
fn password_in_a_datastore_url_is_refused_with_exit_2() {
    // The hint names a variable per environment, never the ecosystem's own, which both
    // environments would share.
    for (url, var, shared) in [
        (
            "mysql://root:hunter2-secret@db.internal:3306",
            "ENVPARITY_<ENV>_MYSQL_PASSWORD",
            "MYSQL_PWD",
        ),
        (
            "redis://:hunter2-secret@cache.internal:6379",
            "ENVPARITY_<ENV>_REDIS_PASSWORD",
            "REDISCLI_AUTH",
        ),
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_envparity"))
            .args(["check", "--staging", url, "--production", url])
            .output()
            .expect("running envparity");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(var) && stderr.contains("password_env"),
            "{stderr}"
        );
        assert!(!stderr.contains(shared), "{stderr}");
        assert!(!stderr.contains("hunter2-secret"), "{stderr}");
        assert!(o.stdout.is_empty());
    }
}

#[test]
fn unknown_key_in_a_datastore_section_is_bad_input() {
    let (code, _, stderr, _) = snapshot_with(
        "[staging]\n[[staging.mysql]]\nhost = \"db\"\npassword = \"x\"\n",
        "2",
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("password"), "{stderr}");
}
