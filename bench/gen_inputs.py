#!/usr/bin/env python3
"""Writes the benchmark inputs into DIR: flags_25k.txt (one `--metric` argument per line) and
metrics_1m.json (a --metrics-file mapping of 1,000,000 metric names to numbers).

With --compact DIR N...: compact_N.json for each N, one JSON object of N short names on one line,
`{"p_0": 0.5, "p_1": 1.5, ...}`, as a scheduler or a script writes it."""
import json
import sys
from pathlib import Path

if sys.argv[1] == "--compact":
    out = Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    for n in map(int, sys.argv[3:]):
        path = out / f"compact_{n}.json"
        if path.exists():
            continue
        with open(path, "w") as handle:
            handle.write("{")
            handle.write(", ".join(f'"p_{i}": {i}.5' for i in range(n)))
            handle.write("}\n")
    sys.exit(0)

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)

with open(out / "flags_25k.txt", "w") as flags:
    for i in range(25_000):
        flags.write("--metric\n")
        flags.write(f"pipeline_stage_{i:05d}_rows={i * 1.5}\n")

with open(out / "metrics_1m.json", "w") as handle:
    handle.write("{\n")
    for i in range(1_000_000):
        sep = "," if i < 999_999 else ""
        handle.write(f'  "stage_{i:07d}_rows_loaded": {i * 0.25 + 1}{sep}\n')
    handle.write("}\n")

# A sanity check that the file is the mapping we meant.
assert len(json.load(open(out / "metrics_1m.json"))) == 1_000_000
