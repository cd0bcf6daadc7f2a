import ImprintCore

/// One evaluated question: what was asked, what the model answered, and what the judge said — a line of
/// `answers.jsonl`, from which every number of a report can be recomputed and audited.
public struct AnswerRecord: Codable, Hashable, Sendable {
    /// The row's position in the evaluated rows (0-based).
    public var index: Int
    /// The row's line (JSONL) or item (JSON array) in the data file.
    public var line: Int
    public var question: String
    /// The reference answer.
    public var reference: String
    public var aliases: [String]
    public var fact: String?
    public var factID: String?
    public var phrasingID: String?
    public var category: String?
    /// Whether the phrasing is held out of training; nil for a row without a phrasing.
    public var heldOut: Bool?
    /// The model's answer.
    public var answer: String
    /// Why generation ended: `stop` or `length` (the answer was cut at `maxTokens`).
    public var finishReason: FinishReason
    public var completionTokens: Int
    public var verdict: Verdict
    /// The judge's raw output (an LLM judge's text, a deterministic judge's reason).
    public var judgeOutput: String
    /// Whether the verdict came from the judge cache.
    public var cacheHit: Bool

    public init(index: Int, row: EvaluationRow, heldOut: Bool?, completion: Completion, judgment: Judgment) {
        self.index = index
        line = row.line
        question = row.question
        reference = row.answer
        aliases = row.aliases
        fact = row.fact
        factID = row.factID
        phrasingID = row.phrasingID
        category = row.category
        self.heldOut = heldOut
        answer = completion.text
        finishReason = completion.finishReason
        completionTokens = completion.completionTokenCount
        verdict = judgment.verdict
        judgeOutput = judgment.rawOutput
        cacheHit = judgment.cacheHit
    }

    /// The row this record answers (its key pairs records of two runs).
    public var row: EvaluationRow {
        EvaluationRow(question: question, answer: reference, aliases: aliases, fact: fact, factID: factID,
                      phrasingID: phrasingID, category: category, line: line)
    }

    enum CodingKeys: String, CodingKey {
        case index, line, question, reference, aliases, fact, category, answer, verdict
        case factID = "fact_id", phrasingID = "phrasing_id", heldOut = "heldout", finishReason = "finish_reason"
        case completionTokens = "completion_tokens", judgeOutput = "judge_output", cacheHit = "cache_hit"
    }
}

/// One recited text and its similarity to the original: a line of `answers.jsonl` in a recitation run.
public struct RecitationRecord: Codable, Hashable, Sendable {
    public var index: Int
    public var line: Int
    /// The prompt asking for the text (e.g. seed 000's "I want you to tell me what you know about ...").
    public var question: String
    /// The original text.
    public var original: String
    /// What the model recited.
    public var recitation: String
    public var finishReason: FinishReason
    /// `difflib.SequenceMatcher(None, recitation, original).ratio()` (autojunk on, as Python's default).
    public var ratio: Double

    enum CodingKeys: String, CodingKey {
        case index, line, question, original, recitation, ratio
        case finishReason = "finish_reason"
    }
}
