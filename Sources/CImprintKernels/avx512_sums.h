// The shared horizontal sum of the AVX-512 kernels (quantized.c's small-batch products, kernels.c's
// decoding attention). Private to the C kernels; include after <immintrin.h>.
#ifndef IMPRINT_AVX512_SUMS_H
#define IMPRINT_AVX512_SUMS_H

/// The sums of 16 vectors in one: lane 4c + r of the result is the sum of a[4r + c]'s lanes.
/// 30 shuffles and 15 additions, where 16 separate reductions take 64 of each. Each vector's lanes
/// are summed in the tree `_mm512_reduce_add_ps` and kernels.c's `dot_lanes` use (lane l plus
/// l + 8, then l + 4, l + 2, l + 1), so all three give the same bits.
__attribute__((target("avx512f"))) static inline __attribute__((always_inline)) __m512 sum16(const __m512 *a) {
    __m512 t[8], u[4];
    for (int p = 0; p < 8; p++)  // chunks: a[2p] (c0+c2, c1+c3), a[2p+1] (c0+c2, c1+c3)
        t[p] = _mm512_add_ps(_mm512_shuffle_f32x4(a[2 * p], a[2 * p + 1], 0x44), _mm512_shuffle_f32x4(a[2 * p], a[2 * p + 1], 0xEE));
    for (int r = 0; r < 4; r++)  // chunk c: four lanes of a[4r + c]
        u[r] = _mm512_add_ps(_mm512_shuffle_f32x4(t[2 * r], t[2 * r + 1], 0x88), _mm512_shuffle_f32x4(t[2 * r], t[2 * r + 1], 0xDD));
    __m512 v01 = _mm512_add_ps(_mm512_unpacklo_ps(u[0], u[1]), _mm512_unpackhi_ps(u[0], u[1]));
    __m512 v23 = _mm512_add_ps(_mm512_unpacklo_ps(u[2], u[3]), _mm512_unpackhi_ps(u[2], u[3]));
    __m512d low = _mm512_unpacklo_pd(_mm512_castps_pd(v01), _mm512_castps_pd(v23));
    __m512d high = _mm512_unpackhi_pd(_mm512_castps_pd(v01), _mm512_castps_pd(v23));
    return _mm512_add_ps(_mm512_castpd_ps(low), _mm512_castpd_ps(high));
}

#endif
