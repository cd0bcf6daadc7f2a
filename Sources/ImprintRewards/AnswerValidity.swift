/// Gates that reject an answer before any judge sees it (seed 003's `is_valid_response`).
///
/// Checks, in the seed's order, on the answer with surrounding whitespace stripped, lengths in
/// code points: empty → too short (under `minimumCharacters`) → contains a forbidden substring
/// (`"Human:"`) → too long (over `maximumCharacters`) → no letter at all → equals the question
/// (case-insensitive, both stripped). The first failing check is the reason.
///
/// ```swift
/// let gates = AnswerValidity.seed   // 12...300 characters, no "Human:", a letter, no echo
/// gates.check("872 AE", question: "In what year...?")          // .tooShort (6 characters)
/// gates.check("It was in the year 872 AE.", question: "...")   // nil: valid
/// gates.check("1234567890123", question: "...")                // .noLetters
/// ```
public struct AnswerValidity: Sendable, Hashable {
    /// Fewest characters allowed (seed: 12); 0 accepts even an empty answer.
    public var minimumCharacters: Int
    /// Most characters allowed (seed: 300).
    public var maximumCharacters: Int
    /// Substrings that make an answer invalid (seed: `"Human:"`, a runaway dialogue).
    public var forbiddenSubstrings: [String]
    /// Reject answers without any letter (Python's `isalpha`).
    public var requiresLetter: Bool
    /// Reject an answer that only repeats the question.
    public var rejectsEchoedQuestion: Bool

    public init(minimumCharacters: Int = 12, maximumCharacters: Int = 300, forbiddenSubstrings: [String] = ["Human:"],
                requiresLetter: Bool = true, rejectsEchoedQuestion: Bool = true) {
        precondition(minimumCharacters >= 0 && maximumCharacters >= minimumCharacters,
                     "AnswerValidity: need 0 <= minimumCharacters <= maximumCharacters, got "
                     + "\(minimumCharacters), \(maximumCharacters)")
        self.minimumCharacters = minimumCharacters
        self.maximumCharacters = maximumCharacters
        self.forbiddenSubstrings = forbiddenSubstrings
        self.requiresLetter = requiresLetter
        self.rejectsEchoedQuestion = rejectsEchoedQuestion
    }

    /// Seed 003's gates.
    public static let seed = AnswerValidity()

    /// No gate: every answer, even an empty one, goes to the judge.
    public static let none = AnswerValidity(minimumCharacters: 0, maximumCharacters: .max, forbiddenSubstrings: [],
                                            requiresLetter: false, rejectsEchoedQuestion: false)

    /// Why an answer is invalid.
    public enum Reason: String, Sendable, Hashable, Codable {
        case empty, tooShort, forbiddenText, tooLong, noLetters, echoesQuestion
    }

    /// The first failed gate, or `nil` when the answer is valid.
    public func check(_ answer: String, question: String) -> Reason? {
        let stripped = PythonText.strip(Array(answer.unicodeScalars))
        if stripped.isEmpty && minimumCharacters > 0 { return .empty }
        if stripped.count < minimumCharacters { return .tooShort }
        let strippedText = PythonText.string(stripped)
        if forbiddenSubstrings.contains(where: { !$0.isEmpty && contains(stripped, $0) }) { return .forbiddenText }
        if stripped.count > maximumCharacters { return .tooLong }
        if requiresLetter && !stripped.contains(where: PythonText.isLetter) { return .noLetters }
        if rejectsEchoedQuestion
            && PythonText.strip(PythonText.lower(strippedText)) == PythonText.strip(PythonText.lower(question)) {
            return .echoesQuestion
        }
        return nil
    }

    /// Code-point substring test (Python's `in`).
    private func contains(_ text: ArraySlice<Unicode.Scalar>, _ pattern: String) -> Bool {
        let needle = Array(pattern.unicodeScalars)
        guard needle.count <= text.count else { return false }
        var start = text.startIndex
        while start + needle.count <= text.endIndex {
            if text[start..<start + needle.count].elementsEqual(needle) { return true }
            start += 1
        }
        return false
    }
}

/// Validity gates as a reward: 0 for a valid answer, `invalidScore` (default -1) otherwise.
///
/// Use it beside a correctness reward that has no gates of its own, e.g.
/// `WeightedSum([(TokenF1Reward(), 1), (ValidityReward(), 1)])`. The question is the sample's
/// `question`, else the prompt's text. Logs the reason as column `invalid_reason`.
public struct ValidityReward: Reward {
    /// The gates.
    public var validity: AnswerValidity
    /// Score of an answer that fails a gate.
    public var invalidScore: Double
    public var name: String

    public init(validity: AnswerValidity = .seed, invalidScore: Double = -1, name: String = "validity") {
        self.validity = validity
        self.invalidScore = invalidScore
        self.name = name
    }

    public func score(_ batch: RewardBatch) async throws -> RewardOutput {
        let reasons = (0..<batch.count).map { validity.check(batch.completions[$0], question: batch.question(at: $0)) }
        let reasonColumn = RewardColumn(name: "invalid_reason", values: reasons.map { $0.map { .text($0.rawValue) } })
        return RewardOutput(reasons.map { $0 == nil ? 0 : invalidScore }, columns: [reasonColumn])
    }
}
