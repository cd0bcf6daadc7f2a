import CImprintKernels
import Foundation
import XCTest
@testable import ImprintTensor

/// The packed AVX-512 product (`imprint_gemm.h`) against a double-precision sum: every transpose
/// combination, alpha and beta, leading dimensions wider than the matrices, tile edges (m not a
/// multiple of 12, n not a multiple of 32), several k blocks (k > 384) and several column blocks
/// (n > 768, where op(A) is packed once per k block), on one thread and on the pool.
final class PackedProductTests: XCTestCase {
    struct Case {
        var transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int
        var alpha: Float = 1, beta: Float = 0
    }

    /// Runs the product on `threads` threads and returns the worst error relative to Σ|terms|,
    /// or nil where the kernel is unavailable (no AVX-512F). C's padding columns must stay untouched.
    func worstError(_ test: Case, threads: Int, generator: inout RandomGenerator) -> Double? {
        let lda = (test.transposeA ? test.m : test.k) + 3
        let ldb = (test.transposeB ? test.k : test.n) + 5
        let ldc = test.n + 2
        let a = Tensor.randomNormal([(test.transposeA ? test.k : test.m) * lda], generator: &generator).storage
        let b = Tensor.randomNormal([(test.transposeB ? test.n : test.k) * ldb], generator: &generator).storage
        let initial = Tensor.randomNormal([test.m * ldc], generator: &generator).storage
        var c = initial
        if test.beta == 0 {  // C is not read when beta is 0: NaN there must not leak into the result.
            for i in 0..<test.m { for j in 0..<test.n { c[i * ldc + j] = .nan } }
        }
        let done = imprint_sgemm(test.transposeA ? 1 : 0, test.transposeB ? 1 : 0, test.m, test.n, test.k, test.alpha,
                                 a, lda, b, ldb, test.beta, &c, ldc, threads)
        guard done != 0 else { return nil }
        var worst = 0.0
        for i in 0..<test.m {
            for j in 0..<test.n {
                var sum = 0.0, magnitude = 0.0
                for p in 0..<test.k {
                    let x = Double(test.transposeA ? a[p * lda + i] : a[i * lda + p])
                    let y = Double(test.transposeB ? b[j * ldb + p] : b[p * ldb + j])
                    sum += x * y
                    magnitude += Swift.abs(x * y)
                }
                let kept = test.beta == 0 ? 0 : Double(test.beta) * Double(initial[i * ldc + j])
                let expected = Double(test.alpha) * sum + kept
                let scale = Swift.abs(Double(test.alpha)) * magnitude + Swift.abs(kept) + 1e-30
                worst = Swift.max(worst, Swift.abs(Double(c[i * ldc + j]) - expected) / scale)
            }
            for j in test.n..<ldc where c[i * ldc + j] != initial[i * ldc + j] {
                XCTFail("\(test): padding column \(j) of row \(i) written")
            }
        }
        return worst.isNaN ? .infinity : worst
    }

    func testAgainstDoublePrecisionSums() throws {
        var generator = RandomGenerator(seed: 11)
        var cases: [Case] = []
        for transposeA in [false, true] {
            for transposeB in [false, true] {
                cases += [
                    Case(transposeA: transposeA, transposeB: transposeB, m: 1, n: 1, k: 1),
                    Case(transposeA: transposeA, transposeB: transposeB, m: 37, n: 45, k: 19),
                    Case(transposeA: transposeA, transposeB: transposeB, m: 100, n: 70, k: 300, alpha: 0.5, beta: 1),
                    Case(transposeA: transposeA, transposeB: transposeB, m: 13, n: 17, k: 600, alpha: 2),
                    Case(transposeA: transposeA, transposeB: transposeB, m: 29, n: 800, k: 400, beta: 0.25),
                    // Rows enough for the guided row blocks (shrinking at the end) and more blocks than fit on the stack.
                    Case(transposeA: transposeA, transposeB: transposeB, m: 1_000, n: 40, k: 30),
                ]
            }
        }
        var ran = false
        for test in cases {
            for threads in [1, parallelWorkerCount] {
                guard let error = worstError(test, threads: threads, generator: &generator) else { continue }
                ran = true
                XCTAssertLessThanOrEqual(error, 1e-6, "\(test) threads \(threads)")
            }
        }
        if !ran { throw XCTSkip("the packed kernel needs AVX-512F (absent here, or IMPRINT_GEMM=openblas): OpenBLAS runs every product") }
    }

    /// A row's sums do not depend on the row blocks the threads split the product into: the rows of a 1,000-row
    /// product (guided blocks of 96 rows down to 12) equal, bit for bit, those of products over a few of its rows.
    func testRowsIndependentOfTheirBlock() throws {
        guard imprint_sgemm_enabled(-1) != 0 else { throw XCTSkip("the packed kernel is off: no AVX-512F on this CPU, or IMPRINT_GEMM=openblas") }
        var generator = RandomGenerator(seed: 13)
        let m = 1_000, n = 50, k = 600
        let a = Tensor.randomNormal([m * k], generator: &generator).storage
        let b = Tensor.randomNormal([n * k], generator: &generator).storage
        var whole = [Float](repeating: 0, count: m * n)
        XCTAssertEqual(imprint_sgemm(0, 1, m, n, k, 1, a, k, b, k, 0, &whole, n, parallelWorkerCount), 1)
        for (first, count) in [(0, 40), (517, 100), (990, 10)] {
            var part = [Float](repeating: 0, count: count * n)
            let rows = Array(a[(first * k)..<((first + count) * k)])
            XCTAssertEqual(imprint_sgemm(0, 1, count, n, k, 1, rows, k, b, k, 0, &part, n, 1), 1)
            XCTAssertEqual(part, Array(whole[(first * n)..<((first + count) * n)]), "rows \(first)..<\(first + count)")
        }
    }

    /// `BLAS.sgemm` gives the same products through the packed kernel as through OpenBLAS.
    func testBLASMatchesOpenBLAS() throws {
        guard imprint_sgemm_enabled(-1) != 0 else { throw XCTSkip("the packed kernel is off: no AVX-512F on this CPU, or IMPRINT_GEMM=openblas") }
        var generator = RandomGenerator(seed: 12)
        let x = Tensor.randomNormal([70, 200], generator: &generator)
        let w = Tensor.randomNormal([90, 200], generator: &generator)
        let packed = withoutGradients { Tensor.linear(x, weight: w) }
        _ = imprint_sgemm_enabled(0)
        defer { _ = imprint_sgemm_enabled(1) }
        let openBLAS = withoutGradients { Tensor.linear(x, weight: w) }
        // Sums of 200 products in different orders: float32 rounding, ~1e-5 of Σ|terms| (about 130).
        assertClose(packed, openBLAS, relative: 1e-4, absolute: 2e-4)
    }
}
