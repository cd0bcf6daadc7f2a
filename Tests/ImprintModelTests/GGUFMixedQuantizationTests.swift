import Foundation
import ImprintFormats
import ImprintTensor
import XCTest
@testable import ImprintModel

/// A Q4_K_M-style GGUF (a mix of block types across tensors, all twelve that Imprint reads) loads,
/// dequantized or kept quantized, and matches `transformers` loading the same file
/// (Fixtures/make_q4_k_m_fixture.py, Fixtures/gguf-q4_k_m/).
final class GGUFMixedQuantizationTests: XCTestCase {
    let path = modelFixtures.appendingPathComponent("gguf-q4_k_m/llama-q4_k_m.gguf").path

    func reference() throws -> (batch: TokenBatch, logits: Tensor) {
        let reference = try Reference("gguf-q4_k_m/reference.safetensors")
        let ids = try reference.ints("input_ids")
        return (TokenBatch(ids: ids, batchSize: 2, length: ids.count / 2), try reference.tensor("logits"))
    }

    /// max |actual − expected| / (max − min of expected): the error as a fraction of the logit range.
    func rangeError(_ actual: Tensor, _ expected: Tensor) -> Float {
        let spread = (expected.storage.max() ?? 0) - (expected.storage.min() ?? 0)
        return zip(actual.storage, expected.storage).map { Swift.abs($0 - $1) }.max()! / Swift.max(spread, 1e-12)
    }

    func testFileMixesEveryBlockType() throws {
        let file = try GGUFFile(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(try file.metadata.int("general.file_type"), 15)  // LLAMA_FTYPE_MOSTLY_Q4_K_M
        let matrices = file.tensors.filter { $0.shape.count == 2 }
        XCTAssertEqual(matrices.count, 16)
        XCTAssertEqual(Set(matrices.map(\.type)), Set(QuantizedWeightTests.types.values))
        XCTAssertEqual(try file.requireTensor("token_embd.weight").type, .q4_K)
        XCTAssertEqual(try file.requireTensor("output.weight").type, .q6_K)
        XCTAssertEqual(try file.requireTensor("blk.0.attn_q.weight").type, .q5_0)
    }

    func testDequantizedLoadMatchesTransformers() throws {
        let (batch, expected) = try reference()
        let model = try ModelLoader.load(path: path)
        let logits = withoutGradients { model(batch) }
        XCTAssertEqual(logits.shape, expected.shape)
        print("Q4_K_M fixture, dequantized: max |logit − transformers| / logit range = \(rangeError(logits, expected))")
        XCTAssertLessThanOrEqual(rangeError(logits, expected), 1e-3)
    }

    func testKeepQuantizedLoadMatchesTransformersAndTheDequantizedModel() throws {
        let (batch, expected) = try reference()
        let dense = try ModelLoader.load(path: path)
        let model = try ModelLoader.load(path: path, keepQuantized: true)
        let linears = model.namedModules().compactMap { $0.module as? Linear }
        XCTAssertEqual(linears.count, 15)  // 2 × 7 projections + lm_head
        XCTAssertTrue(linears.allSatisfy(\.isQuantized))
        XCTAssertEqual(model.embedding.quantizedWeight?.format, .q4_K)
        XCTAssertEqual(Set(linears.compactMap { $0.quantizedWeight?.format }).count, 12)
        // Decoding (the small-batch kernels) and prefill (dequantized tiles) both match.
        let logits = withoutGradients { model(batch) }
        print("Q4_K_M fixture, kept quantized: max |logit − transformers| / logit range = \(rangeError(logits, expected))")
        XCTAssertLessThanOrEqual(rangeError(logits, expected), 1e-3)
        XCTAssertLessThanOrEqual(relativeError(logits.storage, withoutGradients { dense(batch) }.storage), 1e-5)
        let prompts = [[1, 5, 17, 33], [1, 60]]
        XCTAssertEqual(try Generator(model: model).generate(prompts: prompts, parameters: .greedy(maxTokens: 6), stopTokenIds: []).map(\.tokens),
                       try Generator(model: dense).generate(prompts: prompts, parameters: .greedy(maxTokens: 6), stopTokenIds: []).map(\.tokens))
    }
}
