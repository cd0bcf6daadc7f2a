// The AVX-512 int8 product of quantized_int8.c, included once per instruction set with
// INT8_TARGET (the target attribute), INT8_NAME(name) (the suffixed function name) and
// INT8_DOT(u, s) (16 int32 sums of four u8·s8 products each: vpdpbusd, or vpmaddubsw +
// vpmaddwd, which cannot saturate here: |q_w| ≤ 128 and |q_x| ≤ 127).
//
// Four weight rows at a time are decoded into a panel of signed codes (each row padded with
// zeros to whole pairs of blocks) and block scales; activation rows go four at a time through
// `tile`, which keeps 4 × 4 accumulators of eight float lanes: per pair of blocks and pair of
// rows, Σ |q_w| · (q_x with q_w's sign) in int32 (lanes 0–7: the first block, 8–15: the second),
// each block's eight sums converted to float and added times d_w·d_x with a fused multiply-add,
// block after block, then the lanes summed as ggml's hsum_float_8: the order of ggml's AVX2
// `vec_dot` and of llamafile's tinyBLAS, so the outputs are bitwise theirs.

/// out[4i + j] for activation rows i < MR and the panel's four weight rows j.
INT8_TARGET static inline __attribute__((always_inline)) void INT8_NAME(tile)(
    const int8_t *panel, size_t panel_stride, const float *panel_scales, size_t scale_stride, const int8_t *codes,
    size_t columns, const float *scales, size_t block_count, float *out, const int MR) {
    __m256 sum[4][4];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < 4; j++) sum[i][j] = _mm256_setzero_ps();
    const __m512i zero = _mm512_setzero_si512();
    for (size_t p = 0; 2 * p < block_count; p++) {
        int both = 2 * p + 1 < block_count;  // the last pair may hold one block
        __mmask64 load_mask = both ? ~(__mmask64)0 : (__mmask64)0xffffffffu;
        __m512i magnitude[4];
        __mmask64 negative[4];
        __m512 weight_scale[4];
        for (int j = 0; j < 4; j++) {
            __m512i weights = _mm512_load_si512((const void *)(panel + j * panel_stride + 64 * p));
            magnitude[j] = _mm512_abs_epi8(weights);
            negative[j] = _mm512_movepi8_mask(weights);
            const float *d = panel_scales + j * scale_stride + 2 * p;
            weight_scale[j] = _mm512_mask_blend_ps((__mmask16)0xff00, _mm512_set1_ps(d[0]), _mm512_set1_ps(d[1]));
        }
        for (int i = 0; i < MR; i++) {
            __m512i x = _mm512_maskz_loadu_epi8(load_mask, codes + i * columns + 64 * p);
            const float *d = scales + i * block_count + 2 * p;
            __m512 x_scale = _mm512_mask_blend_ps((__mmask16)0xff00, _mm512_set1_ps(d[0]), _mm512_set1_ps(both ? d[1] : 0.0f));
            for (int j = 0; j < 4; j++) {
                __m512i signed_x = _mm512_mask_sub_epi8(x, negative[j], zero, x);
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
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < 4; j++) {  // ggml's hsum_float_8: ((a4 + a0) + (a6 + a2)) + ((a5 + a1) + (a7 + a3))
            __m128 half = _mm_add_ps(_mm256_extractf128_ps(sum[i][j], 1), _mm256_castps256_ps128(sum[i][j]));
            half = _mm_add_ps(half, _mm_movehl_ps(half, half));
            out[4 * i + j] = _mm_cvtss_f32(_mm_add_ss(half, _mm_movehdup_ps(half)));
        }
}

INT8_TARGET static void INT8_NAME(int8_matmul)(int format, const uint8_t *blocks, size_t columns, size_t row_start,
                                                size_t row_end, const int8_t *codes, const float *scales, const float *sums,
                                                size_t m, float *y, size_t ldy) {
#pragma clang fp contract(off)
    size_t block_count = columns / 32, pairs = (block_count + 1) / 2, stride = 64 * pairs;
    size_t row_bytes = block_count * imprint_quant_block_bytes(format);
    int8_t *panel = (int8_t *)aligned_alloc(64, 4 * stride);
    float *panel_scales = (float *)calloc(4 * 2 * pairs + 4 * block_count, sizeof(float));
    float *minimums = panel_scales + 4 * 2 * pairs;
    memset(panel, 0, 4 * stride);
    float out[16];
    for (size_t n = row_start; n < row_end; n += 4) {
        size_t count = row_end - n < 4 ? row_end - n : 4;
        for (size_t j = 0; j < count; j++)
            decode_code_row(format, blocks + (n + j) * row_bytes, block_count, panel + j * stride, panel_scales + j * 2 * pairs,
                            minimums + j * block_count);
        for (size_t i = 0; i < m; i += 4) {
            switch (m - i < 4 ? m - i : 4) {
            case 1: INT8_NAME(tile)(panel, stride, panel_scales, 2 * pairs, codes + i * columns, columns, scales + i * block_count, block_count, out, 1); break;
            case 2: INT8_NAME(tile)(panel, stride, panel_scales, 2 * pairs, codes + i * columns, columns, scales + i * block_count, block_count, out, 2); break;
            case 3: INT8_NAME(tile)(panel, stride, panel_scales, 2 * pairs, codes + i * columns, columns, scales + i * block_count, block_count, out, 3); break;
            default: INT8_NAME(tile)(panel, stride, panel_scales, 2 * pairs, codes + i * columns, columns, scales + i * block_count, block_count, out, 4); break;
            }
            for (size_t r = 0; r < 4 && i + r < m; r++)
                for (size_t j = 0; j < count; j++) {
                    float minimum_total = 0.0f;
                    for (size_t b = 0; has_minimum(format) && b < block_count; b++)
                        minimum_total = __builtin_fmaf(minimums[j * block_count + b], sums[(i + r) * block_count + b], minimum_total);
                    y[(i + r) * ldy + n + j] = out[4 * r + j] + minimum_total;
                }
        }
    }
    free(panel_scales);
    free(panel);
}
