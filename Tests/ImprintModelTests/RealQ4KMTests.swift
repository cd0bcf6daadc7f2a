import Foundation
import ImprintFormats
import ImprintTensor
import XCTest
@testable import ImprintModel

/// A real llama.cpp Q4_K_M file (Gemma 3 270M: Q4_K, Q6_K, Q5_0 and Q8_0 tensors) kept quantized
/// against `transformers` loading the same file (Fixtures/make_real_q4_k_m_reference.py).
///
/// Opt-in (about 10 s in a debug build), skipped unless IMPRINT_Q4_K_M_MODEL names the file:
///     IMPRINT_Q4_K_M_MODEL=$(scripts/fetch-q4_k_m-model.sh) swift test --filter RealQ4KMTests
final class RealQ4KMTests: XCTestCase {
    func modelPath() throws -> String {
        guard let path = ProcessInfo.processInfo.environment["IMPRINT_Q4_K_M_MODEL"] else {
            throw XCTSkip("opt-in: IMPRINT_Q4_K_M_MODEL=$(scripts/fetch-q4_k_m-model.sh) runs it")
        }
        return path
    }

    func testKeptQuantizedLogitsAndGreedyTokensMatchTransformers() throws {
        let path = try modelPath()
        let file = try GGUFFile(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(try file.metadata.int("general.file_type"), 15)  // LLAMA_FTYPE_MOSTLY_Q4_K_M
        XCTAssertEqual(Set(file.tensors.filter { $0.shape.count == 2 }.map(\.type)), [.q4_K, .q6_K, .q5_0, .q8_0])
        let model = try GGUFModelLoader.load(file, keepQuantized: true)
        let formats = Set(model.namedModules().compactMap { ($0.module as? Linear)?.quantizedWeight?.format })
        XCTAssertEqual(formats, [.q4_K, .q6_K, .q5_0, .q8_0])

        let reference = try Reference("real-q4_k_m/reference.safetensors")
        let ids = try reference.ints("input_ids")
        let logits = withoutGradients { model(TokenBatch(ids)) }
        let vocabulary = model.configuration.vocabularySize
        let expected = try reference.tensor("logits_head").storage
        let head = expected.count / ids.count
        var worst: Float = 0
        for position in ids.indices {
            for id in 0..<head {
                worst = Swift.max(worst, Swift.abs(logits.storage[position * vocabulary + id] - expected[position * head + id]))
            }
        }
        let range = try reference.tensor("logit_range").storage
        print("Gemma 3 270M Q4_K_M, kept quantized: max |logit − transformers| = \(worst) (logit range \(range[1] - range[0]))")
        XCTAssertLessThanOrEqual(worst, 1e-3 * (range[1] - range[0]))
        let argmax = ids.indices.map { position in
            let row = logits.storage[(position * vocabulary)..<((position + 1) * vocabulary)]
            return row.indices.max { row[$0] < row[$1] }! - position * vocabulary
        }
        XCTAssertEqual(argmax, try reference.ints("argmax"))
        let generated = try Generator(model: model).generate(prompts: [Array(ids.prefix(6))], parameters: .greedy(maxTokens: 8),
                                                         stopTokenIds: [])[0]
        XCTAssertEqual(generated.tokens, try reference.ints("generated_ids"))
    }
}
