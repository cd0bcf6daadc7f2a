extension Evaluator {
    /// The evaluation a trainer runs every N steps (`PeriodicEvaluation` of ImprintTraining, given to
    /// `SFTTrainer.train` or `GRPOTrainer.train`): evaluates `rows` with this evaluator and returns the headline
    /// metrics under `prefix` names, which the trainer writes into its `metrics.jsonl` at that step.
    ///
    /// The trainers know nothing of this module: they call a closure. The generator must generate with the model
    /// being trained (e.g. a `LocalTextGenerator` over the same `TransformerDecoder`), so the curve follows the
    /// adapter as it learns.
    ///
    /// ```swift
    /// let evaluator = Evaluator(generator: LocalTextGenerator(model: model, tokenizer: tokenizer), judge: MatchJudge(.contains))
    /// let evaluation = PeriodicEvaluation(interval: 50, evaluate: evaluator.trainingHook(rows: heldOutRows))
    /// try await trainer.train(evaluation: evaluation)   // metrics.jsonl: {"step": 50, "eval_accuracy": 0.12, ...}
    /// ```
    public func trainingHook(rows: [EvaluationRow], prefix: String = "eval_") -> @Sendable (Int) async throws -> [String: Double] {
        let evaluator = self
        return { _ in Self.headlineValues(try await evaluator.evaluate(rows).metrics, prefix: prefix) }
    }

    /// The numbers worth a curve: accuracy and unparseable share; with held-out phrasings, the all / some / none
    /// shares and pooled accuracy; with trained ones, their pooled accuracy and the memorization gap (points).
    public static func headlineValues(_ metrics: EvaluationMetrics, prefix: String = "eval_") -> [String: Double] {
        var values: [String: Double] = [
            prefix + "accuracy": metrics.accuracy.value,
            prefix + "unparseable": metrics.counts.total == 0 ? 0 : Double(metrics.counts.unparseable) / Double(metrics.counts.total),
        ]
        if let heldOut = metrics.heldOut {
            values[prefix + "heldout_all"] = heldOut.allCorrect.value
            values[prefix + "heldout_some"] = heldOut.someCorrect.value
            values[prefix + "heldout_none"] = heldOut.noneCorrect.value
            values[prefix + "heldout_accuracy"] = heldOut.pooledAccuracy.value
        }
        if let trained = metrics.trained { values[prefix + "trained_accuracy"] = trained.pooledAccuracy.value }
        if let gap = metrics.memorizationGap { values[prefix + "memorization_gap"] = gap.points }
        return values
    }
}
