import ArgumentParser
import Foundation
import Imprint

/// `--eval-questions F.jsonl` for `imprint sft` and `imprint grpo`: QA evaluation during training (ImprintEval's
/// evaluator over the model being trained, a deterministic judge), every `--eval-questions-steps` steps; the values
/// (`eval_accuracy`, `eval_heldout_all`, ...) land in metrics.jsonl, and `imprint eval --metrics` draws them.
struct QAEvaluationOptions: ParsableArguments {
    @Option(help: "Questions to answer during training (imprint eval's data; held-out phrasings and rows without a phrasing).")
    var evalQuestions: String?
    @Option(help: "Answer --eval-questions every N steps (and after the last).") var evalQuestionsSteps = 50
    @Option(help: "The judge of --eval-questions: exact, alias, f1 or contains.") var evalJudge = "f1"
    @Option(help: "Largest answer of --eval-questions, in tokens.") var evalMaxTokens = 32
    @Option(help: "The held-out phrasing ids of --eval-questions, comma-separated.") var evalHeldout = "rephrased_3,rephrased_6"

    func validate() throws {
        guard evalQuestionsSteps > 0 else { throw ValidationError("--eval-questions-steps must be positive") }
        guard evalMaxTokens > 0 else { throw ValidationError("--eval-max-tokens must be positive") }
        guard ["exact", "alias", "f1", "contains"].contains(evalJudge) else {
            throw ValidationError("--eval-judge \(evalJudge): expected exact, alias, f1 or contains")
        }
    }

    /// The periodic evaluation over `model` (the decoder being trained), or nil without --eval-questions.
    func periodicEvaluation(model: TransformerDecoder, tokenizer: any Tokenizer) throws -> PeriodicEvaluation? {
        guard let evalQuestions else { return nil }
        let heldOut = evalHeldout.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let dataset = try EvaluationDataset(path: evalQuestions).keepingPhrasings(Set(heldOut))
        let judge: MatchJudge
        switch evalJudge {
        case "exact": judge = MatchJudge(.exact)
        case "alias": judge = MatchJudge(.alias)
        case "contains": judge = MatchJudge(.contains)
        default: judge = MatchJudge(.tokenF1(threshold: 0.5))
        }
        var configuration = EvaluationConfiguration()
        configuration.sampling = .greedy(maxTokens: evalMaxTokens)
        configuration.heldOutPhrasings = heldOut
        if dataset.source == .storyQA { configuration.answerPrompt = .seedStory }
        let evaluator = Evaluator(generator: LocalTextGenerator(model: model, tokenizer: tokenizer), judge: judge,
                                  configuration: configuration)
        return PeriodicEvaluation(interval: evalQuestionsSteps, evaluate: evaluator.trainingHook(rows: dataset.rows))
    }
}
