//! Output the GitHub runner reads is hostile territory. The runner parses a workflow command
//! in every line of a step's stdout and stderr: `::name …::data` at the start of a line (after
//! leading white space), and the legacy `##[name …]data` anywhere in a line; it splits lines at
//! `\n` and `\r`. Text that comes from input (a report field, a label, a file name, a policy
//! line, an input value, a server's answer) must never form one.
//!
//! [`Inert`] wraps stdout or stderr: every line written through it is made inert (a zero-width
//! space before a leading `::`, and inside every `##[`), invisible in the log; the tool's own
//! commands (annotations, masks) go through [`Commands::command`] unchanged. `cli::main` turns it
//! on for `action` and for every subcommand when `GITHUB_ACTIONS=true`; elsewhere it passes
//! bytes through untouched.

use std::borrow::Cow;
use std::io::{self, Write};

/// Zero-width space: not white space for the runner's `TrimStart`, invisible in the log.
const BREAK: &str = "\u{200B}";

/// A line made inert: no `::` after leading white space, no `##[` anywhere, in each of its
/// `\r`-separated parts.
pub fn inert_line(line: &str) -> Cow<'_, str> {
    let leading = line
        .split('\r')
        .any(|part| part.trim_start().starts_with("::"));
    if !leading && !line.contains("##[") {
        return Cow::Borrowed(line);
    }
    let parts: Vec<String> = line
        .split('\r')
        .map(|part| {
            let part = part.replace("##[", &format!("##{BREAK}["));
            let rest = part.trim_start();
            if rest.starts_with("::") {
                let at = part.len() - rest.len();
                format!("{}{BREAK}{}", &part[..at], rest)
            } else {
                part
            }
        })
        .collect();
    Cow::Owned(parts.join("\r"))
}

/// Writes the tool's own workflow commands.
pub trait Commands: Write {
    /// One of the tool's own commands, on a line of its own, as given.
    fn command(&mut self, line: &str);
}

/// stdout or stderr, made inert line by line when `enabled`.
pub struct Inert<W: Write> {
    inner: W,
    enabled: bool,
    /// The current line, until its `\n`.
    pending: Vec<u8>,
}

impl<W: Write> Inert<W> {
    pub fn new(inner: W, enabled: bool) -> Self {
        Inert {
            inner,
            enabled,
            pending: Vec::new(),
        }
    }

    fn emit(&mut self, line: &[u8]) -> io::Result<()> {
        let text = String::from_utf8_lossy(line);
        self.inner.write_all(inert_line(&text).as_bytes())
    }
}

impl<W: Write> Write for Inert<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if !self.enabled {
            return self.inner.write(buf);
        }
        let mut rest = buf;
        while let Some(at) = rest.iter().position(|&b| b == b'\n') {
            if self.pending.is_empty() {
                self.emit(&rest[..at])?;
            } else {
                self.pending.extend_from_slice(&rest[..at]);
                let line = std::mem::take(&mut self.pending);
                self.emit(&line)?;
            }
            self.inner.write_all(b"\n")?;
            rest = &rest[at + 1..];
        }
        self.pending.extend_from_slice(rest);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            let line = std::mem::take(&mut self.pending);
            self.emit(&line)?;
        }
        self.inner.flush()
    }
}

impl<W: Write> Commands for Inert<W> {
    fn command(&mut self, line: &str) {
        // A partial line of text before it ends there, made inert.
        if !self.pending.is_empty() {
            let pending = std::mem::take(&mut self.pending);
            let _ = self
                .emit(&pending)
                .and_then(|()| self.inner.write_all(b"\n"));
        }
        let _ = self.inner.write_all(line.as_bytes());
        let _ = self.inner.write_all(b"\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn through(text: &str) -> String {
        let mut out = Inert::new(Vec::new(), true);
        out.write_all(text.as_bytes()).unwrap();
        out.command("::error title=t::own");
        out.write_all(b"tail ::x::y").unwrap();
        out.flush().unwrap();
        String::from_utf8(out.inner).unwrap()
    }

    #[test]
    fn input_never_starts_a_command_but_ours_pass() {
        let out = through(
            "a\n  ::error::boom\nb ##[set-output name=x;]y\r::warning::w\n\u{3000}::notice::n\n",
        );
        let lines: Vec<&str> = out.split(['\n', '\r']).collect();
        let commands: Vec<&&str> = lines
            .iter()
            .filter(|l| l.trim_start().starts_with("::") || l.contains("##["))
            .collect();
        assert_eq!(commands, [&"::error title=t::own"], "{out:?}");
        assert!(out.contains("  \u{200B}::error::boom"));
        assert!(out.ends_with("tail ::x::y"));
    }

    #[test]
    fn disabled_passes_bytes_through() {
        let mut out = Inert::new(Vec::new(), false);
        out.write_all(b"::error::x\n##[y]\n").unwrap();
        out.flush().unwrap();
        assert_eq!(out.inner, b"::error::x\n##[y]\n");
    }

    #[test]
    fn inert_lines() {
        assert_eq!(inert_line("plain text"), "plain text");
        assert_eq!(inert_line("::a::b"), "\u{200B}::a::b");
        assert_eq!(inert_line("x ##[a]b"), "x ##\u{200B}[a]b");
        assert_eq!(inert_line("x\r ::a::b"), "x\r \u{200B}::a::b");
    }
}
