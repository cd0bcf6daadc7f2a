"""A tiny random Llama written as a Q4_K_M-style GGUF (a mix of block types across tensors, as
llama.cpp's `llama-quantize ... Q4_K_M` writes), with the logits of `transformers` loading that
file, for GGUFMixedQuantizationTests.

Run once from this folder; outputs are committed and the Swift tests never need Python.
    /work/.venv-ref/bin/python make_q4_k_m_fixture.py
Pinned stack (shared/bench/python-reference.txt): torch 2.15.0 (CPU), transformers 5.23.0,
gguf 0.19.0, numpy 2.4.

Writes gguf-q4_k_m/:
  llama-q4_k_m.gguf   vocab 128, hidden 256, intermediate 256, 2 layers, 4 heads, 2 KV heads,
                      head_dim 64, untied output; every matrix row (ne[0]) is 256 wide, so the
                      K-quants' 256-weight super-blocks fit. general.file_type 15 (MOSTLY_Q4_K_M).
                      Block types (TYPES below): as llama.cpp's Q4_K_M, Q4_K for most matrices and
                      Q6_K for output, attn_v and ffn_down of the first layer, with Q5_0 and Q8_0
                      where its fallbacks put them; the first layer's ffn_up and the second layer
                      carry the other types Imprint reads (Q4_1; Q2_K, Q3_K, Q5_K, IQ4_NL, IQ4_XS,
                      Q4_0, Q5_1), so one file covers all twelve. Norms F32; q/k rows permuted as convert_hf_to_gguf.py.
  reference.safetensors
    input_ids         I64 [2, 7]
  llama-moe.gguf      a tiny F32 Llama-architecture file shaped like Mixtral's (vocab 16, hidden 32,
                      1 layer, 2 heads): a router (blk.0.ffn_gate_inp.weight [4, 32]) and stacked
                      experts (blk.0.ffn_{gate,up,down}_exps.weight) in place of the feed-forward
                      matrices, which Imprint's Llama does not have: loading it must name them.
    logits            F32 [2, 7, 128]: AutoModelForCausalLM.from_pretrained(gguf-q4_k_m,
                      gguf_file="llama-q4_k_m.gguf", dtype=float32), eager attention; transformers
                      dequantizes with gguf.quants.dequantize. Checked here against the same model
                      built from GGUFReader + gguf.quants.dequantize by hand.

Quantizers: gguf-py 0.19's for Q4_0, Q4_1, Q5_0, Q5_1, Q8_0; make_gguf_quant_fixtures.py's for
Q4_K and Q6_K; below for Q2_K, Q3_K, Q5_K, IQ4_NL, IQ4_XS, which gguf-py only dequantizes. They
write the ggml block layouts (ggml-common.h) with plain min/max (or nearest-value) rounding, not
llama.cpp's searches: any valid encoding serves, since the decoding is what is tested. Each is
checked against gguf.quants.dequantize: the round-trip error stays within one step of the widest
sub-block (1/8 of its largest magnitude for the uneven IQ4 grid); a mis-packed bit lands far outside.
"""
import os
import shutil

import numpy as np
import torch
from gguf import GGMLQuantizationType, GGUFReader, GGUFWriter, quants
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM

from make_gguf_quant_fixtures import LAYER_NAMES, f16_round, permute, quantize_q4_k, quantize_q6_k, unpermute

HERE = os.path.dirname(os.path.abspath(__file__))
OUTPUT = os.path.join(HERE, "gguf-q4_k_m")
FILE = "llama-q4_k_m.gguf"
SEED = 20261205
Q = GGMLQuantizationType
INPUT_IDS = torch.tensor([[1, 17, 42, 99, 3, 56, 127], [1, 8, 8, 23, 71, 64, 5]], dtype=torch.long)

TYPES = {
    "token_embd.weight": Q.Q4_K, "output.weight": Q.Q6_K,
    "blk.0.attn_q.weight": Q.Q5_0, "blk.0.attn_k.weight": Q.Q8_0, "blk.0.attn_v.weight": Q.Q6_K,
    "blk.0.attn_output.weight": Q.Q4_K, "blk.0.ffn_gate.weight": Q.Q4_K, "blk.0.ffn_up.weight": Q.Q4_1,
    "blk.0.ffn_down.weight": Q.Q6_K,
    "blk.1.attn_q.weight": Q.Q3_K, "blk.1.attn_k.weight": Q.Q2_K, "blk.1.attn_v.weight": Q.IQ4_NL,
    "blk.1.attn_output.weight": Q.IQ4_XS, "blk.1.ffn_gate.weight": Q.Q4_0, "blk.1.ffn_up.weight": Q.Q5_K,
    "blk.1.ffn_down.weight": Q.Q5_1,
}
IQ4_VALUES = np.array([-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113], dtype=np.float32)


def config():
    return LlamaConfig(vocab_size=128, hidden_size=256, intermediate_size=256, num_hidden_layers=2,
                       num_attention_heads=4, num_key_value_heads=2, head_dim=64, max_position_embeddings=128,
                       tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, pad_token_id=0,
                       rms_norm_eps=1e-5, rope_theta=10000.0, hidden_act="silu", attention_bias=False, mlp_bias=False)


def random_model():
    torch.manual_seed(SEED)
    model = LlamaForCausalLM(config()).float()
    generator = torch.Generator().manual_seed(SEED)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            noise = torch.randn(parameter.shape, generator=generator)
            if name.endswith("norm.weight"):
                parameter.copy_(1.0 + 0.1 * noise)
            elif name == "model.embed_tokens.weight":
                parameter.copy_(0.3 * noise)
            else:
                parameter.copy_(1.6 / parameter.shape[1] ** 0.5 * noise)
    model.eval()
    return model


# MARK: Reference quantizers for the types gguf-py cannot write (QK_K = 256)

def safe(values):
    return np.where(values > 0, values, 1)


def pack_scales_q3_k(scales):
    """Sixteen 6-bit values (0...63) into Q3_K's 12 bytes: low nibbles in bytes 0-7 (sub-blocks 8-15
    in the high nibbles), high bit pairs in bytes 8-11 (sub-block i at bits 2·(i / 4) of byte 8 + i % 4)."""
    low, high = scales & 15, scales >> 4
    packed = np.zeros((scales.shape[0], 12), dtype=np.uint8)
    packed[:, :8] = low[:, :8] | (low[:, 8:] << 4)
    for i in range(16):
        packed[:, 8 + i % 4] |= high[:, i] << (2 * (i // 4))
    return packed


def pack_scales_k4(scale, minimum):
    """Q4_K / Q5_K's 12 bytes of eight 6-bit scales and minimums (get_scale_min_k4 inverted)."""
    return np.concatenate([(scale[:, :4] & 63) | ((scale[:, 4:] >> 4) << 6),
                           (minimum[:, :4] & 63) | ((minimum[:, 4:] >> 4) << 6),
                           (scale[:, 4:] & 15) | ((minimum[:, 4:] & 15) << 4)], axis=-1).astype(np.uint8)


def half_bytes(values):
    return values.astype(np.float16).view(np.uint8).reshape(-1, 2)


def quantize_q2_k(x):
    """block_q2_K: scales[16] (scale | min << 4), qs[64], d, dmin; y = d·sc·q − dmin·m, q in 0...3."""
    x = x.reshape(-1, 16, 16)
    low = np.minimum(x.min(axis=-1), 0)
    step = (x.max(axis=-1) - low) / 3
    d, dmin = f16_round(step.max(axis=-1) / 15), f16_round(-low.min(axis=-1) / 15)
    scale = np.clip(np.round(step / safe(d)[:, None]), 0, 15).astype(np.uint8)
    minimum = np.clip(np.round(-low / safe(dmin)[:, None]), 0, 15).astype(np.uint8)
    q = np.round((x + (dmin[:, None] * minimum)[..., None]) / safe(d[:, None] * scale)[..., None])
    q = np.clip(q, 0, 3).astype(np.uint8).reshape(-1, 2, 4, 32)  # weight 128c + 32k + l
    qs = (q[:, :, 0] | (q[:, :, 1] << 2) | (q[:, :, 2] << 4) | (q[:, :, 3] << 6)).reshape(-1, 64)
    return np.concatenate([scale | (minimum << 4), qs, half_bytes(d), half_bytes(dmin)], axis=-1)


def quantize_q3_k(x):
    """block_q3_K: hmask[32], qs[64], scales[12], d; y = d·(sc − 32)·q, q in −4...3."""
    x = x.reshape(-1, 16, 16)
    step = np.abs(x).max(axis=-1) / 4
    d = f16_round(step.max(axis=-1) / 31)
    scale = np.clip(np.round(step / safe(d)[:, None]), -32, 31)
    q = np.clip(np.round(x / safe(d[:, None] * scale)[..., None]), -4, 3).astype(np.int16) + 4  # 0...7
    q = q.astype(np.uint8).reshape(-1, 2, 4, 32)  # weight 128c + 32k + l
    low, high = q & 3, q >> 2
    qs = (low[:, :, 0] | (low[:, :, 1] << 2) | (low[:, :, 2] << 4) | (low[:, :, 3] << 6)).reshape(-1, 64)
    hmask = np.zeros((q.shape[0], 32), dtype=np.uint8)
    for c in range(2):
        for k in range(4):
            hmask |= high[:, c, k] << (4 * c + k)
    return np.concatenate([hmask, qs, pack_scales_q3_k((scale + 32).astype(np.uint8)), half_bytes(d)], axis=-1)


def quantize_q5_k(x):
    """block_q5_K: d, dmin, scales[12], qh[32], qs[128]; y = d·sc·q − dmin·m, q in 0...31."""
    x = x.reshape(-1, 8, 32)
    low = np.minimum(x.min(axis=-1), 0)
    step = (x.max(axis=-1) - low) / 31
    d, dmin = f16_round(step.max(axis=-1) / 63), f16_round(-low.min(axis=-1) / 63)
    scale = np.clip(np.round(step / safe(d)[:, None]), 0, 63).astype(np.uint8)
    minimum = np.clip(np.round(-low / safe(dmin)[:, None]), 0, 63).astype(np.uint8)
    q = np.round((x + (dmin[:, None] * minimum)[..., None]) / safe(d[:, None] * scale)[..., None])
    q = np.clip(q, 0, 31).astype(np.uint8)  # [blocks, sub-block j, l]
    nibbles = (q & 15).reshape(-1, 4, 2, 32)
    qs = (nibbles[:, :, 0] | (nibbles[:, :, 1] << 4)).reshape(-1, 128)
    qh = np.zeros((q.shape[0], 32), dtype=np.uint8)
    for j in range(8):
        qh |= (q[:, j] >> 4) << j
    return np.concatenate([half_bytes(d), half_bytes(dmin), pack_scales_k4(scale, minimum), qh, qs], axis=-1)


def nearest_iq4(x, step):
    """Indices of the IQ4 values nearest x / step."""
    return np.abs(x[..., None] / safe(np.abs(step))[..., None, None] * np.sign(step)[..., None, None]
                  - IQ4_VALUES).argmin(axis=-1).astype(np.uint8)


def quantize_iq4_nl(x):
    """block_iq4_nl: d, qs[16] (nibbles as Q4_0); y = d·IQ4_VALUES[q]."""
    x = x.reshape(-1, 32)
    d = f16_round(np.abs(x).max(axis=-1) / 127)
    q = nearest_iq4(x, d)
    return np.concatenate([half_bytes(d), q[:, :16] | (q[:, 16:] << 4)], axis=-1)


def quantize_iq4_xs(x):
    """block_iq4_xs: d, scales_h (u16), scales_l[4], qs[128]; y = d·(sc − 32)·IQ4_VALUES[q]."""
    x = x.reshape(-1, 8, 32)
    step = np.abs(x).max(axis=-1) / 127
    d = f16_round(step.max(axis=-1) / 31)
    scale = np.clip(np.round(step / safe(d)[:, None]), -32, 31)
    q = nearest_iq4(x, d[:, None] * scale)
    biased = (scale + 32).astype(np.uint16)
    scales_high = np.zeros(x.shape[0], dtype=np.uint16)
    for j in range(8):
        scales_high |= (biased[:, j] >> 4) << (2 * j)
    low = (biased & 15).astype(np.uint8)
    scales_low = low[:, 0::2] | (low[:, 1::2] << 4)
    qs = (q[..., :16] | (q[..., 16:] << 4)).reshape(-1, 128)
    return np.concatenate([half_bytes(d), scales_high.view(np.uint8).reshape(-1, 2), scales_low, qs], axis=-1)


REFERENCE_QUANTIZERS = {Q.Q2_K: (quantize_q2_k, 16, 3), Q.Q3_K: (quantize_q3_k, 16, 4), Q.Q4_K: (quantize_q4_k, 32, 15),
                        Q.Q5_K: (quantize_q5_k, 32, 31), Q.Q6_K: (quantize_q6_k, 16, 31),
                        Q.IQ4_NL: (quantize_iq4_nl, 32, 8), Q.IQ4_XS: (quantize_iq4_xs, 32, 8)}


def quantize(data, qtype):
    """The bytes of a 2-D weight in `qtype`, [rows, bytes per row]."""
    if qtype not in REFERENCE_QUANTIZERS:
        return quants.quantize(data, qtype)
    quantizer, group, steps = REFERENCE_QUANTIZERS[qtype]
    if qtype in (Q.Q4_K, Q.Q6_K):
        raw = quantizer(data)
    else:
        rows, columns = data.shape
        raw = quantizer(data.astype(np.float32)).reshape(rows, -1)
    restored = quants.dequantize(raw, qtype)
    bound = np.abs(data).reshape(-1, group).max(axis=-1).max() / steps
    error = np.abs(restored - data).max()
    assert restored.shape == data.shape and error <= bound, (qtype.name, error, bound)
    return raw


# MARK: Export (convert_hf_to_gguf.py's LlamaModel, with a type per tensor)

def gguf_name(hf_name):
    fixed = {"model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight",
             "lm_head.weight": "output.weight"}
    if hf_name in fixed:
        return fixed[hf_name]
    parts = hf_name.split(".")  # model.layers.N.module.suffix
    return f"blk.{parts[2]}.{LAYER_NAMES['.'.join(parts[3:-1])]}.{parts[-1]}"


def export(model, path):
    c = model.config
    writer = GGUFWriter(path, "llama")
    writer.add_name("imprint-tiny-llama-q4_k_m")
    writer.add_context_length(c.max_position_embeddings)
    writer.add_embedding_length(c.hidden_size)
    writer.add_block_count(c.num_hidden_layers)
    writer.add_feed_forward_length(c.intermediate_size)
    writer.add_head_count(c.num_attention_heads)
    writer.add_head_count_kv(c.num_key_value_heads)
    writer.add_key_length(c.head_dim)
    writer.add_value_length(c.head_dim)
    writer.add_rope_dimension_count(c.head_dim)
    writer.add_rope_freq_base(c.rope_parameters["rope_theta"])
    writer.add_layer_norm_rms_eps(c.rms_norm_eps)
    writer.add_vocab_size(c.vocab_size)
    writer.add_bos_token_id(c.bos_token_id)
    writer.add_eos_token_id(c.eos_token_id)
    writer.add_file_type(15)  # LLAMA_FTYPE_MOSTLY_Q4_K_M
    writer.add_quantization_version(2)
    for hf_name, tensor in model.state_dict().items():
        name = gguf_name(hf_name)
        data = tensor.detach().numpy().astype(np.float32)
        if hf_name.endswith("q_proj.weight"):
            data = permute(data, c.num_attention_heads, c.num_attention_heads)
        elif hf_name.endswith("k_proj.weight"):
            data = permute(data, c.num_attention_heads, c.num_key_value_heads)
        if data.ndim == 2:
            raw = quantize(data, TYPES[name])
            writer.add_tensor(name, raw, raw_shape=raw.shape, raw_dtype=TYPES[name])
        else:
            writer.add_tensor(name, data)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def logits_by_hand(path):
    """The same file read with GGUFReader and gguf.quants.dequantize into a LlamaForCausalLM."""
    names = {gguf_name(key): key for key in random_model().state_dict()}
    state = {}
    c = config()
    for tensor in GGUFReader(path).tensors:
        shape = tuple(int(size) for size in reversed(tensor.shape))
        data = quants.dequantize(tensor.data, tensor.tensor_type).reshape(shape)
        key = names[tensor.name]
        if key.endswith("q_proj.weight"):
            data = unpermute(data, c.num_attention_heads, c.num_attention_heads)
        elif key.endswith("k_proj.weight"):
            data = unpermute(data, c.num_attention_heads, c.num_key_value_heads)
        state[key] = torch.from_numpy(np.array(data, dtype=np.float32))
    model = LlamaForCausalLM(c).float()
    model.load_state_dict(state, strict=True)
    model.config._attn_implementation = "eager"
    model.eval()
    with torch.no_grad():
        return model(input_ids=INPUT_IDS).logits


def write_moe(path):
    rng = np.random.default_rng(SEED)
    writer = GGUFWriter(path, "llama")
    writer.add_context_length(64)
    writer.add_embedding_length(32)
    writer.add_block_count(1)
    writer.add_feed_forward_length(16)
    writer.add_head_count(2)
    writer.add_head_count_kv(2)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_expert_count(4)
    writer.add_expert_used_count(2)
    shapes = {"token_embd.weight": (16, 32), "output_norm.weight": (32,), "blk.0.attn_norm.weight": (32,),
              "blk.0.attn_q.weight": (32, 32), "blk.0.attn_k.weight": (32, 32), "blk.0.attn_v.weight": (32, 32),
              "blk.0.attn_output.weight": (32, 32), "blk.0.ffn_norm.weight": (32,), "blk.0.ffn_gate_inp.weight": (4, 32),
              "blk.0.ffn_gate_exps.weight": (4, 16, 32), "blk.0.ffn_up_exps.weight": (4, 16, 32),
              "blk.0.ffn_down_exps.weight": (4, 32, 16)}
    for name, shape in shapes.items():
        writer.add_tensor(name, rng.standard_normal(shape).astype(np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


if __name__ == "__main__":
    torch.use_deterministic_algorithms(True)
    shutil.rmtree(OUTPUT, ignore_errors=True)
    os.makedirs(OUTPUT)
    original = random_model()
    path = os.path.join(OUTPUT, FILE)
    export(original, path)
    loaded = AutoModelForCausalLM.from_pretrained(OUTPUT, gguf_file=FILE, dtype=torch.float32, attn_implementation="eager")
    loaded.eval()
    with torch.no_grad():
        logits = loaded(input_ids=INPUT_IDS).logits.clone()
        float_logits = original(input_ids=INPUT_IDS).logits
    by_hand = logits_by_hand(path)
    spread = float(logits.max() - logits.min())
    assert float((logits - by_hand).abs().max()) <= 1e-5 * spread, "transformers' GGUF loading differs from gguf-py's"
    types = sorted({t.tensor_type.name for t in GGUFReader(path).tensors})
    print(f"{FILE}: {os.path.getsize(path)} bytes, types {types}; logit range {spread:.3f}, "
          f"max |Δ| from the float32 model {float((logits - float_logits).abs().max()):.3f}")
    write_moe(os.path.join(OUTPUT, "llama-moe.gguf"))
    save_file({"input_ids": INPUT_IDS.clone(), "logits": logits}, os.path.join(OUTPUT, "reference.safetensors"),
              metadata={"format": "pt"})
