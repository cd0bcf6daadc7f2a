import XCTest
@testable import ImprintTensor

/// `Tensor.dropout`: every output is 0 or `x / (1 − p)`, about `p` of them are 0, a seed fixes the
/// mask, and the gradient is the same mask times `1 / (1 − p)` (exact, so no finite differences).
final class DropoutTests: XCTestCase {
    func testMaskScaleAndRate() {
        let p: Float = 0.3
        let x = Tensor.full([40, 251], 2, requiresGrad: true)
        var generator = RandomGenerator(seed: 7)
        let y = x.dropout(probability: p, generator: &generator)
        let kept = y.storage.filter { $0 != 0 }
        XCTAssertTrue(kept.allSatisfy { $0 == 2 / (1 - p) }, "kept values are x / (1 - p)")
        let droppedFraction = Float(y.count - kept.count) / Float(y.count)
        // 10 040 Bernoulli(0.3) draws: standard deviation of the fraction is about 0.0046.
        XCTAssertEqual(droppedFraction, p, accuracy: 0.02)

        var same = RandomGenerator(seed: 7)
        XCTAssertEqual(x.detached().dropout(probability: p, generator: &same).storage, y.storage, "same seed, same mask")

        y.sum().backward()
        let expectedGradient = y.storage.map { $0 == 0 ? Float(0) : 1 / (1 - p) }
        XCTAssertEqual(x.grad!.storage, expectedGradient)
    }

    func testZeroAndOneProbabilities() {
        let x = Tensor([1, -2, 3])
        var generator = RandomGenerator(seed: 1)
        let before = generator
        XCTAssertTrue(x.dropout(probability: 0, generator: &generator) === x, "p = 0 is the identity")
        XCTAssertEqual(generator, before, "p = 0 draws nothing")
        XCTAssertEqual(x.dropout(probability: 1, generator: &generator).storage, [0, 0, 0])
    }
}
