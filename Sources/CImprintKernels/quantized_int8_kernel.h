// The AVX-512 int8 product of quantized_int8.c, included once per instruction set with
// INT8_TARGET (the target attribute), INT8_NAME(name) (the suffixed function name) and
// INT8_DOT(u, s) (16 int32 sums of four u8·s8 products each: vpdpbusd, or vpmaddubsw +
// vpmaddwd, which cannot saturate here: |q_w| ≤ 128 and |q_x| ≤ 127).
//
// Sixteen weight rows at a time are decoded (with SIMD: nibbles split by shift and mask, Q5's fifth
// bits by a byte mask, IQ4_NL's values by a byte shuffle) into a panel of codes (each row padded
// with zeros to whole pairs of blocks), block scales and, for Q4_1 / Q5_1, block minimums laid out
// block-major, so one vector holds a block's minimums of all sixteen rows and Σ_b m_w·s_x runs for
// sixteen rows at once (each lane its own sequential chain of fused multiply-adds, as ggml's scalar
// `summs`). Each panel is read by every activation row, so a weight byte is read from memory once
// per product whatever the batch. Activation rows go four at a time through `tile`, which keeps
// 4 × 4 accumulators of eight float lanes: per pair of blocks and pair of rows, Σ q_w · q_x in
// int32 (unsigned Q4_1 / Q5_1 codes go to the instruction's unsigned operand as they are; signed
// codes as |q_w| and q_x with q_w's sign) (lanes 0–7: the first block, 8–15: the second),
// each block's eight sums converted to float and added times d_w·d_x with a fused multiply-add,
// block after block, then the lanes summed as ggml's hsum_float_8: the order of ggml's AVX2
// `vec_dot` and of llamafile's tinyBLAS, so the outputs are bitwise theirs.

#ifndef IMPRINT_INT8_PREFETCH
#define IMPRINT_INT8_PREFETCH 4096
#endif

/// Decodes `block_count` blocks of one weight row into codes (Q4_1 / Q5_1: unsigned, the others
/// signed, as `decode_codes`), their scales, and (Q4_1 / Q5_1) their minimums at
/// `minimums[b * minimum_stride]`. `format` is a constant where it is inlined (`decode_row`).
INT8_TARGET static inline __attribute__((always_inline)) void INT8_NAME(decode_row_format)(
    const int format, const uint8_t *row, size_t block_count, int8_t *codes, float *scales, float *minimums, size_t minimum_stride) {
    const size_t block_bytes = format == IMPRINT_Q8_0 ? 34 : format == IMPRINT_Q4_1 ? 20 : format == IMPRINT_Q5_0 ? 22
                             : format == IMPRINT_Q5_1 ? 24 : 18;
    const __m128i low_mask = _mm_set1_epi8(0x0f);
    const __m128i table = _mm_loadu_si128((const __m128i *)iq4_values);
    for (size_t b = 0; b < block_count; b++) {
        const uint8_t *block = row + b * block_bytes;
        int8_t *out = codes + 32 * b;
        // The weights stream from memory once per product: ask for them well ahead (a decoding step is
        // bound by how many cache lines are in flight, more than the hardware prefetcher keeps).
        _mm_prefetch((const char *)block + IMPRINT_INT8_PREFETCH, _MM_HINT_T0);
        uint16_t d, m;
        memcpy(&d, block, 2);
        scales[b] = _cvtsh_ss(d);  // F16C: exact, as half_to_float
        if (has_minimum(format)) {
            memcpy(&m, block + 2, 2);
            minimums[b * minimum_stride] = _cvtsh_ss(m);
        }
        if (format == IMPRINT_Q8_0) {
            _mm256_storeu_si256((__m256i *)out, _mm256_loadu_si256((const __m256i *)(block + 2)));
            continue;
        }
        const size_t nibble_offset = format == IMPRINT_Q4_1 ? 4 : format == IMPRINT_Q5_0 ? 6 : format == IMPRINT_Q5_1 ? 8 : 2;
        __m128i packed = _mm_loadu_si128((const __m128i *)(block + nibble_offset));
        __m128i low = _mm_and_si128(packed, low_mask), high = _mm_and_si128(_mm_srli_epi16(packed, 4), low_mask);
        if (format == IMPRINT_IQ4_NL) {
            low = _mm_shuffle_epi8(table, low);
            high = _mm_shuffle_epi8(table, high);
        }
        __m256i both = _mm256_inserti128_si256(_mm256_castsi128_si256(low), high, 1);
        if (format == IMPRINT_Q5_0 || format == IMPRINT_Q5_1) {
            uint32_t qh;  // bit l: the fifth bit of weight l
            memcpy(&qh, block + (format == IMPRINT_Q5_0 ? 2 : 4), 4);
            both = _mm256_or_si256(both, _mm256_maskz_mov_epi8((__mmask32)qh, _mm256_set1_epi8(0x10)));
        }
        if (format == IMPRINT_Q4_0) both = _mm256_sub_epi8(both, _mm256_set1_epi8(8));
        if (format == IMPRINT_Q5_0) both = _mm256_sub_epi8(both, _mm256_set1_epi8(16));
        _mm256_storeu_si256((__m256i *)out, both);
    }
}

INT8_TARGET static void INT8_NAME(decode_row)(int format, const uint8_t *row, size_t block_count, int8_t *codes, float *scales,
                                               float *minimums, size_t minimum_stride) {
    switch (format) {
    case IMPRINT_Q8_0: INT8_NAME(decode_row_format)(IMPRINT_Q8_0, row, block_count, codes, scales, minimums, minimum_stride); break;
    case IMPRINT_Q4_0: INT8_NAME(decode_row_format)(IMPRINT_Q4_0, row, block_count, codes, scales, minimums, minimum_stride); break;
    case IMPRINT_Q4_1: INT8_NAME(decode_row_format)(IMPRINT_Q4_1, row, block_count, codes, scales, minimums, minimum_stride); break;
    case IMPRINT_Q5_0: INT8_NAME(decode_row_format)(IMPRINT_Q5_0, row, block_count, codes, scales, minimums, minimum_stride); break;
    case IMPRINT_Q5_1: INT8_NAME(decode_row_format)(IMPRINT_Q5_1, row, block_count, codes, scales, minimums, minimum_stride); break;
    default: INT8_NAME(decode_row_format)(IMPRINT_IQ4_NL, row, block_count, codes, scales, minimums, minimum_stride); break;
    }
}

/// One pair of blocks (p) of the tile below: `both` is 0 when the pair holds one block (the last of
/// an odd count). Constant where inlined, so the accumulators stay in registers.
INT8_TARGET static inline __attribute__((always_inline)) void INT8_NAME(tile_pair)(
    __m256 sum[4][4], size_t p, const int both, const int8_t *panel, size_t panel_stride, const float *panel_scales,
    size_t scale_stride, const int8_t *codes, size_t columns, const float *scales, size_t block_count, const int MR,
    const int unsigned_codes) {
    const __m512i zero = _mm512_setzero_si512();
    const __mmask64 load_mask = both ? ~(__mmask64)0 : (__mmask64)0xffffffffu;
    __m512i magnitude[4];
    __mmask64 negative[4];
    __m512 weight_scale[4];
    for (int j = 0; j < 4; j++) {
        __m512i weights = _mm512_load_si512((const void *)(panel + j * panel_stride + 64 * p));
        magnitude[j] = unsigned_codes ? weights : _mm512_abs_epi8(weights);
        negative[j] = unsigned_codes ? 0 : _mm512_movepi8_mask(weights);
        const float *d = panel_scales + j * scale_stride + 2 * p;
        weight_scale[j] = _mm512_mask_blend_ps((__mmask16)0xff00, _mm512_set1_ps(d[0]), _mm512_set1_ps(d[1]));
    }
    for (int i = 0; i < MR; i++) {
        __m512i x = both ? _mm512_loadu_si512((const void *)(codes + i * columns + 64 * p))
                         : _mm512_maskz_loadu_epi8(load_mask, codes + i * columns + 64 * p);
        const float *d = scales + i * block_count + 2 * p;
        __m512 x_scale = _mm512_mask_blend_ps((__mmask16)0xff00, _mm512_set1_ps(d[0]), _mm512_set1_ps(both ? d[1] : 0.0f));
        for (int j = 0; j < 4; j++) {
            __m512i signed_x = unsigned_codes ? x : _mm512_mask_sub_epi8(x, negative[j], zero, x);
            __m512 dots = _mm512_cvtepi32_ps(INT8_DOT(magnitude[j], signed_x));
            __m512 products = _mm512_mul_ps(weight_scale[j], x_scale);  // d_w·d_x of each block
            // One block after the other into eight lanes, as ggml's acc = fmadd(d, q, acc).
            sum[i][j] = _mm256_fmadd_ps(_mm512_castps512_ps256(products), _mm512_castps512_ps256(dots), sum[i][j]);
            if (both)
                sum[i][j] = _mm256_fmadd_ps(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(products), 1)),
                                            _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(dots), 1)), sum[i][j]);
        }
    }
}

/// out[4i + j] for activation rows i < MR and the panel's four weight rows j; `unsigned_codes`:
/// the panel holds Q4_1 / Q5_1's unsigned codes.
INT8_TARGET static inline __attribute__((always_inline)) void INT8_NAME(tile)(
    const int8_t *panel, size_t panel_stride, const float *panel_scales, size_t scale_stride, const int8_t *codes,
    size_t columns, const float *scales, size_t block_count, float *out, const int MR, const int unsigned_codes) {
    __m256 sum[4][4];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < 4; j++) sum[i][j] = _mm256_setzero_ps();
    size_t full_pairs = block_count / 2;
    for (size_t p = 0; p < full_pairs; p++)
        INT8_NAME(tile_pair)(sum, p, 1, panel, panel_stride, panel_scales, scale_stride, codes, columns, scales, block_count, MR,
                             unsigned_codes);
    if (block_count % 2)
        INT8_NAME(tile_pair)(sum, full_pairs, 0, panel, panel_stride, panel_scales, scale_stride, codes, columns, scales, block_count,
                             MR, unsigned_codes);
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < 4; j++) {  // ggml's hsum_float_8: ((a4 + a0) + (a6 + a2)) + ((a5 + a1) + (a7 + a3))
            __m128 half = _mm_add_ps(_mm256_extractf128_ps(sum[i][j], 1), _mm256_castps256_ps128(sum[i][j]));
            half = _mm_add_ps(half, _mm_movehl_ps(half, half));
            out[4 * i + j] = _mm_cvtss_f32(_mm_add_ss(half, _mm_movehdup_ps(half)));
        }
}

/// The tile for MR activation rows, specialized on the codes' signedness.
INT8_TARGET static inline __attribute__((always_inline)) void INT8_NAME(tile_rows)(
    const int8_t *panel, size_t panel_stride, const float *panel_scales, size_t scale_stride, const int8_t *codes,
    size_t columns, const float *scales, size_t block_count, float *out, size_t MR, int unsigned_codes) {
#define INT8_TILE(rows, unsigned_flag) INT8_NAME(tile)(panel, panel_stride, panel_scales, scale_stride, codes, columns, scales, block_count, out, rows, unsigned_flag)
    if (unsigned_codes) {
        switch (MR) {
        case 1: INT8_TILE(1, 1); break;
        case 2: INT8_TILE(2, 1); break;
        case 3: INT8_TILE(3, 1); break;
        default: INT8_TILE(4, 1); break;
        }
    } else {
        switch (MR) {
        case 1: INT8_TILE(1, 0); break;
        case 2: INT8_TILE(2, 0); break;
        case 3: INT8_TILE(3, 0); break;
        default: INT8_TILE(4, 0); break;
        }
    }
#undef INT8_TILE
}

INT8_TARGET static void INT8_NAME(int8_matmul)(int format, const uint8_t *blocks, size_t columns, size_t row_start,
                                                size_t row_end, const int8_t *codes, const float *scales, const float *sums,
                                                size_t m, float *y, size_t ldy) {
#pragma clang fp contract(off)
    enum { GROUP = 16 };
    size_t block_count = columns / 32, pairs = (block_count + 1) / 2, stride = 64 * pairs;
    size_t row_bytes = block_count * imprint_quant_block_bytes(format);
    int minimum = has_minimum(format), unsigned_codes = minimum;
    int8_t *panel = (int8_t *)aligned_alloc(64, GROUP * stride);
    float *panel_scales = (float *)calloc(GROUP * 2 * pairs, sizeof(float));
    float *minimums = (float *)aligned_alloc(64, sizeof(float) * GROUP * (block_count + 1));  // [block][GROUP]
    memset(panel, 0, GROUP * stride);
    memset(minimums, 0, sizeof(float) * GROUP * (block_count + 1));
    float out[16], totals[4][GROUP];
    for (size_t n = row_start; n < row_end; n += GROUP) {
        size_t count = row_end - n < GROUP ? row_end - n : GROUP;
        for (size_t j = 0; j < count; j++)
            INT8_NAME(decode_row)(format, blocks + (n + j) * row_bytes, block_count, panel + j * stride, panel_scales + j * 2 * pairs,
                                  minimums + j, GROUP);
        for (size_t i = 0; i < m; i += 4) {
            size_t MR = m - i < 4 ? m - i : 4;
            if (minimum) {  // Σ_b m_w·s_x of the group's rows, one chain per lane, block after block
                __m512 total[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
                for (size_t b = 0; b < block_count; b++) {
                    __m512 weight_minimums = _mm512_load_ps(minimums + b * GROUP);
                    for (size_t r = 0; r < MR; r++)
                        total[r] = _mm512_fmadd_ps(weight_minimums, _mm512_set1_ps(sums[(i + r) * block_count + b]), total[r]);
                }
                for (size_t r = 0; r < MR; r++) _mm512_storeu_ps(totals[r], total[r]);
            }
            for (size_t group = 0; group < count; group += 4) {
                INT8_NAME(tile_rows)(panel + group * stride, stride, panel_scales + group * 2 * pairs, 2 * pairs, codes + i * columns,
                                     columns, scales + i * block_count, block_count, out, MR, unsigned_codes);
                size_t width = count - group < 4 ? count - group : 4;
                for (size_t r = 0; r < MR; r++)
                    for (size_t j = 0; j < width; j++)
                        y[(i + r) * ldy + n + group + j] = out[4 * r + j] + (minimum ? totals[r][group + j] : 0.0f);
            }
        }
    }
    free(minimums);
    free(panel_scales);
    free(panel);
}
