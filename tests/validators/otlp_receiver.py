"""A local OTLP/HTTP metrics receiver for the push tests.

Decodes each POST with the official OpenTelemetry protobuf definitions (protobuf or JSON body,
gzip if sent), appends one JSON line per request to OUT, and answers 200 with an
ExportMetricsServiceResponse in the same encoding. Binds 127.0.0.1 on a free port and prints
the port on stdout's first line.

usage: otlp_receiver.py OUT
"""
import gzip
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

from google.protobuf.json_format import MessageToDict, Parse
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)

OUT = sys.argv[1]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        content_type = self.headers.get("Content-Type", "")
        is_json = content_type.startswith("application/json")
        request = ExportMetricsServiceRequest()
        try:
            if is_json:
                Parse(body, request)
            else:
                request.ParseFromString(body)
        except Exception as exc:  # the test sees the 400 and the reason
            data = str(exc).encode()
            self.send_response(400)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        record = {
            "path": self.path,
            "content_type": content_type,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "request": MessageToDict(request, use_integers_for_enums=True),
        }
        with open(OUT, "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
        response = ExportMetricsServiceResponse()
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
