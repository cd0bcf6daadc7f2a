import Foundation
import ImprintCore
import ImprintRewards

/// Asks a model under test every question, has a judge decide each answer, and computes the metrics.
///
/// ```swift
/// let model = try LocalTextGenerator(path: "SmolLM2-135M-Instruct.Q4_1.gguf")
/// let dataset = try EvaluationDataset(path: "facts.jsonl")
/// let evaluator = Evaluator(generator: model, judge: MatchJudge(.tokenF1(threshold: 0.5)))
/// let run = try await evaluator.evaluate(dataset.rows)
/// run.metrics.heldOut?.allCorrect.value     // facts whose held-out phrasings were all answered
/// try EvaluationReport(run: run, dataset: dataset).write(to: URL(fileURLWithPath: "eval"))
/// ```
///
/// Questions go to the model in batches of `configuration.batchSize` (greedy by default), shortest prompts first (in
/// the model's tokens where the generator can count them), so that a batch's prompts are padded to similar lengths (a
/// local model prefills every prompt to its group's longest); records come back in the rows' order. Each batch's answers are judged before the next batch
/// is asked, so progress and the judge cache advance together. Answers of a local model do not depend on the batch
/// a question is in (`LocalTextGenerator` is batch-invariant), so neither the order nor evaluating a subset changes
/// a greedy answer.
public struct Evaluator: Sendable {
    /// The model under test.
    public var generator: any TextGenerator
    public var judge: any Judge
    public var configuration: EvaluationConfiguration

    public init(generator: any TextGenerator, judge: any Judge, configuration: EvaluationConfiguration = EvaluationConfiguration()) {
        self.generator = generator
        self.judge = judge
        self.configuration = configuration
    }

    /// What an evaluation reports while it runs.
    public enum Progress: Sendable {
        /// `done` of `total` questions answered and judged.
        case answered(done: Int, total: Int)
    }

    /// Answers and judges every row.
    ///
    /// - Throws: `EvaluationConfigurationError`; the generator's errors (a prompt too long for the model, a server
    ///   that cannot be reached); the judge's (`LLMJudgeError`); `CancellationError`.
    public func evaluate(_ rows: [EvaluationRow], onProgress: (Progress) -> Void = { _ in }) async throws -> EvaluationRun {
        try configuration.validate()
        let heldOut = Set(configuration.heldOutPhrasings)
        var records: [AnswerRecord] = []
        records.reserveCapacity(rows.count)
        var answeringSeconds = 0.0, judgingSeconds = 0.0
        for indices in batches(rows) {
            try Task.checkCancellation()
            let batch = indices.map { rows[$0] }
            var clock = Date()
            let completions = try await generator.generate(batch.map { configuration.answerPrompt.prompt(for: $0.question) },
                                                           parameters: configuration.sampling)
            guard completions.count == batch.count else {
                throw EvaluationError.wrongCompletionCount(generator: generator.identity, expected: batch.count, got: completions.count)
            }
            answeringSeconds += Date().timeIntervalSince(clock)
            clock = Date()
            let judgments = try await judge.judge(zip(batch, completions).map { JudgeItem(row: $0, answer: $1.text) })
            guard judgments.count == batch.count else {
                throw EvaluationError.wrongJudgmentCount(judge: judge.identity, expected: batch.count, got: judgments.count)
            }
            judgingSeconds += Date().timeIntervalSince(clock)
            for (offset, index) in indices.enumerated() {
                let row = rows[index]
                records.append(AnswerRecord(index: index, row: row, heldOut: row.phrasingID.map(heldOut.contains),
                                            completion: completions[offset], judgment: judgments[offset]))
            }
            onProgress(.answered(done: records.count, total: rows.count))
        }
        records.sort { $0.index < $1.index }
        let clock = Date()
        let metrics = EvaluationMetrics(records: records, configuration: configuration)
        return EvaluationRun(model: generator.identity, judge: judge.identity, configuration: configuration, records: records,
                             metrics: metrics,
                             timing: EvaluationRun.Timing(answering: answeringSeconds, judging: judgingSeconds,
                                                          statistics: Date().timeIntervalSince(clock)))
    }

    /// The rows' indices in batches of `configuration.batchSize`, shortest prompt first (ties in row order): by the
    /// generator's token count where it has one (a local model), else by the question's UTF-8 length. (Batches of 128
    /// of the evaluation benchmark's 600 questions by text length padded their prefill groups 7.4%; by tokens, 2.0%.)
    func batches(_ rows: [EvaluationRow]) -> [[Int]] {
        let lengths = rows.map { generator.promptTokenCount(configuration.answerPrompt.prompt(for: $0.question)) ?? $0.question.utf8.count }
        let order = rows.indices.sorted { (lengths[$0], $0) < (lengths[$1], $1) }
        return stride(from: 0, to: order.count, by: configuration.batchSize).map {
            Array(order[$0..<min($0 + configuration.batchSize, order.count)])
        }
    }

    /// Asks for every row's text (`question` the prompt, `answer` the original) and measures how closely the model
    /// recites it: difflib's `SequenceMatcher(None, recitation, original).ratio()`, the measure of seed 000's
    /// reward and of the SFT story example. No judge is involved.
    public func recite(_ rows: [EvaluationRow], onProgress: (Progress) -> Void = { _ in }) async throws -> RecitationRun {
        try configuration.validate()
        var records: [RecitationRecord] = []
        let clock = Date()
        for indices in batches(rows) {
            try Task.checkCancellation()
            let batch = indices.map { rows[$0] }
            let completions = try await generator.generate(batch.map { configuration.answerPrompt.prompt(for: $0.question) },
                                                           parameters: configuration.sampling)
            guard completions.count == batch.count else {
                throw EvaluationError.wrongCompletionCount(generator: generator.identity, expected: batch.count, got: completions.count)
            }
            for (index, (row, completion)) in zip(indices, zip(batch, completions)) {
                records.append(RecitationRecord(index: index, line: row.line, question: row.question, original: row.answer,
                                                recitation: completion.text, finishReason: completion.finishReason,
                                                ratio: SequenceMatcher(completion.text, row.answer).ratio()))
            }
            onProgress(.answered(done: records.count, total: rows.count))
        }
        records.sort { $0.index < $1.index }
        return RecitationRun(model: generator.identity, configuration: configuration, records: records,
                             metrics: RecitationMetrics(records: records, configuration: configuration),
                             seconds: Date().timeIntervalSince(clock))
    }
}

/// A finished QA evaluation: who answered and judged, how, every record, and the metrics.
public struct EvaluationRun: Codable, Hashable, Sendable {
    /// The model under test (`TextGenerator.identity`).
    public var model: String
    /// The judge (`Judge.identity`).
    public var judge: String
    public var configuration: EvaluationConfiguration
    public var records: [AnswerRecord]
    public var metrics: EvaluationMetrics
    public var timing: Timing

    /// Seconds spent, by phase (wall clock; not part of any comparison).
    public struct Timing: Codable, Hashable, Sendable {
        public var answering: Double
        public var judging: Double
        public var statistics: Double
    }

    /// Verdicts that came from the judge cache.
    public var cacheHits: Int { records.filter(\.cacheHit).count }
}

/// A finished recitation evaluation.
public struct RecitationRun: Codable, Hashable, Sendable {
    public var model: String
    public var configuration: EvaluationConfiguration
    public var records: [RecitationRecord]
    public var metrics: RecitationMetrics
    public var seconds: Double
}

/// An evaluation that cannot go on.
public enum EvaluationError: Error, CustomStringConvertible, Equatable, Sendable {
    case wrongCompletionCount(generator: String, expected: Int, got: Int)
    case wrongJudgmentCount(judge: String, expected: Int, got: Int)

    public var description: String {
        switch self {
        case .wrongCompletionCount(let generator, let expected, let got):
            return "the model \(generator) returned \(got) completions for \(expected) questions"
        case .wrongJudgmentCount(let judge, let expected, let got):
            return "the judge \(judge) returned \(got) judgments for \(expected) answers"
        }
    }
}
