import Foundation
import XCTest
@testable import ImprintRewards

/// Loads the JSON fixtures that `Fixtures/make_fixtures.py` recorded with Python (difflib,
/// sacreBLEU, the SQuAD script, the seeds' verdict parsers). Read from the source tree, so the
/// tests need neither Python nor the seed data.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func load<T: Decodable>(_ name: String, as type: T.Type = T.self) throws -> T {
        let url = directory.appendingPathComponent(name)
        return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
    }

    struct DifflibFile: Decodable {
        struct Case: Decodable {
            var name: String
            var a: String
            var b: String
            var ratio: Double
            var ratio_no_autojunk: Double
            var quick_ratio: Double
            var real_quick_ratio: Double
            var matching_blocks: [[Int]]
            var matching_blocks_no_autojunk: [[Int]]
        }
        var cases: [Case]
    }

    struct BLEUFile: Decodable {
        struct Sentence: Decodable {
            var hypothesis: String
            var references: [String]
            var score: Double
            var counts: [Double]
            var totals: [Double]
            var bp: Double
            var sys_len: Int
            var ref_len: Int
            var hypothesis_tokens: String
        }
        struct Corpus: Decodable {
            var hypotheses: [String]
            var reference_streams: [[String]]
            var score: Double
            var score_effective_order: Double
            var score_floor: Double
            var score_add_k: Double
            var score_none: Double
            var score_lowercase: Double
        }
        struct JaccardCase: Decodable {
            var a: String
            var b: String
            var jaccard: Double
        }
        var sentences: [Sentence]
        var corpora: [Corpus]
        var jaccard: [JaccardCase]
        var phrasings: [String]
        var bleu_matrix: [[Double]]
        var jaccard_matrix: [[Double]]
    }

    struct SQuADFile: Decodable {
        struct Case: Decodable {
            var prediction: String
            var reference: String
            var normalized_prediction: String
            var exact: Int
            var f1: Double
        }
        var cases: [Case]
    }

    struct JudgeFile: Decodable {
        struct Output: Decodable {
            var name: String
            var text: String
            var expected: String?
            var seed_grpo: Int?
            var seed_evaluation: Int?
            var seed_yes_no: Bool
        }
        var outputs: [Output]
    }
}

/// The largest absolute difference between paired values (0 for empty input).
func maxAbsoluteError(_ actual: [Double], _ expected: [Double]) -> Double {
    precondition(actual.count == expected.count, "maxAbsoluteError: \(actual.count) vs \(expected.count) values")
    return zip(actual, expected).map { abs($0 - $1) }.max() ?? 0
}

final class FixtureHelperTests: XCTestCase {
    /// The comparison helper must notice a wrong implementation: Python's autojunk ratios are
    /// far from the ratios of a port that forgot autojunk.
    func testMaxAbsoluteErrorCatchesAWrongImplementation() throws {
        let file = try Fixtures.load("difflib.json", as: Fixtures.DifflibFile.self)
        let expected = file.cases.map(\.ratio)
        let forgotAutojunk = file.cases.map { SequenceMatcher($0.a, $0.b, autojunk: false).ratio() }
        XCTAssertGreaterThan(maxAbsoluteError(forgotAutojunk, expected), 0.1)
        XCTAssertEqual(maxAbsoluteError([1, 2, 3], [1, 2, 3]), 0)
        XCTAssertEqual(maxAbsoluteError([1, 2.5], [1, 2]), 0.5)
    }
}
