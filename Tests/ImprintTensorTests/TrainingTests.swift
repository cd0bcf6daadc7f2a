import XCTest
@testable import ImprintTensor

/// End-to-end behaviour: a tiny network learns, the graph is freed, gradients accumulate,
/// no-grad mode records nothing, and seeded randomness is reproducible.
final class TrainingTests: XCTestCase {
    func testTinyNetworkLossFalls() {
        var generator = RandomGenerator(seed: 3)
        // XOR-like data: 4 points, 2 features, 2 classes.
        let inputs = Tensor([[0, 0], [0, 1], [1, 0], [1, 1]])
        let targets = [0, 1, 1, 0]
        let w1 = Tensor.randomNormal([16, 2], standardDeviation: 0.8, generator: &generator, requiresGrad: true)
        let b1 = Tensor.zeros([16], requiresGrad: true)
        let w2 = Tensor.randomNormal([2, 16], standardDeviation: 0.3, generator: &generator, requiresGrad: true)
        let optimizer = AdamW(parameters: [w1, b1, w2], learningRate: 0.05, weightDecay: 0)
        var losses: [Float] = []
        for _ in 0..<200 {
            optimizer.zeroGradients()
            let hidden = Tensor.linear(inputs, weight: w1, bias: b1).gelu(approximateWithTanh: true)
            let loss = Tensor.crossEntropy(logits: Tensor.linear(hidden, weight: w2), targets: targets)
            loss.backward()
            optimizer.step()
            losses.append(loss.item)
        }
        XCTAssertGreaterThan(losses[0], 0.5)
        XCTAssertLessThan(losses.last!, 0.05, "loss went from \(losses[0]) to \(losses.last!)")
    }

    func testGradientsAccumulateUntilCleared() {
        let x = Tensor([1, 2, 3], requiresGrad: true)
        (x * x).sum().backward()
        (x * 3).sum().backward()
        XCTAssertEqual(x.grad!.storage, [5, 7, 9])
        x.grad = nil
        (x * 3).sum().backward()
        XCTAssertEqual(x.grad!.storage, [3, 3, 3])
    }

    func testBackwardFreesTheGraph() {
        let x = Tensor([1, 2], requiresGrad: true)
        let hidden = x * x
        let loss = hidden.sum()
        XCTAssertTrue(loss.isInGraph && hidden.isInGraph)
        loss.backward()
        XCTAssertFalse(loss.isInGraph)
        XCTAssertFalse(hidden.isInGraph)
    }

    func testNoGradientModeRecordsNothing() {
        let x = Tensor([1, 2], requiresGrad: true)
        let y = withoutGradients { (x * x).exp().sum() }
        XCTAssertFalse(y.isInGraph)
        XCTAssertTrue(GradientMode.isEnabled)
        XCTAssertTrue((x * x).isInGraph)
    }

    func testSeededRandomnessIsReproducible() {
        var first = RandomGenerator(seed: 42), second = RandomGenerator(seed: 42), other = RandomGenerator(seed: 43)
        let a = Tensor.randomNormal([1000], generator: &first)
        let b = Tensor.randomNormal([1000], generator: &second)
        let c = Tensor.randomNormal([1000], generator: &other)
        XCTAssertEqual(a.storage, b.storage)
        XCTAssertNotEqual(a.storage, c.storage)
        let mean = a.storage.reduce(0, +) / 1000
        let variance = a.storage.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 1000
        XCTAssertEqual(mean, 0, accuracy: 0.1)
        XCTAssertEqual(variance, 1, accuracy: 0.1)
        let uniform = Tensor.randomUniform([1000], low: 2, high: 3, generator: &first)
        XCTAssertTrue(uniform.storage.allSatisfy { $0 >= 2 && $0 < 3 })
    }

    func testParallelResultsAreBitIdenticalAcrossRuns() {
        let x = randomTensor([64, 4099], low: -3, high: 3, seed: 5)
        let w = randomTensor([4099], seed: 6)
        func run() -> [Float] {
            let input = Tensor(shape: x.shape, storage: x.storage, requiresGrad: true)
            let weight = Tensor(shape: w.shape, storage: w.storage, requiresGrad: true)
            let loss = Tensor.crossEntropy(logits: input.rmsNorm(weight: weight, epsilon: 1e-5).softmax(), targets: (0..<64).map { $0 * 7 })
            loss.backward()
            return input.grad!.storage + weight.grad!.storage + [loss.item]
        }
        XCTAssertEqual(run(), run())
    }

    func testCreationHelpers() {
        XCTAssertEqual(Tensor.arange(0, 5).storage, [0, 1, 2, 3, 4])
        XCTAssertEqual(Tensor.arange(1, 2, step: 0.25).storage, [1, 1.25, 1.5, 1.75])
        XCTAssertEqual(Tensor.ones([2, 3]).storage, [Float](repeating: 1, count: 6))
        XCTAssertEqual(Tensor([[1, 2], [3, 4]]).shape, [2, 2])
        XCTAssertEqual(Tensor(3).shape, [])
    }
}
