//! What a push tells while it runs: the [`Progress`] trait the push reports to, [`Quiet`], the
//! [`Printed`] lines both adapters print, and the throttle of a multi-request push's reports.

use std::io::Write;
use std::time::{Duration, Instant};

use super::{PushResult, TargetKind};
use crate::inert::Commands;
use crate::observability::text::plural;

/// What a push tells while it runs, target by target: the adapters print it (the push itself
/// never prints). Every text handed over is scrubbed of the target's secrets.
pub trait Progress {
    /// About to send `series` series (OTLP: data points) to a target in `requests` requests.
    fn start(&mut self, kind: TargetKind, target: &str, series: usize, requests: usize);
    /// Of a multi-request push, `done` of `requests` sent and `series` series accepted; called
    /// about every 10 % or 5 s, never for the last request (the result says it).
    fn sent(&mut self, kind: TargetKind, done: usize, requests: usize, series: usize);
    /// A request failed and is retried after `wait`.
    fn retry(
        &mut self,
        kind: TargetKind,
        failed_attempt: u32,
        attempts: u32,
        wait: Duration,
        reason: &str,
    );
    /// The target is done (pushed or failed).
    fn finish(&mut self, result: &PushResult);
    /// Something the push left out, and why (traces of an export that has none).
    fn note(&mut self, _text: &str) {}
}

/// No progress at all.
pub struct Quiet;

impl Progress for Quiet {
    fn start(&mut self, _: TargetKind, _: &str, _: usize, _: usize) {}
    fn sent(&mut self, _: TargetKind, _: usize, _: usize, _: usize) {}
    fn retry(&mut self, _: TargetKind, _: u32, _: u32, _: Duration, _: &str) {}
    fn finish(&mut self, _: &PushResult) {}
}

/// Progress as lines on stderr, as both adapters print it: what each target is about to
/// receive, each retry as it happens, and how far a multi-request push has got. With `groups`
/// (in GitHub Actions) each target's lines sit between `::group::push to <kind>` and
/// `::endgroup::` on stdout; the title is the tool's own words, never input text. Both
/// writers are flushed around a group command so the runner sees the lines inside it.
pub struct Printed<'a, O: Commands, E: Write> {
    pub stdout: &'a mut O,
    pub stderr: &'a mut E,
    pub groups: bool,
}

impl<O: Commands, E: Write> Printed<'_, O, E> {
    fn group(&mut self, line: &str) {
        if self.groups {
            let _ = self.stderr.flush();
            self.stdout.command(line);
            let _ = self.stdout.flush();
        }
    }
}

impl<O: Commands, E: Write> Progress for Printed<'_, O, E> {
    fn start(&mut self, kind: TargetKind, target: &str, series: usize, requests: usize) {
        self.group(&format!("::group::push to {kind}"));
        if requests > 0 {
            let _ = writeln!(
                self.stderr,
                "push to {kind} `{target}`: sending {series} {} in {}",
                kind.unit(),
                plural(requests, "request")
            );
        }
    }

    fn sent(&mut self, kind: TargetKind, done: usize, requests: usize, series: usize) {
        let _ = writeln!(
            self.stderr,
            "push to {kind}: {done} of {requests} requests sent, {series} {} accepted",
            kind.unit()
        );
    }

    fn retry(
        &mut self,
        kind: TargetKind,
        failed: u32,
        attempts: u32,
        wait: Duration,
        reason: &str,
    ) {
        let _ = writeln!(
            self.stderr,
            "push to {kind}: attempt {failed} of {attempts} failed ({reason}); retrying in {:.2} s",
            wait.as_secs_f64()
        );
    }

    fn finish(&mut self, _: &PushResult) {
        self.group("::endgroup::");
    }

    fn note(&mut self, text: &str) {
        let _ = writeln!(self.stderr, "push: {text}");
    }
}

/// How often a multi-request push reports: at each further 10 % of its requests, or when 5 s
/// passed since the last report, whichever comes first.
const PROGRESS_EVERY: Duration = Duration::from_secs(5);

pub(super) struct Throttle {
    last_tenth: usize,
    last_at: Instant,
}

impl Throttle {
    pub(super) fn new() -> Self {
        Throttle {
            last_tenth: 0,
            last_at: Instant::now(),
        }
    }

    /// True when `done` of `total` requests is worth a report.
    pub(super) fn due(&mut self, done: usize, total: usize) -> bool {
        if done >= total || total < 2 {
            return false;
        }
        let tenth = done * 10 / total;
        if tenth > self.last_tenth || self.last_at.elapsed() >= PROGRESS_EVERY {
            self.last_tenth = tenth;
            self.last_at = Instant::now();
            return true;
        }
        false
    }
}
