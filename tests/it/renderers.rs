//! Renderer output held in snapshots: the exact Prometheus text and OTLP/JSON for a real run
//! report plus custom metrics with hostile names, labels and values
//! (regenerate with `SNAPSHOTS=overwrite cargo test --test it renderers::`).

use crate::common;

use dpone_observability::observability::export::{export, ExportRequest};
use dpone_observability::observability::metrics::LabelSet;
use dpone_observability::observability::sources::custom::CustomMetric;
use dpone_observability::observability::timestamp::Timestamp;
use snapbox::{assert_data_eq, file};

fn render() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let mut request = ExportRequest::new(
        tmp.path().join("out"),
        Timestamp::from_unix_seconds(1_764_000_000).unwrap(),
    );
    request.run_report = Some(common::fixture("run-report/run_report_success_real.json"));
    request.metrics = vec![
        CustomMetric::new("Lag Seconds", 42.0),
        CustomMetric::new("rows/sec", f64::NAN),
        CustomMetric::new("dpone_bad-name", f64::INFINITY),
        CustomMetric::new("задержка", -0.5),
    ];
    request.labels = LabelSet::new([
        ("env", "ci"),
        ("quote", "a\"b\\c\nd"),
        ("source.system", "postgres"),
        ("empty", ""),
    ])
    .unwrap();
    request.resource_attributes = vec![("deployment.environment".into(), "ci".into())];
    let outcome = export(&request).unwrap();
    assert!(outcome.report.passed, "{:?}", outcome.report.blockers);
    tmp
}

#[test]
fn prometheus_text_is_stable() {
    let tmp = render();
    let text = std::fs::read_to_string(tmp.path().join("out/prometheus_metrics.prom")).unwrap();
    assert_data_eq!(text, file!["snapshots/render_prometheus.prom"].raw());
}

#[test]
fn otlp_json_is_stable() {
    let tmp = render();
    let text = std::fs::read_to_string(tmp.path().join("out/opentelemetry_metrics.json")).unwrap();
    assert_eq!(text.lines().count(), 1, "one request per line (JSON Lines)");
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let pretty = serde_json::to_string_pretty(&value).unwrap() + "\n";
    assert_data_eq!(pretty, file!["snapshots/render_otlp.json"].raw());
}
