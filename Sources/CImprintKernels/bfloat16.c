// See imprint_bfloat16.h. Packed B layout: tile (nb, kb) holds columns nb*16..<nb*16+16 and inner
// indices kb*32..<kb*32+32 as 16 rows of 16 (even, odd) pairs; tiles of one column block are
// consecutive in kb, and the number of column blocks is even so kernels can take them in pairs.
#include "imprint_bfloat16.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__) && defined(__linux__)
#include <cpuid.h>
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>
#define IMPRINT_HAS_AMX_CODE 1
#define IMPRINT_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define IMPRINT_CLONES
#endif

enum { TILE_ELEMENTS = 16 * 32 };

static inline long round_up(long value, long multiple) { return (value + multiple - 1) / multiple * multiple; }

static inline uint16_t float_to_bf16(float value) {
    uint32_t bits;
    memcpy(&bits, &value, 4);
    uint32_t rounded = (bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16;
    uint32_t quiet_nan = (bits >> 16) | 0x40u;
    return (uint16_t)(((bits & 0x7fffffffu) > 0x7f800000u) ? quiet_nan : rounded);
}

static inline float bf16_to_float(uint16_t value) {
    uint32_t bits = (uint32_t)value << 16;
    float result;
    memcpy(&result, &bits, 4);
    return result;
}

static inline size_t packed_index(long kk, long nn, long kb_count) {
    long nb = nn / 16, kb = kk / 32;
    return (size_t)(nb * kb_count + kb) * TILE_ELEMENTS + (size_t)((kk % 32) / 2) * 32 + (size_t)(nn % 16) * 2 + (size_t)(kk & 1);
}

int imprint_amx_available(void) {
    static _Atomic int state = -1;
    int known = atomic_load(&state);
    if (known >= 0) return known;
    int available = 0;
#ifdef IMPRINT_HAS_AMX_CODE
    const char *setting = getenv("IMPRINT_AMX");
    unsigned eax, ebx, ecx, edx;
    if (!(setting && setting[0] == '0') && __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)
        && ((edx >> 24) & 1u) && ((edx >> 22) & 1u)) {
        // ARCH_REQ_XCOMP_PERM (0x1023) for XFEATURE_XTILEDATA (18): Linux refuses tile state without it.
        available = syscall(SYS_arch_prctl, 0x1023, 18) == 0;
    }
#endif
    atomic_store(&state, available);
    return available;
}

int imprint_avx512bf16_available(void) {
    static _Atomic int state = -1;
    int known = atomic_load(&state);
    if (known >= 0) return known;
    int available = 0;
#ifdef IMPRINT_HAS_AMX_CODE
    const char *setting = getenv("IMPRINT_AVX512BF16");
    unsigned eax, ebx, ecx, edx;
    // AVX512_BF16: CPUID.(EAX=7, ECX=1):EAX[5]; with AVX512F (CPUID.7.0:EBX[16]) and OS support for ZMM state.
    if (!(setting && setting[0] == '0') && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx) && ((eax >> 5) & 1u)) {
        available = 1;
    }
#endif
    atomic_store(&state, available);
    return available;
}

int imprint_bf16_kernel_available(int kernel) {
    switch (kernel) {
    case IMPRINT_BF16_PORTABLE: return 1;
    case IMPRINT_BF16_AMX: return imprint_amx_available();
    case IMPRINT_BF16_AVX512: return imprint_avx512bf16_available();
    default: return 0;
    }
}

int imprint_bf16_fastest_kernel(void) {
    if (imprint_amx_available()) return IMPRINT_BF16_AMX;
    if (imprint_avx512bf16_available()) return IMPRINT_BF16_AVX512;
    return IMPRINT_BF16_PORTABLE;
}

size_t imprint_bf16_packed_count(long k, long n) { return (size_t)round_up(k, 32) * (size_t)round_up(n, 32); }

size_t imprint_bf16_rows_count(long m, long k) { return (size_t)round_up(m, 16) * (size_t)round_up(k, 32); }

void imprint_bf16_pack(const float *source, long stride_k, long stride_n, long k, long n, uint16_t *packed) {
    long kb_count = round_up(k, 32) / 32;
    memset(packed, 0, imprint_bf16_packed_count(k, n) * sizeof(uint16_t));
    for (long nn = 0; nn < n; nn++)
        for (long kk = 0; kk < k; kk++)
            packed[packed_index(kk, nn, kb_count)] = float_to_bf16(source[kk * stride_k + nn * stride_n]);
}

void imprint_bf16_pack_transposed(const uint16_t *packed, long k, long n, uint16_t *out) {
    long kb_count = round_up(k, 32) / 32, transposed_kb_count = round_up(n, 32) / 32;
    memset(out, 0, imprint_bf16_packed_count(n, k) * sizeof(uint16_t));
    for (long nn = 0; nn < n; nn++)
        for (long kk = 0; kk < k; kk++)
            out[packed_index(nn, kk, transposed_kb_count)] = packed[packed_index(kk, nn, kb_count)];
}

void imprint_bf16_unpack(const uint16_t *packed, long k, long n, float *out, long stride_k, long stride_n) {
    long kb_count = round_up(k, 32) / 32;
    for (long nn = 0; nn < n; nn++)
        for (long kk = 0; kk < k; kk++)
            out[kk * stride_k + nn * stride_n] = bf16_to_float(packed[packed_index(kk, nn, kb_count)]);
}

IMPRINT_CLONES
void imprint_bf16_convert_rows(const float *a, long lda, long m, long k, long row_begin, long row_end, uint16_t *out) {
    long kb_count = round_up(k, 32) / 32;
    for (long row = row_begin; row < row_end; row++) {
        const float *source = a + row * lda;
        uint16_t *block_row = out + (size_t)(row / 16) * (size_t)kb_count * TILE_ELEMENTS + (size_t)(row % 16) * 32;
        for (long kb = 0; kb < kb_count; kb++) {
            uint16_t *target = block_row + (size_t)kb * TILE_ELEMENTS;
            long columns = k - kb * 32 < 32 ? k - kb * 32 : 32;
            for (long column = 0; column < columns; column++) target[column] = float_to_bf16(source[kb * 32 + column]);
            for (long column = columns; column < 32; column++) target[column] = 0;
        }
    }
    if (row_end == m) {
        for (long row = m; row < round_up(m, 16); row++) {
            uint16_t *block_row = out + (size_t)(row / 16) * (size_t)kb_count * TILE_ELEMENTS + (size_t)(row % 16) * 32;
            for (long kb = 0; kb < kb_count; kb++) memset(block_row + (size_t)kb * TILE_ELEMENTS, 0, 32 * sizeof(uint16_t));
        }
    }
}

/// Copies the valid part of a 16 × 16 result tile (row-major, in `tile`) to `c`.
static void store_partial(const float *tile, long row0, long column0, long m, long n, float *c, long ldc) {
    long rows = m - row0 < 16 ? m - row0 : 16, columns = n - column0 < 16 ? n - column0 : 16;
    for (long r = 0; r < rows; r++) memcpy(c + (row0 + r) * ldc + column0, tile + r * 16, (size_t)columns * sizeof(float));
}

static void portable_matmul(const uint16_t *a, long m, long k, const uint16_t *packed, long n, long n_begin, long n_end,
                            float *c, long ldc) {
    long kp = round_up(k, 32), kb_count = kp / 32;
    float accumulator[16];
    for (long row = 0; row < m; row++) {
        const uint16_t *a_row = a + (size_t)(row / 16) * (size_t)kb_count * TILE_ELEMENTS + (size_t)(row % 16) * 32;
        for (long nb = n_begin / 16; nb * 16 < n_end; nb++) {
            for (int column = 0; column < 16; column++) accumulator[column] = 0;
            for (long kb = 0; kb < kb_count; kb++) {
                const uint16_t *tile = packed + (size_t)(nb * kb_count + kb) * TILE_ELEMENTS;
                for (int pair = 0; pair < 16; pair++) {
                    const uint16_t *a_block = a_row + (size_t)kb * TILE_ELEMENTS;
                    float even = bf16_to_float(a_block[2 * pair]), odd = bf16_to_float(a_block[2 * pair + 1]);
                    for (int column = 0; column < 16; column++)
                        accumulator[column] += even * bf16_to_float(tile[pair * 32 + column * 2])
                                             + odd * bf16_to_float(tile[pair * 32 + column * 2 + 1]);
                }
            }
            long columns = n_end - nb * 16 < 16 ? n_end - nb * 16 : 16;
            memcpy(c + row * ldc + nb * 16, accumulator, (size_t)columns * sizeof(float));
        }
    }
}

#ifdef IMPRINT_HAS_AMX_CODE
typedef struct {
    uint8_t palette_id;
    uint8_t start_row;
    uint8_t reserved[14];
    uint16_t bytes_per_row[16];
    uint8_t rows[16];
} tile_configuration;

// Tiles 0-3 accumulate a 32 × 32 block of C, 4-5 hold two 16-row slices of A, 6-7 two 16-column
// slices of B.
#define STORE(tile_number, mb, nb)                                                                   \
    do {                                                                                              \
        long row0 = (mb) * 16, column0 = (nb) * 16;                                                   \
        if (column0 < n) {                                                                            \
            if (row0 + 16 <= m && column0 + 16 <= n) {                                                \
                _tile_stored(tile_number, c + row0 * ldc + column0, ldc * (long)sizeof(float));      \
            } else {                                                                                  \
                _tile_stored(tile_number, partial, 16 * sizeof(float));                              \
                store_partial(partial, row0, column0, m, n, c, ldc);                                  \
            }                                                                                         \
        }                                                                                             \
    } while (0)

__attribute__((target("amx-tile,amx-bf16")))
static void amx_matmul(const uint16_t *a, long m, long k, const uint16_t *packed, long n, long n_begin, long n_end,
                       float *c, long ldc) {
    tile_configuration configuration;
    memset(&configuration, 0, sizeof configuration);
    configuration.palette_id = 1;
    for (int tile = 0; tile < 8; tile++) {
        configuration.rows[tile] = 16;
        configuration.bytes_per_row[tile] = 64;
    }
    _tile_loadconfig(&configuration);
    float partial[256];
    long kb_count = round_up(k, 32) / 32;
    long mb_count = round_up(m, 16) / 16;
    long nb_begin = n_begin / 16, nb_end = round_up(n_end, 32) / 16;
    // Column blocks in chunks of about 1 MB of B, which stays in L2 while every row pair of A
    // (a few tens of KB, in L1) passes over it.
    long nb_chunk = ((1L << 20) / (kb_count * TILE_ELEMENTS * (long)sizeof(uint16_t))) & ~1L;
    if (nb_chunk < 2) nb_chunk = 2;
    for (long chunk = nb_begin; chunk < nb_end; chunk += nb_chunk) {
        long chunk_end = chunk + nb_chunk < nb_end ? chunk + nb_chunk : nb_end;
        long mb = 0;
        for (; mb + 1 < mb_count; mb += 2) {
            const uint16_t *a0 = a + (size_t)(mb * kb_count) * TILE_ELEMENTS, *a1 = a0 + (size_t)kb_count * TILE_ELEMENTS;
            for (long nb = chunk; nb < chunk_end; nb += 2) {
                const uint16_t *b0 = packed + (size_t)(nb * kb_count) * TILE_ELEMENTS;
                const uint16_t *b1 = b0 + (size_t)kb_count * TILE_ELEMENTS;
                _tile_zero(0);
                _tile_zero(1);
                _tile_zero(2);
                _tile_zero(3);
                for (long kb = 0; kb < kb_count; kb++) {
                    _tile_loadd(4, a0 + kb * TILE_ELEMENTS, 64);
                    _tile_loadd(6, b0 + kb * TILE_ELEMENTS, 64);
                    _tile_loadd(7, b1 + kb * TILE_ELEMENTS, 64);
                    _tile_dpbf16ps(0, 4, 6);
                    _tile_dpbf16ps(1, 4, 7);
                    _tile_loadd(5, a1 + kb * TILE_ELEMENTS, 64);
                    _tile_dpbf16ps(2, 5, 6);
                    _tile_dpbf16ps(3, 5, 7);
                }
                STORE(0, mb, nb);
                STORE(1, mb, nb + 1);
                STORE(2, mb + 1, nb);
                STORE(3, mb + 1, nb + 1);
            }
        }
        if (mb < mb_count) {
            const uint16_t *a0 = a + (size_t)(mb * kb_count) * TILE_ELEMENTS;
            for (long nb = chunk; nb < chunk_end; nb += 2) {
                const uint16_t *b0 = packed + (size_t)(nb * kb_count) * TILE_ELEMENTS;
                const uint16_t *b1 = b0 + (size_t)kb_count * TILE_ELEMENTS;
                _tile_zero(0);
                _tile_zero(1);
                for (long kb = 0; kb < kb_count; kb++) {
                    _tile_loadd(4, a0 + kb * TILE_ELEMENTS, 64);
                    _tile_loadd(6, b0 + kb * TILE_ELEMENTS, 64);
                    _tile_loadd(7, b1 + kb * TILE_ELEMENTS, 64);
                    _tile_dpbf16ps(0, 4, 6);
                    _tile_dpbf16ps(1, 4, 7);
                }
                STORE(0, mb, nb);
                STORE(1, mb, nb + 1);
            }
        }
    }
    _tile_release();
}

// AVX512-BF16 (AMD Zen 4 and later, Intel Cooper Lake): `vdpbf16ps` adds, in each of 16 float32 lanes, the
// products of one (even, odd) pair of bfloat16 values, which is how the packed B tiles hold a column's pairs.
// ROWS rows of A (each pair broadcast) times two column blocks of B: 2 * ROWS accumulators.
#define AVX512_BLOCK(ROWS)                                                                                          \
    for (; row0 + ROWS <= rows_rounded; row0 += ROWS) {                                                             \
        for (long nb = nb_begin; nb < nb_end; nb += 2) {                                                            \
            const uint16_t *b0 = packed + (size_t)(nb * kb_count) * TILE_ELEMENTS;                                   \
            const uint16_t *b1 = b0 + (size_t)kb_count * TILE_ELEMENTS;                                             \
            __m512 acc0[ROWS], acc1[ROWS];                                                                          \
            for (int r = 0; r < ROWS; r++) { acc0[r] = _mm512_setzero_ps(); acc1[r] = _mm512_setzero_ps(); }       \
            for (long kb = 0; kb < kb_count; kb++) {                                                                \
                const uint16_t *tile0 = b0 + kb * TILE_ELEMENTS, *tile1 = b1 + kb * TILE_ELEMENTS;                  \
                const uint16_t *a_block[ROWS];                                                                      \
                for (int r = 0; r < ROWS; r++)                                                                      \
                    a_block[r] = a + (size_t)((row0 + r) / 16) * (size_t)kb_count * TILE_ELEMENTS                   \
                                 + (size_t)((row0 + r) % 16) * 32 + (size_t)kb * TILE_ELEMENTS;                     \
                for (int pair = 0; pair < 16; pair++) {                                                             \
                    __m512bh w0 = (__m512bh)_mm512_loadu_si512((const void *)(tile0 + pair * 32));                  \
                    __m512bh w1 = (__m512bh)_mm512_loadu_si512((const void *)(tile1 + pair * 32));                  \
                    for (int r = 0; r < ROWS; r++) {                                                                \
                        int32_t both;                                                                               \
                        memcpy(&both, a_block[r] + 2 * pair, 4);                                                    \
                        __m512bh x = (__m512bh)_mm512_set1_epi32(both);                                             \
                        acc0[r] = _mm512_dpbf16_ps(acc0[r], x, w0);                                                 \
                        acc1[r] = _mm512_dpbf16_ps(acc1[r], x, w1);                                                 \
                    }                                                                                               \
                }                                                                                                   \
            }                                                                                                       \
            for (int r = 0; r < ROWS && row0 + r < m; r++) {                                                        \
                float *out = c + (row0 + r) * ldc;                                                                  \
                for (int half = 0; half < 2; half++) {                                                              \
                    long column0 = (nb + half) * 16;                                                                \
                    if (column0 >= n_end) break;                                                                    \
                    long columns = n_end - column0 < 16 ? n_end - column0 : 16;                                     \
                    _mm512_mask_storeu_ps(out + column0, (__mmask16)((1u << columns) - 1u), half ? acc1[r] : acc0[r]); \
                }                                                                                                   \
            }                                                                                                       \
        }                                                                                                           \
    }

__attribute__((target("avx512f,avx512bw,avx512bf16")))
static void avx512_matmul(const uint16_t *a, long m, long k, const uint16_t *packed, long n, long n_begin, long n_end,
                          float *c, long ldc) {
    (void)n;
    long kb_count = round_up(k, 32) / 32;
    // The rows of `a` are padded with zeros to a multiple of 16, so blocks of 8 or 4 may read past `m`. Eight rows
    // take 16 accumulators and stream B once for a decoding step of up to 8 sequences.
    long rows_rounded = round_up(m, 4);
    // Columns in chunks whose B panels fit in L2 (about 384 KiB), each chunk taken over all rows: walking every row
    // block over all of [n_begin, n_end) streamed B from memory once per block of 8 rows, where B is larger than L2
    // (the vocabulary projection: 28 MB per thread, read 256 times in a 2048-row prefill). Same sums, same order.
    long chunk = (384L * 1024 / (2 * round_up(k, 32))) / 32 * 32;
    if (chunk < 32) chunk = 32;
    for (long c0 = n_begin; c0 < n_end; c0 += chunk) {
        long c1 = c0 + chunk < n_end ? c0 + chunk : n_end;
        long nb_begin = c0 / 16, nb_end = round_up(c1, 16) / 16;
        long row0 = 0;
        AVX512_BLOCK(8)
        AVX512_BLOCK(4)
        AVX512_BLOCK(1)
    }
}
#undef AVX512_BLOCK
#endif

void imprint_bf16_matmul(const uint16_t *a, long m, long k, const uint16_t *packed, long n, long n_begin, long n_end,
                         float *c, long ldc, int kernel) {
    if (m <= 0 || n_begin >= n_end) return;
#ifdef IMPRINT_HAS_AMX_CODE
    if (kernel == IMPRINT_BF16_AMX && imprint_amx_available()) {
        amx_matmul(a, m, k, packed, n, n_begin, n_end, c, ldc);
        return;
    }
    if (kernel == IMPRINT_BF16_AVX512 && imprint_avx512bf16_available()) {
        avx512_matmul(a, m, k, packed, n, n_begin, n_end, c, ldc);
        return;
    }
#endif
    (void)kernel;
    portable_matmul(a, m, k, packed, n, n_begin, n_end, c, ldc);
}
