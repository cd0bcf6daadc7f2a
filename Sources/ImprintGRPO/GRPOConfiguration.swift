import Foundation
import ImprintCore
import ImprintTraining

/// Every hyperparameter of a GRPO run, named and defaulted as TRL 1.16's `GRPOConfig` except where a CPU argues
/// otherwise (`maxCompletionLength` 256 instead of 512, `logInterval` 1 instead of 10). Saved in every checkpoint and
/// checked on resume.
public struct GRPOConfiguration: Codable, Equatable, Sendable, OptimizationConfiguration {
    /// How the per-token losses of a batch are combined (`loss_type`).
    public enum LossType: String, Codable, Sendable, CaseIterable {
        /// Mean over each completion's tokens, then over completions (DeepSeekMath; length-biased).
        case grpo
        /// Token mean over the micro-batch.
        case bnpo
        /// Sum over tokens divided by completions × `maxCompletionLength` (Dr. GRPO).
        case drGRPO = "dr_grpo"
        /// Token mean over the whole step's completions (TRL's default).
        case dapo
    }

    /// What the centred rewards are divided by (`scale_rewards`).
    public enum RewardScaling: String, Codable, Sendable, CaseIterable {
        /// The standard deviation of the completion's group of `numGenerations`.
        case group
        /// The standard deviation over the whole step.
        case batch
        /// Nothing (Dr. GRPO).
        case none
    }

    /// Where the importance ratio is taken (`importance_sampling_level`).
    public enum ImportanceSamplingLevel: String, Codable, Sendable, CaseIterable {
        case token
        /// One ratio per completion, from its mean log-ratio (GSPO).
        case sequence
    }

    /// What happens to a prompt longer than `maxPromptLength`.
    public enum PromptTruncation: String, Codable, Sendable, CaseIterable {
        /// Stop with an error naming the row (the default: a silently cut prompt changes the task).
        case refuse
        /// Keep the last `maxPromptLength` tokens, and say so once.
        case left
    }

    // Optimization (transformers' TrainingArguments, TRL's GRPO defaults).
    /// Peak learning rate (`learning_rate`, TRL's GRPO default 1e-6).
    public var learningRate: Float = 1e-6
    public var schedule: OptimizerSettings.Schedule = .linear
    public var warmupSteps: Int = 0
    public var maxGradNorm: Float = 1
    public var weightDecay: Float = 0
    public var adamBeta1: Float = 0.9
    public var adamBeta2: Float = 0.999
    public var adamEpsilon: Float = 1e-8
    /// Optimizer steps; 0 derives them from `epochs` over the prompts (`max_steps`).
    public var maxSteps: Int = 0
    /// Passes over the prompts when `maxSteps` is 0 (`num_train_epochs`).
    public var epochs: Int = 3
    /// Completions per micro-batch (`per_device_train_batch_size`); prompts per micro-batch = batchSize / numGenerations.
    public var batchSize: Int = 8
    /// Micro-batches per optimizer step (`gradient_accumulation_steps`); one generation batch fills them all.
    public var gradientAccumulationSteps: Int = 1
    /// Completions per forward and backward pass inside a micro-batch (nil: `numGenerations`, one prompt's group,
    /// whose prompt then goes through the model once): bounds the activations kept for the backward pass without
    /// changing the math (the loss weights are known before the pass). Imprint's own knob; TRL runs the whole
    /// micro-batch at once.
    public var forwardBatchSize: Int? = nil

    // Generation.
    /// Completions per prompt, the group `G` advantages are taken over (`num_generations`).
    public var numGenerations: Int = 8
    /// Largest completion in tokens (`max_completion_length`; TRL 512, here 256: a CPU decodes token by token).
    public var maxCompletionLength: Int = 256
    /// Largest prompt in tokens (nil: the model's context less `maxCompletionLength`); see `promptTruncation`.
    public var maxPromptLength: Int? = nil
    public var promptTruncation: PromptTruncation = .refuse
    /// Sampling temperature; log-probabilities are recomputed from `logits / temperature` too (`temperature`).
    public var temperature: Double = 1
    public var topP: Double = 1
    public var topK: Int = 0
    public var minP: Double = 0

    // Loss.
    /// KL coefficient against the starting policy (`beta`; 0 skips the reference pass).
    public var beta: Double = 0
    /// Lower clip `ε_low` (`epsilon`).
    public var epsilon: Double = 0.2
    /// Upper clip `ε_high` (`epsilon_high`; nil = `epsilon`).
    public var epsilonHigh: Double? = nil
    /// Upper cap on the unclipped ratio (`delta`, two-sided GRPO); nil = none.
    public var delta: Double? = nil
    /// Multiply the KL term by the importance ratio (`use_bias_correction_kl`, TRL 1.16's default): the unbiased
    /// reverse-KL gradient; it changes the gradient even when the ratio is 1.
    public var useBiasCorrectionKL: Bool = true
    public var lossType: LossType = .dapo
    public var scaleRewards: RewardScaling = .group
    public var importanceSamplingLevel: ImportanceSamplingLevel = .token
    /// Leave completions that hit `maxCompletionLength` without an end token out of the loss (`mask_truncated_completions`).
    public var maskTruncatedCompletions: Bool = false
    /// Optimizer steps per generation batch, μ (`num_iterations`); old log-probabilities are taken before the first.
    public var numIterations: Int = 1
    /// One weight per reward, in order (`reward_weights`; nil = 1 each).
    public var rewardWeights: [Double]? = nil

    // Model.
    /// The adapter to train (nil: full fine-tuning, every weight).
    public var lora: LoRASettings? = LoRASettings()
    /// A PEFT adapter folded into the frozen weights before training (e.g. the SFT adapter); the starting policy and
    /// the KL reference are then base + adapter.
    public var initialAdapterPath: String? = nil
    /// Frozen base weights in bfloat16 with float32 sums (LoRA runs; TRL's `bf16=True` for a frozen base).
    public var bfloat16FrozenWeights: Bool = false

    // Data and run.
    /// Shuffle the prompts every epoch (`shuffle_dataset`).
    public var shuffle: Bool = true
    /// Keep the rows that share this column's value (a fact id) in the same step, so a reward can compare the
    /// phrasings of one fact; nil = no grouping.
    public var groupByColumn: String? = nil
    /// Seeds the data order, sampling, LoRA's initialization and dropout (`seed`).
    public var seed: UInt64 = 42
    /// Checkpoint every this many steps (0: only at the end) (`save_steps`).
    public var checkpointInterval: Int = 500
    /// Log metrics every this many steps (`logging_steps`; TRL's GRPO default 10, here 1).
    public var logInterval: Int = 1
    /// Write every completion with its rewards and advantage to `completions.jsonl` (`log_completions`).
    public var logCompletions: Bool = true

    public init() {}

    /// `ε_high`, defaulting to `ε`.
    public var upperEpsilon: Double { epsilonHigh ?? epsilon }

    /// Prompts per optimizer step: `batchSize × gradientAccumulationSteps / numGenerations`.
    public var promptsPerStep: Int { batchSize * gradientAccumulationSteps / numGenerations }

    /// The sampling parameters of rollouts (`seed` is set per generation batch).
    public var sampling: SamplingParameters {
        SamplingParameters(maxTokens: maxCompletionLength, temperature: temperature, topP: topP, topK: topK, minP: minP)
    }

    /// Settings a resumed run may change: how often it logs and checkpoints, how long it runs, the completions log.
    static let mayChangeOnResume: Set<String> = ["maxSteps", "epochs", "checkpointInterval", "logInterval", "logCompletions"]

    /// Checks the values a run cannot start with.
    /// - Throws: `GRPOConfigurationError` naming the field.
    public func validate() throws {
        func require(_ condition: Bool, _ field: String, _ expected: String) throws {
            if !condition { throw GRPOConfigurationError(field: field, expected: expected) }
        }
        try optimizerSettings.validate(require)
        try require(maxSteps >= 0, "maxSteps", "0 or more")
        try require(epochs > 0 || maxSteps > 0, "epochs", "positive when maxSteps is 0")
        try require(numGenerations >= 2, "numGenerations", "at least 2 (advantages compare the completions of a prompt)")
        try require(batchSize > 0, "batchSize", "positive")
        try require(gradientAccumulationSteps > 0, "gradientAccumulationSteps", "positive")
        try require(forwardBatchSize.map { $0 > 0 } ?? true, "forwardBatchSize", "positive")
        try require((batchSize * gradientAccumulationSteps) % numGenerations == 0, "batchSize",
                    "such that batchSize × gradientAccumulationSteps (\(batchSize * gradientAccumulationSteps)) is a multiple of numGenerations (\(numGenerations))")
        try require(maxCompletionLength >= 1, "maxCompletionLength", "at least 1")
        try require(maxPromptLength.map { $0 >= 1 } ?? true, "maxPromptLength", "at least 1")
        try require(temperature > 0 && temperature.isFinite, "temperature", "positive (GRPO samples; log-probabilities divide by it)")
        try require(topP > 0 && topP <= 1, "topP", "in (0, 1]")
        try require(topK >= 0, "topK", "0 or more")
        try require(minP >= 0 && minP <= 1, "minP", "in [0, 1]")
        try require(beta >= 0 && beta.isFinite, "beta", "0 or more")
        try require(epsilon >= 0 && epsilon < 1, "epsilon", "in [0, 1)")
        try require(upperEpsilon >= 0, "epsilonHigh", "0 or more")
        try require(delta.map { $0 > 0 && $0.isFinite } ?? true, "delta", "positive (TRL recommends more than 1 + epsilon)")
        try require(numIterations >= 1, "numIterations", "at least 1")
        try require(rewardWeights.map { $0.allSatisfy(\.isFinite) } ?? true, "rewardWeights", "finite numbers")
        try require(checkpointInterval >= 0, "checkpointInterval", "0 or more")
        try require(logInterval > 0, "logInterval", "positive")
        if let lora {
            try lora.validate(require)
        } else {
            try require(!bfloat16FrozenWeights, "bfloat16FrozenWeights", "false for full fine-tuning (no weight is frozen)")
        }
    }
}

/// A configuration value a run cannot start with.
public struct GRPOConfigurationError: Error, CustomStringConvertible, LocalizedError, Equatable {
    /// The `GRPOConfiguration` field at fault.
    public let field: String
    public let expected: String

    public var description: String { "GRPO configuration: '\(field)' must be \(expected)" }
    public var errorDescription: String? { description }
}
