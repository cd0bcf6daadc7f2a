import Foundation

/// `config.json` of `Gemma3ForCausalLM` (`model_type` `gemma3_text`, e.g. Gemma-3-1b-it), as
/// `transformers.Gemma3TextConfig`.
///
/// Gemma 3 differs from Llama in: RMSNorm with `1 + weight`; norms before and after both
/// attention and MLP; q/k RMSNorm per head; embeddings scaled by `sqrt(hidden)`; GELU-tanh;
/// scores scaled by `query_pre_attn_scalar^-0.5`; local sliding-window layers with their own RoPE
/// base (`rope_local_base_freq`), laid out by `layer_types` (or every `sliding_window_pattern`-th
/// layer global); optional final logit soft-capping.
public struct Gemma3TextConfiguration: Codable, Sendable {
    public var vocabSize: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var numKeyValueHeads: Int
    public var headDim: Int
    public var rmsNormEps: Float
    public var ropeTheta: Float?
    public var ropeLocalBaseFreq: Float?
    public var ropeScaling: HFConfigurationSupport.RopeParameters?
    public var ropeParameters: [String: HFConfigurationSupport.RopeParameters]?
    public var slidingWindow: Int?
    public var layerTypes: [String]?
    public var slidingWindowPattern: Int?
    public var queryPreAttnScalar: Float?
    public var finalLogitSoftcapping: Float?
    public var attnLogitSoftcapping: Float?
    public var hiddenActivation: String?
    public var tieWordEmbeddings: Bool?
    public var attentionBias: Bool?
    public var maxPositionEmbeddings: Int?
    public var bosTokenId: Int?
    public var eosTokenId: HFConfigurationSupport.TokenIds?
    public var padTokenId: Int?

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
        case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
        case numKeyValueHeads = "num_key_value_heads", headDim = "head_dim", rmsNormEps = "rms_norm_eps"
        case ropeTheta = "rope_theta", ropeLocalBaseFreq = "rope_local_base_freq", ropeScaling = "rope_scaling"
        case ropeParameters = "rope_parameters", slidingWindow = "sliding_window", layerTypes = "layer_types"
        case slidingWindowPattern = "sliding_window_pattern", queryPreAttnScalar = "query_pre_attn_scalar"
        case finalLogitSoftcapping = "final_logit_softcapping", attnLogitSoftcapping = "attn_logit_softcapping"
        case hiddenActivation = "hidden_activation", tieWordEmbeddings = "tie_word_embeddings"
        case attentionBias = "attention_bias", maxPositionEmbeddings = "max_position_embeddings"
        case bosTokenId = "bos_token_id", eosTokenId = "eos_token_id", padTokenId = "pad_token_id"
    }

    public func modelConfiguration(file: String) throws -> ModelConfiguration {
        if attnLogitSoftcapping != nil {
            throw ModelError.invalidConfiguration(file: file, key: "attn_logit_softcapping", expected: "null (Gemma 2 style capping is not supported)")
        }
        let activation = hiddenActivation ?? "gelu_pytorch_tanh"
        guard activation == "gelu_pytorch_tanh" else {
            throw ModelError.invalidConfiguration(file: file, key: "hidden_activation", expected: "\"gelu_pytorch_tanh\", found \"\(activation)\"")
        }
        let types: [ModelConfiguration.LayerType]
        if let layerTypes {
            types = try layerTypes.map {
                guard let type = ModelConfiguration.LayerType(rawValue: $0) else {
                    throw ModelError.invalidConfiguration(file: file, key: "layer_types", expected: "full_attention or sliding_attention, found \($0)")
                }
                return type
            }
            guard types.count == numHiddenLayers else {
                throw ModelError.invalidConfiguration(file: file, key: "layer_types", expected: "\(numHiddenLayers) entries")
            }
        } else {
            let pattern = slidingWindowPattern ?? 6
            types = (0..<numHiddenLayers).map { ($0 + 1) % pattern == 0 ? .fullAttention : .slidingAttention }
        }
        let global = ropeParameters?["full_attention"], local = ropeParameters?["sliding_attention"]
        guard let theta = global?.ropeTheta ?? ropeTheta else {
            throw ModelError.invalidConfiguration(file: file, key: "rope_theta", expected: "a number (or rope_parameters.full_attention.rope_theta)")
        }
        return ModelConfiguration(
            architecture: .gemma3, vocabularySize: vocabSize, hiddenSize: hiddenSize, intermediateSize: intermediateSize,
            layerCount: numHiddenLayers, attentionHeadCount: numAttentionHeads, keyValueHeadCount: numKeyValueHeads,
            headDimension: headDim, rmsNormEpsilon: rmsNormEps, ropeTheta: theta, ropeScaling: (global ?? ropeScaling)?.scaling,
            localRopeTheta: local?.ropeTheta ?? ropeLocalBaseFreq ?? 10_000, tieWordEmbeddings: tieWordEmbeddings ?? true,
            attentionBias: attentionBias ?? false, maxPositionEmbeddings: maxPositionEmbeddings ?? 32_768,
            slidingWindow: slidingWindow, layerTypes: types, queryPreAttentionScalar: queryPreAttnScalar ?? Float(headDim),
            finalLogitSoftcapping: finalLogitSoftcapping, activation: .geluTanh, bosTokenId: bosTokenId,
            eosTokenIds: eosTokenId?.values ?? [], padTokenId: padTokenId)
    }
}
