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

static inline float half_to_float(uint16_t h) {
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

// Dequantizes one row of `columns` values.
static inline void dequantize_row(int format, const uint8_t *row, size_t columns, float *out) {
    size_t blocks = columns / 32;
    for (size_t b = 0; b < blocks; b++) {
        float *o = out + b * 32;
        if (format == IMPRINT_Q8_0) {
            const uint8_t *block = row + b * 34;
            float d = half_to_float(read_u16(block));
            const int8_t *q = (const int8_t *)(block + 2);
            for (int i = 0; i < 32; i++) o[i] = d * (float)q[i];
        } else if (format == IMPRINT_Q4_0) {
            const uint8_t *block = row + b * 18;
            float d = half_to_float(read_u16(block));
            const uint8_t *q = block + 2;
            for (int i = 0; i < 16; i++) {
                o[i] = d * (float)((int)(q[i] & 0x0f) - 8);
                o[i + 16] = d * (float)((int)(q[i] >> 4) - 8);
            }
        } else {
            const uint8_t *block = row + b * 20;
            float d = half_to_float(read_u16(block)), m = half_to_float(read_u16(block + 2));
            const uint8_t *q = block + 4;
            for (int i = 0; i < 16; i++) {
                o[i] = d * (float)(q[i] & 0x0f) + m;
                o[i + 16] = d * (float)(q[i] >> 4) + m;
            }
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

#define LANES 16

IMPRINT_CLONES
void imprint_quant_matmul(int format, const uint8_t *blocks, size_t columns, size_t row_start, size_t row_end,
                          const float *x, size_t m, float *y, size_t ldy) {
    size_t row_bytes = columns / 32 * imprint_quant_block_bytes(format);
    float *rows = (float *)malloc(sizeof(float) * 4 * columns);
    size_t n = row_start;
    for (; n + 4 <= row_end; n += 4) {
        for (int r = 0; r < 4; r++) dequantize_row(format, blocks + (n + r) * row_bytes, columns, rows + r * columns);
        const float *w0 = rows, *w1 = rows + columns, *w2 = rows + 2 * columns, *w3 = rows + 3 * columns;
        for (size_t i = 0; i < m; i++) {
            const float *xi = x + i * columns;
            float a0[LANES] = {0}, a1[LANES] = {0}, a2[LANES] = {0}, a3[LANES] = {0};
            for (size_t k = 0; k < columns; k += LANES) {  // columns is a multiple of 32
                for (int l = 0; l < LANES; l++) {
                    float v = xi[k + l];
                    a0[l] += v * w0[k + l];
                    a1[l] += v * w1[k + l];
                    a2[l] += v * w2[k + l];
                    a3[l] += v * w3[k + l];
                }
            }
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (int l = 0; l < LANES; l++) { s0 += a0[l]; s1 += a1[l]; s2 += a2[l]; s3 += a3[l]; }
            float *yi = y + i * ldy + n;
            yi[0] = s0; yi[1] = s1; yi[2] = s2; yi[3] = s3;
        }
    }
    for (; n < row_end; n++) {
        dequantize_row(format, blocks + n * row_bytes, columns, rows);
        for (size_t i = 0; i < m; i++) {
            const float *xi = x + i * columns;
            float a[LANES] = {0};
            for (size_t k = 0; k < columns; k += LANES)
                for (int l = 0; l < LANES; l++) a[l] += xi[k + l] * rows[k + l];
            float s = 0;
            for (int l = 0; l < LANES; l++) s += a[l];
            y[i * ldy + n] = s;
        }
    }
    free(rows);
}
