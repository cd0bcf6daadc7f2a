#!/usr/bin/env bash
# GRPO learns a reward with a known optimum: completions of about 12 words (`word_count=12`: 1 − |words − 12| / 12,
# floored at 0) on the default model (SmolLM2-135M-Instruct), from 40 plain prompts (Examples/GRPOLengthDemo).
# Prints the mean reward of steps 1–5 and 31–40 and whether the second closes at least half of the gap to 1
# (Docs/GRPO.md shows the curve). About 5 minutes on 2 cores.
#
# Usage: scripts/grpo-learning-demo.sh [OUTPUT_DIR]   (default: runs/grpo-length-demo; an existing run is replaced)
set -euo pipefail
cd "$(dirname "$0")/.."
output="${1:-runs/grpo-length-demo}"
model="$(bash scripts/fetch-default-model.sh)"
[ -x .build/release/imprint ] || swift build -c release --product imprint
rm -rf "$output"
.build/release/imprint grpo --model "$model" --data Examples/GRPOLengthDemo/prompts.jsonl --output "$output" \
    --reward word_count=12 --num-generations 8 --batch-size 16 --max-completion-length 48 --temperature 1 \
    --learning-rate 2e-4 --schedule constant --lora-rank 16 --lora-alpha 32 --max-steps 40 --save-steps 0 --seed 42 --plain
python3 - "$output/metrics.jsonl" <<'PY'
import json, sys
rewards = {row["step"]: row["reward"] for row in map(json.loads, open(sys.argv[1]))}
early = sum(rewards[s] for s in range(1, 6)) / 5
late = sum(rewards[s] for s in range(31, 41)) / 10
closed = (late - early) / (1 - early)
print(f"mean reward, steps 1-5: {early:.3f}; steps 31-40: {late:.3f}; gap to 1 closed: {closed:.0%} "
      f"({'at least' if closed >= 0.5 else 'less than'} half)")
PY
