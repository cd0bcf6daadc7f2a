// See imprint_gemm.h.
//
// Loops, outermost first (GotoBLAS's): k in blocks of at most KC_MAX; columns of C in blocks of
// NC_MAX; op(B)'s k x nc block packed once into 32-column panels shared by the threads (at most
// 768 KiB, in L2); then row blocks of C (items of ITEM_PANELS x MR rows) taken by the threads one
// at a time, each packing its rows of op(A) into MR-row panels (k-major) and running the kernel
// for each MR-row panel (at most 12 KiB, it stays in L1) against every 32-column panel (streamed
// from L2). Where C has several column blocks (the vocabulary projection), op(A)'s k block is
// packed once, in a phase of its own, rather than in every item of every column block. Each
// phase is one pool job; the pool's return is the barrier between phases.
// Measured here: keeping the B panel in L1 and streaming A ran 5-30% slower. Model prefill with
// k blocks of at most 256 (576 = 3 x 192) beat 384 (2 x 288) by 3-10% in three alternating
// rounds, and row blocks of 8 panels beat 4, 12 and 16; a single-product harness had preferred
// 384, so these were chosen on the model.
//
// The kernel keeps a 12 x 32 tile of C in 24 zmm accumulators: per step of k it loads one
// 32-wide row of the B panel and broadcasts 12 values of the A panel (24 FMAs). Partial tiles
// (m or n not a multiple of the tile) use zero-padded panels and masked or skipped stores.
#include "imprint_gemm.h"
#include "imprint_pool.h"
#include "imprint_quantized.h"
#include "thread_buffer.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f")))
#define MR 12
#define NR 32
#define KC_MAX 256
#define NC_MAX 768
#define B_PREFETCH 8  // steps of k ahead that the kernel prefetches its B panel (the L2 stream)
#define ITEM_PANELS 8
#define ITEM_ROWS (ITEM_PANELS * MR)

static int kernel_state = -1;  // -1: not yet decided

static int available(void) {
    if (kernel_state < 0) {
        __builtin_cpu_init();
        kernel_state = __builtin_cpu_supports("avx512f") ? 1 : 0;
    }
    return kernel_state;
}

int imprint_sgemm_enabled(int enabled) {
    int previous = available();
    if (enabled >= 0) {
        __builtin_cpu_init();
        kernel_state = enabled && __builtin_cpu_supports("avx512f");
    }
    return previous;
}

typedef struct {
    int transpose_a, transpose_b;
    long m, n, k;
    float alpha;
    const float *a, *b;
    long lda, ldb;
    float *c;
    long ldc;
    // The current block: columns [jc, jc + nc), k in [pc, pc + kc), and beta for this block
    // (the caller's for the first k block, 1 afterwards).
    long jc, nc, pc, kc;
    float beta;
    float *packed_b;  // ceil(nc / NR) panels of kc x NR
    float *packed_a;  // all of op(A)'s k block, item after item, when C has several column blocks; else NULL
    long items;       // row blocks of C
    const long *item_start;  // items + 1 first rows: item i is rows [item_start[i], item_start[i + 1])
    long column_groups;  // compute tasks per row block: each takes a share of the B panels (1 unless rows are few)
    // op(B) from a block-quantized W in `b_format` (`b` unused) when `b_blocks` is set: Wᵀ (W n x k) when transpose_b,
    // else W (k x n).
    const unsigned char *b_blocks;
    int b_format;
} gemm_job;

// The calling thread's buffers for op(B)'s block and for all of op(A)'s k block, and each thread's for its packed
// rows of op(A); kept for the thread's life, grown when a product needs more (thread_buffer.h).
static _Thread_local thread_buffer buffer_a, buffer_b, buffer_shared_a, buffer_decoded;

/// The mask of the first `count` of 16 lanes (none for count <= 0, all for count >= 16).
static inline __mmask16 lane_mask(long count) {
    return count <= 0 ? 0 : count >= 16 ? 0xffff : (__mmask16)((1u << count) - 1u);
}

/// Transposes the 16 x 16 matrix whose rows are r[0..15] in place: r[q] becomes column q.
/// Interleaves pairs, then quads, then 128-bit lanes twice.
AVX512 static inline __attribute__((always_inline)) void transpose16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {  // r[i + c], lane L: rows i..i+3 of column 4L + c
        r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
        r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
        r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
        r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
    }
    for (int i = 0; i < 4; i++) {
        t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
        t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xdd);
        t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
        t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xdd);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
        r[i + 4] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0x88);
        r[i + 12] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0xdd);
    }
}

/// Packs columns [j0, j0 + NR) of op(B)'s current block (zero beyond column n) into a kc x NR panel.
AVX512 static void pack_b_panel(const gemm_job *job, long panel) {
    long j0 = job->jc + panel * NR, kc = job->kc, pc = job->pc;
    long columns = job->jc + job->nc - j0;
    if (columns > NR) columns = NR;
    float *target = job->packed_b + panel * kc * NR;
    if (!job->transpose_b && job->b_blocks != NULL) {  // op(B) = W: row pc + p of W, columns j0.., decoded in place
        for (long p = 0; p < kc; p++) {
            float *row = target + p * NR;
            imprint_quant_decode_range(job->b_format, job->b_blocks, (size_t)job->n, (size_t)(pc + p), (size_t)j0, (size_t)columns, row);
            for (long j = columns; j < NR; j++) row[j] = 0;
        }
    } else if (!job->transpose_b) {  // op(B)[p][j] = b[p * ldb + j]: rows of the panel are contiguous
        __mmask16 low = lane_mask(columns), high = lane_mask(columns - 16);
        for (long p = 0; p < kc; p++) {
            const float *source = job->b + (pc + p) * job->ldb + j0;
            _mm512_store_ps(target + p * NR, _mm512_maskz_loadu_ps(low, source));
            _mm512_store_ps(target + p * NR + 16, _mm512_maskz_loadu_ps(high, source + 16));
        }
    } else {  // op(B)[p][j] = b[j * ldb + p]: transpose 16 x 16 blocks through registers
        // Rows j0.. of B (columns of op(B)) from `source`, `ldb` apart, starting at k offset `k0`: B itself, or
        // for quantized weights the panel's rows decoded into a buffer of the thread's.
        const float *source = job->b + j0 * job->ldb;
        long ldb = job->ldb, k0 = pc;
        if (job->b_blocks != NULL) {
            float *decoded = reserve(&buffer_decoded, (size_t)NR * KC_MAX);
            if (decoded == NULL) abort();
            for (long r = 0; r < columns; r++)
                imprint_quant_decode_range(job->b_format, job->b_blocks, (size_t)job->k, (size_t)(j0 + r), (size_t)pc, (size_t)kc,
                                           decoded + r * kc);
            source = decoded, ldb = kc, k0 = 0;
        }
        long j = 0;
        for (; j + 16 <= columns; j += 16) {
            const float *rows = source + j * ldb + k0;
            long p = 0;
            for (; p + 16 <= kc; p += 16) {
                __m512 r[16];
                for (int i = 0; i < 16; i++) r[i] = _mm512_loadu_ps(rows + i * ldb + p);
                transpose16(r);
                // r[q] now holds column p + q of the 16 rows.
                for (int q = 0; q < 16; q++) _mm512_store_ps(target + (p + q) * NR + j, r[q]);
            }
            for (; p < kc; p++)
                for (long i = 0; i < 16; i++) target[p * NR + j + i] = rows[i * ldb + p];
        }
        for (long p = 0; p < kc; p++) {
            for (long jj = j; jj < columns; jj++) target[p * NR + jj] = source[jj * ldb + k0 + p];
            for (long jj = columns > j ? columns : j; jj < NR; jj++) target[p * NR + jj] = 0;
        }
    }
}

/// Packs rows [i0, i0 + rows) of op(A)'s current k block into MR-row panels (k-major, zero rows
/// past m).
AVX512 static void pack_a(const gemm_job *job, long i0, long rows, float *target) {
    long kc = job->kc, pc = job->pc;
    for (long r0 = 0; r0 < rows; r0 += MR, target += kc * MR) {
        long valid = job->m - (i0 + r0);
        if (valid > MR) valid = MR;
        if (job->transpose_a) {  // op(A)[i][p] = a[p * lda + i]: each step's MR values are contiguous
            __mmask16 mask = (__mmask16)((1u << valid) - 1u);
            const float *source = job->a + pc * job->lda + i0 + r0;
            for (long p = 0; p < kc; p++)
                _mm512_mask_storeu_ps(target + p * MR, 0x0fff, _mm512_maskz_loadu_ps(mask, source + p * job->lda));
        } else {  // op(A)[i][p] = a[i * lda + p]: 16 steps of k at a time through a transpose
            const float *source = job->a + (i0 + r0) * job->lda + pc;
            long p = 0;
            for (; p + 16 <= kc; p += 16) {
                __m512 r[16];
                for (int i = 0; i < 16; i++) r[i] = i < valid ? _mm512_loadu_ps(source + i * job->lda + p) : _mm512_setzero_ps();
                transpose16(r);
                for (int q = 0; q < 16; q++) _mm512_mask_storeu_ps(target + (p + q) * MR, 0x0fff, r[q]);
            }
            for (; p < kc; p++)
                for (long i = 0; i < MR; i++) target[p * MR + i] = i < valid ? source[i * job->lda + p] : 0;
        }
    }
}

/// C tile (rows x columns of at most MR x NR at `c`) = alpha · (A panel · B panel) + beta · C.
AVX512 static void kernel(long kc, const float *pa, const float *pb, float *c, long ldc, long rows, long columns,
                          float alpha, float beta) {
    __m512 accumulator[MR][2];
    for (int i = 0; i < MR; i++) accumulator[i][0] = accumulator[i][1] = _mm512_setzero_ps();
    for (int i = 0; i < MR; i++) _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);
    for (long p = 0; p < kc; p++) {
        _mm_prefetch((const char *)(pb + B_PREFETCH * NR), _MM_HINT_T0);
        _mm_prefetch((const char *)(pb + B_PREFETCH * NR + 16), _MM_HINT_T0);
        __m512 b0 = _mm512_load_ps(pb), b1 = _mm512_load_ps(pb + 16);
        for (int i = 0; i < MR; i++) {
            __m512 a = _mm512_set1_ps(pa[i]);
            accumulator[i][0] = _mm512_fmadd_ps(a, b0, accumulator[i][0]);
            accumulator[i][1] = _mm512_fmadd_ps(a, b1, accumulator[i][1]);
        }
        pa += MR;
        pb += NR;
    }
    __mmask16 low = lane_mask(columns), high = lane_mask(columns - 16);
    __m512 scale = _mm512_set1_ps(alpha), keep = _mm512_set1_ps(beta);
    // Unrolled, so every accumulator index is a constant and the tile stays in registers (a loop with a break kept
    // the tile in a stack array: zeroed by memset, loaded, spilled and reloaded in every call, 1.5% of a prefill).
#pragma clang loop unroll(full)
    for (int i = 0; i < MR; i++) {
        if (i >= rows) continue;
        float *row = c + i * ldc;
        __m512 v0 = alpha == 1 ? accumulator[i][0] : _mm512_mul_ps(scale, accumulator[i][0]);
        __m512 v1 = alpha == 1 ? accumulator[i][1] : _mm512_mul_ps(scale, accumulator[i][1]);
        if (beta == 1) {
            v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(low, row));
            v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(high, row + 16));
        } else if (beta != 0) {
            v0 = _mm512_fmadd_ps(keep, _mm512_maskz_loadu_ps(low, row), v0);
            v1 = _mm512_fmadd_ps(keep, _mm512_maskz_loadu_ps(high, row + 16), v1);
        }
        _mm512_mask_storeu_ps(row, low, v0);
        _mm512_mask_storeu_ps(row + 16, high, v1);
    }
}

static void pack_b_task(void *context, long index) {
    const gemm_job *job = context;
    long panels = (job->nc + NR - 1) / NR;
    // One panel per task: with four (576 columns: 18 panels in tasks of 4, 4, 4, 4, 2) one thread packed a task
    // more than the other; one panel each: prefill 16 x 32 +6%.
    if (index < panels) pack_b_panel(job, index);
}

/// Rows of C in row block `item`.
static inline long item_rows(const gemm_job *job, long item) { return job->item_start[item + 1] - job->item_start[item]; }

/// Splits m rows into row blocks of whole MR-row panels, taken by the threads in order: ITEM_PANELS panels each while
/// more than 2 · threads such blocks remain, then blocks of a (2 · threads)th of the panels left, so the threads finish
/// together (with equal blocks, m = 512 on two threads was five blocks of 96 rows and one of 32: one thread idled
/// for 64 rows' time, 11%). Rows too few for a block per thread keep equal blocks (`run` splits them over columns).
/// Writes the first rows to `start` (at most `row_blocks_bound(m)` + 1 entries) and returns the number of blocks.
/// No row's sums depend on its block.
static long split_rows(long m, long threads, long *start) {
    long panels = (m + MR - 1) / MR, count = 0, panel = 0;
    int guided = (m + ITEM_ROWS - 1) / ITEM_ROWS >= threads;
    while (panel < panels) {
        long size = ITEM_PANELS;
        if (guided) {
            long share = (panels - panel + 2 * threads - 1) / (2 * threads);
            if (share < size) size = share;
        }
        start[count++] = panel * MR;
        panel += size;
    }
    start[count] = m;
    return count;
}

/// A bound on split_rows's block count: one block per panel.
static inline long row_blocks_bound(long m) { return (m + MR - 1) / MR; }

static void pack_a_task(void *context, long item) {
    const gemm_job *job = context;
    pack_a(job, job->item_start[item], item_rows(job, item), job->packed_a + job->item_start[item] * job->kc);
}

/// Task `task`: row block `task / column_groups` of C against its share of the B panels. Every C element
/// gets the same sums in the same order whatever the split, so the split never changes a bit.
static void compute_task(void *context, long task) {
    const gemm_job *job = context;
    long item = task / job->column_groups, group = task % job->column_groups;
    long i0 = job->item_start[item], rows = item_rows(job, item);
    float *pa;
    if (job->packed_a != NULL) {
        pa = job->packed_a + i0 * job->kc;
    } else {
        // Reserved by imprint_sgemm on the calling thread; a worker's first product reserves its own.
        pa = reserve(&buffer_a, (size_t)ITEM_ROWS * KC_MAX);
        if (pa == NULL) abort();
        pack_a(job, i0, rows, pa);
    }
    long panels = (job->nc + NR - 1) / NR;
    long first = panels * group / job->column_groups, last = panels * (group + 1) / job->column_groups;
    for (long r0 = 0; r0 < rows; r0 += MR) {
        long tile_rows = rows - r0 < MR ? rows - r0 : MR;
        for (long q = first; q < last; q++) {
            long j0 = job->jc + q * NR;
            long columns = job->jc + job->nc - j0;
            if (columns > NR) columns = NR;
            kernel(job->kc, pa + r0 * job->kc, job->packed_b + q * job->kc * NR, job->c + (i0 + r0) * job->ldc + j0,
                   job->ldc, tile_rows, columns, job->alpha, job->beta);
        }
    }
}

/// Runs a product whose operands and sizes are set in `job` (the loops described at the top of this file).
static int run(gemm_job job, float beta, long threads) {
    long m = job.m, n = job.n, k = job.k;
    long k_blocks = (k + KC_MAX - 1) / KC_MAX;
    long kc_even = (k + k_blocks - 1) / k_blocks;  // equal k blocks: 576 = 3 x 192, not 256 + 256 + 64
    long first_rows[64];
    long *starts = row_blocks_bound(m) < 64 ? first_rows : malloc(sizeof(long) * (size_t)(row_blocks_bound(m) + 1));
    if (starts == NULL) return 0;
    job.items = split_rows(m, threads, starts);
    job.item_start = starts;
    // Fewer row blocks than threads (a few dozen rows: batched decoding): each row block is split
    // over the B panels too, four tasks per thread, with op(A) packed once for all of them.
    job.column_groups = threads > 1 && job.items < threads ? (4 * threads + job.items - 1) / job.items : 1;
    job.packed_b = reserve(&buffer_b, (size_t)KC_MAX * NC_MAX);
    int ready = job.packed_b != NULL && reserve(&buffer_a, (size_t)ITEM_ROWS * KC_MAX) != NULL;
    if (ready && (n > NC_MAX || job.column_groups > 1)) {
        // Several column blocks (the vocabulary projection) or row blocks split over columns: pack
        // each k block of op(A) once, not once per column block or task.
        job.packed_a = reserve(&buffer_shared_a, (size_t)((m + MR - 1) / MR * MR) * kc_even);
        ready = job.packed_a != NULL;
    }
    if (!ready) {
        if (starts != first_rows) free(starts);
        return 0;
    }
    for (long pc = 0; pc < k; pc += kc_even) {
        job.pc = pc;
        job.kc = k - pc < kc_even ? k - pc : kc_even;
        job.beta = pc == 0 ? beta : 1;
        if (job.packed_a != NULL) imprint_pool_run(job.items, threads, pack_a_task, &job);
        for (long jc = 0; jc < n; jc += NC_MAX) {
            job.jc = jc;
            job.nc = n - jc < NC_MAX ? n - jc : NC_MAX;
            long panels = (job.nc + NR - 1) / NR;
            imprint_pool_run(panels, threads, pack_b_task, &job);
            imprint_pool_run(job.items * job.column_groups, threads, compute_task, &job);
        }
    }
    if (starts != first_rows) free(starts);
    return 1;
}

int imprint_sgemm(int transpose_a, int transpose_b, long m, long n, long k, float alpha, const float *a, long lda,
                  const float *b, long ldb, float beta, float *c, long ldc, long threads) {
    if (!available()) return 0;
    if (m <= 0 || n <= 0) return 1;
    if (k <= 0 || alpha == 0) {  // C = beta · C
        for (long i = 0; i < m; i++)
            for (long j = 0; j < n; j++) c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j];
        return 1;
    }
    gemm_job job = {.transpose_a = transpose_a, .transpose_b = transpose_b, .m = m, .n = n, .k = k, .alpha = alpha,
                    .a = a, .b = b, .lda = lda, .ldb = ldb, .c = c, .ldc = ldc};
    return run(job, beta, threads);
}

int imprint_sgemm_quantized(int transpose_w, long m, long n, long k, const float *a, long lda, int format,
                            const unsigned char *blocks, float *c, long ldc, long threads) {
    if (!available()) return 0;
    if (m <= 0 || n <= 0) return 1;
    if (k <= 0) {
        for (long i = 0; i < m; i++)
            for (long j = 0; j < n; j++) c[i * ldc + j] = 0;
        return 1;
    }
    gemm_job job = {.transpose_a = 0, .transpose_b = transpose_w, .m = m, .n = n, .k = k, .alpha = 1, .a = a, .b = NULL,
                    .lda = lda, .ldb = transpose_w ? k : n, .c = c, .ldc = ldc, .b_blocks = blocks, .b_format = format};
    return run(job, 0, threads);
}

#else

int imprint_sgemm(int transpose_a, int transpose_b, long m, long n, long k, float alpha, const float *a, long lda,
                  const float *b, long ldb, float beta, float *c, long ldc, long threads) {
    (void)transpose_a, (void)transpose_b, (void)m, (void)n, (void)k, (void)alpha, (void)a, (void)lda, (void)b;
    (void)ldb, (void)beta, (void)c, (void)ldc, (void)threads;
    return 0;
}

int imprint_sgemm_enabled(int enabled) {
    (void)enabled;
    return 0;
}

int imprint_sgemm_quantized(int transpose_w, long m, long n, long k, const float *a, long lda, int format,
                            const unsigned char *blocks, float *c, long ldc, long threads) {
    (void)transpose_w, (void)m, (void)n, (void)k, (void)a, (void)lda, (void)format, (void)blocks, (void)c, (void)ldc;
    (void)threads;
    return 0;
}

#endif
