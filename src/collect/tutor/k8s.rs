//! Kubernetes manifests: `env/k8s/*.yml` and plugins' `env/plugins/*/k8s/**`.

use super::builder::{Builder, count};
use super::config::{kind_name, read_optional};
use crate::collect::kubernetes::{Object, topology_surface};
use crate::collect::workloads;
use crate::error::{Error, read_file};
use crate::surface::{self, join_pointer};
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};

/// Every document of a multi-document YAML manifest. Empty documents are skipped; a
/// document that is not a mapping is an error naming the file and the document.
pub(super) fn read_manifest(path: &Path) -> Result<Vec<Value>, Error> {
    let text = read_file(path)?;
    let mut docs = Vec::new();
    for (i, v) in crate::error::parse_yaml_documents(path, &text)?
        .into_iter()
        .enumerate()
    {
        match v {
            Value::Null => {}
            Value::Object(_) => docs.push(v),
            other => {
                return Err(Error::invalid(
                    path,
                    format!(
                        "document {} is a YAML {}, expected a Kubernetes object",
                        i + 1,
                        kind_name(&other)
                    ),
                ));
            }
        }
    }
    Ok(docs)
}

/// The `.yml`/`.yaml` files under `dir`, recursively, in path order. A directory reached
/// twice (a symlink to a parent, which would otherwise make the walk endless) is read once.
pub(super) fn yaml_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let real = d.canonicalize().map_err(|e| Error::io(&d, e))?;
        if !seen.insert(real) {
            continue;
        }
        let entries = std::fs::read_dir(&d).map_err(|e| Error::io(&d, e))?;
        for entry in entries {
            let p = entry.map_err(|e| Error::io(&d, e))?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The Kubernetes objects Tutor would apply, split into resources and patches (files
/// listed under `patches:` in `env/kustomization.yml` only modify other objects).
pub(super) struct Manifests {
    pub(super) resources: Vec<(PathBuf, Value)>,
    pub(super) patches: Vec<(PathBuf, Value)>,
}

pub(super) fn read_manifests(env: &Path) -> Result<Option<Manifests>, Error> {
    let mut files = yaml_files(&env.join("k8s"))?;
    let plugins = env.join("plugins");
    if plugins.is_dir() {
        let entries = std::fs::read_dir(&plugins).map_err(|e| Error::io(&plugins, e))?;
        let mut dirs: Vec<PathBuf> = Vec::new();
        for entry in entries {
            dirs.push(
                entry
                    .map_err(|e| Error::io(&plugins, e))?
                    .path()
                    .join("k8s"),
            );
        }
        dirs.sort();
        for d in dirs {
            files.extend(yaml_files(&d)?);
        }
    }
    if files.is_empty() {
        return Ok(None);
    }
    let patch_files = kustomize_patches(env)?;
    let mut m = Manifests {
        resources: Vec::new(),
        patches: Vec::new(),
    };
    for f in files {
        let is_patch = match &patch_files {
            Some(list) => list.iter().any(|p| same_file(p, &f)),
            // No kustomization: Tutor's own patch file is override.yml.
            None => f.file_name().is_some_and(|n| n == "override.yml"),
        };
        for doc in read_manifest(&f)? {
            if is_patch {
                m.patches.push((f.clone(), doc));
            } else {
                m.resources.push((f.clone(), doc));
            }
        }
    }
    Ok(Some(m))
}

pub(super) fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

pub(super) fn kustomize_patches(env: &Path) -> Result<Option<Vec<PathBuf>>, Error> {
    let path = env.join("kustomization.yml");
    let Some(text) = read_optional(&path)? else {
        return Ok(None);
    };
    let k: Value = crate::error::parse_yaml(&path, &text)?;
    let mut out = Vec::new();
    if let Some(items) = k.get("patches").and_then(Value::as_array) {
        for p in items {
            if let Some(file) = p.get("path").and_then(Value::as_str).or(p.as_str()) {
                out.push(env.join(file));
            }
        }
    }
    if let Some(items) = k.get("patchesStrategicMerge").and_then(Value::as_array) {
        out.extend(items.iter().filter_map(Value::as_str).map(|f| env.join(f)));
    }
    Ok(Some(out))
}

pub(super) fn containers(doc: &Value) -> impl Iterator<Item = &Value> {
    doc.pointer("/spec/template/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// Every container and init container of a workload, a CronJob's included.
pub(super) fn all_containers(doc: &Value) -> impl Iterator<Item = &Value> {
    let spec = doc
        .pointer("/spec/template/spec")
        .or_else(|| doc.pointer("/spec/jobTemplate/spec/template/spec"));
    ["containers", "initContainers"]
        .into_iter()
        .filter_map(move |k| spec.and_then(|s| s.get(k)).and_then(Value::as_array))
        .flatten()
}

pub(super) fn uwsgi_workers(doc: &Value) -> Option<u64> {
    containers(doc)
        .filter_map(|c| c.get("env").and_then(Value::as_array))
        .flatten()
        .find(|e| e.get("name").and_then(Value::as_str) == Some("UWSGI_WORKERS"))
        .and_then(|e| e.get("value"))
        .and_then(count)
}

impl Builder<'_> {
    pub(super) fn services_k8s(&mut self, m: &Manifests, settings: &Map<String, Value>) {
        let mut services = Map::new();
        let mut celery = Vec::new();
        for (file, doc) in &m.resources {
            let kind = doc.get("kind").and_then(Value::as_str).unwrap_or_default();
            let Some(name) = doc.pointer("/metadata/name").and_then(Value::as_str) else {
                continue;
            };
            match kind {
                "Deployment" | "StatefulSet" => {
                    let replicas = doc
                        .pointer("/spec/replicas")
                        .and_then(Value::as_u64)
                        .unwrap_or(1);
                    let mut s = Map::new();
                    s.insert("replicas".into(), json!(replicas));
                    s.insert("probes".into(), workloads::probes(doc));
                    if let Some(w) = uwsgi_workers(doc) {
                        s.insert("uwsgi_workers".into(), json!(w));
                    }
                    services.insert(name.to_string(), Value::Object(s));
                    for w in workloads::celery_workers(doc) {
                        celery.push((name, w));
                    }
                }
                "HorizontalPodAutoscaler" => {
                    let target = doc
                        .pointer("/spec/scaleTargetRef/name")
                        .and_then(Value::as_str)
                        .unwrap_or(name);
                    let min = doc
                        .pointer("/spec/minReplicas")
                        .and_then(Value::as_u64)
                        .unwrap_or(1);
                    let max = doc.pointer("/spec/maxReplicas").and_then(Value::as_u64);
                    let mut hpa = Map::new();
                    hpa.insert("min_replicas".into(), json!(min));
                    if let Some(max) = max {
                        hpa.insert("max_replicas".into(), json!(max));
                    }
                    let pointer = join_pointer(&["services", target, "hpa"]);
                    self.locate_file(&pointer, file);
                    surface::set_pointer(&mut self.surface, &pointer, Value::Object(hpa));
                }
                _ => {}
            }
        }
        // Patches change existing objects; Tutor's only set resources, but one that sets
        // replicas is honoured as kustomize would.
        for (_, doc) in &m.patches {
            let Some(name) = doc.pointer("/metadata/name").and_then(Value::as_str) else {
                continue;
            };
            if let (Some(Value::Object(s)), Some(r)) = (
                services.get_mut(name),
                doc.pointer("/spec/replicas").and_then(Value::as_u64),
            ) {
                s.insert("replicas".into(), json!(r));
            }
        }
        self.fill_uwsgi(&mut services, settings);
        let hpas = self.surface.get("services").cloned();
        let mut all = Value::Object(services);
        if let Some(h) = hpas {
            surface::merge(&mut all, h);
        }
        let replicas = |name: &str| {
            all.pointer(&join_pointer(&[name, "replicas"]))
                .and_then(Value::as_u64)
                .unwrap_or(1)
        };
        let celery: Vec<_> = celery
            .into_iter()
            .map(|(name, w)| (replicas(name), w))
            .collect();
        // CronJobs, KEDA ScaledObjects and Prometheus operator objects that plugins render
        // (tutor-contrib-celery's ScaledObjects, ...), read as the kubernetes source reads
        // the live ones, so a rendered root and a cluster line up.
        let objects: Vec<Object> = m
            .resources
            .iter()
            .filter_map(|(_, doc)| {
                let kind = doc.get("kind")?.as_str()?;
                RENDERED_KINDS.contains(&kind).then(|| Object {
                    kind: kind.to_string(),
                    value: doc.clone(),
                })
            })
            .collect();
        let rendered = topology_surface(&objects, None);
        if let Some(Value::Object(targets)) = rendered.get("services") {
            for (target, s) in targets {
                if let Some(keda) = s.get("keda") {
                    surface::set_pointer(
                        &mut all,
                        &join_pointer(&[target.as_str(), "keda"]),
                        keda.clone(),
                    );
                }
            }
        }
        self.set("/services", all);
        self.set_celery(&celery);
        for pointer in ["/jobs", "/monitoring/prometheus"] {
            if let Some(v) = rendered.pointer(pointer) {
                self.set(pointer, v.clone());
            }
        }
    }
}

/// The kinds of rendered manifests read besides workloads and autoscalers.
const RENDERED_KINDS: [&str; 4] = ["CronJob", "ScaledObject", "PrometheusRule", "ServiceMonitor"];
