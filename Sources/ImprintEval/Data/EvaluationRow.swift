/// One question to answer and what a correct answer is: the reference `answer`, other accepted `aliases`, and
/// the `fact` it tests (what an LLM judge with seed 003's prompt reads).
///
/// `factID` groups the phrasings of one fact (the held-out metric counts, per fact, how many held-out
/// phrasings were answered; bootstraps resample facts); `phrasingID` names the phrasing (`question`,
/// `rephrased_1` ... `rephrased_6` in seed 003); `category` is a free label reported per value.
///
/// JSONL shape (keys in snake case, the optional ones may be absent or null):
/// `{"question": "...", "answer": "...", "aliases": ["..."], "fact": "...", "fact_id": "f12", "phrasing_id":
/// "rephrased_3", "category": "earthquake"}`; a number as `fact_id` is read as its decimal text.
public struct EvaluationRow: Codable, Hashable, Sendable {
    public var question: String
    /// The reference answer.
    public var answer: String
    /// Other answers that count as correct (alias judges, F1 and contains take the best match).
    public var aliases: [String]
    public var fact: String?
    public var factID: String?
    public var phrasingID: String?
    public var category: String?
    /// Where the row came from: the 1-based line of a JSONL file or item of a JSON array (0 when built in code).
    public var line: Int

    public init(question: String, answer: String, aliases: [String] = [], fact: String? = nil, factID: String? = nil,
                phrasingID: String? = nil, category: String? = nil, line: Int = 0) {
        self.question = question
        self.answer = answer
        self.aliases = aliases
        self.fact = fact
        self.factID = factID
        self.phrasingID = phrasingID
        self.category = category
        self.line = line
    }

    /// What identifies the row across runs on the same data: fact, phrasing and question text (two runs are
    /// compared on the rows whose keys they share).
    public var key: String { "\(factID ?? "")\u{1F}\(phrasingID ?? "")\u{1F}\(question)" }

    /// The reference and the aliases, the reference first.
    public var acceptedAnswers: [String] { [answer] + aliases }

    enum CodingKeys: String, CodingKey {
        case question, answer, aliases, fact, category, line
        case factID = "fact_id", phrasingID = "phrasing_id"
    }
}
