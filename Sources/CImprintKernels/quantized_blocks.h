// Block decoders for the formats of imprint_quantized.h, one block of 32 or 256 weights each, with
// the arithmetic of gguf-py 0.19's `gguf.quants` dequantizers (and of Imprint's Swift reference,
// ImprintFormats' GGMLDequantization): the same float32 products in the same order, and no fused
// multiply-add (`fp contract(off)`), so every decoded value is bitwise the dequantized one.
// Private to quantized.c; always inlined, so each CPU clone (and the AVX-512 kernels) vectorizes
// its own copy.
#ifndef IMPRINT_QUANTIZED_BLOCKS_H
#define IMPRINT_QUANTIZED_BLOCKS_H

#include <stdint.h>
#include <string.h>

#define IMPRINT_INLINE static inline __attribute__((always_inline))

/// How far ahead of the weights being decoded the block kernels (float32 and int8) request memory. A
/// decoding step streams every weight byte once; the hardware prefetcher alone keeps too few cache lines
/// in flight (measured on AMD EPYC: single-sequence decoding 71 → 104-118 tokens/s with 4 KB).
#define IMPRINT_PREFETCH_DISTANCE 4096

IMPRINT_INLINE float half_to_float(uint16_t h) {
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

IMPRINT_INLINE uint16_t read_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

IMPRINT_INLINE uint32_t read_u32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

// The values of IQ4_NL's and IQ4_XS's 4-bit codes (kvalues_iq4nl).
static const int8_t iq4_values[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

// Q8_0 (34 bytes): d, int8 q[32]; y = d·q.
IMPRINT_INLINE void decode_q8_0(const uint8_t *block, float *out) {
#pragma clang fp contract(off)
    float d = half_to_float(read_u16(block));
    const int8_t *q = (const int8_t *)(block + 2);
    for (int i = 0; i < 32; i++) out[i] = d * (float)q[i];
}

// Q4_0 (18 bytes): d, nibbles (low: weights 0–15, high: 16–31); y = d·(q − 8).
IMPRINT_INLINE void decode_q4_0(const uint8_t *block, float *out) {
#pragma clang fp contract(off)
    float d = half_to_float(read_u16(block));
    const uint8_t *q = block + 2;
    for (int i = 0; i < 16; i++) out[i] = d * (float)((int)(q[i] & 0x0f) - 8);
    for (int i = 0; i < 16; i++) out[i + 16] = d * (float)((int)(q[i] >> 4) - 8);
}

// Q4_1 (20 bytes): d, m, nibbles; y = d·q + m.
IMPRINT_INLINE void decode_q4_1(const uint8_t *block, float *out) {
#pragma clang fp contract(off)
    float d = half_to_float(read_u16(block)), m = half_to_float(read_u16(block + 2));
    const uint8_t *q = block + 4;
    for (int i = 0; i < 16; i++) out[i] = d * (float)(q[i] & 0x0f) + m;
    for (int i = 0; i < 16; i++) out[i + 16] = d * (float)(q[i] >> 4) + m;
}

// Q5_0 (22 bytes): d, u32 qh (bit i: fifth bit of weight i), nibbles; y = d·(q − 16).
IMPRINT_INLINE void decode_q5_0(const uint8_t *block, float *out) {
#pragma clang fp contract(off)
    float d = half_to_float(read_u16(block));
    uint32_t qh = read_u32(block + 2);
    const uint8_t *q = block + 6;
    for (int i = 0; i < 16; i++) out[i] = d * (float)((int)((q[i] & 0x0f) | (((qh >> i) & 1) << 4)) - 16);
    for (int i = 0; i < 16; i++) out[i + 16] = d * (float)((int)((q[i] >> 4) | (((qh >> (i + 16)) & 1) << 4)) - 16);
}

// Q5_1 (24 bytes): d, m, u32 qh, nibbles; y = d·q + m.
IMPRINT_INLINE void decode_q5_1(const uint8_t *block, float *out) {
#pragma clang fp contract(off)
    float d = half_to_float(read_u16(block)), m = half_to_float(read_u16(block + 2));
    uint32_t qh = read_u32(block + 4);
    const uint8_t *q = block + 8;
    for (int i = 0; i < 16; i++) out[i] = d * (float)((q[i] & 0x0f) | (((qh >> i) & 1) << 4)) + m;
    for (int i = 0; i < 16; i++) out[i + 16] = d * (float)((q[i] >> 4) | (((qh >> (i + 16)) & 1) << 4)) + m;
}

// IQ4_NL (18 bytes): d, nibbles as Q4_0; y = d·iq4_values[q].
IMPRINT_INLINE void decode_iq4_nl(const uint8_t *block, float *out) {
#pragma clang fp contract(off)
    float d = half_to_float(read_u16(block));
    const uint8_t *q = block + 2;
    for (int i = 0; i < 16; i++) out[i] = d * (float)iq4_values[q[i] & 0x0f];
    for (int i = 0; i < 16; i++) out[i + 16] = d * (float)iq4_values[q[i] >> 4];
}

// Q2_K (84 bytes): scales[16] (low nibble scale, high nibble minimum of 16 weights), qs[64], d,
// dmin. Weight 128c + 32k + l is bits 2k, 2k+1 of qs[32c + l]; y = (d·sc)·q − dmin·m.
IMPRINT_INLINE void decode_q2_k(const uint8_t *block, float *out) {
#pragma clang fp contract(off)
    const uint8_t *scales = block, *qs = block + 16;
    float d = half_to_float(read_u16(block + 80)), dmin = half_to_float(read_u16(block + 82));
    for (int c = 0; c < 2; c++)
        for (int k = 0; k < 4; k++)
            for (int g = 0; g < 2; g++) {
                int sub = 8 * c + 2 * k + g;
                float scale = d * (float)(scales[sub] & 0x0f), minimum = dmin * (float)(scales[sub] >> 4);
                const uint8_t *q = qs + 32 * c + 16 * g;
                float *y = out + 16 * sub;
                for (int l = 0; l < 16; l++) y[l] = scale * (float)((q[l] >> (2 * k)) & 3) - minimum;
            }
}

// Q3_K (110 bytes): hmask[32], qs[64], 12 bytes of sixteen 6-bit scales (minus 32), d. Weight
// 128c + 32k + l: low bits 2k, 2k+1 of qs[32c + l], minus 4 unless bit 4c + k of hmask[l] is set;
// y = (d·sc)·q.
IMPRINT_INLINE void decode_q3_k(const uint8_t *block, float *out) {
#pragma clang fp contract(off)
    const uint8_t *hmask = block, *qs = block + 32, *packed = block + 96;
    float d = half_to_float(read_u16(block + 108));
    for (int c = 0; c < 2; c++)
        for (int k = 0; k < 4; k++)
            for (int g = 0; g < 2; g++) {
                int sub = 8 * c + 2 * k + g, bit = 4 * c + k;
                int low = sub < 8 ? packed[sub] & 0x0f : packed[sub - 8] >> 4;
                int high = (packed[8 + sub % 4] >> (2 * (sub / 4))) & 3;
                float scale = d * (float)((low | (high << 4)) - 32);
                float *y = out + 16 * sub;
                for (int l = 0; l < 16; l++) {
                    int position = 16 * g + l;
                    int q = ((qs[32 * c + position] >> (2 * k)) & 3) - (((hmask[position] >> bit) & 1) ? 0 : 4);
                    y[l] = scale * (float)q;
                }
            }
}

// The 6-bit scale and minimum of sub-block j of a Q4_K / Q5_K block (get_scale_min_k4).
IMPRINT_INLINE void scale_min_k4(int j, const uint8_t *scales, int *scale, int *minimum) {
    if (j < 4) {
        *scale = scales[j] & 63;
        *minimum = scales[j + 4] & 63;
    } else {
        *scale = (scales[j + 4] & 0x0f) | ((scales[j - 4] >> 6) << 4);
        *minimum = (scales[j + 4] >> 4) | ((scales[j] >> 6) << 4);
    }
}

// Q4_K (144 bytes): d, dmin, 12 bytes of scales and minimums, qs[128]; sub-block j (32 weights)
// is the low (j even) or high nibbles of qs[32·(j/2) ...]; y = (d·sc)·q − dmin·m.
IMPRINT_INLINE void decode_q4_k(const uint8_t *block, float *out) {
#pragma clang fp contract(off)
    float d = half_to_float(read_u16(block)), dmin = half_to_float(read_u16(block + 2));
    const uint8_t *scales = block + 4, *qs = block + 16;
    for (int j = 0; j < 8; j++) {
        int scale, minimum;
        scale_min_k4(j, scales, &scale, &minimum);
        float dj = d * (float)scale, mj = dmin * (float)minimum;
        const uint8_t *q = qs + 32 * (j / 2);
        int shift = 4 * (j % 2);
        float *y = out + 32 * j;
        for (int l = 0; l < 32; l++) y[l] = dj * (float)((q[l] >> shift) & 0x0f) - mj;
    }
}

// Q5_K (176 bytes): Q4_K's fields with qh[32] before the nibbles: bit j of qh[l] is the fifth bit
// of weight l of sub-block j.
IMPRINT_INLINE void decode_q5_k(const uint8_t *block, float *out) {
#pragma clang fp contract(off)
    float d = half_to_float(read_u16(block)), dmin = half_to_float(read_u16(block + 2));
    const uint8_t *scales = block + 4, *qh = block + 16, *qs = block + 48;
    for (int j = 0; j < 8; j++) {
        int scale, minimum;
        scale_min_k4(j, scales, &scale, &minimum);
        float dj = d * (float)scale, mj = dmin * (float)minimum;
        const uint8_t *q = qs + 32 * (j / 2);
        int shift = 4 * (j % 2);
        float *y = out + 32 * j;
        for (int l = 0; l < 32; l++) y[l] = dj * (float)(((q[l] >> shift) & 0x0f) | (((qh[l] >> j) & 1) << 4)) - mj;
    }
}

// Q6_K (210 bytes): ql[128] low nibbles, qh[64] high bit pairs, int8 scales[16], d. In half h,
// weight 32k + l (k < 4) is nibble k/2 of ql[64h + 32·(k%2) + l] with bits 2k, 2k+1 of
// qh[32h + l]; y = (d·sc)·(q − 32).
IMPRINT_INLINE void decode_q6_k(const uint8_t *block, float *out) {
#pragma clang fp contract(off)
    float d = half_to_float(read_u16(block + 208));
    const int8_t *scales = (const int8_t *)(block + 192);
    for (int h = 0; h < 2; h++)
        for (int k = 0; k < 4; k++)
            for (int g = 0; g < 2; g++) {
                int sub = 8 * h + 2 * k + g;
                float scale = d * (float)scales[sub];
                const uint8_t *ql = block + 64 * h + 32 * (k % 2) + 16 * g, *qh = block + 128 + 32 * h + 16 * g;
                float *y = out + 16 * sub;
                for (int l = 0; l < 16; l++) {
                    int q = ((ql[l] >> (4 * (k / 2))) & 0x0f) | (((qh[l] >> (2 * k)) & 3) << 4);
                    y[l] = scale * (float)(q - 32);
                }
            }
}

// IQ4_XS (136 bytes): d, u16 scales_h, scales_l[4], qs[128]; sub-block j has scale nibble j of
// scales_l with bits 2j, 2j+1 of scales_h (minus 32) and codes qs[16j ...] (low nibbles first);
// y = (d·sc)·iq4_values[q].
IMPRINT_INLINE void decode_iq4_xs(const uint8_t *block, float *out) {
#pragma clang fp contract(off)
    float d = half_to_float(read_u16(block));
    uint16_t scales_high = read_u16(block + 2);
    const uint8_t *scales_low = block + 4, *qs = block + 8;
    for (int j = 0; j < 8; j++) {
        int low = (scales_low[j / 2] >> (4 * (j % 2))) & 0x0f, high = (scales_high >> (2 * j)) & 3;
        float scale = d * (float)((low | (high << 4)) - 32);
        const uint8_t *q = qs + 16 * j;
        float *y = out + 32 * j;
        for (int l = 0; l < 16; l++) y[l] = scale * (float)iq4_values[q[l] & 0x0f];
        for (int l = 0; l < 16; l++) y[l + 16] = scale * (float)iq4_values[q[l] >> 4];
    }
}

#endif
