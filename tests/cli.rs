//! The command line as users and CI pipelines meet it: exit codes, bad input, goldens,
//! and the promise that no secret reaches any output.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

const KEY: &str = "envparity-test-fingerprint-key";

/// A fixture path; leaked so that argument arrays can borrow it freely.
fn fixture(name: &str) -> &'static str {
    let p: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/core")
        .join(name);
    Box::leak(p.to_string_lossy().into_owned().into_boxed_str())
}

fn envparity() -> Command {
    let mut c = Command::cargo_bin("envparity").expect("the envparity binary is built");
    c.env("ENVPARITY_FINGERPRINT_KEY", KEY)
        .env_remove("NO_COLOR");
    c
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Run {
    let out = envparity().args(args).output().expect("envparity runs");
    Run {
        code: out.status.code().expect("exited normally, not by a signal"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn s(p: &Path) -> &str {
    p.to_str().expect("test paths are UTF-8")
}

/// Trouble is one line on stderr naming what it is about, and exit 2.
fn assert_trouble(r: &Run, mentions: &[&str]) {
    assert_eq!(r.code, 2, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line on stderr, got: {}", r.stderr);
    assert!(lines[0].starts_with("envparity: error: "), "{}", lines[0]);
    for m in mentions {
        assert!(lines[0].contains(m), "`{m}` not in: {}", lines[0]);
    }
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

/// Compares `actual` with the insta snapshot `tests/golden/<name>.snap`
/// (`cargo insta review` or `INSTA_UPDATE=always` accepts a change).
fn golden(name: &str, actual: &str) {
    insta::with_settings!({
        snapshot_path => "golden",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, actual);
    });
}

#[test]
fn reduced_staging_fails_the_gate_with_exit_1() {
    let r = run(&["diff", fixture("staging.json"), fixture("production.json")]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout
            .trim_end()
            .lines()
            .last()
            .unwrap_or("")
            .starts_with("FAIL:"),
        "{}",
        r.stdout
    );
    assert!(r.stderr.is_empty(), "{}", r.stderr);
}

#[test]
fn identical_environments_pass_with_exit_0() {
    // Production's twin: only hosts and secrets differ.
    let r = run(&["diff", fixture("twin.json"), fixture("production.json")]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("PASS: parity holds"), "{}", r.stdout);
}

#[test]
fn table_output_matches_golden() {
    let r = run(&["diff", fixture("staging.json"), fixture("production.json")]);
    golden(
        "core.table.txt",
        &r.stdout.replace(env!("CARGO_MANIFEST_DIR"), "<root>"),
    );
}

#[test]
fn json_output_matches_golden_and_is_deterministic() {
    let args = [
        "diff",
        fixture("staging.json"),
        fixture("production.json"),
        "--format",
        "json",
        "--show-expected",
    ];
    let a = run(&args);
    let b = run(&args);
    assert_eq!(a.stdout, b.stdout, "same input, byte-identical output");
    golden("core.json", &a.stdout);
    let v: serde_json::Value = serde_json::from_str(&a.stdout).expect("the report is JSON");
    assert_eq!(v["format"], "envparity.report/1");
    assert_eq!(v["verdict"], "fail");
    for f in v["findings"].as_array().expect("findings") {
        for key in ["class", "path", "surface", "severity", "message"] {
            assert!(f.get(key).is_some(), "finding without {key}: {f}");
        }
        assert_eq!(
            f["surface"],
            f["path"]
                .as_str()
                .unwrap_or("")
                .split('/')
                .nth(1)
                .unwrap_or("")
        );
    }
}

#[test]
fn json_report_pins_the_classes_of_the_story() {
    let r = run(&[
        "diff",
        fixture("staging.json"),
        fixture("production.json"),
        "--format",
        "json",
        "--show-expected",
    ]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let class_of = |path: &str| {
        v["findings"]
            .as_array()
            .and_then(|fs| fs.iter().find(|f| f["path"] == path))
            .map(|f| f["class"].as_str().unwrap_or("").to_string())
    };
    assert_eq!(class_of("/plugins/forum").as_deref(), Some("reduced"));
    assert_eq!(class_of("/plugins/notes").as_deref(), Some("extra"));
    assert_eq!(
        class_of("/datastores/mongodb/members").as_deref(),
        Some("reduced")
    );
    assert_eq!(
        class_of("/datastores/mysql/host").as_deref(),
        Some("shared")
    );
    assert_eq!(
        class_of("/settings/SMTP_PASSWORD").as_deref(),
        Some("shared")
    );
    assert_eq!(
        class_of("/settings/MYSQL_ROOT_PASSWORD").as_deref(),
        Some("expected")
    );
    assert_eq!(class_of("/settings/LMS_HOST").as_deref(), Some("expected"));
    assert_eq!(
        class_of("/settings/CONTACT_URL"),
        None,
        "equal once hosts are tokens"
    );
    assert_eq!(class_of("/sso").as_deref(), Some("unknown"));
    assert_eq!(
        class_of("/release/tutor_version").as_deref(),
        Some("reduced")
    );
    assert_eq!(
        class_of("/datastores/mongodb/bundled").as_deref(),
        Some("drift")
    );
}

#[test]
fn failed_source_fails_closed_unless_allowed() {
    // Only the unknown findings and expected ones remain once everything else is ignored.
    let ignore = [
        "--ignore",
        "/release/**",
        "--ignore",
        "/plugins/**",
        "--ignore",
        "/datastores/**",
        "--ignore",
        "/services/**",
        "--ignore",
        "/security/**",
        "--ignore",
        "/features/**",
        "--ignore",
        "/settings/**",
    ];
    let mut args = vec![
        "diff",
        fixture("staging.json").to_owned().leak() as &str,
        fixture("production.json").to_owned().leak(),
    ];
    args.extend(ignore);
    let r = run(&args);
    assert_eq!(
        r.code, 1,
        "an unreadable source fails the gate: {}",
        r.stdout
    );
    assert!(r.stdout.contains("unknown"), "{}", r.stdout);
    args.extend(["--allow", "unknown"]);
    let r = run(&args);
    assert_eq!(r.code, 0, "--allow unknown lets it pass: {}", r.stdout);
}

#[test]
fn fail_on_drift_makes_drift_fail() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(fixture("twin.json")).expect("fixture");
    let changed = text.replace(
        "\"PLATFORM_NAME\": \"Example University\"",
        "\"PLATFORM_NAME\": \"Example U\"",
    );
    let changed = changed.replace("\"CMS_HOST\"", "\"OTHER\": \"x\", \"CMS_HOST\"");
    let staging = dir.path().join("s.json");
    std::fs::write(&staging, changed).expect("write");
    let base = [
        "diff",
        s(&staging),
        fixture("production.json"),
        "--profile",
        "generic",
    ];
    assert_eq!(run(&base).code, 0, "drift alone passes by default");
    let mut strict = base.to_vec();
    strict.extend(["--fail-on", "drift"]);
    assert_eq!(run(&strict).code, 1, "--fail-on drift fails on it");
}

#[test]
fn waivers_turn_findings_waived_and_report_expired_and_stale_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let w = dir.path().join("waivers.toml");
    std::fs::write(
        &w,
        "[[waiver]]\npath = \"/plugins/forum\"\nclass = \"reduced\"\nreason = \"forum licence for staging pending\"\nowner = \"ops@example.org\"\nexpires = 2999-12-31\n\n\
         [[waiver]]\npath = \"/plugins/pod-autoscaling\"\nreason = \"old\"\nowner = \"ops@example.org\"\nexpires = 2020-01-01\n\n\
         [[waiver]]\npath = \"/plugins/nothing-here\"\nreason = \"stale\"\nowner = \"ops@example.org\"\nexpires = 2999-01-01\n",
    )
    .expect("write");
    let r = run(&[
        "diff",
        fixture("staging.json"),
        fixture("production.json"),
        "--waivers",
        s(&w),
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let find = |p: &str| {
        v["findings"]
            .as_array()
            .and_then(|fs| fs.iter().find(|f| f["path"] == p).cloned())
            .expect(p)
    };
    assert_eq!(find("/plugins/forum")["class"], "waived");
    assert_eq!(find("/plugins/forum")["waiver"]["owner"], "ops@example.org");
    assert_eq!(find("/plugins/pod-autoscaling")["class"], "reduced");
    assert!(
        find("/plugins/pod-autoscaling")["message"]
            .as_str()
            .unwrap_or("")
            .contains("expired on 2020-01-01")
    );
    let statuses: Vec<&str> = v["waivers"]
        .as_array()
        .expect("waivers")
        .iter()
        .map(|w| w["status"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(statuses, ["active", "expired", "stale"]);
}

#[test]
fn output_flag_writes_more_formats_in_the_same_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("report.json");
    let arg = format!("json={}", s(&out));
    let r = run(&[
        "diff",
        fixture("staging.json"),
        fixture("production.json"),
        "--output",
        &arg,
    ]);
    assert_eq!(r.code, 1);
    let written = std::fs::read_to_string(&out).expect("report written");
    assert!(written.contains("envparity.report/1"));
    assert!(r.stdout.contains("FAIL:"), "table still on stdout");
}

#[test]
fn snapshot_command_writes_a_readable_snapshot() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("snap.json");
    let r = run(&[
        "snapshot",
        "--env",
        "staging",
        "--source",
        fixture("twin.json"),
        "-o",
        s(&out),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read_to_string(&out).expect("written");
    let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(v["format"], "envparity.snapshot/1");
    assert_eq!(v["environment"], "staging");
    assert!(v["fingerprint"]["key_id"].is_string());
    let r = run(&["diff", s(&out), fixture("production.json")]);
    assert_eq!(
        r.code, 0,
        "a snapshot of the twin passes as the twin does: {}",
        r.stdout
    );
}

#[test]
fn config_file_names_sources_per_environment() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(fixture("staging.json"), dir.path().join("s.json")).expect("copy");
    std::fs::copy(fixture("production.json"), dir.path().join("p.json")).expect("copy");
    let cfg = dir.path().join("envparity.toml");
    std::fs::write(&cfg, "profile = \"tutor\"\nallow = [\"unknown\"]\nignore = [\"/**\"]\n[staging]\nsources = [\"s.json\"]\n[production]\n[[production.snapshot]]\npath = \"p.json\"\n").expect("write");
    let r = run(&["check", "--config", s(&cfg)]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    std::fs::write(
        &cfg,
        "[staging]\nsources = [\"s.json\"]\n[production]\nsource = [\"p.json\"]\n",
    )
    .expect("write");
    assert_trouble(
        &run(&["check", "--config", s(&cfg)]),
        &["envparity.toml:4:", "source"],
    );
}

#[test]
fn profiles_are_listed_and_shown() {
    let r = run(&["profiles", "list"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.contains("tutor") && r.stdout.contains("generic"),
        "{}",
        r.stdout
    );
    let r = run(&["profiles", "show", "tutor"]);
    assert!(r.stdout.contains("[[rule]]"));
    assert_trouble(&run(&["profiles", "show", "nope"]), &["nope"]);
}

// ---- bad input: one line on stderr, exit 2 ----

#[test]
fn missing_snapshot_file_is_trouble() {
    assert_trouble(
        &run(&[
            "diff",
            "/nonexistent/staging.json",
            fixture("production.json"),
        ]),
        &["/nonexistent/staging.json"],
    );
}

#[test]
fn unreadable_json_names_file_line_and_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        "{\n  \"format\": \"envparity.snapshot/1\",\n  \"surface\": {,}\n}\n",
    )
    .expect("write");
    assert_trouble(
        &run(&["diff", s(&bad), fixture("production.json")]),
        &["bad.json:3:"],
    );
}

#[test]
fn unknown_snapshot_format_version_is_trouble() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("v2.json");
    std::fs::write(&bad, r#"{"format": "envparity.snapshot/2", "surface": {}}"#).expect("write");
    assert_trouble(
        &run(&["diff", s(&bad), fixture("production.json")]),
        &["v2.json", "envparity.snapshot/2"],
    );
}

#[test]
fn directory_where_a_file_is_expected_is_trouble() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert_trouble(
        &run(&["diff", s(dir.path()), fixture("production.json")]),
        &["is a directory"],
    );
    let w = [
        "diff",
        fixture("staging.json"),
        fixture("production.json"),
        "--waivers",
        s(dir.path()),
    ];
    assert_trouble(&run(&w), &["is a directory"]);
}

#[test]
fn profile_with_unknown_rule_kind_is_trouble() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("mine.toml");
    std::fs::write(
        &p,
        "name = \"mine\"\n\n[[rule]]\npath = \"/plugins/*\"\nkind = \"presense\"\n",
    )
    .expect("write");
    assert_trouble(
        &run(&[
            "diff",
            fixture("staging.json"),
            fixture("production.json"),
            "--profile",
            s(&p),
        ]),
        &["mine.toml:5:", "presense"],
    );
    assert_trouble(
        &run(&[
            "diff",
            fixture("staging.json"),
            fixture("production.json"),
            "--profile",
            "nosuch",
        ]),
        &["nosuch"],
    );
}

#[test]
fn unparsable_waiver_date_is_trouble() {
    let dir = tempfile::tempdir().expect("tempdir");
    let w = dir.path().join("w.toml");
    std::fs::write(&w, "[[waiver]]\npath = \"/plugins/forum\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"31/01/2027\"\n").expect("write");
    assert_trouble(
        &run(&[
            "diff",
            fixture("staging.json"),
            fixture("production.json"),
            "--waivers",
            s(&w),
        ]),
        &["w.toml:5:", "31/01/2027"],
    );
}

#[test]
fn bad_flags_are_trouble() {
    let (st, pr) = (fixture("staging.json"), fixture("production.json"));
    assert_trouble(&run(&["diff", st, pr, "--fail-on", "bogus"]), &["bogus"]);
    assert_trouble(
        &run(&["diff", st, pr, "--output", "json"]),
        &["FORMAT=PATH"],
    );
    assert_trouble(
        &run(&["diff", st, pr, "--output", "yaml=x.yaml"]),
        &["yaml"],
    );
    assert_trouble(
        &run(&["diff", st, pr, "--ignore", "plugins"]),
        &["--ignore"],
    );
    let r = run(&["diff", st]);
    assert_eq!(r.code, 2, "clap usage errors exit 2 too");
    let r = run(&[
        "check",
        "--staging",
        "/nonexistent/root",
        "--production",
        pr,
    ]);
    assert_trouble(&r, &["/nonexistent/root"]);
}

// ---- secrets ----

/// Plaintexts planted in the fixtures; none may appear in any output.
const PLANTED: [&str; 5] = [
    "planted-staging-root-password",
    "planted-shared-smtp-password",
    "planted-url-password",
    "planted-production-root-password",
    "planted-twin-smtp-password",
];

fn assert_no_secret(what: &str, text: &str) {
    for p in PLANTED {
        assert!(!text.contains(p), "{what} leaks `{p}`");
    }
    assert!(!text.contains(KEY), "{what} leaks the fingerprint key");
}

#[test]
fn no_planted_secret_reaches_any_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    for name in envparity::report::Format::names() {
        let file = dir.path().join(format!("out.{name}"));
        let arg = format!("{name}={}", s(&file));
        let r = run(&[
            "diff",
            fixture("staging.json"),
            fixture("production.json"),
            "--format",
            &name,
            "--show-expected",
            "--output",
            &arg,
        ]);
        assert!(r.code == 1, "{name}: {}", r.stderr);
        assert_no_secret(&format!("{name} stdout"), &r.stdout);
        assert_no_secret(&format!("{name} stderr"), &r.stderr);
        assert_no_secret(
            &format!("{name} file"),
            &std::fs::read_to_string(&file).expect("written"),
        );
    }
    let snap = dir.path().join("snap.json");
    let r = run(&[
        "snapshot",
        "--env",
        "staging",
        "--source",
        fixture("staging.json"),
        "-o",
        s(&snap),
    ]);
    assert_no_secret("snapshot stderr", &r.stderr);
    assert_no_secret(
        "snapshot file",
        &std::fs::read_to_string(&snap).expect("written"),
    );
}

#[test]
fn planted_secrets_are_still_compared_by_fingerprint() {
    let r = run(&[
        "diff",
        fixture("staging.json"),
        fixture("production.json"),
        "--format",
        "json",
        "--show-expected",
    ]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let f = v["findings"]
        .as_array()
        .and_then(|fs| {
            fs.iter()
                .find(|f| f["path"] == "/settings/SMTP_PASSWORD")
                .cloned()
        })
        .expect("finding");
    assert_eq!(f["class"], "shared");
    let fp = f["staging"]["secret"]
        .as_str()
        .expect("a fingerprint marker");
    assert!(fp.starts_with("hmac-sha256:"), "{fp}");
    assert_eq!(f["staging"], f["production"]);
}

#[test]
fn an_ignore_beats_every_profile_rule() {
    // The example pair fails on /settings/SMTP_PASSWORD (a `*_PASSWORD` secret rule, more
    // specific than the ignore) and on the identity settings; `--ignore '/settings/*'`
    // leaves every one of them out, whatever the profile says.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let (staging, production) = (root.join("staging"), root.join("production"));
    let args = |extra: &[&'static str]| -> Vec<String> {
        let mut a: Vec<String> = [
            "check",
            "--staging",
            s(&staging),
            "--production",
            s(&production),
        ]
        .iter()
        .map(|x| x.to_string())
        .collect();
        a.extend(["--format", "json", "--show-expected"].map(String::from));
        a.extend(extra.iter().map(|x| x.to_string()));
        a
    };
    let with = |extra: &[&'static str]| {
        let a = args(extra);
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        let r = run(&refs);
        serde_json::from_str::<serde_json::Value>(&r.stdout).expect("a JSON report")
    };
    let paths = |report: &serde_json::Value| -> Vec<String> {
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter_map(|f| f["path"].as_str().map(str::to_string))
            .collect()
    };
    let before = with(&[]);
    assert!(paths(&before).contains(&"/settings/SMTP_PASSWORD".to_string()));
    assert!(paths(&before).contains(&"/settings/LMS_HOST".to_string()));
    let after = with(&["--ignore", "/settings/*"]);
    let left: Vec<String> = paths(&after)
        .into_iter()
        .filter(|p| p.starts_with("/settings/"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    assert_eq!(
        after["summary"]["shared"], 2,
        "only the SMTP host and the search index stay shared"
    );
}

// ---- fingerprint keys ----

/// envparity without ENVPARITY_FINGERPRINT_KEY, its config directory in `config_home`
/// (never the real home).
fn run_keyless(args: &[&str], config_home: &Path) -> Run {
    let out = envparity()
        .env_remove("ENVPARITY_FINGERPRINT_KEY")
        .env("XDG_CONFIG_HOME", config_home)
        .env("HOME", config_home.join("home"))
        .args(args)
        .output()
        .expect("envparity runs");
    Run {
        code: out.status.code().expect("exited normally"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn key_file(config_home: &Path) -> PathBuf {
    config_home.join("envparity/fingerprint-key")
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).expect("exists").permissions().mode() & 0o777
}

fn snapshot_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("written")).expect("JSON")
}

#[test]
fn snapshots_without_a_key_share_a_private_per_user_key_and_compare() {
    let home = tempfile::tempdir().expect("tempdir");
    let (s_out, p_out) = (home.path().join("s.json"), home.path().join("p.json"));
    let r = run_keyless(
        &[
            "snapshot",
            "--env",
            "staging",
            "--source",
            fixture("staging.json"),
            "-o",
            s(&s_out),
        ],
        home.path(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let key = key_file(home.path());
    assert_eq!(mode(&key), 0o600, "the key file is private");
    assert_eq!(
        mode(key.parent().expect("dir")),
        0o700,
        "so is its directory"
    );
    let key_text = std::fs::read_to_string(&key).expect("key");
    assert_eq!(key_text.trim_end().len(), 64, "32 random bytes in hex");
    let r = run_keyless(
        &[
            "snapshot",
            "--env",
            "production",
            "--source",
            fixture("production.json"),
            "-o",
            s(&p_out),
        ],
        home.path(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(&key).expect("key"),
        key_text,
        "made once"
    );
    let (sv, pv) = (snapshot_json(&s_out), snapshot_json(&p_out));
    assert_eq!(sv["fingerprint"]["key_id"], pv["fingerprint"]["key_id"]);
    assert_eq!(sv["fingerprint"]["key_source"], "user");
    let key_id = sv["fingerprint"]["key_id"].as_str().expect("key id");
    assert!(
        !key_text.contains(key_id),
        "the key id does not reveal the key"
    );
    for text in [
        &r.stdout,
        &r.stderr,
        &std::fs::read_to_string(&s_out).expect("snap"),
    ] {
        assert!(
            !text.contains(key_text.trim_end()),
            "the key is never written out"
        );
    }
    // The shared SMTP password is still seen: fingerprints of one key compare.
    let r = run_keyless(
        &["diff", s(&s_out), s(&p_out), "--format", "json"],
        home.path(),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let smtp = v["findings"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["path"] == "/settings/SMTP_PASSWORD"))
        .expect("SMTP finding");
    assert_eq!(smtp["class"], "shared");
}

#[test]
fn without_xdg_config_home_the_key_lives_under_home_dot_config() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = home.path().join("s.json");
    let o = envparity()
        .env_remove("ENVPARITY_FINGERPRINT_KEY")
        .env_remove("XDG_CONFIG_HOME")
        .env("HOME", home.path())
        .args([
            "snapshot",
            "--env",
            "staging",
            "--source",
            fixture("twin.json"),
            "-o",
            s(&out),
        ])
        .output()
        .expect("runs");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let key = home.path().join(".config/envparity/fingerprint-key");
    assert_eq!(mode(&key), 0o600);
}

#[test]
fn check_and_diff_make_no_key_file_of_their_own() {
    let home = tempfile::tempdir().expect("tempdir");
    let r = run_keyless(
        &["diff", fixture("staging.json"), fixture("production.json")],
        home.path(),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        !key_file(home.path()).exists(),
        "a key for one run needs no file"
    );
}

#[test]
fn a_key_file_open_to_others_or_of_the_wrong_size_is_trouble_naming_it() {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().expect("tempdir");
    let key = key_file(home.path());
    std::fs::create_dir_all(key.parent().expect("dir")).expect("mkdir");
    let out = home.path().join("s.json");
    let snapshot = [
        "snapshot",
        "--env",
        "staging",
        "--source",
        fixture("twin.json"),
        "-o",
        s(&out),
    ];
    let diff = ["diff", fixture("staging.json"), fixture("production.json")];
    std::fs::write(&key, format!("{}\n", "0f".repeat(32))).expect("write");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    assert_trouble(
        &run_keyless(&snapshot, home.path()),
        &[s(&key), "0644", "chmod 600"],
    );
    assert_trouble(&run_keyless(&diff, home.path()), &[s(&key), "0644"]);
    std::fs::write(&key, "0f0f\n").expect("write");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let r = run_keyless(&snapshot, home.path());
    assert_trouble(&r, &[s(&key), "wrong size"]);
    assert!(!r.stderr.contains("0f0f"), "the key is not shown");
    assert!(!out.exists(), "nothing written");
}

#[test]
fn snapshots_made_with_different_keys_are_refused_naming_both_in_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (
        dir.path().join("staging.json"),
        dir.path().join("production.json"),
    );
    for (key, src, out) in [
        ("key one", fixture("staging.json"), &a),
        ("key two", fixture("production.json"), &b),
    ] {
        let o = envparity()
            .env("ENVPARITY_FINGERPRINT_KEY", key)
            .args(["snapshot", "--env", "x", "--source", src, "-o", s(out)])
            .output()
            .expect("runs");
        assert_eq!(o.status.code(), Some(0));
    }
    let r = run(&["diff", s(&a), s(&b)]);
    assert_trouble(
        &r,
        &[s(&a), s(&b), "different keys", "ENVPARITY_FINGERPRINT_KEY"],
    );
    assert!(r.stdout.is_empty(), "no report from incomparable snapshots");
}

// ---- what a mistaken command line is told ----

#[test]
fn a_file_that_is_no_snapshot_says_so() {
    let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    assert_trouble(
        &run(&["diff", s(&readme), fixture("production.json")]),
        &["README.md", "is not an envparity snapshot"],
    );
}

#[test]
fn diff_on_a_tutor_root_or_its_files_suggests_check() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/staging");
    assert_trouble(
        &run(&["diff", s(&root), fixture("production.json")]),
        &[s(&root), "Tutor project root", "envparity check"],
    );
    let config = root.join("config.yml");
    assert_trouble(
        &run(&["diff", fixture("staging.json"), s(&config)]),
        &["config.yml", "not an envparity snapshot", "envparity check"],
    );
    let dir = tempfile::tempdir().expect("tempdir");
    assert_trouble(
        &run(&["diff", s(dir.path()), fixture("production.json")]),
        &["is a directory", "envparity check"],
    );
}

#[test]
fn snapshot_output_dash_is_stdout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = envparity()
        .current_dir(dir.path())
        .args([
            "snapshot",
            "--env",
            "staging",
            "--source",
            fixture("twin.json"),
            "-o",
            "-",
        ])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("a snapshot on stdout");
    assert_eq!(v["format"], "envparity.snapshot/1");
    assert!(!dir.path().join("-").exists(), "no file named -");
    // json=PATH is accepted as in check and diff; another format is not.
    let out = dir.path().join("s.json");
    let arg = format!("json={}", s(&out));
    let r = run(&[
        "snapshot",
        "--env",
        "staging",
        "--source",
        fixture("twin.json"),
        "--output",
        &arg,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(out.is_file());
    assert_trouble(
        &run(&[
            "snapshot",
            "--env",
            "staging",
            "--source",
            fixture("twin.json"),
            "-o",
            "/nonexistent/dir/s.json",
        ]),
        &["--output", "/nonexistent/dir"],
    );
    assert_trouble(
        &run(&[
            "snapshot",
            "--env",
            "staging",
            "--source",
            fixture("twin.json"),
            "-o",
            "yaml=s.yaml",
        ]),
        &["--output", "yaml"],
    );
}

#[test]
fn report_output_takes_a_path_with_or_without_a_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (st, pr) = (fixture("staging.json"), fixture("production.json"));
    let (json, md) = (dir.path().join("r.json"), dir.path().join("r.md"));
    let r = run(&[
        "diff",
        st,
        pr,
        "-o",
        s(&json),
        "--output",
        &format!("markdown={}", s(&md)),
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        std::fs::read_to_string(&json)
            .expect("json")
            .contains("envparity.report/1")
    );
    assert!(std::fs::read_to_string(&md).expect("md").starts_with('#'));
    // `-` is stdout, in place of the table.
    let r = run(&["diff", st, pr, "--output", "json=-"]);
    assert_eq!(r.code, 1);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("only JSON on stdout");
    assert_eq!(v["format"], "envparity.report/1");
    assert_trouble(
        &run(&["diff", st, pr, "-o", "report.unknown"]),
        &["--output", "report.unknown", "FORMAT=PATH"],
    );
    assert_trouble(
        &run(&["diff", st, pr, "-o", "json=-", "-o", "sarif=-"]),
        &["--output", "stdout"],
    );
    assert_trouble(
        &run(&["diff", st, pr, "--format", "table", "-o", "json=-"]),
        &["--output", "--format"],
    );
    assert_trouble(
        &run(&["diff", st, pr, "-o", "json=/nonexistent/dir/r.json"]),
        &["--output", "/nonexistent/dir"],
    );
}

/// A loopback LMS that accepts connections and never answers: collecting from it takes
/// the whole --timeout.
fn silent_lms() -> (std::net::TcpListener, String) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", l.local_addr().expect("addr"));
    (l, url)
}

#[test]
fn bad_flags_and_config_values_are_refused_before_collecting() {
    let (_lms, url) = silent_lms();
    let dir = tempfile::tempdir().expect("tempdir");
    let slow = [
        "check",
        "--staging",
        url.as_str(),
        "--production",
        fixture("production.json"),
        "--timeout",
        "60",
    ];
    let timed = |extra: &[&str]| {
        let mut args = slow.to_vec();
        args.extend(extra);
        let start = std::time::Instant::now();
        let r = run(&args);
        (r, start.elapsed())
    };
    for (extra, mentions) in [
        (vec!["--output", "jsno=r.json"], vec!["--output", "jsno"]),
        (
            vec!["--output", "json=/nonexistent/dir/r.json"],
            vec!["/nonexistent/dir"],
        ),
        (vec!["--fail-on", "drfit"], vec!["--fail-on", "drfit"]),
    ] {
        let (r, took) = timed(&extra);
        assert_trouble(&r, &mentions);
        assert!(took.as_secs() < 20, "refused only after {took:?}");
    }
    // The config file's values, at their line.
    let cfg = dir.path().join("envparity.toml");
    let cases = [
        (
            format!(
                "fail_on = [\"drift\",\n  \"drfit\"]\n[staging]\nsources = [\"{url}\"]\n[production]\nsources = [\"{url}\"]\n"
            ),
            vec!["envparity.toml:2:", "fail_on", "drfit"],
        ),
        (
            format!(
                "allow = [\"unknwn\"]\n[staging]\nsources = [\"{url}\"]\n[production]\nsources = [\"{url}\"]\n"
            ),
            vec!["envparity.toml:1:", "allow", "unknwn"],
        ),
        (
            format!(
                "[staging]\nsources = [\"{url}\"]\n[production]\n[[production.openedx]]\nlms = \"ftp://lms.example.org\"\n"
            ),
            // The kind sections are read through the collector registry, which names the
            // section's line and the key.
            vec!["envparity.toml:4:", "[[production.openedx]]", "lms"],
        ),
        (
            format!(
                "[staging]\nsources = [\n  \"{url}\",\n  \"no-such-root\",\n]\n[production]\nsources = [\"{url}\"]\n"
            ),
            vec!["envparity.toml:4:", "sources", "no-such-root"],
        ),
        (
            format!(
                "profile = \"tutor\"\nignore = [\"/ok/**\", \"plugins\"]\n[staging]\nsources = [\"{url}\"]\n[production]\nsources = [\"{url}\"]\n"
            ),
            vec!["envparity.toml:2:", "ignore", "plugins"],
        ),
        (
            format!(
                "profile = \"tutr\"\n[staging]\nsources = [\"{url}\"]\n[production]\nsources = [\"{url}\"]\n"
            ),
            vec!["envparity.toml:1:", "profile", "tutr"],
        ),
        (
            format!(
                "[staging]\nsources = [\"{url}\", \"missing.json\"]\n[production]\nsources = [\"{url}\"]\n"
            ),
            vec!["envparity.toml:2:", "missing.json", "no such file"],
        ),
    ];
    for (text, mentions) in cases {
        std::fs::write(&cfg, &text).expect("write");
        let start = std::time::Instant::now();
        let r = run(&["check", "--config", s(&cfg), "--timeout", "60"]);
        assert_trouble(&r, &mentions);
        assert!(start.elapsed().as_secs() < 20, "{text}");
    }
}

#[test]
fn help_shows_the_defaults() {
    let r = run(&["check", "--help"]);
    assert_eq!(r.code, 0);
    let help = r.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    for d in [
        "[default: table]",
        "[default: 60,",
        "[default: tutor,",
        "[default: auto]",
        "[default: 256MiB]",
    ] {
        assert!(help.contains(d), "`{d}` not in check --help");
    }
    let r = run(&["snapshot", "--help"]);
    let help = r.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        help.contains("[default: 60,") && help.contains("is stdout"),
        "{help}"
    );
}

#[test]
fn man_lists_every_flag_and_names_no_missing_page() {
    let r = run(&["man"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for flag in [
        "\\-\\-staging",
        "\\-\\-fail\\-on",
        "\\-\\-output",
        "\\-\\-env",
        "\\-\\-max\\-input\\-size",
        ".SS \"envparity diff\"",
        ".SS \"envparity snapshot\"",
        "EXIT STATUS",
        "envparity/fingerprint-key",
    ] {
        assert!(r.stdout.contains(flag), "`{flag}` not in the manual");
    }
    // No reference to another page: envparity-check(1) and the like are not installed.
    assert!(!r.stdout.contains("(1)"), "{}", r.stdout);
}

#[test]
fn a_profile_extends_cycle_is_trouble_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (dir.path().join("a.toml"), dir.path().join("b.toml"));
    std::fs::write(&a, "name = \"a\"\nextends = \"b.toml\"\n").expect("write");
    std::fs::write(&b, "name = \"b\"\nextends = \"a.toml\"\n").expect("write");
    let r = run(&[
        "diff",
        fixture("staging.json"),
        fixture("production.json"),
        "--profile",
        s(&a),
    ]);
    assert_trouble(
        &r,
        &["cycle", &format!("{} → {} → {}", s(&a), s(&b), s(&a))],
    );
}

#[test]
fn check_refuses_a_snapshot_source_of_another_key_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snap = dir.path().join("staging.json");
    let o = envparity()
        .env("ENVPARITY_FINGERPRINT_KEY", "the key of that day")
        .args([
            "snapshot",
            "--env",
            "staging",
            "--source",
            fixture("staging.json"),
            "-o",
            s(&snap),
        ])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0));
    let r = run(&[
        "check",
        "--staging",
        s(&snap),
        "--production",
        fixture("production.json"),
    ]);
    assert_trouble(&r, &[s(&snap), "another key", "ENVPARITY_FINGERPRINT_KEY"]);
    // With the key it was taken with, it is judged.
    let o = envparity()
        .env("ENVPARITY_FINGERPRINT_KEY", "the key of that day")
        .args([
            "check",
            "--staging",
            s(&snap),
            "--production",
            fixture("production.json"),
        ])
        .output()
        .expect("runs");
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
