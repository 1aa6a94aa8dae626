//! The tutor collector against Tutor project roots rendered by real Tutor 22.0.3
//! (`examples/`, `tests/fixtures/tutor/`, made with `examples/render.sh`), and — when a
//! Python virtualenv can be made — against roots rendered fresh by pinned Tutor, so that
//! a change in Tutor's layout breaks this build rather than a user's gate.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures/tutor").join(name)
}

fn example(name: &str) -> PathBuf {
    repo().join("examples").join(name)
}

/// An envparity command with no `tutor` reachable, unless a test says otherwise.
fn envparity() -> Command {
    let mut c = Command::cargo_bin("envparity").expect("the envparity binary is built");
    c.env("PATH", "/nonexistent")
        .env_remove("ENVPARITY_TUTOR")
        .env("ENVPARITY_FINGERPRINT_KEY", "tutor tests");
    c
}

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Outcome {
    fn report(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not a JSON report ({e}): {}\n{}", self.stdout, self.stderr))
    }
}

fn run(mut cmd: Command) -> Outcome {
    let out = cmd.output().expect("envparity runs");
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn check(staging: &Path, production: &Path, extra: &[&str]) -> Outcome {
    let mut c = envparity();
    c.arg("check")
        .arg("--staging")
        .arg(staging)
        .arg("--production")
        .arg(production)
        .args(["--format", "json", "--show-expected"])
        .args(extra);
    run(c)
}

/// The class of the finding at `path`, if any.
fn class_at(report: &Value, path: &str) -> Option<String> {
    report["findings"]
        .as_array()?
        .iter()
        .find(|f| f["path"] == path)
        .and_then(|f| f["class"].as_str())
        .map(str::to_string)
}

fn classes(report: &Value, class: &str) -> Vec<String> {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["class"] == class)
        .filter_map(|f| f["path"].as_str().map(str::to_string))
        .collect()
}

fn assert_class(report: &Value, path: &str, class: &str) {
    assert_eq!(
        class_at(report, path).as_deref(),
        Some(class),
        "{path} should be {class}; findings: {}",
        serde_json::to_string_pretty(&report["findings"]).unwrap_or_default()
    );
}

/// A copy of a fixture root in a temporary directory, to alter one thing in it.
fn copy_root(from: &Path) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let to = dir.path().join(from.file_name().expect("a named root"));
    copy_dir(from, &to);
    (dir, to)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("readable fixture") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Secret values straight from the fixtures' config.yml files: none may be printed.
fn secret_values(root: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(root.join("config.yml")).expect("config.yml");
    let config: serde_yaml_ng::Mapping = serde_yaml_ng::from_str(&text).expect("YAML");
    config
        .iter()
        .filter_map(|(k, v)| Some((k.as_str()?, v.as_str()?)))
        .filter(|(k, v)| {
            (k.contains("PASSWORD") || k.contains("SECRET") || k.ends_with("_KEY") || *k == "ID")
                && v.len() >= 8
        })
        .map(|(_, v)| {
            // The PEM key: one line of its body is enough to spot a leak.
            v.lines().nth(1).unwrap_or(v).trim().to_string()
        })
        .collect()
}

#[test]
fn identical_twins_are_at_parity() {
    let out = check(&fixture("twin-a"), &fixture("twin-b"), &[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let r = out.report();
    assert_eq!(r["verdict"], "pass");
    for class in ["reduced", "shared", "unknown", "drift", "extra"] {
        assert!(
            classes(&r, class).is_empty(),
            "{class}: {:?}",
            classes(&r, class)
        );
    }
    // Different secrets and hosts, as expected.
    assert_class(&r, "/settings/OPENEDX_SECRET_KEY", "expected");
    assert_class(&r, "/settings/ID", "expected");
    assert_class(&r, "/settings/LMS_HOST", "expected");
}

#[test]
fn example_pair_reports_each_reduction_and_the_shared_smtp() {
    let out = check(&example("staging"), &example("production"), &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = out.report();
    for path in [
        "/plugins/forum",
        "/plugins/pod-autoscaling",
        "/datastores/mongodb/members",
        "/datastores/mongodb/replicated",
        "/datastores/mongodb/tls",
        "/services/lms/hpa",
        "/services/lms/uwsgi_workers",
        "/security/https",
        "/security/session_cookie_secure",
        "/security/csrf_cookie_secure",
        "/features/lms/ENABLE_DISCUSSION_SERVICE",
        "/build/pip/xblock-drag-and-drop-v2",
        "/plugins/minio",
        "/storage/default/backend",
        "/storage/ora2/backend",
        "/storage/grades/backend",
        "/storage/signed_urls",
    ] {
        assert_class(&r, path, "reduced");
    }
    assert_class(&r, "/datastores/smtp/host", "shared");
    assert_class(&r, "/settings/SMTP_PASSWORD", "shared");
    // One search cluster with one index prefix: the indexes are shared (the host alone
    // is not the finding).
    assert_class(&r, "/datastores/search/index", "shared");
    assert_eq!(class_at(&r, "/datastores/search/host"), None);
    // The extra requirement is judged once, as what the image gets.
    assert_eq!(
        class_at(&r, "/settings/OPENEDX_EXTRA_PIP_REQUIREMENTS"),
        None
    );
    assert!(
        !classes(&r, "reduced")
            .iter()
            .any(|p| p.starts_with("/plugins/pip:"))
    );
    // Separate MySQL hosts, other secrets, names: expected.
    assert_class(&r, "/datastores/mysql/host", "expected");
    assert_class(&r, "/datastores/mongodb/replica_set", "expected");
    assert_class(&r, "/settings/MYSQL_ROOT_PASSWORD", "expected");
    assert_class(&r, "/settings/ID", "expected");
    // Plugins both have are at parity.
    assert_eq!(class_at(&r, "/plugins/mfe"), None);
    assert_eq!(class_at(&r, "/plugins/indigo"), None);
    // The whole table stays readable: the only drift is bundled vs external MongoDB,
    // and the image of the bundled container that only staging runs (its external host,
    // absent on the bundled side, is expected).
    assert_eq!(
        classes(&r, "drift"),
        ["/datastores/mongodb/bundled", "/datastores/mongodb/image"]
    );
    assert_class(&r, "/datastores/mongodb/host", "expected");
    assert!(classes(&r, "unknown").is_empty());
}

#[test]
fn example_check_prints_no_secret() {
    let dir = tempfile::tempdir().expect("tmp");
    let written = dir.path().join("report.json");
    let mut c = envparity();
    c.args(["check", "--show-expected", "--output"])
        .arg(format!("json={}", written.display()))
        .arg("--staging")
        .arg(example("staging"))
        .arg("--production")
        .arg(example("production"));
    let out = run(c);
    let json = check(&example("staging"), &example("production"), &[]);
    let file = std::fs::read_to_string(&written).expect("the --output file");
    let mut secrets = secret_values(&example("staging"));
    secrets.extend(secret_values(&example("production")));
    assert!(secrets.len() >= 10, "{secrets:?}");
    for s in &secrets {
        for text in [&out.stdout, &out.stderr, &json.stdout, &json.stderr, &file] {
            assert!(!text.contains(s.as_str()), "a secret value was printed");
        }
    }
}

#[test]
fn staging_with_lower_hpa_bounds_is_reduced() {
    // twin-a runs pod-autoscaling with its defaults (lms 1..4), production lms 3..8.
    let r = check(&fixture("twin-a"), &example("production"), &[]).report();
    assert_class(&r, "/services/lms/hpa/min_replicas", "reduced");
    assert_class(&r, "/services/lms/hpa/max_replicas", "reduced");
    assert_eq!(class_at(&r, "/services/cms/hpa/min_replicas"), None);
}

#[test]
fn edx_platform_fork_is_drift_and_does_not_fail_the_gate() {
    let out = check(&fixture("fork"), &fixture("twin-a"), &[]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let r = out.report();
    assert_class(&r, "/release/edx_platform/repository", "drift");
    assert_class(&r, "/release/edx_platform/version", "drift");
    let out = check(
        &fixture("fork"),
        &fixture("twin-a"),
        &["--fail-on", "drift"],
    );
    assert_eq!(out.code, 1);
}

/// Appends lines to a copied root's config.yml (settings envparity reads from it).
fn add_settings(root: &Path, lines: &str) {
    let path = root.join("config.yml");
    let mut text = std::fs::read_to_string(&path).expect("config.yml");
    text.push_str(lines);
    std::fs::write(&path, text).expect("write config.yml");
}

/// Replaces text in a copied root's rendered file.
fn edit(root: &Path, file: &str, from: &str, to: &str) {
    let path = root.join(file);
    let text = std::fs::read_to_string(&path).expect("rendered file");
    assert!(text.contains(from), "{from} in {}", path.display());
    std::fs::write(&path, text.replace(from, to)).expect("write rendered file");
}

#[test]
fn one_search_cluster_is_shared_only_with_one_index_prefix() {
    let (_keep, staging) = copy_root(&example("staging"));
    add_settings(&staging, "MEILISEARCH_INDEX_PREFIX: staging_\n");
    let r = check(&staging, &example("production"), &[]).report();
    assert_eq!(
        class_at(&r, "/datastores/search/index"),
        Some("expected".into())
    );
    assert_eq!(class_at(&r, "/datastores/search/host"), None);
    assert_class(&r, "/datastores/search/index_prefix", "expected");
    // Both bundled: one Meilisearch each, nothing shared whatever the prefix.
    let r = check(&fixture("twin-a"), &fixture("twin-a"), &[]).report();
    assert_eq!(class_at(&r, "/datastores/search/index"), None);
}

#[test]
fn error_reporting_missing_in_staging_is_reduced_and_one_dsn_in_both_is_shared() {
    const DSN: &str = "https://0123456789abcdef0123456789abcdef@o1.ingest.sentry.io/42";
    let (_p, production) = copy_root(&example("production"));
    add_settings(&production, &format!("SENTRY_DSN: {DSN}\n"));
    let out = check(&example("staging"), &production, &[]);
    assert!(!out.stdout.contains(DSN) && !out.stderr.contains(DSN));
    assert_class(&out.report(), "/monitoring/error_reporting", "reduced");
    let (_s, staging) = copy_root(&example("staging"));
    add_settings(&staging, &format!("SENTRY_DSN: {DSN}\n"));
    let out = check(&staging, &production, &[]);
    assert!(!out.stdout.contains(DSN) && !out.stderr.contains(DSN));
    let r = out.report();
    assert_eq!(class_at(&r, "/monitoring/error_reporting"), None);
    assert_class(&r, "/settings/SENTRY_DSN", "shared");
}

#[test]
fn packages_built_into_the_image_older_or_from_elsewhere_in_staging() {
    const DOCKERFILE: &str = "env/build/openedx/Dockerfile";
    const PINNED: &str = "'xblock-drag-and-drop-v2==5.0.3'";
    // Older in staging: reduced.
    let (_s, staging) = copy_root(&example("production"));
    edit(
        &staging,
        DOCKERFILE,
        PINNED,
        "'xblock-drag-and-drop-v2==5.0.1'",
    );
    let r = check(&staging, &example("production"), &[]).report();
    assert_class(&r, "/build/pip/xblock-drag-and-drop-v2", "reduced");
    // Built from a branch of a fork: drift (the URL's credentials never shown).
    let (_f, fork) = copy_root(&example("production"));
    edit(
        &fork,
        DOCKERFILE,
        PINNED,
        "'git+https://ci:fork-token-123@github.com/example/xblock-drag-and-drop-v2@fix#egg=xblock-drag-and-drop-v2'",
    );
    let out = check(&fork, &example("production"), &[]);
    assert!(!out.stdout.contains("fork-token-123"), "{}", out.stdout);
    let r = out.report();
    assert_class(&r, "/build/pip/xblock-drag-and-drop-v2", "drift");
    // The twin: the same Dockerfile, nothing under /build.
    let r = check(&example("production"), &example("production"), &[]).report();
    assert!(
        r["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .all(|f| !f["path"].as_str().unwrap_or("").starts_with("/build/")),
        "{r}"
    );
}

#[test]
fn the_same_external_database_host_is_shared() {
    let r = check(&fixture("shared-mysql"), &example("production"), &[]).report();
    assert_class(&r, "/datastores/mysql/host", "shared");
}

#[test]
fn root_without_env_and_without_tutor_is_unknown_where_env_is_needed() {
    let out = check(&fixture("no-env"), &fixture("twin-a"), &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = out.report();
    for path in [
        "/release/tutor_version",
        "/services",
        "/features",
        "/settings/lms",
        "/security/session_cookie_secure",
    ] {
        assert_class(&r, path, "unknown");
    }
    let f = r["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["path"] == "/services"))
        .expect("a /services finding");
    let msg = f["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("no-env") && msg.contains("tutor config save"),
        "{msg}"
    );
    // What config.yml gives is still judged: HTTPS is off by default.
    assert_class(&r, "/security/https", "reduced");
    assert_class(&r, "/plugins/forum", "reduced");
}

#[test]
fn a_directory_that_is_not_a_tutor_root_is_an_input_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = check(dir.path(), &fixture("twin-a"), &[]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains(&dir.path().display().to_string())
            && out.stderr.contains("not a Tutor project root"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("panicked"));
}

#[test]
fn config_yml_that_is_not_yaml_or_not_a_mapping_is_an_input_error() {
    for (text, says) in [
        ("LMS_HOST: [unclosed\n", "config.yml:"),
        ("- just\n- a list\n", "expected a mapping"),
        ("", "is empty"),
    ] {
        let (_tmp, root) = copy_root(&fixture("twin-b"));
        std::fs::write(root.join("config.yml"), text).expect("write");
        let out = check(&root, &fixture("twin-a"), &[]);
        assert_eq!(out.code, 2, "{text:?}: {}", out.stdout);
        assert!(
            out.stderr.contains("config.yml") && out.stderr.contains(says),
            "{text:?}: {}",
            out.stderr
        );
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    }
}

#[test]
fn an_unparsable_manifest_is_an_input_error_naming_the_file() {
    let (_tmp, root) = copy_root(&fixture("twin-b"));
    let file = root.join("env/k8s/deployments.yml");
    let mut text = std::fs::read_to_string(&file).expect("read");
    text.push_str("\n---\nkind: Deployment\nmetadata: {name: broken\n");
    std::fs::write(&file, text).expect("write");
    let out = check(&root, &fixture("twin-a"), &[]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("env/k8s/deployments.yml:"),
        "{}",
        out.stderr
    );
}

#[test]
fn manifests_of_unknown_kinds_are_ignored() {
    let (_tmp, root) = copy_root(&fixture("twin-b"));
    let file = root.join("env/k8s/services.yml");
    let mut text = std::fs::read_to_string(&file).expect("read");
    text.push_str("\n---\napiVersion: example.org/v1\nkind: FancyThing\nmetadata:\n  name: lms\n");
    std::fs::write(&file, text).expect("write");
    let out = check(&root, &fixture("twin-a"), &[]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}

#[test]
fn a_tutor_major_newer_than_the_release_table_is_unknown() {
    // Tutor 23 does not exist yet: the root is twin-b with its version file changed.
    let (_tmp, root) = copy_root(&fixture("twin-b"));
    std::fs::write(root.join("env/version"), "99.0.0").expect("write");
    let out = check(&root, &fixture("twin-a"), &[]);
    assert_eq!(out.code, 1);
    let r = out.report();
    assert_class(&r, "/release/openedx_release", "unknown");
    let text = serde_json::to_string(&r["findings"]).unwrap_or_default();
    assert!(
        text.contains("env/version") && text.contains("releases.toml"),
        "{text}"
    );
    // The rest of the root is still read.
    assert_eq!(class_at(&r, "/services/lms/hpa"), None);
}

#[test]
fn a_newer_point_release_comes_with_the_release_and_an_older_one_is_reduced() {
    // twin-b with env/version and the deployed image tags edited as another 22.0.x would
    // render them (the real 22.0.2 render is in release_upgrades.rs). Staging on the
    // newer point release is an upgrade candidate: its differences are expected, under
    // the release; staging on the older one is behind: the release is reduced and the
    // image tag that follows it hangs under it.
    for (version, release_class, image_class, order) in [
        ("22.0.4", "expected", "expected", "ahead"),
        ("22.0.2", "reduced", "expected", "behind"),
    ] {
        let (_tmp, root) = copy_root(&fixture("twin-b"));
        std::fs::write(root.join("env/version"), version).expect("write");
        let deployments = root.join("env/k8s/deployments.yml");
        let text = std::fs::read_to_string(&deployments).expect("read");
        std::fs::write(
            &deployments,
            text.replace(
                "openedx:22.0.3-indigo",
                &format!("openedx:{version}-indigo"),
            ),
        )
        .expect("write");
        let r = check(&root, &fixture("twin-a"), &[]).report();
        assert_class(&r, "/release/tutor_version", release_class);
        assert_class(&r, "/release/images/openedx", image_class);
        assert_eq!(r["release"]["order"], order, "{version}");
        assert_eq!(r["release"]["attributed"], 1, "{version}");
    }
}

#[test]
fn findings_point_at_the_config_yml_line() {
    let r = check(&example("staging"), &example("production"), &[]).report();
    let f = r["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["path"] == "/settings/SMTP_PASSWORD"))
        .expect("the shared SMTP password");
    let loc = &f["locations"]["production"];
    let file = loc["file"].as_str().unwrap_or_default();
    assert!(file.ends_with("examples/production/config.yml"), "{loc}");
    let line = loc["line"].as_u64().expect("a line") as usize;
    let text = std::fs::read_to_string(example("production").join("config.yml")).expect("read");
    assert!(
        text.lines()
            .nth(line - 1)
            .is_some_and(|l| l.starts_with("SMTP_PASSWORD:")),
        "line {line}"
    );
    let forum = r["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["path"] == "/plugins/forum"))
        .expect("the forum plugin");
    let line = forum["locations"]["production"]["line"]
        .as_u64()
        .expect("a line") as usize;
    assert_eq!(text.lines().nth(line - 1), Some("- forum"));
}

#[test]
fn tutor_roots_can_be_named_in_the_config_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let cfg = dir.path().join("envparity.toml");
    std::fs::write(
        &cfg,
        format!(
            "[[staging.tutor]]\nroot = {:?}\n[[production.tutor]]\nroot = {:?}\n",
            fixture("twin-a").display().to_string(),
            fixture("twin-b").display().to_string()
        ),
    )
    .expect("write");
    let mut c = envparity();
    c.arg("check").arg("--config").arg(&cfg);
    let out = run(c);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}

#[test]
fn a_root_without_kubernetes_manifests_reads_services_from_docker_compose() {
    let (_tmp, root) = copy_root(&fixture("twin-b"));
    std::fs::remove_dir_all(root.join("env/k8s")).expect("rm");
    std::fs::remove_dir_all(root.join("env/plugins/pod-autoscaling")).expect("rm");
    let r = check(&root, &fixture("twin-a"), &[]).report();
    // docker-compose has the same services and workers, but no autoscaler.
    assert_class(&r, "/services/lms/hpa", "reduced");
    assert_eq!(class_at(&r, "/services/lms/uwsgi_workers"), None);
    assert_eq!(class_at(&r, "/services/lms"), None);
    assert!(classes(&r, "unknown").is_empty());
}

#[test]
fn a_config_yml_path_stands_for_its_root() {
    let out = check(
        &fixture("twin-a").join("config.yml"),
        &fixture("twin-b"),
        &[],
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(out.report()["sources"]["staging"]["tutor"]["kind"], "tutor");
}

// ---------------------------------------------------------------- storage, email, MFEs
// Tutor 22.0.3 roots rendered with tutor-minio 22.0.0 from PyPI and the YAML plugins of
// tests/fixtures/tutor/plugins (`tests/fixtures/tutor/render-storage.sh`).

const STORAGE_USES: [&str; 5] = [
    "default",
    "course_import_export",
    "ora2",
    "grades",
    "user_tasks",
];

#[test]
fn storage_and_email_twins_are_at_parity() {
    let out = check(
        &fixture("storage-staging-twin"),
        &fixture("storage-production"),
        &[],
    );
    let r = out.report();
    assert_eq!(
        out.code,
        0,
        "{}",
        serde_json::to_string_pretty(&r["findings"]).unwrap_or_default()
    );
    for class in ["reduced", "shared", "unknown", "drift", "extra"] {
        assert!(
            classes(&r, class).is_empty(),
            "{class}: {:?}",
            classes(&r, class)
        );
    }
    for use_ in STORAGE_USES {
        // Other MinIO hosts, so other buckets although the names are equal.
        assert_class(&r, &format!("/storage/{use_}/endpoint"), "expected");
        assert_class(&r, &format!("/storage/{use_}/location"), "expected");
    }
}

#[test]
fn staging_on_the_filesystem_with_console_email_is_reduced() {
    let out = check(
        &fixture("storage-staging-reduced"),
        &fixture("storage-production"),
        &[],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = out.report();
    for use_ in STORAGE_USES {
        assert_class(&r, &format!("/storage/{use_}/backend"), "reduced");
    }
    assert_class(&r, "/storage/encryption", "reduced");
    assert_class(&r, "/storage/signed_urls", "reduced");
    assert_class(&r, "/email/backend", "reduced");
    assert_class(&r, "/email/captured_by", "expected");
    // The bundled SMTP relay without TLS: judged where it was already.
    assert_class(&r, "/datastores/smtp/tls", "reduced");
    assert!(
        classes(&r, "unknown").is_empty(),
        "{:?}",
        classes(&r, "unknown")
    );
}

#[test]
fn staging_writing_into_the_production_bucket_is_shared() {
    let out = check(
        &fixture("storage-staging-shared"),
        &fixture("storage-production"),
        &[],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = out.report();
    for use_ in STORAGE_USES {
        assert_class(&r, &format!("/storage/{use_}/location"), "shared");
    }
    let default = r["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["path"] == "/storage/default/location")
        .expect("a finding");
    // Bucket and host stay readable: they are no secrets.
    assert_eq!(default["production"], "files.example.org/openedx");
    // The same bucket, and no server-side encryption in staging.
    assert_class(&r, "/storage/encryption", "reduced");
    assert!(class_at(&r, "/storage/default/backend").is_none());
}

#[test]
fn the_storage_secret_key_is_never_printed() {
    let mut secrets = Vec::new();
    for root in ["storage-production", "storage-staging-shared"] {
        let root = fixture(root);
        let env = std::fs::read_to_string(root.join("env/apps/openedx/config/lms.env.yml"))
            .expect("lms.env.yml");
        let key = env
            .lines()
            .find_map(|l| l.strip_prefix("AWS_SECRET_ACCESS_KEY: "))
            .map(|v| v.trim_matches('"').to_string())
            .expect("tutor-minio renders the secret key");
        assert!(key.len() >= 16, "{key}");
        secrets.push(key);
        secrets.extend(secret_values(&root));
    }
    let dir = tempfile::tempdir().expect("tmp");
    let snapshot = dir.path().join("snap.json");
    let mut c = envparity();
    c.args(["snapshot", "--env", "production", "--source"])
        .arg(fixture("storage-production"))
        .arg("-o")
        .arg(&snapshot);
    let snap = run(c);
    assert_eq!(snap.code, 0, "{}", snap.stderr);
    let snap_text = std::fs::read_to_string(&snapshot).expect("the snapshot");
    let json = check(
        &fixture("storage-staging-shared"),
        &fixture("storage-production"),
        &[],
    );
    let table = run({
        let mut c = envparity();
        c.args(["check", "--show-expected", "--staging"])
            .arg(fixture("storage-staging-shared"))
            .arg("--production")
            .arg(fixture("storage-production"));
        c
    });
    for s in &secrets {
        for text in [
            &snap_text,
            &json.stdout,
            &json.stderr,
            &table.stdout,
            &table.stderr,
        ] {
            assert!(!text.contains(s.as_str()), "a secret value was printed");
        }
    }
    // The bucket names stay readable.
    assert!(snap_text.contains("openedxuploads"));
}

#[test]
fn mfes_are_read_from_the_rendered_mfe_dockerfile() {
    let out = check(&fixture("twin-a"), &fixture("twin-b"), &[]);
    let r = out.report();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mut c = envparity();
    let dir = tempfile::tempdir().expect("tmp");
    let snapshot = dir.path().join("snap.json");
    c.args(["snapshot", "--env", "staging", "--source"])
        .arg(fixture("twin-a"))
        .arg("-o")
        .arg(&snapshot);
    assert_eq!(run(c).code, 0);
    let snap: Value =
        serde_json::from_str(&std::fs::read_to_string(&snapshot).expect("snapshot")).expect("JSON");
    let mfes = snap["surface"]["mfes"].as_object().expect("/mfes");
    assert_eq!(mfes.len(), 12, "{mfes:?}");
    assert_eq!(
        snap["surface"]["mfes"]["learning"],
        serde_json::json!({
            "repository": "https://github.com/openedx/frontend-app-learning.git",
            "ref": "release/verawood.1"
        })
    );
    assert!(classes(&r, "unknown").is_empty());
}

#[test]
fn an_mfe_production_builds_and_staging_does_not_is_reduced_another_repository_drift() {
    let (_dir, staging) = copy_root(&fixture("twin-a"));
    let file = "env/plugins/mfe/build/mfe/Dockerfile";
    // Staging without the gradebook and with the learning MFE from a fork.
    edit(
        &staging,
        file,
        "FROM scratch AS gradebook-src",
        "FROM scratch AS gradebook-gone",
    );
    edit(
        &staging,
        file,
        "https://github.com/openedx/frontend-app-learning.git#release/verawood.1",
        "https://github.com/example-university/frontend-app-learning.git#custom",
    );
    let out = check(&staging, &fixture("twin-b"), &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = out.report();
    assert_class(&r, "/mfes/gradebook", "reduced");
    assert_class(&r, "/mfes/learning/repository", "drift");
    assert_class(&r, "/mfes/learning/ref", "drift");
}

#[test]
fn an_mfe_plugin_without_its_rendered_dockerfile_is_unknown() {
    let (_dir, staging) = copy_root(&fixture("twin-a"));
    std::fs::remove_file(staging.join("env/plugins/mfe/build/mfe/Dockerfile")).expect("rm");
    let out = check(&staging, &fixture("twin-b"), &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_class(&out.report(), "/mfes", "unknown");
}

// ---------------------------------------------------------------- fresh renders

/// Renders roots with `examples/render.sh` and pinned Tutor, in the virtualenv named by
/// `$TUTOR_VENV` or else the one render.sh keeps per Tutor version under `$TUTOR_VENVS`
/// (default `target/tutor-venvs`; `.ci/run` keeps them in the user's cache, so a warm
/// run installs nothing). Runs when `ENVPARITY_TUTOR_TESTS=1` or when Python can make a
/// venv; under `CI=true` it fails rather than skips when it cannot run.
struct Renderer {
    venv: Option<PathBuf>,
}

fn renderer() -> Option<Renderer> {
    let forced = std::env::var("ENVPARITY_TUTOR_TESTS").is_ok_and(|v| v == "1");
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let skip = |why: String| -> Option<Renderer> {
        if forced || ci {
            panic!("cannot render Tutor roots (ENVPARITY_TUTOR_TESTS=1 or CI=true): {why}");
        }
        eprintln!("SKIPPED: rendering Tutor roots: {why}");
        None
    };
    let venv = std::env::var_os("TUTOR_VENV")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    if venv.is_none() {
        let can = std::process::Command::new("python3")
            .args(["-c", "import venv, ensurepip"])
            .status();
        match can {
            Ok(s) if s.success() => {}
            Ok(_) => return skip("Python cannot make a venv; install python3-venv".into()),
            Err(e) => return skip(format!("no python3: {e}")),
        }
    }
    Some(Renderer { venv })
}

impl Renderer {
    /// The `tutor` executable of the venv render.sh used for `version`.
    fn tutor(&self, version: &str) -> PathBuf {
        let venv = self.venv.clone().unwrap_or_else(|| {
            std::env::var_os("TUTOR_VENVS")
                .filter(|v| !v.is_empty())
                .map_or_else(|| repo().join("target/tutor-venvs"), PathBuf::from)
                .join(format!("tutor-{version}"))
        });
        venv.join("bin/tutor")
    }

    /// `render.sh --root DIR ARGS...`; installs the pinned Tutor on first use.
    fn render(&self, root: &Path, args: &[&str]) {
        let mut c = std::process::Command::new("bash");
        c.arg(repo().join("examples/render.sh"))
            .arg("--root")
            .arg(root)
            .args(args);
        match &self.venv {
            Some(v) => c.env("TUTOR_VENV", v),
            None => c.env_remove("TUTOR_VENV"),
        };
        let out = c.output().expect("bash runs render.sh");
        assert!(
            out.status.success(),
            "render.sh --root {} failed: {}",
            root.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn fresh_renders_by_pinned_tutor_are_judged_like_the_fixtures() {
    let Some(r) = renderer() else { return };
    let dir = tempfile::tempdir().expect("tmp");
    let smtp = [
        "--set",
        "RUN_SMTP=false",
        "--set",
        "SMTP_HOST=smtp.render.example.org",
        "--set",
        "SMTP_PASSWORD=render-test-smtp-password",
    ];
    let production_args: Vec<&str> = [
        "--set",
        "LMS_HOST=lms.render.example.org",
        "--set",
        "ENABLE_HTTPS=true",
        "--set",
        "RUN_MONGODB=false",
        "--set",
        "MONGODB_HOST=m0.render.example.org,m1.render.example.org",
        "--set",
        "MONGODB_REPLICA_SET=rs9",
        "--set",
        "MONGODB_USE_SSL=true",
        "--set",
        "OPENEDX_CMS_UWSGI_WORKERS=3",
        "--set",
        "OPENEDX_EXTRA_PIP_REQUIREMENTS=[\"openedx-example-xblock==1.0\"]",
        "--plugin",
        "pod-autoscaling",
    ]
    .into_iter()
    .chain(smtp)
    .collect();
    let production = dir.path().join("production");
    let twin = dir.path().join("twin");
    let staging = dir.path().join("staging");
    let bare = dir.path().join("bare");
    r.render(&production, &production_args);
    // The twin has the same settings with its own hosts and secrets.
    let twin_owned: Vec<String> = production_args
        .iter()
        .map(|a| {
            a.replace("render.example.org", "twin.render.example.org")
                .replace("render-test-smtp-password", "twin-smtp-password")
        })
        .collect();
    let twin_args: Vec<&str> = twin_owned.iter().map(String::as_str).collect();
    r.render(&twin, &twin_args);
    let staging_args: Vec<&str> = ["--set", "LMS_HOST=lms.staging.render.example.org"]
        .into_iter()
        .chain(smtp)
        .collect();
    r.render(&staging, &staging_args);

    // Same settings, other secrets and hosts: parity.
    let out = check(&twin, &production, &[]);
    assert_eq!(out.code, 0, "{}", out.stdout);

    let out = check(&staging, &production, &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let rep = out.report();
    for path in [
        "/plugins/pod-autoscaling",
        "/datastores/mongodb/members",
        "/datastores/mongodb/replicated",
        "/datastores/mongodb/tls",
        "/services/lms/hpa",
        "/services/cms/uwsgi_workers",
        "/security/https",
        "/security/session_cookie_secure",
        "/build/pip/openedx-example-xblock",
    ] {
        assert_class(&rep, path, "reduced");
    }
    assert_class(&rep, "/datastores/smtp/host", "shared");
    assert_class(&rep, "/settings/SMTP_PASSWORD", "shared");

    // A root with config.yml only is rendered by the tutor on PATH.
    r.render(
        &bare,
        &[
            "--set",
            "LMS_HOST=lms.bare.render.example.org",
            "--config-only",
        ],
    );
    assert!(!bare.join("env").exists());
    let mut c = envparity();
    c.env("ENVPARITY_TUTOR", r.tutor("22.0.3"))
        .arg("check")
        .arg("--staging")
        .arg(&bare)
        .arg("--production")
        .arg(&staging)
        .args(["--format", "json"]);
    let out = run(c);
    let rep = out.report();
    assert!(classes(&rep, "unknown").is_empty(), "{}", out.stdout);
    assert!(
        !bare.join("env").exists(),
        "the user's root is not written to"
    );

    // A plugin the tutor on PATH does not have: its render would lack the plugin, so
    // what needs env/ is unknown rather than judged from an unfaithful render.
    let text = std::fs::read_to_string(bare.join("config.yml")).expect("config.yml");
    let mut config: serde_yaml_ng::Mapping = serde_yaml_ng::from_str(&text).expect("YAML");
    let plugins = config
        .get_mut("PLUGINS")
        .and_then(serde_yaml_ng::Value::as_sequence_mut)
        .expect("a PLUGINS list");
    plugins.push("not-installed-plugin".into());
    let odd = dir.path().join("odd");
    std::fs::create_dir_all(&odd).expect("mkdir");
    std::fs::write(
        odd.join("config.yml"),
        serde_yaml_ng::to_string(&config).expect("YAML"),
    )
    .expect("write");
    let mut c = envparity();
    c.env("ENVPARITY_TUTOR", r.tutor("22.0.3"))
        .arg("check")
        .arg("--staging")
        .arg(&odd)
        .arg("--production")
        .arg(&staging)
        .args(["--format", "json"]);
    let rep = run(c).report();
    assert_class(&rep, "/services", "unknown");
    let text = serde_json::to_string(&rep["findings"]).unwrap_or_default();
    assert!(text.contains("not-installed-plugin"), "{text}");
}

// ---------------------------------------------------------------- release upgrades
//
// Pairs rendered by real Tutor 20.0.5, 21.0.9, 22.0.2 and 22.0.3 with their pinned
// plugins (`tests/fixtures/tutor/render-releases.sh`): faithful twins but for the
// release, the hosts and the secrets.

/// The paths of the findings the release explains.
fn attributed(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["release"] == true)
        .filter_map(|f| f["path"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn an_upgrade_candidate_on_staging_passes_with_one_release_heading() {
    let out = check(
        &fixture("release-22-staging"),
        &fixture("release-21-production"),
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stdout);
    let r = out.report();
    assert_eq!(r["release"]["order"], "ahead");
    assert_eq!(r["release"]["staging"]["point_release"], "verawood.1");
    assert_eq!(r["release"]["production"]["point_release"], "ulmo.4");
    assert!(
        classes(&r, "reduced").is_empty(),
        "{:?}",
        classes(&r, "reduced")
    );
    assert!(
        classes(&r, "unknown").is_empty(),
        "{:?}",
        classes(&r, "unknown")
    );
    assert!(
        classes(&r, "drift").is_empty(),
        "{:?}",
        classes(&r, "drift")
    );
    let release = attributed(&r);
    for path in [
        "/release/openedx_release",
        "/release/tutor_version",
        "/release/openedx_version",
        "/release/images/openedx",
        "/release/images/mfe",
    ] {
        assert!(release.contains(&path.to_string()), "{path}: {release:?}");
        assert_class(&r, path, "expected");
    }
    // Only images of what runs: no phantom MongoDB (external on both sides), and the
    // same set of images on both sides.
    assert_eq!(class_at(&r, "/release/images/mongodb"), None);
    assert!(
        !classes(&r, "extra")
            .iter()
            .any(|p| p.starts_with("/release/images"))
    );
    // The one heading in the human formats.
    let table = run({
        let mut c = envparity();
        c.args(["check", "--staging"])
            .arg(fixture("release-22-staging"))
            .arg("--production")
            .arg(fixture("release-21-production"));
        c
    });
    let headings: Vec<&str> = table
        .stdout
        .lines()
        .filter(|l| l.starts_with("release upgrade: ulmo.4 → verawood.1"))
        .collect();
    assert_eq!(headings.len(), 1, "{}", table.stdout);
}

#[test]
fn production_ahead_makes_the_release_reduced_with_its_differences_under_it() {
    let out = check(
        &fixture("release-21-staging"),
        &fixture("release-22-production"),
        &[],
    );
    assert_eq!(out.code, 1, "{}", out.stdout);
    let r = out.report();
    assert_eq!(r["release"]["order"], "behind");
    assert_eq!(r["release"]["path"], "/release/openedx_release");
    assert_eq!(classes(&r, "reduced"), ["/release/openedx_release"]);
    assert!(classes(&r, "unknown").is_empty());
    assert_class(&r, "/release/images/openedx", "expected");
    assert!(
        r["release"]["attributed"].as_u64().unwrap() >= 5,
        "{}",
        r["release"]
    );
}

#[test]
fn a_skipped_release_is_one_upgrade_too() {
    // Teak (20) on staging, Verawood (22) in production, and back.
    let behind = check(
        &fixture("release-20-staging"),
        &fixture("release-22-production"),
        &[],
    );
    assert_eq!(behind.code, 1);
    let r = behind.report();
    assert_eq!(classes(&r, "reduced"), ["/release/openedx_release"]);
    assert_eq!(r["release"]["staging"]["point_release"], "teak.3");
    assert!(classes(&r, "unknown").is_empty());
    assert_class(&r, "/release/images/openedx", "expected");
}

#[test]
fn an_upgrade_candidate_that_also_lacks_a_plugin_fails_on_exactly_the_plugin() {
    let out = check(
        &fixture("release-22-staging-no-notes"),
        &fixture("release-21-production"),
        &[],
    );
    assert_eq!(out.code, 1, "{}", out.stdout);
    let r = out.report();
    let failing: Vec<String> = ["reduced", "shared", "unknown"]
        .iter()
        .flat_map(|c| classes(&r, c))
        .collect();
    // The plugin, and what only the plugin brings (its deployment and its flags);
    // nothing of the release.
    assert_eq!(
        failing,
        [
            "/plugins/notes",
            "/services/notes",
            "/features/cms/ENABLE_EDXNOTES",
            "/features/lms/ENABLE_EDXNOTES"
        ],
        "{failing:?}"
    );
    assert_eq!(r["release"]["order"], "ahead");
    assert_class(&r, "/release/openedx_release", "expected");
}

#[test]
fn another_point_release_of_the_same_release_is_ordered_by_tutor_version() {
    let staging = fixture("release-22.0.2-staging");
    let behind = check(&staging, &fixture("release-22-production"), &[]);
    assert_eq!(behind.code, 1, "{}", behind.stdout);
    let r = behind.report();
    // The release knowledge is of 22.0.3: the openedx tag follows the Tutor version and
    // comes with it; Caddy's default of 22.0.2 is not known, so its older tag is judged
    // on its own (reduced), never guessed; so are the packages 22.0.3's Dockerfile adds
    // (the certifi upgrade) or pins newer (pip).
    assert_eq!(
        classes(&r, "reduced"),
        [
            "/release/images/caddy",
            "/release/tutor_version",
            "/build/pip/certifi",
            "/build/pip/pip"
        ]
    );
    assert_class(&r, "/release/images/openedx", "expected");
    assert_eq!(r["release"]["order"], "behind");
    // The other way round, staging on 22.0.3 is the candidate and passes.
    let ahead = check(&fixture("release-22-staging"), &staging, &[]);
    assert_eq!(ahead.report()["release"]["order"], "ahead");
}

#[test]
fn verawood_plain_feature_lines_are_read_as_features() {
    // Tutor 22 writes `ENABLE_CORS_HEADERS = True`, not FEATURES["..."]: the same flags
    // as Tutor 21, on the same paths.
    let r = check(
        &fixture("release-22-staging"),
        &fixture("release-22-production"),
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    let dir = tempfile::tempdir().expect("tmp");
    let snap = dir.path().join("s.json");
    let mut c = envparity();
    c.args(["snapshot", "--env", "staging", "--source"])
        .arg(fixture("release-22-staging"))
        .arg("-o")
        .arg(&snap);
    let out = run(c);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let snapshot: Value =
        serde_json::from_str(&std::fs::read_to_string(&snap).expect("snapshot")).expect("JSON");
    for (app, flag) in [
        ("lms", "ENABLE_CORS_HEADERS"),
        ("cms", "ENABLE_COURSEWARE_INDEX"),
        ("lms", "ENABLE_COURSEWARE_SEARCH"),
        ("lms", "ENABLE_COURSE_DISCOVERY"),
        ("lms", "ENABLE_DASHBOARD_SEARCH"),
    ] {
        assert_eq!(
            snapshot["surface"]["features"][app][flag],
            Value::Bool(true),
            "{flag}"
        );
    }
}

#[test]
fn a_version_file_that_is_no_version_leaves_the_release_unknown_and_the_rest_judged() {
    let (_tmp, root) = copy_root(&fixture("twin-b"));
    std::fs::write(root.join("env/version"), "not-a-version\n").expect("write");
    let out = check(&root, &fixture("twin-a"), &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = out.report();
    assert_class(&r, "/release/tutor_version", "unknown");
    let note = r["sources"]["staging"]["tutor"]["notes"][0]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        note.contains("env/version is not a Tutor version"),
        "{note}"
    );
    // The rest of the root is read: the plugins and datastores agree.
    assert_eq!(class_at(&r, "/plugins/mfe"), None);
    assert_eq!(class_at(&r, "/datastores/mongodb/members"), None);
}

#[test]
fn a_tutor_release_newer_than_the_knowledge_is_read_with_the_newest_and_says_so() {
    let (_tmp, root) = copy_root(&fixture("twin-b"));
    std::fs::write(root.join("env/version"), "99.0.0\n").expect("write");
    let out = run({
        let mut c = envparity();
        c.args(["check", "--staging"])
            .arg(&root)
            .arg("--production")
            .arg(fixture("twin-a"));
        c
    });
    assert!(
        out.stdout
            .contains("Tutor 99.0.0 is newer than the releases envparity knows: read with the defaults of Tutor 22.0.3"),
        "{}",
        out.stdout
    );
}

#[test]
fn env_rendered_from_another_config_yml_is_unknown_where_only_env_tells() {
    // config.yml edited after the last `tutor config save`: env/ says another host.
    let (_tmp, root) = copy_root(&fixture("twin-b"));
    let config = std::fs::read_to_string(root.join("config.yml")).expect("read");
    std::fs::write(
        root.join("config.yml"),
        config.replace(
            "LMS_HOST: lms.twin-b.example.org",
            "LMS_HOST: lms.moved.example.org",
        ),
    )
    .expect("write");
    let out = check(&root, &fixture("twin-a"), &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = out.report();
    for path in ["/services", "/features", "/release/images"] {
        assert_class(&r, path, "unknown");
        let f = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == path)
            .unwrap();
        let msg = f["message"].as_str().unwrap();
        assert!(
            msg.contains("env/ and config.yml disagree") && msg.contains("tutor config save"),
            "{msg}"
        );
    }
    // What config.yml says is still judged.
    assert_eq!(class_at(&r, "/plugins/mfe"), None);
}

#[test]
fn fresh_renders_of_three_releases_by_pinned_tutor_are_upgrades() {
    // Real Tutor 20.0.5, 21.0.9 and 22.0.3, each with its pinned plugins, in venvs that
    // render.sh keeps under $TUTOR_VENVS (default target/tutor-venvs).
    let Some(_) = renderer() else { return };
    // Each release in its own venv, whatever TUTOR_VENV says.
    let r = Renderer { venv: None };
    let dir = tempfile::tempdir().expect("tmp");
    let render = |name: &str, tutor: &str, host: &str| -> PathBuf {
        let root = dir.path().join(name);
        let lms = format!("LMS_HOST=lms.{host}");
        let mysql = format!("MYSQL_HOST=mysql.{host}");
        r.render(
            &root,
            &[
                "--tutor",
                tutor,
                "--plugin",
                "forum",
                "--plugin",
                "notes",
                "--set",
                &lms,
                "--set",
                "RUN_MYSQL=false",
                "--set",
                &mysql,
            ],
        );
        root
    };
    let p21 = render("p21", "21.0.9", "render.example.org");
    let s22 = render("s22", "22.0.3", "staging.render.example.org");
    let s20 = render("s20", "20.0.5", "staging.render.example.org");

    let up = check(&s22, &p21, &[]);
    assert_eq!(up.code, 0, "{}", up.stdout);
    let r = up.report();
    assert_eq!(r["release"]["order"], "ahead");
    assert!(r["release"]["attributed"].as_u64().unwrap() > 0);

    let behind = check(&s20, &p21, &[]);
    assert_eq!(behind.code, 1, "{}", behind.stdout);
    let r = behind.report();
    assert_eq!(classes(&r, "reduced"), ["/release/openedx_release"]);
    assert!(classes(&r, "unknown").is_empty());
}

#[test]
fn a_celery_queue_no_staging_worker_consumes_is_reduced_from_manifests_and_compose() {
    let drop_high_mem = |root: &Path, file: &str| {
        edit(
            root,
            file,
            "--queues=edx.lms.core.default,edx.lms.core.high,edx.lms.core.high_mem",
            "--queues=edx.lms.core.default,edx.lms.core.high",
        );
    };
    let (_s, staging) = copy_root(&example("staging"));
    drop_high_mem(&staging, "env/k8s/deployments.yml");
    let r = check(&staging, &example("staging"), &[]).report();
    assert_class(&r, "/celery/lms/edx.lms.core.high_mem", "reduced");
    assert_eq!(class_at(&r, "/celery/lms/edx.lms.core.high"), None);

    // Without manifests the services come from docker-compose, the workers too.
    let (_c, compose) = copy_root(&example("staging"));
    std::fs::remove_dir_all(compose.join("env/k8s")).expect("remove env/k8s");
    std::fs::remove_file(compose.join("env/kustomization.yml")).expect("remove kustomization");
    let (_d, reduced) = copy_root(&compose);
    drop_high_mem(&reduced, "env/local/docker-compose.prod.yml");
    let r = check(&reduced, &compose, &[]).report();
    assert_class(&r, "/celery/lms/edx.lms.core.high_mem", "reduced");
    // The twin: the same workers on the same queues.
    let out = check(&compose, &compose, &[]);
    assert_eq!(
        class_at(&out.report(), "/celery/lms/edx.lms.core.high_mem"),
        None
    );
}

#[test]
fn plugin_versions_come_from_the_tutor_that_rendered_the_root() {
    let Some(r) = renderer() else { return };
    let tutor = r.tutor("22.0.3");
    if !tutor.exists() {
        // render.sh installs the pinned Tutor into its venv on first use.
        let dir = tempfile::tempdir().expect("tmp");
        r.render(&dir.path().join("root"), &["--config-only"]);
    }
    let with_tutor = |staging: &Path, production: &Path| {
        let mut c = envparity();
        c.env("ENVPARITY_TUTOR", &tutor)
            .arg("check")
            .arg("--staging")
            .arg(staging)
            .arg("--production")
            .arg(production)
            .args(["--format", "json"]);
        run(c)
    };
    // The example pair was rendered by Tutor 22.0.3 with the pinned plugins: the versions
    // are read, equal, and change nothing in the verdict.
    let out = with_tutor(&example("staging"), &example("production"));
    let plain = check(&example("staging"), &example("production"), &[]);
    assert_eq!(out.report()["summary"], plain.report()["summary"]);
    let out = with_tutor(&fixture("twin-a"), &fixture("twin-b"));
    assert_eq!(out.code, 0, "{}", out.stdout);
    let snap = dir_snapshot(&tutor, &example("production"));
    assert_eq!(snap["surface"]["plugins"]["mfe"]["version"], "22.1.0");
    assert_eq!(snap["surface"]["plugins"]["forum"]["version"], "22.0.0");

    // A root Tutor 21 rendered: this tutor's plugins say nothing about it (one note),
    // and the versions production has are the release's, under its heading.
    let out = with_tutor(
        &fixture("release-21-staging"),
        &fixture("release-22-production"),
    );
    let rep = out.report();
    let notes = rep["sources"]["staging"]["tutor"]["notes"].to_string();
    assert!(
        notes.contains("plugin versions not read") && notes.contains("rendered by Tutor 21.0.9"),
        "{notes}"
    );
    assert_eq!(
        class_at(&rep, "/plugins/mfe/version"),
        None,
        "{}",
        out.stdout
    );
    assert_eq!(rep["summary"]["reduced"], 1, "{}", out.stdout);
}

/// A snapshot of one root with `tutor` reachable.
fn dir_snapshot(tutor: &Path, root: &Path) -> Value {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("snap.json");
    let mut c = envparity();
    c.env("ENVPARITY_TUTOR", tutor)
        .args(["snapshot", "--env", "production", "--source"])
        .arg(root)
        .arg("-o")
        .arg(&out);
    let o = run(c);
    assert_eq!(o.code, 0, "{}", o.stderr);
    serde_json::from_str(&std::fs::read_to_string(&out).expect("snapshot")).expect("JSON")
}

#[test]
fn celery_workers_per_queue_and_keda_from_tutor_contrib_celery_renders() {
    // Rendered by render-celery.sh: production gives the high-memory queue workers of its
    // own and autoscales with KEDA; the flat staging runs the plugin's defaults.
    let production = fixture("celery-production");
    let out = check(&fixture("celery-staging-twin"), &production, &[]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let r = check(&fixture("celery-staging-flat"), &production, &[]).report();
    assert_class(&r, "/services/lms-worker-high-mem", "reduced");
    assert_class(&r, "/services/lms-worker/keda", "reduced");
    assert_class(&r, "/celery/lms/edx.lms.core.high_mem/concurrency", "drift");
    // Production's own worker line ends with `--queues=edx.lms.core.default` (appended by
    // the plugin), so nothing there consumes edx.lms.core.high: staging has more.
    assert_class(&r, "/celery/lms/edx.lms.core.high", "extra");
    let snap = &r["sources"]["production"]["tutor"];
    assert_eq!(snap["status"], "ok");
}
