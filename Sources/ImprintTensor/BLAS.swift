import CImprintKernels
import COpenBLAS
import Foundation

/// Matrix products, and who owns the threads.
///
/// On CPUs with AVX-512 the products run on Imprint's packed kernel (`imprint_gemm.h`), which
/// shares the packed weights between the cores and balances row blocks over the worker pool;
/// elsewhere, or with `IMPRINT_GEMM=openblas`, on OpenBLAS as follows.
///
/// OpenBLAS runs on one thread, and Imprint splits each large product into one block of rows or
/// columns per core, run on its worker pool (`Parallel.swift`). Both libraries keep their idle
/// workers spinning for a while, so letting OpenBLAS thread its own products put two spinning
/// pools on the same two cores: `sched_yield` took a tenth of a prefill, and decoding lost the
/// pool's benefit. `IMPRINT_BLAS_SPLIT=0` gives OpenBLAS the cores for its products instead (shared
/// packing; it was the better choice before the pool, when waking a dispatch worker cost 20-50 µs).
/// The attention kernel spreads its per-head products over the cores itself and runs OpenBLAS
/// single-threaded either way (`singleThreadedRegion`).
/// `x · Wᵀ` with at most `smallBatchRows` rows of `x` (decoding) streams `W` through a kernel of
/// `CImprintKernels`, since `sgemm` would repack all of `W` for a handful of rows.
public enum BLAS {
    /// Whether Imprint splits large products over the cores itself (the default) instead of letting
    /// OpenBLAS's threads do it (`IMPRINT_BLAS_SPLIT=0`).
    @usableFromInline static let splitsProducts = ProcessInfo.processInfo.environment["IMPRINT_BLAS_SPLIT"] != "0"

    /// Applied once, before the first product: `IMPRINT_GEMM=openblas` turns off the packed AVX-512
    /// kernel of `CImprintKernels` (`imprint_gemm.h`), which then declines every product.
    @usableFromInline static let gemmChoiceApplied: Bool = {
        if ProcessInfo.processInfo.environment["IMPRINT_GEMM"] == "openblas" { _ = imprint_sgemm_enabled(0) }
        return true
    }()

    /// Applied once, before the first product.
    @usableFromInline static let singleThreaded: Bool = {
        openblas_set_num_threads(splitsProducts ? 1 : Int32(parallelWorkerCount))
        return true
    }()

    /// Runs `body`, whose products are spread over the cores by the caller, with OpenBLAS on one thread.
    public static func singleThreadedRegion<Result>(_ body: () throws -> Result) rethrows -> Result {
        _ = singleThreaded
        guard !splitsProducts else { return try body() }
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(Int32(parallelWorkerCount)) }
        return try body()
    }

    /// Row counts of `x` up to which `x · Wᵀ` streams `W` instead of calling `sgemm`. 64: decoding 64 rows on the
    /// streaming kernel ran 550-617 tokens/s on the default model, on the packed one 239-402, and 32 rows 500-508
    /// (so batch-invariant generation decodes groups of 64).
    public static let smallBatchRows = 64

    /// Products below this many multiply-adds run on one core.
    @usableFromInline static let parallelThreshold = 1 << 20

    /// `C = alpha · op(A) · op(B) + beta · C` for row-major matrices with explicit leading dimensions.
    ///
    /// - Parameters: `C` is `m x n`; `op(A)` is `m x k`; `op(B)` is `k x n`.
    ///   `parallel: false` keeps the product on the calling thread (for callers that already
    ///   spread their work over the cores).
    @inlinable
    public static func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                             a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int, parallel: Bool = true) {
        _ = singleThreaded
        if m <= smallBatchRows && !transposeA && transposeB && alpha == 1 && beta == 0 && lda == k && ldb == k && n * k >= 1 << 16 {
            // x · Wᵀ for a few rows of x (decoding): stream each weight row once instead of packing W.
            parallelFor(n, grain: 64) { rows in
                imprint_dense_matmul(b, k, rows.lowerBound, rows.upperBound, a, m, c, ldc)
            }
            return
        }
        _ = gemmChoiceApplied
        let cores = parallel && m * n * k >= parallelThreshold ? parallelWorkerCount : 1
        // The packed kernel returns 0 where it does not run (no AVX-512F, or turned off): OpenBLAS then.
        if imprint_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, cores) != 0 {
            return
        }
        let workers = splitsProducts ? cores : 1
        func product(_ rows: Range<Int>, _ columns: Range<Int>) {
            guard !rows.isEmpty, !columns.isEmpty else { return }
            // Row r of op(A): A + r·lda (no transpose) or A + r (transposed). Column j of op(B): B + j or B + j·ldb.
            let aStart = transposeA ? a + rows.lowerBound : a + rows.lowerBound * lda
            let bStart = transposeB ? b + columns.lowerBound * ldb : b + columns.lowerBound
            cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                        Int32(rows.count), Int32(columns.count), Int32(k), alpha, aStart, Int32(lda), bStart, Int32(ldb),
                        beta, c + rows.lowerBound * ldc + columns.lowerBound, Int32(ldc))
        }
        // Each core packs its share of the split operand and all of the other one, so split the
        // dimension whose operand is larger: columns (B) when n >= m, rows (A) otherwise.
        let splitColumns = n >= m ? n >= 32 * workers : m < 32 * workers
        if workers > 1 && !splitColumns && m >= 32 * workers {
            parallelForEach(workers) { part in product((m * part / workers)..<(m * (part + 1) / workers), 0..<n) }
        } else if workers > 1 && splitColumns {
            // Column blocks aligned to 16 so each core's kernel sees full vector widths.
            parallelForEach(workers) { part in
                let start = (n * part / workers) & ~15, end = part == workers - 1 ? n : (n * (part + 1) / workers) & ~15
                product(0..<m, start..<end)
            }
        } else {
            product(0..<m, 0..<n)
        }
    }
}
