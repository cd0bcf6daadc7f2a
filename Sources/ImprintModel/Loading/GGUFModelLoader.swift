import Foundation
import ImprintFormats
import ImprintTensor

/// Loads llama.cpp's GGUF files (`general.architecture` llama, qwen2 or gemma3).
///
/// Undoes two conversions of `convert_hf_to_gguf.py`: Llama's q/k rows are permuted for
/// llama.cpp's interleaved RoPE (restored to the half-split order `transformers` uses), and
/// Gemma's norm weights are stored as `1 + w` (1 is subtracted). A missing `output.weight` means
/// tied embeddings.
public enum GGUFModelLoader {
    /// The normalized configuration from the GGUF metadata.
    public static func configuration(_ file: GGUFFile) throws -> ModelConfiguration {
        let path = file.url.path
        let metadata = file.metadata
        let name = try metadata.string("general.architecture")
        let architecture: ModelConfiguration.Architecture
        switch name {
        case "llama": architecture = .llama
        case "qwen2": architecture = .qwen2
        case "gemma3": architecture = .gemma3
        default:
            throw ModelError.unknownArchitecture(file: path, name: name, supported: ["llama", "qwen2", "gemma3"])
        }
        let embedding = try file.requireTensor("token_embd.weight")
        /// A count the file must give as a positive integer (a crafted 0 or negative one is refused, not divided by).
        func positive(_ key: String, default fallback: Int? = nil) throws -> Int {
            guard let value = try metadata.intIfPresent(key) ?? fallback else { return try metadata.int(key) }
            guard value > 0 else {
                throw ModelError.invalidConfiguration(file: path, key: key, expected: "a positive integer (found \(value))")
            }
            return value
        }
        let hidden = try positive("\(name).embedding_length")
        let heads = try positive("\(name).attention.head_count")
        let layers = try positive("\(name).block_count")
        let headDimension = try positive("\(name).attention.key_length", default: hidden / heads)
        let keyValueHeads = try positive("\(name).attention.head_count_kv", default: heads)
        guard heads % keyValueHeads == 0 else {
            throw ModelError.invalidConfiguration(file: path, key: "\(name).attention.head_count_kv",
                                                  expected: "a divisor of head_count \(heads) (found \(keyValueHeads))")
        }
        let gemma = architecture == .gemma3
        var layerTypes = [ModelConfiguration.LayerType](repeating: .fullAttention, count: layers)
        var slidingWindow: Int? = nil
        if gemma, let window = try metadata.intIfPresent("gemma3.attention.sliding_window"), window > 0 {
            // llama.cpp's Gemma 3: every sixth layer is global, the rest use the sliding window; without
            // a window (convert_hf_to_gguf.py omits it for sliding_window_pattern 1) every layer is global.
            slidingWindow = window
            layerTypes = (0..<layers).map { ($0 + 1) % 6 == 0 ? .fullAttention : .slidingAttention }
        }
        // llama.cpp scales Gemma 3 27B (62 layers) queries by (hidden / heads)^-0.5, the others by headDim^-0.5.
        let queryScalar = layers == 62 ? Float(hidden / heads) : Float(headDimension)
        var scaling: ModelConfiguration.RopeScaling? = nil
        if let type = try metadata.stringIfPresent("\(name).rope.scaling.type"), type == "linear",
           let factor = try metadata.floatIfPresent("\(name).rope.scaling.factor") {
            scaling = ModelConfiguration.RopeScaling(type: "linear", factor: factor)
        }
        var configuration = ModelConfiguration(
            architecture: architecture, vocabularySize: embedding.shape[0], hiddenSize: hidden,
            intermediateSize: try metadata.int("\(name).feed_forward_length"), layerCount: layers,
            attentionHeadCount: heads, keyValueHeadCount: keyValueHeads,
            headDimension: headDimension, rmsNormEpsilon: try metadata.float("\(name).attention.layer_norm_rms_epsilon"),
            ropeTheta: try metadata.floatIfPresent("\(name).rope.freq_base") ?? (gemma ? 1_000_000 : 10_000),
            ropeScaling: scaling, localRopeTheta: gemma ? try metadata.floatIfPresent("gemma3.rope.freq_base_swa") ?? 10_000 : nil,
            tieWordEmbeddings: file.tensorInfo("output.weight") == nil, attentionBias: architecture == .qwen2,
            maxPositionEmbeddings: try metadata.intIfPresent("\(name).context_length") ?? 2048, slidingWindow: slidingWindow,
            layerTypes: layerTypes, queryPreAttentionScalar: gemma ? queryScalar : nil,
            finalLogitSoftcapping: gemma ? try metadata.floatIfPresent("gemma3.final_logit_softcapping") : nil,
            activation: gemma ? .geluTanh : .silu, bosTokenId: try metadata.intIfPresent("tokenizer.ggml.bos_token_id"),
            eosTokenIds: (try metadata.intIfPresent("tokenizer.ggml.eos_token_id")).map { [$0] } ?? [],
            padTokenId: try metadata.intIfPresent("tokenizer.ggml.padding_token_id"))
        if let factors = file.tensorInfo("rope_freqs.weight") {
            configuration.ropeFrequencyFactors = try file.dequantize(factors)
        }
        return configuration
    }

    /// The GGUF tensor name of a `transformers` parameter key.
    static func ggufName(_ key: String, architecture: ModelConfiguration.Architecture) -> String? {
        let fixed = ["model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight",
                     "lm_head.weight": "output.weight"]
        if let name = fixed[key] { return name }
        let parts = key.split(separator: ".").map(String.init)
        guard parts.count >= 5, parts[0] == "model", parts[1] == "layers" else { return nil }
        let block = "blk.\(parts[2])."
        let rest = parts[3...].joined(separator: ".")
        let gemma = architecture == .gemma3
        let table: [String: String] = [
            "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
            "self_attn.o_proj": "attn_output", "self_attn.q_norm": "attn_q_norm", "self_attn.k_norm": "attn_k_norm",
            "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down",
            "input_layernorm": "attn_norm",
            "post_attention_layernorm": gemma ? "post_attention_norm" : "ffn_norm",
            "pre_feedforward_layernorm": "ffn_norm", "post_feedforward_layernorm": "post_ffw_norm",
        ]
        guard let suffix = rest.split(separator: ".").last, let module = table[String(rest.dropLast(suffix.count + 1))] else { return nil }
        return block + module + "." + suffix
    }

    /// Loads every parameter with llama.cpp's conversions undone.
    ///
    /// - Parameter keepQuantized: keep block-quantized matrices (projections, embeddings: any
    ///   `QuantizedMatrix.Format`, i.e. Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K … Q6_K, IQ4_NL, IQ4_XS)
    ///   as they are in the file, as frozen weights, instead of dequantizing them to float32: the
    ///   same values, a quarter (Q8_0) to a twelfth (Q2_K) of the memory, faster decoding. Other tensors are
    ///   dequantized to float32 parameters.
    /// - Throws: `ModelError.unknownArchitecture`; `.unsupportedTensors` for tensors the
    ///   architecture does not have (a variant Imprint does not implement, e.g. mixture of experts);
    ///   `.missingTensor` / `.shapeMismatch` naming the GGUF tensor; `FormatError` for bad bytes or
    ///   a tensor type that cannot be dequantized.
    public static func load(_ file: GGUFFile, keepQuantized: Bool = false) throws -> TransformerDecoder {
        let configuration = try configuration(file)
        let architecture = configuration.architecture
        var quantized: [String: QuantizedMatrix] = [:]
        if keepQuantized {
            for (key, shape) in matrixShapes(configuration) {
                guard let name = ggufName(key, architecture: architecture), let info = file.tensorInfo(name),
                      let format = quantizationFormat(info.type) else { continue }
                guard info.shape == shape else {
                    throw ModelError.shapeMismatch(file: file.url.path, key: name, expected: shape, found: info.shape)
                }
                var bytes = [UInt8](file.rawBytes(info))
                let rowBytes = format.rowBytes(columns: shape[1])
                if architecture == .llama && name.hasSuffix("attn_q.weight") {
                    bytes = unpermuteRows(bytes, heads: configuration.attentionHeadCount, rowLength: rowBytes)
                } else if architecture == .llama && name.hasSuffix("attn_k.weight") {
                    bytes = unpermuteRows(bytes, heads: configuration.keyValueHeadCount, rowLength: rowBytes)
                }
                quantized[key] = QuantizedMatrix(format: format, rows: shape[0], columns: shape[1], blocks: bytes)
            }
        }
        let model = TransformerDecoder(configuration: configuration, quantized: quantized)
        let used = Set((model.namedParameters().map(\.key) + quantized.keys).compactMap { ggufName($0, architecture: architecture) })
        let unexpected = file.tensors.map(\.name).filter { !used.contains($0) && !ignoredTensors.contains($0) }
        guard unexpected.isEmpty else {
            throw ModelError.unsupportedTensors(file: file.url.path, architecture: try file.metadata.string("general.architecture"),
                                                names: unexpected)
        }
        try model.loadParameters(file: file.url.path) { key, shape in
            guard let name = ggufName(key, architecture: architecture), let info = file.tensorInfo(name) else {
                throw ModelError.missingTensor(file: file.url.path, key: ggufName(key, architecture: architecture) ?? key,
                                               expectedShape: shape)
            }
            guard info.shape == shape else {
                throw ModelError.shapeMismatch(file: file.url.path, key: name, expected: shape, found: info.shape)
            }
            var values = try file.dequantize(info)
            if architecture == .llama && (name.hasSuffix("attn_q.weight") || name.hasSuffix("attn_q.bias")) {
                values = unpermuteRows(values, heads: configuration.attentionHeadCount, rowLength: shape.count == 2 ? shape[1] : 1)
            } else if architecture == .llama && (name.hasSuffix("attn_k.weight") || name.hasSuffix("attn_k.bias")) {
                values = unpermuteRows(values, heads: configuration.keyValueHeadCount, rowLength: shape.count == 2 ? shape[1] : 1)
            }
            if architecture == .gemma3 && name.hasSuffix("norm.weight") {
                for index in values.indices { values[index] -= 1 }
            }
            return values
        }
        return model
    }

    /// Tensors a file may hold beyond the model's parameters: Llama 3.1's RoPE frequency factors,
    /// read by `configuration(_:)`.
    static let ignoredTensors: Set<String> = ["rope_freqs.weight"]

    /// The `[rows, columns]` shape of every matrix that may stay quantized (embeddings and
    /// projections), by checkpoint key.
    static func matrixShapes(_ configuration: ModelConfiguration) -> [(key: String, shape: [Int])] {
        let c = configuration
        let (hidden, queries, keyValues) = (c.hiddenSize, c.attentionHeadCount * c.headDimension, c.keyValueHeadCount * c.headDimension)
        let projections: [(String, [Int])] = [
            ("self_attn.q_proj", [queries, hidden]), ("self_attn.k_proj", [keyValues, hidden]),
            ("self_attn.v_proj", [keyValues, hidden]), ("self_attn.o_proj", [hidden, queries]),
            ("mlp.gate_proj", [c.intermediateSize, hidden]), ("mlp.up_proj", [c.intermediateSize, hidden]),
            ("mlp.down_proj", [hidden, c.intermediateSize]),
        ]
        let embeddings = [("model.embed_tokens.weight", [c.vocabularySize, hidden]), ("lm_head.weight", [c.vocabularySize, hidden])]
        return embeddings + (0..<c.layerCount).flatMap { layer in
            projections.map { ("model.layers.\(layer).\($0.0).weight", $0.1) }
        }
    }

    /// The in-memory format that keeps a GGUF tensor of `type` as it is, if there is one.
    static func quantizationFormat(_ type: GGMLType) -> QuantizedMatrix.Format? {
        switch type {
        case .q8_0: return .q8_0
        case .q4_0: return .q4_0
        case .q4_1: return .q4_1
        case .q5_0: return .q5_0
        case .q5_1: return .q5_1
        case .q2_K: return .q2_K
        case .q3_K: return .q3_K
        case .q4_K: return .q4_K
        case .q5_K: return .q5_K
        case .q6_K: return .q6_K
        case .iq4_NL: return .iq4_NL
        case .iq4_XS: return .iq4_XS
        default: return nil
        }
    }

    /// Inverts llama.cpp's `permute(w, n_head)`: within each head, row `j·2 + a` of the file is row
    /// `a·(D/2) + j` of the `transformers` weight. Rows are `rowLength` elements (floats or block bytes).
    static func unpermuteRows<Element: Numeric>(_ values: [Element], heads: Int, rowLength: Int) -> [Element] {
        let rows = values.count / rowLength
        let headRows = rows / heads, half = headRows / 2
        var result = [Element](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for head in 0..<heads {
                    for j in 0..<half {
                        for a in 0..<2 {
                            let from = (head * headRows + j * 2 + a) * rowLength
                            let to = (head * headRows + a * half + j) * rowLength
                            for column in 0..<rowLength { target[to + column] = source[from + column] }
                        }
                    }
                }
            }
        }
        return result
    }
}
