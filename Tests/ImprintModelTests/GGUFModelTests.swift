import Foundation
import ImprintFormats
import ImprintTensor
import XCTest
@testable import ImprintModel

/// The tiny Llama exported to GGUF (F32 and Q8_0, q/k rows permuted as llama.cpp does) loads
/// and matches `transformers` run on the dequantized weights.
final class GGUFModelTests: XCTestCase {
    func testLlamaGGUFMatchesTransformers() throws {
        let reference = try Reference("llama/gguf-reference.safetensors")
        let ids = try Reference("llama/reference.safetensors").ints("input_ids")
        let batch = TokenBatch(ids: ids, batchSize: 2, length: ids.count / 2)
        for variant in ["f32", "q8_0"] {
            let model = try ModelLoader.load(path: modelFixtures.appendingPathComponent("llama/llama-\(variant).gguf").path)
            XCTAssertTrue(model.configuration.tieWordEmbeddings)
            let logits = withoutGradients { model(batch) }
            XCTAssertLessThanOrEqual(relativeError(logits.storage, try reference.tensor("\(variant).logits").storage), 1e-4, variant)
        }
    }

    func testUnpermuteInvertsLlamaCppPermutation() {
        // llama.cpp: w.reshape(heads, 2, D/2, rest).swapaxes(1, 2) — build it by hand and undo it.
        let heads = 2, headRows = 4, rowLength = 3
        let original = (0..<(heads * headRows * rowLength)).map(Float.init)
        var permuted = [Float](repeating: 0, count: original.count)
        for head in 0..<heads {
            for a in 0..<2 {
                for j in 0..<(headRows / 2) {
                    for column in 0..<rowLength {
                        permuted[(head * headRows + j * 2 + a) * rowLength + column] = original[(head * headRows + a * headRows / 2 + j) * rowLength + column]
                    }
                }
            }
        }
        XCTAssertNotEqual(permuted, original)
        XCTAssertEqual(GGUFModelLoader.unpermuteRows(permuted, heads: heads, rowLength: rowLength), original)
    }
}
