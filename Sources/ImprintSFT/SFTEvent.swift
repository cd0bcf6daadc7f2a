import Foundation
import ImprintTraining

/// What an SFT run reports while it trains, in order: `started`, then `step`, `evaluation` and `checkpoint`
/// events, then `finished`.
public enum SFTEvent: Sendable {
    case started(SFTRunInfo)
    case step(SFTStepMetrics)
    case evaluation(SFTEvaluationMetrics)
    /// The values of the `PeriodicEvaluation` given to `train`, after `step`.
    case periodicEvaluation(step: Int, values: [String: Double])
    case checkpoint(step: Int, directory: URL)
    case finished(SFTSummary)
}

/// The shape of a run, reported when it starts.
public struct SFTRunInfo: Sendable, Equatable {
    /// Optimizer steps the run will take in all.
    public var totalSteps: Int
    /// The step it starts after (0, or the resumed checkpoint's step).
    public var startStep: Int
    public var trainingExamples: Int
    public var evaluationExamples: Int
    /// Elements of the parameters that are trained.
    public var trainableParameterCount: Int
}

/// The metrics of one optimizer step, as TRL logs them.
public struct SFTStepMetrics: Codable, Sendable, Equatable {
    public var step: Int
    public var totalSteps: Int
    /// Token-level mean cross-entropy over the step's labels.
    public var loss: Double
    /// Labels predicted right by arg-max (`mean_token_accuracy`).
    public var tokenAccuracy: Double
    /// The learning rate the step used.
    public var learningRate: Double
    /// The global gradient norm before clipping.
    public var gradNorm: Double
    /// Non-padding tokens processed per second in this step (forward and backward).
    public var tokensPerSecond: Double
    /// Fractional epochs completed after this step.
    public var epoch: Double
    /// Non-padding tokens seen since the run started (`num_tokens`).
    public var tokenCount: Int

    enum CodingKeys: String, CodingKey {
        case step, loss, epoch
        case totalSteps = "total_steps", tokenAccuracy = "mean_token_accuracy", learningRate = "learning_rate"
        case gradNorm = "grad_norm", tokensPerSecond = "tokens_per_second", tokenCount = "num_tokens"
    }
}

/// Loss and token accuracy on the held-out split.
public struct SFTEvaluationMetrics: Codable, Sendable, Equatable {
    public var step: Int
    public var loss: Double
    public var tokenAccuracy: Double

    enum CodingKeys: String, CodingKey {
        case step
        case loss = "eval_loss", tokenAccuracy = "eval_mean_token_accuracy"
    }
}

/// The result of a finished run.
public struct SFTSummary: Sendable, Equatable {
    public var steps: Int
    /// The last step's loss.
    public var finalLoss: Double
    /// The last evaluation, when there is a held-out split.
    public var evaluation: SFTEvaluationMetrics?
    public var seconds: Double
    /// Where the final adapter (or full weights), metrics and plot are.
    public var outputDirectory: URL
}

/// A run that cannot go on (the error every trainer throws).
public typealias SFTTrainingError = TrainingError
