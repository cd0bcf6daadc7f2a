"""Fixtures for ImprintFormatsTests: tiny GGUF, safetensors and .npy files with reference values.

Run once from this folder; the outputs are committed and the Swift tests never need Python.
    /work/.venv-ref/bin/python make_format_fixtures.py
Pinned stack (see shared/bench/python-reference.txt): numpy 2.4.6, gguf 0.19, safetensors 0.8.0, torch 2.15.

Outputs
- quants.gguf: one tensor per ggml type (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q6_K) plus
  metadata of every GGUF value type; quant_<TYPE>.npy: `gguf.quants.dequantize` of that tensor
  (float32, NumPy shape). Q4_K/Q6_K have no quantizer in gguf-py, so their blocks are random
  bytes with finite fp16 scales.
- aligned64.gguf: `general.alignment = 64`, two F32 tensors (values 0..<n as float32).
- mixed.safetensors (safetensors.torch.save_file): f32 [2,3], f16 [4], bf16 [3,2], i64 [3],
  i32 [2,2], metadata {"format": "pt"}; mixed_<name>.npy holds each tensor's values (float32,
  int64 or int32).
- sharded/: model.safetensors.index.json + two shards (a, b in shard 1; c in shard 2).
- written_reference.safetensors: what `safetensors.torch.save_file` writes for the tensors in
  written_source_<name>.npy converted to f32/f16/bf16, metadata {"format": "pt"}; the Swift
  writer must produce the same bytes from the same float32 sources.
- npy_f32.npy [2,3], npy_f32_scalar.npy [], npy_i64.npy [4], npy_i32.npy [2,2] from numpy.save.
"""
import json
import os

import numpy as np
import torch
from gguf import GGUFWriter, GGMLQuantizationType as Q
from gguf import quants
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(1234)


def out(name):
    return os.path.join(HERE, name)


def random_k_blocks(qtype, rows, row_length):
    """Random Q4_K / Q6_K bytes with finite, moderate fp16 super-scales."""
    block_size, type_size = 256, {Q.Q4_K: 144, Q.Q6_K: 210}[qtype]
    n_blocks = rows * row_length // block_size
    blocks = rng.integers(0, 256, size=(n_blocks, type_size), dtype=np.uint8)
    if qtype == Q.Q4_K:
        blocks[:, 0:2] = rng.uniform(0.001, 0.01, size=(n_blocks, 1)).astype(np.float16).view(np.uint8)
        blocks[:, 2:4] = rng.uniform(0.001, 0.01, size=(n_blocks, 1)).astype(np.float16).view(np.uint8)
    else:
        blocks[:, 208:210] = rng.uniform(-0.01, 0.01, size=(n_blocks, 1)).astype(np.float16).view(np.uint8)
    return blocks.reshape(rows, row_length // block_size * type_size)


def make_gguf():
    writer = GGUFWriter(out("quants.gguf"), "llama")
    writer.add_uint8("test.uint8", 200)
    writer.add_int8("test.int8", -100)
    writer.add_uint16("test.uint16", 60000)
    writer.add_int16("test.int16", -30000)
    writer.add_uint32("test.uint32", 4_000_000_000)
    writer.add_int32("test.int32", -2_000_000_000)
    writer.add_uint64("test.uint64", 18_000_000_000_000_000_000)
    writer.add_int64("test.int64", -9_000_000_000_000_000_000)
    writer.add_float32("test.float32", 0.15625)
    writer.add_float64("test.float64", 0.1)
    writer.add_bool("test.bool_true", True)
    writer.add_bool("test.bool_false", False)
    writer.add_string("test.string", "héllo wörld ✓")
    writer.add_array("test.strings", ["a", "", "ü b"])
    writer.add_array("test.int32s", [1, -2, 3])
    writer.add_array("test.float32s", [0.5, -1.25])
    writer.add_array("test.nested", [["x", "y"], ["z"]])
    writer.add_block_count(2)

    shapes = {  # NumPy shape [rows, row_length]; row_length a multiple of the block size
        Q.F32: (7,),
        Q.F16: (3, 5),
        Q.BF16: (2, 3, 4),
        Q.Q8_0: (5, 64),
        Q.Q4_0: (3, 96),
        Q.Q4_1: (7, 32),
        Q.Q4_K: (3, 512),
        Q.Q6_K: (2, 256),
    }
    for qtype, shape in shapes.items():
        if qtype in (Q.Q4_K, Q.Q6_K):
            raw = random_k_blocks(qtype, shape[0], shape[1])
        else:
            values = rng.standard_normal(shape).astype(np.float32)
            raw = quants.quantize(values, qtype)
        reference = quants.dequantize(raw, qtype).astype(np.float32)
        assert reference.shape == shape, (qtype, reference.shape)
        writer.add_tensor(f"tensor.{qtype.name}", raw, raw_shape=raw.shape, raw_dtype=qtype)
        np.save(out(f"quant_{qtype.name}.npy"), reference)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()

    aligned = GGUFWriter(out("aligned64.gguf"), "llama")
    aligned.add_custom_alignment(64)
    aligned.add_tensor("first", np.arange(3, dtype=np.float32))
    aligned.add_tensor("second", np.arange(10, dtype=np.float32).reshape(2, 5))
    aligned.write_header_to_file()
    aligned.write_kv_data_to_file()
    aligned.write_tensors_to_file()
    aligned.close()


def make_safetensors():
    f32 = torch.tensor([[1.0, -2.5, 3.25], [0.0, 1e-3, -7.0]], dtype=torch.float32)
    f16 = torch.tensor([0.5, -1.0, 65504.0, 6e-8], dtype=torch.float16)
    bf16 = torch.tensor([[1.0, -3.0], [0.1, 1e30], [-0.0, 2.0]], dtype=torch.bfloat16)
    i64 = torch.tensor([1, -2, 9_000_000_000], dtype=torch.int64)
    i32 = torch.tensor([[7, -8], [2_000_000_000, 0]], dtype=torch.int32)
    tensors = {"f32": f32, "f16": f16, "bf16": bf16, "i64": i64, "i32": i32}
    save_file(tensors, out("mixed.safetensors"), metadata={"format": "pt"})
    for name, tensor in tensors.items():
        array = tensor.float().numpy() if tensor.is_floating_point() else tensor.numpy()
        np.save(out(f"mixed_{name}.npy"), array)

    os.makedirs(out("sharded"), exist_ok=True)
    shard1 = {"a": torch.arange(6, dtype=torch.float32).reshape(2, 3), "b": torch.tensor([1.5], dtype=torch.float16)}
    shard2 = {"c": torch.tensor([[2.0, 4.0]], dtype=torch.bfloat16)}
    names = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
    save_file(shard1, out(f"sharded/{names[0]}"), metadata={"format": "pt"})
    save_file(shard2, out(f"sharded/{names[1]}"), metadata={"format": "pt"})
    index = {"metadata": {"total_size": 30}, "weight_map": {"a": names[0], "b": names[0], "c": names[1]}}
    with open(out("sharded/model.safetensors.index.json"), "w") as f:
        json.dump(index, f, indent=2)

    sources = {
        "weight": rng.standard_normal((3, 4)).astype(np.float32),
        "half": (rng.standard_normal(5) * 100).astype(np.float32),
        "brain": rng.standard_normal((2, 2)).astype(np.float32),
        "a_first": np.array([1.0, 2.0], dtype=np.float32),
    }
    sources["half"][0] = 1.0 + 2.0 ** -11  # a tie: rounds to even in float16
    sources["brain"][0, 0] = np.float32(1.0 + 2.0 ** -8)  # a tie in bfloat16
    for name, array in sources.items():
        np.save(out(f"written_source_{name}.npy"), array)
    written = {
        "weight": torch.from_numpy(sources["weight"]),
        "half": torch.from_numpy(sources["half"]).half(),
        "brain": torch.from_numpy(sources["brain"]).bfloat16(),
        "a_first": torch.from_numpy(sources["a_first"]),
    }
    save_file(written, out("written_reference.safetensors"), metadata={"format": "pt"})


def make_npy():
    np.save(out("npy_f32.npy"), np.array([[1.0, -2.0, 3.5], [0.25, 0.0, -1e-8]], dtype=np.float32))
    np.save(out("npy_f32_scalar.npy"), np.array(4.5, dtype=np.float32))
    np.save(out("npy_i64.npy"), np.array([0, -1, 2 ** 40, 7], dtype=np.int64))
    np.save(out("npy_i32.npy"), np.array([[1, 2], [-3, 2 ** 30]], dtype=np.int32))


if __name__ == "__main__":
    make_gguf()
    make_safetensors()
    make_npy()
