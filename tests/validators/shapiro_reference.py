"""Shapiro-Wilk reference values from scipy.stats.shapiro, for tests/it/statistics.rs.

Prints one JSON object: a list of cases, each with its samples (seeded draws from normal,
uniform, exponential, log-normal and rounded-normal distributions, n from 3 to 5000) and
scipy's W and p-value. Needs numpy and scipy (`pip install numpy scipy`).
"""
import json
import warnings

import numpy as np
from scipy import stats

rng = np.random.default_rng(20261205)
cases = []
for n in (3, 4, 5, 6, 7, 11, 12, 20, 50, 200, 1000, 5000):
    for kind in ("normal", "uniform", "exponential", "lognormal", "rounded"):
        if kind == "normal":
            x = rng.normal(300.0, 12.0, n)
        elif kind == "uniform":
            x = rng.uniform(-1.0, 1.0, n)
        elif kind == "exponential":
            x = rng.exponential(2.0, n)
        elif kind == "lognormal":
            x = rng.lognormal(3.0, 0.8, n)
        else:
            x = np.round(rng.normal(10.0, 1.0, n), 1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = stats.shapiro(x)
        cases.append({
            "kind": kind,
            "samples": [float(v) for v in x],
            "w": float(r.statistic),
            "p": float(r.pvalue),
        })
print(json.dumps({"scipy": __import__("scipy").__version__, "cases": cases}))
