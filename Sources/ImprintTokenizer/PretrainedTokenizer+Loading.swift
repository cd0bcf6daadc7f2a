import Foundation

extension PretrainedTokenizer {
    /// Loads the tokenizer of a model: a GGUF file (its `tokenizer.ggml.*` metadata) or a Hugging Face directory
    /// (`tokenizer.json`, `tokenizer_config.json`).
    /// - Throws: `TokenizerError` naming the path when it is neither, or the file and field at fault.
    public static func load(modelPath path: String) throws -> PretrainedTokenizer {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TokenizerError.unreadable(file: path, reason: "no such file or directory")
        }
        if isDirectory.boolValue {
            return try PretrainedTokenizer(directory: URL(fileURLWithPath: path))
        }
        return try PretrainedTokenizer(ggufPath: path)
    }
}
