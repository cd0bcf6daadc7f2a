"""Tiny random Llama and Qwen2 models exported to GGUF in every quantization type Imprint reads,
with transformers reference logits, for GGUFQuantizationTests.

Run once from this folder; outputs are committed and the Swift tests never need Python.
    /work/.venv-ref/bin/python make_gguf_quant_fixtures.py
Pinned stack (shared/bench/python-reference.txt): torch 2.15.0 (CPU), transformers 5.23.0,
gguf 0.19.0, safetensors 0.8.0, numpy 2.4.

Writes gguf-quants/:
  llama-<type>.gguf     type in f32, f16, bf16, q8_0, q4_0, q4_1, q4_k, q6_k. One random Llama
                        (vocab 101, hidden 256, intermediate 256, 1 layer, 4 heads, 2 KV heads,
                        head_dim 64, tied embeddings), so every matrix row (ne[0]) is 256 or a
                        multiple: the K-quants' 256-element super-blocks fit. Every 2-D weight,
                        token_embd included, is stored in the file's type; norms stay F32. q/k rows
                        permuted as convert_hf_to_gguf.py does; no output.weight (tied).
  qwen2-<type>.gguf     type in f32, q8_0. One random Qwen2 (vocab 101, hidden 64, intermediate 128,
                        1 layer, 4 heads, 2 KV heads, head_dim 16, q/k/v biases F32, tied embeddings),
                        no q/k permutation (llama.cpp's Qwen2 uses NeoX RoPE).
  reference.safetensors
    input_ids           I64 [2, 7]
    <file stem>.logits  F32 [2, 7, 101] logits of input_ids from transformers (eager attention, float32)
                        run on the weights read back from that GGUF file with gguf.GGUFReader and
                        dequantized with gguf.quants.dequantize (Llama q/k permutation undone).

gguf 0.19 has no Q4_K / Q6_K quantizer, so `quantize_q4_k` / `quantize_q6_k` below write the
ggml block layouts (block_q4_K, block_q6_K in ggml-common.h) with a plain min/max rounding (not
llama.cpp's iterative search: the reference only needs valid blocks, since it is computed from
the dequantized values). They are checked against gguf.quants.dequantize: the round-trip error
must stay within one quantization step of the widest sub-block (a mis-packed bit lands far outside).

Weights: seeded; linear weights and biases N(0, (1.6 / sqrt(in_features))²) (0.1 for hidden 256),
embeddings N(0, 0.3²), norms 1 + N(0, 0.1²), so the logits are several units wide.
"""
import os
import shutil

import numpy as np
import torch
from gguf import GGMLQuantizationType, GGUFReader, GGUFWriter, quants
from safetensors.torch import save_file
from transformers import LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
OUTPUT = os.path.join(HERE, "gguf-quants")
VOCAB = 101
SEED = 20261123
INPUT_IDS = torch.tensor([[1, 17, 42, 99, 3, 56, 100], [1, 8, 8, 23, 71, 64, 5]], dtype=torch.long)

Q = GGMLQuantizationType
LLAMA_TYPES = {"f32": Q.F32, "f16": Q.F16, "bf16": Q.BF16, "q8_0": Q.Q8_0, "q4_0": Q.Q4_0, "q4_1": Q.Q4_1,
               "q4_k": Q.Q4_K, "q6_k": Q.Q6_K}
QWEN2_TYPES = {"f32": Q.F32, "q8_0": Q.Q8_0}
# llama.cpp's general.file_type (enum llama_ftype) for a file whose matrices are all of one type.
FILE_TYPES = {Q.F32: 0, Q.F16: 1, Q.Q4_0: 2, Q.Q4_1: 3, Q.Q8_0: 7, Q.Q4_K: 15, Q.Q6_K: 18, Q.BF16: 32}


def llama_config():
    return LlamaConfig(vocab_size=VOCAB, hidden_size=256, intermediate_size=256, num_hidden_layers=1,
                       num_attention_heads=4, num_key_value_heads=2, head_dim=64, max_position_embeddings=128,
                       tie_word_embeddings=True, bos_token_id=1, eos_token_id=2, pad_token_id=0,
                       rms_norm_eps=1e-5, rope_theta=10000.0, hidden_act="silu", attention_bias=False, mlp_bias=False)


def qwen2_config():
    return Qwen2Config(vocab_size=VOCAB, hidden_size=64, intermediate_size=128, num_hidden_layers=1,
                       num_attention_heads=4, num_key_value_heads=2, head_dim=16, max_position_embeddings=128,
                       tie_word_embeddings=True, bos_token_id=1, eos_token_id=2, pad_token_id=0,
                       rms_norm_eps=1e-6, rope_theta=1000000.0, hidden_act="silu", use_sliding_window=False)


def random_model(model_class, config):
    torch.manual_seed(SEED)
    model = model_class(config).float()
    generator = torch.Generator().manual_seed(SEED)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            noise = torch.randn(parameter.shape, generator=generator)
            if name.endswith("norm.weight"):
                parameter.copy_(1.0 + 0.1 * noise)
            elif name == "model.embed_tokens.weight":
                parameter.copy_(0.3 * noise)
            else:
                parameter.copy_(1.6 / config.hidden_size ** 0.5 * noise if parameter.ndim == 1
                                else 1.6 / parameter.shape[1] ** 0.5 * noise)
    model.config._attn_implementation = "eager"
    model.eval()
    return model


# MARK: K-quant writers (ggml-common.h layouts; QK_K = 256)

def f16_round(values):
    return values.astype(np.float16).astype(np.float32)


def quantize_q4_k(data):
    """block_q4_K: f16 d, f16 dmin, 12 bytes of 6-bit sub-block scales and mins, 128 bytes of nibbles.
    Sub-block j (32 values) dequantizes to d·scale_j·q − dmin·min_j with q in 0...15."""
    rows, columns = data.shape
    x = data.astype(np.float32).reshape(-1, 8, 32)  # [blocks, sub-blocks, 32]
    low = np.minimum(x.min(axis=-1), 0)
    step = (x.max(axis=-1) - low) / 15
    d = f16_round(step.max(axis=-1) / 63)
    dmin = f16_round(-low.min(axis=-1) / 63)
    scale = np.clip(np.round(step / np.where(d > 0, d, 1)[:, None]), 0, 63).astype(np.uint8)
    minimum = np.clip(np.round(-low / np.where(dmin > 0, dmin, 1)[:, None]), 0, 63).astype(np.uint8)
    effective_step = d[:, None] * scale
    offset = dmin[:, None] * minimum
    q = np.round((x + offset[..., None]) / np.where(effective_step > 0, effective_step, 1)[..., None])
    q = np.clip(q, 0, 15).astype(np.uint8)
    # Scales: bytes 0-3 scale[0:4] | scale[4:8] >> 4 << 6; bytes 4-7 the same for the mins;
    # bytes 8-11 scale[4:8] & 15 | (min[4:8] & 15) << 4.
    packed = np.concatenate([(scale[:, :4] & 63) | ((scale[:, 4:] >> 4) << 6),
                             (minimum[:, :4] & 63) | ((minimum[:, 4:] >> 4) << 6),
                             (scale[:, 4:] & 15) | ((minimum[:, 4:] & 15) << 4)], axis=-1).astype(np.uint8)
    pairs = q.reshape(-1, 4, 2, 32)  # 64 values per 32 bytes: sub-block 2i in the low nibbles, 2i + 1 high
    nibbles = (pairs[:, :, 0] | (pairs[:, :, 1] << 4)).reshape(-1, 128)
    blocks = np.concatenate([d.astype(np.float16).view(np.uint8).reshape(-1, 2),
                             dmin.astype(np.float16).view(np.uint8).reshape(-1, 2), packed, nibbles], axis=-1)
    return blocks.reshape(rows, columns // 256 * 144)


def quantize_q6_k(data):
    """block_q6_K: 128 bytes low nibbles, 64 bytes high 2-bit pairs, 16 int8 sub-block scales, f16 d.
    Sub-block j (16 values) dequantizes to d·scale_j·(q − 32) with q in 0...63."""
    rows, columns = data.shape
    x = data.astype(np.float32).reshape(-1, 16, 16)  # [blocks, sub-blocks, 16]
    step = np.abs(x).max(axis=-1) / 31
    d = f16_round(step.max(axis=-1) / 127)
    scale = np.clip(np.round(step / np.where(d > 0, d, 1)[:, None]), -128, 127).astype(np.int8)
    effective_step = d[:, None] * scale
    q = np.round(x / np.where(effective_step > 0, effective_step, 1)[..., None])
    q = (np.clip(q, -32, 31) + 32).astype(np.uint8).reshape(-1, 2, 128)  # two halves of 128 values
    low, high = q & 15, q >> 4
    # Half h, value r: low nibble of ql[h·64 + r % 64] (bits 4·(r / 64)); high bits of qh[h·32 + r % 32]
    # (bits 2·(r / 32)).
    low = low.reshape(-1, 2, 2, 64)
    ql = (low[:, :, 0] | (low[:, :, 1] << 4)).reshape(-1, 128)
    high = high.reshape(-1, 2, 4, 32)
    qh = (high[:, :, 0] | (high[:, :, 1] << 2) | (high[:, :, 2] << 4) | (high[:, :, 3] << 6)).reshape(-1, 64)
    blocks = np.concatenate([ql, qh, scale.view(np.uint8), d.astype(np.float16).view(np.uint8).reshape(-1, 2)],
                            axis=-1)
    return blocks.reshape(rows, columns // 256 * 210)


def quantize(data, qtype):
    """The bytes (or F32 / F16 values) of a 2-D weight in `qtype`."""
    if qtype == Q.Q4_K:
        raw = quantize_q4_k(data)
    elif qtype == Q.Q6_K:
        raw = quantize_q6_k(data)
    else:
        return quants.quantize(data, qtype)
    # The writers above are checked against gguf's own dequantizer: error within one step of the widest sub-block.
    restored = quants.dequantize(raw, qtype)
    step = {Q.Q4_K: 15, Q.Q6_K: 31}[qtype]
    bound = np.abs(data).reshape(-1, 32 if qtype == Q.Q4_K else 16).max(axis=-1).max() / step
    assert restored.shape == data.shape and np.abs(restored - data).max() <= bound, qtype
    return raw


# MARK: Export (convert_hf_to_gguf.py's LlamaModel / Qwen2Model, reduced to what matters here)

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


LAYER_NAMES = {
    "input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm",
    "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down",
}


def gguf_name(hf_name):
    if hf_name == "model.embed_tokens.weight":
        return "token_embd.weight"
    if hf_name == "model.norm.weight":
        return "output_norm.weight"
    parts = hf_name.split(".")  # model.layers.N.module.suffix
    return f"blk.{parts[2]}.{LAYER_NAMES['.'.join(parts[3:-1])]}.{parts[-1]}"


def export(model, architecture, qtype, path):
    config = model.config
    writer = GGUFWriter(path, architecture)
    writer.add_name(f"imprint-tiny-{architecture}")
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
    writer.add_bos_token_id(config.bos_token_id)
    writer.add_eos_token_id(config.eos_token_id)
    writer.add_file_type(FILE_TYPES[qtype])
    writer.add_quantization_version(2)
    for hf_name, tensor in model.state_dict().items():
        if hf_name == "lm_head.weight":
            continue  # tied
        data = tensor.detach().numpy().astype(np.float32)
        if architecture == "llama" and hf_name.endswith("q_proj.weight"):
            data = permute(data, config.num_attention_heads, config.num_attention_heads)
        elif architecture == "llama" and hf_name.endswith("k_proj.weight"):
            data = permute(data, config.num_attention_heads, config.num_key_value_heads)
        if data.ndim == 2 and qtype != Q.F32:
            raw = quantize(data, qtype)
            if raw.dtype == np.uint8:
                writer.add_tensor(gguf_name(hf_name), raw, raw_shape=raw.shape, raw_dtype=qtype)
            else:
                writer.add_tensor(gguf_name(hf_name), raw)  # F16 values
        else:
            writer.add_tensor(gguf_name(hf_name), data)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def read_back(path, architecture, config):
    """The `transformers` state dict held by a GGUF file: dequantized, q/k permutation undone."""
    names = {gguf_name(key): key for key in (
        ["model.embed_tokens.weight", "model.norm.weight"]
        + [f"model.layers.0.{module}.{suffix}" for module in LAYER_NAMES for suffix in ("weight", "bias")])}
    state = {}
    for tensor in GGUFReader(path).tensors:
        shape = tuple(int(size) for size in reversed(tensor.shape))
        data = quants.dequantize(tensor.data, tensor.tensor_type).reshape(shape)
        name = names[tensor.name]
        if architecture == "llama" and name.endswith("q_proj.weight"):
            data = unpermute(data, config.num_attention_heads, config.num_attention_heads)
        elif architecture == "llama" and name.endswith("k_proj.weight"):
            data = unpermute(data, config.num_attention_heads, config.num_key_value_heads)
        state[name] = torch.from_numpy(np.array(data, dtype=np.float32))
    return state


def logits_from_file(model_class, config, architecture, path):
    copy = model_class(config).float()
    copy.config._attn_implementation = "eager"
    missing, unexpected = copy.load_state_dict(read_back(path, architecture, config), strict=False)
    assert set(missing) <= {"lm_head.weight"} and not unexpected, (missing, unexpected)
    copy.tie_weights()
    copy.eval()
    with torch.no_grad():
        return copy(input_ids=INPUT_IDS).logits.clone()


def record(architecture, model_class, config, types, reference):
    model = random_model(model_class, config)
    with torch.no_grad():
        original = model(input_ids=INPUT_IDS).logits
    for label, qtype in types.items():
        stem = f"{architecture}-{label}"
        path = os.path.join(OUTPUT, f"{stem}.gguf")
        export(model, architecture, qtype, path)
        logits = logits_from_file(model_class, config, architecture, path)
        if qtype == Q.F32:
            assert torch.equal(logits, original), f"{stem}: the F32 round trip changed the logits"
        reference[f"{stem}.logits"] = logits
        print(f"{stem}: {os.path.getsize(path)} bytes, logits max |x| {float(logits.abs().max()):.3f}, "
              f"max |Δ| from the float32 model {float((logits - original).abs().max()):.4f}")


if __name__ == "__main__":
    torch.use_deterministic_algorithms(True)
    shutil.rmtree(OUTPUT, ignore_errors=True)
    os.makedirs(OUTPUT)
    reference = {"input_ids": INPUT_IDS.clone()}
    record("llama", LlamaForCausalLM, llama_config(), LLAMA_TYPES, reference)
    record("qwen2", Qwen2ForCausalLM, qwen2_config(), QWEN2_TYPES, reference)
    save_file(reference, os.path.join(OUTPUT, "reference.safetensors"), metadata={"format": "pt"})
