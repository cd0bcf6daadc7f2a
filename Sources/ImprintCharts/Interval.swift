/// A closed interval `[lower, upper]`: a confidence interval, in the units of the estimate it belongs to.
public struct Interval: Codable, Hashable, Sendable, CustomStringConvertible {
    public var lower: Double
    public var upper: Double

    public init(lower: Double, upper: Double) {
        self.lower = lower
        self.upper = upper
    }

    /// `upper - lower`.
    public var width: Double { upper - lower }

    /// Whether `value` lies in `[lower, upper]`.
    public func contains(_ value: Double) -> Bool { lower <= value && value <= upper }

    /// Both ends multiplied by `factor` (a proportion's interval in points: `scaled(by: 100)`).
    public func scaled(by factor: Double) -> Interval { Interval(lower: lower * factor, upper: upper * factor) }

    public var description: String { "[\(lower), \(upper)]" }
}
