#!/usr/bin/env bash
# Model benchmarks on the default model (or MODEL), Imprint next to PyTorch in the same run:
# prefill, full forward+backward, LoRA train step, batched and single sampling, load time, memory.
# Three Imprint runs: float32, quantized weights (GGUF blocks kept), and mixed precision (--bf16: frozen weights
# in bfloat16, float32 sums); PyTorch in float32 (torch_anchor.py, torch_model_extra.py) and in its mixed
# precision (torch_model_extra.py --bf16: bfloat16 base, autocast), each ratio against both.
# Needs the Python reference stack (.venv-ref, see ../shared/bench/python-reference.txt).
# As the brief allows, OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE may be unset for both sides together:
#   env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE Benchmarks/run-model-benchmarks.sh
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv-ref/bin/python}
[ -x "$python" ] || python=python3
model=${MODEL:-$(bash scripts/fetch-default-model.sh)}
swift build -c release --product ModelBenchmarks >/dev/null
out=$(mktemp -d)
.build/release/ModelBenchmarks "$model" > "$out/swift.jsonl"
.build/release/ModelBenchmarks "$model" --quantized --only load,prefill,lora,sample > "$out/swift-quantized.jsonl"
.build/release/ModelBenchmarks "$model" --quantized --bf16 --only load,prefill,lora,sample > "$out/swift-bf16.jsonl"
"$python" ../shared/bench/torch_anchor.py "$model" > "$out/torch.jsonl" 2>/dev/null
"$python" Benchmarks/torch_model_extra.py "$model" > "$out/torch-extra.jsonl"
"$python" Benchmarks/torch_model_extra.py "$model" --bf16 > "$out/torch-bf16.jsonl"
"$python" - "$out" <<'PY'
import json, os, sys
d = sys.argv[1]
def rows(name): return [json.loads(l) for l in open(os.path.join(d, name)) if l.strip()]
def key(r): return (r["workload"], r.get("batch"))
torch = {key(r): r for r in rows("torch.jsonl")}
extra = {key(r): r for r in rows("torch-extra.jsonl")}
mixed = {key(r): r for r in rows("torch-bf16.jsonl")}
print(f"{'workload':22} {'batch':>5} {'weights':>9} {'Imprint tok/s':>14} {'PyTorch f32':>12} {'ratio':>7} {'PyTorch bf16':>13} {'ratio':>7} {'Imprint MB':>11} {'PyTorch MB':>11}")
for name, weights in (("swift.jsonl", "float32"), ("swift-quantized.jsonl", "quantized"), ("swift-bf16.jsonl", "bf16")):
    for r in rows(name):
        if r["workload"] == "load":
            print(f"{'load (seconds)':22} {'':>5} {weights:>9} {r['seconds']:14.3f} {'':>12} {'':>7} {'':>13} {'':>7} {r.get('peak_rss_mb', 0):11.0f}")
            continue
        t = torch.get(key(r)) or extra.get(key(r)); m = mixed.get(key(r))
        tt = t["tokens_per_s"] if t else float("nan"); mt = m["tokens_per_s"] if m else float("nan")
        memory = (m if weights == "bf16" else extra.get(key(r))) or {}
        print(f"{r['workload']:22} {r.get('batch', ''):>5} {weights:>9} {r['tokens_per_s']:14.1f} {tt:12.1f} {r['tokens_per_s']/tt:6.2f}x "
              f"{mt:13.1f} {r['tokens_per_s']/mt:6.2f}x {r.get('peak_rss_mb', 0):11.0f} {memory.get('peak_rss_mb', float('nan')):11.0f}")
print("ratio = Imprint tokens/s / PyTorch tokens/s (float32 anchor, then PyTorch's bfloat16 autocast on a bfloat16 base).")
print("Imprint's peak memory is cumulative within one process (workloads run in order); PyTorch MB is the float32")
print("workload's own process, or the bf16 one on bf16 rows.")
PY
