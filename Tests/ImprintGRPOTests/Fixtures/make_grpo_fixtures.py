"""Records TRL's GRPOTrainer numbers on the tiny Llama, as golden values for ImprintGRPOTests.

Writes, next to this script:
  adapter/      the starting LoRA adapter (PEFT `save_pretrained`): r=4, lora_alpha=8, lora_dropout=0, all seven
                projections, `init_lora_weights=False` (B is non-zero), drawn under torch.manual_seed(SEED).
  golden.json   prompts, prompt ids, 8 fixed completions and their two rewards, then 50 loss cases and a 5-step
                training trajectory.

Every number comes from TRL's own code, not a re-implementation. For each case a real `GRPOTrainer` is built on the
tiny model (Tests/ImprintSFTTests/Fixtures/tiny, float32) with a `LoraConfig` and the adapter above loaded into it;
the only thing replaced is generation: the instance's `_generate_single_turn` returns the fixed completion ids, so
`_generate_and_score_completions` runs TRL's own prompt tokenization, padding, old/reference log-probabilities,
reward aggregation and advantages. `_compute_loss` then gives the loss and metrics, `loss.backward()` the gradients.
With num_iterations=2 TRL computes `old_per_token_logps` (the policy before the update); we add a fixed perturbation
`PERTURBATION_SCALE * sin(1.7 * row + 0.9 * column)` to it (padding columns included) before `_compute_loss`, so the
token-level ratios differ from 1 and the low clip, the high clip and the `delta` cap all trigger (asserted below; in
the sequence-level case the ratios, exp of a masked mean, trigger neither clip on a non-zero advantage nor delta). The
trajectory is 5 optimizer steps of TRL's real `trainer.train()`.

Cases: loss_type {grpo, bnpo, dr_grpo, dapo} x scale_rewards {group, batch, none} x beta {0, 0.04} x num_iterations
{1, 2}, then importance_sampling_level="sequence" and mask_truncated_completions=True (both dapo, group, beta 0.04,
num_iterations 2). All have epsilon 0.2, epsilon_high 0.28, delta DELTA, one micro-batch of all 8 completions.
To keep golden.json small, each case records the gradients of GRADIENT_KEYS only, plus the L2 norm of all of them.
Besides the loss inputs/outputs, golden.json records TRL's padded batch (padded_prompt_ids, prompt_mask,
padded_completion_ids), each case's num_items_in_batch and per-token entropies, and the trajectory's kl/entropy logs.

TRL quirks handled here:
  - GRPOConfig defaults gradient_checkpointing=True and bf16=True: both set False (float32 throughout, no autocast).
  - disable_dropout=True (the tiny model and the adapter have no dropout anyway).
  - With a `peft_config`, TRL's reference model is the base model (adapter disabled); with an already-wrapped
    PeftModel and beta != 0 it would instead copy the starting adapter as a "ref" adapter. We pass `peft_config`, then
    overwrite the adapter TRL drew with adapter/ (`set_peft_model_state_dict`), so ref = base model.
  - TRL samples with temperature: every log-probability and entropy is of softmax(logits / temperature), also in the
    loss (`add_fused_lm_head(temperature=...)`), and the fused head writes 0 (log-prob and entropy) at masked columns.
  - `_compute_loss` outside `train()` needs `current_gradient_accumulation_steps`, which only `train()`'s loop sets:
    set to gradient_accumulation_steps (1), as that loop would.
  - The loss forward passes only input_ids and attention_mask (left-padded prompt + right-padded completion), so the
    position ids are arange(P + T) on every row, padding included; padded keys are masked out of attention.
  - use_bias_correction_kl defaults True: the per-token KL is multiplied by the (un-capped) ratio.
  - The trajectory's reward has no nulls: `first` with the unscorable row's null replaced by TRAJECTORY_NULL_REWARD.
  - In `trainer.train()`, `_prepare_inputs` shuffles the 8 rows (`shuffle_sequence_dict`, torch.randperm) before the
    loss; the loss is invariant to that up to float summation order.

Pinned reference stack: Python 3.11, trl==1.16.0 torch==2.15.0 transformers==5.23.0 peft==0.21.2 (CPU, 1 thread).

Run from the repository root: /work/.venv-ref/bin/python Tests/ImprintGRPOTests/Fixtures/make_grpo_fixtures.py
"""
import copy
import itertools
import json
import os
import tempfile
import warnings

import torch
from datasets import Dataset
from peft import LoraConfig, get_peft_model, get_peft_model_state_dict, set_peft_model_state_dict
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
from transformers.utils import logging as transformers_logging
from trl import GRPOConfig, GRPOTrainer

HERE = os.path.dirname(os.path.abspath(__file__))
TINY_IN_REPOSITORY = "Tests/ImprintSFTTests/Fixtures/tiny"
TINY = os.path.join(HERE, "..", "..", "ImprintSFTTests", "Fixtures", "tiny")
ADAPTER = os.path.join(HERE, "adapter")
GOLDEN = os.path.join(HERE, "golden.json")

SEED = 0
TEMPERATURE, MAX_COMPLETION_LENGTH, NUM_GENERATIONS = 0.7, 8, 4
EPSILON, EPSILON_HIGH, DELTA = 0.2, 0.28, 1.5
PERTURBATION_SCALE = 0.6
REWARD_NAMES, REWARD_WEIGHTS = ["first", "second"], [1.0, 0.5]
LORA = dict(r=4, lora_alpha=8, lora_dropout=0.0, init_lora_weights=False,
            target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])

PROMPTS = ["Tell me about the owl story.", "What happens in the map story? Once upon a time,"]
# (text to take tokens from, how many of its tokens, whether an EOS follows); row i continues prompt i // 4.
COMPLETIONS = [
    (" An owl taught the village", 4, True),                   # 5 tokens, ends with EOS
    (" Two brothers built a raft and followed the river", 8, False),  # 8 tokens, truncated
    ("", 0, True),                                            # 1 token: EOS alone
    (" A fox and a crow", 2, True),                           # 3 tokens
    (" A red kite pulled a boy over the hill", 8, False),     # 8 tokens, truncated
    (" Snow fell", 1, True),                                  # 2 tokens
    (" The baker hid a silver key inside", 7, True),          # 8 tokens, the last one EOS
    (" Coins dropped in the well came back", 5, True),        # 6 tokens
]
# [first, second] per completion; None is a reward function returning None. Row 5 is unscorable (both None).
REWARDS = [[1.0, 0.2], [0.0, 0.8], [0.5, None], [0.25, -0.4],
           [0.9, 0.1], [None, None], [-0.3, 0.6], [0.4, -0.2]]
TRAJECTORY_NULL_REWARD = 0.0

GRADIENT_KEYS = [
    "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
    "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight",
    "base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight",
    "base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight",
    "base_model.model.model.layers.1.mlp.down_proj.lora_A.weight",
    "base_model.model.model.layers.1.mlp.down_proj.lora_B.weight",
]
METRIC_KEYS = ["kl", "entropy", "clip_ratio/low_mean", "clip_ratio/high_mean", "clip_ratio/region_mean",
               "clip_ratio/low_min", "clip_ratio/high_max", "reward", "reward_std", "rewards/first/mean",
               "rewards/first/std", "rewards/second/mean", "rewards/second/std", "frac_reward_zero_std"]

TRAJECTORY = dict(learning_rate=2e-2, max_steps=5, loss_type="dapo", beta=0.04, num_iterations=1,
                  scale_rewards="group")


def floats(tensor):
    """Nested lists of Python floats: each float32 value exactly (its double repr)."""
    return tensor.detach().to(torch.float64).tolist()


def flat(tensor):
    return {"shape": list(tensor.shape), "values": floats(tensor.reshape(-1))}


def peft_key(parameter_name):
    """`...q_proj.lora_A.default.weight` (named_parameters) -> `...q_proj.lora_A.weight` (adapter_model.safetensors)."""
    return parameter_name.replace(".default.", ".")


def perturbation(shape):
    rows = torch.arange(shape[0], dtype=torch.float32).unsqueeze(1)
    columns = torch.arange(shape[1], dtype=torch.float32).unsqueeze(0)
    return PERTURBATION_SCALE * torch.sin(1.7 * rows + 0.9 * columns)


def make_completion_ids(tokenizer):
    ids = []
    for text, count, ends_with_eos in COMPLETIONS:
        tokens = tokenizer(text, add_special_tokens=False)["input_ids"]
        assert len(tokens) >= count, (text, tokens)
        ids.append(tokens[:count] + ([tokenizer.eos_token_id] if ends_with_eos else []))
    assert len({tuple(row) for row in ids}) == len(ids), "completions must be distinct (rewards are looked up by ids)"
    return ids


def make_adapter():
    """Saves the starting adapter; returns its tensors by PEFT key."""
    torch.manual_seed(SEED)
    model = AutoModelForCausalLM.from_pretrained(TINY, dtype=torch.float32)
    get_peft_model(model, LoraConfig(**LORA)).save_pretrained(ADAPTER)
    # PEFT writes the base model's absolute path and target_modules in set (hash) order: make both the same on every
    # run and checkout. Its README.md is a placeholder model card, not kept.
    config_path = os.path.join(ADAPTER, "adapter_config.json")
    with open(config_path) as f:
        config = json.load(f)
    config["target_modules"] = sorted(config["target_modules"])
    config["base_model_name_or_path"] = TINY_IN_REPOSITORY
    with open(config_path, "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write("\n")
    os.remove(os.path.join(ADAPTER, "README.md"))
    return load_file(os.path.join(ADAPTER, "adapter_model.safetensors"))


def reward_function(name, values_by_ids):
    def reward(completion_ids, **kwargs):
        return [values_by_ids[tuple(ids)] for ids in completion_ids]
    reward.__name__ = name
    return reward


class LearningRateRecorder(TrainerCallback):
    """The learning rate each optimizer step applies, read from the optimizer just before it steps."""

    def __init__(self):
        self.learning_rates = []

    def on_pre_optimizer_step(self, args, state, control, optimizer=None, **kwargs):
        self.learning_rates.append(optimizer.param_groups[0]["lr"])


def make_trainer(output_dir, tokenizer, adapter, completion_ids, prompt_ids, reward_funcs, **overrides):
    """A GRPOTrainer on the tiny model with the starting adapter; generation returns `completion_ids`."""
    settings = dict(output_dir=output_dir, per_device_train_batch_size=8, gradient_accumulation_steps=1,
                    num_generations=NUM_GENERATIONS, max_completion_length=MAX_COMPLETION_LENGTH,
                    temperature=TEMPERATURE, epsilon=EPSILON, epsilon_high=EPSILON_HIGH, delta=DELTA,
                    gradient_checkpointing=False, bf16=False, use_cpu=True, disable_dropout=True,
                    report_to="none", save_strategy="no", logging_steps=1, seed=SEED, shuffle_dataset=False,
                    dataloader_num_workers=0)
    settings.update(overrides)
    model = AutoModelForCausalLM.from_pretrained(TINY, dtype=torch.float32)
    trainer = GRPOTrainer(model=model, reward_funcs=reward_funcs, args=GRPOConfig(**settings),
                          train_dataset=Dataset.from_dict({"prompt": PROMPTS}), processing_class=tokenizer,
                          peft_config=LoraConfig(**LORA))
    result = set_peft_model_state_dict(trainer.model, adapter)
    assert not result.unexpected_keys, result.unexpected_keys
    loaded = get_peft_model_state_dict(trainer.model)
    assert loaded.keys() == adapter.keys() and all(torch.equal(loaded[k], adapter[k]) for k in adapter)

    def generate_single_turn(prompt_ids_batch, images, multimodal_fields, num_generations, has_tool_images=False):
        assert prompt_ids_batch == [prompt_ids[i // NUM_GENERATIONS] for i in range(len(completion_ids))]
        return copy.deepcopy(completion_ids), None

    trainer._generate_single_turn = generate_single_turn
    return trainer


def run_case(trainer, case, prompt_inputs):
    """One micro-batch through TRL's `_generate_and_score_completions` and `_compute_loss`, then backward."""
    trainer.model.train()
    trainer.current_gradient_accumulation_steps = trainer.args.gradient_accumulation_steps  # set by train()'s loop
    trainer.model.zero_grad(set_to_none=True)
    trainer._metrics["train"].clear()

    loss_calls = []
    original = trainer._get_per_token_logps_and_entropies

    def recording(*args, **kwargs):
        result = original(*args, **kwargs)
        if kwargs.get("compute_entropy"):
            loss_calls.append(result)
        return result

    trainer._get_per_token_logps_and_entropies = recording
    inputs = trainer._generate_and_score_completions(copy.deepcopy(prompt_inputs))
    assert ("old_per_token_logps" in inputs) == (case["num_iterations"] == 2)
    old_before = inputs.get("old_per_token_logps")
    if old_before is not None:
        inputs["old_per_token_logps"] = old_before + perturbation(old_before.shape)
    loss = trainer._compute_loss(trainer.model, inputs)
    loss.backward()
    trainer._get_per_token_logps_and_entropies = original
    assert len(loss_calls) == 1
    per_token_logps, entropies, _ = loss_calls[0]

    metrics = {}
    for key in METRIC_KEYS:
        values = trainer._metrics["train"].get(key, [])
        assert len(values) <= 1, (key, values)
        metrics[key] = values[0] if values else None
    assert (metrics["kl"] is None) == (case["beta"] == 0.0)

    gradients = {peft_key(name): p.grad for name, p in trainer.model.named_parameters() if p.requires_grad}
    assert all(g is not None for g in gradients.values())
    gradient_norm = torch.sqrt(sum((g.double() ** 2).sum() for g in gradients.values()))

    mask = inputs["completion_mask"]
    if old_before is not None and case["importance_sampling_level"] == "token":
        ratio = torch.exp(per_token_logps.detach() - inputs["old_per_token_logps"])
        assert ratio[mask.bool()].max().item() > DELTA, case
        for key in ["clip_ratio/low_mean", "clip_ratio/high_mean"]:
            assert metrics[key] > 0, (case, key, metrics[key])

    record = dict(case)
    record.update({
        "advantages": floats(inputs["advantages"]),
        "num_items_in_batch": int(inputs["num_items_in_batch"]),
        "completion_mask": mask.tolist(),
        "per_token_logps": floats(per_token_logps),
        "entropies": floats(entropies),
        "old_per_token_logps": floats(inputs["old_per_token_logps"]) if old_before is not None else None,
        "old_logps_before_perturbation": floats(old_before) if old_before is not None else None,
        "ref_per_token_logps": floats(inputs["ref_per_token_logps"]) if "ref_per_token_logps" in inputs else None,
        "loss": loss.item(),
        "metrics": metrics,
        "gradient_norm": gradient_norm.item(),
        "gradients": {key: flat(gradients[key]) for key in GRADIENT_KEYS},
    })
    assert (record["ref_per_token_logps"] is None) == (case["beta"] == 0.0)
    return record, inputs


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    transformers_logging.set_verbosity_error()
    warnings.filterwarnings("ignore")

    adapter = make_adapter()
    tokenizer = AutoTokenizer.from_pretrained(TINY, padding_side="left", truncation_side="left")
    completion_ids = make_completion_ids(tokenizer)
    prompt_ids = tokenizer(text=PROMPTS)["input_ids"]  # what TRL's `_tokenize_prompts` does for plain text
    assert len(prompt_ids[0]) != len(prompt_ids[1])
    values_by_ids = [{tuple(ids): rewards[i] for ids, rewards in zip(completion_ids, REWARDS)} for i in range(2)]
    reward_funcs = [reward_function(name, values) for name, values in zip(REWARD_NAMES, values_by_ids)]
    prompt_inputs = [{"prompt": PROMPTS[i // NUM_GENERATIONS]} for i in range(len(completion_ids))]

    base_case = dict(epsilon=EPSILON, epsilon_high=EPSILON_HIGH, delta=DELTA, importance_sampling_level="token",
                     mask_truncated_completions=False)
    cases = [dict(loss_type=loss_type, scale_rewards=scale, beta=beta, num_iterations=iterations, **base_case)
             for loss_type, scale, beta, iterations in itertools.product(
                 ["grpo", "bnpo", "dr_grpo", "dapo"], ["group", "batch", "none"], [0.0, 0.04], [1, 2])]
    extra = dict(loss_type="dapo", scale_rewards="group", beta=0.04, num_iterations=2)
    cases.append({**base_case, **extra, "importance_sampling_level": "sequence"})
    cases.append({**base_case, **extra, "mask_truncated_completions": True})

    records = []
    shared = None
    with tempfile.TemporaryDirectory() as output_dir:
        for case in cases:
            overrides = {k: case[k] for k in ["loss_type", "scale_rewards", "beta", "num_iterations",
                                              "importance_sampling_level", "mask_truncated_completions"]}
            trainer = make_trainer(output_dir, tokenizer, adapter, completion_ids, prompt_ids, reward_funcs,
                                   reward_weights=REWARD_WEIGHTS, **overrides)
            record, inputs = run_case(trainer, case, prompt_inputs)
            records.append(record)
            if shared is None:
                shared = {"eos_token_ids": list(trainer.eos_token_ids),
                          "pad_token_id": trainer._tokenizer.pad_token_id,
                          "attn_implementation": trainer.model.config._attn_implementation,
                          "padded_prompt_ids": inputs["prompt_ids"].tolist(),
                          "prompt_mask": inputs["prompt_mask"].tolist(),
                          "padded_completion_ids": inputs["completion_ids"].tolist()}
            print(f"{case['loss_type']:8s} {case['scale_rewards']:6s} beta={case['beta']} mu={case['num_iterations']}"
                  f" {case['importance_sampling_level']} mask_truncated={case['mask_truncated_completions']}:"
                  f" loss {record['loss']:.6f}")

        trajectory_rewards = [first if first is not None else TRAJECTORY_NULL_REWARD for first, _ in REWARDS]
        trajectory_reward = reward_function("first", {tuple(ids): r for ids, r in zip(completion_ids,
                                                                                       trajectory_rewards)})
        recorder = LearningRateRecorder()
        trainer = make_trainer(output_dir, tokenizer, adapter, completion_ids, prompt_ids, [trajectory_reward],
                               **TRAJECTORY)
        trainer.add_callback(recorder)
        trainer.train()
        final = get_peft_model_state_dict(trainer.model)
        logs = [entry for entry in trainer.state.log_history if "loss" in entry]
        assert len(logs) == TRAJECTORY["max_steps"]
        assert [entry["learning_rate"] for entry in logs] == recorder.learning_rates
        args = trainer.args
        config = {key: getattr(args, key) for key in [
            "learning_rate", "loss_type", "beta", "num_iterations", "scale_rewards", "epsilon", "epsilon_high",
            "delta", "importance_sampling_level", "mask_truncated_completions", "max_grad_norm", "weight_decay",
            "adam_beta1", "adam_beta2", "adam_epsilon", "optim", "lr_scheduler_type", "warmup_steps",
            "per_device_train_batch_size", "gradient_accumulation_steps", "steps_per_generation", "max_steps",
            "num_generations", "temperature", "max_completion_length", "seed", "use_bias_correction_kl",
            "multi_objective_aggregation"]}
        config = {k: (v.value if hasattr(v, "value") else v) for k, v in config.items()}
        delta_weights = {key: final[key] - adapter[key] for key in adapter}
        for key, change in delta_weights.items():
            assert torch.isfinite(change).all(), key
        relative = {key: (change.norm() / adapter[key].norm()).item() for key, change in delta_weights.items()}
        print("trajectory losses", [entry["loss"] for entry in logs])
        print("relative weight change: min %.3f max %.3f" % (min(relative.values()), max(relative.values())))
        trajectory = {
            "config": config,
            "rewards": trajectory_rewards,
            "losses": [entry["loss"] for entry in logs],
            "grad_norms": [entry["grad_norm"] for entry in logs],
            "learning_rates": [entry["learning_rate"] for entry in logs],
            "kl": [entry["kl"] for entry in logs],
            "entropy": [entry["entropy"] for entry in logs],
            "delta_weights": {key: flat(change) for key, change in delta_weights.items()},
        }

    golden = {
        "temperature": TEMPERATURE, "max_completion_length": MAX_COMPLETION_LENGTH,
        "num_generations": NUM_GENERATIONS,
        "eos_token_ids": shared["eos_token_ids"], "pad_token_id": shared["pad_token_id"],
        "attn_implementation": shared["attn_implementation"],
        "reward_names": REWARD_NAMES, "reward_weights": REWARD_WEIGHTS,
        "prompts": PROMPTS, "prompt_ids": prompt_ids,
        "padded_prompt_ids": shared["padded_prompt_ids"], "prompt_mask": shared["prompt_mask"],
        "completion_ids": completion_ids, "padded_completion_ids": shared["padded_completion_ids"],
        "rewards": REWARDS,
        "perturbation": {"scale": PERTURBATION_SCALE, "row_frequency": 1.7, "column_frequency": 0.9},
        "cases": records,
        "trajectory": trajectory,
    }
    with open(GOLDEN, "w") as f:
        json.dump(golden, f, allow_nan=False)
        f.write("\n")
    print(f"wrote {GOLDEN} ({os.path.getsize(GOLDEN)} bytes) and {ADAPTER}/")


if __name__ == "__main__":
    main()
