//! The traces artifact is streamed: a large one goes out in bounded requests (at most 4,096
//! spans and 1 MiB of spans each, every one with its resource and scope), which the official
//! OpenTelemetry definitions decode and which together are the artifact's trace, span for span
//! and in order. (The push used to parse the file whole and send one request, about 20 times
//! the file in memory; the peak memory is measured in `bench/push-traces.sh`, not here.)

use std::io::Write;
use std::path::Path;

use dpone_observability::observability::artifacts::HashingWriter;
use serde_json::Value;

use super::{assert_verifies, otlp_receiver_with, push, records, traced_export};
use crate::common::{read_json, stderr, stdout};

/// Spans added to the traced export's three: more than one request holds.
const ADDED: usize = 4_500;

/// Grows the export's traces by `ADDED` run spans (copies of its own, each with its own id and
/// name, under the same root; all but every 50th without its attributes, so the test stays
/// quick: the byte limit is the unit tests' part), and re-indexes the file so the folder still
/// verifies.
fn grow_traces(dir: &Path) -> Value {
    let path = dir.join("opentelemetry_traces.json");
    let mut doc = read_json(&path);
    let spans = doc["resourceSpans"][0]["scopeSpans"][0]["spans"]
        .as_array_mut()
        .unwrap();
    let runs: Vec<Value> = spans[1..].to_vec();
    for i in 0..ADDED {
        let mut span = runs[i % runs.len()].clone();
        span["spanId"] = Value::from(format!("{:016x}", 0x1000 + i));
        span["name"] = Value::from(format!("dpone run stage_{i:05}"));
        if i % 50 != 0 {
            span["attributes"] = serde_json::json!([]);
        }
        spans.push(span);
    }
    let bytes = serde_json::to_vec(&doc).unwrap();
    std::fs::write(&path, &bytes).unwrap();
    let mut hashing = HashingWriter::new(std::io::sink());
    hashing.write_all(&bytes).unwrap();
    let (_, sha256, size) = hashing.finish();
    let index_path = dir.join("metrics_index.json");
    let mut index = read_json(&index_path);
    for entry in index["artifacts"].as_array_mut().unwrap() {
        if entry["relative_path"] == "opentelemetry_traces.json" {
            entry["sha256"] = Value::from(sha256.clone());
            entry["size_bytes"] = Value::from(size);
        }
    }
    std::fs::write(&index_path, serde_json::to_vec_pretty(&index).unwrap()).unwrap();
    assert_verifies(dir);
    doc
}

/// A span as the receiver writes it back (zero values and empty lists left out).
fn normal(span: &Value) -> Value {
    let mut span = span.clone();
    let o = span.as_object_mut().unwrap();
    o.retain(|_, v| v != &serde_json::json!([]));
    span
}

#[test]
fn a_large_trace_goes_out_in_bounded_requests_that_together_are_the_artifact() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = traced_export(
        tmp.path(),
        "https://github.com/o/r/actions/runs/9/attempts/1",
    );
    let doc = grow_traces(&dir);
    let want: Vec<Value> = doc["resourceSpans"][0]["scopeSpans"][0]["spans"]
        .as_array()
        .unwrap()
        .iter()
        .map(normal)
        .collect();
    assert_eq!(want.len(), ADDED + 3);
    let resource = &doc["resourceSpans"][0]["resource"];
    for (protocol, compression) in [("http/protobuf", "gzip"), ("http/json", "none")] {
        let receiver = otlp_receiver_with(&["--split"]);
        let port = receiver.server.port;
        let endpoint = format!("http://127.0.0.1:{port}/v1/metrics");
        let o = push(
            tmp.path(),
            &[
                dir.to_str().unwrap(),
                "--otlp-endpoint",
                &endpoint,
                "--otlp-protocol",
                protocol,
                "--otlp-compression",
                compression,
            ],
            &[],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(!stderr(&o).contains("push.failed"), "{}", stderr(&o));
        let traces: Vec<Value> = records(&receiver)
            .into_iter()
            .filter(|r| r["path"] == "/v1/traces")
            .collect();
        // Bounded: never more than 4,096 spans, nor much more than 1 MiB of them (the
        // resource, the scope and each span's framing come on top).
        assert!(traces.len() >= 2, "{protocol}: {} requests", traces.len());
        let mut got = Vec::new();
        for r in &traces {
            let body = r["body_bytes"].as_u64().unwrap();
            assert!(
                body <= 1024 * 1024 + 32 * 1024,
                "{protocol}: a body of {body} bytes"
            );
            let spans = r["trace"]["spans"].as_u64().unwrap();
            assert!((1..=4096).contains(&spans), "{protocol}: {spans} spans");
            let request = &r["request"]["resourceSpans"];
            assert_eq!(request.as_array().unwrap().len(), 1, "{protocol}");
            assert_eq!(&request[0]["resource"], resource, "{protocol}");
            assert_eq!(
                request[0]["scopeSpans"][0]["scope"]["name"],
                "dpone.observability"
            );
            got.extend(
                request[0]["scopeSpans"][0]["spans"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(normal),
            );
        }
        assert_eq!(got.len(), want.len(), "{protocol}");
        assert!(
            got == want,
            "{protocol}: the spans differ from the artifact's"
        );
        assert!(
            stdout(&o).contains(&format!(
                "otlp-traces http://127.0.0.1:{port}/v1/traces: {n} of {n} spans in {} requests",
                traces.len(),
                n = ADDED + 3
            )),
            "{}",
            stdout(&o)
        );
    }
    assert_verifies(&dir);
}
