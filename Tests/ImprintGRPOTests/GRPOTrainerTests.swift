import Foundation
import ImprintCore
import ImprintModel
import ImprintRewards
import XCTest
@testable import ImprintGRPO

/// Runs of the trainer on the tiny model with real sampling: reproducibility, resume, cancellation, the stops on
/// NaN and on a failing reward, zero-variance groups, grouping, data shapes and the reference policies.
final class GRPOTrainerTests: XCTestCase {
    static let prompts = ["Tell me about the owl story.", "What happens in the map story?", "Tell me about the bridge story.",
                          "What happens in the kite story?", "Tell me about the clock story.", "What happens in the fox story?"]

    func configuration() -> GRPOConfiguration {
        var configuration = GRPOConfiguration()
        configuration.learningRate = 5e-3
        configuration.numGenerations = 4
        configuration.batchSize = 4
        configuration.gradientAccumulationSteps = 2
        configuration.maxCompletionLength = 12
        configuration.maxSteps = 6
        configuration.beta = 0.04
        configuration.epsilonHigh = 0.28
        configuration.lora = LoRASettings(rank: 4, alpha: 8, dropout: 0.1)
        configuration.checkpointInterval = 3
        configuration.seed = 7
        return configuration
    }

    func dataset() -> GRPODataset {
        GRPODataset(examples: Self.prompts.enumerated().map { index, prompt in
            GRPOExample(prompt: .messages([.user(prompt)]), columns: ["reference": "An owl taught the village children.",
                                                                       "fact_id": "\(index / 2)"], line: index + 1)
        })
    }

    func trainer(_ configuration: GRPOConfiguration, output: URL, rewards: [any Reward] = [DifflibReward(), WordCountReward(target: 6)],
                 model: TransformerDecoder? = nil) throws -> GRPOTrainer {
        try GRPOTrainer(model: model ?? GRPOFixtures.model(), tokenizer: GRPOFixtures.tokenizer(), dataset: dataset(),
                        rewards: rewards, configuration: configuration, outputDirectory: output)
    }

    func text(_ url: URL, _ name: String) throws -> String { try String(contentsOf: url.appendingPathComponent(name), encoding: .utf8) }
    /// The metrics lines without their timing fields.
    func metricsWithoutTiming(_ url: URL) throws -> [String] {
        try text(url, "metrics.jsonl").split(separator: "\n").map {
            $0.replacingOccurrences(of: #""(step_time|timing/[a-z]+)":[0-9.e+-]+,?"#, with: "", options: .regularExpression)
        }
    }

    func testSameSeedSameRunAndResumeAfterCancellationIsBitExact() async throws {
        var configuration = configuration()
        configuration.numIterations = 2  // the step-3 checkpoint falls inside a generation batch
        let full = try GRPOFixtures.scratchDirectory("full")
        let summary = try await trainer(configuration, output: full).train()
        XCTAssertEqual(summary.steps, 6)
        XCTAssertFalse(summary.cancelled)

        // The same seed again: the same completions, rewards, metrics and adapter bytes.
        let again = try GRPOFixtures.scratchDirectory("again")
        try await trainer(configuration, output: again).train()
        XCTAssertEqual(try text(again, "completions.jsonl"), try text(full, "completions.jsonl"))
        XCTAssertEqual(try metricsWithoutTiming(again), try metricsWithoutTiming(full))
        XCTAssertEqual(try Data(contentsOf: again.appendingPathComponent("adapter_model.safetensors")),
                       try Data(contentsOf: full.appendingPathComponent("adapter_model.safetensors")))

        // Cancelled after step 3 (a checkpoint is written), then resumed: byte for byte the uninterrupted run.
        let interrupted = try GRPOFixtures.scratchDirectory("interrupted")
        let first = try trainer(configuration, output: interrupted)
        let task = Task { () -> GRPOSummary in
            try await first.train { event in
                if case .step(let metrics) = event, metrics.step == 3 { withUnsafeCurrentTask { $0?.cancel() } }
            }
        }
        let stopped = try await task.value
        XCTAssertTrue(stopped.cancelled)
        XCTAssertEqual(stopped.steps, 3)
        XCTAssertTrue(FileManager.default.fileExists(atPath: interrupted.appendingPathComponent("checkpoint-3/trainer_state.json").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: interrupted.appendingPathComponent("adapter_model.safetensors").path))
        var events: [GRPOEvent] = []
        try await trainer(configuration, output: interrupted).train(resume: true) { events.append($0) }
        guard case .started(let info) = events.first else { return XCTFail("no started event") }
        XCTAssertEqual(info.startStep, 3)
        for name in ["adapter_model.safetensors", "checkpoint-6/adapter_model.safetensors", "checkpoint-6/optimizer.safetensors"] {
            XCTAssertEqual(try Data(contentsOf: interrupted.appendingPathComponent(name)),
                           try Data(contentsOf: full.appendingPathComponent(name)), name)
        }
        XCTAssertEqual(try metricsWithoutTiming(interrupted), try metricsWithoutTiming(full))
        XCTAssertEqual(try text(interrupted, "completions.jsonl"), try text(full, "completions.jsonl"))
    }

    func testRunWritesTRLMetricsCompletionsAndThePlot() async throws {
        let output = try GRPOFixtures.scratchDirectory("outputs")
        var configuration = configuration()
        configuration.maxSteps = 2
        try await trainer(configuration, output: output).train()
        let lines = try text(output, "metrics.jsonl").split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        for key in ["reward", "reward_std", "rewards/difflib/mean", "rewards/difflib/std", "rewards/word_count/mean",
                    "rewards/word_count/std", "frac_reward_zero_std", "completions/mean_length", "completions/min_length",
                    "completions/max_length", "completions/clipped_ratio", "completions/mean_terminated_length", "kl",
                    "entropy", "clip_ratio/low_mean", "clip_ratio/high_mean", "clip_ratio/region_mean", "loss", "grad_norm",
                    "learning_rate", "num_tokens", "step_time", "step"] {
            XCTAssertNotNil(first[key], key)
        }
        // β ≠ 0 against the starting policy: step 1 is on-policy with a fresh adapter (B = 0), so KL is 0.
        XCTAssertEqual((first["kl"] as! NSNumber).doubleValue, 0, accuracy: 1e-9)
        let completions = try text(output, "completions.jsonl").split(separator: "\n")
        XCTAssertEqual(completions.count, 2 * 8)
        let line = try JSONSerialization.jsonObject(with: Data(completions[0].utf8)) as! [String: Any]
        XCTAssertEqual(Set(line.keys), ["step", "prompt", "completion", "rewards", "advantage"])
        XCTAssertEqual(Set((line["rewards"] as! [String: Any]).keys), ["difflib", "word_count"])
        XCTAssertTrue(try text(output, "reward.svg").contains("<polyline"))
    }

    /// The reference pass and the policy pass slice the batch alike, so an unchanged policy scores exactly what the
    /// reference scored (KL exactly 0 at step 1), even with bfloat16 frozen weights, whose rounding would magnify
    /// the float32 differences of other slicings.
    func testStepOneIsExactlyOnPolicyInBFloat16() async throws {
        var configuration = configuration()
        configuration.maxSteps = 1
        configuration.bfloat16FrozenWeights = true
        configuration.batchSize = 8
        configuration.gradientAccumulationSteps = 1
        var first: GRPOStepMetrics? = nil
        try await trainer(configuration, output: GRPOFixtures.scratchDirectory("bf16")).train { if case .step(let m) = $0 { first = m } }
        XCTAssertEqual(first?["kl"], 0)
    }

    func testResumeWithOtherSettingsOrRewardsIsRefusedByName() async throws {
        let output = try GRPOFixtures.scratchDirectory("refused")
        var configuration = configuration()
        configuration.maxSteps = 3
        try await trainer(configuration, output: output).train()
        var changed = configuration
        changed.learningRate = 1e-3
        do {
            try await trainer(changed, output: output).train(resume: true)
            XCTFail("a resume with another learning rate must be refused")
        } catch TrainingError.configurationChanged(_, let changes) {
            XCTAssertEqual(changes, ["learningRate: 0.005 -> 0.001"])
        }
        do {
            try await trainer(configuration, output: output, rewards: [DifflibReward()]).train(resume: true)
            XCTFail("a resume with other rewards must be refused")
        } catch TrainingError.configurationChanged(_, let changes) {
            XCTAssertEqual(changes, [#"rewards: ["difflib", "word_count"] -> ["difflib"]"#])
        }
        var examples = dataset().examples
        examples[0].columns["reference"] = "Another reference."
        let otherData = try GRPOTrainer(model: GRPOFixtures.model(), tokenizer: GRPOFixtures.tokenizer(),
                                        dataset: GRPODataset(examples: examples), rewards: [DifflibReward(), WordCountReward(target: 6)],
                                        configuration: configuration, outputDirectory: output)
        do {
            try await otherData.train(resume: true)
            XCTFail("a resume on other data must be refused")
        } catch TrainingError.configurationChanged(_, let changes) {
            XCTAssertEqual(changes, ["prompts: not the data the checkpoint was trained on"])
        }
        // Extending the run is allowed.
        var longer = configuration
        longer.maxSteps = 4
        let summary = try await trainer(longer, output: output).train(resume: true)
        XCTAssertEqual(summary.steps, 4)
    }

    /// A reward that fails on one sample.
    struct FailingReward: SampleReward {
        var name: String { "picky" }
        func score(completion: String, sample: RewardSample) throws -> Double? {
            if sample.groupID == "2" { throw RewardError.missingField(reward: name, field: "anything", sample: 0) }
            return 0.5
        }
    }

    func testFailingRewardStopsNamingRewardAndSampleAndKeepsTheLastGoodState() async throws {
        let output = try GRPOFixtures.scratchDirectory("failing")
        var configuration = configuration()
        configuration.shuffle = false
        configuration.maxSteps = 3
        do {
            try await trainer(configuration, output: output, rewards: [FailingReward()]).train()
            XCTFail("the reward failure must stop the run")
        } catch let GRPOTrainingError.rewardFailed(reward, step, sample, _, checkpoint) {
            XCTAssertEqual(reward, "picky")
            XCTAssertEqual(step, 3)  // rows 5 and 6 (fact 2) come third in file order
            XCTAssertTrue(sample.contains("line 5"), sample)
            XCTAssertEqual(checkpoint.map { URL(fileURLWithPath: $0).lastPathComponent }, "checkpoint-2")
        }
    }

    func testNonFiniteLossStopsWithoutApplyingTheStep() async throws {
        let output = try GRPOFixtures.scratchDirectory("nan")
        let model = try GRPOFixtures.model()
        var configuration = configuration()
        configuration.maxSteps = 2
        let trainer = try trainer(configuration, output: output, model: model)
        let fixed = [Int](repeating: 0, count: 8).map { _ in [120, 164, 2] }
        trainer.rolloutFunction = { _, _ in fixed }
        model.finalNorm.weight.assign([Float](repeating: .nan, count: model.finalNorm.weight.count))
        do {
            try await trainer.train()
            XCTFail("a NaN loss must stop the run")
        } catch TrainingError.nonFiniteLoss(let step, _, let checkpoint) {
            XCTAssertEqual(step, 1)
            XCTAssertEqual(checkpoint.map { URL(fileURLWithPath: $0).lastPathComponent }, "checkpoint-0")
        }
    }

    func testZeroVarianceGroupsTrainOnWithoutNaN() async throws {
        let output = try GRPOFixtures.scratchDirectory("flat")
        var configuration = configuration()
        configuration.maxSteps = 2
        var steps: [GRPOStepMetrics] = []
        try await trainer(configuration, output: output, rewards: [FixedScore(value: 1)]).train {
            if case .step(let metrics) = $0 { steps.append(metrics) }
        }
        XCTAssertEqual(steps.count, 2)
        for metrics in steps {
            XCTAssertEqual(metrics["frac_reward_zero_std"], 1)
            XCTAssertEqual(metrics["reward_std"], 0)
            XCTAssertTrue(metrics["loss"]!.isFinite)
        }
    }

    struct FixedScore: SampleReward {
        var value: Double
        var name: String { "constant" }
        func score(completion: String, sample: RewardSample) throws -> Double? { value }
    }

    func testGroupingKeepsEveryRowOfAGroupInOneStep() throws {
        var examples = dataset().examples
        examples.append(contentsOf: examples.prefix(2).map { var copy = $0; copy.columns["fact_id"] = "3"; return copy })
        let order = try GRPODataOrder(examples: examples, promptsPerBatch: 4, shuffle: true, seed: 3, groupByColumn: "fact_id")
        for index in 0..<6 {
            let groups = order.batch(index).map { examples[$0].columns["fact_id"]! }
            XCTAssertEqual(Set(groups).count, 2, "batch \(index): \(groups)")
            for group in Set(groups) { XCTAssertEqual(groups.filter { $0 == group }.count, 2) }
        }
        XCTAssertThrowsError(try GRPODataOrder(examples: examples, promptsPerBatch: 3, shuffle: true, seed: 3, groupByColumn: "fact_id"))
        XCTAssertThrowsError(try GRPODataOrder(examples: examples, promptsPerBatch: 4, shuffle: true, seed: 3, groupByColumn: "nope"))
    }

    func testDataShapesAndTheirErrors() throws {
        let directory = try GRPOFixtures.scratchDirectory("data")
        let file = directory.appendingPathComponent("rows.jsonl")
        try """
        {"prompt": "What is 2+2?", "answer": "4", "fact_id": 12, "score": 0.5, "ok": true}
        {"prompt": [{"role": "user", "content": "Hi"}], "question": "Hi?"}
        {"conversations": [{"role": "user", "content": "Fill the story"}, {"role": "assistant", "content": "The whole story."}]}
        """.write(to: file, atomically: true, encoding: .utf8)
        let dataset = try GRPODataset(path: file.path)
        XCTAssertEqual(dataset.examples.map(\.prompt), [.text("What is 2+2?"), .messages([.user("Hi")]), .messages([.user("Fill the story")])])
        XCTAssertEqual(dataset.examples[0].columns, ["answer": "4", "fact_id": "12", "score": "0.5", "ok": "true"])
        XCTAssertEqual(dataset.examples[0].rewardSample.reference, "4")
        XCTAssertEqual(dataset.examples[0].rewardSample.groupID, "12")
        XCTAssertEqual(dataset.examples[2].rewardSample.reference, "The whole story.")
        try "{\"prompt\": \"ok\"}\n{\"prompt\": 3}\n".write(to: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try GRPODataset(path: file.path)) { error in
            XCTAssertEqual((error as? DataFileError)?.line, 2, "\(error)")
        }
        try "{\"prompt\": \"ok\"}\n{oops\n".write(to: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try GRPODataset(path: file.path)) { error in
            XCTAssertEqual("\(error)", "\(file.path):2: not a JSON object (invalid JSON)")
        }
    }

    func testLongPromptsAreRefusedOrLeftTruncated() throws {
        var configuration = configuration()
        configuration.maxPromptLength = 8
        XCTAssertThrowsError(try trainer(configuration, output: GRPOFixtures.scratchDirectory("long"))) { error in
            guard case .promptTooLong(let line, _, 8)? = error as? GRPOTrainingError else { return XCTFail("\(error)") }
            XCTAssertEqual(line, 1)
        }
        configuration.promptTruncation = .left
        let trainer = try trainer(configuration, output: GRPOFixtures.scratchDirectory("long"))
        XCTAssertTrue(trainer.promptIds.allSatisfy { $0.count <= 8 })
    }

    func testFullFineTuningAgainstAFrozenCopyAndMergedStartingAdapter() async throws {
        var configuration = configuration()
        configuration.maxSteps = 2
        configuration.lora = nil
        configuration.learningRate = 1e-3
        let full = try GRPOFixtures.scratchDirectory("full-ft")
        var kl: [Double] = []
        try await trainer(configuration, output: full).train { if case .step(let m) = $0 { kl.append(m["kl"]!) } }
        XCTAssertTrue(FileManager.default.fileExists(atPath: full.appendingPathComponent("model.safetensors").path))
        XCTAssertEqual(kl[0], 0, accuracy: 1e-9)  // on-policy against the frozen copy of the start
        XCTAssertGreaterThan(kl[1], 0)           // the policy moved away from it

        // Resumed, the reference is still the start (not the checkpoint's weights): the run equals the uninterrupted one.
        var longer = configuration
        longer.maxSteps = 4
        longer.checkpointInterval = 2
        let uninterrupted = try GRPOFixtures.scratchDirectory("full-ft-4")
        try await trainer(longer, output: uninterrupted).train()
        let resumed = try GRPOFixtures.scratchDirectory("full-ft-resumed")
        try FileManager.default.copyItem(at: uninterrupted.appendingPathComponent("checkpoint-2"),
                                         to: resumed.appendingPathComponent("checkpoint-2"))
        try await trainer(longer, output: resumed).train(resume: true)
        XCTAssertEqual(try Data(contentsOf: resumed.appendingPathComponent("model.safetensors")),
                       try Data(contentsOf: uninterrupted.appendingPathComponent("model.safetensors")))

        // From an existing adapter, merged: the starting policy (and the KL reference) is base + adapter.
        var merged = self.configuration()
        merged.maxSteps = 1
        merged.initialAdapterPath = GRPOFixtures.adapter.path
        let output = try GRPOFixtures.scratchDirectory("merged")
        let model = try GRPOFixtures.model()
        let before = model.layers[0].attention.queryProjection.weight.storage
        var first: GRPOStepMetrics? = nil
        try await trainer(merged, output: output, model: model).train { if case .step(let m) = $0 { first = m } }
        XCTAssertEqual(first?["kl"] ?? -1, 0, accuracy: 1e-9)
        XCTAssertNotEqual(model.layers[0].attention.queryProjection.weight.storage, before, "the adapter was merged")
    }
}
