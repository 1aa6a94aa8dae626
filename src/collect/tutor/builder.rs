//! The surface of one root, built piece by piece by the other files of this folder.

use super::config::ConfigFile;
use super::covers;
use super::defaults::effective_settings;
use crate::findings::Location;
use crate::collect::Collected;
use crate::normalize::Fingerprinter;
use crate::surface::{self, join_pointer};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::Path;

pub(super) struct Builder<'a> {
    /// Whether values read from env/ may point at their file.
    pub(super) env_locations: bool,
    pub(super) fp: &'a Fingerprinter,
    pub(super) config: &'a ConfigFile,
    pub(super) surface: Value,
    pub(super) locations: BTreeMap<String, Location>,
    /// Lines for the report about how the root was read.
    pub(super) notes: Vec<String>,
    /// Secrets left out of the surface or fingerprinted here, for the taint.
    pub(super) secrets: Vec<(String, Value)>,
}

/// The config.yml key each derived pointer comes from, for locations.
pub(super) const DERIVED_FROM: [(&str, &str); 18] = [
    ("/release/openedx_version", "OPENEDX_COMMON_VERSION"),
    (
        "/release/edx_platform/repository",
        "EDX_PLATFORM_REPOSITORY",
    ),
    ("/release/edx_platform/version", "EDX_PLATFORM_VERSION"),
    ("/datastores/mongodb/bundled", "RUN_MONGODB"),
    ("/datastores/mongodb/host", "MONGODB_HOST"),
    ("/datastores/mongodb/members", "MONGODB_HOST"),
    ("/datastores/mongodb/replica_set", "MONGODB_REPLICA_SET"),
    ("/datastores/mongodb/replicated", "MONGODB_REPLICA_SET"),
    ("/datastores/mongodb/tls", "MONGODB_USE_SSL"),
    ("/datastores/mysql/bundled", "RUN_MYSQL"),
    ("/datastores/mysql/host", "MYSQL_HOST"),
    ("/datastores/redis/bundled", "RUN_REDIS"),
    ("/datastores/redis/host", "REDIS_HOST"),
    ("/datastores/search/bundled", "RUN_MEILISEARCH"),
    ("/datastores/smtp/bundled", "RUN_SMTP"),
    ("/datastores/smtp/host", "SMTP_HOST"),
    ("/datastores/smtp/tls", "SMTP_USE_TLS"),
    ("/security/https", "ENABLE_HTTPS"),
];

pub(super) const MORE_DERIVED: [(&str, &str); 5] = [
    ("/security/session_cookie_secure", "ENABLE_HTTPS"),
    ("/security/csrf_cookie_secure", "ENABLE_HTTPS"),
    ("/security/smtp_tls", "SMTP_USE_TLS"),
    ("/security/mongodb_tls", "MONGODB_USE_SSL"),
    ("/services/lms/uwsgi_workers", "OPENEDX_LMS_UWSGI_WORKERS"),
];

impl Builder<'_> {
    pub(super) fn set(&mut self, pointer: &str, value: Value) {
        surface::set_pointer(&mut self.surface, pointer, value);
    }

    /// `/celery/<app>/<queue>` of the workers found, with the replicas of each.
    pub(super) fn set_celery(&mut self, workers: &[(u64, crate::collect::workloads::CeleryWorker)]) {
        let celery = crate::collect::workloads::celery_surface(workers);
        if !celery.is_empty() {
            self.set("/celery", Value::Object(celery));
        }
    }

    pub(super) fn locate_file(&mut self, pointer: &str, file: &Path) {
        if !self.env_locations {
            return;
        }
        self.locations.insert(
            pointer.to_string(),
            Location {
                file: file.display().to_string(),
                line: None,
            },
        );
    }

    pub(super) fn finish(mut self) -> Collected {
        let file = self.config.path.display().to_string();
        for (key, line) in &self.config.lines {
            self.locations.insert(
                join_pointer(&["settings", key]),
                Location {
                    file: file.clone(),
                    line: Some(*line),
                },
            );
        }
        for (pointer, key) in DERIVED_FROM
            .iter()
            .chain(MORE_DERIVED.iter())
            .copied()
            .chain([("/services/cms/uwsgi_workers", "OPENEDX_CMS_UWSGI_WORKERS")])
        {
            if let Some(line) = self.config.lines.get(key) {
                self.locations.insert(
                    pointer.to_string(),
                    Location {
                        file: file.clone(),
                        line: Some(*line),
                    },
                );
            }
        }
        // A plugin missing from one side points at the other side's PLUGINS list.
        let plugins_line = self.config.lines.get("PLUGINS").copied();
        if let Some(Value::Object(plugins)) = self.surface.get("plugins") {
            for name in plugins.keys() {
                let line = self.config.plugin_lines.get(name).copied().or(plugins_line);
                self.locations.insert(
                    join_pointer(&["plugins", name]),
                    Location {
                        file: file.clone(),
                        line,
                    },
                );
            }
        }
        if let Some(line) = plugins_line {
            self.locations.insert(
                "/plugins".into(),
                Location {
                    file: file.clone(),
                    line: Some(line),
                },
            );
        }
        Collected {
            surface: self.surface,
            covers: covers(),
            locations: self.locations,
            inner_sources: BTreeMap::new(),
            fingerprint: None,
            notes: self.notes,
            secrets: self.secrets,
        }
    }

    /// No rendered tree: what `config.yml` (with the defaults) gives, and unknown
    /// markers for what only `env/` can tell.
    pub(super) fn config_only(&mut self, why: &str) {
        let settings = effective_settings(
            &self.config.values,
            None,
            &format!("it follows the Tutor release, which needs env/version: {why}"),
        )
        .settings;
        let root = self
            .config
            .path
            .parent()
            .unwrap_or(Path::new("."))
            .display()
            .to_string();
        let unknown = |what: &str| {
            surface::unknown(format!("{what} needs the rendered env/ of {root}: {why}"))
        };
        let marks = [
            (
                "/release/tutor_version",
                unknown("the Tutor version (env/version)"),
            ),
            (
                "/release/openedx_release",
                unknown("the Open edX release (env/version)"),
            ),
            ("/release/images", unknown("the deployed images (env/k8s)")),
            (
                "/services",
                unknown("the deployments and autoscalers (env/k8s)"),
            ),
            (
                "/celery",
                unknown("the Celery workers (env/k8s, env/local)"),
            ),
            ("/jobs", unknown("the CronJobs (env/k8s)")),
            ("/features", unknown("the FEATURES maps (env/apps/openedx)")),
            (
                "/build/pip",
                unknown("the packages built into the image (env/build/openedx/Dockerfile)"),
            ),
            ("/mfes", unknown("the MFEs tutor-mfe builds (its Dockerfile)")),
            (
                "/storage",
                unknown("the storage settings (env/apps/openedx)"),
            ),
            ("/email", unknown("the email settings (env/apps/openedx)")),
            ("/settings/lms", unknown("the LMS settings (lms.env.yml)")),
            ("/settings/cms", unknown("the CMS settings (cms.env.yml)")),
            (
                "/security/session_cookie_secure",
                unknown("the cookie settings (production.py)"),
            ),
            (
                "/security/csrf_cookie_secure",
                unknown("the cookie settings (production.py)"),
            ),
        ];
        for (k, name) in [
            ("/release/openedx_version", "OPENEDX_COMMON_VERSION"),
            (
                "/release/edx_platform/repository",
                "EDX_PLATFORM_REPOSITORY",
            ),
            ("/release/edx_platform/version", "EDX_PLATFORM_VERSION"),
        ] {
            let v = settings
                .get(name)
                .cloned()
                .unwrap_or_else(|| unknown(&format!("the default of {name} (Tutor version)")));
            self.set(k, v);
        }
        self.plugins(&settings);
        self.datastores(&settings, None, None);
        self.security(&settings, None, None);
        for (p, v) in marks {
            self.set(p, v);
        }
        self.settings(settings);
    }

    /// uWSGI workers not found in the manifests come from the settings.
    pub(super) fn fill_uwsgi(
        &self,
        services: &mut Map<String, Value>,
        settings: &Map<String, Value>,
    ) {
        for (app, key) in [
            ("lms", "OPENEDX_LMS_UWSGI_WORKERS"),
            ("cms", "OPENEDX_CMS_UWSGI_WORKERS"),
        ] {
            if let (Some(Value::Object(s)), Some(w)) =
                (services.get_mut(app), settings.get(key).and_then(count))
            {
                s.entry("uwsgi_workers").or_insert(json!(w));
            }
        }
    }
}

/// A count (replicas, workers): a whole number, or a string holding one.
pub(super) fn count(v: &Value) -> Option<u64> {
    let n = crate::surface::number(v)?;
    (n >= 0.0 && n.fract() == 0.0 && n < 9.007_199_254_740_992e15).then_some(n as u64)
}
