#!/usr/bin/env python3
"""Times a command: spawns it RUNS times (after WARMUP unmeasured runs) with posix_spawn and
reports the mean and minimum wall time and the peak RSS from wait4's rusage, as one JSON line.

Arguments can come from a file (one per line) so that 25,000 flags need no shell or wrapper,
whose own cost would be measured too:
    measure.py --runs 20 [--warmup 3] [--args-file FILE] [--label NAME] -- CMD [ARG...]
The arguments from the file are appended after CMD's own."""
import argparse
import json
import os
import statistics
import sys
import time


def run_once(argv):
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        start = time.perf_counter()
        pid = os.posix_spawn(
            argv[0],
            argv,
            os.environ,
            file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)],
        )
        _, status, usage = os.wait4(pid, 0)
        elapsed = time.perf_counter() - start
    finally:
        os.close(devnull)
    code = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss, code


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--args-file")
    parser.add_argument("--label", default="")
    parser.add_argument("cmd", nargs=argparse.REMAINDER)
    opts = parser.parse_args()
    argv = [a for a in opts.cmd if a != "--"] if opts.cmd[:1] == ["--"] else opts.cmd
    if not argv:
        parser.error("no command")
    if opts.args_file:
        with open(opts.args_file) as handle:
            argv = argv + handle.read().splitlines()
    for _ in range(opts.warmup):
        run_once(argv)
    times, rss, codes = [], [], set()
    for _ in range(opts.runs):
        elapsed, maxrss, code = run_once(argv)
        times.append(elapsed)
        rss.append(maxrss)
        codes.add(code)
    print(json.dumps({
        "label": opts.label,
        "runs": opts.runs,
        "mean_s": statistics.mean(times),
        "min_s": min(times),
        "stdev_s": statistics.stdev(times) if len(times) > 1 else 0.0,
        "max_rss_kib": max(rss),
        "exit_codes": sorted(codes),
    }))


if __name__ == "__main__":
    sys.exit(main())
