//! A finished export folder, read for pushing: verified against its index first (tampered or
//! partial evidence is never published), then each file used is checked again as it is read.

use std::path::Path;

use crate::observability::artifacts::{
    is_indexed, read_indexed, verify, JSON_REPORT, OPENTELEMETRY, OPENTELEMETRY_TRACES, PROMETHEUS,
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
}

/// What a push sends; the parts not needed are empty.
#[derive(Debug)]
pub struct Export {
    pub prometheus_text: Vec<u8>,
    pub otlp_json: Vec<u8>,
    /// `None` when not needed or when the folder has none (an export written before traces).
    pub otlp_traces: Option<Vec<u8>>,
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
        Some(read(OPENTELEMETRY_TRACES.file_name, true)?)
    } else {
        None
    };
    if !needs.series {
        return Ok(Export {
            prometheus_text,
            otlp_json,
            otlp_traces,
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
        dir: shown.to_string(),
        series,
        time_ms: i64::try_from(time.unix_nanos() / 1_000_000).unwrap_or(i64::MAX),
    })
}
