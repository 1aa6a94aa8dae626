//! The Kubernetes API read as `check` and `snapshot` read it, from a loopback server that
//! answers with arbitrary lists: no secret the surface holds, and not the bearer token
//! `check` sends, may reach the snapshot or an error message.
//!
//! The input is split at NUL bytes into the list bodies of the resources the
//! `kubernetes` source reads, in the order of `RESOURCES` and then `OPTIONAL_RESOURCES`
//! (a missing body is a 404; `status NNN` on a body's first line asks for that status,
//! see `server::served`). A next page is always the list's end. Planted as markers in
//! every body: the plain words under secret-named keys, and the URL passwords, of the
//! surface the collector builds from these lists (what it holds, and so must keep
//! secret wherever it shows again), when the collection can succeed.
#![no_main]

use envparity::collect::Source;
use envparity::collect::kubernetes::{self, OPTIONAL_RESOURCES, Object, RESOURCES};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::sync::OnceLock;

#[path = "common/collected.rs"]
mod collected;
#[path = "common/planting.rs"]
mod planting;
#[path = "common/server.rs"]
mod server;

/// The variable holding the bearer token, and the token: itself a marker, so that it may
/// not show either.
const TOKEN_ENV: &str = "ENVPARITY_FUZZ_K8S_TOKEN";
const TOKEN: &str = "QzLEAKq998t";

/// Every resource read, in the input's order: (kind, list path, optional).
fn resources() -> &'static [(&'static str, String, bool)] {
    static ALL: OnceLock<Vec<(&str, String, bool)>> = OnceLock::new();
    ALL.get_or_init(|| {
        let required = RESOURCES.iter().map(|r| (r, false));
        let optional = OPTIONAL_RESOURCES.iter().map(|r| (r, true));
        required
            .chain(optional)
            .map(|((kind, group, plural), optional)| {
                (*kind, format!("{group}/{plural}?"), optional)
            })
            .collect()
    })
}

fn route(target: &str, bodies: &[String]) -> Option<String> {
    if target.contains("continue=") {
        return Some(r#"{"kind": "List", "items": []}"#.into());
    }
    let endpoints = resources().iter().map(|(_, p, _)| p.as_str());
    server::by_prefix(target, endpoints, bodies)
}

fn fixture() -> &'static server::Live {
    static FIXTURE: OnceLock<server::Live> = OnceLock::new();
    FIXTURE.get_or_init(|| server::Live::start(&[(TOKEN_ENV, TOKEN)], route))
}

/// What a resource's answer is to the collector.
enum Listed {
    Items(Vec<Value>),
    NotFound,
    Failed,
}

fn listed(part: Option<&str>) -> Listed {
    let Some(part) = part else {
        return Listed::NotFound;
    };
    match server::served(part) {
        ("200 OK", body) => match serde_json::from_str::<Value>(body) {
            Ok(v) => match v.get("items") {
                Some(Value::Array(items)) => Listed::Items(items.clone()),
                Some(Value::Null) | None => Listed::Items(Vec::new()),
                Some(_) => Listed::Failed,
            },
            Err(_) => Listed::Failed,
        },
        ("404 Not Found", _) => Listed::NotFound,
        _ => Listed::Failed,
    }
}

/// The objects the collector reads from the parts, or None when the collection fails
/// (a required list not read, an installed optional one failing). Pods that cannot be
/// read leave only the digests unknown.
fn objects(parts: &[&str]) -> Option<Vec<Object>> {
    let mut out = Vec::new();
    for (i, (kind, _, optional)) in resources().iter().enumerate() {
        match listed(parts.get(i).copied()) {
            Listed::Items(items) => out.extend(items.into_iter().map(|value| Object {
                kind: kind.to_string(),
                value,
            })),
            _ if *kind == "Pod" => {}
            Listed::NotFound if *optional => {}
            _ => return None,
        }
    }
    Some(out)
}

fuzz_target!(|data: &[u8]| {
    let Some(text) = planting::plantable(data) else {
        return;
    };
    let fx = fixture();
    let parts: Vec<&str> = text.split('\0').take(resources().len()).collect();
    let mut plain = Vec::new();
    if let Some(objects) = objects(&parts) {
        let surface = kubernetes::topology_surface(&objects, None);
        collected::secrets(&surface, &fx.collector.ctx.secrets, &mut plain);
    }
    let Some(marks) = planting::markers(plain, 'k') else {
        return;
    };
    fx.server.set(
        parts
            .iter()
            .map(|p| planting::plant_text(p, &marks))
            .collect(),
    );
    let source = Source::new(kubernetes::Config {
        api_server: Some(fx.server.base.clone()),
        token_env: Some(TOKEN_ENV.into()),
        ca_bundle: None,
        namespace: None,
        file: None,
    });
    fx.collector.assert_no_marker(source);
});
