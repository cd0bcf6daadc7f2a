import XCTest
@testable import ImprintTensor

/// AdamW and SGD against PyTorch's recorded trajectories (Fixtures/optimizers.json), one AdamW
/// step against the formula, gradient clipping, and the schedules against `transformers`.
final class OptimizerTests: XCTestCase {
    struct Step: Decodable { let loss: Float; let w: RecordedTensor; let b: RecordedTensor }
    struct Trajectory: Decodable {
        let x: RecordedTensor, y: RecordedTensor, w0: RecordedTensor, b0: RecordedTensor
        let steps: [Step]
        let norms: [Float]
    }

    /// Replays a recorded least-squares run and returns the worst relative parameter error over all steps.
    func replay(_ trajectory: Trajectory, clip: Float? = nil, makeOptimizer: ([Tensor]) -> Optimizer) -> Float {
        let w = Tensor(shape: trajectory.w0.shape, storage: trajectory.w0.data, requiresGrad: true)
        let b = Tensor(shape: trajectory.b0.shape, storage: trajectory.b0.data, requiresGrad: true)
        let optimizer = makeOptimizer([w, b])
        var worst: Float = 0
        for (index, expected) in trajectory.steps.enumerated() {
            optimizer.zeroGradients()
            let residual = Tensor.linear(trajectory.x.tensor, weight: w, bias: b) - trajectory.y.tensor
            let loss = (residual * residual).mean()
            XCTAssertEqual(loss.item, expected.loss, accuracy: 1e-5 * Swift.max(1, Swift.abs(expected.loss)), "loss at step \(index)")
            loss.backward()
            if let clip {
                let norm = clipGradientNorm([w, b], maxNorm: clip)
                XCTAssertEqual(norm, trajectory.norms[index], accuracy: 1e-5 * trajectory.norms[index], "norm at step \(index)")
            }
            optimizer.step()
            for (actual, recorded) in [(w, expected.w), (b, expected.b)] {
                // Relative error of the tensor: max |a - e| / max |e| (element-wise ratios blow up
                // for parameters passing through zero, where float32 rounding is all that differs).
                let difference = zip(actual.storage, recorded.data).map { Swift.abs($0 - $1) }.max()!
                worst = Swift.max(worst, difference / recorded.data.map { Swift.abs($0) }.max()!)
            }
        }
        return worst
    }

    func testAdamWTrajectoryMatchesPyTorch() throws {
        let file = try loadFixture("optimizers.json", as: [String: Trajectory].self)
        XCTAssertLessThanOrEqual(replay(file["adamw"]!) {
            AdamW(parameters: $0, learningRate: 0.05, beta1: 0.9, beta2: 0.99, epsilon: 1e-8, weightDecay: 0.1)
        }, 1e-5)
        XCTAssertLessThanOrEqual(replay(file["adamw_default"]!) { AdamW(parameters: $0) }, 1e-5)
        XCTAssertLessThanOrEqual(replay(file["adamw_clipped"]!, clip: 0.5) { AdamW(parameters: $0, learningRate: 0.05) }, 1e-5)
    }

    func testSGDTrajectoryMatchesPyTorch() throws {
        let file = try loadFixture("optimizers.json", as: [String: Trajectory].self)
        XCTAssertLessThanOrEqual(replay(file["sgd_momentum"]!) {
            SGD(parameters: $0, learningRate: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01)
        }, 1e-5)
        XCTAssertLessThanOrEqual(replay(file["sgd_nesterov"]!) {
            SGD(parameters: $0, learningRate: 0.05, momentum: 0.9, nesterov: true)
        }, 1e-5)
    }

    func testOneAdamWStepFollowsTheFormula() {
        let parameter = Tensor([0.5, -1.5, 2.0], requiresGrad: true)
        parameter.grad = Tensor([0.1, -0.2, 0.3])
        let optimizer = AdamW(parameters: [parameter], learningRate: 0.01, beta1: 0.8, beta2: 0.9, epsilon: 1e-6, weightDecay: 0.5)
        optimizer.step()
        for (index, (p0, g)) in zip([0.5, -1.5, 2.0] as [Double], [0.1, -0.2, 0.3] as [Double]).enumerated() {
            let decayed = p0 * (1 - 0.01 * 0.5)
            let m = 0.2 * g, v = 0.1 * g * g
            let expected = decayed - 0.01 / (1 - 0.8) * m / (v.squareRoot() / (1 - 0.9).squareRoot() + 1e-6)
            XCTAssertEqual(Double(parameter.storage[index]), expected, accuracy: 1e-6)
        }
        XCTAssertEqual(optimizer.state.step, 1)
    }

    func testClippingScalesOnlyAboveTheLimit() {
        let a = Tensor([3, 0], requiresGrad: true), b = Tensor([4], requiresGrad: true)
        a.grad = Tensor([3, 0]); b.grad = Tensor([4])
        XCTAssertEqual(clipGradientNorm([a, b], maxNorm: 10), 5)
        XCTAssertEqual(a.grad!.storage, [3, 0])
        XCTAssertEqual(clipGradientNorm([a, b], maxNorm: 1), 5)
        XCTAssertEqual(a.grad!.storage[0], 0.6, accuracy: 1e-6)
        XCTAssertEqual(b.grad!.storage[0], 0.8, accuracy: 1e-6)
    }

    func testSchedulesMatchTransformers() throws {
        let recorded = try loadFixture("schedules.json", as: [String: [Double]].self)
        let schedules: [String: LearningRateSchedule] = [
            "constant": .constant,
            "constant_warmup_5": .constantWithWarmup(warmupSteps: 5),
            "linear_5_25": .linear(warmupSteps: 5, totalSteps: 25),
            "cosine_5_25": .cosine(warmupSteps: 5, totalSteps: 25),
            "cosine_0_20": .cosine(warmupSteps: 0, totalSteps: 20),
        ]
        XCTAssertEqual(Set(recorded.keys), Set(schedules.keys))
        for (name, values) in recorded {
            for (step, expected) in values.enumerated() {
                XCTAssertEqual(schedules[name]!.multiplier(step: step), expected, accuracy: 1e-12, "\(name) at step \(step)")
            }
        }
    }
}
