import Foundation
import ImprintTraining

/// What a GRPO run reports while it trains, in order: `started`, then `step`, `checkpoint` and `notice` events, then
/// `finished`.
public enum GRPOEvent: Sendable {
    case started(GRPORunInfo)
    case step(GRPOStepMetrics)
    /// The values of the `PeriodicEvaluation` given to `train`, after `step`.
    case periodicEvaluation(step: Int, values: [String: Double])
    case checkpoint(step: Int, directory: URL)
    /// Something the user should know once (a prompt cut to `maxPromptLength`, a stop on cancellation).
    case notice(String)
    case finished(GRPOSummary)
}

/// The shape of a run, reported when it starts.
public struct GRPORunInfo: Sendable, Equatable {
    public var totalSteps: Int
    /// The step it starts after (0, or the resumed checkpoint's step).
    public var startStep: Int
    public var prompts: Int
    public var promptsPerStep: Int
    public var completionsPerPrompt: Int
    public var rewardNames: [String]
    /// Elements of the parameters that are trained.
    public var trainableParameterCount: Int
}

/// The metrics of one optimizer step under TRL's names (`reward`, `reward_std`, `rewards/NAME/mean`, `kl`,
/// `entropy`, `clip_ratio/region_mean`, `loss`, `grad_norm`, `learning_rate`, `num_tokens`, `step_time`, ...),
/// plus Imprint's split of the step (`timing/generation`, `timing/scoring`, `timing/rewards`, `timing/training`,
/// in seconds). Written as one flat JSON object per line of `metrics.jsonl`.
public struct GRPOStepMetrics: Codable, Sendable, Equatable {
    public var step: Int
    public var totalSteps: Int
    public var values: [String: Double]

    public init(step: Int, totalSteps: Int, values: [String: Double]) {
        self.step = step
        self.totalSteps = totalSteps
        self.values = values
    }

    public subscript(name: String) -> Double? { values[name] }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(step, forKey: Key("step"))
        try container.encode(totalSteps, forKey: Key("total_steps"))
        // NaN (e.g. the std of one value) is written as null: JSON has no NaN.
        for (name, value) in values {
            if value.isFinite { try container.encode(value, forKey: Key(name)) } else { try container.encodeNil(forKey: Key(name)) }
        }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        step = try container.decode(Int.self, forKey: Key("step"))
        totalSteps = try container.decode(Int.self, forKey: Key("total_steps"))
        values = [:]
        for key in container.allKeys where key.stringValue != "step" && key.stringValue != "total_steps" {
            values[key.stringValue] = try container.decodeIfPresent(Double.self, forKey: key) ?? .nan
        }
    }
}

/// The result of a run.
public struct GRPOSummary: Sendable, Equatable {
    public var steps: Int
    /// The mean reward of the last step.
    public var finalReward: Double
    public var seconds: Double
    /// True when a cancelled task stopped the run early (a checkpoint holds where it stopped).
    public var cancelled: Bool
    /// Where the final adapter (or full weights), metrics, completions and plots are.
    public var outputDirectory: URL
}

/// A GRPO run that cannot go on for a reason of its own (the shared ones are `TrainingError`).
public enum GRPOTrainingError: Error, CustomStringConvertible, LocalizedError, Equatable {
    /// A reward threw while scoring `sample` (the row's line and prompt) at `step`; the last good state is
    /// checkpointed at `lastCheckpoint`.
    case rewardFailed(reward: String, step: Int, sample: String, reason: String, lastCheckpoint: String?)
    /// A prompt is longer than `maxPromptLength` with truncation refused.
    case promptTooLong(line: Int, tokens: Int, limit: Int)
    /// The rewards and their weights do not match.
    case rewards(String)

    public var description: String {
        switch self {
        case let .rewardFailed(reward, step, sample, reason, checkpoint):
            return "reward '\(reward)' failed at step \(step) on \(sample): \(reason); training stopped. "
                + (checkpoint.map { "The last good state is checkpointed in \($0)." } ?? "")
        case let .promptTooLong(line, tokens, limit):
            return "the prompt of line \(line) has \(tokens) tokens, more than the \(limit) allowed (maxPromptLength, or the "
                + "model's context less maxCompletionLength); shorten it, raise the limit, or allow left truncation"
        case .rewards(let detail):
            return detail
        }
    }

    public var errorDescription: String? { description }
}
