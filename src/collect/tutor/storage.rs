//! Object storage and email, from the rendered settings: where each kind of file goes
//! (`/storage/<use>`), with which bucket on which endpoint, encrypted or not; which email
//! backend sends mail and through which ACE channels (`/email`).
//!
//! Django reads `production.py` after the `*.env.yml` it loads, so a setting assigned
//! there (by Tutor or a plugin's `openedx-*-settings` patch, e.g. tutor-minio's) wins
//! over the YAML one. A setting assigned another setting's name
//! (`COURSE_IMPORT_EXPORT_STORAGE = USER_TASKS_ARTIFACT_STORAGE`) follows the default
//! storage, as the plugins that write those lines mean it to.

use super::builder::Builder;
use super::datastores::url_host;
use super::python::PythonSettings;
use serde_json::{Map, Value, json};

/// One app's rendered settings: `production.py` over `*.env.yml`.
#[derive(Clone, Copy)]
pub(super) struct AppSettings<'a> {
    pub(super) env: Option<&'a Map<String, Value>>,
    pub(super) py: Option<&'a PythonSettings>,
}

impl<'a> AppSettings<'a> {
    fn get(&self, name: &str) -> Option<&'a Value> {
        if let Some(py) = self.py {
            if py.references.contains_key(name) {
                return None;
            }
            if let Some(v) = py.assignments.get(name) {
                return Some(v);
            }
        }
        self.env.and_then(|e| e.get(name))
    }

    fn text(&self, name: &str) -> Option<&'a str> {
        self.get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    /// A setting that takes another's value in `production.py`.
    fn is_reference(&self, name: &str) -> bool {
        self.py.is_some_and(|p| p.references.contains_key(name))
    }

    /// `NAME[k1][k2]…`: from `production.py`'s dict (literal or item assignments), else
    /// from the YAML mapping.
    fn nested(&self, name: &str, path: &[&str]) -> Option<&'a Value> {
        self.py
            .and_then(|p| p.dict_value(name, path))
            .or_else(|| {
                let mut v = self.env?.get(name)?;
                for k in path {
                    v = v.get(*k)?;
                }
                Some(v)
            })
            .filter(|v| !v.is_null())
    }
}

/// The short name of a Django storage class: `s3`, `gcs`, `azure`, or the class itself;
/// None for the local filesystem.
fn storage_backend(class: &str) -> Option<String> {
    let lower = class.to_ascii_lowercase();
    if lower.contains("filesystemstorage") || lower.is_empty() {
        None
    } else if lower.contains("s3") {
        Some("s3".into())
    } else if lower.contains("gcloud") || lower.contains("google") {
        Some("gcs".into())
    } else if lower.contains("azure") {
        Some("azure".into())
    } else {
        Some(class.to_string())
    }
}

/// Where one kind of file is stored: an object-storage backend and its bucket, or the
/// local filesystem (`None`).
#[derive(Clone, PartialEq)]
struct Store {
    backend: String,
    bucket: Option<String>,
}

/// The short name of an email backend class, and whether it delivers mail (console,
/// file, in-memory and dummy backends keep it on the machine).
fn email_backend(class: &str) -> (String, bool) {
    let lower = class.to_ascii_lowercase();
    for (needle, name) in [
        ("console", "console"),
        ("filebased", "file"),
        ("locmem", "locmem"),
        ("dummy", "dummy"),
    ] {
        if lower.contains(needle) {
            return (name.into(), false);
        }
    }
    let name = if lower.contains("smtp") {
        "smtp"
    } else if lower.contains("ses") {
        "ses"
    } else {
        class
    };
    (name.into(), true)
}

impl Builder<'_> {
    /// `/storage`: the default storage, course imports and exports, ORA2 uploads, grade
    /// downloads and user-task artifacts, each with its backend, bucket, endpoint and
    /// `location` (endpoint and bucket: equal in both environments is one bucket); and
    /// what holds for every bucket: server-side encryption, signed URLs, the ACL, the
    /// custom domain.
    pub(super) fn storage(&mut self, lms: AppSettings, cms: AppSettings) {
        let default_of = |app: AppSettings| -> Option<Store> {
            let class = app
                .nested("STORAGES", &["default", "BACKEND"])
                .and_then(Value::as_str)
                .or_else(|| app.text("DEFAULT_FILE_STORAGE"))?;
            Some(Store {
                backend: storage_backend(class)?,
                bucket: app.text("AWS_STORAGE_BUCKET_NAME").map(str::to_string),
            })
        };
        let default = default_of(lms);
        let s3 = |bucket: Option<&str>| Store {
            backend: "s3".into(),
            bucket: bucket.map(str::to_string),
        };

        // Course imports and exports (Studio): their own bucket, a class, or the default.
        let import_export = if let Some(bucket) = cms.text("COURSE_IMPORT_EXPORT_BUCKET") {
            Some(s3(Some(bucket)))
        } else if let Some(class) = cms.text("COURSE_IMPORT_EXPORT_STORAGE") {
            storage_backend(class).map(|backend| Store {
                backend,
                bucket: default_of(cms).and_then(|d| d.bucket),
            })
        } else {
            default_of(cms)
        };
        let user_tasks = match cms.text("USER_TASKS_ARTIFACT_STORAGE") {
            Some(class) if !cms.is_reference("USER_TASKS_ARTIFACT_STORAGE") => {
                storage_backend(class).map(|backend| Store {
                    backend,
                    bucket: default_of(cms).and_then(|d| d.bucket),
                })
            }
            _ => import_export.clone(),
        };

        // ORA2 uploads: "filesystem", "s3" (its own bucket) or "django" (the default).
        let ora2 = match lms.text("ORA2_FILEUPLOAD_BACKEND") {
            Some("s3") => Some(s3(lms.text("FILE_UPLOAD_STORAGE_BUCKET_NAME"))),
            Some("django") => default.clone(),
            _ => None,
        };

        // Grade downloads: a class, a type ("s3", "localfs") or, empty, the default.
        let grades_class = lms
            .nested("GRADES_DOWNLOAD", &["STORAGE_CLASS"])
            .and_then(Value::as_str)
            .filter(|c| !c.trim().is_empty());
        let grades_type = lms
            .nested("GRADES_DOWNLOAD", &["STORAGE_TYPE"])
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let grades_bucket = ["bucket_name", "bucket"].iter().find_map(|k| {
            lms.nested("GRADES_DOWNLOAD", &["STORAGE_KWARGS", k])
                .and_then(Value::as_str)
                .map(str::to_string)
        });
        let grades = match (grades_class, grades_type.as_str()) {
            (Some(class), _) => storage_backend(class),
            (None, "s3") => Some("s3".to_string()),
            (None, "localfs") => None,
            _ => default.as_ref().map(|d| d.backend.clone()),
        }
        .map(|backend| Store {
            backend,
            bucket: grades_bucket.or_else(|| default.as_ref().and_then(|d| d.bucket.clone())),
        });

        let endpoint = lms
            .text("AWS_S3_ENDPOINT_URL")
            .map(|u| url_host(u).to_string())
            .filter(|h| !h.is_empty());
        let uses = [
            ("default", default),
            ("course_import_export", import_export),
            ("ora2", ora2),
            ("grades", grades),
            ("user_tasks", user_tasks),
        ];
        let any_object = uses.iter().any(|(_, s)| s.is_some());
        for (name, store) in uses {
            let mut node = Map::new();
            match store {
                Some(store) => {
                    // Without an endpoint, an S3 bucket is Amazon's (and its name global).
                    let endpoint = endpoint
                        .clone()
                        .or_else(|| (store.backend == "s3").then(|| "s3.amazonaws.com".into()));
                    if let Some(bucket) = &store.bucket {
                        node.insert("bucket".into(), json!(bucket));
                        let at = endpoint.as_deref().unwrap_or(&store.backend);
                        node.insert("location".into(), json!(format!("{at}/{bucket}")));
                    }
                    if let Some(e) = endpoint {
                        node.insert("endpoint".into(), json!(e));
                    }
                    node.insert("backend".into(), json!(store.backend));
                }
                None => {
                    node.insert("filesystem".into(), json!(true));
                }
            }
            self.set(&format!("/storage/{name}"), Value::Object(node));
        }
        if !any_object {
            return;
        }
        let encryption = lms
            .nested("AWS_S3_OBJECT_PARAMETERS", &["ServerSideEncryption"])
            .and_then(Value::as_str)
            .is_some_and(|s| !s.trim().is_empty())
            || ["AWS_S3_ENCRYPTION", "AWS_S3_SERVER_SIDE_ENCRYPTION"]
                .iter()
                .any(|k| {
                    lms.get(k)
                        .and_then(crate::surface::boolish)
                        .unwrap_or(false)
                });
        self.set("/storage/encryption", json!(encryption));
        if let Some(signed) = lms
            .get("AWS_QUERYSTRING_AUTH")
            .and_then(crate::surface::boolish)
        {
            self.set("/storage/signed_urls", json!(signed));
        }
        if let Some(acl) = lms.text("AWS_DEFAULT_ACL") {
            self.set("/storage/default_acl", json!(acl));
        }
        if let Some(domain) = lms.text("AWS_S3_CUSTOM_DOMAIN") {
            self.set("/storage/custom_domain", json!(domain));
        }
    }

    /// `/email`: the backend (a delivering one at `/email/backend`, one that keeps mail
    /// on the machine at `/email/captured_by`) and the ACE channels. The SMTP host and
    /// TLS are `/datastores/smtp`.
    pub(super) fn email(&mut self, lms: AppSettings) {
        let class = lms
            .text("EMAIL_BACKEND")
            .unwrap_or("django.core.mail.backends.smtp.EmailBackend");
        let (name, delivers) = email_backend(class);
        let key = if delivers { "backend" } else { "captured_by" };
        self.set(&format!("/email/{key}"), json!(name));
        if let Some(Value::Array(channels)) = lms.get("ACE_ENABLED_CHANNELS") {
            let set: Map<String, Value> = channels
                .iter()
                .filter_map(Value::as_str)
                .map(|c| (c.to_string(), json!(true)))
                .collect();
            self.set("/email/ace/channels", Value::Object(set));
        }
        for (setting, key) in [
            ("ACE_CHANNEL_DEFAULT_EMAIL", "default_email_channel"),
            ("ACE_CHANNEL_TRANSACTIONAL_EMAIL", "transactional_email_channel"),
        ] {
            if let Some(channel) = lms.text(setting) {
                self.set(&format!("/email/ace/{key}"), json!(channel));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_and_email_classes_have_short_names() {
        assert_eq!(
            storage_backend("storages.backends.s3boto3.S3Boto3Storage").as_deref(),
            Some("s3")
        );
        assert_eq!(
            storage_backend("django.core.files.storage.FileSystemStorage"),
            None
        );
        assert_eq!(
            storage_backend("storages.backends.gcloud.GoogleCloudStorage").as_deref(),
            Some("gcs")
        );
        assert_eq!(
            email_backend("django.core.mail.backends.console.EmailBackend"),
            ("console".into(), false)
        );
        assert_eq!(
            email_backend("django.core.mail.backends.smtp.EmailBackend"),
            ("smtp".into(), true)
        );
        assert_eq!(
            email_backend("django_ses.SESBackend"),
            ("ses".into(), true)
        );
    }
}
