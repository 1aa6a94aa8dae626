//! The edge source against a real Caddy (Debian's package, the web server Tutor runs)
//! serving the LMS site of the Caddyfile that Tutor 22 rendered for the example roots,
//! with certificates made by the openssl CLI from a throwaway CA:
//!
//! - production: TLS 1.3 only, a 90-day certificate, HSTS and a Content-Security-Policy
//!   added as a `caddyfile-lms` patch would add them, plain HTTP redirecting to HTTPS, and
//!   an LMS that sets its CSRF cookie `Secure`;
//! - staging: TLS 1.2 at most, a certificate expiring in 2 days, no HSTS, nothing on the
//!   HTTP port, a CSRF cookie without `Secure`.
//!
//! The LMS behind Caddy is a Caddy site too (a `respond` with the cookie an LMS sets), so
//! the headers reach the client through Tutor's own `reverse_proxy` snippet.
//!
//! Without `caddy` and `openssl` the tests are skipped with a message, except under
//! CI=true, where they fail: CI installs both.

#[path = "support/servers.rs"]
mod servers;
#[path = "support/tls.rs"]
mod tls;

use serde_json::Value;
use servers::{Server, binaries, free_port, wait_until};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
use tls::{Authority, ServerIdentity};

const KEY: &str = "envparity-edge-test-key";

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

/// The `(proxy)` snippet and the LMS site of a rendered Tutor Caddyfile, verbatim.
fn tutor_site(root: &str, host: &str) -> (String, String) {
    let text = std::fs::read_to_string(repo(root).join("env/apps/caddy/Caddyfile"))
        .expect("the rendered Caddyfile");
    // Blocks open with a line ending in `{` and close with a line that is only `}`
    // (placeholders such as `{args.0}` and `{$default_site_port}` sit inside lines).
    let block = |opening: &str| -> String {
        let start = text
            .find(opening)
            .unwrap_or_else(|| panic!("{opening} in Caddyfile"));
        let mut depth = 0;
        let mut out = String::new();
        for line in text[start..].lines() {
            out.push_str(line);
            out.push('\n');
            if line.trim_end().ends_with('{') {
                depth += 1;
            } else if line.trim() == "}" {
                depth -= 1;
                if depth == 0 {
                    return out;
                }
            }
        }
        panic!("{opening}: unbalanced braces");
    };
    (
        block("(proxy) {"),
        block(&format!("{host}{{$default_site_port}} {{")),
    )
}

struct Edge {
    _caddy: Server,
    https: u16,
    http: u16,
}

struct Setup<'a> {
    root: &'a str,
    /// The sites of the rendered Caddyfile served, by host (the first is the LMS).
    hosts: &'a [&'a str],
    identity: &'a ServerIdentity,
    /// `protocols MIN MAX` of Caddy's `tls` directive.
    protocols: &'a str,
    /// Lines a `caddyfile-lms` patch adds to the LMS site.
    patch: &'a str,
    /// Whether plain HTTP redirects to HTTPS (otherwise nothing listens there).
    redirect: bool,
    secure_cookie: bool,
}

fn start(caddy: &Path, s: &Setup) -> Edge {
    let dir = tempfile::tempdir().expect("tempdir");
    let (https, http, backend) = (
        free_port("127.0.0.1"),
        free_port("127.0.0.1"),
        free_port("127.0.0.1"),
    );
    let mut proxy = String::new();
    let mut sites = String::new();
    for host in s.hosts {
        let (snippet, site) = tutor_site(s.root, host);
        proxy = snippet;
        let site = site
            .replacen(
                &format!("{host}{{$default_site_port}} {{"),
                &format!(
                    "https://{host}:{https} {{\n    tls {} {} {{\n        protocols {}\n    }}\n{}",
                    s.identity.cert_pem.display(),
                    s.identity.key_pem.display(),
                    s.protocols,
                    s.patch
                ),
                1,
            )
            .replace("\"lms:8000\"", &format!("\"127.0.0.1:{backend}\""))
            .replace("\"cms:8000\"", &format!("\"127.0.0.1:{backend}\""))
            .replace("\"mfe:8002\"", &format!("\"127.0.0.1:{backend}\""));
        // Debian's Caddy 2.6.2 answers an empty 200 from Tutor's trailing `handle_path /*`
        // block (which only caps the request body) before the proxy runs: leave it out.
        let site = match site.find("    handle_path /* {") {
            Some(at) => format!("{}}}\n", &site[..at]),
            None => site,
        };
        sites.push_str(&site);
        sites.push('\n');
    }
    let cookie = format!(
        "csrftoken=not-a-secret-value; Path=/; SameSite=Lax{}",
        if s.secure_cookie { "; Secure" } else { "" }
    );
    let mut caddyfile = format!(
        "{{\n    admin off\n    auto_https off\n    storage file_system {data}\n    http_port {http}\n    https_port {https}\n}}\n\n{proxy}\n\n{sites}\n\
         http://:{backend} {{\n    bind 127.0.0.1\n    header Set-Cookie \"{cookie}\"\n    header X-Frame-Options DENY\n    respond \"ok\" 200\n}}\n",
        data = dir.path().join("data").display(),
    );
    for host in s.hosts.iter().filter(|_| s.redirect) {
        caddyfile.push_str(&format!(
            "\nhttp://{host}:{http} {{\n    redir https://{host}:{https}{{uri}} 308\n}}\n"
        ));
    }
    let file = dir.path().join("Caddyfile");
    std::fs::write(&file, &caddyfile).expect("write Caddyfile");
    let log = std::fs::File::create(dir.path().join("caddy.log")).expect("log file");
    let child = Command::new(caddy)
        .args(["run", "--adapter", "caddyfile", "--config"])
        .arg(&file)
        .env("HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .stdout(Stdio::null())
        .stderr(log.try_clone().expect("log"))
        .spawn()
        .expect("start caddy");
    let mut server = Server {
        child,
        ip: "127.0.0.1",
        port: https,
        dir,
    };
    let log_path = server.dir.path().join("caddy.log");
    let log = || std::fs::read_to_string(&log_path).unwrap_or_default();
    wait_until(
        &format!("caddy on {https}"),
        Duration::from_secs(20),
        || {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("caddy exited ({status}):\n{}\n{caddyfile}", log());
            }
            std::net::TcpStream::connect(("127.0.0.1", https)).is_ok()
        },
    );
    Edge {
        _caddy: server,
        https,
        http,
    }
}

struct Pair {
    _authority: Authority,
    ca: PathBuf,
    production: Edge,
    staging: Edge,
}

fn pair() -> Option<Pair> {
    let bins = binaries(&["caddy", "openssl"])?;
    let authority = Authority::new();
    let prod_id = authority.issue_for_days("lms.example.org", &["DNS:lms.example.org"], 90);
    let stag_id = authority.issue_for_days(
        "lms.staging.example.org",
        &["DNS:lms.staging.example.org"],
        2,
    );
    let production = start(
        &bins[0],
        &Setup {
            root: "examples/production",
            hosts: &["lms.example.org"],
            identity: &prod_id,
            protocols: "tls1.3",
            patch: "    header Strict-Transport-Security \"max-age=31536000; includeSubDomains\"\n    header Content-Security-Policy \"frame-ancestors 'self'\"\n",
            redirect: true,
            secure_cookie: true,
        },
    );
    let staging = start(
        &bins[0],
        &Setup {
            root: "examples/staging",
            hosts: &["lms.staging.example.org"],
            identity: &stag_id,
            protocols: "tls1.2 tls1.2",
            patch: "",
            redirect: false,
            secure_cookie: false,
        },
    );
    Some(Pair {
        ca: authority.ca_pem.clone(),
        _authority: authority,
        production,
        staging,
    })
}

/// A config file naming the two edges (and, for the twin, the same one twice).
fn config(dir: &Path, staging: (&str, &Edge), production: (&str, &Edge), ca: &Path) -> PathBuf {
    let section = |env: &str, (host, e): (&str, &Edge)| {
        format!(
            "[[{env}.edge]]\nname = \"lms\"\nurl = \"https://{host}:{}\"\nhttp_url = \"http://{host}:{}\"\nresolve = \"127.0.0.1\"\nca_bundle = \"{}\"\n",
            e.https,
            e.http,
            ca.display()
        )
    };
    let path = dir.join("envparity.toml");
    std::fs::write(
        &path,
        format!(
            "profile = \"tutor\"\n{}\n{}",
            section("staging", staging),
            section("production", production)
        ),
    )
    .expect("write config");
    path
}

struct Run {
    code: i32,
    report: Value,
    stderr: String,
}

fn check(config: &Path) -> Run {
    let out = assert_cmd::Command::cargo_bin("envparity")
        .expect("binary")
        .env("ENVPARITY_FINGERPRINT_KEY", KEY)
        .args(["check", "--format", "json", "--show-expected", "--config"])
        .arg(config)
        .output()
        .expect("run envparity");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    Run {
        code: out.status.code().expect("exit code"),
        report: serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("{e}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr))),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn finding<'a>(r: &'a Run, path: &str) -> Option<&'a Value> {
    r.report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["path"] == path)
}

fn class(r: &Run, path: &str) -> String {
    finding(r, path)
        .map(|f| f["class"].as_str().unwrap_or("").to_string())
        .unwrap_or_else(|| {
            panic!(
                "no finding at {path}; findings: {}",
                serde_json::to_string_pretty(&r.report["findings"]).unwrap_or_default()
            )
        })
}

#[test]
fn a_reduced_edge_fails_the_gate_finding_by_finding() {
    let Some(p) = pair() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(
        dir.path(),
        ("lms.staging.example.org", &p.staging),
        ("lms.example.org", &p.production),
        &p.ca,
    );
    let r = check(&cfg);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(class(&r, "/edge/lms/tls_version"), "reduced");
    assert_eq!(class(&r, "/edge/lms/hsts"), "reduced");
    assert_eq!(
        class(&r, "/edge/lms/headers/content-security-policy"),
        "reduced"
    );
    assert_eq!(class(&r, "/edge/lms/https_redirect"), "reduced");
    assert_eq!(class(&r, "/edge/lms/certificate/valid_14_days"), "reduced");
    assert_eq!(class(&r, "/edge/lms/cookies/csrftoken/secure"), "reduced");
    // What differs by nature: the hostname, the certificate's end date.
    assert_eq!(class(&r, "/edge/lms/host"), "expected");
    assert_eq!(class(&r, "/edge/lms/certificate/not_after"), "expected");
    // What is the same is not a finding: the LMS's own X-Frame-Options, the CA, trust.
    assert!(finding(&r, "/edge/lms/headers/x-frame-options").is_none());
    assert!(finding(&r, "/edge/lms/certificate/issuer").is_none());
    assert!(finding(&r, "/edge/lms/certificate/trusted").is_none());
    // The cookie's value is never read into the report.
    assert!(!r.report.to_string().contains("not-a-secret-value"));
    // Staging's certificate expires in two days: said under the source as well.
    let notes = r.report["sources"]["staging"].to_string();
    assert!(
        notes.contains("the served certificate expires on"),
        "{notes}"
    );
}

#[test]
fn a_faithful_edge_passes() {
    let Some(p) = pair() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(
        dir.path(),
        ("lms.example.org", &p.production),
        ("lms.example.org", &p.production),
        &p.ca,
    );
    let r = check(&cfg);
    assert_eq!(r.code, 0, "{}\n{}", r.stderr, r.report);
    assert_eq!(r.report["verdict"], "pass");
    let surface_findings: Vec<&Value> = r.report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["path"].as_str().is_some_and(|p| p.starts_with("/edge/")))
        .collect();
    assert!(surface_findings.is_empty(), "{surface_findings:?}");
}

#[test]
fn a_certificate_no_configured_ca_trusts_is_reduced_not_a_failed_source() {
    let Some(p) = pair() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    // Staging trusts nothing but the web PKI: its certificate is served but not trusted.
    let cfg = config(
        dir.path(),
        ("lms.staging.example.org", &p.staging),
        ("lms.example.org", &p.production),
        &p.ca,
    );
    let text = std::fs::read_to_string(&cfg).expect("config");
    let (head, tail) = text.split_at(text.find("[[production.edge]]").expect("production"));
    let head = head.replacen(&format!("ca_bundle = \"{}\"\n", p.ca.display()), "", 1);
    std::fs::write(&cfg, format!("{head}{tail}")).expect("rewrite config");
    let r = check(&cfg);
    assert_eq!(r.code, 1);
    assert_eq!(class(&r, "/edge/lms/certificate/trusted"), "reduced");
    assert!(
        r.stderr.is_empty() || !r.stderr.contains("panicked"),
        "{}",
        r.stderr
    );
}

#[test]
fn an_edge_that_does_not_answer_is_unknown_and_fails_closed() {
    let Some(p) = pair() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let closed = Edge {
        _caddy: Server {
            child: Command::new("true").spawn().expect("a placeholder process"),
            ip: "127.0.0.1",
            port: 0,
            dir: tempfile::tempdir().expect("tempdir"),
        },
        https: free_port("127.0.0.1"),
        http: free_port("127.0.0.1"),
    };
    let cfg = config(
        dir.path(),
        ("lms.staging.example.org", &closed),
        ("lms.example.org", &p.production),
        &p.ca,
    );
    let r = check(&cfg);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(class(&r, "/edge/lms"), "unknown");
}

/// Runs a command of envparity against a config file: exit code, stdout, stderr.
fn envparity(args: &[&str], config: &Path) -> (i32, String, String) {
    let out = assert_cmd::Command::cargo_bin("envparity")
        .expect("binary")
        .env("ENVPARITY_FINGERPRINT_KEY", KEY)
        .args(args)
        .arg("--config")
        .arg(config)
        .output()
        .expect("run envparity");
    (
        out.status.code().expect("exit code"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_tutor_roots_public_hosts_are_probed_each_under_its_role() {
    let Some(bins) = binaries(&["caddy", "openssl"]) else {
        return;
    };
    let authority = Authority::new();
    let hosts = [
        "lms.example.org",
        "studio.example.org",
        "apps.lms.example.org",
    ];
    let sans: Vec<String> = hosts.iter().map(|h| format!("DNS:{h}")).collect();
    let sans: Vec<&str> = sans.iter().map(String::as_str).collect();
    let identity = authority.issue_for_days("lms.example.org", &sans, 90);
    let edge = start(
        &bins[0],
        &Setup {
            root: "examples/production",
            hosts: &hosts,
            identity: &identity,
            protocols: "tls1.3",
            patch: "    header Strict-Transport-Security \"max-age=31536000\"\n",
            redirect: true,
            secure_cookie: true,
        },
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let section = |env: &str, root: &str| {
        format!(
            "[[{env}.edge]]\ntutor = \"{}\"\nport = {}\nhttp_port = {}\nresolve = \"127.0.0.1\"\nca_bundle = \"{}\"\n",
            repo(root).display(),
            edge.https,
            edge.http,
            authority.ca_pem.display()
        )
    };
    let config = dir.path().join("envparity.toml");
    std::fs::write(
        &config,
        format!(
            "profile = \"tutor\"\n{}\n{}",
            section("staging", "examples/production"),
            section("production", "examples/production")
        ),
    )
    .expect("config");
    // LMS_HOST, CMS_HOST and the mfe plugin's MFE_HOST, each under its role.
    let snap = dir.path().join("snap.json");
    let (code, _, err) = envparity(
        &[
            "snapshot",
            "--env",
            "production",
            "-o",
            &snap.display().to_string(),
        ],
        &config,
    );
    assert_eq!(code, 0, "{err}");
    let snap: Value =
        serde_json::from_str(&std::fs::read_to_string(&snap).expect("snapshot")).expect("JSON");
    for (role, host) in [("lms", hosts[0]), ("cms", hosts[1]), ("apps", hosts[2])] {
        let node = &snap["surface"]["edge"][role];
        assert_eq!(node["host"], host, "{snap}");
        assert_eq!(node["tls_version"], "1.3", "{node}");
        assert_eq!(node["https_redirect"], true, "{node}");
        assert!(node["hsts"].is_object(), "{node}");
    }
    // The twin passes.
    let (code, out, _) = envparity(&["check", "--format", "json"], &config);
    assert_eq!(code, 0, "{out}");

    // Staging's hosts (lms.staging.example.org, ...) are not served here: each role is
    // unknown on its own and the gate fails closed; the note says HTTPS is off there.
    std::fs::write(
        &config,
        format!(
            "profile = \"tutor\"\n{}\n{}",
            section("staging", "examples/staging"),
            section("production", "examples/production")
        ),
    )
    .expect("config");
    let (code, out, err) = envparity(&["check", "--format", "json"], &config);
    assert_eq!(code, 1, "{out}{err}");
    let report: Value = serde_json::from_str(&out).expect("JSON report");
    for role in ["lms", "cms", "apps"] {
        let path = format!("/edge/{role}");
        let f = report["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|f| f["path"] == path.as_str())
            .unwrap_or_else(|| panic!("no finding at {path}: {report}"));
        assert_eq!(f["class"], "unknown", "{f}");
    }
    let notes = report["sources"]["staging"].to_string();
    assert!(notes.contains("ENABLE_HTTPS is false"), "{notes}");
}

#[test]
fn an_edge_section_names_url_or_tutor_and_nothing_of_the_other() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (section, says) in [
        (
            "url = \"https://lms.example.org\"\ntutor = \"examples/production\"",
            "not both",
        ),
        (
            "tutor = \"examples/production\"\nname = \"lms\"",
            "`name` is for one `url`",
        ),
        (
            "url = \"https://lms.example.org\"\nport = 8443",
            "`port` and `http_port` are for `tutor`",
        ),
        ("name = \"lms\"", "give `url` (https://HOST) or `tutor`"),
    ] {
        let config = dir.path().join("envparity.toml");
        std::fs::write(
            &config,
            format!("[[staging.edge]]\n{section}\n[[production.edge]]\nurl = \"https://lms.example.org\"\n"),
        )
        .expect("config");
        let (code, _, err) = envparity(&["check"], &config);
        assert_eq!(code, 2, "{section}: {err}");
        assert!(err.contains(says), "{section}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
}
