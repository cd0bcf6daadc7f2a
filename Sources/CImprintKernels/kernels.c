// See imprint_kernels.h. Plain loops written so that clang vectorizes them; `target_clones`
// builds an AVX2+FMA version beside the baseline one and picks one at load time.
#include "imprint_kernels.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__) && defined(__linux__)
#define IMPRINT_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define IMPRINT_CLONES
#endif

// Cephes-style expf: x = n ln2 + r, |r| <= ln2/2, degree-6 polynomial, 2^n from exponent bits
// (split in two halves so n = 128 does not overflow). Inputs below -87 give exactly 0: clamping
// there first keeps every intermediate a normal float, since products that underflow into
// subnormals cost a microcode assist each (masked attention scores are -inf by the thousand).
// Above 88.72 the product overflows to +inf.
static inline float exp_approx(float x) {
    float clamped = fminf(fmaxf(x, -87.0f), 89.0f);
    const float magic = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer in the low bits
    float shifted = clamped * 1.44269504f + magic;
    float n = shifted - magic;
    float r = clamped - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691e-4f;
    p = p * r + 1.3981999e-3f;
    p = p * r + 8.3334520e-3f;
    p = p * r + 4.1665796e-2f;
    p = p * r + 1.6666665e-1f;
    p = p * r + 5.0000001e-1f;
    float poly = p * r * r + r + 1.0f;
    int32_t shifted_bits, magic_bits;
    memcpy(&shifted_bits, &shifted, 4);
    memcpy(&magic_bits, &magic, 4);
    int32_t exponent = shifted_bits - magic_bits;
    int32_t half = exponent >> 1;
    int32_t first_bits = (half + 127) << 23, second_bits = (exponent - half + 127) << 23;
    float first, second;
    memcpy(&first, &first_bits, 4);
    memcpy(&second, &second_bits, 4);
    float result = poly * first * second;
    return result * (float)(x >= -87.0f);  // branch-free: 0 below -87 (and for -inf)
}

float imprint_exp(float x) { return exp_approx(x); }

// Reductions keep 16 partial sums (or maxima) in lanes, so they vectorize without reassociating
// floats and their order of summation does not depend on the instruction set.
#define LANES 16

IMPRINT_CLONES
float imprint_exp_shifted(const float *in, float *out, size_t count, float shift) {
    float partial[LANES] = {0};
    size_t i = 0;
    for (; i + LANES <= count; i += LANES) {
        // Read the block before writing it, so the lanes vectorize even when `in` is `out`.
        float block[LANES];
        for (int lane = 0; lane < LANES; lane++) block[lane] = in[i + lane];
        for (int lane = 0; lane < LANES; lane++) {
            float value = exp_approx(block[lane] - shift);
            out[i + lane] = value;
            partial[lane] += value;
        }
    }
    for (int lane = 0; i + lane < count; lane++) {
        float value = exp_approx(in[i + lane] - shift);
        out[i + lane] = value;
        partial[lane] += value;
    }
    float total = 0.0f;
    for (int lane = 0; lane < LANES; lane++) total += partial[lane];
    return total;
}

IMPRINT_CLONES
void imprint_exp_shifted_scaled(const float *in, float *out, size_t count, float shift, float factor) {
    for (size_t i = 0; i < count; i++) out[i] = exp_approx(in[i] - shift) * factor;
}

IMPRINT_CLONES
float imprint_sum_exp_shifted(const float *in, size_t count, float shift) {
    float partial[LANES] = {0};
    size_t i = 0;
    for (; i + LANES <= count; i += LANES) {
        for (int lane = 0; lane < LANES; lane++) partial[lane] += exp_approx(in[i + lane] - shift);
    }
    for (int lane = 0; i + lane < count; lane++) partial[lane] += exp_approx(in[i + lane] - shift);
    float total = 0.0f;
    for (int lane = 0; lane < LANES; lane++) total += partial[lane];
    return total;
}

IMPRINT_CLONES
float imprint_maximum(const float *in, size_t count) {
    float partial[LANES];
    for (int lane = 0; lane < LANES; lane++) partial[lane] = -INFINITY;
    size_t i = 0;
    for (; i + LANES <= count; i += LANES) {
        for (int lane = 0; lane < LANES; lane++) partial[lane] = in[i + lane] > partial[lane] ? in[i + lane] : partial[lane];
    }
    for (int lane = 0; i + lane < count; lane++) partial[lane] = in[i + lane] > partial[lane] ? in[i + lane] : partial[lane];
    float best = -INFINITY;
    for (int lane = 0; lane < LANES; lane++) best = partial[lane] > best ? partial[lane] : best;
    return best;
}

IMPRINT_CLONES
void imprint_scale(const float *in, float *out, size_t count, float factor) {
    for (size_t i = 0; i < count; i++) out[i] = in[i] * factor;
}

IMPRINT_CLONES
void imprint_scale_in_place(float *values, size_t count, float factor) {
    for (size_t i = 0; i < count; i++) values[i] *= factor;
}

IMPRINT_CLONES
void imprint_swiglu(const float *gate, const float *up, float *out, size_t count) {
    for (size_t i = 0; i < count; i++) out[i] = gate[i] / (1.0f + exp_approx(-gate[i])) * up[i];
}

IMPRINT_CLONES
void imprint_swiglu_backward(const float *gate, const float *up, const float *dy, float *d_gate, float *d_up, size_t count) {
    for (size_t i = 0; i < count; i++) {
        float g = gate[i], s = 1.0f / (1.0f + exp_approx(-g));
        d_gate[i] = dy[i] * up[i] * s * (1.0f + g * (1.0f - s));
        d_up[i] = dy[i] * g * s;
    }
}

IMPRINT_CLONES
void imprint_softmax_backward_row(const float *p, float *g, size_t count) {
    float partial[LANES] = {0};
    size_t i = 0;
    for (; i + LANES <= count; i += LANES)
        for (int lane = 0; lane < LANES; lane++) partial[lane] += p[i + lane] * g[i + lane];
    for (int lane = 0; i + lane < count; lane++) partial[lane] += p[i + lane] * g[i + lane];
    float dot = 0.0f;
    for (int lane = 0; lane < LANES; lane++) dot += partial[lane];
    for (size_t j = 0; j < count; j++) g[j] = p[j] * (g[j] - dot);
}

// Sixteen float lanes per dot product, summed in a fixed order: the same bits for a row whatever
// the batch (decoding's attention, one query position at a time). Products and sums are separate
// operations (no fused multiply-add), so every clone of the callers computes the same bits; always
// inlined, so each clone vectorizes it for its instruction set.
static inline __attribute__((always_inline)) float dot_lanes(const float *a, const float *b, long n) {
#pragma clang fp contract(off)
    float lanes[16] = {0};
    long t = 0;
    for (; t + 16 <= n; t += 16)
        for (int l = 0; l < 16; l++) lanes[l] += a[t + l] * b[t + l];
    for (int width = 8; width >= 1; width /= 2)
        for (int l = 0; l < width; l++) lanes[l] += lanes[l + width];
    float total = lanes[0];
    for (; t < n; t++) total += a[t] * b[t];
    return total;
}

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>
#include "avx512_sums.h"

/// `dot_lanes` for 16 keys at a time: each key's 16 lanes in one zmm register (products and sums
/// separate, as `dot_lanes`), the 16 reductions shared (`sum16`, the same tree), so the same bits.
/// Keys past the last 16 go through `dot_lanes`. `dimension` is a multiple of 16.
__attribute__((target("avx512f"))) static void attention_scores_avx512(const float *queries, long rows, const float *keys,
                                                                      long width, long dimension, float scale, float *scores) {
    // sum16 puts key 4r + c in lane 4c + r: this permutation puts key j in lane j.
    const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    const __m512 scales = _mm512_set1_ps(scale);
    for (long r = 0; r < rows; r++) {
        const float *a = queries + r * dimension;
        long j = 0;
        for (; j + 16 <= width; j += 16) {
            __m512 sums[16];
            for (int key = 0; key < 16; key++) sums[key] = _mm512_setzero_ps();
            for (long t = 0; t < dimension; t += 16) {
                __m512 query = _mm512_loadu_ps(a + t);
                for (int key = 0; key < 16; key++)
                    sums[key] = _mm512_add_ps(sums[key], _mm512_mul_ps(query, _mm512_loadu_ps(keys + (j + key) * dimension + t)));
            }
            _mm512_storeu_ps(scores + r * width + j, _mm512_mul_ps(scales, _mm512_permutexvar_ps(order, sum16(sums))));
        }
        for (; j < width; j++) scores[r * width + j] = scale * dot_lanes(a, keys + j * dimension, dimension);
    }
}

/// `dot_lanes` with its 16 lanes in two ymm registers (lanes 0-7, 8-15) and the same reduction
/// tree, so the same bits: the compiler's own vectorization of it ran two lanes at a time.
__attribute__((target("avx2"))) static void attention_scores_avx2(const float *queries, long rows, const float *keys,
                                                                 long width, long dimension, float scale, float *scores) {
    long whole = dimension & ~15L;
    for (long r = 0; r < rows; r++) {
        const float *a = queries + r * dimension;
        for (long j = 0; j < width; j++) {
            const float *b = keys + j * dimension;
            __m256 low = _mm256_setzero_ps(), high = _mm256_setzero_ps();
            for (long t = 0; t < whole; t += 16) {
                low = _mm256_add_ps(low, _mm256_mul_ps(_mm256_loadu_ps(a + t), _mm256_loadu_ps(b + t)));
                high = _mm256_add_ps(high, _mm256_mul_ps(_mm256_loadu_ps(a + t + 8), _mm256_loadu_ps(b + t + 8)));
            }
            __m256 eight = _mm256_add_ps(low, high);  // lanes[l] += lanes[l + 8]
            __m128 four = _mm_add_ps(_mm256_castps256_ps128(eight), _mm256_extractf128_ps(eight, 1));  // + lanes[l + 4]
            __m128 two = _mm_add_ps(four, _mm_movehl_ps(four, four));  // + lanes[l + 2]
            float total = _mm_cvtss_f32(_mm_add_ss(two, _mm_movehdup_ps(two)));  // + lanes[l + 1]
            for (long t = whole; t < dimension; t++) total += a[t] * b[t];
            scores[r * width + j] = scale * total;
        }
    }
}
#endif

IMPRINT_CLONES
void imprint_attention_scores(const float *queries, long rows, const float *keys, long width, long dimension, float scale,
                              float *scores) {
#if defined(__x86_64__) && defined(__clang__)
    if (dimension % 16 == 0 && __builtin_cpu_supports("avx512f")) {
        attention_scores_avx512(queries, rows, keys, width, dimension, scale, scores);
        return;
    }
    if (__builtin_cpu_supports("avx2")) {
        attention_scores_avx2(queries, rows, keys, width, dimension, scale, scores);
        return;
    }
#endif
    for (long r = 0; r < rows; r++)
        for (long j = 0; j < width; j++) scores[r * width + j] = scale * dot_lanes(queries + r * dimension, keys + j * dimension, dimension);
}

IMPRINT_CLONES
void imprint_attention_values(const float *probabilities, long rows, long width, const float *values, long dimension,
                              float *out) {
    for (long r = 0; r < rows; r++) {
        float *o = out + r * dimension;
        long t0 = 0;
        // 64 outputs at a time in a local array (registers): each output's sum runs over the keys in the same
        // order as the plain loop below, which keeps `o` in memory (it may alias the inputs).
        for (; t0 + 64 <= dimension; t0 += 64) {
            float sums[64] = {0};
            for (long j = 0; j < width; j++) {
                float p = probabilities[r * width + j];
                const float *v = values + j * dimension + t0;
                for (int t = 0; t < 64; t++) sums[t] += p * v[t];
            }
            for (int t = 0; t < 64; t++) o[t0 + t] = sums[t];
        }
        if (t0 == dimension) continue;
        for (long t = t0; t < dimension; t++) o[t] = 0.0f;
        for (long j = 0; j < width; j++) {
            float p = probabilities[r * width + j];
            const float *v = values + j * dimension;
            for (long t = t0; t < dimension; t++) o[t] += p * v[t];
        }
    }
}

static _Thread_local long gradient_disabled_depth;

long imprint_gradient_disabled_depth(void) { return gradient_disabled_depth; }

void imprint_set_gradient_disabled_depth(long depth) { gradient_disabled_depth = depth; }
