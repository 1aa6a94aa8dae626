//! envparity: tells an Open edX release engineer where staging is a reduced copy of
//! production.
//!
//! The pipeline runs in one direction: collect → normalize → compare → classify →
//! waive → report. [`collect`] produces one [`snapshot::Snapshot`] per environment;
//! [`judge`] runs the rest and returns a [`report::Report`], which the renderers in
//! [`report`] turn into text without reaching back up the pipeline.

pub mod classify;
pub mod cli;
pub mod collect;
pub mod compare;
pub mod config;
pub mod error;
pub mod findings;
pub mod fleet;
pub mod input;
pub mod normalize;
pub mod pathglob;
pub mod profile;
pub mod release;
pub mod report;
pub mod snapshot;
pub mod surface;
pub mod tree;
pub mod waiver;

use classify::ClassifyContext;
use findings::{Class, Finding, Location, Locations};
use normalize::{HostTokens, Rewrite};
use profile::Profile;
use report::{Report, Verdict};
use snapshot::Snapshot;
use std::collections::BTreeMap;
use tree::Tree;

/// What judging needs besides the two snapshots.
#[derive(Debug, Clone)]
pub struct JudgeOptions {
    /// Shared: a fleet judges many pairs with one profile.
    pub profile: std::sync::Arc<Profile>,
    pub waivers: Vec<waiver::Waiver>,
    /// The classes that fail the gate.
    pub fail_on: Vec<Class>,
    /// The day waivers are checked against.
    pub today: chrono::NaiveDate,
}

thread_local! {
    static ONE_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with [`both`] and the comparison on this thread alone: a fleet already keeps
/// every core busy with pairs, and a second thread per pair would only add switching.
pub fn on_one_thread<T>(f: impl FnOnce() -> T) -> T {
    /// Puts the flag back as it was, even when `f` panics.
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            ONE_THREAD.with(|o| o.set(self.0));
        }
    }
    let _restore = Restore(ONE_THREAD.with(|o| o.replace(true)));
    f()
}

/// Whether work may go to a thread of its own (not inside [`on_one_thread`]).
pub(crate) fn spare_threads_allowed() -> bool {
    !ONE_THREAD.with(std::cell::Cell::get)
}

/// The most threads [`both`] and the comparison use at once: the work splits two ways
/// (the environments) and then by large objects, so more would only take time to start.
const MAX_THREADS: usize = 8;

/// The stack of each pool thread: Linux's default for a main thread (`ulimit -s`).
const MAIN_STACK: usize = 8 << 20;

/// The threads the pipeline may use: the cores, up to [`MAX_THREADS`]. Asked once: on
/// Linux the answer reads the cgroup's CPU quota from files, and [`both`] asks on every
/// call.
pub(crate) fn threads() -> usize {
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *THREADS.get_or_init(|| {
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(MAX_THREADS)
    })
}

/// The pool [`both`] runs on, started at its first use; `None` when no thread could be
/// started.
///
/// The threads live as long as the process. A thread started for each pair of tasks is
/// placed by the scheduler's rule for new tasks, which looks at the cores' recent load:
/// measured on the realistic benchmark pair, the second task of the redaction and of the
/// host tokens often began only when the first had ended, on the same core. A thread
/// woken to take a task goes to an idle core, and the pipeline took 15 % less time.
fn pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads())
            .thread_name(|i| format!("envparity-{i}"))
            // The main thread's size: the first task used to run there, and the passes
            // recurse once per level of nesting.
            .stack_size(MAIN_STACK)
            .build()
            .ok()
    })
    .as_ref()
}

/// Runs `a` and `b` at once on [`pool`]: the two environments' passes (parsing,
/// redaction, host tokens) touch nothing of each other, and a parity check always has
/// two. A panic in either is the caller's, as if both ran here; with one core, inside
/// [`on_one_thread`], or should no thread be had, `b` runs after `a`.
pub fn both<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    if spare_threads_allowed()
        && threads() > 1
        && let Some(pool) = pool()
    {
        return pool.join(a, b);
    }
    (a(), b())
}

/// Normalizes, compares, classifies and waives: the pipeline after collection.
/// A surface a rewrite overflowed is judged all the same: callers that take input of
/// any size ask [`judge_keeping`] and [`refuse_overflow`] instead.
pub fn judge(staging: Snapshot, production: Snapshot, opts: &JudgeOptions) -> Report {
    judge_keeping(staging.into_tree(), production.into_tree(), opts).0
}

/// Refuses judged surfaces a rewrite overflowed ([`Tree::overflowed`]): their report
/// would compare emptied strings. Callers of [`judge_keeping`] ask this before they
/// show the report; the environment named is the one too large.
pub fn refuse_overflow(
    staging: &Snapshot<Tree>,
    production: &Snapshot<Tree>,
) -> Result<(), String> {
    match [staging, production]
        .into_iter()
        .find(|s| s.surface.overflowed())
    {
        Some(s) => Err(format!(
            "the {} surface is too large to judge: what redaction and host tokens rewrite passes 2 GiB of strings or 2^32 nodes",
            s.environment
        )),
        None => Ok(()),
    }
}

/// As [`judge`], and hands the two (normalized) snapshots back instead of dropping them.
/// Freeing two surfaces of a million nodes each takes a tenth of a large `diff`; the CLI
/// forgets them and lets the process exit return the memory at once.
pub fn judge_keeping(
    mut staging: Snapshot<Tree>,
    mut production: Snapshot<Tree>,
    opts: &JudgeOptions,
) -> (Report, Snapshot<Tree>, Snapshot<Tree>) {
    // A secret tainted in one environment is a secret in the other too, before anything
    // compares or prints it.
    normalize::share_taint(&mut staging, &mut production);
    mark_uncovered(&mut staging, &production);
    mark_uncovered(&mut production, &staging);

    // The releases are read before host tokens change any string; what the release
    // explains is judged on copies of the raw parts it reads, made only on an upgrade.
    let releases =
        [&staging, &production].map(|s| release::attribution::release_part(s.surface.root()));
    let upgrade = release::attribution::Upgrade::new(&releases[0], &releases[1]);
    let release_block = upgrade.summary();
    let raw = upgrade.differs().then(|| {
        (
            release::attribution::raw_parts(staging.surface.root()),
            release::attribution::raw_parts(production.surface.root()),
        )
    });
    let has_release = release_block.staging != Default::default()
        || release_block.production != Default::default();

    let mut findings = classify::host_findings(&staging, &production, &opts.profile);
    let tokens = |s: &mut Snapshot<Tree>| {
        let tokens = HostTokens::from_surface(s.surface.root(), &opts.profile.host_settings);
        s.surface.apply_hosts(&tokens);
    };
    both(|| tokens(&mut staging), || tokens(&mut production));

    let ctx = ClassifyContext {
        fingerprint_keys_differ: match (&staging.fingerprint, &production.fingerprint) {
            (Some(a), Some(b)) => a.key_id != b.key_id,
            _ => false,
        },
    };
    for d in compare::compare(
        staging.surface.root(),
        production.surface.root(),
        &opts.profile,
    ) {
        if let Some(f) = classify::classify(d, &ctx) {
            findings.push(f);
        }
    }
    let mut release_block = has_release.then_some(release_block);
    if let (Some((s_raw, p_raw)), Some(block)) = (&raw, release_block.as_mut()) {
        block.attributed = attribute_to_release(&mut findings, s_raw, p_raw);
    }
    for f in &mut findings {
        f.locations = Locations {
            staging: locate(&staging.locations, &f.path),
            production: locate(&production.locations, &f.path),
        };
    }
    let mut waivers = waiver::apply(&mut findings, &opts.waivers, opts.today);
    waiver::suggest(
        &mut waivers,
        &[staging.surface.root(), production.surface.root()],
    );
    report::sort_findings(&mut findings);

    let mut summary: BTreeMap<Class, usize> = Class::ALL.iter().map(|c| (*c, 0)).collect();
    for f in &findings {
        *summary.entry(f.class).or_default() += 1;
    }
    let failed = findings.iter().any(|f| opts.fail_on.contains(&f.class));
    let report = Report {
        format: report::FORMAT.into(),
        verdict: if failed { Verdict::Fail } else { Verdict::Pass },
        fail_on: opts.fail_on.clone(),
        profile: opts.profile.name.clone(),
        environments: report::Environments {
            staging: staging.environment.clone(),
            production: production.environment.clone(),
        },
        summary,
        release: release_block,
        sources: report::Sources {
            staging: staging.sources.clone(),
            production: production.sources.clone(),
        },
        findings,
        waivers,
    };
    (report, staging, production)
}

/// Marks the findings the release explains (see [`release::attribution`]): they become
/// expected and are shown under the release. The finding that stands for the release
/// keeps its class when staging is behind (an older release is reduced), and is expected
/// when staging runs the upgrade candidate. Returns how many differences the release
/// explains besides itself.
fn attribute_to_release(
    findings: &mut [Finding],
    staging: &serde_json::Value,
    production: &serde_json::Value,
) -> usize {
    let upgrade = release::attribution::Upgrade::new(staging, production);
    let head = upgrade.release_path();
    let mut n = 0;
    for f in findings.iter_mut() {
        if f.class == Class::Unknown || !upgrade.explains(&f.path) {
            continue;
        }
        f.release = true;
        if f.path == head {
            if upgrade.order == release::attribution::Order::Ahead {
                f.class = Class::Expected;
            }
        } else {
            f.class = Class::Expected;
            n += 1;
        }
    }
    n
}

/// A pointer one environment's sources cover and the other's do not at all becomes
/// unknown in the latter: parity cannot be judged where one side has no witness.
fn mark_uncovered(this: &mut Snapshot<Tree>, other: &Snapshot<Tree>) {
    let mine = this.coverage();
    for p in other.coverage() {
        let overlaps = mine
            .iter()
            .any(|q| surface::is_prefix(q, &p) || surface::is_prefix(&p, q));
        if !overlaps {
            let others: Vec<String> = other
                .sources
                .values()
                .filter(|s| {
                    s.covers
                        .iter()
                        .any(|c| surface::is_prefix(c, &p) || surface::is_prefix(&p, c))
                })
                .map(|s| format!("{} {}", s.kind, s.origin))
                .collect();
            let reason = if others.is_empty() {
                format!("no {} source collects {p}", this.environment)
            } else {
                format!(
                    "no {} source collects {p} ({} has {})",
                    this.environment,
                    other.environment,
                    others.join(", ")
                )
            };
            this.surface.set_pointer(&p, &surface::unknown(reason));
        }
    }
}

/// The location recorded for `pointer` or its nearest ancestor.
fn locate(locations: &BTreeMap<String, Location>, pointer: &str) -> Option<Location> {
    if locations.is_empty() {
        return None;
    }
    let mut p = pointer;
    loop {
        if let Some(l) = locations.get(p) {
            return Some(l.clone());
        }
        match p.rfind('/') {
            Some(i) if i > 0 => p = &p[..i],
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    /// Whether `a` and `b` ran at once: each says it started and waits to hear the other
    /// did, which two tasks run one after the other never do.
    fn ran_at_once() -> bool {
        let (to_b, from_a) = mpsc::channel();
        let (to_a, from_b) = mpsc::channel();
        let wait = Duration::from_secs(20);
        let (a, b) = both(
            move || {
                let _ = to_b.send(());
                from_b.recv_timeout(wait).is_ok()
            },
            move || {
                let _ = to_a.send(());
                from_a.recv_timeout(wait).is_ok()
            },
        );
        a && b
    }

    #[test]
    fn both_runs_the_two_tasks_at_once_when_there_are_cores_for_them() {
        assert_eq!(ran_at_once(), threads() > 1);
        // The pool stays: the next pair runs at once too (the threads are not one-shot).
        assert_eq!(ran_at_once(), threads() > 1);
        assert_eq!(both(|| 1, || "two"), (1, "two"));
    }

    #[test]
    fn on_one_thread_both_runs_the_tasks_here_one_after_the_other() {
        let here = std::thread::current().id();
        let (a, b) = on_one_thread(|| {
            both(
                || std::thread::current().id(),
                || std::thread::current().id(),
            )
        });
        assert_eq!((a, b), (here, here));
        assert!(spare_threads_allowed(), "the flag is put back afterwards");
    }

    #[test]
    fn a_panic_in_either_task_is_the_callers() {
        for second in [false, true] {
            let caught = std::panic::catch_unwind(|| {
                both(
                    || assert!(second, "the first task failed"),
                    || assert!(!second, "the second task failed"),
                )
            });
            let message = caught.expect_err("the panic reaches the caller");
            let text = message
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| message.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let which = if second { "second" } else { "first" };
            assert!(text.contains(which), "{text}");
        }
    }
}
