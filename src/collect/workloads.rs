//! What a workload's pod template says, read the same way from the Kubernetes API, saved
//! `kubectl` output and Tutor's rendered manifests: its probes, the images of its
//! containers (with the digest the pods actually run, where pods were read) and the Celery
//! queues its workers consume.

use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The containers of a workload's pod template: init containers first, as they run.
pub fn template_containers(workload: &Value) -> impl Iterator<Item = &Value> {
    ["initContainers", "containers"]
        .into_iter()
        .filter_map(|k| workload.pointer(&format!("/spec/template/spec/{k}")))
        .chain(
            // A CronJob's pods are one level further down.
            ["initContainers", "containers"]
                .into_iter()
                .filter_map(|k| {
                    workload.pointer(&format!("/spec/jobTemplate/spec/template/spec/{k}"))
                }),
        )
        .filter_map(Value::as_array)
        .flatten()
}

/// Which probes the containers of a workload's pod template declare: without a readiness
/// probe a pod takes traffic before it can serve it, without a liveness probe a hung one
/// is never restarted.
pub fn probes(workload: &Value) -> Value {
    let containers = workload
        .pointer("/spec/template/spec/containers")
        .and_then(Value::as_array);
    let has = |key: &str| containers.is_some_and(|cs| cs.iter().any(|c| c.get(key).is_some()));
    json!({
        "readiness": has("readinessProbe"),
        "liveness": has("livenessProbe"),
        "startup": has("startupProbe"),
    })
}

/// The image each container of the template names, by container name.
pub fn images(workload: &Value) -> BTreeMap<String, String> {
    template_containers(workload)
        .filter_map(|c| {
            let name = c.get("name")?.as_str()?;
            let image = c.get("image")?.as_str()?;
            Some((name.to_string(), image.to_string()))
        })
        .collect()
}

/// The content digest in a container status's `imageID`, whatever the runtime wrote
/// around it: `docker-pullable://repo@sha256:…` (dockershim), `docker.io/repo@sha256:…`
/// (containerd, CRI-O) or a bare `sha256:…` (an image known only locally).
pub fn digest_of_image_id(image_id: &str) -> Option<&str> {
    let start = image_id.rfind("sha256:")?;
    let digest = &image_id[start..];
    let hex = &digest["sha256:".len()..];
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some(digest)
}

/// Splits `repo:tag@sha256:…` into the reference and its digest.
pub fn split_digest(image: &str) -> (&str, Option<&str>) {
    match image.rsplit_once('@') {
        Some((reference, digest)) if digest_of_image_id(digest) == Some(digest) => {
            (reference, Some(digest))
        }
        _ => (image, None),
    }
}

/// The digests the pods of one workload run, per container: every pod's status adds its
/// containers' digests, so a workload mid-rollout shows more than one.
#[derive(Debug, Default)]
pub struct RunningDigests {
    by_container: BTreeMap<String, BTreeSet<String>>,
}

impl RunningDigests {
    /// Adds the container statuses of one pod (`status.containerStatuses` and
    /// `status.initContainerStatuses`).
    pub fn add_pod(&mut self, pod: &Value) {
        for key in ["initContainerStatuses", "containerStatuses"] {
            let statuses = pod
                .pointer(&format!("/status/{key}"))
                .and_then(Value::as_array);
            for s in statuses.into_iter().flatten() {
                let name = s.get("name").and_then(Value::as_str);
                let digest = s
                    .get("imageID")
                    .and_then(Value::as_str)
                    .and_then(digest_of_image_id);
                if let (Some(name), Some(digest)) = (name, digest) {
                    self.by_container
                        .entry(name.to_string())
                        .or_default()
                        .insert(digest.to_string());
                }
            }
        }
    }

    /// The images of a workload with the digest its pods run appended (`repo:tag@sha256:…`)
    /// where every pod runs the same one; and the containers whose pods disagree.
    pub fn pin(&self, images: BTreeMap<String, String>) -> (Map<String, Value>, Vec<String>) {
        let mut out = Map::new();
        let mut mixed = Vec::new();
        for (container, image) in images {
            let (reference, _) = split_digest(&image);
            let value = match self.by_container.get(&container) {
                Some(d) if d.len() == 1 => {
                    let digest = d.iter().next().map(String::as_str).unwrap_or_default();
                    format!("{reference}@{digest}")
                }
                Some(d) if d.len() > 1 => {
                    mixed.push(container.clone());
                    image
                }
                _ => image,
            };
            out.insert(container, json!(value));
        }
        (out, mixed)
    }
}

/// Which workload a pod belongs to: a StatefulSet owns its pods; a Deployment owns them
/// through a ReplicaSet named `<deployment>-<pod-template-hash>`.
pub fn owner_workload(pod: &Value) -> Option<(&'static str, String)> {
    let owner = pod
        .pointer("/metadata/ownerReferences")?
        .as_array()?
        .iter()
        .find(|o| o.get("controller").and_then(Value::as_bool) != Some(false))?;
    let name = owner.get("name")?.as_str()?;
    match owner.get("kind")?.as_str()? {
        "StatefulSet" => Some(("StatefulSet", name.to_string())),
        "ReplicaSet" => {
            let hash = pod
                .pointer("/metadata/labels/pod-template-hash")
                .and_then(Value::as_str);
            let deployment = match hash {
                Some(h) => name.strip_suffix(&format!("-{h}"))?,
                None => name.rsplit_once('-')?.0,
            };
            Some(("Deployment", deployment.to_string()))
        }
        _ => None,
    }
}

/// A Celery worker as its command line declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct CeleryWorker {
    /// The application, `lms` for `--app=lms.celery`.
    pub app: String,
    /// The queues it consumes (`--queues`/`-Q`); empty: every queue of the app.
    pub queues: Vec<String>,
    /// Processes per pod: `--concurrency`/`-c`, or the upper bound of `--autoscale`;
    /// None: Celery's default, one per CPU.
    pub concurrency: Option<u64>,
}

/// The Celery workers a workload's containers run (`celery … worker …` in `command` and
/// `args`, or in one shell string after `sh -c`).
pub fn celery_workers(workload: &Value) -> Vec<CeleryWorker> {
    template_containers(workload)
        .filter_map(|c| {
            let mut words: Vec<String> = Vec::new();
            for key in ["command", "args"] {
                for w in c.get(key).and_then(Value::as_array).into_iter().flatten() {
                    if let Some(s) = w.as_str() {
                        words.extend(s.split_whitespace().map(str::to_string));
                    }
                }
            }
            celery_worker(&words)
        })
        .collect()
}

/// Parses one command line; None unless it runs `celery … worker`.
pub fn celery_worker(words: &[String]) -> Option<CeleryWorker> {
    let start = words
        .iter()
        .position(|w| w == "celery" || w.ends_with("/celery"))?;
    let words = &words[start + 1..];
    if !words.iter().any(|w| w == "worker") {
        return None;
    }
    let mut app = String::new();
    let mut queues = Vec::new();
    let mut concurrency = None;
    let mut autoscale = None;
    let mut i = 0;
    while i < words.len() {
        let w = words[i].trim_matches(|c| c == '"' || c == '\'');
        let (flag, inline) = match w.split_once('=') {
            Some((f, v)) if f.starts_with('-') => (f, Some(v.to_string())),
            _ => (w, None),
        };
        let takes_value = matches!(
            flag,
            "-A" | "--app" | "-Q" | "--queues" | "-c" | "--concurrency" | "--autoscale"
        );
        let value = match (&inline, takes_value) {
            (Some(v), _) => Some(v.clone()),
            (None, true) => {
                i += 1;
                words.get(i).map(|v| v.trim_matches('"').to_string())
            }
            (None, false) => None,
        };
        match (flag, value) {
            ("-A" | "--app", Some(v)) => app = v,
            // Celery's options take one value: the last `--queues` wins (Tutor's worker
            // line has one, and tutor-contrib-celery appends another).
            ("-Q" | "--queues", Some(v)) => {
                queues = v
                    .split(',')
                    .map(str::trim)
                    .filter(|q| !q.is_empty())
                    .map(str::to_string)
                    .collect();
            }
            ("-c" | "--concurrency", Some(v)) => concurrency = v.parse().ok(),
            ("--autoscale", Some(v)) => {
                autoscale = v.split(',').next().and_then(|m| m.trim().parse().ok());
            }
            _ => {}
        }
        i += 1;
    }
    let app = app
        .strip_suffix(".celery")
        .map(str::to_string)
        .unwrap_or(app);
    queues.sort();
    queues.dedup();
    Some(CeleryWorker {
        app: if app.is_empty() { "celery".into() } else { app },
        queues,
        concurrency: autoscale.or(concurrency),
    })
}

/// `/celery/<app>/<queue>`: per queue the worker pods that consume it (the sum of the
/// replicas of every workload with a worker on it) and the processes of each (the
/// smallest concurrency among them, or `"cpus"`: Celery's default of one per CPU).
/// A worker without `--queues` consumes every queue of its app: the queue `all`.
pub fn celery_surface(workers: &[(u64, CeleryWorker)]) -> Map<String, Value> {
    /// One queue: its worker pods, and the smallest concurrency among its workers (None
    /// once one of them runs Celery's default).
    struct Queue {
        pods: u64,
        concurrency: Option<u64>,
    }
    let mut apps: BTreeMap<&str, BTreeMap<&str, Queue>> = BTreeMap::new();
    for (replicas, w) in workers {
        let queues: Vec<&str> = if w.queues.is_empty() {
            vec!["all"]
        } else {
            w.queues.iter().map(String::as_str).collect()
        };
        for q in queues {
            let by_queue = apps.entry(w.app.as_str()).or_default();
            match by_queue.get_mut(q) {
                Some(slot) => {
                    slot.pods += replicas;
                    slot.concurrency = slot.concurrency.zip(w.concurrency).map(|(a, b)| a.min(b));
                }
                None => {
                    by_queue.insert(
                        q,
                        Queue {
                            pods: *replicas,
                            concurrency: w.concurrency,
                        },
                    );
                }
            }
        }
    }
    apps.into_iter()
        .map(|(app, queues)| {
            let queues: Map<String, Value> = queues
                .into_iter()
                .map(|(q, queue)| {
                    let c = queue.concurrency.map_or(json!("cpus"), |c| json!(c));
                    (
                        q.to_string(),
                        json!({"workers": queue.pods, "concurrency": c}),
                    )
                })
                .collect();
            (app.to_string(), Value::Object(queues))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn tutor_worker_command_lines_parse() {
        let w = celery_worker(&words(
            "celery --app=lms.celery worker --loglevel=info --hostname=edx.lms.core.default.%h --queues=edx.lms.core.default,edx.lms.core.high,edx.lms.core.high_mem --max-tasks-per-child=100",
        ))
        .expect("a worker");
        assert_eq!(w.app, "lms");
        assert_eq!(
            w.queues,
            [
                "edx.lms.core.default",
                "edx.lms.core.high",
                "edx.lms.core.high_mem"
            ]
        );
        assert_eq!(w.concurrency, None);
        let w = celery_worker(&words("celery -A cms.celery worker -Q a,b -c 4")).expect("worker");
        assert_eq!(
            (w.app.as_str(), w.queues.len(), w.concurrency),
            ("cms", 2, Some(4))
        );
        let w = celery_worker(&words(
            "/usr/bin/celery --app lms.celery worker --autoscale=8,2",
        ))
        .expect("worker");
        assert_eq!(w.concurrency, Some(8));
        let w = celery_worker(&words(
            "celery --app=lms.celery worker --queues=edx.lms.core.default,edx.lms.core.high --queues=edx.lms.core.default",
        ))
        .expect("worker");
        assert_eq!(w.queues, ["edx.lms.core.default"]);
        assert!(celery_worker(&words("celery --app=lms.celery beat")).is_none());
        assert!(celery_worker(&words("uwsgi --ini lms.ini")).is_none());
    }

    #[test]
    fn queues_sum_pods_and_keep_the_smallest_concurrency() {
        let w = |queues: &[&str], c: Option<u64>| CeleryWorker {
            app: "lms".into(),
            queues: queues.iter().map(|q| q.to_string()).collect(),
            concurrency: c,
        };
        let s = celery_surface(&[
            (2, w(&["high", "default"], Some(4))),
            (3, w(&["high"], Some(2))),
            (1, w(&[], None)),
        ]);
        assert_eq!(s["lms"]["high"], json!({"workers": 5, "concurrency": 2}));
        assert_eq!(s["lms"]["default"], json!({"workers": 2, "concurrency": 4}));
        assert_eq!(
            s["lms"]["all"],
            json!({"workers": 1, "concurrency": "cpus"})
        );
        let mixed = celery_surface(&[(1, w(&["q"], Some(4))), (1, w(&["q"], None))]);
        assert_eq!(mixed["lms"]["q"]["concurrency"], json!("cpus"));
    }

    #[test]
    fn digests_come_from_every_runtime_s_image_id() {
        let hex = "a".repeat(64);
        for id in [
            format!("docker-pullable://overhangio/openedx@sha256:{hex}"),
            format!("docker.io/overhangio/openedx@sha256:{hex}"),
            format!("sha256:{hex}"),
        ] {
            assert_eq!(
                digest_of_image_id(&id),
                Some(format!("sha256:{hex}").as_str())
            );
        }
        assert_eq!(digest_of_image_id("sha256:abc"), None);
        let pinned = format!("overhangio/openedx:22.0.3@sha256:{hex}");
        assert_eq!(
            split_digest(&pinned),
            (
                "overhangio/openedx:22.0.3",
                Some(format!("sha256:{hex}").as_str())
            )
        );
        assert_eq!(split_digest("mysql:8.4"), ("mysql:8.4", None));
    }

    #[test]
    fn pods_map_to_their_workloads() {
        let pod = json!({"metadata": {
            "labels": {"pod-template-hash": "7d9c8b6f5"},
            "ownerReferences": [{"kind": "ReplicaSet", "name": "lms-worker-7d9c8b6f5", "controller": true}]
        }});
        assert_eq!(
            owner_workload(&pod),
            Some(("Deployment", "lms-worker".to_string()))
        );
        let pod = json!({"metadata": {"ownerReferences": [{"kind": "StatefulSet", "name": "mongodb", "controller": true}]}});
        assert_eq!(
            owner_workload(&pod),
            Some(("StatefulSet", "mongodb".to_string()))
        );
        assert_eq!(owner_workload(&json!({"metadata": {}})), None);
    }
}
