//! `push`: a finished export sent to real receivers on 127.0.0.1 (Debian's Prometheus 2.42 with
//! its remote-write receiver, Debian's Pushgateway, and an OTLP/HTTP receiver that decodes with
//! the official OpenTelemetry protobuf definitions), read back through their own APIs, plus
//! faults against a scripted stand-in. Every server is started by its test on a free port in a
//! temporary folder and stopped by process id when the test ends.

#![cfg(feature = "push")]

mod answers;
mod otlp_proto;
mod streamed;

use crate::common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::servers::*;
use crate::standin;
use common::*;
use dpone_observability::observability::metrics::sanitize_label_name;

// ---------------------------------------------------------------- exports

pub(crate) fn export(dir: &Path, args: &[&str]) -> PathBuf {
    let out = dir.join("export");
    let mut all = vec![
        "metrics-export",
        "--output-dir",
        out.to_str().unwrap(),
        "--format",
        "json",
    ];
    all.extend_from_slice(args);
    let o = run_in(dir, &all);
    assert!(
        o.status.code() == Some(0) || o.status.code() == Some(1),
        "{}",
        stderr(&o)
    );
    out
}

fn run_report_export(dir: &Path) -> PathBuf {
    let report = fixture("run-report/run_report_success_real.json");
    export(dir, &["--run-report", report.to_str().unwrap()])
}

/// Custom metrics with hostile names, values and label values.
fn hostile_export(dir: &Path) -> PathBuf {
    hostile_export_of(dir, &fixture("run-report/run_report_success_real.json"))
}

/// `hostile_export` of another run report.
pub(crate) fn hostile_export_of(dir: &Path, report: &Path) -> PathBuf {
    export(
        dir,
        &[
            "--run-report",
            report.to_str().unwrap(),
            "--metric",
            "rows/sec=1.5",
            "--metric",
            "задержка=5",
            "--metric",
            "nan_metric=nan",
            "--metric",
            "neg_inf_metric=-inf",
            "--metric",
            "tiny=5e-324",
            "--metric",
            "huge=1.7976931348623157e308",
            "--label",
            "quote=say \"hi\" \\ back",
            "--label",
            "path=a/b",
            "--label",
            "newline=x\ny",
            "--label",
            "unicode=метка ✓",
            "--label",
            "empty=",
        ],
    )
}

pub(crate) type Labels = BTreeMap<String, String>;

/// Every series of an export as Prometheus names it: labels under their Prometheus names,
/// empty values dropped (Prometheus treats them as absent).
pub(crate) fn expected_series(dir: &Path) -> Vec<(String, Labels, f64)> {
    let report = read_json(&dir.join("runtime_metrics.json"));
    report["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let labels = m["labels"]
                .as_object()
                .unwrap()
                .iter()
                .filter(|(_, v)| !v.as_str().unwrap().is_empty())
                .map(|(k, v)| (sanitize_label_name(k), v.as_str().unwrap().to_string()))
                .collect();
            (
                m["name"].as_str().unwrap().to_string(),
                labels,
                number(&m["value"]),
            )
        })
        .collect()
}

fn number(v: &serde_json::Value) -> f64 {
    match v {
        serde_json::Value::String(s) => parse_float(s),
        other => other.as_f64().unwrap(),
    }
}

/// Go's and our spellings of special values: `NaN`, `+Inf`, `-Inf`, `Infinity`.
pub(crate) fn parse_float(s: &str) -> f64 {
    match s {
        "+Inf" | "Infinity" => f64::INFINITY,
        "-Inf" | "-Infinity" => f64::NEG_INFINITY,
        other => other
            .parse()
            .unwrap_or_else(|_| panic!("not a number: {other}")),
    }
}

pub(crate) fn same_value(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b
}

/// Asserts both lists hold the same series with the same values.
fn assert_same_series(
    what: &str,
    expected: &[(String, Labels, f64)],
    got: &[(String, Labels, f64)],
) {
    assert_same_series_by(what, expected, got, same_value);
}

/// Asserts both lists hold the same series, with values that `same(expected, got)` accepts.
pub(crate) fn assert_same_series_by(
    what: &str,
    expected: &[(String, Labels, f64)],
    got: &[(String, Labels, f64)],
    same: fn(f64, f64) -> bool,
) {
    let key = |(n, l, _): &(String, Labels, f64)| (n.clone(), l.clone());
    let want: BTreeMap<_, f64> = expected.iter().map(|s| (key(s), s.2)).collect();
    let have: BTreeMap<_, f64> = got.iter().map(|s| (key(s), s.2)).collect();
    assert_eq!(
        want.len(),
        expected.len(),
        "the export has duplicate series"
    );
    let missing: Vec<_> = want
        .keys()
        .filter(|k| !have.contains_key(*k))
        .take(5)
        .collect();
    let extra: Vec<_> = have
        .keys()
        .filter(|k| !want.contains_key(*k))
        .take(5)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: missing {missing:?}, unexpected {extra:?}"
    );
    for (k, v) in &want {
        assert!(same(*v, have[k]), "{what}: {k:?} is {} not {v}", have[k]);
    }
    assert_eq!(have.len(), got.len(), "{what}: a series arrived twice");
}

pub(crate) fn push(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(bin());
    cmd.arg("push")
        .args(args)
        .current_dir(cwd)
        .env("DPONE_OBSERVABILITY_RETRY_BASE_MS", "20");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the binary runs")
}

pub(crate) fn assert_verifies(dir: &Path) {
    let o = Command::new(bin()).arg("verify").arg(dir).output().unwrap();
    assert!(
        o.status.success(),
        "{} no longer verifies: {}",
        dir.display(),
        stderr(&o)
    );
}

// ---------------------------------------------------------------- Pushgateway

/// `/api/v1/metrics` as (name, labels without an empty `instance`, value) per series, for the
/// group whose grouping labels are `group`.
fn pushgateway_series(port: u16, group: &Labels) -> Vec<(String, Labels, f64)> {
    let (status, body) = http_get(port, "/api/v1/metrics");
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let mut out = Vec::new();
    for g in json["data"].as_array().unwrap() {
        let labels: Labels = serde_json::from_value(g["labels"].clone()).unwrap();
        if &labels != group {
            continue;
        }
        assert_eq!(g["last_push_successful"], true, "{g}");
        for (family, content) in g.as_object().unwrap() {
            if [
                "labels",
                "last_push_successful",
                "push_time_seconds",
                "push_failure_time_seconds",
            ]
            .contains(&family.as_str())
            {
                continue;
            }
            for m in content["metrics"].as_array().unwrap() {
                let mut labels: Labels = serde_json::from_value(m["labels"].clone()).unwrap();
                if labels.get("instance").is_some_and(|v| v.is_empty()) {
                    labels.remove("instance");
                }
                out.push((
                    family.clone(),
                    labels,
                    parse_float(m["value"].as_str().unwrap()),
                ));
            }
        }
    }
    out
}

#[test]
fn pushgateway_receives_every_series_of_a_run_report_and_hostile_custom_metrics() {
    let gw = pushgateway();
    let url = format!("http://127.0.0.1:{}", gw.port);
    for (name, make, grouping) in [
        (
            "run report",
            run_report_export as fn(&Path) -> PathBuf,
            vec![],
        ),
        (
            "hostile",
            hostile_export,
            vec!["--grouping-label", "path", "--grouping-label", "process"],
        ),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = make(tmp.path());
        let mut args = vec![
            dir.to_str().unwrap(),
            "--pushgateway",
            &url,
            "--pushgateway-job",
            name,
        ];
        args.extend(grouping.iter().copied());
        let o = push(tmp.path(), &args, &[]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(!stderr(&o).contains("push.failed"), "{}", stderr(&o));
        let mut group: Labels = [("job".to_string(), name.to_string())].into();
        group.insert("process".into(), "orders_pg_to_pg".into());
        if name == "hostile" {
            // `a/b` went through the path as `path@base64/YS9i`.
            group.insert("path".into(), "a/b".into());
        }
        let expected: Vec<_> = expected_series(&dir)
            .into_iter()
            .map(|(n, mut l, v)| {
                l.extend(group.clone());
                (n, l, v)
            })
            .collect();
        let got = pushgateway_series(gw.port, &group);
        assert_same_series(name, &expected, &got);
        eprintln!("pushgateway, {name}: {} series read back", got.len());
        assert!(
            stdout(&o).contains(&format!("{} of {} series", got.len(), got.len())),
            "{}",
            stdout(&o)
        );
        assert_verifies(&dir);
    }
}

#[test]
fn a_pushgateway_re_run_replaces_its_group() {
    let gw = pushgateway();
    let url = format!("http://127.0.0.1:{}", gw.port);
    let tmp = tempfile::tempdir().unwrap();
    let first = tmp.path().join("first");
    std::fs::create_dir_all(&first).unwrap();
    let dir = export(
        &first,
        &[
            "--metric",
            "kept=1",
            "--metric",
            "dropped_on_rerun=2",
            "--label",
            "env=ci",
        ],
    );
    assert!(
        push(&first, &[dir.to_str().unwrap(), "--pushgateway", &url], &[])
            .status
            .success()
    );
    let second = tmp.path().join("second");
    std::fs::create_dir_all(&second).unwrap();
    let dir = export(&second, &["--metric", "kept=3", "--label", "env=ci"]);
    assert!(push(
        &second,
        &[dir.to_str().unwrap(), "--pushgateway", &url],
        &[]
    )
    .status
    .success());
    let got = pushgateway_series(gw.port, &[("job".to_string(), "dpone".to_string())].into());
    let names: Vec<(&str, f64)> = got.iter().map(|(n, _, v)| (n.as_str(), *v)).collect();
    assert_eq!(names, [("dpone_kept", 3.0)], "PUT replaces the group");
}

// ---------------------------------------------------------------- remote-write

/// Every `dpone_` series a Prometheus query API (Prometheus, VictoriaMetrics) holds at
/// `time_ms`.
pub fn prometheus_series(port: u16, time_ms: i64) -> Vec<(String, Labels, f64)> {
    let query = query_encode("{__name__=~\"dpone_.+\"}");
    let time = format!("{}.{:03}", time_ms / 1000, time_ms % 1000);
    let (status, body) = http_get(port, &format!("/api/v1/query?query={query}&time={time}"));
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["status"], "success", "{body}");
    json["data"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let mut labels: Labels = serde_json::from_value(r["metric"].clone()).unwrap();
            let name = labels.remove("__name__").unwrap();
            (name, labels, parse_float(r["value"][1].as_str().unwrap()))
        })
        .collect()
}

pub(crate) fn observed_ms(dir: &Path) -> i64 {
    let report = read_json(&dir.join("runtime_metrics.json"));
    let text = report["observed_at"].as_str().unwrap();
    let t =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).unwrap();
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap()
}

#[test]
fn remote_write_delivers_every_series_to_prometheus() {
    for (name, make) in [
        ("run report", run_report_export as fn(&Path) -> PathBuf),
        ("hostile", hostile_export),
    ] {
        // A fresh Prometheus per export: samples carry the run's time, and a TSDB only takes
        // samples within an hour of its newest one.
        let prom = prometheus();
        let url = format!("http://127.0.0.1:{}/api/v1/write", prom.port);
        let tmp = tempfile::tempdir().unwrap();
        let dir = make(tmp.path());
        let o = push(
            tmp.path(),
            &[dir.to_str().unwrap(), "--remote-write", &url],
            &[],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(!stderr(&o).contains("push.failed"), "{}", stderr(&o));
        let got = prometheus_series(prom.port, observed_ms(&dir) + 1);
        assert_same_series(name, &expected_series(&dir), &got);
        eprintln!(
            "prometheus remote-write, {name}: {} series read back",
            got.len()
        );
        assert_verifies(&dir);
    }
}

#[test]
fn remote_write_sends_100000_series_in_batches() {
    let prom = prometheus();
    let url = format!("http://127.0.0.1:{}/api/v1/write", prom.port);
    let tmp = tempfile::tempdir().unwrap();
    let mut file = String::from("{");
    for i in 0..100_000 {
        if i > 0 {
            file.push(',');
        }
        file.push_str(&format!("\"series_{i:06}\": {}", i as f64 * 0.5));
    }
    file.push('}');
    std::fs::write(tmp.path().join("metrics.json"), file).unwrap();
    let dir = export(
        tmp.path(),
        &["--metrics-file", "metrics.json", "--label", "env=ci"],
    );
    let o = push(
        tmp.path(),
        &[dir.to_str().unwrap(), "--remote-write", &url],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("100000 of 100000 series in 50 requests"),
        "{}",
        stdout(&o)
    );
    // What it is about to send, then progress at least every 10 % (never after the last).
    let err = stderr(&o);
    assert!(
        err.contains("`: sending 100000 series in 50 requests\n"),
        "{err}"
    );
    for tenth in 1..10 {
        let done = tenth * 5;
        assert!(
            err.contains(&format!(
                "push to remote-write: {done} of 50 requests sent, {} series accepted\n",
                done * 2000
            )),
            "{err}"
        );
    }
    assert!(!err.contains("50 of 50 requests sent"), "{err}");
    let got = prometheus_series(prom.port, observed_ms(&dir) + 1);
    assert_eq!(got.len(), 100_000);
    assert_same_series("100,000 series", &expected_series(&dir), &got);
    eprintln!("prometheus remote-write: {} series read back", got.len());
}

// ---------------------------------------------------------------- OTLP/HTTP

struct OtlpReceiver {
    server: Server,
    out: PathBuf,
}

fn otlp_receiver() -> OtlpReceiver {
    otlp_receiver_with(&[])
}

/// The receiver with its options (`--split`: a traces request need not hold a whole trace).
fn otlp_receiver_with(options: &[&str]) -> OtlpReceiver {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("requests.jsonl");
    let mut child = Command::new("python3")
        .arg(repo().join("tests/validators/otlp_receiver.py"))
        .arg(&out)
        .args(options)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("python3 with opentelemetry-proto");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line.trim().parse().unwrap_or_else(|_| {
        panic!(
            "the OTLP receiver did not start (pip install opentelemetry-proto protobuf): {line:?}"
        )
    });
    OtlpReceiver {
        server: Server {
            child,
            port,
            _dir: dir,
        },
        out,
    }
}

type Point = (String, Labels, String, f64);

/// Data points of an OTLP/JSON document (the artifact, or a request the receiver decoded).
fn otlp_points(request: &serde_json::Value) -> (Labels, Vec<Point>) {
    let mut resource = Labels::new();
    let mut points = Vec::new();
    let attrs = |v: &serde_json::Value| -> Labels {
        v.as_array()
            .map(|a| {
                a.iter()
                    .map(|kv| {
                        (
                            kv["key"].as_str().unwrap().to_string(),
                            kv["value"]["stringValue"].as_str().unwrap().to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    for rm in request["resourceMetrics"].as_array().unwrap() {
        resource.extend(attrs(&rm["resource"]["attributes"]));
        for sm in rm["scopeMetrics"].as_array().unwrap() {
            for m in sm["metrics"].as_array().unwrap() {
                for p in m["gauge"]["dataPoints"].as_array().unwrap() {
                    points.push((
                        m["name"].as_str().unwrap().to_string(),
                        attrs(&p["attributes"]),
                        p["timeUnixNano"].as_str().unwrap().to_string(),
                        number(&p["asDouble"]),
                    ));
                }
            }
        }
    }
    (resource, points)
}

fn assert_same_points(what: &str, want: &[Point], got: &[Point]) {
    assert_eq!(want.len(), got.len(), "{what}: point count");
    for (a, b) in want.iter().zip(got) {
        assert_eq!((&a.0, &a.1, &a.2), (&b.0, &b.1, &b.2), "{what}");
        assert!(same_value(a.3, b.3), "{what}: {} {} vs {}", a.0, a.3, b.3);
    }
}

#[test]
fn otlp_http_in_both_encodings_and_from_the_opentelemetry_variables() {
    let receiver = otlp_receiver();
    let tmp = tempfile::tempdir().unwrap();
    let dir = hostile_export(tmp.path());
    let artifact = read_json(&dir.join("opentelemetry_metrics.json"));
    let (want_resource, want) = otlp_points(&artifact);
    let endpoint = format!("http://127.0.0.1:{}/v1/metrics", receiver.server.port);
    let base = format!("http://127.0.0.1:{}", receiver.server.port);
    type Run<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)]);
    let runs: [Run<'_>; 3] = [
        (&["--otlp-endpoint", &endpoint], &[]),
        (
            &["--otlp-endpoint", &endpoint, "--otlp-protocol", "http/json"],
            &[],
        ),
        (
            &["--otlp"],
            &[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", &base),
                ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
                ("OTEL_EXPORTER_OTLP_HEADERS", "x-tenant=team%20a,x-other=1"),
                ("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "x-tenant=team%20b"),
            ],
        ),
    ];
    for (args, env) in runs {
        let mut all = vec![dir.to_str().unwrap()];
        all.extend_from_slice(args);
        let o = push(tmp.path(), &all, env);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("push.failed"), "{}", stderr(&o));
    }
    let records: Vec<serde_json::Value> = std::fs::read_to_string(&receiver.out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Each push also sent the trace, to /v1/traces beside the metrics.
    assert_eq!(records.len(), 6);
    let (records, traces): (Vec<_>, Vec<_>) = records
        .into_iter()
        .partition(|r| r["path"] == "/v1/metrics");
    let want_trace = read_json(&dir.join("opentelemetry_traces.json"));
    for t in &traces {
        assert_eq!(t["path"], "/v1/traces");
        assert_same_spans(&want_trace, &t["request"]);
    }
    let types: Vec<&str> = records
        .iter()
        .map(|r| r["content_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "application/x-protobuf",
            "application/json",
            "application/json"
        ]
    );
    for r in &records {
        assert_eq!(r["path"], "/v1/metrics");
        let (resource, got) = otlp_points(&r["request"]);
        assert_eq!(resource, want_resource);
        assert_same_points("OTLP", &want, &got);
    }
    eprintln!("otlp: {} data points per request, 3 requests", want.len());
    // The metrics variable replaces the general one: one header, decoded.
    assert_eq!(records[2]["headers"]["x-tenant"], "team b");
    assert!(records[2]["headers"].get("x-other").is_none());
    assert_verifies(&dir);
}

/// The spans of a request the receiver decoded are the artifact's: ids, names, times, status,
/// attributes and events (the receiver writes int64 as strings and leaves out zero values, as
/// the proto3 JSON mapping does).
fn assert_same_spans(artifact: &serde_json::Value, got: &serde_json::Value) {
    let norm = |doc: &serde_json::Value| -> Vec<serde_json::Value> {
        doc["resourceSpans"][0]["scopeSpans"][0]["spans"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let mut s = s.clone();
                let o = s.as_object_mut().unwrap();
                if o.get("events") == Some(&serde_json::json!([])) {
                    o.remove("events");
                }
                s
            })
            .collect()
    };
    assert_eq!(norm(artifact), norm(got));
    assert_eq!(
        artifact["resourceSpans"][0]["resource"],
        got["resourceSpans"][0]["resource"]
    );
}

/// Exports the real success report in the CI run attempt `run_url`.
fn traced_export(dir: &Path, run_url: &str) -> PathBuf {
    let report = fixture("run-report/run_report_success_real.json");
    let failed = fixture("run-report/run_report_failed_real.json");
    let attr = format!("cicd.pipeline.run.url.full={run_url}");
    export(
        dir,
        &[
            "--run-report",
            report.to_str().unwrap(),
            "--input",
            failed.to_str().unwrap(),
            "--resource-attr",
            &attr,
        ],
    )
}

fn records(receiver: &OtlpReceiver) -> Vec<serde_json::Value> {
    std::fs::read_to_string(&receiver.out)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn otlp_traces_with_gzip_from_the_flag_and_the_traces_variables() {
    let receiver = otlp_receiver();
    let tmp = tempfile::tempdir().unwrap();
    let dir = traced_export(
        tmp.path(),
        "https://github.com/o/r/actions/runs/9/attempts/1",
    );
    let want = read_json(&dir.join("opentelemetry_traces.json"));
    let port = receiver.server.port;
    let endpoint = format!("http://127.0.0.1:{port}/v1/metrics");

    // The flag compresses both signals; traces go beside the metrics endpoint.
    let o = push(
        tmp.path(),
        &[
            dir.to_str().unwrap(),
            "--otlp-endpoint",
            &endpoint,
            "--otlp-compression",
            "gzip",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(&format!(
            "otlp-traces http://127.0.0.1:{port}/v1/traces: 3 of 3 spans in 1 request"
        )),
        "{}",
        stdout(&o)
    );
    let got = records(&receiver);
    assert_eq!(got.len(), 2);
    for r in &got {
        assert_eq!(r["headers"]["content-encoding"], "gzip", "{}", r["path"]);
        assert_eq!(r["content_type"], "application/x-protobuf");
    }
    assert_eq!(got[1]["path"], "/v1/traces");
    assert_same_spans(&want, &got[1]["request"]);
    assert_eq!(got[1]["trace"]["spans"], 3);

    // The traces variables: their endpoint as it is, their protocol, compression and headers.
    std::fs::remove_file(&receiver.out).unwrap();
    let traces_url = format!("http://127.0.0.1:{port}/custom/v1/traces");
    let base = format!("http://127.0.0.1:{port}");
    let o = push(
        tmp.path(),
        &[dir.to_str().unwrap(), "--otlp"],
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &base),
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", &traces_url),
            ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"),
            ("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "gzip"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "x-tenant=all"),
            ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-tenant=traces"),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let got = records(&receiver);
    assert_eq!(got.len(), 2);
    let (metrics, traces) = (&got[0], &got[1]);
    assert_eq!(metrics["path"], "/v1/metrics");
    assert_eq!(metrics["content_type"], "application/x-protobuf");
    assert!(metrics["headers"].get("content-encoding").is_none());
    assert_eq!(metrics["headers"]["x-tenant"], "all");
    assert_eq!(traces["path"], "/custom/v1/traces");
    assert_eq!(traces["content_type"], "application/json");
    assert_eq!(traces["headers"]["content-encoding"], "gzip");
    assert_eq!(traces["headers"]["x-tenant"], "traces");
    assert_same_spans(&want, &traces["request"]);

    // A bad compression is a usage error naming the variable.
    let o = push(
        tmp.path(),
        &[dir.to_str().unwrap(), "--otlp"],
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &base),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd"),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("COMPRESSION"), "{}", stderr(&o));
    assert_verifies(&dir);
}

#[test]
fn an_export_without_traces_is_pushed_without_them() {
    let receiver = otlp_receiver();
    let tmp = tempfile::tempdir().unwrap();
    let dir = traced_export(
        tmp.path(),
        "https://github.com/o/r/actions/runs/9/attempts/1",
    );
    // An export written before traces: no file, no index entry.
    std::fs::remove_file(dir.join("opentelemetry_traces.json")).unwrap();
    let index_path = dir.join("metrics_index.json");
    let mut index = read_json(&index_path);
    index["artifacts"]
        .as_array_mut()
        .unwrap()
        .retain(|a| a["name"] != "opentelemetry_traces.json");
    std::fs::write(&index_path, serde_json::to_vec_pretty(&index).unwrap()).unwrap();
    assert_verifies(&dir);
    let endpoint = format!("http://127.0.0.1:{}/v1/metrics", receiver.server.port);
    let o = push(
        tmp.path(),
        &[dir.to_str().unwrap(), "--otlp-endpoint", &endpoint],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("traces not sent") && stderr(&o).contains("opentelemetry_traces.json"),
        "{}",
        stderr(&o)
    );
    let got = records(&receiver);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["path"], "/v1/metrics");
}

// ---------------------------------------------------------------- faults

#[derive(Clone)]
enum Reply {
    Status(u16, Vec<(&'static str, &'static str)>, &'static str),
    /// Answers 400 with the request's Authorization header in the body.
    EchoAuthorization,
    /// The same with 503, which is retried: the retry lines quote the body too.
    EchoAuthorizationRetried,
    /// Reads the request and never answers.
    Hang,
}

/// A scripted receiver on the shared stand-in server: one reply per request, in order; the
/// last one repeats.
struct StandIn {
    port: u16,
    server: standin::StandIn,
}

impl StandIn {
    /// The request heads received so far (request line and headers, as sent).
    fn requests(&self) -> Vec<String> {
        self.server.requests().into_iter().map(|r| r.head).collect()
    }
}

fn stand_in(script: Vec<Reply>) -> StandIn {
    let count = Mutex::new(0usize);
    let server = standin::StandIn::start(move |request| {
        let mut n = count.lock().unwrap();
        let reply = script[(*n).min(script.len() - 1)].clone();
        *n += 1;
        match reply {
            Reply::Hang => standin::Reply::Hang,
            Reply::Status(status, headers, text) => standin::Reply::Send(
                status,
                headers
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                text.as_bytes().to_vec(),
            ),
            Reply::EchoAuthorization | Reply::EchoAuthorizationRetried => {
                let auth = request.header("authorization").unwrap_or_default();
                let status = match reply {
                    Reply::EchoAuthorization => 400,
                    _ => 503,
                };
                standin::Reply::Send(
                    status,
                    vec![],
                    format!("bad credentials: {auth}").into_bytes(),
                )
            }
        }
    });
    StandIn {
        port: server.port,
        server,
    }
}

fn fault_export() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = run_report_export(tmp.path());
    (tmp, dir)
}

#[test]
fn a_refused_connection_is_retried_then_a_warning() {
    let (tmp, dir) = fault_export();
    let url = format!("http://127.0.0.1:{}/api/v1/write", free_port());
    let o = push(
        tmp.path(),
        &[
            dir.to_str().unwrap(),
            "--remote-write",
            &url,
            "--retries",
            "2",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "a warning by default");
    let err = stderr(&o);
    assert!(
        err.contains("warning[push.failed]: push to remote-write `http://127.0.0.1:"),
        "{err}"
    );
    assert!(
        err.contains("Connection refused") && err.contains("after 3 attempts"),
        "{err}"
    );
    assert_verifies(&dir);
    // The policy file makes it an error.
    std::fs::write(
        tmp.path().join("p.yml"),
        "blockers:\n  push.failed: error\n",
    )
    .unwrap();
    let o = push(
        tmp.path(),
        &[
            dir.to_str().unwrap(),
            "--remote-write",
            &url,
            "--retries",
            "0",
            "--policy",
            "p.yml",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("error[push.failed]"), "{}", stderr(&o));
}

#[test]
fn a_name_that_does_not_resolve_is_a_warning() {
    let (tmp, dir) = fault_export();
    // `.invalid` never resolves (RFC 2606). Without a resolver the lookup may time out instead;
    // both are bounded by --timeout and end the same way.
    let o = push(
        tmp.path(),
        &[
            dir.to_str().unwrap(),
            "--otlp-endpoint",
            "http://dpone-push-test.invalid/v1/metrics",
            "--retries",
            "1",
            "--timeout",
            "3",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0));
    let err = stderr(&o);
    assert!(
        err.contains(
            "warning[push.failed]: push to otlp `http://dpone-push-test.invalid/v1/metrics` failed"
        ),
        "{err}"
    );
    assert!(
        err.contains("dns error") || err.contains("timeout"),
        "{err}"
    );
    assert!(err.contains("(after 2 attempts)"), "{err}");
    assert_verifies(&dir);
}

#[test]
fn a_500_then_success_and_a_429_with_retry_after() {
    let (tmp, dir) = fault_export();
    let server = stand_in(vec![
        Reply::Status(500, vec![], "busy"),
        Reply::Status(200, vec![], ""),
    ]);
    let url = format!("http://127.0.0.1:{}/metrics", server.port);
    let o = push(
        tmp.path(),
        &[dir.to_str().unwrap(), "--pushgateway", &url],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("push.failed"), "{}", stderr(&o));
    assert_eq!(server.requests().len(), 2);

    let server = stand_in(vec![
        Reply::Status(429, vec![("Retry-After", "1")], "slow down"),
        Reply::Status(204, vec![], ""),
    ]);
    let url = format!("http://127.0.0.1:{}/api/v1/write", server.port);
    let started = Instant::now();
    let o = push(
        tmp.path(),
        &[dir.to_str().unwrap(), "--remote-write", &url],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After was not honoured"
    );
    assert_eq!(server.requests().len(), 2);
    assert_verifies(&dir);
}

#[test]
fn each_retry_is_printed_as_it_happens() {
    let (tmp, dir) = fault_export();
    let server = stand_in(vec![
        Reply::Status(503, vec![], "unavailable"),
        Reply::Status(503, vec![], "still unavailable"),
        Reply::Status(204, vec![], ""),
    ]);
    let url = format!("http://127.0.0.1:{}/api/v1/write", server.port);
    let o = push(
        tmp.path(),
        &[dir.to_str().unwrap(), "--remote-write", &url],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines.len(),
        3,
        "what is sent, then one line per retry: {err}"
    );
    assert_eq!(
        lines[0],
        format!("push to remote-write `{url}`: sending 12 series in 1 request")
    );
    assert!(
        lines[1].starts_with(
            "push to remote-write: attempt 1 of 4 failed (HTTP 503: unavailable); retrying in "
        ),
        "{err}"
    );
    assert!(
        lines[2].starts_with(
            "push to remote-write: attempt 2 of 4 failed (HTTP 503: still unavailable); retrying in "
        ),
        "{err}"
    );
    assert_eq!(server.requests().len(), 3);
    // Outside a workflow there are no groups; inside one, the target's lines sit in one.
    assert!(!stdout(&o).contains("::group::"), "{}", stdout(&o));
    let server = stand_in(vec![
        Reply::Status(503, vec![], "unavailable"),
        Reply::Status(204, vec![], ""),
    ]);
    let url = format!("http://127.0.0.1:{}/api/v1/write", server.port);
    let o = push(
        tmp.path(),
        &[dir.to_str().unwrap(), "--remote-write", &url],
        &[("GITHUB_ACTIONS", "true")],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with("::group::push to remote-write\n::endgroup::\n"),
        "{out}"
    );
    assert!(stderr(&o).contains("attempt 1 of 4 failed (HTTP 503: unavailable)"));
}

#[test]
fn a_400_is_not_retried_and_its_body_is_shown() {
    let (tmp, dir) = fault_export();
    let server = stand_in(vec![Reply::Status(400, vec![], "out of bounds\n")]);
    let url = format!("http://127.0.0.1:{}/api/v1/write?tenant=x", server.port);
    let o = push(
        tmp.path(),
        &[dir.to_str().unwrap(), "--remote-write", &url],
        &[],
    );
    assert_eq!(o.status.code(), Some(0));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("push to remote-write `http://127.0.0.1:{}/api/v1/write` failed: request 1 of 1 (12 series) failed after 0 of 12 series were accepted: HTTP 400: out of bounds", server.port)),
        "{err}"
    );
    assert!(!err.contains("tenant=x"), "the query is not shown: {err}");
    assert_eq!(server.requests().len(), 1);
    assert_verifies(&dir);
}

#[test]
fn a_server_that_never_answers_times_out() {
    let (tmp, dir) = fault_export();
    let server = stand_in(vec![Reply::Hang]);
    let url = format!("http://127.0.0.1:{}/v1/metrics", server.port);
    let o = push(
        tmp.path(),
        &[
            dir.to_str().unwrap(),
            "--otlp-endpoint",
            &url,
            "--timeout",
            "0.5",
            "--retries",
            "1",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0));
    let err = stderr(&o);
    assert!(
        err.contains("no response within 0.5 s (timeout) (after 2 attempts)"),
        "{err}"
    );
    // Metrics, then traces beside them: each tried twice.
    assert_eq!(server.requests().len(), 4);
    assert_verifies(&dir);
}

#[test]
fn a_tampered_folder_is_refused_before_any_request() {
    let (tmp, dir) = fault_export();
    let server = stand_in(vec![Reply::Status(200, vec![], "")]);
    let prom = dir.join("prometheus_metrics.prom");
    let mut text = std::fs::read_to_string(&prom).unwrap();
    text = text.replace("55000", "55001");
    std::fs::write(&prom, text).unwrap();
    let url = format!("http://127.0.0.1:{}", server.port);
    let o = push(
        tmp.path(),
        &[dir.to_str().unwrap(), "--pushgateway", &url],
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("refusing to push"), "{}", stderr(&o));
    assert!(server.requests().is_empty(), "a request was sent");
    // A missing index too.
    std::fs::remove_file(dir.join("metrics_index.json")).unwrap();
    let o = push(
        tmp.path(),
        &[dir.to_str().unwrap(), "--pushgateway", &url],
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(server.requests().is_empty());
}

#[test]
fn secrets_never_show_in_any_output() {
    let (tmp, dir) = fault_export();
    let before: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let b = std::fs::read(&p).unwrap();
            (p, b)
        })
        .collect();
    let server = stand_in(vec![
        Reply::EchoAuthorizationRetried,
        Reply::EchoAuthorization,
    ]);
    let url = format!("http://127.0.0.1:{}/api/v1/write", server.port);
    let secret = "tok-very-secret-4711";
    for (flag, value) in [
        ("--remote-write-token-env", secret.to_string()),
        ("--remote-write-basic-auth-env", format!("robot:{secret}")),
        ("--remote-write-headers-env", format!("x-api-key={secret}")),
    ] {
        let o = push(
            tmp.path(),
            &[
                dir.to_str().unwrap(),
                "--remote-write",
                &url,
                flag,
                "PUSH_SECRET",
            ],
            &[("PUSH_SECRET", &value)],
        );
        let all = format!("{}{}", stdout(&o), stderr(&o));
        assert!(
            all.contains("push.failed") && all.contains("bad credentials"),
            "{all}"
        );
        assert!(!all.contains(secret), "{flag}: the secret leaked: {all}");
        if flag == "--remote-write-token-env" {
            // The first answer is a 503: its retry line quotes the body, scrubbed.
            assert!(
                all.contains("attempt 1 of 4 failed (HTTP 503: bad credentials: Bearer ***)"),
                "{all}"
            );
        }
        if flag != "--remote-write-headers-env" {
            assert!(all.contains("***"), "{all}");
        }
    }
    // The server did receive it.
    let seen = server.requests().join("\n");
    assert!(
        seen.contains(&format!("authorization: Bearer {secret}")),
        "{seen}"
    );
    assert!(seen.contains(&format!("x-api-key: {secret}")), "{seen}");
    // A secret as a value on the command line is refused.
    let o = push(
        tmp.path(),
        &[
            dir.to_str().unwrap(),
            "--remote-write",
            &format!("http://robot:{secret}@127.0.0.1:1/"),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(!stderr(&o).contains(secret), "{}", stderr(&o));
    // Nor in a URL's query or a malformed header list, which usage errors never quote.
    for (args, env) in [
        (
            vec![
                "--remote-write",
                "http://127.0.0.1:1/w?api_key=tok-very-secret-4711 x",
            ],
            vec![],
        ),
        (
            vec!["--pushgateway", "http://u:tok-very-secret-4711@/x"],
            vec![],
        ),
        (
            vec![
                "--remote-write",
                "http://127.0.0.1:1/w",
                "--remote-write-headers-env",
                "PUSH_SECRET",
            ],
            vec![(
                "PUSH_SECRET",
                "Authorization: Bearer tok-very-secret-4711=x",
            )],
        ),
    ] {
        let mut all = vec![dir.to_str().unwrap()];
        all.extend(args.iter().copied());
        let o = push(tmp.path(), &all, &env);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains(secret), "{args:?}: {}", stderr(&o));
    }
    // Nothing in the folder changed.
    for (path, bytes) in before {
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "{}", path.display());
    }
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 8);
}

#[test]
fn usage_errors() {
    let (tmp, dir) = fault_export();
    for (args, wanted) in [
        (vec![], "no push target"),
        (
            vec!["--pushgateway", "ftp://x"],
            "must start with http:// or https://",
        ),
        (
            vec!["--otlp"],
            "neither OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
        ),
        (
            vec!["--pushgateway", "http://127.0.0.1:1", "--retries", "11"],
            "0..=10",
        ),
        (
            vec![
                "--remote-write",
                "http://127.0.0.1:1/",
                "--remote-write-token-env",
                "NOT_SET_ANYWHERE",
            ],
            "`NOT_SET_ANYWHERE`",
        ),
    ] {
        let mut all = vec![dir.to_str().unwrap()];
        all.extend(args.iter().copied());
        let o = push(tmp.path(), &all, &[]);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(wanted), "{args:?}: {}", stderr(&o));
    }
}

// ---------------------------------------------------------------- the action

#[test]
fn the_action_pushes_after_the_summary_and_outputs_and_masks_the_secrets() {
    use dpone_observability::github::inputs::INPUTS;
    let gw = pushgateway();
    let tmp = tempfile::tempdir().unwrap();
    let workspace = tmp.path().join("workspace");
    let files = tmp.path().join("files");
    std::fs::create_dir_all(&workspace).unwrap();
    std::fs::create_dir_all(&files).unwrap();
    std::fs::copy(
        fixture("run-report/run_report_success_real.json"),
        workspace.join("run_report.json"),
    )
    .unwrap();
    let secret = "gw-token-0815-secret";
    let run = |extra: &[(&str, String)]| {
        let mut cmd = Command::new(bin());
        cmd.arg("action")
            .current_dir(&workspace)
            .env_clear()
            .env("SOURCE_DATE_EPOCH", EPOCH)
            .env("DPONE_OBSERVABILITY_RETRY_BASE_MS", "10");
        for (name, default, _) in INPUTS {
            cmd.env(format!("INPUT_{}", name.to_uppercase()), default);
        }
        cmd.env("INPUT_RUN-REPORT", "run_report.json")
            .env("INPUT_GITHUB-TOKEN", "")
            .env("INPUT_PR-STATUS", "none")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_RUN_ID", "77")
            .env("GITHUB_RUN_ATTEMPT", "1")
            .env("GITHUB_WORKSPACE", &workspace)
            .env("GITHUB_STEP_SUMMARY", files.join("summary"))
            .env("GITHUB_OUTPUT", files.join("output"))
            .env("GW_TOKEN", secret);
        for (k, v) in extra {
            cmd.env(format!("INPUT_{}", k.to_uppercase()), v);
        }
        cmd.output().unwrap()
    };
    let refused = format!("http://127.0.0.1:{}/api/v1/write", free_port());
    let o = run(&[
        ("pushgateway-url", format!("http://127.0.0.1:{}", gw.port)),
        ("pushgateway-token-env", "GW_TOKEN".to_string()),
        ("remote-write-url", refused.clone()),
    ]);
    let out = stdout(&o);
    assert_eq!(
        o.status.code(),
        Some(0),
        "a failed push is a warning: {out}{}",
        stderr(&o)
    );
    assert!(out.starts_with(&format!("::add-mask::{secret}\n")), "{out}");
    assert_eq!(
        out.matches(secret).count(),
        1,
        "only the mask line names it: {out}"
    );
    assert!(!stderr(&o).contains(secret));
    assert!(
        out.contains("::warning title=push.failed::push to remote-write"),
        "{out}"
    );
    // Each target's progress sits in a group of its own, titled with the tool's words only.
    let groups: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("::group::") || l.starts_with("::endgroup::"))
        .collect();
    assert_eq!(
        groups,
        [
            "::group::push to pushgateway",
            "::endgroup::",
            "::group::push to remote-write",
            "::endgroup::"
        ],
        "{out}"
    );
    let err = stderr(&o);
    assert!(
        err.contains("push to pushgateway `http://127.0.0.1:")
            && err.contains("`: sending 12 series in 1 request\n"),
        "{err}"
    );
    assert!(
        err.contains("push to remote-write: attempt 1 of 4 failed (")
            && err.contains("push to remote-write: attempt 3 of 4 failed ("),
        "{err}"
    );
    let summary = std::fs::read_to_string(files.join("summary")).unwrap();
    let pushed = summary.find("### Pushed").expect("a Pushed section");
    assert!(
        summary.find("<summary>Artifacts (").unwrap() < pushed,
        "pushed after the rest"
    );
    assert!(
        summary[pushed..].contains("| pushgateway `http://127.0.0.1:"),
        "{summary}"
    );
    assert!(
        summary[pushed..].contains("12 of 12 series (1 request) | ✅ pushed"),
        "{summary}"
    );
    assert!(summary[pushed..].contains("⚠️ failed"), "{summary}");
    let outputs = std::fs::read_to_string(files.join("output")).unwrap();
    assert!(outputs.contains("\"kind\":\"pushgateway\""), "{outputs}");
    assert!(outputs.contains("\"series\":12"), "{outputs}");
    // The Pushgateway has the series, pushed with the token.
    let got = pushgateway_series(
        gw.port,
        &[
            ("job".to_string(), "dpone".to_string()),
            ("process".to_string(), "orders_pg_to_pg".to_string()),
        ]
        .into(),
    );
    assert_eq!(got.len(), 12);
    // Nothing under the workspace holds the secret, and the folder verifies.
    for entry in walk(&workspace) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(secret),
            "{}",
            entry.display()
        );
    }
    assert!(!std::fs::read_to_string(files.join("summary"))
        .unwrap()
        .contains(secret));
    assert_verifies(&workspace.join("test_artifacts/observability/77-1"));
    // Under `fail-on: warning` the failed push fails the step.
    let o = run(&[
        ("remote-write-url", refused),
        ("fail-on", "warning".to_string()),
        ("run-name", "second".to_string()),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("failed by `push.failed`"),
        "{}",
        stdout(&o)
    );
    // An unset credential variable is a usage error before anything is written.
    let o = run(&[
        ("remote-write-url", "http://127.0.0.1:1/".to_string()),
        ("remote-write-token-env", "NOT_SET".to_string()),
        ("run-name", "third".to_string()),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("remote-write-token-env"),
        "{}",
        stdout(&o)
    );
    assert!(!workspace
        .join("test_artifacts/observability/third")
        .exists());
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
