import Foundation
import ImprintFormats
import ImprintTensor
import XCTest
@testable import ImprintModel

/// The real default model (SmolLM2-135M-Instruct, Q4_1 GGUF from scripts/fetch-default-model.sh)
/// against `transformers` loading the same GGUF (Fixtures/make_default_model_fixture.py).
///
/// This is the suite's one test with a download; scripts/test.sh fetches the model first. Without
/// the file it is skipped, except under CI (`CI` set), where a missing model fails.
final class DefaultModelIntegrationTests: XCTestCase {
    func testLogitsAndGreedyAnswerMatchTransformers() throws {
        guard let path = defaultModelPath() else {
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail("default model missing; run scripts/fetch-default-model.sh") }
            throw XCTSkip("default model not fetched (scripts/fetch-default-model.sh)")
        }
        let start = Date()
        let model = try ModelLoader.load(path: path)
        print("default model loaded in \(Date().timeIntervalSince(start)) s")
        let reference = try Reference("default-model/reference.safetensors")
        let ids = try reference.ints("input_ids")
        let logits = withoutGradients { model(TokenBatch(ids)) }
        let vocabulary = model.configuration.vocabularySize
        let lastThree = Array(logits.storage[((ids.count - 3) * vocabulary)...])
        let expected = try reference.tensor("last_logits").storage
        let maxError = zip(lastThree, expected).map { Swift.abs($0 - $1) }.max()!
        print("default model: max |logit - transformers| over the last 3 positions = \(maxError)")
        XCTAssertLessThanOrEqual(maxError, 1e-3)

        let generated = try Generator(model: model).generate(prompts: [ids], parameters: .greedy(maxTokens: 20), stopTokenIds: [])[0]
        XCTAssertEqual(generated.tokens, try reference.ints("generated_ids"))
        // "The capital of France is Paris." — token 7042 is " Paris" in SmolLM2's vocabulary.
        let vocabularyTokens = try GGUFFile(path: path).metadata.strings("tokenizer.ggml.tokens")
        XCTAssertTrue(generated.tokens.prefix(8).map { vocabularyTokens[$0] }.joined().contains("Paris"))
    }
}
