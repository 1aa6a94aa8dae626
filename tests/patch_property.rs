//! The `patch` report is a valid RFC 6902 patch that, applied to the staging surface,
//! gives the production surface at every path the gate judged — for random pairs of
//! surfaces, judged by the real engine (`envparity::judge`), with keyed objects,
//! unordered arrays (set diff) and an ordered array (sequence diff) in them.

use envparity::findings::Class;
use envparity::profile::Profile;
use envparity::report::{self, Format, RenderOptions, Report};
use envparity::snapshot::{self, Snapshot};
use envparity::{JudgeOptions, judge};
use proptest::prelude::*;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (0i64..4).prop_map(|n| json!(n)),
        "[a-c]".prop_map(Value::String),
    ]
}

/// Keys from a small alphabet, so that the two sides often share keys; some of them
/// are ones the generic profile has rules for (capacity, capability, distinct).
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-d]".prop_map(|s| s),
        Just("replicas".to_string()),
        Just("members".to_string()),
        Just("tls".to_string()),
        Just("host".to_string()),
        Just("0".to_string()),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn object() -> impl Strategy<Value = Value> {
    prop::collection::btree_map(key(), value(), 0..4)
        .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>()))
}

/// Capabilities are flags: under `/security/**` every value is judged as a boolean, and
/// an absent false flag is no finding at all (see the patch module's note on arrays).
fn flags() -> impl Strategy<Value = Value> {
    prop::collection::btree_map(key(), leaf(), 0..4)
        .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>()))
}

fn surface() -> impl Strategy<Value = Value> {
    (
        object(),
        object(),
        object(),
        flags(),
        prop::collection::vec(leaf(), 0..6),
        prop::collection::vec(value(), 0..5),
        value(),
    )
        .prop_map(
            |(plugins, services, datastores, security, seq, bag, misc)| {
                json!({
                    "plugins": plugins,
                    "services": services,
                    "datastores": datastores,
                    "security": security,
                    "settings": {"seq": seq, "bag": bag, "misc": misc},
                })
            },
        )
}

/// Two surfaces that share some sections, so that both small and large differences
/// come up.
fn pair() -> impl Strategy<Value = (Value, Value)> {
    (
        surface(),
        surface(),
        prop::collection::vec(any::<bool>(), 5),
    )
        .prop_map(|(a, b, mask)| {
            let mut p = b;
            for (i, k) in ["plugins", "services", "datastores", "security", "settings"]
                .iter()
                .enumerate()
            {
                if mask[i] {
                    p[*k] = a[*k].clone();
                }
            }
            (a, p)
        })
}

fn profile() -> Profile {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("prop.toml");
    std::fs::write(
        &path,
        "name = \"prop\"\nextends = \"generic\"\n\n[[rule]]\npath = \"/settings/seq\"\nkind = \"drift\"\nordered = true\n",
    )
    .expect("write profile");
    Profile::load(&path).expect("valid profile")
}

fn snap(env: &str, surface: &Value) -> Snapshot {
    Snapshot {
        format: snapshot::FORMAT.into(),
        environment: env.into(),
        collected_at: "2026-11-26T12:00:00Z".into(),
        tool: snapshot::tool(),
        fingerprint: None,
        sources: BTreeMap::new(),
        surface: surface.clone(),
        locations: BTreeMap::new(),
        taint: Default::default(),
    }
}

fn run(staging: &Value, production: &Value, opts: &JudgeOptions) -> Report {
    judge(
        snap("staging", staging),
        snap("production", production),
        opts,
    )
}

/// Classes the patch acts on: the others need no operation or allow none.
fn patched_class(c: Class) -> bool {
    !matches!(c, Class::Expected | Class::Unknown | Class::Shared)
}

fn has_index(path: &str) -> bool {
    envparity::surface::split_pointer(path)
        .iter()
        .any(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn patch_turns_staging_into_production_on_the_judged_paths((staging, production) in pair()) {
        let opts = JudgeOptions {
            profile: std::sync::Arc::new(profile()),
            waivers: Vec::new(),
            fail_on: Class::FAILING_BY_DEFAULT.to_vec(),
            today: chrono::NaiveDate::from_ymd_opt(2026, 11, 26).expect("date"),
        };
        let report = run(&staging, &production, &opts);
        let text = report::render(&report, Format::Patch, &RenderOptions::default());
        let patch: json_patch::Patch = serde_json::from_str(&text)
            .map_err(|e| TestCaseError::fail(format!("not an RFC 6902 patch: {e}\n{text}")))?;
        let mut patched = staging.clone();
        json_patch::patch(&mut patched, &patch)
            .map_err(|e| TestCaseError::fail(format!("patch does not apply: {e}\n{text}")))?;

        for f in report.findings.iter().filter(|f| patched_class(f.class)) {
            // Keyed paths are exact; a path through an unordered array names an element
            // by position, which a set has not, so those are checked by re-judging.
            if !has_index(&f.path) {
                prop_assert_eq!(
                    patched.pointer(&f.path),
                    production.pointer(&f.path),
                    "at {} ({})\npatch: {}", f.path, f.class, text
                );
            }
        }
        // The ordered array is a sequence: after the patch it is production's exactly.
        prop_assert_eq!(&patched["settings"]["seq"], &production["settings"]["seq"]);

        // Judged again, nothing the patch acts on is left.
        let again = run(&patched, &production, &opts);
        let left: Vec<String> = again
            .findings
            .iter()
            .filter(|f| patched_class(f.class))
            .map(|f| format!("{} {}", f.class, f.path))
            .collect();
        prop_assert!(left.is_empty(), "left after the patch: {:?}\npatch: {}", left, text);
    }
}

#[test]
fn patch_adds_a_missing_subtree_at_its_root() {
    let staging = json!({"services": {"lms": {"replicas": 1}}});
    let production = json!({"services": {"lms": {"replicas": 3, "hpa": {"min_replicas": 3, "max_replicas": 8}}}});
    let opts = JudgeOptions {
        profile: std::sync::Arc::new(profile()),
        waivers: Vec::new(),
        fail_on: Class::FAILING_BY_DEFAULT.to_vec(),
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 26).expect("date"),
    };
    let report = run(&staging, &production, &opts);
    let text = report::render(&report, Format::Patch, &RenderOptions::default());
    let ops: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(
        ops,
        json!([
            {"op": "add", "path": "/services/lms/hpa", "value": {"max_replicas": 8, "min_replicas": 3}},
            {"op": "replace", "path": "/services/lms/replicas", "value": 3},
        ])
    );
}
