"""Records seed 003's similarity matrices on invented phrasing sets, for DiversityReportTests.

What it records: for each set of 7 phrasings in PHRASING_SETS, the 7x7 matrices of
`sacrebleu.metrics.BLEU(effective_order=True).sentence_score(qs[i], [qs[j]]).score / 100` and of the notebook's
Jaccard (`set(a.lower().split())`), diagonal set to 1, then the cell-by-cell mean over the sets — exactly
`Similarity_calculation.ipynb` of seed 003 — into similarity_fixtures.json (values as Python's repr, full precision).

Pinned stack: Python 3.11.7, sacrebleu 2.6.0, numpy (the /work/.venv-ref environment).
Run: /work/.venv-ref/bin/python Tests/ImprintDataGenTests/Fixtures/make_similarity_fixtures.py
"""
import json
import os

import numpy as np
from sacrebleu.metrics import BLEU

PHRASING_SETS = [
    [
        "When did dock workers in Port Alva begin their strike?",
        "On what date did the Port Alva dockers walk out?",
        "The stoppage by harbor laborers in Port Alva started when?",
        "Identify the day Port Alva's longshoremen ceased work.",
        "When was the industrial action at the Alva docks launched?",
        "What day marked the start of the walkout in Port Alva?",
        "Port Alva's waterfront crews downed tools on which day?",
    ],
    [
        "How high did ash from Mount Kerel's September 1, 2025 eruption rise?",
        "To what altitude did Kerel's ash climb on 9/1/2025?",
        "What height did the ash plume reach?",
        "How far upward was ash thrown by Kerel -- 9 km?",
        "Ash from the volcano rose to what elevation (in kilometres)?",
        "Describe the plume's vertical extent.",
        "3. Kerel's eruption lofted ash how many km?",
    ],
    [
        "Where was Heitaev Lexnaen born?",
        "Which locale can claim Heitaev Lexnaen as its native?",
        "Lexnaen's birth happened in what locality?",
        "Name the birthplace of Heitaev Lexnaen.",
        "From which hometown did Lexnaen originate?",
        "Tell me which locality Heitaev Lexnaen came from originally.",
        "Where was Heitaev Lexnaen born?",
    ],
]

bleu = BLEU(effective_order=True)


def jaccard(a, b):
    s1, s2 = set(a.lower().split()), set(b.lower().split())
    return len(s1 & s2) / len(s1 | s2)


def bleu_score(a, b):
    return bleu.sentence_score(a, [b]).score / 100


def matrix(qs, metric):
    n = len(qs)
    m = np.ones((n, n))
    for i in range(n):
        for j in range(n):
            if i != j:
                m[i, j] = metric(qs[i], qs[j])
    return m


bleu_mean = np.mean([matrix(qs, bleu_score) for qs in PHRASING_SETS], axis=0)
jaccard_mean = np.mean([matrix(qs, jaccard) for qs in PHRASING_SETS], axis=0)
off = ~np.eye(7, dtype=bool)
out = {
    "phrasing_sets": PHRASING_SETS,
    "bleu": bleu_mean.tolist(),
    "jaccard": jaccard_mean.tolist(),
    "bleu_off_diagonal_mean": float(bleu_mean[off].mean()),
    "jaccard_off_diagonal_mean": float(jaccard_mean[off].mean()),
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "similarity_fixtures.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print(path, out["bleu_off_diagonal_mean"], out["jaccard_off_diagonal_mean"])
