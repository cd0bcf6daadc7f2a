import Foundation
import ImprintCharts

/// Several trained configurations ("arms": base, SFT variants, GRPO configurations) evaluated on the same questions, one
/// row per arm with seeds pooled, a reference figure beside each (a published result), and paired tests between
/// chosen arms on the held-out all-correct rate — seed 003's table, made reproducible.
///
/// ```swift
/// let report = ExperimentReport(title: "Rephrasing experiment",
///                               runs: [("base", 0, baseRecords), ("five-phrasings", 1, fiveRecords), ...],
///                               reference: ["five-phrasings": 0.74], referenceName: "seed 003",
///                               pairs: [("five-phrasings", "question-x5")], settings: ["facts": "40"])
/// try report.write(to: URL(fileURLWithPath: "runs/rephrasing/report"))  // report.json/.md/.html, heldout-all.svg
/// ```
///
/// Pooling seeds: an arm's proportions count every (seed, fact) once (seeds of one arm answer the same facts, so the
/// Wilson intervals are those of `seeds × facts` trials, an honest width only when seeds vary more than facts do);
/// paired tests match (run, fact) items, the k-th seed of one arm with the k-th of the other, and an arm evaluated
/// once (the base model) with every seed of the other.
/// Without held-out phrasings (seed 000's story questions) the table shows QA accuracy and the paired tests compare
/// questions; recitations (`recitations:`) add the mean difflib ratio and paired differences in it.
/// Everything is a function of the answer records and the arguments: the same records give the same bytes.
public struct ExperimentReport: Codable, Hashable, Sendable {
    public struct Arm: Codable, Hashable, Sendable {
        public var label: String
        public var seeds: [Int]
        /// Facts with every held-out phrasing right ("both" for two), some, none.
        public var heldOutAll: ProportionEstimate
        public var heldOutSome: ProportionEstimate
        public var heldOutNone: ProportionEstimate
        /// Correct held-out answers / held-out answers.
        public var heldOutPooled: ProportionEstimate
        /// Correct trained-phrasing answers / trained-phrasing answers (nil when none was asked).
        public var trainedPooled: ProportionEstimate?
        /// Trained − held-out pooled accuracy, in points.
        public var memorizationGap: Double?
        /// The reference figure for the held-out all-correct rate (or, without held-out phrasings, the accuracy).
        public var reference: Double?
        /// Correct answers / all answers.
        public var accuracy: ProportionEstimate
        /// Mean recitation ratio with its bootstrap interval, when the arm was asked to recite.
        public var recitation: RecitationMetrics?
    }

    /// A − B in mean recitation ratio over the texts both recited (matched by question), bootstrap over texts.
    public struct RecitationDifference: Codable, Hashable, Sendable {
        public var nameA: String
        public var nameB: String
        public var count: Int
        public var meanA: Double
        public var meanB: Double
        public var difference: Double
        public var interval: Interval
    }

    public var title: String
    public var referenceName: String
    /// Settings shown in the report, sorted by key.
    public var settings: [String: String]
    public var arms: [Arm]
    /// Paired tests on the held-out all-correct rate per fact, or, when no run has held-out phrasings, on each question.
    public var comparisons: [PairedComparison]
    public var recitationComparisons: [RecitationDifference]
    /// Whether any run asked held-out phrasings (the phrasing columns are shown only then).
    public var hasHeldOut: Bool

    /// - Parameters:
    ///   - runs: `(label, seed, records)` of each evaluation; runs sharing a label are seeds of one arm.
    ///   - pairs: `(A, B)` labels to test A − B on the held-out all-correct rate (pairs naming a missing arm are skipped).
    public init(title: String, runs: [(label: String, seed: Int, records: [AnswerRecord])], reference: [String: Double] = [:],
                referenceName: String = "reference", pairs: [(String, String)] = [], settings: [String: String] = [:],
                recitations: [(label: String, records: [RecitationRecord])] = [], replicates: Int = 2000, seed: UInt64 = 0) {
        self.title = title
        self.referenceName = referenceName
        self.settings = settings
        var order: [String] = []
        for recitation in recitations where !runs.contains(where: { $0.label == recitation.label }) && !order.contains(recitation.label) {
            order.append(recitation.label)
        }
        let recitationByLabel = Dictionary(recitations.map { ($0.label, $0.records) }, uniquingKeysWith: { first, _ in first })
        var recitationConfiguration = EvaluationConfiguration()
        recitationConfiguration.bootstrapReplicates = replicates
        recitationConfiguration.bootstrapSeed = seed
        var byLabel: [String: [(seed: Int, records: [AnswerRecord])]] = [:]
        for run in runs {
            if byLabel[run.label] == nil { order.append(run.label) }
            byLabel[run.label, default: []].append((run.seed, run.records))
        }
        arms = order.map { label in
            let seedRuns = byLabel[label] ?? []
            var all = 0, some = 0, none = 0, facts = 0
            var heldOut = (correct: 0, total: 0), trained = (correct: 0, total: 0)
            for run in seedRuns {
                var perFact: [String: (correct: Int, total: Int)] = [:]
                for record in run.records {
                    let correct = record.verdict == .correct ? 1 : 0
                    if record.heldOut == true {
                        heldOut.correct += correct
                        heldOut.total += 1
                        if let fact = record.factID { perFact[fact, default: (0, 0)].correct += correct; perFact[fact]!.total += 1 }
                    } else if record.heldOut == false {
                        trained.correct += correct
                        trained.total += 1
                    }
                }
                for (_, counts) in perFact {
                    facts += 1
                    if counts.correct == counts.total { all += 1 } else if counts.correct > 0 { some += 1 } else { none += 1 }
                }
            }
            let heldOutPooled = ProportionEstimate(successes: heldOut.correct, trials: heldOut.total)
            let trainedPooled = trained.total > 0 ? ProportionEstimate(successes: trained.correct, trials: trained.total) : nil
            return Arm(label: label, seeds: seedRuns.map(\.seed),
                       heldOutAll: ProportionEstimate(successes: all, trials: facts),
                       heldOutSome: ProportionEstimate(successes: some, trials: facts),
                       heldOutNone: ProportionEstimate(successes: none, trials: facts),
                       heldOutPooled: heldOutPooled, trainedPooled: trainedPooled,
                       memorizationGap: trainedPooled.map { ($0.value - heldOutPooled.value) * 100 },
                       reference: reference[label],
                       accuracy: ProportionEstimate(successes: seedRuns.map { $0.records.filter { $0.verdict == .correct }.count }.reduce(0, +),
                                                    trials: seedRuns.map(\.records.count).reduce(0, +)),
                       recitation: recitationByLabel[label].map { RecitationMetrics(records: $0, configuration: recitationConfiguration) })
        }
        hasHeldOut = arms.contains { $0.heldOutAll.trials > 0 }
        /// The runs of two arms matched in order (the k-th seed of A with the k-th of B), each fact id qualified by k;
        /// an arm run once (the base model) is matched to every run of the other.
        func items(_ label: String, _ other: String) -> [AnswerRecord] {
            let seedRuns = byLabel[label]!, count = max(seedRuns.count, byLabel[other]!.count)
            return (0..<count).flatMap { k in
                Self.qualified(seedRuns.count == 1 ? seedRuns[0].records : seedRuns[min(k, seedRuns.count - 1)].records, run: k)
            }
        }
        let hasHeldOut = hasHeldOut
        comparisons = pairs.compactMap { a, b in
            guard byLabel[a] != nil, byLabel[b] != nil else { return nil }
            let (itemsA, itemsB) = (items(a, b), items(b, a))
            if hasHeldOut {
                return PairedComparison(allHeldOutCorrect: a, itemsA, b, itemsB, replicates: replicates, seed: seed)
            }
            let answersB = Dictionary(itemsB.map { ($0.factID.map { $0 + "/" } ?? "") + $0.row.key }.enumerated().map { ($1, $0) },
                                      uniquingKeysWith: { first, _ in first })
            let shared = itemsA.compactMap { record -> (Bool, Bool)? in
                guard let index = answersB[(record.factID.map { $0 + "/" } ?? "") + record.row.key] else { return nil }
                return (record.verdict == .correct, itemsB[index].verdict == .correct)
            }
            return PairedComparison(nameA: a, a: shared.map(\.0), nameB: b, b: shared.map(\.1), replicates: replicates, seed: seed)
        }
        recitationComparisons = pairs.compactMap { a, b in
            guard let recitedA = recitationByLabel[a], let recitedB = recitationByLabel[b] else { return nil }
            let ratiosB = Dictionary(recitedB.map { ($0.question, $0.ratio) }, uniquingKeysWith: { first, _ in first })
            let shared = recitedA.compactMap { record in ratiosB[record.question].map { (record.ratio, $0) } }
            let count = Double(max(shared.count, 1))
            let meanA = shared.map(\.0).reduce(0, +) / count, meanB = shared.map(\.1).reduce(0, +) / count
            return RecitationDifference(nameA: a, nameB: b, count: shared.count, meanA: meanA, meanB: meanB, difference: meanA - meanB,
                                        interval: Statistics.pairedBootstrap(a: shared.map(\.0), b: shared.map(\.1), clusters: nil,
                                                                             replicates: replicates, seed: seed))
        }
    }

    private static func qualified(_ records: [AnswerRecord], run: Int) -> [AnswerRecord] {
        records.map { record in
            var record = record
            record.factID = record.factID.map { "\(run)/\($0)" }
            return record
        }
    }

    private func cell(_ estimate: ProportionEstimate?) -> String {
        guard let estimate else { return "—" }
        return "\(ReportFormat.percent(estimate.value)) [\(ReportFormat.percent(estimate.interval.lower)), "
            + "\(ReportFormat.percent(estimate.interval.upper))]"
    }

    private var table: (header: [String], rows: [[String]]) {
        let hasRecitation = arms.contains { $0.recitation != nil }
        var header = ["arm", "seeds"]
        if hasRecitation { header.append("recitation ratio") }
        let hasReference = arms.contains { $0.reference != nil }
        header += hasHeldOut
            ? ["held-out all correct"] + (hasReference ? [referenceName] : [])
                + ["some", "none", "held-out answers", "trained answers", "memorization gap (points)"]
            : ["QA accuracy"] + (hasReference ? [referenceName] : [])
        let rows = arms.map { arm -> [String] in
            var row = [arm.label, "\(arm.seeds.count)"]
            if hasRecitation {
                row.append(arm.recitation.map {
                    "\(ReportFormat.fixed($0.meanRatio, decimals: 3)) [\(ReportFormat.fixed($0.interval.lower, decimals: 3)), "
                        + "\(ReportFormat.fixed($0.interval.upper, decimals: 3))]"
                } ?? "—")
            }
            let referenceCell = hasReference ? [arm.reference.map { ReportFormat.percent($0, decimals: 2) } ?? "—"] : []
            if hasHeldOut {
                row += [cell(arm.heldOutAll)] + referenceCell + [cell(arm.heldOutSome), cell(arm.heldOutNone), cell(arm.heldOutPooled),
                        cell(arm.trainedPooled), arm.memorizationGap.map(ReportFormat.signedPoints) ?? "—"]
            } else {
                row += [arm.accuracy.trials > 0 ? cell(arm.accuracy) : "—"] + referenceCell
            }
            return row
        }
        return (header, rows)
    }

    private var recitationTable: (header: [String], rows: [[String]]) {
        (["A − B", "texts", "A", "B", "difference in ratio"],
         recitationComparisons.map { comparison in
             ["\(comparison.nameA) − \(comparison.nameB)", "\(comparison.count)", ReportFormat.fixed(comparison.meanA, decimals: 3),
              ReportFormat.fixed(comparison.meanB, decimals: 3),
              "\(comparison.difference >= 0 ? "+" : "")\(ReportFormat.fixed(comparison.difference, decimals: 3)) "
                  + "[\(ReportFormat.fixed(comparison.interval.lower, decimals: 3)), \(ReportFormat.fixed(comparison.interval.upper, decimals: 3))]"]
         })
    }

    private var comparisonHeading: String {
        hasHeldOut ? "Paired comparisons (held-out all correct, per fact)" : "Paired comparisons (QA, per question)"
    }

    private var comparisonTable: (header: [String], rows: [[String]]) {
        (["A − B", "items", "A", "B", "difference (points)", "only A", "only B", "McNemar p"],
         comparisons.map { comparison in
             ["\(comparison.nameA) − \(comparison.nameB)", "\(comparison.count)", ReportFormat.percent(comparison.accuracyA),
              ReportFormat.percent(comparison.accuracyB),
              "\(ReportFormat.signedPoints(comparison.difference)) [\(ReportFormat.points(comparison.interval.lower)), "
                  + "\(ReportFormat.points(comparison.interval.upper))]",
              "\(comparison.onlyA)", "\(comparison.onlyB)", ReportFormat.pValue(comparison.pValue)]
         })
    }

    private var settingsTable: (header: [String], rows: [[String]]) {
        (["setting", "value"], settings.keys.sorted().map { [$0, settings[$0]!] })
    }

    /// The held-out all-correct rate per arm with Wilson intervals, and the reference figures beside.
    public var chart: BarChart {
        let shown = arms.map { hasHeldOut ? $0.heldOutAll : $0.accuracy }
        var series = [BarChart.Series(name: "this run", values: shown.map(\.value), intervals: shown.map(\.interval))]
        if arms.contains(where: { $0.reference != nil }) {
            series.append(.init(name: referenceName, values: arms.map { $0.reference ?? .nan }))
        }
        return BarChart(title: hasHeldOut ? "Facts with every held-out phrasing answered correctly" : "Questions answered correctly",
                        categories: arms.map(\.label), series: series, yLabel: hasHeldOut ? "share of facts" : "share of questions",
                        yRange: 0...1)
    }

    /// The mean recitation ratio per arm with bootstrap intervals (nil when no arm recited).
    public var recitationChart: BarChart? {
        guard arms.contains(where: { $0.recitation != nil }) else { return nil }
        return BarChart(title: "Recitation (difflib ratio against the original)", categories: arms.map(\.label),
                        series: [.init(name: "mean ratio", values: arms.map { $0.recitation?.meanRatio ?? .nan },
                                       intervals: arms.map { $0.recitation?.interval })],
                        yLabel: "ratio", yRange: 0...1)
    }

    public var markdown: String {
        let (header, rows) = table
        var text = "# \(title)\n\n" + ReportDocument.markdownTable(header: header, rows: rows)
        if !comparisons.isEmpty {
            let (header, rows) = comparisonTable
            text += "\n## \(comparisonHeading)\n\n" + ReportDocument.markdownTable(header: header, rows: rows)
        }
        if !recitationComparisons.isEmpty {
            let (header, rows) = recitationTable
            text += "\n## Paired comparisons (recitation, per text)\n\n" + ReportDocument.markdownTable(header: header, rows: rows)
        }
        let (settingsHeader, settingsRows) = settingsTable
        text += "\n## Settings\n\n" + ReportDocument.markdownTable(header: settingsHeader, rows: settingsRows)
        return text
    }

    public var html: String {
        let (header, rows) = table
        var sections: [(heading: String, html: String)] = [("Results", ReportDocument.htmlTable(header: header, rows: rows)),
                                                           ("Chart", chart.svg())]
        if let recitationChart { sections.append(("Recitation", recitationChart.svg())) }
        if !comparisons.isEmpty {
            let (header, rows) = comparisonTable
            sections.append((comparisonHeading, ReportDocument.htmlTable(header: header, rows: rows)))
        }
        if !recitationComparisons.isEmpty {
            let (header, rows) = recitationTable
            sections.append(("Paired comparisons (recitation, per text)", ReportDocument.htmlTable(header: header, rows: rows)))
        }
        let (settingsHeader, settingsRows) = settingsTable
        sections.append(("Settings", ReportDocument.htmlTable(header: settingsHeader, rows: settingsRows)))
        return ReportDocument.htmlPage(title: title, sections: sections)
    }

    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self) + "\n"
    }

    /// Writes `report.json`, `report.md`, `report.html`, `heldout-all.svg` (or `accuracy.svg`) and `recitation.svg` into `directory` (created if needed).
    @discardableResult
    public func write(to directory: URL) throws -> [URL] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var files = [("report.json", json), ("report.md", markdown), ("report.html", html),
                     (hasHeldOut ? "heldout-all.svg" : "accuracy.svg", chart.svg())]
        if let recitationChart { files.append(("recitation.svg", recitationChart.svg())) }
        return try files.map {
            let url = directory.appendingPathComponent($0.0)
            try Data($0.1.utf8).write(to: url, options: .atomic)
            return url
        }
    }
}
