import Foundation
import ImprintFormats
import ImprintTensor
import ImprintTokenizer

/// Writes a model as a Hugging Face directory that `transformers.AutoModelForCausalLM` and
/// `AutoTokenizer` load: `config.json`, `model.safetensors`, `generation_config.json`, and the
/// tokenizer (`tokenizer.json` + `tokenizer_config.json` with the chat template).
///
/// The directory is written beside its destination under a temporary name and renamed into place,
/// so an interrupted export never leaves a half-written model behind. Quantized layers are
/// dequantized (the model object keeps float32 weights afterwards). Adapters must be merged or
/// removed first (`LoRA.mergeAndUnload`).
public enum HuggingFaceExporter {
    public enum DataType: String, CaseIterable, Sendable {
        case f32, f16, bf16
        var safetensors: SafetensorsDataType {
            switch self {
            case .f32: return .f32
            case .f16: return .f16
            case .bf16: return .bf16
            }
        }
        var torchName: String { ["f32": "float32", "f16": "float16", "bf16": "bfloat16"][rawValue]! }
    }

    /// Exports `model`, with the tokenizer of `source` (a GGUF file or HF directory), to `directory`.
    ///
    /// - Throws: `ModelError.invalidConfiguration` for what `config.json` cannot express,
    ///   `TokenizerError` for a vocabulary that cannot be exported, file errors.
    public static func export(_ model: TransformerDecoder, tokenizerSource source: ModelLoader.Source?, to directory: URL,
                              dataType: DataType = .f32) throws {
        guard !model.namedParameters().contains(where: { $0.key.contains("lora_") }) else {
            throw ModelError.invalidConfiguration(file: directory.path, key: "adapters", expected: "no attached LoRA adapters (merge them with LoRA.mergeAndUnload first)")
        }
        let fileManager = FileManager.default
        let parent = directory.deletingLastPathComponent()
        try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
        let staging = parent.appendingPathComponent(".\(directory.lastPathComponent).staging-\(UUID().uuidString)")
        try fileManager.createDirectory(at: staging, withIntermediateDirectories: false)
        do {
            let configuration = model.configuration
            try writeJSON(try configurationJSON(configuration, dataType: dataType, file: directory.path), to: staging.appendingPathComponent("config.json"))
            var generation: [String: Any] = ["_from_model_config": true]
            if let bos = configuration.bosTokenId { generation["bos_token_id"] = bos }
            if !configuration.eosTokenIds.isEmpty {
                generation["eos_token_id"] = configuration.eosTokenIds.count == 1 ? configuration.eosTokenIds[0] as Any : configuration.eosTokenIds
            }
            if let pad = configuration.padTokenId { generation["pad_token_id"] = pad }
            try writeJSON(generation, to: staging.appendingPathComponent("generation_config.json"))
            try SafetensorsWriter.write(tensors(of: model, dataType: dataType.safetensors), metadata: ["format": "pt"],
                                        to: staging.appendingPathComponent("model.safetensors"))
            switch source {
            case .gguf(let url)?:
                let file = try GGUFFile(contentsOf: url)
                if file.metadata.contains("tokenizer.ggml.model") {
                    let (tokenizer, tokenizerConfiguration) = try GGUFTokenizerExport.huggingFaceData(file, modelMaxLength: configuration.maxPositionEmbeddings)
                    try tokenizer.write(to: staging.appendingPathComponent("tokenizer.json"), options: .atomic)
                    try tokenizerConfiguration.write(to: staging.appendingPathComponent("tokenizer_config.json"), options: .atomic)
                }
            case .huggingFaceDirectory(let url)?:
                for name in ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model",
                             "vocab.json", "merges.txt", "chat_template.jinja", "added_tokens.json"] {
                    let from = url.appendingPathComponent(name)
                    if fileManager.fileExists(atPath: from.path) { try fileManager.copyItem(at: from, to: staging.appendingPathComponent(name)) }
                }
            case nil:
                break
            }
            if fileManager.fileExists(atPath: directory.path) {
                let old = parent.appendingPathComponent(".\(directory.lastPathComponent).old-\(UUID().uuidString)")
                try fileManager.moveItem(at: directory, to: old)
                try fileManager.moveItem(at: staging, to: directory)
                try? fileManager.removeItem(at: old)
            } else {
                try fileManager.moveItem(at: staging, to: directory)
            }
        } catch {
            try? fileManager.removeItem(at: staging)
            throw error
        }
    }

    /// Every weight under its `transformers` key, quantized and bfloat16 layers converted to float32.
    static func tensors(of model: TransformerDecoder, dataType: SafetensorsDataType) -> [SafetensorsTensor] {
        floatWeights(of: model).map { SafetensorsTensor(name: $0.key, shape: $0.shape, values: $0.values, dataType: dataType) }
    }

    /// Every weight as float32 values under its `transformers` key; quantized and bfloat16 layers
    /// are converted to float32 parameters first, a quantized embedding table is dequantized.
    static func floatWeights(of model: TransformerDecoder) -> [(key: String, shape: [Int], values: [Float])] {
        for case let linear as Linear in model.namedModules().map(\.module) where linear.isQuantized || linear.bfloat16Weight != nil {
            _ = linear.weight
        }
        var result = model.namedParameters().map { (key: $0.key, shape: $0.tensor.shape, values: $0.tensor.scalars) }
        if let quantized = model.embedding.quantizedWeight {
            result.append((key: "model.embed_tokens.weight", shape: quantized.shape, values: quantized.dequantized().scalars))
        }
        return result
    }

    /// `config.json` in the architecture's own keys.
    static func configurationJSON(_ c: ModelConfiguration, dataType: DataType, file: String) throws -> [String: Any] {
        if c.ropeFrequencyFactors != nil && c.ropeScaling == nil {
            throw ModelError.invalidConfiguration(file: file, key: "rope_scaling", expected: "parameters config.json can express (GGUF rope_freqs factors cannot be exported)")
        }
        var json: [String: Any] = [
            "vocab_size": c.vocabularySize, "hidden_size": c.hiddenSize, "intermediate_size": c.intermediateSize,
            "num_hidden_layers": c.layerCount, "num_attention_heads": c.attentionHeadCount, "num_key_value_heads": c.keyValueHeadCount,
            "head_dim": c.headDimension, "max_position_embeddings": c.maxPositionEmbeddings, "rms_norm_eps": c.rmsNormEpsilon,
            "rope_theta": c.ropeTheta, "tie_word_embeddings": c.tieWordEmbeddings, "torch_dtype": dataType.torchName,
            "attention_dropout": 0.0, "use_cache": true,
        ]
        if let bos = c.bosTokenId { json["bos_token_id"] = bos }
        if !c.eosTokenIds.isEmpty { json["eos_token_id"] = c.eosTokenIds.count == 1 ? c.eosTokenIds[0] as Any : c.eosTokenIds }
        if let pad = c.padTokenId { json["pad_token_id"] = pad }
        if let scaling = c.ropeScaling {
            var rope: [String: Any] = ["rope_type": scaling.type, "factor": scaling.factor]
            if let low = scaling.lowFrequencyFactor { rope["low_freq_factor"] = low }
            if let high = scaling.highFrequencyFactor { rope["high_freq_factor"] = high }
            if let original = scaling.originalMaxPositionEmbeddings { rope["original_max_position_embeddings"] = original }
            json["rope_scaling"] = rope
        }
        switch c.architecture {
        case .llama:
            json["architectures"] = ["LlamaForCausalLM"]
            json["model_type"] = "llama"
            json["hidden_act"] = "silu"
            json["attention_bias"] = c.attentionBias
            json["mlp_bias"] = false
        case .qwen2:
            json["architectures"] = ["Qwen2ForCausalLM"]
            json["model_type"] = "qwen2"
            json["hidden_act"] = "silu"
            json["use_sliding_window"] = false
        case .gemma3:
            json["architectures"] = ["Gemma3ForCausalLM"]
            json["model_type"] = "gemma3_text"
            json["hidden_activation"] = "gelu_pytorch_tanh"
            json["query_pre_attn_scalar"] = c.queryPreAttentionScalar ?? Float(c.headDimension)
            json["sliding_window"] = c.slidingWindow ?? NSNull()
            json["layer_types"] = c.layerTypes.map(\.rawValue)
            json["rope_local_base_freq"] = c.localRopeTheta ?? 10_000
            json["final_logit_softcapping"] = c.finalLogitSoftcapping ?? NSNull()
            json["attn_logit_softcapping"] = NSNull()
        }
        return json
    }

    static func writeJSON(_ object: Any, to url: URL) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try data.write(to: url, options: .atomic)
    }
}
