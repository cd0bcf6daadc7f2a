/// Rewards completions of about `target` words: `max(0, 1 − |words − target| / target)`, words counted as
/// Python's `len(completion.split())`. A reward with a known optimum (1 at exactly `target` words), for checking
/// that a GRPO setup learns at all before pointing it at a real task.
///
/// With `target: 12`: 12 words score 1, 6 or 18 words 0.5, none or 24+ words 0.
public struct WordCountReward: SampleReward {
    public var target: Int
    public var name: String

    public init(target: Int, name: String = "word_count") {
        precondition(target > 0, "WordCountReward: the target must be positive, got \(target)")
        self.target = target
        self.name = name
    }

    public func score(completion: String, sample: RewardSample) throws -> Double? {
        let words = PythonText.split(completion).count
        return Swift.max(0, 1 - Double(Swift.abs(words - target)) / Double(target))
    }
}
