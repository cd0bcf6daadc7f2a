// Products of block-quantized weights with int8-quantized activations, with llama.cpp's CPU
// quantization (ggml 0.25, llama-cpp-python 0.3.36): before every product with Q8_0, Q4_0, Q5_0 or
// IQ4_NL weights ggml quantizes the float32 activations to Q8_0 blocks, before Q4_1 / Q5_1 weights
// to Q8_1 blocks (Q8_0 plus s = d·Σq), and each output is
//     Σ_b (d_w,b · d_x,b) · Σ_l q_w,b[l] · q_x,b[l]   (+ Σ_b m_w,b · s_x,b for Q4_1, Q5_1)
// Imprint sums each block's integer dot product exactly and adds the blocks in order (see
// quantized_int8.c); ggml's x86 `vec_dot` adds eight partial sums per block in eight float lanes
// instead, so the two differ in the last bits (as llama.cpp's own repacked kernels differ from it).
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
/// Outputs: `codes` [m, columns]; `scales` and `sums` [m, columns / 32], the float16 d and s as float32;
/// `totals` [m, columns / 32], each block's Σq (exact).
void imprint_int8_quantize_rows(const float *x, size_t columns, size_t m, int8_t *codes, float *scales, float *sums,
                                int32_t *totals);

/// y[i * ldy + n] = the int8 product of weight row n (for n in [row_start, row_end)) with
/// activation row i < m, quantized by `imprint_int8_quantize_rows`. `format` must be supported.
void imprint_int8_matmul(int format, const uint8_t *blocks, size_t columns, size_t row_start, size_t row_end,
                         const int8_t *codes, const float *scales, const float *sums, size_t m, float *y, size_t ldy);

/// The int8 kernel in use: 0 the portable loop, 1 the same loop compiled for AVX-512 (BW, VL),
/// 2 AVX-512 VNNI (`vpdpbusd`) on repacked weights (`imprint_int8_matmul_packed`). A value ≥ 0
/// selects that kernel, or the best this CPU has below it; -1 only asks. Returns the kernel in use
/// before the call. Every kernel gives the same bits.
int imprint_int8_kernel(int kernel);

/// 1 when this CPU has the VNNI kernel (whatever kernel is selected now).
int imprint_int8_vnni_available(void);

/// Bytes of `rows` × `columns` weights of `format` repacked for the VNNI kernel (groups of 16 rows,
/// the last padded): 0 for a format without an int8 product.
size_t imprint_int8_packed_bytes(int format, size_t rows, size_t columns);

/// Repacks groups [group_start, group_end) (16 rows each) of `blocks` into `packed`
/// (`imprint_int8_packed_bytes` long; see quantized_int8.c for the layout).
void imprint_int8_pack(int format, const uint8_t *blocks, size_t rows, size_t columns, size_t group_start, size_t group_end,
                       uint8_t *packed);

/// As `imprint_int8_matmul` for rows 16·group_start ..< min(16·group_end, rows), from repacked
/// weights, with the activation blocks' Σq (`totals`). Returns 0, computing nothing, where the
/// VNNI kernel is not the one in use (the caller then runs `imprint_int8_matmul` on the blocks).
int imprint_int8_matmul_packed(int format, const uint8_t *packed, size_t columns, size_t rows, size_t group_start,
                               size_t group_end, const int8_t *codes, const float *scales, const float *sums,
                               const int32_t *totals, size_t m, float *y, size_t ldy);

#ifdef __cplusplus
}
#endif

#endif
