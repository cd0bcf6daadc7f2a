// A float32 matrix product for CPUs with AVX-512: packed operands and a 12 x 32 register-tile
// kernel (the structure of BLIS and GotoBLAS), split over the worker pool of imprint_pool.h.
// Training and prefill are 75-80% matrix products; OpenBLAS 0.3.21 zeroes C in a separate pass,
// packs the shared operand once per thread when Imprint splits a product, and its kernel reached
// 70-90 GFLOP/s a core here, where this one shares the packed weights between the cores and
// balances row blocks dynamically.
#ifndef IMPRINT_GEMM_H
#define IMPRINT_GEMM_H

#ifdef __cplusplus
extern "C" {
#endif

/// C = alpha · op(A) · op(B) + beta · C for row-major matrices: C is m x n (`ldc` floats a row),
/// op(A) is m x k (A, or Aᵀ when `transpose_a`), op(B) is k x n (B, or Bᵀ when `transpose_b`).
/// C is not read when beta is 0. Runs on `threads` threads of the pool (1: the caller alone).
/// Returns 1, or 0 without touching C where the kernel is unavailable (no AVX-512F, or turned off
/// by imprint_sgemm_enabled); the caller then uses its BLAS.
int imprint_sgemm(int transpose_a, int transpose_b, long m, long n, long k, float alpha,
                  const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc,
                  long threads);

/// C = A · Wᵀ (`transpose_w`, W of n rows and k columns: a layer's product) or C = A · W (W of k rows and n columns: its
/// input gradient), beta 0, for a block-quantized W (imprint_quantized.h's formats): what imprint_sgemm computes on W
/// dequantized, bit for bit, with each block decoded straight into the packed panels instead of into a float32 copy
/// of W first. A is m x k (`lda` floats a row), C m x n. Returns 1, or 0 without touching C where imprint_sgemm would
/// decline.
int imprint_sgemm_quantized(int transpose_w, long m, long n, long k, const float *a, long lda, int format,
                            const unsigned char *blocks, float *c, long ldc, long threads);

/// Whether imprint_sgemm runs (1) or declines (0): 1 or 0 sets it (where the CPU allows), -1 only
/// asks. Returns the setting before the call.
int imprint_sgemm_enabled(int enabled);

#ifdef __cplusplus
}
#endif

#endif
