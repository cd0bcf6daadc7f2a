import Foundation
import ImprintFormats
import ImprintTokenizer

extension GGUFExporter {
    /// `general.architecture`, the architecture's hyperparameter keys as `convert_hf_to_gguf.py`
    /// writes them (`TextModel.set_gguf_parameters` and the `LlamaModel` / `Gemma3Model`
    /// additions), `general.file_type` and `general.quantization_version`.
    ///
    /// - Throws: `ModelError.invalidConfiguration` for what llama.cpp's model cannot express:
    ///   Llama attention biases, Qwen2 without them, RoPE scaling other than linear and llama3,
    ///   Gemma 3 layer types other than llama.cpp's fixed pattern (every sixth layer global) or a
    ///   query scale other than the one llama.cpp derives.
    static func hyperparameters(_ c: ModelConfiguration, dataType: DataType, file: String) throws -> [(key: String, value: GGUFValue)] {
        func unsupported(_ key: String, _ expected: String) -> ModelError {
            ModelError.invalidConfiguration(file: file, key: key, expected: expected + " (what llama.cpp's \(c.architecture.rawValue) model can express)")
        }
        let name: String
        switch c.architecture {
        case .llama:
            name = "llama"
            guard !c.attentionBias else { throw unsupported("attention_bias", "false") }
        case .qwen2:
            name = "qwen2"
            guard c.attentionBias else { throw unsupported("attention_bias", "true") }
        case .gemma3:
            name = "gemma3"
            let expectedScalar = c.layerCount == 62 ? Float(c.hiddenSize / c.attentionHeadCount) : Float(c.headDimension)
            guard c.queryPreAttentionScalar == nil || c.queryPreAttentionScalar == expectedScalar else {
                throw unsupported("query_pre_attn_scalar", "\(expectedScalar)")
            }
            let pattern: [ModelConfiguration.LayerType] = c.slidingWindow == nil ? Array(repeating: .fullAttention, count: c.layerCount)
                : (0..<c.layerCount).map { ($0 + 1) % 6 == 0 ? .fullAttention : .slidingAttention }
            guard c.layerTypes == pattern else {
                throw unsupported("layer_types", "every sixth layer full_attention, the others sliding_attention (or all full without a sliding window)")
            }
        }
        if c.architecture != .gemma3 && c.layerTypes.contains(.slidingAttention) {
            throw unsupported("layer_types", "full_attention in every layer")
        }
        if let scaling = c.ropeScaling, !["linear", "llama3"].contains(scaling.type) {
            throw unsupported("rope_scaling.rope_type", "linear or llama3")
        }
        func count(_ value: Int) -> GGUFValue { .uint32(UInt32(value)) }
        var entries: [(key: String, value: GGUFValue)] = [
            ("general.architecture", .string(name)),
            ("\(name).block_count", count(c.layerCount)),
            ("\(name).context_length", count(c.maxPositionEmbeddings)),
            ("\(name).embedding_length", count(c.hiddenSize)),
            ("\(name).feed_forward_length", count(c.intermediateSize)),
            ("\(name).attention.head_count", count(c.attentionHeadCount)),
            ("\(name).attention.head_count_kv", count(c.keyValueHeadCount)),
            ("\(name).rope.freq_base", .float32(c.ropeTheta)),
            ("\(name).attention.layer_norm_rms_epsilon", .float32(c.rmsNormEpsilon)),
            ("\(name).attention.key_length", count(c.headDimension)),
            ("\(name).attention.value_length", count(c.headDimension)),
        ]
        if let scaling = c.ropeScaling, scaling.type == "linear" {
            entries.append(("\(name).rope.scaling.type", .string("linear")))
            entries.append(("\(name).rope.scaling.factor", .float32(scaling.factor)))
        }
        switch c.architecture {
        case .llama:
            entries.append(("\(name).vocab_size", count(c.vocabularySize)))
            entries.append(("\(name).rope.dimension_count", count(c.headDimension)))
        case .qwen2:
            break
        case .gemma3:
            entries.append(("gemma3.rope.freq_base_swa", .float32(c.localRopeTheta ?? 10_000)))
            if let window = c.slidingWindow { entries.append(("gemma3.attention.sliding_window", count(window))) }
            if let cap = c.finalLogitSoftcapping { entries.append(("gemma3.final_logit_softcapping", .float32(cap))) }
        }
        entries.append(("general.file_type", .uint32(dataType.fileType)))
        entries.append(("general.quantization_version", .uint32(2)))
        return entries
    }

    /// The source's descriptive `general.*` keys (GGUF sources) and its `tokenizer.*` keys: copied
    /// from a GGUF file, converted from an HF directory (`GGUFTokenizerMetadata`). Special token
    /// ids the tokenizer does not name come from the configuration.
    /// - Throws: `ModelError.invalidConfiguration` for a negative special token id in the configuration.
    static func tokenizerMetadata(_ source: ModelLoader.Source?, configuration c: ModelConfiguration) throws
        -> (general: [(key: String, value: GGUFValue)], tokenizer: [(key: String, value: GGUFValue)]) {
        var general: [(key: String, value: GGUFValue)] = [], tokenizer: [(key: String, value: GGUFValue)] = []
        switch source {
        case .gguf(let url)?:
            let metadata = try GGUFFile(contentsOf: url).metadata
            let regenerated: Set = ["general.architecture", "general.file_type", "general.quantization_version", "general.alignment"]
            for key in metadata.keys {
                if key.hasPrefix("general.") && !regenerated.contains(key) { general.append((key, metadata[key]!)) }
                if key.hasPrefix("tokenizer.") { tokenizer.append((key, metadata[key]!)) }
            }
        case .huggingFaceDirectory(let url)?:
            general.append(("general.name", .string(url.lastPathComponent)))
            tokenizer = try GGUFTokenizerMetadata.entries(directory: url, vocabularySize: c.vocabularySize)
        case nil:
            break
        }
        // As gguf-py's `SpecialVocab`: a negative id is an error, one past the vocabulary is left out.
        let ids = [("tokenizer.ggml.bos_token_id", "bos_token_id", c.bosTokenId),
                   ("tokenizer.ggml.eos_token_id", "eos_token_id", c.eosTokenIds.first),
                   ("tokenizer.ggml.padding_token_id", "pad_token_id", c.padTokenId)]
        for case let (key, configurationKey, id?) in ids where !tokenizer.contains(where: { $0.key == key }) {
            guard id >= 0 else {
                throw ModelError.invalidConfiguration(file: configurationFile(source), key: configurationKey,
                                                      expected: "a token id >= 0 or none (found \(id))")
            }
            if id < c.vocabularySize { tokenizer.append((key, .uint32(UInt32(id)))) }
        }
        return (general, tokenizer)
    }

    /// The file the model configuration came from, for errors.
    static func configurationFile(_ source: ModelLoader.Source?) -> String {
        switch source {
        case .gguf(let url)?: return url.path
        case .huggingFaceDirectory(let url)?: return url.appendingPathComponent("config.json").path
        case nil: return "(model configuration)"
        }
    }
}
