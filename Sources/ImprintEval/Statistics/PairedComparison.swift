/// Two runs compared on the same items: accuracies, their difference with a paired bootstrap interval, and
/// McNemar's exact test on the items where exactly one run was right.
///
/// ```swift
/// let comparison = PairedComparison(nameA: "sft", a: sftCorrect, nameB: "base", b: baseCorrect, seed: 0)
/// comparison.summary   // "sft − base = +12.3 points [4.1, 20.5], p = 0.0031"
/// ```
public struct PairedComparison: Codable, Hashable, Sendable {
    public var nameA: String
    public var nameB: String
    /// The number of items both runs answered.
    public var count: Int
    /// Run A's accuracy as a proportion in `[0, 1]` (0 when there are no items).
    public var accuracyA: Double
    /// Run B's accuracy as a proportion in `[0, 1]`.
    public var accuracyB: Double
    /// `accuracyA - accuracyB` in percentage points (×100).
    public var difference: Double
    /// The paired bootstrap interval of `difference`, in percentage points.
    public var interval: Interval
    /// Items A got right and B wrong.
    public var onlyA: Int
    /// Items B got right and A wrong.
    public var onlyB: Int
    /// McNemar's exact two-sided p-value from `onlyA` and `onlyB`.
    public var pValue: Double
    /// One line for reports: `"sft − base = +12.3 points [4.1, 20.5], p = 0.0031"`.
    public var summary: String

    /// Compares `a` and `b`, the per-item correctness of runs A and B on the same items in the same order.
    ///
    /// `clusters` (one id per item) makes the bootstrap resample clusters, e.g. facts with several phrasings;
    /// `replicates` and `seed` are the bootstrap's (`Statistics.pairedBootstrap`). The confidence level is 95%.
    /// - Precondition: `a`, `b` (and `clusters`) have the same length.
    public init(nameA: String, a: [Bool], nameB: String, b: [Bool], clusters: [Int]? = nil, replicates: Int = 2000,
                seed: UInt64 = 0) {
        precondition(a.count == b.count, "PairedComparison: \(nameA) has \(a.count) items, \(nameB) has \(b.count)")
        self.nameA = nameA
        self.nameB = nameB
        count = a.count
        let total = Double(max(count, 1))
        accuracyA = Double(a.filter { $0 }.count) / total
        accuracyB = Double(b.filter { $0 }.count) / total
        difference = (accuracyA - accuracyB) * 100
        interval = Statistics.pairedBootstrap(a: a.map { $0 ? 1 : 0 }, b: b.map { $0 ? 1 : 0 }, clusters: clusters,
                                              replicates: replicates, seed: seed).scaled(by: 100)
        onlyA = zip(a, b).filter { $0 && !$1 }.count
        onlyB = zip(a, b).filter { !$0 && $1 }.count
        pValue = Statistics.mcnemarExactP(b: onlyA, c: onlyB)
        summary = "\(nameA) − \(nameB) = \(ReportFormat.signedPoints(difference)) points "
            + "[\(ReportFormat.points(interval.lower)), \(ReportFormat.points(interval.upper))], "
            + ReportFormat.pValueClause(pValue)
    }
}
