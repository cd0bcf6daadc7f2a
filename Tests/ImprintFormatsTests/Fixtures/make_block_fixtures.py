"""Random blocks of every quantized ggml type Imprint dequantizes, with gguf-py's dequantization.

Run once from this folder; the outputs are committed and the Swift tests never need Python.
    /work/.venv-ref/bin/python make_block_fixtures.py
Pinned stack (see shared/bench/python-reference.txt): numpy 2.4, gguf 0.19.

Outputs
- blocks.gguf: one tensor `blocks.<TYPE>` per type (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K,
  Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS): 48 blocks of 32 weights ([6, 256]) or 24 super-blocks of
  256 ([4, 1536]). Every byte is random (so every code, sub-block scale and high-bit pattern
  occurs), then the float16 fields (d, and dmin / m where the type has one) are overwritten:
  the first blocks cycle through extreme values (float16 max and -max, the smallest and largest
  subnormals and their negatives, the smallest normal, +0, -0, 1, -1), the rest are random
  finite float16 bit patterns of any exponent. Infinities and NaN are left out: their products
  are not finite and their NaN payloads are not part of the format.
- blocks_<TYPE>.npy: `gguf.quants.dequantize` of that tensor (float32, NumPy shape).

gguf-py dequantizes all of these types, even those it cannot quantize (K-quants, IQ4_*), so
random bytes test the decoders without any quantizer.
"""
import os

import numpy as np
from gguf import GGMLQuantizationType as Q
from gguf import GGUFWriter, quants
from gguf.constants import GGML_QUANT_SIZES

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261205)

# Byte offsets of the float16 fields inside one block (ggml-common.h's block_* structs).
HALF_FIELDS = {
    Q.Q4_0: [0], Q.Q4_1: [0, 2], Q.Q5_0: [0], Q.Q5_1: [0, 2], Q.Q8_0: [0],
    Q.Q2_K: [80, 82], Q.Q3_K: [108], Q.Q4_K: [0, 2], Q.Q5_K: [0, 2], Q.Q6_K: [208],
    Q.IQ4_NL: [0], Q.IQ4_XS: [0],
}
EXTREMES = [0x7BFF, 0xFBFF, 0x0001, 0x8001, 0x03FF, 0x83FF, 0x0400, 0x0000, 0x8000, 0x3C00, 0xBC00]


def random_finite_halves(count):
    bits = rng.integers(0, 1 << 16, size=count, dtype=np.uint32)
    exponent = (bits >> 10) & 0x1F
    bits = np.where(exponent == 0x1F, bits & ~np.uint32(0x4000), bits)  # exponent 31 -> 15
    return bits.astype(np.uint16)


def random_blocks(qtype):
    block_size, type_size = GGML_QUANT_SIZES[qtype]
    rows, blocks_per_row = (6, 8) if block_size == 32 else (4, 6)
    n_blocks = rows * blocks_per_row
    blocks = rng.integers(0, 256, size=(n_blocks, type_size), dtype=np.uint8)
    for field_index, offset in enumerate(HALF_FIELDS[qtype]):
        halves = random_finite_halves(n_blocks)
        for block in range(n_blocks):
            # Each field runs through the extremes with its own phase, so d and dmin meet in many pairs.
            position = block + 3 * field_index
            if block < 2 * len(EXTREMES):
                halves[block] = EXTREMES[position % len(EXTREMES)]
        blocks[:, offset:offset + 2] = halves.view(np.uint8).reshape(n_blocks, 2)
    return blocks.reshape(rows, blocks_per_row * type_size), (rows, blocks_per_row * block_size)


def main():
    writer = GGUFWriter(os.path.join(HERE, "blocks.gguf"), "llama")
    for qtype in HALF_FIELDS:
        raw, shape = random_blocks(qtype)
        reference = quants.dequantize(raw, qtype)
        assert reference.dtype == np.float32 and reference.shape == shape, (qtype, reference.shape)
        assert np.isfinite(reference).all(), qtype
        writer.add_tensor(f"blocks.{qtype.name}", raw, raw_shape=raw.shape, raw_dtype=qtype)
        np.save(os.path.join(HERE, f"blocks_{qtype.name}.npy"), reference)
        print(f"{qtype.name}: {shape}, max |y| {np.abs(reference).max():.4g}, "
              f"{int((reference == 0).sum())} zeros, {int(np.signbit(reference[reference == 0]).sum())} of them -0")
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


if __name__ == "__main__":
    main()
