import ImprintCore

/// An LLM-as-judge reward (seed 003's GRPO reward): a `TextGenerator` reads each answer with a
/// prompt template, and its parsed verdict becomes the score.
///
/// For each sample: if the answer fails the validity gates it scores `scores.invalidAnswer`
/// without a judge call; otherwise the judge is prompted with `template` (fact, question, answer,
/// reference), its output parsed by `parser`, and the verdict mapped to `scores.correct` /
/// `scores.incorrect`, or `scores.unparseable` when no verdict is found. Judge calls go out in
/// batches of `batchSize` prompts, at most `maxConcurrentBatches` at a time; when a batch's call
/// throws (server down, timeout) or returns the wrong number of outputs, each of its samples
/// scores `scores.judgeFailure` — training goes on, nothing crashes. Cancellation is rethrown.
///
/// The defaults reproduce the seed: `JudgePromptTemplate.atomicFactGRPO`, gates of
/// `AnswerValidity.seed`, temperature 0.01 and 300 new tokens, every failure -1. The parser
/// default is `.robust` (use `.seedGRPO` for the seed's exact, echo-prone parsing).
///
/// ```swift
/// let judge = JudgeReward(judge: server)            // any TextGenerator, e.g. a vLLM server
/// // fact "The Silver Heron was Elara's ship.", question "What was Elara's ship?"
/// // "It was the Silver Heron."   judge: "...Final Verdict: 1"   ->  1
/// // "The Star Wanderer, I think" judge: "...Final Verdict: -1"  -> -1
/// // "Heron"                      (under 12 characters, not sent) -> -1
/// // judge server throws                                         -> -1 for its whole batch
/// ```
///
/// Logs `judge_output` (the raw judge text, `nil` when not judged) and `judge_outcome`
/// (`correct`, `incorrect`, `unparseable`, `invalid: <reason>` or `judge failure: <error>`).
/// Throws `RewardError.missingField` when the template needs a field a sample lacks.
public struct JudgeReward: Reward {
    /// The judge model or server.
    public var judge: any TextGenerator
    /// The prompt sent per answer.
    public var template: JudgePromptTemplate
    /// How verdicts are read from the judge's output.
    public var parser: VerdictParser
    /// The score of each outcome.
    public var scores: Scores
    /// Gates applied before judging.
    public var validity: AnswerValidity
    /// How the judge samples (seed: temperature 0.01, 300 tokens).
    public var sampling: SamplingParameters
    /// Prompts per judge call.
    public var batchSize: Int
    /// Judge calls in flight at once.
    public var maxConcurrentBatches: Int
    public var name: String

    /// The score of each judging outcome; the seed gives -1 to everything but a correct verdict.
    public struct Scores: Sendable, Hashable {
        /// The judge says the answer is correct.
        public var correct: Double
        /// The judge says the answer is incorrect.
        public var incorrect: Double
        /// The judge answered, but without a verdict the parser recognizes.
        public var unparseable: Double
        /// The answer failed a validity gate and was not judged.
        public var invalidAnswer: Double
        /// The judge call failed.
        public var judgeFailure: Double

        public init(correct: Double = 1, incorrect: Double = -1, unparseable: Double = -1, invalidAnswer: Double = -1,
                    judgeFailure: Double = -1) {
            self.correct = correct
            self.incorrect = incorrect
            self.unparseable = unparseable
            self.invalidAnswer = invalidAnswer
            self.judgeFailure = judgeFailure
        }

        /// Seed 003: +1 correct, -1 otherwise.
        public static let seed = Scores()
    }

    /// A judge reward; every default reproduces seed 003 except the parser (see the type).
    public init(judge: any TextGenerator, template: JudgePromptTemplate = .atomicFactGRPO,
                parser: VerdictParser = .robust, scores: Scores = .seed, validity: AnswerValidity = .seed,
                sampling: SamplingParameters = SamplingParameters(maxTokens: 300, temperature: 0.01),
                batchSize: Int = 16, maxConcurrentBatches: Int = 4, name: String = "judge") {
        precondition(batchSize > 0 && maxConcurrentBatches > 0,
                     "JudgeReward: batchSize \(batchSize) and maxConcurrentBatches \(maxConcurrentBatches) "
                     + "must be positive")
        self.judge = judge
        self.template = template
        self.parser = parser
        self.scores = scores
        self.validity = validity
        self.sampling = sampling
        self.batchSize = batchSize
        self.maxConcurrentBatches = maxConcurrentBatches
        self.name = name
    }

    public func score(_ batch: RewardBatch) async throws -> RewardOutput {
        var results = [Double?](repeating: nil, count: batch.count)
        var outputs = [RewardLogValue?](repeating: nil, count: batch.count)
        var outcomes = [RewardLogValue?](repeating: nil, count: batch.count)

        // Gate, then render the prompts of the valid answers.
        let needed = template.placeholders
        var pending: [(index: Int, prompt: GenerationPrompt)] = []
        for index in 0..<batch.count {
            let question = batch.question(at: index)
            if let reason = validity.check(batch.completions[index], question: question) {
                results[index] = scores.invalidAnswer
                outcomes[index] = .text("invalid: \(reason.rawValue)")
                continue
            }
            let sample = batch.samples[index]
            let fact = needed.contains(.fact) ? try batch.required(.fact, at: index, for: name) : sample.fact
            let reference = needed.contains(.reference)
                ? try batch.required(.reference, at: index, for: name) : sample.reference
            pending.append((index, template.render(fact: fact, question: question, answer: batch.completions[index],
                                                   reference: reference)))
        }

        // Judge in bounded concurrent batches (JudgeBatches, as evaluation judges).
        let batches = JudgeBatches(judge: judge, sampling: sampling, batchSize: batchSize,
                                   maxConcurrentBatches: maxConcurrentBatches)
        let judged = try await batches.outputs(for: pending.map(\.prompt))
        for ((index, _), result) in zip(pending, judged) {
            switch result {
            case .success(let text):
                outputs[index] = .text(text)
                switch parser.parse(text) {
                case .correct?:
                    results[index] = scores.correct
                    outcomes[index] = .text("correct")
                case .incorrect?:
                    results[index] = scores.incorrect
                    outcomes[index] = .text("incorrect")
                case nil:
                    results[index] = scores.unparseable
                    outcomes[index] = .text("unparseable")
                }
            case .failure(let failure):
                results[index] = scores.judgeFailure
                outcomes[index] = .text("judge failure: \(failure)")
            }
        }
        try Task.checkCancellation()
        return RewardOutput(results, columns: [RewardColumn(name: "judge_output", values: outputs),
                                               RewardColumn(name: "judge_outcome", values: outcomes)])
    }
}
