/// An evaluation a trainer runs every `interval` optimizer steps (and after the last step), handed to it as a
/// closure so that trainers depend on no evaluation module: the closure gets the step and returns named values,
/// which land in the run's `metrics.jsonl` as one line `{"step": s, name: value, ...}` and are reported as an event.
///
/// The model is in evaluation mode (no dropout) while the closure runs, and back in training mode after. The
/// closure generates with the model being trained (ImprintEval's `Evaluator.trainingHook` over a
/// `LocalTextGenerator` of the same decoder), so the values follow the adapter as it learns.
///
/// ```swift
/// let evaluation = PeriodicEvaluation(interval: 50) { step in
///     ["eval_heldout_all": try await measureHeldOut()]
/// }
/// try await trainer.train(evaluation: evaluation)
/// ```
/// Name the values apart from the trainer's own metrics (`eval_` and a name, as TRL prefixes evaluation metrics).
/// An error thrown by the closure stops training (after the step, whose checkpoint, if due, is written first).
public struct PeriodicEvaluation: Sendable {
    /// Optimizer steps between evaluations (positive).
    public var interval: Int
    /// Evaluates the model at a step.
    public var evaluate: @Sendable (Int) async throws -> [String: Double]

    public init(interval: Int, evaluate: @escaping @Sendable (Int) async throws -> [String: Double]) {
        precondition(interval > 0, "PeriodicEvaluation: interval \(interval) must be positive")
        self.interval = interval
        self.evaluate = evaluate
    }

    /// Whether to evaluate after `step` of `totalSteps`.
    public func isDue(step: Int, totalSteps: Int) -> Bool {
        step % interval == 0 || step == totalSteps
    }
}

/// One line of `metrics.jsonl`: a step and named values (NaN written as null, JSON having no NaN).
public struct StepValues: Codable, Sendable, Equatable {
    public var step: Int
    public var values: [String: Double]

    public init(step: Int, values: [String: Double]) {
        self.step = step
        self.values = values
    }

    /// `name value` pairs in name order, values with 4 significant digits: `eval_accuracy 0.25, eval_heldout_all 0.1`.
    public var summary: String {
        values.keys.sorted().map { "\($0) \(String(format: "%.4g", values[$0]!))" }.joined(separator: ", ")
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(step, forKey: Key("step"))
        for (name, value) in values where name != "step" {
            if value.isFinite { try container.encode(value, forKey: Key(name)) } else { try container.encodeNil(forKey: Key(name)) }
        }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        step = try container.decode(Int.self, forKey: Key("step"))
        var values: [String: Double] = [:]
        for key in container.allKeys where key.stringValue != "step" {
            values[key.stringValue] = try container.decodeIfPresent(Double.self, forKey: key) ?? .nan
        }
        self.values = values
    }
}
