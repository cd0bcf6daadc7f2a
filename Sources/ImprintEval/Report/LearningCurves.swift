import Foundation
import ImprintCore

/// Curves read from a trainer's `metrics.jsonl` (SFT or GRPO: one JSON object per line with a `step`): every
/// numeric key as a series of `(step, value)` points, in file order.
///
/// `evaluation` are the keys of periodic evaluations (`eval_...`, e.g. `eval_heldout_all` from
/// `Evaluator.trainingHook`), `training` the training signal (`loss`, `reward`).
public struct LearningCurves: Codable, Hashable, Sendable {
    /// One metric over the steps.
    public struct Curve: Codable, Hashable, Sendable {
        public var name: String
        public var steps: [Int]
        public var values: [Double]
    }

    /// The metrics file read.
    public var path: String
    public var curves: [Curve]

    /// Reads `path`.
    ///
    /// - Throws: `DataFileError` naming the file, and the line of an object without an integer `step`.
    public init(path: String) throws {
        self.path = path
        var order: [String] = []
        var byName: [String: Curve] = [:]
        for row in try DataRows.read(path: path) {
            guard let step = (row.fields["step"] as? NSNumber)?.intValue else {
                throw DataFileError(path: path, line: row.line, reason: "a metrics line needs an integer \"step\"")
            }
            for (key, value) in row.fields where key != "step" && key != "total_steps" {
                guard let number = value as? NSNumber, !["c", "B"].contains(String(cString: number.objCType)),
                      number.doubleValue.isFinite else { continue }
                if byName[key] == nil {
                    order.append(key)
                    byName[key] = Curve(name: key, steps: [], values: [])
                }
                byName[key]!.steps.append(step)
                byName[key]!.values.append(number.doubleValue)
            }
        }
        curves = order.sorted().map { byName[$0]! }
    }

    /// The evaluation curves (`eval_` keys).
    public var evaluation: [Curve] { curves.filter { $0.name.hasPrefix("eval_") } }

    /// The evaluation curves whose values are proportions (all in [0, 1]): one chart on a 0–1 axis.
    public var evaluationProportions: [Curve] { evaluation.filter { $0.values.allSatisfy { (0...1).contains($0) } } }

    /// The training signal: `loss` (SFT) and `reward` (GRPO), where present.
    public var training: [Curve] { curves.filter { $0.name == "loss" || $0.name == "reward" } }

    /// A line chart of `curves` against the step.
    static func chart(title: String, _ curves: [Curve], yLabel: String, yRange: ClosedRange<Double>? = nil) -> LineChart {
        var chart = LineChart(title: title, series: curves.map { curve in
            LineChart.Series(name: curve.name, points: zip(curve.steps, curve.values).map { (x: Double($0), y: $1) })
        }, xLabel: "step", yLabel: yLabel)
        chart.yRange = yRange
        return chart
    }
}
