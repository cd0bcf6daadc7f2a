import Foundation

/// `report.md`, `report.html` and the charts of a report.
extension EvaluationReport {
    /// The names of the all / some / none buckets: "both", "one", "none" for two phrasings (seed 003's words).
    static func bucketNames(phrasingCount: Int) -> [String] {
        phrasingCount == 2 ? ["both", "one", "none", "unparseable"] : ["all", "some", "none", "unparseable"]
    }

    static func buckets(_ group: PhrasingGroupMetrics) -> [(name: String, estimate: ProportionEstimate)] {
        Array(zip(bucketNames(phrasingCount: group.phrasings.count),
                  [group.allCorrect, group.someCorrect, group.noneCorrect, group.unparseable]))
            .map { (name: $0, estimate: $1) }
    }

    /// `41.2% [37.3, 45.2]`: a proportion and its interval, in percent.
    static func percentWithInterval(_ value: Double, _ interval: Interval) -> String {
        "\(ReportFormat.percent(value)) [\(ReportFormat.points(interval.lower * 100)), \(ReportFormat.points(interval.upper * 100))]"
    }

    static func percentWithInterval(_ estimate: ProportionEstimate) -> String {
        percentWithInterval(estimate.value, estimate.interval)
    }

    // MARK: - Charts

    /// The charts of a QA report: both/one/none per fact, accuracy per phrasing, learning curves.
    func qaCharts() -> [(file: String, title: String, svg: String)] {
        var charts: [(file: String, title: String, svg: String)] = []
        for (group, file, kind) in [(metrics?.heldOut, FileName.heldOutChart, "held-out"), (metrics?.trained, FileName.trainedChart, "trained")] {
            guard let group else { continue }
            let buckets = Self.buckets(group)
            let chart = BarChart(title: "Facts by \(kind) phrasings answered (\(group.phrasings.joined(separator: ", ")); \(group.facts) facts)",
                                 categories: buckets.map(\.name),
                                 series: [.init(name: label, values: buckets.map(\.estimate.value),
                                                intervals: buckets.map(\.estimate.interval))],
                                 yLabel: "share of facts (95% Wilson)", yRange: 0...1)
            charts.append((file, "Facts by \(kind) phrasings answered", chart.svg()))
        }
        if let phrasings = metrics?.phrasings, !phrasings.isEmpty {
            let chart = BarChart(title: "Accuracy per phrasing",
                                 categories: phrasings.map { $0.name + ($0.heldOut == true ? " (held out)" : "") },
                                 series: [.init(name: label, values: phrasings.map(\.accuracy.value),
                                                intervals: phrasings.map(\.accuracy.interval))],
                                 yLabel: "accuracy (95% Wilson)", yRange: 0...1)
            charts.append((FileName.phrasingChart, "Accuracy per phrasing", chart.svg()))
        }
        return charts + curveCharts()
    }

    /// The learning curves, when a trainer's metrics were given.
    func curveCharts() -> [(file: String, title: String, svg: String)] {
        guard let curves = learningCurves else { return [] }
        var charts: [(file: String, title: String, svg: String)] = []
        if !curves.evaluationProportions.isEmpty {
            charts.append((FileName.evaluationCurves, "Evaluation during training",
                           LearningCurves.chart(title: "Evaluation during training", curves.evaluationProportions,
                                                yLabel: "share", yRange: 0...1).svg()))
        }
        if !curves.training.isEmpty {
            charts.append((FileName.trainingCurves, "Training signal",
                           LearningCurves.chart(title: "Training signal", curves.training,
                                                yLabel: curves.training.map(\.name).joined(separator: ", ")).svg()))
        }
        return charts
    }

    // MARK: - Tables

    /// Every section of the report as (heading, table header, rows, prose) — the one content both documents show.
    func sections() -> [(heading: String, text: [String], header: [String], rows: [[String]])] {
        var sections: [(heading: String, text: [String], header: [String], rows: [[String]])] = []
        let sampling = configuration.sampling
        let prompt = configuration.answerPrompt
        sections.append(("Run", [], ["", ""], [
            ["label", label], ["task", task.rawValue], ["model", model], ["judge", judge ?? "none (recitation)"],
            ["data", "\(data.path) (\(data.source.rawValue), \(data.rows) rows)"],
            ["prompt", "question" + (prompt.suffix.isEmpty ? "" : " + \"\(prompt.suffix)\"") + (prompt.chat ? " as a chat user message" : " as raw text")],
            ["sampling", sampling.temperature == 0 ? "greedy, at most \(sampling.maxTokens) new tokens"
                : "temperature \(sampling.temperature), top-p \(sampling.topP), top-k \(sampling.topK), seed \(sampling.seed.map(String.init) ?? "none"), at most \(sampling.maxTokens) new tokens"],
            ["answers cut at the token limit", "\(truncatedAnswers)"],
            ["verdicts from the judge cache", "\(cacheHits) of \(data.rows)"],
            ["intervals", "\(ReportFormat.percent(configuration.confidence, decimals: 0)): Wilson for proportions; cluster bootstrap over facts "
                + "(\(configuration.bootstrapReplicates) replicates, seed \(configuration.bootstrapSeed)) for pooled metrics"],
            ["time", "answering \(ReportFormat.fixed(timing.answering, decimals: 1)) s, judging \(ReportFormat.fixed(timing.judging, decimals: 1)) s"],
        ]))
        if let metrics {
            var text = ["Accuracy: **\(Self.percentWithInterval(metrics.accuracy))** over \(metrics.counts.total) answers "
                        + "(Wilson; an unparseable verdict counts as not correct)."]
            if let interval = metrics.accuracyClusterInterval {
                text.append("Cluster bootstrap over \(metrics.facts) facts: \(Self.percentWithInterval(metrics.accuracy.value, interval)) — quote this one: phrasings of a fact are not independent.")
            }
            text.append("Among the \(metrics.judgedAccuracy.trials) answers the judge decided: \(Self.percentWithInterval(metrics.judgedAccuracy)).")
            let counts = metrics.counts
            sections.append(("Answers", text, ["verdict", "answers", "share"], [
                ["correct", "\(counts.correct)", ReportFormat.percent(Double(counts.correct) / Double(max(counts.total, 1)))],
                ["incorrect", "\(counts.incorrect)", ReportFormat.percent(Double(counts.incorrect) / Double(max(counts.total, 1)))],
                ["unparseable", "\(counts.unparseable)", ReportFormat.percent(Double(counts.unparseable) / Double(max(counts.total, 1)))],
            ]))
            for (group, kind) in [(metrics.heldOut, "Held-out"), (metrics.trained, "Trained")] {
                guard let group else { continue }
                var text = ["\(group.facts) facts, phrasings \(group.phrasings.joined(separator: ", ")). Per fact: how many of its "
                            + "\(kind.lowercased()) phrasings were answered correctly (a fact with an unparseable verdict is counted apart)."]
                if group.incompleteFacts > 0 {
                    text.append("\(group.incompleteFacts) facts lack some of these phrasings; they are bucketed over the phrasings they have.")
                }
                text.append("Pooled accuracy over the \(group.counts.total) answers: **\(Self.percentWithInterval(group.pooledAccuracy.value, group.pooledInterval))** (cluster bootstrap over facts).")
                sections.append(("\(kind) phrasings", text, ["per fact", "facts", "share", "95% interval"],
                                 Self.buckets(group).map { bucket in
                                     [bucket.name, "\(bucket.estimate.successes)", ReportFormat.percent(bucket.estimate.value),
                                      "[\(ReportFormat.points(bucket.estimate.interval.lower * 100)), \(ReportFormat.points(bucket.estimate.interval.upper * 100))]"]
                                 }))
            }
            if let gap = metrics.memorizationGap {
                sections.append(("Memorization gap",
                                 ["Trained − held-out pooled accuracy = **\(ReportFormat.signedPoints(gap.points)) points** "
                                  + "[\(ReportFormat.points(gap.interval.lower)), \(ReportFormat.points(gap.interval.upper))] over \(gap.facts) facts "
                                  + "(cluster bootstrap). Large: the model answers the phrasings it was trained on, not the fact."],
                                 [], []))
            }
            for (groups, heading, column) in [(metrics.phrasings, "Accuracy per phrasing", "phrasing"), (metrics.categories, "Accuracy per category", "category")] where !groups.isEmpty {
                sections.append((heading, [], [column, "held out", "answers", "correct", "unparseable", "accuracy", "95% interval"],
                                 groups.map { group in
                                     [group.name, group.heldOut.map { $0 ? "yes" : "no" } ?? "", "\(group.counts.total)", "\(group.counts.correct)",
                                      "\(group.counts.unparseable)", ReportFormat.percent(group.accuracy.value),
                                      "[\(ReportFormat.points(group.accuracy.interval.lower * 100)), \(ReportFormat.points(group.accuracy.interval.upper * 100))]"]
                                 }))
            }
        }
        if let agreement = judgeAgreement {
            sections.append(("Judge agreement",
                             ["\(agreement.nameA) (rows) against \(agreement.nameB) (columns) on the same \(agreement.count) answers: "
                              + "observed agreement \(ReportFormat.percent(agreement.observedAgreement)), Cohen's κ "
                              + "**\(ReportFormat.fixed(agreement.kappa, decimals: 3))** (1: perfect, 0: chance)."],
                             [""] + Verdict.allCases.map(\.rawValue),
                             zip(Verdict.allCases, agreement.confusion).map { [$0.rawValue] + $1.map(String.init) }))
        }
        if let recitation {
            sections.append(("Recitation",
                             ["Mean difflib ratio of recitation vs original (`SequenceMatcher(None, recitation, original).ratio()`): "
                              + "**\(ReportFormat.fixed(recitation.meanRatio, decimals: 3))** [\(ReportFormat.fixed(recitation.interval.lower, decimals: 3)), "
                              + "\(ReportFormat.fixed(recitation.interval.upper, decimals: 3))] over \(recitation.count) texts (bootstrap over texts); "
                              + "\(recitation.truncated) cut at the token limit."], [], []))
        }
        if let curves = learningCurves {
            sections.append(("Learning curves", ["From \(curves.path): the last value of each curve."], ["metric", "points", "last step", "last value"],
                             curves.curves.filter { $0.name.hasPrefix("eval_") || $0.name == "loss" || $0.name == "reward" }.map { curve in
                                 [curve.name, "\(curve.values.count)", "\(curve.steps.last ?? 0)", ReportFormat.fixed(curve.values.last ?? .nan, decimals: 4)]
                             }))
        }
        sections.append(("Audit", [
            "Every number above is recomputed from `\(FileName.answers)`: one line per question with the question, reference, "
                + "answer, verdict, the judge's raw output (`judge_output`), whether it came from the cache (`cache_hit`), "
                + "and the fact and phrasing ids. Filter it by `verdict`, `phrasing_id` or `fact_id` to check a cell.",
        ], [], []))
        return sections
    }

    /// `report.md`.
    func markdown(charts: [String]) -> String {
        var lines = ["# Evaluation: \(label)", ""]
        for section in sections() {
            lines.append("## \(section.heading)")
            lines.append("")
            for paragraph in section.text { lines += [paragraph, ""] }
            if !section.rows.isEmpty {
                lines.append(ReportDocument.markdownTable(header: section.header, rows: section.rows))
            }
        }
        if !charts.isEmpty {
            lines.append("## Charts")
            lines.append("")
            lines += charts.map { "![\($0)](\($0))" }
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }

    /// `report.html`: the same sections, the charts inline (one self-contained file).
    func html(charts: [(file: String, title: String, svg: String)]) -> String {
        var sections = self.sections().map { section -> (heading: String, html: String) in
            let text = section.text.map { "<p>\(Self.inlineHTML($0))</p>" }.joined(separator: "\n")
            return (section.heading, text + (section.rows.isEmpty ? "" : "\n" + ReportDocument.htmlTable(header: section.header, rows: section.rows)))
        }
        let chartSections = charts.map { (heading: $0.title, html: "<figure>\n\($0.svg)\n</figure>") }
        // Charts right after the run's description and the answer counts.
        sections.insert(contentsOf: chartSections, at: min(2, sections.count))
        return ReportDocument.htmlPage(title: "Evaluation: \(label)", sections: sections)
    }

    /// Escaped text with Markdown's `**bold**` and `` `code` `` as HTML.
    static func inlineHTML(_ text: String) -> String {
        var result = ""
        var bold = false, code = false
        var rest = Substring(ReportDocument.escapeHTML(text))
        while let character = rest.first {
            if rest.hasPrefix("**") && !code {
                result += bold ? "</strong>" : "<strong>"
                bold.toggle()
                rest = rest.dropFirst(2)
            } else if character == "`" {
                result += code ? "</code>" : "<code>"
                code.toggle()
                rest = rest.dropFirst()
            } else {
                result.append(character)
                rest = rest.dropFirst()
            }
        }
        return result
    }
}

extension EvaluationMetrics {
    /// The headline in a few lines: accuracy, the held-out buckets, the memorization gap.
    ///
    /// `accuracy: 41.2% [37.3, 45.2] over 600 answers (3 unparseable)`,
    /// `held-out (300 facts): both 30.0% [25.1, 35.4], one 22.3% [...], none ..., unparseable ...`.
    public var summary: [String] {
        var lines = ["accuracy: \(EvaluationReport.percentWithInterval(accuracy)) over \(counts.total) answers "
                     + "(\(counts.unparseable) unparseable)"]
        if let heldOut {
            let buckets = EvaluationReport.buckets(heldOut).map { "\($0.name) \(EvaluationReport.percentWithInterval($0.estimate))" }
            lines.append("held-out (\(heldOut.facts) facts): " + buckets.joined(separator: ", "))
        }
        if let gap = memorizationGap {
            lines.append("memorization gap: \(ReportFormat.signedPoints(gap.points)) points "
                         + "[\(ReportFormat.points(gap.interval.lower)), \(ReportFormat.points(gap.interval.upper))]")
        }
        return lines
    }
}
