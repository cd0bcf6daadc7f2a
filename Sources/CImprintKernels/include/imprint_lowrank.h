// Products with one small dimension r (LoRA's rank), r a multiple of 16 up to 64, with AVX-512:
// memory-bound passes over the large operand, which a general GEMM spends more time packing than
// multiplying (OpenBLAS: 1-7 ms each for a 2048 × 1536 operand and r = 16). Each function returns
// 0, doing nothing, when the CPU lacks AVX-512 or r does not fit; callers then use `sgemm`.
#ifndef IMPRINT_LOWRANK_H
#define IMPRINT_LOWRANK_H

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when this CPU and rank `r` run the kernels below.
int imprint_lowrank_supported(long r);

/// `out[i, :] = alpha · Σ_k x[i, k] · w[k, :]` for rows `row_begin..<row_end`: `x` `[m, k]`,
/// `w` `[k, r]`, `out` `[m, r]`.
int imprint_lowrank_reduce(const float *x, long k, const float *w, long r, float alpha, long row_begin, long row_end,
                           float *out);

/// `out[i, :] = beta · out[i, :] + Σ_j a[i, j] · w[j, :]` for rows `row_begin..<row_end`: `a`
/// `[m, r]`, `w` `[r, n]`, `out` `[m, n]`; `beta` is 0 or 1.
int imprint_lowrank_expand(const float *a, long r, const float *w, long n, float beta, long row_begin, long row_end,
                           float *out);

/// `out[:, q] = Σ_i a[i, :] · b[i, q]` for `q` in `q_begin..<q_end` (multiples of 16 but for the
/// last), over all `m` rows: `a` `[m, r]`, `b` `[m, ldb]` (large), `out` `[r, ldb]`.
int imprint_lowrank_outer_narrow(const float *a, long r, const float *b, long ldb, long m, long q_begin, long q_end,
                                 float *out);

#ifdef __cplusplus
}
#endif

#endif
