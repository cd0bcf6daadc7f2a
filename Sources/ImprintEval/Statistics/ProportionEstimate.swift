/// A proportion `successes / trials` with its Wilson score interval.
///
/// ```swift
/// let estimate = ProportionEstimate(successes: 7, trials: 10)
/// estimate.value      // 0.7
/// estimate.interval   // [0.3967781, 0.8922087] (95%, as statsmodels' proportion_confint(7, 10, method="wilson"))
/// ```
public struct ProportionEstimate: Codable, Hashable, Sendable {
    public var successes: Int
    public var trials: Int
    /// `successes / trials`; 0 when `trials == 0`.
    public var value: Double
    /// The Wilson score interval (no continuity correction) at `confidence`; `[0, 1]` when `trials == 0`
    /// (see `Statistics.wilson`).
    public var interval: Interval
    /// The confidence level of `interval` (0.95 for 95%).
    public var confidence: Double

    /// - Precondition: `0 <= successes <= trials`, `0 < confidence < 1`.
    public init(successes: Int, trials: Int, confidence: Double = 0.95) {
        self.successes = successes
        self.trials = trials
        self.value = trials == 0 ? 0 : Double(successes) / Double(trials)
        self.interval = Statistics.wilson(successes: successes, trials: trials, confidence: confidence)
        self.confidence = confidence
    }
}
