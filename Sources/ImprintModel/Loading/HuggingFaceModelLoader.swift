import Foundation
import ImprintFormats

/// Loads `config.json` + `model.safetensors` (or shards with `model.safetensors.index.json`).
public enum HuggingFaceModelLoader {
    /// The normalized configuration of `directory/config.json`, by its `model_type`.
    public static func configuration(directory: URL) throws -> ModelConfiguration {
        let url = directory.appendingPathComponent("config.json")
        let file = url.path
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelError.invalidConfiguration(file: file, key: "(file)", expected: "a readable config.json: \(error.localizedDescription)")
        }
        struct Header: Decodable { let model_type: String? }
        let header = try HFConfigurationSupport.decode(Header.self, from: data, file: file)
        guard let modelType = header.model_type else {
            throw ModelError.invalidConfiguration(file: file, key: "model_type", expected: "a string naming the architecture")
        }
        switch modelType {
        case "llama": return try HFConfigurationSupport.decode(LlamaConfiguration.self, from: data, file: file).modelConfiguration(file: file)
        case "qwen2": return try HFConfigurationSupport.decode(Qwen2Configuration.self, from: data, file: file).modelConfiguration(file: file)
        case "gemma3_text": return try HFConfigurationSupport.decode(Gemma3TextConfiguration.self, from: data, file: file).modelConfiguration(file: file)
        default:
            throw ModelError.unknownArchitecture(file: file, name: modelType, supported: ModelConfiguration.Architecture.allCases.map(\.rawValue))
        }
    }

    /// The model in `directory`, with every parameter loaded and checked against its shape.
    ///
    /// Checkpoint tensors the model does not use are an error, except `lm_head.weight` beside tied
    /// embeddings and old checkpoints' `rotary_emb.inv_freq` buffers.
    public static func load(directory: URL) throws -> TransformerDecoder {
        let configuration = try configuration(directory: directory)
        let checkpoint = try SafetensorsCheckpoint(contentsOf: directory)
        let model = TransformerDecoder(configuration: configuration)
        let expected = Set(model.namedParameters().map(\.key))
        for name in checkpoint.tensorNames where !expected.contains(name) {
            if name.hasSuffix("rotary_emb.inv_freq") || (name == "lm_head.weight" && configuration.tieWordEmbeddings) { continue }
            throw ModelError.unexpectedTensor(file: directory.path, key: name)
        }
        try model.loadParameters(file: directory.path) { key, shape in
            guard checkpoint.contains(key) else { return nil }
            let info = try checkpoint.info(key)
            guard info.shape == shape else {
                throw ModelError.shapeMismatch(file: try checkpoint.file(containing: key).url.path, key: key, expected: shape, found: info.shape)
            }
            return try checkpoint.floats(key)
        }
        return model
    }
}
