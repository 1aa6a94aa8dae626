//! The live Open edX collector against a loopback LMS that answers in edx-platform's
//! exact shapes (see tests/support/lms.rs): the CLI binary runs `check` against two
//! such servers, and each test asserts the finding or the error it must produce — and
//! that neither the client secret nor the token appears in any output.

#[path = "support/lms.rs"]
mod lms;
#[path = "support/run.rs"]
mod run;

use lms::{Lms, Quirk, Server, provider};
use run::{Run, credentials, envparity};
use serde_json::{Value, json};
use std::time::Duration;

/// `check` of two stand-in LMSs given as URLs, both with their credentials.
fn check(staging: &Lms, production: &Lms, extra: &[&str]) -> (Run, Server, Server) {
    let (s, p) = (
        Server::start(staging.clone()),
        Server::start(production.clone()),
    );
    let mut env = credentials("STAGING", staging);
    env.extend(credentials("PRODUCTION", production));
    let (su, pu) = (s.url(), p.url());
    let mut args = vec!["check", "--staging", &su, "--production", &pu];
    args.extend_from_slice(extra);
    let run = envparity(&args, &env);
    run.assert_no_secrets(&[staging, production]);
    (run, s, p)
}

#[test]
fn production_only_provider_is_reduced_and_a_hidden_one_is_not_missing() {
    let production = Lms {
        saml: true,
        providers: vec![
            provider("oa2-google-oauth2", "Google"),
            provider("saml-corp", "Corporate SSO"),
            provider("oa2-github", "GitHub"),
        ],
        secondary_providers: vec![provider("lti-canvas", "Canvas")],
        ..Lms::default()
    };
    // Staging runs an older release (flat context) and configures the corporate SAML
    // provider without showing it on the login page; GitHub is not configured at all.
    let staging = Lms {
        nested_context: false,
        saml: true,
        providers: vec![provider("oa2-google-oauth2", "Google")],
        secondary_providers: vec![provider("lti-canvas", "Canvas")],
        hidden_providers: vec![provider("saml-corp", "Corporate SSO")],
        ..Lms::default()
    };
    let (run, s, _p) = check(&staging, &production, &["--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.class_of("/sso/providers/oa2-github"), Some("reduced"));
    assert_eq!(
        run.finding("/sso/providers/oa2-github").unwrap()["severity"],
        "high"
    );
    assert!(run.finding("/sso/providers/saml-corp").is_none());
    assert_eq!(
        run.class_of("/sso/providers/saml-corp/hidden"),
        Some("drift"),
        "{}",
        run.report_text
    );
    assert!(run.finding("/sso/providers/oa2-google-oauth2").is_none());
    assert!(run.finding("/sso/providers/lti-canvas").is_none());
    // Only the missing ids were probed by name.
    assert_eq!(s.hits("/api/mfe_context"), 3, "one listing, two probes");
    // Nothing else differs: the hosts are tokens, the rest is equal.
    let failing: Vec<&Value> = run.report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["class"] == "reduced" || f["class"] == "unknown" || f["class"] == "shared")
        .collect();
    assert_eq!(failing.len(), 1, "{failing:#?}");
    assert!(
        run.stderr.is_empty(),
        "no progress when stderr is not a terminal: {}",
        run.stderr
    );
    let agents = s.seen.lock().unwrap().user_agents.clone();
    let expected = format!("envparity/{}", env!("CARGO_PKG_VERSION"));
    assert!(agents.iter().all(|a| *a == expected), "{agents:?}");
}

#[test]
fn toggle_report_flags_switches_and_settings_are_judged() {
    let production = Lms {
        waffle_flags: vec![
            ("course_experience.relative_dates", Some("yes")),
            ("learner_home_mfe.enabled", Some("no")),
            ("grades.rejected_exam_overrides_grade", None),
        ],
        waffle_switches: vec![("student.courseenrollment_admin", Some(true))],
        django_settings: vec![
            ("FEATURES['ENABLE_THIRD_PARTY_AUTH']", true),
            ("FEATURES['ENABLE_COURSEWARE_SEARCH']", true),
            ("HTTPS", true),
        ],
        ..Lms::default()
    };
    let staging = Lms {
        waffle_flags: vec![
            ("course_experience.relative_dates", Some("no")),
            ("learner_home_mfe.enabled", Some("yes")),
            ("grades.rejected_exam_overrides_grade", None),
        ],
        waffle_switches: vec![("student.courseenrollment_admin", Some(false))],
        django_settings: vec![
            ("FEATURES['ENABLE_THIRD_PARTY_AUTH']", false),
            ("FEATURES['ENABLE_COURSEWARE_SEARCH']", true),
            ("HTTPS", true),
        ],
        third_party_auth: false,
        ..Lms::default()
    };
    let (run, _s, _p) = check(&staging, &production, &["--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let flag = "/features/waffle_flags/course_experience.relative_dates/status";
    assert_eq!(run.class_of(flag), Some("reduced"), "{}", run.report_text);
    assert_eq!(
        run.class_of("/features/waffle_flags/learner_home_mfe.enabled/status"),
        Some("extra")
    );
    assert_eq!(
        run.class_of("/features/waffle_switches/student.courseenrollment_admin"),
        Some("reduced")
    );
    assert_eq!(
        run.class_of("/features/lms/ENABLE_THIRD_PARTY_AUTH"),
        Some("reduced")
    );
    assert_eq!(run.class_of("/sso/third_party_auth"), Some("reduced"));
    // With third-party auth off, staging lists no provider.
    assert_eq!(
        run.class_of("/sso/providers/oa2-google-oauth2"),
        Some("reduced")
    );
    assert!(run.finding("/features/django_settings/HTTPS").is_none());
    assert!(
        run.finding("/features/waffle_flags/grades.rejected_exam_overrides_grade/status")
            .is_none()
    );
}

#[test]
fn an_ulmo_and_a_verawood_toggle_report_agree_on_a_flag_on_in_both() {
    // An Ulmo LMS lists FEATURES['X']; a Verawood LMS, where FEATURES is a proxy of the
    // settings, lists the same flag flat. One path, so no finding.
    let production = Lms {
        django_settings: vec![
            ("FEATURES['ENABLE_THIRD_PARTY_AUTH']", true),
            ("FEATURES['ENABLE_CORS_HEADERS']", true),
            ("HTTPS", true),
        ],
        ..Lms::default()
    };
    let staging = Lms {
        django_settings: vec![
            ("ENABLE_THIRD_PARTY_AUTH", true),
            ("ENABLE_CORS_HEADERS", true),
            ("HTTPS", true),
        ],
        ..Lms::default()
    };
    let (run, _s, _p) = check(&staging, &production, &["--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.report_text);
    assert!(run.finding("/features/lms/ENABLE_CORS_HEADERS").is_none());
    assert!(run.finding("/sso/third_party_auth").is_none());
    // And a flag off in the flat style only is still judged on that path.
    let staging = Lms {
        django_settings: vec![
            ("ENABLE_THIRD_PARTY_AUTH", true),
            ("ENABLE_CORS_HEADERS", false),
            ("HTTPS", true),
        ],
        ..Lms::default()
    };
    let (run, _s, _p) = check(&staging, &production, &["--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.report_text);
    assert_eq!(
        run.class_of("/features/lms/ENABLE_CORS_HEADERS"),
        Some("reduced")
    );
}

#[test]
fn saml_configured_but_broken_in_staging_is_reduced() {
    let production = Lms {
        saml: true,
        ..Lms::default()
    };
    let staging = Lms {
        saml_broken: true,
        ..Lms::default()
    };
    let (run, _s, _p) = check(&staging, &production, &["--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.report_text);
    assert_eq!(run.class_of("/sso/saml_working"), Some("reduced"));
    // Configured in both: not a missing SAML, a broken one.
    assert_eq!(run.class_of("/sso/saml_configured"), None);
}

#[test]
fn one_mfe_configured_in_production_only_is_reduced() {
    let mut production = Lms::default();
    production
        .mfe_overrides
        .insert("learning", json!({"ENABLE_NOTICES": true}));
    let (run, _s, p) = check(&Lms::default(), &production, &["--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.report_text);
    assert_eq!(
        run.class_of("/features/mfe_config_by_mfe/learning/ENABLE_NOTICES"),
        Some("reduced")
    );
    // One request per MFE, all made.
    assert_eq!(p.hits("/api/mfe_config/v1?mfe=learning"), 1);
    assert_eq!(p.hits("/api/mfe_config/v1?mfe=authn"), 1);
}

#[test]
fn an_older_release_is_asked_with_redirect_to() {
    // Before /api/mfe_context, /api/third_party_auth_context answered 400 without it.
    let old = Lms {
        nested_context: false,
        ..Lms::default()
    };
    let (run, s, _p) = check(&old, &Lms::default(), &["--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.report_text);
    assert_eq!(s.hits("/api/third_party_auth_context"), 1);
}

#[test]
fn non_staff_service_user_leaves_toggles_unknown_and_the_gate_fails_closed() {
    let production = Lms::default();
    let staging = Lms {
        staff: false,
        ..Lms::default()
    };
    let (run, _s, _p) = check(&staging, &production, &["--format", "json"]);
    assert_eq!(run.code, 1);
    for part in ["waffle_flags", "waffle_switches", "django_settings", "lms"] {
        let path = format!("/features/{part}");
        assert_eq!(run.class_of(&path), Some("unknown"), "{}", run.report_text);
        let msg = run.message_of(&path);
        assert!(msg.contains("403"), "{msg}");
        assert!(msg.contains("the service user must be staff"), "{msg}");
        assert!(msg.contains("/api/toggles/v0/state/"), "{msg}");
    }
    // Known to be unreadable: allowed explicitly, the rest holds.
    let (run, _s, _p) = check(
        &staging,
        &production,
        &["--format", "json", "--allow", "unknown"],
    );
    assert_eq!(run.code, 0, "{}", run.report_text);
}

#[test]
fn missing_credentials_leave_toggles_unknown_naming_the_variables() {
    let (s, p) = (Server::start(Lms::default()), Server::start(Lms::default()));
    let env = credentials("PRODUCTION", &Lms::default());
    let run = envparity(
        &["check", "--staging", &s.url(), "--production", &p.url()],
        &env,
    );
    run.assert_no_secrets(&[&Lms::default()]);
    assert_eq!(run.code, 1);
    let msg = run.message_of("/features/waffle_flags");
    assert!(msg.contains("ENVPARITY_STAGING_CLIENT_ID"), "{msg}");
    assert!(msg.contains("must be staff"), "{msg}");
    // Third-party auth is still known from the listed providers.
    assert!(run.finding("/sso/third_party_auth").is_none());
    assert_eq!(s.hits("/oauth2/access_token"), 0);
}

#[test]
fn bad_client_secret_is_reported_without_the_secret() {
    let production = Lms::default();
    let staging = Lms::default();
    let (s, p) = (
        Server::start(staging.clone()),
        Server::start(production.clone()),
    );
    let mut env = credentials("PRODUCTION", &production);
    env.push((
        "ENVPARITY_STAGING_CLIENT_ID".into(),
        staging.client_id.clone(),
    ));
    let wrong = "wrong-secret-never-printed-42";
    env.push(("ENVPARITY_STAGING_CLIENT_SECRET".into(), wrong.into()));
    let run = envparity(
        &["check", "--staging", &s.url(), "--production", &p.url()],
        &env,
    );
    run.assert_no_secrets(&[&staging]);
    for text in [&run.stdout, &run.stderr, &run.report_text] {
        assert!(!text.contains(wrong));
    }
    assert_eq!(run.code, 1);
    let msg = run.message_of("/features/waffle_flags");
    assert!(msg.contains("/oauth2/access_token"), "{msg}");
    assert!(msg.contains("HTTP 401"), "{msg}");
    assert!(msg.contains("invalid_client"), "{msg}");
    assert!(msg.contains("ENVPARITY_STAGING_CLIENT_SECRET"), "{msg}");
    // A refused token request is not retried.
    assert_eq!(s.hits("/oauth2/access_token"), 1);
}

#[test]
fn failing_heartbeat_check_in_staging_is_reduced_and_not_retried() {
    let production = Lms::default();
    let staging = Lms {
        heartbeat: vec![("modulestore", true), ("sql", true), ("celery", false)],
        ..Lms::default()
    };
    let (run, s, _p) = check(&staging, &production, &["--format", "json"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.class_of("/health/lms/celery"), Some("reduced"));
    assert_eq!(
        run.finding("/health/lms/celery").unwrap()["severity"],
        "high"
    );
    assert!(run.finding("/health/lms/sql").is_none());
    // The 503 carried the answer: it is data, not an outage to retry.
    assert_eq!(s.hits("/heartbeat"), 1);
}

#[test]
fn rate_limited_context_is_retried_after_retry_after() {
    let mut staging = Lms::default();
    staging.quirks.insert(
        "/api/mfe_context",
        Quirk::RateLimited {
            n: 1,
            retry_after_secs: 1,
        },
    );
    let (run, s, _p) = check(&staging, &Lms::default(), &["--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.report_text);
    assert_eq!(s.hits("/api/mfe_context"), 2);
    assert!(run.elapsed >= Duration::from_secs(1), "{:?}", run.elapsed);
}

#[test]
fn bad_gateway_is_retried_with_backoff() {
    let mut staging = Lms::default();
    staging
        .quirks
        .insert("/api/mfe_config/v1", Quirk::BadGateway { n: 2 });
    let (run, s, _p) = check(&staging, &Lms::default(), &["--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.report_text);
    assert_eq!(s.hits("/api/mfe_config/v1"), 3);
}

#[test]
fn slow_endpoint_past_the_request_timeout_is_unknown_naming_its_url() {
    let mut staging = Lms::default();
    staging
        .quirks
        .insert("/api/mfe_config/v1", Quirk::Slow(Duration::from_secs(5)));
    let production = Lms::default();
    let (s, p) = (
        Server::start(staging.clone()),
        Server::start(production.clone()),
    );
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("envparity.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[staging]
[[staging.openedx]]
lms = "{}"
client_id_env = "STAGE_ID"
client_secret_env = "STAGE_SECRET"
timeout_secs = 0.5
connect_timeout_secs = 0.5

[production]
[[production.openedx]]
lms = "{}"
client_id_env = "PROD_ID"
client_secret_env = "PROD_SECRET"
"#,
            s.url(),
            p.url()
        ),
    )
    .unwrap();
    let env = vec![
        ("STAGE_ID".to_string(), staging.client_id.clone()),
        ("STAGE_SECRET".to_string(), staging.client_secret.clone()),
        ("PROD_ID".to_string(), production.client_id.clone()),
        ("PROD_SECRET".to_string(), production.client_secret.clone()),
    ];
    let run = envparity(
        &[
            "check",
            "--config",
            config.to_str().unwrap(),
            "--format",
            "json",
        ],
        &env,
    );
    run.assert_no_secrets(&[&staging, &production]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let msg = run.message_of("/features/mfe_config");
    assert!(msg.contains("timed out after 0.5s"), "{msg}");
    assert!(msg.contains("/api/mfe_config/v1"), "{msg}");
    assert!(run.elapsed < Duration::from_secs(4), "{:?}", run.elapsed);
    // The other parts were read: the toggles are compared, and equal.
    assert!(run.finding("/features/waffle_flags").is_none());
    assert!(run.finding("/sso/providers").is_none());
}

#[test]
fn body_over_the_cap_is_an_error_not_a_truncation() {
    let mut staging = Lms::default();
    staging.quirks.insert(
        "/api/mfe_config/v1",
        Quirk::Oversize(16 * 1024 * 1024 + 1024),
    );
    let (run, _s, _p) = check(&staging, &Lms::default(), &["--format", "json"]);
    assert_eq!(run.code, 1);
    let msg = run.message_of("/features/mfe_config");
    assert!(msg.contains("larger than 16 MiB"), "{msg}");
    assert!(msg.contains("/api/mfe_config/v1"), "{msg}");
}

#[test]
fn redirect_to_another_host_keeps_the_authorization_header_home() {
    // The other host: a server that would answer the toggle report to anyone.
    let elsewhere = Server::start(Lms::default());
    let mut staging = Lms::default();
    staging.quirks.insert(
        "/api/toggles/v0/state/",
        Quirk::RedirectTo(format!(
            "http://localhost:{}/api/toggles/v0/state/",
            elsewhere.addr.port()
        )),
    );
    let (run, s, _p) = check(&staging, &Lms::default(), &["--format", "json"]);
    assert_eq!(run.code, 1);
    let msg = run.message_of("/features/waffle_flags");
    assert!(msg.contains("redirected to another host"), "{msg}");
    assert!(msg.contains("localhost"), "{msg}");
    assert!(
        elsewhere.seen.lock().unwrap().authorization.is_empty(),
        "the JWT reached another host"
    );
    assert_eq!(elsewhere.hits("/api/toggles/v0/state/"), 0);
    // It did go to the LMS itself.
    assert!(
        s.seen
            .lock()
            .unwrap()
            .authorization
            .iter()
            .any(|(p, a)| p == "/api/toggles/v0/state/" && a.starts_with("JWT "))
    );
}

#[test]
fn same_host_redirect_is_followed() {
    // The LMS moving an endpoint on its own host (as Django's APPEND_SLASH does).
    let mut staging = Lms::default();
    staging.quirks.insert(
        "/api/mfe_config/v1",
        Quirk::RedirectTo("/api/mfe_config/v1/".into()),
    );
    let (run, s, _p) = check(&staging, &Lms::default(), &["--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.report_text);
    assert_eq!(s.hits("/api/mfe_config/v1/"), 1);
}

#[test]
fn malformed_json_is_unknown_with_the_url_and_position() {
    let mut staging = Lms::default();
    staging
        .quirks
        .insert("/api/mfe_context", Quirk::Malformed("{\"contextData\": {"));
    let (run, _s, _p) = check(&staging, &Lms::default(), &["--format", "json"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.class_of("/sso/providers"), Some("unknown"));
    let msg = run.message_of("/sso/providers");
    assert!(msg.contains("malformed JSON at line 1"), "{msg}");
    assert!(msg.contains("/api/mfe_context"), "{msg}");
}

#[test]
fn unreachable_lms_fails_its_source_and_names_the_url() {
    // A port nothing listens on: bind, note it, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let p = Server::start(Lms::default());
    let url = format!("http://127.0.0.1:{port}");
    let mut env = credentials("PRODUCTION", &Lms::default());
    env.extend(credentials("STAGING", &Lms::default()));
    let run = envparity(
        &[
            "check",
            "--staging",
            &url,
            "--production",
            &p.url(),
            "--format",
            "json",
        ],
        &env,
    );
    run.assert_no_secrets(&[&Lms::default()]);
    assert_eq!(run.code, 1);
    let status = &run.report["sources"]["staging"]["openedx"];
    assert_eq!(status["status"], "failed", "{}", run.report_text);
    let error = status["error"].as_str().unwrap();
    assert!(error.contains(&url), "{error}");
    assert!(error.contains("cannot connect"), "{error}");
    assert_eq!(run.class_of("/sso/providers"), Some("unknown"));
}

#[test]
fn a_server_that_is_no_lms_fails_the_source_instead_of_looking_switched_off() {
    // Answers 404 to everything: mfe_config and SAML "off" would be a lie.
    let mut nothing = Lms::default();
    for path in [
        "/heartbeat",
        "/api/mfe_context",
        "/api/third_party_auth_context",
    ] {
        nothing
            .quirks
            .insert(path, Quirk::Malformed("<html>Not Found</html>"));
    }
    let (run, _s, _p) = check(&nothing, &Lms::default(), &["--format", "json"]);
    assert_eq!(run.code, 1);
    let status = &run.report["sources"]["staging"]["openedx"];
    assert_eq!(status["status"], "failed", "{}", run.report_text);
    assert!(
        status["error"]
            .as_str()
            .unwrap()
            .contains("no Open edX LMS answers"),
        "{status}"
    );
    assert_eq!(run.class_of("/features/mfe_config_api"), Some("unknown"));
    assert_eq!(run.class_of("/sso/saml_configured"), Some("unknown"));
}

#[test]
fn url_with_credentials_is_refused_without_echoing_them() {
    let run = envparity(
        &[
            "check",
            "--staging",
            "https://svc:hunter2@lms.example.org",
            "--production",
            "https://lms.example.org",
        ],
        &[],
    );
    assert_eq!(run.code, 2);
    assert!(!run.stderr.contains("hunter2"), "{}", run.stderr);
    assert!(run.stderr.contains("credentials"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}

#[test]
fn mfe_config_api_off_in_staging_is_reduced_once() {
    let staging = Lms {
        mfe_config: None,
        ..Lms::default()
    };
    let (run, _s, _p) = check(&staging, &Lms::default(), &["--format", "json"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.class_of("/features/mfe_config_api"), Some("reduced"));
    let under_config = run.report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("/features/mfe_config/"))
        })
        .count();
    assert_eq!(under_config, 0, "{}", run.report_text);
}

#[test]
fn snapshot_of_a_live_lms_holds_no_secret() {
    let lms = Lms {
        saml: true,
        mfe_config: Some(json!({"SEGMENT_KEY": "abc-segment-write-key", "LMS_BASE_URL": "x"})),
        ..Lms::default()
    };
    let s = Server::start(lms.clone());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("staging.json");
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_envparity"));
    cmd.args(["snapshot", "--env", "staging", "--source", &s.url(), "-o"])
        .arg(&out)
        .env("ENVPARITY_STAGING_CLIENT_ID", &lms.client_id)
        .env("ENVPARITY_STAGING_CLIENT_SECRET", &lms.client_secret)
        // A key of its own: the run never reads or makes the user's key file.
        .env("ENVPARITY_FINGERPRINT_KEY", "openedx tests");
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&out).unwrap();
    for secret in [
        &lms.client_secret,
        &lms.token,
        &"abc-segment-write-key".to_string(),
    ] {
        assert!(!text.contains(secret.as_str()), "{text}");
    }
    let snap: Value = serde_json::from_str(&text).unwrap();
    let surface = &snap["surface"];
    assert_eq!(surface["sso"]["saml_configured"], true);
    assert_eq!(
        surface["sso"]["providers"]["oa2-google-oauth2"],
        json!({"name": "Google", "kind": "oauth2", "primary": true,
               "skip_hinted_login": false, "skip_registration_form": false})
    );
    assert_eq!(surface["health"]["lms"]["celery"], true);
    assert_eq!(surface["settings"]["LMS_HOST"], s.addr.to_string());
    assert!(surface["features"]["mfe_config"]["SEGMENT_KEY"]["secret"].is_string());
    assert_eq!(snap["sources"]["openedx"]["status"], "ok");
}

#[test]
fn source_deadline_cuts_a_slow_part_and_keeps_the_rest() {
    let mut staging = Lms::default();
    staging.quirks.insert(
        "/auth/saml/metadata.xml",
        Quirk::Slow(Duration::from_secs(10)),
    );
    let (run, _s, _p) = check(
        &staging,
        &Lms::default(),
        &["--format", "json", "--timeout", "1.5"],
    );
    assert_eq!(run.code, 1);
    assert!(run.elapsed < Duration::from_secs(5), "{:?}", run.elapsed);
    let msg = run.message_of("/sso/saml_configured");
    assert!(msg.contains("deadline passed"), "{msg}");
    assert!(msg.contains("/auth/saml/metadata.xml"), "{msg}");
    // Everything else was read in time and is equal: the unknowns are the two SAML facts
    // the metadata view tells (configured, and working).
    assert_eq!(run.class_of("/sso/saml_working"), Some("unknown"));
    let failing = run.report["summary"]["unknown"].as_u64().unwrap();
    assert_eq!(failing, 2, "{}", run.report_text);
    assert_eq!(run.report["sources"]["staging"]["openedx"]["status"], "ok");
}

#[test]
fn cms_heartbeat_failing_in_staging_is_reduced() {
    let (s_lms, p_lms) = (Server::start(Lms::default()), Server::start(Lms::default()));
    let s_cms = Server::start(Lms {
        heartbeat: vec![("modulestore", true), ("sql", false)],
        ..Lms::default()
    });
    let p_cms = Server::start(Lms {
        heartbeat: vec![("modulestore", true), ("sql", true)],
        ..Lms::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("envparity.toml");
    std::fs::write(
        &config,
        format!(
            "[staging]\n[[staging.openedx]]\nlms = \"{}\"\ncms = \"{}\"\n\n[production]\n[[production.openedx]]\nlms = \"{}\"\ncms = \"{}\"\n",
            s_lms.url(),
            s_cms.url(),
            p_lms.url(),
            p_cms.url()
        ),
    )
    .unwrap();
    let mut env = credentials("STAGING", &Lms::default());
    env.extend(credentials("PRODUCTION", &Lms::default()));
    let run = envparity(
        &[
            "check",
            "--config",
            config.to_str().unwrap(),
            "--format",
            "json",
        ],
        &env,
    );
    run.assert_no_secrets(&[&Lms::default()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.class_of("/health/cms/sql"), Some("reduced"));
    assert!(run.finding("/health/cms/modulestore").is_none());
    assert!(run.finding("/health/lms/sql").is_none());
    assert_eq!(s_cms.hits("/heartbeat"), 1);
    assert_eq!(
        s_cms.hits("/api/mfe_context"),
        0,
        "the CMS is asked for its heartbeat only"
    );
}

#[test]
fn cms_named_by_the_lms_mfe_config_is_found_and_judged() {
    // No `cms` in the config: each LMS's MFE config names its Studio (STUDIO_BASE_URL).
    let s_cms = Server::start(Lms {
        heartbeat: vec![("modulestore", true), ("sql", false)],
        ..Lms::default()
    });
    let p_cms = Server::start(Lms {
        heartbeat: vec![("modulestore", true), ("sql", true)],
        ..Lms::default()
    });
    let with_studio = |url: String| Lms {
        mfe_config: Some(json!({"STUDIO_BASE_URL": url, "ENABLE_ACCOUNT_DELETION": true})),
        ..Lms::default()
    };
    let s_lms = Server::start(with_studio(s_cms.url()));
    let p_lms = Server::start(with_studio(p_cms.url()));
    let mut env = credentials("STAGING", &Lms::default());
    env.extend(credentials("PRODUCTION", &Lms::default()));
    let run = envparity(
        &[
            "check",
            "--staging",
            &s_lms.url(),
            "--production",
            &p_lms.url(),
            "--format",
            "json",
        ],
        &env,
    );
    run.assert_no_secrets(&[&Lms::default()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.class_of("/health/cms/sql"), Some("reduced"));
    assert_eq!(
        s_cms.hits("/heartbeat"),
        1,
        "the discovered CMS is asked for its heartbeat"
    );
    assert_eq!(p_cms.hits("/heartbeat"), 1);
    assert!(
        run.finding("/features/mfe_config/STUDIO_BASE_URL")
            .is_none(),
        "the Studio URLs differ only by host, which host tokens make equal"
    );
}

#[test]
fn bad_config_key_is_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("envparity.toml");
    std::fs::write(
        &config,
        "[staging]\n[[staging.openedx]]\nlms = \"ftp://lms\"\n\n[production]\n[[production.openedx]]\nlms = \"https://lms.example.org\"\n",
    )
    .unwrap();
    let run = envparity(&["check", "--config", config.to_str().unwrap()], &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("envparity.toml"), "{}", run.stderr);
    assert!(run.stderr.contains("http:// or https://"), "{}", run.stderr);
}

#[test]
fn ca_bundle_without_a_certificate_is_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("internal-ca.pem"), "not a certificate\n").unwrap();
    let config = dir.path().join("envparity.toml");
    std::fs::write(
        &config,
        "[staging]\n[[staging.openedx]]\nlms = \"https://lms.staging.example.org\"\nca_bundle = \"internal-ca.pem\"\n\n[production]\n[[production.openedx]]\nlms = \"https://lms.example.org\"\nca_bundle = \"internal-ca.pem\"\n",
    )
    .unwrap();
    let run = envparity(&["check", "--config", config.to_str().unwrap()], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("internal-ca.pem"), "{}", run.stderr);
    assert!(run.stderr.contains("no PEM certificate"), "{}", run.stderr);
}
