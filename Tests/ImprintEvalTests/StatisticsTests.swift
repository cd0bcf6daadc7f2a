import XCTest
@testable import ImprintEval

/// The closed-form statistics against scipy 1.17.1 / statsmodels 0.15.0 (Fixtures/make_statistics_fixtures.py).
final class StatisticsTests: XCTestCase {
    /// Wilson intervals for 630 (successes, trials, confidence) cases, 0/n, n/n and 0/0 included, to 1e-12 absolute.
    func testWilsonMatchesStatsmodels() throws {
        let cases = try StatisticsFixtures.load().wilson
        XCTAssertGreaterThan(cases.count, 600)
        var worst = 0.0
        for testCase in cases {
            let interval = Statistics.wilson(successes: testCase.successes, trials: testCase.trials,
                                             confidence: testCase.confidence)
            let error = max(abs(interval.lower - testCase.lower), abs(interval.upper - testCase.upper))
            XCTAssertLessThanOrEqual(error, 1e-12, "\(testCase.successes)/\(testCase.trials) at \(testCase.confidence)")
            worst = max(worst, error)
        }
        print("Wilson: max |Swift - statsmodels| over \(cases.count) intervals = \(worst)")
    }

    func testWilsonEdgeCases() {
        XCTAssertEqual(Statistics.wilson(successes: 0, trials: 0), Interval(lower: 0, upper: 1))
        let none = Statistics.wilson(successes: 0, trials: 10)
        XCTAssertEqual(none.lower, 0)
        XCTAssertEqual(none.upper, 0.27753279986288315, accuracy: 1e-12)
        let all = Statistics.wilson(successes: 10, trials: 10)
        XCTAssertEqual(all.upper, 1)
        XCTAssertEqual(all.lower, 1 - none.upper, accuracy: 1e-12)
        let estimate = ProportionEstimate(successes: 7, trials: 10)
        XCTAssertEqual(estimate.value, 0.7)
        XCTAssertEqual(estimate.interval.lower, 0.39677815, accuracy: 1e-8)
        XCTAssertEqual(estimate.interval.upper, 0.89220873, accuracy: 1e-8)
        XCTAssertEqual(ProportionEstimate(successes: 0, trials: 0).value, 0)
    }

    /// AS 241 against scipy's norm.ppf / norm.isf, tails down to 1e-100, to a relative 1e-14.
    func testNormalQuantileMatchesScipy() throws {
        let cases = try StatisticsFixtures.load().normal_quantiles
        var worst = 0.0
        for testCase in cases {
            let ppf = Distributions.normalQuantile(testCase.p)
            let isf = Distributions.normalUpperQuantile(testCase.p)
            let error = max(abs(ppf - testCase.ppf), abs(isf - testCase.isf)) / max(1, abs(testCase.ppf))
            XCTAssertLessThanOrEqual(error, 1e-14, "p = \(testCase.p)")
            worst = max(worst, error)
        }
        print("normal quantile: max relative error over \(cases.count) probabilities = \(worst)")
    }

    /// McNemar exact p for 34 (b, c) pairs, 0/0, ties and p-values down to 1e-323 included, to a relative 1e-12.
    func testMcNemarExactMatchesStatsmodels() throws {
        let cases = try StatisticsFixtures.load().mcnemar
        var worst = 0.0
        for testCase in cases {
            let p = Statistics.mcnemarExactP(b: testCase.b, c: testCase.c)
            let error = relativeError(p, testCase.p)
            XCTAssertLessThanOrEqual(error, 1e-12, "b = \(testCase.b), c = \(testCase.c): \(p) vs \(testCase.p)")
            worst = max(worst, error)
        }
        print("McNemar exact: max relative |Swift - statsmodels| over \(cases.count) pairs = \(worst)")
        XCTAssertEqual(Statistics.mcnemarExactP(b: 0, c: 0), 1)
        XCTAssertEqual(Statistics.mcnemarExactP(b: 2, c: 10), 2.0 * 79 / 4096, "exact up to 62 discordant pairs")
        XCTAssertEqual(Statistics.mcnemarExactP(b: 20, c: 42), 2 * Double(sumOfBinomials(through: 20, of: 62)) / 0x1p62)
        XCTAssertEqual(Statistics.mcnemarExactP(b: 10, c: 2), Statistics.mcnemarExactP(b: 2, c: 10))
    }

    /// Student t critical values for 1–1000 degrees of freedom against scipy's t.ppf, to a relative 1e-13.
    func testStudentQuantileMatchesScipy() throws {
        let cases = try StatisticsFixtures.load().t_quantiles
        var worst = 0.0
        for testCase in cases {
            // 1 - p is exact for p >= 0.5 (Sterbenz), so the two-sided tail 2 (1 - p) is scipy's input exactly.
            let critical = Distributions.studentTwoSidedCritical(tail: 2 * (1 - testCase.p),
                                                                 degreesOfFreedom: testCase.df)
            let error = relativeError(critical, testCase.ppf)
            XCTAssertLessThanOrEqual(error, 1e-13, "df = \(testCase.df), p = \(testCase.p)")
            worst = max(worst, error)
        }
        print("Student t quantile: max relative error over \(cases.count) cases = \(worst)")
    }

    /// Means and t intervals across seeds against scipy.stats.t.interval, to 1e-12 relative to the larger of 1 and
    /// the value (absolute for values of order 1); one value and equal values give a zero-width interval.
    func testAcrossSeedsMatchesScipy() throws {
        let cases = try StatisticsFixtures.load().t_intervals
        var worst = 0.0
        for testCase in cases {
            let (mean, interval) = Statistics.acrossSeeds(testCase.values, confidence: testCase.confidence)
            let error = max(abs(mean - testCase.mean) / max(1, abs(testCase.mean)),
                            abs(interval.lower - testCase.lower) / max(1, abs(testCase.lower)),
                            abs(interval.upper - testCase.upper) / max(1, abs(testCase.upper)))
            XCTAssertLessThanOrEqual(error, 1e-12, "\(testCase.values) at \(testCase.confidence)")
            worst = max(worst, error)
        }
        print("t interval across seeds: max |Swift - scipy| / max(1, |scipy|) over \(cases.count) cases = \(worst)")
        let single = Statistics.acrossSeeds([0.61])
        XCTAssertEqual(single.mean, 0.61)
        XCTAssertEqual(single.interval, Interval(lower: 0.61, upper: 0.61))
    }

    /// Cohen's kappa on 2x2, 3x3 and 4x4 tables against statsmodels, to 1e-12; degenerate tables as defined.
    func testCohensKappaMatchesStatsmodels() throws {
        let cases = try StatisticsFixtures.load().kappa
        var worst = 0.0
        for testCase in cases {
            let kappa = Statistics.cohensKappa(testCase.table)
            let error = abs(kappa - testCase.kappa)
            XCTAssertLessThanOrEqual(error, 1e-12, "\(testCase.table) (\(testCase.source))")
            worst = max(worst, error)
        }
        print("Cohen's kappa: max |Swift - statsmodels| over \(cases.count) tables = \(worst)")
        XCTAssertEqual(Statistics.cohensKappa([[10, 0], [0, 0]]), 1, "expected agreement 1 is defined as kappa 1")
        XCTAssertEqual(Statistics.cohensKappa([[0, 0], [0, 0]]), 0, "an empty table is defined as kappa 0")
        XCTAssertEqual(Statistics.cohensKappa([]), 0)
        XCTAssertEqual(Statistics.cohensKappa([[20, 5], [10, 15]]), 0.4, accuracy: 1e-15)
    }

    /// The binomial probabilities behind McNemar sum to 1 and are symmetric, for sizes on both sides of the
    /// saddle-point thresholds.
    func testBinomialHalfProbabilitiesSumToOne() {
        for n in [1, 2, 15, 16, 35, 36, 80, 81, 500, 501, 2000] {
            let total = (0...n).reduce(0.0) { $0 + Distributions.binomialHalfProbability($1, n) }
            XCTAssertEqual(total, 1, accuracy: 1e-13, "n = \(n)")
            XCTAssertLessThanOrEqual(relativeError(Distributions.binomialHalfProbability(n / 3, n),
                                                   Distributions.binomialHalfProbability(n - n / 3, n)), 1e-13)
        }
        XCTAssertEqual(Distributions.binomialHalfProbability(3, 6), 20.0 / 64, accuracy: 1e-16)
    }

    /// Σ C(n, i) for i <= k, by the multiplicative formula (exact in UInt64 for n <= 62).
    private func sumOfBinomials(through k: Int, of n: Int) -> UInt64 {
        var coefficient: UInt64 = 1, sum: UInt64 = 1
        for i in stride(from: 1, through: k, by: 1) {
            coefficient = coefficient * UInt64(n - i + 1) / UInt64(i)
            sum += coefficient
        }
        return sum
    }
}
