//! `envparity fleet`: the example fleet of real Tutor roots (examples/fleet, rendered by
//! examples/fleet/render.sh), fleet files and discovery, every bad input, instances that
//! fail, pass, or hang past their deadline, values shared across instances, and shards
//! whose merge is the single run.

#[path = "support/lms.rs"]
mod lms;

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const KEY: &str = "fleet-test-key";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn example_fleet() -> PathBuf {
    repo().join("examples/fleet/fleet.toml")
}

fn fixture(name: &str) -> String {
    repo()
        .join("tests/fixtures/tutor")
        .join(name)
        .display()
        .to_string()
}

fn example(name: &str) -> String {
    repo().join("examples").join(name).display().to_string()
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}\n{}", self.stdout, self.stderr))
    }

    /// Exit 2 with one line on stderr holding every piece of `names`.
    fn trouble(&self, names: &[&str]) {
        assert_eq!(self.code, 2, "{}\n{}", self.stdout, self.stderr);
        assert_eq!(self.stderr.lines().count(), 1, "{}", self.stderr);
        for n in names {
            assert!(self.stderr.contains(n), "no `{n}` in: {}", self.stderr);
        }
    }
}

/// Runs envparity with `args` in `dir`, with one fingerprint key and nothing else from
/// the caller's ENVPARITY_ variables.
fn run_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Out {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_envparity"));
    for (k, _) in std::env::vars() {
        if k.starts_with("ENVPARITY_") {
            cmd.env_remove(k);
        }
    }
    cmd.current_dir(dir)
        .env("ENVPARITY_FINGERPRINT_KEY", KEY)
        .env("NO_COLOR", "1")
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn run(args: &[&str]) -> Out {
    run_in(&repo(), args, &[])
}

fn fleet_json(fleet: &Path, extra: &[&str]) -> Out {
    let f = fleet.display().to_string();
    let mut args = vec!["fleet", f.as_str(), "--format", "json", "--quiet"];
    args.extend_from_slice(extra);
    run(&args)
}

fn instance<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["instances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == name)
        .unwrap_or_else(|| panic!("no instance {name}"))
}

fn names(report: &Value) -> Vec<String> {
    report["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect()
}

/// A fleet file in a fresh directory.
fn fleet_file(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fleet.toml");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

fn pair_toml(name: &str, staging: &str, production: &str) -> String {
    format!(
        "[[instance]]\nname = \"{name}\"\n[instance.staging]\nsources = [\"{staging}\"]\n[instance.production]\nsources = [\"{production}\"]\n\n"
    )
}

#[test]
fn the_example_fleet_fails_on_its_reduced_instance_and_its_shared_database() {
    let out = fleet_json(&example_fleet(), &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let r = out.json();
    assert_eq!(r["format"], "envparity.fleet-report/1");
    assert_eq!(r["verdict"], "fail");
    assert_eq!(
        names(&r),
        ["contoso", "initech", "northwind", "umbrella"],
        "instances by name"
    );
    assert_eq!(instance(&r, "contoso")["verdict"], "fail");
    for faithful in ["northwind", "initech", "umbrella"] {
        assert_eq!(instance(&r, faithful)["verdict"], "pass", "{faithful}");
    }
    // Each instance's report is the one `check` gives for its pair.
    for name in ["contoso", "northwind"] {
        let root = |env: &str| example(&format!("fleet/instances/{name}/{env}"));
        let check = run(&[
            "check",
            "--staging",
            &root("staging"),
            "--production",
            &root("production"),
            "--format",
            "json",
            "--show-expected",
        ]);
        let single = check.json();
        let nested = &instance(&r, name)["report"];
        assert_eq!(nested["summary"], single["summary"], "{name}");
        assert_eq!(nested["findings"], single["findings"], "{name}");
        assert_eq!(instance(&r, name)["summary"], single["summary"], "{name}");
    }
    // The one finding no pair can see: two customers' production on one database host.
    let shared = r["fleet_findings"].as_array().unwrap();
    let db: Vec<&Value> = shared
        .iter()
        .filter(|f| f["path"] == "/datastores/mysql/host")
        .collect();
    assert_eq!(db.len(), 1, "{shared:?}");
    assert_eq!(db[0]["class"], "shared");
    assert_eq!(db[0]["value"], "mysql.shared-hosting.example");
    let holders: Vec<(&str, &str)> = db[0]["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["instance"].as_str().unwrap(),
                h["environment"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        holders,
        [("initech", "production"), ("umbrella", "production")]
    );
}

#[test]
fn an_instance_overrides_the_fleet_wide_gate() {
    let r = fleet_json(&example_fleet(), &[]).json();
    let fail_on = |name: &str| instance(&r, name)["report"]["fail_on"].clone();
    assert_eq!(
        fail_on("northwind"),
        serde_json::json!(["reduced", "shared", "unknown", "drift"])
    );
    assert_eq!(
        fail_on("contoso"),
        serde_json::json!(["reduced", "shared", "unknown"])
    );
}

#[test]
fn discovery_finds_the_instances_of_a_directory_layout() {
    let out = run(&[
        "fleet",
        "--discover",
        "examples/fleet/instances/*/{staging,production}",
        "--format",
        "json",
        "-q",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let discovered = out.json();
    let from_file = fleet_json(&example_fleet(), &[]).json();
    assert_eq!(names(&discovered), names(&from_file));
    for n in names(&from_file) {
        assert_eq!(
            instance(&discovered, &n)["verdict"],
            instance(&from_file, &n)["verdict"],
            "{n}"
        );
    }
    assert_eq!(discovered["fleet_findings"], from_file["fleet_findings"]);
}

#[test]
fn discovery_reads_snapshots_too() {
    let dir = tempfile::tempdir().unwrap();
    for (name, s, p) in [
        ("a", fixture("twin-a"), fixture("twin-b")),
        ("b", example("staging"), example("production")),
    ] {
        let d = dir.path().join(name);
        std::fs::create_dir_all(&d).unwrap();
        for (env, root) in [("staging", s), ("production", p)] {
            let out = run_in(
                dir.path(),
                &[
                    "snapshot",
                    "--env",
                    env,
                    "--source",
                    &root,
                    "-o",
                    &format!("{name}/{env}.json"),
                ],
                &[],
            );
            assert_eq!(out.code, 0, "{}", out.stderr);
        }
    }
    let out = run_in(
        dir.path(),
        &[
            "fleet",
            "--discover",
            "*/{staging,production}.json",
            "--format",
            "json",
        ],
        &[],
    );
    let r = out.json();
    assert_eq!(names(&r), ["a", "b"]);
    assert_eq!(instance(&r, "a")["verdict"], "pass");
    assert_eq!(instance(&r, "b")["verdict"], "fail");
    assert_eq!(out.code, 1);
}

#[test]
fn a_fleet_of_faithful_instances_passes() {
    let text = pair_toml("one", &fixture("twin-a"), &fixture("twin-b"))
        + &pair_toml(
            "two",
            &example("fleet/instances/northwind/staging"),
            &example("fleet/instances/northwind/production"),
        );
    let (_dir, path) = fleet_file(&text);
    let out = fleet_json(&path, &[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let r = out.json();
    assert_eq!(r["verdict"], "pass");
    assert_eq!(r["instances_by_verdict"]["pass"], 2);
    assert_eq!(r["fleet_findings"], serde_json::json!([]));
}

#[test]
fn bad_fleet_files_are_refused_naming_file_line_and_key() {
    let pair = pair_toml("a", &fixture("twin-a"), &fixture("twin-b"));
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            format!("profil = \"tutor\"\n{pair}"),
            vec!["fleet.toml:1:", "profil"],
        ),
        (
            pair.replace("name = \"a\"", "name = \"a\"\nfail_onn = [\"drift\"]"),
            vec!["fleet.toml:3:", "fail_onn"],
        ),
        (
            format!(
                "{pair}{}",
                pair_toml("a", &fixture("twin-a"), &fixture("twin-b"))
            ),
            vec![
                "fleet.toml:9:",
                "duplicate instance name `a`",
                "first at line 2",
            ],
        ),
        (
            pair.replace("name = \"a\"\n", ""),
            vec!["fleet.toml:1:", "has no `name`"],
        ),
        (
            pair.replace("[instance.production]", "[instance.prod]"),
            vec!["fleet.toml:", "prod"],
        ),
        (
            format!("[staging]\nsources = [\"x\"]\n{pair}"),
            vec!["fleet.toml:1:", "`staging` belongs in an [[instance]]"],
        ),
        (
            pair.replace("name = \"a\"", "name = \"a\"\nallow = [\"everything\"]"),
            vec!["fleet.toml:3:", "allow", "everything"],
        ),
        (
            pair.replace(&fixture("twin-b"), "no/such/root"),
            vec!["fleet.toml:", "no/such/root"],
        ),
        (
            "profile = \"tutor\"\n".into(),
            vec!["fleet.toml", "no instance"],
        ),
    ];
    for (text, expect) in cases {
        let (_dir, path) = fleet_file(&text);
        let out = fleet_json(&path, &[]);
        out.trouble(&expect);
    }
}

#[test]
fn bad_flags_and_patterns_are_refused_before_any_work() {
    let fleet = example_fleet().display().to_string();
    for (args, expect) in [
        (
            vec!["fleet", "--discover", "nowhere/*/{staging,production}"],
            vec![
                "--discover",
                "nowhere/*/{staging,production}",
                "matches nothing",
            ],
        ),
        (
            vec!["fleet", "--discover", "examples/fleet/instances/*"],
            vec!["--discover", "{STAGING,PRODUCTION}"],
        ),
        (
            vec![
                "fleet",
                "--discover",
                "examples/fleet/instances/*/{staging,prod}",
            ],
            vec!["has", "but no prod"],
        ),
        (
            vec!["fleet", &fleet, "--shard", "0/3"],
            vec!["--shard", "0/3"],
        ),
        (
            vec!["fleet", &fleet, "--shard", "4/3"],
            vec!["--shard", "4/3"],
        ),
        (vec!["fleet", &fleet, "--jobs", "0"], vec!["--jobs"]),
        (vec!["fleet", &fleet, "--format", "patch"], vec!["patch"]),
        (vec!["fleet", &fleet, "-o", "out.patch"], vec!["patch"]),
        (
            vec!["fleet", "missing-fleet.toml"],
            vec!["missing-fleet.toml"],
        ),
    ] {
        run(&args).trouble(&expect);
    }
}

#[test]
fn shards_need_one_fingerprint_key() {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_envparity"));
    let home = tempfile::tempdir().unwrap();
    let out = cmd
        .current_dir(repo())
        .env_remove("ENVPARITY_FINGERPRINT_KEY")
        .env("HOME", home.path())
        .env_remove("XDG_CONFIG_HOME")
        .args(["fleet", "examples/fleet/fleet.toml", "--shard", "1/2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("ENVPARITY_FINGERPRINT_KEY"), "{stderr}");
}

#[test]
fn a_slow_instance_fails_alone_at_its_deadline() {
    let slow = lms::Server::start(lms::Lms {
        delay: Duration::from_secs(30),
        ..lms::Lms::default()
    });
    let quick = lms::Server::start(lms::Lms::default());
    let lms_instance = |name: &str, url: &str| {
        format!(
            "[[instance]]\nname = \"{name}\"\n[[instance.staging.openedx]]\nlms = \"{url}\"\nclient_id_env = \"LMS_ID\"\nclient_secret_env = \"LMS_SECRET\"\n[[instance.production.openedx]]\nlms = \"{url}\"\nclient_id_env = \"LMS_ID\"\nclient_secret_env = \"LMS_SECRET\"\n\n"
        )
    };
    let text = lms_instance("hangs", &slow.url())
        + &lms_instance("answers", &quick.url())
        + &pair_toml("tutor", &fixture("twin-a"), &fixture("twin-b"));
    let (dir, path) = fleet_file(&text);
    let lms = lms::Lms::default();
    let start = Instant::now();
    let out = run_in(
        dir.path(),
        &[
            "fleet",
            &path.display().to_string(),
            "--timeout",
            "2",
            "--format",
            "json",
        ],
        &[
            ("LMS_ID", lms.client_id.as_str()),
            ("LMS_SECRET", lms.client_secret.as_str()),
        ],
    );
    let elapsed = start.elapsed();
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        elapsed < Duration::from_secs(15),
        "the hanging instance held up the run: {elapsed:?}"
    );
    let r = out.json();
    let hangs = instance(&r, "hangs");
    assert_eq!(hangs["verdict"], "fail");
    assert!(hangs["summary"]["unknown"].as_u64().unwrap() > 0, "{hangs}");
    let errors: Vec<&str> = hangs["report"]["sources"]["staging"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|s| s["error"].as_str())
        .collect();
    assert!(errors.iter().any(|e| e.contains("deadline")), "{errors:?}");
    assert_eq!(instance(&r, "answers")["verdict"], "pass");
    assert_eq!(instance(&r, "tutor")["verdict"], "pass");
    assert!(!out.stdout.contains(&lms.client_secret));
}

#[test]
fn an_instance_that_cannot_be_read_is_trouble_after_the_others_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    // A Tutor root whose config.yml is not YAML: `check` refuses it with exit 2.
    let not_a_root = dir.path().join("broken-root");
    std::fs::create_dir(&not_a_root).unwrap();
    std::fs::write(not_a_root.join("config.yml"), "LMS_HOST: [unclosed\n").unwrap();
    let text = pair_toml(
        "broken",
        &not_a_root.display().to_string(),
        &fixture("twin-b"),
    ) + &pair_toml("fine", &fixture("twin-a"), &fixture("twin-b"));
    let (fdir, path) = fleet_file(&text);
    let report = fdir.path().join("fleet.json");
    let out = run(&[
        "fleet",
        &path.display().to_string(),
        "-q",
        "-o",
        &format!("json={}", report.display()),
    ]);
    out.trouble(&["broken", "could not be judged"]);
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(instance(&r, "broken")["verdict"], "error");
    assert_eq!(instance(&r, "fine")["verdict"], "pass");
}

#[test]
fn secrets_and_hosts_shared_across_instances_are_found_once() {
    // Two instances whose production is the same deployment: every secret and every
    // external host of it is shared across them.
    let text = pair_toml("first", &example("staging"), &example("production"))
        + &pair_toml("second", &fixture("twin-a"), &example("production"));
    let (_dir, path) = fleet_file(&text);
    let out = fleet_json(&path, &[]);
    let r = out.json();
    let shared = r["fleet_findings"].as_array().unwrap();
    let secret = shared
        .iter()
        .find(|f| f["value"].get("secret").is_some())
        .unwrap_or_else(|| panic!("no shared secret in {shared:?}"));
    assert_eq!(secret["class"], "shared");
    let involved: BTreeSet<&str> = secret["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["instance"].as_str().unwrap())
        .collect();
    assert_eq!(involved, BTreeSet::from(["first", "second"]));
    // Each value once.
    let values: Vec<String> = shared.iter().map(|f| f["value"].to_string()).collect();
    let unique: BTreeSet<&String> = values.iter().collect();
    assert_eq!(values.len(), unique.len());
    // No plaintext secret of the production root reaches the report.
    let config = std::fs::read_to_string(repo().join("examples/production/config.yml")).unwrap();
    for line in config.lines() {
        if let Some((k, v)) = line.split_once(": ")
            && (k.contains("PASSWORD") || k.contains("SECRET"))
            && v.trim().len() >= 8
        {
            assert!(!out.stdout.contains(v.trim()), "{k} leaked");
        }
    }
    assert_eq!(out.code, 1);
}

#[test]
fn two_stagings_sharing_a_value_are_not_flagged() {
    let text = pair_toml("x", &fixture("twin-a"), &fixture("twin-b"))
        + &pair_toml("y", &fixture("twin-a"), &example("production"));
    let (_dir, path) = fleet_file(&text);
    let r = fleet_json(&path, &[]).json();
    for f in r["fleet_findings"].as_array().unwrap() {
        assert!(
            f["instances"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h["environment"] == "production"),
            "{f}"
        );
    }
}

/// Runs the example fleet as `n` shards, each writing its JSON report; their paths.
#[test]
fn an_ignore_glob_that_matches_nothing_in_any_instance_is_named_once() {
    let text = std::fs::read_to_string(example_fleet()).unwrap();
    let resolved = text.replace("instances/", &example("fleet/instances/"));
    // A typo in the fleet-wide defaults (every instance), and one only northwind's
    // own ignore list has.
    let with_typo = resolved
        .replacen(
            "timeout_secs = 30",
            "timeout_secs = 30\nignore = [\"/plugin/forum\"]",
            1,
        )
        .replacen(
            "fail_on = [\"drift\"]",
            "fail_on = [\"drift\"]\nignore = [\"/plugin/forum\", \"/settings/NO_SUCH_SETTING_ANYWHERE\"]",
            1,
        );
    let (_dir, fleet) = fleet_file(&with_typo);
    let out = run(&[
        "fleet",
        &fleet.display().to_string(),
        "--ignore",
        "/plugins/forum",
        "-q",
    ]);
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    let warnings: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(
        warnings
            .iter()
            .filter(|l| l.contains("ignore /plugin/forum: matches no path in any instance; did you mean /plugins/forum?"))
            .count(),
        1,
        "{}",
        out.stderr
    );
    assert!(
        warnings
            .iter()
            .any(|l| l.contains("ignore /settings/NO_SUCH_SETTING_ANYWHERE: matches no path")),
        "{}",
        out.stderr
    );
    // The glob that matches in contoso is not named, though it matches nothing in the
    // faithful instances.
    assert!(
        !out.stderr.contains("ignore /plugins/forum:"),
        "{}",
        out.stderr
    );
    // And it did its work: contoso's missing forum is no longer a finding.
    assert!(
        !out.stdout.contains("reduced /plugins/forum"),
        "{}",
        out.stdout
    );
}

const SHARED_WAIVERS: &str = r#"
[[waiver]]
path = "/datastores/mysql/host"
class = "shared"
reason = "one managed MySQL server, a database per customer"
owner = "ops@example.org"
expires = "2999-12-31"

[[waiver]]
path = "/datastores/redis/host"
reason = "one Redis for all"
owner = "ops@example.org"
expires = "2999-12-31"
"#;

#[test]
fn a_shared_waiver_accepts_a_value_instances_share_by_design() {
    let pairs: String = ["initech", "umbrella"]
        .map(|n| {
            let root = |env: &str| example(&format!("fleet/instances/{n}/{env}"));
            pair_toml(n, &root("staging"), &root("production"))
        })
        .concat();
    // Both pairs are faithful; only the database host they share fails the fleet.
    let (_plain_dir, plain) = fleet_file(&format!("profile = \"tutor\"\n\n{pairs}"));
    let out = fleet_json(&plain, &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.json()["fleet_findings"][0]["class"], "shared");

    let (dir, fleet) = fleet_file(&format!(
        "profile = \"tutor\"\nshared_waivers = \"shared.toml\"\n\n{pairs}"
    ));
    std::fs::write(dir.path().join("shared.toml"), SHARED_WAIVERS).unwrap();
    let whole = fleet_json(&fleet, &[]);
    assert_eq!(whole.code, 0, "{}\n{}", whole.stdout, whole.stderr);
    let r = whole.json();
    let f = &r["fleet_findings"][0];
    assert_eq!(f["class"], "waived", "{f}");
    assert_eq!(f["waiver"]["status"], "active");
    assert_eq!(f["waiver"]["waived_class"], "shared");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("waived by ops@example.org until 2999-12-31"),
        "{f}"
    );
    let statuses = r["shared_waivers"].as_array().unwrap();
    assert_eq!(statuses[0]["status"], "active");
    assert_eq!(statuses[0]["matched"], 1);
    // A waiver that matches nothing is listed as stale, so the file does not rot.
    assert_eq!(statuses[1]["status"], "stale");
    let table = run(&["fleet", &fleet.display().to_string(), "-q"]);
    assert_eq!(table.code, 0, "{}", table.stderr);
    assert!(table.stdout.contains("waived"), "{}", table.stdout);
    assert!(
        table
            .stdout
            .contains("stale shared waiver /datastores/redis/host"),
        "{}",
        table.stdout
    );

    // Shard reports carry the waivers, and the merge applies them again.
    let paths = shards(2, dir.path(), &fleet);
    let mut args = vec!["fleet", "merge", "--format", "json"];
    args.extend(paths.iter().map(String::as_str));
    let merged = run(&args);
    assert_eq!(merged.code, 0, "{}", merged.stderr);
    assert_eq!(merged.stdout, whole.stdout, "merge is the single run");

    // An expired waiver no longer accepts it, and says so; --shared-waivers overrides the
    // fleet file's.
    let expired = dir.path().join("expired.toml");
    std::fs::write(&expired, SHARED_WAIVERS.replace("2999-12-31", "2001-01-01")).unwrap();
    let out = fleet_json(
        &fleet,
        &["--shared-waivers", &expired.display().to_string()],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    let f = &out.json()["fleet_findings"][0];
    assert_eq!(f["class"], "shared");
    assert_eq!(f["waiver"]["status"], "expired");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("expired on 2001-01-01"),
        "{f}"
    );

    // Bad input: one line naming the file and key, exit 2.
    let (_d, bad) = fleet_file(&format!("shared_waivers = 5\n\n{pairs}"));
    run(&["fleet", &bad.display().to_string()]).trouble(&["fleet.toml", "shared_waivers"]);
    let (_d, missing) = fleet_file(&format!("shared_waivers = \"nope.toml\"\n\n{pairs}"));
    run(&["fleet", &missing.display().to_string()]).trouble(&["nope.toml"]);
    let broken = dir.path().join("broken.toml");
    std::fs::write(&broken, "[[waiver]]\npath = \"/x\"\n").unwrap();
    run(&[
        "fleet",
        &fleet.display().to_string(),
        "--shared-waivers",
        &broken.display().to_string(),
    ])
    .trouble(&["broken.toml"]);
    // Shards of other shared waivers do not merge.
    let other = dir.path().join("other.json");
    let out = run(&[
        "fleet",
        &fleet.display().to_string(),
        "--shard",
        "2/2",
        "--shared-waivers",
        &expired.display().to_string(),
        "-q",
        "-o",
        &format!("json={}", other.display()),
    ]);
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    run(&["fleet", "merge", &paths[0], &other.display().to_string()])
        .trouble(&["other.json", "other shared waivers"]);
}

fn shards(n: u32, dir: &Path, fleet: &Path) -> Vec<String> {
    (1..=n)
        .map(|k| {
            let path = dir.join(format!("shard-{k}.json"));
            let out = run(&[
                "fleet",
                &fleet.display().to_string(),
                "--shard",
                &format!("{k}/{n}"),
                "-q",
                "-o",
                &format!("json={}", path.display()),
            ]);
            assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
            path.display().to_string()
        })
        .collect()
}

#[test]
fn shards_partition_the_fleet_and_merge_into_the_single_run() {
    let whole = fleet_json(&example_fleet(), &[]);
    let whole_md = run(&[
        "fleet",
        &example_fleet().display().to_string(),
        "--format",
        "markdown",
        "-q",
    ]);
    for n in [1, 2, 3, 5] {
        let dir = tempfile::tempdir().unwrap();
        let paths = shards(n, dir.path(), &example_fleet());
        let mut seen = Vec::new();
        for p in &paths {
            let r: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
            seen.extend(names(&r));
        }
        seen.sort();
        assert_eq!(seen, names(&whole.json()), "{n} shards: each instance once");
        let mut args = vec!["fleet", "merge", "--format", "json"];
        args.extend(paths.iter().map(String::as_str));
        let merged = run(&args);
        assert_eq!(merged.code, whole.code, "{}", merged.stderr);
        assert_eq!(
            merged.stdout, whole.stdout,
            "{n} shards: merge is the single run"
        );
        args[3] = "markdown";
        assert_eq!(run(&args).stdout, whole_md.stdout);
    }
}

#[test]
fn adding_an_instance_moves_no_other_between_shards() {
    let text = std::fs::read_to_string(example_fleet()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bigger = dir.path().join("fleet.toml");
    let extra = pair_toml("newcomer", &fixture("twin-a"), &fixture("twin-b"));
    let resolved = text.replace("instances/", &example("fleet/instances/"));
    std::fs::write(&bigger, format!("{resolved}\n{extra}")).unwrap();
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let before = names(&fleet_json(&example_fleet(), &["--shard", &shard]).json());
        let mut after = names(&fleet_json(&bigger, &["--shard", &shard]).json());
        after.retain(|n| n != "newcomer");
        assert_eq!(before, after, "shard {shard}");
    }
}

#[test]
fn merge_refuses_an_incomplete_or_mixed_set_of_shards() {
    let dir = tempfile::tempdir().unwrap();
    let paths = shards(3, dir.path(), &example_fleet());
    run(&["fleet", "merge", &paths[0], &paths[1]]).trouble(&["shard 3/3 is missing"]);
    run(&["fleet", "merge", &paths[0], &paths[0], &paths[1], &paths[2]])
        .trouble(&["shard-1.json", "is shard 1/3"]);
    // A shard fingerprinted with another key cannot show secrets shared with the others.
    let other = dir.path().join("other-key.json");
    let out = run_in(
        &repo(),
        &[
            "fleet",
            "examples/fleet/fleet.toml",
            "--shard",
            "3/3",
            "-q",
            "-o",
            &format!("json={}", other.display()),
        ],
        &[("ENVPARITY_FINGERPRINT_KEY", "another-key")],
    );
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    run(&[
        "fleet",
        "merge",
        &paths[0],
        &paths[1],
        &other.display().to_string(),
    ])
    .trouble(&["other-key.json", "another key"]);
    run(&["fleet", "merge", "README.md"]).trouble(&["README.md", "not a JSON fleet report"]);
}

#[test]
fn every_format_names_each_instance() {
    let fleet = example_fleet().display().to_string();
    let render = |format: &str| {
        let out = run(&["fleet", &fleet, "--format", format, "-q"]);
        assert_eq!(out.code, 1, "{format}: {}", out.stderr);
        out.stdout
    };
    let junit = render("junit");
    let sarif: Value = serde_json::from_str(&render("sarif")).unwrap();
    let github = render("github");
    let html = render("html");
    let markdown = render("markdown");
    let table = render("table");
    for name in ["contoso", "initech", "northwind", "umbrella"] {
        assert_eq!(
            junit
                .matches(&format!("<testsuite name=\"{name}\""))
                .count(),
            1,
            "junit suite {name}"
        );
        assert!(
            sarif["runs"]
                .as_array()
                .unwrap()
                .iter()
                .any(
                    |r| r["automationDetails"]["id"] == format!("envparity/fleet/{name}/")
                        && r["properties"]["instance"] == name
                ),
            "sarif run {name}"
        );
        assert!(html.contains(&format!("{name} — ")), "html details {name}");
        assert!(
            markdown.contains(&format!("## {name}: ")),
            "markdown section {name}"
        );
        assert!(
            table.lines().any(|l| l.starts_with(name)),
            "table line {name}"
        );
    }
    // Every finding of contoso's in SARIF and GitHub carries its name.
    let contoso = sarif["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["properties"]["instance"] == "contoso")
        .unwrap();
    for res in contoso["results"].as_array().unwrap() {
        assert_eq!(res["properties"]["instance"], "contoso");
    }
    assert!(github.lines().any(|l| l.starts_with("::error ")
        && l.contains("title=contoso%3A envparity reduced%3A /plugins/forum::contoso: ")));
    assert_eq!(html.matches("<details class=\"instance\"").count(), 4);
    // Each id once on the page, though every instance's report has the same sections.
    let ids: Vec<&str> = html
        .split(" id=\"")
        .skip(1)
        .map(|rest| &rest[..rest.find('"').unwrap()])
        .collect();
    let unique: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique.len(), "{ids:?}");
    assert!(unique.contains("instance-2-findings"), "{ids:?}");
    assert!(junit.contains("<testsuite name=\"fleet\" tests=\"1\" failures=\"1\""));
}

/// The `envparity fleet …` command lines of a CI file, continuation lines joined, with the
/// CI's variables given values of shard 1 of 4.
fn fleet_commands(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let Some(at) = line.find("envparity fleet") else {
            continue;
        };
        if line.trim_start().starts_with('#') {
            continue;
        }
        let mut command = line[at..].trim_end_matches('\\').to_string();
        let indent = line.len() - line.trim_start().len();
        for next in &lines[i + 1..] {
            let next_indent = next.len() - next.trim_start().len();
            if next.trim().is_empty()
                || next_indent <= indent
                || next.trim_start().starts_with('-') && !next.trim_start().starts_with("--")
            {
                break;
            }
            command.push(' ');
            command.push_str(next.trim().trim_end_matches('\\'));
        }
        let command = command
            .split("||")
            .next()
            .unwrap()
            .split(">>")
            .next()
            .unwrap()
            .replace("${{ matrix.shard }}", "1")
            .replace("\"${CI_NODE_INDEX}/${CI_NODE_TOTAL}\"", "1/4")
            .replace("${CI_NODE_INDEX}", "1")
            .replace('"', "");
        out.push(command.split_whitespace().map(String::from).collect());
    }
    out
}

#[test]
fn the_ci_examples_shard_and_merge_with_valid_commands() {
    for (file, shards) in [
        (
            "examples/ci/fleet-github-actions.yml",
            "shard: [1, 2, 3, 4]",
        ),
        ("examples/ci/fleet-gitlab-ci.yml", "parallel: 4"),
    ] {
        let text = std::fs::read_to_string(repo().join(file)).unwrap();
        let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
        assert!(doc.is_mapping(), "{file}");
        assert!(text.contains(shards), "{file}: four shards");
        let commands = fleet_commands(&text);
        assert_eq!(commands.len(), 2, "{file}: {commands:?}");
        for argv in &commands {
            <envparity::cli::Cli as clap::Parser>::try_parse_from(argv)
                .unwrap_or_else(|e| panic!("{file}: {argv:?} does not parse: {e}"));
        }
        assert!(commands[0].iter().any(|a| a == "--shard"), "{file}");
        assert!(commands[0].iter().any(|a| a.starts_with("json=")), "{file}");
        assert_eq!(commands[1][..3], ["envparity", "fleet", "merge"], "{file}");
    }
}
