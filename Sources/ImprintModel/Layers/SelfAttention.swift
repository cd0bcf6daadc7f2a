import ImprintTensor

/// Multi-head self-attention with grouped key/value heads and rotary positions, as
/// `LlamaAttention` / `Qwen2Attention` / `Gemma3Attention` in `transformers`.
public final class SelfAttention: Module {
    public let queryProjection: Linear
    public let keyProjection: Linear
    public let valueProjection: Linear
    public let outputProjection: Linear
    /// Gemma 3's RMSNorm over each query/key head before RoPE.
    public let queryNorm: RMSNorm?
    public let keyNorm: RMSNorm?
    let headCount: Int, keyValueHeadCount: Int, headDimension: Int
    let scale: Float

    public init(configuration c: ModelConfiguration, keyPrefix: String = "", quantized: [String: QuantizedMatrix] = [:]) {
        headCount = c.attentionHeadCount
        keyValueHeadCount = c.keyValueHeadCount
        headDimension = c.headDimension
        scale = c.attentionScale
        queryProjection = Linear(inputs: c.hiddenSize, outputs: c.attentionHeadCount * c.headDimension, bias: c.attentionBias, quantized: quantized[keyPrefix + "q_proj.weight"])
        keyProjection = Linear(inputs: c.hiddenSize, outputs: c.keyValueHeadCount * c.headDimension, bias: c.attentionBias, quantized: quantized[keyPrefix + "k_proj.weight"])
        valueProjection = Linear(inputs: c.hiddenSize, outputs: c.keyValueHeadCount * c.headDimension, bias: c.attentionBias, quantized: quantized[keyPrefix + "v_proj.weight"])
        outputProjection = Linear(inputs: c.attentionHeadCount * c.headDimension, outputs: c.hiddenSize,
                                  quantized: quantized[keyPrefix + "o_proj.weight"])
        queryNorm = c.usesGemmaLayout ? RMSNorm(dimension: c.headDimension, epsilon: c.rmsNormEpsilon, addsOneToWeight: true) : nil
        keyNorm = c.usesGemmaLayout ? RMSNorm(dimension: c.headDimension, epsilon: c.rmsNormEpsilon, addsOneToWeight: true) : nil
        super.init()
        registerChild("q_proj", queryProjection)
        registerChild("k_proj", keyProjection)
        registerChild("v_proj", valueProjection)
        registerChild("o_proj", outputProjection)
        if let queryNorm { registerChild("q_norm", queryNorm) }
        if let keyNorm { registerChild("k_norm", keyNorm) }
    }

    /// `x`: `[B, T, hidden]` → `[B, T, hidden]`.
    ///
    /// - Parameters:
    ///   - positions: `B * T` absolute positions for RoPE.
    ///   - mask: causal / window / key padding over all `S` keys (cached + new).
    ///   - cache: when given, this layer's earlier keys and values are prepended and the new ones stored.
    func callAsFunction(_ x: Tensor, rotary: RotaryEmbedding, positions: [Int], mask: AttentionMask,
                        cache: LayerCache?) -> Tensor {
        let (batch, length) = (x.shape[0], x.shape[1])
        func heads(_ projection: Tensor, _ count: Int, norm: RMSNorm?) -> Tensor {
            let split = projection.reshaped([batch, length, count, headDimension])  // [B, T, heads, D]
            return (norm.map { $0(split) } ?? split).permuted([0, 2, 1, 3])          // [B, heads, T, D]
        }
        let projections = Linear.applied([queryProjection, keyProjection, valueProjection], to: x)
        let query = heads(projections[0], headCount, norm: queryNorm).applyingRotaryEmbedding(rotary, positions: positions)
        var key = heads(projections[1], keyValueHeadCount, norm: keyNorm).applyingRotaryEmbedding(rotary, positions: positions)
        var value = heads(projections[2], keyValueHeadCount, norm: nil)
        var keyLength = key.shape[2]
        if let cache { (key, value, keyLength) = cache.appending(keys: key, values: value) }  // [B, kvHeads, capacity, D]
        let attended = Tensor.scaledDotProductAttention(query: query, key: key, value: value, mask: mask, scale: scale,
                                                        keyLength: keyLength)
        let merged = attended.permuted([0, 2, 1, 3]).reshaped([batch, length, headCount * headDimension])  // [B, T, heads·D]
        return outputProjection(merged)
    }
}
