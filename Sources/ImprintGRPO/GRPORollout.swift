import Foundation
import ImprintTensor
import ImprintTraining

/// One generation batch, scored and ready to train on: what `numIterations` optimizer steps reuse, and what a
/// checkpoint taken between them stores so that a resumed run continues on the very same completions.
struct GRPORollout: Codable, Equatable {
    /// Which generation batch of the data order it is.
    var generationIndex: Int
    /// Dataset rows, one per prompt (each prompt has `numGenerations` completions in a row).
    var rows: [Int]
    /// Prompt ids per completion.
    var promptIds: [[Int]]
    /// Completion ids, the end token included when there is one.
    var completionIds: [[Int]]
    var texts: [String]
    /// Did the completion stop at the length limit without an end token (TRL: last id not an end or pad id)?
    var truncated: [Bool]
    /// Per completion, one score per reward.
    var scores: [[Double?]]
    var advantages: [Float]
    /// `[B][T]`: tokens in the loss.
    var mask: [[Bool]]
    var oldLogProbabilities: [[Float]]?
    var referenceLogProbabilities: [[Float]]?
    /// Reward and completion statistics under TRL's names, logged with every step that trains on this batch.
    var metrics: [String: Double]
    /// Optimizer steps taken on it so far.
    var iterationsDone: Int

    /// `T`: the padded completion width.
    var width: Int { mask.first?.count ?? 0 }
    /// Tokens in the loss over the whole batch (DAPO's normalizer).
    var tokenCount: Int { mask.reduce(0) { $0 + $1.filter { $0 }.count } }
}

/// What a GRPO checkpoint's `trainer_state.json` holds (the folder itself is a `TrainingCheckpoint`).
struct GRPOCheckpointState: CheckpointState, Equatable {
    var step: Int
    var optimizerStep: Int
    /// Prompt and completion tokens generated so far (`num_tokens`).
    var tokenCount: Int
    var dropoutGenerators: [RandomGenerator]
    var configuration: GRPOConfiguration
    var rewardNames: [String]
    var dataFingerprint: String
    /// The generation batch the next step trains on again (μ > 1), if any.
    var rollout: GRPORollout?
}
