//! VictoriaMetrics as a receiver: Debian's single-node `victoria-metrics` (1.79.5), started per
//! test on a free port in a temporary folder, fed by `push --remote-write` and by its Prometheus
//! text import, and read back through its Prometheus-compatible query API.
//!
//! VictoriaMetrics stores less than the export holds, by design, and the comparison says so
//! exactly instead of loosening the set check:
//! - **NaN samples are not stored.** Its storage skips every NaN but Prometheus' staleness
//!   marker ("the underlying encoding doesn't know how to work with them", `Storage.add` in
//!   `lib/storage/storage.go`), and still answers 204. A series whose only sample is NaN does
//!   not exist there, so the expected set leaves exactly those out.
//! - **Values are decimals.** A sample is kept as an int64 mantissa and a power of ten,
//!   converted with 12 significant digits (`conversionPrecision = 1e12` in
//!   `lib/decimal/decimal.go`; 15 above 1e6). `0.21738839149475098` reads back as
//!   `0.21738839149475`, and a subnormal value (`5e-324`) as `0`. Infinities are kept as they
//!   are. Values are compared within that precision; names and labels exactly.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::*;
use crate::push::{
    assert_same_series_by, assert_verifies, expected_series, export, hostile_export_of,
    observed_ms, prometheus_series, push, Labels,
};
use crate::servers::*;

/// How long a read-back waits for VictoriaMetrics at most (never asserted on).
const PATIENCE: Duration = Duration::from_secs(30);

/// The relative precision of VictoriaMetrics' float-to-decimal conversion.
const DECIMAL_PRECISION: f64 = 1e-12;

/// A copy of the real run report that finished now: remote-write samples carry the run's
/// time, and VictoriaMetrics keeps only samples within its retention (one day here).
fn report_finishing_now(dir: &Path) -> PathBuf {
    let mut report = read_json(&fixture("run-report/run_report_success_real.json"));
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    report["finished_at"] = serde_json::Value::String(now);
    let path = dir.join("run_report_finishing_now.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&report).unwrap()).unwrap();
    path
}

fn run_report_export(dir: &Path, report: &Path) -> PathBuf {
    export(dir, &["--run-report", report.to_str().unwrap()])
}

/// The export's series as VictoriaMetrics stores them: all but the NaN ones.
fn stored_series(dir: &Path) -> (usize, Vec<(String, Labels, f64)>) {
    let all = expected_series(dir);
    let total = all.len();
    let kept = all.into_iter().filter(|(_, _, v)| !v.is_nan()).collect();
    (total, kept)
}

/// `got` is `expected` as VictoriaMetrics' decimal storage keeps it.
fn same_as_stored(expected: f64, got: f64) -> bool {
    if expected == got {
        true
    } else if expected.is_nan() || expected.is_infinite() || got.is_nan() {
        false
    } else if expected.abs() < f64::MIN_POSITIVE {
        // A subnormal value (or -0.0 against 0.0): below the powers of ten it can represent.
        got == 0.0
    } else {
        ((got - expected) / expected).abs() <= DECIMAL_PRECISION
    }
}

/// The series at `time_ms`, once at least `want` are searchable or `PATIENCE` has passed.
/// Ingested rows sit in memory until a flush; `/internal/force_flush` asks for one.
fn read_back(port: u16, time_ms: i64, want: usize) -> Vec<(String, Labels, f64)> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let (status, body) = http_get(port, "/internal/force_flush");
        assert_eq!(status, 200, "{body}");
        let got = prometheus_series(port, time_ms);
        if got.len() >= want || Instant::now() >= deadline {
            return got;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn now_ms() -> i64 {
    i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).unwrap()
}

/// How many values came back different from the export (rounded by the decimal storage).
fn rounded(expected: &[(String, Labels, f64)], got: &[(String, Labels, f64)]) -> usize {
    got.iter()
        .filter(|(n, l, v)| {
            expected
                .iter()
                .any(|(en, el, ev)| en == n && el == l && ev != v)
        })
        .count()
}

/// Pushes an export of a run report that finished now with `push --remote-write` to a fresh
/// VictoriaMetrics and reads every series back at the samples' time.
fn remote_write_case(name: &str, make: fn(&Path, &Path) -> PathBuf) {
    let vm = victoria_metrics();
    let url = format!("http://127.0.0.1:{}/api/v1/write", vm.port);
    let tmp = tempfile::tempdir().unwrap();
    let report = report_finishing_now(tmp.path());
    let dir = make(tmp.path(), &report);
    let o = push(
        tmp.path(),
        &[dir.to_str().unwrap(), "--remote-write", &url],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("push.failed"), "{}", stderr(&o));
    let (total, expected) = stored_series(&dir);
    // The request is accepted whole; the NaN samples are dropped inside, without a word.
    assert!(
        stdout(&o).contains(&format!("{total} of {total} series in 1 request")),
        "{}",
        stdout(&o)
    );
    let time = observed_ms(&dir);
    assert!(
        (now_ms() - time).abs() < 3_600_000,
        "the samples are current"
    );
    let got = read_back(vm.port, time + 1, expected.len());
    assert_same_series_by(name, &expected, &got, same_as_stored);
    eprintln!(
        "victoriametrics remote-write, {name}: {} series read back ({total} in the export, {} NaN not stored, {} values rounded)",
        got.len(),
        total - expected.len(),
        rounded(&expected, &got)
    );
    assert_verifies(&dir);
}

#[test]
fn remote_write_delivers_every_series_of_a_run_report_to_victoria_metrics() {
    remote_write_case("run report", run_report_export);
}

#[test]
fn remote_write_delivers_hostile_names_labels_and_values_to_victoria_metrics() {
    remote_write_case("hostile", hostile_export_of);
}

#[test]
fn victoria_metrics_imports_the_prometheus_text_file_as_it_is() {
    for (name, make) in [
        (
            "run report",
            run_report_export as fn(&Path, &Path) -> PathBuf,
        ),
        ("hostile", hostile_export_of),
    ] {
        let vm = victoria_metrics();
        let tmp = tempfile::tempdir().unwrap();
        let report = fixture("run-report/run_report_success_real.json");
        let dir = make(tmp.path(), &report);
        let text = std::fs::read(dir.join("prometheus_metrics.prom")).unwrap();
        // The file has no timestamps: VictoriaMetrics stamps the samples with its own clock.
        let (status, body) = http_post(
            vm.port,
            "/api/v1/import/prometheus",
            "text/plain; version=0.0.4; charset=utf-8",
            &text,
        );
        assert_eq!(status, 204, "{body}");
        let time = now_ms();
        let (total, expected) = stored_series(&dir);
        let got = read_back(vm.port, time, expected.len());
        assert_same_series_by(name, &expected, &got, same_as_stored);
        eprintln!(
            "victoriametrics text import, {name}: {} series read back ({total} in the export, {} NaN not stored, {} values rounded)",
            got.len(),
            total - expected.len(),
            rounded(&expected, &got)
        );
    }
}

#[test]
fn the_decimal_comparison_still_tells_values_apart() {
    assert!(same_as_stored(
        0.217_388_391_494_750_98,
        0.217_388_391_494_75
    ));
    assert!(same_as_stored(
        1.797_693_134_862_315_7e308,
        1.797_693_134_862_315e308
    ));
    assert!(same_as_stored(5e-324, 0.0));
    assert!(same_as_stored(f64::NEG_INFINITY, f64::NEG_INFINITY));
    assert!(!same_as_stored(0.217_388_391_494_750_98, 0.217_388_391_5));
    assert!(!same_as_stored(1.5, 1.500_000_001));
    assert!(!same_as_stored(f64::NEG_INFINITY, f64::INFINITY));
    assert!(!same_as_stored(f64::INFINITY, f64::MAX));
    assert!(!same_as_stored(1e-300, 0.0));
    assert!(!same_as_stored(1.0, f64::NAN));
    assert!(!same_as_stored(0.0, 1e-320));
}
