import Foundation

/// A deterministic answer judge as a reward: `correct` (+1) when the completion contains the sample's reference, or
/// one of its aliases, as whole words after SQuAD normalization (`AnswerMatching.normalize`), else `incorrect` (-1) —
/// the ±1 scale of `JudgeReward`, so it stands in for the LLM judge where answers are exact (the offline facts).
///
/// Aliases are read from the sample's `aliases` column: a JSON array of strings (as `GRPODataset` passes an array
/// column), or one alias as plain text.
///
/// ```swift
/// ContainsAnswerReward(): "He was born in Upper Foulath." with reference "Upper Foulath"  ->  1
///                         "Foulath, I think" with aliases ["Foulath"]                    ->  1
///                         "In Lower Foulath" with reference "Upper Foulath" (no alias)   -> -1
/// ```
/// Requires each sample's `reference`. An accepted answer that normalizes to nothing (`"The"`) never matches.
public struct ContainsAnswerReward: SampleReward {
    public var correct: Double
    public var incorrect: Double
    public var name: String

    public init(correct: Double = 1, incorrect: Double = -1, name: String = "contains_answer") {
        self.correct = correct
        self.incorrect = incorrect
        self.name = name
    }

    /// The accepted answers of a sample: its reference, then its aliases.
    public static func acceptedAnswers(reference: String, aliasesColumn: String?) -> [String] {
        guard let column = aliasesColumn?.trimmingCharacters(in: .whitespaces), !column.isEmpty else { return [reference] }
        if column.hasPrefix("["), let data = column.data(using: .utf8),
           let aliases = try? JSONSerialization.jsonObject(with: data) as? [String] {
            return [reference] + aliases
        }
        return [reference, column]
    }

    /// Whether `completion` contains one of `accepted` as whole normalized words.
    public static func contains(_ completion: String, anyOf accepted: [String]) -> Bool {
        let text = " " + AnswerMatching.normalize(completion) + " "
        return accepted.contains { candidate in
            let words = AnswerMatching.normalize(candidate)
            return !words.isEmpty && text.contains(" " + words + " ")
        }
    }

    public func score(completion: String, sample: RewardSample) throws -> Double? {
        let reference = try require(.reference, of: sample)
        let accepted = Self.acceptedAnswers(reference: reference, aliasesColumn: sample.extra["aliases"])
        return Self.contains(completion, anyOf: accepted) ? correct : incorrect
    }
}
