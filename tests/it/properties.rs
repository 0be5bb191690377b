//! Property tests (proptest), bounded so the suite stays within CI's time:
//! - the JSON and YAML readers and every source's extractor never panic on arbitrary input;
//! - text made inert never carries a runner command, whatever it was;
//! - arbitrary label values and metric names keep the Prometheus text accepted by promtool and
//!   the OTLP/JSON accepted by the official protobuf definitions.

use proptest::prelude::*;
use serde_json::Value;

use crate::common;
use crate::injection::commands;
use dpone_observability::inert::inert_line;
use dpone_observability::observability::export::{export, ExportRequest};
use dpone_observability::observability::gates::parse_objectives;
use dpone_observability::observability::json_input;
use dpone_observability::observability::metrics::LabelSet;
use dpone_observability::observability::policy::parse_policy;
use dpone_observability::observability::sources;
use dpone_observability::observability::sources::custom::CustomMetric;
use dpone_observability::observability::sources::detect::Kind;
use dpone_observability::observability::timestamp::Timestamp;

/// Strings with the characters that matter here more often than chance would give them.
fn nasty() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("::".to_string()),
            Just("##[".to_string()),
            Just("\n".to_string()),
            Just("\r".to_string()),
            Just("\\".to_string()),
            Just("\"".to_string()),
            Just("%".to_string()),
            Just("]".to_string()),
            Just(" ".to_string()),
            Just("\u{3000}".to_string()),
            "[a-z_]{1,4}",
            any::<char>().prop_map(|c| c.to_string()),
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

/// Arbitrary JSON values, a few levels deep.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        nasty().prop_map(Value::String),
        prop_oneof![
            Just("NaN"),
            Just("Infinity"),
            Just("passed"),
            Just("result")
        ]
        .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(4, 48, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("passed".to_string()),
                        Just("result".to_string()),
                        Just("status".to_string()),
                        Just("extracted_rows".to_string()),
                        Just("run_id".to_string()),
                        Just("suites".to_string()),
                        Just("gates".to_string()),
                        "[a-z_]{1,12}",
                    ],
                    inner
                ),
                0..8
            )
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn readers_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256), text in nasty()) {
        let _ = json_input::from_slice::<Value>(&bytes);
        let _ = parse_policy(&text, "p");
        let _ = parse_objectives(&text, "o");
        let _ = parse_policy(&String::from_utf8_lossy(&bytes), "p");
    }

    #[test]
    fn every_extractor_takes_any_object(value in json()) {
        let object = match value {
            Value::Object(object) => object,
            other => [("result".to_string(), other)].into_iter().collect(),
        };
        for kind in Kind::ALL {
            let _ = sources::extract(*kind, &object, "input.json", Timestamp::from_unix_nanos(0));
        }
    }

    #[test]
    fn inert_text_carries_no_command(text in nasty()) {
        for line in text.split('\n') {
            let shown = inert_line(line);
            prop_assert!(commands(&shown).is_empty(), "{line:?} -> {shown:?}");
        }
    }
}

proptest! {
    // Each case is a whole export checked by promtool: fewer cases.
    #![proptest_config(ProptestConfig { cases: 32, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_labels_and_names_stay_valid_prometheus_and_otlp(
        key in "[a-zA-Z_][a-zA-Z0-9_]{0,12}",
        value in nasty(),
        name in nasty(),
        number in any::<f64>(),
    ) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        let mut request = ExportRequest::new(&dir, Timestamp::from_unix_seconds(1_764_000_000).unwrap());
        request.labels = LabelSet::new([(key.as_str(), value.as_str())]).unwrap_or_default();
        request.metrics = vec![CustomMetric::new(&format!("m{name}"), number), CustomMetric::new("steady", 1.0)];
        export(&request).unwrap();
        common::promtool_accepts(&dir.join("prometheus_metrics.prom"));
        common::families_are_contiguous(&std::fs::read_to_string(dir.join("prometheus_metrics.prom")).unwrap());
        common::otlp_accepts(&[dir.join("opentelemetry_metrics.json")]);
    }
}
