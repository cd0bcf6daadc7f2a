import Foundation

/// Advantages from rewards, as TRL 1.16's `GRPOTrainer` computes them (`sum_then_normalize`):
///
/// ```
/// R_i = Σ_k w_k r_ik over the rewards that scored completion i (nansum); nil when none did (unscorable)
/// A_i = (R_i − mean of i's group) / (std + 1e-4)     std: of the group ("group"), of the step ("batch")
/// A_i =  R_i − mean of i's group                      ("none")
/// A_i = 0 for an unscorable completion
/// ```
/// Groups are `groupSize` consecutive completions (the `G` completions of one prompt); means and standard deviations
/// skip unscorable completions (`nanmean`, and `nanstd` with Bessel's correction, NaN below two values). Computed in
/// float32 as TRL computes it.
public struct GRPOAdvantages: Sendable, Equatable {
    /// One per completion.
    public var advantages: [Float]
    /// The weighted sum per completion (nil: unscorable).
    public var rewards: [Float?]
    /// Whether the scale of each completion's advantage was 0 (`frac_reward_zero_std` averages it).
    public var zeroStandardDeviation: [Bool]

    /// - Parameters:
    ///   - scores: per completion, one score per reward (nil: not applicable).
    ///   - weights: one per reward.
    public init(scores: [[Double?]], weights: [Double], groupSize: Int, scaling: GRPOConfiguration.RewardScaling) {
        precondition(groupSize > 0 && scores.count % groupSize == 0, "\(scores.count) completions do not form groups of \(groupSize)")
        let weights = weights.map(Float.init)
        let rewards = scores.map { row -> Float? in
            precondition(row.count == weights.count, "\(row.count) scores for \(weights.count) rewards")
            guard row.contains(where: { $0 != nil }) else { return nil }
            var sum: Float = 0
            for (score, weight) in zip(row, weights) { if let score { sum += Float(score) * weight } }
            return sum
        }
        let groups = stride(from: 0, to: rewards.count, by: groupSize).map { Array(rewards[$0..<($0 + groupSize)]) }
        let means = groups.map(Self.nanMean)
        let scale: [Float]
        switch scaling {
        case .group, .none:
            let deviations = groups.map { groupSize > 1 ? Self.nanStandardDeviation($0) : 0 }
            scale = rewards.indices.map { deviations[$0 / groupSize] }
        case .batch:
            let deviation = rewards.count > 1 ? Self.nanStandardDeviation(rewards) : 0
            scale = [Float](repeating: deviation, count: rewards.count)
        }
        self.rewards = rewards
        advantages = rewards.indices.map { index in
            guard let reward = rewards[index] else { return 0 }
            var advantage = reward - means[index / groupSize]
            if scaling != .none { advantage = advantage / (scale[index] + 1e-4) }
            return advantage.isNaN ? 0 : advantage
        }
        // torch.isclose(std, 0): |std| <= 1e-8 (a NaN std is not close to 0).
        zeroStandardDeviation = scale.map { Swift.abs($0) <= 1e-8 }
    }

    /// `torch.nanmean` in float32: NaN when every value is missing.
    static func nanMean(_ values: [Float?]) -> Float {
        let present = values.compactMap { $0 }
        guard !present.isEmpty else { return .nan }
        return present.reduce(0, +) / Float(present.count)
    }

    /// TRL's `nanstd`: Bessel-corrected standard deviation of the present values; NaN below two values.
    static func nanStandardDeviation(_ values: [Float?]) -> Float {
        let present = values.compactMap { $0 }
        guard present.count > 1 else { return .nan }
        let mean = present.reduce(0, +) / Float(present.count)
        let variance = present.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(present.count)
        return (variance * Float(present.count) / Float(present.count - 1)).squareRoot()
    }
}
