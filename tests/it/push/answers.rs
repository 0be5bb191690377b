//! What an OTLP receiver's `200` says, read whole: a `partial_success` rejecting items is a
//! failed target whatever its size (the client used to read 64 KiB of it, and a cut protobuf or
//! JSON body did not decode, which counted as "all accepted"), in both encodings; a body over
//! the 1 MiB cap is never counted as accepted. Against a stand-in on 127.0.0.1.

use dpone_observability::push::otlp_proto::{
    ExportMetricsPartialSuccess, ExportMetricsServiceResponse,
};
use prost::Message;

use super::{assert_verifies, fault_export, push};
use crate::common::{stderr, stdout};
use crate::standin;

/// A receiver answering `200` to `/v1/metrics` with `body` (as `content_type`), and an empty
/// `200` to anything else (the traces beside).
fn receiver(content_type: &'static str, body: Vec<u8>) -> standin::StandIn {
    standin::StandIn::start(move |request| {
        if request.path.starts_with("/v1/metrics") {
            standin::Reply::Send(
                200,
                vec![("content-type".to_string(), content_type.to_string())],
                body.clone(),
            )
        } else {
            standin::Reply::Send(200, vec![], Vec::new())
        }
    })
}

/// The message of a large partial success: 100,000 bytes, one line per rejected point, as a
/// receiver that explains each rejection writes it.
fn long_message() -> String {
    let mut message = String::from("3 points out of bounds");
    while message.len() < 100_000 {
        message.push_str("; dpone_rows{process=\"orders\"} is too old for this tenant");
    }
    message
}

fn pushed(server: &standin::StandIn, protocol: &str) -> (Option<i32>, String, String) {
    let (tmp, dir) = fault_export();
    let url = format!("{}/v1/metrics", server.url);
    let o = push(
        tmp.path(),
        &[
            dir.to_str().unwrap(),
            "--otlp-endpoint",
            &url,
            "--otlp-protocol",
            protocol,
        ],
        &[],
    );
    assert_verifies(&dir);
    (o.status.code(), stdout(&o), stderr(&o))
}

#[test]
fn a_partial_success_over_64_kib_is_a_rejection_in_both_encodings() {
    let message = long_message();
    let protobuf = ExportMetricsServiceResponse {
        partial_success: Some(ExportMetricsPartialSuccess {
            rejected_data_points: 3,
            error_message: message.clone(),
        }),
    }
    .encode_to_vec();
    let json = serde_json::to_vec(&serde_json::json!({
        "partialSuccess": {"rejectedDataPoints": "3", "errorMessage": message}
    }))
    .unwrap();
    assert!(protobuf.len() > 64 * 1024 && json.len() > 64 * 1024);
    // The answer's Content-Type decides how it is read, whatever the request was.
    for (protocol, content_type, body) in [
        ("http/protobuf", "application/x-protobuf", protobuf.clone()),
        ("http/json", "application/json", json.clone()),
        ("http/protobuf", "application/json", json),
        (
            "http/json",
            "application/x-protobuf; charset=binary",
            protobuf,
        ),
    ] {
        let server = receiver(content_type, body);
        let (status, out, err) = pushed(&server, protocol);
        assert_eq!(status, Some(0), "{err}");
        assert!(
            err.contains("failed: the receiver rejected 3 of 12 data points: 3 points out of bounds; dpone_rows"),
            "{protocol} answered as {content_type}: {err}"
        );
        assert!(
            out.contains("otlp ") && out.contains(": 9 of 12 series in 1 request"),
            "{protocol} answered as {content_type}: {out}"
        );
    }
}

#[test]
fn an_answer_over_the_cap_is_never_counted_as_accepted() {
    // 1 MiB and one byte of a partial success that rejects points: it cannot be read whole.
    let mut message = long_message();
    while message.len() <= 1024 * 1024 {
        message.push_str(&long_message());
    }
    let body = serde_json::to_vec(&serde_json::json!({
        "partialSuccess": {"rejectedDataPoints": 1, "errorMessage": message}
    }))
    .unwrap();
    let server = receiver("application/json", body);
    let (status, out, err) = pushed(&server, "http/json");
    assert_eq!(status, Some(0), "{err}");
    assert!(
        err.contains("failed: the receiver answered with a body over 1024 KiB, which was not read whole, so whether it rejected any data points is unknown"),
        "{err}"
    );
    assert!(out.contains(": 0 of 12 series in 1 request"), "{out}");
}

#[test]
fn a_warning_without_rejections_accepts_everything_and_is_shown() {
    let body =
        br#"{"partialSuccess":{"rejectedDataPoints":"0","errorMessage":"unit `1` is deprecated"}}"#;
    let server = receiver("application/json", body.to_vec());
    let (status, out, err) = pushed(&server, "http/json");
    assert_eq!(status, Some(0), "{err}");
    assert!(!err.contains("push.failed"), "{err}");
    assert!(
        err.contains("push: the receiver accepted every one of 12 data points and warned: unit `1` is deprecated"),
        "{err}"
    );
    assert!(out.contains(": 12 of 12 series in 1 request"), "{out}");
    // A count that is not an integer is not read as 0.
    let server = receiver(
        "application/json",
        br#"{"partialSuccess":{"rejectedDataPoints":"many"}}"#.to_vec(),
    );
    let (_, out, err) = pushed(&server, "http/json");
    assert!(
        err.contains("the receiver's partial success could not be read (`rejectedDataPoints` is not an integer)"),
        "{err}"
    );
    assert!(out.contains(": 0 of 12 series in 1 request"), "{out}");
}
