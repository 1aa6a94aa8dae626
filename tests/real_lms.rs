//! The live Open edX collector against real edx-platform LMS instances, started on
//! loopback through the LMS kit (`$ENVPARITY_LMS_KIT`, default `../shared/lms`; its
//! `setup.sh` installs edx-platform once into `$ENVPARITY_LMS_DIR`). Fixtures of our own
//! (`tests/lms/*.py`, run in the LMS's Django shell) configure SSO providers, waffle flags,
//! switches, overrides and site configuration the way an operator would.
//!
//! These tests are `#[ignore]`d for a plain `cargo nextest run` (nextest lists them as
//! skipped, with the reason) because the kit's first install takes many minutes;
//! `.ci/run` installs the kit and runs them with `--run-ignored all`, and there a missing
//! kit fails the test rather than skipping it.

#[path = "support/servers.rs"]
mod servers;

use assert_cmd::Command;
use serde_json::Value;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn kit() -> PathBuf {
    std::env::var_os("ENVPARITY_LMS_KIT")
        .filter(|v| !v.is_empty())
        .map_or_else(|| repo().join("../shared/lms"), PathBuf::from)
}

fn kit_dir() -> PathBuf {
    std::env::var_os("ENVPARITY_LMS_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/envparity-lms")
        })
}

/// The kit is there and installed, or the test cannot run: say why and fail.
fn require_kit() {
    let start = kit().join("start.sh");
    assert!(
        start.is_file(),
        "the LMS kit is missing: no {} (set ENVPARITY_LMS_KIT)",
        start.display()
    );
    let python = kit_dir().join("venv/bin/python");
    assert!(
        python.is_file(),
        "the LMS kit is not installed in {}: run {}/setup.sh (about 17 minutes the first time)",
        kit_dir().display(),
        kit().display()
    );
}

/// One running LMS instance, stopped (and its data removed) when dropped.
struct Instance {
    name: String,
    url: String,
    client_id: String,
    client_secret: String,
}

impl Instance {
    /// Starts `name` with the base fixture and `fixtures` (files under tests/lms/), its
    /// tables in SQLite, or in MariaDB when `mysql` is `USER:PASSWORD@HOST:PORT/DB`.
    fn start(name: &str, fixtures: &[&str], mysql: Option<&str>) -> Instance {
        let name = format!("envparity-test-{name}-{}", std::process::id());
        let port = servers::free_port("127.0.0.1");
        let client_id = format!("{name}-client");
        let client_secret = format!("{name}-canary-client-secret");
        let mut cmd = std::process::Command::new("bash");
        cmd.arg(kit().join("start.sh"))
            .arg(&name)
            .arg(port.to_string())
            .args(fixtures.iter().map(|f| repo().join("tests/lms").join(f)))
            .env("ENVPARITY_LMS_CLIENT_ID", &client_id)
            .env("ENVPARITY_LMS_CLIENT_SECRET", &client_secret)
            .env("ENVPARITY_TEST_LMS_FIXTURES", repo().join("tests/lms"));
        match mysql {
            Some(m) => cmd.env("ENVPARITY_LMS_MYSQL", m),
            None => cmd.env_remove("ENVPARITY_LMS_MYSQL"),
        };
        let out = cmd.output().expect("bash runs the kit's start.sh");
        let instance = Instance {
            url: format!("http://127.0.0.1:{port}"),
            name,
            client_id,
            client_secret,
        };
        assert!(
            out.status.success(),
            "start.sh {} failed: {}{}",
            instance.name,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        instance
    }

    /// Credential variables for one environment (`STAGING`, `PRODUCTION`).
    fn credentials(&self, env: &str) -> Vec<(String, String)> {
        vec![
            (format!("ENVPARITY_{env}_CLIENT_ID"), self.client_id.clone()),
            (
                format!("ENVPARITY_{env}_CLIENT_SECRET"),
                self.client_secret.clone(),
            ),
        ]
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = std::process::Command::new("bash")
            .arg(kit().join("stop.sh"))
            .arg(&self.name)
            .output();
        let _ = std::fs::remove_dir_all(kit_dir().join("instances").join(&self.name));
    }
}

/// Starts several instances at once (each start builds a schema: in parallel they take
/// about as long as the slowest).
fn start_all(specs: &[(&str, &[&str], Option<&str>)]) -> Vec<Instance> {
    std::thread::scope(|s| {
        let handles: Vec<_> = specs
            .iter()
            .map(|(name, fixtures, mysql)| s.spawn(move || Instance::start(name, fixtures, *mysql)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("an instance started"))
            .collect()
    })
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    report: Value,
    elapsed: Duration,
}

impl Run {
    fn finding(&self, path: &str) -> Option<&Value> {
        self.report["findings"]
            .as_array()?
            .iter()
            .find(|f| f["path"] == path)
    }

    fn class_of(&self, path: &str) -> Option<&str> {
        self.finding(path)?["class"].as_str()
    }

    #[track_caller]
    fn assert_class(&self, path: &str, class: &str) {
        assert_eq!(
            self.class_of(path),
            Some(class),
            "{path} should be {class}; findings:\n{}",
            serde_json::to_string_pretty(&self.report["findings"]).unwrap_or_default()
        );
    }
}

fn check(staging: &Instance, production: &Instance, extra: &[&str]) -> Run {
    let mut args = vec!["--staging", &staging.url, "--production", &production.url];
    args.extend_from_slice(extra);
    let env: Vec<(String, String)> = staging
        .credentials("STAGING")
        .into_iter()
        .chain(production.credentials("PRODUCTION"))
        .collect();
    run_check(&args, &env)
}

fn run_check(args: &[&str], env: &[(String, String)]) -> Run {
    let mut c = Command::cargo_bin("envparity").expect("the envparity binary is built");
    c.arg("check")
        .args(args)
        .args(["--format", "json", "--show-expected", "--timeout", "120"])
        .env("ENVPARITY_FINGERPRINT_KEY", "real lms tests");
    for (k, v) in env {
        c.env(k, v);
    }
    let started = Instant::now();
    let out = c.output().expect("envparity runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        report: serde_json::from_str(&stdout).unwrap_or(Value::Null),
        stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: started.elapsed(),
    };
    assert!(
        !run.report.is_null(),
        "not a JSON report: {}\n{}",
        run.stdout,
        run.stderr
    );
    run
}

/// No fixture secret, in any output.
fn assert_no_canary(run: &Run, instances: &[&Instance]) {
    let fixtures = std::fs::read_dir(repo().join("tests/lms")).expect("tests/lms");
    let mut secrets: Vec<String> = instances.iter().map(|i| i.client_secret.clone()).collect();
    for f in fixtures.flatten() {
        let text = std::fs::read_to_string(f.path()).unwrap_or_default();
        for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
            if word.contains("canary") {
                secrets.push(word.to_string());
            }
        }
    }
    for s in &secrets {
        for (what, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
            assert!(!text.contains(s.as_str()), "{what} holds the secret {s}");
        }
    }
}

#[test]
#[ignore = "needs the real LMS kit (../shared/lms, setup.sh): .ci/run runs it with --run-ignored all"]
fn real_lms_pairs_are_judged_finding_by_finding() {
    require_kit();
    let [production, twin, reduced]: [Instance; 3] = start_all(&[
        ("production", &["production.py"], None),
        ("twin", &["production.py"], None),
        ("reduced", &["staging-reduced.py"], None),
    ])
    .try_into()
    .unwrap_or_else(|_| panic!("three instances"));

    // Two instances configured alike are at parity.
    let same = check(&twin, &production, &[]);
    assert_eq!(same.code, 0, "{}\n{}", same.stdout, same.stderr);
    assert_no_canary(&same, &[&twin, &production]);

    let run = check(&reduced, &production, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_no_canary(&run, &[&reduced, &production]);
    // SSO: the visible SAML IdP, and the OAuth2 provider disabled in staging (a newer
    // row). The hidden ones are on no login page: only the LMS database shows them (the
    // next test).
    for p in [
        "/sso/providers/saml-uni",
        "/sso/providers/oa2-linkedin-oauth2",
    ] {
        run.assert_class(p, "reduced");
    }
    assert_eq!(run.class_of("/sso/providers/oa2-google-oauth2"), None);
    assert_eq!(run.class_of("/sso/providers/saml-partner"), None);
    assert_eq!(run.class_of("/sso/third_party_auth"), None);
    // SAML configured in staging but broken (its metadata view fails): reduced.
    run.assert_class("/sso/saml_working", "reduced");
    // Waffle: on for everyone, for a percentage, for staff only; course and org overrides;
    // a switch.
    run.assert_class(
        "/features/waffle_flags/envparity.everyone/status",
        "reduced",
    );
    run.assert_class("/features/waffle_flags/envparity.percent/status", "reduced");
    run.assert_class(
        "/features/waffle_flags/envparity.staff_only/status",
        "reduced",
    );
    run.assert_class(
        "/features/waffle_flags/envparity.overridden/course_overrides",
        "drift",
    );
    run.assert_class(
        "/features/waffle_flags/envparity.overridden/org_overrides",
        "drift",
    );
    run.assert_class("/features/waffle_switches/envparity.switch", "reduced");
    // MFE config from site configuration, and one MFE's overrides.
    run.assert_class(
        "/features/mfe_config_by_mfe/learning/ENABLE_NOTICES",
        "reduced",
    );
    assert!(
        run.elapsed < Duration::from_secs(60),
        "check took {:?}",
        run.elapsed
    );
}

#[test]
#[ignore = "needs the real LMS kit (../shared/lms, setup.sh): .ci/run runs it with --run-ignored all"]
fn hidden_providers_and_site_configuration_are_read_from_the_lms_database() {
    require_kit();
    let maria = servers::MariaDb::new().expect("mariadb-server is installed (.ci/run installs it)");
    let db = maria.start("127.0.0.1", 1, false);
    maria.must(
        &db,
        "CREATE USER 'edxapp'@'%' IDENTIFIED BY 'edxapp-pw'; GRANT ALL ON *.* TO 'edxapp'@'%'; \
         CREATE USER 'reader'@'%' IDENTIFIED BY 'reader-canary-pw';",
    );
    let url = |name: &str| format!("edxapp:edxapp-pw@127.0.0.1:{}/{name}", db.port);
    let (p_db, s_db) = (url("edxapp_prod"), url("edxapp_stg"));
    let [production, staging]: [Instance; 2] = start_all(&[
        ("db-production", &["production.py"], Some(&p_db)),
        ("db-staging", &["staging-site-off.py"], Some(&s_db)),
    ])
    .try_into()
    .unwrap_or_else(|_| panic!("two instances"));
    // The collector reads through an account that may only SELECT.
    maria.must(
        &db,
        "GRANT SELECT ON edxapp_prod.* TO 'reader'@'%'; GRANT SELECT ON edxapp_stg.* TO 'reader'@'%';",
    );
    let dir = tempfile::tempdir().expect("tmp");
    let config = dir.path().join("envparity.toml");
    let write_config = |staging_db: &str| {
        let text = format!(
            r#"profile = "tutor"
[[staging.openedx]]
lms = "{s}"
[[staging.mysql]]
host = "127.0.0.1"
port = {port}
user = "reader"
password_env = "READER_PW"
lms_database = "{staging_db}"
[[production.openedx]]
lms = "{p}"
[[production.mysql]]
host = "127.0.0.1"
port = {port}
user = "reader"
password_env = "READER_PW"
lms_database = "edxapp_prod"
"#,
            s = staging.url,
            p = production.url,
            port = db.port,
        );
        std::fs::write(&config, text).expect("write the config");
    };
    write_config("edxapp_stg");
    let mut env: Vec<(String, String)> = staging
        .credentials("STAGING")
        .into_iter()
        .chain(production.credentials("PRODUCTION"))
        .collect();
    env.push(("READER_PW".into(), "reader-canary-pw".into()));
    let config_arg = config.display().to_string();
    let run = run_check(&["--config", &config_arg], &env);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_no_canary(&run, &[&staging, &production]);
    assert!(!run.stdout.contains("reader-canary-pw"));
    // Hidden (and LTI) providers are found only in the database.
    for p in [
        "/sso/configured_providers/saml-partner",
        "/sso/configured_providers/oa2-azuread-oauth2",
        "/sso/configured_providers/lti-campus-lms",
    ] {
        run.assert_class(p, "reduced");
    }
    assert_eq!(run.class_of("/sso/configured_providers/saml-uni"), None);
    assert_eq!(
        run.class_of("/sso/configured_providers/oa2-google-oauth2"),
        None
    );
    // The site configuration switches third-party auth off, whatever FEATURES says.
    run.assert_class("/sso/third_party_auth", "reduced");
    // The two LMSs' own service applications are at parity (one each, by name).
    assert_eq!(run.class_of("/settings/oauth_applications/envparity"), None);

    // A table the account may not read: that part is unknown, the rest is read.
    maria.must(
        &db,
        "CREATE USER 'narrow'@'%' IDENTIFIED BY 'reader-canary-pw'; \
         GRANT SELECT ON edxapp_stg.site_configuration_siteconfiguration TO 'narrow'@'%'; \
         GRANT SELECT ON edxapp_stg.oauth2_provider_application TO 'narrow'@'%'; \
         GRANT SELECT ON edxapp_stg.third_party_auth_samlconfiguration TO 'narrow'@'%'; \
         GRANT SELECT ON edxapp_stg.third_party_auth_samlproviderconfig TO 'narrow'@'%'; \
         GRANT SELECT ON edxapp_stg.third_party_auth_oauth2providerconfig TO 'narrow'@'%';",
    );
    let text = std::fs::read_to_string(&config).expect("config");
    let narrow = text.replacen("user = \"reader\"", "user = \"narrow\"", 1);
    std::fs::write(&config, narrow).expect("write the config");
    let run = run_check(&["--config", &config_arg], &env);
    run.assert_class("/sso/configured_providers", "unknown");
    let f = run.finding("/sso/configured_providers").expect("a finding");
    assert!(
        f["message"]
            .as_str()
            .unwrap_or_default()
            .contains("third_party_auth_ltiproviderconfig"),
        "{f}"
    );
    run.assert_class("/sso/third_party_auth", "reduced");

    // A provider row whose other_settings is no JSON: that value is unknown.
    maria.must(
        &db,
        "UPDATE edxapp_stg.third_party_auth_samlproviderconfig SET other_settings = '{not json' \
         WHERE slug = 'uni';",
    );
    write_config("edxapp_stg");
    let run = run_check(&["--config", &config_arg], &env);
    run.assert_class(
        "/sso/configured_providers/saml-uni/other_settings_digest",
        "unknown",
    );
}
