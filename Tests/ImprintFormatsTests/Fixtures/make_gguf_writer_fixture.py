"""A small GGUF file written by gguf-py's GGUFWriter, for GGUFWriterTests (byte equality).

Run once from this folder; the output is committed and the Swift tests never need Python.
    /work/.venv-ref/bin/python make_gguf_writer_fixture.py
Pinned stack: gguf 0.19.0, numpy 2.4.

Writes written_by_gguf_py.gguf (version 3, general.alignment 64):
  metadata    general.architecture "imprint-test" (GGUFWriter adds it first), then one key of every
              value type: u8, i8, u16, i16, u32, i32, u64, i64, f32, f64, bool, a UTF-8 string,
              arrays of int32, float32, string, bool, and an array of arrays (uint8 arrays),
              then general.alignment = 64 (uint32).
  tensors     input        F32  [3, 64]  the source values (rows below)
              input.f16    F16  [3, 64]  gguf.quants.quantize(input, F16)  (numpy astype: ties to even)
              input.bf16   BF16 [3, 64]  gguf.quants.quantize(input, BF16)
              input.q8_0   Q8_0 [3, 64]  gguf.quants.quantize(input, Q8_0)
              odd          F32  [5]      5 floats, so the next tensor's data needs padding
              ids          I32  [2, 3]   integers
  Rows of `input` (each 64 values = 2 Q8_0 blocks):
    0: float16 rounding cases: halfway between neighbours (1 + 2^-11 -> 1, 1 + 3*2^-11 -> up to even),
       subnormal halves (2^-25 -> 0, 3*2^-25 -> 2^-23), 65519 -> 65504, 65520 -> inf, -0.0, 1e-8,
       then seeded normal noise.
    1: a Q8_0 block whose max is 127, so the scale is 1 and x.5 values round away from zero
       (0.5 -> 1, -2.5 -> -3), then a block of zeros (scale 0).
    2: seeded normal noise times 0.02 (weights-like), a scale not exact in float16.
"""
import os

import numpy as np
from gguf import GGMLQuantizationType, GGUFValueType, GGUFWriter, quants

HERE = os.path.dirname(os.path.abspath(__file__))
Q = GGMLQuantizationType


def input_rows():
    rng = np.random.default_rng(20261201)
    special = [1 + 2.0 ** -11, 1 + 3 * 2.0 ** -11, 2.0 ** -25, 3 * 2.0 ** -25, 65519.0, 65520.0, -0.0, 1e-8,
               -(1 + 2.0 ** -11), 0.1, 1 / 3, -1e5]
    row0 = np.concatenate([np.array(special), rng.standard_normal(64 - len(special))])
    halves = np.array([127.0, 0.5, -0.5, 2.5, -2.5, 126.5, -126.5, 3.49999])
    block = np.concatenate([halves, np.linspace(-100, 100, 32 - len(halves))])
    row1 = np.concatenate([block, np.zeros(32)])
    row2 = 0.02 * rng.standard_normal(64)
    return np.stack([row0, row1, row2]).astype(np.float32)


def main():
    path = os.path.join(HERE, "written_by_gguf_py.gguf")
    writer = GGUFWriter(path, "imprint-test")
    writer.add_uint8("test.u8", 200)
    writer.add_int8("test.i8", -100)
    writer.add_uint16("test.u16", 60000)
    writer.add_int16("test.i16", -30000)
    writer.add_uint32("test.u32", 4_000_000_000)
    writer.add_int32("test.i32", -2_000_000_000)
    writer.add_uint64("test.u64", 2 ** 63 + 5)
    writer.add_int64("test.i64", -(2 ** 62))
    writer.add_float32("test.f32", 0.1)
    writer.add_float64("test.f64", 0.1)
    writer.add_bool("test.bool", True)
    writer.add_string("test.string", "héllo, 日本語 🙂")
    writer.add_array("test.ints", [1, -2, 3])
    writer.add_array("test.floats", [0.5, -1.25])
    writer.add_array("test.strings", ["a", "", "ü"])
    writer.add_array("test.bools", [True, False])
    writer.add_key_value("test.nested", [b"\x01\x02", b"\x03"], GGUFValueType.ARRAY, sub_type=GGUFValueType.ARRAY)
    writer.add_custom_alignment(64)

    data = input_rows()
    writer.add_tensor("input", data)
    for label, qtype in (("f16", Q.F16), ("bf16", Q.BF16), ("q8_0", Q.Q8_0)):
        raw = quants.quantize(data, qtype)
        writer.add_tensor(f"input.{label}", raw, raw_shape=raw.shape if qtype != Q.Q8_0 else None, raw_dtype=qtype)
    writer.add_tensor("odd", np.array([1, 2, 3, 4, 5], dtype=np.float32))
    writer.add_tensor("ids", np.array([[1, -2, 3], [4, 5, -6]], dtype=np.int32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    print(path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
