/// Several rewards combined as a weighted sum, as TRL combines `reward_funcs` with `reward_weights`.
///
/// `score_i = Σ_r weight_r · score_r,i` over the rewards whose score for sample `i` is not `nil`
/// (TRL's `nansum`); when every reward returns `nil` for a sample, its combined score is `nil`
/// too (TRL 1.x marks such a completion unscorable rather than scoring it 0). The rewards run
/// concurrently, and each one's raw scores are logged as a column named after it.
///
/// ```swift
/// let reward = WeightedSum([
///     (DifflibReward(), 1.0),
///     (WordLimitReward(maximumWords: 200), 0.5),
/// ])
/// // completion scores: difflib 0.8, word limit -0.2  ->  0.8 + 0.5 · (-0.2) = 0.7
/// // difflib nil, word limit -0.2                      ->  -0.1
/// // both nil                                          ->  nil
/// ```
public struct WeightedSum: Reward {
    /// The rewards and their weights, in column order.
    public var components: [(reward: any Reward, weight: Double)]
    public var name: String

    /// Rewards with their weights (TRL's `reward_weights`; weight 1 for all is TRL's default).
    public init(_ components: [(any Reward, Double)], name: String = "weighted_sum") {
        precondition(!components.isEmpty, "WeightedSum needs at least one reward")
        self.components = components.map { (reward: $0.0, weight: $0.1) }
        self.name = name
    }

    /// Rewards with weight 1 each.
    public init(_ rewards: [any Reward], name: String = "weighted_sum") {
        self.init(rewards.map { ($0, 1.0) }, name: name)
    }

    public func score(_ batch: RewardBatch) async throws -> RewardOutput {
        let outputs = try await withThrowingTaskGroup(of: (Int, RewardOutput).self) { group in
            for (index, component) in components.enumerated() {
                let reward = component.reward
                group.addTask { (index, try await reward.score(batch)) }
            }
            var outputs = [RewardOutput?](repeating: nil, count: components.count)
            for try await (index, output) in group { outputs[index] = output }
            return outputs.map { $0! }
        }
        var total = [Double?](repeating: nil, count: batch.count)
        var columns: [RewardColumn] = []
        for (component, output) in zip(components, outputs) {
            guard output.scores.count == batch.count else {
                throw RewardError.wrongScoreCount(reward: component.reward.name, expected: batch.count,
                                                  got: output.scores.count)
            }
            for (index, score) in output.scores.enumerated() {
                if let score { total[index] = (total[index] ?? 0) + component.weight * score }
            }
            let rewardName = component.reward.name
            columns.append(RewardColumn(name: rewardName, values: output.scores.map { $0.map(RewardLogValue.number) }))
            columns += output.columns.map { RewardColumn(name: "\(rewardName)/\($0.name)", values: $0.values) }
        }
        return RewardOutput(total, columns: columns)
    }
}
