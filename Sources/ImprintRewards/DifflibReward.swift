/// The story experiment's reward (seed 000, `rewards.py`): the difflib ratio of the completion
/// against the sample's reference, `SequenceMatcher(None, completion, reference).ratio()`.
///
/// `score = 2 · M / (len(completion) + len(reference))` over code points, in [0, 1]; see
/// `SequenceMatcher` for `M` and autojunk. The reference is the second sequence (`b`), as in the
/// seed, so autojunk looks at the reference: for a ~970-character story it ignores popular
/// characters (space, `e`, ...) as match starts, and an unrelated story scores ~0.02 instead of
/// ~0.15. Keep `autojunk: true` to reproduce the seed; turn it off for a denser signal early in
/// training.
///
/// ```swift
/// let reward = DifflibReward()
/// // completion "abc", reference "abd"  ->  0.6666666666666666
/// // completion "",    reference ""     ->  1.0
/// ```
///
/// Requires each sample's `reference` (`RewardError.missingField` otherwise).
public struct DifflibReward: SampleReward {
    /// Python's `autojunk` (default `true`, as in Python and the seed).
    public var autojunk: Bool
    public var name: String

    public init(autojunk: Bool = true, name: String = "difflib") {
        self.autojunk = autojunk
        self.name = name
    }

    public func score(completion: String, sample: RewardSample) throws -> Double? {
        SequenceMatcher(completion, try require(.reference, of: sample), autojunk: autojunk).ratio()
    }
}
