import Foundation

/// `config.json` of `LlamaForCausalLM` (SmolLM2, Llama 3.x), as `transformers.LlamaConfig`.
public struct LlamaConfiguration: Codable, Sendable {
    public var vocabSize: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var numKeyValueHeads: Int?
    public var headDim: Int?
    public var rmsNormEps: Float
    public var ropeTheta: Float?
    public var ropeScaling: HFConfigurationSupport.RopeParameters?
    public var ropeParameters: HFConfigurationSupport.RopeParameters?
    public var tieWordEmbeddings: Bool?
    public var attentionBias: Bool?
    public var maxPositionEmbeddings: Int?
    public var hiddenAct: String?
    public var bosTokenId: Int?
    public var eosTokenId: HFConfigurationSupport.TokenIds?
    public var padTokenId: Int?

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
        case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
        case numKeyValueHeads = "num_key_value_heads", headDim = "head_dim", rmsNormEps = "rms_norm_eps"
        case ropeTheta = "rope_theta", ropeScaling = "rope_scaling", ropeParameters = "rope_parameters"
        case tieWordEmbeddings = "tie_word_embeddings", attentionBias = "attention_bias"
        case maxPositionEmbeddings = "max_position_embeddings", hiddenAct = "hidden_act"
        case bosTokenId = "bos_token_id", eosTokenId = "eos_token_id", padTokenId = "pad_token_id"
    }

    /// The normalized configuration; `architecture` is `.llama`, or `.qwen2` for Qwen2's variant.
    public func modelConfiguration(architecture: ModelConfiguration.Architecture = .llama,
                                   defaultAttentionBias: Bool = false, file: String) throws -> ModelConfiguration {
        guard hiddenAct == nil || hiddenAct == "silu" else {
            throw ModelError.invalidConfiguration(file: file, key: "hidden_act", expected: "\"silu\", found \"\(hiddenAct!)\"")
        }
        guard numAttentionHeads > 0, hiddenSize % numAttentionHeads == 0 || headDim != nil else {
            throw ModelError.invalidConfiguration(file: file, key: "num_attention_heads", expected: "a divisor of hidden_size")
        }
        let rope = ropeParameters ?? ropeScaling
        guard let theta = ropeParameters?.ropeTheta ?? ropeTheta else {
            throw ModelError.invalidConfiguration(file: file, key: "rope_theta", expected: "a number (or rope_parameters.rope_theta)")
        }
        return ModelConfiguration(
            architecture: architecture, vocabularySize: vocabSize, hiddenSize: hiddenSize, intermediateSize: intermediateSize,
            layerCount: numHiddenLayers, attentionHeadCount: numAttentionHeads,
            keyValueHeadCount: numKeyValueHeads ?? numAttentionHeads, headDimension: headDim ?? hiddenSize / numAttentionHeads,
            rmsNormEpsilon: rmsNormEps, ropeTheta: theta, ropeScaling: rope?.scaling, localRopeTheta: nil,
            tieWordEmbeddings: tieWordEmbeddings ?? false, attentionBias: attentionBias ?? defaultAttentionBias,
            maxPositionEmbeddings: maxPositionEmbeddings ?? 2048, slidingWindow: nil,
            layerTypes: Array(repeating: .fullAttention, count: numHiddenLayers), queryPreAttentionScalar: nil,
            finalLogitSoftcapping: nil, activation: .silu, bosTokenId: bosTokenId, eosTokenIds: eosTokenId?.values ?? [],
            padTokenId: padTokenId)
    }
}
