import Foundation
import ImprintCharts
import ImprintFormats

extension MetricsLog {
    /// Writes a line chart of logged metrics against the step (`loss.svg`, `reward.svg` at the end of a run)
    /// atomically; metrics never logged are left out, and the chart is written even when none was.
    ///
    /// - Parameter series: each line's legend name and the metric key it plots.
    /// - Throws: `FormatError.cannotWrite` naming `url`.
    public func writePlot(title: String, series: [(name: String, key: String)], yLabel: String, to url: URL) throws {
        let lines = series.compactMap { name, key -> LineChart.Series? in
            let points = self.series(key)
            return points.isEmpty ? nil : LineChart.Series(name: name, points: points.map { (Double($0.step), $0.value) })
        }
        let chart = LineChart(title: title, series: lines, xLabel: "step", yLabel: yLabel)
        try AtomicFile.write(Data(chart.svg().utf8), to: url)
    }
}
