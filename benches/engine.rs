//! Criterion benchmarks of the engine on generated surfaces: `judge` (normalize,
//! compare, classify, waive), and each stage alone on the surface as `diff` judges it (a
//! `Tree`): reading a snapshot (as a tree, and as a `Value` as snapshot sources read
//! it), redaction, the taint shared between environments, host tokens, the comparison,
//! writing a snapshot. bench/compare.sh measures the CLI end to end against its peers;
//! these isolate the library so a regression shows up here first. Run with
//! `cargo bench --bench engine`.

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use envparity::findings::Class;
use envparity::normalize::{
    Fingerprinter, HostTokens, Rewrite, SecretPolicy, Taint, redact_snapshot, share_taint,
};
use envparity::profile::Profile;
use envparity::snapshot::Snapshot;
use envparity::tree::Tree;
use envparity::{JudgeOptions, compare, judge};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

fn snapshot(environment: &str, surface: Value) -> Snapshot {
    Snapshot {
        format: envparity::snapshot::FORMAT.into(),
        environment: environment.into(),
        collected_at: "2026-11-26T12:00:00Z".into(),
        tool: envparity::snapshot::tool(),
        fingerprint: None,
        sources: BTreeMap::new(),
        surface,
        locations: BTreeMap::new(),
        taint: Default::default(),
    }
}

/// A keyed collection of `n` waffle flags; production has one more, sorted first.
fn keyed(n: usize, head: bool) -> Value {
    let mut flags = Map::new();
    for i in 0..n {
        let status = ["on", "off", "both"][i % 3];
        flags.insert(format!("course.flag_{i:07}"), json!({ "status": status }));
    }
    if head {
        flags.insert("0_new_flag".into(), json!({"status": "on"}));
    }
    json!({"features": {"waffle_flags": flags}})
}

/// `n` leaves in settings groups of 1 000, one in ten a URL on the environment's LMS
/// host (so host tokens have work), with a handful of differences on staging.
fn leaves(n: usize, staging: bool) -> Value {
    let host = if staging {
        "lms.staging.example.org"
    } else {
        "lms.example.org"
    };
    let mut groups = Map::new();
    for g in 0..n.div_ceil(1000) {
        let mut group = Map::new();
        for k in 0..1000.min(n - g * 1000) {
            let v = match k % 5 {
                0 => json!(format!("https://{host}/api/{g}/{k}")),
                1 => json!(k % 2 == 0),
                2 => json!(k * g),
                3 => Value::Null,
                _ => json!(format!("value-{k}")),
            };
            group.insert(format!("KEY_{k:04}"), v);
        }
        if staging && g % 97 == 0 {
            group.insert("KEY_0002".into(), json!(-1));
        }
        groups.insert(format!("GROUP_{g:04}"), Value::Object(group));
    }
    json!({"settings": {"LMS_HOST": host, "lms": groups}})
}

fn options() -> JudgeOptions {
    JudgeOptions {
        profile: std::sync::Arc::new(
            Profile::resolve("tutor").expect("the embedded tutor profile is valid"),
        ),
        waivers: Vec::new(),
        fail_on: Class::FAILING_BY_DEFAULT.to_vec(),
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 26).expect("a valid date"),
    }
}

fn bench_judge(c: &mut Criterion) {
    let opts = options();
    let mut group = c.benchmark_group("judge");
    group.sample_size(10);
    for n in [10_000, 100_000] {
        let (s, p) = (
            snapshot("staging", keyed(n, false)),
            snapshot("production", keyed(n, true)),
        );
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("keyed_head_insertion", n), &n, |b, _| {
            b.iter_batched(
                || (s.clone(), p.clone()),
                |(s, p)| {
                    let r = judge(s, p, &opts);
                    assert_eq!(r.findings.len(), 1);
                    r
                },
                BatchSize::LargeInput,
            )
        });
    }
    for n in [100_000, 300_000] {
        let (s, p) = (
            snapshot("staging", leaves(n, true)),
            snapshot("production", leaves(n, false)),
        );
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("leaves", n), &n, |b, _| {
            b.iter_batched(
                || (s.clone(), p.clone()),
                |(s, p)| judge(s, p, &opts),
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

fn bench_stages(c: &mut Criterion) {
    let opts = options();
    let n = 300_000;
    let (s, p) = (leaves(n, true), leaves(n, false));
    let mut group = c.benchmark_group("stages_300k_leaves");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64));
    let (st, pt) = (Tree::from_value(&s), Tree::from_value(&p));
    group.bench_function("compare", |b| {
        b.iter(|| compare::compare(st.root(), pt.root(), &opts.profile))
    });
    let policy = SecretPolicy::with_extra(&opts.profile.secret_keys);
    let fp = Fingerprinter::with_key(b"bench key");
    group.bench_function("redact", |b| {
        b.iter_batched(
            || st.clone(),
            |mut t| {
                let mut taint = Taint::default();
                t.redact(&policy, &fp, &mut taint);
                t.apply_taint(&taint);
                t
            },
            BatchSize::LargeInput,
        )
    });
    // A snapshot as `envparity snapshot` writes it, read back as `diff` reads it (a
    // tree) and as a snapshot source reads it (a `Value`).
    let text = snapshot("staging", s.clone()).to_json();
    let path = std::path::Path::new("staging.json");
    group.bench_function("read_snapshot", |b| {
        b.iter_batched(
            || text.clone(),
            |text| Snapshot::parse_tree(path, text).expect("a snapshot it wrote"),
            BatchSize::LargeInput,
        )
    });
    // The same, from a file, a chunk at a time, as `diff` reads it.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("staging.json");
    std::fs::write(&file, &text).expect("the snapshot written");
    group.bench_function("read_snapshot_file", |b| {
        b.iter(|| Snapshot::read_tree(&file).expect("a snapshot it wrote"))
    });
    group.bench_function("read_snapshot_value", |b| {
        b.iter(|| Snapshot::parse(path, &text).expect("a snapshot it wrote"))
    });
    let whole = snapshot("staging", s.clone());
    group.bench_function("write_snapshot", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(text.len());
            whole.write_json(&mut out).expect("into memory");
            out
        })
    });
    // Each side redacted (its own taint applied), then the other side's taint shared.
    let with_secrets = |surface: &Value, secret: &str| {
        let mut v = surface.clone();
        if let Some(settings) = v.get_mut("settings").and_then(Value::as_object_mut) {
            settings.insert("OPENEDX_SECRET_KEY".into(), json!(secret));
            settings.insert("NOTE".into(), json!(format!("key {secret} again")));
        }
        let mut snap = snapshot("staging", v).into_tree();
        redact_snapshot(&mut snap, &policy, &fp);
        snap
    };
    let (ts, tp) = (
        with_secrets(&s, "staging-secret-value"),
        with_secrets(&p, "production-secret-value"),
    );
    group.bench_function("share_taint", |b| {
        b.iter_batched(
            || (ts.clone(), tp.clone()),
            |(mut a, mut b)| {
                share_taint(&mut a, &mut b);
                (a, b)
            },
            BatchSize::LargeInput,
        )
    });
    let tokens = HostTokens::from_surface(&s, &opts.profile.host_settings);
    group.bench_function("host_tokens", |b| {
        b.iter_batched(
            || st.clone(),
            |mut t| {
                t.apply_hosts(&tokens);
                t
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench_judge, bench_stages);
criterion_main!(benches);
