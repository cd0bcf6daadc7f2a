// See imprint_quantized.h. The matmul dequantizes four weight rows into a small buffer and
// multiplies them with every activation row, so each weight byte is read from memory once.
#include "imprint_quantized.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__) && defined(__linux__)
#define IMPRINT_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define IMPRINT_CLONES
#endif

static inline __attribute__((always_inline)) float half_to_float(uint16_t h) {
    if (((h >> 10) & 0x1f) != 0 && ((h >> 10) & 0x1f) != 31) {  // normal numbers, the common case
        uint32_t bits = ((uint32_t)(h & 0x8000) << 16) | ((((h >> 10) & 0x1f) - 15 + 127) << 23) | ((uint32_t)(h & 0x3ff) << 13);
        float result;
        memcpy(&result, &bits, 4);
        return result;
    }
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff, bits;
    if (exponent == 0) {
        if (mantissa == 0) {
            bits = sign;
        } else {  // subnormal: normalize
            exponent = 127 - 15 + 1;
            while ((mantissa & 0x400) == 0) { mantissa <<= 1; exponent--; }
            bits = sign | (exponent << 23) | ((mantissa & 0x3ff) << 13);
        }
    } else if (exponent == 31) {
        bits = sign | 0x7f800000 | (mantissa << 13);
    } else {
        bits = sign | ((exponent - 15 + 127) << 23) | (mantissa << 13);
    }
    float result;
    memcpy(&result, &bits, 4);
    return result;
}

static inline uint16_t read_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

size_t imprint_quant_block_bytes(int format) {
    switch (format) {
    case IMPRINT_Q8_0: return 34;
    case IMPRINT_Q4_0: return 18;
    default: return 20;
    }
}

// Dequantizes one row of `columns` values. Always inlined, so each CPU clone of its callers
// gets its own vectorized copy; the format test sits outside the block loop.
static inline __attribute__((always_inline)) void dequantize_row(int format, const uint8_t *row, size_t columns, float *out) {
    size_t blocks = columns / 32;
    if (format == IMPRINT_Q8_0) {
        for (size_t b = 0; b < blocks; b++) {
            const uint8_t *block = row + b * 34;
            float d = half_to_float(read_u16(block));
            const int8_t *q = (const int8_t *)(block + 2);
            float *o = out + b * 32;
            for (int i = 0; i < 32; i++) o[i] = d * (float)q[i];
        }
    } else if (format == IMPRINT_Q4_0) {
        for (size_t b = 0; b < blocks; b++) {
            const uint8_t *block = row + b * 18;
            float d = half_to_float(read_u16(block));
            const uint8_t *q = block + 2;
            float *o = out + b * 32;
            for (int i = 0; i < 16; i++) o[i] = d * (float)((int)(q[i] & 0x0f) - 8);
            for (int i = 0; i < 16; i++) o[i + 16] = d * (float)((int)(q[i] >> 4) - 8);
        }
    } else {
        for (size_t b = 0; b < blocks; b++) {
            const uint8_t *block = row + b * 20;
            float d = half_to_float(read_u16(block)), m = half_to_float(read_u16(block + 2));
            const uint8_t *q = block + 4;
            float *o = out + b * 32;
            for (int i = 0; i < 16; i++) o[i] = d * (float)(q[i] & 0x0f) + m;
            for (int i = 0; i < 16; i++) o[i + 16] = d * (float)(q[i] >> 4) + m;
        }
    }
}

IMPRINT_CLONES
void imprint_quant_dequantize_rows(int format, const uint8_t *blocks, size_t columns, size_t row_start,
                                   size_t row_count, float *out) {
    size_t row_bytes = columns / 32 * imprint_quant_block_bytes(format);
    for (size_t r = 0; r < row_count; r++) {
        dequantize_row(format, blocks + (row_start + r) * row_bytes, columns, out + r * columns);
    }
}

// Decodes one block's 32 codes as floats scaled by the block scale d (the offset is applied
// separately: Q4_0's −8·d and Q4_1's minimum m multiply the block's sum of x).
static inline __attribute__((always_inline)) float decode_block(int format, const uint8_t *block, float *codes) {
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

// Σ_b offsets[b] · block_sums[b] (zero for Q8_0, which has no offsets).
static inline __attribute__((always_inline)) float offset_dot(int format, const float *offsets, const float *block_sums,
                                                             size_t block_count) {
    if (format == IMPRINT_Q8_0) return 0.0f;
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

// For every output row n: y[i][n] = Σ_b Σ_l codes_b[l]·x_i[32b + l] + offset_b·Σ_l x_i[32b + l]. Each
// weight row is decoded once into a small buffer (it stays in L1) and multiplied with the
// activation rows four at a time; block sums of x are computed once per call.
IMPRINT_CLONES
void imprint_quant_matmul(int format, const uint8_t *blocks, size_t columns, size_t row_start, size_t row_end,
                          const float *x, size_t m, float *y, size_t ldy) {
    size_t block_bytes = imprint_quant_block_bytes(format);
    size_t block_count = columns / 32, row_bytes = block_count * block_bytes;
    float *block_sums = (float *)malloc(sizeof(float) * (m * block_count + 1));
    float *row = (float *)malloc(sizeof(float) * (columns + block_count));
    float *offsets = row + columns;
    for (size_t i = 0; i < m; i++) {
        for (size_t b = 0; b < block_count; b++) {
            float total = 0.0f;
            for (int l = 0; l < 32; l++) total += x[i * columns + b * 32 + l];
            block_sums[i * block_count + b] = total;
        }
    }
    float results[4];
    for (size_t n = row_start; n < row_end; n++) {
        const uint8_t *source = blocks + n * row_bytes;
        for (size_t b = 0; b < block_count; b++) offsets[b] = decode_block(format, source + b * block_bytes, row + b * 32);
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
void imprint_dense_matmul(const float *weights, size_t columns, size_t row_start, size_t row_end,
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
