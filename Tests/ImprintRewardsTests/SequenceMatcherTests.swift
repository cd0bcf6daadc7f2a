import XCTest
@testable import ImprintRewards

final class SequenceMatcherTests: XCTestCase {
    /// Every recorded case: ratio with and without autojunk, the quick bounds and the matching
    /// blocks, against CPython 3.11's difflib, to 1e-12.
    func testMatchesPythonDifflibOnEveryFixture() throws {
        let file = try Fixtures.load("difflib.json", as: Fixtures.DifflibFile.self)
        XCTAssertGreaterThan(file.cases.count, 60)
        var actual: [Double] = [], expected: [Double] = []
        for testCase in file.cases {
            let on = SequenceMatcher(testCase.a, testCase.b)
            let off = SequenceMatcher(testCase.a, testCase.b, autojunk: false)
            actual += [on.ratio(), off.ratio(), on.quickRatio(), on.realQuickRatio()]
            expected += [testCase.ratio, testCase.ratio_no_autojunk, testCase.quick_ratio, testCase.real_quick_ratio]
            XCTAssertEqual(on.matchingBlocks().map { [$0.a, $0.b, $0.size] }, testCase.matching_blocks, testCase.name)
            XCTAssertEqual(off.matchingBlocks().map { [$0.a, $0.b, $0.size] }, testCase.matching_blocks_no_autojunk,
                           testCase.name)
            XCTAssertEqual(on.ratio(), testCase.ratio, accuracy: 1e-12, testCase.name)
            XCTAssertEqual(off.ratio(), testCase.ratio_no_autojunk, accuracy: 1e-12, testCase.name)
        }
        let error = maxAbsoluteError(actual, expected)
        XCTAssertLessThanOrEqual(error, 1e-12)
        print("difflib: max |Swift - Python| over \(file.cases.count) cases x 4 values = \(error)")
    }

    /// The seed-000 table from seed-implementations.md (story 0; Python, 3 decimals; our masked
    /// copy hides other words than the table's, hence the looser tolerance there).
    func testSeedStoryTable() throws {
        let cases = try Fixtures.load("difflib.json", as: Fixtures.DifflibFile.self).cases
        func ratios(_ name: String) -> (Double, Double) {
            let found = cases.first { $0.name == name }!
            return (SequenceMatcher(found.a, found.b).ratio(), SequenceMatcher(found.a, found.b, autojunk: false).ratio())
        }
        XCTAssertEqual(ratios("story0 identical").0, 1)
        XCTAssertEqual(ratios("story0 three words masked").0, 0.978, accuracy: 0.002)
        XCTAssertEqual(ratios("story0 first half").0, 0.667, accuracy: 0.0005)
        XCTAssertEqual(ratios("story1 vs story0 (unrelated)").0, 0.020, accuracy: 0.0005)
        XCTAssertEqual(ratios("story1 vs story0 (unrelated)").1, 0.148, accuracy: 0.0005)
    }

    func testDocumentedExamples() {
        XCTAssertEqual(SequenceMatcher("abc", "abd").ratio(), 2.0 * 2 / 6)
        XCTAssertEqual(SequenceMatcher("abcd", "bcde").ratio(), 0.75)
        XCTAssertEqual(SequenceMatcher("abcd", "bcde").quickRatio(), 0.75)
        XCTAssertEqual(SequenceMatcher("abcd", "bcde").realQuickRatio(), 1)
        XCTAssertEqual(SequenceMatcher("ab", "ba").quickRatio(), 1)
        XCTAssertEqual(SequenceMatcher("ab", "ba").ratio(), 0.5)
        XCTAssertEqual(SequenceMatcher("", "").ratio(), 1)
        XCTAssertEqual(SequenceMatcher(" abcd", "abcd abcd").findLongestMatch(0, 5, 0, 9),
                       SequenceMatcher.Match(a: 0, b: 4, size: 5))
        XCTAssertEqual(SequenceMatcher("ab", "c").findLongestMatch(0, 2, 0, 1), SequenceMatcher.Match(a: 0, b: 0, size: 0))
        XCTAssertEqual(SequenceMatcher(elements: ["the", "cat"], ["the", "dog"]).ratio(), 0.5)
        // Code points, not grapheme clusters: "é" precomposed vs e + U+0301.
        XCTAssertEqual(SequenceMatcher("caf\u{E9}", "cafe\u{301}").ratio(), 2.0 * 3 / 9)
    }

    /// The fast matcher against the plain dictionary port on random inputs of awkward sizes
    /// (empty, 1, primes, around the autojunk threshold of 200), both autojunk settings.
    func testFastMatcherEqualsReferencePortOnRandomInputs() {
        var generator = SplitMix64(seed: 42)
        let alphabets: [[Unicode.Scalar]] = [["a", "b"], ["a", "b", "c", " "], Array("abcdefghij é🐍".unicodeScalars)]
        let sizes = [0, 1, 2, 3, 7, 13, 31, 97, 199, 200, 211]
        for alphabet in alphabets {
            for sizeA in sizes {
                for sizeB in sizes where (sizeA + sizeB) % 2 == 0 {
                    let a = (0..<sizeA).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
                    let b = (0..<sizeB).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
                    for autojunk in [true, false] {
                        let fast = SequenceMatcher(PythonText.string(a), PythonText.string(b), autojunk: autojunk)
                        let reference = ReferenceSequenceMatcher(a, b, autojunk: autojunk)
                        XCTAssertEqual(fast.matchingBlocks(), reference.matchingBlocks(),
                                       "sizes \(sizeA), \(sizeB), autojunk \(autojunk)")
                        XCTAssertEqual(fast.ratio(), reference.ratio())
                        if sizeA > 2 && sizeB > 2 {
                            XCTAssertEqual(fast.findLongestMatch(1, sizeA - 1, 2, sizeB),
                                           reference.findLongestMatch(1, sizeA - 1, 2, sizeB))
                        }
                    }
                }
            }
        }
    }

    func testDifflibRewardReadsTheReference() async throws {
        let batch = RewardBatch(completions: ["abc", "", "x"], references: ["abd", "", "x"])
        let output = try await DifflibReward().score(batch)
        XCTAssertEqual(output.scores, [2.0 * 2 / 6, 1, 1])
        let missing = RewardBatch(prompts: [.text("q"), .text("q")], completions: ["a", "b"],
                                  samples: [RewardSample(reference: "a"), RewardSample()])
        do {
            _ = try await DifflibReward().score(missing)
            XCTFail("expected a missing-field error")
        } catch let error as RewardError {
            XCTAssertEqual(error, .missingField(reward: "difflib", field: "reference", sample: 1))
        }
    }
}

/// A small deterministic generator for test inputs (SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
