import Foundation
import ImprintCore
import ImprintModel
import ImprintSFT
import XCTest

/// `train(evaluation:)`: a closure run every N steps and after the last, with the model in evaluation mode, whose
/// values land in metrics.jsonl and in the events.
final class SFTPeriodicEvaluationTests: XCTestCase {
    func testPeriodicEvaluationValuesLandInTheMetricsLog() async throws {
        var configuration = SFTFixtures.resumableConfiguration()
        configuration.evaluationFraction = 0
        configuration.checkpointInterval = 0
        let model = try SFTFixtures.model()
        let output = try SFTFixtures.scratchDirectory("periodic")
        let trainer = try SFTTrainer(model: model, tokenizer: SFTFixtures.tokenizer(), dataset: SFTDataset(path: SFTFixtures.stories),
                                     configuration: configuration, outputDirectory: output)
        // The hook generates with the model being trained, as ImprintEval's Evaluator.trainingHook does.
        let generator = LocalTextGenerator(model: model, tokenizer: try SFTFixtures.tokenizer())
        let evaluation = PeriodicEvaluation(interval: 4) { step in
            XCTAssertFalse(model.isTraining, "the model is evaluated without dropout")
            let completion = try await generator.generate([.messages([.user("Tell me about the owl story.")])],
                                                          parameters: .greedy(maxTokens: 4))
            return ["eval_step_seen": Double(step), "eval_completion_tokens": Double(completion[0].completionTokenCount)]
        }
        var reported: [Int] = []
        try await trainer.train(evaluation: evaluation) { event in
            if case .periodicEvaluation(let step, let values) = event {
                XCTAssertEqual(values["eval_step_seen"], Double(step))
                reported.append(step)
            }
        }
        XCTAssertEqual(reported, [4, 6], "every 4 steps and after the last")
        let lines = try String(contentsOf: output.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        let evaluations = lines.filter { $0.contains("eval_step_seen") }
        XCTAssertEqual(evaluations.count, 2)
        XCTAssertTrue(evaluations[0].hasPrefix("{\"eval_completion_tokens\":4,\"eval_step_seen\":4,\"step\":4}"), String(evaluations[0]))
    }

    func testAnEvaluationErrorStopsTraining() async throws {
        var configuration = SFTFixtures.resumableConfiguration()
        configuration.evaluationFraction = 0
        struct Broken: Error {}
        let trainer = try SFTTrainer(model: SFTFixtures.model(), tokenizer: SFTFixtures.tokenizer(),
                                     dataset: SFTDataset(path: SFTFixtures.stories), configuration: configuration,
                                     outputDirectory: try SFTFixtures.scratchDirectory("periodic-error"))
        var steps = 0
        await assertThrowsAsync(try await trainer.train(evaluation: PeriodicEvaluation(interval: 3) { _ in throw Broken() }) { event in
            if case .step = event { steps += 1 }
        }) { error in XCTAssertTrue(error is Broken, "\(error)") }
        XCTAssertEqual(steps, 3)
    }
}
