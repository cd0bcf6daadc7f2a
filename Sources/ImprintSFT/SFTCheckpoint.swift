import Foundation
import ImprintTensor
import ImprintTraining

/// What an SFT checkpoint's `trainer_state.json` holds (the folder itself is a `TrainingCheckpoint`).
struct SFTCheckpointState: CheckpointState, Equatable {
    /// Optimizer steps completed.
    var step: Int
    /// The next micro-batch of the data order (the data position).
    var nextMicroBatch: Int
    /// Non-padding tokens seen so far.
    var tokenCount: Int
    /// AdamW's step count.
    var optimizerStep: Int
    /// The LoRA dropout generators, layer by layer (empty for full fine-tuning).
    var dropoutGenerators: [RandomGenerator]
    var configuration: SFTConfiguration
    /// A fingerprint of the encoded training examples, so a resume on other data is refused (absent in
    /// checkpoints written before it existed).
    var dataFingerprint: String?
}
