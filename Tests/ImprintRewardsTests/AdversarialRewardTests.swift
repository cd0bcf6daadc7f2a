import Foundation
import XCTest
@testable import ImprintRewards

/// The rewards on adversarial text against Python (Fixtures/make_adversarial_fixtures.py): NUL bytes, C0/C1
/// controls, the 17 Unicode planes, noncharacters, U+FEFF inside text, 100 stacked combining marks, right-to-left
/// text and zero-width joiners; and a 10 MB completion against a short reference, which must finish in seconds.
final class AdversarialRewardTests: XCTestCase {
    struct Values: Decodable {
        var difflib: Double
        var difflib_no_autojunk: Double
        var bleu: Double
        var jaccard: Double
        var exact: Double
        var f1: Double
    }

    struct File: Decodable {
        struct Case: Decodable {
            var completion: String
            var reference: String
        }
        struct Long: Decodable {
            var unit: String
            var repeats: Int
            var reference: String
        }
        var cases: [Case]
        var long: Long
    }

    /// Every value of the fixture for one pair, computed here.
    static func values(_ completion: String, _ reference: String) -> Values {
        Values(difflib: SequenceMatcher(completion, reference).ratio(),
               difflib_no_autojunk: SequenceMatcher(completion, reference, autojunk: false).ratio(),
               bleu: BLEU.sentence.sentenceScore(completion, references: [reference]).score / 100,
               jaccard: jaccardSimilarity(completion, reference),
               exact: AnswerMatching.exactMatch(completion, reference),
               f1: AnswerMatching.tokenF1(completion, reference))
    }

    static func assertEqual(_ actual: Values, _ expected: Values, _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.difflib, expected.difflib, accuracy: 1e-12, "difflib: \(label)", file: file, line: line)
        XCTAssertEqual(actual.difflib_no_autojunk, expected.difflib_no_autojunk, accuracy: 1e-12, "difflib without autojunk: \(label)", file: file, line: line)
        XCTAssertEqual(actual.bleu, expected.bleu, accuracy: 1e-9, "sentence BLEU: \(label)", file: file, line: line)
        XCTAssertEqual(actual.jaccard, expected.jaccard, accuracy: 1e-12, "Jaccard: \(label)", file: file, line: line)
        XCTAssertEqual(actual.exact, expected.exact, "exact match: \(label)", file: file, line: line)
        XCTAssertEqual(actual.f1, expected.f1, accuracy: 1e-12, "token F1: \(label)", file: file, line: line)
    }

    func testShortAdversarialTextsMatchPython() throws {
        let file = try Fixtures.load("adversarial.json", as: File.self)
        let expected = try Fixtures.load("adversarial.json", as: ValuesFile.self)
        for (pair, reference) in zip(file.cases, expected.cases) {
            let label = pair.completion.unicodeScalars.prefix(16).map { String($0.value, radix: 16) }.joined(separator: " ")
            Self.assertEqual(Self.values(pair.completion, pair.reference), reference, "[\(label)] vs \(pair.reference.count) characters")
        }
        XCTAssertEqual(file.cases.count, 22)
    }

    /// The verdict parsers read adversarial judge outputs without crashing, and find a verdict after them.
    func testVerdictParsersOnAdversarialText() throws {
        let file = try Fixtures.load("adversarial.json", as: File.self)
        for parser in VerdictParser.allCases {
            for pair in file.cases {
                _ = parser.parse(pair.completion)
                _ = parser.parse(pair.completion + "\nFinal Verdict: 1")
            }
        }
        for pair in file.cases {
            XCTAssertEqual(VerdictParser.robust.parse(pair.completion + "\nFinal Verdict: 1"), .correct, pair.completion)
        }
        XCTAssertEqual(VerdictParser.robust.parse("\u{0}\u{FEFF}\u{10FFFF}\u{301}\u{301} Final Verdict: -1"), .incorrect)
    }

    /// Regression: a long line of "<" without ">", or of "final verdict" repeated, took quadratic time in the robust
    /// parser (20 KB: 18 s and 8 s in debug). A megabyte of each now takes about a second; the verdict is unchanged.
    func testVerdictParserIsLinearOnRepeatedMarkers() {
        let cases: [(String, JudgeVerdict?)] = [
            (String(repeating: "<", count: 1_000_000), nil),
            (String(repeating: "<", count: 1_000_000) + "\nFinal Verdict: 1", .correct),
            (String(repeating: "final verdict ", count: 70_000), nil),
            ("Final Verdict: 1 " + String(repeating: "final verdict ", count: 70_000), .correct),
            (String(repeating: "final verdict:\n", count: 70_000) + "-1", .incorrect),
        ]
        for (text, expected) in cases {
            let start = Date()
            XCTAssertEqual(VerdictParser.robust.parse(text), expected, String(text.prefix(20)))
            XCTAssertLessThan(Date().timeIntervalSince(start), 10, String(text.prefix(20)))
        }
    }

    /// A 10 MB completion against a one-sentence reference: the values Python gives; difflib takes 3 s in debug
    /// builds (Python itself takes 25 s for difflib and 6 s for BLEU).
    func testTenMegabyteCompletion() throws {
        guard ProcessInfo.processInfo.environment["IMPRINT_LONG_TESTS"] != nil else {
            throw XCTSkip("set IMPRINT_LONG_TESTS=1 to score the 10 MB completion (a minute in debug)")
        }
        let file = try Fixtures.load("adversarial.json", as: File.self)
        let expected = try Fixtures.load("adversarial.json", as: ValuesFile.self).long
        let completion = String(repeating: file.long.unit, count: file.long.repeats)
        XCTAssertGreaterThanOrEqual(completion.utf8.count, 10_000_000)
        // difflib within 10 s; the others are linear but slower in debug (BLEU's 13a regular expressions take 14 s,
        // the robust verdict parser 18 s on this 2-core machine): 60 s catches a quadratic regression.
        func timed<T>(_ name: String, limit: Double = 60, _ body: () -> T) -> T {
            let start = Date()
            let value = body()
            let seconds = Date().timeIntervalSince(start)
            print("10 MB completion: \(name) in \(String(format: "%.2f", seconds)) s")
            XCTAssertLessThan(seconds, limit, "\(name) on a 10 MB completion")
            return value
        }
        let actual = Values(
            difflib: timed("difflib", limit: 10) { SequenceMatcher(completion, file.long.reference).ratio() },
            difflib_no_autojunk: timed("difflib without autojunk", limit: 10) { SequenceMatcher(completion, file.long.reference, autojunk: false).ratio() },
            bleu: timed("sentence BLEU") { BLEU.sentence.sentenceScore(completion, references: [file.long.reference]).score / 100 },
            jaccard: timed("Jaccard") { jaccardSimilarity(completion, file.long.reference) },
            exact: timed("exact match") { AnswerMatching.exactMatch(completion, file.long.reference) },
            f1: timed("token F1") { AnswerMatching.tokenF1(completion, file.long.reference) })
        Self.assertEqual(actual, expected, "10 MB completion")
        _ = timed("robust verdict parser") { VerdictParser.robust.parse(completion) }
    }

    struct ValuesFile: Decodable {
        var cases: [Values]
        var long: Values
    }
}
