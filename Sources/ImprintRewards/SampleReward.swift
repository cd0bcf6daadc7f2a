import ImprintCore

/// A reward that scores each sample on its own, from its completion and fields.
///
/// Conforming types get `Reward.score(_:)` for free: the batch is scored sample by sample, in
/// order. All the metric rewards (difflib, exact match, F1, BLEU, Jaccard) are `SampleReward`s.
///
/// ```swift
/// struct ShortAnswer: SampleReward {
///     var name: String { "short_answer" }
///     func score(completion: String, sample: RewardSample) throws -> Double? {
///         completion.split(separator: " ").count <= 3 ? 1 : 0
///     }
/// }
/// // ShortAnswer() scores ["872 AE", "It was in the year 872"] as [1, 0]
/// ```
public protocol SampleReward: Reward {
    /// The score of one completion; `nil` when the reward does not apply to this sample.
    func score(completion: String, sample: RewardSample) throws -> Double?
}

extension SampleReward {
    public func score(_ batch: RewardBatch) async throws -> RewardOutput {
        var scores: [Double?] = []
        scores.reserveCapacity(batch.count)
        for index in 0..<batch.count {
            do {
                scores.append(try score(completion: batch.completions[index], sample: batch.samples[index]))
            } catch RewardError.missingField(let reward, let field, _) {
                // `require(_:)` cannot know the index; name the sample here.
                throw RewardError.missingField(reward: reward, field: field, sample: index)
            }
        }
        return RewardOutput(scores)
    }

    /// The sample's field, or `RewardError.missingField` (the batch fills in the sample index).
    public func require(_ field: RewardSample.Field, of sample: RewardSample) throws -> String {
        guard let value = sample[field] else {
            throw RewardError.missingField(reward: name, field: field.rawValue, sample: 0)
        }
        return value
    }
}
