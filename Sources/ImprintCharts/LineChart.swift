import Foundation

/// Lines over a numeric x axis, as a self-contained SVG: learning curves (metric against step), accuracy against
/// a setting.
///
/// ```swift
/// let chart = LineChart(title: "Held-out accuracy during training",
///                       series: [.init(name: "eval/heldout", points: [(0, 0.08), (50, 0.21), (100, 0.34)])],
///                       xLabel: "step", yLabel: "accuracy")
/// ```
///
/// Both axes cover the finite points, rounded out to whole ticks. A point that is not finite breaks its line;
/// lines of up to 60 points also mark each point. Several series get a legend.
public struct LineChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]

        public init(name: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.points = points
        }
    }

    public var title: String
    public var series: [Series]
    public var xLabel: String
    public var yLabel: String
    /// The value axis; nil chooses it from the data.
    public var yRange: ClosedRange<Double>?
    public var width = 720.0
    public var height = 420.0

    public init(title: String, series: [Series], xLabel: String = "", yLabel: String = "") {
        self.title = title
        self.series = series
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    public func svg() -> String {
        let finite = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        let hasData = !finite.isEmpty
        let xs = finite.map(\.x), ys = finite.map(\.y)
        let xAxis = ChartLayout.ticks((xs.min() ?? 0)...(xs.max() ?? 1), count: 6, extend: true)
        let yAxis: (range: ClosedRange<Double>, values: [Double], step: Double)
        if let yRange, yRange.lowerBound.isFinite, yRange.upperBound.isFinite {
            yAxis = ChartLayout.ticks(yRange, extend: false)
        } else {
            yAxis = ChartLayout.ticks((ys.min() ?? 0)...(ys.max() ?? 1), extend: true)
        }
        let yTickLabels = yAxis.values.map { ChartLayout.tickLabel($0, step: yAxis.step) }
        let xTickLabels = xAxis.values.map { ChartLayout.tickLabel($0, step: xAxis.step) }
        let tickLabelWidth = yTickLabels.map { ChartLayout.textWidth($0, size: ChartLayout.tickSize) }.max() ?? 0
        let lastXLabelWidth = ChartLayout.textWidth(xTickLabels.last ?? "", size: ChartLayout.tickSize)

        let width = self.width
        let left = 14 + (yLabel.isEmpty ? 0 : 22) + tickLabelWidth + 8
        let right = max(20, lastXLabelWidth / 2 + 8)
        let plotWidth = width - left - right
        let legendItems = series.count > 1 ? series.enumerated().map { ($1.name, ChartLayout.color($0)) } : []
        let titleLines = ChartLayout.titleLines(title, width: width).count
        let legendTop = 10 + Double(titleLines) * 20 + 10
        let top = legendTop + (legendItems.isEmpty ? 0 : ChartLayout.legendHeight(legendItems.map(\.0), width: plotWidth) + 6) + 10
        let bottom: Double = 10 + 16 + (xLabel.isEmpty ? 0 : 20) + 6
        let height = max(self.height, top + 220 + bottom)
        var canvas = SVGCanvas(width: width, height: height)
        let plotTop = top, plotBottom = height - bottom
        _ = ChartLayout.title(title, on: &canvas, width: width)
        _ = ChartLayout.legend(legendItems.map { (name: $0.0, color: $0.1) }, on: &canvas, x: left, y: legendTop,
                               width: plotWidth, marker: .line)

        let (xLow, xHigh) = (xAxis.range.lowerBound, xAxis.range.upperBound)
        let (yLow, yHigh) = (yAxis.range.lowerBound, yAxis.range.upperBound)
        func x(_ value: Double) -> Double { left + (value - xLow) / (xHigh - xLow) * plotWidth }
        func y(_ value: Double) -> Double {
            plotBottom - (min(max(value, yLow), yHigh) - yLow) / (yHigh - yLow) * (plotBottom - plotTop)
        }

        for (value, label) in zip(yAxis.values, yTickLabels) {
            canvas.line(x1: left, y1: y(value), x2: left + plotWidth, y2: y(value), stroke: ChartLayout.gridColor)
            canvas.text(label, x: left - 6, y: y(value) + 4, size: ChartLayout.tickSize, anchor: .end,
                        fill: ChartLayout.textColor)
        }
        // Thin out x tick labels that would touch.
        let xLabelWidth = (xTickLabels.map { ChartLayout.textWidth($0, size: ChartLayout.tickSize) }.max() ?? 0) + 10
        let spacing = xAxis.values.count > 1 ? plotWidth / Double(xAxis.values.count - 1) : plotWidth
        let every = max(1, Int((xLabelWidth / spacing).rounded(.up)))
        for (index, (value, label)) in zip(xAxis.values, xTickLabels).enumerated() {
            canvas.line(x1: x(value), y1: plotTop, x2: x(value), y2: plotBottom, stroke: ChartLayout.gridColor)
            canvas.line(x1: x(value), y1: plotBottom, x2: x(value), y2: plotBottom + 4, stroke: ChartLayout.axisColor)
            if index % every == 0 {
                canvas.text(label, x: x(value), y: plotBottom + 17, size: ChartLayout.tickSize, anchor: .middle,
                            fill: ChartLayout.textColor)
            }
        }
        canvas.line(x1: left, y1: plotTop, x2: left, y2: plotBottom, stroke: ChartLayout.axisColor)
        canvas.line(x1: left, y1: plotBottom, x2: left + plotWidth, y2: plotBottom, stroke: ChartLayout.axisColor)
        if !xLabel.isEmpty {
            canvas.text(ChartLayout.truncate(xLabel, width: plotWidth, size: ChartLayout.labelSize),
                        x: left + plotWidth / 2, y: plotBottom + 38, size: ChartLayout.labelSize, anchor: .middle,
                        fill: ChartLayout.textColor)
        }
        if !yLabel.isEmpty {
            canvas.text(ChartLayout.truncate(yLabel, width: plotBottom - plotTop, size: ChartLayout.labelSize),
                        x: 18, y: (plotTop + plotBottom) / 2, size: ChartLayout.labelSize, anchor: .middle,
                        fill: ChartLayout.textColor, rotation: -90)
        }
        guard hasData else {
            ChartLayout.emptyNote(on: &canvas, x: left + plotWidth / 2, y: (plotTop + plotBottom) / 2)
            return canvas.document(title: title)
        }

        for (index, line) in series.enumerated() {
            let color = ChartLayout.color(index)
            let mapped = line.points.map { point in
                (point.x.isFinite && point.y.isFinite) ? (x: x(point.x), y: y(point.y)) : (x: Double.nan, y: Double.nan)
            }
            canvas.polyline(mapped, stroke: color, width: 2)
            let finitePoints = line.points.filter { $0.x.isFinite && $0.y.isFinite }
            // Mark the points of short lines, and a point standing alone (no line through it) always.
            let isolated = Set(line.points.indices.filter { i in
                line.points[i].x.isFinite && line.points[i].y.isFinite
                    && (i == 0 || !line.points[i - 1].y.isFinite || !line.points[i - 1].x.isFinite)
                    && (i == line.points.count - 1 || !line.points[i + 1].y.isFinite || !line.points[i + 1].x.isFinite)
            })
            for (i, point) in line.points.enumerated()
            where point.x.isFinite && point.y.isFinite && (finitePoints.count <= 60 || isolated.contains(i)) {
                canvas.circle(cx: x(point.x), cy: y(point.y), radius: 3, fill: color, stroke: "#ffffff",
                              title: "\(line.name): \(ChartLayout.tickLabel(point.x, step: xAxis.step / 10)), "
                                  + "\(ChartLayout.tickLabel(point.y, step: yAxis.step / 100))")
            }
        }
        return canvas.document(title: title)
    }
}
