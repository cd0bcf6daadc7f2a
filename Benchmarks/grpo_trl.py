#!/usr/bin/env python3
"""TRL's GRPOTrainer + PEFT step time on the GRPO run Imprint's `imprint grpo` is compared with (Benchmarks/grpo_vs_trl.sh).

The workload: SmolLM2-135M-Instruct loaded into float32 (a GGUF is dequantized, the tokenizer and its chat template
come from the same GGUF); LoRA r=16, alpha=32, dropout 0 on all 7 projections (q,k,v,o,gate,up,down); per step
2 prompts x 4 completions (per_device_train_batch_size=8, num_generations=4, gradient_accumulation_steps=1), at most
64 completion tokens, temperature 1; reward difflib.SequenceMatcher(None, completion, reference).ratio() against the
full story; loss_type="grpo", beta=0.04 (the KL reference is the base model: TRL disables the adapter for it),
num_iterations=1, learning rate 1e-5, seed 42. Prompts are the conversational [user message] of the first --rows rows
of a {"conversations": [user, assistant]} file (seed 000's masked stories, rl_data.json); TRL renders them with the
tokenizer's chat template. float32 on the CPU, or with --bf16 TRL's mixed precision (bf16=True: autocast to bfloat16
over float32 weights). OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed from the environment before torch loads.

Prints one JSON object per line:
  {"side": "trl", "bf16": false, "step": 1, "step_time": s, "wall_time": s, "completion_tokens": n, "reward": mean,
   "split": {...}}                    one per optimizer step; step_time is TRL's logged step_time (training_step:
                                      generation, scoring and loss forward/backward; no optimizer step), wall_time
                                      the whole step including the optimizer
  {"side": "trl", "bf16": false, "steps": n, "median_step_time": s, "median_wall_time": s, "peak_rss_mib": m,
   "split": {...}}                    medians over the steps after the first (the first warms up); split is the mean
                                      seconds per timed step in generation, log-prob recompute (the no-grad forward
                                      passes of _generate_and_score_completions: reference, and old when TRL needs it),
                                      rewards, loss forward (_compute_loss), backward, their sum "loss_forward_backward",
                                      and "other" (wall time not in any of these: optimizer, advantages, bookkeeping)

Pinned stack: torch==2.15.0 (CPU), transformers==5.23.0, peft==0.21.2, trl==1.16.0, datasets, gguf.
Usage: python3 Benchmarks/grpo_trl.py [--model MODEL.gguf|HF_DIR] [--data rl_data.json] [--steps 4] [--rows 16]
                                      [--threads 2] [--bf16]
"""
import argparse
import collections
import difflib
import json
import os
import resource
import statistics
import sys
import tempfile
import time

DEFAULT_MODEL = os.path.expanduser("~/.cache/imprint/models/SmolLM2-135M-Instruct.Q4_1.gguf")
DEFAULT_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "seed-data", "story_experience", "train_dataset", "rl_data.json")
PROJECTIONS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def difflib_reward(completions, reference, **_):
    """difflib ratio of each completion's text against its row's full story ("abc" vs "abd" is 0.667)."""
    return [difflib.SequenceMatcher(None, completion[0]["content"], story).ratio()
            for completion, story in zip(completions, reference)]


def grpo_rows(path, count):
    """The first `count` rows of a {"conversations": [user, assistant]} file as {"prompt": [user], "reference": story}."""
    with open(path, encoding="utf-8") as file:
        rows = json.load(file)[:count]
    return [{"prompt": [row["conversations"][0]], "reference": row["conversations"][1]["content"]} for row in rows]


class PhaseTimer:
    """Seconds spent per phase of a GRPO step, accumulated by wrapping the trainer's methods."""

    def __init__(self):
        self.seconds = collections.defaultdict(float)
        self.completion_tokens = 0
        self.in_loss = False

    def wrap(self, phase, method):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.seconds[phase] += time.perf_counter() - start
        return timed

    def install(self, trainer):
        generate = self.wrap("generation", trainer._generate)

        def generate_and_count(prompts):
            outputs = generate(prompts)
            self.completion_tokens += sum(len(ids) for ids in outputs[1])  # (prompt_ids, completion_ids, ...)
            return outputs

        compute_loss = self.wrap("loss_forward", trainer._compute_loss)

        def compute_loss_flagged(*args, **kwargs):
            self.in_loss = True
            try:
                return compute_loss(*args, **kwargs)
            finally:
                self.in_loss = False

        logps = trainer._get_per_token_logps_and_entropies
        recompute = self.wrap("logprob_recompute", logps)
        trainer._generate = generate_and_count
        trainer._compute_loss = compute_loss_flagged
        trainer._get_per_token_logps_and_entropies = (
            lambda *args, **kwargs: logps(*args, **kwargs) if self.in_loss else recompute(*args, **kwargs))
        trainer._calculate_rewards = self.wrap("rewards", trainer._calculate_rewards)
        trainer.accelerator.backward = self.wrap("backward", trainer.accelerator.backward)

    def take(self):
        """The seconds and completion tokens since the last take, and a fresh start."""
        seconds, tokens = dict(self.seconds), self.completion_tokens
        self.seconds.clear()
        self.completion_tokens = 0
        return seconds, tokens


def split_of(seconds, wall_time):
    phases = ["generation", "logprob_recompute", "rewards", "loss_forward", "backward"]
    split = {phase: seconds.get(phase, 0.0) for phase in phases}
    split["loss_forward_backward"] = split["loss_forward"] + split["backward"]
    split["other"] = wall_time - sum(split[phase] for phase in phases)
    return split


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--rows", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--bf16", action="store_true")
    args = parser.parse_args()

    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # read when the BLAS library loads, i.e. with torch below
        os.environ.pop(name, None)
    import torch
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import PrinterCallback, ProgressCallback, TrainerCallback, set_seed
    from trl import GRPOConfig, GRPOTrainer
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from trl_sft import load  # GGUF -> float32 LlamaForCausalLM, and the tokenizer from the same file

    torch.set_num_threads(args.threads)
    set_seed(42)  # the LoRA initialization happens in GRPOTrainer.__init__, before Trainer seeds
    model, tokenizer = load(args.model)
    dataset = Dataset.from_list(grpo_rows(args.data, args.rows))
    phases = PhaseTimer()
    steps, side = [], {"side": "trl", "bf16": args.bf16}

    class StepReporter(TrainerCallback):
        """Times each optimizer step and prints it with TRL's logged metrics (logging_steps=1: one log per step)."""

        def on_step_begin(self, *_, **__):
            phases.take()
            self.started = time.perf_counter()

        def on_step_end(self, *_, **__):
            self.wall_time = time.perf_counter() - self.started
            self.seconds, self.tokens = phases.take()

        def on_log(self, _args, state, _control, logs=None, **__):
            if logs is None or "reward" not in logs:
                return  # the end-of-training summary log
            step = {**side, "step": state.global_step, "step_time": logs.get("step_time", self.wall_time),
                    "wall_time": self.wall_time, "completion_tokens": self.tokens, "reward": logs["reward"],
                    "kl": logs.get("kl"), "split": split_of(self.seconds, self.wall_time)}
            steps.append(step)
            print(json.dumps(step), flush=True)

    with tempfile.TemporaryDirectory() as output:
        # activation_checkpointing is transformers 5's name for gradient_checkpointing (TRL's default is True)
        config = GRPOConfig(
            output_dir=output, per_device_train_batch_size=8, num_generations=4, gradient_accumulation_steps=1,
            max_completion_length=64, temperature=1.0, loss_type="grpo", beta=0.04, num_iterations=1,
            learning_rate=1e-5, activation_checkpointing=False, bf16=args.bf16, use_cpu=True, shuffle_dataset=False,
            max_steps=args.steps, logging_steps=1, report_to="none", save_strategy="no", seed=42)
        lora = LoraConfig(r=16, lora_alpha=32, lora_dropout=0.0, target_modules=PROJECTIONS, task_type="CAUSAL_LM")
        trainer = GRPOTrainer(model=model, reward_funcs=difflib_reward, args=config, train_dataset=dataset,
                              processing_class=tokenizer, peft_config=lora, callbacks=[StepReporter()])
        for printer in (ProgressCallback, PrinterCallback):  # they print the logs as Python dicts on stdout
            trainer.remove_callback(printer)
        phases.install(trainer)
        trainer.train()

    timed = steps[1:] or steps  # the first step warms up
    split = {phase: statistics.fmean(step["split"][phase] for step in timed) for phase in timed[0]["split"]}
    print(json.dumps({**side, "steps": len(steps),
                      "median_step_time": statistics.median(step["step_time"] for step in timed),
                      "median_wall_time": statistics.median(step["wall_time"] for step in timed),
                      "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "split": split}), flush=True)


if __name__ == "__main__":
    main()
