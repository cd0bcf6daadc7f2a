#!/usr/bin/env bash
# Decoding a real Q4_K_M file next to the same model in Q8_0 and in float32: load time, peak memory
# and sampling tokens/s (ModelBenchmarks' `sample` workload: 32-token random prompts, 64 new tokens,
# batches of 16 and 1). The model is Gemma 3 270M as llama.cpp's Q4_K_M (scripts/fetch-q4_k_m-model.sh);
# the Q8_0 file is that file re-quantized by gguf-py (Benchmarks/requantize_gguf.py); float32 is the
# Q4_K_M file dequantized at load (no --quantized). Needs the Python reference stack for the Q8_0 copy.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv-ref/bin/python}
[ -x "$python" ] || python=python3
scratch=${SCRATCH:-.build}
q4km=$(PYTHON="$python" bash scripts/fetch-q4_k_m-model.sh)
q8=${q4km%.gguf}-Q8_0-requantized.gguf
[ -s "$q8" ] || "$python" Benchmarks/requantize_gguf.py "$q4km" "$q8"
swift build -c release --scratch-path "$scratch" --product ModelBenchmarks >/dev/null
out=$(mktemp -d)
"$scratch"/release/ModelBenchmarks "$q4km" --quantized --only load,sample > "$out/q4_k_m.jsonl"
"$scratch"/release/ModelBenchmarks "$q8" --quantized --only load,sample > "$out/q8_0.jsonl"
"$scratch"/release/ModelBenchmarks "$q4km" --only load,sample > "$out/float32.jsonl"
"$python" - "$out" <<'PY'
import json, os, sys
print(f"{'weights':10} {'file MB':>8} {'load s':>7} {'peak RSS MB':>12} {'tok/s batch 16':>15} {'tok/s batch 1':>14}")
for name in ("q4_k_m", "q8_0", "float32"):
    rows = [json.loads(line) for line in open(os.path.join(sys.argv[1], name + ".jsonl")) if line.strip()]
    load = next(r for r in rows if r["workload"] == "load")
    sample = {r["batch"]: r for r in rows if r["workload"] == "sample"}
    size = os.path.getsize(load["model"]) / 1e6
    print(f"{name:10} {size:8.0f} {load['seconds']:7.2f} {max(r['peak_rss_mb'] for r in rows):12.0f} "
          f"{sample[16]['tokens_per_s']:15.1f} {sample[1]['tokens_per_s']:14.1f}")
PY
