import Foundation
import XCTest
@testable import ImprintFormats

/// The real default model (SmolLM2-135M-Instruct, Q4_1 GGUF) parses and every tensor
/// dequantizes. Skipped unless the file is present: `scripts/fetch-default-model.sh` fetches it
/// (`IMPRINT_DEFAULT_MODEL` or `~/.cache/imprint/models/...`), so the other tests stay hermetic.
final class DefaultModelTests: XCTestCase {
    static var defaultModelURL: URL {
        if let path = ProcessInfo.processInfo.environment["IMPRINT_DEFAULT_MODEL"] {
            return URL(fileURLWithPath: path)
        }
        let cache = ProcessInfo.processInfo.environment["IMPRINT_CACHE"]
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/imprint").path
        return URL(fileURLWithPath: cache).appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf")
    }

    func testDefaultModelParsesAndEveryTensorDequantizes() throws {
        let url = Self.defaultModelURL
        try XCTSkipUnless(FileManager.default.fileExists(atPath: url.path),
                          "\(url.path) absent: run scripts/fetch-default-model.sh")
        let file = try GGUFFile(contentsOf: url)
        let metadata = file.metadata
        XCTAssertEqual(try metadata.string("general.architecture"), "llama")
        XCTAssertEqual(try metadata.int("llama.block_count"), 30)
        XCTAssertEqual(try metadata.int("llama.embedding_length"), 576)
        XCTAssertEqual(try metadata.string("tokenizer.ggml.model"), "gpt2")
        XCTAssertEqual(try metadata.strings("tokenizer.ggml.tokens").count, 49152)
        XCTAssertFalse(try metadata.strings("tokenizer.ggml.merges").isEmpty)
        XCTAssertFalse(try metadata.string("tokenizer.chat_template").isEmpty)
        XCTAssertEqual(file.tensors.count, 272)
        var typeCounts: [GGMLType: Int] = [:]
        for info in file.tensors {
            typeCounts[info.type, default: 0] += 1
            let values = try file.dequantize(info)
            XCTAssertEqual(values.count, info.elementCount, info.name)
            // A sample, since a per-element check of 135M values is slow in debug builds.
            for index in stride(from: 0, to: values.count, by: 101) where !values[index].isFinite {
                XCTFail("\(info.name)[\(index)] = \(values[index])")
                break
            }
        }
        XCTAssertEqual(typeCounts, [.q4_1: 210, .q8_0: 1, .f32: 61])
        let embedding = try file.requireTensor("token_embd.weight")
        XCTAssertEqual(embedding.shape, [49152, 576])
        XCTAssertEqual(embedding.type, .q8_0)
    }
}
