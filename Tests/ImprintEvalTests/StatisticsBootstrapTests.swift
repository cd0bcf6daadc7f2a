import ImprintCore
import XCTest
@testable import ImprintEval

/// The seeded generator and the bootstraps: reproducible from the seed, and sane on cases with a known answer.
final class StatisticsBootstrapTests: XCTestCase {
    /// SplitMix64's published first outputs for seed 0, so the stream is the same on every machine.
    func testSplitMix64KnownOutputs() {
        var generator = SeededRandom(seed: 0)
        XCTAssertEqual(generator.next(), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(generator.next(), 0x6E78_9E6A_A1B9_65F4)
        XCTAssertEqual(generator.next(), 0x06C4_5D18_8009_454F)
    }

    /// `nextIndex(below:)` stays in range and is close to uniform (each of 7 values within 5% of 1/7 over 70,000
    /// draws; the binomial standard deviation is about 1%).
    func testNextIndexIsUniformInRange() {
        var generator = SeededRandom(seed: 42)
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 { counts[generator.below(7)] += 1 }
        for count in counts { XCTAssertEqual(Double(count), 10_000, accuracy: 500) }
        XCTAssertEqual(generator.below(1), 0)
    }

    /// Same seed, same interval (bit for bit, and as recorded); another seed, another interval.
    func testBootstrapsAreReproducibleFromTheirSeed() {
        let outcomes = Self.outcomes(count: 300, proportion: 0.4, seed: 1)
        var generator = SeededRandom(seed: 1)
        let scores = (0..<150).map { _ in [Double(generator.next() >> 11) / 0x1p53, Double(generator.next() >> 11) / 0x1p53] }
        func cluster(_ seed: UInt64) -> Interval {
            Statistics.clusterBootstrap(clusters: scores, replicates: 500, seed: seed, statistic: Self.pooledMean)
        }
        XCTAssertEqual(cluster(7), cluster(7))
        XCTAssertNotEqual(cluster(7), cluster(8))

        let other = Self.outcomes(count: 300, proportion: 0.5, seed: 2)
        let ids = (0..<300).map { $0 / 3 }
        func paired(_ seed: UInt64, _ ids: [Int]?) -> Interval {
            Statistics.pairedBootstrap(a: outcomes, b: other, clusters: ids, seed: seed)
        }
        XCTAssertEqual(paired(3, nil), paired(3, nil))
        // Recorded once: a change here means every recorded bootstrap interval of every report changes too.
        XCTAssertEqual(cluster(7), Interval(lower: 0.44688765498470084, upper: 0.5140498893592416))
        XCTAssertEqual(paired(3, nil), Interval(lower: -0.18, upper: -0.01991666666666712))
        XCTAssertEqual(paired(3, ids), Interval(lower: -0.17666666666666667, upper: -0.02))
        XCTAssertNotEqual(paired(3, nil), paired(4, nil))
        XCTAssertEqual(paired(3, ids), paired(3, ids))
        XCTAssertNotEqual(paired(3, ids), paired(4, ids))
        // One item per cluster, clusters in item order: the same draws as resampling items.
        XCTAssertEqual(paired(3, Array(0..<300)), paired(3, nil))
    }

    /// The interval of a mean of 1000 0/1 values with 300 ones contains 0.3 and is as wide as the normal
    /// approximation 2 · 1.96 · sqrt(0.3 · 0.7 / 1000) = 0.0568, within 20%.
    func testClusterBootstrapOfAMeanHasTheNormalWidth() {
        let outcomes = Self.outcomes(count: 1000, proportion: 0.3, seed: 5)
        XCTAssertEqual(outcomes.reduce(0, +), 300)
        let interval = Statistics.clusterBootstrap(clusters: outcomes.map { [$0] }, seed: 11, statistic: Self.pooledMean)
        let normalWidth = 2 * 1.959964 * (0.3 * 0.7 / 1000).squareRoot()
        XCTAssertTrue(interval.contains(0.3), "\(interval)")
        XCTAssertEqual(interval.width, normalWidth, accuracy: 0.2 * normalWidth, "\(interval)")
        print("bootstrap of a mean (n = 1000, p = 0.3): \(interval), width \(interval.width) vs normal \(normalWidth)")
    }

    /// Phrasings of one fact that always agree carry no more information than one phrasing: resampling facts
    /// gives an interval about sqrt(2) wider than pretending the 2 x 200 answers were independent.
    func testClusterBootstrapWidensForCorrelatedPhrasings() {
        let facts = Self.outcomes(count: 200, proportion: 0.5, seed: 9)
        let byFact = facts.map { [$0, $0] }
        let byAnswer = facts.flatMap { [[$0], [$0]] }
        let clustered = Statistics.clusterBootstrap(clusters: byFact, seed: 1, statistic: Self.pooledMean)
        let naive = Statistics.clusterBootstrap(clusters: byAnswer, seed: 1, statistic: Self.pooledMean)
        XCTAssertEqual(clustered.width / naive.width, 2.0.squareRoot(), accuracy: 0.2)
    }

    /// Over 200 simulated evaluations of 100 answers (p = 0.3) the 95% percentile interval of the accuracy covers
    /// the truth 88–99% of the time (the paired bootstrap against a run that is always wrong is the same
    /// resampling of one run's answers, and fast enough for 200 runs in a debug build).
    func testBootstrapCoverage() {
        var covered = 0
        var generator = SeededRandom(seed: 2024)
        let runs = 200
        let alwaysWrong = [Double](repeating: 0, count: 100)
        for run in 0..<runs {
            let answers = (0..<100).map { _ in Double(generator.next() >> 11) / 0x1p53 < 0.3 ? 1.0 : 0.0 }
            let interval = Statistics.pairedBootstrap(a: answers, b: alwaysWrong, clusters: nil, replicates: 1000,
                                                      seed: UInt64(run))
            if interval.contains(0.3) { covered += 1 }
        }
        let coverage = Double(covered) / Double(runs)
        print("bootstrap coverage of a 95% interval over \(runs) runs: \(coverage)")
        XCTAssertGreaterThanOrEqual(coverage, 0.88)
        XCTAssertLessThanOrEqual(coverage, 0.99)
    }

    /// Identical runs differ by exactly 0; a run better on every disagreement has an interval above 0; a paired
    /// interval is narrower than the runs' separate uncertainty when they agree on most items.
    func testPairedBootstrapCases() {
        let a = Self.outcomes(count: 400, proportion: 0.6, seed: 3)
        XCTAssertEqual(Statistics.pairedBootstrap(a: a, b: a, clusters: nil, seed: 0), Interval(lower: 0, upper: 0))
        var b = a
        var flipped = 0
        for index in b.indices where b[index] == 1 && flipped < 40 {
            b[index] = 0
            flipped += 1
        }
        let interval = Statistics.pairedBootstrap(a: a, b: b, clusters: nil, seed: 0)
        XCTAssertGreaterThan(interval.lower, 0)
        XCTAssertTrue(interval.contains(0.1))
        // Independent samples of the two accuracies (0.6 and 0.5) would give a difference interval about
        // 2 · 1.96 · sqrt((0.6 · 0.4 + 0.5 · 0.5) / 400) = 0.137 wide; 40 discordant items give about 0.062.
        let independentWidth = 2 * 1.96 * ((0.6 * 0.4 + 0.5 * 0.5) / 400).squareRoot()
        XCTAssertLessThan(interval.width, 0.6 * independentWidth)
        XCTAssertEqual(Statistics.pairedBootstrap(a: [], b: [], clusters: nil, seed: 0), Interval(lower: 0, upper: 0))
    }

    /// Quantiles interpolate as numpy's percentile; non-finite replicates are left out.
    func testPercentileInterval() {
        let fallback = { Interval(lower: -1, upper: -1) }
        XCTAssertEqual(Statistics.percentileInterval([1, 2, 3, 4, 5], confidence: 0.5, fallback: fallback),
                       Interval(lower: 2, upper: 4))
        // numpy.percentile([1, 2, 3, 4], [25, 75]) == [1.75, 3.25]
        XCTAssertEqual(Statistics.percentileInterval([4, 2, 1, 3], confidence: 0.5, fallback: fallback),
                       Interval(lower: 1.75, upper: 3.25))
        XCTAssertEqual(Statistics.percentileInterval([.nan, 1, 2, 3, 4, 5, .infinity], confidence: 0.5,
                                                     fallback: fallback), Interval(lower: 2, upper: 4))
        XCTAssertEqual(Statistics.percentileInterval([.nan], confidence: 0.5, fallback: fallback), fallback())
        let empty = Statistics.clusterBootstrap(clusters: [], replicates: 10, seed: 0) { _ in 0.5 }
        XCTAssertEqual(empty, Interval(lower: 0.5, upper: 0.5))
    }

    /// The mean over all values of the resampled clusters (a metric pooling phrasings).
    static func pooledMean(_ clusters: [[Double]]) -> Double {
        var sum = 0.0, count = 0
        for cluster in clusters {
            for value in cluster { sum += value }
            count += cluster.count
        }
        return sum / Double(count)
    }

    /// `count` 0/1 values with exactly `round(proportion · count)` ones, in a seeded order.
    static func outcomes(count: Int, proportion: Double, seed: UInt64) -> [Double] {
        let ones = Int((proportion * Double(count)).rounded())
        var values = (0..<count).map { $0 < ones ? 1.0 : 0.0 }
        var generator = SeededRandom(seed: seed)
        for i in stride(from: count - 1, to: 0, by: -1) {
            values.swapAt(i, generator.below(i + 1))
        }
        return values
    }
}
