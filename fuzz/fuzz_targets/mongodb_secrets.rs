//! A MongoDB status file read as `check` and `snapshot` read it, on arbitrary JSON: no
//! secret the surface holds, and no password of a URL in the error a document answers,
//! may reach the snapshot or an error message.
//!
//! The input is the file (`status_file`): `rs.status()`, `rs.conf()`, `db.hello()` or
//! the combined document. Planted as markers in the whole file: the plain words under
//! secret-named keys, and the URL passwords, of the surface the collector builds from it
//! (what it holds, and so must keep secret wherever it shows again); and, when the file
//! is an error document, the URL passwords of the error the collector reports.
#![no_main]

use envparity::collect::Source;
use envparity::collect::mongodb::{self, Documents};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::OnceLock;

#[path = "common/collected.rs"]
mod collected;
#[path = "common/planting.rs"]
mod planting;

struct Fixture {
    _dir: tempfile::TempDir,
    file: PathBuf,
    collector: collected::Collector,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let file = dir.path().join("status.json");
        Fixture {
            _dir: dir,
            file,
            collector: collected::Collector::new(),
        }
    })
}

/// The plaintexts to plant: what the surface built from `doc` holds, or the URL
/// passwords of the error it gives instead.
fn plaintexts(doc: &Value, fx: &Fixture) -> Vec<String> {
    let mut plain = Vec::new();
    let built = Documents::from_file(doc).and_then(Documents::into_surface);
    match built {
        Ok(surface) => collected::secrets(&surface, &fx.collector.ctx.secrets, &mut plain),
        Err(e) => collected::secrets(&Value::String(e), &fx.collector.ctx.secrets, &mut plain),
    }
    plain
}

fuzz_target!(|data: &[u8]| {
    let Some(text) = planting::plantable(data) else {
        return;
    };
    let Ok(doc) = serde_json::from_str::<Value>(text) else {
        return;
    };
    let fx = fixture();
    let Some(marks) = planting::markers(plaintexts(&doc, fx), 'm') else {
        return;
    };
    std::fs::write(&fx.file, planting::plant_text(text, &marks)).expect("the status file");
    let source = Source::new(mongodb::Config {
        status_file: Some(fx.file.clone()),
        ..Default::default()
    });
    fx.collector.assert_no_marker(source);
});
