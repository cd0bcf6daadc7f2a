#!/usr/bin/env python3
"""Records the rewards' Python reference values on adversarial text (adversarial.json): NUL bytes, C0/C1
controls, a character from each of the 17 Unicode planes, noncharacters, U+FEFF inside text, 100 stacked combining
marks, right-to-left text, zero-width joiners, and a 10 MB completion against a short reference.

Pinned stack (as in ../shared/bench/python-reference.txt): CPython 3.11.7 (difflib from its standard library),
sacrebleu==2.6.0. Jaccard, exact match and token F1 are make_fixtures.py's definitions.

Each case holds completion and reference, difflib's ratio with and without autojunk
(`SequenceMatcher(None, completion, reference)`), sacreBLEU's sentence BLEU / 100 (`BLEU(effective_order=True)`),
Jaccard, SQuAD exact match and token F1. The 10 MB completion is `LONG_UNIT * LONG_REPEATS` (written out in
AdversarialRewardTests.swift too), recorded with its timings.

Run from the repository root:
/work/.venv-ref/bin/python Tests/ImprintRewardsTests/Fixtures/make_adversarial_fixtures.py
"""
import difflib
import json
import pathlib
import sys
import time

import sacrebleu
from sacrebleu.metrics import BLEU

from make_fixtures import compute_exact, compute_f1, jaccard

HERE = pathlib.Path(__file__).resolve().parent
PLANES = ["\u4e2d", "\U0001F600", "\U00020000", "\U00030000"] + [chr((plane << 16) | 0x0100) for plane in range(4, 14)] + [
    "\U000E0041", "\U000F0000", "\U00100000"]
REFERENCE = "The quick brown fox jumps over the lazy dog."
TEXTS = [
    "\x00",
    "The quick\x00brown fox jumps over the lazy\x00dog.",
    "".join(chr(c) for c in range(0x00, 0x20)) + "\x7f" + "".join(chr(c) for c in range(0x80, 0xA0)),
    " ".join(PLANES),
    "The quick " + " ".join(PLANES) + " fox",
    "\ufffe \uffff \U0010FFFF \ufdd0 The quick",
    "\ufeffThe quick brown\ufefffox",
    "The qu" + "\u0301" * 100 + "ick brown fox",
    "\u05e9\u05dc\u05d5\u05dd The \u0645\u0631\u062d\u0628\u0627 \u202equick\u202c brown",
    "The\u200bquick \U0001F468\u200d\U0001F469\u200d\U0001F467 brown\u200dfox",
    "The Quick Brown Fox Jumps Over The Lazy Dog.",
]
LONG_UNIT = "The quick brown fox \x00 jumps \u00e9 \u4e2d\u6587 \U0001F600 e\u0301 over\t"
LONG_REPEATS = 10_000_000 // len(LONG_UNIT.encode("utf-8")) + 1


def case(completion, reference):
    sentence_bleu = BLEU(effective_order=True)
    timings = {}

    def timed(name, function):
        start = time.time()
        value = function()
        timings[name] = round(time.time() - start, 2)
        return value

    return {
        "difflib": timed("difflib", lambda: difflib.SequenceMatcher(None, completion, reference).ratio()),
        "difflib_no_autojunk": timed("difflib_no_autojunk",
                                     lambda: difflib.SequenceMatcher(None, completion, reference, autojunk=False).ratio()),
        "bleu": timed("bleu", lambda: sentence_bleu.sentence_score(completion, [reference]).score / 100),
        "jaccard": timed("jaccard", lambda: jaccard(completion, reference)),
        "exact": float(timed("exact", lambda: compute_exact(reference, completion))),
        "f1": float(timed("f1", lambda: compute_f1(reference, completion))),
    }, timings


def main():
    cases = []
    for completion in TEXTS:
        for reference in [REFERENCE, completion]:
            values, _ = case(completion, reference)
            cases.append({"completion": completion, "reference": reference, **values})
    long_completion = LONG_UNIT * LONG_REPEATS
    long_values, timings = case(long_completion, REFERENCE)
    print("10 MB completion:", timings)
    payload = {"generator": "make_adversarial_fixtures.py", "python": sys.version.split()[0],
               "sacrebleu": sacrebleu.__version__, "cases": cases,
               "long": {"unit": LONG_UNIT, "repeats": LONG_REPEATS, "reference": REFERENCE,
                        "python_seconds": timings, **long_values}}
    path = HERE / "adversarial.json"
    path.write_text(json.dumps(payload, ensure_ascii=True, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {path.name}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
