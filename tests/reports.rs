//! The report formats, end to end through `envparity diff` on the example snapshot pair
//! (`tests/fixtures/snapshots/`): goldens, determinism, no secret in any output, and each
//! format read by a real consumer where one can run here (junitparser, the SARIF
//! multitool, headless Chromium).
//!
//! The goldens are insta snapshots in `tests/golden/`: `cargo insta review` (or
//! `INSTA_UPDATE=always cargo nextest run --test reports`) accepts changed output.
//! The tests that need an external validator are `#[ignore]`d, so that a run without
//! them reports them as skipped; `bash .ci/run` installs the validators and runs them
//! with `--run-ignored all`, and a validator missing then fails the test (docs/reports.md).

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
        .env_remove("COLUMNS")
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

/// A validator that is missing fails the test that was asked to run: the tests that need
/// one are `#[ignore]`d, and whoever runs them (`--run-ignored all`, as `.ci/run` does)
/// must have installed it.
fn missing(what: &str) -> ! {
    panic!("{what} is missing; install it as docs/reports.md says (bash .ci/run does)");
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Compares `text` with the insta snapshot `tests/golden/<name>.snap`.
fn golden(name: &str, text: &str) {
    insta::with_settings!({
        snapshot_path => "golden",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn every_format_matches_its_golden() {
    for (format, _) in FORMATS {
        golden(&format!("example.{format}"), &report(format));
    }
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
#[ignore = "needs junitparser and xmllint (bash .ci/run installs it; --run-ignored all)"]
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
#[ignore = "needs the SARIF multitool (bash .ci/run installs it; --run-ignored all)"]
fn sarif_report_passes_the_sarif_multitool_with_no_errors() {
    let Some(tool) = sarif_multitool() else {
        missing(
            "the SARIF multitool (npm install --prefix target/tools @microsoft/sarif-multitool)",
        );
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
#[ignore = "needs chromium (bash .ci/run installs it; --run-ignored all)"]
fn html_report_renders_in_headless_chromium() {
    let Some(browser) = chromium() else {
        missing("chromium (apt-get install chromium)");
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
#[ignore = "needs markdown-it-py (bash .ci/run installs it; --run-ignored all)"]
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
}

#[test]
#[ignore = "needs junitparser (bash .ci/run installs it; --run-ignored all)"]
fn a_passing_junit_report_is_read_by_junitparser_as_passing() {
    let out = envparity(&[
        "diff", PRODUCTION, PRODUCTION, "--allow", "shared", "--format", "junit",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let dir = tmp();
    let xml = dir.path().join("parity.xml");
    std::fs::write(&xml, out.stdout).expect("write junit");
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

/// `envparity` with extra environment variables set.
fn envparity_with(args: &[&str], vars: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_envparity"));
    c.current_dir(root())
        .args(args)
        .env("ENVPARITY_FINGERPRINT_KEY", KEY)
        .env_remove("NO_COLOR")
        .env_remove("COLUMNS");
    for (k, v) in vars {
        c.env(k, v);
    }
    c.output().expect("run envparity")
}

#[test]
fn every_human_format_shows_paths_a_waiver_accepts() {
    let table = report("table");
    assert!(table.contains("│ /plugins/forum "), "{table}");
    assert!(
        !table.contains("│ /forum "),
        "a path relative to its surface"
    );
    let md = report("markdown");
    assert!(md.contains("| `/plugins/forum` |"), "{md}");
    assert!(!md.contains("| `/forum` |"));
    let html = report("html");
    assert!(
        html.contains("<code class=\"path\" title=\"/plugins/forum\">/plugins/forum</code>"),
        "the HTML shows the full path"
    );
}

#[test]
fn a_waiver_without_its_surface_or_mistyped_names_the_nearest_real_path() {
    let dir = tmp();
    let file = dir.path().join("waivers.toml");
    std::fs::write(
        &file,
        "[[waiver]]\npath = \"/forum\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2099-01-01\n\n\
         [[waiver]]\npath = \"/datastores/mongdb/members\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2099-01-01\n\n\
         [[waiver]]\npath = \"/nothing/like/it/at/all\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2099-01-01\n",
    )
    .expect("write waivers");
    let file = file.to_str().expect("utf-8 path");
    let json = envparity(&[
        "diff",
        STAGING,
        PRODUCTION,
        "--waivers",
        file,
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json report");
    let waivers = v["waivers"].as_array().expect("waivers");
    assert!(
        waivers.iter().all(|w| w["status"] == "stale"),
        "{waivers:?}"
    );
    assert_eq!(waivers[0]["suggestion"], "/plugins/forum");
    assert_eq!(waivers[1]["suggestion"], "/datastores/mongodb/members");
    assert!(waivers[2].get("suggestion").is_none(), "{}", waivers[2]);
    let table = String::from_utf8(
        envparity(&[
            "diff",
            STAGING,
            PRODUCTION,
            "--waivers",
            file,
            "--color",
            "never",
        ])
        .stdout,
    )
    .expect("utf-8");
    assert!(
        table.contains("stale /forum (any class), matches nothing; did you mean /plugins/forum?"),
        "{table}"
    );
    let md = String::from_utf8(
        envparity(&[
            "diff",
            STAGING,
            PRODUCTION,
            "--waivers",
            file,
            "--format",
            "markdown",
        ])
        .stdout,
    )
    .expect("utf-8");
    assert!(
        md.contains("stale (did you mean `/plugins/forum`?)"),
        "{md}"
    );
}

#[test]
fn active_waivers_show_reason_owner_and_expiry_in_every_human_format() {
    let table = report("table");
    assert!(
        table.contains("active /services/lms/replicas (reduced), 1 finding(s): staging runs one LMS pod | budget approved until the cluster move (owner platform-team, expires 2099-12-31)"),
        "{table}"
    );
    assert!(table.contains("(waived until 2099-12-31 by platform-team: staging runs one"));
    let md = report("markdown");
    assert!(md.contains("| active | `/services/lms/replicas` | reduced | staging runs one LMS pod \\| budget approved until the cluster move | platform-team | 2099-12-31 | 1 |"), "{md}");
    let html = report("html");
    assert!(html.contains(
        "<span class=\"waiver\">waived: staging runs one LMS pod | budget approved until the cluster move — owner platform-team, expires 2099-12-31</span>"
    ));
}

#[test]
fn written_waivers_refuse_to_load_until_filled_and_then_pass_the_gate() {
    let dir = tmp();
    let file = dir.path().join("baseline.toml");
    let path = file.to_str().expect("utf-8 path");
    let out = envparity(&["diff", STAGING, PRODUCTION, "--write-waivers", path]);
    assert_eq!(out.status.code(), Some(1), "the gate still fails this run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The example's 18 failing findings, and the one its waivers file waives: this run
    // has no waivers file.
    assert!(stderr.contains("wrote 19 waiver(s) to"), "{stderr}");
    let text = std::fs::read_to_string(&file).expect("waivers written");
    assert_eq!(
        text.matches("[[waiver]]").count(),
        19,
        "one per failing finding"
    );
    assert!(
        text.contains("path = \"/plugins/forum\"\nclass = \"reduced\"\n"),
        "{text}"
    );
    assert!(text.contains("path = \"/settings/SMTP_PASSWORD\"\nclass = \"shared\"\n"));
    // Paths and classes only: no value, not even a fingerprint.
    assert!(!text.contains("hmac-sha256"), "{text}");
    assert!(PLANTED.iter().all(|s| !text.contains(s)));
    assert!(!text.contains("smtp.example.org"), "a value in {text}");

    // Not filled in: refused, naming the file and line.
    let out = envparity(&["diff", STAGING, PRODUCTION, "--waivers", path]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("baseline.toml:") && stderr.contains("reason is empty"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");

    // Writing over an existing file is refused before anything runs.
    let again = envparity(&["diff", STAGING, PRODUCTION, "--write-waivers", path]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists"));

    // Filled in: every failing finding is waived, and the gate passes.
    let filled = text
        .replace("reason = \"\"", "reason = \"accepted for the pilot\"")
        .replace("owner = \"\"", "owner = \"release-eng\"")
        .replace("expires = \"\"", "expires = 2099-06-30");
    std::fs::write(&file, filled).expect("fill in");
    let out = envparity(&[
        "diff",
        STAGING,
        PRODUCTION,
        "--waivers",
        path,
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["verdict"], "pass");
    assert_eq!(v["summary"]["waived"], 19);
    // `check` takes the same flag (snapshots are sources too).
    let file2 = dir.path().join("check.toml");
    let out = envparity(&[
        "check",
        "--staging",
        STAGING,
        "--production",
        PRODUCTION,
        "--quiet",
        "--write-waivers",
        file2.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(&file2).expect("written by check"),
        text
    );
}

#[test]
fn table_fits_columns_and_is_whole_when_piped() {
    let args = [
        "diff",
        STAGING,
        PRODUCTION,
        "--waivers",
        WAIVERS,
        "--show-expected",
        "--color",
        "always",
    ];
    for columns in ["80", "60", "40"] {
        let out = envparity_with(&args, &[("COLUMNS", columns)]);
        let text = String::from_utf8(out.stdout).expect("utf-8");
        let limit: usize = columns.parse().expect("number");
        // Colour codes take no columns.
        let plain = text.replace("\u{1b}[0m", "");
        let plain = regex_free_strip(&plain);
        for line in plain.lines() {
            assert!(
                line.chars().count() <= limit,
                "COLUMNS={columns}: {} columns: {line}",
                line.chars().count()
            );
        }
        // Shortened values say so.
        assert!(plain.contains('…'), "COLUMNS={columns}");
        assert!(
            plain.contains("/plugins/forum"),
            "paths stay whole: {plain}"
        );
    }
    // Piped, no COLUMNS: full values, on lines as long as they need.
    let piped = report("table");
    assert!(piped.contains("secret hmac-sha256:4c1f0e2b9d8a7c6b5a493827"));
    assert!(piped.contains(
        "redis://celery:<hmac-sha256:378ca4862957c33c65035155>@redis.staging.example.org:6379/0"
    ));
    assert!(piped.lines().any(|l| l.chars().count() > 200));
}

/// The text without SGR sequences (`ESC [ ... m`).
fn regex_free_strip(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn html_folds_expected_differences_and_scores_only_losses() {
    // Without --show-expected: expected differences are on the page, folded.
    let out = envparity(&["diff", STAGING, PRODUCTION, "--format", "html"]);
    let html = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        html.contains("<details class=\"expected\"><summary>4 expected difference(s)</summary>"),
        "folded expected differences"
    );
    assert!(html.contains("data-path=\"/settings/MYSQL_ROOT_PASSWORD\""));
    // With it, they are unfolded.
    assert!(report("html").contains("<details class=\"expected\" open><summary>"));
    // The shared SMTP password (and the drifts) count against settings.
    assert!(
        html.contains("aria-label=\"settings: 0%\""),
        "settings score: {}",
        html.split("settings: ")
            .nth(1)
            .unwrap_or("")
            .get(..40)
            .unwrap_or("")
    );
    assert!(html.contains("<b class=\"poor\">0%</b> · 4 of 4 against parity"));
    // A pair that differs only where it is expected to scores 100% everywhere.
    let twin = envparity(&[
        "diff",
        "tests/fixtures/core/twin.json",
        "tests/fixtures/core/production.json",
        "--format",
        "html",
    ]);
    let twin = String::from_utf8(twin.stdout).expect("utf-8");
    assert!(
        twin.contains("aria-label=\"settings: 100%\""),
        "twin settings"
    );
    assert!(
        !twin.contains("% · 0 of"),
        "no surface is judged on expected ones"
    );
}

#[test]
fn html_escapes_every_value_and_keeps_its_policy() {
    let html = report("html");
    // The page's own script is the only one; a value's <script> is text.
    assert_eq!(html.matches("<script>").count(), 1, "one script element");
    assert!(html.contains("&lt;script&gt;alert(&quot;staging&quot;)&lt;/script&gt; &amp; more"));
    assert!(html.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">"
    ));
}

#[test]
fn an_ignore_that_matches_nothing_names_the_nearest_path() {
    let out = envparity(&["diff", STAGING, PRODUCTION, "--ignore", "/forum"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.trim_end(),
        "envparity: --ignore /forum: matches no path in either environment; did you mean /plugins/forum?"
    );
    let out = envparity(&["diff", STAGING, PRODUCTION, "--ignore", "/plugins/forum"]);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
