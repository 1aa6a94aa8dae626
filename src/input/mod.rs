//! Reading what users hand us. Every file envparity reads — snapshots, a Tutor root's
//! files, profiles, waivers, the config and the files it names, CA bundles — goes through
//! [`read_bytes`] or [`read_text`], and every structured text through the parsers in
//! [`crate::error`], which call into [`yaml`] and [`unique`] here.
//!
//! The guards exist because a CI gate reads inputs it did not write: a named pipe where a
//! file is expected would hang the run forever, `/dev/zero` behind a symlink would eat all
//! memory, and a few kilobytes of nested YAML brackets would keep the YAML scanner busy for
//! minutes. Each of those is refused, before any work, with one line naming the file.

pub mod unique;
pub mod yaml;

use crate::error::{Error, Result};
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// The largest file read unless `--max-input-size` says otherwise: far above any real
/// snapshot or Tutor file, far below what would exhaust a CI runner's memory.
pub const DEFAULT_MAX_INPUT_SIZE: u64 = 256 * 1024 * 1024;

/// The longest a source may take: `--timeout` and `timeout_secs` above a day are a typo
/// (or an attack on the duration arithmetic), not a deadline.
pub const MAX_TIMEOUT_SECS: f64 = 86_400.0;

/// Set once from `--max-input-size` before anything is read; a global because every
/// reader, however deep in a collector, must honour the same cap.
static MAX_INPUT_SIZE: AtomicU64 = AtomicU64::new(DEFAULT_MAX_INPUT_SIZE);

/// Sets the size cap of every later read.
pub fn set_max_input_size(bytes: u64) {
    MAX_INPUT_SIZE.store(bytes, Ordering::Relaxed);
}

/// The size cap in force.
pub fn max_input_size() -> u64 {
    MAX_INPUT_SIZE.load(Ordering::Relaxed)
}

/// Parses a size: a number of bytes, optionally with a binary unit (`64MiB`, `1GiB`,
/// `512KiB`; `K`, `M`, `G` and `KB`, `MB`, `GB` mean the same binary units).
pub fn parse_size(s: &str) -> std::result::Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{s}` is not a size (expected bytes, or e.g. 64MiB)"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => {
            return Err(format!(
                "`{s}` has an unknown unit `{}` (expected KiB, MiB or GiB)",
                unit.trim()
            ));
        }
    };
    let bytes = n
        .checked_mul(factor)
        .ok_or_else(|| format!("`{s}` is too large"))?;
    if bytes == 0 {
        return Err(format!("`{s}`: the size must be at least one byte"));
    }
    Ok(bytes)
}

/// A size for people: `256 MiB`, `1.5 KiB`, `17 bytes`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (name, size) in UNITS {
        if bytes >= size {
            return if bytes.is_multiple_of(size) {
                format!("{} {name}", bytes / size)
            } else {
                format!("{:.1} {name}", bytes as f64 / size as f64)
            };
        }
    }
    format!("{bytes} bytes")
}

/// Why a path is no regular file, when it is not.
fn not_a_regular_file(meta: &std::fs::Metadata) -> Option<&'static str> {
    let ft = meta.file_type();
    if ft.is_dir() {
        return Some("is a directory, expected a file");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return Some(
                "is a named pipe (FIFO), not a regular file; refused so that reading it cannot hang",
            );
        }
        if ft.is_char_device() || ft.is_block_device() {
            return Some(
                "is a device, not a regular file; refused so that reading it cannot hang or exhaust memory",
            );
        }
        if ft.is_socket() {
            return Some("is a socket, not a regular file");
        }
    }
    (!ft.is_file()).then_some("is not a regular file")
}

fn too_big(path: &Path, what: String, cap: u64) -> Error {
    Error::invalid(
        path,
        format!(
            "{what}, over the input size limit of {} (raise it with --max-input-size)",
            human_size(cap)
        ),
    )
}

/// Opens for reading without blocking on a FIFO swapped in after the type check.
fn open(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    options.open(path)
}

/// Opens a regular file of at most [`max_input_size`] bytes, for reading no more than
/// one byte past the cap; also gives its length.
///
/// The type is checked after following symlinks and before opening, the file is opened
/// non-blocking and checked again (it may have been replaced in between), and its size is
/// checked before reading. A reader stops one byte past the cap, so a file that grows
/// while it is read is seen to pass it ([`past_cap`]).
pub fn open_regular(path: &Path) -> Result<(std::io::Take<std::fs::File>, u64)> {
    let cap = max_input_size();
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if let Some(why) = not_a_regular_file(&meta) {
        return Err(Error::invalid(path, why));
    }
    if meta.len() > cap {
        return Err(too_big(path, format!("is {}", human_size(meta.len())), cap));
    }
    let file = open(path).map_err(|e| Error::io(path, e))?;
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    if let Some(why) = not_a_regular_file(&meta) {
        return Err(Error::invalid(path, why));
    }
    Ok((file.take(cap.saturating_add(1)), meta.len().min(cap)))
}

/// Whether a file opened by [`open_regular`] was read past its cap.
pub fn past_cap(file: &std::io::Take<std::fs::File>) -> bool {
    file.limit() == 0
}

/// Reads a whole regular file of at most [`max_input_size`] bytes ([`open_regular`]).
pub fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    let (mut file, len) = open_regular(path)?;
    let mut bytes = Vec::with_capacity(len as usize);
    file.read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if past_cap(&file) {
        let cap = max_input_size();
        return Err(too_big(path, "grew while it was read".into(), cap));
    }
    Ok(bytes)
}

/// Reads a whole regular file as UTF-8 text (see [`read_bytes`]); a leading byte-order
/// mark, which some Windows editors write, is dropped.
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = read_bytes(path)?;
    let mut text = String::from_utf8(bytes).map_err(|e| {
        Error::invalid(
            path,
            format!("is not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
        )
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}

/// A number of seconds from a flag, a config key or a server, as a duration: positive,
/// finite and at most a day. `what` names where it came from (`--timeout`,
/// `timeout_secs`), since the message is all the user sees.
pub fn seconds(what: &str, secs: f64) -> std::result::Result<std::time::Duration, String> {
    // 1e300 is shown as such, not as three hundred digits.
    let shown = if secs.is_finite() && secs.abs() >= 1e9 {
        format!("{secs:e}")
    } else {
        format!("{secs}")
    };
    if !(secs.is_finite() && secs > 0.0 && secs <= MAX_TIMEOUT_SECS) {
        return Err(format!(
            "{what} = {shown}: must be a positive number of seconds, at most {MAX_TIMEOUT_SECS} (a day)"
        ));
    }
    std::time::Duration::try_from_secs_f64(secs)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("{what} = {shown}: too small to be a number of seconds"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_with_and_without_units() {
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("2 GiB"), Ok(2 << 30));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert!(parse_size("0").is_err());
        assert!(parse_size("12XB").unwrap_err().contains("XB"));
        assert!(parse_size("99999999999999999999").is_err());
        assert!(parse_size("18446744073709551615GiB").is_err());
    }

    #[test]
    fn human_sizes_are_short() {
        assert_eq!(human_size(256 << 20), "256 MiB");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(17), "17 bytes");
    }

    #[test]
    fn seconds_must_be_positive_finite_and_at_most_a_day() {
        assert_eq!(
            seconds("--timeout", 1.5),
            Ok(std::time::Duration::from_millis(1500))
        );
        assert!(seconds("--timeout", 86_400.0).is_ok());
        for bad in [
            0.0,
            -1.0,
            f64::NAN,
            f64::INFINITY,
            1e20,
            1.8e19,
            1e300,
            86_400.5,
            1e-12,
        ] {
            let e = seconds("--timeout", bad);
            assert!(e.is_err(), "{bad} accepted");
        }
        assert!(
            seconds("timeout_secs", 1e300)
                .unwrap_err()
                .starts_with("timeout_secs")
        );
    }

    #[test]
    fn a_byte_order_mark_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bom.yml");
        std::fs::write(&p, "\u{feff}a: 1\n").unwrap();
        assert_eq!(read_text(&p).unwrap(), "a: 1\n");
    }

    #[test]
    fn directories_and_missing_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let e = read_text(dir.path()).unwrap_err().to_string();
        assert!(e.contains("is a directory"), "{e}");
        let missing = dir.path().join("nope.json");
        let e = read_text(&missing).unwrap_err().to_string();
        assert!(e.contains("nope.json"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn devices_are_refused_before_reading() {
        let e = read_bytes(Path::new("/dev/zero")).unwrap_err().to_string();
        assert!(e.starts_with("/dev/zero: is a device"), "{e}");
    }
}
