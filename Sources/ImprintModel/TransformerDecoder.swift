import Foundation
import ImprintTensor

/// A batch of token ids `[B, T]`, row-major, with optional positions and padding.
public struct TokenBatch: Sendable {
    public var ids: [Int]
    public var batchSize: Int
    public var length: Int
    /// `B * T` RoPE positions; default `cached + 0..<T` for every row.
    public var positions: [Int]?
    /// `B * T` flags, false for padding tokens (`attention_mask == 0`); default all true.
    public var attentionMask: [Bool]?

    public init(ids: [Int], batchSize: Int, length: Int, positions: [Int]? = nil, attentionMask: [Bool]? = nil) {
        precondition(ids.count == batchSize * length, "TokenBatch needs \(batchSize * length) ids, got \(ids.count)")
        precondition(positions.map { $0.count == ids.count } ?? true, "positions must have one entry per token")
        precondition(attentionMask.map { $0.count == ids.count } ?? true, "attentionMask must have one entry per token")
        self.ids = ids
        self.batchSize = batchSize
        self.length = length
        self.positions = positions
        self.attentionMask = attentionMask
    }

    /// One sequence.
    public init(_ ids: [Int]) {
        self.init(ids: ids, batchSize: 1, length: ids.count)
    }

    /// Non-empty sequences of different lengths, left-padded to the longest (as `transformers` pads prompts for
    /// generation), or to `minimumLength` when that is longer: padding repeats a row's first id, is masked out of
    /// attention (and left out of its sums), and positions count real tokens only, so each row is scored as if it
    /// were alone.
    public init(leftPadding rows: [[Int]], minimumLength: Int = 0) {
        precondition(!rows.isEmpty && rows.allSatisfy { !$0.isEmpty }, "leftPadding needs non-empty rows")
        let width = Swift.max(rows.map(\.count).max()!, minimumLength)
        var ids: [Int] = [], mask: [Bool] = [], positions: [Int] = []
        for row in rows {
            let padding = width - row.count
            ids += [Int](repeating: row[0], count: padding) + row
            mask += [Bool](repeating: false, count: padding) + [Bool](repeating: true, count: row.count)
            positions += [Int](repeating: 0, count: padding) + Array(0..<row.count)
        }
        self.init(ids: ids, batchSize: rows.count, length: width, positions: positions, attentionMask: mask)
    }

    /// Rows of equal length.
    public init(rows: [[Int]]) {
        let length = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == length }, "TokenBatch rows must have equal length")
        self.init(ids: rows.flatMap { $0 }, batchSize: rows.count, length: length)
    }
}

/// One decoder block: attention and gated MLP with residual connections.
///
/// Llama/Qwen2: `x + attn(norm(x))`, then `x + mlp(norm(x))` (`input_layernorm`,
/// `post_attention_layernorm`). Gemma 3 adds norms after attention and the MLP
/// (`post_attention_layernorm`, `pre_feedforward_layernorm`, `post_feedforward_layernorm`).
public final class DecoderLayer: Module {
    public let attention: SelfAttention
    public let feedForward: GatedFeedForward
    public let inputNorm: RMSNorm
    public let postAttentionNorm: RMSNorm
    public let preFeedForwardNorm: RMSNorm?
    public let postFeedForwardNorm: RMSNorm?
    public let layerType: ModelConfiguration.LayerType

    /// - Parameter quantized: frozen quantized weights by full key (`model.layers.N.mlp.up_proj.weight`).
    public init(configuration c: ModelConfiguration, layerType: ModelConfiguration.LayerType,
                keyPrefix: String = "", quantized: [String: QuantizedMatrix] = [:]) {
        self.layerType = layerType
        attention = SelfAttention(configuration: c, keyPrefix: keyPrefix + "self_attn.", quantized: quantized)
        feedForward = GatedFeedForward(hiddenSize: c.hiddenSize, intermediateSize: c.intermediateSize, activation: c.activation,
                                       keyPrefix: keyPrefix + "mlp.", quantized: quantized)
        let gemma = c.usesGemmaLayout
        func norm() -> RMSNorm { RMSNorm(dimension: c.hiddenSize, epsilon: c.rmsNormEpsilon, addsOneToWeight: gemma) }
        inputNorm = norm()
        postAttentionNorm = norm()
        preFeedForwardNorm = gemma ? norm() : nil
        postFeedForwardNorm = gemma ? norm() : nil
        super.init()
        registerChild("self_attn", attention)
        registerChild("mlp", feedForward)
        registerChild("input_layernorm", inputNorm)
        registerChild("post_attention_layernorm", postAttentionNorm)
        if let preFeedForwardNorm { registerChild("pre_feedforward_layernorm", preFeedForwardNorm) }
        if let postFeedForwardNorm { registerChild("post_feedforward_layernorm", postFeedForwardNorm) }
    }

    func callAsFunction(_ x: Tensor, rotary: RotaryEmbedding, positions: [Int], mask: AttentionMask, cache: LayerCache?) -> Tensor {
        var attended = attention(inputNorm(x), rotary: rotary, positions: positions, mask: mask, cache: cache)
        if let preFeedForwardNorm, let postFeedForwardNorm {
            attended = postAttentionNorm(attended)
            let hidden = x + attended
            return hidden + postFeedForwardNorm(feedForward(preFeedForwardNorm(hidden)))
        }
        let hidden = x + attended
        return hidden + feedForward(postAttentionNorm(hidden))
    }
}

/// A decoder-only language model (Llama, Qwen2, Gemma 3 text), keyed like `*ForCausalLM`.
///
/// Parameters: `model.embed_tokens.weight`, `model.layers.N.…`, `model.norm.weight`, and
/// `lm_head.weight` unless the embeddings are tied.
public final class TransformerDecoder: Module {
    public let configuration: ModelConfiguration
    public let embedding: Embedding
    public let layers: [DecoderLayer]
    public let finalNorm: RMSNorm
    /// The output projection; `nil` when tied to `embedding`.
    public let outputProjection: Linear?
    let rotaryByLayerType: [ModelConfiguration.LayerType: RotaryEmbedding]
    /// The opt-in precision this model was asked for and kept float32 instead, because this CPU would run it slower
    /// (`useBFloat16FrozenWeights`, `useDecodingPrecision`), and why: for the host to say once. Nil when every
    /// precision asked for runs as asked.
    public internal(set) var precisionFallback: String?

    /// - Parameter quantized: frozen quantized weights by checkpoint key (`model.embed_tokens.weight`,
    ///   `model.layers.N.self_attn.q_proj.weight`, `lm_head.weight`); every other weight is a float32
    ///   parameter filled later (`loadParameters`).
    public init(configuration c: ModelConfiguration, quantized: [String: QuantizedMatrix] = [:]) {
        precondition(c.layerTypes.count == c.layerCount, "layerTypes must have one entry per layer")
        configuration = c
        embedding = Embedding(vocabularySize: c.vocabularySize, dimension: c.hiddenSize, quantized: quantized["model.embed_tokens.weight"])
        layers = c.layerTypes.enumerated().map { index, type in
            DecoderLayer(configuration: c, layerType: type, keyPrefix: "model.layers.\(index).", quantized: quantized)
        }
        finalNorm = RMSNorm(dimension: c.hiddenSize, epsilon: c.rmsNormEpsilon, addsOneToWeight: c.usesGemmaLayout)
        outputProjection = c.tieWordEmbeddings ? nil
            : Linear(inputs: c.hiddenSize, outputs: c.vocabularySize, quantized: quantized["lm_head.weight"])
        rotaryByLayerType = [.fullAttention: c.rotaryEmbedding(for: .fullAttention),
                             .slidingAttention: c.rotaryEmbedding(for: .slidingAttention)]
        super.init()
        let inner = Module()
        inner.registerChild("embed_tokens", embedding)
        let layerList = Module()
        for (index, layer) in layers.enumerated() { layerList.registerChild(String(index), layer) }
        inner.registerChild("layers", layerList)
        inner.registerChild("norm", finalNorm)
        registerChild("model", inner)
        if let outputProjection { registerChild("lm_head", outputProjection) }
    }

    /// Runs every frozen linear layer (and the output projection, when frozen) in mixed precision:
    /// weights rounded to bfloat16, activations rounded per product, float32 sums (`BFloat16Matrix`;
    /// AMX tile units where the CPU has them). Trainable weights, LoRA adapters, norms, attention
    /// and the loss stay float32, as under `torch.autocast(dtype=torch.bfloat16)` with a bfloat16
    /// base model. Call it after freezing (e.g. after `LoRA.attach`); the rounding is permanent.
    /// Returns the number of weight matrices now held in bfloat16.
    ///
    /// An opt-in precision is never slower than float32: on a CPU whose bfloat16 products would be
    /// (`KernelSelection.bfloat16SlowerThanFloat32`), nothing converts, 0 is returned and `precisionFallback` says
    /// why, unless `evenWhereSlower` (for checking the arithmetic on any CPU).
    @discardableResult
    public func useBFloat16FrozenWeights(evenWhereSlower: Bool = false) -> Int {
        if !evenWhereSlower, let reason = KernelSelection.bfloat16SlowerThanFloat32 {
            precisionFallback = "bfloat16 frozen weights: \(reason); the weights stay float32"
            return 0
        }
        var converted = 0
        for case let linear as Linear in namedModules().map(\.module) where linear.useBFloat16Products() { converted += 1 }
        if outputProjection == nil, embedding.useBFloat16Projection() { converted += 1 }
        return converted
    }

    /// The final hidden states `[B, T, hidden]` (after the last norm).
    ///
    /// With a `cache`, the batch continues the cached sequences: positions start at the cached
    /// length, attention covers cached and new keys, and the new keys/values are stored.
    public func hiddenStates(_ batch: TokenBatch, cache: KVCache? = nil) -> Tensor {
        let (rows, length) = (batch.batchSize, batch.length)
        let cachedLength = cache?.length ?? 0
        let positions: [Int] = batch.positions ?? (0..<(rows * length)).map { cachedLength + $0 % length }
        var keyPadding: [Bool]? = nil
        if let cache {
            precondition(cache.batchSize == rows, "cache holds \(cache.batchSize) sequences, batch has \(rows)")
            let newPadding = batch.attentionMask ?? [Bool](repeating: true, count: rows * length)
            var merged: [Bool] = []
            merged.reserveCapacity(rows * (cachedLength + length))
            for row in 0..<rows {
                merged += cache.keyPadding.isEmpty ? [Bool](repeating: true, count: cachedLength)
                    : Array(cache.keyPadding[(row * cachedLength)..<((row + 1) * cachedLength)])
                merged += newPadding[(row * length)..<((row + 1) * length)]
            }
            cache.keyPadding = merged
            keyPadding = merged.allSatisfy { $0 } ? nil : merged
        } else if let mask = batch.attentionMask, !mask.allSatisfy({ $0 }) {
            keyPadding = mask
        }
        var x = embedding(batch.ids, shape: [rows, length])  // [B, T, hidden]
        if configuration.usesGemmaLayout { x = x * Float(configuration.hiddenSize).squareRoot() }
        for (index, layer) in layers.enumerated() {
            let mask = AttentionMask(causal: true,
                                     slidingWindow: layer.layerType == .slidingAttention ? configuration.slidingWindow : nil,
                                     keyPadding: keyPadding)
            x = layer(x, rotary: rotaryByLayerType[layer.layerType]!, positions: positions, mask: mask, cache: cache?.layers[index])
        }
        return finalNorm(x)
    }

    /// Logits over the vocabulary for hidden states `[..., hidden]` (soft-capped when configured).
    public func logits(fromHiddenStates hidden: Tensor) -> Tensor {
        var logits = outputProjection.map { $0(hidden) } ?? embedding.project(hidden)
        if let cap = configuration.finalLogitSoftcapping { logits = (logits / cap).tanh() * cap }
        return logits
    }

    /// Logits `[B, T, vocabulary]` at every position.
    public func callAsFunction(_ batch: TokenBatch, cache: KVCache? = nil) -> Tensor {
        logits(fromHiddenStates: hiddenStates(batch, cache: cache))
    }

    /// The causal-LM loss of `transformers` (`labels` shifted left inside; `-100` ignored; mean).
    ///
    /// - Parameter labels: `B * T` labels aligned with the input ids (often the ids themselves,
    ///   with `-100` on prompt and padding positions).
    public func loss(_ batch: TokenBatch, labels: [Int]) -> Tensor {
        precondition(labels.count == batch.ids.count, "loss needs one label per token")
        let logits = self(batch)
        return Tensor.crossEntropy(logits: logits, targets: Self.shiftedLabels(labels, batchSize: batch.batchSize, length: batch.length))
    }

    /// `log p(target)` at every position, `[B, T]`, for targets aligned with the positions
    /// (`targets[i]` is the token predicted after position `i`; use `shiftedLabels` for the
    /// continuation of the ids themselves). Computed by the fused cross-entropy kernel, so no
    /// softmax over the vocabulary is stored; differentiable (GRPO's policy log-probabilities).
    public func logProbabilities(_ batch: TokenBatch, targets: [Int], cache: KVCache? = nil) -> Tensor {
        precondition(targets.count == batch.ids.count, "logProbabilities needs one target per token")
        return Tensor.logProbabilities(logits: self(batch, cache: cache), targets: targets)
    }

    /// `labels[:, 1:]` padded with -100 at the end of each row: the target of every position.
    public static func shiftedLabels(_ labels: [Int], batchSize: Int, length: Int) -> [Int] {
        var shifted = [Int](repeating: -100, count: labels.count)
        for row in 0..<batchSize {
            for column in 0..<(length - 1) { shifted[row * length + column] = labels[row * length + column + 1] }
        }
        return shifted
    }
}
