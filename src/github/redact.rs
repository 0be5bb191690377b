//! The action's last line of defence for its secrets: stdout and stderr pass through
//! [`Redacting`], which replaces the step's secrets (the `github-token`, the push credentials,
//! the `*_HEADERS` values; every form [`Redactor`] knows) with `***` in every line. The runner's
//! `::add-mask::` hides them in the log only; what the tool writes to files (the run folder,
//! `GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY`) is redacted where it is written (`action.rs`, and
//! the export's blocker messages in the core).
//!
//! The masks themselves (`::add-mask::<secret>`) are the one thing passed through as they are:
//! they are how the runner is asked to mask. And every value masked through the wrapper is
//! redacted from then on too (the push credentials' other forms are masked once the inputs are
//! read): the runner's list of masks cannot be read back, so the wrapper keeps its own.

use std::borrow::Cow;
use std::io::{self, Write};

use crate::inert::Commands;
use crate::observability::secrets::Redactor;

/// The command that asks the runner to mask a value.
const ADD_MASK: &str = "::add-mask::";

/// stdout or stderr with the step's secrets redacted, line by line (a secret split over two
/// writes is still found: a line is redacted whole, once its `\n` arrives).
pub struct Redacting<'a, W: Write> {
    inner: &'a mut W,
    redactor: Redactor,
    /// The current line, until its `\n`.
    pending: Vec<u8>,
}

impl<'a, W: Write> Redacting<'a, W> {
    pub fn new(inner: &'a mut W, redactor: Redactor) -> Self {
        Redacting {
            inner,
            redactor,
            pending: Vec::new(),
        }
    }

    /// Writes the pending bytes (a whole line, or the rest at the end) redacted.
    fn write_pending(&mut self) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let bytes = std::mem::take(&mut self.pending);
        let text = String::from_utf8_lossy(&bytes);
        match self.redactor.redact(&text) {
            // Nothing to redact: the bytes as they came.
            Cow::Borrowed(_) => self.inner.write_all(&bytes),
            Cow::Owned(clean) => self.inner.write_all(clean.as_bytes()),
        }
    }
}

impl<W: Write> Write for Redacting<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for &b in buf {
            self.pending.push(b);
            if b == b'\n' {
                self.write_pending()?;
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.write_pending()?;
        self.inner.flush()
    }
}

impl<W: Commands> Commands for Redacting<'_, W> {
    fn command(&mut self, line: &str) {
        // A command is a line of its own: what came before it goes first.
        let _ = self.write_pending();
        if let Some(value) = line.strip_prefix(ADD_MASK) {
            self.redactor.add(&unescape_data(value));
            self.inner.command(line);
        } else {
            self.inner.command(&self.redactor.redact(line));
        }
    }
}

/// Command data as the runner reads it: `%25`, `%0D` and `%0A` back to `%`, CR and LF.
fn unescape_data(data: &str) -> String {
    let mut out = String::with_capacity(data.len());
    let mut rest = data;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let code = rest.get(at..at + 3);
        let (text, used) = match code {
            Some("%25") => ("%", 3),
            Some("%0D") => ("\r", 3),
            Some("%0A") => ("\n", 3),
            _ => ("%", 1),
        };
        out.push_str(text);
        rest = &rest[at + used..];
    }
    out.push_str(rest);
    out
}

impl<W: Write> Drop for Redacting<'_, W> {
    fn drop(&mut self) {
        let _ = self.write_pending();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `Commands` that records what reaches it.
    #[derive(Default)]
    struct Sink(Vec<u8>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Commands for Sink {
        fn command(&mut self, line: &str) {
            self.0.extend_from_slice(line.as_bytes());
            self.0.push(b'\n');
        }
    }

    #[test]
    fn every_line_but_the_masks_is_redacted() {
        let mut sink = Sink::default();
        {
            let mut out = Redacting::new(&mut sink, Redactor::new(&["s3cr3t-token"]));
            out.command("::add-mask::s3cr3t-token");
            // Split over writes, the secret is still found.
            write!(out, "error: 422 Bearer s3cr3").unwrap();
            writeln!(out, "t-token was refused").unwrap();
            out.command("::warning title=x::echoed s3cr3t-token");
            // A value masked later (escaped as command data) is redacted from then on.
            out.command("::add-mask::later%25one");
            writeln!(out, "echo later%one").unwrap();
            write!(out, "no newline: s3cr3t-token").unwrap();
        }
        assert_eq!(
            String::from_utf8(sink.0).unwrap(),
            "::add-mask::s3cr3t-token\nerror: 422 Bearer *** was refused\n::warning title=x::echoed ***\n::add-mask::later%25one\necho ***\nno newline: ***"
        );
        assert_eq!(unescape_data("a%25b%0D%0A%2%"), "a%b\r\n%2%");
    }
}
