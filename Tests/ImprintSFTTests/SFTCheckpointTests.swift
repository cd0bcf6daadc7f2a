import Foundation
import ImprintModel
import ImprintSFT
import XCTest

/// Checkpoints, resume and the non-finite-loss stop.
final class SFTCheckpointTests: XCTestCase {
    func configuration() -> SFTConfiguration { SFTFixtures.resumableConfiguration() }

    func trainer(_ configuration: SFTConfiguration, output: URL) throws -> SFTTrainer {
        try SFTTrainer(model: SFTFixtures.model(), tokenizer: SFTFixtures.tokenizer(),
                       dataset: SFTDataset(path: SFTFixtures.stories), configuration: configuration, outputDirectory: output)
    }

    func data(_ url: URL, _ name: String) throws -> Data { try Data(contentsOf: url.appendingPathComponent(name)) }

    /// A run stopped after its step-2 checkpoint (the later checkpoints removed) and resumed ends with the same
    /// adapter bytes, optimizer moments and metrics log as the uninterrupted run.
    func assertResumeEqualsUninterrupted(_ configuration: SFTConfiguration, weights: String,
                                         file: StaticString = #filePath, line: UInt = #line) async throws {
        let full = try SFTFixtures.scratchDirectory("uninterrupted")
        try await trainer(configuration, output: full).train()
        let resumed = try SFTFixtures.scratchDirectory("resumed")
        let manager = FileManager.default
        try manager.copyItem(at: full.appendingPathComponent("checkpoint-2"), to: resumed.appendingPathComponent("checkpoint-2"))
        try manager.copyItem(at: full.appendingPathComponent("metrics.jsonl"), to: resumed.appendingPathComponent("metrics.jsonl"))
        var events: [SFTEvent] = []
        try await trainer(configuration, output: resumed).train(resume: true) { events.append($0) }
        guard case .started(let info) = events.first else { return XCTFail("no started event", file: file, line: line) }
        XCTAssertEqual(info.startStep, 2, file: file, line: line)
        for name in [weights, "checkpoint-6/\(weights)", "checkpoint-6/optimizer.safetensors"] {
            XCTAssertEqual(try data(resumed, name), try data(full, name), name, file: file, line: line)
        }
        let lines = { (url: URL) in try String(contentsOf: url.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { $0.replacingOccurrences(of: #""tokens_per_second":[0-9.e+-]+"#, with: "",
                                                                  options: .regularExpression) } }
        XCTAssertEqual(try lines(resumed), try lines(full), "metrics other than timing", file: file, line: line)
        XCTAssertEqual(try SFTDataset.metricSteps(resumed), [1, 2, 3, 3, 4, 5, 6, 6], file: file, line: line)
    }

    func testResumeEqualsUninterruptedRunWithLoRA() async throws {
        try await assertResumeEqualsUninterrupted(configuration(), weights: "adapter_model.safetensors")
    }

    /// Mixed precision (bfloat16 frozen base) is deterministic too, and resuming converts the base again.
    func testResumeEqualsUninterruptedRunOnABFloat16Base() async throws {
        var configuration = configuration()
        configuration.bfloat16FrozenWeights = true
        try await assertResumeEqualsUninterrupted(configuration, weights: "adapter_model.safetensors")
    }

    func testResumeEqualsUninterruptedRunWithFullFineTuning() async throws {
        var configuration = configuration()
        configuration.lora = nil
        configuration.learningRate = 1e-3
        try await assertResumeEqualsUninterrupted(configuration, weights: "model.safetensors")
    }

    func testRunWritesAdapterCheckpointsMetricsAndPlot() async throws {
        let output = try SFTFixtures.scratchDirectory("outputs")
        var checkpoints: [Int] = []
        let summary = try await trainer(configuration(), output: output).train { event in
            if case .checkpoint(let step, _) = event { checkpoints.append(step) }
        }
        XCTAssertEqual(checkpoints, [2, 4, 6])
        XCTAssertEqual(summary.steps, 6)
        XCTAssertNotNil(summary.evaluation)
        let manager = FileManager.default
        for name in ["adapter_config.json", "adapter_model.safetensors", "metrics.jsonl", "loss.svg",
                     "checkpoint-4/trainer_state.json", "checkpoint-4/optimizer.safetensors", "checkpoint-4/adapter_config.json"] {
            XCTAssertTrue(manager.fileExists(atPath: output.appendingPathComponent(name).path), name)
        }
        XCTAssertFalse(try manager.contentsOfDirectory(atPath: output.path).contains { $0.hasPrefix(".") }, "no staging leftovers")
        // The final adapter loads back onto a fresh model.
        let model = try SFTFixtures.model()
        let adapter = try LoRA.load(from: output, into: model)
        XCTAssertEqual(adapter.layers.count, 2 * 3)
        let svg = try String(contentsOf: output.appendingPathComponent("loss.svg"), encoding: .utf8)
        XCTAssertTrue(svg.hasPrefix("<svg") && svg.contains("<polyline"))
    }

    func testNonFiniteLossStopsAndKeepsTheLastGoodCheckpoint() async throws {
        var configuration = configuration()
        configuration.learningRate = 1e30
        configuration.maxGradNorm = 0
        configuration.checkpointInterval = 1
        configuration.lora?.dropout = 0
        let output = try SFTFixtures.scratchDirectory("nan")
        await assertThrowsAsync(try await trainer(configuration, output: output).train()) { error in
            guard case .nonFiniteLoss(let step, _, let checkpoint)? = error as? SFTTrainingError else {
                return XCTFail("expected nonFiniteLoss, got \(error)")
            }
            XCTAssertEqual(checkpoint, output.appendingPathComponent("checkpoint-\(step - 1)").path)
            XCTAssertTrue(String(describing: error).contains("step \(step)"))
        }
    }

    func testResumeWithoutCheckpointIsAnError() async throws {
        let output = try SFTFixtures.scratchDirectory("empty")
        await assertThrowsAsync(try await trainer(configuration(), output: output).train(resume: true)) { error in
            XCTAssertEqual(error as? SFTTrainingError, .noCheckpoint(directory: output.path))
        }
    }

    func testInvalidConfigurationNamesTheField() {
        var configuration = configuration()
        configuration.batchSize = 0
        XCTAssertThrowsError(try configuration.validate()) { error in
            XCTAssertEqual((error as? SFTConfigurationError)?.field, "batchSize")
        }
        var fullFineTuning = self.configuration()
        fullFineTuning.lora = nil
        fullFineTuning.bfloat16FrozenWeights = true
        XCTAssertThrowsError(try fullFineTuning.validate()) { error in
            XCTAssertEqual((error as? SFTConfigurationError)?.field, "bfloat16FrozenWeights")
        }
    }
}

extension SFTDataset {
    /// The `step` of every line of `metrics.jsonl` in `directory`.
    static func metricSteps(_ directory: URL) throws -> [Int] {
        try String(contentsOf: directory.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").map {
            (try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["step"] as! Int
        }
    }
}

extension SFTCheckpointTests {
    /// Counters a crafted or damaged `trainer_state.json` declares are checked against the run before they index the
    /// data order or the adapter's layers: a typed error naming the file and the field, never a trap.
    func testCountersInTheStateAreCheckedAgainstTheRun() async throws {
        let output = try SFTFixtures.scratchDirectory("counters")
        _ = try await trainer(configuration(), output: output).train()
        let state = output.appendingPathComponent("checkpoint-6/trainer_state.json")
        let original = try Data(contentsOf: state)
        for (field, value) in [("nextMicroBatch", -3 as Any), ("step", 1_000_000), ("optimizerStep", -1),
                               ("dropoutGenerators", [] as [Any])] {
            var object = try XCTUnwrap(try JSONSerialization.jsonObject(with: original) as? [String: Any])
            object[field] = value
            try JSONSerialization.data(withJSONObject: object).write(to: state)
            await assertThrowsAsync(try await trainer(configuration(), output: output).train(resume: true), field) { error in
                guard case .invalidCheckpoint(let path, let reason)? = error as? SFTTrainingError else {
                    return XCTFail("\(field): \(error)")
                }
                XCTAssertEqual(path, state.path)
                XCTAssertTrue(reason.hasPrefix(field), reason)
            }
        }
    }
}
