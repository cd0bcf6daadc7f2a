#!/usr/bin/env python3
"""PyTorch figures that ../shared/bench/torch_anchor.py does not print, for the same model and shapes:
full forward+backward (all parameters trainable), and the peak resident memory of each workload
(each runs in a fresh process so ru_maxrss is its own).

With --bf16: the mixed-precision counterparts of Imprint's --bf16 runs instead: the base model cast
to bfloat16 (`model.to(torch.bfloat16)`), LoRA adapters in float32 (PEFT's default
autocast_adapter_dtype), forward passes under `torch.autocast("cpu", dtype=torch.bfloat16)`, as
TRL's `bf16=True` runs them; workloads prefill, lora_train_step, sample_16, sample_1.

Pinned stack: ../shared/bench/python-reference.txt. Usage: torch_model_extra.py MODEL [--batch 8 --seq 256]
Prints one JSON object per line, like torch_anchor.py.
"""
import argparse, json, os, resource, subprocess, sys, time

def run(args):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "bench"))
    import torch
    from torch_anchor import load, median_time
    torch.set_num_threads(args.threads); torch.manual_seed(0)
    import contextlib
    model = load(args.model)
    bf16 = args.workload.endswith("_bf16")
    workload = args.workload.removesuffix("_bf16")
    if bf16:
        model = model.to(torch.bfloat16)
    autocast = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if bf16 else contextlib.nullcontext
    V = model.config.vocab_size
    x = torch.randint(0, V, (args.batch, args.seq))
    result = {"workload": workload, "batch": args.batch, "seq": args.seq, "bf16": bf16}
    if workload == "prefill":
        model.eval()
        def forward():
            with torch.no_grad(), autocast():
                model(x).logits
        t = median_time(forward, args.reps)
        result.update(seconds=t, tokens_per_s=args.batch * args.seq / t)
    elif workload == "full_forward_backward":
        model.train()
        def step():
            out = model(input_ids=x, labels=x); out.loss.backward(); model.zero_grad(set_to_none=True)
        t = median_time(step, args.reps)
        result.update(seconds=t, tokens_per_s=args.batch * args.seq / t)
    elif workload == "lora_train_step":
        from peft import LoraConfig, get_peft_model
        pm = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, lora_dropout=0.0, target_modules=[
            "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]))
        pm.train(); opt = torch.optim.AdamW([p for p in pm.parameters() if p.requires_grad], lr=1e-4)
        def step():
            with autocast():
                out = pm(input_ids=x, labels=x)
            out.loss.backward(); opt.step(); opt.zero_grad()
        t = median_time(step, args.reps)
        result.update(seconds=t, tokens_per_s=args.batch * args.seq / t)
    elif workload.startswith("sample"):
        b = int(workload.split("_")[1])
        p = torch.randint(0, V, (b, 32))
        def gen():
            with torch.no_grad(), autocast():
                model.generate(p, attention_mask=torch.ones_like(p), max_new_tokens=64, min_new_tokens=64,
                               do_sample=True, temperature=1.0, top_k=0, top_p=1.0, pad_token_id=0)
        t = median_time(gen, 1)
        result.update(workload="sample", batch=b, seconds=t, tokens_per_s=b * 64 / t)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result), flush=True)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model"); ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--batch", type=int, default=8); ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--reps", type=int, default=3); ap.add_argument("--workload")
    ap.add_argument("--bf16", action="store_true", help="the mixed-precision workloads (see above)")
    args = ap.parse_args()
    if args.workload:
        return run(args)
    workloads = ("full_forward_backward", "lora_train_step", "sample_16", "sample_1")
    if args.bf16:
        workloads = ("prefill_bf16", "lora_train_step_bf16", "sample_16_bf16", "sample_1_bf16")
    for workload in workloads:
        subprocess.run([sys.executable, __file__, args.model, "--threads", str(args.threads), "--batch", str(args.batch),
                        "--seq", str(args.seq), "--reps", str(args.reps), "--workload", workload], check=True,
                       stderr=subprocess.DEVNULL)

if __name__ == "__main__":
    main()
