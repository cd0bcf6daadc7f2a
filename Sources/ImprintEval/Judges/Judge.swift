/// A judge's decision on one answer. `unparseable` (an LLM judge that stated no verdict the parser recognizes) is
/// its own bucket in every report: never counted as correct, never dropped.
public enum Verdict: String, Codable, Hashable, Sendable, CaseIterable {
    case correct, incorrect, unparseable
}

/// What a judge reads: the question, the reference answer and its aliases, the answer under test, and the fact
/// the question tests (seed 003's judge reads the fact, seed 000's the reference).
public struct JudgeItem: Hashable, Sendable {
    public var question: String
    public var reference: String
    public var aliases: [String]
    public var answer: String
    public var fact: String?

    public init(question: String, reference: String, aliases: [String] = [], answer: String, fact: String? = nil) {
        self.question = question
        self.reference = reference
        self.aliases = aliases
        self.answer = answer
        self.fact = fact
    }

    /// The item of an evaluation row answered with `answer`.
    public init(row: EvaluationRow, answer: String) {
        self.init(question: row.question, reference: row.answer, aliases: row.aliases, answer: answer, fact: row.fact)
    }
}

/// A judge's verdict and what it is based on: the raw output of an LLM judge, or a deterministic judge's
/// one-line reason (`"f1 0.67 >= 0.5 (reference)"`), and whether it came from the judge cache.
public struct Judgment: Codable, Hashable, Sendable {
    public var verdict: Verdict
    public var rawOutput: String
    public var cacheHit: Bool

    public init(verdict: Verdict, rawOutput: String, cacheHit: Bool = false) {
        self.verdict = verdict
        self.rawOutput = rawOutput
        self.cacheHit = cacheHit
    }
}

/// Decides whether answers are correct: (question, reference, aliases, answer, fact) → verdict + raw output.
///
/// Deterministic judges (`MatchJudge`) need no model; `LLMJudge` asks any `TextGenerator` with the seeds' prompts.
/// Both are batch-shaped: a judge gets all items at once and may batch its own calls.
public protocol Judge: Sendable {
    /// A stable, human-readable name: the rule (`f1>=0.5`), or the prompt and judge model. Reports print it;
    /// two judges with the same identity must judge alike.
    var identity: String { get }

    /// One judgment per item, in order.
    ///
    /// - Throws: a judge's failure (an LLM judge whose model cannot be asked); never for an answer it cannot
    ///   parse (that is `Verdict.unparseable`).
    func judge(_ items: [JudgeItem]) async throws -> [Judgment]
}
