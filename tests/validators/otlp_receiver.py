"""A local OTLP/HTTP metrics and traces receiver for the push tests.

Decodes each POST with the official OpenTelemetry protobuf definitions (protobuf or JSON body,
gzip when `Content-Encoding: gzip` says so): an ExportTraceServiceRequest when the path ends in
`/v1/traces` (JSON ids are hex, as OTLP/JSON writes them; they are checked and converted for
protobuf's base64 mapping, and the trace is checked as otlp_validate.py checks a file), else an
ExportMetricsServiceRequest. Appends one JSON line per request to OUT (ids back in hex) and
answers 200 with the matching response in the same encoding. Binds 127.0.0.1 on a free port and prints
the port on stdout's first line. Each record has `body_bytes`, the request body's size once
decompressed.

With --split, a traces request need not hold a whole trace (a streamed push splits a large one
over several requests): each is decoded and its spans counted, and the test checks the trace
they make together.

usage: otlp_receiver.py OUT [--split]
"""
import base64
import gzip
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

from google.protobuf.json_format import MessageToDict, Parse
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from otlp_validate import check_trace_request, traces_to_proto_json  # noqa: E402

OUT = sys.argv[1]
SPLIT = sys.argv[2:] == ["--split"]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        content_type = self.headers.get("Content-Type", "")
        is_json = content_type.startswith("application/json")
        traces = self.path.split("?")[0].rstrip("/").endswith("/v1/traces")
        request = ExportTraceServiceRequest() if traces else ExportMetricsServiceRequest()
        trace = None
        try:
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            if is_json and traces:
                Parse(json.dumps(traces_to_proto_json(json.loads(body))), request)
            elif is_json:
                Parse(body, request)
            else:
                request.ParseFromString(body)
            if traces and SPLIT:
                trace = {"spans": sum(len(ss.spans) for rs in request.resource_spans for ss in rs.scope_spans)}
            elif traces:
                trace = check_trace_request(request)
        except Exception as exc:  # the test sees the 400 and the reason
            data = str(exc).encode()
            self.send_response(400)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        decoded = MessageToDict(request, use_integers_for_enums=True)
        if traces:
            # Ids back in hex, as the artifact writes them.
            for rs in decoded.get("resourceSpans", []):
                for ss in rs.get("scopeSpans", []):
                    for span in ss.get("spans", []):
                        for key in ("traceId", "spanId", "parentSpanId"):
                            if key in span:
                                span[key] = base64.b64decode(span[key]).hex()
        record = {
            "path": self.path,
            "content_type": content_type,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "request": decoded,
            "body_bytes": len(body),
        }
        if trace is not None:
            record["trace"] = trace
        with open(OUT, "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
        response = ExportTraceServiceResponse() if traces else ExportMetricsServiceResponse()
        data = b"{}" if is_json else response.SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/json" if is_json else "application/x-protobuf")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
