//! The `snapshot` source: a file written earlier by `envparity snapshot`.

use super::{Collected, Collector, Context, SourceError};
use crate::error::Error;
use crate::snapshot::Snapshot;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub path: PathBuf,
}

impl Collector for Config {
    const KIND: &'static str = "snapshot";

    /// A `.json` file, or any other file no other kind claimed.
    fn from_shortcut(src: &str) -> Option<Result<Config, Error>> {
        let path = Path::new(src);
        (src.ends_with(".json") || path.is_file()).then(|| {
            Ok(Config {
                path: path.to_path_buf(),
            })
        })
    }

    fn resolve_paths(&mut self, resolve: &dyn Fn(&Path) -> PathBuf) {
        self.path = resolve(&self.path);
    }

    fn origin(&self) -> String {
        self.path.display().to_string()
    }

    /// Whatever the snapshot holds, known only once it is read.
    fn covers(&self) -> Vec<String> {
        Vec::new()
    }

    async fn collect(&self, ctx: &Context) -> Result<Collected, SourceError> {
        collect(self, ctx).await
    }
}

async fn collect(config: &Config, _ctx: &Context) -> Result<Collected, SourceError> {
    let path = config.path.clone();
    let snap = tokio::task::spawn_blocking(move || Snapshot::read(&path))
        .await
        .map_err(|e| SourceError::Failed(super::crashed("snapshot", e)))??;
    let covers = snap.coverage();
    let mut inner = snap.sources;
    for s in inner.values_mut() {
        if s.covers.is_empty() {
            s.covers = covers.clone();
        }
    }
    Ok(Collected {
        surface: snap.surface,
        covers,
        locations: snap.locations,
        inner_sources: inner,
        fingerprint: snap.fingerprint,
        notes: Vec::new(),
        secrets: Vec::new(),
    })
}
