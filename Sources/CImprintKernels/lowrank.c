// See imprint_lowrank.h. Accumulators stay in zmm registers: rows in blocks of 4 times r/16
// vectors for `reduce`, 32-column slices of 4 rows for `expand`, 16 columns times 16 of r over
// 64-row chunks for the outer product, so every element of the large operand is read once.
#include "imprint_lowrank.h"

#include <string.h>

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>
#define IMPRINT_LOWRANK_AVX512 1
#define AVX512 __attribute__((target("avx512f")))

static int supported(long r) {
    static int cpu = -1;
    if (cpu < 0) {
        __builtin_cpu_init();
        cpu = __builtin_cpu_supports("avx512f") ? 1 : 0;
    }
    return cpu && r > 0 && r % 16 == 0 && r <= 64;
}

/// Loads `count` (0..16) floats, the rest zero.
AVX512 static inline __m512 load_partial(const float *source, long count) {
    return _mm512_maskz_loadu_ps((__mmask16)((1u << count) - 1u), source);
}

AVX512 static inline void store_partial(float *target, __m512 value, long count) {
    _mm512_mask_storeu_ps(target, (__mmask16)((1u << count) - 1u), value);
}

AVX512 static inline __attribute__((always_inline)) void reduce_rows_core(const float *x, long k, const float *w, long r,
                                                                        float alpha, long row_begin, long row_end,
                                                                        float *out, const long vectors) {
    long row = row_begin;
    for (; row + 4 <= row_end; row += 4) {
        __m512 accumulator[4][4];
        for (long i = 0; i < 4; i++)
            for (long v = 0; v < vectors; v++) accumulator[i][v] = _mm512_setzero_ps();
        const float *x0 = x + row * k;
        for (long kk = 0; kk < k; kk++) {
            const float *w_row = w + kk * r;
            for (long v = 0; v < vectors; v++) {
                __m512 weight = _mm512_loadu_ps(w_row + 16 * v);
                accumulator[0][v] = _mm512_fmadd_ps(_mm512_set1_ps(x0[kk]), weight, accumulator[0][v]);
                accumulator[1][v] = _mm512_fmadd_ps(_mm512_set1_ps(x0[k + kk]), weight, accumulator[1][v]);
                accumulator[2][v] = _mm512_fmadd_ps(_mm512_set1_ps(x0[2 * k + kk]), weight, accumulator[2][v]);
                accumulator[3][v] = _mm512_fmadd_ps(_mm512_set1_ps(x0[3 * k + kk]), weight, accumulator[3][v]);
            }
        }
        __m512 scale = _mm512_set1_ps(alpha);
        for (long i = 0; i < 4; i++)
            for (long v = 0; v < vectors; v++) _mm512_storeu_ps(out + (row + i) * r + 16 * v, _mm512_mul_ps(scale, accumulator[i][v]));
    }
    for (; row < row_end; row++) {
        __m512 accumulator[4];
        for (long v = 0; v < vectors; v++) accumulator[v] = _mm512_setzero_ps();
        for (long kk = 0; kk < k; kk++)
            for (long v = 0; v < vectors; v++)
                accumulator[v] = _mm512_fmadd_ps(_mm512_set1_ps(x[row * k + kk]), _mm512_loadu_ps(w + kk * r + 16 * v), accumulator[v]);
        for (long v = 0; v < vectors; v++) _mm512_storeu_ps(out + row * r + 16 * v, _mm512_mul_ps(_mm512_set1_ps(alpha), accumulator[v]));
    }
}

AVX512 static void reduce_rows(const float *x, long k, const float *w, long r, float alpha, long row_begin, long row_end,
                               float *out) {
    switch (r / 16) {  // a constant count of vectors keeps the accumulators in registers
    case 1: reduce_rows_core(x, k, w, r, alpha, row_begin, row_end, out, 1); break;
    case 2: reduce_rows_core(x, k, w, r, alpha, row_begin, row_end, out, 2); break;
    case 3: reduce_rows_core(x, k, w, r, alpha, row_begin, row_end, out, 3); break;
    default: reduce_rows_core(x, k, w, r, alpha, row_begin, row_end, out, 4); break;
    }
}

/// Columns `column..<column+32` of rows `row..<row+rows` (rows ≤ 4): w's two vectors per j serve every row.
AVX512 static inline __attribute__((always_inline)) void expand_block(const float *a, long r, const float *w, long n,
                                                                     float beta, long row, const long rows, long column,
                                                                     float *out) {
    __m512 sum[4][2];
    for (long i = 0; i < rows; i++)
        for (int v = 0; v < 2; v++)
            sum[i][v] = beta != 0 ? _mm512_loadu_ps(out + (row + i) * n + column + 16 * v) : _mm512_setzero_ps();
    for (long j = 0; j < r; j++) {
        __m512 low = _mm512_loadu_ps(w + j * n + column), high = _mm512_loadu_ps(w + j * n + column + 16);
        for (long i = 0; i < rows; i++) {
            __m512 value = _mm512_set1_ps(a[(row + i) * r + j]);
            sum[i][0] = _mm512_fmadd_ps(value, low, sum[i][0]);
            sum[i][1] = _mm512_fmadd_ps(value, high, sum[i][1]);
        }
    }
    for (long i = 0; i < rows; i++)
        for (int v = 0; v < 2; v++) _mm512_storeu_ps(out + (row + i) * n + column + 16 * v, sum[i][v]);
}

AVX512 static void expand_rows(const float *a, long r, const float *w, long n, float beta, long row_begin, long row_end,
                               float *out) {
    long full = n / 32 * 32;
    long row = row_begin;
    for (; row + 4 <= row_end; row += 4)
        for (long column = 0; column < full; column += 32) expand_block(a, r, w, n, beta, row, 4, column, out);
    for (; row < row_end; row++)
        for (long column = 0; column < full; column += 32) expand_block(a, r, w, n, beta, row, 1, column, out);
    for (row = row_begin; row < row_end; row++) {
        const float *a_row = a + row * r;
        float *out_row = out + row * n;
        for (long column = full; column < n; column += 16) {
            long width = n - column < 16 ? n - column : 16;
            __m512 sum = beta != 0 ? load_partial(out_row + column, width) : _mm512_setzero_ps();
            for (long j = 0; j < r; j++) sum = _mm512_fmadd_ps(_mm512_set1_ps(a_row[j]), load_partial(w + j * n + column, width), sum);
            store_partial(out_row + column, sum, width);
        }
    }
}

/// out[j0..j0+16, q0..q0+width] (width ≤ 16) plus the rows `row0..<row_end`: the accumulators start
/// from `out` unless `first`.
AVX512 static void outer_narrow_block(const float *a, long r, const float *b, long ldb, long row0, long row_end, long q0,
                                      long width, long j0, int first, float *out) {
    __m512 accumulator[16];
    for (long j = 0; j < 16; j++) accumulator[j] = first ? _mm512_setzero_ps() : load_partial(out + (j0 + j) * ldb + q0, width);
    for (long row = row0; row < row_end; row++) {
        __m512 value = load_partial(b + row * ldb + q0, width);
        const float *a_row = a + row * r + j0;
        for (long j = 0; j < 16; j++) accumulator[j] = _mm512_fmadd_ps(_mm512_set1_ps(a_row[j]), value, accumulator[j]);
    }
    for (long j = 0; j < 16; j++) store_partial(out + (j0 + j) * ldb + q0, accumulator[j], width);
}

AVX512 static void outer_narrow_rows(const float *a, long r, const float *b, long ldb, long m, long q_begin, long q_end,
                                     float *out) {
    if (m <= 0)
        for (long j = 0; j < r; j++) memset(out + j * ldb + q_begin, 0, (size_t)(q_end - q_begin) * sizeof(float));
    // Rows in chunks of 64, so the strided reads of one chunk stay within a few dozen pages.
    for (long row0 = 0; row0 < m; row0 += 64) {
        long row_end = row0 + 64 < m ? row0 + 64 : m;
        for (long q = q_begin; q < q_end; q += 16)
            for (long j0 = 0; j0 < r; j0 += 16)
                outer_narrow_block(a, r, b, ldb, row0, row_end, q, q_end - q < 16 ? q_end - q : 16, j0, row0 == 0, out);
    }
}

/// Runs `call` and returns 1 when rank `r` has a kernel here; returns 0 (the caller uses `sgemm`) otherwise.
#define RUN_IF_SUPPORTED(r, call) \
    do {                              \
        if (!supported(r)) return 0;  \
        call;                         \
        return 1;                     \
    } while (0)
#else
#define RUN_IF_SUPPORTED(r, call) \
    do {                              \
        (void)(r);                    \
        return 0;                     \
    } while (0)
#endif

int imprint_lowrank_supported(long r) {
    RUN_IF_SUPPORTED(r, (void)0);
}

int imprint_lowrank_reduce(const float *x, long k, const float *w, long r, float alpha, long row_begin, long row_end,
                           float *out) {
    RUN_IF_SUPPORTED(r, reduce_rows(x, k, w, r, alpha, row_begin, row_end, out));
}

int imprint_lowrank_expand(const float *a, long r, const float *w, long n, float beta, long row_begin, long row_end,
                           float *out) {
    RUN_IF_SUPPORTED(r, expand_rows(a, r, w, n, beta, row_begin, row_end, out));
}

int imprint_lowrank_outer_narrow(const float *a, long r, const float *b, long ldb, long m, long q_begin, long q_end,
                                 float *out) {
    RUN_IF_SUPPORTED(r, outer_narrow_rows(a, r, b, ldb, m, q_begin, q_end, out));
}
