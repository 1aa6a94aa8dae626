//! The `snapshot` source: a file written earlier by `envparity snapshot`.

use super::{Collected, Context, SourceError};
use crate::snapshot::Snapshot;
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub path: PathBuf,
}

pub async fn collect(config: &Config, _ctx: &Context) -> Result<Collected, SourceError> {
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
