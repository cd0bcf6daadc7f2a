import Foundation
import XCTest
import ImprintModel
import ImprintSFT
import ImprintTokenizer

/// Paths of the fixtures `Fixtures/make_sft_fixtures.py` recorded, and scratch folders.
enum SFTFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    /// The tiny Llama (vocabulary 196, hidden 64, 2 layers) with its byte-level tokenizer and SmolLM2's template.
    static let tinyModel = directory.appendingPathComponent("tiny").path
    static let initialAdapter = directory.appendingPathComponent("tiny/initial-adapter").path
    /// 12 conversational prompt/completion rows.
    static let stories = directory.appendingPathComponent("stories.jsonl").path

    static func model() throws -> TransformerDecoder { try ModelLoader.load(path: tinyModel) }
    static func tokenizer() throws -> PretrainedTokenizer { try PretrainedTokenizer.load(modelPath: tinyModel) }

    /// Shuffled batches, gradient accumulation, LoRA dropout (its RNG must be restored), a cosine schedule and a
    /// held-out split: everything a resumed run must pick up exactly. Checkpoints at steps 2, 4 and 6.
    static func resumableConfiguration() -> SFTConfiguration {
        var configuration = SFTConfiguration()
        configuration.learningRate = 5e-3
        configuration.schedule = .cosine
        configuration.warmupSteps = 1
        configuration.maxSteps = 6
        configuration.batchSize = 3
        configuration.gradientAccumulationSteps = 2
        configuration.maxLength = 96
        configuration.weightDecay = 0.01
        configuration.lora = .init(rank: 4, alpha: 8, dropout: 0.1, targetModules: ["q_proj", "v_proj", "down_proj"])
        configuration.evaluationFraction = 0.25
        configuration.evaluationInterval = 3
        configuration.checkpointInterval = 2
        configuration.seed = 11
        return configuration
    }

    /// A fresh empty folder under the temporary directory.
    static func scratchDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("imprint-sft-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes `lines` as a JSONL file in a scratch folder and returns its path.
    static func jsonl(_ lines: [String]) throws -> String {
        let url = try scratchDirectory("data").appendingPathComponent("data.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// The recorded PyTorch trajectory.
    struct Trajectory: Decodable {
        let steps: Int
        let batch_size: Int
        let gradient_accumulation_steps: Int
        let max_length: Int
        let learning_rate: Float
        let warmup_steps: Int
        let weight_decay: Float
        let max_grad_norm: Float
        let losses: [Double]
        let grad_norms: [Double]
        let learning_rates: [Double]
        let first_batch: FirstBatch

        struct FirstBatch: Decodable {
            let input_ids: [[Int]]
            let labels: [[Int]]
        }
    }

    static func trajectory() throws -> Trajectory {
        try JSONDecoder().decode(Trajectory.self, from: Data(contentsOf: directory.appendingPathComponent("trajectory.json")))
    }
}

/// `XCTAssertThrowsError` for an expression that awaits: fails when it returns, else hands the error to `handler`.
func assertThrowsAsync<T>(_ expression: @autoclosure () async throws -> T, _ message: String = "",
                          file: StaticString = #filePath, line: UInt = #line, _ handler: (Error) -> Void = { _ in }) async {
    do {
        _ = try await expression()
        XCTFail("no error was thrown" + (message.isEmpty ? "" : ": " + message), file: file, line: line)
    } catch {
        handler(error)
    }
}
