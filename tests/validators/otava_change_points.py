"""Apache Otava 0.8.0's change points of the series given on stdin, for tests/it/change_points_otava.rs.

Input: a JSON object {"series": [[float, ...], ...], "max_pvalue": float, "seed": int}.
Output: a JSON object {"version": "...", "windowed": [[index, ...], ...],
"original": [[index, ...], ...]}: for each series, the indexes (first run of the new level) that
Otava's default analysis finds (`compute_change_points`: windows of 50, a t-test, the merge step)
and that its original E-divisive finds (`compute_change_points_orig`: 100 permutations).
"""

import json
import sys
from importlib.metadata import version

from otava.analysis import compute_change_points, compute_change_points_orig


def main() -> None:
    request = json.load(sys.stdin)
    max_pvalue = request["max_pvalue"]
    windowed, original = [], []
    for series in request["series"]:
        points, _ = compute_change_points(series, window_len=50, max_pvalue=max_pvalue)
        windowed.append(sorted(int(p.index) for p in points))
        points, _ = compute_change_points_orig(series, max_pvalue=max_pvalue, seed=request["seed"])
        original.append(sorted(int(p.index) for p in points))
    json.dump({"version": version("apache-otava"), "windowed": windowed, "original": original}, sys.stdout)


if __name__ == "__main__":
    main()
