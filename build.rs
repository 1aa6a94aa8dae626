//! Lays out the envparity binary's code in the order of `link/symbol-order.txt`: the
//! functions a run executes, next to each other, so that a run maps a few hundred KiB of
//! the binary's code instead of several MiB scattered across it (`bench/README.md`,
//! "Eighth round"). `bash bench/link-order.sh` writes the file.
//!
//! The order is passed to the linker only when the linker accepts it: a probe links an
//! empty program with the same compiler, target, flags and linker. LLD (the default linker
//! of Rust on x86-64 Linux since 1.90) accepts it; GNU ld does not, and the binary is
//! then linked as before. `ENVPARITY_LINK_ORDER=0` turns it off. The order changes where code
//! lies, never what it does.

use std::env;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const ORDER: &str = "link/symbol-order.txt";

fn main() {
    println!("cargo:rerun-if-changed={ORDER}");
    println!("cargo:rerun-if-env-changed=ENVPARITY_LINK_ORDER");
    if env::var_os("ENVPARITY_LINK_ORDER").is_some_and(|v| v == "0") {
        return;
    }
    let Some(manifest) = env::var_os("CARGO_MANIFEST_DIR") else {
        return;
    };
    let order = Path::new(&manifest).join(ORDER);
    // Cargo hands link arguments over as text: a path that is not UTF-8 goes without.
    let Some(order) = order.to_str().filter(|_| order.is_file()) else {
        return;
    };
    // `-Xlinker` hands the option over whole: a path may hold a comma, which `-Wl,` splits.
    let args = [
        "-Xlinker".to_owned(),
        format!("--symbol-ordering-file={order}"),
        "-Xlinker".to_owned(),
        // A name the build does not have (another profile's, or one that went stale) is
        // not a mistake.
        "--no-warn-symbol-ordering".to_owned(),
    ];
    if links_with(&args) {
        for arg in &args {
            println!("cargo:rustc-link-arg-bins={arg}");
        }
    }
}

/// Whether an empty program links with these linker arguments, built as cargo builds the
/// crate: the same rustc, target, flags and configured linker.
fn links_with(args: &[String]) -> bool {
    let Some(out) = env::var_os("OUT_DIR").map(PathBuf::from) else {
        return false;
    };
    let source = out.join("link_probe.rs");
    if fs::write(&source, "fn main() {}\n").is_err() {
        return false;
    }
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| OsString::from("rustc"));
    let mut probe = Command::new(rustc);
    probe
        .arg("--crate-type=bin")
        .arg("--crate-name=link_probe")
        .arg("-o")
        .arg(out.join("link_probe"))
        .arg(&source);
    if let Some(target) = env::var_os("TARGET") {
        probe.arg("--target").arg(target);
    }
    if let Some(linker) = env::var_os("RUSTC_LINKER") {
        let mut flag = OsString::from("linker=");
        flag.push(linker);
        probe.arg("-C").arg(flag);
    }
    if let Ok(flags) = env::var("CARGO_ENCODED_RUSTFLAGS") {
        probe.args(flags.split('\x1f').filter(|flag| !flag.is_empty()));
    }
    for arg in args {
        probe.arg("-C").arg(format!("link-arg={arg}"));
    }
    let linked = probe
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    let _ = fs::remove_file(out.join("link_probe"));
    linked
}
