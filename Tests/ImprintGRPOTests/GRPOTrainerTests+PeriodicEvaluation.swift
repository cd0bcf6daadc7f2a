import Foundation
import ImprintCore
import ImprintModel
import ImprintRewards
import XCTest
@testable import ImprintGRPO

/// `train(evaluation:)` in GRPO: the closure's values land in metrics.jsonl every N steps and after the last.
extension GRPOTrainerTests {
    func testPeriodicEvaluationValuesLandInTheMetricsLog() async throws {
        var configuration = configuration()
        configuration.maxSteps = 3
        configuration.checkpointInterval = 0
        let model = try GRPOFixtures.model()
        let output = try GRPOFixtures.scratchDirectory("periodic")
        let generator = LocalTextGenerator(model: model, tokenizer: try GRPOFixtures.tokenizer())
        let evaluation = PeriodicEvaluation(interval: 2) { step in
            XCTAssertFalse(model.isTraining)
            let completion = try await generator.generate([.messages([.user("Tell me about the owl story.")])],
                                                          parameters: .greedy(maxTokens: 3))
            return ["eval_step_seen": Double(step), "eval_completion_tokens": Double(completion[0].completionTokenCount)]
        }
        var reported: [Int] = []
        try await trainer(configuration, output: output, model: model).train(evaluation: evaluation) { event in
            if case .periodicEvaluation(let step, _) = event { reported.append(step) }
        }
        XCTAssertEqual(reported, [2, 3])
        let lines = try String(contentsOf: output.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.filter { $0.contains("\"eval_step_seen\"") }.map { $0.contains("\"step\":2") || $0.contains("\"step\":3") },
                       [true, true])
    }
}
