import Foundation
import ImprintCore

/// Everything about one evaluation run that is not a per-answer row: who answered and judged, on what data,
/// how, and every metric — `report.json`. The rows are in `answers.jsonl` beside it.
///
/// ```swift
/// let run = try await evaluator.evaluate(dataset.rows)
/// let report = EvaluationReport(run: run, dataset: dataset, label: "sft-seed1")
/// try report.write(records: run.records, to: URL(fileURLWithPath: "eval/sft-seed1"))
/// // report.json, report.md, report.html, answers.jsonl, heldout.svg, phrasings.svg
/// ```
public struct EvaluationReport: Codable, Hashable, Sendable {
    /// What was measured.
    public enum Task: String, Codable, Sendable {
        case qa, recitation
    }

    /// The data file.
    public struct DataInfo: Codable, Hashable, Sendable {
        public var path: String
        public var source: EvaluationDataset.Source
        /// Rows evaluated (after any selection).
        public var rows: Int
    }

    /// Seconds by phase (wall clock).
    public struct Timing: Codable, Hashable, Sendable {
        public var answering: Double
        public var judging: Double
        public var statistics: Double
    }

    /// The report format (`imprint-eval/1`).
    public var format = "imprint-eval/1"
    /// The run's name in comparisons; runs with the same label are seeds of one configuration.
    public var label: String
    public var task: Task
    /// The model under test (`TextGenerator.identity`).
    public var model: String
    /// The judge (`Judge.identity`); nil for recitation.
    public var judge: String?
    public var data: DataInfo
    public var configuration: EvaluationConfiguration
    /// QA metrics; nil for recitation.
    public var metrics: EvaluationMetrics?
    /// Recitation metrics; nil for QA.
    public var recitation: RecitationMetrics?
    /// Verdicts that came from the judge cache.
    public var cacheHits: Int
    /// Answers cut at the token limit (`finish_reason` `length`).
    public var truncatedAnswers: Int
    public var timing: Timing
    /// Curves from a trainer's metrics file, when one was given.
    public var learningCurves: LearningCurves?
    /// The agreement of the run's judge with a second judge on the same answers, when one was asked.
    public var judgeAgreement: JudgeAgreement?

    /// The report of a QA run.
    public init(run: EvaluationRun, dataset: EvaluationDataset, label: String? = nil, learningCurves: LearningCurves? = nil) {
        self.label = label ?? run.model
        task = .qa
        model = run.model
        judge = run.judge
        data = DataInfo(path: dataset.path, source: dataset.source, rows: run.records.count)
        configuration = run.configuration
        metrics = run.metrics
        recitation = nil
        cacheHits = run.cacheHits
        truncatedAnswers = run.records.filter { $0.finishReason == .length }.count
        timing = Timing(answering: run.timing.answering, judging: run.timing.judging, statistics: run.timing.statistics)
        self.learningCurves = learningCurves
    }

    /// The report of a recitation run.
    public init(recitation run: RecitationRun, dataset: EvaluationDataset, label: String? = nil,
                learningCurves: LearningCurves? = nil) {
        self.label = label ?? run.model
        task = .recitation
        model = run.model
        judge = nil
        data = DataInfo(path: dataset.path, source: dataset.source, rows: run.records.count)
        configuration = run.configuration
        metrics = nil
        recitation = run.metrics
        cacheHits = 0
        truncatedAnswers = run.metrics.truncated
        timing = Timing(answering: run.seconds, judging: 0, statistics: 0)
        self.learningCurves = learningCurves
    }

    enum CodingKeys: String, CodingKey {
        case format, label, task, model, judge, data, configuration, metrics, recitation, timing
        case cacheHits = "cache_hits", truncatedAnswers = "truncated_answers", learningCurves = "learning_curves"
        case judgeAgreement = "judge_agreement"
    }

    // MARK: - Files

    /// The names of the files a report folder holds.
    public enum FileName {
        public static let report = "report.json"
        public static let markdown = "report.md"
        public static let html = "report.html"
        public static let answers = "answers.jsonl"
        public static let heldOutChart = "heldout.svg"
        public static let trainedChart = "trained.svg"
        public static let phrasingChart = "phrasings.svg"
        public static let evaluationCurves = "learning.svg"
        public static let trainingCurves = "training.svg"
    }

    /// JSON as every report file writes it: sorted keys, unescaped slashes, a non-finite number as a string.
    static func encoder(pretty: Bool) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }

    /// Writes a QA report folder: `report.json`, `answers.jsonl` (one `AnswerRecord` per line), the SVG charts,
    /// `report.md` and `report.html` (the charts inline). Every file is written whole, then renamed into place.
    ///
    /// - Returns: the files written.
    /// - Throws: `ReportError` naming a file that cannot be written.
    @discardableResult
    public func write(records: [AnswerRecord], to directory: URL) throws -> [URL] {
        try write(lines: records, charts: qaCharts(), to: directory)
    }

    /// Writes a recitation report folder (`answers.jsonl` holds `RecitationRecord`s).
    @discardableResult
    public func write(recitations: [RecitationRecord], to directory: URL) throws -> [URL] {
        try write(lines: recitations, charts: curveCharts(), to: directory)
    }

    private func write<Line: Encodable>(lines: [Line], charts: [(file: String, title: String, svg: String)],
                                        to directory: URL) throws -> [URL] {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ReportError(path: directory.path, reason: "cannot create the report folder: \(error.localizedDescription)")
        }
        var written: [URL] = []
        func save(_ data: Data, _ name: String) throws {
            let url = directory.appendingPathComponent(name)
            do {
                try data.write(to: url, options: .atomic)
            } catch {
                throw ReportError(path: url.path, reason: "cannot write: \(error.localizedDescription)")
            }
            written.append(url)
        }
        let lineEncoder = Self.encoder(pretty: false)
        var answers = Data()
        for line in lines {
            answers.append(try lineEncoder.encode(line))
            answers.append(UInt8(ascii: "\n"))
        }
        try save(answers, FileName.answers)
        try save(try Self.encoder(pretty: true).encode(self) + Data("\n".utf8), FileName.report)
        for chart in charts { try save(Data(chart.svg.utf8), chart.file) }
        try save(Data(markdown(charts: charts.map(\.file)).utf8), FileName.markdown)
        try save(Data(html(charts: charts).utf8), FileName.html)
        return written
    }

    /// Reads `report.json` of a report folder.
    ///
    /// - Throws: `ReportError` naming the file when it is missing or not a report.
    public static func load(from directory: URL) throws -> EvaluationReport {
        let url = directory.appendingPathComponent(FileName.report)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ReportError(path: url.path, reason: "no evaluation report here (run imprint eval with --output to this folder)")
        }
        do {
            return try decoder.decode(EvaluationReport.self, from: data)
        } catch {
            throw ReportError(path: url.path, reason: "not an imprint evaluation report: \(error)")
        }
    }

    /// Reads `answers.jsonl` of a QA report folder.
    ///
    /// - Throws: `ReportError` naming the file and line of a record that cannot be read.
    public static func loadAnswers(from directory: URL) throws -> [AnswerRecord] {
        try loadLines(from: directory, kind: "an answer record")
    }

    /// Reads `answers.jsonl` of a recitation report folder.
    ///
    /// - Throws: `ReportError` naming the file and line of a record that cannot be read.
    public static func loadRecitations(from directory: URL) throws -> [RecitationRecord] {
        try loadLines(from: directory, kind: "a recitation record")
    }

    private static func loadLines<Line: Decodable>(from directory: URL, kind: String) throws -> [Line] {
        let url = directory.appendingPathComponent(FileName.answers)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ReportError(path: url.path, reason: "cannot read the answers file")
        }
        let decoder = decoder
        return try data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated()
            .filter { !$0.element.isEmpty }.map { index, line in
            do {
                return try decoder.decode(Line.self, from: Data(line))
            } catch {
                throw ReportError(path: url.path + ":\(index + 1)", reason: "not \(kind): \(error)")
            }
        }
    }
}

/// A report file that cannot be read or written.
public struct ReportError: Error, CustomStringConvertible, Equatable, Sendable {
    public var path: String
    public var reason: String

    public var description: String { "\(path): \(reason)" }
}
