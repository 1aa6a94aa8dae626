//! Where the fingerprint key comes from when `ENVPARITY_FINGERPRINT_KEY` is not set: a
//! per-user key file, created once, so that snapshots taken on one machine by one user
//! can be compared without any setup.
//!
//! The file holds 64 lowercase hex digits (32 random bytes) and a newline, and the key is
//! that text, exactly as if it had been given in `ENVPARITY_FINGERPRINT_KEY`: setting the
//! variable to the file's content on another machine gives the same fingerprints there.
//! Anyone who can read the key can test guesses against fingerprints, so the file must be
//! private (no group or other permission bits); a looser file is refused, not repaired.

use crate::error::{Error, Result};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The file name under `$XDG_CONFIG_HOME/envparity/` (or `~/.config/envparity/`).
pub const KEY_FILE: &str = "fingerprint-key";

/// Hex digits in a key file (32 bytes of randomness).
const KEY_HEX_LEN: usize = 64;

/// Where the per-user key lives: `$XDG_CONFIG_HOME/envparity/fingerprint-key`, else
/// `$HOME/.config/envparity/fingerprint-key`. None when neither variable gives an absolute
/// directory (the XDG rule: a relative `XDG_CONFIG_HOME` is ignored).
pub fn user_key_path() -> Option<PathBuf> {
    let absolute = |var: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    let config =
        absolute("XDG_CONFIG_HOME").or_else(|| absolute("HOME").map(|h| h.join(".config")))?;
    Some(config.join("envparity").join(KEY_FILE))
}

/// Reads the key file at `path`. `Ok(None)` when it does not exist; an error naming the
/// file when it is not a private regular file of the right size. The key is never part
/// of a message.
pub fn read_key_file(path: &Path) -> Result<Option<Vec<u8>>> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::invalid(
                path,
                format!(
                    "cannot read the fingerprint key ({e}); set ENVPARITY_FINGERPRINT_KEY instead"
                ),
            ));
        }
    };
    if !meta.is_file() {
        // Never opened: a named pipe would block, a device never end.
        return Err(Error::invalid(
            path,
            format!(
                "fingerprint key is {}, not a regular file; remove it to have a new key made, or set ENVPARITY_FINGERPRINT_KEY",
                kind(&meta)
            ),
        ));
    }
    check_private(path, &meta)?;
    let wrong_size = || {
        Error::invalid(
            path,
            format!(
                "fingerprint key has the wrong size (expected {KEY_HEX_LEN} hex digits and a newline, as envparity writes it); remove it to have a new key made, or set ENVPARITY_FINGERPRINT_KEY"
            ),
        )
    };
    if meta.len() > KEY_HEX_LEN as u64 + 2 {
        return Err(wrong_size());
    }
    let mut text = Vec::with_capacity(KEY_HEX_LEN + 2);
    std::fs::File::open(path)
        .and_then(|f| f.take(KEY_HEX_LEN as u64 + 3).read_to_end(&mut text))
        .map_err(|e| Error::io(path, e))?;
    let key = text
        .strip_suffix(b"\n")
        .map(|t| t.strip_suffix(b"\r").unwrap_or(t))
        .unwrap_or(&text);
    if key.len() != KEY_HEX_LEN || !key.iter().all(u8::is_ascii_hexdigit) {
        return Err(wrong_size());
    }
    Ok(Some(key.to_ascii_lowercase()))
}

fn kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a named pipe";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

#[cfg(unix)]
fn check_private(path: &Path, meta: &std::fs::Metadata) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(Error::invalid(
            path,
            format!(
                "fingerprint key is readable or writable by others (mode {mode:04o}); make it private with `chmod 600 {}`",
                path.display()
            ),
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path, _meta: &std::fs::Metadata) -> Result<()> {
    Ok(())
}

/// The key in the file at `path`, made first when there is none: 32 random bytes written
/// as hex to a private file (0600) in a private directory (0700, when envparity creates
/// it). Two runs creating it at once agree on one key: the file is written aside and
/// linked into place only if no other run got there first.
pub fn read_or_create_key_file(path: &Path) -> Result<Vec<u8>> {
    if let Some(key) = read_key_file(path)? {
        return Ok(key);
    }
    let dir = path
        .parent()
        .ok_or_else(|| Error::invalid(path, "fingerprint key path has no directory"))?;
    create_private_dir(dir)?;
    let mut random = [0u8; 32];
    getrandom::fill(&mut random).map_err(|e| {
        Error::invalid(
            path,
            format!(
                "no randomness to make a fingerprint key from ({e}); set ENVPARITY_FINGERPRINT_KEY"
            ),
        )
    })?;
    let text = format!("{}\n", hex::encode(random));
    // tempfile creates its files 0600.
    let mut tmp = tempfile::Builder::new()
        .prefix(".fingerprint-key.")
        .tempfile_in(dir)
        .map_err(|e| cannot_keep(dir, &e))?;
    tmp.write_all(text.as_bytes())
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| Error::io(tmp.path(), e))?;
    match tmp.persist_noclobber(path) {
        Ok(_) => {}
        // Another run made it meanwhile: theirs is the key.
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(Error::io(path, e.error)),
    }
    read_key_file(path)?
        .ok_or_else(|| Error::invalid(path, "fingerprint key vanished right after it was written"))
}

fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|e| cannot_keep(dir, &e))
}

/// A home that cannot hold the key (read-only, full, not a directory) is no reason to
/// guess: the message says how to go on without it.
fn cannot_keep(dir: &Path, e: &std::io::Error) -> Error {
    Error::invalid(
        dir,
        format!("cannot keep a fingerprint key here ({e}); set ENVPARITY_FINGERPRINT_KEY instead"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_new_key_is_made_once_in_private_files() {
        let home = tempfile::tempdir().unwrap();
        let path = home.path().join("cfg/envparity").join(KEY_FILE);
        let first = read_or_create_key_file(&path).unwrap();
        assert_eq!(first.len(), KEY_HEX_LEN);
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        assert_eq!(read_or_create_key_file(&path).unwrap(), first, "made once");
        let left: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, [KEY_FILE], "no temporary file left behind");
    }

    #[test]
    fn a_home_that_cannot_hold_the_key_says_what_to_do() {
        let home = tempfile::tempdir().unwrap();
        let not_a_dir = home.path().join("config");
        std::fs::write(&not_a_dir, "a file where a directory should be").unwrap();
        let path = not_a_dir.join("envparity").join(KEY_FILE);
        let e = read_or_create_key_file(&path).unwrap_err().to_string();
        assert!(
            e.contains("config") && e.contains("ENVPARITY_FINGERPRINT_KEY"),
            "{e}"
        );
    }

    #[test]
    fn a_key_file_open_to_others_is_refused_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(KEY_FILE);
        std::fs::write(&path, format!("{}\n", "ab".repeat(32))).unwrap();
        for loose in [0o640, 0o604, 0o660] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(loose)).unwrap();
            let e = read_key_file(&path).unwrap_err().to_string();
            assert!(e.starts_with(&path.display().to_string()), "{e}");
            assert!(
                e.contains(&format!("{loose:04o}")) && e.contains("chmod 600"),
                "{e}"
            );
        }
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(read_key_file(&path).unwrap().is_some());
    }

    #[test]
    fn a_key_file_of_the_wrong_size_is_refused_without_showing_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(KEY_FILE);
        for text in [
            "abcdef\n",
            &"a".repeat(65),
            &"z".repeat(64),
            &"a".repeat(4096),
        ] {
            std::fs::write(&path, text).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
            let e = read_key_file(&path).unwrap_err().to_string();
            assert!(e.contains(KEY_FILE) && e.contains("wrong size"), "{e}");
            assert!(!e.contains("abcdef") && !e.contains("zzzz"), "{e}");
        }
    }
}
