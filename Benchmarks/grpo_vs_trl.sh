#!/usr/bin/env bash
# GRPO step time, `imprint grpo` vs TRL's GRPOTrainer + PEFT (Benchmarks/grpo_trl.py), in the same run, on the same
# machine: SmolLM2-135M-Instruct, LoRA r=16 alpha=32 on all 7 projections, 2 prompts x 4 completions of at most 64
# tokens per step, temperature 1, difflib reward against the full story, loss "grpo", beta 0.04, learning rate 1e-5,
# seed 42, the first --rows rows of seed 000's masked stories. Each round runs TRL float32, Imprint float32, TRL --bf16,
# Imprint --bf16, one after the other; the table gives each side's median step time (steps after the first, which
# warms up; the median over rounds of each round's median) and peak resident memory. OPENBLAS_CORETYPE and
# OPENBLAS_L2_SIZE are unset for both sides. Opt-in; never part of the tests. A run takes minutes per side and round.
#
# Usage: Benchmarks/grpo_vs_trl.sh [--rounds R] [--steps N] [--rows K] [--model MODEL] [--data rl_data.json]
#   defaults: 1 round, 4 steps, 16 rows, the default model (scripts/fetch-default-model.sh), seed 000's rl_data.json
# Environment:
#   PYTHON   the Python with torch, transformers, peft, trl, datasets, gguf (default /work/.venv-ref/bin/python,
#            else python3); it also writes the data file and the table
#   IMPRINT  the imprint binary (default .build/release/imprint, built with `swift build -c release --product imprint`
#            when missing); a binary without the `grpo` subcommand is skipped with a message
set -euo pipefail
cd "$(dirname "$0")/.."
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE

rounds=1 steps=4 rows=16 model="" data=../shared/seed-data/story_experience/train_dataset/rl_data.json
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds="$2"; shift 2 ;;
        --steps) steps="$2"; shift 2 ;;
        --rows) rows="$2"; shift 2 ;;
        --model) model="$2"; shift 2 ;;
        --data) data="$2"; shift 2 ;;
        *) echo "usage: $0 [--rounds R] [--steps N] [--rows K] [--model MODEL] [--data rl_data.json]" >&2; exit 2 ;;
    esac
done
[ -n "$model" ] || model="$(bash scripts/fetch-default-model.sh)"
python="${PYTHON:-$( [ -x /work/.venv-ref/bin/python ] && echo /work/.venv-ref/bin/python || echo python3 )}"
imprint="${IMPRINT:-.build/release/imprint}"
work="$(mktemp -d)"
echo "grpo_vs_trl: outputs and logs in $work" >&2

# Imprint's input: {"prompt": [user message], "reference": full story} per line, the rows grpo_trl.py reads.
"$python" - "$data" "$rows" "$work/rows.jsonl" <<'PY'
import json, sys
path, count, output = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(path, encoding="utf-8") as source, open(output, "w", encoding="utf-8") as target:
    for row in json.load(source)[:count]:
        user, assistant = row["conversations"][0], row["conversations"][1]
        target.write(json.dumps({"prompt": [{"role": "user", "content": user["content"]}],
                                 "reference": assistant["content"]}) + "\n")
PY

if [ ! -x "$imprint" ] && [ -z "${IMPRINT:-}" ]; then
    echo "grpo_vs_trl: building $imprint" >&2
    swift build -c release --product imprint >&2 || echo "grpo_vs_trl: the imprint build failed" >&2
fi
if [ -x "$imprint" ] && "$imprint" --help 2>/dev/null | grep -qE '^[[:space:]]+grpo([[:space:]]|$)'; then
    run_imprint=1
else
    run_imprint=0
    echo "grpo_vs_trl: $imprint is missing or has no 'grpo' subcommand; timing the TRL side only" >&2
fi

# Runs `imprint grpo` into $work/$1 and writes its summary ({"side": "imprint", ...}) to $work/$1.json.
imprint_side() {
    local name="$1" precision=("${@:2}") output="$work/$1"
    mkdir -p "$output"
    local command=("$imprint" grpo --model "$model" --data "$work/rows.jsonl" --output "$output" --reward difflib
                   --num-generations 4 --batch-size 8 --max-completion-length 64 --temperature 1 --beta 0.04
                   --loss-type grpo --learning-rate 1e-5 --lora-rank 16 --lora-alpha 32 --max-steps "$steps"
                   --seed 42 "${precision[@]}")
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -v -o "$output.time" "${command[@]}" >"$output.log" 2>&1 || { tail -20 "$output.log" >&2; return 1; }
        peak_kib=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$output.time")
    else
        "$python" -c 'import resource, subprocess, sys
code = subprocess.run(sys.argv[2:], stdout=open(sys.argv[1], "w"), stderr=subprocess.STDOUT).returncode
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(code)' "$output.log" "${command[@]}" >"$output.peak" || { tail -20 "$output.log" >&2; return 1; }
        peak_kib=$(cat "$output.peak")
    fi
    "$python" - "$output/metrics.jsonl" "$peak_kib" "${#precision[@]}" >"$output.json" <<'PY'
import json, statistics, sys
path, peak_kib, bf16 = sys.argv[1], int(sys.argv[2]), sys.argv[3] != "0"
times = [json.loads(line)["step_time"] for line in open(path, encoding="utf-8") if '"step_time"' in line]
timed = times[1:] or times  # the first step warms up
print(json.dumps({"side": "imprint", "bf16": bf16, "steps": len(times), "median_step_time": statistics.median(timed),
                  "peak_rss_mib": peak_kib / 1024}))
PY
}

# Runs grpo_trl.py and keeps its summary line in $work/$1.json (its per-step lines and log beside it).
trl_side() {
    local name="$1" precision=("${@:2}")
    "$python" Benchmarks/grpo_trl.py --model "$model" --data "$data" --rows "$rows" --steps "$steps" --threads 2 \
        "${precision[@]}" >"$work/$name.jsonl" 2>"$work/$name.log" || { tail -20 "$work/$name.log" >&2; return 1; }
    tail -1 "$work/$name.jsonl" >"$work/$name.json"
}

for round in $(seq 1 "$rounds"); do
    for precision in float32 bf16; do
        flag=(); [ "$precision" = bf16 ] && flag=(--bf16)
        echo "grpo_vs_trl: round $round/$rounds, $precision: trl" >&2
        trl_side "trl-$precision-$round" "${flag[@]}" || echo "grpo_vs_trl: the TRL side failed" >&2
        if [ "$run_imprint" = 1 ]; then
            echo "grpo_vs_trl: round $round/$rounds, $precision: imprint" >&2
            imprint_side "imprint-$precision-$round" "${flag[@]}" || echo "grpo_vs_trl: the Imprint side failed" >&2
        fi
    done
done

"$python" - "$work" "$rounds" "$steps" <<'PY'
import glob, json, os, statistics, sys
work, rounds, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
print(f"GRPO, SmolLM2-135M, LoRA r=16 all projections, 2 prompts x 4 completions x <= 64 tokens; {steps} steps x "
      f"{rounds} round(s); median step after the first")
print(f"  {'side':8} {'precision':9} {'s/step':>8} {'peak RSS MiB':>13} {'runs':>5}")
medians = {}
for precision in ("float32", "bf16"):
    for side in ("trl", "imprint"):
        runs = [json.load(open(path)) for path in sorted(glob.glob(os.path.join(work, f"{side}-{precision}-*.json")))]
        if not runs:
            continue
        medians[side, precision] = statistics.median(run["median_step_time"] for run in runs)
        peak = max(run["peak_rss_mib"] for run in runs)
        print(f"  {side:8} {precision:9} {medians[side, precision]:8.2f} {peak:13.0f} {len(runs):5d}")
for precision in ("float32", "bf16"):
    if ("trl", precision) in medians and ("imprint", precision) in medians:
        print(f"  {precision}: imprint is {medians['trl', precision] / medians['imprint', precision]:.2f}x TRL's speed")
PY
