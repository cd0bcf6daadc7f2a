import ImprintCore

/// How a question is put to the model under test: the question, then `suffix` verbatim, as one chat user message
/// (the chat template applied, as both seeds did) or as raw text.
///
/// Seed 000 asked `question + "Answer in 3 words or less."` — with no space before "Answer" (`full_eval.py`);
/// `.seedStory` reproduces that exactly. Seed 003 asked the phrasing alone (`.question`).
public struct AnswerPrompt: Codable, Hashable, Sendable {
    /// Appended to the question as it is (include a leading space if you want one).
    public var suffix: String
    /// A chat user message (true) or raw text (false).
    public var chat: Bool
    /// A system message before the question (chat only); nil leaves the template's default.
    public var system: String?

    public init(suffix: String = "", chat: Bool = true, system: String? = nil) {
        self.suffix = suffix
        self.chat = chat
        self.system = system
    }

    /// Seed 000: `question + "Answer in 3 words or less."`, no space in between, as a user message.
    public static let seedStory = AnswerPrompt(suffix: "Answer in 3 words or less.")
    /// Seed 003: the question alone, as a user message.
    public static let question = AnswerPrompt()

    /// The prompt for `question`.
    public func prompt(for question: String) -> GenerationPrompt {
        let text = question + suffix
        guard chat else { return .text(text) }
        return .messages((system.map { [ChatMessage.system($0)] } ?? []) + [.user(text)])
    }
}

/// Everything that decides an evaluation's numbers besides the model, the judge and the data; recorded in
/// `report.json`.
public struct EvaluationConfiguration: Codable, Hashable, Sendable {
    /// How questions are asked.
    public var answerPrompt: AnswerPrompt = .question
    /// How answers are generated: greedy and at most 32 new tokens by default (short answers; seed 000 allowed
    /// 50, seed 003 350 for sentence answers). With a temperature, set `seed` for reproducible samples.
    public var sampling: SamplingParameters = .greedy(maxTokens: 32)
    /// Questions per call to the model under test (and per judging round). A local model decodes them in groups of
    /// `BLAS.smallBatchRows` (64) rows, the call's shared prefix prefilled once; the answers do not depend on it.
    public var batchSize: Int = 128
    /// The phrasings held out of training (seed 003: `rephrased_3`, `rephrased_6`); the others are trained.
    public var heldOutPhrasings: [String] = ["rephrased_3", "rephrased_6"]
    /// Bootstrap replicates of every interval that resamples facts.
    public var bootstrapReplicates: Int = 2000
    /// Seed of those bootstraps (the same seed gives the same intervals).
    public var bootstrapSeed: UInt64 = 0
    /// Confidence level of every interval.
    public var confidence: Double = 0.95

    public init() {}

    /// Checks the values an evaluation cannot run with.
    /// - Throws: `EvaluationConfigurationError` naming the field.
    public func validate() throws {
        func require(_ condition: Bool, _ field: String, _ expected: String) throws {
            if !condition { throw EvaluationConfigurationError(field: field, expected: expected) }
        }
        try require(batchSize > 0, "batchSize", "positive")
        try require(bootstrapReplicates > 0, "bootstrapReplicates", "positive")
        try require(confidence > 0 && confidence < 1, "confidence", "in (0, 1)")
        do { try sampling.validate() } catch let error as InvalidSamplingParameter {
            throw EvaluationConfigurationError(field: "sampling.\(error.parameter.rawValue)", expected: "a value \(error.parameter.range)")
        }
    }

    enum CodingKeys: String, CodingKey {
        case answerPrompt = "answer_prompt", sampling, batchSize = "batch_size", heldOutPhrasings = "heldout_phrasings"
        case bootstrapReplicates = "bootstrap_replicates", bootstrapSeed = "bootstrap_seed", confidence
    }
}

/// A configuration value an evaluation cannot run with.
public struct EvaluationConfigurationError: Error, CustomStringConvertible, Equatable, Sendable {
    public var field: String
    public var expected: String

    public var description: String { "evaluation configuration: '\(field)' must be \(expected)" }
}
