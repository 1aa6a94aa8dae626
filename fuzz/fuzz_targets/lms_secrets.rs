//! A live LMS collected as `check` and `snapshot` collect it, from a loopback server that
//! answers with arbitrary bodies: no secret in those answers, and not the client secret
//! `check` signs in with, may reach the snapshot or an error message.
//!
//! The input is split at NUL bytes into the bodies of the endpoints the `openedx` source
//! reads (see [`ENDPOINTS`]). Secrets are planted as in `tutor_secrets`: every plain word
//! of 8 characters or more under a secret-named key, and every URL password, of an
//! answer the surface keeps becomes a marker in every body; the access token's, in the
//! token endpoint's answer.
#![no_main]

use envparity::collect::{Source, openedx};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::sync::OnceLock;

#[path = "common/collected.rs"]
mod collected;
#[path = "common/planting.rs"]
mod planting;
#[path = "common/server.rs"]
mod server;

/// The client id in the environment, which is no secret (it is sent in the form).
const CLIENT_ID: &str = "fuzz-client";
/// The client secret in the environment: itself a marker, so that it may not show either.
const CLIENT_SECRET: &str = "QzLEAKq999s";

/// The input's bodies, in order, by the path (and query) that asks for each. The first
/// match wins; a path with no body in the input is a 404. A body whose first line is
/// `status NNN` is answered with that status ([`server::served`]).
const ENDPOINTS: [&str; 8] = [
    "/api/mfe_config/v1?mfe=",
    "/api/mfe_config/v1",
    "/api/mfe_context",
    "/api/toggles/v0/state/",
    "/oauth2/access_token",
    "/api/frontend_site_config/v1/",
    "/heartbeat",
    "/auth/saml/metadata.xml",
];

fn fixture() -> &'static server::Live {
    static FIXTURE: OnceLock<server::Live> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        server::Live::start(
            &[
                ("ENVPARITY_STAGING_CLIENT_ID", CLIENT_ID),
                ("ENVPARITY_STAGING_CLIENT_SECRET", CLIENT_SECRET),
            ],
            |target, bodies| server::by_prefix(target, ENDPOINTS, bodies),
        )
    })
}

fuzz_target!(|data: &[u8]| {
    let Some(text) = planting::plantable(data) else {
        return;
    };
    let fx = fixture();
    let parts: Vec<&str> = text.split('\0').take(ENDPOINTS.len()).collect();
    // An answer's status and JSON body.
    let answer = |i: usize| {
        let (status, body) = server::served(parts.get(i)?);
        Some((status, serde_json::from_str::<Value>(body).ok()?))
    };
    let object = |i: usize| {
        answer(i)
            .filter(|(status, v)| *status == "200 OK" && v.is_object())
            .map(|(_, v)| v)
    };
    let policy = &fx.collector.ctx.secrets;
    // The answers the surface keeps whole: the common MFE config, each MFE's (asked
    // only when the common one is in) and the frontend site config. A secret-named key
    // elsewhere (a provider's, a failed answer's) is never read, so its value is not
    // known as a secret where it shows again.
    let common = object(1);
    let per_mfe = common.as_ref().and_then(|_| object(0));
    let mut kept = Vec::new();
    for v in [&per_mfe, &common, &object(5)].into_iter().flatten() {
        collected::secrets(v, policy, &mut kept);
    }
    // The access token is the collector's own secret: it may show nowhere, though only
    // the token endpoint's answer is known to hold it.
    let mut plain = kept.clone();
    if let Some((_, v)) = answer(4) {
        collected::secrets(&v, policy, &mut plain);
    }
    // The client id is sent in the form: no secret.
    plain.retain(|p| !CLIENT_ID.contains(p.as_str()));
    let Some(marks) = planting::markers(plain, 'l') else {
        return;
    };
    let everywhere: Vec<(String, String)> = marks
        .iter()
        .filter(|(p, _)| kept.contains(p))
        .cloned()
        .collect();
    fx.server.set(
        parts
            .iter()
            .enumerate()
            .map(|(i, p)| planting::plant_text(p, if i == 4 { &marks } else { &everywhere }))
            .collect(),
    );
    // The CMS is named, so that none is discovered from the MFE config's
    // `STUDIO_BASE_URL`: every request stays on the loopback server.
    let source = Source::new(openedx::Config {
        lms: fx.server.base.clone(),
        cms: Some(fx.server.base.clone()),
        client_id_env: None,
        client_secret_env: None,
        ca_bundle: None,
        timeout_secs: Some(5.0),
        connect_timeout_secs: Some(1.0),
    });
    fx.collector.assert_no_marker(source);
});
