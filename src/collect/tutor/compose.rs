//! docker-compose files: `env/local/docker-compose*.yml`.

use super::builder::{Builder, count};
use super::config::kind_name;
use crate::collect::workloads;
use crate::error::{Error, read_file};
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};

/// docker-compose files: parsed (a broken one is an input error) and used for the
/// services when the root has no Kubernetes manifests.
pub(super) fn read_compose(local: &Path) -> Result<Option<Map<String, Value>>, Error> {
    let mut services = Map::new();
    let mut any = false;
    if !local.is_dir() {
        return Ok(None);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(local)
        .map_err(|e| Error::io(local, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("docker-compose") && n.ends_with(".yml"))
        })
        .collect();
    files.sort();
    for f in files {
        any = true;
        let text = read_file(&f)?;
        let v: Value = crate::error::parse_yaml(&f, &text)?;
        match v {
            Value::Null => {}
            Value::Object(m) => {
                if let Some(Value::Object(s)) = m.get("services") {
                    for (k, v) in s {
                        services.insert(k.clone(), v.clone());
                    }
                }
            }
            other => {
                return Err(Error::invalid(
                    &f,
                    format!(
                        "is a YAML {}, expected a docker-compose mapping",
                        kind_name(&other)
                    ),
                ));
            }
        }
    }
    Ok(any.then_some(services))
}

impl Builder<'_> {
    pub(super) fn services_compose(
        &mut self,
        c: &Map<String, Value>,
        settings: &Map<String, Value>,
    ) {
        let mut services = Map::new();
        let mut celery = Vec::new();
        for (name, svc) in c {
            // One-shot jobs and the permissions fixer are no running service.
            if name.ends_with("-job") || name == "permissions" {
                continue;
            }
            let replicas = svc
                .pointer("/deploy/replicas")
                .and_then(Value::as_u64)
                .unwrap_or(1);
            let mut s = Map::new();
            s.insert("replicas".into(), json!(replicas));
            if let Some(w) = svc.pointer("/environment/UWSGI_WORKERS").and_then(count) {
                s.insert("uwsgi_workers".into(), json!(w));
            }
            services.insert(name.clone(), Value::Object(s));
            let words: Vec<String> = match svc.get("command") {
                Some(Value::String(line)) => line.split_whitespace().map(str::to_string).collect(),
                Some(Value::Array(words)) => words
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
                _ => Vec::new(),
            };
            if let Some(w) = workloads::celery_worker(&words) {
                celery.push((replicas, w));
            }
        }
        self.fill_uwsgi(&mut services, settings);
        self.set("/services", Value::Object(services));
        self.set_celery(&celery);
    }
}
