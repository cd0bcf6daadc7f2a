import Foundation
import XCTest
@testable import ImprintTensor

/// A tensor as the fixture scripts write it: `{"shape": [...], "data": [...]}`.
struct RecordedTensor: Decodable {
    let shape: [Int]
    let data: [Float]
    var tensor: Tensor { Tensor(shape: shape, storage: data) }
}

/// The folder of recorded fixtures beside this file.
let fixturesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

func loadFixture<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
    try JSONDecoder().decode(T.self, from: Data(contentsOf: fixturesDirectory.appendingPathComponent(name)))
}

/// The largest violation of `|actual - expected| <= absolute + relative * |expected|`, as a ratio
/// (<= 1 means every element is within tolerance), and the worst index.
func toleranceRatio(_ actual: [Float], _ expected: [Float], relative: Float, absolute: Float) -> (ratio: Float, index: Int) {
    precondition(actual.count == expected.count, "lengths differ: \(actual.count) and \(expected.count)")
    var worst: Float = 0, worstIndex = -1
    for index in actual.indices {
        let (a, e) = (actual[index], expected[index])
        if a.isNaN != e.isNaN || (a.isInfinite || e.isInfinite) && a != e { return (.infinity, index) }
        if a.isNaN || a.isInfinite { continue }
        let ratio = Swift.abs(a - e) / (absolute + relative * Swift.abs(e))
        if ratio > worst { worst = ratio; worstIndex = index }
    }
    return (worst, worstIndex)
}

func assertClose(_ actual: Tensor, _ expected: Tensor, relative: Float = 1e-5, absolute: Float = 1e-6,
                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.shape, expected.shape, "shape \(message)", file: file, line: line)
    guard actual.shape == expected.shape else { return }
    let (ratio, index) = toleranceRatio(actual.storage, expected.storage, relative: relative, absolute: absolute)
    XCTAssertLessThanOrEqual(ratio, 1, "\(message): element \(index) is \(index >= 0 ? actual.storage[index] : 0), expected \(index >= 0 ? expected.storage[index] : 0)",
                             file: file, line: line)
}

/// Compares autodiff gradients with central finite differences of `sum(f(inputs) * cotangent)`.
///
/// `f` is evaluated at `x ± epsilon` per element (float32 arithmetic, so `epsilon = 1e-2` and a
/// tolerance of `|Δ| <= 2e-2 + 2e-2 |numeric|` suit smooth functions of O(1) values).
/// Returns the worst tolerance ratio over all inputs (<= 1 passes).
func gradientCheckRatio(_ inputs: [Tensor], epsilon: Float = 1e-2, relative: Float = 2e-2, absolute: Float = 2e-2,
                        _ function: ([Tensor]) -> Tensor) -> Float {
    var generator = RandomGenerator(seed: 99)
    let leaves = inputs.map { Tensor(shape: $0.shape, storage: $0.storage, requiresGrad: true) }
    let output = function(leaves)
    let cotangent = Tensor.randomUniform(output.shape, low: -1, high: 1, generator: &generator)
    (output * cotangent).sum().backward()
    func objective(_ values: [Tensor]) -> Double {
        let result = withoutGradients { function(values) }
        return zip(result.storage, cotangent.storage).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }
    var worst: Float = 0
    for (position, leaf) in leaves.enumerated() {
        var numeric = [Float](repeating: 0, count: leaf.count)
        for element in 0..<leaf.count {
            var shifted = inputs.map { $0.detached() }
            var plus = leaf.storage, minus = leaf.storage
            plus[element] += epsilon
            minus[element] -= epsilon
            shifted[position] = Tensor(shape: leaf.shape, storage: plus)
            let up = objective(shifted)
            shifted[position] = Tensor(shape: leaf.shape, storage: minus)
            let down = objective(shifted)
            numeric[element] = Float((up - down) / Double(2 * epsilon))
        }
        let analytic = leaf.grad?.storage ?? [Float](repeating: 0, count: leaf.count)
        worst = Swift.max(worst, toleranceRatio(analytic, numeric, relative: relative, absolute: absolute).ratio)
    }
    return worst
}

func assertGradientsMatchFiniteDifferences(_ inputs: [Tensor], _ message: String = "", file: StaticString = #filePath,
                                           line: UInt = #line, _ function: ([Tensor]) -> Tensor) {
    let ratio = gradientCheckRatio(inputs, function)
    XCTAssertLessThanOrEqual(ratio, 1, "gradient check failed \(message): worst tolerance ratio \(ratio)", file: file, line: line)
}

/// Random inputs for tests, reproducible.
func randomTensor(_ shape: [Int], low: Float = -2, high: Float = 2, seed: UInt64) -> Tensor {
    var generator = RandomGenerator(seed: seed)
    return Tensor.randomUniform(shape, low: low, high: high, generator: &generator)
}
