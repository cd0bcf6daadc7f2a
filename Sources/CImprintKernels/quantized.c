// See imprint_quantized.h. The small-batch products read each weight row once: the AVX-512 path
// decodes four weight rows at a time into an L1-resident float32 panel (the exact dequantized
// values) and multiplies the panel with four activation rows at a time, 16 accumulators in zmm
// registers and one shared reduction; the portable path decodes one row and takes its dot
// products with the activations. Block decoders: quantized_blocks.h.
#include "imprint_quantized.h"
#include "quantized_blocks.h"
#include "thread_buffer.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__) && defined(__linux__)
#define IMPRINT_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define IMPRINT_CLONES
#endif

size_t imprint_quant_block_bytes(int format) {
    switch (format) {
    case IMPRINT_Q8_0: return 34;
    case IMPRINT_Q4_0: return 18;
    case IMPRINT_Q4_1: return 20;
    case IMPRINT_Q5_0: return 22;
    case IMPRINT_Q5_1: return 24;
    case IMPRINT_Q2_K: return 84;
    case IMPRINT_Q3_K: return 110;
    case IMPRINT_Q4_K: return 144;
    case IMPRINT_Q5_K: return 176;
    case IMPRINT_Q6_K: return 210;
    case IMPRINT_IQ4_NL: return 18;
    case IMPRINT_IQ4_XS: return 136;
    default: return 0;
    }
}

size_t imprint_quant_block_values(int format) {
    switch (format) {
    case IMPRINT_Q2_K: case IMPRINT_Q3_K: case IMPRINT_Q4_K: case IMPRINT_Q5_K: case IMPRINT_Q6_K: case IMPRINT_IQ4_XS:
        return 256;
    default:
        return 32;
    }
}

// Decodes `count` consecutive blocks of one format (a constant at every call site once inlined).
#define DECODE_BLOCKS(decoder, bytes, values) \
    for (size_t b = 0; b < count; b++) decoder(blocks + b * (bytes), out + b * (values))

// Dequantizes `count` consecutive blocks. Always inlined, so each CPU clone of its callers (and
// the AVX-512 kernels) gets its own vectorized copy; the format test sits outside the block loop.
static inline __attribute__((always_inline)) void decode_blocks(int format, const uint8_t *blocks, size_t count, float *out) {
    switch (format) {
    case IMPRINT_Q8_0: DECODE_BLOCKS(decode_q8_0, 34, 32); break;
    case IMPRINT_Q4_0: DECODE_BLOCKS(decode_q4_0, 18, 32); break;
    case IMPRINT_Q4_1: DECODE_BLOCKS(decode_q4_1, 20, 32); break;
    case IMPRINT_Q5_0: DECODE_BLOCKS(decode_q5_0, 22, 32); break;
    case IMPRINT_Q5_1: DECODE_BLOCKS(decode_q5_1, 24, 32); break;
    case IMPRINT_Q2_K: DECODE_BLOCKS(decode_q2_k, 84, 256); break;
    case IMPRINT_Q3_K: DECODE_BLOCKS(decode_q3_k, 110, 256); break;
    case IMPRINT_Q4_K: DECODE_BLOCKS(decode_q4_k, 144, 256); break;
    case IMPRINT_Q5_K: DECODE_BLOCKS(decode_q5_k, 176, 256); break;
    case IMPRINT_Q6_K: DECODE_BLOCKS(decode_q6_k, 210, 256); break;
    case IMPRINT_IQ4_NL: DECODE_BLOCKS(decode_iq4_nl, 18, 32); break;
    case IMPRINT_IQ4_XS: DECODE_BLOCKS(decode_iq4_xs, 136, 256); break;
    default: break;
    }
}

// The bytes of one row of `columns` weights.
static inline size_t row_bytes_of(int format, size_t columns) {
    return columns / imprint_quant_block_values(format) * imprint_quant_block_bytes(format);
}

IMPRINT_CLONES
void imprint_quant_dequantize_rows(int format, const uint8_t *blocks, size_t columns, size_t row_start,
                                   size_t row_count, float *out) {
    size_t row_bytes = row_bytes_of(format, columns);
    decode_blocks(format, blocks + row_start * row_bytes, row_count * (columns / imprint_quant_block_values(format)), out);
}

#if defined(__x86_64__) && defined(__clang__)
static int decode_blocks_vectorized(int format, const uint8_t *blocks, size_t count, float *out);
#endif

IMPRINT_CLONES
void imprint_quant_decode_range(int format, const uint8_t *blocks, size_t columns, size_t row, size_t first, size_t count,
                                float *out) {
    size_t values = imprint_quant_block_values(format), bytes = imprint_quant_block_bytes(format);
    const uint8_t *start = blocks + row * row_bytes_of(format, columns);
    size_t first_block = first / values, end_block = (first + count + values - 1) / values;
    if (first % values == 0 && count % values == 0) {
#if defined(__x86_64__) && defined(__clang__)
        if (decode_blocks_vectorized(format, start + first_block * bytes, end_block - first_block, out)) return;
#endif
        decode_blocks(format, start + first_block * bytes, end_block - first_block, out);
        return;
    }
    float block[256];  // the largest block (K-quants)
    for (size_t b = first_block; b < end_block; b++) {
        decode_blocks(format, start + b * bytes, 1, block);
        size_t from = b * values < first ? first - b * values : 0;
        size_t to = (b + 1) * values > first + count ? first + count - b * values : values;
        for (size_t i = from; i < to; i++) out[b * values + i - first] = block[i];
    }
}

// Whether the portable product splits off a per-block offset (Q4_0's −8·d, Q4_1's minimum m),
// which multiplies the block's sum of x; other formats decode their exact values.
static inline int has_offsets(int format) { return format == IMPRINT_Q4_0 || format == IMPRINT_Q4_1; }

// Decodes one 32-weight block of Q8_0, Q4_0 or Q4_1 as codes scaled by the block scale d, and
// returns the block's offset (zero for Q8_0).
static inline __attribute__((always_inline)) float decode_block(int format, const uint8_t *block, float *codes) {
#pragma clang fp contract(off)
    if (format == IMPRINT_Q8_0) {
        float d = half_to_float(read_u16(block));
        const int8_t *q = (const int8_t *)(block + 2);
        for (int i = 0; i < 32; i++) codes[i] = d * (float)q[i];
        return 0.0f;
    }
    const uint8_t *q = block + (format == IMPRINT_Q4_0 ? 2 : 4);
    float d = half_to_float(read_u16(block));
    for (int i = 0; i < 16; i++) codes[i] = d * (float)(q[i] & 0x0f);
    for (int i = 0; i < 16; i++) codes[i + 16] = d * (float)(q[i] >> 4);
    return format == IMPRINT_Q4_0 ? -8.0f * d : half_to_float(read_u16(block + 2));
}

// Sums 32 lanes as a tree (vectorizes, and the order does not depend on the instruction set).
static inline __attribute__((always_inline)) float sum32(float *lanes) {
    for (int l = 0; l < 16; l++) lanes[l] += lanes[l + 16];
    for (int l = 0; l < 8; l++) lanes[l] += lanes[l + 8];
    for (int l = 0; l < 4; l++) lanes[l] += lanes[l + 4];
    return (lanes[0] + lanes[2]) + (lanes[1] + lanes[3]);
}

// Σ_b offsets[b] · block_sums[b] (zero for formats without offsets).
static inline __attribute__((always_inline)) float offset_dot(int format, const float *offsets, const float *block_sums,
                                                             size_t block_count) {
    if (!has_offsets(format)) return 0.0f;
    float lanes[32] = {0};
    size_t b = 0;
    for (; b + 32 <= block_count; b += 32)
        for (int l = 0; l < 32; l++) lanes[l] += offsets[b + l] * block_sums[b + l];
    for (int l = 0; b + l < block_count; l++) lanes[l] += offsets[b + l] * block_sums[b + l];
    return sum32(lanes);
}

// Dot products of one decoded row with four activation rows: accumulators stay in registers and
// each weight vector is loaded once for the four.
// `length` (a multiple of 32) values of each; the four x rows are `stride` apart.
static inline __attribute__((always_inline)) void dot_four_rows(const float *row, size_t length, const float *x, size_t stride,
                                                               float *out) {
    float a0[32] = {0}, a1[32] = {0}, a2[32] = {0}, a3[32] = {0};
    const float *x0 = x, *x1 = x + stride, *x2 = x + 2 * stride, *x3 = x + 3 * stride;
    for (size_t k = 0; k < length; k += 32) {
        for (int l = 0; l < 32; l++) {
            float w = row[k + l];
            a0[l] += w * x0[k + l];
            a1[l] += w * x1[k + l];
            a2[l] += w * x2[k + l];
            a3[l] += w * x3[k + l];
        }
    }
    out[0] = sum32(a0); out[1] = sum32(a1); out[2] = sum32(a2); out[3] = sum32(a3);
}

// The dot product of one decoded row with one activation row.
static inline __attribute__((always_inline)) float dot_one_row(const float *row, size_t columns, const float *x) {
    float a[32] = {0};
    for (size_t k = 0; k < columns; k += 32)
        for (int l = 0; l < 32; l++) a[l] += row[k + l] * x[k + l];
    return sum32(a);
}

// For every output row n: y[i][n] = Σ_k w_n[k]·x_i[k]. Each weight row is decoded once into a
// small buffer (it stays in L1) and multiplied with the activation rows four at a time. Q4_0 and
// Q4_1 rows are decoded as scaled codes, their offsets times the block sums of x (computed once
// per call) added after: y[i][n] = Σ_b Σ_l codes_b[l]·x_i[32b + l] + offset_b·Σ_l x_i[32b + l].
IMPRINT_CLONES
static void quant_matmul_portable(int format, const uint8_t *blocks, size_t columns, size_t row_start, size_t row_end,
                          const float *x, size_t m, float *y, size_t ldy) {
    size_t block_bytes = imprint_quant_block_bytes(format);
    size_t block_count = columns / 32, row_bytes = row_bytes_of(format, columns);
    float *block_sums = (float *)malloc(sizeof(float) * (m * block_count + 1));
    float *row = (float *)malloc(sizeof(float) * (columns + block_count));
    float *offsets = row + columns;
    for (size_t i = 0; has_offsets(format) && i < m; i++) {
        for (size_t b = 0; b < block_count; b++) {
            float total = 0.0f;
            for (int l = 0; l < 32; l++) total += x[i * columns + b * 32 + l];
            block_sums[i * block_count + b] = total;
        }
    }
    float results[4];
    for (size_t n = row_start; n < row_end; n++) {
        const uint8_t *source = blocks + n * row_bytes;
        if (format == IMPRINT_Q8_0 || has_offsets(format)) {
            for (size_t b = 0; b < block_count; b++) offsets[b] = decode_block(format, source + b * block_bytes, row + b * 32);
        } else {
            decode_blocks(format, source, columns / imprint_quant_block_values(format), row);
        }
        size_t i = 0;
        for (; i + 4 <= m; i += 4) {
            dot_four_rows(row, columns, x + i * columns, columns, results);
            for (size_t j = 0; j < 4; j++)
                y[(i + j) * ldy + n] = results[j] + offset_dot(format, offsets, block_sums + (i + j) * block_count, block_count);
        }
        for (; i < m; i++) {
            y[i * ldy + n] = dot_one_row(row, columns, x + i * columns)
                + offset_dot(format, offsets, block_sums + i * block_count, block_count);
        }
    }
    free(row);
    free(block_sums);
}

IMPRINT_CLONES
static void dense_matmul_portable(const float *weights, size_t columns, size_t row_start, size_t row_end,
                          const float *x, size_t m, float *y, size_t ldy) {
    float results[4];
    size_t whole = columns & ~(size_t)31;
    for (size_t n = row_start; n < row_end; n++) {
        const float *row = weights + n * columns;
        size_t i = 0;
        for (; i + 4 <= m; i += 4) {
            dot_four_rows(row, whole, x + i * columns, columns, results);
            for (size_t j = 0; j < 4; j++) {
                float tail = 0.0f;
                for (size_t k = whole; k < columns; k++) tail += row[k] * x[(i + j) * columns + k];
                y[(i + j) * ldy + n] = results[j] + tail;
            }
        }
        for (; i < m; i++) {
            float tail = 0.0f;
            for (size_t k = whole; k < columns; k++) tail += row[k] * x[i * columns + k];
            y[i * ldy + n] = dot_one_row(row, whole, x + i * columns) + tail;
        }
    }
}

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>
#include "avx512_sums.h"
#define AVX512 __attribute__((target("avx512f,avx512bw")))

static int vector_kernels = -1;  // -1: not yet decided

static int avx512_enabled(void) {
    if (vector_kernels < 0) {
        __builtin_cpu_init();
        vector_kernels = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
    }
    return vector_kernels;
}

int imprint_small_matmul_vectorized(int enabled) {
    int previous = avx512_enabled();
    if (enabled >= 0) {
        __builtin_cpu_init();
        vector_kernels = enabled && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
    }
    return previous;
}

/// y[i][j] = Σ_k x_i[k] · w_j[k] for MR activation rows (`ldx` apart) and NR weight rows (`ldw`
/// apart): MR·NR accumulators, each weight vector loaded once for the MR rows. MR and NR are
/// constants at every call site, so the loops unroll and the accumulators stay in registers.
AVX512 static inline __attribute__((always_inline)) void tile(const float *x, size_t ldx, const float *w, size_t ldw,
                                                              size_t k, float *y, size_t ldy, const int MR, const int NR) {
    __m512 sum[4][4];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NR; j++) sum[i][j] = _mm512_setzero_ps();
    size_t kk = 0;
    for (; kk + 16 <= k; kk += 16) {
        __m512 weight[4];
        for (int j = 0; j < NR; j++) weight[j] = _mm512_loadu_ps(w + j * ldw + kk);
        for (int i = 0; i < MR; i++) {
            __m512 value = _mm512_loadu_ps(x + i * ldx + kk);
            for (int j = 0; j < NR; j++) sum[i][j] = _mm512_fmadd_ps(value, weight[j], sum[i][j]);
        }
    }
    if (kk < k) {
        __mmask16 mask = (__mmask16)((1u << (k - kk)) - 1u);
        __m512 weight[4];
        for (int j = 0; j < NR; j++) weight[j] = _mm512_maskz_loadu_ps(mask, w + j * ldw + kk);
        for (int i = 0; i < MR; i++) {
            __m512 value = _mm512_maskz_loadu_ps(mask, x + i * ldx + kk);
            for (int j = 0; j < NR; j++) sum[i][j] = _mm512_fmadd_ps(value, weight[j], sum[i][j]);
        }
    }
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NR; j++) y[i * ldy + j] = _mm512_reduce_add_ps(sum[i][j]);
}

/// The 4 x 4 tile of `tile` with one shared reduction: y[i][j] for four rows of x and of w.
AVX512 static inline __attribute__((always_inline)) void tile4x4(const float *x, size_t ldx, const float *w, size_t ldw,
                                                                 size_t k, float *y, size_t ldy) {
    __m512 sum[16];  // sum[4j + i]: x row i, w row j
    for (int q = 0; q < 16; q++) sum[q] = _mm512_setzero_ps();
    size_t kk = 0;
    for (; kk + 16 <= k; kk += 16) {
        __m512 weight[4];
        for (int j = 0; j < 4; j++) weight[j] = _mm512_loadu_ps(w + j * ldw + kk);
        for (int i = 0; i < 4; i++) {
            __m512 value = _mm512_loadu_ps(x + i * ldx + kk);
            for (int j = 0; j < 4; j++) sum[4 * j + i] = _mm512_fmadd_ps(value, weight[j], sum[4 * j + i]);
        }
    }
    if (kk < k) {
        __mmask16 mask = (__mmask16)((1u << (k - kk)) - 1u);
        __m512 weight[4];
        for (int j = 0; j < 4; j++) weight[j] = _mm512_maskz_loadu_ps(mask, w + j * ldw + kk);
        for (int i = 0; i < 4; i++) {
            __m512 value = _mm512_maskz_loadu_ps(mask, x + i * ldx + kk);
            for (int j = 0; j < 4; j++) sum[4 * j + i] = _mm512_fmadd_ps(value, weight[j], sum[4 * j + i]);
        }
    }
    // Lane 4i + j of the total is sum[4j + i]: row i of y is chunk i.
    __m512 total = sum16(sum);
    _mm_storeu_ps(y, _mm512_extractf32x4_ps(total, 0));
    _mm_storeu_ps(y + ldy, _mm512_extractf32x4_ps(total, 1));
    _mm_storeu_ps(y + 2 * ldy, _mm512_extractf32x4_ps(total, 2));
    _mm_storeu_ps(y + 3 * ldy, _mm512_extractf32x4_ps(total, 3));
}

/// x · Wᵀ for all `m` rows of x (`k` apart) and `nr` (≤ 4) weight rows `ldw` apart, into y's
/// columns 0..<nr.
AVX512 static void panel_product(const float *x, size_t m, size_t k, const float *w, size_t ldw, size_t nr,
                                 float *y, size_t ldy) {
    if (nr == 4) {
        size_t i = 0;
        for (; i + 4 <= m; i += 4) tile4x4(x + i * k, k, w, ldw, k, y + i * ldy, ldy);
        switch (m - i) {
        case 3: tile(x + i * k, k, w, ldw, k, y + i * ldy, ldy, 3, 4); break;
        case 2: tile(x + i * k, k, w, ldw, k, y + i * ldy, ldy, 2, 4); break;
        case 1: tile(x + i * k, k, w, ldw, k, y + i * ldy, ldy, 1, 4); break;
        default: break;
        }
        return;
    }
    for (size_t j = 0; j < nr; j++) {
        size_t i = 0;
        for (; i + 4 <= m; i += 4) tile(x + i * k, k, w + j * ldw, ldw, k, y + i * ldy + j, ldy, 4, 1);
        for (; i < m; i++) tile(x + i * k, k, w + j * ldw, ldw, k, y + i * ldy + j, ldy, 1, 1);
    }
}

/// Requests the `bytes` that lie IMPRINT_PREFETCH_DISTANCE bytes after `start`, one cache line at a time.
AVX512 static inline __attribute__((always_inline)) void prefetch_ahead(const uint8_t *start, size_t bytes) {
    for (size_t offset = 0; offset < bytes; offset += 64) _mm_prefetch((const char *)start + IMPRINT_PREFETCH_DISTANCE + offset, _MM_HINT_T0);
}

/// One weight row as float32, exactly as `decode_blocks` computes it (a product, then for Q4_1 a
/// separate sum: no fused multiply-add, so the values match the float32 model's). Q8_0, Q4_0 and
/// Q4_1 have their own vector code here; the other formats' decoders are vectorized by the compiler
/// for AVX-512.
AVX512 static inline __attribute__((always_inline)) void decode_row_avx512(const int format, const uint8_t *row,
                                                                           size_t columns, float *out) {
    if (format != IMPRINT_Q8_0 && format != IMPRINT_Q4_0 && format != IMPRINT_Q4_1) {
        prefetch_ahead(row, row_bytes_of(format, columns));
        decode_blocks(format, row, columns / imprint_quant_block_values(format), out);
        return;
    }
    size_t block_count = columns / 32;
    size_t block_bytes = imprint_quant_block_bytes(format);
    // Q4_0 and Q4_1: the 16 values a block's codes can take, computed as each weight's value is (d · (q − 8);
    // d · q, then + m), then one permute per 16 weights picks them (vpermps reads the low 4 bits of each index,
    // so the low nibbles need no mask). A block's d (and Q4_1's m, the next two bytes) are converted with one
    // vcvtph2ps of the block's first four bytes (exact, as half_to_float): per-block loads beat gathering a
    // row's scales up front (gathers are slow on AMD Zen 4: 97 -> 104 GFLOP/s at 32 rows).
    const __m512 levels = _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512 centered = _mm512_sub_ps(levels, _mm512_set1_ps(8));
    for (size_t b = 0; b < block_count; b++) {
        const uint8_t *block = row + b * block_bytes;
        float *o = out + b * 32;
        _mm_prefetch((const char *)block + IMPRINT_PREFETCH_DISTANCE, _MM_HINT_T0);
        uint32_t word;
        memcpy(&word, block, 4);
        __m128 scale_and_minimum = _mm_cvtph_ps(_mm_cvtsi32_si128((int)word));
        __m512 d = _mm512_broadcastss_ps(scale_and_minimum);
        if (format == IMPRINT_Q8_0) {
            __m128i low = _mm_loadu_si128((const __m128i *)(block + 2)), high = _mm_loadu_si128((const __m128i *)(block + 18));
            _mm512_storeu_ps(o, _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(low))));
            _mm512_storeu_ps(o + 16, _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(high))));
            continue;
        }
        __m128i codes = _mm_loadu_si128((const __m128i *)(block + (format == IMPRINT_Q4_0 ? 2 : 4)));
        __m512i low = _mm512_cvtepu8_epi32(codes);
        __m512i high = _mm512_srli_epi32(low, 4);
        __m512 table = format == IMPRINT_Q4_0
            ? _mm512_mul_ps(d, centered)
            : _mm512_add_ps(_mm512_mul_ps(d, levels), _mm512_broadcastss_ps(_mm_movehdup_ps(scale_and_minimum)));
        _mm512_storeu_ps(o, _mm512_permutexvar_ps(low, table));
        _mm512_storeu_ps(o + 16, _mm512_permutexvar_ps(high, table));
    }
}

AVX512 static void decode_row_q8_0(const uint8_t *row, size_t columns, float *out) { decode_row_avx512(IMPRINT_Q8_0, row, columns, out); }
AVX512 static void decode_row_q4_0(const uint8_t *row, size_t columns, float *out) { decode_row_avx512(IMPRINT_Q4_0, row, columns, out); }
AVX512 static void decode_row_q4_1(const uint8_t *row, size_t columns, float *out) { decode_row_avx512(IMPRINT_Q4_1, row, columns, out); }

/// `count` consecutive Q8_0, Q4_0 or Q4_1 blocks decoded by `decode_row_avx512` (the packed GEMM's panels);
/// 0 (nothing done) for other formats or without AVX-512.
static int decode_blocks_vectorized(int format, const uint8_t *blocks, size_t count, float *out) {
    if (!avx512_enabled()) return 0;
    switch (format) {
    case IMPRINT_Q8_0: decode_row_q8_0(blocks, count * 32, out); return 1;
    case IMPRINT_Q4_0: decode_row_q4_0(blocks, count * 32, out); return 1;
    case IMPRINT_Q4_1: decode_row_q4_1(blocks, count * 32, out); return 1;
    default: return 0;
    }
}

AVX512 static inline __attribute__((always_inline)) void quant_matmul_format(const int format, const uint8_t *blocks,
                                                                             size_t columns, size_t row_start, size_t row_end,
                                                                             const float *x, size_t m, float *y, size_t ldy,
                                                                             float *panel) {
    size_t row_bytes = row_bytes_of(format, columns);
    for (size_t n = row_start; n < row_end; n += 4) {
        size_t count = row_end - n < 4 ? row_end - n : 4;
        for (size_t j = 0; j < count; j++) decode_row_avx512(format, blocks + (n + j) * row_bytes, columns, panel + j * columns);
        panel_product(x, m, columns, panel, columns, count, y + n, ldy);
    }
}

AVX512 static void quant_matmul_avx512(int format, const uint8_t *blocks, size_t columns, size_t row_start, size_t row_end,
                                       const float *x, size_t m, float *y, size_t ldy) {
    // The thread's panel, kept between calls (a decoding step makes thousands: one malloc and free each before).
    static _Thread_local thread_buffer kept_panel;
    float *panel = reserve(&kept_panel, 4 * columns);
    if (panel == NULL) abort();
    // The decoders request the bytes IMPRINT_PREFETCH_DISTANCE ahead of the block they decode: request the
    // first ones here, or a call over a few dozen rows (a piece of a decoding product) starts on cold misses.
    size_t bytes = (row_end - row_start) * row_bytes_of(format, columns);
    const uint8_t *first = blocks + row_start * row_bytes_of(format, columns);
    for (size_t offset = 0; offset < bytes && offset < IMPRINT_PREFETCH_DISTANCE; offset += 64)
        _mm_prefetch((const char *)first + offset, _MM_HINT_T0);
#define FORMAT_CASE(name) \
    case name: quant_matmul_format(name, blocks, columns, row_start, row_end, x, m, y, ldy, panel); break
    switch (format) {
    FORMAT_CASE(IMPRINT_Q8_0);
    FORMAT_CASE(IMPRINT_Q4_0);
    FORMAT_CASE(IMPRINT_Q4_1);
    FORMAT_CASE(IMPRINT_Q5_0);
    FORMAT_CASE(IMPRINT_Q5_1);
    FORMAT_CASE(IMPRINT_Q2_K);
    FORMAT_CASE(IMPRINT_Q3_K);
    FORMAT_CASE(IMPRINT_Q4_K);
    FORMAT_CASE(IMPRINT_Q5_K);
    FORMAT_CASE(IMPRINT_Q6_K);
    FORMAT_CASE(IMPRINT_IQ4_NL);
    FORMAT_CASE(IMPRINT_IQ4_XS);
    default: break;
    }
#undef FORMAT_CASE
}

AVX512 static void dense_matmul_avx512(const float *weights, size_t columns, size_t row_start, size_t row_end,
                                       const float *x, size_t m, float *y, size_t ldy) {
    for (size_t n = row_start; n < row_end; n += 4) {
        size_t count = row_end - n < 4 ? row_end - n : 4;
        panel_product(x, m, columns, weights + n * columns, columns, count, y + n, ldy);
    }
}
#else
int imprint_small_matmul_vectorized(int enabled) { (void)enabled; return 0; }
static int avx512_enabled(void) { return 0; }
#endif

void imprint_quant_matmul(int format, const uint8_t *blocks, size_t columns, size_t row_start, size_t row_end,
                          const float *x, size_t m, float *y, size_t ldy) {
#if defined(__x86_64__) && defined(__clang__)
    if (avx512_enabled()) {
        quant_matmul_avx512(format, blocks, columns, row_start, row_end, x, m, y, ldy);
        return;
    }
#endif
    quant_matmul_portable(format, blocks, columns, row_start, row_end, x, m, y, ldy);
}

void imprint_dense_matmul(const float *weights, size_t columns, size_t row_start, size_t row_end,
                          const float *x, size_t m, float *y, size_t ldy) {
#if defined(__x86_64__) && defined(__clang__)
    if (avx512_enabled()) {
        dense_matmul_avx512(weights, columns, row_start, row_end, x, m, y, ldy);
        return;
    }
#endif
    dense_matmul_portable(weights, columns, row_start, row_end, x, m, y, ldy);
}
