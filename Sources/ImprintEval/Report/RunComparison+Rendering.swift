import Foundation

/// The combined report of `imprint eval compare`: `compare.json`, `compare.md`, `compare.html` and its charts.
extension RunComparison {
    public enum FileName {
        public static let report = "compare.json"
        public static let markdown = "compare.md"
        public static let html = "compare.html"
        public static let heldOutChart = "heldout.svg"
        public static let accuracyChart = "accuracy.svg"
        public static let phrasingChart = "phrasings.svg"
    }

    /// The runs' names as the tables and charts show them (labels, numbered when repeated).
    var names: [String] { runs.indices.map { runs[$0].name(in: runs, at: $0) } }

    /// The charts: accuracy per run, held-out both/one/none per run, accuracy per phrasing per run.
    func charts() -> [(file: String, title: String, svg: String)] {
        var charts: [(file: String, title: String, svg: String)] = []
        let names = self.names
        charts.append((FileName.accuracyChart, "Accuracy per run",
                       BarChart(title: "Accuracy (all answers)", categories: names,
                                series: [.init(name: "accuracy", values: runs.map(\.accuracy.value), intervals: runs.map(\.accuracy.interval))],
                                yLabel: "accuracy (95% Wilson)", yRange: 0...1).svg()))
        let withHeldOut = runs.indices.filter { runs[$0].heldOut != nil }
        if let first = withHeldOut.first.flatMap({ runs[$0].heldOut }) {
            let bucketNames = EvaluationReport.bucketNames(phrasingCount: first.phrasings.count)
            let series = withHeldOut.map { index -> BarChart.Series in
                let buckets = EvaluationReport.buckets(runs[index].heldOut!)
                return .init(name: names[index], values: buckets.map(\.estimate.value), intervals: buckets.map(\.estimate.interval))
            }
            charts.append((FileName.heldOutChart, "Facts by held-out phrasings answered",
                           BarChart(title: "Facts by held-out phrasings answered (\(first.phrasings.joined(separator: ", ")))",
                                    categories: bucketNames, series: series, yLabel: "share of facts (95% Wilson)", yRange: 0...1).svg()))
        }
        var phrasingNames: [String] = []
        for run in runs { for phrasing in run.phrasings where !phrasingNames.contains(phrasing.name) { phrasingNames.append(phrasing.name) } }
        phrasingNames.sort(by: EvaluationMetrics.phrasingOrder)
        if !phrasingNames.isEmpty {
            let series = runs.indices.map { index -> BarChart.Series in
                let byName = Dictionary(uniqueKeysWithValues: runs[index].phrasings.map { ($0.name, $0) })
                return .init(name: names[index], values: phrasingNames.map { byName[$0]?.accuracy.value ?? .nan },
                             intervals: phrasingNames.map { byName[$0]?.accuracy.interval })
            }
            charts.append((FileName.phrasingChart, "Accuracy per phrasing",
                           BarChart(title: "Accuracy per phrasing", categories: phrasingNames, series: series,
                                    yLabel: "accuracy (95% Wilson)", yRange: 0...1).svg()))
        }
        return charts
    }

    func sections() -> [(heading: String, text: [String], header: [String], rows: [[String]])] {
        var sections: [(heading: String, text: [String], header: [String], rows: [[String]])] = []
        let names = self.names
        sections.append(("Runs", ["Accuracy with its Wilson interval; held-out shares per fact; the gap is trained − held-out pooled accuracy in points."],
                         ["run", "model", "judge", "answers", "accuracy", "unparseable", "held-out both/all", "one/some", "none", "gap (points)", "folder"],
                         runs.indices.map { index in
                             let run = runs[index]
                             return [names[index], run.model, run.judge, "\(run.answers)", EvaluationReport.percentWithInterval(run.accuracy),
                                     "\(run.unparseable)", run.heldOut.map { EvaluationReport.percentWithInterval($0.allCorrect) } ?? "",
                                     run.heldOut.map { EvaluationReport.percentWithInterval($0.someCorrect) } ?? "",
                                     run.heldOut.map { EvaluationReport.percentWithInterval($0.noneCorrect) } ?? "",
                                     run.memorizationGap.map { ReportFormat.signedPoints($0.points) + " [\(ReportFormat.points($0.interval.lower)), \(ReportFormat.points($0.interval.upper))]" } ?? "",
                                     run.directory]
                         }))
        if !comparisons.isEmpty {
            var rows: [[String]] = []
            for pair in comparisons {
                rows.append(["all", "\(pair.shared)", pair.all.summary, "\(pair.all.onlyA)", "\(pair.all.onlyB)",
                             ReportFormat.fixed(pair.verdictAgreement.kappa, decimals: 3)])
                if let heldOut = pair.heldOut {
                    rows.append(["held-out", "\(heldOut.count)", heldOut.summary, "\(heldOut.onlyA)", "\(heldOut.onlyB)", ""])
                }
            }
            sections.append(("Paired comparisons",
                             ["On the questions both runs answered (matched by fact, phrasing and question). The interval is a paired "
                              + "bootstrap resampling facts; p is McNemar's exact test on the questions exactly one run got right "
                              + "(only A / only B). κ: agreement of the two runs' verdicts."],
                             ["questions", "shared", "A − B", "only A", "only B", "κ"], rows))
        }
        for group in seedGroups {
            sections.append(("Across seeds: \(group.label)",
                             ["\(group.runs) runs share this label: mean and 95% Student t interval across them (the spread of training seeds, not of questions)."],
                             ["metric", "mean", "95% interval", "values"],
                             group.metrics.keys.sorted().map { name in
                                 let metric = group.metrics[name]!
                                 let isPoints = name.hasSuffix("_points")
                                 func show(_ value: Double) -> String { isPoints ? ReportFormat.points(value) : ReportFormat.percent(value) }
                                 return [name, show(metric.mean), "[\(show(metric.interval.lower)), \(show(metric.interval.upper))]",
                                         metric.values.map(show).joined(separator: ", ")]
                             }))
        }
        return sections
    }

    /// Writes `compare.json`, the charts, `compare.md` and `compare.html` into `directory`.
    ///
    /// - Throws: `ReportError` naming a file that cannot be written.
    @discardableResult
    public func write(to directory: URL) throws -> [URL] {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ReportError(path: directory.path, reason: "cannot create the report folder: \(error.localizedDescription)")
        }
        var written: [URL] = []
        func save(_ data: Data, _ name: String) throws {
            let url = directory.appendingPathComponent(name)
            do { try data.write(to: url, options: .atomic) } catch {
                throw ReportError(path: url.path, reason: "cannot write: \(error.localizedDescription)")
            }
            written.append(url)
        }
        try save(try EvaluationReport.encoder(pretty: true).encode(self) + Data("\n".utf8), FileName.report)
        let charts = charts()
        for chart in charts { try save(Data(chart.svg.utf8), chart.file) }
        var markdown = ["# Comparison of \(runs.count) runs", ""]
        for section in sections() {
            markdown += ["## \(section.heading)", ""]
            for paragraph in section.text { markdown += [paragraph, ""] }
            if !section.rows.isEmpty { markdown.append(ReportDocument.markdownTable(header: section.header, rows: section.rows)) }
        }
        markdown += ["## Charts", ""] + charts.map { "![\($0.file)](\($0.file))" } + [""]
        try save(Data(markdown.joined(separator: "\n").utf8), FileName.markdown)
        var html = sections().map { section -> (heading: String, html: String) in
            (section.heading, section.text.map { "<p>\(EvaluationReport.inlineHTML($0))</p>" }.joined(separator: "\n")
                + (section.rows.isEmpty ? "" : "\n" + ReportDocument.htmlTable(header: section.header, rows: section.rows)))
        }
        html.insert(contentsOf: charts.map { (heading: $0.title, html: "<figure>\n\($0.svg)\n</figure>") }, at: min(1, html.count))
        try save(Data(ReportDocument.htmlPage(title: "Comparison of \(runs.count) runs", sections: html).utf8), FileName.html)
        return written
    }
}
