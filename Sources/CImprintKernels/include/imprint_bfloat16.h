// Matrix products with bfloat16 operands and float32 accumulation, for frozen weights.
//
// The weight (the B operand of C = A · B) is packed once into 16 × 32 bfloat16 tiles in the
// VNNI pair layout Intel AMX reads; activations (A) are rounded to bfloat16 per product. On CPUs
// with AMX-BF16 (Sapphire Rapids and later) the product runs on the tile units; elsewhere a
// portable loop computes the same sums from the same packed operands.
#ifndef IMPRINT_BFLOAT16_H
#define IMPRINT_BFLOAT16_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The product kernels: the portable loop (every CPU), AMX tile units, AVX512-BF16 `vdpbf16ps`.
enum { IMPRINT_BF16_PORTABLE = 0, IMPRINT_BF16_AMX = 1, IMPRINT_BF16_AVX512 = 2 };

/// 1 when `kernel` runs on this CPU (the portable one always does).
int imprint_bf16_kernel_available(int kernel);

/// The fastest kernel here: AMX, else AVX512-BF16, else portable.
int imprint_bf16_fastest_kernel(void);

/// 1 when AVX512-BF16 runs here (CPUID); 0 when `IMPRINT_AVX512BF16=0` is set.
int imprint_avx512bf16_available(void);

/// 1 when the AMX tile units run here (checked once: CPUID, then the kernel's permission to use
/// tile state, which is requested for the process). 0 when `IMPRINT_AMX=0` is set.
int imprint_amx_available(void);

/// Elements of the packed B operand of a product with inner dimension `k` and `n` columns
/// (`k` rounded up to 32, `n` to 32).
size_t imprint_bf16_packed_count(long k, long n);

/// Packs `B` (`k × n`), where `B[kk, nn] = source[kk * stride_k + nn * stride_n]`, rounding to
/// the nearest bfloat16 (ties to even). Padding is zero.
void imprint_bf16_pack(const float *source, long stride_k, long stride_n, long k, long n, uint16_t *packed);

/// The packed B of the transposed product: from a `k × n` packing to an `n × k` one (exact).
void imprint_bf16_pack_transposed(const uint16_t *packed, long k, long n, uint16_t *out);

/// Writes `B[kk, nn]` as float32 into `out[kk * stride_k + nn * stride_n]` (exact).
void imprint_bf16_unpack(const uint16_t *packed, long k, long n, float *out, long stride_k, long stride_n);

/// Elements of the bfloat16 copy of an `m × k` A operand (`m` rounded up to 16, `k` to 32).
size_t imprint_bf16_rows_count(long m, long k);

/// Rounds rows `row_begin..<row_end` of `a` (`m × k`, row stride `lda`) to bfloat16 into `out`
/// (row stride `k` rounded up to 32); call with `row_end = m` last to zero the padding rows.
void imprint_bf16_convert_rows(const float *a, long lda, long m, long k, long row_begin, long row_end, uint16_t *out);

/// `C[i, j] = Σ A[i, kk] · B[kk, j]` for all `m` rows and columns `n_begin..<n_end` (multiples
/// of 32, except `n_end == n`): `a` from `imprint_bf16_convert_rows`, `packed` from
/// `imprint_bf16_pack`, `c` float32 with row stride `ldc`. Runs `kernel` (an `IMPRINT_BF16_*`) when it is
/// available, the portable loop otherwise. Every kernel sums the same bfloat16 products in float32; they differ
/// only in the order of those sums (and AVX512-BF16 treats subnormal inputs as zero), and each is deterministic.
void imprint_bf16_matmul(const uint16_t *a, long m, long k, const uint16_t *packed, long n, long n_begin, long n_end,
                         float *c, long ldc, int kernel);

#ifdef __cplusplus
}
#endif

#endif
