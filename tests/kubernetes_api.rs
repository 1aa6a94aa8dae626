//! The kubernetes collector against a loopback API server that answers in the real
//! shapes: typed lists (`DeploymentList` … items without kind/apiVersion, as the API
//! server sends them) paged with `metadata.continue`, `Status` objects for 401 and 403.
//! The objects come from tests/fixtures/kubernetes/*-list.json (the `kubectl get
//! deploy,statefulset,hpa,pdb,ingress,svc -o json` shape), so the API path and the file
//! path are checked to give the same surface.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use envparity::collect::kubernetes::{OPTIONAL_RESOURCES, RESOURCES};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use tempfile::TempDir;

const GOOD_TOKEN: &str = "k8s-good-token-0f3a";
const LIMITED_TOKEN: &str = "k8s-limited-token-77c1";
/// An account whose RBAC role lists workloads but not Pods.
const NO_PODS_TOKEN: &str = "k8s-no-pods-token-5e20";
/// Items per page the test server hands out, whatever `limit` asks: the API server may
/// return fewer items than the limit, and the client must follow `continue`.
const SERVER_PAGE: usize = 2;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/kubernetes")
        .join(name)
}

#[derive(Clone)]
struct Api {
    objects: Arc<Vec<Value>>,
    requests: Arc<Mutex<Vec<String>>>,
}

fn status(code: u16, reason: &str, message: &str) -> Response {
    let body = json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {},
        "status": "Failure", "message": message, "reason": reason, "code": code
    });
    (
        StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        axum::Json(body),
    )
        .into_response()
}

async fn serve_list(
    State(api): State<Api>,
    uri: Uri,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    api.requests
        .lock()
        .map(|mut r| r.push(uri.to_string()))
        .ok();
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let token = auth.strip_prefix("Bearer ").unwrap_or("");
    if ![GOOD_TOKEN, LIMITED_TOKEN, NO_PODS_TOKEN].contains(&token) {
        return status(401, "Unauthorized", "Unauthorized");
    }
    let segs: Vec<&str> = uri.path().trim_start_matches('/').split('/').collect();
    let (group_version, plural, namespace) = match segs.as_slice() {
        ["api", "v1", "namespaces", ns, plural] => ("v1".to_string(), *plural, Some(*ns)),
        ["apis", g, v, "namespaces", ns, plural] => (format!("{g}/{v}"), *plural, Some(*ns)),
        ["api", "v1", plural] => ("v1".to_string(), *plural, None),
        ["apis", g, v, plural] => (format!("{g}/{v}"), *plural, None),
        _ => {
            return status(
                404,
                "NotFound",
                "the server could not find the requested resource",
            );
        }
    };
    // The kinds the source asks for, by their list paths' last segment. A custom
    // resource is served only where the fixture's cluster has it installed.
    let known = |list: &[(&'static str, &str, &str)]| {
        list.iter()
            .find(|(_, _, p)| *p == plural)
            .map(|(kind, _, _)| *kind)
    };
    let not_found = || {
        status(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )
    };
    let kind = match (known(&RESOURCES), known(&OPTIONAL_RESOURCES)) {
        (Some(kind), _) => kind,
        (None, Some(kind)) if api.objects.iter().any(|o| o["kind"] == kind) => kind,
        _ => return not_found(),
    };
    if token == LIMITED_TOKEN && plural == "horizontalpodautoscalers" {
        return status(
            403,
            "Forbidden",
            &format!(
                "horizontalpodautoscalers.autoscaling is forbidden: User \"system:serviceaccount:openedx:envparity\" cannot list resource \"horizontalpodautoscalers\" in API group \"autoscaling\" in the namespace \"{}\"",
                namespace.unwrap_or("")
            ),
        );
    }
    if token == NO_PODS_TOKEN && plural == "pods" {
        return status(
            403,
            "Forbidden",
            &format!(
                "pods is forbidden: User \"system:serviceaccount:openedx:envparity\" cannot list resource \"pods\" in API group \"\" in the namespace \"{}\"",
                namespace.unwrap_or("")
            ),
        );
    }
    let items: Vec<Value> = api
        .objects
        .iter()
        .filter(|o| o["kind"] == kind)
        .filter(|o| namespace.is_none_or(|ns| o["metadata"]["namespace"] == ns))
        .map(|o| {
            let mut o = o.clone();
            if let Some(m) = o.as_object_mut() {
                m.remove("kind");
                m.remove("apiVersion");
            }
            o
        })
        .collect();
    let start = match q.get("continue") {
        None => 0,
        Some(t) => match t.strip_prefix("opaque-").and_then(|n| n.parse().ok()) {
            Some(n) => n,
            None => return status(410, "Expired", "The provided continue parameter is too old"),
        },
    };
    let end = (start + SERVER_PAGE).min(items.len());
    let mut metadata = json!({"resourceVersion": "48213"});
    if end < items.len() {
        metadata["continue"] = json!(format!("opaque-{end}"));
        metadata["remainingItemCount"] = json!(items.len() - end);
    }
    axum::Json(json!({
        "kind": format!("{kind}List"),
        "apiVersion": group_version,
        "metadata": metadata,
        "items": items.get(start..end).unwrap_or(&[]),
    }))
    .into_response()
}

/// The API of the objects in a fixture list.
fn api_of(list: &str) -> Api {
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture(list)).expect("fixture"))
            .expect("fixture JSON");
    Api {
        objects: Arc::new(doc["items"].as_array().cloned().unwrap_or_default()),
        requests: Arc::new(Mutex::new(Vec::new())),
    }
}

/// Starts the API server on a loopback port in its own thread and runtime.
fn spawn_api(list: &str) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let api = api_of(list);
    let requests = api.requests.clone();
    let app = Router::new().fallback(serve_list).with_state(api);
    (serve(app), requests)
}

/// Serves `app` on a loopback port in its own thread and runtime.
fn serve(app: Router) -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            tx.send(listener.local_addr().expect("addr")).ok();
            axum::serve(listener, app).await.ok();
        });
    });
    rx.recv().expect("server address")
}

fn write_config(dir: &Path, staging: &str, production: &str) -> PathBuf {
    let p = dir.join("envparity.toml");
    std::fs::write(
        &p,
        format!("[staging]\n{staging}\n[production]\n{production}\n"),
    )
    .expect("write");
    p
}

fn envparity(args: &[&str], envs: &[(&str, &str)]) -> (i32, String, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_envparity"));
    // A key of its own: the run never reads or makes the user's key file.
    c.args(args)
        .env("ENVPARITY_FINGERPRINT_KEY", "kubernetes tests");
    for (k, v) in envs {
        c.env(k, v);
    }
    let out = c.output().expect("running envparity");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn class_at<'a>(report: &'a Value, path: &str) -> Option<&'a str> {
    report["findings"]
        .as_array()?
        .iter()
        .find(|f| f["path"] == path)
        .and_then(|f| f["class"].as_str())
}

fn api_section(addr: SocketAddr, token_env: &str) -> String {
    format!(
        "[[production.kubernetes]]\napi_server = \"http://{addr}\"\ntoken_env = \"{token_env}\"\nnamespace = \"openedx\"\n"
    )
}

#[test]
fn custom_resources_a_cluster_lacks_are_not_installed_never_unknown() {
    // Staging's API server serves no velero.io, keda.sh or monitoring.coreos.com group.
    let (addr, requests) = spawn_api("staging-list.json");
    let dir = TempDir::new().expect("temp dir");
    let config = write_config(
        dir.path(),
        &format!(
            "[[staging.kubernetes]]\napi_server = \"http://{addr}\"\ntoken_env = \"STAGING_K8S_TOKEN\"\nnamespace = \"openedx-staging\"\n"
        ),
        &format!(
            "[[production.kubernetes]]\nfile = \"{}\"\n",
            fixture("production-list.json").display()
        ),
    );
    let (code, stdout, stderr) = envparity(
        &[
            "check",
            "--config",
            config.to_str().unwrap_or_default(),
            "--format",
            "json",
        ],
        &[("STAGING_K8S_TOKEN", GOOD_TOKEN)],
    );
    assert_eq!(code, 1, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("JSON report");
    assert_eq!(report["summary"]["unknown"], 0, "{stdout}");
    assert_eq!(class_at(&report, "/backups"), Some("reduced"), "{stdout}");
    assert_eq!(
        class_at(&report, "/monitoring"),
        Some("reduced"),
        "{stdout}"
    );
    assert_eq!(
        class_at(&report, "/services/lms-worker/keda"),
        Some("reduced")
    );
    let notes = report["sources"]["staging"]["kubernetes"]["notes"].to_string();
    assert!(
        notes.contains("Schedule (velero.io/v1): not installed"),
        "{stdout}"
    );
    let seen = requests.lock().map(|r| r.clone()).unwrap_or_default();
    assert!(
        seen.iter().any(|u| u.contains("/apis/velero.io/v1/")),
        "{seen:?}"
    );
}

#[test]
fn scaled_down_staging_cluster_is_reduced_against_the_api_server() {
    let (addr, requests) = spawn_api("production-list.json");
    let dir = TempDir::new().expect("temp dir");
    let config = write_config(
        dir.path(),
        &format!(
            "[[staging.kubernetes]]\nfile = \"{}\"\n",
            fixture("staging-list.json").display()
        ),
        &api_section(addr, "PROD_K8S_TOKEN"),
    );
    let (code, stdout, stderr) = envparity(
        &[
            "check",
            "--config",
            config.to_str().unwrap_or_default(),
            "--format",
            "json",
        ],
        &[("PROD_K8S_TOKEN", GOOD_TOKEN)],
    );
    assert_eq!(code, 1, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("JSON report");
    for path in [
        "/services/lms/replicas",
        "/services/lms/hpa/min_replicas",
        "/services/lms/hpa/max_replicas",
        "/services/cms/hpa",
        "/services/lms/pdb",
        "/services/caddy/load_balancer",
        "/services/mongodb/replicas",
        "/services/lms/probes/readiness",
        "/services/lms/probes/liveness",
        "/jobs/mysql-backup/active",
        "/services/lms-worker/keda",
        // Velero and the Prometheus operator are not installed in staging's cluster (the
        // API answers 404 for their groups): one finding for each whole subtree.
        "/backups",
        "/monitoring",
        "/security/ingress_tls",
        // Staging's worker consumes no high-memory queue, with one pod of two processes.
        "/celery/lms/edx.lms.core.high_mem",
        "/celery/lms/edx.lms.core.default/workers",
        "/celery/lms/edx.lms.core.default/concurrency",
    ] {
        assert_eq!(class_at(&report, path), Some("reduced"), "{path}: {stdout}");
    }
    // Both run the tag 20.0.1, but staging's LMS pods run another build of it; the CMS
    // pods run the same digest on both sides and give no finding.
    assert_eq!(
        class_at(&report, "/services/lms/images/lms"),
        Some("drift"),
        "{stdout}"
    );
    let lms_image = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["path"] == "/services/lms/images/lms")
        .map(|f| f["message"].to_string())
        .unwrap_or_default();
    assert!(
        lms_image.contains("another build of docker.io/overhangio/openedx:20.0.1"),
        "{lms_image}"
    );
    assert_eq!(class_at(&report, "/services/cms/images/cms"), None);
    assert_eq!(report["summary"]["unknown"], 0, "{stdout}");
    assert!(!stdout.contains(GOOD_TOKEN) && !stderr.contains(GOOD_TOKEN));

    // Five deployments at two a page: the client followed `continue` to the end.
    let seen = requests.lock().map(|r| r.clone()).unwrap_or_default();
    let pages: Vec<&String> = seen.iter().filter(|u| u.contains("/deployments")).collect();
    assert_eq!(pages.len(), 2, "{seen:?}");
    assert!(pages[1].contains("continue=opaque-2"), "{seen:?}");
    assert!(
        seen.iter().all(|u| u.contains("/namespaces/openedx/")),
        "{seen:?}"
    );
}

#[test]
fn api_and_saved_kubectl_output_give_the_same_surface() {
    let (addr, _) = spawn_api("production-list.json");
    let dir = TempDir::new().expect("temp dir");
    let config = write_config(
        dir.path(),
        &format!(
            "[[staging.kubernetes]]\nfile = \"{}\"\n",
            fixture("production-list.json").display()
        ),
        &api_section(addr, "PROD_K8S_TOKEN"),
    );
    let mut surfaces = Vec::new();
    for env in ["staging", "production"] {
        let out = dir.path().join(format!("{env}.json"));
        let (code, _, stderr) = envparity(
            &[
                "snapshot",
                "--env",
                env,
                "--config",
                config.to_str().unwrap_or_default(),
                "-o",
                out.to_str().unwrap_or_default(),
            ],
            &[("PROD_K8S_TOKEN", GOOD_TOKEN)],
        );
        assert_eq!(code, 0, "{stderr}");
        let snap: Value =
            serde_json::from_str(&std::fs::read_to_string(&out).expect("snapshot")).expect("JSON");
        surfaces.push(snap["surface"].clone());
    }
    assert_eq!(surfaces[0], surfaces[1]);
    let s = &surfaces[1];
    assert_eq!(s["services"]["lms"]["replicas"], 3);
    assert_eq!(s["services"]["lms"]["ready_replicas"], 3);
    assert_eq!(
        s["services"]["lms"]["hpa"],
        json!({"min_replicas": 3, "max_replicas": 8})
    );
    assert_eq!(s["services"]["lms"]["pdb"], json!({"min_available": 2}));
    assert_eq!(s["services"]["caddy"]["service_type"], "LoadBalancer");
    assert_eq!(s["services"]["mongodb"]["kind"], "StatefulSet");
    assert_eq!(s["security"]["ingress_tls"], true);
    // Digests from the Pods' status, appended to each container's image; Celery queues.
    let lms_image = s["services"]["lms"]["images"]["lms"]
        .as_str()
        .unwrap_or_default();
    assert!(
        lms_image.starts_with("docker.io/overhangio/openedx:20.0.1@sha256:"),
        "{lms_image}"
    );
    assert_eq!(
        s["celery"]["lms"]["edx.lms.core.high_mem"],
        json!({"workers": 2, "concurrency": 4})
    );
    assert_eq!(
        s["kubernetes"]["Ingress"]["openedx"]["openedx"]["hosts"]["lms.example.org"],
        json!({"tls": true})
    );
    assert_eq!(
        s["kubernetes"]["HorizontalPodAutoscaler"]["openedx"]["lms"]["target"],
        "Deployment/lms"
    );
}

fn failed_reason(token: &str) -> String {
    let (addr, _) = spawn_api("production-list.json");
    let dir = TempDir::new().expect("temp dir");
    let config = write_config(dir.path(), "", &api_section(addr, "PROD_K8S_TOKEN"));
    let out = dir.path().join("snap.json");
    let (code, _, stderr) = envparity(
        &[
            "snapshot",
            "--env",
            "production",
            "--config",
            config.to_str().unwrap_or_default(),
            "-o",
            out.to_str().unwrap_or_default(),
        ],
        &[("PROD_K8S_TOKEN", token)],
    );
    assert_eq!(code, 0, "a refused source is not bad input: {stderr}");
    let snap: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("snapshot")).expect("JSON");
    assert_eq!(snap["sources"]["kubernetes"]["status"], "failed", "{snap}");
    let reason = snap["surface"]["services"]["$unknown"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(!reason.contains(token), "the token leaked: {reason}");
    assert!(!reason.contains('\n'));
    reason
}

#[test]
fn refused_token_makes_services_unknown_with_401_reason() {
    let why = failed_reason("not-a-valid-token");
    assert!(why.contains("401 Unauthorized"), "{why}");
    assert!(why.contains("token_env"), "{why}");
}

#[test]
fn forbidden_autoscalers_make_services_unknown_with_403_reason() {
    let why = failed_reason(LIMITED_TOKEN);
    assert!(why.contains("403 Forbidden"), "{why}");
    assert!(why.contains("horizontalpodautoscalers"), "{why}");
}

#[test]
fn pods_the_account_may_not_list_leave_digests_unknown_and_the_rest_known() {
    let (addr, _) = spawn_api("production-list.json");
    let dir = TempDir::new().expect("temp dir");
    let config = write_config(
        dir.path(),
        &format!(
            "[[staging.kubernetes]]\nfile = \"{}\"\n",
            fixture("production-list.json").display()
        ),
        &api_section(addr, "PROD_K8S_TOKEN"),
    );
    let (code, stdout, stderr) = envparity(
        &[
            "check",
            "--config",
            config.to_str().unwrap_or_default(),
            "--format",
            "json",
        ],
        &[("PROD_K8S_TOKEN", NO_PODS_TOKEN)],
    );
    // Fail closed: the build production runs could not be seen.
    assert_eq!(code, 1, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("JSON report");
    assert_eq!(
        class_at(&report, "/services/lms/image_digests"),
        Some("unknown"),
        "{stdout}"
    );
    let unknown: Vec<&str> = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["class"] == "unknown")
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert!(
        unknown.iter().all(|p| p.ends_with("/image_digests")),
        "only the digests are unknown: {unknown:?}"
    );
    assert_eq!(report["summary"]["reduced"], 0, "{stdout}");
    let notes = report["sources"]["production"]["kubernetes"]["notes"].to_string();
    assert!(
        notes.contains("image digests unknown") && notes.contains("403 Forbidden"),
        "{notes}"
    );
    assert_eq!(
        report["sources"]["production"]["kubernetes"]["status"], "ok",
        "{stdout}"
    );
}

#[test]
fn unset_token_variable_is_bad_input() {
    let (addr, _) = spawn_api("production-list.json");
    let dir = TempDir::new().expect("temp dir");
    let config = write_config(
        dir.path(),
        "",
        &api_section(addr, "ENVPARITY_TEST_UNSET_TOKEN"),
    );
    let out = dir.path().join("snap.json");
    let (code, _, stderr) = envparity(
        &[
            "snapshot",
            "--env",
            "production",
            "--config",
            config.to_str().unwrap_or_default(),
            "-o",
            out.to_str().unwrap_or_default(),
        ],
        &[],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("ENVPARITY_TEST_UNSET_TOKEN"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

/// An API server behind a proxy that is briefly unavailable: the first request gets a
/// 503 that says when to come back.
#[derive(Clone)]
struct Unavailable {
    api: Api,
    refused: Arc<Mutex<bool>>,
}

async fn serve_after_503(
    State(u): State<Unavailable>,
    uri: Uri,
    headers: HeaderMap,
    query: Query<HashMap<String, String>>,
) -> Response {
    let first = u
        .refused
        .lock()
        .map(|mut r| !std::mem::replace(&mut *r, true));
    if first.unwrap_or(false) {
        u.api
            .requests
            .lock()
            .map(|mut r| r.push(format!("503 {uri}")))
            .ok();
        let mut r = status(503, "ServiceUnavailable", "the server is restarting");
        r.headers_mut()
            .insert("retry-after", axum::http::HeaderValue::from_static("2"));
        return r;
    }
    serve_list(State(u.api), uri, headers, query).await
}

fn snapshot_of_production(addr: SocketAddr, dir: &Path) -> (i32, Value, String) {
    let config = write_config(dir, "", &api_section(addr, "PROD_K8S_TOKEN"));
    let out = dir.join("snap.json");
    let (code, _, stderr) = envparity(
        &[
            "snapshot",
            "--env",
            "production",
            "--config",
            config.to_str().unwrap_or_default(),
            "-o",
            out.to_str().unwrap_or_default(),
        ],
        &[("PROD_K8S_TOKEN", GOOD_TOKEN)],
    );
    let snap = std::fs::read_to_string(&out)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    (code, snap, stderr)
}

#[test]
fn api_server_503_is_retried_after_its_retry_after() {
    let api = api_of("production-list.json");
    let requests = api.requests.clone();
    let app = Router::new()
        .fallback(serve_after_503)
        .with_state(Unavailable {
            api,
            refused: Arc::new(Mutex::new(false)),
        });
    let addr = serve(app);
    let dir = TempDir::new().expect("temp dir");
    let started = std::time::Instant::now();
    let (code, snap, stderr) = snapshot_of_production(addr, dir.path());
    let took = started.elapsed();
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(snap["sources"]["kubernetes"]["status"], "ok", "{snap}");
    assert_eq!(snap["surface"]["services"]["lms"]["replicas"], 3, "{snap}");
    let seen = requests.lock().map(|r| r.clone()).unwrap_or_default();
    // The refused request was asked again: the same page, after the 503.
    assert!(seen[0].starts_with("503 "), "{seen:?}");
    assert_eq!(seen[0].trim_start_matches("503 "), seen[1], "{seen:?}");
    // Retry-After said 2 s; the backoff alone would have waited well under one.
    assert!(took >= std::time::Duration::from_secs(2), "{took:?}");
}

#[test]
fn api_server_body_over_the_cap_is_an_error_not_a_truncation() {
    // A list padded past the 16 MiB cap, as a runaway or hostile server might send.
    let huge = format!(
        "{{\"kind\": \"DeploymentList\", \"items\": [], \"pad\": \"{}\"}}",
        "x".repeat(17 * 1024 * 1024)
    );
    let app = Router::new().fallback(move || {
        let body = huge.clone();
        async move { body }
    });
    let addr = serve(app);
    let dir = TempDir::new().expect("temp dir");
    let (code, snap, stderr) = snapshot_of_production(addr, dir.path());
    assert_eq!(code, 0, "a refused source is not bad input: {stderr}");
    assert_eq!(snap["sources"]["kubernetes"]["status"], "failed", "{snap}");
    let why = snap["surface"]["services"]["$unknown"]
        .as_str()
        .unwrap_or_default();
    assert!(why.contains("larger than 16 MiB"), "{why}");
    assert!(why.contains("/deployments"), "{why}");
}
