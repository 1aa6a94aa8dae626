//! A Tutor root collected as `check` and `snapshot` collect it, on arbitrary files (split
//! at NUL bytes, as the `tutor` target splits them): no secret of its `config.yml` may
//! reach the snapshot or an error message.
//!
//! Secrets are planted, so that a leak is told apart from text that merely looks alike:
//! every plain word of 8 characters or more under a secret-named key of `config.yml`, and
//! every such password of a URL there, becomes a marker that nothing else produces, in every file of the root (a password
//! that the rendered settings repeat under another name, a URL, a Python string). No
//! marker may be in a value of the snapshot (its keys are names, which it must keep) or
//! in the error of a root that does not read.
#![no_main]

use envparity::collect::Source;
use libfuzzer_sys::fuzz_target;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

#[path = "common/collected.rs"]
mod collected;
#[path = "common/planting.rs"]
mod planting;
#[path = "common/tutor_root.rs"]
mod tutor_root;

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    collector: collected::Collector,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        // No `tutor` to ask for plugin versions: the files are all there is.
        // SAFETY: set once, before the runtime or any other thread of this process.
        unsafe { std::env::set_var("PATH", "") };
        let (dir, root) = tutor_root::make();
        Fixture {
            _dir: dir,
            root,
            collector: collected::Collector::new(),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some(text) = planting::plantable(data) else {
        return;
    };
    let fx = fixture();
    let config = text.split('\0').next().unwrap_or_default();
    let Ok(docs) = envparity::error::parse_yaml_documents(Path::new("config.yml"), config) else {
        return;
    };
    let mut plain = Vec::new();
    docs.iter()
        .for_each(|d| collected::secrets(d, &fx.collector.ctx.secrets, &mut plain));
    let Some(marks) = planting::markers(plain, 'z') else {
        return;
    };
    tutor_root::write(&fx.root, text, |part| planting::plant_text(part, &marks));
    let source =
        Source::from_shortcut(fx.root.to_str().expect("a UTF-8 path")).expect("a Tutor root");
    fx.collector.assert_no_marker(source);
});
