import XCTest
@testable import ImprintTensor

/// The shared test helpers are themselves tested against deliberately wrong implementations,
/// so a passing check is known to mean something.
final class HelperSelfTests: XCTestCase {
    func testGradientCheckRejectsAWrongBackwardRule() {
        // Forward x², backward deliberately 3x instead of 2x.
        let wrongSquare: ([Tensor]) -> Tensor = { inputs in
            let x = inputs[0]
            let output = Tensor(shape: x.shape, storage: x.storage.map { $0 * $0 })
            return Tensor.record("wrong_square", output, inputs: [x]) { gradient in [gradient * x * 3] }
        }
        XCTAssertGreaterThan(gradientCheckRatio([randomTensor([5], seed: 1)], wrongSquare), 1)
        let rightSquare: ([Tensor]) -> Tensor = { $0[0] * $0[0] }
        XCTAssertLessThanOrEqual(gradientCheckRatio([randomTensor([5], seed: 1)], rightSquare), 1)
    }

    func testToleranceRatioFlagsWrongValuesAndNaN() {
        XCTAssertLessThanOrEqual(toleranceRatio([1, 2, 3], [1, 2, 3.000001], relative: 1e-5, absolute: 0).ratio, 1)
        XCTAssertGreaterThan(toleranceRatio([1, 2, 3.1], [1, 2, 3], relative: 1e-5, absolute: 1e-6).ratio, 1)
        XCTAssertEqual(toleranceRatio([1, .nan], [1, 2], relative: 1, absolute: 1).ratio, .infinity)
        XCTAssertEqual(toleranceRatio([.infinity], [1], relative: 1, absolute: 1).ratio, .infinity)
    }
}
