import Foundation

/// Several QA runs side by side (`imprint eval compare`): each run's headline numbers, paired comparisons of every
/// two runs on the questions both answered (McNemar's exact test and a paired bootstrap over facts), and, for runs
/// sharing a label (seeds of one configuration), the mean and interval across seeds.
///
/// ```swift
/// let comparison = try RunComparison(directories: [baseURL, sftURL])
/// comparison.comparisons[0].all.summary   // "sft − base = +12.3 points [4.1, 20.5], p = 0.0031"
/// try comparison.write(to: URL(fileURLWithPath: "eval/compare"))
/// ```
public struct RunComparison: Codable, Hashable, Sendable {
    /// One run's headline numbers.
    public struct Run: Codable, Hashable, Sendable {
        public var label: String
        public var directory: String
        public var model: String
        public var judge: String
        public var answers: Int
        public var accuracy: ProportionEstimate
        public var unparseable: Int
        public var heldOut: PhrasingGroupMetrics?
        public var trained: PhrasingGroupMetrics?
        public var memorizationGap: PointDifference?
        public var phrasings: [GroupAccuracy]

        enum CodingKeys: String, CodingKey {
            case label, directory, model, judge, answers, accuracy, unparseable, trained, phrasings
            case heldOut = "heldout", memorizationGap = "memorization_gap"
        }
    }

    /// Two runs on the questions both answered.
    public struct Pair: Codable, Hashable, Sendable {
        /// Indices into `runs`.
        public var a: Int
        public var b: Int
        /// Questions both runs answered (matched by fact, phrasing and question text).
        public var shared: Int
        /// Every shared question; the bootstrap resamples facts.
        public var all: PairedComparison
        /// The shared held-out questions, when there are any.
        public var heldOut: PairedComparison?
        /// How often the two runs got the same verdict on a shared question (Cohen's κ of their verdicts).
        public var verdictAgreement: JudgeAgreement

        enum CodingKeys: String, CodingKey {
            case a, b, shared, all
            case heldOut = "heldout", verdictAgreement = "verdict_agreement"
        }
    }

    /// A metric across the runs that share a label.
    public struct SeedGroup: Codable, Hashable, Sendable {
        public var label: String
        public var runs: Int
        /// Metric name → mean and Student t interval across the runs (`Statistics.acrossSeeds`).
        public var metrics: [String: AcrossSeeds]
    }

    public struct AcrossSeeds: Codable, Hashable, Sendable {
        public var mean: Double
        public var interval: Interval
        public var values: [Double]
    }

    public var runs: [Run]
    public var comparisons: [Pair]
    public var seedGroups: [SeedGroup]

    /// Reads each folder's `report.json` and `answers.jsonl` (QA runs) and compares them.
    ///
    /// - Parameters:
    ///   - seed: the seed of the paired bootstraps.
    /// - Throws: `ReportError` naming a folder that is not a QA report, or two runs with no question in common.
    public init(directories: [URL], replicates: Int = 2000, seed: UInt64 = 0) throws {
        var loaded: [(report: EvaluationReport, records: [AnswerRecord], directory: URL)] = []
        for directory in directories {
            let report = try EvaluationReport.load(from: directory)
            guard report.task == .qa else {
                throw ReportError(path: directory.path, reason: "a recitation run; compare takes QA runs")
            }
            loaded.append((report, try EvaluationReport.loadAnswers(from: directory), directory))
        }
        try self.init(runs: loaded.map { ($0.report, $0.records, $0.directory.path) }, replicates: replicates, seed: seed)
    }

    /// Compares runs already in memory (`directory` is what the report prints for each).
    public init(runs: [(report: EvaluationReport, records: [AnswerRecord], directory: String)], replicates: Int = 2000,
                seed: UInt64 = 0) throws {
        self.runs = runs.map { run in
            let metrics = run.report.metrics ?? EvaluationMetrics(records: run.records, configuration: run.report.configuration)
            return Run(label: run.report.label, directory: run.directory, model: run.report.model, judge: run.report.judge ?? "",
                       answers: run.records.count, accuracy: metrics.accuracy, unparseable: metrics.counts.unparseable,
                       heldOut: metrics.heldOut, trained: metrics.trained, memorizationGap: metrics.memorizationGap,
                       phrasings: metrics.phrasings)
        }
        var pairs: [Pair] = []
        for a in runs.indices {
            for b in runs.indices where b > a {
                pairs.append(try Self.pair(runs[a], a, runs[b], b, labels: (self.runs[a].name(in: self.runs, at: a),
                                                                           self.runs[b].name(in: self.runs, at: b)),
                                           replicates: replicates, seed: seed))
            }
        }
        comparisons = pairs
        var groups: [String: [Run]] = [:]
        var order: [String] = []
        for run in self.runs {
            if groups[run.label] == nil { order.append(run.label) }
            groups[run.label, default: []].append(run)
        }
        seedGroups = order.compactMap { label in
            let members = groups[label]!
            guard members.count > 1 else { return nil }
            var metrics: [String: AcrossSeeds] = [:]
            func add(_ name: String, _ values: [Double?]) {
                let present = values.compactMap { $0 }
                guard present.count == members.count else { return }
                let (mean, interval) = Statistics.acrossSeeds(present)
                metrics[name] = AcrossSeeds(mean: mean, interval: interval, values: present)
            }
            add("accuracy", members.map(\.accuracy.value))
            add("heldout_all", members.map { $0.heldOut?.allCorrect.value })
            add("heldout_some", members.map { $0.heldOut?.someCorrect.value })
            add("heldout_none", members.map { $0.heldOut?.noneCorrect.value })
            add("heldout_accuracy", members.map { $0.heldOut?.pooledAccuracy.value })
            add("trained_accuracy", members.map { $0.trained?.pooledAccuracy.value })
            add("memorization_gap_points", members.map { $0.memorizationGap?.points })
            return SeedGroup(label: label, runs: members.count, metrics: metrics)
        }
    }

    static func pair(_ runA: (report: EvaluationReport, records: [AnswerRecord], directory: String), _ a: Int,
                     _ runB: (report: EvaluationReport, records: [AnswerRecord], directory: String), _ b: Int,
                     labels: (String, String), replicates: Int, seed: UInt64) throws -> Pair {
        var byKey: [String: AnswerRecord] = [:]
        for record in runB.records { byKey[record.row.key] = record }
        let matched = runA.records.compactMap { record in byKey[record.row.key].map { (record, $0) } }
        guard !matched.isEmpty else {
            throw ReportError(path: runB.directory, reason: "no question in common with \(runA.directory) (different data?)")
        }
        func compare(_ pairs: [(AnswerRecord, AnswerRecord)]) -> PairedComparison {
            var clusterIDs: [String: Int] = [:]
            let clusters = pairs.map { pair -> Int in
                let key = pair.0.row.factKey
                if let id = clusterIDs[key] { return id }
                clusterIDs[key] = clusterIDs.count
                return clusterIDs[key]!
            }
            return PairedComparison(nameA: labels.0, a: pairs.map { $0.0.verdict == .correct }, nameB: labels.1,
                                    b: pairs.map { $0.1.verdict == .correct }, clusters: clusters, replicates: replicates, seed: seed)
        }
        let heldOut = matched.filter { $0.0.heldOut == true }
        return Pair(a: a, b: b, shared: matched.count, all: compare(matched), heldOut: heldOut.isEmpty ? nil : compare(heldOut),
                    verdictAgreement: JudgeAgreement(nameA: labels.0, a: matched.map(\.0.verdict), nameB: labels.1,
                                                     b: matched.map(\.1.verdict)))
    }
}

extension RunComparison.Run {
    /// The label, numbered when several runs share it (`sft #2`).
    func name(in runs: [RunComparison.Run], at index: Int) -> String {
        let same = runs.indices.filter { runs[$0].label == label }
        return same.count > 1 ? "\(label) #\(same.firstIndex(of: index)! + 1)" : label
    }
}
