// Block-quantized weight matrices as llama.cpp stores them (ggml's Q8_0, Q4_0, Q4_1, Q5_0, Q5_1,
// IQ4_NL in blocks of 32 weights; Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_XS in super-blocks of 256):
// each row is `columns / imprint_quant_block_values(format)` blocks. Values are bitwise those of
// gguf-py's `gguf.quants.dequantize` (e.g. Q8_0 d·q; Q4_0 d·(q − 8); Q4_1 d·q + m; Q4_K
// (d·sc)·q − dmin·m per sub-block of 32); layouts in quantized_blocks.h.
#ifndef IMPRINT_QUANTIZED_H
#define IMPRINT_QUANTIZED_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum imprint_quant_format {
    IMPRINT_Q8_0 = 0, IMPRINT_Q4_0 = 1, IMPRINT_Q4_1 = 2, IMPRINT_Q5_0 = 3, IMPRINT_Q5_1 = 4,
    IMPRINT_Q2_K = 5, IMPRINT_Q3_K = 6, IMPRINT_Q4_K = 7, IMPRINT_Q5_K = 8, IMPRINT_Q6_K = 9,
    IMPRINT_IQ4_NL = 10, IMPRINT_IQ4_XS = 11
};

/// Bytes of one block of `format` (0 for an unknown format).
size_t imprint_quant_block_bytes(int format);

/// Weights in one block of `format`: 32, or 256 for the K-quants and IQ4_XS.
size_t imprint_quant_block_values(int format);

/// Dequantizes rows [row_start, row_start + row_count) of a `columns`-wide matrix into `out`
/// (row-major, `columns` floats per row).
void imprint_quant_dequantize_rows(int format, const uint8_t *blocks, size_t columns, size_t row_start,
                                   size_t row_count, float *out);

/// Values [first, first + count) of row `row` of a block-quantized matrix of `columns` columns, as
/// imprint_quant_dequantize_rows gives them (any range; whole blocks are decoded straight into `out`).
void imprint_quant_decode_range(int format, const uint8_t *blocks, size_t columns, size_t row, size_t first,
                                size_t count, float *out);

/// y[i * ldy + n] = Σ_k x[i * columns + k] · W[n][k] for n in [row_start, row_end), i < m:
/// the product x · Wᵀ restricted to some output columns, reading each weight row once.
void imprint_quant_matmul(int format, const uint8_t *blocks, size_t columns, size_t row_start, size_t row_end,
                          const float *x, size_t m, float *y, size_t ldy);

/// y[i * ldy + n] = Σ_k x[i * columns + k] · W[n * columns + k] for n in [row_start, row_end), i < m:
/// x · Wᵀ for a float32 row-major W, reading each weight row once (small m; no packing).
void imprint_dense_matmul(const float *weights, size_t columns, size_t row_start, size_t row_end,
                          const float *x, size_t m, float *y, size_t ldy);

/// Whether the two products above use their AVX-512 kernels (on CPUs that have AVX-512 F and BW)
/// or the portable loops: 1 or 0 sets it (0 for tests that compare the two), -1 only asks.
/// Returns the setting before the call.
int imprint_small_matmul_vectorized(int enabled);

#ifdef __cplusplus
}
#endif

#endif
