// Products of block-quantized weights with int8-quantized activations, as llama.cpp's CPU backend
// (ggml 0.25, llama-cpp-python 0.3.36) computes them: before every product with Q8_0, Q4_0, Q5_0
// or IQ4_NL weights ggml quantizes the float32 activations to Q8_0 blocks, before Q4_1 / Q5_1
// weights to Q8_1 blocks (Q8_0 plus s = d·Σq), and each output is
//     Σ_b (d_w,b · d_x,b) · Σ_l q_w,b[l] · q_x,b[l]   (+ Σ_b m_w,b · s_x,b for Q4_1, Q5_1)
// (ggml_vec_dot_q8_0_q8_0 and siblings, llamafile's tinyBLAS for larger batches).
#ifndef IMPRINT_INT8_H
#define IMPRINT_INT8_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when products with `format` (an `imprint_quant_format`) have an int8 version: Q8_0, Q4_0,
/// Q4_1, Q5_0, Q5_1 and IQ4_NL (the formats whose activations llama.cpp quantizes to Q8_0 / Q8_1).
/// The K-quants and IQ4_XS (Q8_K activations) do not: 0.
int imprint_int8_supported(int format);

/// Quantizes `m` rows of `columns` (a multiple of 32) floats to 32-value blocks as ggml's x86
/// `quantize_row_q8_0` / `quantize_row_q8_1` (AVX2 path) do: per block amax = max |x|,
/// d = amax / 127 (stored as float16, round to nearest even), id = amax ≠ 0 ? 127 / amax : 0,
/// q = round-half-to-even(x · id) (`_mm256_round_ps(_MM_ROUND_NEAREST)`), saturated to int8,
/// and Q8_1's s = float16(d · Σq) with the unrounded d.
/// Outputs: `codes` [m, columns]; `scales` and `sums` [m, columns / 32], the float16 d and s as float32.
void imprint_int8_quantize_rows(const float *x, size_t columns, size_t m, int8_t *codes, float *scales, float *sums);

/// y[i * ldy + n] = the int8 product of weight row n (for n in [row_start, row_end)) with
/// activation row i < m, quantized by `imprint_int8_quantize_rows`. `format` must be supported.
void imprint_int8_matmul(int format, const uint8_t *blocks, size_t columns, size_t row_start, size_t row_end,
                         const int8_t *codes, const float *scales, const float *sums, size_t m, float *y, size_t ldy);

/// The kernel `imprint_int8_matmul` uses: 0 the portable loop, 1 AVX-512 BW (`vpmaddubsw` +
/// `vpmaddwd`), 2 AVX-512 VNNI (`vpdpbusd`). A value ≥ 0 selects that kernel, or the best this
/// CPU has below it; -1 only asks. Returns the kernel in use before the call.
int imprint_int8_kernel(int kernel);

#ifdef __cplusplus
}
#endif

#endif
