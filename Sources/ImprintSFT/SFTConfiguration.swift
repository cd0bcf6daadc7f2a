import Foundation
import ImprintModel
import ImprintTensor
import ImprintTraining

/// Every hyperparameter of an SFT run, with TRL's `SFTConfig` defaults unless noted. Saved in every checkpoint.
public struct SFTConfiguration: Codable, Equatable, Sendable, OptimizationConfiguration {
    /// The learning-rate schedule after warmup (`lr_scheduler_type`).
    public typealias Schedule = OptimizerSettings.Schedule
    /// LoRA settings (PEFT's `LoraConfig`); `nil` in `SFTConfiguration.lora` means full fine-tuning.
    public typealias LoRA = LoRASettings

    /// Peak learning rate (`learning_rate`; TRL's SFT default 2e-5, 2e-4 is usual with LoRA).
    public var learningRate: Float = 2e-5
    /// Decay after warmup (`lr_scheduler_type`, default linear).
    public var schedule: Schedule = .linear
    /// Linear warmup from 0 over this many optimizer steps (`warmup_steps`).
    public var warmupSteps: Int = 0
    /// Passes over the training split when `maxSteps` is 0 (`num_train_epochs`).
    public var epochs: Int = 3
    /// Optimizer steps to run; 0 derives them from `epochs` (`max_steps`, -1 in transformers).
    public var maxSteps: Int = 0
    /// Examples per micro-batch (`per_device_train_batch_size`).
    public var batchSize: Int = 8
    /// Micro-batches per optimizer step; the loss is the token mean over all of them (`gradient_accumulation_steps`).
    public var gradientAccumulationSteps: Int = 1
    /// Clip the global gradient norm to this; 0 disables clipping (`max_grad_norm`).
    public var maxGradNorm: Float = 1
    /// AdamW's decoupled weight decay (`weight_decay`).
    public var weightDecay: Float = 0
    /// AdamW's β₁ (`adam_beta1`).
    public var adamBeta1: Float = 0.9
    /// AdamW's β₂ (`adam_beta2`).
    public var adamBeta2: Float = 0.999
    /// AdamW's ε (`adam_epsilon`).
    public var adamEpsilon: Float = 1e-8
    /// LoRA adapter to train; `nil` trains every weight (full fine-tuning).
    public var lora: LoRA? = LoRA()
    /// Start from this PEFT adapter folder instead of a freshly initialized one (LoRA runs only).
    public var initialAdapterPath: String? = nil
    /// Mixed precision for the frozen base (LoRA runs): base weights rounded to bfloat16 and their
    /// products run with bfloat16 operands and float32 sums (AMX where the CPU has it); adapters,
    /// optimizer, norms, attention and loss stay float32 (`bf16=True` in TRL, for a frozen base).
    public var bfloat16FrozenWeights: Bool = false
    /// Tokens kept per example, or the block length when packing (`max_length`).
    public var maxLength: Int = 1024
    /// Concatenate examples and cut them into `maxLength` blocks (`packing` with the `wrapped` strategy).
    public var packing: Bool = false
    /// Loss on completion / assistant tokens only (`completion_only_loss`, `assistant_only_loss`); false trains all.
    public var completionOnlyLoss: Bool = true
    /// Shuffle the training examples every epoch (transformers' random sampler); false keeps file order.
    public var shuffle: Bool = true
    /// Fraction of the dataset held out for evaluation, chosen with `seed` (0: no split).
    public var evaluationFraction: Double = 0
    /// Seeds the shuffles, the split, LoRA's initialization and its dropout masks (`seed`).
    public var seed: UInt64 = 42
    /// Evaluate every this many steps (0: only at the end when there is an evaluation split) (`eval_steps`).
    public var evaluationInterval: Int = 0
    /// Write a checkpoint every this many steps (0: only at the end) (`save_steps`).
    public var checkpointInterval: Int = 500
    /// Report training metrics every this many steps (`logging_steps`).
    public var logInterval: Int = 1

    public init() {}

    /// Settings a resumed run may change: how often it logs, evaluates and checkpoints, and how long it runs.
    static let mayChangeOnResume: Set<String> = ["maxSteps", "epochs", "checkpointInterval", "logInterval", "evaluationInterval"]

    /// Checks the values a run cannot start with.
    /// - Throws: `SFTConfigurationError` naming the field.
    public func validate() throws {
        func require(_ condition: Bool, _ field: String, _ expected: String) throws {
            if !condition { throw SFTConfigurationError(field: field, expected: expected) }
        }
        try optimizerSettings.validate(require)
        try require(epochs > 0 || maxSteps > 0, "epochs", "positive when maxSteps is 0")
        try require(maxSteps >= 0, "maxSteps", "0 or more")
        try require(batchSize > 0, "batchSize", "positive")
        try require(gradientAccumulationSteps > 0, "gradientAccumulationSteps", "positive")
        try require(maxLength >= 2, "maxLength", "at least 2")
        try require(evaluationFraction >= 0 && evaluationFraction < 1, "evaluationFraction", "in [0, 1)")
        try require(evaluationInterval >= 0, "evaluationInterval", "0 or more")
        try require(checkpointInterval >= 0, "checkpointInterval", "0 or more")
        try require(logInterval > 0, "logInterval", "positive")
        if let lora {
            try lora.validate(require)
        } else {
            try require(initialAdapterPath == nil, "initialAdapterPath", "unset for full fine-tuning (lora is nil)")
            try require(!bfloat16FrozenWeights, "bfloat16FrozenWeights", "false for full fine-tuning (no weight is frozen)")
        }
    }
}

/// A configuration value a run cannot start with.
public struct SFTConfigurationError: Error, CustomStringConvertible, LocalizedError, Equatable {
    /// The `SFTConfiguration` field at fault.
    public let field: String
    public let expected: String

    public var description: String { "SFT configuration: '\(field)' must be \(expected)" }
    public var errorDescription: String? { description }
}
