#!/usr/bin/env python3
"""TRL's SFTTrainer + PEFT throughput on the same run Imprint's SFTBenchmark times (Benchmarks/sft_vs_trl.sh).

LoRA r=16, alpha=32, dropout 0, all 7 projections (q,k,v,o,gate,up,down); batch 8; rows truncated to 256 tokens
(every row is longer, so every batch is 8 x 256); AdamW; loss on every token ({"text"} rows); fp32 on the CPU,
or with --bf16 TRL's mixed precision (`bf16=True`: autocast to bfloat16) on a base model cast to bfloat16.
Prints one JSON line: {"trainer": "trl", "tokens_per_s": median over the timed steps, ...}.

Pinned stack: torch==2.15.0 (CPU), transformers==5.23.0, peft==0.21.2, trl==1.16.0, gguf.
Usage: python3 trl_sft.py MODEL.gguf|HF_DIR DATA.jsonl [--steps 6] [--threads N] [--bf16]
"""
import argparse
import json
import os
import tempfile
import time


def load(path):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig, LlamaForCausalLM
    if path.endswith(".gguf"):
        directory, name = os.path.split(path)
        loaded = AutoModelForCausalLM.from_pretrained(directory or ".", gguf_file=name, dtype=torch.float32)
        config = loaded.config.to_dict()
        config.pop("quantization_config", None)
        model = LlamaForCausalLM(LlamaConfig(**config))
        model.load_state_dict(loaded.state_dict())
        return model, AutoTokenizer.from_pretrained(directory or ".", gguf_file=name)
    return AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32), AutoTokenizer.from_pretrained(path)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("data")
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--bf16", action="store_true")
    args = parser.parse_args()

    import torch
    from datasets import load_dataset
    from peft import LoraConfig
    from transformers import TrainerCallback
    from trl import SFTConfig, SFTTrainer

    torch.set_num_threads(args.threads)
    model, tokenizer = load(args.model)
    if args.bf16:
        model = model.to(torch.bfloat16)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    dataset = load_dataset("json", data_files=args.data, split="train")

    class StepTimer(TrainerCallback):
        def __init__(self):
            self.times, self.started = [], None

        def on_step_begin(self, *_, **__):
            self.started = time.perf_counter()

        def on_step_end(self, *_, **__):
            self.times.append(time.perf_counter() - self.started)

    timer = StepTimer()
    with tempfile.TemporaryDirectory() as output:
        config = SFTConfig(output_dir=output, per_device_train_batch_size=8, gradient_accumulation_steps=1,
                           max_length=256, packing=False, max_steps=args.steps, learning_rate=2e-4,
                           lr_scheduler_type="linear", warmup_steps=0, logging_steps=1, save_strategy="no",
                           report_to=[], use_cpu=True, dataloader_num_workers=0, seed=0, bf16=args.bf16)
        lora = LoraConfig(r=16, lora_alpha=32, lora_dropout=0.0, task_type="CAUSAL_LM",
                          target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
        trainer = SFTTrainer(model=model, args=config, train_dataset=dataset, processing_class=tokenizer,
                             peft_config=lora, callbacks=[timer])
        trainer.train()
    timed = sorted(timer.times[1:] or timer.times)  # the first step warms up
    median = timed[len(timed) // 2]
    print(json.dumps({"trainer": "trl", "bf16": args.bf16, "batch": 8, "seq": 256, "steps": len(timer.times),
                      "step_seconds": median, "tokens_per_s": 8 * 256 / median}), flush=True)


if __name__ == "__main__":
    main()
