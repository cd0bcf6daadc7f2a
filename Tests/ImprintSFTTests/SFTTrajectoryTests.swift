import Foundation
import ImprintModel
import ImprintSFT
import XCTest

/// The trainer against the PyTorch reference of `Fixtures/make_sft_fixtures.py`: same tiny Llama, same initial LoRA
/// adapter, same rows in file order, same masking, AdamW, clipping and linear warmup schedule.
final class SFTTrajectoryTests: XCTestCase {
    func referenceConfiguration(_ reference: SFTFixtures.Trajectory) -> SFTConfiguration {
        var configuration = SFTConfiguration()
        configuration.learningRate = reference.learning_rate
        configuration.warmupSteps = reference.warmup_steps
        configuration.weightDecay = reference.weight_decay
        configuration.maxGradNorm = reference.max_grad_norm
        configuration.maxSteps = reference.steps
        configuration.batchSize = reference.batch_size
        configuration.gradientAccumulationSteps = reference.gradient_accumulation_steps
        configuration.maxLength = reference.max_length
        configuration.shuffle = false
        configuration.initialAdapterPath = SFTFixtures.initialAdapter
        configuration.checkpointInterval = 0
        return configuration
    }

    func testFirstBatchMatchesReferenceTokensAndLabels() throws {
        let reference = try SFTFixtures.trajectory()
        let trainer = try SFTTrainer(model: SFTFixtures.model(), tokenizer: SFTFixtures.tokenizer(),
                                     dataset: SFTDataset(path: SFTFixtures.stories),
                                     configuration: referenceConfiguration(reference),
                                     outputDirectory: try SFTFixtures.scratchDirectory("batch"))
        let batch = SFTBatch(trainer.dataOrder.batch(0), padTokenId: 0)
        XCTAssertEqual(batch.tokens.ids, reference.first_batch.input_ids.flatMap { $0 })
        XCTAssertEqual(batch.labels, reference.first_batch.labels.flatMap { $0 })
    }

    /// Relative error ≤ 1e-4 on every step's loss, 1e-3 on the gradient norm (a sum of squares over all adapter
    /// gradients in float32), and the learning rates exactly as the schedule gives them (float32).
    func testLossTrajectoryMatchesPyTorch() async throws {
        let reference = try SFTFixtures.trajectory()
        let output = try SFTFixtures.scratchDirectory("trajectory")
        let trainer = try SFTTrainer(model: SFTFixtures.model(), tokenizer: SFTFixtures.tokenizer(),
                                     dataset: SFTDataset(path: SFTFixtures.stories),
                                     configuration: referenceConfiguration(reference), outputDirectory: output)
        var steps: [SFTStepMetrics] = []
        try await trainer.train { event in if case .step(let metrics) = event { steps.append(metrics) } }
        XCTAssertEqual(steps.count, reference.steps)
        for (metrics, index) in zip(steps, steps.indices) {
            let loss = reference.losses[index], norm = reference.grad_norms[index]
            XCTAssertLessThanOrEqual(abs(metrics.loss - loss) / loss, 1e-4, "step \(index + 1): \(metrics.loss) vs \(loss)")
            XCTAssertLessThanOrEqual(abs(metrics.gradNorm - norm) / norm, 1e-3, "step \(index + 1) grad norm")
            XCTAssertEqual(metrics.learningRate, reference.learning_rates[index], accuracy: 1e-9)
        }
        XCTAssertLessThan(steps.last!.loss, steps.first!.loss)
    }

    /// The comparison is sensitive to masking: training on the prompt too moves the first loss far beyond 1e-4.
    func testTrajectoryComparisonDetectsWrongMasking() async throws {
        let reference = try SFTFixtures.trajectory()
        var configuration = referenceConfiguration(reference)
        configuration.completionOnlyLoss = false
        configuration.maxSteps = 1
        let trainer = try SFTTrainer(model: SFTFixtures.model(), tokenizer: SFTFixtures.tokenizer(),
                                     dataset: SFTDataset(path: SFTFixtures.stories), configuration: configuration,
                                     outputDirectory: try SFTFixtures.scratchDirectory("wrong-mask"))
        let summary = try await trainer.train()
        XCTAssertGreaterThan(abs(summary.finalLoss - reference.losses[0]) / reference.losses[0], 1e-4)
    }
}
