// See imprint_int8.h. Every kernel sums in the order of ggml's x86 `vec_dot` kernels (AVX2 path)
// and of llamafile's tinyBLAS, which llama.cpp uses for prompts: per block eight int32 sums of four
// consecutive code products, each converted to float and accumulated into its own float lane as
// lane = fma(d_w·d_x, sum, lane), block after block; then the lanes summed as hsum_float_8, and
// for Q4_1 / Q5_1 the Σ m_w·s_x (fused multiply-adds, as GCC contracts ggml's `summs += m*s`)
// added. So each output is bitwise ggml's, and the same with every kernel. The portable kernel
// decodes one weight row into int8 codes and scales and loops; the AVX-512 ones
// (quantized_int8_kernel.h) take 64 codes (two blocks) per instruction.
#include "imprint_int8.h"
#include "imprint_quantized.h"
#include "quantized_blocks.h"

#include <stdlib.h>
#include <string.h>

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

static void quantize_rows_portable(const float *x, size_t columns, size_t m, int8_t *codes, float *scales, float *sums) {
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

// Decodes a row of `block_count` blocks into codes, scales and minimums.
static inline __attribute__((always_inline)) void decode_code_row(int format, const uint8_t *row, size_t block_count,
                                                                    int8_t *codes, float *scales, float *minimums) {
    size_t block_bytes = imprint_quant_block_bytes(format);
    for (size_t b = 0; b < block_count; b++) decode_codes(format, row + b * block_bytes, codes + 32 * b, scales + b, minimums + b);
}

// ggml's hsum_float_8 of eight lanes: ((a4 + a0) + (a6 + a2)) + ((a5 + a1) + (a7 + a3)).
static inline float sum_lanes(const float *a) { return ((a[4] + a[0]) + (a[6] + a[2])) + ((a[5] + a[1]) + (a[7] + a[3])); }

IMPRINT_CLONES
static void int8_matmul_portable(int format, const uint8_t *blocks, size_t columns, size_t row_start, size_t row_end,
                                 const int8_t *codes, const float *scales, const float *sums, size_t m, float *y, size_t ldy) {
#pragma clang fp contract(off)
    size_t block_count = columns / 32, row_bytes = block_count * imprint_quant_block_bytes(format);
    int8_t *row = (int8_t *)malloc(columns + 1);
    float *weight_scales = (float *)malloc(sizeof(float) * (2 * block_count + 1)), *minimums = weight_scales + block_count;
    for (size_t n = row_start; n < row_end; n++) {
        decode_code_row(format, blocks + n * row_bytes, block_count, row, weight_scales, minimums);
        for (size_t i = 0; i < m; i++) {
            const int8_t *x = codes + i * columns;
            float lanes[8] = {0}, minimum_total = 0.0f;
            for (size_t b = 0; b < block_count; b++) {
                float product = weight_scales[b] * scales[i * block_count + b];
                for (int l = 0; l < 8; l++) {
                    int partial = 0;
                    for (int t = 0; t < 4; t++) partial += (int)row[32 * b + 4 * l + t] * (int)x[32 * b + 4 * l + t];
                    lanes[l] = __builtin_fmaf(product, (float)partial, lanes[l]);
                }
                if (has_minimum(format)) minimum_total = __builtin_fmaf(minimums[b], sums[i * block_count + b], minimum_total);
            }
            y[i * ldy + n] = sum_lanes(lanes) + minimum_total;
        }
    }
    free(weight_scales);
    free(row);
}

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>

#define INT8_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,f16c")))
#define INT8_NAME(name) name##_vnni
#define INT8_DOT(unsigned_codes, signed_codes) _mm512_dpbusd_epi32(_mm512_setzero_si512(), unsigned_codes, signed_codes)
#include "quantized_int8_kernel.h"
#undef INT8_TARGET
#undef INT8_NAME
#undef INT8_DOT

#define INT8_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,f16c")))
#define INT8_NAME(name) name##_bw
#define INT8_DOT(unsigned_codes, signed_codes) \
    _mm512_madd_epi16(_mm512_maddubs_epi16(unsigned_codes, signed_codes), _mm512_set1_epi16(1))
#include "quantized_int8_kernel.h"
#undef INT8_TARGET
#undef INT8_NAME
#undef INT8_DOT

static int best_kernel(void) {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw") || !__builtin_cpu_supports("avx512vl")) return 0;
    return __builtin_cpu_supports("avx512vnni") ? 2 : 1;
}
#else
static int best_kernel(void) { return 0; }
#endif

static int selected_kernel = -1;  // -1: not yet decided

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
    int kernel = imprint_int8_kernel(-1);
#if defined(__x86_64__) && defined(__clang__)
    if (kernel == 2) return int8_matmul_vnni(format, blocks, columns, row_start, row_end, codes, scales, sums, m, y, ldy);
    if (kernel == 1) return int8_matmul_bw(format, blocks, columns, row_start, row_end, codes, scales, sums, m, y, ldy);
#endif
    (void)kernel;
    int8_matmul_portable(format, blocks, columns, row_start, row_end, codes, scales, sums, m, y, ldy);
}

#if defined(__x86_64__) && defined(__clang__)
// The quantizer of imprint_int8_quantize_rows with AVX-512, bitwise the portable one: max |x| is
// exact in any order, x · id is one product (no fused multiply-add), vrndscaleps rounds to nearest
// even as rintf does, and the clamp to [-128, 127] is the portable saturation. A block holding a
// NaN takes the portable loop (which skips NaNs in its maximum).
__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))
static void quantize_rows_avx512(const float *x, size_t columns, size_t m, int8_t *codes, float *scales, float *sums) {
#pragma clang fp contract(off)
    size_t block_count = columns / 32;
    for (size_t block = 0; block < m * block_count; block++) {
        const float *values = x + block * 32;
        __m512 a = _mm512_loadu_ps(values), b = _mm512_loadu_ps(values + 16);
        if (_mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q) | _mm512_cmp_ps_mask(b, b, _CMP_UNORD_Q)) {
            quantize_rows_portable(values, 32, 1, codes + block * 32, scales + block, sums + block);
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
    }
}
#endif

void imprint_int8_quantize_rows(const float *x, size_t columns, size_t m, int8_t *codes, float *scales, float *sums) {
#if defined(__x86_64__) && defined(__clang__)
    if (imprint_int8_kernel(-1) >= 1) return quantize_rows_avx512(x, columns, m, codes, scales, sums);
#endif
    quantize_rows_portable(x, columns, m, codes, scales, sums);
}
