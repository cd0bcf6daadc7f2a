import Foundation
import ImprintFormats
import ImprintTensor
import ImprintTokenizer

/// Writes a model as a GGUF file that llama.cpp loads, as its `convert_hf_to_gguf.py` would
/// write the same weights (`LlamaModel`, `Qwen2Model`, `Gemma3Model`):
///
/// - tensor names of gguf-py's tensor map (`blk.N.attn_q.weight`, `token_embd.weight`, ...);
///   no `output.weight` when the embeddings are tied;
/// - Llama's q/k rows permuted for llama.cpp's interleaved RoPE (`LlamaModel.permute`), Gemma's
///   norm weights stored as `1 + w` — the two conversions `GGUFModelLoader` undoes;
/// - norms and other 1-D tensors in F32, matrices in the chosen type (Q8_0 falls back to F16 for
///   a matrix whose rows are not a multiple of 32, as the converter does);
/// - Llama 3 RoPE scaling as `rope_freqs.weight` factors (`LlamaModel.generate_extra_tensors`);
/// - the hyperparameter keys the converter writes, and the tokenizer: a GGUF source's
///   `tokenizer.*` keys copied, a Hugging Face directory's converted (`GGUFTokenizerMetadata`).
///
/// Quantized layers are dequantized first (the model keeps float32 weights afterwards). Adapters
/// must be merged or removed first (`LoRA.mergeAndUnload`). Written atomically.
public enum GGUFExporter {
    /// The type of the matrices.
    public enum DataType: String, CaseIterable, Sendable {
        case f32, f16, bf16, q8_0

        var ggml: GGMLType {
            switch self {
            case .f32: return .f32
            case .f16: return .f16
            case .bf16: return .bf16
            case .q8_0: return .q8_0
            }
        }

        /// llama.cpp's `general.file_type` (`enum llama_ftype`: ALL_F32, MOSTLY_F16, MOSTLY_BF16, MOSTLY_Q8_0).
        var fileType: UInt32 {
            switch self {
            case .f32: return 0
            case .f16: return 1
            case .bf16: return 32
            case .q8_0: return 7
            }
        }
    }

    /// Exports `model`, with the tokenizer of `source` (a GGUF file or HF directory; nil: none), to `url`.
    ///
    /// - Throws: `ModelError.invalidConfiguration` for attached adapters or a configuration that
    ///   llama.cpp cannot express (see `hyperparameters`), `TokenizerError` for a tokenizer that
    ///   cannot be converted, `FormatError` for unreadable sources or an unwritable destination.
    public static func export(_ model: TransformerDecoder, tokenizerSource source: ModelLoader.Source?, to url: URL,
                              dataType: DataType = .f32) throws {
        guard !model.namedParameters().contains(where: { $0.key.contains("lora_") }) else {
            throw ModelError.invalidConfiguration(file: url.path, key: "adapters", expected: "no attached LoRA adapters (merge them with LoRA.mergeAndUnload first)")
        }
        var metadata = try hyperparameters(model.configuration, dataType: dataType, file: url.path)
        let tokenizer = try tokenizerMetadata(source, configuration: model.configuration)
        metadata.insert(contentsOf: tokenizer.general, at: 1)
        metadata += tokenizer.tokenizer
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try GGUFWriter.write(metadata: metadata, tensors: tensors(of: model, dataType: dataType, file: url.path), to: url)
    }

    /// Every weight under its GGUF name, converted as llama.cpp expects, in `dataType`.
    static func tensors(of model: TransformerDecoder, dataType: DataType, file: String) throws -> [GGUFTensor] {
        let configuration = model.configuration
        let architecture = configuration.architecture
        var result: [GGUFTensor] = []
        if let factors = try ropeFactors(configuration) {
            result.append(GGUFTensor(name: "rope_freqs.weight", shape: [factors.count], values: factors, type: .f32))
        }
        for (key, shape, values) in HuggingFaceExporter.floatWeights(of: model) {
            guard let name = GGUFModelLoader.ggufName(key, architecture: architecture) else {
                throw ModelError.invalidConfiguration(file: file, key: key, expected: "a parameter with a GGUF tensor name")
            }
            var converted = values
            let rowLength = shape.count == 2 ? shape[1] : 1
            if architecture == .llama && (name.hasSuffix("attn_q.weight") || name.hasSuffix("attn_q.bias")) {
                converted = permuteRows(values, heads: configuration.attentionHeadCount, rowLength: rowLength)
            } else if architecture == .llama && (name.hasSuffix("attn_k.weight") || name.hasSuffix("attn_k.bias")) {
                converted = permuteRows(values, heads: configuration.keyValueHeadCount, rowLength: rowLength)
            }
            if architecture == .gemma3 && name.hasSuffix("norm.weight") {
                for index in converted.indices { converted[index] += 1 }
            }
            var type = shape.count == 2 ? dataType.ggml : .f32
            if shape.last! % type.blockSize != 0 { type = .f16 }
            result.append(GGUFTensor(name: name, shape: shape, values: converted, type: type))
        }
        return result
    }

    /// llama.cpp's `permute(w, n_head)` (`LlamaModel.permute` in `convert_hf_to_gguf.py`): within
    /// each head, row `a·(D/2) + j` of the `transformers` weight becomes row `j·2 + a`; the inverse
    /// of `GGUFModelLoader.unpermuteRows`.
    static func permuteRows(_ values: [Float], heads: Int, rowLength: Int) -> [Float] {
        let rows = values.count / rowLength
        let headRows = rows / heads, half = headRows / 2
        var result = [Float](repeating: 0, count: values.count)
        for head in 0..<heads {
            for j in 0..<half {
                for a in 0..<2 {
                    let from = (head * headRows + a * half + j) * rowLength
                    let to = (head * headRows + j * 2 + a) * rowLength
                    result[to..<(to + rowLength)] = values[from..<(from + rowLength)]
                }
            }
        }
        return result
    }

    /// `rope_freqs.weight`: the configuration's factors, or Llama 3 scaling turned into factors
    /// (`LlamaModel.generate_extra_tensors`); nil without either.
    static func ropeFactors(_ c: ModelConfiguration) throws -> [Float]? {
        if let factors = c.ropeFrequencyFactors { return factors }
        guard let scaling = c.ropeScaling, scaling.type == "llama3" else { return nil }
        let low = scaling.lowFrequencyFactor ?? 1, high = scaling.highFrequencyFactor ?? 4
        let original = Float(scaling.originalMaxPositionEmbeddings ?? 8192)
        let lowWavelength = original / low, highWavelength = original / high
        return RotaryEmbedding(dimension: c.headDimension, base: c.ropeTheta).inverseFrequencies.map { frequency in
            let wavelength = 2 * Float.pi / frequency
            if wavelength < highWavelength { return 1 }
            if wavelength > lowWavelength { return scaling.factor }
            let smooth = (original / wavelength - low) / (high - low)
            return 1 / ((1 - smooth) / scaling.factor + smooth)
        }
    }
}
