import Foundation

/// Grouped bars with optional error bars, as a self-contained SVG: one group per category, one bar per series.
///
/// ```swift
/// let chart = BarChart(title: "Held-out phrasings per fact", categories: ["both", "one", "none"],
///                      series: [.init(name: "base", values: [0.12, 0.30, 0.58], intervals: baseIntervals),
///                               .init(name: "sft", values: [0.41, 0.33, 0.26], intervals: sftIntervals)],
///                      yLabel: "share of facts", yRange: 0...1)
/// try chart.svg().write(to: url, atomically: true, encoding: .utf8)
/// ```
///
/// Bars start at 0 (or at the edge of `yRange` nearest to 0); a value that is not finite draws no bar. Each bar
/// is labelled with its value when the label fits above it (`showsValues`). Category labels wrap onto two lines
/// or turn 35° when they do not fit under their group. Without `yRange` the axis covers 0, the values and the
/// intervals, rounded out to whole ticks. The chart widens for many bars.
public struct BarChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        /// One value per category (missing values draw no bar).
        public var values: [Double]
        /// One interval per category, nil for none; an empty list draws no error bars.
        public var intervals: [Interval?]

        public init(name: String, values: [Double], intervals: [Interval?] = []) {
            self.name = name
            self.values = values
            self.intervals = intervals
        }
    }

    public var title: String
    public var categories: [String]
    public var series: [Series]
    public var yLabel: String
    /// The value axis; nil chooses it from the data.
    public var yRange: ClosedRange<Double>?
    /// Writes each bar's value above it where the label fits.
    public var showsValues = true
    /// Decimals of the value labels; nil takes one more than the axis ticks need.
    public var valueDecimals: Int?
    /// The width in pixels; it grows when the bars would be narrower than 14 pixels.
    public var width = 720.0
    public var height = 420.0

    public init(title: String, categories: [String], series: [Series], yLabel: String = "",
                yRange: ClosedRange<Double>? = nil) {
        self.title = title
        self.categories = categories
        self.series = series
        self.yLabel = yLabel
        self.yRange = yRange
    }

    public func svg() -> String {
        let seriesCount = max(series.count, 1)
        let categoryCount = categories.count
        let hasData = categoryCount > 0 && series.contains { $0.values.prefix(categoryCount).contains(where: \.isFinite) }

        // The value axis.
        let axis: (range: ClosedRange<Double>, values: [Double], step: Double)
        if let yRange, yRange.lowerBound.isFinite, yRange.upperBound.isFinite {
            axis = ChartLayout.ticks(yRange, extend: false)
        } else {
            var extremes: [Double] = [0]
            for line in series {
                extremes += line.values.prefix(categoryCount).filter(\.isFinite)
                for interval in line.intervals.prefix(categoryCount) {
                    if let interval { extremes += [interval.lower, interval.upper].filter(\.isFinite) }
                }
            }
            let (low, high) = (extremes.min() ?? 0, extremes.max() ?? 1)
            axis = ChartLayout.ticks(low...(high > low ? high : low + 1), extend: true)
        }
        let tickLabels = axis.values.map { ChartLayout.tickLabel($0, step: axis.step) }
        let tickLabelWidth = tickLabels.map { ChartLayout.textWidth($0, size: ChartLayout.tickSize) }.max() ?? 0

        // Horizontal layout: the chart widens until every bar is at least 14 pixels wide.
        var left = 14 + (yLabel.isEmpty ? 0 : 22) + tickLabelWidth + 8
        let right = 16.0
        let minimumSlot = Double(seriesCount) * 14 / 0.8 + 8
        let width = max(self.width, left + right + Double(categoryCount) * minimumSlot)
        var plotWidth = width - left - right
        var slot = plotWidth / Double(max(categoryCount, 1))

        // Category labels: one line, two lines, or turned.
        let labelRoom = slot - 6
        let size = ChartLayout.labelSize
        var labelLines = categories.map { [ChartLayout.truncate($0, width: 400, size: size)] }
        var turned = false
        if categories.contains(where: { ChartLayout.textWidth($0, size: size) > labelRoom }) {
            let wrapped = categories.map { ChartLayout.wrap($0, width: labelRoom, size: size, maxLines: 2) }
            let fits = zip(categories, wrapped).allSatisfy { category, lines in
                !lines.joined().contains("…") && lines.joined(separator: " ") == category
            }
            if fits {
                labelLines = wrapped
            } else {
                turned = true
                labelLines = categories.map { [ChartLayout.truncate($0, width: 240, size: size)] }
            }
        }
        let angle = 35.0 * Double.pi / 180
        if turned, let first = labelLines.first {
            // The first turned label reaches left of its group: keep it inside the chart.
            let reach = ChartLayout.textWidth(first[0], size: size) * cos(angle) - slot / 2 + 8
            if reach > left {
                left = reach
                plotWidth = width - left - right
                slot = plotWidth / Double(max(categoryCount, 1))
            }
        }
        let labelHeight = turned
            ? (labelLines.map { ChartLayout.textWidth($0[0], size: size) }.max() ?? 0) * sin(angle) + size
            : Double(labelLines.map(\.count).max() ?? 1) * (size + 3)

        // Vertical layout: title, legend, headroom for value labels, plot, category labels.
        var canvas = SVGCanvas(width: width, height: 0)
        let legendItems = series.count > 1 ? series.enumerated().map { ($1.name, ChartLayout.color($0)) } : []
        let titleHeight = ChartLayout.titleLines(title, width: width).count
        let top = 10 + Double(titleHeight) * 20 + 10
            + (legendItems.isEmpty ? 0 : ChartLayout.legendHeight(legendItems.map(\.0), width: plotWidth) + 6) + 16
        let bottom = 10 + labelHeight + 10
        let height = max(self.height, top + 220 + bottom)
        canvas = SVGCanvas(width: width, height: height)
        let plotTop = top, plotBottom = height - bottom
        _ = ChartLayout.title(title, on: &canvas, width: width)
        _ = ChartLayout.legend(legendItems.map { (name: $0.0, color: $0.1) }, on: &canvas, x: left,
                               y: 10 + Double(titleHeight) * 20 + 10, width: plotWidth)

        let (lower, upper) = (axis.range.lowerBound, axis.range.upperBound)
        func y(_ value: Double) -> Double {
            let clamped = min(max(value, lower), upper)
            return plotBottom - (clamped - lower) / (upper - lower) * (plotBottom - plotTop)
        }

        // Grid and value axis.
        for (value, label) in zip(axis.values, tickLabels) {
            canvas.line(x1: left, y1: y(value), x2: left + plotWidth, y2: y(value),
                        stroke: value == 0 ? ChartLayout.axisColor : ChartLayout.gridColor, width: 1)
            canvas.text(label, x: left - 6, y: y(value) + 4, size: ChartLayout.tickSize, anchor: .end,
                        fill: ChartLayout.textColor)
        }
        canvas.line(x1: left, y1: plotTop, x2: left, y2: plotBottom, stroke: ChartLayout.axisColor)
        canvas.line(x1: left, y1: plotBottom, x2: left + plotWidth, y2: plotBottom, stroke: ChartLayout.axisColor)
        if !yLabel.isEmpty {
            let shown = ChartLayout.truncate(yLabel, width: plotBottom - plotTop, size: size)
            canvas.text(shown, x: 18, y: (plotTop + plotBottom) / 2, size: size, anchor: .middle,
                        fill: ChartLayout.textColor, rotation: -90)
        }
        guard hasData else {
            ChartLayout.emptyNote(on: &canvas, x: left + plotWidth / 2, y: (plotTop + plotBottom) / 2)
            return canvas.document(title: title)
        }

        // Bars, error bars, value labels.
        let groupWidth = slot * 0.8
        let barWidth = groupWidth / Double(seriesCount)
        let gap = barWidth > 10 ? 2.0 : 0
        let baseline = y(min(max(0, lower), upper))
        let decimals = valueDecimals ?? ChartLayout.decimals(forStep: axis.step) + 1
        for (category, name) in categories.enumerated() {
            let groupLeft = left + Double(category) * slot + (slot - groupWidth) / 2
            for (index, line) in series.enumerated() {
                let value = category < line.values.count ? line.values[category] : .nan
                let interval = category < line.intervals.count ? line.intervals[category] : nil
                let x = groupLeft + Double(index) * barWidth + gap / 2
                let center = x + (barWidth - gap) / 2
                let description = "\(line.name), \(name): \(ReportFormat.fixed(value, decimals: decimals))"
                    + (interval.map { " [\(ReportFormat.fixed($0.lower, decimals: decimals)), "
                        + "\(ReportFormat.fixed($0.upper, decimals: decimals))]" } ?? "")
                if value.isFinite {
                    let top = min(y(value), baseline), bottom = max(y(value), baseline)
                    canvas.rect(x: x, y: top, width: barWidth - gap, height: max(bottom - top, 0.5),
                                fill: ChartLayout.color(index), title: description)
                }
                var labelAnchor = value.isFinite ? y(value) : baseline
                if let interval, interval.lower.isFinite, interval.upper.isFinite {
                    let (high, low) = (y(interval.upper), y(interval.lower))
                    let cap = min(max((barWidth - gap) * 0.4, 3), 8)
                    canvas.line(x1: center, y1: high, x2: center, y2: low, stroke: "#1a1a1a", width: 1.4)
                    canvas.line(x1: center - cap, y1: high, x2: center + cap, y2: high, stroke: "#1a1a1a", width: 1.4)
                    canvas.line(x1: center - cap, y1: low, x2: center + cap, y2: low, stroke: "#1a1a1a", width: 1.4)
                    labelAnchor = value >= 0 ? min(labelAnchor, high) : max(labelAnchor, low)
                }
                if showsValues && value.isFinite {
                    let label = ReportFormat.fixed(value, decimals: decimals)
                    let labelSize = min(11, max(9, barWidth / 3))
                    if ChartLayout.textWidth(label, size: labelSize) <= barWidth + gap - 1 {
                        let labelY = value >= 0 ? labelAnchor - 4 : labelAnchor + labelSize + 2
                        canvas.text(label, x: center, y: labelY, size: labelSize, anchor: .middle, fill: "#333333")
                    }
                }
            }
            // The category label.
            let labelX = left + (Double(category) + 0.5) * slot
            if turned {
                canvas.text(labelLines[category][0], x: labelX + 4, y: plotBottom + 14, size: size, anchor: .end,
                            fill: ChartLayout.textColor, rotation: -35)
            } else {
                for (row, text) in labelLines[category].enumerated() {
                    canvas.text(text, x: labelX, y: plotBottom + 16 + Double(row) * (size + 3), size: size,
                                anchor: .middle, fill: ChartLayout.textColor)
                }
            }
        }
        return canvas.document(title: title)
    }
}
