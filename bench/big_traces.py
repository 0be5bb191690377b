#!/usr/bin/env python3
"""Grows an export's opentelemetry_traces.json to about MB megabytes (spans like the tool's run
spans: ids, times, attributes, an event), keeping the shape the tool writes, and updates its
entry in metrics_index.json so the folder still verifies. Prints the span count.
Usage: big_traces.py EXPORT_DIR MB"""
import hashlib
import json
import sys
from pathlib import Path

folder, megabytes = Path(sys.argv[1]), float(sys.argv[2])
path = folder / "opentelemetry_traces.json"
doc = json.loads(path.read_text())
scope = doc["resourceSpans"][0]["scopeSpans"][0]
root, run = scope["spans"][0], scope["spans"][-1]
run["events"] = [{"timeUnixNano": run["startTimeUnixNano"], "name": "retry",
                  "attributes": [{"key": "dpone.attempt", "value": {"intValue": "2"}}]}]
scope["spans"] = []
head = json.dumps(doc, separators=(",", ":")).rsplit("[]}]}]}", 1)[0] + "["
target, written, count = int(megabytes * 1024 * 1024), 0, 0
with open(path, "w") as out:
    out.write(head)
    out.write(json.dumps(root, separators=(",", ":")))
    written += len(head)
    while written < target:
        run["spanId"] = f"{count + 1:016x}"
        run["name"] = f"dpone run stage_{count:08d}"
        text = "," + json.dumps(run, separators=(",", ":"))
        out.write(text)
        written += len(text)
        count += 1
    out.write("]}]}]}\n")
data = path.read_bytes()
index_path = folder / "metrics_index.json"
index = json.loads(index_path.read_text())
for entry in index["artifacts"]:
    if entry["relative_path"] == path.name:
        entry["sha256"] = hashlib.sha256(data).hexdigest()
        entry["size_bytes"] = len(data)
index_path.write_text(json.dumps(index, indent=2) + "\n")
print(count + 1)
