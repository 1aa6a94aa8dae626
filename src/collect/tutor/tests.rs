use super::config::*;
use super::datastores::*;
use super::defaults::*;
use super::python::*;
use super::release::*;
use super::render::*;
use crate::error::without_position;
use crate::release::template::render_template;
use serde_json::{Map, Value, json};

fn version(text: &str) -> TutorVersion {
    TutorVersion {
        text: text.into(),
        major: text.split('.').next().unwrap().parse().unwrap(),
    }
}

#[test]
fn a_root_is_read_with_the_defaults_of_its_own_tutor_release() {
    for (v, branch) in [("21.0.9", "release/ulmo."), ("22.0.3", "release/verawood.")] {
        let e = effective_settings(&Map::new(), Some(&version(v)), "no knowledge");
        assert!(e.note.is_none());
        let common = e.settings["OPENEDX_COMMON_VERSION"].as_str().unwrap();
        assert!(common.starts_with(branch), "{v}: {common}");
        assert!(
            e.settings["DOCKER_IMAGE_OPENEDX"]
                .as_str()
                .unwrap()
                .ends_with(&format!("openedx:{v}")),
            "{v}"
        );
    }
}

#[test]
fn defaults_are_merged_under_config_and_templates_resolved() {
    let mut config = Map::new();
    config.insert("LMS_HOST".into(), json!("lms.x.org"));
    config.insert("ENABLE_HTTPS".into(), json!(true));
    let s = effective_settings(&config, Some(&version("22.0.3")), "-").settings;
    assert_eq!(s["CMS_HOST"], "studio.lms.x.org");
    assert_eq!(s["MEILISEARCH_PUBLIC_URL"], "https://meilisearch.lms.x.org");
    assert_eq!(s["JWT_COMMON_ISSUER"], "https://lms.x.org/oauth2");
    assert_eq!(
        s["DOCKER_IMAGE_OPENEDX"],
        "docker.io/overhangio/openedx:22.0.3"
    );
    assert_eq!(s["EDX_PLATFORM_VERSION"], s["OPENEDX_COMMON_VERSION"]);
    assert_eq!(s["RUN_MYSQL"], true);
    assert!(
        !s.contains_key("DEV_PROJECT_NAME"),
        "TUTOR_APP is unknown here"
    );
}

#[test]
fn a_release_without_knowledge_gets_no_guessed_release_default() {
    let e = effective_settings(
        &Map::new(),
        Some(&version("17.0.6")),
        "no knowledge of Tutor 17",
    );
    let reason = crate::surface::as_unknown(&e.settings["OPENEDX_COMMON_VERSION"]).unwrap();
    assert!(reason.contains("no knowledge of Tutor 17"), "{reason}");
    assert!(crate::surface::as_unknown(&e.settings["DOCKER_IMAGE_MONGODB"]).is_some());
    assert_eq!(e.settings["MONGODB_HOST"], "mongodb");
    assert!(e.note.is_none());
}

#[test]
fn a_release_newer_than_the_knowledge_is_read_with_the_newest_defaults_and_says_so() {
    let e = effective_settings(&Map::new(), Some(&version("23.0.0")), "-");
    let note = e.note.unwrap();
    assert!(note.contains("Tutor 23.0.0 is newer"), "{note}");
    assert!(e.settings["OPENEDX_COMMON_VERSION"].is_string());
}

#[test]
fn python_settings_read_the_forms_tutor_renders() {
    let text = r#"from lms.envs.production import *
mongodb_parameters = {
    "db": "openedx",
    "host": "a.x.org,b.x.org",
    "user": None,
    "ssl": True,
    "replicaSet": "rs0",
    "nested": {
        "ignored": 1,
    },
    
}
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = False  
ENABLE_DISCUSSION_SERVICE = False
FEATURES["ENABLE_DISCUSSION_SERVICE"] = True
FEATURES['ENABLE_AUTHN_MICROFRONTEND'] = True
FORUM_MONGODB_CLIENT_PARAMETERS["replicaSet"] = "rs0"
if x == 1:
    SESSION_COOKIE_SECURE = False
CACHES = {"default": {"LOCATION": "redis://@redis:6379/1"}}
"#;
    let p = PythonSettings::parse(text);
    let m = &p.dicts["mongodb_parameters"];
    assert_eq!(m["host"], "a.x.org,b.x.org");
    assert_eq!(m["ssl"], true);
    assert_eq!(m["replicaSet"], "rs0");
    assert_eq!(m["user"], Value::Null);
    assert!(!m.contains_key("ignored"));
    assert_eq!(
        p.bool("SESSION_COOKIE_SECURE"),
        Some(true),
        "indented lines are skipped"
    );
    assert_eq!(p.bool("CSRF_COOKIE_SECURE"), Some(false));
    assert_eq!(
        p.dicts["FORUM_MONGODB_CLIENT_PARAMETERS"]["replicaSet"],
        "rs0"
    );
    let f = p.feature_values(&Map::new());
    assert_eq!(
        f.get("ENABLE_DISCUSSION_SERVICE"),
        Some(&true),
        "last assignment wins"
    );
    assert_eq!(f.get("ENABLE_AUTHN_MICROFRONTEND"), Some(&true));
    assert!(!f.contains_key("SESSION_COOKIE_SECURE"), "not a feature");
}

#[test]
fn a_bare_assignment_after_features_wins() {
    let p = PythonSettings::parse("FEATURES[\"X\"] = True\nX = False\n");
    assert_eq!(p.feature_values(&Map::new()).get("X"), Some(&false));
}

#[test]
fn image_repository_drops_the_tag_not_the_registry_port() {
    assert_eq!(
        image_repository("docker.io/overhangio/openedx:22.0.3-indigo"),
        "docker.io/overhangio/openedx"
    );
    assert_eq!(
        image_repository("registry:5000/openedx"),
        "registry:5000/openedx"
    );
    assert_eq!(url_host("http://meilisearch:7700"), "meilisearch");
}

#[test]
fn odd_templates_are_left_unresolved_not_a_panic() {
    let vars = Map::new();
    for t in [
        "{%}",
        "{% if %}",
        "{{}}",
        "{% if X %}a{% endif %}",
        "{%%}{{",
        "x{% else %}",
    ] {
        assert_eq!(render_template(t, &vars), None, "{t}");
    }
}

proptest::proptest! {
    #[test]
    fn python_settings_never_panic(text in "[ -~\\n]{0,300}") {
        let p = PythonSettings::parse(&text);
        let _ = p.feature_values(&Map::new());
    }

    #[test]
    fn templates_never_panic(text in "([{}%a-z =']|if |else|endif|LMS_HOST){0,40}") {
        let mut vars = Map::new();
        vars.insert("LMS_HOST".into(), json!("lms.x.org"));
        let _ = render_template(&text, &vars);
    }

    #[test]
    fn config_key_scanner_never_panics(line in "\\PC{0,80}") {
        let _ = top_level_key(&line);
        let _ = without_position(&line);
        let _ = missing_plugins(&line);
    }
}

#[test]
fn plugins_tutor_could_not_enable_are_named() {
    let stderr = "⚠️  Failed to enable plugin 'nonexistent': plugin 'nonexistent' is not installed.\n⚠️  You are running Tutor as root.";
    assert_eq!(missing_plugins(stderr), ["nonexistent"]);
    assert!(missing_plugins("Configuration saved").is_empty());
}

#[test]
fn yaml_positions_are_cut_from_messages() {
    assert_eq!(
        without_position(
            "did not find expected ',' or ']' at line 2 column 1, while parsing a flow sequence"
        ),
        "did not find expected ',' or ']', while parsing a flow sequence"
    );
}

#[test]
fn config_key_lines_are_found_for_locations() {
    assert_eq!(top_level_key("ENABLE_HTTPS: true"), Some("ENABLE_HTTPS"));
    assert_eq!(top_level_key("  nested: 1"), None);
    assert_eq!(top_level_key("- forum"), None);
    assert_eq!(top_level_key("  MIIEowIBAAKCAQEAu1+VEzXh"), None);
}

#[test]
fn python_reader_follows_nested_dicts_lists_and_references() {
    let text = r#"
GRADES_DOWNLOAD = {
    "STORAGE_TYPE": "",
    "STORAGE_KWARGS": {
        "base_url": "/media/grades/",
        "location": "/openedx/media/grades",
    },
}
STORAGES["default"]["BACKEND"] = "storages.backends.s3boto3.S3Boto3Storage"
GRADES_DOWNLOAD["STORAGE_KWARGS"] = {"location": GRADES_DOWNLOAD["STORAGE_KWARGS"]["location"].lstrip("/")}
GRADES_DOWNLOAD["STORAGE_KWARGS"]["bucket_name"] = "openedxgrades"
ACE_ENABLED_CHANNELS = ["django_email"]
AWS_S3_OBJECT_PARAMETERS = {"ServerSideEncryption": "AES256"}
COURSE_IMPORT_EXPORT_STORAGE = "django.core.files.storage.FileSystemStorage"
COURSE_IMPORT_EXPORT_STORAGE = USER_TASKS_ARTIFACT_STORAGE
NESTED = [[[["x"]]]]
"#;
    let p = PythonSettings::parse(text);
    assert_eq!(
        p.dict_value("STORAGES", &["default", "BACKEND"]),
        Some(&json!("storages.backends.s3boto3.S3Boto3Storage"))
    );
    assert_eq!(
        p.dict_value("GRADES_DOWNLOAD", &["STORAGE_KWARGS", "bucket_name"]),
        Some(&json!("openedxgrades"))
    );
    assert_eq!(
        p.dict_value("GRADES_DOWNLOAD", &["STORAGE_KWARGS", "location"]),
        Some(&json!("/openedx/media/grades"))
    );
    assert_eq!(p.dict_value("GRADES_DOWNLOAD", &["STORAGE_TYPE"]), Some(&json!("")));
    assert_eq!(p.assignments["ACE_ENABLED_CHANNELS"], json!(["django_email"]));
    assert_eq!(
        p.dict_value("AWS_S3_OBJECT_PARAMETERS", &["ServerSideEncryption"]),
        Some(&json!("AES256"))
    );
    assert!(!p.assignments.contains_key("COURSE_IMPORT_EXPORT_STORAGE"));
    assert_eq!(
        p.references["COURSE_IMPORT_EXPORT_STORAGE"],
        "USER_TASKS_ARTIFACT_STORAGE"
    );
    assert!(!p.assignments.contains_key("NESTED"));
}
