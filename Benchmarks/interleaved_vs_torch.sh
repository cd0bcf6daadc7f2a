#!/usr/bin/env bash
# Imprint and PyTorch alternating round by round on the default model, so that this VM's drift
# (20-40% between minutes) hits both alike; prints each round's figures and the median ratios.
#   float32: prefill and full forward+backward, 8 x 256 tokens (torch_model_extra.py prefill /
#            full_forward_backward: PyTorch float32, as torch_anchor.py);
#   lora:    the LoRA train step of torch_anchor.py (r=16, alpha=32, all seven projections, AdamW,
#            8 x 256 tokens) against PEFT in float32;
#   sample:  16 x 64 and 1 x 64 new tokens after 32-token prompts, temperature 1, against
#            transformers `generate` in float32.
# Imprint runs float32 weights (float32 mode), float32 arithmetic on the GGUF's own blocks
# (--quantized: the same values PyTorch dequantizes to float32) and mixed precision (--quantized
# --bf16: frozen weights in bfloat16; lora and sample modes).
#   env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE Benchmarks/interleaved_vs_torch.sh float32|lora|sample [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:?float32, lora or sample}
rounds=${2:-4}
python="${PYTHON:-$( [ -x /work/.venv-ref/bin/python ] && echo /work/.venv-ref/bin/python || echo .venv-ref/bin/python )}"
[ -x "$python" ] || python=python3
model=${MODEL:-$(bash scripts/fetch-default-model.sh)}
swift build -c release --product ModelBenchmarks >/dev/null
# Imprint runs as "configuration|workloads", and the PyTorch workloads of each round.
case "$mode" in
    float32) runs=("|prefill,train" "--quantized|prefill"); workloads=(prefill full_forward_backward) ;;
    lora) runs=("--quantized|lora" "--quantized --bf16|lora"); workloads=(lora_train_step) ;;
    sample) runs=("--quantized|sample" "--quantized --bf16|sample"); workloads=(sample_16 sample_1) ;;
    *) echo "unknown mode $mode (float32, lora or sample)" >&2; exit 2 ;;
esac
out=$(mktemp -d)
for round in $(seq "$rounds"); do
    for run in "${runs[@]}"; do
        configuration=${run%%|*}
        # shellcheck disable=SC2086
        .build/release/ModelBenchmarks "$model" --only "${run##*|}" $configuration \
            | sed "s/^{/{\"round\":$round,\"configuration\":\"${configuration:-float32}\",/" >> "$out/imprint.jsonl"
    done
    for workload in "${workloads[@]}"; do
        "$python" Benchmarks/torch_model_extra.py "$model" --workload "$workload" 2>/dev/null \
            | sed "s/^{/{\"round\": $round, /" >> "$out/torch.jsonl"
    done
done
"$python" - "$out" <<'PY'
import json, os, statistics, sys
d = sys.argv[1]
rows = lambda name: [json.loads(l) for l in open(os.path.join(d, name)) if l.strip()]
torch = {(r["round"], r["workload"], r["batch"]): r["tokens_per_s"] for r in rows("torch.jsonl")}
ratios = {}
for r in rows("imprint.jsonl"):
    if "tokens_per_s" not in r:
        continue  # the load line
    key = (r["workload"], r["configuration"].strip(), r["batch"])
    t = torch[(r["round"], r["workload"], r["batch"])]
    ratios.setdefault(key, []).append(r["tokens_per_s"] / t)
    print(f"round {r['round']} {r['workload']:21} {r['configuration']:18} batch {r['batch']:2}: "
          f"Imprint {r['tokens_per_s']:7.1f}  PyTorch float32 {t:6.1f}  {r['tokens_per_s'] / t:5.2f}x")
for (workload, configuration, batch), values in sorted(ratios.items()):
    print(f"median ratio {workload:21} {configuration:18} batch {batch:2}: {statistics.median(values):5.2f}x  "
          f"(rounds: {', '.join(f'{v:.2f}' for v in values)})")
PY
