import Foundation
import ImprintTensor
import XCTest
@testable import ImprintModel

/// The tiny `Fixtures/<name>` model (llama, qwen2, gemma3), freshly loaded.
func loadFixtureModel(_ name: String) throws -> TransformerDecoder {
    try HuggingFaceModelLoader.load(directory: modelFixtures.appendingPathComponent(name))
}

/// The `input_ids` batch `[2, 7]` of `Fixtures/<name>/reference.safetensors`.
func fixtureBatch(_ name: String) throws -> TokenBatch {
    let ids = try Reference("\(name)/reference.safetensors").ints("input_ids")
    return TokenBatch(ids: ids, batchSize: 2, length: ids.count / 2)
}

extension XCTestCase {
    /// A new empty directory, removed when the test ends.
    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}
