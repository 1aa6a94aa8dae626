//! A Tutor root in a private directory, its files written from one fuzz input split at
//! NUL bytes, shared by the targets that read roots.

use std::path::{Path, PathBuf};

/// The files of a root, in the order the input's parts fill them.
pub const FILES: [&str; 5] = [
    "config.yml",
    "env/version",
    "env/apps/openedx/config/lms.env.yml",
    "env/apps/openedx/settings/lms/production.py",
    "env/k8s/deployments.yml",
];

/// Makes the root's directories; the root lives as long as the directory returned.
pub fn make() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let root = dir.path().join("root");
    for f in FILES {
        let p = root.join(f);
        std::fs::create_dir_all(p.parent().expect("a parent")).expect("mkdir");
    }
    (dir, root)
}

/// Writes each NUL-separated part of `text`, as `edit` makes it, to its file; the files
/// no part reaches are removed.
pub fn write(root: &Path, text: &str, edit: impl Fn(&str) -> String) {
    let mut parts = text.split('\0');
    for f in FILES {
        let p = root.join(f);
        match parts.next() {
            Some(part) => std::fs::write(&p, edit(part)).expect("write"),
            None => {
                let _ = std::fs::remove_file(&p);
            }
        }
    }
}
