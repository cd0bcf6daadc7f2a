"""A tiny random Gemma 3 exported to GGUF the way llama.cpp's convert_hf_to_gguf.py (`Gemma3Model`)
writes it, with transformers reference logits, for GemmaGGUFTests.

Run once from this folder; outputs are committed and the Swift tests never need Python.
    /work/.venv-ref/bin/python make_gemma_gguf_fixture.py
Pinned stack (shared/bench/python-reference.txt): torch 2.15.0 (CPU), transformers 5.23.0,
gguf 0.19.0, safetensors 0.8.0, numpy 2.4.

Writes gemma3-gguf/:
  gemma3-f32.gguf       One random Gemma3ForCausalLM (vocab 101, hidden 64, intermediate 128, 6 layers,
  gemma3-q8_0.gguf      4 heads, 2 KV heads, head_dim 16, sliding window 4, layer_types 5 x sliding then
                        full, as llama.cpp's fixed pattern of 6 assumes; query_pre_attn_scalar 16 =
                        head_dim as llama.cpp assumes below 62 layers; rope_theta 1e6 global, 1e4 local;
                        final_logit_softcapping 5; tied embeddings). All 2-D weights F32 or Q8_0;
                        norms F32. What convert_hf_to_gguf.py does for Gemma 3, and this script too:
                          - every `*norm.weight` is stored as 1 + w (Gemma3RMSNorm scales by 1 + w);
                          - no q/k row permutation (llama.cpp's Gemma 3 uses NeoX RoPE);
                          - no output.weight (tied);
                          - keys gemma3.context_length, embedding_length, block_count,
                            feed_forward_length, attention.head_count, attention.head_count_kv,
                            attention.key_length, attention.value_length,
                            attention.layer_norm_rms_eps, rope.freq_base (global layers),
                            rope.freq_base_swa (from rope_parameters["sliding_attention"]),
                            attention.sliding_window, final_logit_softcapping.
  header-62-layers.gguf Metadata as the converter writes it for Gemma 3 27B (62 layers, hidden 5376,
                        32 heads, head_dim 128, window 1024) with rope.freq_base_swa 20000, and a
                        zero [101, 32] Q8_0 token_embd only: for the configuration alone (llama.cpp
                        scales 27B queries by (hidden / heads)^-0.5 = 168^-0.5, not head_dim^-0.5).
  header-no-window.gguf The tiny model's metadata without attention.sliding_window (the converter
                        omits it for sliding_window_pattern 1): llama.cpp then makes every layer global.
  reference.safetensors
    input_ids           I64 [2, 7]
    <file stem>.logits  F32 [2, 7, 101] logits of input_ids from transformers (eager attention, float32)
                        run on the weights read back from that GGUF file with gguf.GGUFReader,
                        dequantized with gguf.quants.dequantize, 1 subtracted from every norm.

Weights: seeded; linear weights N(0, (1.6 / sqrt(in_features))²), embeddings N(0, 0.1²) (scaled by
sqrt(64) = 8 on input), norm weights N(0, 0.3²) clipped to [-0.5, 0.5] (so 1 + w is 0.5...1.5), so
the logits span several units before the soft cap of 5.
"""
import os
import shutil

import numpy as np
import torch
from gguf import GGMLQuantizationType, GGUFReader, GGUFWriter, quants
from safetensors.torch import save_file
from transformers import Gemma3ForCausalLM, Gemma3TextConfig

HERE = os.path.dirname(os.path.abspath(__file__))
OUTPUT = os.path.join(HERE, "gemma3-gguf")
VOCAB = 101
LAYERS = 6
SEED = 20261124
INPUT_IDS = torch.tensor([[1, 17, 42, 99, 3, 56, 100], [1, 8, 8, 23, 71, 64, 5]], dtype=torch.long)

Q = GGMLQuantizationType
TYPES = {"f32": Q.F32, "q8_0": Q.Q8_0}
# llama.cpp's general.file_type (enum llama_ftype) for a file whose matrices are all of one type.
FILE_TYPES = {Q.F32: 0, Q.Q8_0: 7}

# transformers module -> llama.cpp tensor name (gguf-py tensor_mapping.py for MODEL_ARCH.GEMMA3).
LAYER_NAMES = {
    "input_layernorm": "attn_norm", "post_attention_layernorm": "post_attention_norm",
    "pre_feedforward_layernorm": "ffn_norm", "post_feedforward_layernorm": "post_ffw_norm",
    "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output", "self_attn.q_norm": "attn_q_norm", "self_attn.k_norm": "attn_k_norm",
    "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down",
}


def gemma3_config():
    return Gemma3TextConfig(
        vocab_size=VOCAB, hidden_size=64, intermediate_size=128, num_hidden_layers=LAYERS,
        num_attention_heads=4, num_key_value_heads=2, head_dim=16, max_position_embeddings=128,
        tie_word_embeddings=True, bos_token_id=1, eos_token_id=2, pad_token_id=0, rms_norm_eps=1e-6,
        rope_parameters={"full_attention": {"rope_type": "default", "rope_theta": 1_000_000.0},
                         "sliding_attention": {"rope_type": "default", "rope_theta": 10_000.0}},
        layer_types=["sliding_attention"] * 5 + ["full_attention"], sliding_window=4,
        query_pre_attn_scalar=16, final_logit_softcapping=5.0, attn_logit_softcapping=None,
        hidden_activation="gelu_pytorch_tanh")


def random_model(config):
    torch.manual_seed(SEED)
    model = Gemma3ForCausalLM(config).float()
    generator = torch.Generator().manual_seed(SEED)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            noise = torch.randn(parameter.shape, generator=generator)
            if name.endswith("norm.weight"):
                parameter.copy_((0.3 * noise).clamp(-0.5, 0.5))
            elif name == "model.embed_tokens.weight":
                parameter.copy_(0.1 * noise)
            else:
                parameter.copy_(1.6 / parameter.shape[1] ** 0.5 * noise)
    model.config._attn_implementation = "eager"
    model.eval()
    return model


def gguf_name(hf_name):
    fixed = {"model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight"}
    if hf_name in fixed:
        return fixed[hf_name]
    _, _, block, rest = hf_name.split(".", 3)
    module, suffix = rest.rsplit(".", 1)
    return f"blk.{block}.{LAYER_NAMES[module]}.{suffix}"


def export(model, qtype, path):
    """Gemma3Model.set_gguf_parameters and modify_tensors of convert_hf_to_gguf.py."""
    config = model.config
    writer = GGUFWriter(path, "gemma3")
    writer.add_name("imprint-tiny-gemma3")
    writer.add_context_length(config.max_position_embeddings)
    writer.add_embedding_length(config.hidden_size)
    writer.add_block_count(config.num_hidden_layers)
    writer.add_feed_forward_length(config.intermediate_size)
    writer.add_head_count(config.num_attention_heads)
    writer.add_head_count_kv(config.num_key_value_heads)
    writer.add_key_length(config.head_dim)
    writer.add_value_length(config.head_dim)
    writer.add_layer_norm_rms_eps(config.rms_norm_eps)
    writer.add_rope_freq_base(config.rope_parameters["full_attention"]["rope_theta"])
    writer.add_rope_freq_base_swa(config.rope_parameters["sliding_attention"]["rope_theta"])
    writer.add_sliding_window(config.sliding_window)
    writer.add_final_logit_softcapping(config.final_logit_softcapping)
    writer.add_vocab_size(config.vocab_size)
    writer.add_bos_token_id(config.bos_token_id)
    writer.add_eos_token_id(config.eos_token_id)
    writer.add_file_type(FILE_TYPES[qtype])
    writer.add_quantization_version(2)
    for hf_name, tensor in model.state_dict().items():
        if hf_name == "lm_head.weight":
            continue  # tied
        data = tensor.detach().numpy().astype(np.float32)
        if hf_name.endswith("norm.weight"):
            data = data + 1  # Gemma3RMSNorm: x * (1 + w)
        if data.ndim == 2 and qtype != Q.F32:
            raw = quants.quantize(data, qtype)
            writer.add_tensor(gguf_name(hf_name), raw, raw_shape=raw.shape, raw_dtype=qtype)
        else:
            writer.add_tensor(gguf_name(hf_name), data)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def export_header(path, layers, hidden, heads, head_dim, sliding_window, local_rope_theta):
    """Metadata only, plus the token_embd whose row count gives the vocabulary."""
    writer = GGUFWriter(path, "gemma3")
    writer.add_name("imprint-gemma3-header")
    writer.add_context_length(128)
    writer.add_embedding_length(hidden)
    writer.add_block_count(layers)
    writer.add_feed_forward_length(4 * hidden)
    writer.add_head_count(heads)
    writer.add_head_count_kv(heads // 2)
    writer.add_key_length(head_dim)
    writer.add_value_length(head_dim)
    writer.add_layer_norm_rms_eps(1e-6)
    writer.add_rope_freq_base(1_000_000.0)
    writer.add_rope_freq_base_swa(local_rope_theta)
    if sliding_window is not None:
        writer.add_sliding_window(sliding_window)
    writer.add_file_type(FILE_TYPES[Q.Q8_0])
    raw = quants.quantize(np.zeros((VOCAB, 32), dtype=np.float32), Q.Q8_0)
    writer.add_tensor("token_embd.weight", raw, raw_shape=raw.shape, raw_dtype=Q.Q8_0)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def read_back(path, model):
    """The `transformers` state dict held by a GGUF file: dequantized, 1 subtracted from the norms."""
    names = {gguf_name(key): key for key in model.state_dict() if key != "lm_head.weight"}
    state = {}
    for tensor in GGUFReader(path).tensors:
        shape = tuple(int(size) for size in reversed(tensor.shape))
        data = quants.dequantize(tensor.data, tensor.tensor_type).reshape(shape)
        if tensor.name.endswith("norm.weight"):
            data = data - 1
        state[names[tensor.name]] = torch.from_numpy(np.array(data, dtype=np.float32))
    return state


def logits_from_file(config, model, path):
    copy = Gemma3ForCausalLM(config).float()
    copy.config._attn_implementation = "eager"
    missing, unexpected = copy.load_state_dict(read_back(path, model), strict=False)
    assert set(missing) <= {"lm_head.weight"} and not unexpected, (missing, unexpected)
    copy.tie_weights()
    copy.eval()
    with torch.no_grad():
        return copy(input_ids=INPUT_IDS).logits.clone()


if __name__ == "__main__":
    torch.use_deterministic_algorithms(True)
    shutil.rmtree(OUTPUT, ignore_errors=True)
    os.makedirs(OUTPUT)
    config = gemma3_config()
    model = random_model(config)
    with torch.no_grad():
        original = model(input_ids=INPUT_IDS).logits
    reference = {"input_ids": INPUT_IDS.clone()}
    for label, qtype in TYPES.items():
        stem = f"gemma3-{label}"
        path = os.path.join(OUTPUT, f"{stem}.gguf")
        export(model, qtype, path)
        logits = logits_from_file(config, model, path)
        if qtype == Q.F32:
            # 1 + w - 1 rounds in float32, so the round trip is close but not always bit-exact.
            assert torch.allclose(logits, original, rtol=0, atol=1e-5), f"{stem}: the F32 round trip changed the logits"
        reference[f"{stem}.logits"] = logits
        print(f"{stem}: {os.path.getsize(path)} bytes, logits max |x| {float(logits.abs().max()):.3f}, "
              f"std {float(logits.std()):.3f}, max |Δ| from the float32 model {float((logits - original).abs().max()):.4f}")
    export_header(os.path.join(OUTPUT, "header-62-layers.gguf"), layers=62, hidden=5376, heads=32, head_dim=128,
                  sliding_window=1024, local_rope_theta=20_000.0)
    export_header(os.path.join(OUTPUT, "header-no-window.gguf"), layers=LAYERS, hidden=64, heads=4, head_dim=16,
                  sliding_window=None, local_rope_theta=10_000.0)
    save_file(reference, os.path.join(OUTPUT, "reference.safetensors"), metadata={"format": "pt"})
