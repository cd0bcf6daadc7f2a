import Foundation
import XCTest

/// The model fixtures of ImprintModelTests (recorded by its Fixtures/make_model_fixtures.py).
let modelFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("ImprintModelTests/Fixtures")

/// The default model's path when it has been fetched (scripts/fetch-default-model.sh), else nil.
func defaultModelPath() -> String? {
    let environment = ProcessInfo.processInfo.environment
    let cache = environment["IMPRINT_CACHE"] ?? (NSHomeDirectory() + "/.cache/imprint")
    let path = environment["IMPRINT_DEFAULT_MODEL"] ?? cache + "/models/SmolLM2-135M-Instruct.Q4_1.gguf"
    return FileManager.default.fileExists(atPath: path) ? path : nil
}

/// The default model, or a skip naming the script that fetches it.
func requireDefaultModel() throws -> String {
    guard let path = defaultModelPath() else { throw XCTSkip("default model not fetched (scripts/fetch-default-model.sh)") }
    return path
}

/// A temporary copy of the tiny Llama fixture (2 layers, hidden 64, 101 token ids) with a short context and a
/// tokenizer, so every command that needs a tokenizer runs on it in milliseconds.
///
/// The tokenizer is a character-level BPE without merges: `<unk>`, `<s>`, `</s>` are ids 0-2, the printable
/// ASCII characters `" "`...`"~"` ids 3-97, and `"\n"`, `"\t"`, `"\r"` ids 98-100, so every id the model can
/// produce decodes and `"abc"` encodes to three tokens.
struct TinyChatModel {
    let directory: URL
    var path: String { directory.path }

    /// - Parameters:
    ///   - contextLength: the `max_position_embeddings` written to config.json.
    ///   - endOfSequence: the `eos_token_id`, or none (generation then ends only at a length limit).
    init(contextLength: Int, endOfSequence: Int? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-tiny-chat-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let source = modelFixtures.appendingPathComponent("llama")
        var configuration = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("config.json")))
                                          as? [String: Any])
        configuration["max_position_embeddings"] = contextLength
        configuration["eos_token_id"] = endOfSequence
        try JSONSerialization.data(withJSONObject: configuration).write(to: directory.appendingPathComponent("config.json"))
        try FileManager.default.copyItem(at: source.appendingPathComponent("model.safetensors"),
                                        to: directory.appendingPathComponent("model.safetensors"))
        let tokens = ["<unk>", "<s>", "</s>"] + (32...126).map { String(UnicodeScalar(UInt8($0))) } + ["\n", "\t", "\r"]
        let tokenizer: [String: Any] = [
            "version": "1.0",
            "added_tokens": ["<unk>", "<s>", "</s>"].enumerated().map { ["id": $0, "content": $1, "special": true] },
            "model": ["type": "BPE", "vocab": Dictionary(uniqueKeysWithValues: tokens.enumerated().map { ($1, $0) }),
                      "merges": [String](), "unk_token": "<unk>"],
        ]
        try JSONSerialization.data(withJSONObject: tokenizer).write(to: directory.appendingPathComponent("tokenizer.json"))
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}
