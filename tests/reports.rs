//! The report formats, end to end through `envparity diff` on the example snapshot pair
//! (`tests/fixtures/snapshots/`): goldens, determinism, no secret in any output, and each
//! format read by a real consumer where one can run here (junitparser, the SARIF
//! multitool, headless Chromium).
//!
//! `ENVPARITY_BLESS=1 cargo nextest run --test reports` rewrites the goldens.
//! The external validators are skipped with a message when missing, except under
//! `CI=true`, where a missing validator fails the test: CI installs them (see
//! docs/notes/reports.md).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const STAGING: &str = "tests/fixtures/snapshots/staging.json";
const PRODUCTION: &str = "tests/fixtures/snapshots/production.json";
const WAIVERS: &str = "tests/fixtures/snapshots/waivers.toml";
/// A fixed fingerprint key, so that the plaintext secrets planted in the snapshots
/// fingerprint the same way on every run.
const KEY: &str = "envparity-golden-key";
/// Plaintexts planted in the example snapshots; no output may contain any of them.
const PLANTED: [&str; 6] = [
    "planted-secret-1",
    "planted-secret-2",
    "planted-secret-3",
    "planted-secret-prod-4",
    "planted-secret-prod-5",
    "planted-secret-prod-6",
];

const FORMATS: [(&str, &str); 8] = [
    ("table", "txt"),
    ("json", "json"),
    ("markdown", "md"),
    ("junit", "xml"),
    ("sarif", "sarif"),
    ("github", "txt"),
    ("patch", "json"),
    ("html", "html"),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn envparity(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_envparity"))
        .current_dir(root())
        .args(args)
        .env("ENVPARITY_FINGERPRINT_KEY", KEY)
        .env_remove("NO_COLOR")
        .output()
        .expect("run envparity")
}

/// The example report in one format, as `envparity diff` prints it.
fn report(format: &str) -> String {
    let out = envparity(&[
        "diff",
        STAGING,
        PRODUCTION,
        "--waivers",
        WAIVERS,
        "--show-expected",
        "--color",
        "never",
        "--format",
        format,
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the example pair fails the gate; stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 report")
}

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// A validator that is missing: fatal under CI, a loud skip elsewhere.
fn missing(what: &str) {
    if ci() {
        panic!("{what} is missing; CI must install it (docs/notes/reports.md)");
    }
    eprintln!("SKIPPED: {what} is missing (install it as docs/notes/reports.md says)");
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

#[test]
fn every_format_matches_its_golden() {
    let bless = std::env::var("ENVPARITY_BLESS").is_ok_and(|v| v == "1");
    let dir = root().join("tests/golden");
    let mut stale = Vec::new();
    for (format, ext) in FORMATS {
        let text = report(format);
        let path = dir.join(format!("example.{format}.{ext}"));
        if bless {
            std::fs::create_dir_all(&dir).expect("create tests/golden");
            std::fs::write(&path, &text).expect("write golden");
            continue;
        }
        let golden = std::fs::read_to_string(&path).unwrap_or_default();
        if golden != text {
            stale.push(format!(
                "{format}: {} differs (ENVPARITY_BLESS=1 rewrites it)",
                path.display()
            ));
        }
    }
    assert!(stale.is_empty(), "{}", stale.join("\n"));
}

#[test]
fn every_format_is_deterministic() {
    for (format, _) in FORMATS {
        assert_eq!(
            report(format),
            report(format),
            "{format} differs between runs"
        );
    }
}

#[test]
fn output_files_hold_the_same_bytes_as_stdout() {
    let dir = tmp();
    let mut args: Vec<String> = [
        "diff",
        STAGING,
        PRODUCTION,
        "--waivers",
        WAIVERS,
        "--show-expected",
        "--color",
        "never",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for (format, ext) in FORMATS {
        args.push("--output".into());
        args.push(format!(
            "{format}={}",
            dir.path().join(format!("r.{format}.{ext}")).display()
        ));
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = envparity(&refs);
    assert_eq!(out.status.code(), Some(1));
    for (format, ext) in FORMATS {
        let file = std::fs::read_to_string(dir.path().join(format!("r.{format}.{ext}")))
            .expect("output file written");
        assert_eq!(
            file,
            report(format),
            "--output {format} differs from stdout"
        );
    }
}

#[test]
fn no_format_carries_a_planted_secret() {
    for (format, _) in FORMATS {
        let text = report(format);
        for secret in PLANTED {
            assert!(
                !text.contains(secret),
                "{format} output contains the planted secret {secret}"
            );
        }
        // The fingerprints stand in for them, so the reader still sees equality.
        if format != "patch" {
            assert!(
                text.contains("hmac-sha256:4c1f0e2b9d8a7"),
                "{format} lacks the shared SMTP password's fingerprint"
            );
        }
    }
    let stderr = envparity(&["diff", STAGING, PRODUCTION]).stderr;
    let stderr = String::from_utf8_lossy(&stderr);
    assert!(PLANTED.iter().all(|s| !stderr.contains(s)), "{stderr}");
}

#[test]
fn markdown_tables_keep_one_row_per_finding() {
    let md = report("markdown");
    // Every table line has as many unescaped cell separators as its header.
    let mut columns = None;
    for line in md.lines() {
        if !line.starts_with('|') {
            columns = None;
            continue;
        }
        let mut n = 0;
        let mut prev = ' ';
        for c in line.chars() {
            if c == '|' && prev != '\\' {
                n += 1;
            }
            prev = c;
        }
        match columns {
            None => columns = Some(n),
            Some(m) => assert_eq!(n, m, "row breaks its table: {line}"),
        }
    }
    assert!(md.contains("Staging \\| try things here<br>second line"));
    // HTML in a value is either inside a code span (shown verbatim by GFM) or escaped.
    assert!(md.contains("| `<script>alert(\"staging\")</script> & more` |"));
    assert!(
        md.contains("differs: staging &lt;script&gt;alert(\"staging\")&lt;/script&gt; &amp; more")
    );
    assert!(md.contains("<details><summary>4 expected difference(s)</summary>"));
    assert!(md.contains("| expired | `/security/session_cookie_secure` |"));
}

#[test]
fn github_commands_are_one_line_each_and_escaped() {
    let text = report("github");
    for line in text.lines() {
        assert!(
            line.starts_with("::error ")
                || line.starts_with("::warning ")
                || line.starts_with("::notice "),
            "not a workflow command: {line}"
        );
    }
    assert!(text.contains(
        "::error file=examples/staging/config.yml,line=68,title=envparity reduced%3A /plugins/forum::"
    ));
    assert!(text.contains("Staging | try things here%0Asecond line"));
    assert!(
        text.lines()
            .last()
            .is_some_and(|l| l.starts_with("::error title=envparity verdict::FAIL"))
    );
}

#[test]
fn table_is_coloured_only_when_asked() {
    let args = |color: &'static str| -> Vec<&'static str> {
        vec!["diff", STAGING, PRODUCTION, "--color", color]
    };
    let always = envparity(&args("always")).stdout;
    assert!(String::from_utf8_lossy(&always).contains("\u{1b}[1;31mreduced ✗\u{1b}[0m"));
    for color in ["never", "auto"] {
        // Tests run with stdout on a pipe: auto means no colour.
        let out = envparity(&args(color)).stdout;
        assert!(!out.contains(&0x1b), "--color {color} coloured the table");
    }
    let no_color = Command::new(env!("CARGO_BIN_EXE_envparity"))
        .current_dir(root())
        .args(["diff", STAGING, PRODUCTION])
        .env("NO_COLOR", "1")
        .output()
        .expect("run envparity");
    assert!(!no_color.stdout.contains(&0x1b));
    // Other formats never carry colour codes.
    let md = envparity(&[
        "diff", STAGING, PRODUCTION, "--color", "always", "--format", "markdown",
    ]);
    assert!(!md.stdout.contains(&0x1b));
}

#[test]
fn junit_report_is_read_by_junitparser() {
    let dir = tmp();
    let xml = dir.path().join("envparity.xml");
    std::fs::write(&xml, report("junit")).expect("write junit");
    let script = root().join("tests/validators/junit_check.py");
    let out = Command::new("python3").arg(&script).arg(&xml).output();
    match out {
        Ok(o) if o.status.code() == Some(3) => missing(&format!(
            "junitparser (python3 -m pip install junitparser): {}",
            String::from_utf8_lossy(&o.stderr)
        )),
        Ok(o) => {
            let stdout = String::from_utf8_lossy(&o.stdout);
            assert!(
                o.status.success(),
                "junitparser rejected the report:\n{stdout}\n{}",
                String::from_utf8_lossy(&o.stderr)
            );
            // The consumer's own counts: 34 findings, 18 of a failing class, and one
            // passing case per collected surface without findings (none here).
            assert!(
                stdout.contains("suites=9 tests=34 failures=18 errors=0"),
                "{stdout}"
            );
        }
        Err(_) => missing("python3"),
    }
    match Command::new("xmllint").arg("--noout").arg(&xml).output() {
        Ok(o) => assert!(
            o.status.success(),
            "xmllint: {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(_) => missing("xmllint (apt libxml2-utils)"),
    }
}

/// The SARIF multitool: `ENVPARITY_SARIF_MULTITOOL`, else the copy `npm install --prefix
/// target/tools @microsoft/sarif-multitool` puts under target/, else one on PATH.
fn sarif_multitool() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ENVPARITY_SARIF_MULTITOOL") {
        return Some(PathBuf::from(p));
    }
    let local = root().join("target/tools/node_modules/.bin/sarif-multitool");
    if local.exists() {
        return Some(local);
    }
    Command::new("sarif-multitool")
        .arg("--version")
        .output()
        .ok()
        .map(|_| PathBuf::from("sarif-multitool"))
}

#[test]
fn sarif_report_passes_the_sarif_multitool_with_no_errors() {
    let Some(tool) = sarif_multitool() else {
        missing(
            "the SARIF multitool (npm install --prefix target/tools @microsoft/sarif-multitool)",
        );
        return;
    };
    let dir = tmp();
    let file = dir.path().join("envparity.sarif");
    let result = dir.path().join("validation.sarif");
    std::fs::write(&file, report("sarif")).expect("write sarif");
    let out = Command::new(&tool)
        .arg("validate")
        .arg(&file)
        .arg("--output")
        .arg(&result)
        .output()
        .expect("run the SARIF multitool");
    let text = std::fs::read_to_string(&result).unwrap_or_else(|_| {
        panic!(
            "the multitool wrote no result ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let doc: serde_json::Value = serde_json::from_str(&text).expect("validation result is JSON");
    let results = doc["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let errors: Vec<String> = results
        .iter()
        .filter(|r| r["level"].as_str().unwrap_or("warning") == "error")
        .map(|r| format!("{}: {}", r["ruleId"], r["message"]))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF validation errors:\n{}",
        errors.join("\n")
    );
    let sarif: serde_json::Value = serde_json::from_str(&report("sarif")).expect("sarif is JSON");
    let run = &sarif["runs"][0];
    let located = run["results"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter(|r| r["locations"][0]["physicalLocation"].is_object())
                .count()
        })
        .unwrap_or(0);
    assert!(located > 0 && located < run["results"].as_array().map_or(0, Vec::len));
    let forum = run["results"]
        .as_array()
        .and_then(|r| {
            r.iter().find(|r| {
                r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "/plugins/forum"
            })
        })
        .expect("the forum plugin finding");
    assert_eq!(forum["ruleId"], "reduced/plugins");
    assert_eq!(forum["level"], "error");
    assert_eq!(
        forum["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "examples/staging/config.yml"
    );
    assert_eq!(
        forum["locations"][0]["physicalLocation"]["region"]["startLine"],
        68
    );
}

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

fn headless(browser: &str, profile: &Path) -> Command {
    let mut c = Command::new(browser);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

#[test]
fn html_report_renders_in_headless_chromium() {
    let Some(browser) = chromium() else {
        missing("chromium (apt-get install chromium)");
        return;
    };
    let out_dir = root().join("target");
    std::fs::create_dir_all(&out_dir).expect("target dir");
    let page = out_dir.join("html-report.html");
    std::fs::write(&page, report("html")).expect("write html");
    let url = format!("file://{}", page.display());
    let profile = tmp();

    let dom = headless(browser, profile.path())
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("run chromium");
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom.contains("data-verdict=\"fail\""),
        "no verdict in the DOM"
    );
    assert!(dom.contains("FAIL: staging is not a faithful copy of production"));
    assert!(
        dom.contains("data-path=\"/plugins/forum\""),
        "no forum finding"
    );
    // The filter script ran: it counted the rows it shows.
    assert!(
        dom.contains("<b id=\"shown\">34</b>"),
        "filter script did not run"
    );
    assert!(!dom.contains("<script>alert"), "a value became markup");
    // The waivers are not a surface: the filters leave them visible.
    assert!(dom.contains("<section class=\"card surface\" id=\"waivers\">"));

    // The class and surface filters, driven through the page's own script.
    let filtered = headless(browser, profile.path())
        .arg("--dump-dom")
        .arg(format!(
            "{url}#class=reduced,shared&surface=datastores,plugins"
        ))
        .output()
        .expect("run chromium");
    let filtered = String::from_utf8_lossy(&filtered.stdout);
    // 3 reduced and 1 shared in datastores, 2 reduced plugins.
    assert!(
        filtered.contains("<b id=\"shown\">6</b>"),
        "filters did not apply"
    );
    assert!(
        filtered.contains("data-path=\"/plugins/notes\" hidden=\"\""),
        "an extra finding stays visible"
    );

    let shot = out_dir.join("html-report.png");
    let _ = std::fs::remove_file(&shot);
    let status = headless(browser, profile.path())
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1280,2000")
        .arg(&url)
        .output()
        .expect("run chromium");
    let png = std::fs::read(&shot)
        .unwrap_or_else(|_| panic!("no screenshot: {}", String::from_utf8_lossy(&status.stderr)));
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "screenshot is empty"
    );
}

#[test]
fn completions_and_man_page_come_from_the_flag_definitions() {
    for shell in ["bash", "zsh", "fish"] {
        let out = envparity(&["completions", shell]);
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        for word in ["envparity", "diff", "format", "color", "markdown", "sarif"] {
            assert!(text.contains(word), "{shell} completion lacks {word}");
        }
    }
    // The bash script is valid bash.
    let dir = tmp();
    let script = dir.path().join("envparity.bash");
    std::fs::write(&script, envparity(&["completions", "bash"]).stdout).expect("write");
    let check = Command::new("bash").arg("-n").arg(&script).output();
    if let Ok(o) = check {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let man = envparity(&["man"]);
    let man = String::from_utf8_lossy(&man.stdout);
    assert!(man.contains(".TH envparity 1"));
    assert!(man.contains("completions") && man.contains("diff"));
    let bad = envparity(&["completions", "tcsh"]);
    assert_eq!(bad.status.code(), Some(2));
}

/// The `envparity check` command of a CI example, as argv.
fn ci_command(text: &str) -> Vec<String> {
    let joined = text.replace("\\\n", " ");
    let start = joined
        .find("envparity check")
        .expect("an envparity check command");
    let mut words = Vec::new();
    for line in joined[start..].lines() {
        let line = line.trim();
        if !words.is_empty() && !line.starts_with("--") {
            break;
        }
        words.extend(line.split_whitespace().map(String::from));
    }
    words
}

#[test]
fn ci_examples_are_valid_yaml_and_run_a_valid_gate_command() {
    for file in [
        "examples/ci/github-actions.yml",
        "examples/ci/gitlab-ci.yml",
    ] {
        let text = std::fs::read_to_string(root().join(file)).expect("read example");
        let doc: serde_yaml_ng::Value =
            serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{file} is not YAML: {e}"));
        assert!(doc.is_mapping(), "{file}");
        let argv = ci_command(&text);
        let parsed = <envparity::cli::Cli as clap::Parser>::try_parse_from(&argv)
            .unwrap_or_else(|e| panic!("{file}: {argv:?} does not parse: {e}"));
        let envparity::cli::Command::Check(check) = parsed.command else {
            panic!("{file}: not a check command");
        };
        let outputs: Vec<&str> = check
            .gate
            .output
            .iter()
            .filter_map(|o| o.split_once('=').map(|(f, _)| f))
            .collect();
        for format in ["markdown", "junit", "sarif"] {
            assert!(
                outputs.contains(&format),
                "{file} does not publish {format}"
            );
        }
        for o in &outputs {
            assert!(
                envparity::report::Format::parse(o).is_some(),
                "{file}: format {o}"
            );
        }
    }
}

#[test]
fn markdown_report_renders_as_intended_in_a_gfm_parser() {
    let dir = tmp();
    let md = dir.path().join("envparity.md");
    std::fs::write(&md, report("markdown")).expect("write markdown");
    let out = Command::new("python3")
        .arg(root().join("tests/validators/markdown_check.py"))
        .arg(&md)
        // Cells that must come out whole: a pipe or newline escaped badly splits them.
        .arg("Staging | try things here\nsecond line")
        .arg("<script>alert(\"staging\")</script> & more")
        .arg("staging runs one LMS pod | budget approved until the cluster move")
        .output();
    match out {
        Ok(o) if o.status.code() == Some(3) => missing(&format!(
            "markdown-it-py (python3 -m pip install markdown-it-py): {}",
            String::from_utf8_lossy(&o.stderr)
        )),
        Ok(o) => {
            let stdout = String::from_utf8_lossy(&o.stdout);
            assert!(
                o.status.success(),
                "{stdout}{}",
                String::from_utf8_lossy(&o.stderr)
            );
            // 1 summary table, 9 surfaces, 2 folded expected tables, 1 waivers table;
            // 7 class rows + 34 findings + 3 waivers.
            assert!(
                stdout.contains("tables=13 rows=44 details=True"),
                "{stdout}"
            );
        }
        Err(_) => missing("python3"),
    }
}

#[test]
fn a_passing_gate_reads_as_parity_in_every_format() {
    // Production against itself, with `shared` allowed: nothing fails.
    let args = |format: &'static str| {
        envparity(&[
            "diff", PRODUCTION, PRODUCTION, "--allow", "shared", "--format", format,
        ])
    };
    for (format, _) in FORMATS {
        let out = args(format);
        assert_eq!(out.status.code(), Some(0), "{format}");
    }
    let md = String::from_utf8_lossy(&args("markdown").stdout).to_string();
    assert!(md.starts_with("## ✅ envparity PASS"), "{md}");
    let gh = String::from_utf8_lossy(&args("github").stdout).to_string();
    assert!(gh.lines().all(|l| !l.starts_with("::error")), "{gh}");
    let html = String::from_utf8_lossy(&args("html").stdout).to_string();
    assert!(html.contains("data-verdict=\"pass\""));
    let sarif: serde_json::Value =
        serde_json::from_slice(&args("sarif").stdout).expect("sarif is JSON");
    let levels: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .map(|r| r.iter().filter_map(|r| r["level"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        !levels.is_empty() && levels.iter().all(|l| *l != "error"),
        "{levels:?}"
    );

    let dir = tmp();
    let xml = dir.path().join("parity.xml");
    std::fs::write(&xml, args("junit").stdout).expect("write junit");
    match Command::new("python3")
        .arg(root().join("tests/validators/junit_check.py"))
        .arg(&xml)
        .output()
    {
        Ok(o) if o.status.code() == Some(3) => missing("junitparser"),
        Ok(o) => {
            let stdout = String::from_utf8_lossy(&o.stdout);
            assert!(o.status.success(), "{stdout}");
            // 7 collected surfaces without findings pass as one case each, plus the 6
            // allowed shared findings (a broker URL with the same embedded password among them).
            assert!(
                stdout.contains("suites=9 tests=13 failures=0 errors=0"),
                "{stdout}"
            );
        }
        Err(_) => missing("python3"),
    }
}
