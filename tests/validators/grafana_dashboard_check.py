#!/usr/bin/env python3
"""Checks Grafana dashboard JSON files against Grafana's dashboard model with tsc.

Usage: grafana_dashboard_check.py DASHBOARD.json...

The model is the npm package @grafana/schema (TypeScript types generated from Grafana's CUE
schema), installed with typescript by .ci/run into /opt/grafana-schema-check (or
GRAFANA_SCHEMA_CHECK). Each dashboard becomes one TypeScript object literal, written inline (so
TypeScript checks excess properties, not only types) with `satisfies GrafanaDashboard`; each panel
of a core type inside it also `satisfies` its plugin's panel model (grafana_dashboard_model.ts).
All files are checked in one `tsc --noEmit --strict` run.

Exit 0: every file is accepted. Exit 1: tsc's diagnostics on stderr, each with the JSON path and
file it points at. Exit 2: the checker could not run (not installed, unreadable or invalid JSON).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.environ.get("GRAFANA_SCHEMA_CHECK", "/opt/grafana-schema-check")
MODEL = os.path.join(HERE, "grafana_dashboard_model.ts")
STRICT_TYPES = {
    "barchart", "bargauge", "gauge", "heatmap", "histogram", "logs", "piechart", "stat",
    "state-timeline", "status-history", "table", "text", "timeseries",
}


def fail(msg):
    print(f"grafana_dashboard_check: {msg}", file=sys.stderr)
    sys.exit(2)


class Writer:
    """Pretty-prints JSON as a TypeScript expression, remembering each line's JSON path."""

    def __init__(self):
        self.lines = []
        self.paths = []
        self.notes = []

    def line(self, text, path):
        self.lines.append(text)
        self.paths.append(path)

    def panel_type(self, value, path, in_row):
        """The `satisfies` target of a panel object, or None (a generic panel)."""
        kind = value.get("type")
        if kind == "row" and not in_row:
            return "StrictRow"
        if isinstance(kind, str) and kind in STRICT_TYPES:
            return f'StrictPanels["{kind}"]'
        self.notes.append(f"{path}: panel type {json.dumps(kind)}: generic panel model only")
        return None

    def emit(self, value, path, depth, prefix, suffix, role=None):
        """role: "root" (the dashboard), "panels-top"/"panels-row" (a `panels` list of the
        dashboard or of a row), "panel-top"/"panel-row" (one of their elements), else None."""
        pad = "  " * depth
        if role in ("panel-top", "panel-row") and isinstance(value, dict):
            wrap = self.panel_type(value, path, role == "panel-row")
            if wrap:
                prefix, suffix = prefix + "(", f" satisfies {wrap})" + suffix
        if isinstance(value, dict) and value:
            self.line(f"{pad}{prefix}{{", path)
            items = list(value.items())
            for i, (key, child) in enumerate(items):
                child_role = None
                if key == "panels" and role == "root":
                    child_role = "panels-top"
                elif key == "panels" and role == "panel-top":
                    child_role = "panels-row"
                key_path = (f"{path}.{key}" if re.fullmatch(r"[A-Za-z_]\w*", key)
                            else f"{path}[{json.dumps(key)}]")
                self.emit(child, key_path, depth + 1, json.dumps(key) + ": ",
                          "," if i + 1 < len(items) else "", child_role)
            self.line(f"{pad}}}{suffix}", path)
        elif isinstance(value, list) and value:
            self.line(f"{pad}{prefix}[", path)
            element_role = {"panels-top": "panel-top", "panels-row": "panel-row"}.get(role)
            for i, child in enumerate(value):
                self.emit(child, f"{path}[{i}]", depth + 1, "",
                          "," if i + 1 < len(value) else "", element_role)
            self.line(f"{pad}]{suffix}", path)
        else:
            self.line(f"{pad}{prefix}{json.dumps(value)}{suffix}", path)


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    tsc = os.path.join(ROOT, "node_modules", "typescript", "bin", "tsc")
    schema = os.path.join(ROOT, "node_modules", "@grafana", "schema", "package.json")
    if not (os.path.isfile(tsc) and os.path.isfile(schema)):
        fail(f"@grafana/schema and typescript are not installed in {ROOT}; run the "
             "'@grafana/schema' step of .ci/run (or set GRAFANA_SCHEMA_CHECK)")
    with open(schema, encoding="utf-8") as f:
        schema_version = json.load(f)["version"]

    work = tempfile.mkdtemp(prefix="check-", dir=ROOT)
    try:
        shutil.copy(MODEL, os.path.join(work, "model.ts"))
        files, sources = [], {}
        for n, path in enumerate(argv):
            try:
                with open(path, encoding="utf-8") as f:
                    data = json.load(f)
            except (OSError, ValueError) as e:
                fail(f"{path}: {e}")
            if not isinstance(data, dict):
                print(f"{path}: a dashboard is a JSON object, not {type(data).__name__}",
                      file=sys.stderr)
                return 1
            w = Writer()
            header = ['import type { GrafanaDashboard, StrictPanels, StrictRow } from "./model";']
            w.emit(data, "$", 0, "export const dashboard = ", " satisfies GrafanaDashboard;", "root")
            name = f"dashboard_{n}.ts"
            with open(os.path.join(work, name), "w", encoding="utf-8") as f:
                f.write("\n".join(header + w.lines) + "\n")
            files.append(name)
            sources[name] = (path, len(header), w)
            for note in w.notes:
                print(f"{path}: note: {note}")
        with open(os.path.join(work, "tsconfig.json"), "w", encoding="utf-8") as f:
            json.dump({
                "compilerOptions": {
                    "strict": True, "noEmit": True, "skipLibCheck": True,
                    "target": "es2022", "lib": ["es2022"], "module": "esnext",
                    "moduleResolution": "bundler", "types": [],
                },
                "files": ["model.ts"] + files,
            }, f)
        out = subprocess.run(["node", tsc, "-p", work, "--pretty", "false"],
                             capture_output=True, text=True)
        if out.returncode == 0:
            for path in argv:
                print(f"{path}: accepted by Grafana's dashboard model (@grafana/schema {schema_version})")
            return 0
        # One entry per diagnostic: its first line (file and JSON path), tsc's indented detail
        # lines, then the line of the dashboard it points at.
        report = []
        for diag in (out.stdout + out.stderr).splitlines():
            m = re.match(r"^(?:.*/)?(dashboard_\d+\.ts)\((\d+),(\d+)\): (.*)$", diag)
            if m and m.group(1) in sources:
                path, offset, w = sources[m.group(1)]
                i = int(m.group(2)) - 1 - offset
                known = 0 <= i < len(w.paths)
                report.append([f"{path}: {w.paths[i] if known else '?'}: {m.group(4)}",
                               f"    at: {w.lines[i].strip() if known else '?'}"])
            elif diag.startswith(" ") and report:
                report[-1].insert(-1, diag)
            elif diag.strip():
                report.append([diag])
        print(f"Grafana's dashboard model (@grafana/schema {schema_version}) rejected:",
              file=sys.stderr)
        print("\n".join(line for entry in report for line in entry), file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
