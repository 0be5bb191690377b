//! Every artifact is accepted by tools nobody on the team wrote: `promtool check metrics` for the
//! Prometheus text and the official OpenTelemetry protobuf definitions for OTLP/JSON, for every
//! dpone fixture and for generated hostile names, labels and values.

use crate::common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

#[test]
fn every_fixture_as_run_report_gives_valid_artifacts() {
    let tmp = tempfile::tempdir().unwrap();
    let mut inputs = Vec::new();
    json_files(&fixtures(), &mut inputs);
    assert!(inputs.len() > 20, "fixtures found: {}", inputs.len());
    let mut otlp = Vec::new();
    let mut run_reports = 0;
    for (i, input) in inputs.iter().enumerate() {
        let out = tmp.path().join(format!("e{i}"));
        let o = run_in(
            tmp.path(),
            &[
                "metrics-export",
                "--run-report",
                input.to_str().unwrap(),
                "--output-dir",
                out.to_str().unwrap(),
                "--label",
                "env=ci",
            ],
        );
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "{}: {}",
            input.display(),
            stderr(&o)
        );
        let report = check_export(&out);
        if report["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["name"] == "dpone_run_passed")
        {
            run_reports += 1;
        }
        otlp.push(out.join("opentelemetry_metrics.json"));
    }
    let summaries = otlp_accepts(&otlp);
    assert_eq!(summaries.len(), otlp.len());
    // The success, failure, synthetic CI and maturity-replay reports at least.
    assert!(run_reports >= 4, "run reports recognised: {run_reports}");
}

/// A small deterministic generator, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const NAME_PARTS: &[&str] = &[
    "lag",
    "Lag Seconds",
    "rows/sec",
    "dpone_",
    "dpone_bad-name",
    "задержка",
    "😀",
    "a:b",
    "x.y",
    "9lives",
    "__name__",
    "{}",
    "\"q\"",
    "back\\slash",
    "new\nline",
    "tab\t",
    "#hash",
    " ",
    "_",
    "é",
    "\u{0}",
    "le",
    "quantile",
    "dpone_extracted_rows",
    "total",
    "%",
    "=",
];
const VALUE_PARTS: &[&str] = &[
    "",
    "ok",
    "a\"b",
    "c\\d",
    "line\nbreak",
    "ü",
    "{x=\"y\"}",
    "# HELP",
    "\u{7f}",
    "😀",
    "   ",
    "=",
];
const VALUES: &[f64] = &[
    0.0,
    -0.0,
    1.0,
    -1.5,
    1e300,
    -1e-300,
    5e-324,
    f64::MAX,
    f64::MIN,
    9007199254740993.0,
    0.1,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    123456789.123,
];

#[test]
fn generated_hostile_inputs_give_valid_artifacts() {
    let tmp = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut otlp = Vec::new();
    for round in 0..12 {
        let mut metrics = serde_json::Map::new();
        let mut file_text = String::from("{");
        for i in 0..40 {
            let name = format!(
                "{}{}{}",
                rng.pick(NAME_PARTS),
                rng.pick(NAME_PARTS),
                if i % 3 == 0 {
                    i.to_string()
                } else {
                    String::new()
                }
            );
            if name.trim().is_empty() {
                continue;
            }
            let value = VALUES[(rng.next() % VALUES.len() as u64) as usize];
            // Python's tokens for the values strict JSON cannot hold.
            let token = if value.is_nan() {
                "NaN".to_string()
            } else if value.is_infinite() {
                if value > 0.0 {
                    "Infinity".into()
                } else {
                    "-Infinity".into()
                }
            } else {
                serde_json::to_string(&value).unwrap()
            };
            if !file_text.ends_with('{') {
                file_text.push(',');
            }
            file_text.push_str(&format!(
                "{}:{}",
                serde_json::to_string(&name).unwrap(),
                token
            ));
            metrics.insert(name, Value::Null);
        }
        file_text.push('}');
        let file = tmp.path().join(format!("m{round}.json"));
        std::fs::write(&file, &file_text).unwrap();
        let out = tmp.path().join(format!("g{round}"));
        let mut args: Vec<String> = vec![
            "metrics-export".into(),
            "--metrics-file".into(),
            file.to_str().unwrap().into(),
            "--output-dir".into(),
            out.to_str().unwrap().into(),
            "--run-report".into(),
            fixture("run-report/run_report_success_real.json")
                .to_str()
                .unwrap()
                .into(),
            "--resource-attr".into(),
            format!("deploy.{}={}", round, rng.pick(VALUE_PARTS)),
        ];
        for (j, key) in ["env", "source.system", "9bad", "ok_ключ", "quote"]
            .iter()
            .enumerate()
        {
            if (rng.next() + j as u64) % 2 == 0 {
                args.push("--label".into());
                args.push(format!("{key}={}", rng.pick(VALUE_PARTS)));
            }
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = run_in(tmp.path(), &args);
        assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
        let report = check_export(&out);
        assert!(report["metric_count"].as_u64().unwrap() > 12, "{report}");
        otlp.push(out.join("opentelemetry_metrics.json"));
    }
    otlp_accepts(&otlp);
}

#[test]
fn non_finite_values_use_each_format_spelling() {
    let tmp = tempfile::tempdir().unwrap();
    let o = run_in(
        tmp.path(),
        &[
            "metrics-export",
            "--metric",
            "a=nan",
            "--metric",
            "b=inf",
            "--metric",
            "c=-inf",
            "--output-dir",
            "o",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let prom = std::fs::read_to_string(tmp.path().join("o/prometheus_metrics.prom")).unwrap();
    assert!(
        prom.contains("dpone_a NaN\n")
            && prom.contains("dpone_b +Inf\n")
            && prom.contains("dpone_c -Inf\n"),
        "{prom}"
    );
    let report = read_json(&tmp.path().join("o/runtime_metrics.json"));
    let values: Vec<&Value> = report["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["value"])
        .collect();
    assert_eq!(values, ["NaN", "Infinity", "-Infinity"]);
    let summary = otlp_accepts(&[tmp.path().join("o/opentelemetry_metrics.json")]);
    assert_eq!(summary[0]["points"], 3);
    check_export(&tmp.path().join("o"));
}

#[test]
fn a_custom_metric_repeating_a_run_metric_is_one_series_and_a_blocker() {
    let tmp = tempfile::tempdir().unwrap();
    let report = fixture("run-report/run_report_success_real.json");
    let o = run_in(
        tmp.path(),
        &[
            "metrics-export",
            "--run-report",
            report.to_str().unwrap(),
            "--metric",
            "throughput_rows_per_second=1000",
            "--output-dir",
            "o",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("metrics.duplicate_series"));
    assert!(
        stderr(&o).contains("throughput_rows_per_second"),
        "{}",
        stderr(&o)
    );
    let prom = std::fs::read_to_string(tmp.path().join("o/prometheus_metrics.prom")).unwrap();
    assert_eq!(
        prom.matches("# TYPE dpone_throughput_rows_per_second")
            .count(),
        1
    );
    assert_eq!(
        prom.lines()
            .filter(|l| l.starts_with("dpone_throughput_rows_per_second{"))
            .count(),
        1
    );
    assert!(
        prom.contains("} 115001.54092\n"),
        "the report's value is kept"
    );
    check_export(&tmp.path().join("o"));
    let summary = otlp_accepts(&[tmp.path().join("o/opentelemetry_metrics.json")]);
    assert_eq!(summary[0]["metrics"], summary[0]["points"]);
}
