#!/usr/bin/env python3
"""Validate OTLP/JSON files with the official OpenTelemetry protobuf definitions.

Each argument is a file holding one ExportMetricsServiceRequest, or (a file whose request has
`resourceSpans`) one ExportTraceServiceRequest, on one line. Parsing uses protobuf's json_format.Parse, which
rejects unknown fields and wrong types. Beyond parsing, every data point must carry a non-zero
timeUnixNano. Prints one JSON summary line per file; exits 1 on the first invalid file.
"""
import base64
import json
import sys

from google.protobuf import json_format
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
)


def validate(path):
    with open(path, "rb") as handle:
        raw = handle.read()
    text = raw.decode("utf-8")
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) != 1:
        raise ValueError(f"expected exactly one JSON line, found {len(lines)}")
    if '"resourceSpans"' in lines[0][:32]:
        return validate_traces(path, lines[0])
    request = ExportMetricsServiceRequest()
    json_format.Parse(lines[0], request)
    points = 0
    names = []
    for rm in request.resource_metrics:
        for sm in rm.scope_metrics:
            for metric in sm.metrics:
                names.append(metric.name)
                kind = metric.WhichOneof("data")
                if kind != "gauge":
                    raise ValueError(f"metric {metric.name}: expected gauge, got {kind}")
                for dp in metric.gauge.data_points:
                    points += 1
                    if dp.time_unix_nano == 0:
                        raise ValueError(f"metric {metric.name}: data point without timeUnixNano")
                    if dp.WhichOneof("value") != "as_double":
                        raise ValueError(f"metric {metric.name}: data point without asDouble")
    if len(names) != len(set(names)):
        raise ValueError("a metric name appears twice")
    resource = {
        kv.key: kv.value.string_value
        for rm in request.resource_metrics
        for kv in rm.resource.attributes
    }
    return {"file": path, "metrics": len(names), "points": points, "resource": resource}


HEX = set("0123456789abcdef")


def hex_to_base64(text, size, what):
    """OTLP/JSON writes ids as lower-case hex (not proto3's base64): check, then convert."""
    if not isinstance(text, str) or len(text) != 2 * size or not set(text) <= HEX:
        raise ValueError(f"{what} must be {2 * size} lower-case hex digits, not {text!r}")
    raw = bytes.fromhex(text)
    if raw == bytes(size):
        raise ValueError(f"{what} is all zero")
    return base64.b64encode(raw).decode()


def traces_to_proto_json(document):
    """The OTLP/JSON trace document with its hex ids in proto3 JSON's base64."""
    for rs in document.get("resourceSpans", []):
        for ss in rs.get("scopeSpans", []):
            for span in ss.get("spans", []):
                span["traceId"] = hex_to_base64(span.get("traceId"), 16, "traceId")
                span["spanId"] = hex_to_base64(span.get("spanId"), 8, "spanId")
                if span.get("parentSpanId"):
                    span["parentSpanId"] = hex_to_base64(span["parentSpanId"], 8, "parentSpanId")
    return document


def check_trace_request(request):
    """Every span in one trace, times ordered, one root (no parent, or a parent outside the
    request), every other parent a span of the request."""
    spans = [s for rs in request.resource_spans for ss in rs.scope_spans for s in ss.spans]
    if not spans:
        raise ValueError("no span")
    ids = {s.span_id for s in spans}
    if len(ids) != len(spans):
        raise ValueError("a span id appears twice")
    traces = {s.trace_id.hex() for s in spans}
    if len(traces) != 1:
        raise ValueError(f"expected one trace, found {len(traces)}")
    roots = 0
    for s in spans:
        if s.start_time_unix_nano == 0 or s.end_time_unix_nano < s.start_time_unix_nano:
            raise ValueError(f"span {s.name}: bad times")
        # The root has no parent, or one outside the request (a span of the trace it joins:
        # GitHub's job span, a TRACEPARENT); any other span's parent is in the request.
        if not s.parent_span_id or s.parent_span_id not in ids:
            roots += 1
        for e in s.events:
            if not s.start_time_unix_nano <= e.time_unix_nano <= s.end_time_unix_nano:
                raise ValueError(f"span {s.name}: event {e.name} outside the span")
    if roots != 1:
        raise ValueError(f"expected one root span, found {roots}")
    resource = {
        kv.key: kv.value.string_value
        for rs in request.resource_spans
        for kv in rs.resource.attributes
    }
    return {
        "spans": len(spans),
        "trace_id": traces.pop(),
        "names": [s.name for s in spans],
        "resource": resource,
    }


def validate_traces(path, line):
    request = ExportTraceServiceRequest()
    json_format.Parse(json.dumps(traces_to_proto_json(json.loads(line))), request)
    summary = check_trace_request(request)
    summary["file"] = path
    return summary


def main(paths):
    if not paths:
        print("usage: otlp_validate.py FILE...", file=sys.stderr)
        return 2
    for path in paths:
        try:
            print(json.dumps(validate(path), sort_keys=True))
        except Exception as exc:  # report every kind of failure the same way
            print(f"INVALID {path}: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
