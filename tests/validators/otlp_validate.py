#!/usr/bin/env python3
"""Validate OTLP/JSON files with the official OpenTelemetry protobuf definitions.

Each argument is a file holding one ExportMetricsServiceRequest per line (JSON Lines; a
pretty-printed single request is accepted too). Parsing uses protobuf's json_format.Parse, which
rejects unknown fields and wrong types. Beyond parsing, every data point must carry a non-zero
timeUnixNano. Prints one JSON summary line per file; exits 1 on the first invalid file.
"""
import json
import sys

from google.protobuf import json_format
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)


def validate(path):
    with open(path, "rb") as handle:
        raw = handle.read()
    text = raw.decode("utf-8")
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) != 1:
        raise ValueError(f"expected exactly one JSON line, found {len(lines)}")
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
