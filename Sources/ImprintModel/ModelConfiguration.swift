import Foundation
import ImprintTensor

/// The shape and options of a decoder-only transformer, normalized across architectures.
///
/// Each architecture file reads its own `config.json` (or GGUF metadata) into this struct:
/// `LlamaConfiguration`, `Qwen2Configuration`, `Gemma3TextConfiguration`.
public struct ModelConfiguration: Codable, Sendable, Equatable {
    /// The architectures Imprint implements, by their `model_type` / `general.architecture` name.
    public enum Architecture: String, Codable, Sendable, CaseIterable {
        case llama
        case qwen2
        case gemma3 = "gemma3_text"
    }

    /// Whether a layer attends to everything before it or to a sliding window.
    public enum LayerType: String, Codable, Sendable {
        case fullAttention = "full_attention"
        case slidingAttention = "sliding_attention"
    }

    /// RoPE frequency scaling (`rope_scaling` / `rope_parameters` in `config.json`).
    public struct RopeScaling: Codable, Sendable, Equatable {
        /// `"llama3"` or `"linear"`.
        public var type: String
        public var factor: Float
        public var lowFrequencyFactor: Float?
        public var highFrequencyFactor: Float?
        public var originalMaxPositionEmbeddings: Int?

        public init(type: String, factor: Float, lowFrequencyFactor: Float? = nil, highFrequencyFactor: Float? = nil,
                    originalMaxPositionEmbeddings: Int? = nil) {
            self.type = type
            self.factor = factor
            self.lowFrequencyFactor = lowFrequencyFactor
            self.highFrequencyFactor = highFrequencyFactor
            self.originalMaxPositionEmbeddings = originalMaxPositionEmbeddings
        }
    }

    public var architecture: Architecture
    public var vocabularySize: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var layerCount: Int
    public var attentionHeadCount: Int
    public var keyValueHeadCount: Int
    public var headDimension: Int
    public var rmsNormEpsilon: Float
    /// RoPE base of full-attention layers (`rope_theta`).
    public var ropeTheta: Float
    public var ropeScaling: RopeScaling?
    /// Per-frequency divisors of full-attention layers, as llama.cpp stores Llama 3 scaling
    /// (`rope_freqs.weight`); applied instead of `ropeScaling` when present.
    public var ropeFrequencyFactors: [Float]? = nil
    /// RoPE base of sliding-window layers (Gemma 3's `rope_local_base_freq`).
    public var localRopeTheta: Float?
    public var tieWordEmbeddings: Bool
    /// q/k/v projections carry biases (Qwen2).
    public var attentionBias: Bool
    public var maxPositionEmbeddings: Int
    public var slidingWindow: Int?
    /// One entry per layer.
    public var layerTypes: [LayerType]
    /// Attention scores are scaled by `queryPreAttentionScalar^-0.5` (Gemma) instead of `headDim^-0.5`.
    public var queryPreAttentionScalar: Float?
    /// `logits = cap · tanh(logits / cap)` when set (Gemma).
    public var finalLogitSoftcapping: Float?
    public var activation: GatedFeedForward.Activation
    public var bosTokenId: Int?
    public var eosTokenIds: [Int]
    public var padTokenId: Int?

    /// Gemma's layout: q/k norms, norms around attention and MLP, `1 + weight` norms, scaled embeddings.
    public var usesGemmaLayout: Bool { architecture == .gemma3 }

    /// The scale of attention scores.
    public var attentionScale: Float {
        1 / Foundation.sqrt(queryPreAttentionScalar ?? Float(headDimension))
    }

    /// The rotary embedding of a layer type, with scaling applied as `transformers` does.
    public func rotaryEmbedding(for layerType: LayerType) -> RotaryEmbedding {
        if layerType == .slidingAttention, let localRopeTheta {
            return RotaryEmbedding(dimension: headDimension, base: localRopeTheta)
        }
        let base = RotaryEmbedding(dimension: headDimension, base: ropeTheta)
        if let factors = ropeFrequencyFactors {
            return RotaryEmbedding(inverseFrequencies: zip(base.inverseFrequencies, factors).map { $0 / $1 })
        }
        guard let scaling = ropeScaling else { return base }
        switch scaling.type {
        case "linear":
            return RotaryEmbedding(inverseFrequencies: base.inverseFrequencies.map { $0 / scaling.factor })
        case "llama3":
            // transformers' _compute_llama3_parameters.
            let low = scaling.lowFrequencyFactor ?? 1, high = scaling.highFrequencyFactor ?? 4
            let original = Float(scaling.originalMaxPositionEmbeddings ?? 8192)
            let lowWavelength = original / low, highWavelength = original / high
            let frequencies = base.inverseFrequencies.map { frequency -> Float in
                let wavelength = 2 * Float.pi / frequency
                if wavelength < highWavelength { return frequency }
                if wavelength > lowWavelength { return frequency / scaling.factor }
                let smooth = (original / wavelength - low) / (high - low)
                return (1 - smooth) * frequency / scaling.factor + smooth * frequency
            }
            return RotaryEmbedding(inverseFrequencies: frequencies)
        default:
            return base
        }
    }
}
