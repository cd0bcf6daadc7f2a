import ImprintTensor

/// The optimizer step every trainer takes once its gradients are accumulated, as `transformers.Trainer` takes it:
/// the scheduled learning rate, global-norm clipping, AdamW's update, zeroed gradients.
public final class OptimizerStep {
    public let optimizer: AdamW
    public let schedule: LearningRateSchedule
    /// The peak learning rate the schedule scales.
    public let baseLearningRate: Float
    /// Clip the global gradient norm to this; 0 disables clipping (the norm is still measured).
    public let maxGradNorm: Float

    public init(parameters: [Tensor], settings: OptimizerSettings, schedule: LearningRateSchedule) {
        optimizer = AdamW(parameters: parameters, learningRate: settings.learningRate, beta1: settings.adamBeta1,
                          beta2: settings.adamBeta2, epsilon: settings.adamEpsilon, weightDecay: settings.weightDecay)
        self.schedule = schedule
        baseLearningRate = settings.learningRate
        maxGradNorm = settings.maxGradNorm
    }

    /// The learning rate optimizer step `step` (from 0) uses.
    public func learningRate(step: Int) -> Float { schedule.learningRate(base: baseLearningRate, step: step) }

    /// Applies step `step` (from 0) and returns the gradient norm before clipping and the learning rate used.
    @discardableResult
    public func apply(step: Int) -> (gradNorm: Float, learningRate: Float) {
        optimizer.learningRate = learningRate(step: step)
        let gradNorm = clipGradientNorm(optimizer.parameters, maxNorm: maxGradNorm > 0 ? maxGradNorm : .infinity)
        optimizer.step()
        optimizer.zeroGradients()
        return (gradNorm, optimizer.learningRate)
    }
}

/// AdamW, its schedule and clipping: the optimizer settings every trainer's configuration holds
/// (`transformers.TrainingArguments` names in comments).
public struct OptimizerSettings: Codable, Equatable, Sendable {
    /// The learning-rate schedule after warmup (`lr_scheduler_type`).
    public enum Schedule: String, Codable, Sendable, CaseIterable {
        case constant, linear, cosine
    }

    /// Peak learning rate (`learning_rate`).
    public var learningRate: Float
    /// Decay after warmup (`lr_scheduler_type`, default linear).
    public var schedule: Schedule = .linear
    /// Linear warmup from 0 over this many optimizer steps (`warmup_steps`).
    public var warmupSteps: Int = 0
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

    public init(learningRate: Float) {
        self.learningRate = learningRate
    }

    /// The schedule ImprintTensor computes, over `totalSteps`.
    public func learningRateSchedule(totalSteps: Int) -> LearningRateSchedule {
        switch schedule {
        case .constant: return warmupSteps > 0 ? .constantWithWarmup(warmupSteps: warmupSteps) : .constant
        case .linear: return .linear(warmupSteps: warmupSteps, totalSteps: totalSteps)
        case .cosine: return .cosine(warmupSteps: warmupSteps, totalSteps: totalSteps)
        }
    }

    /// Checks the values a run cannot start with; `require(condition, field, expected)` reports a failure.
    public func validate(_ require: (Bool, String, String) throws -> Void) rethrows {
        try require(learningRate > 0 && learningRate.isFinite, "learningRate", "a positive number")
        try require(warmupSteps >= 0, "warmupSteps", "0 or more")
        try require(maxGradNorm >= 0, "maxGradNorm", "0 or more")
    }
}

/// A trainer configuration that holds the optimizer settings as flat fields, as TRL's configurations do
/// (`configuration.learningRate`); `optimizerSettings` gathers them for `OptimizerStep`.
public protocol OptimizationConfiguration {
    var learningRate: Float { get }
    var schedule: OptimizerSettings.Schedule { get }
    var warmupSteps: Int { get }
    var maxGradNorm: Float { get }
    var weightDecay: Float { get }
    var adamBeta1: Float { get }
    var adamBeta2: Float { get }
    var adamEpsilon: Float { get }
}

extension OptimizationConfiguration {
    /// The optimizer settings of the shared optimizer step.
    public var optimizerSettings: OptimizerSettings {
        var settings = OptimizerSettings(learningRate: learningRate)
        settings.schedule = schedule
        settings.warmupSteps = warmupSteps
        settings.maxGradNorm = maxGradNorm
        settings.weightDecay = weightDecay
        settings.adamBeta1 = adamBeta1
        settings.adamBeta2 = adamBeta2
        settings.adamEpsilon = adamEpsilon
        return settings
    }
}
