import ImprintCore
extension Statistics {
    /// A percentile bootstrap interval over clusters: the clusters are resampled with replacement, the statistic
    /// is computed on each of `replicates` resamples, and the interval runs between the `(1 - confidence) / 2`
    /// and `(1 + confidence) / 2` quantiles of those values.
    ///
    /// Resampling whole clusters (a fact with all its phrasings) rather than single answers keeps the
    /// correlation inside a cluster, so a metric pooled over phrasings does not look more certain than the
    /// number of facts allows.
    ///
    /// ```swift
    /// // Accuracy pooled over phrasings, resampling facts:
    /// let facts: [[Double]] = [[1, 1], [0, 1], [0, 0], ...]
    /// Statistics.clusterBootstrap(clusters: facts, seed: 7) { resample in
    ///     let answers = resample.joined()
    ///     return answers.reduce(0, +) / Double(answers.count)
    /// }
    /// ```
    ///
    /// Draws come from `SeededRandom(seed:)` (`nextIndex(below:)`, one per cluster per replicate, replicate by
    /// replicate), so the same seed gives the same interval on every machine. Quantiles interpolate linearly
    /// between order statistics (numpy's default `percentile`). Replicates whose statistic is not finite
    /// (say, a ratio with an empty denominator) are left out; if none is finite the interval is the statistic
    /// of the original clusters at both ends. No clusters: every resample is empty, so both ends are
    /// `statistic([])`.
    /// - Precondition: `replicates > 0`, `0 < confidence < 1`.
    public static func clusterBootstrap(clusters: [[Double]], replicates: Int = 2000, seed: UInt64,
                                        confidence: Double = 0.95, statistic: ([[Double]]) -> Double) -> Interval {
        precondition(replicates > 0, "Statistics.clusterBootstrap: replicates = \(replicates) must be positive")
        precondition(confidence > 0 && confidence < 1,
                     "Statistics.clusterBootstrap: confidence = \(confidence) is outside (0, 1)")
        var generator = SeededRandom(seed: seed)
        var values: [Double] = []
        values.reserveCapacity(replicates)
        var resample: [[Double]] = []
        resample.reserveCapacity(clusters.count)
        for _ in 0..<replicates {
            resample.removeAll(keepingCapacity: true)
            for _ in 0..<clusters.count {
                resample.append(clusters[generator.below(clusters.count)])
            }
            values.append(statistic(resample))
        }
        return percentileInterval(values, confidence: confidence) {
            let value = statistic(clusters)
            return Interval(lower: value, upper: value)
        }
    }

    /// A paired bootstrap interval of `mean(a) - mean(b)`, for two runs scored on the same items
    /// (`a[i]` and `b[i]` are the two runs' scores on item `i`, e.g. 1 correct / 0 wrong).
    ///
    /// Each replicate resamples items with replacement, the same items for both runs, so the interval reflects
    /// the paired design (much narrower than two independent intervals when the runs agree on most items).
    /// With `clusters` (one id per item: items sharing an id, such as the phrasings of one fact, are resampled
    /// together) the replicate is `Σ(a - b) / count` over the items of the resampled clusters.
    ///
    /// ```swift
    /// Statistics.pairedBootstrap(a: [1, 1, 0, 1], b: [0, 1, 0, 0], clusters: nil, seed: 0)  // around 0.5
    /// ```
    ///
    /// Seeded and quantiled as `clusterBootstrap`; clusters are taken in order of first appearance, so the
    /// interval depends on the seed and the data only. No items gives `[0, 0]`.
    /// - Precondition: `a`, `b` (and `clusters`) have the same length; `replicates > 0`; `0 < confidence < 1`.
    public static func pairedBootstrap(a: [Double], b: [Double], clusters: [Int]?, replicates: Int = 2000,
                                       seed: UInt64, confidence: Double = 0.95) -> Interval {
        precondition(a.count == b.count, "Statistics.pairedBootstrap: a has \(a.count) items, b has \(b.count)")
        precondition(clusters == nil || clusters?.count == a.count,
                     "Statistics.pairedBootstrap: \(clusters?.count ?? 0) cluster ids for \(a.count) items")
        precondition(replicates > 0, "Statistics.pairedBootstrap: replicates = \(replicates) must be positive")
        precondition(confidence > 0 && confidence < 1,
                     "Statistics.pairedBootstrap: confidence = \(confidence) is outside (0, 1)")
        guard !a.isEmpty else { return Interval(lower: 0, upper: 0) }

        // Per cluster: the sum of the differences and the number of items.
        var differenceSums: [Double] = [], itemCounts: [Double] = []
        if let clusters {
            var position: [Int: Int] = [:]
            for (item, id) in clusters.enumerated() {
                let index: Int
                if let known = position[id] {
                    index = known
                } else {
                    index = differenceSums.count
                    position[id] = index
                    differenceSums.append(0)
                    itemCounts.append(0)
                }
                differenceSums[index] += a[item] - b[item]
                itemCounts[index] += 1
            }
        } else {
            differenceSums = zip(a, b).map { $0 - $1 }
            itemCounts = Array(repeating: 1, count: a.count)
        }

        var generator = SeededRandom(seed: seed)
        var values: [Double] = []
        values.reserveCapacity(replicates)
        for _ in 0..<replicates {
            var sum = 0.0, count = 0.0
            for _ in 0..<differenceSums.count {
                let cluster = generator.below(differenceSums.count)
                sum += differenceSums[cluster]
                count += itemCounts[cluster]
            }
            values.append(sum / count)
        }
        return percentileInterval(values, confidence: confidence) {
            let mean = differenceSums.reduce(0, +) / itemCounts.reduce(0, +)
            return Interval(lower: mean, upper: mean)
        }
    }

    /// The `(1 - confidence) / 2` and `(1 + confidence) / 2` quantiles of the finite `values`, interpolating
    /// linearly between order statistics (numpy's `percentile(..., method="linear")`); `fallback()` when no
    /// value is finite.
    static func percentileInterval(_ values: [Double], confidence: Double, fallback: () -> Interval) -> Interval {
        let sorted = values.filter(\.isFinite).sorted()
        guard !sorted.isEmpty else { return fallback() }
        func quantile(_ q: Double) -> Double {
            let position = q * Double(sorted.count - 1)
            let below = Int(position.rounded(.down))
            let above = min(below + 1, sorted.count - 1)
            return sorted[below] + (position - Double(below)) * (sorted[above] - sorted[below])
        }
        return Interval(lower: quantile((1 - confidence) / 2), upper: quantile((1 + confidence) / 2))
    }
}
