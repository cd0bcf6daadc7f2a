import Foundation
import ImprintCore
import ImprintModel
import ImprintSFT
import ImprintTokenizer
import XCTest
@testable import ImprintEval

/// A trainer evaluates during training through ImprintEval's evaluator, handed to it as a closure; the curve lands in
/// its metrics.jsonl and a report reads it back.
final class TrainingEvaluationTests: XCTestCase {
    func testSFTEvaluatesHeldOutQuestionsEveryNSteps() async throws {
        let model = try ModelLoader.load(path: EvalFixtures.tinyModel)
        let tokenizer = try PretrainedTokenizer.load(modelPath: EvalFixtures.tinyModel)
        var configuration = SFTConfiguration()
        configuration.learningRate = 5e-3
        configuration.maxSteps = 4
        configuration.batchSize = 4
        configuration.checkpointInterval = 0
        configuration.lora = .init(rank: 4, alpha: 8, targetModules: ["q_proj", "v_proj"])
        let stories = URL(fileURLWithPath: EvalFixtures.tinyModel).deletingLastPathComponent().appendingPathComponent("stories.jsonl").path
        let output = try EvalFixtures.scratchDirectory("training")
        let trainer = try SFTTrainer(model: model, tokenizer: tokenizer, dataset: SFTDataset(path: stories),
                                     configuration: configuration, outputDirectory: output)
        var evaluationConfiguration = EvaluationConfiguration()
        evaluationConfiguration.sampling = .greedy(maxTokens: 6)
        evaluationConfiguration.bootstrapReplicates = 100
        let evaluator = Evaluator(generator: LocalTextGenerator(model: model, tokenizer: tokenizer), judge: MatchJudge(.contains),
                                  configuration: evaluationConfiguration)
        let rows = EvalFixtures.phrasingRows(facts: 2)
        try await trainer.train(evaluation: PeriodicEvaluation(interval: 2, evaluate: evaluator.trainingHook(rows: rows)))

        let curves = try LearningCurves(path: output.appendingPathComponent("metrics.jsonl").path)
        let accuracy = try XCTUnwrap(curves.evaluation.first { $0.name == "eval_accuracy" })
        XCTAssertEqual(accuracy.steps, [2, 4])
        XCTAssertEqual(curves.evaluation.map(\.name),
                       ["eval_accuracy", "eval_heldout_accuracy", "eval_heldout_all", "eval_heldout_none", "eval_heldout_some",
                        "eval_memorization_gap", "eval_trained_accuracy", "eval_unparseable"])
        XCTAssertEqual(curves.training.first?.steps, [1, 2, 3, 4])
    }
}
