#!/usr/bin/env python3
"""Records HF `tokenizers`' ids for adversarial text: NUL bytes, C0/C1 controls, a character from each of the 17
Unicode planes, noncharacters, U+FEFF inside text, 100 stacked combining marks, right-to-left text and zero-width
joiners, long runs of one character and a 10 MB line.

Pinned reference stack: Python 3.11, tokenizers==0.23.3, transformers==5.23.0.

`expected/adversarial-<name>.json` holds, for the fixture tokenizers smollm2 (byte-level BPE), llama2
(SentencePiece-style BPE with byte fallback, no pre-tokenizer) and gemma (SentencePiece-style, split on spaces):
the short texts and their ids (with and without special tokens), and for each long text (built here and in
AdversarialTextTests.swift from a seed, so that 10 MB are never committed) its length in UTF-8 bytes, the number of
ids, the first and last 16 ids and the 64-bit FNV-1a hash of the ids written as comma-joined decimals.

Run from the repository root:
/work/.venv-ref/bin/python Tests/ImprintTokenizerTests/Fixtures/make_adversarial_fixtures.py
"""
import json
import os
import time

from tokenizers import Tokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
TOKENIZERS = ["smollm2", "llama2", "gemma"]

# One scalar from each plane: assigned characters where the plane has any, otherwise an unassigned scalar
# (planes 4-13), the tag plane (14) and the two private use planes (15, 16).
PLANES = ["\u4e2d", "\U0001F600", "\U00020000", "\U00030000"] + [chr((plane << 16) | 0x0100) for plane in range(4, 14)] + [
    "\U000E0041", "\U000F0000", "\U00100000"]

TEXTS = [
    "\x00",
    "a\x00b",
    "\x00\x00\x00 hello\x00world \x00",
    "".join(chr(c) for c in range(0x00, 0x20)) + "\x7f",
    "".join(chr(c) for c in range(0x80, 0xA0)),
    "tab\tnewline\ncarriage\rvertical\x0bform\x0cnext\x85line\u2028para\u2029end",
    "".join(PLANES),
    " ".join(PLANES),
    *PLANES,
    "\ufffe", "\uffff", "\U0010FFFF", "\ufdd0\ufdef", "x\ufffey\uffffz\U0010FFFF",
    "\ufeff", "\ufeffstart", "in\ufeffside", "two\ufeff\ufeffmarks",
    "e" + "\u0301" * 100,
    "a" + "".join(chr(0x0300 + i % 0x70) for i in range(100)),
    " " + "\u0301" * 100 + " x",
    "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd",
    "\u0645\u0631\u062d\u0628\u0627 123 \u0628\u0627\u0644\u0639\u0627\u0644\u0645",
    "abc\u202edcba\u202c def \u2067isolate\u2069",
    "\U0001F468\u200d\U0001F469\u200d\U0001F467\u200d\U0001F466",
    "a\u200bb\u200cc\u200dd\u2060e",
    "\U0001F3F3\ufe0f\u200d\U0001F308 \U0001F1FA\U0001F1F8",
    "\ud7ff\ue000\uf8ff",
]

# Long texts: (name, text). The 10 MB line is built by `generated_line`, as AdversarialTextTests.swift does.
PIECES = ["the", " ", "quick", "\u00e9", "\u4e2d\u6587", "\U0001F600", "e\u0301", "\x00", "\t", "7", "42", ".",
          "\u200d", "\U00010000", "\U00100000", "\ufb01", "  ", "\ufeff", "\u05e9\u05dc", "\x85"]
MASK = (1 << 64) - 1


def splitmix64(seed):
    """SplitMix64 (Steele, Lea and Flood 2014), as Tests/ImprintTokenizerTests/SplitMix64.swift."""
    state = seed
    while True:
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        yield z ^ (z >> 31)


def generated_line(byte_count, seed=19):
    """Pieces drawn with SplitMix64(seed) until the text holds at least `byte_count` UTF-8 bytes."""
    parts, size = [], 0
    for number in splitmix64(seed):
        if size >= byte_count:
            break
        piece = PIECES[number % len(PIECES)]
        parts.append(piece)
        size += len(piece.encode("utf-8"))
    return "".join(parts)


def fnv1a(ids):
    """64-bit FNV-1a of the ids' comma-joined decimals."""
    digest = 0xCBF29CE484222325
    for byte in ",".join(map(str, ids)).encode("ascii"):
        digest = ((digest ^ byte) * 0x100000001B3) & MASK
    return digest


LONG = [
    ("100000 spaces", " " * 100_000),
    ("100000 a", "a" * 100_000),
    ("100000 NUL", "\x00" * 100_000),
    ("10000 U+1F600", "\U0001F600" * 10_000),
    ("10 MB line", generated_line(10_000_000)),
]


def main():
    for name in TOKENIZERS:
        tok = Tokenizer.from_file(os.path.join(HERE, "tokenizer-json", name, "tokenizer.json"))
        long_records = []
        for title, text in LONG:
            start = time.time()
            ids = tok.encode(text, add_special_tokens=False).ids
            print(f"{name}: {title}: {len(ids)} ids in {time.time() - start:.1f} s")
            long_records.append({"name": title, "utf8_bytes": len(text.encode("utf-8")), "count": len(ids),
                                 "first": ids[:16], "last": ids[-16:], "fnv1a": str(fnv1a(ids))})
        record = {
            "texts": TEXTS,
            "ids": [tok.encode(t, add_special_tokens=False).ids for t in TEXTS],
            "ids_with_special": [tok.encode(t).ids for t in TEXTS],
            "long": long_records,
        }
        with open(os.path.join(HERE, "expected", f"adversarial-{name}.json"), "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=True)


if __name__ == "__main__":
    main()
