import Foundation

/// Seed 003's configuration-3 reward, never implemented there: a correct answer is worth more
/// when the model also answers the *other phrasings of the same fact* correctly.
///
/// Samples with the same `groupID` (the fact id) form a group; within it, samples with the same
/// `phrasingID` (else the same question text) are one phrasing. With `c_i ∈ {0, 1}` the
/// correctness of completion `i` (its `correctness` score ≥ `correctAtLeast`):
///
/// - `share(q)` = mean of `c_i` over the completions of phrasing `q` in the batch
///   (`.anyCompletion`: 1 if any of them is correct);
/// - `p(g)` = mean of `share(q)` over the phrasings `q` of group `g`: the fraction of the fact's
///   phrasings answered correctly;
/// - `reward_i = base_i + weight · f(p(g)) · credit_i`, where `base_i` is the correctness score,
///   `f` the bonus shape (linear by default), and `credit_i = c_i` (`.correctCompletions`, the
///   default) or 1 (`.allCompletions`).
///
/// Worked example (judge scores ±1, `weight` 0.5, linear, default credit): fact F asked in four
/// phrasings q1...q4, one completion each, judged +1, +1, +1, -1. Then p = 3/4, f(p) = 0.75, and
/// the rewards are 1 + 0.5 · 0.75 = **1.375** for q1–q3 and **-1** for q4. Had q4 also been
/// right, all four would get 1.5; with only q1 right, q1 gets 1.125.
///
/// Why the default credits only correct completions: GRPO normalizes rewards within the
/// completions of one prompt, so a bonus shared by all of them cancels out of the advantages.
/// Credited to correct answers only, the bonus widens the gap between right and wrong answers
/// on facts the model generalizes, which changes the advantages whenever rewards are not
/// rescaled by their standard deviation (`scale_rewards="none"`) or the base is not binary.
///
/// A completion whose correctness is `nil` scores `nil` and does not count in `p`; a sample
/// without a `groupID` gets no bonus. Logs `correctness`, `group_fraction` and `group_bonus`,
/// plus the correctness reward's own columns.
public struct GroupGeneralizationReward: Reward {
    /// Decides correctness and gives the base score (e.g. `JudgeReward`, `ExactMatchReward`).
    public var correctness: any Reward
    /// A completion is correct when its correctness score is at least this (0.5: +1 of a judge,
    /// 1 of a match).
    public var correctAtLeast: Double
    /// Weight of the bonus.
    public var weight: Double
    /// `f`, from the group's fraction `p` in [0, 1] to a bonus factor.
    public var shape: BonusShape
    /// Which completions receive the bonus.
    public var credit: Credit
    /// How one phrasing's completions make its share.
    public var phrasingShare: PhrasingShare
    public var name: String

    /// Which completions of a group receive the bonus.
    public enum Credit: String, Sendable, Hashable {
        /// Only correct completions (`credit_i = c_i`).
        case correctCompletions
        /// Every completion of the group.
        case allCompletions
    }

    /// How a phrasing with several completions counts.
    public enum PhrasingShare: String, Sendable, Hashable {
        /// The fraction of its completions that are correct.
        case meanOfCompletions
        /// 1 if any of its completions is correct.
        case anyCompletion
    }

    public init(correctness: any Reward, weight: Double = 1, shape: BonusShape = .linear,
                credit: Credit = .correctCompletions, phrasingShare: PhrasingShare = .meanOfCompletions,
                correctAtLeast: Double = 0.5, name: String = "group_generalization") {
        self.correctness = correctness
        self.weight = weight
        self.shape = shape
        self.credit = credit
        self.phrasingShare = phrasingShare
        self.correctAtLeast = correctAtLeast
        self.name = name
    }

    public func score(_ batch: RewardBatch) async throws -> RewardOutput {
        let base = try await correctness.score(batch)
        guard base.scores.count == batch.count else {
            throw RewardError.wrongScoreCount(reward: correctness.name, expected: batch.count, got: base.scores.count)
        }
        let correct = base.scores.map { $0.map { $0 >= correctAtLeast } }

        // group -> phrasing -> correctness of its scored completions
        var phrasings: [String: [String: [Bool]]] = [:]
        for index in 0..<batch.count {
            guard let group = batch.samples[index].groupID, let isCorrect = correct[index] else { continue }
            let phrasing = batch.samples[index].phrasingID ?? batch.question(at: index)
            phrasings[group, default: [:]][phrasing, default: []].append(isCorrect)
        }
        var fractions: [String: Double] = [:]
        for (group, byPhrasing) in phrasings {
            let shares = byPhrasing.values.map { results -> Double in
                switch phrasingShare {
                case .meanOfCompletions: return Double(results.filter { $0 }.count) / Double(results.count)
                case .anyCompletion: return results.contains(true) ? 1 : 0
                }
            }
            fractions[group] = shares.reduce(0, +) / Double(shares.count)
        }

        var scores = [Double?](repeating: nil, count: batch.count)
        var fractionColumn = [RewardLogValue?](repeating: nil, count: batch.count)
        var bonusColumn = [RewardLogValue?](repeating: nil, count: batch.count)
        for index in 0..<batch.count {
            guard let baseScore = base.scores[index], let isCorrect = correct[index] else { continue }
            guard let group = batch.samples[index].groupID, let fraction = fractions[group] else {
                scores[index] = baseScore
                continue
            }
            let credited = credit == .allCompletions || isCorrect
            let bonus = credited ? weight * shape(fraction) : 0
            scores[index] = baseScore + bonus
            fractionColumn[index] = .number(fraction)
            bonusColumn[index] = .number(bonus)
        }
        return RewardOutput(scores, columns: [
            RewardColumn(name: "correctness", values: base.scores.map { $0.map(RewardLogValue.number) }),
            RewardColumn(name: "group_fraction", values: fractionColumn),
            RewardColumn(name: "group_bonus", values: bonusColumn),
        ] + base.columns.map { RewardColumn(name: "\(correctness.name)/\($0.name)", values: $0.values) })
    }
}

/// The bonus factor `f(p)` of `GroupGeneralizationReward`, from the fraction `p` in [0, 1] of a
/// fact's phrasings answered correctly.
///
/// `BonusShape.linear(0.75)` is 0.75; `.power(2)(0.75)` is 0.5625 (rewards near-complete
/// generalization most); `.atLeast(0.8)(0.75)` is 0; `.allPhrasings(1)` is 1.
public struct BonusShape: Sendable, CustomStringConvertible {
    public let description: String
    private let function: @Sendable (Double) -> Double

    /// A custom shape; `description` names it in logs.
    public init(_ description: String, _ function: @escaping @Sendable (Double) -> Double) {
        self.description = description
        self.function = function
    }

    public func callAsFunction(_ fraction: Double) -> Double { function(fraction) }

    /// `f(p) = p`.
    public static let linear = BonusShape("linear") { $0 }

    /// `f(p) = p^exponent`.
    public static func power(_ exponent: Double) -> BonusShape {
        BonusShape("power(\(exponent))") { Foundation.pow($0, exponent) }
    }

    /// `f(p) = 1` if `p >= threshold`, else 0.
    public static func atLeast(_ threshold: Double) -> BonusShape {
        BonusShape("atLeast(\(threshold))") { $0 >= threshold ? 1 : 0 }
    }

    /// `f(p) = 1` only when every phrasing is answered correctly.
    public static let allPhrasings = BonusShape("allPhrasings") { $0 >= 1 ? 1 : 0 }
}
