import CImprintKernels
import COpenBLAS

/// Matrix products through OpenBLAS, with Imprint owning the threads.
///
/// OpenBLAS's own worker threads spin (`sched_yield`) after each product, and on a 2-core
/// machine they fight the element-wise and attention workers for the cores. So ImprintTensor
/// runs OpenBLAS single-threaded (`openblas_set_num_threads(1)` on first use) and splits each
/// large product into one block of rows (or columns) per core itself; small products and the
/// per-head products inside attention run on the calling thread. `x · Wᵀ` with at most
/// `smallBatchRows` rows of `x` (decoding) streams `W` through a kernel of `CImprintKernels`
/// instead, since `sgemm` would repack all of `W` for a handful of rows.
public enum BLAS {
    /// Applied once, before the first product.
    @usableFromInline static let singleThreaded: Bool = {
        openblas_set_num_threads(1)
        return true
    }()

    /// Row counts of `x` up to which `x · Wᵀ` streams `W` instead of calling `sgemm`.
    @usableFromInline static let smallBatchRows = 16

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
        let workers = parallel && m * n * k >= parallelThreshold ? parallelWorkerCount : 1
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
