// See imprint_int8.h. Every kernel computes each output the same way, so they agree bit for bit:
//     acc = 0; for each block b in order: acc = fma(d_w,b · d_x,b, (float) Σ_l q_w,b[l] · q_x,b[l], acc)
//     min = 0; for each block b in order: min = fma(m_w,b, s_x,b, min)        (Q4_1, Q5_1; else 0)
//     y = acc + min
// The block's integer dot product is exact (|Σ| < 2^24, so its float is too). The portable kernel
// decodes a weight row's codes and loops; the VNNI kernel reads weights repacked by
// imprint_int8_pack: sixteen rows interleaved four codes at a time, so one `vpdpbusd` takes four
// codes of sixteen rows against four activation codes broadcast, a block's dot products of sixteen
// rows land in one vector, and the float work is one multiply and one fused multiply-add per block
// for sixteen rows (ggml's x86 `vec_dot` does one per block and row: 5-7 instructions per 64 codes).
#include "imprint_int8.h"
#include "imprint_quantized.h"
#include "quantized_blocks.h"

#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>
#endif

#if defined(__x86_64__) && defined(__clang__) && defined(__linux__)
#define IMPRINT_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define IMPRINT_CLONES
#endif

int imprint_int8_supported(int format) {
    switch (format) {
    case IMPRINT_Q8_0: case IMPRINT_Q4_0: case IMPRINT_Q4_1: case IMPRINT_Q5_0: case IMPRINT_Q5_1: case IMPRINT_IQ4_NL:
        return 1;
    default:
        return 0;
    }
}

// float32 → float16, rounded to nearest even (as F16C's vcvtps2ph with imm 0, ggml's
// GGML_CPU_FP32_TO_FP16 on x86), subnormals kept, overflow to infinity.
static uint16_t float_to_half(float value) {
    uint32_t bits;
    memcpy(&bits, &value, 4);
    uint16_t sign = (uint16_t)((bits >> 16) & 0x8000);
    uint32_t exponent = (bits >> 23) & 0xff, mantissa = bits & 0x7fffff;
    if (exponent == 0xff) return (uint16_t)(sign | 0x7c00 | (mantissa ? 0x200 | (mantissa >> 13) : 0));
    int half_exponent = (int)exponent - 127 + 15;
    if (half_exponent >= 31) return (uint16_t)(sign | 0x7c00);
    if (half_exponent <= 0) {  // a float16 subnormal (or zero): units of 2^-24
        if (half_exponent < -10) return sign;
        uint32_t significand = mantissa | 0x800000;
        int shift = 14 - half_exponent;
        uint32_t quotient = significand >> shift, remainder = significand & ((1u << shift) - 1), halfway = 1u << (shift - 1);
        if (remainder > halfway || (remainder == halfway && (quotient & 1))) quotient++;
        return (uint16_t)(sign | quotient);
    }
    uint32_t half = (uint32_t)sign | ((uint32_t)half_exponent << 10) | (mantissa >> 13), remainder = mantissa & 0x1fff;
    if (remainder > 0x1000 || (remainder == 0x1000 && (half & 1))) half++;  // a carry moves into the exponent
    return (uint16_t)half;
}

static void quantize_rows_portable(const float *x, size_t columns, size_t m, int8_t *codes, float *scales, float *sums,
                                   int32_t *totals) {
#pragma clang fp contract(off)
    size_t block_count = columns / 32;
    for (size_t block = 0; block < m * block_count; block++) {
        const float *values = x + block * 32;
        int8_t *q = codes + block * 32;
        float amax = 0.0f;
        for (int l = 0; l < 32; l++) {
            float magnitude = __builtin_fabsf(values[l]);
            amax = magnitude > amax ? magnitude : amax;
        }
        float d = amax / 127.0f;
        float id = amax != 0.0f ? 127.0f / amax : 0.0f;
        int total = 0;
        for (int l = 0; l < 32; l++) {
            float rounded = __builtin_rintf(values[l] * id);  // the default rounding mode: nearest even
            int code = rounded >= 127.0f ? 127 : rounded >= -128.0f ? (int)rounded : -128;  // vpackssdw / vpacksswb
            q[l] = (int8_t)code;
            total += code;
        }
        scales[block] = half_to_float(float_to_half(d));
        sums[block] = half_to_float(float_to_half(d * (float)total));
        totals[block] = total;
    }
}

// Whether a format's blocks carry a minimum m (y = d·q + m): Q4_1 and Q5_1, multiplied by Q8_1's s.
static inline int has_minimum(int format) { return format == IMPRINT_Q4_1 || format == IMPRINT_Q5_1; }

// One 32-weight block as signed codes with y = d·code (+ m): Q8_0 q, Q4_0 q − 8, Q4_1 q,
// Q5_0 q − 16, Q5_1 q, IQ4_NL iq4_values[q] (the codes ggml's vec_dot kernels multiply).
static inline __attribute__((always_inline)) void decode_codes(int format, const uint8_t *block, int8_t *codes,
                                                                 float *scale, float *minimum) {
    *scale = half_to_float(read_u16(block));
    *minimum = has_minimum(format) ? half_to_float(read_u16(block + 2)) : 0.0f;
    switch (format) {
    case IMPRINT_Q8_0:
        memcpy(codes, block + 2, 32);
        break;
    case IMPRINT_Q4_0: case IMPRINT_Q4_1: {
        const uint8_t *q = block + (format == IMPRINT_Q4_0 ? 2 : 4);
        int offset = format == IMPRINT_Q4_0 ? 8 : 0;
        for (int l = 0; l < 16; l++) codes[l] = (int8_t)((q[l] & 0x0f) - offset);
        for (int l = 0; l < 16; l++) codes[l + 16] = (int8_t)((q[l] >> 4) - offset);
        break;
    }
    case IMPRINT_Q5_0: case IMPRINT_Q5_1: {
        uint32_t qh = read_u32(block + (format == IMPRINT_Q5_0 ? 2 : 4));
        const uint8_t *q = block + (format == IMPRINT_Q5_0 ? 6 : 8);
        int offset = format == IMPRINT_Q5_0 ? 16 : 0;
        for (int l = 0; l < 16; l++) codes[l] = (int8_t)(((q[l] & 0x0f) | (((qh >> l) & 1) << 4)) - offset);
        for (int l = 0; l < 16; l++) codes[l + 16] = (int8_t)(((q[l] >> 4) | (((qh >> (l + 16)) & 1) << 4)) - offset);
        break;
    }
    case IMPRINT_IQ4_NL: {
        const uint8_t *q = block + 2;
        for (int l = 0; l < 16; l++) codes[l] = iq4_values[q[l] & 0x0f];
        for (int l = 0; l < 16; l++) codes[l + 16] = iq4_values[q[l] >> 4];
        break;
    }
    default:
        memset(codes, 0, 32);
        break;
    }
}

IMPRINT_CLONES
static void int8_matmul_rows(int format, const uint8_t *blocks, size_t columns, size_t row_start, size_t row_end,
                             const int8_t *codes, const float *scales, const float *sums, size_t m, float *y, size_t ldy) {
#pragma clang fp contract(off)
    size_t block_count = columns / 32, block_bytes = imprint_quant_block_bytes(format), row_bytes = block_count * block_bytes;
    int8_t *row = (int8_t *)malloc(columns + 1);
    float *weight_scales = (float *)malloc(sizeof(float) * (2 * block_count + 1)), *minimums = weight_scales + block_count;
    for (size_t n = row_start; n < row_end; n++) {
        for (size_t b = 0; b < block_count; b++)
            decode_codes(format, blocks + n * row_bytes + b * block_bytes, row + 32 * b, weight_scales + b, minimums + b);
        for (size_t i = 0; i < m; i++) {
            const int8_t *x = codes + i * columns;
            float total = 0.0f, minimum_total = 0.0f;
            for (size_t b = 0; b < block_count; b++) {
                int dot = 0;
                for (int l = 0; l < 32; l++) dot += (int)row[32 * b + l] * (int)x[32 * b + l];
                total = __builtin_fmaf(weight_scales[b] * scales[i * block_count + b], (float)dot, total);
                if (has_minimum(format)) minimum_total = __builtin_fmaf(minimums[b], sums[i * block_count + b], minimum_total);
            }
            y[i * ldy + n] = total + minimum_total;
        }
    }
    free(weight_scales);
    free(row);
}

#if defined(__x86_64__) && defined(__clang__)
static int best_kernel(void) {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw") || !__builtin_cpu_supports("avx512vl")) return 0;
    return __builtin_cpu_supports("avx512vnni") ? 2 : 1;
}
#else
static int best_kernel(void) { return 0; }
#endif

static int selected_kernel = -1;  // -1: not yet decided

int imprint_int8_vnni_available(void) { return best_kernel() == 2; }

int imprint_int8_kernel(int kernel) {
    if (selected_kernel < 0) selected_kernel = best_kernel();
    int previous = selected_kernel;
    if (kernel >= 0) {
        int best = best_kernel();
        selected_kernel = kernel < best ? kernel : best;
    }
    return previous;
}

void imprint_int8_matmul(int format, const uint8_t *blocks, size_t columns, size_t row_start, size_t row_end,
                         const int8_t *codes, const float *scales, const float *sums, size_t m, float *y, size_t ldy) {
    if (!imprint_int8_supported(format) || row_start >= row_end || m == 0) return;
    int8_matmul_rows(format, blocks, columns, row_start, row_end, codes, scales, sums, m, y, ldy);
}

// ---- The repacked layout and its VNNI kernel ----
//
// Rows go in groups of 16 (the last padded with zero rows); a group's blocks follow each other, each
// as its unsigned codes u = code + offset (Q4_0: 8, Q8_0 and IQ4_NL: 128, Q5_0: 16, Q4_1 and Q5_1: 0),
// then the 16 rows' float16 scales d, then (Q4_1, Q5_1) their float16 minimums m:
//   nibbles (Q4_0, Q4_1), 256 bytes: 4 vectors of 64 bytes; in vector p, byte 4r + t holds u[r][8p + t]
//     in its low nibble and u[r][8p + 4 + t] in its high one;
//   bytes (Q8_0, Q5_0, Q5_1, IQ4_NL), 512 bytes: 8 vectors; in vector k, byte 4r + t is u[r][4k + t].
// Σ_l code·x = Σ_l u·x − offset · Σ_l x, all exact in int32.

static inline int packs_nibbles(int format) { return format == IMPRINT_Q4_0 || format == IMPRINT_Q4_1; }

static inline int code_offset(int format) {
    switch (format) {
    case IMPRINT_Q4_0: return 8;
    case IMPRINT_Q5_0: return 16;
    case IMPRINT_Q8_0: case IMPRINT_IQ4_NL: return 128;
    default: return 0;
    }
}

static inline size_t packed_block_bytes(int format) {
    return (packs_nibbles(format) ? 256 : 512) + 32 + (has_minimum(format) ? 32 : 0);
}

size_t imprint_int8_packed_bytes(int format, size_t rows, size_t columns) {
    if (!imprint_int8_supported(format)) return 0;
    return (rows + 15) / 16 * (columns / 32) * packed_block_bytes(format);
}

void imprint_int8_pack(int format, const uint8_t *blocks, size_t rows, size_t columns, size_t group_start, size_t group_end,
                       uint8_t *packed) {
    if (!imprint_int8_supported(format)) return;
    size_t block_count = columns / 32, block_bytes = imprint_quant_block_bytes(format), row_bytes = block_count * block_bytes;
    size_t stride = packed_block_bytes(format), code_bytes = packs_nibbles(format) ? 256 : 512;
    int offset = code_offset(format);
    int8_t codes[32];
    for (size_t group = group_start; group < group_end; group++) {
        for (size_t b = 0; b < block_count; b++) {
            uint8_t *out = packed + (group * block_count + b) * stride;
            memset(out, 0, stride);
            for (size_t r = 0; r < 16; r++) {
                size_t n = group * 16 + r;
                if (n >= rows) break;
                const uint8_t *block = blocks + n * row_bytes + b * block_bytes;
                float scale, minimum;
                decode_codes(format, block, codes, &scale, &minimum);
                memcpy(out + code_bytes + 2 * r, block, 2);  // d, as stored
                if (has_minimum(format)) memcpy(out + code_bytes + 32 + 2 * r, block + 2, 2);  // m
                for (int l = 0; l < 32; l++) {
                    uint8_t u = (uint8_t)(codes[l] + offset);
                    if (packs_nibbles(format)) {
                        int p = l / 8, high = (l % 8) >= 4, t = l % 4;
                        out[64 * p + 4 * r + t] |= (uint8_t)(high ? u << 4 : u);
                    } else {
                        out[64 * (l / 4) + 4 * r + l % 4] = u;
                    }
                }
            }
        }
    }
}

#if defined(__x86_64__) && defined(__clang__)
#define VNNI_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,f16c")))

/// Rows 16·group_start ..< 16·group_end for MR (≤ 4) activation rows; `format` constant where inlined.
VNNI_TARGET static inline __attribute__((always_inline)) void packed_tile(
    const int format, const uint8_t *packed, size_t block_count, size_t group, const int8_t *codes, size_t columns,
    const float *scales, const float *sums, const int32_t *totals, const int MR, float out[4][16]) {
#pragma clang fp contract(off)
    const int nibbles = packs_nibbles(format), minimum = has_minimum(format), offset = code_offset(format);
    const size_t stride = packed_block_bytes(format), code_bytes = nibbles ? 256 : 512;
    const __m512i low_mask = _mm512_set1_epi8(0x0f);
    __m512 total[4], minimum_total[4];
#pragma clang loop unroll(full)
    for (int r = 0; r < 4; r++) total[r] = minimum_total[r] = _mm512_setzero_ps();
    const uint8_t *base = packed + group * block_count * stride;
    for (size_t b = 0; b < block_count; b++) {
        const uint8_t *block = base + b * stride;
        for (size_t offset = 0; offset < stride; offset += 64)
            _mm_prefetch((const char *)block + IMPRINT_PREFETCH_DISTANCE + offset, _MM_HINT_T0);
        __m512i weights[8];
        if (nibbles) {
#pragma clang loop unroll(full)
            for (int p = 0; p < 4; p++) {
                __m512i both = _mm512_loadu_si512((const void *)(block + 64 * p));
                weights[2 * p] = _mm512_and_si512(both, low_mask);
                weights[2 * p + 1] = _mm512_and_si512(_mm512_srli_epi16(both, 4), low_mask);
            }
        } else {
#pragma clang loop unroll(full)
            for (int k = 0; k < 8; k++) weights[k] = _mm512_loadu_si512((const void *)(block + 64 * k));
        }
        __m512 weight_scales = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(block + code_bytes)));
        __m512 weight_minimums = minimum ? _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(block + code_bytes + 32)))
                                         : _mm512_setzero_ps();
#pragma clang loop unroll(full)
        for (int r = 0; r < MR; r++) {
            const int8_t *x = codes + r * columns + 32 * b;
            int32_t groups[8];
            memcpy(groups, x, 32);
            // Two chains of four, summed: exact integer arithmetic in any order.
            __m512i even = _mm512_dpbusd_epi32(_mm512_setzero_si512(), weights[0], _mm512_set1_epi32(groups[0]));
            __m512i odd = _mm512_dpbusd_epi32(_mm512_setzero_si512(), weights[1], _mm512_set1_epi32(groups[1]));
            even = _mm512_dpbusd_epi32(even, weights[2], _mm512_set1_epi32(groups[2]));
            odd = _mm512_dpbusd_epi32(odd, weights[3], _mm512_set1_epi32(groups[3]));
            even = _mm512_dpbusd_epi32(even, weights[4], _mm512_set1_epi32(groups[4]));
            odd = _mm512_dpbusd_epi32(odd, weights[5], _mm512_set1_epi32(groups[5]));
            even = _mm512_dpbusd_epi32(even, weights[6], _mm512_set1_epi32(groups[6]));
            odd = _mm512_dpbusd_epi32(odd, weights[7], _mm512_set1_epi32(groups[7]));
            __m512i dot = _mm512_add_epi32(even, odd);
            if (offset) dot = _mm512_sub_epi32(dot, _mm512_set1_epi32(offset * totals[r * block_count + b]));
            __m512 scale = _mm512_mul_ps(weight_scales, _mm512_set1_ps(scales[r * block_count + b]));
            total[r] = _mm512_fmadd_ps(scale, _mm512_cvtepi32_ps(dot), total[r]);
            if (minimum) minimum_total[r] = _mm512_fmadd_ps(weight_minimums, _mm512_set1_ps(sums[r * block_count + b]), minimum_total[r]);
        }
    }
#pragma clang loop unroll(full)
    for (int r = 0; r < MR; r++) _mm512_storeu_ps(out[r], _mm512_add_ps(total[r], minimum_total[r]));
}

VNNI_TARGET static inline __attribute__((always_inline)) void packed_matmul_format(
    const int format, const uint8_t *packed, size_t columns, size_t rows, size_t group_start, size_t group_end,
    const int8_t *codes, const float *scales, const float *sums, const int32_t *totals, size_t m, float *y, size_t ldy) {
    size_t block_count = columns / 32;
    float out[4][16];
    for (size_t group = group_start; group < group_end; group++) {
        size_t first = group * 16, count = rows - first < 16 ? rows - first : 16;
        for (size_t i = 0; i < m; i += 4) {
            size_t MR = m - i < 4 ? m - i : 4;
            const int8_t *c = codes + i * columns;
            const float *s = scales + i * block_count, *t = sums + i * block_count;
            const int32_t *q = totals + i * block_count;
            switch (MR) {
            case 1: packed_tile(format, packed, block_count, group, c, columns, s, t, q, 1, out); break;
            case 2: packed_tile(format, packed, block_count, group, c, columns, s, t, q, 2, out); break;
            case 3: packed_tile(format, packed, block_count, group, c, columns, s, t, q, 3, out); break;
            default: packed_tile(format, packed, block_count, group, c, columns, s, t, q, 4, out); break;
            }
            for (size_t r = 0; r < MR; r++) memcpy(y + (i + r) * ldy + first, out[r], count * sizeof(float));
        }
    }
}

VNNI_TARGET static void packed_matmul_vnni(int format, const uint8_t *packed, size_t columns, size_t rows, size_t group_start,
                                           size_t group_end, const int8_t *codes, const float *scales, const float *sums,
                                           const int32_t *totals, size_t m, float *y, size_t ldy) {
#define PACKED_CASE(name) \
    case name: packed_matmul_format(name, packed, columns, rows, group_start, group_end, codes, scales, sums, totals, m, y, ldy); break
    switch (format) {
    PACKED_CASE(IMPRINT_Q8_0);
    PACKED_CASE(IMPRINT_Q4_0);
    PACKED_CASE(IMPRINT_Q4_1);
    PACKED_CASE(IMPRINT_Q5_0);
    PACKED_CASE(IMPRINT_Q5_1);
    PACKED_CASE(IMPRINT_IQ4_NL);
    default: break;
    }
#undef PACKED_CASE
}
#endif

int imprint_int8_matmul_packed(int format, const uint8_t *packed, size_t columns, size_t rows, size_t group_start,
                               size_t group_end, const int8_t *codes, const float *scales, const float *sums,
                               const int32_t *totals, size_t m, float *y, size_t ldy) {
#if defined(__x86_64__) && defined(__clang__)
    if (imprint_int8_kernel(-1) == 2 && imprint_int8_supported(format)) {
        packed_matmul_vnni(format, packed, columns, rows, group_start, group_end, codes, scales, sums, totals, m, y, ldy);
        return 1;
    }
#endif
    (void)format; (void)packed; (void)columns; (void)rows; (void)group_start; (void)group_end; (void)codes; (void)scales;
    (void)sums; (void)totals; (void)m; (void)y; (void)ldy;
    return 0;
}

#if defined(__x86_64__) && defined(__clang__)
// The quantizer of imprint_int8_quantize_rows with AVX-512, bitwise the portable one: max |x| is
// exact in any order, x · id is one product (no fused multiply-add), vrndscaleps rounds to nearest
// even as rintf does, and the clamp to [-128, 127] is the portable saturation. A block holding a
// NaN takes the portable loop (which skips NaNs in its maximum).
__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))
static void quantize_rows_avx512(const float *x, size_t columns, size_t m, int8_t *codes, float *scales, float *sums,
                                 int32_t *totals) {
#pragma clang fp contract(off)
    size_t block_count = columns / 32;
    for (size_t block = 0; block < m * block_count; block++) {
        const float *values = x + block * 32;
        __m512 a = _mm512_loadu_ps(values), b = _mm512_loadu_ps(values + 16);
        if (_mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q) | _mm512_cmp_ps_mask(b, b, _CMP_UNORD_Q)) {
            quantize_rows_portable(values, 32, 1, codes + block * 32, scales + block, sums + block, totals + block);
            continue;
        }
        float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(a), _mm512_abs_ps(b)));
        float d = amax / 127.0f;
        float id = amax != 0.0f ? 127.0f / amax : 0.0f;
        __m512 scale = _mm512_set1_ps(id), low = _mm512_set1_ps(-128.0f), high = _mm512_set1_ps(127.0f);
        __m512 ra = _mm512_roundscale_ps(_mm512_mul_ps(a, scale), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        __m512 rb = _mm512_roundscale_ps(_mm512_mul_ps(b, scale), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        __m512i qa = _mm512_cvttps_epi32(_mm512_min_ps(_mm512_max_ps(ra, low), high));
        __m512i qb = _mm512_cvttps_epi32(_mm512_min_ps(_mm512_max_ps(rb, low), high));
        _mm_storeu_si128((__m128i *)(codes + block * 32), _mm512_cvtsepi32_epi8(qa));
        _mm_storeu_si128((__m128i *)(codes + block * 32 + 16), _mm512_cvtsepi32_epi8(qb));
        int total = _mm512_reduce_add_epi32(_mm512_add_epi32(qa, qb));
        scales[block] = half_to_float(float_to_half(d));
        sums[block] = half_to_float(float_to_half(d * (float)total));
        totals[block] = total;
    }
}
#endif

void imprint_int8_quantize_rows(const float *x, size_t columns, size_t m, int8_t *codes, float *scales, float *sums,
                                int32_t *totals) {
#if defined(__x86_64__) && defined(__clang__)
    if (imprint_int8_kernel(-1) >= 1) return quantize_rows_avx512(x, columns, m, codes, scales, sums, totals);
#endif
    quantize_rows_portable(x, columns, m, codes, scales, sums, totals);
}
