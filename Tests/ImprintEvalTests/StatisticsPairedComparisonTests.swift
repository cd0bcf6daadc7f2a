import Foundation
import ImprintCore
import XCTest
@testable import ImprintEval

final class StatisticsPairedComparisonTests: XCTestCase {
    /// 100 items: both right on 50, only A on 20, only B on 5, neither on 25. A = 70%, B = 55%, +15 points,
    /// McNemar p = 2 P(X <= 5), X ~ Binomial(25, 1/2) = 0.0040773.
    func testComparisonFieldsAndSummary() throws {
        let a = [Bool](repeating: true, count: 50) + [Bool](repeating: true, count: 20)
            + [Bool](repeating: false, count: 5) + [Bool](repeating: false, count: 25)
        let b = [Bool](repeating: true, count: 50) + [Bool](repeating: false, count: 20)
            + [Bool](repeating: true, count: 5) + [Bool](repeating: false, count: 25)
        let comparison = PairedComparison(nameA: "sft", a: a, nameB: "base", b: b, seed: 1)
        XCTAssertEqual(comparison.count, 100)
        XCTAssertEqual(comparison.accuracyA, 0.70, accuracy: 1e-15)
        XCTAssertEqual(comparison.accuracyB, 0.55, accuracy: 1e-15)
        XCTAssertEqual(comparison.difference, 15, accuracy: 1e-12)
        XCTAssertEqual(comparison.onlyA, 20)
        XCTAssertEqual(comparison.onlyB, 5)
        XCTAssertEqual(comparison.pValue, 2 * Double(1 + 25 + 300 + 2300 + 12650 + 53130) / 0x1p25)
        XCTAssertTrue(comparison.interval.contains(15))
        XCTAssertGreaterThan(comparison.interval.lower, 0)

        let expected = "sft − base = +15.0 points [\(ReportFormat.points(comparison.interval.lower)), "
            + "\(ReportFormat.points(comparison.interval.upper))], p = 0.0041"
        XCTAssertEqual(comparison.summary, expected)
        let pattern = try NSRegularExpression(pattern: #"^sft − base = \+15\.0 points \[\d+\.\d, \d+\.\d\], p = 0\.0041$"#)
        let range = NSRange(comparison.summary.startIndex..., in: comparison.summary)
        XCTAssertNotNil(pattern.firstMatch(in: comparison.summary, range: range), comparison.summary)
        print("summary: \(comparison.summary)")

        let reversed = PairedComparison(nameA: "base", a: b, nameB: "sft", b: a, seed: 1)
        XCTAssertTrue(reversed.summary.hasPrefix("base − sft = −15.0 points [−"), reversed.summary)
        XCTAssertEqual(reversed.pValue, comparison.pValue)
    }

    func testComparisonRoundTripsThroughJSON() throws {
        let comparison = PairedComparison(nameA: "a", a: [true, false, true], nameB: "b", b: [true, true, false])
        let decoded = try JSONDecoder().decode(PairedComparison.self, from: JSONEncoder().encode(comparison))
        XCTAssertEqual(decoded, comparison)
        XCTAssertEqual(comparison.summary, "a − b = 0.0 points [\(ReportFormat.points(comparison.interval.lower)), "
            + "\(ReportFormat.points(comparison.interval.upper))], p = 1")
    }

    func testEmptyComparisonIsDefined() {
        let comparison = PairedComparison(nameA: "a", a: [], nameB: "b", b: [])
        XCTAssertEqual(comparison.summary, "a − b = 0.0 points [0.0, 0.0], p = 1")
    }

    /// Clusters make the interval wider when phrasings of a fact move together.
    func testClustersWidenTheInterval() {
        var a: [Bool] = [], b: [Bool] = [], facts: [Int] = []
        var generator = SeededRandom(seed: 8)
        for fact in 0..<150 {
            let (right, baseRight) = (generator.below(10) < 6, generator.below(10) < 4)
            for _ in 0..<3 {
                a.append(right)
                b.append(baseRight)
                facts.append(fact)
            }
        }
        let naive = PairedComparison(nameA: "a", a: a, nameB: "b", b: b)
        let clustered = PairedComparison(nameA: "a", a: a, nameB: "b", b: b, clusters: facts)
        XCTAssertEqual(clustered.difference, naive.difference)
        XCTAssertGreaterThan(clustered.interval.width, 1.4 * naive.interval.width)
    }
}

final class HeldOutAllCorrectComparisonTests: XCTestCase {
    /// Three facts, held-out phrasings rephrased_3 and rephrased_6 (the trained `question` is ignored): run A gets both
    /// right on facts 0 and 1, run B only on fact 0 (fact 1 has one of two), so A − B = +33.3 points, one discordant fact.
    func testPerFactBothCorrect() {
        let rows = EvalFixtures.phrasingRows(facts: 3)
        let verdictsA: [Verdict] = [.incorrect, .correct, .correct, .incorrect, .correct, .correct, .correct, .incorrect, .correct]
        let verdictsB: [Verdict] = [.correct, .correct, .correct, .correct, .correct, .incorrect, .correct, .incorrect, .incorrect]
        let a = rows.enumerated().map { EvalFixtures.record($0, $1, verdictsA[$0]) }
        let b = rows.enumerated().map { EvalFixtures.record($0, $1, verdictsB[$0]) }
        XCTAssertEqual(PairedComparison.allHeldOutCorrect(a), ["0": true, "1": true, "2": false])
        let comparison = PairedComparison(allHeldOutCorrect: "A", a, "B", b, replicates: 200, seed: 1)
        XCTAssertEqual(comparison.count, 3)
        XCTAssertEqual(comparison.onlyA, 1)
        XCTAssertEqual(comparison.onlyB, 0)
        XCTAssertEqual(comparison.difference, 100.0 / 3, accuracy: 1e-9)
        XCTAssertEqual(comparison.pValue, 1)
    }
}
