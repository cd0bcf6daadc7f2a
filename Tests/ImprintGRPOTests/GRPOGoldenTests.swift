import Foundation
import ImprintModel
import ImprintTensor
import XCTest
@testable import ImprintGRPO

/// Imprint's GRPO math against TRL 1.16 `GRPOTrainer` + PEFT on the tiny model (`Fixtures/golden.json`): given
/// prompts, completions and rewards, every loss type × reward scaling × β ∈ {0, 0.04} × μ ∈ {1, 2}, with
/// `epsilon_high` and `delta` set, plus sequence-level importance sampling and masked truncated completions.
/// The adapter is non-zero and, for μ = 2, the old log-probabilities are perturbed so that both clipping bounds and
/// `delta` trigger. Tolerances: 1e-6 absolute + 1e-5 relative for the loss and metrics, 1e-4 for gradients.
final class GRPOGoldenTests: XCTestCase {
    let golden = GRPOFixtures.golden

    /// One recorded case's configuration.
    func configuration(_ record: [String: Any]) -> GRPOConfiguration {
        var configuration = GRPOConfiguration()
        configuration.lossType = GRPOConfiguration.LossType(rawValue: record["loss_type"] as! String)!
        configuration.scaleRewards = GRPOConfiguration.RewardScaling(rawValue: record["scale_rewards"] as! String)!
        configuration.beta = (record["beta"] as! NSNumber).doubleValue
        configuration.numIterations = (record["num_iterations"] as! NSNumber).intValue
        configuration.epsilon = (record["epsilon"] as! NSNumber).doubleValue
        configuration.epsilonHigh = (record["epsilon_high"] as? NSNumber)?.doubleValue
        configuration.delta = (record["delta"] as? NSNumber)?.doubleValue
        configuration.importanceSamplingLevel = .init(rawValue: record["importance_sampling_level"] as! String)!
        configuration.maskTruncatedCompletions = record["mask_truncated_completions"] as! Bool
        configuration.temperature = (golden["temperature"] as! NSNumber).doubleValue
        configuration.maxCompletionLength = (golden["max_completion_length"] as! NSNumber).intValue
        configuration.numGenerations = (golden["num_generations"] as! NSNumber).intValue
        configuration.batchSize = 8
        return configuration
    }

    func testTokenizationMatchesTRL() throws {
        let tokenizer = try GRPOFixtures.tokenizer()
        let prompts = golden["prompts"] as! [String]
        XCTAssertEqual(prompts.map { tokenizer.encode($0, addSpecialTokens: true) }, GRPOFixtures.intRows(golden["prompt_ids"]))
    }

    func testEveryCaseMatchesTRL() throws {
        let cases = golden["cases"] as! [[String: Any]]
        XCTAssertEqual(cases.count, 50)
        for record in cases { try check(record) }
    }

    func check(_ record: [String: Any]) throws {
        let configuration = configuration(record)
        let name = "\(configuration.lossType.rawValue)/\(configuration.scaleRewards.rawValue)/β=\(configuration.beta)/μ=\(configuration.numIterations)"
            + "/\(configuration.importanceSamplingLevel.rawValue)\(configuration.maskTruncatedCompletions ? "/masked" : "")"
        let model = try GRPOFixtures.model()
        let adapter = try LoRA.load(from: GRPOFixtures.adapter, into: model, trainable: true)
        let G = configuration.numGenerations
        let prompts = GRPOFixtures.intRows(golden["prompt_ids"])
        let completions = GRPOFixtures.intRows(golden["completion_ids"])
        let completionPrompts = completions.indices.map { prompts[$0 / G] }
        let width = completions.map(\.count).max()!
        let ends = Set(GRPOFixtures.ints(golden["eos_token_ids"]) + [(golden["pad_token_id"] as! NSNumber).intValue])
        let truncated = completions.map { !ends.contains($0.last!) }
        let mask = completions.indices.map { row in
            (0..<width).map { $0 < completions[row].count && !(configuration.maskTruncatedCompletions && truncated[row]) }
        }
        XCTAssertEqual(mask.map { $0.map { $0 ? 1 : 0 } }, GRPOFixtures.intRows(record["completion_mask"]), name)

        // Advantages and the reward metrics.
        let scores = GRPOFixtures.optionalDoubleRows(golden["rewards"])
        let advantages = GRPOAdvantages(scores: scores, weights: (golden["reward_weights"] as! [NSNumber]).map(\.doubleValue),
                                        groupSize: G, scaling: configuration.scaleRewards)
        assertClose(advantages.advantages, GRPOFixtures.floats(record["advantages"]), absolute: 1e-6, relative: 1e-5, "\(name) advantages")
        var metrics = GRPOTrainer.batchMetrics(scores: scores, names: golden["reward_names"] as! [String], advantages: advantages,
                                               lengths: completions.map(\.count), truncated: truncated)

        // Reference and old log-probabilities, recomputed here and compared with TRL's where they count (TRL zeroes
        // a masked completion's, attention and all).
        let counted = mask.flatMap { $0 }
        func inLoss(_ rows: [[Float]]) -> [Float] { zip(rows.flatMap { $0 }, counted).filter(\.1).map(\.0) }
        var reference: [[Float]]? = nil
        if configuration.beta != 0 {
            reference = withoutGradients {
                LoRA.withAdaptersDisabled(model) {
                    GRPOTrainer.rows(CompletionScoring(model: model, prompts: completionPrompts, completions: completions,
                                                       width: width, temperature: configuration.temperature).logProbabilities, width: width)
                }
            }
            assertClose(inLoss(reference!), inLoss(GRPOFixtures.floatRows(record["ref_per_token_logps"])!),
                        absolute: 1e-5, "\(name) reference log-probabilities")
        }
        var old: [[Float]]? = nil
        if let recorded = GRPOFixtures.floatRows(record["old_per_token_logps"]) {
            let computed = withoutGradients {
                GRPOTrainer.rows(CompletionScoring(model: model, prompts: completionPrompts, completions: completions, width: width,
                                                   temperature: configuration.temperature).logProbabilities, width: width)
            }
            assertClose(inLoss(computed), inLoss(GRPOFixtures.floatRows(record["old_logps_before_perturbation"])!),
                        absolute: 1e-5, "\(name) old log-probabilities")
            old = recorded
        }

        // The loss, its gradient and the loss metrics.
        model.setTraining(true)
        let scoring = CompletionScoring(model: model, prompts: completionPrompts, completions: completions, width: width,
                                        temperature: configuration.temperature, entropyMask: mask)
        let current = GRPOTrainer.rows(scoring.logProbabilities, width: width)
        assertClose(inLoss(current), inLoss(GRPOFixtures.floatRows(record["per_token_logps"])!), absolute: 1e-5,
                    "\(name) log-probabilities")
        let tokenCount = mask.flatMap { $0 }.filter { $0 }.count
        XCTAssertEqual(tokenCount, (record["num_items_in_batch"] as! NSNumber).intValue, name)
        let inputs = GRPOLoss.Inputs(oldLogProbabilities: old, referenceLogProbabilities: reference,
                                     advantages: advantages.advantages, mask: mask, gradientAccumulationSteps: 1,
                                     stepTokenCount: tokenCount)
        let result = GRPOLoss.evaluate(logProbabilities: current, inputs: inputs, configuration: configuration)
        scoring.logProbabilities.backward(Tensor(shape: scoring.logProbabilities.shape, storage: result.gradient))
        assertClose([result.loss], [(record["loss"] as! NSNumber).floatValue], absolute: 1e-6, relative: 1e-5, "\(name) loss")

        metrics.merge(result.metrics) { $1 }
        let entropy = zip(scoring.entropies!.flatMap { $0 }, mask.flatMap { $0 }).filter(\.1).map(\.0).reduce(0, +)
        metrics["entropy"] = Double(entropy / Float(tokenCount))
        for (key, expected) in record["metrics"] as! [String: Any] {
            guard let expected = expected as? NSNumber else {
                XCTAssertNil(metrics[key], "\(name) \(key) is not logged")
                continue
            }
            guard let value = metrics[key] else { XCTFail("\(name): no \(key)"); continue }
            assertClose([Float(value)], [expected.floatValue], absolute: 1e-6, relative: 1e-5, "\(name) \(key)")
        }

        // Gradients of the recorded LoRA tensors, and the norm over all of them.
        let tensors = Dictionary(uniqueKeysWithValues: adapter.peftTensors.map { ($0.key, $0.tensor) })
        for (key, value) in record["gradients"] as! [String: [String: Any]] {
            let tensor = try XCTUnwrap(tensors[key], "\(name): no \(key)")
            XCTAssertEqual(tensor.shape, GRPOFixtures.ints(value["shape"]), "\(name) \(key)")
            assertClose(tensor.grad?.storage ?? [], GRPOFixtures.floats(value["values"]), absolute: 1e-4, "\(name) ∂\(key)")
        }
        let norm = adapter.peftTensors.reduce(0.0) { total, entry in
            total + (entry.tensor.grad?.storage ?? []).reduce(0.0) { $0 + Double($1) * Double($1) }
        }.squareRoot()
        assertClose([Float(norm)], [(record["gradient_norm"] as! NSNumber).floatValue], absolute: 1e-5, relative: 1e-5,
                    "\(name) gradient norm")
    }
}
