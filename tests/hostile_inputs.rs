//! Hostile inputs: what an attacker (or an accident) can hand a CI gate. Every case runs
//! the binary under a 512 MiB address-space limit and a 10 s deadline, and must end with
//! exit 2 and one line on stderr naming the file, flag or key — or, where a source is
//! what failed, with that source `unknown` and every other source judged as usual.

#[path = "support/lms.rs"]
mod lms;

use lms::{Lms, Quirk, Server};
use serde_json::Value;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(10);
const KEY: &str = "hostile-inputs-fingerprint-key";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tutor_fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures/tutor").join(name)
}

fn core_fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures/core").join(name)
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn report(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not a JSON report ({e}): {}\n{}", self.stdout, self.stderr))
    }
}

/// Runs envparity with `args` and `env` under `ulimit -v 524288` (512 MiB), killing it
/// and failing the test if it has not finished within [`DEADLINE`].
fn run_with_env<A: Into<OsString> + Clone>(args: &[A], env: &[(&str, &str)]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let (out_path, err_path) = (dir.path().join("stdout"), dir.path().join("stderr"));
    let mut cmd = std::process::Command::new("bash");
    cmd.arg("-c")
        .arg(r#"ulimit -v 524288; exec "$@""#)
        .arg("bash")
        .arg(env!("CARGO_BIN_EXE_envparity"))
        .args(args.iter().cloned().map(Into::into));
    for (k, _) in std::env::vars() {
        if k.starts_with("ENVPARITY_") || k == "RUST_BACKTRACE" {
            cmd.env_remove(k);
        }
    }
    cmd.env("ENVPARITY_FINGERPRINT_KEY", KEY)
        // glibc reserves address space per malloc arena; the limit is on what is used.
        .env("MALLOC_ARENA_MAX", "2")
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap());
    let mut child = cmd.spawn().expect("bash runs");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "envparity did not finish within {DEADLINE:?}; stderr so far: {}",
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: std::fs::read_to_string(&out_path).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err_path).unwrap_or_default(),
    }
}

fn run<A: Into<OsString> + Clone>(args: &[A]) -> Run {
    run_with_env(args, &[])
}

/// Trouble: exit 2 and one line on stderr that names each of `mentions`.
fn assert_trouble(r: &Run, mentions: &[&str]) {
    assert_eq!(
        r.code, 2,
        "expected exit 2\nstdout: {}\nstderr: {}",
        r.stdout, r.stderr
    );
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line on stderr, got: {}", r.stderr);
    assert!(lines[0].starts_with("envparity: error: "), "{}", lines[0]);
    for m in mentions {
        assert!(lines[0].contains(m), "`{m}` not in: {}", lines[0]);
    }
}

/// A copy of a fixture directory, to spoil.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A copy of the twin-a Tutor root (rendered by real Tutor) in a fresh directory.
fn tutor_root() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("staging");
    copy_dir(&tutor_fixture("twin-a"), &root);
    (dir, root)
}

fn mkfifo(path: &Path) {
    let _ = std::fs::remove_file(path);
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs")
        .success();
    assert!(ok, "mkfifo {}", path.display());
}

fn symlink(target: &Path, link: &Path) {
    let _ = std::fs::remove_file(link);
    std::os::unix::fs::symlink(target, link).unwrap();
}

fn s(p: &Path) -> String {
    p.to_str().expect("UTF-8 test paths").to_string()
}

fn check_tutor(staging: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "check".to_string(),
        "--staging".into(),
        s(staging),
        "--production".into(),
        s(&tutor_fixture("twin-b")),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    run(&args)
}

fn deep_flow(depth: usize) -> String {
    format!("X: {}{}\n", "[".repeat(depth), "]".repeat(depth))
}

// ---- files that are no files --------------------------------------------------------------

#[test]
fn a_fifo_as_env_version_is_refused_naming_it() {
    let (_dir, root) = tutor_root();
    let version = root.join("env/version");
    mkfifo(&version);
    let r = check_tutor(&root, &[]);
    assert_trouble(&r, &[&s(&version), "named pipe"]);
}

#[test]
fn a_fifo_as_config_yml_is_refused_naming_it() {
    let (_dir, root) = tutor_root();
    let config = root.join("config.yml");
    mkfifo(&config);
    let r = check_tutor(&root, &[]);
    assert_trouble(&r, &[&s(&config), "named pipe"]);
}

#[test]
fn a_fifo_as_a_snapshot_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("staging.json");
    mkfifo(&fifo);
    let production = s(&core_fixture("production.json"));
    let r = run(&["diff".to_string(), s(&fifo), production.clone()]);
    assert_trouble(&r, &[&s(&fifo), "named pipe"]);
    let r = run(&[
        "check".to_string(),
        "--staging".into(),
        s(&fifo),
        "--production".into(),
        production,
    ]);
    assert_trouble(&r, &[&s(&fifo), "named pipe"]);
}

#[test]
fn a_fifo_as_the_profile_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("profile.toml");
    mkfifo(&fifo);
    let r = run(&[
        "diff".to_string(),
        s(&core_fixture("staging.json")),
        s(&core_fixture("production.json")),
        "--profile".into(),
        s(&fifo),
    ]);
    assert_trouble(&r, &[&s(&fifo), "named pipe"]);
}

#[test]
fn a_fifo_as_the_waivers_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("waivers.toml");
    mkfifo(&fifo);
    let r = run(&[
        "diff".to_string(),
        s(&core_fixture("staging.json")),
        s(&core_fixture("production.json")),
        "--waivers".into(),
        s(&fifo),
    ]);
    assert_trouble(&r, &[&s(&fifo), "named pipe"]);
}

#[test]
fn a_fifo_as_the_config_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("envparity.toml");
    mkfifo(&fifo);
    let r = run(&["check".to_string(), "--config".into(), s(&fifo)]);
    assert_trouble(&r, &[&s(&fifo), "named pipe"]);
}

#[test]
fn a_fifo_named_by_the_config_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    mkfifo(&dir.path().join("waivers.toml"));
    let config = dir.path().join("envparity.toml");
    std::fs::write(
        &config,
        format!(
            "waivers = \"waivers.toml\"\n[staging]\nsources = [\"{}\"]\n[production]\nsources = [\"{}\"]\n",
            s(&core_fixture("staging.json")),
            s(&core_fixture("production.json"))
        ),
    )
    .unwrap();
    let r = run(&["check".to_string(), "--config".into(), s(&config)]);
    assert_trouble(&r, &["waivers.toml", "named pipe"]);
}

#[test]
fn dev_zero_behind_a_symlink_as_a_rendered_file_is_refused_naming_it() {
    for file in ["env/version", "env/apps/openedx/config/lms.env.yml"] {
        let (_dir, root) = tutor_root();
        let link = root.join(file);
        symlink(Path::new("/dev/zero"), &link);
        let r = check_tutor(&root, &[]);
        assert_trouble(&r, &[&s(&link), "is a device"]);
    }
}

#[test]
fn a_file_over_the_input_size_limit_is_refused_naming_it_and_the_flag() {
    let staging = s(&core_fixture("staging.json"));
    let r = run(&[
        "diff".to_string(),
        staging.clone(),
        s(&core_fixture("production.json")),
        "--max-input-size".into(),
        "1KiB".into(),
    ]);
    assert_trouble(&r, &[&staging, "1 KiB", "--max-input-size"]);
    // The cap holds for a Tutor root's files as well.
    let (_dir, root) = tutor_root();
    let r = check_tutor(&root, &["--max-input-size", "4096"]);
    assert_trouble(&r, &[&s(&root), "--max-input-size"]);
    let r = check_tutor(&root, &["--max-input-size", "12XB"]);
    assert_trouble(&r, &["--max-input-size", "12XB"]);
}

// ---- YAML that would keep the parser busy ---------------------------------------------------

#[test]
fn deep_yaml_flow_nesting_in_config_yml_is_refused_with_its_line() {
    let (_dir, root) = tutor_root();
    let config = root.join("config.yml");
    std::fs::write(&config, format!("PLATFORM_NAME: x\n{}", deep_flow(200_000))).unwrap();
    let r = check_tutor(&root, &[]);
    assert_trouble(&r, &[&format!("{}:2:", s(&config)), "levels deep"]);
}

#[test]
fn deep_yaml_flow_nesting_in_a_manifest_is_refused_with_its_line() {
    let (_dir, root) = tutor_root();
    let manifest = root.join("env/k8s/deployments.yml");
    std::fs::write(&manifest, format!("---\n{}", deep_flow(200_000))).unwrap();
    let r = check_tutor(&root, &[]);
    assert_trouble(&r, &[&format!("{}:2:", s(&manifest)), "levels deep"]);
}

#[test]
fn deep_yaml_block_nesting_is_refused_with_its_line() {
    let (_dir, root) = tutor_root();
    let config = root.join("config.yml");
    let mut text = String::new();
    for i in 0..20_000 {
        text.push_str(&" ".repeat(i));
        text.push_str("k:\n");
    }
    std::fs::write(&config, text).unwrap();
    let r = check_tutor(&root, &[]);
    assert_trouble(&r, &[&s(&config), "levels deep"]);
}

// ---- duplicate keys ---------------------------------------------------------------------------

#[test]
fn duplicate_keys_in_snapshot_json_name_the_key_and_both_lines() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = dir.path().join("staging.json");
    let text = std::fs::read_to_string(core_fixture("staging.json")).unwrap();
    // Line 3 is `"environment": "staging",`.
    let text = text.replacen(
        "  \"environment\": \"staging\",\n",
        "  \"environment\": \"staging\",\n  \"environment\": \"production\",\n",
        1,
    );
    std::fs::write(&snapshot, text).unwrap();
    let r = run(&[
        "diff".to_string(),
        s(&snapshot),
        s(&core_fixture("production.json")),
    ]);
    assert_trouble(
        &r,
        &[
            &format!("{}:4:", s(&snapshot)),
            "duplicate key `environment` (first at line 3)",
        ],
    );
}

#[test]
fn duplicate_keys_in_config_yml_name_the_key_and_both_lines() {
    let (_dir, root) = tutor_root();
    let config = root.join("config.yml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    let first = text
        .lines()
        .position(|l| l.starts_with("LMS_HOST:"))
        .unwrap()
        + 1;
    let second = text.lines().count() + 1;
    text.push_str("LMS_HOST: elsewhere.example.org\n");
    std::fs::write(&config, text).unwrap();
    let r = check_tutor(&root, &[]);
    assert_trouble(
        &r,
        &[
            &format!("{}:{second}:", s(&config)),
            &format!("duplicate key `LMS_HOST` (first at line {first})"),
        ],
    );
}

#[test]
fn duplicate_keys_in_an_env_yml_name_the_key_and_both_lines() {
    let (_dir, root) = tutor_root();
    let env_yml = root.join("env/apps/openedx/config/lms.env.yml");
    let mut text = std::fs::read_to_string(&env_yml).unwrap();
    assert!(
        text.starts_with("SITE_NAME:"),
        "the fixture starts with SITE_NAME"
    );
    let second = text.lines().count() + 1;
    text.push_str("SITE_NAME: \"elsewhere.example.org\"\n");
    std::fs::write(&env_yml, text).unwrap();
    let r = check_tutor(&root, &[]);
    assert_trouble(
        &r,
        &[
            &format!("{}:{second}:", s(&env_yml)),
            "duplicate key `SITE_NAME` (first at line 1)",
        ],
    );
}

#[test]
fn duplicate_keys_in_the_toml_config_name_the_key_and_both_lines() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("envparity.toml");
    std::fs::write(
        &config,
        format!(
            "timeout_secs = 5\ntimeout_secs = 600\n[staging]\nsources = [\"{}\"]\n[production]\nsources = [\"{}\"]\n",
            s(&core_fixture("staging.json")),
            s(&core_fixture("production.json"))
        ),
    )
    .unwrap();
    let r = run(&["check".to_string(), "--config".into(), s(&config)]);
    assert_trouble(
        &r,
        &[
            &format!("{}:2:", s(&config)),
            "duplicate key `timeout_secs` (first at line 1)",
        ],
    );
}

#[test]
fn a_config_yml_with_a_byte_order_mark_reads_as_without_one() {
    let judged = |bom: bool| {
        let (dir, root) = tutor_root();
        if bom {
            let config = root.join("config.yml");
            let text = std::fs::read_to_string(&config).unwrap();
            std::fs::write(&config, format!("\u{feff}{text}")).unwrap();
        }
        let r = check_tutor(&root, &["--format", "json"]);
        assert_ne!(r.code, 2, "{}", r.stderr);
        let report = r.report();
        let findings: Vec<(String, String)> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["path"].to_string(), f["class"].to_string()))
            .collect();
        drop(dir);
        (r.code, report["summary"].clone(), findings)
    };
    assert_eq!(judged(true), judged(false));
}

// ---- durations --------------------------------------------------------------------------------

#[test]
fn out_of_range_timeouts_are_refused_naming_the_flag() {
    for value in ["1e20", "1.8e19", "0", "-1", "nan", "inf", "86401"] {
        let r = check_tutor(&tutor_fixture("twin-a"), &["--timeout", value]);
        assert_trouble(&r, &["--timeout", "at most 86400"]);
    }
    let r = run(&[
        "diff".to_string(),
        s(&core_fixture("staging.json")),
        s(&core_fixture("production.json")),
        "--timeout".into(),
        "1e20".into(),
    ]);
    assert_trouble(&r, &["--timeout"]);
}

#[test]
fn timeout_secs_of_1e300_in_the_config_is_refused_naming_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("envparity.toml");
    std::fs::write(
        &config,
        format!(
            "timeout_secs = 1e300\n[staging]\nsources = [\"{}\"]\n[production]\nsources = [\"{}\"]\n",
            s(&core_fixture("staging.json")),
            s(&core_fixture("production.json"))
        ),
    )
    .unwrap();
    let r = run(&["check".to_string(), "--config".into(), s(&config)]);
    assert_trouble(&r, &[&format!("{}:1:", s(&config)), "timeout_secs = 1e300"]);
}

#[test]
fn an_lms_timeout_in_the_config_out_of_range_is_refused_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("envparity.toml");
    std::fs::write(
        &config,
        "[staging]\n[[staging.openedx]]\nlms = \"https://lms.staging.example.org\"\ntimeout_secs = 1.8e19\n[production]\n[[production.openedx]]\nlms = \"https://lms.example.org\"\n",
    )
    .unwrap();
    let r = run(&["check".to_string(), "--config".into(), s(&config)]);
    assert_trouble(&r, &[&s(&config), "timeout_secs = 1.8e19"]);
}

// ---- snapshot and profile schema -------------------------------------------------------------

fn snapshot_with_surface(dir: &Path, surface: &str) -> PathBuf {
    let path = dir.join("staging.json");
    std::fs::write(
        &path,
        format!(
            r#"{{"format": "envparity.snapshot/1", "environment": "staging", "collected_at": "2026-11-26T12:00:00Z",
  "tool": "envparity 0.1.0", "sources": {{}}, "surface": {surface}}}"#
        ),
    )
    .unwrap();
    path
}

#[test]
fn a_secret_marker_holding_a_number_is_refused_naming_the_pointer() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = snapshot_with_surface(
        dir.path(),
        r#"{"settings": {"SMTP_PASSWORD": {"secret": 5}}}"#,
    );
    let r = run(&[
        "diff".to_string(),
        s(&snapshot),
        s(&core_fixture("production.json")),
    ]);
    assert_trouble(
        &r,
        &[
            &s(&snapshot),
            "/surface/settings/SMTP_PASSWORD/secret",
            "fingerprint",
        ],
    );
}

#[test]
fn an_unknown_marker_without_a_reason_is_refused_naming_the_pointer() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = snapshot_with_surface(dir.path(), r#"{"sso": {"$unknown": 7}}"#);
    let r = run(&[
        "check".to_string(),
        "--staging".into(),
        s(&snapshot),
        "--production".into(),
        s(&core_fixture("production.json")),
    ]);
    assert_trouble(
        &r,
        &[&s(&snapshot), "/surface/sso/$unknown", "reason string"],
    );
}

#[test]
fn a_profile_rule_with_an_empty_path_is_refused_naming_the_rule_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("mine.toml");
    std::fs::write(
        &profile,
        "name = \"mine\"\nextends = \"tutor\"\n\n[[rule]]\npath = \"\"\nkind = \"ignore\"\n",
    )
    .unwrap();
    let r = run(&[
        "diff".to_string(),
        s(&core_fixture("staging.json")),
        s(&core_fixture("production.json")),
        "--profile".into(),
        s(&profile),
    ]);
    assert_trouble(
        &r,
        &[
            &format!("{}:5:", s(&profile)),
            "[[rule]] number 1",
            "is empty",
        ],
    );
}

// ---- sources that fail -------------------------------------------------------------------------

/// A snapshot that covers only `/plugins`, so that a live LMS beside it shares no pointer.
fn plugins_snapshot(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        r#"{"format": "envparity.snapshot/1", "environment": "x", "collected_at": "2026-11-26T12:00:00Z",
  "tool": "envparity 0.1.0",
  "sources": {"tutor": {"kind": "tutor", "status": "ok", "origin": "deploy", "error": null, "covers": ["/plugins"]}},
  "surface": {"plugins": {"forum": {"enabled": true}}}}"#,
    )
    .unwrap();
    path
}

fn credentials(lms: &Lms) -> Vec<(&'static str, String)> {
    let mut env = Vec::new();
    for e in ["STAGING", "PRODUCTION"] {
        let (id, secret): (&'static str, &'static str) = match e {
            "STAGING" => (
                "ENVPARITY_STAGING_CLIENT_ID",
                "ENVPARITY_STAGING_CLIENT_SECRET",
            ),
            _ => (
                "ENVPARITY_PRODUCTION_CLIENT_ID",
                "ENVPARITY_PRODUCTION_CLIENT_SECRET",
            ),
        };
        env.push((id, lms.client_id.clone()));
        env.push((secret, lms.client_secret.clone()));
    }
    env
}

#[test]
fn an_lms_asking_to_retry_after_u64_max_seconds_makes_only_its_source_unknown() {
    let mut throttled = Lms::default();
    for path in [
        "/heartbeat",
        "/api/mfe_context",
        "/api/third_party_auth_context",
        "/api/mfe_config/v1",
        "/auth/saml/metadata.xml",
        "/oauth2/access_token",
        "/api/toggles/v0/state/",
    ] {
        throttled.quirks.insert(
            path,
            Quirk::RateLimited {
                n: usize::MAX,
                retry_after_secs: u64::MAX,
            },
        );
    }
    let (s_lms, p_lms) = (Server::start(throttled), Server::start(Lms::default()));
    let dir = tempfile::tempdir().unwrap();
    let (s_snap, p_snap) = (
        plugins_snapshot(dir.path(), "s.json"),
        plugins_snapshot(dir.path(), "p.json"),
    );
    let env = credentials(&Lms::default());
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = run_with_env(
        &[
            "check".to_string(),
            "--staging".into(),
            s(&s_snap),
            s_lms.url(),
            "--production".into(),
            s(&p_snap),
            p_lms.url(),
            "--format".into(),
            "json".into(),
        ],
        &env,
    );
    assert_eq!(r.code, 1, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let report = r.report();
    let staging = &report["sources"]["staging"];
    assert_eq!(staging["openedx"]["status"], "failed", "{staging}");
    let error = staging["openedx"]["error"].as_str().unwrap();
    assert!(error.contains("429"), "{error}");
    assert!(error.contains("would pass the deadline"), "{error}");
    assert_eq!(staging["tutor"]["status"], "ok", "{staging}");
    assert_eq!(report["sources"]["production"]["openedx"]["status"], "ok");
    let class = |path: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == path)
            .map(|f| f["class"].as_str().unwrap().to_string())
    };
    assert_eq!(class("/sso/providers").as_deref(), Some("unknown"));
    // The snapshot beside the throttled LMS is judged as usual: both have the forum.
    assert_eq!(class("/plugins/forum"), None);
}

#[test]
fn a_failed_source_listed_before_an_ok_one_leaves_both_in_sources() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (ok, p_lms) = (Server::start(Lms::default()), Server::start(Lms::default()));
    let env = credentials(&Lms::default());
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = run_with_env(
        &[
            "check".to_string(),
            "--staging".into(),
            format!("http://127.0.0.1:{closed}"),
            ok.url(),
            "--production".into(),
            p_lms.url(),
            "--format".into(),
            "json".into(),
        ],
        &env,
    );
    assert_eq!(r.code, 1, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    let staging = &r.report()["sources"]["staging"];
    assert_eq!(staging.as_object().unwrap().len(), 2, "{staging}");
    assert_eq!(staging["openedx"]["status"], "failed", "{staging}");
    assert!(
        staging["openedx"]["origin"]
            .as_str()
            .unwrap()
            .contains(&closed.to_string()),
        "{staging}"
    );
    assert_eq!(staging["openedx#2"]["status"], "ok", "{staging}");
    assert_eq!(staging["openedx#2"]["origin"], ok.url(), "{staging}");
}

#[test]
fn two_sources_that_disagree_make_the_pointer_unknown_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, forum: bool| {
        let path = dir.path().join(name);
        std::fs::write(
            &path,
            format!(
                r#"{{"format": "envparity.snapshot/1", "environment": "x", "collected_at": "2026-11-26T12:00:00Z",
  "tool": "envparity 0.1.0", "sources": {{}}, "surface": {{"plugins": {{"forum": {{"enabled": {forum}}}}}}}}}"#
            ),
        )
        .unwrap();
        s(&path)
    };
    let (a, b, p) = (
        write("a.json", true),
        write("b.json", false),
        write("p.json", true),
    );
    let r = run(&[
        "check".to_string(),
        "--staging".into(),
        a,
        b,
        "--production".into(),
        p,
        "--format".into(),
        "json".into(),
    ]);
    assert_eq!(r.code, 1, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    let report = r.report();
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "/plugins/forum/enabled")
        .unwrap_or_else(|| panic!("no finding at /plugins/forum/enabled: {report}"));
    assert_eq!(finding["class"], "unknown", "{finding}");
    let why = finding["staging"]["$unknown"].as_str().unwrap();
    assert!(
        why.contains("sources snapshot and snapshot#2 disagree at /plugins/forum/enabled"),
        "{why}"
    );
}

// ---- renders of roots without env/ -------------------------------------------------------------

/// A stand-in `tutor` that records the TUTOR_ROOT `config save` was given and that
/// directory's mode, then renders by copying twin-a's `env/` (or fails, when `fail`);
/// it knows no other command (so plugin versions are not read).
fn fake_tutor(dir: &Path, fail: bool) -> PathBuf {
    let script = dir.join("tutor");
    let render = if fail {
        "exit 1".to_string()
    } else {
        format!(
            "cp -r '{}' \"$TUTOR_ROOT/env\"",
            s(&tutor_fixture("twin-a/env"))
        )
    };
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\n[ \"$1 $2\" = 'config save' ] || exit 1\necho \"$TUTOR_ROOT\" > '{dir}/root'\nstat -c %a \"$TUTOR_ROOT\" > '{dir}/mode'\n{render}\n",
            dir = s(dir)
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

fn render_in_private(fail: bool) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("staging");
    std::fs::create_dir(&root).unwrap();
    std::fs::copy(tutor_fixture("twin-a/config.yml"), root.join("config.yml")).unwrap();
    let tutor = fake_tutor(dir.path(), fail);
    let r = run_with_env(
        &[
            "check".to_string(),
            "--staging".into(),
            s(&root),
            "--production".into(),
            s(&tutor_fixture("twin-b")),
            "--format".into(),
            "json".into(),
        ],
        &[("ENVPARITY_TUTOR", &s(&tutor))],
    );
    assert_ne!(r.code, 2, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    let rendered_in = std::fs::read_to_string(dir.path().join("root")).unwrap();
    let rendered_in = Path::new(rendered_in.trim());
    let mode = std::fs::read_to_string(dir.path().join("mode")).unwrap();
    assert_eq!(mode.trim(), "700", "the render directory is private");
    assert!(
        rendered_in
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("envparity-tutor-"),
        "{}",
        rendered_in.display()
    );
    assert!(
        !rendered_in.exists(),
        "{} is left behind",
        rendered_in.display()
    );
    r
}

#[test]
fn a_render_happens_in_a_private_directory_that_is_removed_afterwards() {
    let r = render_in_private(false);
    let report = r.report();
    assert_eq!(report["sources"]["staging"]["tutor"]["status"], "ok");
    // A `tutor` whose `plugins list` fails: one note, nothing else lost.
    let notes = report["sources"]["staging"]["tutor"]["notes"].to_string();
    assert!(
        notes.contains("plugin versions not read: `")
            && notes.contains("` failed (exit status: 1)"),
        "{notes}"
    );
    // The render was read: the Kubernetes services are known.
    let unknown_services = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["path"] == "/services" && f["class"] == "unknown");
    assert!(!unknown_services, "{report}");
}

#[test]
fn a_render_that_fails_leaves_no_directory_behind() {
    let r = render_in_private(true);
    let report = r.report();
    let services = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "/services")
        .unwrap_or_else(|| panic!("/services is judged: {report}"));
    assert_eq!(services["class"], "unknown", "{services}");
}

// ---- the per-user fingerprint key -------------------------------------------------------------

/// A snapshot with no ENVPARITY_FINGERPRINT_KEY (empty counts as unset), so the per-user
/// key file under `config_home` is read.
fn snapshot_with_user_key(config_home: &Path) -> Run {
    let out = config_home.join("s.json");
    run_with_env(
        &[
            "snapshot".to_string(),
            "--env".into(),
            "staging".into(),
            "--source".into(),
            s(&core_fixture("twin.json")),
            "-o".into(),
            s(&out),
        ],
        &[
            ("ENVPARITY_FINGERPRINT_KEY", ""),
            ("XDG_CONFIG_HOME", &s(config_home)),
        ],
    )
}

#[test]
fn a_fifo_as_the_fingerprint_key_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("envparity/fingerprint-key");
    std::fs::create_dir_all(key.parent().unwrap()).unwrap();
    mkfifo(&key);
    let r = snapshot_with_user_key(dir.path());
    assert_trouble(&r, &[&s(&key), "named pipe"]);
}

#[test]
fn dev_zero_behind_a_symlink_as_the_fingerprint_key_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("envparity/fingerprint-key");
    std::fs::create_dir_all(key.parent().unwrap()).unwrap();
    symlink(Path::new("/dev/zero"), &key);
    let r = snapshot_with_user_key(dir.path());
    assert_trouble(&r, &[&s(&key), "a device"]);
}

#[test]
fn a_huge_fingerprint_key_file_is_refused_without_reading_it_whole() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("envparity/fingerprint-key");
    std::fs::create_dir_all(key.parent().unwrap()).unwrap();
    // Sparse: 8 GiB that take no disk, and more than the run's memory limit.
    let f = std::fs::File::create(&key).unwrap();
    f.set_len(8 << 30).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let r = snapshot_with_user_key(dir.path());
    assert_trouble(&r, &[&s(&key), "wrong size"]);
}
