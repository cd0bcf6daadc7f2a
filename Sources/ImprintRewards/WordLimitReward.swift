/// Penalizes completions longer than a word budget; 0 within it.
///
/// `score = -min(maximumPenalty, penaltyPerExtraWord · max(0, words - maximumWords))`, words
/// counted as Python's `len(completion.split())`.
///
/// With `maximumWords: 3`, `penaltyPerExtraWord: 0.1`: `"872 AE"` scores 0, `"It was in 872 AE"`
/// (5 words) scores -0.2, and a 40-word ramble is capped at `-maximumPenalty` = -1.
/// Seed 000 asked for answers of "3 words or less"; this makes that request a reward.
public struct WordLimitReward: SampleReward {
    /// Words allowed without penalty.
    public var maximumWords: Int
    /// Penalty per word over the budget.
    public var penaltyPerExtraWord: Double
    /// The largest penalty (the score never goes below its negative).
    public var maximumPenalty: Double
    public var name: String

    public init(maximumWords: Int, penaltyPerExtraWord: Double = 0.1, maximumPenalty: Double = 1,
                name: String = "word_limit") {
        precondition(maximumWords >= 0 && penaltyPerExtraWord >= 0 && maximumPenalty >= 0,
                     "WordLimitReward: negative setting (\(maximumWords), \(penaltyPerExtraWord), \(maximumPenalty))")
        self.maximumWords = maximumWords
        self.penaltyPerExtraWord = penaltyPerExtraWord
        self.maximumPenalty = maximumPenalty
        self.name = name
    }

    public func score(completion: String, sample: RewardSample) throws -> Double? {
        let extra = max(0, PythonText.split(completion).count - maximumWords)
        return extra == 0 ? 0 : -min(maximumPenalty, penaltyPerExtraWord * Double(extra))
    }
}
