#!/usr/bin/env python3
"""The trend page at its bound: 100 series × 500 runs.

    history_page.py BINARY WORKDIR [--runs N]

Writes 500 run reports of 100 series each (seeded; durations in seconds with three decimals,
a step up in every tenth series at run 300), has `BINARY site` draw them, and reports, as one
JSON line: the size of `index.html` (the same page as a run folder's `history.html`), and its
render time in headless Chromium (Debian's /usr/bin/chromium through Playwright): from the
navigation's start to the second animation frame after the load event (parsed, laid out and
painted), the median and the range of N fresh pages after one unmeasured page. Two screenshots
(the top of the page, and after scrolling to the 51st chart) are written to WORKDIR and their
sizes reported.

A benchmark, not a test: nothing here asserts a time.
"""

import argparse
import datetime
import json
import pathlib
import random
import statistics
import subprocess
import sys

SERIES = 100
RUNS = 500


def report(run, values):
    """One runtime_metrics.json as an export writes it (the fields the history reads)."""
    # One run an hour from 2026-01-01, so time order is run order (the history sorts by time).
    at = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(hours=run)
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00")
    return {
        "schema_version": 1,
        "blocker_details": [],
        "blockers": [],
        "correlation_id": None,
        "gates": {"baseline": {"added_metrics": [], "default_rules": False, "path": None,
                                "removed_metrics": [], "samples": [], "series": 0,
                                "status": "not_given"},
                  "objectives": [], "regressions": []},
        "generated_at": stamp,
        "inputs": [],
        "metric_count": len(values),
        "metrics": [
            {"attributes": {}, "description": "bench", "labels": {"job": f"job_{s:03d}"},
             "name": "dpone_duration_seconds", "unit": "s", "value": v}
            for s, v in enumerate(values)
        ],
        "namespace": "dpone.local",
        "observed_at": stamp,
        "output_dir": f"run{run:03d}",
        "passed": True,
        "resource_attributes": {
            "vcs.ref.head.revision": f"{random.getrandbits(160):040x}",
            "cicd.pipeline.run.id": str(9_000_000_000 + run),
        },
        "run_id": None,
        "service_name": "dpone",
        "tool_version": "0.1.0",
    }


def write_runs(folder):
    random.seed(31)
    folder.mkdir(parents=True, exist_ok=True)
    levels = [random.uniform(5, 500) for _ in range(SERIES)]
    for run in range(RUNS):
        values = []
        for s, level in enumerate(levels):
            step = 1.25 if s % 10 == 0 and run >= 300 else 1.0
            values.append(round(level * step * random.gauss(1.0, 0.03), 3))
        path = folder / f"run{run:03d}.json"
        path.write_text(json.dumps(report(run, values)))


def render_times(page_path, shots, runs):
    from playwright.sync_api import sync_playwright

    url = page_path.resolve().as_uri()
    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for i in range(runs + 1):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto(url, wait_until="load")
            elapsed = page.evaluate(
                "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame("
                "() => r(performance.now()))))"
            )
            if i > 0:  # the first page warms the browser up
                times.append(elapsed / 1000.0)
            else:
                page.screenshot(path=str(shots / "bench-100x500-top.png"))
                # Charts off screen are laid out when scrolled to (content-visibility: auto),
                # so the second screenshot is taken after scrolling to the 51st chart.
                page.locator("#c50").scroll_into_view_if_needed()
                page.screenshot(path=str(shots / "bench-100x500-middle.png"))
            context.close()
        browser.close()
    return times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("workdir")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    work = pathlib.Path(args.workdir)
    write_runs(work / "runs")
    site = work / "site"
    subprocess.run([args.binary, "site", "--history", str(work / "runs" / "run*.json"),
                    "--out", str(site), "--repository", "dpone/observability-action"],
                   check=True, stdout=subprocess.DEVNULL)
    index = site / "index.html"
    times = render_times(index, work, args.runs)
    print(json.dumps({
        "page_bytes": index.stat().st_size,
        "page_mib": round(index.stat().st_size / 1048576, 3),
        "render_seconds_median": round(statistics.median(times), 3),
        "render_seconds_min": round(min(times), 3),
        "render_seconds_max": round(max(times), 3),
        "screenshot_bytes": {
            name: (work / name).stat().st_size
            for name in ["bench-100x500-top.png", "bench-100x500-middle.png"]
        },
    }))


if __name__ == "__main__":
    sys.exit(main())
