//! Plugins, feature flags and settings.

use super::INSTANCE_ID;
use super::builder::Builder;
use super::python::PythonSettings;
use crate::normalize::SecretPolicy;
use crate::surface::{self, join_pointer};
use serde_json::{Map, Value, json};
use std::path::Path;

impl Builder<'_> {
    pub(super) fn plugins(&mut self, settings: &Map<String, Value>) {
        let mut plugins = Map::new();
        if let Some(list) = settings.get("PLUGINS").and_then(Value::as_array) {
            for name in list.iter().filter_map(Value::as_str) {
                plugins.insert(name.to_string(), json!({"enabled": true}));
            }
        }
        // Host directories mounted into the image (a mounted edx-platform is a fork in all
        // but name). Extra Python packages are read from the rendered Dockerfile
        // (`/build/pip`), with whatever plugins add there.
        if let Some(list) = settings.get("MOUNTS").and_then(Value::as_array) {
            for mount in list.iter().filter_map(Value::as_str) {
                let host = mount.split(':').next().unwrap_or(mount);
                let name = Path::new(host)
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or(host);
                plugins.insert(format!("mount:{name}"), json!({"enabled": true}));
            }
        }
        self.set("/plugins", Value::Object(plugins));
    }

    pub(super) fn features(
        &mut self,
        app: &str,
        env_yml: Option<&Map<String, Value>>,
        py: Option<&PythonSettings>,
        file: &str,
    ) {
        let Some(env_yml) = env_yml else {
            self.set(
                &format!("/features/{app}"),
                surface::unknown(format!("env/apps/openedx/config/{file} is missing")),
            );
            return;
        };
        let mut flags = match env_yml.get("FEATURES") {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        };
        if let Some(py) = py {
            for (k, v) in py.feature_values(&flags) {
                flags.insert(k, json!(v));
            }
        }
        self.set(&format!("/features/{app}"), Value::Object(flags));
    }

    /// The rendered settings of one app, minus FEATURES (judged under /features) and
    /// minus secrets (copies of config.yml's, judged at /settings/<KEY>).
    pub(super) fn app_settings(
        &mut self,
        app: &str,
        env_yml: Option<&Map<String, Value>>,
        policy: &SecretPolicy,
        file: &str,
    ) {
        let Some(env_yml) = env_yml else {
            self.set(
                &format!("/settings/{app}"),
                surface::unknown(format!("env/apps/openedx/config/{file} is missing")),
            );
            return;
        };
        let mut m = env_yml.clone();
        m.remove("FEATURES");
        let mut v = Value::Object(m);
        drop_secrets(&mut v, policy, &mut self.secrets);
        self.set(&format!("/settings/{app}"), v);
    }

    pub(super) fn settings(&mut self, settings: Map<String, Value>) {
        for (k, v) in settings {
            // The instance id names the Kubernetes instance (it is in every label): an
            // identifier that is fingerprinted whatever the profile, so that two
            // environments with one id show as shared without printing it.
            let v = match (k.as_str(), v) {
                (INSTANCE_ID, Value::String(id)) if !id.is_empty() => {
                    let fp = surface::secret(self.fp.fingerprint(&id));
                    self.secrets.push((k.clone(), Value::String(id)));
                    fp
                }
                (_, v) => v,
            };
            self.set(&join_pointer(&["settings", &k]), v);
        }
    }
}
/// Leaves out the values of secret keys, and hands them to `dropped` so that they are
/// still looked for everywhere else (a copy under an innocent name is no less secret).
pub(super) fn drop_secrets(
    v: &mut Value,
    policy: &SecretPolicy,
    dropped: &mut Vec<(String, Value)>,
) {
    match v {
        Value::Object(m) => {
            let keys: Vec<String> = m
                .keys()
                .filter(|k| policy.is_secret_key(k))
                .cloned()
                .collect();
            for k in keys {
                if let Some(value) = m.remove(&k) {
                    dropped.push((k, value));
                }
            }
            m.values_mut()
                .for_each(|v| drop_secrets(v, policy, dropped));
        }
        Value::Array(a) => a.iter_mut().for_each(|v| drop_secrets(v, policy, dropped)),
        _ => {}
    }
}
