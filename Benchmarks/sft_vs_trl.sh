#!/usr/bin/env bash
# SFT throughput, Imprint vs TRL's SFTTrainer + PEFT, in the same run: SmolLM2-135M (float32), LoRA r=16 alpha=32 on
# all 7 projections, batch 8 x 256 tokens, AdamW, loss on every token. Prints tokens/s side by side.
#
# Usage: Benchmarks/sft_vs_trl.sh [MODEL] [STEPS] [--bf16]  (MODEL default: the default model; STEPS default 6)
# --bf16: both sides in mixed precision (Imprint's bfloat16FrozenWeights, TRL's bf16=True on a bfloat16 base).
# Environment: PYTHON (default /work/.venv-ref/bin/python, else python3) with torch, transformers, peft, trl, gguf,
# datasets. Opt-in; never part of the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
precision=()
if [ "${@: -1}" = "--bf16" ] 2>/dev/null; then precision=(--bf16); set -- "${@:1:$(($# - 1))}"; fi
model="${1:-$(bash scripts/fetch-default-model.sh)}"
steps="${2:-6}"
python="${PYTHON:-$( [ -x /work/.venv-ref/bin/python ] && echo /work/.venv-ref/bin/python || echo python3 )}"
data="$(mktemp -d)/rows.jsonl"

# 64 text rows, each every bundled story in a rotated order (~500 words, > 256 tokens), so each batch is 8 x 256.
"$python" - "$data" <<'PY'
import json, sys
stories = [s["story"] for s in json.load(open("Examples/StoryExperiment/stories.json"))]
with open(sys.argv[1], "w") as f:
    for i in range(64):
        f.write(json.dumps({"text": " ".join(stories[i % len(stories):] + stories[:i % len(stories)])}) + "\n")
PY

swift build -c release --product SFTBenchmark >/dev/null
imprint=$(.build/release/SFTBenchmark "$model" "$data" --steps "$steps" "${precision[@]}")
trl=$("$python" Benchmarks/trl_sft.py "$model" "$data" --steps "$steps" "${precision[@]}" 2>/dev/null | tail -1)
"$python" - "$imprint" "$trl" <<'PY'
import json, sys
imprint, trl = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"SFT LoRA r=16 all projections, 8 x 256 tokens, median step, {'bf16 mixed precision' if trl.get('bf16') else 'float32'}")
print(f"  imprint  {imprint['tokens_per_s']:8.1f} tokens/s  ({imprint['step_seconds']:.2f} s/step)")
print(f"  trl      {trl['tokens_per_s']:8.1f} tokens/s  ({trl['step_seconds']:.2f} s/step)")
print(f"  ratio    {imprint['tokens_per_s'] / trl['tokens_per_s']:8.2f}x")
PY
