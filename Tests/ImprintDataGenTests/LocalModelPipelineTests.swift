import Foundation
import ImprintCore
import ImprintModel
import XCTest
@testable import ImprintDataGen

/// The pipelines with a real model through `LocalTextGenerator`: the tiny random Llama of the SFT tests (vocabulary
/// 196, context 256), used in place. Its text is noise, so this checks the plumbing — prompts through the chat
/// template, batched generation, the retry turn, failures logged with the model's response — not quality.
final class LocalModelPipelineTests: XCTestCase {
    static let tinyModel = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ImprintSFTTests/Fixtures/tiny").path

    /// A step with a prompt short enough for the tiny model's context.
    struct ShortStoryStep: GenerationStep {
        var name: String { "stories" }
        var keyColumn: String { "story_id" }
        var defaultParameters: SamplingParameters { SamplingParameters(maxTokens: 12, temperature: 0.8, seed: 3) }
        func prompt(for item: PipelineItem) -> String { "Tell: " + (item.fields["plotline"] ?? "") }
        func process(_ response: String, item: PipelineItem) throws -> StepOutput {
            try StoryStep(minimumWords: 3).process(response, item: item)
        }
    }

    func testStoriesEndToEndWithTheTinyModel() async throws {
        let generator = try LocalTextGenerator(path: Self.tinyModel)
        let items = ["Ash: a town.", "Bay: a port.", "Cob: a hill."].enumerated().map {
            PipelineItem(key: String($0.offset), fields: ["plotline": $0.element])
        }
        let output = NSTemporaryDirectory() + "imprint-datagen-local-\(UUID().uuidString).jsonl"
        let pipeline = GenerationPipeline(step: ShortStoryStep(), generator: generator, batchSize: 2)
        let summary = try await pipeline.run(items: items, output: output)
        let kept = try AppendingJSONLFile.existingRows(path: output)
        let rejected = try AppendingJSONLFile.existingRows(path: GenerationPipeline<ShortStoryStep>.rejectsPath(for: output))
        XCTAssertEqual(summary.items, 3)
        XCTAssertEqual(kept.count + rejected.count, 3, "every item is kept or logged with its reason")
        XCTAssertEqual(summary.keptRows + summary.failed.values.reduce(0, +), 3)
        for row in rejected { XCTAssertNotNil(row.fields["response"] as? String) }
        // Same seed, same model: the same files again.
        let again = NSTemporaryDirectory() + "imprint-datagen-local-\(UUID().uuidString).jsonl"
        _ = try await pipeline.run(items: items, output: again)
        XCTAssertEqual(try String(contentsOfFile: again, encoding: .utf8), try String(contentsOfFile: output, encoding: .utf8))
    }
}
