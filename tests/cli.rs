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
        after["summary"]["shared"], 1,
        "only the SMTP host stays shared"
    );
}
