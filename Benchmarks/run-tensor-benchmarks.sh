#!/usr/bin/env bash
# Runs the tensor benchmarks and the PyTorch side in one go and prints them side by side.
# Needs the Python reference stack: python3 -m venv .venv-ref && .venv-ref/bin/pip install -r ../shared/bench/python-reference.txt
# Usage: Benchmarks/run-tensor-benchmarks.sh [gemm|attention|kernels]   (PYTHON=path overrides the interpreter)
# As the brief allows, OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE may be unset for both sides together:
#   env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE Benchmarks/run-tensor-benchmarks.sh
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv-ref/bin/python}
[ -x "$python" ] || python=python3
swift build -c release --product ImprintBenchmarks >/dev/null
out=$(mktemp -d)
.build/release/ImprintBenchmarks "$@" > "$out/swift.jsonl"
"$python" Benchmarks/torch_tensor_ops.py "$@" > "$out/torch.jsonl"
"$python" - "$out/swift.jsonl" "$out/torch.jsonl" <<'PY'
import json, sys
swift = [json.loads(l) for l in open(sys.argv[1])]
torch = {(r["workload"], r.get("shape")): r for r in map(json.loads, open(sys.argv[2]))}
print(f"{'workload':24} {'shape':30} {'Imprint ms':>11} {'PyTorch ms':>11} {'ratio':>7}  notes")
for r in swift:
    t = torch.get((r["workload"], r.get("shape")))
    ms = r["median_s"] * 1e3; tms = t["median_s"] * 1e3 if t else float("nan")
    note = ""
    if r["workload"] == "gemm":
        note = f"API {r['api_gflops']:.0f} GFLOP/s = {100*r['api_over_raw']:.1f}% of raw cblas_sgemm {r['raw_gflops']:.0f}; torch {t['gflops']:.0f}"
    elif "gb_per_s" in r:
        note = f"{r['gb_per_s']:.1f} GB/s vs torch {t['gb_per_s']:.1f} GB/s"
    print(f"{r['workload']:24} {r.get('shape',''):30} {ms:11.2f} {tms:11.2f} {tms/ms:6.2f}x  {note}")
print("ratio = PyTorch time / Imprint time (above 1: Imprint is faster)")
PY
