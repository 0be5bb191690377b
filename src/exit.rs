//! How a command ends, shared by the adapters (the CLI, the action, push): the exit statuses,
//! the error `main` prints once, and the one way a blocker is printed on stderr.
//!
//! Exit status: 0 passed (or warnings only); 1 failed (an error blocker, a `verify`
//! difference, an artifact that could not be written or read); 2 usage error (a bad flag,
//! input or configuration value).

use std::io::Write;

use crate::observability::blockers::Blocker;

/// Exit status when the export fails or verification finds a difference.
pub const EXIT_FAILED: u8 = 1;
/// Exit status for a usage error, as clap uses.
pub const EXIT_USAGE: u8 = 2;

/// How a command that ran to its end came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Exit 0.
    Passed,
    /// Exit 1; what failed has been printed already (blockers, differences).
    Failed,
}

impl Verdict {
    pub fn from_failed(failed: bool) -> Self {
        if failed {
            Verdict::Failed
        } else {
            Verdict::Passed
        }
    }
}

/// Why a command stopped early. `main` prints `error: <message>` once and exits with
/// [`Error::status`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A bad flag, input or configuration value (exit 2).
    Usage(String),
    /// The work could not be done: an I/O error, a folder that does not verify (exit 1).
    Failed(String),
}

impl Error {
    pub fn status(&self) -> u8 {
        match self {
            Error::Usage(_) => EXIT_USAGE,
            Error::Failed(_) => EXIT_FAILED,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Error::Usage(message) | Error::Failed(message) => message,
        }
    }
}

/// What every subcommand returns.
pub type Outcome = Result<Verdict, Error>;

/// The exit status of an outcome, after `main` printed the error, if any.
pub fn status(outcome: &Outcome) -> u8 {
    match outcome {
        Ok(Verdict::Passed) => 0,
        Ok(Verdict::Failed) => EXIT_FAILED,
        Err(err) => err.status(),
    }
}

/// A blocker on stderr, with its runbook: `error[metrics.empty]: …` then `  runbook: <url>`.
pub fn write_blocker(out: &mut impl Write, blocker: &Blocker, runbook_url: &str) {
    let _ = writeln!(
        out,
        "{}[{}]: {}\n  runbook: {runbook_url}",
        blocker.severity(),
        blocker.id(),
        blocker.message
    );
}
