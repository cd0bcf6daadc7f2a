// Block-quantized weight matrices as llama.cpp stores them (ggml Q8_0, Q4_0, Q4_1): each row is
// `columns / 32` blocks; a block holds a float16 scale (and, for Q4_1, a float16 minimum) and 32
// codes. Values: Q8_0 d·q; Q4_0 d·(q − 8); Q4_1 d·q + m (low nibbles are elements 0–15, high
// nibbles 16–31).
#ifndef IMPRINT_QUANTIZED_H
#define IMPRINT_QUANTIZED_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum imprint_quant_format { IMPRINT_Q8_0 = 0, IMPRINT_Q4_0 = 1, IMPRINT_Q4_1 = 2 };

/// Bytes of one 32-value block of `format`.
size_t imprint_quant_block_bytes(int format);

/// Dequantizes rows [row_start, row_start + row_count) of a `columns`-wide matrix into `out`
/// (row-major, `columns` floats per row).
void imprint_quant_dequantize_rows(int format, const uint8_t *blocks, size_t columns, size_t row_start,
                                   size_t row_count, float *out);

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
