//! Two stand-in LMSs (staging and production) on loopback ports, answering in
//! edx-platform's shapes (tests/support/lms.rs), every response delayed by
//! `--delay-ms` (default 200). Prints `STAGING=<url>` and `PRODUCTION=<url>`, then
//! serves until stdin closes. Used by bench/collect.sh.

#[path = "../tests/support/lms.rs"]
mod lms;

use lms::{Lms, Server, provider};
use std::io::{BufRead, Write};
use std::time::Duration;

fn main() {
    let mut delay_ms = 200u64;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--delay-ms" {
            delay_ms = args.next().and_then(|v| v.parse().ok()).unwrap_or(delay_ms);
        }
    }
    let delay = Duration::from_millis(delay_ms);
    let production = Server::start(Lms {
        delay,
        saml: true,
        providers: vec![
            provider("oa2-google-oauth2", "Google"),
            provider("saml-corp", "Corporate SSO"),
        ],
        ..Lms::default()
    });
    // Staging hides the SAML provider, so the second phase (tpa_hint probe) runs too.
    let staging = Server::start(Lms {
        delay,
        saml: true,
        hidden_providers: vec![provider("saml-corp", "Corporate SSO")],
        ..Lms::default()
    });
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "STAGING={}", staging.url());
    let _ = writeln!(out, "PRODUCTION={}", production.url());
    let _ = out.flush();
    drop(out);
    // Serve until the caller closes our stdin.
    for _ in std::io::stdin().lock().lines() {}
}
