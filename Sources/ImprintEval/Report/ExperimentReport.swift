import Foundation
import ImprintCharts

/// Several trained configurations ("arms": base, SFT variants, GRPO configurations) evaluated on the same facts, one
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
/// paired tests match (seed, fact) items, with an arm evaluated once (the base model) matched to every seed.
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
        /// The reference figure for the held-out all-correct rate, when given.
        public var reference: Double?
    }

    public var title: String
    public var referenceName: String
    /// Settings shown in the report, sorted by key.
    public var settings: [String: String]
    public var arms: [Arm]
    public var comparisons: [PairedComparison]

    /// - Parameters:
    ///   - runs: `(label, seed, records)` of each evaluation; runs sharing a label are seeds of one arm.
    ///   - pairs: `(A, B)` labels to test A − B on the held-out all-correct rate (pairs naming a missing arm are skipped).
    public init(title: String, runs: [(label: String, seed: Int, records: [AnswerRecord])], reference: [String: Double] = [:],
                referenceName: String = "reference", pairs: [(String, String)] = [], settings: [String: String] = [:],
                replicates: Int = 2000, seed: UInt64 = 0) {
        self.title = title
        self.referenceName = referenceName
        self.settings = settings
        var order: [String] = []
        var byLabel: [String: [(seed: Int, records: [AnswerRecord])]] = [:]
        for run in runs {
            if byLabel[run.label] == nil { order.append(run.label) }
            byLabel[run.label, default: []].append((run.seed, run.records))
        }
        arms = order.map { label in
            let seedRuns = byLabel[label]!
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
                       reference: reference[label])
        }
        let allSeeds = Set(runs.map(\.seed)).sorted()
        /// An arm's records with each fact id qualified by its seed; an arm run once stands for every seed.
        func items(_ label: String) -> [AnswerRecord] {
            let seedRuns = byLabel[label]!
            return seedRuns.count == 1 && allSeeds.count > 1
                ? allSeeds.flatMap { seed in Self.qualified(seedRuns[0].records, seed: seed) }
                : seedRuns.flatMap { Self.qualified($0.records, seed: $0.seed) }
        }
        comparisons = pairs.compactMap { a, b in
            guard byLabel[a] != nil, byLabel[b] != nil else { return nil }
            return PairedComparison(allHeldOutCorrect: a, items(a), b, items(b), replicates: replicates, seed: seed)
        }
    }

    private static func qualified(_ records: [AnswerRecord], seed: Int) -> [AnswerRecord] {
        records.map { record in
            var record = record
            record.factID = record.factID.map { "\(seed)/\($0)" }
            return record
        }
    }

    private func cell(_ estimate: ProportionEstimate?) -> String {
        guard let estimate else { return "—" }
        return "\(ReportFormat.percent(estimate.value)) [\(ReportFormat.percent(estimate.interval.lower)), "
            + "\(ReportFormat.percent(estimate.interval.upper))]"
    }

    private var table: (header: [String], rows: [[String]]) {
        let header = ["arm", "seeds", "held-out all correct", referenceName, "some", "none", "held-out answers", "trained answers",
                      "memorization gap (points)"]
        let rows = arms.map { arm in
            [arm.label, "\(arm.seeds.count)", cell(arm.heldOutAll), arm.reference.map { ReportFormat.percent($0, decimals: 2) } ?? "—",
             cell(arm.heldOutSome), cell(arm.heldOutNone), cell(arm.heldOutPooled), cell(arm.trainedPooled),
             arm.memorizationGap.map(ReportFormat.signedPoints) ?? "—"]
        }
        return (header, rows)
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
        var series = [BarChart.Series(name: "this run", values: arms.map(\.heldOutAll.value),
                                      intervals: arms.map { $0.heldOutAll.interval })]
        if arms.contains(where: { $0.reference != nil }) {
            series.append(.init(name: referenceName, values: arms.map { $0.reference ?? .nan }))
        }
        return BarChart(title: "Facts with every held-out phrasing answered correctly", categories: arms.map(\.label),
                        series: series, yLabel: "share of facts", yRange: 0...1)
    }

    public var markdown: String {
        let (header, rows) = table
        var text = "# \(title)\n\n" + ReportDocument.markdownTable(header: header, rows: rows)
        if !comparisons.isEmpty {
            let (header, rows) = comparisonTable
            text += "\n## Paired comparisons (held-out all correct, per fact)\n\n" + ReportDocument.markdownTable(header: header, rows: rows)
        }
        let (settingsHeader, settingsRows) = settingsTable
        text += "\n## Settings\n\n" + ReportDocument.markdownTable(header: settingsHeader, rows: settingsRows)
        return text
    }

    public var html: String {
        let (header, rows) = table
        var sections: [(heading: String, html: String)] = [("Held-out phrasings", ReportDocument.htmlTable(header: header, rows: rows)),
                                                           ("Chart", chart.svg())]
        if !comparisons.isEmpty {
            let (header, rows) = comparisonTable
            sections.append(("Paired comparisons (held-out all correct, per fact)", ReportDocument.htmlTable(header: header, rows: rows)))
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

    /// Writes `report.json`, `report.md`, `report.html` and `heldout-all.svg` into `directory` (created if needed).
    @discardableResult
    public func write(to directory: URL) throws -> [URL] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return try [("report.json", json), ("report.md", markdown), ("report.html", html), ("heldout-all.svg", chart.svg())].map {
            let url = directory.appendingPathComponent($0.0)
            try Data($0.1.utf8).write(to: url, options: .atomic)
            return url
        }
    }
}
