"""An independent replay of `dpone-observability calibrate` for tests/it/statistics.rs.

Usage: calibration_reference.py TEMPLATE DIR [SUGGESTED_JSON]

Writes a seeded synthetic history of 60 runs on main into DIR (run01.json ... from the
runtime_metrics.json TEMPLATE, one metric per rule below, some series missing from some runs)
and DIR/policy.yml, then prints, per rule, what numpy and scipy make of it: runs judged and
not judged, the runs failed, each judged run's standing in the bad direction in the test's unit,
and the suggested boundary for a target of 0.05 (the (k + 1)-th largest boundary-equivalent,
k = floor(0.05 x judged)). Given calibrate's JSON output (SUGGESTED_JSON), it also replays each
rule with the boundary calibrate suggested and prints how many runs that fails (a run within
1e-9 of the limit counts as on it, and passes).
"""
import copy
import json
import math
import sys

import numpy as np
from scipy import stats

TARGET = 0.05
RULES = {
    # name: (direction, test, boundary, min_samples, max_samples)
    "duration_seconds": ("lower", "z_score", 0.99, 5, 20),
    "throughput_rows_per_second": ("higher", "t_test", 0.99, 3, None),
    "queue_depth": ("both", "iqr", 1.5, 4, None),
    "rows_written": ("lower", "percentage", 0.1, 1, None),
    "lag_seconds": ("lower", "log_normal", 0.977, 5, 30),
    "late_metric": ("lower", "z_score", 0.99, 5, None),
}
POLICY = "regressions:\n" + "".join(
    f"  {name}: {{direction: {d}, test: {t}, boundary: {b}, min_samples: {mn}"
    + (f", max_samples: {mx}" if mx else "")
    + "}\n"
    for name, (d, t, b, mn, mx) in RULES.items()
)


def history(rng):
    """Each metric's value in each of 60 runs (None: the run has no such series)."""
    runs = 60
    out = {
        "duration_seconds": list(rng.normal(300.0, 10.0, runs)),
        "throughput_rows_per_second": list(rng.normal(1000.0, 40.0, runs)),
        "queue_depth": list(np.round(rng.normal(50.0, 5.0, runs))),
        "rows_written": list(rng.normal(1e6, 2e4, runs)),
        "lag_seconds": list(rng.lognormal(3.0, 0.3, runs)),
        "late_metric": [None] * (runs - 3) + list(rng.normal(5.0, 1.0, 3)),
    }
    for i in (17, 41):
        out["duration_seconds"][i] *= 1.2
    out["throughput_rows_per_second"][33] *= 0.8
    out["queue_depth"][25] = 90.0
    for i in range(0, runs, 4):
        out["queue_depth"][i] = None  # a series missing from some runs
    return out


def write(template, folder, values):
    base = json.load(open(template))
    runs = len(next(iter(values.values())))
    for i in range(runs):
        report = copy.deepcopy(base)
        stamp = f"2026-05-{1 + i // 24:02d}T{i % 24:02d}:00:00.000000+00:00"
        report["generated_at"] = report["observed_at"] = stamp
        name = f"run{i + 1:02d}"
        for key in ("json_report_path", "markdown_report_path", "metrics_index_path",
                    "opentelemetry_path", "prometheus_path"):
            report[key] = report[key].replace("run01", name)
        report["output_dir"] = name
        metric = report["metrics"][0]
        report["metrics"] = []
        for m, vs in values.items():
            if vs[i] is None:
                continue
            one = dict(metric, name=f"dpone_{m}", value=float(vs[i]))
            one["description"] = f"Custom dpone runtime metric `{m}`."
            report["metrics"].append(one)
        report["metric_count"] = len(report["metrics"])
        with open(f"{folder}/{name}.json", "w") as f:
            json.dump(report, f, indent=2)
    with open(f"{folder}/policy.yml", "w") as f:
        f.write(POLICY)


def standing(test, hist, x):
    """(signed standing in the test's unit, upper-limit unit for boundary b as a function)."""
    h = np.asarray(hist, dtype=float)
    n = len(h)
    if test == "percentage":
        m = h.mean()
        return (x - m) / abs(m), lambda b: b
    if test == "z_score":
        return (x - h.mean()) / h.std(ddof=1), lambda b: stats.norm.ppf(b)
    if test == "t_test":
        scale = h.std(ddof=1) * math.sqrt(1 + 1 / n)
        return (x - h.mean()) / scale, lambda b: stats.t.ppf(b, n - 1)
    if test == "iqr":
        q1, med, q3 = np.quantile(h, [0.25, 0.5, 0.75])
        return (x - med) / (q3 - q1), lambda b: b
    logs = np.log(h)
    return (math.log(x) - logs.mean()) / logs.std(ddof=1), lambda b: stats.norm.ppf(b)


def equivalent(test, st, n):
    if test in ("percentage", "iqr"):
        return st
    if test == "t_test":
        return float(stats.t.cdf(st, n - 1))
    return float(stats.norm.cdf(st))


def bad(direction, st):
    return st if direction == "lower" else -st if direction == "higher" else abs(st)


def replay(name, values, boundary=None):
    direction, test, b, min_samples, max_samples = RULES[name]
    b = b if boundary is None else boundary
    vs = [v for v in values[name] if v is not None]
    out = {"judged": 0, "not_judged": 0, "would_fail": 0, "standings": [], "equivalents": []}
    for i in range(1, len(vs)):
        hist = vs[max(0, i - max_samples):i] if max_samples else vs[:i]
        if len(hist) < min_samples:
            out["not_judged"] += 1
            continue
        st, unit = standing(test, hist, vs[i])
        st = bad(direction, st)
        out["judged"] += 1
        # A run exactly on the limit passes; 1e-9 absorbs the last digits in which scipy's and
        # statrs' quantile functions differ, which matter only for that run.
        limit = unit(b)
        out["would_fail"] += int(st > limit + 1e-9 * max(1.0, abs(limit)))
        out["standings"].append(float(st))
        out["equivalents"].append(equivalent(test, st, len(hist)))
    eq = sorted(out["equivalents"], reverse=True)
    k = math.floor(TARGET * len(eq))
    out["suggested"] = eq[k] if k < len(eq) else None
    out["runs"] = len(vs)
    return out


def main():
    template, folder = sys.argv[1], sys.argv[2]
    values = history(np.random.default_rng(30))
    write(template, folder, values)
    result = {name: replay(name, values) for name in RULES}
    if len(sys.argv) > 3:
        rows = json.load(open(sys.argv[3]))
        for row in rows:
            name = row["rule"].removeprefix("dpone_")
            if row.get("suggested") is not None:
                again = replay(name, values, row["suggested"])
                result[name]["fails_with_suggested"] = again["would_fail"]
    print(json.dumps({"target": TARGET, "rules": result}))


main()
