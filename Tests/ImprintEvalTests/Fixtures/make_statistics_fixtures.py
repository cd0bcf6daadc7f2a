#!/usr/bin/env python3
"""Records the reference values that ImprintEvalTests' statistics tests compare against.

What it records (statistics.json beside this script), each case with its inputs:
  - wilson:   statsmodels proportion_confint(successes, trials, alpha=1-confidence, method="wilson")
              and the normal quantile scipy.stats.norm.isf((1-confidence)/2) behind it;
              0 trials is Imprint's own definition (no information: the interval [0, 1]).
  - mcnemar:  statsmodels mcnemar([[0, b], [c, 0]], exact=True).pvalue for discordant counts b, c
              (0/0 included: the p-value is 1); the diagonal does not enter the exact test.
  - t:        scipy.stats.t.ppf and scipy.stats.t.interval(confidence, n-1, mean, sem) of values across
              seeds (sem = std(ddof=1)/sqrt(n)); one value, or values all equal, are Imprint's own
              definition (a zero-width interval at the mean; scipy answers nan).
  - kappa:    statsmodels.stats.inter_rater.cohens_kappa(table).kappa, 2x2, 3x3 and 4x4 tables;
              when the expected agreement is 1 (both judges gave every item one and the same label,
              statsmodels answers nan) Imprint defines kappa = 1, and an empty table gives 0.

Pinned stack: CPython 3.11.7, numpy 2.4.6, scipy 1.17.1, statsmodels 0.15.0
    (/work/.venv-ref/bin/pip install scipy==1.17.1 statsmodels==0.15.0)
Run from the repository root:
    /work/.venv-ref/bin/python Tests/ImprintEvalTests/Fixtures/make_statistics_fixtures.py
Nothing here is random without a fixed seed; floats are written with repr (shortest round-trip).
"""
import json
import math
import pathlib
import sys

import numpy as np
import scipy
import statsmodels
from scipy import stats
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.inter_rater import cohens_kappa
from statsmodels.stats.proportion import proportion_confint

HERE = pathlib.Path(__file__).resolve().parent
CONFIDENCES = [0.95, 0.9, 0.99, 0.5, 0.999, 0.8]


def wilson_cases():
    cases = []
    trials_list = [1, 2, 3, 4, 5, 7, 10, 13, 20, 50, 99, 100, 300, 600, 1000, 12345, 1_000_000]
    for trials in trials_list:
        successes_set = sorted({0, 1, trials // 3, trials // 2, (2 * trials) // 3, trials - 1, trials})
        for successes in successes_set:
            for confidence in CONFIDENCES:
                lower, upper = proportion_confint(successes, trials, alpha=1 - confidence, method="wilson")
                cases.append({"successes": successes, "trials": trials, "confidence": confidence,
                              "lower": float(lower), "upper": float(upper)})
    for confidence in CONFIDENCES:
        cases.append({"successes": 0, "trials": 0, "confidence": confidence, "lower": 0.0, "upper": 1.0})
    return cases


def normal_quantiles():
    probabilities = [0.5, 0.4, 0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.0005, 1e-5, 1e-10, 1e-20, 1e-100,
                     0.6, 0.75, 0.9, 0.975, 0.999, 1 - 1e-9]
    return [{"p": p, "isf": float(stats.norm.isf(p)), "ppf": float(stats.norm.ppf(p))} for p in probabilities]


def mcnemar_cases():
    pairs = [(0, 0), (0, 1), (1, 0), (1, 1), (0, 5), (1, 5), (2, 5), (5, 2), (3, 3), (4, 5), (0, 10),
             (2, 10), (7, 13), (10, 12), (12, 30), (17, 3), (25, 40), (40, 25), (50, 50), (49, 51),
             (10, 300), (1, 1000), (60, 1000), (480, 520), (300, 400), (1000, 1100), (2500, 2600),
             (4990, 5010), (5000, 5000), (0, 1074), (0, 1100), (3, 4000), (200, 2000), (999, 1)]
    cases = []
    for b, c in pairs:
        p = mcnemar(np.array([[0, b], [c, 0]]), exact=True).pvalue
        cases.append({"b": b, "c": c, "p": float(p)})
    return cases


def t_cases():
    samples = [
        [0.61],
        [0.5, 0.5, 0.5],
        [0.61, 0.64],
        [0.61, 0.64, 0.58],
        [0.612, 0.655, 0.587, 0.633],
        [0.41, 0.47, 0.39, 0.52, 0.45],
        [12.0, 15.5, 9.25, 11.0, 13.75, 10.5, 14.0],
        [0.1 * k + 0.01 * (k % 3) for k in range(10)],
        [math.sin(k) for k in range(30)],
        [-3.0, 4.0],
    ]
    cases = []
    for values in samples:
        for confidence in [0.95, 0.9, 0.99]:
            n = len(values)
            mean = float(np.mean(values))
            if n < 2 or np.std(values) == 0:
                lower = upper = mean
            else:
                sem = float(np.std(values, ddof=1) / math.sqrt(n))
                lower, upper = stats.t.interval(confidence, n - 1, loc=mean, scale=sem)
            cases.append({"values": values, "confidence": confidence, "mean": mean,
                          "lower": float(lower), "upper": float(upper)})
    return cases


def t_quantiles():
    cases = []
    for df in [1, 2, 3, 4, 5, 6, 7, 9, 10, 19, 29, 30, 99, 100, 1000]:
        for p in [0.975, 0.95, 0.995, 0.75, 0.9995, 0.55, 0.6]:
            cases.append({"df": df, "p": p, "ppf": float(stats.t.ppf(p, df))})
    return cases


def kappa_cases():
    tables = [
        [[20, 5], [10, 15]],
        [[45, 15], [25, 15]],
        [[25, 35], [5, 35]],
        [[50, 0], [0, 50]],
        [[0, 30], [30, 0]],
        [[10, 0], [0, 0]],       # both judges always the first label: expected agreement 1
        [[0, 0], [0, 7]],        # both always the second label
        [[8, 2], [0, 0]],        # judge A always the first label, B mixed
        [[0, 0], [3, 5]],
        [[0, 4], [0, 0]],        # never agree, each constant
        [[1, 0], [0, 0]],
        [[0, 0], [0, 0]],        # empty
        [[3, 1], [1, 300]],
        [[123, 7], [11, 859]],
        [[10, 2, 1], [3, 12, 2], [0, 4, 15]],
        [[30, 0, 0], [0, 0, 0], [0, 0, 0]],
        [[5, 0, 0], [0, 5, 0], [0, 0, 5]],
        [[0, 5, 0], [0, 0, 5], [5, 0, 0]],
        [[40, 3, 0], [2, 0, 0], [0, 0, 0]],
        [[88, 14, 18], [10, 40, 5], [2, 1, 22]],
        [[1, 0, 0], [0, 0, 0], [0, 0, 1]],
        [[10, 1, 0, 2], [1, 8, 2, 0], [0, 3, 9, 1], [2, 0, 1, 7]],
    ]
    cases = []
    for table in tables:
        array = np.array(table, dtype=float)
        total = array.sum()
        if total == 0:
            kappa, source = 0.0, "imprint: empty table"
        else:
            expected = float((array.sum(1) * array.sum(0)).sum() / total ** 2)
            if expected == 1.0:
                kappa, source = 1.0, "imprint: expected agreement 1"
            else:
                kappa, source = float(cohens_kappa(array).kappa), "statsmodels"
        cases.append({"table": table, "kappa": kappa, "source": source})
    return cases


def main():
    payload = {
        "generator": "make_statistics_fixtures.py",
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "statsmodels": statsmodels.__version__,
        "wilson": wilson_cases(),
        "normal_quantiles": normal_quantiles(),
        "mcnemar": mcnemar_cases(),
        "t_intervals": t_cases(),
        "t_quantiles": t_quantiles(),
        "kappa": kappa_cases(),
    }
    path = HERE / "statistics.json"
    path.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {path.name}: {path.stat().st_size} bytes, {len(payload['wilson'])} Wilson, "
          f"{len(payload['mcnemar'])} McNemar, {len(payload['t_intervals'])} t, {len(payload['kappa'])} kappa cases")


if __name__ == "__main__":
    main()
