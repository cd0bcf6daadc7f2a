import Foundation
import XCTest

/// The reference values `Fixtures/make_statistics_fixtures.py` recorded with scipy and statsmodels, read from the
/// source tree, so the tests need no Python.
struct StatisticsFixtures: Decodable {
    struct Wilson: Decodable {
        var successes: Int
        var trials: Int
        var confidence: Double
        var lower: Double
        var upper: Double
    }
    struct NormalQuantile: Decodable {
        var p: Double
        var isf: Double
        var ppf: Double
    }
    struct McNemar: Decodable {
        var b: Int
        var c: Int
        var p: Double
    }
    struct TInterval: Decodable {
        var values: [Double]
        var confidence: Double
        var mean: Double
        var lower: Double
        var upper: Double
    }
    struct TQuantile: Decodable {
        var df: Int
        var p: Double
        var ppf: Double
    }
    struct Kappa: Decodable {
        var table: [[Int]]
        var kappa: Double
        var source: String
    }

    var wilson: [Wilson]
    var normal_quantiles: [NormalQuantile]
    var mcnemar: [McNemar]
    var t_intervals: [TInterval]
    var t_quantiles: [TQuantile]
    var kappa: [Kappa]

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func load() throws -> StatisticsFixtures {
        let url = directory.appendingPathComponent("statistics.json")
        return try JSONDecoder().decode(StatisticsFixtures.self, from: Data(contentsOf: url))
    }
}

/// `|actual - expected| / |expected|`, with 0 for two equal values (zeros included) and infinity when only the
/// expected value is 0.
func relativeError(_ actual: Double, _ expected: Double) -> Double {
    if actual == expected { return 0 }
    if expected == 0 { return .infinity }
    return abs(actual - expected) / abs(expected)
}

final class StatisticsFixtureHelperTests: XCTestCase {
    /// The relative-error helper must notice a wrong value, including a value that should have been 0.
    func testRelativeErrorCatchesWrongValues() {
        XCTAssertEqual(relativeError(1e-300, 1e-300), 0)
        XCTAssertEqual(relativeError(0, 0), 0)
        XCTAssertEqual(relativeError(1e-300, 0), .infinity)
        XCTAssertEqual(relativeError(1.1, 1.0), 0.1, accuracy: 1e-15)
        XCTAssertGreaterThan(relativeError(2e-300, 1e-300), 0.5)
    }
}
