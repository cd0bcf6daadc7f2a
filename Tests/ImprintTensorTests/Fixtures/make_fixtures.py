#!/usr/bin/env python3
"""Records PyTorch reference values for ImprintTensor's tests (forward values and gradients).

Pinned stack (../shared/bench/python-reference.txt): torch==2.15.0, transformers==5.23.0, numpy.
Run from the repository root:  python3 Tests/ImprintTensorTests/Fixtures/make_fixtures.py
Writes Tests/ImprintTensorTests/Fixtures/{ops,optimizers,schedules}.json. Inputs are drawn from a
seeded numpy generator and stored in the files, so the Swift tests need no Python.

Each op case stores its inputs, its output, and the gradients of sum(output * cotangent) with respect
to every floating input, where the cotangent is also stored.
"""
import json, math, os
import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float32)
rng = np.random.default_rng(1234)
HERE = os.path.dirname(os.path.abspath(__file__))

def arr(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [float(x) for x in t.reshape(-1).tolist()]}

def rand(*shape, low=-2.0, high=2.0):
    return torch.tensor(rng.uniform(low, high, size=shape).astype(np.float32))

cases = []

def case(name, fn, inputs, params=None):
    """inputs: dict name -> tensor (float tensors get gradients)."""
    leaves = {k: v.clone().requires_grad_(True) for k, v in inputs.items()}
    out = fn(**leaves)
    cot = torch.tensor(rng.uniform(-1, 1, size=tuple(out.shape)).astype(np.float32))
    (out * cot).sum().backward()
    cases.append({
        "name": name, "params": params or {},
        "inputs": {k: arr(v) for k, v in inputs.items()},
        "output": arr(out), "cotangent": arr(cot),
        "gradients": {k: arr(v.grad if v.grad is not None else torch.zeros_like(v)) for k, v in leaves.items()},
    })

# Element-wise with broadcasting.
case("add", lambda a, b: a + b, {"a": rand(3, 1, 5), "b": rand(4, 5)})
case("sub", lambda a, b: a - b, {"a": rand(2, 3), "b": rand(3)})
case("mul", lambda a, b: a * b, {"a": rand(3, 1, 5), "b": rand(1, 4, 1)})
case("div", lambda a, b: a / b, {"a": rand(3, 7), "b": rand(7, low=0.5, high=2.0)})
case("neg", lambda a: -a, {"a": rand(7)})
case("pow", lambda a: a ** 2.5, {"a": rand(3, 5, low=0.2, high=2.0)}, {"exponent": 2.5})
case("exp", lambda a: a.exp(), {"a": rand(3, 5)})
case("log", lambda a: a.log(), {"a": rand(3, 5, low=0.1, high=3.0)})
case("sqrt", lambda a: a.sqrt(), {"a": rand(3, 5, low=0.1, high=3.0)})
case("rsqrt", lambda a: a.rsqrt(), {"a": rand(3, 5, low=0.1, high=3.0)})
case("tanh", lambda a: a.tanh(), {"a": rand(11)})
case("sigmoid", lambda a: a.sigmoid(), {"a": rand(11, low=-6, high=6)})
case("relu", lambda a: a.relu(), {"a": rand(13)})
case("abs", lambda a: a.abs(), {"a": rand(13)})
case("silu", lambda a: F.silu(a), {"a": rand(13, low=-6, high=6)})
case("gelu", lambda a: F.gelu(a), {"a": rand(13, low=-4, high=4)})
case("gelu_tanh", lambda a: F.gelu(a, approximate="tanh"), {"a": rand(13, low=-4, high=4)})
case("clamp", lambda a: a.clamp(-0.5, 0.7), {"a": rand(17)}, {"min": -0.5, "max": 0.7})
cond = torch.tensor(rng.integers(0, 2, size=(3, 5)).astype(np.float32))
case("where", lambda a, b: torch.where(cond != 0, a, b), {"a": rand(3, 5), "b": rand(5)}, {"condition": arr(cond)})

# Reductions.
for axis in (0, 1, -1):
    for keep in (False, True):
        case(f"sum_{axis}_{int(keep)}", lambda a, axis=axis, keep=keep: a.sum(axis, keepdim=keep), {"a": rand(3, 4, 5)}, {"axis": axis, "keep": keep})
        case(f"mean_{axis}_{int(keep)}", lambda a, axis=axis, keep=keep: a.mean(axis, keepdim=keep), {"a": rand(3, 4, 5)}, {"axis": axis, "keep": keep})
        case(f"max_{axis}_{int(keep)}", lambda a, axis=axis, keep=keep: a.amax(axis, keepdim=keep), {"a": rand(3, 4, 5)}, {"axis": axis, "keep": keep})
        case(f"logsumexp_{axis}_{int(keep)}", lambda a, axis=axis, keep=keep: a.logsumexp(axis, keepdim=keep), {"a": rand(3, 4, 5)}, {"axis": axis, "keep": keep})
case("sum_all", lambda a: a.sum(), {"a": rand(3, 4, 5)})
case("mean_all", lambda a: a.mean(), {"a": rand(3, 4, 5)})

# Shape operations.
case("reshape", lambda a: a.reshape(6, 10), {"a": rand(3, 4, 5)})
case("permute", lambda a: a.permute(2, 0, 1), {"a": rand(3, 4, 5)}, {"axes": [2, 0, 1]})
case("transpose", lambda a: a.transpose(0, 2), {"a": rand(2, 3, 5)})
case("concatenate", lambda a, b: torch.cat([a, b], 1), {"a": rand(2, 3, 4), "b": rand(2, 5, 4)}, {"axis": 1})
case("split", lambda a: torch.split(a, [2, 1, 4], 1)[2] * 2 + torch.split(a, [2, 1, 4], 1)[0].sum(), {"a": rand(3, 7)})
case("slice", lambda a: a[:, 2:5, :], {"a": rand(2, 7, 3)}, {"axis": 1, "start": 2, "end": 5})
idx = [4, 0, 4, 2, 1]
case("index_select", lambda a: a.index_select(0, torch.tensor(idx)), {"a": rand(5, 3)}, {"indices": idx})
gidx = [[1, 0, 4], [3, 3, 2]]
case("gather", lambda a: a.gather(-1, torch.tensor(gidx).unsqueeze(-1)), {"a": rand(2, 3, 5)}, {"indices": sum(gidx, [])})
case("embedding", lambda w: F.embedding(torch.tensor([[1, 6], [6, 3], [0, 2]]), w), {"w": rand(7, 4)}, {"ids": [1, 6, 6, 3, 0, 2], "shape": [3, 2]})

# Matrix products.
case("matmul_nn", lambda a, b: a @ b, {"a": rand(3, 5), "b": rand(5, 7)})
case("matmul_nt", lambda a, b: a @ b.mT, {"a": rand(3, 5), "b": rand(7, 5)})
case("matmul_tn", lambda a, b: a.mT @ b, {"a": rand(5, 3), "b": rand(5, 7)})
case("matmul_tt", lambda a, b: a.mT @ b.mT, {"a": rand(5, 3), "b": rand(7, 5)})
case("matmul_batched", lambda a, b: a @ b, {"a": rand(2, 3, 4, 5), "b": rand(2, 3, 5, 6)})
case("matmul_shared", lambda a, b: a @ b.mT, {"a": rand(2, 3, 5), "b": rand(7, 5)})
case("linear", lambda x, w, b: F.linear(x, w, b), {"x": rand(2, 3, 5), "w": rand(4, 5), "b": rand(4)})

# Softmax family and normalization.
case("softmax", lambda a: a.softmax(-1), {"a": rand(3, 4, 7, low=-5, high=5)})
case("log_softmax", lambda a: a.log_softmax(-1), {"a": rand(3, 4, 7, low=-5, high=5)})
def rms(x, w, eps, one):
    y = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)
    return y * ((1.0 + w) if one else w)
case("rms_norm", lambda x, w: rms(x, w, 1e-5, False), {"x": rand(3, 4, 9), "w": rand(9)}, {"eps": 1e-5, "one": False})
case("rms_norm_one", lambda x, w: rms(x, w, 1e-6, True), {"x": rand(3, 9), "w": rand(9, low=-0.5, high=0.5)}, {"eps": 1e-6, "one": True})

# RoPE (transformers' apply_rotary_pos_emb, half-split; interleaved as GPT-J).
def rope(x, positions, base, layout):
    D = x.shape[-1]
    inv = 1.0 / (base ** (torch.arange(0, D, 2, dtype=torch.int64).float() / D))
    pos = torch.tensor(positions, dtype=torch.float32)
    freqs = (inv[None, :, None] @ pos.reshape(1, 1, -1)).transpose(1, 2)[0]  # [T, D/2]
    cos, sin = freqs.cos(), freqs.sin()
    if layout == "halfSplit":
        cos2, sin2 = torch.cat([cos, cos], -1), torch.cat([sin, sin], -1)
        x1, x2 = x[..., : D // 2], x[..., D // 2:]
        return x * cos2 + torch.cat([-x2, x1], -1) * sin2
    xe, xo = x[..., 0::2], x[..., 1::2]
    out = torch.empty_like(x)
    out = torch.stack([xe * cos - xo * sin, xo * cos + xe * sin], -1).reshape(x.shape)
    return out
positions = [0, 1, 2, 7, 100]
for layout in ("halfSplit", "interleaved"):
    case(f"rope_{layout}", lambda x, layout=layout: rope(x, positions, 10000.0, layout), {"x": rand(2, 3, 5, 8)},
         {"positions": positions, "base": 10000.0, "layout": layout})

# Scaled dot-product attention with grouped-query heads and masks.
def attention(q, k, v, causal, window, padding, scale, offset=None):
    B, Hq, T, D = q.shape; Hkv, S = k.shape[1], k.shape[2]
    off = S - T if offset is None else offset
    allowed = torch.ones(B, 1, T, S, dtype=torch.bool)
    for b in range(B):
        for i in range(T):
            for j in range(S):
                p = off + i
                ok = (not causal or j <= p) and (window is None or p - j < window) and (padding is None or padding[b][j])
                allowed[b, 0, i, j] = ok
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed, scale=scale, enable_gqa=True)
    visible = allowed.any(-1, keepdim=True)
    return torch.where(visible, out, torch.zeros_like(out))
pad = [[True] * 5, [False, True, True, True, True]]
for name, kw in [("causal", dict(causal=True, window=None, padding=None, scale=None)),
                 ("full", dict(causal=False, window=None, padding=None, scale=0.3)),
                 ("window", dict(causal=True, window=2, padding=None, scale=None)),
                 ("padding", dict(causal=True, window=None, padding=pad, scale=None))]:
    case(f"attention_{name}", lambda q, k, v, kw=kw: attention(q, k, v, **kw),
         {"q": rand(2, 4, 5, 8), "k": rand(2, 2, 5, 8), "v": rand(2, 2, 5, 6)},
         {"causal": kw["causal"], "window": kw["window"], "padding": sum(pad, []) if kw["padding"] else None, "scale": kw["scale"]})
case("attention_offset", lambda q, k, v: attention(q, k, v, True, None, None, None),
     {"q": rand(1, 3, 3, 4), "k": rand(1, 1, 7, 4), "v": rand(1, 1, 7, 4)}, {"causal": True, "window": None, "padding": None, "scale": None})

# Cross-entropy.
targets = [3, -100, 0, 6, 6, 1]
for reduction in ("mean", "sum", "none"):
    case(f"cross_entropy_{reduction}", lambda logits, reduction=reduction: F.cross_entropy(logits, torch.tensor(targets), ignore_index=-100, reduction=reduction),
         {"logits": rand(6, 7, low=-4, high=4)}, {"targets": targets, "reduction": reduction})

with open(os.path.join(HERE, "ops.json"), "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))

# Optimizers: 20 steps on a least-squares problem, parameters after every step.
def trajectory(make_optimizer, steps=20, clip=None):
    g = np.random.default_rng(7)
    x = torch.tensor(g.normal(size=(8, 5)).astype(np.float32))
    y = torch.tensor(g.normal(size=(8, 3)).astype(np.float32))
    w = torch.tensor(g.normal(size=(3, 5)).astype(np.float32) * 0.5).requires_grad_(True)
    b = torch.tensor(g.normal(size=(3,)).astype(np.float32) * 0.5).requires_grad_(True)
    opt = make_optimizer([w, b])
    record = {"x": arr(x), "y": arr(y), "w0": arr(w), "b0": arr(b), "steps": [], "norms": []}
    for _ in range(steps):
        opt.zero_grad()
        loss = ((x @ w.T + b - y) ** 2).mean()
        loss.backward()
        if clip is not None:
            record["norms"].append(float(torch.nn.utils.clip_grad_norm_([w, b], clip)))
        opt.step()
        record["steps"].append({"loss": float(loss), "w": arr(w), "b": arr(b)})
    return record

optim = {
    "adamw": trajectory(lambda p: torch.optim.AdamW(p, lr=0.05, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.1)),
    "adamw_default": trajectory(lambda p: torch.optim.AdamW(p)),
    "adamw_clipped": trajectory(lambda p: torch.optim.AdamW(p, lr=0.05), clip=0.5),
    "sgd_momentum": trajectory(lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    "sgd_nesterov": trajectory(lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True)),
}
with open(os.path.join(HERE, "optimizers.json"), "w") as f:
    json.dump(optim, f, separators=(",", ":"))

# Schedules from transformers.
from transformers import (get_constant_schedule, get_constant_schedule_with_warmup,
                          get_linear_schedule_with_warmup, get_cosine_schedule_with_warmup)
def lrs(make, steps=30):
    p = torch.nn.Parameter(torch.zeros(1)); opt = torch.optim.SGD([p], lr=1.0); s = make(opt); out = []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"]); opt.step(); s.step()
    return out
schedules = {
    "constant": lrs(lambda o: get_constant_schedule(o)),
    "constant_warmup_5": lrs(lambda o: get_constant_schedule_with_warmup(o, 5)),
    "linear_5_25": lrs(lambda o: get_linear_schedule_with_warmup(o, 5, 25)),
    "cosine_5_25": lrs(lambda o: get_cosine_schedule_with_warmup(o, 5, 25)),
    "cosine_0_20": lrs(lambda o: get_cosine_schedule_with_warmup(o, 0, 20)),
}
with open(os.path.join(HERE, "schedules.json"), "w") as f:
    json.dump(schedules, f)
print(len(cases), "op cases")
