import CImprintKernels
import Foundation
import XCTest
@testable import ImprintTensor

/// The decoding products (x · Wᵀ for at most 16 rows of x, float32 or block-quantized W) in both
/// of their kernels, AVX-512 and portable, against a double-precision sum; and the worker pool
/// that splits them over the cores.
final class SmallBatchProductTests: XCTestCase {
    /// Runs `body` once with the AVX-512 kernels (where the CPU has them) and once with the portable loops.
    func forBothKernels(_ body: (String) throws -> Void) rethrows {
        let previous = imprint_small_matmul_vectorized(-1)
        defer { _ = imprint_small_matmul_vectorized(previous) }
        for vectorized: Int32 in [1, 0] {
            _ = imprint_small_matmul_vectorized(vectorized)
            // Without AVX-512F/BW the first pass runs the portable loops too, and its label says so.
            let label = vectorized == 0 ? "portable"
                : imprint_small_matmul_vectorized(-1) == 1 ? "vectorized" : "portable (no AVX-512F/BW on this CPU)"
            try body(label)
        }
    }

    /// max |actual − Σ x·w| / Σ |x·w| over all outputs (the rounding of a float32 sum in any order is ≤ k·ε of the latter).
    func worstError(_ actual: [Float], x: [Float], w: [Float], m: Int, n: Int, k: Int) -> Double {
        var worst = 0.0
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0, magnitude = 0.0
                for q in 0..<k {
                    let product = Double(x[i * k + q]) * Double(w[j * k + q])
                    sum += product
                    magnitude += Swift.abs(product)
                }
                worst = Swift.max(worst, Swift.abs(Double(actual[i * n + j]) - sum) / Swift.max(magnitude, 1e-30))
            }
        }
        return worst
    }

    func testDenseKernelShapes() {
        var generator = RandomGenerator(seed: 3)
        forBothKernels { kernel in
            // Odd widths exercise the masked tail; row counts not multiples of 4 the tile edges.
            for (n, k) in [(1, 7), (5, 37), (13, 64), (41, 100), (9, 576)] {
                let w = Tensor.randomNormal([n, k], generator: &generator).storage
                for m in [1, 2, 3, 4, 5, 7, 8, 15, 16] {
                    let x = Tensor.randomNormal([m, k], generator: &generator).storage
                    var y = [Float](repeating: .nan, count: m * n)
                    // Two calls for two row ranges, as the cores split them.
                    imprint_dense_matmul(w, k, 0, n / 2, x, m, &y, n)
                    imprint_dense_matmul(w, k, n / 2, n, x, m, &y, n)
                    XCTAssertLessThanOrEqual(worstError(y, x: x, w: w, m: m, n: n, k: k), 1e-6, "\(kernel) m \(m) n \(n) k \(k)")
                }
            }
        }
    }

    func testLinearUsesSmallBatchKernelAndMatchesLargeBatch() {
        var generator = RandomGenerator(seed: 4)
        let w = Tensor.randomNormal([300, 250], generator: &generator)  // 75000 weights: the streaming path for m ≤ 16
        let x = Tensor.randomNormal([40, 250], generator: &generator)
        let full = withoutGradients { Tensor.linear(x, weight: w) }  // 40 rows: sgemm
        forBothKernels { kernel in
            for m in [1, 6, 16] {
                let rows = withoutGradients { Tensor.linear(x.sliced(axis: 0, 0..<m), weight: w) }
                assertClose(rows, full.sliced(axis: 0, 0..<m), relative: 1e-4, absolute: 1e-4, "\(kernel) m \(m)")
            }
        }
    }

    /// Byte offsets of each format's float16 fields in a block (ggml-common.h's `block_*` structs).
    static func halfFields(_ format: QuantizedMatrix.Format) -> [Int] {
        switch format {
        case .q8_0, .q4_0, .q5_0, .iq4_NL, .iq4_XS: return [0]
        case .q4_1, .q5_1, .q4_K, .q5_K: return [0, 2]
        case .q2_K: return [80, 82]
        case .q3_K: return [108]
        case .q6_K: return [208]
        }
    }

    /// Random blocks with small normal float16 scales (negative for the second field, a minimum).
    func randomBlocks(_ format: QuantizedMatrix.Format, rows: Int, columns: Int, generator: inout RandomGenerator) -> QuantizedMatrix {
        var bytes = [UInt8](repeating: 0, count: rows * format.rowBytes(columns: columns))
        for index in bytes.indices { bytes[index] = UInt8(truncatingIfNeeded: generator.next()) }
        for block in 0..<(bytes.count / format.blockBytes) {
            let base = block * format.blockBytes
            for (field, offset) in Self.halfFields(format).enumerated() {
                let value = Float16(Float(generator.next() % 1000 + 1) / 1e5 * (field == 1 ? -1 : 1))
                bytes[base + offset] = UInt8(value.bitPattern & 0xff)
                bytes[base + offset + 1] = UInt8(value.bitPattern >> 8)
            }
        }
        return QuantizedMatrix(format: format, rows: rows, columns: columns, blocks: bytes)
    }

    func testQuantizedKernelShapes() {
        var generator = RandomGenerator(seed: 5)
        forBothKernels { kernel in
            for format in QuantizedMatrix.Format.allCases {
                // One block, a few, and a wide row (576 = SmolLM2's hidden size for blocks of 32; 2560 for 256).
                let widths = format.blockValues == 32 ? [32, 96, 576] : [256, 768, 2560]
                for (n, k) in zip([1, 7, 10], widths) {
                    let matrix = randomBlocks(format, rows: n, columns: k, generator: &generator)
                    let w = matrix.dequantized().storage
                    for m in [1, 3, 4, 5, 16] {
                        let x = Tensor.randomNormal([m, k], generator: &generator).storage
                        var y = [Float](repeating: .nan, count: m * n)
                        matrix.blocks.withUnsafeBufferPointer { blocks in
                            imprint_quant_matmul(format.rawValue, blocks.baseAddress!, k, 0, n / 2, x, m, &y, n)
                            imprint_quant_matmul(format.rawValue, blocks.baseAddress!, k, n / 2, n, x, m, &y, n)
                        }
                        XCTAssertLessThanOrEqual(worstError(y, x: x, w: w, m: m, n: n, k: k), 1e-6, "\(kernel) \(format) m \(m) n \(n) k \(k)")
                    }
                }
            }
        }
    }

    /// More rows than `BLAS.smallBatchRows` go to the packed kernel, which decodes the blocks straight into its panels:
    /// bit for bit the packed product on the dequantized matrix, for every format, k blocks that split quantization
    /// blocks (k = 288: two k blocks of 144 values) and row counts below and above the kernel's row block (96).
    func testPackedProductOnBlocksEqualsPackedProductOnDequantizedWeights() throws {
        var generator = RandomGenerator(seed: 7)
        for format in QuantizedMatrix.Format.allCases {
            let widths = format.blockValues == 32 ? [96, 288, 576, 1536] : [256, 768, 1280]
            for (n, k) in zip([40, 33, 70, 9], widths) {
                let matrix = randomBlocks(format, rows: n, columns: k, generator: &generator)
                let w = matrix.dequantized().storage
                for m in [17, 40, 130] {
                    let x = Tensor.randomNormal([m, k], generator: &generator).storage
                    var expected = [Float](repeating: .nan, count: m * n), actual = expected
                    for threads in [1, 2] {
                        let packed = matrix.blocks.withUnsafeBufferPointer { blocks in
                            imprint_sgemm_quantized(1, m, n, k, x, k, format.rawValue, blocks.baseAddress!, &actual, n, threads)
                        }
                        guard packed != 0, imprint_sgemm(0, 1, m, n, k, 1, x, k, w, k, 0, &expected, n, threads) != 0 else {
                            throw XCTSkip("the packed AVX-512 kernel does not run on this CPU")
                        }
                        XCTAssertEqual(actual.map(\.bitPattern), expected.map(\.bitPattern), "\(format) m \(m) n \(n) k \(k) threads \(threads)")
                        // The input gradient's product, g [m, n] · W [n, k].
                        let g = Tensor.randomNormal([m, n], generator: &generator).storage
                        var expectedGradient = [Float](repeating: .nan, count: m * k), actualGradient = expectedGradient
                        _ = imprint_sgemm(0, 0, m, k, n, 1, g, n, w, k, 0, &expectedGradient, k, threads)
                        let plain = matrix.blocks.withUnsafeBufferPointer { blocks in
                            imprint_sgemm_quantized(0, m, k, n, g, n, format.rawValue, blocks.baseAddress!, &actualGradient, k, threads)
                        }
                        XCTAssertEqual(plain, 1)
                        XCTAssertEqual(actualGradient.map(\.bitPattern), expectedGradient.map(\.bitPattern),
                                       "gradient \(format) m \(m) n \(n) k \(k) threads \(threads)")
                    }
                }
            }
        }
    }

    /// Every format's blocks decode to one value per weight, the same in the portable and AVX-512
    /// products: a product with one-hot rows of x picks single weights out of the matrix.
    func testOneHotProductsPickTheDequantizedWeights() {
        var generator = RandomGenerator(seed: 6)
        forBothKernels { kernel in
            for format in QuantizedMatrix.Format.allCases {
                let (n, k) = (5, 2 * format.blockValues)
                let matrix = randomBlocks(format, rows: n, columns: k, generator: &generator)
                let w = matrix.dequantized().storage
                let columns = [0, 1, 17, k / 2 + 3, k - 1]
                var x = [Float](repeating: 0, count: columns.count * k)
                for (row, column) in columns.enumerated() { x[row * k + column] = 1 }
                var y = [Float](repeating: .nan, count: columns.count * n)
                matrix.blocks.withUnsafeBufferPointer { blocks in
                    imprint_quant_matmul(format.rawValue, blocks.baseAddress!, k, 0, n, x, columns.count, &y, n)
                }
                for (row, column) in columns.enumerated() {
                    for output in 0..<n {
                        XCTAssertEqual(y[row * n + output], w[output * k + column], "\(kernel) \(format) W[\(output), \(column)]")
                    }
                }
            }
        }
    }

    /// Decoding attention's scores (AVX-512 for 16 keys at a time, AVX2, or plain loops, whichever this CPU runs)
    /// are bit for bit the fixed 16-lane order every kernel documents: lane l sums products t ≡ l (mod 16) in order,
    /// then lanes l and l + 8, l + 4, l + 2, l + 1 are added, then the scale multiplies. Widths with and without
    /// a partial block of 16 keys; head dimensions 64 and 80 (a tail past the last 16).
    func testAttentionScoresSumInTheDocumentedOrder() {
        var generator = RandomGenerator(seed: 20)
        for (dimension, width) in [(64, 37), (64, 16), (80, 21), (64, 5)] {
            let rows = 3, scale: Float = 0.125
            let queries = (0..<(rows * dimension)).map { _ in Float.random(in: -1...1, using: &generator) }
            let keys = (0..<(width * dimension)).map { _ in Float.random(in: -1...1, using: &generator) }
            var scores = [Float](repeating: .nan, count: rows * width)
            imprint_attention_scores(queries, rows, keys, width, dimension, scale, &scores)
            for r in 0..<rows {
                for j in 0..<width {
                    var lanes = [Float](repeating: 0, count: 16)
                    let whole = dimension / 16 * 16
                    for t in stride(from: 0, to: whole, by: 16) {
                        for l in 0..<16 {
                            let product = queries[r * dimension + t + l] * keys[j * dimension + t + l]
                            lanes[l] = lanes[l] + product
                        }
                    }
                    for half in [8, 4, 2, 1] { for l in 0..<half { lanes[l] = lanes[l] + lanes[l + half] } }
                    var total = lanes[0]
                    for t in whole..<dimension {
                        let product = queries[r * dimension + t] * keys[j * dimension + t]
                        total = total + product
                    }
                    XCTAssertEqual(scores[r * width + j].bitPattern, (scale * total).bitPattern,
                                   "row \(r), key \(j) of \(width), dimension \(dimension)")
                }
            }
        }
    }

    func testPoolRunsEveryIndexOnceIncludingNestedAndConcurrentCalls() {
        for count in [1, 2, 3, 17, 1000] {
            var hits = [Int](repeating: 0, count: count)
            let lock = NSLock()
            parallelForEach(count) { index in lock.lock(); hits[index] += 1; lock.unlock() }
            XCTAssertEqual(hits, [Int](repeating: 1, count: count), "count \(count)")
        }
        // A loop inside a task runs inline; loops from several threads at once each complete.
        let results = UnsafeMutableBufferPointer<Int>.allocate(capacity: 8 * 64)
        defer { results.deallocate() }
        results.initialize(repeating: 0)
        DispatchQueue.concurrentPerform(iterations: 8) { caller in
            for _ in 0..<50 {
                parallelFor(64, grain: 1) { outer in
                    for row in outer {
                        parallelFor(4, grain: 1) { inner in
                            for _ in inner { results[caller * 64 + row] += 0 }
                        }
                        results[caller * 64 + row] += 1
                    }
                }
            }
        }
        XCTAssertEqual(Array(results), [Int](repeating: 50, count: 8 * 64))
    }
}
