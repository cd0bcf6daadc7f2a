/// One atomic fact to inject: a statement, the short answer its questions ask for, and the phrasings of its question.
///
/// Generated facts (`NovelFactGenerator`) and loaded ones (seed 003's `qa_pairs.json`, `Rephrased_QA.jsonl`) share
/// this type, so splits, SFT/GRPO writers, evaluation rows and the diversity report take either.
public struct Fact: Sendable, Hashable, Codable {
    /// A stable id (`f00001` for generated facts, `rg-00001` for seed 003's): the group of its phrasings in GRPO and
    /// the key of evaluation results.
    public var id: String
    /// The fact as one declarative sentence.
    public var statement: String
    /// The canonical answer (short for generated facts; seed 003's answers are full sentences).
    public var answer: String
    /// Other accepted spellings of the answer (never the canonical one, never another fact's answer to the same
    /// question).
    public var aliases: [String]
    /// The question first, then its rephrasings: `phrasings[k]` is the column `PhrasingID.all[k]`
    /// (`question`, `rephrased_1` … `rephrased_6`).
    public var phrasings: [String]
    /// The relation (`birthplace`, `founding_year`, …) of a generated fact; seed 003's news keyword.
    public var category: String
    /// Plausible wrong answers of the same kind (generated facts only; empty otherwise).
    public var distractors: [String]
    /// The entity the fact is about (generated facts only).
    public var subject: String?

    public init(id: String, statement: String, answer: String, aliases: [String] = [], phrasings: [String],
                category: String, distractors: [String] = [], subject: String? = nil) {
        precondition(!phrasings.isEmpty, "Fact \(id): a fact needs at least its question")
        self.id = id
        self.statement = statement
        self.answer = answer
        self.aliases = aliases
        self.phrasings = phrasings
        self.category = category
        self.distractors = distractors
        self.subject = subject
    }

    /// The original question (`phrasings[0]`).
    public var question: String { phrasings[0] }

    /// The phrasing in column `phrasing`, or nil when the fact has fewer phrasings.
    public func phrasing(_ phrasing: PhrasingID) -> String? {
        phrasing.index < phrasings.count ? phrasings[phrasing.index] : nil
    }
}

/// A column of seed 003's rephrasing table: `question` (index 0) or `rephrased_k` (index k, 1...6).
public struct PhrasingID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// 0 for the question, k for `rephrased_k`.
    public let index: Int

    public init(index: Int) {
        precondition(index >= 0, "PhrasingID: index must be non-negative, got \(index)")
        self.index = index
    }

    /// The column name, e.g. `"rephrased_3"`, or nil when `name` is no phrasing column.
    public init?(name: String) {
        if name == "question" { self.init(index: 0); return }
        guard name.hasPrefix("rephrased_"), let k = Int(name.dropFirst("rephrased_".count)), k >= 1 else { return nil }
        self.init(index: k)
    }

    /// `question`, `rephrased_1`, …
    public var name: String { index == 0 ? "question" : "rephrased_\(index)" }
    public var description: String { name }

    public static func < (lhs: PhrasingID, rhs: PhrasingID) -> Bool { lhs.index < rhs.index }

    public static let question = PhrasingID(index: 0)
    /// The seven columns of seed 003: the question and six rephrasings.
    public static let all = (0...6).map(PhrasingID.init(index:))
}
