#!/usr/bin/env python3
"""PyTorch side of the tensor benchmarks (same shapes as ImprintBenchmarks), one JSON object per line.

Pinned stack: ../shared/bench/python-reference.txt (torch==2.15.0). CPU, all cores.
"""
import json, sys, time
import torch
import torch.nn.functional as F

def measure(fn, reps, warmup=2):
    for _ in range(warmup): fn()
    ts = []
    for _ in range(reps):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    ts.sort()
    return {"median_s": ts[len(ts) // 2], "p10_s": ts[len(ts) // 10], "p90_s": ts[(len(ts) * 9) // 10]}

def report(workload, timing, **extra):
    print(json.dumps({"workload": workload, **timing, **extra}), flush=True)

torch.manual_seed(0)
only = sys.argv[1] if len(sys.argv) > 1 else None
if only in (None, "gemm"):
    for m, n, k in [(256, 576, 576), (256, 1536, 576), (512, 49152, 576), (2048, 2048, 2048)]:
        a, b = torch.randn(m, k), torch.randn(k, n)
        flops = 2.0 * m * n * k
        t = measure(lambda: a @ b, 7 if flops > 1e10 else 25)
        report("gemm", t, shape=f"{m}x{n}x{k}", gflops=flops / t["median_s"] / 1e9)
if only in (None, "attention"):
    B, Hq, Hkv, T, D = 8, 9, 3, 256, 64
    q = torch.randn(B, Hq, T, D, requires_grad=True); k = torch.randn(B, Hkv, T, D, requires_grad=True)
    v = torch.randn(B, Hkv, T, D, requires_grad=True); cot = torch.randn(B, Hq, T, D)
    def fwd_bwd():
        out = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
        out.backward(cot); q.grad = k.grad = v.grad = None
    report("attention_fwd_bwd", measure(fwd_bwd, 15), shape="B8 Hq9 Hkv3 T256 D64 causal")
    with torch.no_grad():
        report("attention_fwd", measure(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True), 15),
               shape="B8 Hq9 Hkv3 T256 D64 causal")
if only in (None, "kernels"):
    rows, width, vocab = 8 * 256, 576, 49152
    x = torch.randn(rows, width, requires_grad=True); w = torch.randn(width, requires_grad=True)
    def rms():
        F.rms_norm(x, (width,), w, 1e-5).backward(x.detach()); x.grad = w.grad = None
    t = measure(rms, 25); report("rms_norm_fwd_bwd", t, shape=f"{rows}x{width}", gb_per_s=rows * width * 4 * 5 / t["median_s"] / 1e9)
    logits = torch.randn(rows, vocab, requires_grad=True); targets = torch.tensor([(i * 7919) % vocab for i in range(rows)])
    with torch.no_grad():
        t = measure(lambda: logits.softmax(-1), 5)
    report("softmax_fwd", t, shape=f"{rows}x{vocab}", gb_per_s=rows * vocab * 4 * 2 / t["median_s"] / 1e9)
    def ce():
        F.cross_entropy(logits, targets).backward(); logits.grad = None
    t = measure(ce, 5); report("cross_entropy_fwd_bwd", t, shape=f"{rows}x{vocab}", gb_per_s=rows * vocab * 4 * 3 / t["median_s"] / 1e9)
