import Foundation
import ImprintCore
import ImprintModel
import ImprintRewards
import XCTest
@testable import ImprintGRPO

/// Scores completions with fixed values, by position in the step's batch: the trajectory's reward.
struct FixedReward: Reward {
    var name: String
    var values: [Double?]

    func score(_ batch: RewardBatch) async throws -> RewardOutput {
        RewardOutput(Array(values.prefix(batch.count)))
    }
}

/// Five optimizer steps of TRL 1.16's `GRPOTrainer.train()` on fixed completions (`golden.json` "trajectory"):
/// DAPO, β = 0.04, ε_high and δ set, a linear schedule from 2e-2; Imprint's trainer must move the adapter as TRL did.
final class GRPOTrajectoryTests: XCTestCase {
    func testFiveStepsMoveTheAdapterAsTRLDid() async throws {
        let golden = GRPOFixtures.golden
        let trajectory = golden["trajectory"] as! [String: Any]
        let settings = trajectory["config"] as! [String: Any]
        func number(_ key: String) -> Double { (settings[key] as! NSNumber).doubleValue }
        var configuration = GRPOConfiguration()
        configuration.learningRate = Float(number("learning_rate"))
        configuration.lossType = .init(rawValue: settings["loss_type"] as! String)!
        configuration.beta = number("beta")
        configuration.epsilon = number("epsilon")
        configuration.epsilonHigh = number("epsilon_high")
        configuration.delta = number("delta")
        configuration.maxGradNorm = Float(number("max_grad_norm"))
        configuration.maxSteps = Int(number("max_steps"))
        configuration.numGenerations = Int(number("num_generations"))
        configuration.batchSize = Int(number("per_device_train_batch_size"))
        configuration.temperature = number("temperature")
        configuration.maxCompletionLength = Int(number("max_completion_length"))
        configuration.shuffle = false
        configuration.lora = LoRASettings(rank: 4, alpha: 8, targetModules: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])

        let prompts = golden["prompts"] as! [String]
        let completions = GRPOFixtures.intRows(golden["completion_ids"])
        let output = try GRPOFixtures.scratchDirectory("trajectory")
        let model = try GRPOFixtures.model()
        // Start from the recorded adapter, as TRL's run did (its KL reference: the adapter disabled).
        let adapter = try LoRA.load(from: GRPOFixtures.adapter, into: model, trainable: true)
        let trainer = try GRPOTrainer(model: model, tokenizer: GRPOFixtures.tokenizer(),
                                      dataset: GRPODataset(examples: prompts.map { GRPOExample(prompt: .text($0)) }),
                                      rewards: [FixedReward(name: "first", values: GRPOFixtures.floats(trajectory["rewards"]).map(Double.init))],
                                      configuration: configuration, outputDirectory: output, adapter: adapter)
        trainer.rolloutFunction = { _, _ in completions }
        var steps: [GRPOStepMetrics] = []
        try await trainer.train { if case .step(let metrics) = $0 { steps.append(metrics) } }

        XCTAssertEqual(steps.count, 5)
        assertClose(steps.map { Float($0["loss"]!) }, GRPOFixtures.floats(trajectory["losses"]), absolute: 1e-6, relative: 1e-4, "losses")
        assertClose(steps.map { Float($0["grad_norm"]!) }, GRPOFixtures.floats(trajectory["grad_norms"]), absolute: 1e-5, relative: 5e-4,
                    "grad norms (after three steps the weights differ by ~1e-5 relative, the norm by 2e-4)")
        assertClose(steps.map { Float($0["learning_rate"]!) }, GRPOFixtures.floats(trajectory["learning_rates"]), absolute: 0, relative: 1e-6, "learning rates")
        assertClose(steps.map { Float($0["kl"]!) }, GRPOFixtures.floats(trajectory["kl"]), absolute: 1e-6, relative: 1e-4, "kl")

        // W5 − W0 of every LoRA tensor equals TRL's within 1e-4 relative: ‖ΔW − ΔW_TRL‖ ≤ 1e-4 ‖ΔW_TRL‖ per tensor.
        // (Element by element the changes agree to ~1e-5 absolute; five Adam steps at 2e-2 amplify float32 rounding
        // where a gradient is near zero, and TRL's fused AdamW and row shuffle round differently.)
        let before = try LoRA.load(from: GRPOFixtures.adapter, into: GRPOFixtures.model()).peftTensors
        let after = try LoRA.load(from: output, into: GRPOFixtures.model()).peftTensors
        let expected = trajectory["delta_weights"] as! [String: [String: Any]]
        XCTAssertEqual(Set(expected.keys), Set(after.map(\.key)))
        var worst = 0.0
        for ((key, initial), (_, final)) in zip(before, after) {
            let change = zip(final.storage, initial.storage).map { Double($0 - $1) }
            let reference = GRPOFixtures.floats(expected[key]!["values"]).map(Double.init)
            let error = zip(change, reference).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
            let norm = reference.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
            XCTAssertGreaterThan(norm, 0.1, "\(key) moved")
            XCTAssertLessThanOrEqual(error / norm, 1e-4, "W5 − W0 of \(key)")
            assertClose(change.map(Float.init), reference.map(Float.init), absolute: 1e-4, "W5 − W0 of \(key)")
            worst = Swift.max(worst, error / norm)
        }
        print("GRPO trajectory: largest relative error of W5 − W0 over the LoRA tensors: \(worst)")
    }
}
