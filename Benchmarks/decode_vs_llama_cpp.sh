#!/usr/bin/env bash
# Decoding against llama.cpp on the same GGUF file, alternating round by round (this VM's speed drifts
# 20-40% between minutes, so each round runs every side once): llama.cpp's `llama-bench` (tg64: 64 new
# tokens, one sequence) and `llama-batched-bench` (32-token prompts, 64 new tokens, 16 parallel
# sequences: S_TG, decoding only), then Imprint's ModelBenchmarks `decode` workload (32-token random
# prompts, 64 greedy new tokens without EOS, the time from the first new token to the last) on the
# GGUF's blocks with int8 activations (`--decode int8`, llama.cpp's arithmetic) and with float32
# activations (`--quantized`, exact). Prints each round, the medians and the ratios, and which kernels
# ran. llama.cpp is built once from the llama-cpp-python 0.3.36 sdist (scripts/llama-cpp/build-llama-tools.sh).
#   env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE Benchmarks/decode_vs_llama_cpp.sh [ROUNDS]
# Environment: MODEL (default: the default model), THREADS (default: every core, both sides).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
model=${MODEL:-$(bash scripts/fetch-default-model.sh)}
threads=${THREADS:-$(nproc)}
tools="$(bash scripts/llama-cpp/build-llama-tools.sh llama-bench llama-batched-bench)"
swift build -c release --product ModelBenchmarks >/dev/null
export IMPRINT_THREADS="$threads"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for round in $(seq "$rounds"); do
    "$tools/llama-bench" -m "$model" -t "$threads" -p 0 -n 64 -r 1 -o jsonl 2>/dev/null \
        | sed "s/^{/{\"round\":$round,\"tool\":\"llama-bench\",/" >> "$out/llama.jsonl"
    "$tools/llama-batched-bench" -m "$model" -t "$threads" -c 4096 -npp 32 -ntg 64 -npl 16 --output-format jsonl 2>/dev/null \
        | grep '^{' | sed "s/^{/{\"round\":$round,\"tool\":\"llama-batched-bench\",/" >> "$out/llama.jsonl"
    for configuration in "--decode int8" "--quantized"; do
        # shellcheck disable=SC2086
        .build/release/ModelBenchmarks "$model" --only decode --reps 1 $configuration \
            | sed "s/^{/{\"round\":$round,/" >> "$out/imprint.jsonl"
    done
done
.build/release/ModelBenchmarks "$model" --only kernels
python3 - "$out" <<'PY'
import json, os, statistics, sys
d = sys.argv[1]
rows = lambda name: [json.loads(l) for l in open(os.path.join(d, name)) if l.strip()]
llama = {}
for r in rows("llama.jsonl"):
    if r["tool"] == "llama-bench":
        llama.setdefault((r["round"], 1), r["avg_ts"])
    else:
        llama.setdefault((r["round"], r["pl"]), r["speed_tg"])
ratios = {}
for r in rows("imprint.jsonl"):
    name = "int8" if r["decode"] == "int8" else "float32 on blocks"
    anchor = llama[(r["round"], r["batch"])]
    tool = "llama-bench tg64" if r["batch"] == 1 else "llama-batched-bench S_TG"
    ratios.setdefault((r["batch"], name), []).append((r["tokens_per_s"], anchor))
    print(f"round {r['round']} batch {r['batch']:2} {name:18}: Imprint {r['tokens_per_s']:7.1f} tokens/s  "
          f"{tool} {anchor:7.1f}  {r['tokens_per_s'] / anchor:5.2f}x")
for (batch, name), pairs in sorted(ratios.items()):
    imprint = statistics.median(p[0] for p in pairs)
    anchor = statistics.median(p[1] for p in pairs)
    ratio = statistics.median(p[0] / p[1] for p in pairs)
    print(f"median batch {batch:2} {name:18}: Imprint {imprint:7.1f}  llama.cpp {anchor:7.1f}  ratio {ratio:5.2f}x "
          f"(rounds: {', '.join(f'{p[0] / p[1]:.2f}' for p in pairs)})")
PY
