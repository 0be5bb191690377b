#!/usr/bin/env python3
"""A GitHub REST API stand-in on 127.0.0.1 for scripts/summary-scenarios.sh: it answers the
calls the action makes (no comments yet, a check run id) and keeps each request body it gets in
OUT_DIR as <n>-<method>-<last path part>.json. Usage: github-standin.py OUT_DIR PORT_FILE"""
import http.server, json, os, sys

out, port_file = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
count = [0]


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _answer(self, body):
        data = json.dumps(body).encode()
        self.send_response(200 if self.command == "GET" else 201)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self._answer([])

    def _record(self):
        length = int(self.headers.get("content-length", "0"))
        body = self.rfile.read(length)
        count[0] += 1
        name = self.path.split("?")[0].rstrip("/").split("/")[-1]
        with open(os.path.join(out, f"{count[0]}-{self.command}-{name}.json"), "wb") as f:
            f.write(body)
        self._answer({"id": count[0]})

    do_POST = _record
    do_PATCH = _record


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(port_file, "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
