#!/usr/bin/env python3
"""A stand-in OTLP/HTTP receiver on 127.0.0.1 for the push benchmark: reads each request whole,
answers 200 with an empty body, and appends `path bytes` per request to LOG. Prints its port.
Usage: otlp_sink.py LOG"""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        with open(sys.argv[1], "a") as log:
            log.write(f"{self.path} {len(body)}\n")
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
print(server.server_address[1], flush=True)
server.serve_forever()
