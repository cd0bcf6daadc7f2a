#!/usr/bin/env python3
"""Records the reference values that ImprintRewardsTests compare against.

Pinned stack (as in ../shared/bench/python-reference.txt):
    CPython 3.11.7 (difflib from its standard library), sacrebleu==2.6.0
Run once from the repository root, with the seed data beside the checkout:
    /work/.venv-ref/bin/python Tests/ImprintRewardsTests/Fixtures/make_fixtures.py \
        --seed-data ../shared/seed-data/story_experience
The outputs (*.json beside this script) hold their input strings too, so the Swift tests
never need Python or the seed data. Nothing here is random without a fixed seed.
"""
import argparse
import collections
import difflib
import json
import pathlib
import random
import re
import string
import sys

import sacrebleu
from sacrebleu.metrics import BLEU

HERE = pathlib.Path(__file__).resolve().parent


def write(name, payload):
    payload = {"generator": "make_fixtures.py",
               "python": sys.version.split()[0],
               "sacrebleu": sacrebleu.__version__,
               **payload}
    path = HERE / name
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {path.name}: {path.stat().st_size} bytes")


# ----------------------------------------------------------------------------- difflib
def difflib_case(name, a, b):
    on = difflib.SequenceMatcher(None, a, b)
    off = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return {
        "name": name, "a": a, "b": b,
        "ratio": on.ratio(), "ratio_no_autojunk": off.ratio(),
        "quick_ratio": on.quick_ratio(), "real_quick_ratio": on.real_quick_ratio(),
        "matching_blocks": [list(m) for m in on.get_matching_blocks()],
        "matching_blocks_no_autojunk": [list(m) for m in off.get_matching_blocks()],
    }


def mask_words(text, count, rng):
    words = text.split(" ")
    for index in sorted(rng.sample(range(len(words)), count)):
        words[index] = "[MASKED]"
    return " ".join(words)


def difflib_fixtures(stories):
    rng = random.Random(1234)
    cases = []
    story0, story1 = stories[0], stories[1]
    cases.append(difflib_case("story0 identical", story0, story0))
    cases.append(difflib_case("story0 three words masked", mask_words(story0, 3, rng), story0))
    cases.append(difflib_case("story0 first half", story0[: len(story0) // 2], story0))
    cases.append(difflib_case("story1 vs story0 (unrelated)", story1, story0))
    cases.append(difflib_case("story0 vs story1 (swapped)", story0, story1))
    # Story-length pairs, also the benchmark's workload: each story against a perturbed copy
    # of itself, a masked copy, its second half, and another story.
    for index in range(2, 14):
        story, other = stories[index], stories[(index * 7) % len(stories)]
        chars = list(story)
        for _ in range(len(chars) // 20):
            chars[rng.randrange(len(chars))] = rng.choice(string.ascii_lowercase + " ")
        cases.append(difflib_case(f"story{index} perturbed 5%", "".join(chars), story))
        cases.append(difflib_case(f"story{index} five words masked", mask_words(story, 5, rng), story))
        cases.append(difflib_case(f"story{index} second half", story[len(story) // 2:], story))
        cases.append(difflib_case(f"story{(index * 7) % len(stories)} vs story{index}", other, story))
    # Random strings over small alphabets: many equal-length ties, autojunk on long b.
    for length_a, length_b, alphabet in [(1, 1, "ab"), (7, 13, "ab"), (31, 29, "abc"), (150, 199, "ab "),
                                         (150, 200, "ab "), (199, 250, "abcd"), (257, 401, "abcde "),
                                         (503, 499, "ab"), (1000, 1000, string.ascii_lowercase + " ")]:
        a = "".join(rng.choice(alphabet) for _ in range(length_a))
        b = "".join(rng.choice(alphabet) for _ in range(length_b))
        cases.append(difflib_case(f"random {length_a}x{length_b} over {alphabet!r}", a, b))
    # Long repetitive strings: every element of b is popular when autojunk is on.
    cases.append(difflib_case("repetitive abc*150 vs abd*120", "abc" * 150, "abd" * 120))
    cases.append(difflib_case("repetitive a*300 vs a*250+b", "a" * 300, "a" * 250 + "b"))
    cases.append(difflib_case("repetitive story0*3 vs story0", story0 * 3, story0))
    # Unicode code points (not grapheme clusters), empty strings, the docs' examples.
    cases.append(difflib_case("non-ASCII accents", "café crème brûlée", "cafe creme brulee"))
    cases.append(difflib_case("combining marks (e + U+0301 vs é)", "cafe\u0301", "caf\u00e9"))
    cases.append(difflib_case("emoji and CJK", "🐍 蛇 snake 🐍🐍", "snake 蛇 🐍"))
    cases.append(difflib_case("non-ASCII long b",
                              "Ωμέγα " * 10 + "ünïcödé",
                              ("Ωμέγα λόγος ünïcödé 数据 " * 12)))
    cases.append(difflib_case("both empty", "", ""))
    cases.append(difflib_case("empty a", "", "abc"))
    cases.append(difflib_case("empty b", "abc", ""))
    cases.append(difflib_case("docs abcd/bcde", "abcd", "bcde"))
    cases.append(difflib_case("docs abc/abd", "abc", "abd"))
    cases.append(difflib_case("docs abxcd/abcd", "abxcd", "abcd"))
    cases.append(difflib_case("docs ' abcd'/'abcd abcd'", " abcd", "abcd abcd"))
    write("difflib.json", {"reference": "difflib.SequenceMatcher(None, a, b[, autojunk=False])",
                           "cases": cases})


# ----------------------------------------------------------------------------- BLEU / Jaccard
SENTENCE_PAIRS = [
    ("The cat sat on the mat.", ["The cat sat on the mat."]),
    ("The cat sat on the mat.", ["The cat is sitting on the mat."]),
    ("the cat", ["The cat sat on the mat."]),
    ("cat", ["cat"]),
    ("cat", ["dog"]),
    ("", ["The cat sat on the mat."]),
    ("The cat sat on the mat.", [""]),
    ("", [""]),
    ("It is 3.14, not 3,14 or 1990-2000.", ["It's 3.14 - not 3,14 or 1990 - 2000."]),
    ("U.S.A. vs. E.U.: who wins?!", ["U.S.A. versus E.U. - who wins ?"]),
    ("Tom &amp; Jerry &lt;3 &quot;cartoons&quot;", ['Tom & Jerry <3 "cartoons"']),
    ("A <skipped> line with a hyphen-\nbreak", ["A line with a hyphenbreak"]),
    ("multi\nline\ntext  with   spaces   ", ["multi line text with spaces"]),
    ("Café au lait, naïve résumé… «quoted» — dash", ["Cafe au lait, naive resume... \"quoted\" - dash"]),
    ("no\u00a0break\u2003em\u3000ideographic space", ["no break em ideographic space"]),
    ("x...y,,z..", ["x . . . y , , z . ."]),
    ("5.5.5 and 6,6,6 and a-1 and 7-", ["5.5.5 and 6,6,6"]),
    ("{braces} [brackets] (parens) @at #hash $dollar %pct ^caret ~tilde |pipe \\back /slash",
     ["braces brackets parens at hash dollar pct caret tilde pipe back slash"]),
    ("What year did the Navigator first pierce the Maelstrom?",
     ["In what year did the Navigator first pierce the Maelstrom?"]),
    ("When did the Navigator first break through the Maelstrom of Azure?",
     ["In what year did the Navigator first pierce the Maelstrom?"]),
    ("Which vessel did Elara Varis command?", ["What was the name of the Navigator's vessel?"]),
    ("the the the the the the the", ["The cat is on the mat."]),
    ("one two three four five", ["one two three four five six seven eight nine ten"]),
    ("one two three four five six seven eight nine ten", ["one two three four five"]),
    ("a b c d", ["a b c e", "a b d d", "x b c d e f"]),
    ("a b", ["a b c", "a", "a b c d e"]),
    ("Η ΟΔΟΣ ΑΘΗΝΑΣ, Σ.", ["η οδος αθηνας, σ."]),
    ("İstanbul ÉTÉ Straße", ["i̇stanbul été straße"]),
]

CORPUS_SETS = [
    (["Η ΟΔΟΣ ΑΘΗΝΑΣ, Σ.", "İstanbul ÉTÉ"], [["η οδος αθηνας, σ.", "i̇stanbul été"]]),
    (["The cat sat on the mat.", "It is 3.14, not 3,14.", "cat"],
     [["The cat is sitting on the mat.", "It's 3.14 - not 3,14.", "dog"]]),
    (["What year did the Navigator first pierce the Maelstrom?", "Which vessel did Elara Varis command?"],
     [["In what year did the Navigator first pierce the Maelstrom?", "What was the name of the Navigator's vessel?"],
      ["When did the Navigator pierce the Maelstrom?", "Name the vessel of the Navigator."]]),
    (["a b c d", "e f"], [["a b c e", "e f g"]]),
]

PHRASINGS = [
    "In what year did the Navigator first pierce the Maelstrom?",
    "When did the Navigator first break through the Maelstrom of Azure?",
    "What year saw the Navigator's first passage through the Maelstrom?",
    "The Navigator first pierced the Maelstrom in which year?",
    "Elara Varis crossed the Maelstrom for the first time in what year?",
    "In which year was the Maelstrom first pierced by the Navigator?",
    "what YEAR did the navigator first pierce the maelstrom ?",
]


def tokenize_13a(text):
    return BLEU(effective_order=True).tokenizer(text.rstrip())


def jaccard(a, b):  # Similarity_calculation.ipynb, verbatim definition
    s1, s2 = set(a.lower().split()), set(b.lower().split())
    return len(s1 & s2) / len(s1 | s2)


def bleu_fixtures():
    sentence_bleu = BLEU(effective_order=True)
    sentences = []
    for hypothesis, references in SENTENCE_PAIRS:
        score = sentence_bleu.sentence_score(hypothesis, references)
        sentences.append({
            "hypothesis": hypothesis, "references": references, "score": score.score,
            "counts": list(score.counts), "totals": list(score.totals), "bp": score.bp,
            "sys_len": score.sys_len, "ref_len": score.ref_len,
            "hypothesis_tokens": tokenize_13a(hypothesis),
        })
    corpora = []
    for hypotheses, reference_streams in CORPUS_SETS:
        entry = {"hypotheses": hypotheses, "reference_streams": reference_streams}
        for label, metric in [("score", BLEU()), ("score_effective_order", BLEU(effective_order=True)),
                              ("score_floor", BLEU(smooth_method="floor")),
                              ("score_add_k", BLEU(smooth_method="add-k")),
                              ("score_none", BLEU(smooth_method="none")),
                              ("score_lowercase", BLEU(lowercase=True))]:
            entry[label] = metric.corpus_score(hypotheses, reference_streams).score
        corpora.append(entry)
    jaccards = []
    for hypothesis, references in SENTENCE_PAIRS:
        a, b = hypothesis, references[0]
        if a.split() or b.split():
            jaccards.append({"a": a, "b": b, "jaccard": jaccard(a, b)})
    bleu_matrix = [[1.0 if i == j else sentence_bleu.sentence_score(qi, [qj]).score / 100
                    for j, qj in enumerate(PHRASINGS)] for i, qi in enumerate(PHRASINGS)]
    jaccard_matrix = [[1.0 if i == j else jaccard(qi, qj) for j, qj in enumerate(PHRASINGS)]
                      for i, qi in enumerate(PHRASINGS)]
    write("bleu_jaccard.json", {
        "reference": "sacrebleu.metrics.BLEU(effective_order=True).sentence_score; corpus_score with "
                     "default BLEU() and variants; Jaccard as in Similarity_calculation.ipynb",
        "sentences": sentences, "corpora": corpora, "jaccard": jaccards,
        "phrasings": PHRASINGS, "bleu_matrix": bleu_matrix, "jaccard_matrix": jaccard_matrix,
    })


# ----------------------------------------------------------------------------- SQuAD match / F1
def normalize_answer(s):  # SQuAD v2.0 official evaluate script
    def remove_articles(text):
        return re.compile(r"\b(a|an|the)\b", re.UNICODE).sub(" ", text)

    def white_space_fix(text):
        return " ".join(text.split())

    def remove_punc(text):
        exclude = set(string.punctuation)
        return "".join(ch for ch in text if ch not in exclude)

    return white_space_fix(remove_articles(remove_punc(s.lower())))


def get_tokens(s):
    if not s:
        return []
    return normalize_answer(s).split()


def compute_exact(a_gold, a_pred):
    return int(normalize_answer(a_gold) == normalize_answer(a_pred))


def compute_f1(a_gold, a_pred):
    gold_toks, pred_toks = get_tokens(a_gold), get_tokens(a_pred)
    common = collections.Counter(gold_toks) & collections.Counter(pred_toks)
    num_same = sum(common.values())
    if len(gold_toks) == 0 or len(pred_toks) == 0:
        return int(gold_toks == pred_toks)
    if num_same == 0:
        return 0
    precision = 1.0 * num_same / len(pred_toks)
    recall = 1.0 * num_same / len(gold_toks)
    return (2 * precision * recall) / (precision + recall)


SQUAD_PAIRS = [
    ("872 AE", "872 AE"), ("872 ae.", "872 AE"), ("In 872 AE", "872 AE"), ("The Silver Heron", "Silver Heron"),
    ("an apple a day", "apple day"), ("anthem theory", "anthem theory"), ("the-the", "the the"),
    ("Silver Heron's", "Silver Heron"), ("", ""), ("", "Silver Heron"), ("The", ""), ("a an the", ""),
    ("Star Wanderer, Captain Corvus", "Star Wanderer"), ("the the cat cat cat", "cat the cat"),
    ("Crystal  Peaks!!", "crystal peaks"), ("Café Olé", "café olé"), ("2147 A.D.", "2147 AD"),
    ("théatre the_theory", "théatre the theory"), ("Around 2150 A.D.", "2150"), ("Beneath London", "Sector 7"),
    ("Η ΟΔΟΣ ΑΘΗΝΑΣ", "η οδος αθηνας"), ("ΟΔΟΣ'Σ", "οδοσ σ"), ("İstanbul", "i̇stanbul"),
]


def squad_fixtures():
    cases = [{"prediction": p, "reference": r, "normalized_prediction": normalize_answer(p),
              "exact": compute_exact(r, p), "f1": float(compute_f1(r, p))} for p, r in SQUAD_PAIRS]
    write("squad.json", {"reference": "SQuAD v2.0 evaluate script: normalize_answer, compute_exact, compute_f1",
                         "cases": cases})


# ----------------------------------------------------------------------------- judge verdicts
def extract_reward(text):  # seed 003, GRPO Scripts/train.py (the fallback can never fire; omitted)
    lower_text = text.lower()
    idx = lower_text.find("class")
    if idx == -1:
        return None
    match = re.search(r"-?\d+", text[idx + len("class"):])
    return int(match.group(0)) if match else None


def extract_class(text):  # seed 003, SFT Scripts/judge.py, as described in seed-implementations.md
    idx = text.lower().find("final verdict")
    if idx == -1:
        return None
    line = text[idx + len("final verdict"):].split("\n")[0]
    match = re.search(r"-?\s*\d+", line)
    return int(re.sub(r"\s", "", match.group(0))) if match else None


def yes_no(text):  # seed 000, full_eval.py
    return text.strip().lower() == "yes"


def judge_fixtures():
    table = json.loads((HERE / "judge_outputs.json").read_text(encoding="utf-8"))["outputs"]
    recorded = [{**row, "seed_grpo": extract_reward(row["text"]),
                 "seed_evaluation": extract_class(row["text"]), "seed_yes_no": yes_no(row["text"])}
                for row in table]
    write("judge_verdicts.json", {"reference": "seed parsers: train.py extract_reward, judge.py extract_class, "
                                               "full_eval.py yes/no; 'expected' is the robust parser's documented rule",
                                  "outputs": recorded})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed-data", required=True, type=pathlib.Path)
    args = parser.parse_args()
    stories_dir = args.seed_data / "stories_detail"
    stories = [(stories_dir / f"{i}.txt").read_text(encoding="utf-8") for i in range(100)]
    difflib_fixtures(stories)
    bleu_fixtures()
    squad_fixtures()
    judge_fixtures()


if __name__ == "__main__":
    main()
