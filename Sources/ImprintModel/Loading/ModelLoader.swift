import Foundation
import ImprintFormats

/// Loads a model from a GGUF file or a Hugging Face directory into float32 weights.
public enum ModelLoader {
    /// What a path holds.
    public enum Source: Sendable, Equatable {
        case gguf(URL)
        case huggingFaceDirectory(URL)
    }

    /// Classifies `path`: a file starting with `GGUF`, or a directory with `config.json`.
    public static func source(of path: String) throws -> Source {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ModelError.unrecognizedModelPath(path: path)
        }
        if isDirectory.boolValue {
            guard FileManager.default.fileExists(atPath: url.appendingPathComponent("config.json").path) else {
                throw ModelError.unrecognizedModelPath(path: path)
            }
            return .huggingFaceDirectory(url)
        }
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        guard handle.readData(ofLength: 4) == Data("GGUF".utf8) else { throw ModelError.unrecognizedModelPath(path: path) }
        return .gguf(url)
    }

    /// The model at `path` (GGUF file or HF directory).
    ///
    /// - Parameter keepQuantized: for GGUF files, keep block-quantized matrices (Q8_0, Q4_K, Q6_K,
    ///   Q5_0, … every `QuantizedMatrix.Format`) quantized in memory as frozen weights (for inference
    ///   and LoRA training); otherwise every weight is float32.
    public static func load(path: String, keepQuantized: Bool = false) throws -> TransformerDecoder {
        switch try source(of: path) {
        case .gguf(let url): return try GGUFModelLoader.load(GGUFFile(contentsOf: url), keepQuantized: keepQuantized)
        case .huggingFaceDirectory(let url): return try HuggingFaceModelLoader.load(directory: url)
        }
    }
}
