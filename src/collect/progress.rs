//! The progress line of each environment on stderr while its sources run (and of a
//! fleet while its instances run): how many are done, and which one is still being
//! waited for — the first thing a release engineer
//! wants to know when a check hangs on an unreachable LMS.
//!
//! Drawn only when stderr is a terminal and `--quiet` is not given: CI logs and pipes
//! get nothing.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The progress lines of one run (one per environment).
pub(crate) struct Bars {
    multi: Option<MultiProgress>,
}

impl Bars {
    pub(crate) fn new(quiet: bool) -> Bars {
        let shown = !quiet && std::io::stderr().is_terminal();
        Bars {
            multi: shown.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr())),
        }
    }

    /// A line for one environment whose sources are `labels`.
    pub(crate) fn environment(&self, name: &str, labels: Vec<String>) -> Arc<EnvironmentBar> {
        self.line(name, "sources", labels)
    }

    /// A line for a fleet whose instances are `labels`: how many are judged, and which
    /// are still being waited for.
    pub(crate) fn fleet(&self, labels: Vec<String>) -> Arc<EnvironmentBar> {
        self.line("fleet", "instances", labels)
    }

    fn line(&self, name: &str, unit: &str, labels: Vec<String>) -> Arc<EnvironmentBar> {
        let bar = self.multi.as_ref().map(|m| {
            let bar = m.add(ProgressBar::new(labels.len() as u64));
            let style = ProgressStyle::with_template(&format!(
                "{{prefix:.bold}} {{pos}}/{{len}} {unit} [{{elapsed}}] {{wide_msg}}"
            ))
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_prefix(name.to_string());
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        let line = EnvironmentBar {
            bar,
            pending: Mutex::new(labels),
        };
        line.redraw();
        Arc::new(line)
    }
}

/// The progress line of one environment (or of a fleet).
pub(crate) struct EnvironmentBar {
    bar: Option<ProgressBar>,
    pending: Mutex<Vec<String>>,
}

impl EnvironmentBar {
    /// One source finished (well or not).
    pub(crate) fn done(&self, label: &str) {
        if let Ok(mut p) = self.pending.lock()
            && let Some(i) = p.iter().position(|l| l == label)
        {
            p.remove(i);
        }
        if let Some(b) = &self.bar {
            b.inc(1);
        }
        self.redraw();
    }

    /// Removes the line: the report follows on stdout.
    pub(crate) fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }

    fn redraw(&self) {
        let Some(b) = &self.bar else { return };
        let msg = match self.pending.lock() {
            Ok(p) => match p.as_slice() {
                [] => String::new(),
                [one] => format!("waiting for {one}"),
                [first, rest @ ..] => format!("waiting for {first} and {} more", rest.len()),
            },
            Err(_) => String::new(),
        };
        b.set_message(msg);
    }
}

impl Drop for EnvironmentBar {
    fn drop(&mut self) {
        self.finish();
    }
}
