/// How hard a generated fact set is to learn without memorizing: how many relations and attributes per entity, how
/// alike the names are, how many facts share an answer, how many distractors each fact carries.
public struct FactDifficulty: Sendable, Hashable {
    /// The relations facts are drawn from (names from `Relation.all`; default: all 17, over five kinds of entity).
    public var relations: [String]
    /// Facts per subject entity (capped by the relations of its kind): more attributes per entity means more
    /// facts that share a subject and must not be confused.
    public var factsPerEntity: Int
    /// Wrong answers of the same kind stored with each fact (for multiple-choice evaluation and hard negatives).
    public var distractors: Int
    /// The chance that a new person shares a given name or a family name with an earlier one (never both).
    public var confusableNames: Double
    /// How many places and people the answers of place and person relations draw from; nil: one per four facts
    /// (at least 8). Smaller pools mean more facts share an answer, so the answer cannot be guessed from its rarity.
    public var answerPool: Int?

    public init(relations: [String] = Relation.all.map(\.name), factsPerEntity: Int = 3, distractors: Int = 3,
                confusableNames: Double = 0.3, answerPool: Int? = nil) {
        self.relations = relations
        self.factsPerEntity = factsPerEntity
        self.distractors = distractors
        self.confusableNames = confusableNames
        self.answerPool = answerPool
    }

    /// The default: every relation, three facts per entity, 30% confusable names, three distractors.
    public static let standard = FactDifficulty()
    /// People only, one fact each, distinct names: close to the one-relation sets that proved too easy.
    public static let easy = FactDifficulty(relations: ["birthplace", "birth_year", "profession", "mentor"],
                                            factsPerEntity: 1, distractors: 3, confusableNames: 0, answerPool: nil)
    /// Four facts per entity, most names confusable, a small shared answer pool, five distractors.
    public static let hard = FactDifficulty(factsPerEntity: 4, distractors: 5, confusableNames: 0.6, answerPool: 12)

    /// A preset by name (`easy`, `standard`, `hard`).
    public static func named(_ name: String) -> FactDifficulty? {
        ["easy": easy, "standard": standard, "hard": hard][name]
    }

    /// Why the settings cannot be used, or nil.
    public func problem() -> String? {
        if relations.isEmpty { return "no relations" }
        if let unknown = relations.first(where: { Relation.named($0) == nil }) {
            return "unknown relation \(unknown) (known: \(Relation.all.map(\.name).joined(separator: ", ")))"
        }
        if factsPerEntity < 1 { return "factsPerEntity must be at least 1, got \(factsPerEntity)" }
        if distractors < 0 || distractors > 8 { return "distractors must be in 0...8, got \(distractors)" }
        if !(0...1).contains(confusableNames) { return "confusableNames must be in [0, 1], got \(confusableNames)" }
        if let answerPool, answerPool < 4 { return "answerPool must be at least 4, got \(answerPool)" }
        return nil
    }
}
