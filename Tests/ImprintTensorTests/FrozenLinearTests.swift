import ImprintTensor
import XCTest

/// The fused frozen product + low-rank update against its composite of separate ops.
final class FrozenLinearTests: XCTestCase {
    /// Ranks 16, 32, 48 and 64 run the AVX-512 kernels (where the CPU has them), 4 runs `sgemm`;
    /// 21 rows and 70/40 columns leave partial blocks everywhere. 10 rows and 1 row take the
    /// decoding path (the small-batch kernel on A and B as they are).
    func testFusedLowRankUpdateMatchesTheComposite() {
        for rank in [4, 16, 32, 48, 64] {
            for (batch, length) in [(3, 7), (2, 5), (1, 1)] { checkFusedUpdate(rank: rank, batch: batch, length: length) }
        }
    }

    func checkFusedUpdate(rank: Int, batch: Int, length: Int) {
        var generator = RandomGenerator(seed: 21)
        let (inputs, outputs, scale): (Int, Int, Float) = (40, 70, 2.5)
        let weight = Tensor.randomNormal([outputs, inputs], generator: &generator)
        let xValues = Tensor.randomNormal([batch, length, inputs], generator: &generator).storage
        let aValues = Tensor.randomNormal([rank, inputs], generator: &generator).storage
        let bValues = Tensor.randomNormal([outputs, rank], generator: &generator).storage
        let cotangent = Tensor.randomNormal([batch, length, outputs], generator: &generator)
        func run(fused: Bool) -> (output: [Float], gradients: [[Float]]) {
            let x = Tensor(shape: [batch, length, inputs], storage: xValues, requiresGrad: true)
            let a = Tensor(shape: [rank, inputs], storage: aValues, requiresGrad: true)
            let b = Tensor(shape: [outputs, rank], storage: bValues, requiresGrad: true)
            let output = fused
                ? Tensor.linear(x, frozen: FrozenDenseMatrix(weight), down: a, up: b, scale: scale)
                : Tensor.linear(x, weight: weight) + Tensor.linear(Tensor.linear(x, weight: a) * scale, weight: b)
            (output * cotangent).sum().backward()
            return (output.storage, [x.grad!.storage, a.grad!.storage, b.grad!.storage])
        }
        let fused = run(fused: true), composite = run(fused: false)
        XCTAssertEqual(fused.output.count, composite.output.count)
        for (actual, expected) in zip([fused.output] + fused.gradients, [composite.output] + composite.gradients) {
            let scaleOfValues = expected.map(abs).max()!
            XCTAssertLessThanOrEqual(zip(actual, expected).map { abs($0 - $1) }.max()! / scaleOfValues, 1e-5, "rank \(rank), \(batch * length) rows")
        }
    }

    func testFrozenWeightGetsNoGradientAndFrozenUpdateNone() {
        var generator = RandomGenerator(seed: 5)
        let weight = Tensor.randomNormal([6, 8], generator: &generator)
        weight.requiresGrad = true  // ignored: a FrozenMatrix takes no gradient
        let a = Tensor.randomNormal([2, 8], generator: &generator), b = Tensor.randomNormal([6, 2], generator: &generator)
        let x = Tensor.randomNormal([3, 8], generator: &generator)
        x.requiresGrad = true
        Tensor.linear(x, frozen: FrozenDenseMatrix(weight), down: a, up: b, scale: 1).sum().backward()
        XCTAssertNil(weight.grad)
        XCTAssertNil(a.grad)
        XCTAssertNil(b.grad)
        XCTAssertNotNil(x.grad)
    }
}
