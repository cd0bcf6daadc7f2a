import Foundation
import ImprintModel

/// LoRA settings (PEFT's `LoraConfig`) a trainer's configuration holds; `nil` there means full fine-tuning.
public struct LoRASettings: Codable, Equatable, Sendable {
    /// The rank `r`.
    public var rank: Int = 16
    /// The scaling numerator `lora_alpha`.
    public var alpha: Float = 32
    /// Dropout on the adapter input (`lora_dropout`).
    public var dropout: Float = 0
    /// Module names (`q_proj`, ...) or `["all-linear"]` (`target_modules`).
    public var targetModules: [String] = ["all-linear"]
    /// Scale by `α/√r` (`use_rslora`).
    public var rankStabilized: Bool = false

    public init(rank: Int = 16, alpha: Float = 32, dropout: Float = 0, targetModules: [String] = ["all-linear"],
                rankStabilized: Bool = false) {
        self.rank = rank
        self.alpha = alpha
        self.dropout = dropout
        self.targetModules = targetModules
        self.rankStabilized = rankStabilized
    }

    /// The `LoRAConfiguration` ImprintModel attaches.
    public var loraConfiguration: LoRAConfiguration {
        LoRAConfiguration(rank: rank, alpha: alpha, dropout: dropout,
                          targetModules: targetModules == ["all-linear"] ? .allLinear : .names(targetModules),
                          usesRankStabilizedScaling: rankStabilized)
    }

    /// Checks the values a run cannot start with; `require(condition, field, expected)` reports a failure.
    public func validate(_ require: (Bool, String, String) throws -> Void) rethrows {
        try require(rank > 0, "lora.rank", "positive")
        try require(dropout >= 0 && dropout < 1, "lora.dropout", "in [0, 1)")
        try require(!targetModules.isEmpty, "lora.targetModules", "at least one module name or \"all-linear\"")
    }
}

/// Sets a model up for training, the same way for every trainer.
public enum TrainableModel {
    /// What to do with an existing adapter a run starts from.
    public enum InitialAdapter: Equatable, Sendable {
        /// Train it further (SFT's `initialAdapterPath`).
        case continueTraining(path: String)
        /// Fold it into the frozen weights, then train a fresh adapter (or every weight) on top (GRPO from an SFT
        /// adapter: the starting policy is base + adapter, and the KL reference is that policy).
        case merge(path: String)
    }

    /// Makes the trained parameters and returns the adapter being trained (nil for full fine-tuning):
    /// the checkpoint's adapter or weights when resuming, else the adapter already `attached` to the model (as TRL
    /// trains a `PeftModel` it is given), the initial adapter, a fresh one, or every parameter. With
    /// `bfloat16FrozenWeights` the frozen base weights are rounded to bfloat16 (LoRA runs only).
    public static func prepare(_ model: TransformerDecoder, lora: LoRASettings?, initialAdapter: InitialAdapter?,
                               attached: LoRAAdapter? = nil, checkpoint: URL?, bfloat16FrozenWeights: Bool,
                               seed: UInt64) throws -> LoRAAdapter? {
        if let attached, checkpoint != nil { try LoRA.remove(attached.name, from: model) }
        if case .merge(let path)? = initialAdapter {
            try LoRA.load(from: URL(fileURLWithPath: path), into: model, name: "initial")
            LoRA.mergeAndUnload(model)
        }
        guard let lora else {
            if let checkpoint { try TrainingCheckpoint.loadFullWeights(from: checkpoint, into: model) }
            model.unfreeze()
            return nil
        }
        let adapter: LoRAAdapter
        if let checkpoint {
            adapter = try LoRA.load(from: checkpoint, into: model, trainable: true, seed: seed)
        } else if let attached {
            adapter = attached
        } else if case .continueTraining(let path)? = initialAdapter {
            adapter = try LoRA.load(from: URL(fileURLWithPath: path), into: model, trainable: true, seed: seed)
        } else {
            adapter = try LoRA.attach(to: model, configuration: lora.loraConfiguration, seed: seed)
        }
        if bfloat16FrozenWeights { model.useBFloat16FrozenWeights() }
        return adapter
    }
}
