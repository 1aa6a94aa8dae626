//! The live Open edX collector over real TLS: the loopback LMS (tests/support/lms.rs,
//! edx-platform's response shapes) behind a rustls acceptor, with certificates from a
//! throwaway CA made by the `openssl` CLI (tests/support/tls.rs). The CLI binary runs
//! `check` with a config file naming each LMS and, where the test says so, its
//! `ca_bundle`. TLS must always be verified: a custom CA may be added, verification can
//! never be turned off, a name mismatch is refused, and https never falls back to http.

#[path = "support/lms.rs"]
mod lms;
#[path = "support/run.rs"]
mod run;
#[path = "support/tls.rs"]
mod tls;

use lms::{Lms, Quirk, Server, provider};
use run::{Run, credentials, envparity};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tls::{Authority, ServerIdentity, TlsListener};

/// A stand-in LMS served over TLS with `identity`.
struct TlsLms {
    server: Server,
    /// Connections whose TLS handshake did not complete.
    failed_handshakes: Arc<AtomicUsize>,
}

impl TlsLms {
    fn start(lms: Lms, identity: &ServerIdentity) -> TlsLms {
        let failed_handshakes = Arc::new(AtomicUsize::new(0));
        let (identity, failed) = (identity.clone(), failed_handshakes.clone());
        let server = Server::start_with(lms, move |tcp| TlsListener::new(tcp, &identity, failed));
        TlsLms {
            server,
            failed_handshakes,
        }
    }

    /// The base URL under `host` (`localhost` or `127.0.0.1`: the listener is loopback).
    fn url(&self, host: &str) -> String {
        format!("https://{host}:{}", self.server.addr.port())
    }

    fn failed_handshakes(&self) -> usize {
        self.failed_handshakes.load(Ordering::SeqCst)
    }

    /// Requests that got through TLS to the LMS, all paths together.
    fn requests(&self) -> usize {
        self.server.seen.lock().unwrap().hits.values().sum()
    }
}

/// One `[[<env>.openedx]]` entry.
fn entry(env: &str, lms: &str, ca_bundle: Option<&Path>) -> String {
    let mut s = format!("[{env}]\n[[{env}.openedx]]\nlms = \"{lms}\"\n");
    if let Some(ca) = ca_bundle {
        s.push_str(&format!("ca_bundle = {:?}\n", ca.display().to_string()));
    }
    s
}

fn write_config(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("envparity.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// `check --format json` of the config, with both environments' credentials.
fn check(config: &Path, staging: &Lms, production: &Lms) -> Run {
    let mut env = credentials("STAGING", staging);
    env.extend(credentials("PRODUCTION", production));
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
    run.assert_no_secrets(&[staging, production]);
    run
}

fn loopback_identity(ca: &Authority) -> ServerIdentity {
    ca.issue("lms", &["DNS:localhost", "IP:127.0.0.1"])
}

/// The failing (reduced, unknown, shared) findings of a run.
fn failing(run: &Run) -> Vec<&serde_json::Value> {
    run.report["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|f| {
                    ["reduced", "unknown", "shared"].contains(&f["class"].as_str().unwrap_or(""))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn https_lms_signed_by_the_ca_bundle_is_collected() {
    let ca = Authority::new();
    let identity = loopback_identity(&ca);
    let staging = Lms::default();
    let production = Lms {
        providers: vec![
            provider("oa2-google-oauth2", "Google"),
            provider("oa2-github", "GitHub"),
        ],
        ..Lms::default()
    };
    let (s, p) = (
        TlsLms::start(staging.clone(), &identity),
        TlsLms::start(production.clone(), &identity),
    );
    // One by DNS name, one by IP address: both are in the certificate's SAN.
    let config = write_config(
        ca.dir.path(),
        &format!(
            "{}\n{}",
            entry("staging", &s.url("localhost"), Some(&ca.ca_pem)),
            entry("production", &p.url("127.0.0.1"), Some(&ca.ca_pem)),
        ),
    );
    let run = check(&config, &staging, &production);
    assert_eq!(run.code, 1, "{}\n{}", run.stderr, run.report_text);
    for env in ["staging", "production"] {
        let status = &run.report["sources"][env]["openedx"];
        assert_eq!(status["status"], "ok", "{}", run.report_text);
    }
    // What was read over TLS is compared: the one real difference, and nothing unknown.
    assert_eq!(run.class_of("/sso/providers/oa2-github"), Some("reduced"));
    let failing = failing(&run);
    assert_eq!(failing.len(), 1, "{failing:#?}");
    // The token was fetched and used over TLS.
    for lms in [&s, &p] {
        assert_eq!(lms.server.hits("/oauth2/access_token"), 1);
        assert!(
            lms.server
                .seen
                .lock()
                .unwrap()
                .authorization
                .iter()
                .any(|(path, a)| path == "/api/toggles/v0/state/" && a.starts_with("JWT "))
        );
        assert_eq!(lms.failed_handshakes(), 0);
    }
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn https_lms_outside_the_web_pki_without_ca_bundle_is_unknown_and_fails_closed() {
    let ca = Authority::new();
    let identity = loopback_identity(&ca);
    let (s, p) = (
        TlsLms::start(Lms::default(), &identity),
        TlsLms::start(Lms::default(), &identity),
    );
    let url = s.url("localhost");
    let config = write_config(
        ca.dir.path(),
        &format!(
            "{}\n{}",
            entry("staging", &url, None),
            entry("production", &p.url("localhost"), Some(&ca.ca_pem)),
        ),
    );
    let run = check(&config, &Lms::default(), &Lms::default());
    assert_eq!(run.code, 1, "{}\n{}", run.stderr, run.report_text);
    let status = &run.report["sources"]["staging"]["openedx"];
    assert_eq!(status["status"], "failed", "{}", run.report_text);
    let error = status["error"].as_str().unwrap();
    assert!(error.contains(&url), "{error}");
    assert!(error.contains("certificate"), "{error}");
    assert!(error.contains("UnknownIssuer"), "{error}");
    assert_eq!(run.class_of("/sso/providers"), Some("unknown"));
    assert_eq!(run.class_of("/features/waffle_flags"), Some("unknown"));
    // No request crossed the refused handshake: not the credentials, not anything.
    assert_eq!(s.requests(), 0);
    assert!(s.failed_handshakes() > 0);
    assert_eq!(
        run.report["sources"]["production"]["openedx"]["status"],
        "ok"
    );
}

#[test]
fn no_option_turns_certificate_verification_off() {
    let dir = tempfile::tempdir().unwrap();
    for key in [
        "insecure",
        "danger_accept_invalid_certs",
        "tls_verify",
        "verify",
    ] {
        let config = write_config(
            dir.path(),
            &format!(
                "{}{key} = {}\n\n{}",
                entry("staging", "https://localhost:1", None),
                if key.contains("verify") {
                    "false"
                } else {
                    "true"
                },
                entry("production", "https://localhost:1", None),
            ),
        );
        let run = envparity(&["check", "--config", config.to_str().unwrap()], &[]);
        assert_eq!(run.code, 2, "{key}: {}", run.stderr);
        assert!(run.stderr.contains("envparity.toml"), "{}", run.stderr);
        assert!(run.stderr.contains(key), "{}", run.stderr);
        assert!(run.stderr.contains("unknown field"), "{}", run.stderr);
    }
    for args in [
        &["--help"][..],
        &["check", "--help"],
        &["snapshot", "--help"],
    ] {
        let out = assert_cmd::Command::new(env!("CARGO_BIN_EXE_envparity"))
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}");
        let help = String::from_utf8_lossy(&out.stdout).to_lowercase();
        assert!(help.contains("usage"), "{help}");
        for word in [
            "insecure",
            "invalid-cert",
            "no-verify",
            "skip-verify",
            "danger",
        ] {
            assert!(!help.contains(word), "{args:?} offers `{word}`: {help}");
        }
    }
}

#[test]
fn certificate_for_another_host_is_unknown_even_from_the_trusted_ca() {
    let ca = Authority::new();
    let elsewhere = ca.issue("other", &["DNS:other.example"]);
    let (s, p) = (
        TlsLms::start(Lms::default(), &elsewhere),
        TlsLms::start(Lms::default(), &loopback_identity(&ca)),
    );
    let url = s.url("localhost");
    let config = write_config(
        ca.dir.path(),
        &format!(
            "{}\n{}",
            entry("staging", &url, Some(&ca.ca_pem)),
            entry("production", &p.url("localhost"), Some(&ca.ca_pem)),
        ),
    );
    let run = check(&config, &Lms::default(), &Lms::default());
    assert_eq!(run.code, 1, "{}\n{}", run.stderr, run.report_text);
    let status = &run.report["sources"]["staging"]["openedx"];
    assert_eq!(status["status"], "failed", "{}", run.report_text);
    let error = status["error"].as_str().unwrap();
    assert!(error.contains(&url), "{error}");
    assert!(error.contains("certificate"), "{error}");
    assert!(
        error.contains("not valid for name \"localhost\""),
        "{error}"
    );
    assert_eq!(run.class_of("/sso/providers"), Some("unknown"));
    assert_eq!(s.requests(), 0);
    assert_eq!(
        run.report["sources"]["production"]["openedx"]["status"],
        "ok"
    );
}

#[test]
fn ca_bundle_that_is_not_pem_is_exit_2_naming_the_file() {
    let ca = Authority::new();
    let identity = loopback_identity(&ca);
    let s = TlsLms::start(Lms::default(), &identity);
    // Two plausible mistakes: the CA in DER form, and the server's key instead of a CA.
    for (bundle, expected) in [
        (ca.ca_der(), "ca.der"),
        (identity.key_pem.clone(), "lms.key"),
    ] {
        let config = write_config(
            ca.dir.path(),
            &format!(
                "{}\n{}",
                entry("staging", &s.url("localhost"), Some(&bundle)),
                entry("production", &s.url("localhost"), Some(&ca.ca_pem)),
            ),
        );
        let run = check(&config, &Lms::default(), &Lms::default());
        assert_eq!(run.code, 2, "{expected}: {}", run.stderr);
        assert_eq!(run.stderr.trim_end().lines().count(), 1, "{}", run.stderr);
        assert!(run.stderr.contains(expected), "{}", run.stderr);
        assert!(run.stderr.contains("ca_bundle"), "{}", run.stderr);
        assert!(run.stdout.is_empty(), "{}", run.stdout);
        let key = std::fs::read_to_string(&identity.key_pem).unwrap();
        let key_body = key.lines().nth(1).unwrap();
        assert!(
            !run.stderr.contains(key_body),
            "the key leaked: {}",
            run.stderr
        );
    }
}

#[test]
fn https_to_http_redirect_is_not_followed() {
    let ca = Authority::new();
    let identity = loopback_identity(&ca);
    // A proxy sending the toggle report (which carries the JWT) to plain http on the
    // same host and port.
    let mut staging = Lms::default();
    staging
        .quirks
        .insert("/api/toggles/v0/state/", Quirk::RedirectToPlainHttp);
    let (s, p) = (
        TlsLms::start(staging.clone(), &identity),
        TlsLms::start(Lms::default(), &identity),
    );
    let config = write_config(
        ca.dir.path(),
        &format!(
            "{}\n{}",
            entry("staging", &s.url("localhost"), Some(&ca.ca_pem)),
            entry("production", &p.url("localhost"), Some(&ca.ca_pem)),
        ),
    );
    let run = check(&config, &staging, &Lms::default());
    assert_eq!(run.code, 1, "{}\n{}", run.stderr, run.report_text);
    let msg = run.message_of("/features/waffle_flags");
    assert_eq!(run.class_of("/features/waffle_flags"), Some("unknown"));
    assert!(msg.contains("from https to http"), "{msg}");
    assert!(msg.contains("not followed"), "{msg}");
    assert!(msg.contains("/api/toggles/v0/state/"), "{msg}");
    // Followed, it would have spoken plain HTTP to the TLS port: a failed handshake.
    assert_eq!(s.failed_handshakes(), 0);
    assert_eq!(s.server.hits("/api/toggles/v0/state/"), 1);
    // The rest of staging was read over TLS.
    assert!(run.finding("/sso/providers").is_none());
    assert_eq!(run.report["sources"]["staging"]["openedx"]["status"], "ok");
}
