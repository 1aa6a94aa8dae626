//! The `kubernetes` source: the running topology of the Open edX workloads — replicas
//! (desired and ready) of Deployments and StatefulSets, HorizontalPodAutoscaler bounds
//! (autoscaling/v2), PodDisruptionBudgets (policy/v1), Ingress TLS hosts
//! (networking.k8s.io/v1), LoadBalancer Services (v1), the probes of each workload,
//! CronJobs (batch/v1), the images each workload's containers run (with the digest from
//! its Pods' status, v1), the Celery queues its workers consume, and, where their API group is installed, Velero backup Schedules
//! (velero.io/v1), KEDA ScaledObjects (keda.sh/v1alpha1), PrometheusRules and
//! ServiceMonitors (monitoring.coreos.com/v1). A custom resource whose group the API
//! server does not serve (404) is "not installed": nothing on the surface and a note, so
//! that a cluster without Velero against one with it is a presence finding, never an
//! `unknown`.
//!
//! Read from the API server (bearer token and CA from the config, or the pod's service
//! account when run inside the cluster; `http://` is accepted for `kubectl proxy`), or
//! from a file of `kubectl get deploy,statefulset,hpa,pdb,ingress,svc -o json`.
//!
//! Layout (docs/surface.md): workloads by name under `/services/<name>/…`, where the
//! Tutor collector writes the rendered manifests' replicas, so the two line up; the
//! full inventory by kind, namespace and name under `/kubernetes/<Kind>/<ns>/<name>`.

use super::endpoint::{self, call_deadline};
use super::http::{self, Http};
use super::{Collected, Collector, Context, SourceError, workloads};
use crate::error::{Error, parse_json, read_file};
use crate::surface;
use reqwest::Url;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Where the in-cluster service account is mounted.
const SERVICE_ACCOUNT: &str = "/var/run/secrets/kubernetes.io/serviceaccount";
/// Items per page: a cluster with thousands of Services is read in bounded pages.
const PAGE: usize = 250;

/// The kinds read, each with its list path (cluster-wide, or under
/// `/namespaces/<ns>` before the last segment).
pub const RESOURCES: [(&str, &str, &str); 8] = [
    ("Deployment", "/apis/apps/v1", "deployments"),
    ("StatefulSet", "/apis/apps/v1", "statefulsets"),
    (
        "HorizontalPodAutoscaler",
        "/apis/autoscaling/v2",
        "horizontalpodautoscalers",
    ),
    (
        "PodDisruptionBudget",
        "/apis/policy/v1",
        "poddisruptionbudgets",
    ),
    ("Ingress", "/apis/networking.k8s.io/v1", "ingresses"),
    ("Service", "/api/v1", "services"),
    ("CronJob", "/apis/batch/v1", "cronjobs"),
    // Read for the image digests their containers run; an account that may not list
    // Pods leaves the digests unknown, not the rest.
    (POD, "/api/v1", "pods"),
];

const POD: &str = "Pod";

/// Custom resources, read when their API group is installed (404: not installed).
pub const OPTIONAL_RESOURCES: [(&str, &str, &str); 4] = [
    ("Schedule", "/apis/velero.io/v1", "schedules"),
    ("ScaledObject", "/apis/keda.sh/v1alpha1", "scaledobjects"),
    (
        "PrometheusRule",
        "/apis/monitoring.coreos.com/v1",
        "prometheusrules",
    ),
    (
        "ServiceMonitor",
        "/apis/monitoring.coreos.com/v1",
        "servicemonitors",
    ),
];

/// `[[<env>.kubernetes]]` in the config file.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The API server, e.g. `https://k8s.example.org:6443` (or `http://127.0.0.1:8001`
    /// for `kubectl proxy`). Absent with no `file`: the in-cluster service account.
    #[serde(default)]
    pub api_server: Option<String>,
    /// The environment variable holding the bearer token.
    #[serde(default)]
    pub token_env: Option<String>,
    /// PEM file of the cluster's CA.
    #[serde(default)]
    pub ca_bundle: Option<PathBuf>,
    /// Only this namespace (Tutor's `K8S_NAMESPACE`); all namespaces when absent.
    #[serde(default)]
    pub namespace: Option<String>,
    /// A saved `kubectl get … -o json` (a v1 List) instead of the API.
    #[serde(default)]
    pub file: Option<PathBuf>,
}

impl Collector for Config {
    const KIND: &'static str = "kubernetes";

    fn resolve_paths(&mut self, resolve: &dyn Fn(&Path) -> PathBuf) {
        super::resolve_path(&mut self.file, resolve);
        super::resolve_path(&mut self.ca_bundle, resolve);
    }

    fn credential_vars(&self) -> Vec<(&'static str, &str)> {
        self.token_env
            .iter()
            .map(|v| ("token_env", v.as_str()))
            .collect()
    }

    fn origin(&self) -> String {
        match (&self.file, &self.api_server) {
            (Some(f), _) => f.display().to_string(),
            (None, Some(s)) => crate::normalize::safe_url(s),
            (None, None) => "in-cluster service account".into(),
        }
    }

    fn covers(&self) -> Vec<String> {
        vec![
            "/services".into(),
            "/kubernetes".into(),
            "/security/ingress_tls".into(),
            "/jobs".into(),
            "/backups".into(),
            "/monitoring/prometheus".into(),
            "/celery".into(),
        ]
    }

    async fn collect(&self, ctx: &Context) -> Result<Collected, SourceError> {
        collect(self, ctx).await
    }
}

/// Reads the objects (API or file) and writes the surface.
async fn collect(config: &Config, ctx: &Context) -> Result<Collected, SourceError> {
    let mut notes = Vec::new();
    let mut pods_unread = None;
    let objects = match &config.file {
        Some(path) => {
            let p = path.clone();
            let text = tokio::task::spawn_blocking(move || read_file(&p))
                .await
                .map_err(|e| SourceError::Failed(super::crashed("kubernetes", e)))??;
            let doc: Value = parse_json(path, &text)?;
            objects_from_document(&doc).map_err(|e| Error::invalid(path, e))?
        }
        None => from_api(config, ctx, &mut notes, &mut pods_unread).await?,
    };
    Ok(Collected {
        surface: topology_surface(&objects, pods_unread.as_deref()),
        covers: config.covers(),
        notes,
        ..Default::default()
    })
}

/// One object with its kind (list items from the API carry none of their own).
#[derive(Debug, Clone)]
pub struct Object {
    pub kind: String,
    pub value: Value,
}

impl Object {
    fn meta(&self, key: &str) -> Option<&str> {
        self.value.get("metadata")?.get(key)?.as_str()
    }
    fn name(&self) -> &str {
        self.meta("name").unwrap_or("")
    }
    fn namespace(&self) -> &str {
        self.meta("namespace").unwrap_or("default")
    }
    fn spec(&self, key: &str) -> Option<&Value> {
        self.value.get("spec")?.get(key)
    }
}

/// Objects of a `kubectl get -o json` document: a `List` of typed items, a typed list
/// (`DeploymentList`, items without kind), or one object.
pub fn objects_from_document(doc: &Value) -> Result<Vec<Object>, String> {
    let kind = doc
        .get("kind")
        .and_then(Value::as_str)
        .ok_or("expected a Kubernetes object or List with a `kind`")?;
    let Some(items) = doc.get("items") else {
        return Ok(vec![Object {
            kind: kind.to_string(),
            value: doc.clone(),
        }]);
    };
    let items = items.as_array().ok_or("`items` is not an array")?;
    let list_kind = kind.strip_suffix("List").filter(|k| !k.is_empty());
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let kind = item
            .get("kind")
            .and_then(Value::as_str)
            .or(list_kind)
            .ok_or_else(|| format!("items[{i}] has no kind"))?;
        out.push(Object {
            kind: kind.to_string(),
            value: item.clone(),
        });
    }
    Ok(out)
}

/// Where and how to reach the API server.
struct Api {
    base: String,
    token: Option<String>,
    http: Http,
    namespace: Option<String>,
}

fn api(config: &Config, ctx: &Context) -> Result<Api, SourceError> {
    let (base, token, ca, namespace) = match &config.api_server {
        Some(server) => {
            let token = match &config.token_env {
                Some(var) => Some(endpoint::required_var(&config.origin(), "token_env", var)?),
                None => None,
            };
            (
                server.trim_end_matches('/').to_string(),
                token,
                config.ca_bundle.clone(),
                config.namespace.clone(),
            )
        }
        None => {
            let (Ok(host), Ok(port)) = (
                std::env::var("KUBERNETES_SERVICE_HOST"),
                std::env::var("KUBERNETES_SERVICE_PORT"),
            ) else {
                return Err(SourceError::Input(Error::Usage(
                    "kubernetes source: no api_server or file, and not running inside a cluster (KUBERNETES_SERVICE_HOST is not set)".into(),
                )));
            };
            let sa = Path::new(SERVICE_ACCOUNT);
            let token = match &config.token_env {
                Some(var) => endpoint::required_var(&config.origin(), "token_env", var)?,
                None => read_file(&sa.join("token"))?.trim().to_string(),
            };
            let namespace = config.namespace.clone().or_else(|| {
                read_file(&sa.join("namespace"))
                    .ok()
                    .map(|s| s.trim().to_string())
            });
            let host = if host.contains(':') {
                format!("[{host}]")
            } else {
                host
            };
            (
                format!("https://{host}:{port}"),
                Some(token),
                Some(config.ca_bundle.clone().unwrap_or(sa.join("ca.crt"))),
                namespace,
            )
        }
    };
    let per_request = call_deadline(ctx.timeout);
    let options = http::Options {
        request_timeout: per_request,
        connect_timeout: per_request,
        ca_bundle: ca.as_deref(),
        holder: "the API server",
    };
    Ok(Api {
        base,
        token,
        http: Http::new(&options, ctx.timeout)?,
        namespace,
    })
}

async fn from_api(
    config: &Config,
    ctx: &Context,
    notes: &mut Vec<String>,
    pods_unread: &mut Option<String>,
) -> Result<Vec<Object>, SourceError> {
    let api = api(config, ctx)?;
    let mut out = Vec::new();
    let required = RESOURCES.iter().map(|r| (r, false));
    let optional = OPTIONAL_RESOURCES.iter().map(|r| (r, true));
    for ((kind, group, plural), optional) in required.chain(optional) {
        let path = match &api.namespace {
            Some(ns) => format!("{group}/namespaces/{ns}/{plural}"),
            None => format!("{group}/{plural}"),
        };
        let listed = list_all(&api, &path, optional).await;
        let listed = match listed {
            Err(why) if *kind == POD => {
                notes.push(format!("image digests unknown: {why}"));
                *pods_unread = Some(why);
                continue;
            }
            other => other.map_err(SourceError::Failed)?,
        };
        let Some(items) = listed else {
            notes.push(format!(
                "{kind} ({}): not installed in this cluster",
                group.trim_start_matches("/apis/")
            ));
            continue;
        };
        for mut item in items {
            if *kind == POD {
                item = pod_digest_fields(item);
            }
            out.push(Object {
                kind: kind.to_string(),
                value: item,
            });
        }
    }
    Ok(out)
}

/// Follows `metadata.continue` until the list is complete; `None` when an `optional`
/// resource's API group is not served (404).
async fn list_all(api: &Api, path: &str, optional: bool) -> Result<Option<Vec<Value>>, String> {
    let shown = crate::normalize::safe_url(&format!("{}{path}", api.base));
    let mut url = Url::parse(&format!("{}{path}", api.base))
        .map_err(|e| format!("GET {shown}: not a URL: {e}"))?;
    let mut headers = HeaderMap::new();
    if let Some(bearer) = &api.token {
        let mut value = HeaderValue::from_str(&format!("Bearer {bearer}")).map_err(|_| {
            format!("GET {shown}: the token is not a valid header value (check token_env)")
        })?;
        value.set_sensitive(true);
        headers.insert(AUTHORIZATION, value);
    }
    let mut items = Vec::new();
    let mut token: Option<String> = None;
    // A server that keeps handing out continue tokens must not keep us forever.
    for _ in 0..10_000 {
        {
            let mut query = url.query_pairs_mut();
            query.clear().append_pair("limit", &PAGE.to_string());
            if let Some(t) = &token {
                query.append_pair("continue", t);
            }
        }
        let reply = api.http.get(&url, headers.clone(), false).await?;
        let status = reply.status;
        if optional && status.as_u16() == 404 {
            return Ok(None);
        }
        if !status.is_success() {
            let message = serde_json::from_slice::<Value>(&reply.body)
                .ok()
                .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string));
            let why = match status.as_u16() {
                401 => "the API server refused the credentials (401 Unauthorized): check token_env or the service account token".to_string(),
                403 => format!(
                    "the account may not list this resource (403 Forbidden; it needs RBAC get/list){}",
                    message.map(|m| format!(": {}", crate::error::one_line(&m))).unwrap_or_default()
                ),
                _ => format!(
                    "answered {}{}",
                    http::status_text(status),
                    message.map(|m| format!(": {}", crate::error::one_line(&m))).unwrap_or_default()
                ),
            };
            return Err(format!("GET {shown}: {why}"));
        }
        let list: Value = serde_json::from_slice(&reply.body).map_err(|e| {
            format!(
                "GET {shown}: not a Kubernetes list: malformed JSON at line {} column {}",
                e.line(),
                e.column()
            )
        })?;
        match list.get("items") {
            Some(Value::Array(a)) => items.extend(a.iter().cloned()),
            Some(Value::Null) | None => {}
            Some(_) => {
                return Err(format!("GET {shown}: `items` is not an array"));
            }
        }
        token = list
            .get("metadata")
            .and_then(|m| m.get("continue"))
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        if token.is_none() {
            return Ok(Some(items));
        }
    }
    Err(format!("{path}: the list did not end after 10000 pages"))
}

/// Only what the digests need of a Pod (a cluster's Pods are many and large): its owner,
/// its template hash and its containers' statuses.
fn pod_digest_fields(pod: Value) -> Value {
    let mut keep = json!({});
    for pointer in [
        "/metadata/name",
        "/metadata/namespace",
        "/metadata/ownerReferences",
        "/metadata/labels/pod-template-hash",
        "/status/containerStatuses",
        "/status/initContainerStatuses",
    ] {
        if let Some(v) = pod.pointer(pointer) {
            surface::set_pointer(&mut keep, pointer, v.clone());
        }
    }
    keep
}

/// The surface of a set of objects (see the module documentation for the layout);
/// `pods_unread` says why the Pods, and so the digests, could not be read.
pub fn topology_surface(objects: &[Object], pods_unread: Option<&str>) -> Value {
    let mut root = surface::empty();
    let workloads: Vec<&Object> = objects
        .iter()
        .filter(|o| matches!(o.kind.as_str(), "Deployment" | "StatefulSet"))
        .collect();
    // A name used in two namespaces is keyed `<ns>/<name>` so neither hides the other.
    let mut namespaces_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for o in objects
        .iter()
        .filter(|o| matches!(o.kind.as_str(), "Deployment" | "StatefulSet" | "Service"))
    {
        namespaces_of
            .entry(o.name())
            .or_default()
            .insert(o.namespace());
    }
    let service_key = |ns: &str, name: &str| -> String {
        if namespaces_of.get(name).is_some_and(|s| s.len() > 1) {
            format!("{ns}/{name}")
        } else {
            name.to_string()
        }
    };
    let mut pods_of: BTreeMap<(&str, &str, String), Vec<&Object>> = BTreeMap::new();
    for pod in objects.iter().filter(|o| o.kind == POD) {
        if let Some((kind, name)) = workloads::owner_workload(&pod.value) {
            pods_of
                .entry((kind, pod.namespace(), name))
                .or_default()
                .push(pod);
        }
    }
    let mut celery = Vec::new();
    let mut services = Map::new();
    let mut inventory: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let mut put = |kind: &str, ns: &str, name: &str, v: Value| {
        let by_ns = inventory.entry(kind.to_string()).or_default();
        let slot = by_ns
            .entry(ns.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(m) = slot {
            m.insert(name.to_string(), v);
        }
    };

    for o in &workloads {
        // spec.replicas absent means 1 (the API server defaults it; manifests omit it).
        let replicas = o.spec("replicas").and_then(Value::as_u64).unwrap_or(1);
        let ready = o
            .value
            .get("status")
            .and_then(|s| s.get("readyReplicas"))
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let s = service(&mut services, service_key(o.namespace(), o.name()));
        s.insert("kind".into(), json!(o.kind));
        s.insert("replicas".into(), json!(replicas));
        s.insert("probes".into(), workloads::probes(&o.value));
        let mut running = workloads::RunningDigests::default();
        for pod in pods_of.get(&(o.kind.as_str(), o.namespace(), o.name().to_string())).into_iter().flatten() {
            running.add_pod(&pod.value);
        }
        let (images, mixed) = running.pin(workloads::images(&o.value));
        if !images.is_empty() {
            s.insert("images".into(), Value::Object(images));
        }
        let digests_unknown = match (pods_unread, mixed.is_empty()) {
            (Some(why), _) => Some(format!("image digests: {why}")),
            (None, false) => Some(format!(
                "image digests: the pods of {} run different builds of {} (a rollout in progress?)",
                o.name(),
                mixed.join(", ")
            )),
            (None, true) => None,
        };
        if let Some(why) = digests_unknown {
            s.insert("image_digests".into(), surface::unknown(why));
        }
        celery.extend(
            workloads::celery_workers(&o.value)
                .into_iter()
                .map(|w| (replicas, w)),
        );
        if o.value.get("status").is_some() {
            s.insert("ready_replicas".into(), json!(ready));
        }
        put(
            &o.kind,
            o.namespace(),
            o.name(),
            json!({"replicas": replicas, "ready_replicas": ready}),
        );
    }

    for o in objects
        .iter()
        .filter(|o| o.kind == "HorizontalPodAutoscaler")
    {
        let min = o.spec("minReplicas").and_then(Value::as_u64).unwrap_or(1);
        let max = o.spec("maxReplicas").and_then(Value::as_u64);
        let target = o.spec("scaleTargetRef");
        let t_kind = target
            .and_then(|t| t.get("kind"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let t_name = target
            .and_then(|t| t.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let mut hpa = Map::new();
        hpa.insert("min_replicas".into(), json!(min));
        if let Some(max) = max {
            hpa.insert("max_replicas".into(), json!(max));
        }
        if !t_name.is_empty() {
            service(&mut services, service_key(o.namespace(), t_name))
                .insert("hpa".into(), Value::Object(hpa.clone()));
        }
        hpa.insert("target".into(), json!(format!("{t_kind}/{t_name}")));
        put(&o.kind, o.namespace(), o.name(), Value::Object(hpa));
    }

    for o in objects.iter().filter(|o| o.kind == "PodDisruptionBudget") {
        let mut pdb = Map::new();
        for (k, key) in [
            ("minAvailable", "min_available"),
            ("maxUnavailable", "max_unavailable"),
        ] {
            if let Some(v) = o.spec(k) {
                pdb.insert(key.into(), v.clone());
            }
        }
        let selector = o
            .spec("selector")
            .and_then(|s| s.get("matchLabels"))
            .and_then(Value::as_object);
        let mut targets = Vec::new();
        if let Some(sel) = selector.filter(|s| !s.is_empty()) {
            for w in workloads.iter().filter(|w| w.namespace() == o.namespace()) {
                let labels = w
                    .spec("template")
                    .and_then(|t| t.get("metadata"))
                    .and_then(|m| m.get("labels"))
                    .and_then(Value::as_object);
                if labels.is_some_and(|l| sel.iter().all(|(k, v)| l.get(k) == Some(v))) {
                    targets.push(service_key(w.namespace(), w.name()));
                }
            }
        }
        for t in &targets {
            service(&mut services, t.clone()).insert("pdb".into(), Value::Object(pdb.clone()));
        }
        put(&o.kind, o.namespace(), o.name(), Value::Object(pdb));
    }

    for o in objects.iter().filter(|o| o.kind == "Service") {
        let kind = o
            .spec("type")
            .and_then(Value::as_str)
            .unwrap_or("ClusterIP");
        let s = service(&mut services, service_key(o.namespace(), o.name()));
        s.insert("service_type".into(), json!(kind));
        s.insert("load_balancer".into(), json!(kind == "LoadBalancer"));
        put(&o.kind, o.namespace(), o.name(), json!({"type": kind}));
    }

    let mut ingress_hosts = 0usize;
    let mut ingress_tls_hosts = 0usize;
    for o in objects.iter().filter(|o| o.kind == "Ingress") {
        let tls: BTreeSet<&str> = o
            .spec("tls")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .flat_map(|t| {
                t.get("hosts")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
            })
            .filter_map(Value::as_str)
            .collect();
        let mut hosts = Map::new();
        for rule in o
            .spec("rules")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(h) = rule.get("host").and_then(Value::as_str) {
                let covered = tls.contains(h) || wildcard_covers(&tls, h);
                ingress_hosts += 1;
                ingress_tls_hosts += usize::from(covered);
                hosts.insert(h.to_string(), json!({"tls": covered}));
            }
        }
        put(&o.kind, o.namespace(), o.name(), json!({"hosts": hosts}));
    }

    let mut jobs = Map::new();
    let mut backups = Map::new();
    let mut rules = Map::new();
    let mut monitors = Map::new();
    for o in objects {
        match o.kind.as_str() {
            // batch/v1 CronJob: a job that stops running (suspended) is a capability lost.
            "CronJob" => {
                let active = !o.spec("suspend").and_then(Value::as_bool).unwrap_or(false);
                jobs.insert(
                    o.name().to_string(),
                    json!({"schedule": o.spec("schedule"), "active": active}),
                );
            }
            // velero.io/v1 Schedule: `paused` stops the backups.
            "Schedule" => {
                let active = !o.spec("paused").and_then(Value::as_bool).unwrap_or(false);
                backups.insert(
                    o.name().to_string(),
                    json!({"schedule": o.spec("schedule"), "active": active}),
                );
            }
            // keda.sh/v1alpha1 ScaledObject: bounds default to 0 and 100.
            "ScaledObject" => {
                let target = o
                    .spec("scaleTargetRef")
                    .and_then(|t| t.get("name"))
                    .and_then(Value::as_str)
                    .unwrap_or(o.name());
                let min = o.spec("minReplicaCount").and_then(Value::as_u64).unwrap_or(0);
                let max = o.spec("maxReplicaCount").and_then(Value::as_u64).unwrap_or(100);
                service(&mut services, service_key(o.namespace(), target)).insert(
                    "keda".into(),
                    json!({"min_replicas": min, "max_replicas": max}),
                );
            }
            // monitoring.coreos.com/v1: alerting and recording rules, scrape targets.
            "PrometheusRule" => {
                let count: usize = o
                    .spec("groups")
                    .and_then(Value::as_array)
                    .map(|gs| {
                        gs.iter()
                            .filter_map(|g| g.get("rules").and_then(Value::as_array))
                            .map(Vec::len)
                            .sum()
                    })
                    .unwrap_or(0);
                rules.insert(o.name().to_string(), json!({"rules": count}));
            }
            "ServiceMonitor" => {
                let endpoints = o
                    .spec("endpoints")
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len);
                monitors.insert(o.name().to_string(), json!({"endpoints": endpoints}));
            }
            _ => {}
        }
    }
    // Only what exists: an environment without them has nothing there, and one with
    // them is compared key by key.
    for (pointer, map) in [
        ("/jobs", jobs),
        ("/backups/velero", backups),
        ("/monitoring/prometheus/rules", rules),
        ("/monitoring/prometheus/service_monitors", monitors),
    ] {
        if !map.is_empty() {
            surface::set_pointer(&mut root, pointer, Value::Object(map));
        }
    }

    let celery = workloads::celery_surface(&celery);
    if !celery.is_empty() {
        surface::set_pointer(&mut root, "/celery", Value::Object(celery));
    }
    if !services.is_empty() || objects.is_empty() {
        surface::set_pointer(&mut root, "/services", Value::Object(services));
    }
    let inv: Map<String, Value> = inventory
        .into_iter()
        .map(|(k, v)| (k, Value::Object(v)))
        .collect();
    surface::set_pointer(&mut root, "/kubernetes", Value::Object(inv));
    if ingress_hosts > 0 {
        surface::set_pointer(
            &mut root,
            "/security/ingress_tls",
            json!(ingress_tls_hosts == ingress_hosts),
        );
    }
    root
}

/// The object of one service, made if absent.
fn service(services: &mut Map<String, Value>, key: String) -> &mut Map<String, Value> {
    let v = services
        .entry(key)
        .or_insert_with(|| Value::Object(Map::new()));
    if !v.is_object() {
        *v = Value::Object(Map::new());
    }
    match v {
        Value::Object(m) => m,
        _ => unreachable!("made an object just above"),
    }
}

/// `*.example.org` in a TLS entry covers `lms.example.org` (one label, as in X.509).
fn wildcard_covers(tls: &BTreeSet<&str>, host: &str) -> bool {
    host.split_once('.')
        .is_some_and(|(_, rest)| tls.contains(format!("*.{rest}").as_str()))
}
