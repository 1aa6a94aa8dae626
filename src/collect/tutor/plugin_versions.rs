//! Plugin versions, from `tutor plugins list` of the `tutor` that rendered the root.
//!
//! The versions a `tutor` lists are those installed beside it, so they describe a root
//! only when that `tutor` rendered it: its version must be the root's `env/version`, or
//! nothing is read (one note says why). The command runs once per process, with
//! `TUTOR_ROOT` set to an empty private directory, so the user's root is never read or
//! written by it and no configuration value reaches its output.

use super::render::{private_tempdir, tutor_command};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::OnceCell;

/// What one `tutor` says: its own version and its installed plugins' versions.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Installed {
    pub(super) tutor: PathBuf,
    pub(super) version: String,
    pub(super) plugins: BTreeMap<String, String>,
}

static INSTALLED: OnceCell<Result<Installed, String>> = OnceCell::const_new();

/// The installed plugins of the `tutor` on PATH (or `$ENVPARITY_TUTOR`); None without one.
pub(super) async fn installed(deadline: Duration) -> Option<Result<Installed, String>> {
    let tutor = tutor_command()?;
    Some(
        INSTALLED
            .get_or_init(|| read_installed(tutor, deadline))
            .await
            .clone(),
    )
}

async fn read_installed(tutor: PathBuf, deadline: Duration) -> Result<Installed, String> {
    let empty = private_tempdir()
        .map_err(|e| format!("making an empty directory to run `tutor plugins list`: {e}"))?;
    let run = |args: &'static [&'static str]| run(&tutor, args, empty.path(), deadline);
    let (version, list) = tokio::join!(run(&["--version"]), run(&["plugins", "list"]));
    let version = parse_version(&version?).ok_or_else(|| {
        format!(
            "`{} --version` did not say which version it is",
            tutor.display()
        )
    })?;
    Ok(Installed {
        plugins: parse_list(&list?),
        version,
        tutor,
    })
}

async fn run(
    tutor: &Path,
    args: &[&str],
    root: &Path,
    deadline: Duration,
) -> Result<String, String> {
    let shown = format!("`{} {}`", tutor.display(), args.join(" "));
    let child = tokio::process::Command::new(tutor)
        .args(args)
        .env("TUTOR_ROOT", root)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(deadline, child)
        .await
        .map_err(|_| format!("{shown}: no answer within {}s", deadline.as_secs()))?
        .map_err(|e| format!("running {shown}: {e}"))?;
    if !out.status.success() {
        return Err(format!("{shown} failed ({})", out.status));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `tutor, version 22.0.3` → `22.0.3`.
fn parse_version(out: &str) -> Option<String> {
    let v = out.trim().rsplit(' ').next()?;
    (v.starts_with(|c: char| c.is_ascii_digit()) && v.len() <= 40).then(|| v.to_string())
}

/// The table `tutor plugins list` prints: a `NAME STATUS VERSION` header, then one
/// tab-separated row per installed plugin (the status may carry an emoji).
fn parse_list(out: &str) -> BTreeMap<String, String> {
    out.lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('\t').map(str::trim).collect();
            let (name, version) = (cells.first()?, cells.last()?);
            (cells.len() >= 3 && *name != "NAME" && !name.is_empty() && !version.is_empty())
                .then(|| (name.to_string(), version.to_string()))
        })
        .collect()
}

/// Writes `/plugins/<name>/version` for the enabled plugins of a root rendered by
/// `installed.version`, or says why not.
pub(super) fn apply(surface: &mut Value, installed: &Installed, notes: &mut Vec<String>) {
    let rendered_by = surface
        .pointer("/release/tutor_version")
        .and_then(Value::as_str);
    if rendered_by != Some(installed.version.as_str()) {
        notes.push(format!(
            "plugin versions not read: `{}` is Tutor {}, the root was rendered by {}",
            installed.tutor.display(),
            installed.version,
            rendered_by.map_or_else(|| "an unknown version".to_string(), |v| format!("Tutor {v}"))
        ));
        return;
    }
    let Some(Value::Object(plugins)) = surface.pointer_mut("/plugins") else {
        return;
    };
    let mut missing = Vec::new();
    for (name, plugin) in plugins.iter_mut() {
        if name.starts_with("mount:") {
            continue;
        }
        match (installed.plugins.get(name), plugin.as_object_mut()) {
            (Some(v), Some(p)) => {
                p.insert("version".into(), json!(v));
            }
            (None, _) => missing.push(name.clone()),
            _ => {}
        }
    }
    if !missing.is_empty() {
        notes.push(format!(
            "`{}` has no plugin {} installed: its version is not known",
            installed.tutor.display(),
            missing.join(", ")
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_tutor_prints_parses() {
        let out = "NAME           \tSTATUS   \tVERSION\nforum          \tinstalled\t22.0.0\nmfe            \t✅ enabled\t22.1.0\npod-autoscaling\t✅ enabled\t22.1.0\n";
        let list = parse_list(out);
        assert_eq!(list.len(), 3);
        assert_eq!(list["mfe"], "22.1.0");
        assert_eq!(list["forum"], "22.0.0");
        assert_eq!(parse_version("tutor, version 22.0.3\n").as_deref(), Some("22.0.3"));
        assert_eq!(parse_version("Usage: tutor"), None);
    }

    #[test]
    fn versions_are_written_only_for_the_release_that_rendered_the_root() {
        let installed = Installed {
            tutor: PathBuf::from("tutor"),
            version: "22.0.3".into(),
            plugins: [("mfe".to_string(), "22.1.0".to_string())].into(),
        };
        let mut surface = json!({
            "release": {"tutor_version": "22.0.3"},
            "plugins": {"mfe": {"enabled": true}, "notes": {"enabled": true}, "mount:edx-platform": {"enabled": true}}
        });
        let mut notes = Vec::new();
        apply(&mut surface, &installed, &mut notes);
        assert_eq!(surface["plugins"]["mfe"]["version"], "22.1.0");
        assert!(surface["plugins"]["notes"].get("version").is_none());
        assert_eq!(notes, ["`tutor` has no plugin notes installed: its version is not known"]);
        let mut older = json!({"release": {"tutor_version": "21.0.9"}, "plugins": {"mfe": {"enabled": true}}});
        let mut notes = Vec::new();
        apply(&mut older, &installed, &mut notes);
        assert!(older["plugins"]["mfe"].get("version").is_none());
        assert!(notes[0].contains("is Tutor 22.0.3, the root was rendered by Tutor 21.0.9"), "{notes:?}");
    }
}
