"""Tiny random checkpoints with transformers reference outputs, for ImprintModelTests.

Run once from this folder; outputs are committed and the Swift tests never need Python.
    /work/.venv-ref/bin/python make_model_fixtures.py
Pinned stack (shared/bench/python-reference.txt): torch 2.15.0 (CPU), transformers 5.23.0,
peft 0.21.2, gguf 0.19.0, safetensors 0.8.0, numpy 2.4.

For each of llama, qwen2, gemma3 (folder <name>/):
  Weights: see `randomize` (std 0.5 linear, 0.3 / 0.1 embeddings, norms around 1 / Gemma 2 + noise);
  fixed seed. Attention: eager.
  config.json, model.safetensors        HF directory (float32; tied embeddings, so no lm_head.weight).
                                         config.json also carries the legacy rope keys (`rope_theta`,
                                         Gemma's `rope_local_base_freq`) beside `rope_parameters`, as Hub
                                         configs do; transformers reloads it to the same logits.
  reference.safetensors                  float32 unless noted:
    input_ids            I64 [2, 7]      padding-free batch
    logits               F32 [2, 7, V]
    loss                 F32 []          causal-LM loss with labels = input_ids (HF shifts inside)
    grad.<param name>    F32             d loss / d parameter for every named parameter
                                         (tied: model.embed_tokens.weight holds embedding + lm_head grads)
    padded.input_ids     I64 [2, 7]      row 1 right-padded: last 2 positions are pad (id 0)
    padded.attention_mask I64 [2, 7]
    padded.labels        I64 [2, 7]      input_ids with -100 at pad positions
    padded.logits        F32 [2, 7, V]   compare at attention_mask == 1 positions
    padded.loss          F32 []
    generate.prompt.<i>  I64 [P]         greedy generation prompts (i = 0, 1; batch size 1 each)
    generate.output.<i>  I64 [P + 8]     prompt + 8 greedy tokens (no EOS stop)
  reference.json         the same ids, losses and generated tokens as JSON, plus the config summary.

llama/ also holds:
  llama-f32.gguf, llama-q8_0.gguf        the same weights exported with gguf.GGUFWriter (arch "llama"),
                                         q/k rows permuted as convert_hf_to_gguf.py does; no output.weight
                                         (tied); norms F32; Q8_0 file: every 2-D weight Q8_0.
                                         No tokenizer.ggml.* keys (the tiny models have no tokenizer).
  gguf-reference.safetensors
    f32.logits, q8_0.logits F32 [2, 7, V] logits of input_ids computed by transformers from the weights
                                         read back from each GGUF (dequantized, q/k permutation undone).
  adapter/adapter_config.json, adapter/adapter_model.safetensors
                                         PEFT LoRA r=4, alpha=8, all 7 projections, A default init, B ~ N(0, 0.1²)
  adamw-reference.json                   AdamW (torch.optim.AdamW, lr 1e-2, betas (0.9, 0.999), eps 1e-8,
                                         weight_decay 0.01) on all parameters of the llama model, loss on
                                         input_ids with labels = input_ids: "losses" = the loss before each
                                         of 5 steps, then after the last step (6 values)
  adapter-reference.safetensors
    logits F32 [2, 7, V], loss F32 []    with the adapter (scale alpha/r = 2), input_ids as above
    grad.<adapter key>                   d loss / d lora_A / lora_B, keyed as in adapter_model.safetensors
"""
import json
import os
import shutil

import numpy as np
import torch
from gguf import GGUFWriter, GGMLQuantizationType, quants
from peft import LoraConfig, get_peft_model, PeftModel
from safetensors.torch import save_file
from transformers import (Gemma3ForCausalLM, Gemma3TextConfig, LlamaConfig, LlamaForCausalLM, Qwen2Config,
                          Qwen2ForCausalLM)

HERE = os.path.dirname(os.path.abspath(__file__))
VOCAB = 101
SEED = 20261122

COMMON = dict(vocab_size=VOCAB, hidden_size=64, intermediate_size=128, num_attention_heads=4,
              num_key_value_heads=2, head_dim=16, max_position_embeddings=128, tie_word_embeddings=True,
              bos_token_id=1, eos_token_id=2, pad_token_id=0)


def llama_config():
    return LlamaConfig(**COMMON, num_hidden_layers=2, rms_norm_eps=1e-5, rope_theta=10000.0,
                       hidden_act="silu", attention_bias=False, mlp_bias=False)


def qwen2_config():
    return Qwen2Config(**COMMON, num_hidden_layers=2, rms_norm_eps=1e-6, rope_theta=1000000.0,
                       hidden_act="silu", use_sliding_window=False)


def gemma3_config():
    return Gemma3TextConfig(**COMMON, num_hidden_layers=3, rms_norm_eps=1e-6,
                            rope_theta=1000000.0, rope_local_base_freq=10000.0,
                            layer_types=["sliding_attention", "full_attention", "sliding_attention"],
                            sliding_window=4, query_pre_attn_scalar=20, final_logit_softcapping=5.0,
                            attn_logit_softcapping=None, hidden_activation="gelu_pytorch_tanh")


MODELS = {
    "llama": (llama_config, LlamaForCausalLM),
    "qwen2": (qwen2_config, Qwen2ForCausalLM),
    "gemma3": (gemma3_config, Gemma3ForCausalLM),
}

INPUT_IDS = torch.tensor([[1, 17, 42, 99, 3, 56, 100], [1, 8, 8, 23, 71, 64, 5]], dtype=torch.long)
PROMPTS = [[1, 5, 17, 33], [1, 60, 7]]
NEW_TOKENS = 8


def randomize(model, name):
    """Larger-than-default weights so that logits are far from uniform and greedy generation
    does not just repeat the prompt's last token (the tied embedding would otherwise dominate).

    Llama / Qwen2: linear weights and biases N(0, 0.5²), embeddings N(0, 0.3²), norms 1 + N(0, 0.1²).
    Gemma 3: linear N(0, 0.5²), embeddings N(0, 0.1²) (they are scaled by sqrt(hidden) = 8 on input),
    norm weights 2 + N(0, 0.1²) (Gemma's RMSNorm scales by 1 + w, so about 3).
    """
    generator = torch.Generator().manual_seed(SEED)
    gemma = name == "gemma3"
    with torch.no_grad():
        for parameter_name, parameter in model.named_parameters():
            noise = torch.randn(parameter.shape, generator=generator)
            if parameter_name.endswith("norm.weight"):
                parameter.copy_((2.0 if gemma else 1.0) + 0.1 * noise)
            elif parameter_name == "model.embed_tokens.weight":
                parameter.copy_((0.1 if gemma else 0.3) * noise)
            else:
                parameter.copy_(0.5 * noise)


def add_legacy_rope_keys(directory, config):
    path = os.path.join(directory, "config.json")
    with open(path) as f:
        data = json.load(f)
    if "full_attention" in (data.get("rope_parameters") or {}):
        data["rope_theta"] = data["rope_parameters"]["full_attention"]["rope_theta"]
        data["rope_local_base_freq"] = data["rope_parameters"]["sliding_attention"]["rope_theta"]
    else:
        data["rope_theta"] = data["rope_parameters"]["rope_theta"]
    with open(path, "w") as f:
        json.dump(data, f, indent=2, sort_keys=True)


def generate(model, prompt):
    ids = torch.tensor([prompt], dtype=torch.long)
    output = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=NEW_TOKENS,
                            min_new_tokens=NEW_TOKENS, do_sample=False, eos_token_id=None, pad_token_id=0,
                            suppress_tokens=None, begin_suppress_tokens=None)
    assert output.shape[1] == len(prompt) + NEW_TOKENS
    return output[0]


def record(name):
    make_config, model_class = MODELS[name]
    torch.manual_seed(SEED)
    config = make_config()
    model = model_class(config).float()
    randomize(model, name)
    model.config._attn_implementation = "eager"
    model.eval()
    directory = os.path.join(HERE, name)
    shutil.rmtree(directory, ignore_errors=True)
    model.save_pretrained(directory)
    add_legacy_rope_keys(directory, config)
    for extra in ("generation_config.json",):
        path = os.path.join(directory, extra)
        if os.path.exists(path):
            os.remove(path)

    # Reload from disk, so the references describe exactly what the files hold.
    model = model_class.from_pretrained(directory, torch_dtype=torch.float32, attn_implementation="eager")
    model.eval()
    reference = {"input_ids": INPUT_IDS.clone()}
    output = model(input_ids=INPUT_IDS, labels=INPUT_IDS)
    output.loss.backward()
    reference["logits"] = output.logits.detach().clone()
    reference["loss"] = output.loss.detach().clone()
    for parameter_name, parameter in model.named_parameters():
        reference[f"grad.{parameter_name}"] = parameter.grad.detach().clone()
    model.zero_grad()

    padded_ids = INPUT_IDS.clone()
    mask = torch.ones_like(padded_ids)
    mask[1, -2:] = 0
    padded_ids[1, -2:] = 0
    labels = padded_ids.masked_fill(mask == 0, -100)
    with torch.no_grad():
        padded = model(input_ids=padded_ids, attention_mask=mask, labels=labels)
    reference.update({"padded.input_ids": padded_ids, "padded.attention_mask": mask, "padded.labels": labels,
                      "padded.logits": padded.logits.clone(), "padded.loss": padded.loss.clone()})

    generated = []
    with torch.no_grad():
        for index, prompt in enumerate(PROMPTS):
            output_ids = generate(model, prompt)
            reference[f"generate.prompt.{index}"] = torch.tensor(prompt, dtype=torch.long)
            reference[f"generate.output.{index}"] = output_ids.clone()
            generated.append(output_ids.tolist())

    save_file({key: value.contiguous() for key, value in reference.items()},
              os.path.join(directory, "reference.safetensors"), metadata={"format": "pt"})
    summary = {
        "model_class": model_class.__name__,
        "input_ids": INPUT_IDS.tolist(),
        "loss": float(reference["loss"]),
        "padded": {"input_ids": padded_ids.tolist(), "attention_mask": mask.tolist(), "loss": float(padded.loss)},
        "generate": [{"prompt": prompt, "output": output} for prompt, output in zip(PROMPTS, generated)],
        "parameters": {key: list(value.shape) for key, value in model.state_dict().items()},
    }
    with open(os.path.join(directory, "reference.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print(name, "loss", float(reference["loss"]), "generated", generated)
    return model


# MARK: GGUF export of the Llama model (convert_hf_to_gguf.py's LlamaModel, reduced to what matters here)

def permute(weights, n_head, n_head_kv):
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return (weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:])
            .swapaxes(1, 2).reshape(weights.shape))


def unpermute(weights, n_head, n_head_kv):
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return (weights.reshape(n_head, weights.shape[0] // n_head // 2, 2, *weights.shape[1:])
            .swapaxes(1, 2).reshape(weights.shape))


GGUF_NAMES = {
    "model.embed_tokens.weight": "token_embd.weight",
    "model.norm.weight": "output_norm.weight",
}
LAYER_NAMES = {
    "input_layernorm.weight": "attn_norm.weight",
    "self_attn.q_proj.weight": "attn_q.weight",
    "self_attn.k_proj.weight": "attn_k.weight",
    "self_attn.v_proj.weight": "attn_v.weight",
    "self_attn.o_proj.weight": "attn_output.weight",
    "post_attention_layernorm.weight": "ffn_norm.weight",
    "mlp.gate_proj.weight": "ffn_gate.weight",
    "mlp.up_proj.weight": "ffn_up.weight",
    "mlp.down_proj.weight": "ffn_down.weight",
}


def gguf_name(hf_name):
    if hf_name in GGUF_NAMES:
        return GGUF_NAMES[hf_name]
    parts = hf_name.split(".")  # model.layers.N.rest
    return f"blk.{parts[2]}." + LAYER_NAMES[".".join(parts[3:])]


def export_llama_gguf(model, qtype, path):
    config = model.config
    writer = GGUFWriter(path, "llama")
    writer.add_name("imprint-tiny-llama")
    writer.add_context_length(config.max_position_embeddings)
    writer.add_embedding_length(config.hidden_size)
    writer.add_block_count(config.num_hidden_layers)
    writer.add_feed_forward_length(config.intermediate_size)
    writer.add_head_count(config.num_attention_heads)
    writer.add_head_count_kv(config.num_key_value_heads)
    writer.add_key_length(config.head_dim)
    writer.add_value_length(config.head_dim)
    writer.add_rope_dimension_count(config.head_dim)
    writer.add_rope_freq_base(config.rope_parameters["rope_theta"])
    writer.add_layer_norm_rms_eps(config.rms_norm_eps)
    writer.add_vocab_size(config.vocab_size)
    writer.add_file_type(0 if qtype == GGMLQuantizationType.F32 else 7)
    writer.add_quantization_version(2)
    stored = {}
    for hf_name, tensor in model.state_dict().items():
        if hf_name == "lm_head.weight":
            continue  # tied
        data = tensor.detach().numpy().astype(np.float32)
        if hf_name.endswith("q_proj.weight"):
            data = permute(data, config.num_attention_heads, config.num_attention_heads)
        elif hf_name.endswith("k_proj.weight"):
            data = permute(data, config.num_attention_heads, config.num_key_value_heads)
        if data.ndim == 2 and qtype != GGMLQuantizationType.F32:
            raw = quants.quantize(data, qtype)
            writer.add_tensor(gguf_name(hf_name), raw, raw_shape=raw.shape, raw_dtype=qtype)
            stored[hf_name] = quants.dequantize(raw, qtype)
        else:
            writer.add_tensor(gguf_name(hf_name), data)
            stored[hf_name] = data
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return stored


def logits_from_gguf_weights(model, stored):
    config = model.config
    state = {}
    for hf_name, data in stored.items():
        if hf_name.endswith("q_proj.weight"):
            data = unpermute(data, config.num_attention_heads, config.num_attention_heads)
        elif hf_name.endswith("k_proj.weight"):
            data = unpermute(data, config.num_attention_heads, config.num_key_value_heads)
        state[hf_name] = torch.from_numpy(np.ascontiguousarray(data))
    copy = LlamaForCausalLM(config).float()
    copy.config._attn_implementation = "eager"
    missing, unexpected = copy.load_state_dict(state, strict=False)
    assert set(missing) <= {"lm_head.weight"} and not unexpected, (missing, unexpected)
    copy.tie_weights()
    copy.eval()
    with torch.no_grad():
        return copy(input_ids=INPUT_IDS).logits.clone()


def record_llama_gguf(model):
    directory = os.path.join(HERE, "llama")
    results = {}
    for label, qtype in (("f32", GGMLQuantizationType.F32), ("q8_0", GGMLQuantizationType.Q8_0)):
        stored = export_llama_gguf(model, qtype, os.path.join(directory, f"llama-{label}.gguf"))
        results[f"{label}.logits"] = logits_from_gguf_weights(model, stored)
    with torch.no_grad():
        original = model(input_ids=INPUT_IDS).logits
    assert torch.equal(results["f32.logits"], original), "F32 GGUF round trip changed the logits"
    print("llama gguf: q8_0 max |logit difference|", float((results["q8_0.logits"] - original).abs().max()))
    save_file(results, os.path.join(directory, "gguf-reference.safetensors"), metadata={"format": "pt"})


# MARK: AdamW trajectory

def record_llama_adamw():
    directory = os.path.join(HERE, "llama")
    model = LlamaForCausalLM.from_pretrained(directory, torch_dtype=torch.float32, attn_implementation="eager")
    model.train()  # dropout is 0, so train and eval agree
    hyperparameters = {"lr": 1e-2, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.01}
    optimizer = torch.optim.AdamW(model.parameters(), lr=hyperparameters["lr"], betas=tuple(hyperparameters["betas"]),
                                  eps=hyperparameters["eps"], weight_decay=hyperparameters["weight_decay"])
    losses = []
    for _ in range(5):
        optimizer.zero_grad()
        loss = model(input_ids=INPUT_IDS, labels=INPUT_IDS).loss
        losses.append(float(loss.detach()))
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        losses.append(float(model(input_ids=INPUT_IDS, labels=INPUT_IDS).loss))
    with open(os.path.join(directory, "adamw-reference.json"), "w") as f:
        json.dump({"optimizer": "torch.optim.AdamW", **hyperparameters, "steps": 5,
                   "input_ids": INPUT_IDS.tolist(), "losses": losses}, f, indent=1)
    print("llama adamw losses", losses)


# MARK: PEFT adapter

def record_llama_adapter(model):
    directory = os.path.join(HERE, "llama")
    torch.manual_seed(SEED + 1)
    config = LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, bias="none", task_type="CAUSAL_LM",
                        target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    base = LlamaForCausalLM.from_pretrained(directory, torch_dtype=torch.float32, attn_implementation="eager")
    peft_model = get_peft_model(base, config)
    generator = torch.Generator().manual_seed(SEED + 2)
    with torch.no_grad():
        for name, parameter in peft_model.named_parameters():
            if "lora_B" in name:
                parameter.copy_(0.1 * torch.randn(parameter.shape, generator=generator))
    adapter_directory = os.path.join(directory, "adapter")
    shutil.rmtree(adapter_directory, ignore_errors=True)
    peft_model.save_pretrained(adapter_directory)
    config_path = os.path.join(adapter_directory, "adapter_config.json")
    with open(config_path) as f:
        adapter_config = json.load(f)
    adapter_config["base_model_name_or_path"] = "imprint-tiny-llama"
    adapter_config["target_modules"] = sorted(adapter_config["target_modules"])
    with open(config_path, "w") as f:
        json.dump(adapter_config, f, indent=2, sort_keys=True)
    readme = os.path.join(adapter_directory, "README.md")
    if os.path.exists(readme):
        os.remove(readme)

    # Reload the saved adapter onto a fresh base, so the references describe the files.
    base = LlamaForCausalLM.from_pretrained(directory, torch_dtype=torch.float32, attn_implementation="eager")
    loaded = PeftModel.from_pretrained(base, adapter_directory, is_trainable=True)
    loaded.eval()
    output = loaded(input_ids=INPUT_IDS, labels=INPUT_IDS)
    output.loss.backward()
    reference = {"logits": output.logits.detach().clone(), "loss": output.loss.detach().clone()}
    for name, parameter in loaded.named_parameters():
        if parameter.requires_grad:
            key = name.replace(".default", "")
            reference[f"grad.{key}"] = parameter.grad.detach().clone()
    save_file(reference, os.path.join(directory, "adapter-reference.safetensors"), metadata={"format": "pt"})
    print("llama adapter loss", float(output.loss.detach()))


if __name__ == "__main__":
    torch.use_deterministic_algorithms(True)
    models = {name: record(name) for name in MODELS}
    record_llama_gguf(models["llama"])
    record_llama_adamw()
    record_llama_adapter(models["llama"])
