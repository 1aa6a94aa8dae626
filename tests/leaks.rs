//! The leak suite: distinctive canaries (`CANARY-<n>-<random>`) are planted wherever an
//! Open edX deployment keeps credentials — a pair of Tutor roots (`config.yml`, the
//! rendered `lms.env.yml`, `cms.env.yml`, `production.py`, Kubernetes manifests and
//! docker-compose environment lists), two loopback LMSs answering in edx-platform's
//! shapes (MFE config, toggle names, heartbeat checks, provider names), URLs on the
//! command line, config files with `*_env` keys, environment variables and a hand-made
//! snapshot — and every command (`check`, `snapshot`, `diff`) runs in every output
//! format, to stdout and to `--output` files. Nothing any run writes (stdout, stderr,
//! every file) may hold any canary; the failure message lists each leak and where.
//!
//! Each canary sits where a real credential would, and is one that envparity promises
//! to find: under a secret name, in a recognisable shape, or by value where it was
//! redacted elsewhere. A credential under an innocent name with no shape that never
//! appears under a secret name cannot be found (the README says so); none is planted.
//!
//! The same file checks the other side of the bargain: redaction takes no parity signal
//! away from the example pair (every finding, class and non-secret value as before).

#[path = "support/lms.rs"]
mod lms;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use lms::{Lms, Server, provider};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

const KEY: &str = "envparity-leak-suite-key";

/// Where a canary is allowed to remain, because no envparity run could know it is one.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Scope {
    /// Found nowhere.
    Everywhere,
    /// A staging secret that production holds in plain text as a whole value: `check`
    /// and `diff` of the planted pair replace it (by taint, by its fingerprint), but a
    /// run where production is judged without the planted staging (its own snapshot,
    /// the config-file runs, the hand-made staging) cannot know it is a secret.
    CrossWhole,
    /// The same inside a longer production string: recognisable by taint when both
    /// environments are collected in one run (`check`), not by a fingerprint later.
    CrossPart,
}

/// Runs in which production is judged without the planted staging root.
const WITHOUT_PLANTED_STAGING: [&str; 3] = [
    "snapshot production: file",
    "diff hand-made",
    "check --config",
];

struct Canary {
    n: usize,
    place: String,
    /// What must not leak: the canary and, for one planted encoded, the texts it was
    /// planted as (the first is then in no input).
    needles: Vec<String>,
    encoded: bool,
    scope: Scope,
}

/// The planted canaries, and everything they were planted in (to prove each one was).
struct Canaries {
    list: Vec<Canary>,
    seed: u64,
    inputs: String,
}

impl Canaries {
    fn new() -> Canaries {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(7);
        Canaries {
            list: Vec::new(),
            seed: t ^ (u64::from(std::process::id()) << 32) | 1,
            inputs: String::new(),
        }
    }

    fn random(&mut self) -> String {
        // xorshift64: distinct per run, no dependency.
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        format!("{:010x}", self.seed & 0xff_ffff_ffff)
    }

    /// A new canary planted at `place`; the canary text itself is what must not leak.
    fn plant(&mut self, place: &str) -> String {
        self.plant_scoped(place, Scope::Everywhere)
    }

    fn plant_scoped(&mut self, place: &str, scope: Scope) -> String {
        let n = self.list.len() + 1;
        let c = format!("CANARY-{n:03}-{}", self.random());
        self.list.push(Canary {
            n,
            place: place.to_string(),
            needles: vec![c.clone()],
            encoded: false,
            scope,
        });
        c
    }

    /// A canary whose secret is `make(canary)` (a base64 token, a JWT): that text and
    /// the canary both must not leak.
    fn plant_encoded(
        &mut self,
        place: &str,
        make: impl Fn(&str) -> (String, Vec<String>),
    ) -> String {
        let c = self.plant(place);
        let (secret, mut needles) = make(&c);
        let last = self.list.last_mut().expect("just planted");
        last.needles.append(&mut needles);
        last.encoded = true;
        secret
    }

    fn record(&mut self, text: &str) {
        self.inputs.push_str(text);
        self.inputs.push('\n');
    }
}

fn basic(user: &str, pass: &str) -> (String, Vec<String>) {
    let token = STANDARD.encode(format!("{user}:{pass}"));
    (token.clone(), vec![token])
}

fn jwt(sub: &str) -> (String, Vec<String>) {
    let h = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let p = URL_SAFE_NO_PAD.encode(format!(r#"{{"sub":"{sub}","scope":"staff"}}"#));
    let s = URL_SAFE_NO_PAD.encode(format!("{sub}-signature"));
    (format!("{h}.{p}.{s}"), vec![p, s])
}

fn pem(label: &str, line: &str) -> String {
    format!(
        "-----BEGIN {label}-----\nMIIEowIBAAKCAQEA2B2sML/ELoW9YTO9pRem9yYDD5AEglrRnZ1PfADfvdXccOph\n{line}\n-----END {label}-----\n"
    )
}

/// One YAML line `key: value`; JSON is YAML, and says exactly what it means.
fn yaml(key: &str, value: &Value) -> String {
    format!("{}: {}\n", json!(key), value)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn append(path: &Path, text: &str, c: &mut Canaries) {
    let mut old = std::fs::read_to_string(path).unwrap();
    if !old.ends_with('\n') {
        old.push('\n');
    }
    old.push_str(text);
    std::fs::write(path, &old).unwrap();
    c.record(text);
}

fn replace(path: &Path, from: &str, to: &str, c: &mut Canaries) {
    let old = std::fs::read_to_string(path).unwrap();
    assert!(old.contains(from), "{} has no `{from}`", path.display());
    std::fs::write(path, old.replacen(from, to, 1)).unwrap();
    c.record(to);
}

/// Secrets a staging root shares with production: `(whole, part)` — the first is held
/// by production as a whole value under an innocent name, the second inside a string.
struct Cross {
    whole: String,
    part: String,
}

/// A copy of a twin root with canaries planted in config.yml and every rendered file.
fn plant_root(fixture: &str, to: &Path, env: &str, c: &mut Canaries, cross: &mut Option<Cross>) {
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/tutor")
            .join(fixture),
        to,
    );
    let p = |what: &str| format!("{env} config.yml {what}");
    let mut y = String::new();

    // By name: the value of a key whose name says "credential".
    for key in [
        "MY_PLUGIN_CREDENTIALS",
        "MYSQL_REPLICA_PWD",
        "SMTP_RELAY_PASS",
        "STRIPE_APIKEY",
        "SENDGRID_API_KEY_VALUE",
        "passwd",
        "pwd",
        "pass",
        "db-password",
        "backup.passphrase",
        "AWS_SECRET_ACCESS_KEY",
        "LTI_HMAC_SALT",
        "apiKey",
        "clientSecret",
        "authToken",
        "privateKey",
        "X_AUTH_HEADER",
        "ANALYTICS_CREDS",
        "DISCOVERY_API_TOKEN",
        "ECOMMERCE_WORKER_JWT_SECRET",
    ] {
        let v = c.plant(&p(key));
        y += &yaml(key, &json!(v));
    }
    let v = c.plant(&p("SENTRY_DSN (the key as URL user)"));
    y += &yaml(
        "SENTRY_DSN",
        &json!(format!("https://{v}@o1.ingest.sentry.io/42")),
    );
    let v = c.plant(&p("CELERY_FLOWER_BASIC_AUTH (flower:<password>)"));
    y += &yaml("CELERY_FLOWER_BASIC_AUTH", &json!(format!("flower:{v}")));
    let v = c.plant(&p("MY_PLUGIN_BASIC_AUTH [user, password]"));
    y += &yaml("MY_PLUGIN_BASIC_AUTH", &json!(["plugin-user", v]));
    let v = c.plant(&p("REPORTS_CONNECTION_STRING"));
    y += &yaml(
        "REPORTS_CONNECTION_STRING",
        &json!(format!(
            "Server=db.example.org;User Id=reports;Password={v};"
        )),
    );
    let v = c.plant(&p("PLUGIN_SETTINGS.nested.password"));
    y += &yaml(
        "PLUGIN_SETTINGS",
        &json!({"nested": {"password": v, "enabled": true}}),
    );
    let (a, b) = (c.plant(&p("FERNET_KEYS[0]")), c.plant(&p("FERNET_KEYS[1]")));
    y += &yaml("FERNET_KEYS", &json!([a, b]));
    let v = c.plant(&p("SOCIAL_AUTH_EXTRA.oa2-corp.SECRET"));
    y += &yaml(
        "SOCIAL_AUTH_EXTRA",
        &json!({"oa2-corp": {"KEY": "corp", "SECRET": v}}),
    );

    // By shape, under innocent names.
    let v = c.plant(&p("URL password after / ? #"));
    y += &yaml(
        "DATABASE_OVERRIDE",
        &json!(format!("mysql://root:p/q?r#{v}@db.example.org:3306/edxapp")),
    );
    let v = c.plant(&p("URL password before / ? #"));
    y += &yaml(
        "DATABASE_OVERRIDE_2",
        &json!(format!("mysql://root:{v}/x?y#z@db.example.org:3306/edxapp")),
    );
    let v = c.plant(&p("redis URL password, no user"));
    y += &yaml(
        "CACHE_OVERRIDE",
        &json!(format!("redis://:{v}@redis.example.org:6379/1")),
    );
    let v = c.plant(&p("amqp URL password"));
    y += &yaml(
        "BROKER_OVERRIDE",
        &json!(format!("amqp://celery:{v}@rabbit.example.org:5672//")),
    );
    let v = c.plant(&p("schemeless user:pass@host:port"));
    y += &yaml(
        "BACKUP_TARGET",
        &json!(format!("backup:{v}@backup.example.org:22")),
    );
    let v = c.plant(&p("schemeless MongoDB seed list"));
    y += &yaml(
        "MONGO_SEEDS",
        &json!(format!(
            "admin:{v}@mongo-0.db.example.org:27017,mongo-1.db.example.org:27017"
        )),
    );
    let token = c.plant_encoded(&p("Basic header value"), |v| basic("svc", v));
    y += &yaml("UPSTREAM_AUTHORIZATION", &json!(format!("Basic {token}")));
    let v = c.plant(&p("Bearer header value"));
    y += &yaml("WEBHOOK_AUTHORIZATION", &json!(format!("Bearer {v}")));
    let v = c.plant(&p("Token header in a map"));
    y += &yaml(
        "HEADERS",
        &json!({"Authorization": format!("Token {v}"), "Accept": "application/json"}),
    );
    let t = c.plant_encoded(&p("JWT under an innocent name"), jwt);
    y += &yaml("INGEST_JWT", &json!(t));
    let jwk: Vec<String> = ["d", "p", "q", "dp", "dq", "qi"]
        .iter()
        .map(|m| c.plant(&p(&format!("JWK `{m}` in a JSON string"))))
        .collect();
    let jwk_json = json!({"kty": "RSA", "kid": "signing", "e": "AQAB", "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw", "d": jwk[0], "p": jwk[1], "q": jwk[2], "dp": jwk[3], "dq": jwk[4], "qi": jwk[5]});
    y += &yaml("SIGNING_MATERIAL", &json!(jwk_json.to_string()));
    let v = c.plant(&p("JWK `k` as a YAML mapping"));
    y += &yaml(
        "SIGNING_MATERIAL_OBJECT",
        &json!({"kty": "oct", "kid": "hmac", "k": v}),
    );
    let v = c.plant(&p("KEY=value string"));
    y += &yaml(
        "EXTRA_ENV",
        &json!(format!("MAILGUN_API_KEY={v} DEBUG=false")),
    );
    let v = c.plant(&p("KEY=\"value\" string"));
    y += &yaml(
        "EXTRA_ENV_QUOTED",
        &json!(format!("DB_PASSWORD=\"{v} with spaces\" RETRIES=3")),
    );
    let v = c.plant(&p("PGP private key block"));
    y += &yaml("PGP_MATERIAL", &json!(pem("PGP PRIVATE KEY BLOCK", &v)));
    let v = c.plant(&p("OpenSSH private key"));
    y += &yaml("SSH_MATERIAL", &json!(pem("OPENSSH PRIVATE KEY", &v)));
    let v = c.plant(&p("EC private key"));
    y += &yaml("EC_MATERIAL", &json!(pem("EC PRIVATE KEY", &v)));
    let v = c.plant(&p("encrypted PKCS#8 key"));
    y += &yaml("PKCS8_MATERIAL", &json!(pem("ENCRYPTED PRIVATE KEY", &v)));
    let v = c.plant(&p("JSON in a string"));
    y += &yaml(
        "EXTRA_JSON",
        &json!(json!({"db": {"password": v}, "hosts": ["a"]}).to_string()),
    );
    let v = c.plant(&p("JSON list in a string"));
    y += &yaml("EXTRA_JSON_LIST", &json!(json!([{"token": v}]).to_string()));
    let v = c.plant(&p("token as URL user"));
    y += &yaml(
        "REPO_MIRROR",
        &json!(format!(
            "https://ghp_{}@github.com/org/repo.git",
            v.replace('-', "")
        )),
    );
    c.list.last_mut().unwrap().needles = vec![v.replace('-', "")];
    let v = c.plant(&p("access_token in a query"));
    y += &yaml(
        "QUERY_URL",
        &json!(format!(
            "https://api.example.org/v1?access_token={v}&format=json"
        )),
    );
    let v = c.plant(&p("id_token in a fragment"));
    y += &yaml(
        "CALLBACK_URL_EXAMPLE",
        &json!(format!("https://app.example.org/cb#id_token={v}&state=x")),
    );
    let v = c.plant(&p("URL password in a key"));
    y += &yaml(
        "HOOKS",
        &json!({format!("https://hook:{v}@hooks.example.org/x"): true}),
    );
    let v = c.plant(&p("KEY=value in a key"));
    y += &yaml("TOGGLES", &json!({format!("api_token={v}"): true}));

    // By value: redacted once, replaced everywhere else in the environment.
    let v = c.plant(&p("REPORTS_PASSWORD, copied into a note"));
    y += &yaml("REPORTS_PASSWORD", &json!(v));
    y += &yaml(
        "REPORTS_NOTE",
        &json!(format!("reports run nightly with {v} as the password")),
    );
    y += &yaml(
        "KNOWN_VALUES",
        &json!({v.clone(): "a key that is a secret"}),
    );
    let zendesk = c.plant(&format!(
        "{env} lms.env.yml ZENDESK_API_KEY, copied into config.yml"
    ));
    y += &yaml("ZENDESK_NOTE", &json!(zendesk));

    // Across environments: a staging secret that production holds in plain text.
    match cross.take() {
        None => {
            let whole = c.plant_scoped(
                &p("CROSS_PASSWORD (production holds it whole)"),
                Scope::CrossWhole,
            );
            let part = c.plant_scoped(
                &p("CROSS_TOKEN (production holds it in a string)"),
                Scope::CrossPart,
            );
            y += &yaml("CROSS_PASSWORD", &json!(whole));
            y += &yaml("CROSS_TOKEN", &json!(part));
            *cross = Some(Cross { whole, part });
        }
        Some(x) => {
            y += &yaml("CROSS_NOTE", &json!(x.whole));
            y += &yaml("CROSS_TEXT", &json!(format!("prefix {} suffix", x.part)));
        }
    }
    // The MongoDB host as production.py renders it, with a password in it.
    y += &yaml("RUN_MONGODB", &json!(false));
    append(&to.join("config.yml"), &y, c);

    let openedx = to.join("env/apps/openedx");
    let v = c.plant(&format!("{env} production.py mongodb_parameters host"));
    replace(
        &openedx.join("settings/lms/production.py"),
        "\"host\": \"mongodb\",",
        &format!("\"host\": \"admin:{v}@mongo.example.org\","),
        c,
    );
    let mut py = String::new();
    for key in ["EMAIL_HOST_PASSWORD", "SOME_API_KEY"] {
        let v = c.plant(&format!("{env} production.py {key}"));
        py += &format!("{key} = \"{v}\"\n");
    }
    let v = c.plant(&format!("{env} production.py DSN"));
    py += &format!("REPORTS_DSN = \"mysql://reports:{v}@db.example.org:3306/reports\"\n");
    append(&openedx.join("settings/lms/production.py"), &py, c);

    // lms.env.yml: edx-platform's own settings, where real credentials sit.
    let lms_env = openedx.join("config/lms.env.yml");
    let (u, pw, url) = (
        c.plant(&format!("{env} lms.env.yml XQUEUE_INTERFACE.basic_auth[1]")),
        c.plant(&format!(
            "{env} lms.env.yml XQUEUE_INTERFACE.django_auth.password"
        )),
        c.plant(&format!("{env} lms.env.yml XQUEUE_INTERFACE.url password")),
    );
    replace(
        &lms_env,
        "XQUEUE_INTERFACE:\n  django_auth: null\n  url: null\n",
        &format!(
            "XQUEUE_INTERFACE:\n  basic_auth: [\"xqueue_lms\", \"{u}\"]\n  django_auth: {{username: lms, password: \"{pw}\"}}\n  url: \"http://xqueue:{url}@xqueue.example.org:18040\"\n"
        ),
        c,
    );
    let mut e = String::new();
    let v = c.plant(&format!("{env} lms.env.yml CACHES LOCATION"));
    e += &yaml(
        "CACHES_OVERRIDE",
        &json!({"default": {"LOCATION": format!("redis://:{v}@redis.example.org:6379/1")}}),
    );
    for key in [
        "EVENT_TRACKING_SEGMENTIO_APIKEY",
        "ANALYTICS_DASHBOARD_PASSWD",
    ] {
        let v = c.plant(&format!("{env} lms.env.yml {key}"));
        e += &yaml(key, &json!(v));
    }
    e += &yaml("ZENDESK_API_KEY", &json!(zendesk));
    let v = c.plant(&format!("{env} lms.env.yml URL password with / and #"));
    e += &yaml(
        "LOGGING_ENDPOINT",
        &json!(format!("https://log:p/q#{v}@logs.example.org/ingest")),
    );
    let v = c.plant(&format!("{env} lms.env.yml JSON string client_secret"));
    e += &yaml(
        "COMMERCE_CONFIG_JSON",
        &json!(json!({"client_secret": v}).to_string()),
    );
    let v = c.plant(&format!(
        "{env} lms.env.yml PROCTORING_BACKENDS client_secret"
    ));
    e += &yaml(
        "PROCTORING_BACKENDS",
        &json!({"proctortrack": {"client_id": "pt", "client_secret": v, "base_url": "https://proctor.example.org"}}),
    );
    let v = c.plant(&format!("{env} lms.env.yml amqp URL"));
    e += &yaml(
        "CELERY_BROKER_URL_EXTRA",
        &json!(format!("amqp://celery:{v}@rabbit.example.org:5672//")),
    );
    let v = c.plant(&format!("{env} lms.env.yml JWK d"));
    e += &yaml("JWT_ISSUER_JWK", &json!(json!({"kty": "EC", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0", "d": v}).to_string()));
    let token = c.plant_encoded(&format!("{env} lms.env.yml Authorization line"), |v| {
        basic("sso", v)
    });
    e += &yaml(
        "SSO_HEADERS",
        &json!(format!("Authorization: Basic {token}")),
    );
    let v = c.plant(&format!("{env} lms.env.yml SECRET_KEY=… string"));
    e += &yaml("LEGACY_ENV", &json!(format!("SECRET_KEY={v}")));
    append(&lms_env, &e, c);
    // A setting a plugin put among the feature flags, which are judged as named things.
    let v = c.plant(&format!("{env} lms.env.yml FEATURES.EMAIL_HOST_PASSWORD"));
    replace(
        &lms_env,
        "FEATURES:\n",
        &format!("FEATURES:\n  EMAIL_HOST_PASSWORD: \"{v}\"\n"),
        c,
    );

    let mut e = String::new();
    let v = c.plant(&format!("{env} cms.env.yml postgres URL"));
    e += &yaml(
        "CMS_REPORTS_DB",
        &json!(format!("postgres://cms:{v}@pg.example.org/cms")),
    );
    let v = c.plant(&format!("{env} cms.env.yml CMS_PWD"));
    e += &yaml("CMS_PWD", &json!(v));
    let v = c.plant(&format!("{env} cms.env.yml JSON token"));
    e += &yaml(
        "CMS_EXTRA_JSON",
        &json!(json!({"auth": {"token": v}}).to_string()),
    );
    append(&openedx.join("config/cms.env.yml"), &e, c);

    // Kubernetes and docker-compose environment lists.
    let (a, b) = (
        c.plant(&format!("{env} k8s env UPSTREAM_PASSWORD")),
        c.plant(&format!("{env} k8s env DATABASE_URL password")),
    );
    replace(
        &to.join("env/k8s/deployments.yml"),
        "          env:\n",
        &format!(
            "          env:\n          - name: UPSTREAM_PASSWORD\n            value: \"{a}\"\n          - name: DATABASE_URL\n            value: \"mysql://u:{b}@db.example.org:3306/x\"\n"
        ),
        c,
    );
    let (a, b) = (
        c.plant(&format!("{env} docker-compose EXTRA_PASSWORD")),
        c.plant(&format!("{env} docker-compose BROKER_URL password")),
    );
    replace(
        &to.join("env/local/docker-compose.yml"),
        "    environment:\n",
        &format!(
            "    environment:\n      EXTRA_PASSWORD: \"{a}\"\n      BROKER_URL: \"amqp://u:{b}@rabbit:5672//\"\n"
        ),
        c,
    );
}

/// An LMS with canaries in its MFE config, toggle names, heartbeat and providers.
fn plant_lms(env: &str, c: &mut Canaries) -> Lms {
    let p = |what: &str| format!("{env} LMS {what}");
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let client_secret = c.plant(&p("client secret (ENVPARITY_<ENV>_CLIENT_SECRET)"));
    let token = c.plant_encoded(&p("JWT it hands out"), jwt);
    let mut mfe = serde_json::Map::new();
    for key in [
        "ZENDESK_CREDENTIALS",
        "OPTIMIZELY_APIKEY",
        "SEGMENT_WRITE_PWD",
        "CHAT_SERVICE_PASS",
    ] {
        mfe.insert(key.into(), json!(c.plant(&p(&format!("mfe_config {key}")))));
    }
    let v = c.plant(&p("mfe_config PAYMENT_CREDENTIALS.secret"));
    mfe.insert(
        "PAYMENT_CREDENTIALS".into(),
        json!({"user": "shop", "secret": v}),
    );
    let v = c.plant(&p("mfe_config URL password"));
    mfe.insert(
        "ANALYTICS_ENDPOINT".into(),
        json!(format!("https://ingest:{v}@analytics.example.org/v1")),
    );
    let v = c.plant(&p(
        "mfe_config URL password before a host no resolver takes",
    ));
    mfe.insert(
        "DISCOVERY_API_BASE_URL".into(),
        json!(format!("https://disco:{v}@disco~very.example.org/api")),
    );
    let v = c.plant(&p("mfe_config URL password in another URL's query"));
    mfe.insert(
        "LOGOUT_REDIRECT_URL".into(),
        json!(format!(
            "https://lms.example.org/logout?next=https://slo:{v}@idp.example.org/slo"
        )),
    );
    let t = c.plant_encoded(&p("mfe_config Basic value"), |v| basic("support", v));
    mfe.insert("SUPPORT_HEADER".into(), json!(format!("Basic {t}")));
    let t = c.plant_encoded(&p("mfe_config JWT"), jwt);
    mfe.insert("CHAT_JWT".into(), json!(t));
    let v = c.plant(&p("mfe_config JSON string client_secret"));
    mfe.insert(
        "EXTRA_CONFIG".into(),
        json!(json!({"client_secret": v}).to_string()),
    );
    let v = c.plant(&p("mfe_config JWK d under an ordinary name"));
    mfe.insert("SIGNING".into(), json!(json!({"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "d": v})));
    let v = c.plant(&p("mfe_config schemeless credentials"));
    mfe.insert(
        "REPORTS_DB".into(),
        json!(format!("svc:{v}@db.example.org:5432")),
    );
    let v = c.plant(&p("mfe_config KEY=value"));
    mfe.insert(
        "LEGACY_ENV".into(),
        json!(format!("SMTP_PASSWORD={v} RETRIES=3")),
    );
    let v = c.plant(&p("mfe_config PGP block"));
    mfe.insert("NOTES".into(), json!(pem("PGP PRIVATE KEY BLOCK", &v)));
    let v = c.plant(&p("mfe_config Bearer value"));
    mfe.insert("API_AUTH".into(), json!(format!("Bearer {v}")));
    let v = c.plant(&p("mfe_config REPORTS_PASSWORD, copied into a sentence"));
    mfe.insert("REPORTS_PASSWORD".into(), json!(v));
    mfe.insert(
        "REPORTS_HELP".into(),
        json!(format!("ask ops for {v} if reports fail")),
    );
    mfe.insert("ENABLE_ACCOUNT_DELETION".into(), json!(true));
    mfe.insert(
        "CREDENTIALS_BASE_URL".into(),
        json!("https://credentials.example.org"),
    );
    let flag = c.plant(&p("waffle flag name password=…"));
    let switch = c.plant(&p("waffle switch name with a URL password"));
    let setting = c.plant(&p("django setting name token=…"));
    let check = c.plant(&p("heartbeat check name with a URL password"));
    let name = c.plant(&p("provider name with a Bearer token"));
    let lms = Lms {
        client_id: format!("envparity-{env}"),
        client_secret,
        token,
        mfe_config: Some(Value::Object(mfe)),
        waffle_flags: vec![
            ("course_experience.relative_dates", Some("yes")),
            (leak(format!("debug.password={flag}")), Some("yes")),
        ],
        waffle_switches: vec![(
            leak(format!("proxy https://u:{switch}@proxy.example.org")),
            Some(true),
        )],
        django_settings: vec![
            ("FEATURES['ENABLE_THIRD_PARTY_AUTH']", true),
            ("HTTPS", true),
            (leak(format!("PLUGIN_FLAG api_token={setting}")), true),
        ],
        heartbeat: vec![
            ("modulestore", true),
            ("sql", true),
            (
                leak(format!("mysql://root:{check}@db.example.org:3306")),
                true,
            ),
        ],
        providers: vec![provider("oa2-acme", &format!("Acme Bearer {name}"))],
        ..Lms::default()
    };
    c.record(&format!("{lms:?}"));
    lms
}

/// One command's outputs: stdout, stderr and every file it wrote.
struct Outputs(Vec<(String, String)>);

impl Outputs {
    fn run(
        &mut self,
        label: &str,
        args: &[String],
        env: &[(String, String)],
        files: &[PathBuf],
    ) -> i32 {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_envparity"));
        for (k, _) in std::env::vars() {
            if k.starts_with("ENVPARITY_") || k == "MYSQL_PWD" || k == "REDISCLI_AUTH" {
                cmd.env_remove(k);
            }
        }
        cmd.args(args).env("ENVPARITY_FINGERPRINT_KEY", KEY);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run envparity");
        self.0.push((
            format!("{label}: stdout"),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ));
        self.0.push((
            format!("{label}: stderr"),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ));
        for f in files {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            self.0.push((
                format!("{label}: file {}", f.file_name().unwrap().to_string_lossy()),
                text,
            ));
        }
        out.status.code().unwrap_or(-1)
    }

    fn text(&self, label_prefix: &str) -> String {
        self.0
            .iter()
            .filter(|(l, _)| l.starts_with(label_prefix))
            .map(|(_, t)| t.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

const FORMATS: [&str; 8] = [
    "table", "json", "markdown", "junit", "sarif", "github", "patch", "html",
];

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// The `--output` flags for every format, into `dir`, and the files they name.
fn every_output(dir: &Path, tag: &str) -> (Vec<String>, Vec<PathBuf>) {
    let mut args = Vec::new();
    let mut files = Vec::new();
    for f in FORMATS {
        let path = dir.join(format!("{tag}.{f}.out"));
        args.push("--output".to_string());
        args.push(format!("{f}={}", path.display()));
        files.push(path);
    }
    (args, files)
}

#[test]
fn no_canary_reaches_any_output_of_any_command() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut c = Canaries::new();
    let mut cross = None;
    let (s_root, p_root) = (d.join("staging"), d.join("production"));
    plant_root("twin-a", &s_root, "staging", &mut c, &mut cross);
    plant_root("twin-b", &p_root, "production", &mut c, &mut cross);
    let (s_lms, p_lms) = (
        plant_lms("staging", &mut c),
        plant_lms("production", &mut c),
    );
    let (s_srv, p_srv) = (Server::start(s_lms.clone()), Server::start(p_lms.clone()));
    let creds = vec![
        (
            "ENVPARITY_STAGING_CLIENT_ID".to_string(),
            s_lms.client_id.clone(),
        ),
        (
            "ENVPARITY_STAGING_CLIENT_SECRET".to_string(),
            s_lms.client_secret.clone(),
        ),
        (
            "ENVPARITY_PRODUCTION_CLIENT_ID".to_string(),
            p_lms.client_id.clone(),
        ),
        (
            "ENVPARITY_PRODUCTION_CLIENT_SECRET".to_string(),
            p_lms.client_secret.clone(),
        ),
    ];
    let mut out = Outputs(Vec::new());
    let pair = |extra: &[&str]| -> Vec<String> {
        let mut a = strings(&["check", "--staging"]);
        a.push(s_root.display().to_string());
        a.push(s_srv.url());
        a.push("--production".into());
        a.push(p_root.display().to_string());
        a.push(p_srv.url());
        a.extend(strings(&["--timeout", "30"]));
        a.extend(strings(extra));
        a
    };

    // check: every format to stdout, and every format to files at once.
    for f in FORMATS {
        let code = out.run(
            &format!("check --format {f}"),
            &pair(&["--show-expected", "--color", "never", "--format", f]),
            &creds,
            &[],
        );
        assert_eq!(
            code,
            1,
            "check --format {f}: {}",
            out.text(&format!("check --format {f}: stderr"))
        );
    }
    let (flags, files) = every_output(d, "check");
    let mut args = pair(&["--format", "table", "--color", "never"]);
    args.extend(flags);
    assert_eq!(out.run("check --output", &args, &creds, &files), 1);
    let (flags, files) = every_output(d, "check-expected");
    let mut args = pair(&["--show-expected", "--format", "table", "--color", "always"]);
    args.extend(flags);
    assert_eq!(
        out.run("check --show-expected --output", &args, &creds, &files),
        1
    );

    // snapshot each environment, then diff the two in every format.
    let (s_snap, p_snap) = (d.join("staging.json"), d.join("production.json"));
    for (env, root, srv, snap) in [
        ("staging", &s_root, &s_srv, &s_snap),
        ("production", &p_root, &p_srv, &p_snap),
    ] {
        let args = vec![
            "snapshot".into(),
            "--env".into(),
            env.into(),
            "--source".into(),
            root.display().to_string(),
            srv.url(),
            "--timeout".into(),
            "30".into(),
            "-o".into(),
            snap.display().to_string(),
        ];
        let code = out.run(
            &format!("snapshot {env}"),
            &args,
            &creds,
            std::slice::from_ref(snap),
        );
        assert_eq!(
            code,
            0,
            "snapshot {env}: {}",
            out.text(&format!("snapshot {env}: stderr"))
        );
    }
    let diff = |extra: &[&str]| -> Vec<String> {
        let mut a = vec![
            "diff".to_string(),
            s_snap.display().to_string(),
            p_snap.display().to_string(),
        ];
        a.extend(strings(&["--color", "never"]));
        a.extend(strings(extra));
        a
    };
    for f in FORMATS {
        assert_eq!(
            out.run(
                &format!("diff --format {f}"),
                &diff(&["--show-expected", "--format", f]),
                &[],
                &[]
            ),
            1
        );
    }
    let (flags, files) = every_output(d, "diff");
    let mut args = diff(&["--show-expected"]);
    args.extend(flags);
    assert_eq!(out.run("diff --output", &args, &[], &files), 1);

    // A hand-made snapshot with plaintext secrets, judged against production's.
    let hand = d.join("hand.json");
    let (a, b, e, n) = (
        c.plant("hand-made snapshot DB_PASSWORD"),
        c.plant("hand-made snapshot URL password"),
        c.plant("hand-made snapshot source error with a URL password"),
        c.plant("hand-made snapshot note with a Bearer token"),
    );
    let (u, k, m) = (
        c.plant("hand-made snapshot covered pointer with a URL password"),
        c.plant("hand-made snapshot source kind with a Bearer token"),
        c.plant("hand-made snapshot source named by a URL with a password"),
    );
    let doc = json!({
        "format": "envparity.snapshot/1", "environment": "staging", "collected_at": "2026-11-26T12:00:00Z",
        "tool": "by hand",
        "sources": {"tutor": {"kind": "tutor", "status": "ok", "origin": "by hand", "error": null,
                              "covers": ["/settings"], "notes": [format!("read with Bearer {n}")]},
                    "odd": {"kind": format!("odd Bearer {k}"), "status": "ok", "origin": "by hand", "error": null,
                            "covers": [format!("/odd/mysql://root:{u}@db.example.org:3306"),
                                       format!("/odd/{a}")]},
                    format!("redis://cache:{m}@cache.example.org:6379"):
                        {"kind": "redis", "status": "failed", "origin": "by hand", "error": "refused",
                         "covers": ["/datastores/redis"]},
                    "mysql": {"kind": "mysql", "status": "failed", "origin": "mysql://db:3306",
                              "error": format!("cannot connect to mysql://root:{e}@db.example.org:3306"), "covers": ["/datastores/mysql"]}},
        "surface": {"settings": {"DB_PASSWORD": a, "DB_NOTE": format!("password is {a}"),
                                 "DB_URL": format!("mysql://u:{b}@db.example.org/x")}}
    });
    std::fs::write(&hand, doc.to_string()).unwrap();
    c.record(&doc.to_string());
    let args = vec![
        "diff".to_string(),
        hand.display().to_string(),
        p_snap.display().to_string(),
        "--show-expected".into(),
    ];
    for f in ["table", "json", "markdown", "html"] {
        let mut a = args.clone();
        a.extend(strings(&["--format", f]));
        assert_eq!(
            out.run(&format!("diff hand-made --format {f}"), &a, &[], &[]),
            1
        );
    }
    // A secret marker holding plaintext instead of a fingerprint is no snapshot: exit 2,
    // and the message does not repeat it.
    let mut bad = doc.clone();
    bad["surface"]["settings"]["secret"] = json!({"secret": a});
    let hand_bad = d.join("hand-bad.json");
    std::fs::write(&hand_bad, bad.to_string()).unwrap();
    let bad_args = vec![
        "diff".to_string(),
        hand_bad.display().to_string(),
        p_snap.display().to_string(),
    ];
    assert_eq!(
        out.run(
            "diff hand-made, plaintext in a secret marker",
            &bad_args,
            &[],
            &[]
        ),
        2
    );

    // Credentials on the command line are refused, and never repeated.
    let urls: Vec<(String, String)> = [
        ("mysql password with /", "mysql://root:pa/ss{}@127.0.0.1:1"),
        (
            "mysql password with ? and #",
            "mysql://u:p?x#{}@db.example.org:3306",
        ),
        ("mysql password and no host", "mysql://root:{}@"),
        ("mongodb+srv password", "mongodb+srv://u:{}@h/"),
        (
            "mongodb password",
            "mongodb://admin:{}@m1:27017/?replicaSet=rs0",
        ),
        (
            "LMS access_token query",
            "http://h.example.org/?access_token={}",
        ),
        ("LMS fragment token", "https://lms.example.org/#token={}"),
        ("LMS user:password", "https://user:{}@lms.example.org"),
        ("redis password", "redis://:{}@127.0.0.1:1"),
        (
            "rediss password with ?",
            "rediss://u:p?{}@cache.example.org",
        ),
    ]
    .into_iter()
    .map(|(what, tpl)| {
        (
            what.to_string(),
            tpl.replace("{}", &c.plant(&format!("command line: {what}"))),
        )
    })
    .collect();
    for (what, url) in &urls {
        c.record(url);
        let args = vec![
            "check".into(),
            "--staging".into(),
            url.clone(),
            "--production".into(),
            p_root.display().to_string(),
        ];
        let code = out.run(&format!("check --staging <{what}>"), &args, &[], &[]);
        assert_eq!(
            code,
            2,
            "{what}: {}",
            out.text(&format!("check --staging <{what}>: stderr"))
        );
        let snap = d.join("refused.json");
        let args = vec![
            "snapshot".into(),
            "--env".into(),
            "staging".into(),
            "--source".into(),
            url.clone(),
            "-o".into(),
            snap.display().to_string(),
        ];
        assert_eq!(
            out.run(&format!("snapshot --source <{what}>"), &args, &[], &[snap]),
            2
        );
    }

    // Config files: a credential pasted where a variable name belongs, credentials in
    // URLs, and sources whose credentials come from the environment.
    let config_runs: Vec<(String, String, i32)> = {
        let mut v = Vec::new();
        for (table, body) in [
            (
                "openedx",
                "lms = \"https://lms.example.org\"\nclient_secret_env = \"{}\"",
            ),
            (
                "openedx",
                "lms = \"https://lms.example.org\"\nclient_id_env = \"{}\"",
            ),
            (
                "mysql",
                "host = \"127.0.0.1\"\nport = 1\npassword_env = \"{}\"",
            ),
            (
                "redis",
                "host = \"127.0.0.1\"\nport = 1\npassword_env = \"{}\"",
            ),
            (
                "mongodb",
                "hosts = [\"127.0.0.1:1\"]\npassword_env = \"{}\"",
            ),
            (
                "kubernetes",
                "api_server = \"https://127.0.0.1:1\"\ntoken_env = \"{}\"",
            ),
            ("openedx", "lms = \"https://u:{}@lms.example.org\""),
            (
                "openedx",
                "lms = \"https://lms.example.org/?access_token={}\"",
            ),
        ] {
            let canary = c.plant(&format!(
                "config [[staging.{table}]] {}",
                body.lines().last().unwrap_or("").replace("{}", "<canary>")
            ));
            v.push((table.to_string(), body.replace("{}", &canary), 2));
        }
        // A pasted credential shaped like a variable name passes the check, and is then
        // named as a variable that is not set — without being shown.
        let lower = c
            .plant("config password_env holding an identifier-shaped credential")
            .to_lowercase()
            .replace('-', "_");
        c.list.last_mut().unwrap().needles = vec![lower.clone()];
        v.push((
            "mysql".into(),
            format!("host = \"127.0.0.1\"\nport = 1\npassword_env = \"{lower}\""),
            2,
        ));
        let k8s = c.plant("config kubernetes api_server user:password");
        v.push((
            "kubernetes".into(),
            format!("api_server = \"https://k8s:{k8s}@127.0.0.1:1\""),
            1,
        ));
        v
    };
    for (i, (table, body, want)) in config_runs.iter().enumerate() {
        let file = d.join(format!("envparity-{i}.toml"));
        let text = format!(
            "[staging]\nsources = []\n[[staging.{table}]]\n{body}\n\n[production]\nsources = [{}]\n",
            json!(p_root.display().to_string())
        );
        std::fs::write(&file, &text).unwrap();
        c.record(&text);
        let (flags, files) = every_output(d, &format!("config-{i}"));
        let mut args = vec![
            "check".into(),
            "--config".into(),
            file.display().to_string(),
            "--timeout".into(),
            "5".into(),
        ];
        args.extend(flags);
        let code = out.run(
            &format!("check --config <{table} #{i}>"),
            &args,
            &[],
            &files,
        );
        assert_eq!(
            code,
            *want,
            "config #{i}: {}",
            out.text(&format!("check --config <{table} #{i}>: stderr"))
        );
        let snap = d.join(format!("config-{i}.json"));
        let args = vec![
            "snapshot".into(),
            "--env".into(),
            "staging".into(),
            "--config".into(),
            file.display().to_string(),
            "--timeout".into(),
            "5".into(),
            "-o".into(),
            snap.display().to_string(),
        ];
        let code = out.run(
            &format!("snapshot --config <{table} #{i}>"),
            &args,
            &[],
            &[snap],
        );
        assert_eq!(code, if *want == 2 { 2 } else { 0 }, "snapshot config #{i}");
    }

    // Credentials from environment variables, for sources that cannot be reached.
    let mysql_pwd = c.plant("environment MYSQL_PWD");
    let redis_auth = c.plant("environment REDISCLI_AUTH");
    let staging_mysql = c.plant("environment ENVPARITY_STAGING_MYSQL_PASSWORD");
    let env = vec![
        ("MYSQL_PWD".to_string(), mysql_pwd.clone()),
        ("REDISCLI_AUTH".to_string(), redis_auth.clone()),
        (
            "ENVPARITY_STAGING_MYSQL_PASSWORD".to_string(),
            staging_mysql.clone(),
        ),
    ];
    c.record(&format!("{mysql_pwd} {redis_auth} {staging_mysql}"));
    let (flags, files) = every_output(d, "env");
    let mut args = vec![
        "check".into(),
        "--staging".into(),
        s_root.display().to_string(),
        "mysql://envparity@127.0.0.1:1".into(),
        "redis://127.0.0.1:1".into(),
        "--production".into(),
        p_root.display().to_string(),
        "mysql://envparity@127.0.0.1:1".into(),
        "--timeout".into(),
        "10".into(),
        "--show-expected".into(),
    ];
    args.extend(flags);
    assert_eq!(
        out.run(
            "check with credentials in the environment",
            &args,
            &env,
            &files
        ),
        1
    );

    // Every canary was planted somewhere a run read it from.
    for canary in &c.list {
        for needle in &canary.needles[usize::from(canary.encoded)..] {
            assert!(
                c.inputs.contains(needle.as_str()) || creds.iter().any(|(_, v)| v == needle),
                "canary #{} ({}) was not planted",
                canary.n,
                canary.place
            );
        }
    }
    assert!(c.list.len() >= 150, "only {} canaries", c.list.len());

    // And none of them came out.
    let mut leaks = Vec::new();
    for canary in &c.list {
        for (label, text) in &out.0 {
            let alone = WITHOUT_PLANTED_STAGING.iter().any(|p| label.starts_with(p));
            let allowed = match canary.scope {
                Scope::Everywhere => false,
                Scope::CrossWhole => alone,
                Scope::CrossPart => alone || label.starts_with("diff "),
            };
            if allowed {
                continue;
            }
            if let Some(needle) = canary.needles.iter().find(|n| text.contains(n.as_str())) {
                leaks.push(format!(
                    "canary #{} ({}) in {label} (`{needle}`)",
                    canary.n, canary.place
                ));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "{} of {} canaries leaked, {} times:\n{}",
        leaks
            .iter()
            .map(|l| l.split(" in ").next().unwrap_or(""))
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        c.list.len(),
        leaks.len(),
        leaks.join("\n")
    );

    // The runs did what they say: the secrets were judged, as fingerprints.
    let report: Value =
        serde_json::from_str(&out.text("check --format json: stdout")).expect("json report");
    let finding = |path: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == path)
            .unwrap_or_else(|| panic!("no finding at {path}"))
            .clone()
    };
    assert!(finding("/settings/MY_PLUGIN_CREDENTIALS")["staging"]["secret"].is_string());
    let flower = finding("/settings/CELERY_FLOWER_BASIC_AUTH");
    assert!(
        flower["staging"]
            .as_str()
            .unwrap()
            .starts_with("flower:<hmac-sha256:"),
        "{flower}"
    );
    assert_eq!(flower["class"], "expected", "{flower}");
    let db = finding("/settings/DATABASE_OVERRIDE")["staging"].clone();
    assert!(
        db.as_str()
            .unwrap()
            .starts_with("mysql://root:<hmac-sha256:"),
        "{db}"
    );
    assert!(
        db.as_str()
            .unwrap()
            .ends_with(">@db.example.org:3306/edxapp"),
        "{db}"
    );
    let basic = finding("/settings/UPSTREAM_AUTHORIZATION")["staging"].clone();
    assert!(
        basic.as_str().unwrap().starts_with("Basic <hmac-sha256:"),
        "{basic}"
    );
    // Production's copy of a staging secret is a fingerprint in production too.
    assert!(finding("/settings/CROSS_NOTE")["production"]["secret"].is_string());
}

#[test]
fn examples_keep_every_finding_class_and_value() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let baseline: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("tests/fixtures/examples-findings.json")).unwrap(),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_envparity"))
        .current_dir(root)
        .args([
            "check",
            "--staging",
            "examples/staging",
            "--production",
            "examples/production",
            "--show-expected",
            "--format",
            "json",
        ])
        .env("ENVPARITY_FINGERPRINT_KEY", "envparity-examples-key")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"], baseline["summary"]);
    let key = |f: &Value| {
        (
            f["path"].as_str().unwrap_or("").to_string(),
            f["class"].as_str().unwrap_or("").to_string(),
        )
    };
    let now: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(key)
        .collect();
    let before: Vec<_> = baseline["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(key)
        .collect();
    assert_eq!(
        now, before,
        "the example pair's findings and classes changed"
    );
    // Values: hosts, images, versions, booleans and identifiers stay readable; only
    // a value that was a secret fingerprint may be a (possibly other) fingerprint.
    for (f, b) in report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .zip(baseline["findings"].as_array().unwrap())
    {
        for side in ["staging", "production"] {
            let (v, w) = (&f[side], &b[side]);
            let both_secret = v.get("secret").is_some() && w.get("secret").is_some();
            assert!(
                v == w || both_secret,
                "{} {side}: {w} became {v}",
                f["path"]
            );
        }
        assert_eq!(f["message"], b["message"], "{}", f["path"]);
    }
}

/// Values and keys a source controls, written to take over an output: workflow
/// commands after a line break (`\n`, `\r`), markup, table syntax, terminal escapes and
/// a bidirectional override.
#[test]
fn no_value_can_hijack_an_output() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = [
        "ok\n::error title=pwned::owned",
        "ok\r::set-output name=x::y",
        "  \n   ::add-mask::z",
        "<script>alert(1)</script><img src=x onerror=alert(2)>",
        "| a | b |\n| --- |",
        "\u{1b}]0;title\u{7}\u{1b}[2Jcleared",
        "abc\u{202e}fed",
    ];
    let settings = |env: &str| {
        let mut m = serde_json::Map::new();
        for (i, h) in hostile.iter().enumerate() {
            m.insert(format!("V{i}"), json!(format!("{env} {h}")));
            m.insert(format!("{h} {env} key {i}"), json!(true));
        }
        json!({
            "format": "envparity.snapshot/1", "environment": env, "collected_at": "2026-11-26T12:00:00Z",
            "tool": "by hand", "sources": {"tutor": {"kind": "tutor", "status": "ok",
                "origin": format!("root\n::error::from-origin {env}"), "error": null,
                "covers": ["/settings"], "notes": [format!("note\r::warning::from-note {env}")]}},
            "surface": {"settings": Value::Object(m)}
        })
    };
    let (s, p) = (dir.path().join("s.json"), dir.path().join("p.json"));
    std::fs::write(&s, settings("staging").to_string()).unwrap();
    std::fs::write(&p, settings("production").to_string()).unwrap();
    for format in FORMATS {
        let out = Command::new(env!("CARGO_BIN_EXE_envparity"))
            .args(["diff", &s.display().to_string(), &p.display().to_string()])
            .args([
                "--fail-on",
                "drift,extra",
                "--show-expected",
                "--color",
                "never",
                "--format",
                format,
            ])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        for line in text.split(['\n', '\r']) {
            let starts_command = line.trim_start().starts_with("::");
            if format == "github" {
                let ours = ["::error ", "::warning ", "::notice "]
                    .iter()
                    .any(|c| line.starts_with(c));
                assert!(
                    line.is_empty() || ours,
                    "github: a line that is no command of ours: {line:?}"
                );
            } else {
                assert!(!starts_command, "{format}: a workflow command: {line:?}");
            }
        }
        match format {
            "table" => {
                assert!(!text.contains('\u{1b}'), "table: a raw escape sequence");
                assert!(
                    !text.contains('\u{202e}'),
                    "table: a raw bidirectional override"
                );
                assert!(text.contains("\\x1b]0;title"), "table: the escape is shown");
            }
            "markdown" => {
                // Code spans show their text as it is; markup counts outside them.
                let prose = without_code_spans(&text);
                assert!(!prose.contains("<script"), "markdown: markup from a value");
                assert!(!prose.contains("<img"), "markdown: markup from a value");
            }
            "html" => {
                assert!(!text.contains("<script>alert"), "html: markup from a value");
                assert!(!text.contains("<img src=x"), "html: markup from a value");
            }
            _ => {}
        }
    }
}

/// Markdown without its code spans (a run of backticks to the next run as long).
fn without_code_spans(md: &str) -> String {
    let b = md.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'`' {
            let n = b[i..].iter().take_while(|&&c| c == b'`').count();
            let fence = "`".repeat(n);
            if let Some(end) = md[i + n..].find(&fence) {
                i += n + end + n;
                continue;
            }
        }
        let c = md[i..].chars().next().unwrap_or(' ');
        out.push(c);
        i += c.len_utf8();
    }
    out
}

#[test]
fn a_credential_pasted_as_a_variable_name_is_refused_with_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("envparity.toml");
    let pasted = "xK9#mQ2-pasted-client-secret";
    std::fs::write(
        &file,
        format!(
            "[staging]\nsources = [\"examples/staging\"]\n\n[production]\nsources = [\"examples/production\"]\n\n[[production.openedx]]\nlms = \"https://lms.example.org\"\nclient_id_env = \"PROD_LMS_CLIENT_ID\"\nclient_secret_env = \"{pasted}\"\n"
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_envparity"))
        .args(["check", "--config", &file.display().to_string()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        !stderr.contains(pasted) && !stderr.contains("pasted-client"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{}:10:1:", file.display())),
        "file and line: {stderr}"
    );
    assert!(
        stderr.contains("[[production.openedx]] client_secret_env"),
        "{stderr}"
    );
    assert!(
        stderr.contains("must name an environment variable"),
        "{stderr}"
    );
}
