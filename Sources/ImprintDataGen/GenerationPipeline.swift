import Foundation
import ImprintCore

/// One thing a pipeline asks a model about: a plotline, a story, an article, a fact.
public struct PipelineItem: Sendable, Hashable {
    /// The id that output rows carry (in the step's `keyColumn`), so a rerun skips the items already done.
    public var key: String
    public var fields: [String: String]

    public init(key: String, fields: [String: String]) {
        self.key = key
        self.fields = fields
    }
}

/// A row a step proposes, and the question the near-duplicate check compares (nil: no check).
public struct CandidateRow: Sendable {
    public var fields: [(String, JSONValue)]
    public var question: String?

    public init(fields: [(String, JSONValue)], question: String? = nil) {
        self.fields = fields
        self.question = question
    }
}

/// Why a proposed row (or a part of a response) was not kept.
public enum DropReason: String, Sendable, CaseIterable {
    case missingField = "missing-field"
    case contextNotInSource = "context-not-in-source"
    case answerNotInContext = "answer-not-in-context"
    case answerTooLong = "answer-too-long"
    case tooShort = "too-short"
    case duplicate = "duplicate"
    case nearDuplicateQuestion = "near-duplicate-question"
    case copiesQuestion = "rephrasing-copies-question"
}

/// A dropped row or part, with what it was.
public struct DroppedRow: Sendable {
    public var reason: DropReason
    public var detail: String

    public init(_ reason: DropReason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }
}

/// What a step made of one response.
public struct StepOutput: Sendable {
    public var rows: [CandidateRow]
    public var dropped: [DroppedRow]

    public init(rows: [CandidateRow], dropped: [DroppedRow] = []) {
        self.rows = rows
        self.dropped = dropped
    }
}

/// One step of data generation: its prompt and how a response becomes rows.
public protocol GenerationStep: Sendable {
    /// `stories`, `qa`, `facts`, `question`, `rephrase`.
    var name: String { get }
    /// The output column holding the item key.
    var keyColumn: String { get }
    /// The sampling the seeds used for this step.
    var defaultParameters: SamplingParameters { get }
    /// The user message for an item.
    func prompt(for item: PipelineItem) -> String
    /// The rows of a response, validated.
    ///
    /// - Throws: `ResponseProblem` when the response as a whole cannot be used (the pipeline retries once with the
    ///   reason).
    func process(_ response: String, item: PipelineItem) throws -> StepOutput
}

/// How far a run is.
public struct PipelineProgress: Sendable {
    public var done: Int
    public var total: Int
    public var kept: Int
    public var failed: Int
    public var elapsedSeconds: Double

    /// Seconds left at the rate so far, or nil before the first item.
    public var etaSeconds: Double? { done == 0 ? nil : elapsedSeconds / Double(done) * Double(total - done) }
}

/// What a run kept and dropped.
public struct PipelineSummary: Sendable, Hashable, CustomStringConvertible {
    public var step: String
    public var items = 0
    /// Items skipped because an earlier run finished them.
    public var resumed = 0
    public var keptRows = 0
    /// Dropped rows by reason (`DropReason` raw values).
    public var dropped: [String: Int] = [:]
    /// Items whose response could not be used even after the retry, by reason.
    public var failed: [String: Int] = [:]
    /// Items whose first response failed and whose retry succeeded.
    public var retried = 0

    public var description: String {
        var lines = ["\(step): \(items) items (\(resumed) already done), \(keptRows) rows kept, \(retried) retried"]
        for (reason, count) in dropped.sorted(by: { $0.key < $1.key }) { lines.append("  dropped \(reason): \(count)") }
        for (reason, count) in failed.sorted(by: { $0.key < $1.key }) { lines.append("  failed (\(reason)): \(count)") }
        return lines.joined(separator: "\n")
    }
}

/// Runs a `GenerationStep` over items with any `TextGenerator`: batches of prompts go to the generator (several
/// batches at once with `concurrency` > 1), each response is parsed and validated, an unusable one is retried once
/// with the problem fed back, near-duplicate questions are dropped, kept rows are appended to the output JSONL as
/// they come and everything dropped or failed goes with its reason to the rejects JSONL. A rerun with the same output
/// skips the items already there (and those whose rows were all dropped); failures are tried again.
public struct GenerationPipeline<Step: GenerationStep>: Sendable {
    public var step: Step
    public var generator: any TextGenerator
    public var parameters: SamplingParameters
    /// Prompts per `generate` call.
    public var batchSize: Int
    /// Calls in flight at once.
    public var concurrency: Int
    /// Questions at or above this Jaccard similarity to a kept one are dropped.
    public var nearDuplicateThreshold: Double

    public init(step: Step, generator: any TextGenerator, parameters: SamplingParameters? = nil, batchSize: Int = 8,
                concurrency: Int = 1, nearDuplicateThreshold: Double = 0.9) {
        precondition(batchSize >= 1 && concurrency >= 1, "GenerationPipeline: batchSize and concurrency must be at least 1")
        self.step = step
        self.generator = generator
        self.parameters = parameters ?? step.defaultParameters
        self.batchSize = batchSize
        self.concurrency = concurrency
        self.nearDuplicateThreshold = nearDuplicateThreshold
    }

    /// The rejects file beside an output file: `out.jsonl` → `out.rejected.jsonl`.
    public static func rejectsPath(for output: String) -> String {
        (output.hasSuffix(".jsonl") ? String(output.dropLast(6)) : output) + ".rejected.jsonl"
    }

    /// What became of one item.
    enum Outcome: Sendable {
        case processed(StepOutput, retried: Bool)
        case failed(reason: String, response: String)
    }

    struct BatchResult: Sendable {
        var items: [PipelineItem]
        var outcomes: [Outcome]
    }

    /// Runs the step over `items`, appending to `output` (and its rejects file).
    ///
    /// - Throws: `DataFileError` when a file cannot be read or written; the generator's errors (what was done so far
    ///   stays in the files, and a rerun resumes).
    public func run(items: [PipelineItem], output: String, rejects: String? = nil,
                    progress: (@Sendable (PipelineProgress) -> Void)? = nil) async throws -> PipelineSummary {
        let rejectsPath = rejects ?? Self.rejectsPath(for: output)
        var summary = PipelineSummary(step: step.name)
        summary.items = items.count
        var done: Set<String> = []
        var questions = NearDuplicateIndex(threshold: nearDuplicateThreshold)
        for row in try AppendingJSONLFile.existingRows(path: output) {
            if let key = row.fields[step.keyColumn] as? String { done.insert(key) }
            if let question = row.fields["question"] as? String { questions.insert(question) }
        }
        for row in try AppendingJSONLFile.existingRows(path: rejectsPath)
        where (row.fields["retryable"] as? Bool) == false {
            if let key = row.fields[step.keyColumn] as? String { done.insert(key) }
        }
        let pending = items.filter { !done.contains($0.key) }
        summary.resumed = items.count - pending.count
        let outputFile = try AppendingJSONLFile(path: output)
        let rejectsFile = try AppendingJSONLFile(path: rejectsPath)

        let start = DispatchTime.now().uptimeNanoseconds
        var finished = 0
        func commit(_ result: BatchResult) throws {
            for (item, outcome) in zip(result.items, result.outcomes) {
                switch outcome {
                case .processed(let stepOutput, let retried):
                    if retried { summary.retried += 1 }
                    var dropped = stepOutput.dropped
                    var keptAny = false
                    for row in stepOutput.rows {
                        if let question = row.question, let earlier = questions.match(question) {
                            dropped.append(DroppedRow(.nearDuplicateQuestion, "\(question) ~ \(earlier)"))
                            continue
                        }
                        if let question = row.question { questions.insert(question) }
                        try outputFile.append(.object(row.fields))
                        summary.keptRows += 1
                        keptAny = true
                    }
                    for drop in dropped {
                        summary.dropped[drop.reason.rawValue, default: 0] += 1
                        try rejectsFile.append(.object([(step.keyColumn, .string(item.key)), ("step", .string(step.name)),
                                                        ("reason", .string(drop.reason.rawValue)),
                                                        ("detail", .string(drop.detail)), ("retryable", .bool(false))]))
                    }
                    if !keptAny && dropped.isEmpty {
                        try rejectsFile.append(.object([(step.keyColumn, .string(item.key)), ("step", .string(step.name)),
                                                        ("reason", .string("no-rows")), ("detail", .string("")),
                                                        ("retryable", .bool(false))]))
                    }
                case .failed(let reason, let response):
                    summary.failed[reason, default: 0] += 1
                    try rejectsFile.append(.object([(step.keyColumn, .string(item.key)), ("step", .string(step.name)),
                                                    ("reason", .string("unusable-response")), ("detail", .string(reason)),
                                                    ("response", .string(response)), ("retryable", .bool(true))]))
                }
                finished += 1
            }
            progress?(PipelineProgress(done: finished, total: pending.count, kept: summary.keptRows,
                                       failed: summary.failed.values.reduce(0, +),
                                       elapsedSeconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
        }

        let batches = stride(from: 0, to: pending.count, by: batchSize).map {
            Array(pending[$0..<min(pending.count, $0 + batchSize)])
        }
        if concurrency == 1 {
            for batch in batches { try commit(try await process(batch)) }
        } else {
            try await withThrowingTaskGroup(of: BatchResult.self) { group in
                var next = 0
                while next < batches.count && next < concurrency {
                    let batch = batches[next]
                    group.addTask { try await self.process(batch) }
                    next += 1
                }
                while let result = try await group.next() {
                    try commit(result)
                    if next < batches.count {
                        let batch = batches[next]
                        group.addTask { try await self.process(batch) }
                        next += 1
                    }
                }
            }
        }
        return summary
    }

    /// One batch: the first responses, then one retry of those that could not be used, with the problem fed back.
    func process(_ items: [PipelineItem]) async throws -> BatchResult {
        let prompts = items.map { step.prompt(for: $0) }
        let first = try await generator.generate(prompts.map { .messages([ChatMessage(role: "user", content: $0)]) },
                                                 parameters: parameters)
        var outcomes: [Outcome?] = Array(repeating: nil, count: items.count)
        var retries: [(index: Int, problem: String, response: String)] = []
        for (index, completion) in first.enumerated() {
            do {
                outcomes[index] = .processed(try step.process(completion.text, item: items[index]), retried: false)
            } catch let problem as ResponseProblem {
                retries.append((index, problem.reason, completion.text))
            }
        }
        if !retries.isEmpty {
            let conversations: [GenerationPrompt] = retries.map { retry in
                .messages([ChatMessage(role: "user", content: prompts[retry.index]),
                           ChatMessage(role: "assistant", content: retry.response),
                           ChatMessage(role: "user", content: GenerationPrompts.retry(problem: retry.problem))])
            }
            let second = try await generator.generate(conversations, parameters: parameters)
            for (retry, completion) in zip(retries, second) {
                do {
                    outcomes[retry.index] = .processed(try step.process(completion.text, item: items[retry.index]), retried: true)
                } catch let problem as ResponseProblem {
                    outcomes[retry.index] = .failed(reason: problem.reason, response: completion.text)
                }
            }
        }
        return BatchResult(items: items, outcomes: outcomes.map { $0! })
    }
}
