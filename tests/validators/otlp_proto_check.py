"""Holds hand-declared OTLP protobuf messages to the official definitions.

Reads a JSON object on stdin, `{"<message name>": "<base64 of its protobuf encoding>", ...}`,
with the names of the collector's request and response messages. Each body is parsed with the
official opentelemetry-proto classes; a byte the official definition does not know (a wrong tag
number, or a wire type its field does not have) fails the check, because it would be kept as an
unknown field. Prints one JSON object: per message, `decoded` (MessageToDict with the .proto
field names and enum numbers, so the caller compares each field by its name) and `reencoded`
(the official serialization, base64, for the caller to decode back).

usage: otlp_proto_check.py < messages.json
"""
import base64
import json
import sys

from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

CLASSES = {
    "ExportMetricsServiceRequest": metrics_service_pb2.ExportMetricsServiceRequest,
    "ExportMetricsServiceResponse": metrics_service_pb2.ExportMetricsServiceResponse,
    "ExportTraceServiceRequest": trace_service_pb2.ExportTraceServiceRequest,
    "ExportTraceServiceResponse": trace_service_pb2.ExportTraceServiceResponse,
}


def check(name, body):
    message = CLASSES[name]()
    message.ParseFromString(body)
    known = CLASSES[name]()
    known.CopyFrom(message)
    known.DiscardUnknownFields()
    if known.ByteSize() != len(body):
        raise ValueError(
            f"{len(body) - known.ByteSize()} of {len(body)} bytes are unknown to the "
            "official definition (a wrong tag number or wire type)"
        )
    return {
        "decoded": MessageToDict(
            message, preserving_proto_field_name=True, use_integers_for_enums=True
        ),
        "reencoded": base64.b64encode(message.SerializeToString(deterministic=True)).decode(),
    }


def main():
    messages = json.load(sys.stdin)
    out = {}
    for name, body in messages.items():
        if name not in CLASSES:
            sys.exit(f"unknown message {name!r}; known: {', '.join(CLASSES)}")
        try:
            out[name] = check(name, base64.b64decode(body))
        except Exception as exc:  # the test shows the reason
            sys.exit(f"{name}: {exc}")
    print(json.dumps(out))


main()
