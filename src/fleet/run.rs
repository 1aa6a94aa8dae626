//! Judging the instances of a fleet: each pair goes through the same pipeline as
//! `check` (collect both environments, every source under its own deadline, then
//! judge), at most `jobs` pairs at a time.
//!
//! The work is waiting on files and servers, so pairs overlap far beyond the number of
//! cores; the bound keeps open connections and surfaces in memory in proportion to
//! `jobs`, not to the fleet. A pair that fails — a source unreachable, a file that is not
//! a Tutor root, even a crash — is that instance's outcome alone: the others go on.

use super::shared;
use super::spool::Spool;
use super::{IgnoreUse, InstanceReport};
use crate::JudgeOptions;
use crate::collect::{self, Context, Source, progress};
use crate::normalize::{Fingerprinter, SecretPolicy};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;

/// Everything one instance needs to be judged, checked before anything runs.
#[derive(Debug, Clone)]
pub struct Pair {
    pub name: String,
    /// Environment names and sources.
    pub staging: (String, Vec<Source>),
    pub production: (String, Vec<Source>),
    pub opts: JudgeOptions,
    /// The deadline of each of its sources.
    pub timeout: Duration,
    /// The `ignore` globs given for it (flags and fleet file), checked against its
    /// surfaces.
    pub ignore: Vec<String>,
}

/// The default bound on pairs judged at once: the work is I/O-bound, so several per
/// core, and at least 8.
pub fn default_jobs() -> usize {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    (4 * cores).clamp(8, 64)
}

/// Judges every pair, at most `jobs` at a time, all with one fingerprint key (so that
/// secrets compare across instances). A pair is started only when one of the `jobs`
/// running finishes, and its report goes to a spool on disk (in memory only if no
/// temporary file can be made), so that what is held grows with `jobs`, not with the
/// fleet. The reports come back in no particular order.
pub async fn run(
    pairs: Vec<Pair>,
    jobs: usize,
    fingerprinter: &Fingerprinter,
    quiet: bool,
) -> Vec<InstanceReport> {
    let bars = progress::Bars::new(quiet);
    let bar = bars.fleet(pairs.iter().map(|p| p.name.clone()).collect());
    let spool = Spool::new().ok();
    let mut out = Vec::with_capacity(pairs.len());
    let mut waiting = pairs.into_iter();
    let mut running = JoinSet::new();
    // Whose task each one is, to name an instance whose task crashed.
    let mut names = HashMap::new();
    loop {
        while running.len() < jobs.max(1) {
            let Some(pair) = waiting.next() else { break };
            let (bar, fp, spool) = (bar.clone(), fingerprinter.clone(), spool.clone());
            let name = pair.name.clone();
            let task = running.spawn(async move {
                let name = pair.name.clone();
                let report = judge_pair(pair, fp, spool).await;
                bar.done(&name);
                report
            });
            names.insert(task.id(), name);
        }
        match running.join_next_with_id().await {
            None => break,
            Some(Ok((id, report))) => {
                names.remove(&id);
                out.push(report);
            }
            Some(Err(e)) => {
                let name = names.remove(&e.id()).unwrap_or_default();
                out.push(InstanceReport::failed(name, collect::crashed("fleet", e)));
            }
        }
    }
    bar.finish();
    out
}

/// One pair, as `check` judges it.
async fn judge_pair(
    pair: Pair,
    fingerprinter: Fingerprinter,
    spool: Option<Arc<Spool>>,
) -> InstanceReport {
    let Pair {
        name,
        staging,
        production,
        opts,
        timeout,
        ignore,
    } = pair;
    let ctx = Context {
        environment: String::new(),
        fingerprinter: fingerprinter.clone(),
        secrets: SecretPolicy::with_extra(&opts.profile.secret_keys),
        timeout,
        // The fleet draws one line for all instances.
        quiet: true,
    };
    let collected = collect::collect_pair(
        (&staging.0, &staging.1),
        (&production.0, &production.1),
        &ctx,
    )
    .await
    .and_then(|(s, p)| {
        collect::check_snapshot_keys(&s, &staging.1, &fingerprinter)?;
        collect::check_snapshot_keys(&p, &production.1, &fingerprinter)?;
        Ok((s, p))
    });
    let (mut s, mut p) = match collected {
        Ok(pair) => pair,
        Err(e) => return InstanceReport::failed(name, e.to_string()),
    };
    // Judging is CPU work (and the spool file I/O): off the threads that wait on sources.
    let who = name.clone();
    let judged = tokio::task::spawn_blocking(move || {
        crate::on_one_thread(|| {
            crate::normalize::recognise_fingerprints(&mut s, &mut p, &fingerprinter);
            let held = shared::held(&s, &p, &opts.profile);
            let missed = crate::waiver::unmatched(&ignore, &[&s.surface, &p.surface]);
            let ignores = ignore
                .iter()
                .map(|glob| {
                    let miss = missed.iter().find(|(g, _)| *g == glob.as_str());
                    IgnoreUse {
                        glob: glob.clone(),
                        matched: miss.is_none(),
                        near: miss.and_then(|(_, near)| near.clone()),
                    }
                })
                .collect();
            let (report, s, p) = crate::judge_keeping(s.into_tree(), p.into_tree(), &opts);
            if let Err(why) = crate::refuse_overflow(&s, &p) {
                return InstanceReport::failed(who, why);
            }
            let mut judged = InstanceReport::judged(who, report, held, spool.as_ref());
            judged.ignores = ignores;
            judged
        })
    })
    .await;
    judged.unwrap_or_else(|e| InstanceReport::failed(name, collect::crashed("judge", e)))
}
