import Foundation
import XCTest
@testable import ImprintTensor

/// The vectorized exp against glibc's `expf` (2 ulp), its edge cases, and the vector helpers.
final class VectorMathTests: XCTestCase {
    func testExpIsWithinTwoUlpOfExpf() {
        var worstUlps: Float = 0
        var x: Float = -87
        while x < 88.5 {
            let fast = VectorMath.exp(x), reference = Foundation.exp(x)
            worstUlps = Swift.max(worstUlps, Swift.abs(fast - reference) / reference.ulp)
            x += 0.0137
        }
        XCTAssertLessThanOrEqual(worstUlps, 2)
    }

    func testExpEdgeCases() {
        XCTAssertEqual(VectorMath.exp(-.infinity), 0)
        XCTAssertEqual(VectorMath.exp(-1000), 0)
        XCTAssertEqual(VectorMath.exp(0), 1)
        XCTAssertEqual(VectorMath.exp(1000), .infinity)
    }

    func testShiftedSumsAndMaximumOverOddLengths() {
        for count in [0, 1, 15, 16, 17, 101] {
            let values = (0..<count).map { Float(($0 * 37) % 23) * 0.25 - 2 }
            var stored = [Float](repeating: 0, count: count)
            let total = values.withUnsafeBufferPointer { input in
                stored.withUnsafeMutableBufferPointer { VectorMath.expShifted(input.baseAddress!, $0.baseAddress!, count: count, shift: 0.5) }
            }
            let expected = values.map { Foundation.exp($0 - 0.5) }
            XCTAssertEqual(total, expected.reduce(0, +), accuracy: 1e-5 * Swift.max(1, total))
            for (a, e) in zip(stored, expected) { XCTAssertEqual(a, e, accuracy: 2 * e.ulp) }
            let sumOnly = values.withUnsafeBufferPointer { VectorMath.sumExpShifted($0.baseAddress!, count: count, shift: 0.5) }
            XCTAssertEqual(sumOnly, total)
            let peak = values.withUnsafeBufferPointer { VectorMath.maximum($0.baseAddress!, count: count) }
            XCTAssertEqual(peak, values.max() ?? -.infinity)
        }
    }
}
