//! A finished export folder, read for pushing: verified against its index first (tampered or
//! partial evidence is never published), then each file used is checked again as it is read.

use std::fs::File;
use std::io::{self, Read, Seek};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::observability::artifacts::{
    hex, is_indexed, open_indexed, read_indexed, verify, JSON_REPORT, OPENLINEAGE_EVENTS,
    OPENTELEMETRY, OPENTELEMETRY_TRACES, PROMETHEUS,
};
use crate::observability::report_file::read_document;
use crate::observability::timestamp::Timestamp;

/// One series as Prometheus sees it: the name, the labels under their Prometheus names
/// (empty values dropped, as Prometheus treats them as absent), sorted, and the value.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

/// Which parts of the folder the targets need (the others are verified, not read again).
#[derive(Debug, Clone, Copy, Default)]
pub struct Needs {
    /// The Prometheus text (Pushgateway).
    pub prometheus: bool,
    /// The OTLP/JSON artifact (OTLP/HTTP).
    pub otlp: bool,
    /// The OTLP/JSON traces artifact, when the folder has one (OTLP/HTTP traces).
    pub traces: bool,
    /// The series and their time from `runtime_metrics.json` (remote-write, Pushgateway).
    pub series: bool,
    /// `openlineage_events.json`, when the folder has one (OpenLineage).
    pub openlineage: bool,
}

/// What a push sends; the parts not needed are empty.
#[derive(Debug)]
pub struct Export {
    pub prometheus_text: Vec<u8>,
    pub otlp_json: Vec<u8>,
    /// `None` when not needed or when the folder has none (an export written before traces).
    /// Opened, never read whole: it is streamed, as large as it may be.
    pub otlp_traces: Option<IndexedFile>,
    /// `None` when not needed or when the folder has none (no input named a dataset).
    pub openlineage_events: Option<Vec<u8>>,
    /// The folder, as given.
    pub dir: String,
    pub series: Vec<Series>,
    /// The time of every data point (`observed_at`), in milliseconds since 1970.
    pub time_ms: i64,
}

/// Verifies `dir` and reads what `needs` asks for. Nothing is written to it.
pub fn read_export(dir: &Path, needs: Needs) -> Result<Export, String> {
    let shown = dir.display();
    let report = verify(dir).map_err(|err| format!("refusing to push `{shown}`: {err}"))?;
    if !report.problems.is_empty() {
        let problems: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
        return Err(format!(
            "refusing to push `{shown}`: it does not match its metrics_index.json ({})",
            problems.join("; ")
        ));
    }
    let read = |name: &str, wanted: bool| {
        if !wanted {
            return Ok(Vec::new());
        }
        read_indexed(dir, name).map_err(|err| format!("refusing to push: {err}"))
    };
    let prometheus_text = read(PROMETHEUS.file_name, needs.prometheus)?;
    let otlp_json = read(OPENTELEMETRY.file_name, needs.otlp)?;
    let otlp_traces = if needs.traces && is_indexed(dir, OPENTELEMETRY_TRACES.file_name)? {
        Some(IndexedFile::open(dir, OPENTELEMETRY_TRACES.file_name)?)
    } else {
        None
    };
    let openlineage_events = if needs.openlineage && is_indexed(dir, OPENLINEAGE_EVENTS.file_name)?
    {
        Some(read(OPENLINEAGE_EVENTS.file_name, true)?)
    } else {
        None
    };
    if !needs.series {
        return Ok(Export {
            prometheus_text,
            otlp_json,
            otlp_traces,
            openlineage_events,
            dir: shown.to_string(),
            series: Vec::new(),
            time_ms: 0,
        });
    }
    let report_bytes = read(JSON_REPORT.file_name, true)?;
    let report = read_document(&report_bytes)
        .map_err(|err| format!("refusing to push: `{}` {err}", JSON_REPORT.file_name))?;
    let observed_at = &report.observed_at;
    let time = Timestamp::parse_rfc3339(observed_at).ok_or_else(|| {
        format!("refusing to push: `observed_at` `{observed_at}` is not an RFC 3339 time")
    })?;
    let series = report
        .metrics
        .iter()
        .map(|p| {
            let mut labels: Vec<(String, String)> = p
                .labels
                .iter()
                .filter(|l| !l.value.is_empty())
                .map(|l| (l.prometheus_name.clone(), l.value.clone()))
                .collect();
            labels.sort();
            Series {
                name: p.name.to_string(),
                labels,
                value: p.value,
            }
        })
        .collect();
    Ok(Export {
        prometheus_text,
        otlp_json,
        otlp_traces,
        openlineage_events,
        dir: shown.to_string(),
        series,
        time_ms: i64::try_from(time.unix_nanos() / 1_000_000).unwrap_or(i64::MAX),
    })
}

/// An artifact of the verified folder kept open to be streamed, as often as needed, each time
/// from its start and checked against its index entry (sha256 and size) once read through.
/// The file stays open, so an export written over the folder meanwhile (a new set is switched
/// in by rename) does not change what is read; a file changed in place is caught by the check.
#[derive(Debug)]
pub struct IndexedFile {
    file: File,
    /// The path, as shown in messages.
    shown: String,
    sha256: String,
    size: u64,
}

impl IndexedFile {
    fn open(dir: &Path, name: &str) -> Result<IndexedFile, String> {
        let (file, sha256, size) =
            open_indexed(dir, name).map_err(|err| format!("refusing to push: {err}"))?;
        Ok(IndexedFile {
            file,
            shown: dir.join(name).display().to_string(),
            sha256,
            size,
        })
    }

    /// Reads the file from its start through `read` (which may stop early: the rest is read
    /// and hashed after it), then checks the bytes against the index: `Err` when they differ,
    /// whatever `read` gave.
    pub fn stream<T>(&self, read: impl FnOnce(&mut dyn Read) -> T) -> Result<T, String> {
        let mut file = &self.file;
        let cannot = |err: io::Error| format!("cannot read `{}`: {err}", self.shown);
        file.rewind().map_err(cannot)?;
        let mut hashing = Hashing {
            inner: file.take(self.size.saturating_add(1)),
            hasher: Sha256::new(),
            bytes: 0,
        };
        let value = read(&mut hashing);
        io::copy(&mut hashing, &mut io::sink()).map_err(cannot)?;
        let sha256 = hex(&hashing.hasher.finalize());
        if sha256 != self.sha256 || hashing.bytes != self.size {
            return Err(format!(
                "`{}` changed after it was indexed (sha256 {sha256}, index {})",
                self.shown, self.sha256
            ));
        }
        Ok(value)
    }
}

/// A reader that hashes and counts what passes through it.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}
