@testable import ImprintTensor
import XCTest

/// Mixed-precision products: the AMX kernel and the portable loop against a double-precision sum
/// of the same bfloat16-rounded operands.
final class BFloat16MatrixTests: XCTestCase {
    /// Round to nearest bfloat16, ties to even, written independently of the C kernel.
    func roundedToBFloat16(_ value: Float) -> Float {
        let bits = value.bitPattern
        let lower = bits & 0xFFFF
        var upper = bits >> 16
        if lower > 0x8000 || (lower == 0x8000 && upper & 1 == 1) { upper += 1 }
        return Float(bitPattern: upper << 16)
    }

    func randomValues(_ count: Int, _ generator: inout RandomGenerator) -> [Float] {
        (0..<count).map { _ in generator.nextNormal() }
    }

    /// Σ_k round(a[i, k]) · round(w[j, k]) in double.
    func referenceProduct(_ a: [Float], _ w: [Float], m: Int, n: Int, k: Int) -> (values: [Double], scale: [Double]) {
        var values = [Double](repeating: 0, count: m * n), scale = values
        for i in 0..<m {
            for j in 0..<n {
                for kk in 0..<k {
                    let product = Double(roundedToBFloat16(a[i * k + kk])) * Double(roundedToBFloat16(w[j * k + kk]))
                    values[i * n + j] += product
                    scale[i * n + j] += abs(product)
                }
            }
        }
        return (values, scale)
    }

    func testRoundingIsToNearestEven() {
        var generator = RandomGenerator(seed: 1)
        let specials: [Float] = [1, 1 + 1 / 256, 1 + 3 / 512, 1 + 1 / 512, -2.75e-3, 3.0e38, 1e-40, 0]
        let values = specials + randomValues(64, &generator)
        let matrix = BFloat16Matrix(Tensor(shape: [values.count / 8, 8], storage: values))
        XCTAssertEqual(matrix.dequantized().storage, values.map(roundedToBFloat16))
        XCTAssertEqual(roundedToBFloat16(1 + 1 / 256), 1, "a tie rounds to the even neighbour")
        XCTAssertEqual(roundedToBFloat16(1 + 3 / 512), 1 + 1 / 128)
    }

    /// Every kernel: the portable loop always, AMX and AVX512-BF16 where this CPU has them.
    func checkProductsMatchTheRoundedReference(kernel: BFloat16Matrix.Kernel) {
        var generator = RandomGenerator(seed: 7)
        // Partial tiles everywhere, one pair-less row block (m = 37), more than one 256-row chunk, and (k = 1536)
        // columns in several chunks whose B panels fit in L2 (128 columns each for AVX512-BF16), the last partial.
        for (m, n, k) in [(1, 45, 70), (16, 64, 64), (37, 45, 70), (300, 70, 100), (9, 300, 1536)] {
            let a = randomValues(m * k, &generator), w = randomValues(n * k, &generator)
            let matrix = BFloat16Matrix(Tensor(shape: [n, k], storage: w))
            let (expected, scale) = referenceProduct(a, w, m: m, n: n, k: k)
            var out = [Float](repeating: .nan, count: m * n)
            a.withUnsafeBufferPointer { source in
                out.withUnsafeMutableBufferPointer {
                    matrix.multiply(source.baseAddress!, m: m, into: $0.baseAddress!, kernel: kernel)
                }
            }
            let worst = zip(out, zip(expected, scale)).map { abs(Double($0) - $1.0) / max($1.1, 1e-30) }.max()!
            XCTAssertLessThanOrEqual(worst, 1e-6, "m \(m) n \(n) k \(k) kernel \(kernel)")
        }
    }

    func testPortableProductsMatchTheRoundedReference() {
        checkProductsMatchTheRoundedReference(kernel: .portable)
    }

    func testTileUnitProductsMatchTheRoundedReference() throws {
        try XCTSkipUnless(BFloat16Matrix.Kernel.amx.isAvailable,
                          "no AMX tile units on this CPU (or IMPRINT_AMX=0): the portable path covers bfloat16 products")
        checkProductsMatchTheRoundedReference(kernel: .amx)
    }

    func testAVX512BFloat16ProductsMatchTheRoundedReference() throws {
        try XCTSkipUnless(BFloat16Matrix.Kernel.avx512.isAvailable,
                          "no AVX512-BF16 on this CPU (or IMPRINT_AVX512BF16=0): the portable path covers bfloat16 products")
        checkProductsMatchTheRoundedReference(kernel: .avx512)
    }

    func testLinearGradientUsesTheTransposedWeight() {
        var generator = RandomGenerator(seed: 11)
        let m = 33, n = 40, k = 48
        let w = randomValues(n * k, &generator)
        let matrix = BFloat16Matrix(Tensor(shape: [n, k], storage: w))
        let x = Tensor(shape: [m, k], storage: randomValues(m * k, &generator))
        x.requiresGrad = true
        let upstream = randomValues(m * n, &generator)
        let y = Tensor.linear(x, bfloat16: matrix)
        XCTAssertEqual(y.shape, [m, n])
        (y * Tensor(shape: [m, n], storage: upstream)).sum().backward()
        // dx = g · W, both rounded: the same reference with W transposed.
        var transposed = [Float](repeating: 0, count: n * k)
        for j in 0..<n { for kk in 0..<k { transposed[kk * n + j] = w[j * k + kk] } }
        let (expected, scale) = referenceProduct(upstream, transposed, m: m, n: k, k: n)
        let gradient = x.grad!.storage
        let worst = zip(gradient, zip(expected, scale)).map { abs(Double($0) - $1.0) / max($1.1, 1e-30) }.max()!
        XCTAssertLessThanOrEqual(worst, 1e-6)
    }

    func testMixedPrecisionIsCloseToFloat32() {
        var generator = RandomGenerator(seed: 3)
        let m = 64, n = 96, k = 128
        let w = Tensor(shape: [n, k], storage: randomValues(n * k, &generator))
        let x = Tensor(shape: [m, k], storage: randomValues(m * k, &generator))
        let exact = Tensor.linear(x, weight: w).storage
        let mixed = Tensor.linear(x, bfloat16: BFloat16Matrix(w)).storage
        // bfloat16 keeps 8 significant bits: errors of a few parts in a thousand of the row scale.
        let scale = exact.map { abs($0) }.reduce(0, +) / Float(exact.count)
        let worst = zip(exact, mixed).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(worst / scale, 0.05)
        XCTAssertGreaterThan(worst, 0, "bfloat16 rounding must show")
    }
}
