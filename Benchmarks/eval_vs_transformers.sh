#!/usr/bin/env bash
# Evaluation throughput, Imprint vs transformers' generate, in the same run: 600 answers (300 facts x 2 held-out
# phrasings drawn from seed 003's qa_pairs.json, see Benchmarks/eval_transformers.py), SmolLM2-135M-Instruct (the
# default GGUF), at most 32 new tokens, greedy, float32 arithmetic on both sides; transformers in batches of 16
# left-padded prompts. Imprint's side is the whole `imprint eval` command — answers, a deterministic judge (token F1),
# statistics and the report written — timed end to end (goal: under 2 minutes on the 2-core machine), and its
# answering alone (report.json's timing) against transformers' generate (goal: at least 3x).
#
# Usage: Benchmarks/eval_vs_transformers.sh [--facts N] [--batch-size N] [--decode float32|int8] [MODEL]
#   --facts N       facts to draw (default 300: 600 answers; use e.g. 8 to check that the script works)
#   --batch-size N  Imprint's questions per call (default 128, imprint eval's; transformers always uses 16)
#   --decode P      Imprint's products with the GGUF's blocks (default float32, the goal's configuration; int8:
#                   llama.cpp's int8 activations, for comparison)
# Environment: PYTHON (default /work/.venv-ref/bin/python, else python3) with torch, transformers, gguf;
# QA_PAIRS (default /work/shared/seed-data/reward_gen/qa_pairs.json); SCRATCH (the release build's scratch path,
# default .build); IMPRINT (an imprint binary to use instead of building one). Opt-in; never part of the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
facts=300
batch=128
decode=float32
while [ $# -gt 0 ]; do
    case "$1" in
        --facts) facts="$2"; shift 2 ;;
        --decode) decode="$2"; shift 2 ;;
        --batch-size) batch="$2"; shift 2 ;;
        *) break ;;
    esac
done
model="${1:-$(bash scripts/fetch-default-model.sh)}"
python="${PYTHON:-$( [ -x /work/.venv-ref/bin/python ] && echo /work/.venv-ref/bin/python || echo python3 )}"
qa_pairs="${QA_PAIRS:-/work/shared/seed-data/reward_gen/qa_pairs.json}"
work="$(mktemp -d)"
scratch="${SCRATCH:-.build}"

"$python" Benchmarks/eval_transformers.py prepare "$qa_pairs" "$work/questions.jsonl" --facts "$facts"
if [ -n "${IMPRINT:-}" ]; then
    imprint="$IMPRINT"
else
    swift build -c release --product imprint --scratch-path "$scratch" >/dev/null
    imprint="$scratch/release/imprint"
fi

start=$(date +%s.%N)
"$imprint" eval --model "$model" --data "$work/questions.jsonl" --judge f1 --max-tokens 32 --batch-size "$batch" --decode "$decode" \
    --output "$work/imprint" --quiet >"$work/imprint.txt"
end=$(date +%s.%N)
transformers=$("$python" Benchmarks/eval_transformers.py generate "$model" "$work/questions.jsonl" "$work/transformers.jsonl" \
    --batch-size 16 --max-new-tokens 32 2>/dev/null | tail -1)

"$python" - "$work" "$start" "$end" "$transformers" "$decode" <<'PY'
import json, sys
work, start, end, transformers, decode = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), json.loads(sys.argv[4]), sys.argv[5]
report = json.load(open(f"{work}/imprint/report.json"))
imprint_answers = [json.loads(line)["answer"] for line in open(f"{work}/imprint/answers.jsonl")]
reference = [json.loads(line)["answer"] for line in open(f"{work}/transformers.jsonl")]
same = sum(a.strip() == b.strip() for a, b in zip(imprint_answers, reference))
answering = report["timing"]["answering"]
print(f"evaluation: {len(imprint_answers)} answers, <= 32 new tokens, greedy, Imprint --decode {decode}, SmolLM2-135M-Instruct")
print(f"  imprint eval, whole command (answers, f1 judge, statistics, report): {end - start:7.1f} s  (goal < 120 s)")
print(f"  imprint answering                                                 : {answering:7.1f} s")
print(f"  transformers generate, batches of 16 left-padded                  : {transformers['seconds']:7.1f} s")
print(f"  ratio (transformers / imprint answering)                          : {transformers['seconds'] / answering:7.2f}x  (goal >= 3x)")
print(f"  identical answers: {same} of {len(reference)} (greedy ties may differ by float summation order)")
PY
echo "outputs in $work"
