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
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

#[path = "common/collected.rs"]
mod collected;
#[path = "common/planting.rs"]
mod planting;

/// The client id in the environment, which is no secret (it is sent in the form).
const CLIENT_ID: &str = "fuzz-client";
/// The client secret in the environment: itself a marker, so that it may not show either.
const CLIENT_SECRET: &str = "QzLEAKq999s";

/// The input's bodies, in order, by the path (and query) that asks for each. The first
/// match wins; a path with no body in the input is a 404. A body whose first line is
/// `status NNN` is answered with that status (one the collector does not retry on).
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

/// The statuses a body may ask for: the collector's answers to each differ, and none of
/// them is retried (a retry's backoff would slow every run).
const STATUSES: [&str; 6] = [
    "200 OK",
    "400 Bad Request",
    "401 Unauthorized",
    "403 Forbidden",
    "404 Not Found",
    "500 Internal Server Error",
];

struct Fixture {
    /// The bodies the server answers with now.
    bodies: &'static Mutex<Vec<String>>,
    base: String,
    collector: collected::Collector,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        // SAFETY: set once, before the runtime or any other thread of this process.
        unsafe {
            std::env::set_var("ENVPARITY_STAGING_CLIENT_ID", CLIENT_ID);
            std::env::set_var("ENVPARITY_STAGING_CLIENT_SECRET", CLIENT_SECRET);
        }
        let bodies: &'static Mutex<Vec<String>> = Box::leak(Box::new(Mutex::new(Vec::new())));
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let base = format!("http://{}", listener.local_addr().expect("an address"));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                // One connection at a time: every answer is ready at once.
                let _ = answer(stream, bodies);
            }
        });
        Fixture {
            bodies,
            base,
            collector: collected::Collector::new(),
        }
    })
}

/// Reads one request (head and body) and answers it from `bodies`, closing after.
fn answer(stream: TcpStream, bodies: &Mutex<Vec<String>>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream);
    let mut target = String::new();
    let mut length = 0usize;
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if target.is_empty() {
            target = l.split(' ').nth(1).unwrap_or_default().to_string();
        } else if let Some((k, v)) = l.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    // The form is read so that closing does not reset the connection under the answer.
    let mut form = vec![0; length];
    reader.read_exact(&mut form)?;
    let body = {
        let bodies = bodies.lock().expect("the bodies");
        ENDPOINTS
            .iter()
            .position(|p| target.starts_with(p))
            .and_then(|i| bodies.get(i).cloned())
    };
    let head = |status: &str, len: usize| {
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
        )
    };
    let mut stream = reader.into_inner();
    let (status, body) = match &body {
        Some(b) => served(b),
        None => ("404 Not Found", ""),
    };
    stream.write_all(head(status, body.len()).as_bytes())?;
    stream.write_all(body.as_bytes())?;
    stream.flush()
}

/// The status and body an input part is answered with.
fn served(part: &str) -> (&'static str, &str) {
    part.strip_prefix("status ")
        .and_then(|r| r.split_once('\n'))
        .and_then(|(code, rest)| {
            let status = STATUSES
                .iter()
                .find(|s| s.split(' ').next() == Some(code))?;
            Some((*status, rest))
        })
        .unwrap_or(("200 OK", part))
}

fuzz_target!(|data: &[u8]| {
    let Some(text) = planting::plantable(data) else {
        return;
    };
    let fx = fixture();
    let parts: Vec<&str> = text.split('\0').take(ENDPOINTS.len()).collect();
    // An answer's status and JSON body.
    let answer = |i: usize| {
        let (status, body) = served(parts.get(i)?);
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
    *fx.bodies.lock().expect("the bodies") = parts
        .iter()
        .enumerate()
        .map(|(i, p)| planting::plant_text(p, if i == 4 { &marks } else { &everywhere }))
        .collect();
    // The CMS is named, so that none is discovered from the MFE config's
    // `STUDIO_BASE_URL`: every request stays on the loopback server.
    let source = Source::new(openedx::Config {
        lms: fx.base.clone(),
        cms: Some(fx.base.clone()),
        client_id_env: None,
        client_secret_env: None,
        ca_bundle: None,
        timeout_secs: Some(5.0),
        connect_timeout_secs: Some(1.0),
    });
    fx.collector.assert_no_marker(source);
});
