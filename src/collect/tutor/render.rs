//! Rendering a root that has no `env/`: `tutor config save` on a temporary copy.

use super::CONFIG_FILE;
use std::path::{Path, PathBuf};

/// The `tutor` executable: `$ENVPARITY_TUTOR` when set, else the first on PATH.
pub(super) fn tutor_command() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ENVPARITY_TUTOR").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("tutor"))
        .find(|p| is_executable(p))
}

pub(super) fn is_executable(p: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        p.metadata()
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    }
    #[cfg(not(unix))]
    {
        p.is_file()
    }
}

/// A render of a root: a private temporary directory (mode 0700, since `tutor config
/// save` writes the environment's secrets into it), removed when dropped, on every way
/// out: success, error, a deadline that cancels the collector, or a panic.
pub(super) type TempRoot = tempfile::TempDir;

/// A fresh `envparity-tutor-*` directory only its owner may enter (tempfile leaves a
/// directory's mode to the umask, 0755 by default), removed when dropped.
pub(super) fn private_tempdir() -> std::io::Result<TempRoot> {
    let mut builder = tempfile::Builder::new();
    builder.prefix("envparity-tutor-");
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
    builder.tempdir()
}

/// Copies `config.yml` into a fresh private directory and runs `tutor config save` there.
/// The error is a reason for the unknown markers; tutor's own output is not repeated,
/// since it may echo configuration values.
pub(super) async fn render_copy(tutor: &Path, config_path: &Path) -> Result<TempRoot, String> {
    let tmp = private_tempdir().map_err(|e| {
        format!(
            "making a private directory to render {}: {e}",
            config_path.display()
        )
    })?;
    // Through the guarded reader: the copy is what was validated, not whatever the path
    // names by now.
    crate::input::read_bytes(config_path)
        .map_err(|e| e.to_string())
        .and_then(|bytes| {
            std::fs::write(tmp.path().join(CONFIG_FILE), bytes)
                .map_err(|e| format!("copying {} to render it: {e}", config_path.display()))
        })?;
    let out = tokio::process::Command::new(tutor)
        .args(["config", "save"])
        .env("TUTOR_ROOT", tmp.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| format!("running `{} config save`: {e}", tutor.display()))?;
    let status = out.status;
    // Tutor renders without a plugin it does not have, saying so only on stderr; such a
    // render would silently lack the plugin's deployments and settings.
    let missing = missing_plugins(&String::from_utf8_lossy(&out.stderr));
    if !missing.is_empty() {
        return Err(format!(
            "`{}` has no plugin {} installed, so it cannot render {} faithfully",
            tutor.display(),
            missing.join(", "),
            config_path.display()
        ));
    }
    if !status.success() {
        return Err(format!(
            "`{} config save` on a copy of {} failed ({status}); run it yourself to see why",
            tutor.display(),
            config_path.display()
        ));
    }
    if !tmp.path().join("env").is_dir() {
        return Err(format!(
            "`{} config save` rendered no env/ for {}",
            tutor.display(),
            config_path.display()
        ));
    }
    Ok(tmp)
}

/// The plugins named in Tutor's "Failed to enable plugin 'NAME'" alerts.
pub(super) fn missing_plugins(stderr: &str) -> Vec<String> {
    const ALERT: &str = "Failed to enable plugin '";
    stderr
        .match_indices(ALERT)
        .filter_map(|(i, _)| {
            let rest = &stderr[i + ALERT.len()..];
            rest.find('\'').map(|end| rest[..end].to_string())
        })
        .filter(|n| n.len() <= 100)
        .collect()
}
