import Foundation

/// A matrix of values as coloured cells with the value printed in each, as a self-contained SVG: the 7 x 7
/// similarity of phrasings, a judge-agreement confusion table.
///
/// ```swift
/// let chart = Heatmap(title: "BLEU between phrasings", rowLabels: names, columnLabels: names,
///                     values: matrix, valueRange: 0...1)
/// ```
///
/// Colours run from near-white (the low end of `valueRange`) to dark blue (the high end) on ColorBrewer's
/// sequential "Blues" scale; values outside the range take the colour of its end. Text is white on dark cells.
/// A value that is not finite leaves its cell grey with "–". Without `valueRange` the scale covers the finite
/// values. A colour bar on the right shows the scale with its ticks. Cells print integers when every value is
/// one (counts), otherwise two decimals below 10, one below 100, none above. Column labels turn 45° when they do not fit over a cell.
public struct Heatmap: Sendable {
    public var title: String
    public var rowLabels: [String]
    public var columnLabels: [String]
    /// `values[row][column]`; short rows leave their missing cells empty.
    public var values: [[Double]]
    public var valueRange: ClosedRange<Double>?
    /// Decimals printed in the cells; nil chooses from the magnitude of the values (2 below 10).
    public var valueDecimals: Int?

    public init(title: String, rowLabels: [String], columnLabels: [String], values: [[Double]],
                valueRange: ClosedRange<Double>? = nil) {
        self.title = title
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.values = values
        self.valueRange = valueRange
    }

    public func svg() -> String {
        let rows = max(rowLabels.count, values.count)
        let columns = max(columnLabels.count, values.map(\.count).max() ?? 0)
        func value(_ row: Int, _ column: Int) -> Double {
            row < values.count && column < values[row].count ? values[row][column] : .nan
        }
        let finite = values.flatMap { $0 }.filter(\.isFinite)
        var (low, high) = (finite.min() ?? 0, finite.max() ?? 1)
        if let valueRange, valueRange.lowerBound.isFinite, valueRange.upperBound.isFinite {
            (low, high) = (valueRange.lowerBound, valueRange.upperBound)
        }
        if !(high > low) { (low, high) = (low - 0.5, low + 0.5) }
        let largest = finite.map(abs).max() ?? 0
        let integers = finite.allSatisfy { $0 == $0.rounded() && abs($0) < 1e15 }
        let decimals = valueDecimals ?? (integers && !finite.isEmpty ? 0 : largest >= 100 ? 0 : largest >= 10 ? 1 : 2)

        let labelSize = ChartLayout.labelSize
        let cell = min(72, max(30, min(520 / Double(max(columns, 1)), 460 / Double(max(rows, 1)))))
        let cellTextSize = min(13, max(8, cell / 3.4))
        let rowNames = (0..<rows).map { ChartLayout.truncate($0 < rowLabels.count ? rowLabels[$0] : "", width: 200, size: labelSize) }
        let columnNames = (0..<columns).map {
            ChartLayout.truncate($0 < columnLabels.count ? columnLabels[$0] : "", width: 200, size: labelSize)
        }
        let rowLabelWidth = rowNames.map { ChartLayout.textWidth($0, size: labelSize) }.max() ?? 0
        let columnLabelWidth = columnNames.map { ChartLayout.textWidth($0, size: labelSize) }.max() ?? 0
        let turned = columnLabelWidth > cell - 6
        let diagonal = 45.0 * Double.pi / 180
        let columnLabelHeight = turned ? columnLabelWidth * sin(diagonal) + labelSize : labelSize + 6

        let left = 16 + rowLabelWidth + 8
        let gridWidth = Double(columns) * cell, gridHeight = Double(rows) * cell
        let colorBarWidth = 14.0
        let scale = ChartLayout.ticks(low...high, count: 4, extend: false)
        let scaleLabels = scale.values.map { ChartLayout.tickLabel($0, step: scale.step) }
        let scaleLabelWidth = scaleLabels.map { ChartLayout.textWidth($0, size: ChartLayout.tickSize) }.max() ?? 0
        // A turned last column label reaches right of the grid.
        let turnedReach = turned ? max(0, columnLabelWidth * cos(diagonal) - cell / 2) : 0
        let gridRight = left + gridWidth
        let contentRight = max(gridRight + 24 + colorBarWidth + 6 + scaleLabelWidth, gridRight + turnedReach) + 16
        let titleWidth = ChartLayout.textWidth(title, size: ChartLayout.titleSize) * 1.12 + 32
        let width = max(contentRight, min(titleWidth, 720), 320)
        let titleLines = ChartLayout.titleLines(title, width: width).count
        let gridTop = 10 + Double(titleLines) * 20 + 14 + columnLabelHeight
        let height = gridTop + max(gridHeight, 60) + 20

        var canvas = SVGCanvas(width: width, height: height)
        _ = ChartLayout.title(title, on: &canvas, width: width)
        guard rows > 0, columns > 0 else {
            ChartLayout.emptyNote(on: &canvas, x: width / 2, y: gridTop + 30)
            return canvas.document(title: title)
        }

        for column in 0..<columns {
            let x = left + (Double(column) + 0.5) * cell
            if turned {
                canvas.text(columnNames[column], x: x - 4, y: gridTop - 8, size: labelSize, fill: ChartLayout.textColor,
                            rotation: -45)
            } else {
                canvas.text(columnNames[column], x: x, y: gridTop - 8, size: labelSize, anchor: .middle,
                            fill: ChartLayout.textColor)
            }
        }
        for row in 0..<rows {
            let y = gridTop + Double(row) * cell
            canvas.text(rowNames[row], x: left - 8, y: y + cell / 2 + labelSize * 0.35, size: labelSize, anchor: .end,
                        fill: ChartLayout.textColor)
            for column in 0..<columns {
                let x = left + Double(column) * cell
                let entry = value(row, column)
                let name = "\(row < rowLabels.count ? rowLabels[row] : "") × \(column < columnLabels.count ? columnLabels[column] : "")"
                guard entry.isFinite else {
                    canvas.rect(x: x, y: y, width: cell, height: cell, fill: "#eeeeee", stroke: "#ffffff",
                                title: "\(name): n/a")
                    canvas.text("–", x: x + cell / 2, y: y + cell / 2 + cellTextSize * 0.35, size: cellTextSize,
                                anchor: .middle, fill: "#888888")
                    continue
                }
                let color = Self.color((entry - low) / (high - low))
                let text = ReportFormat.fixed(entry, decimals: decimals)
                canvas.rect(x: x, y: y, width: cell, height: cell, fill: color.hex, stroke: "#ffffff",
                            title: "\(name): \(text)")
                let textSize = ChartLayout.textWidth(text, size: cellTextSize) <= cell - 4
                    ? cellTextSize : cellTextSize * (cell - 4) / ChartLayout.textWidth(text, size: cellTextSize)
                canvas.text(text, x: x + cell / 2, y: y + cell / 2 + textSize * 0.35, size: textSize, anchor: .middle,
                            fill: color.luminance < 0.45 ? "#ffffff" : "#1a1a1a")
            }
        }

        // The colour bar: the scale as a gradient, labelled at both ends and the middle.
        let barX = gridRight + 24
        canvas.verticalGradient(id: "heatmap-scale", stops: (0...8).map { step in
            (offset: Double(step) / 8, color: Self.color(1 - Double(step) / 8).hex)
        })
        canvas.rect(x: barX, y: gridTop, width: colorBarWidth, height: gridHeight, fill: "url(#heatmap-scale)")
        canvas.rect(x: barX, y: gridTop, width: colorBarWidth, height: gridHeight, fill: "none", stroke: "#999999")
        for (value, label) in zip(scale.values, scaleLabels) {
            let y = gridTop + (high - value) / (high - low) * gridHeight
            canvas.line(x1: barX + colorBarWidth, y1: y, x2: barX + colorBarWidth + 3, y2: y, stroke: "#999999")
            canvas.text(label, x: barX + colorBarWidth + 6, y: y + 4, size: ChartLayout.tickSize, fill: ChartLayout.textColor)
        }
        return canvas.document(title: title)
    }

    /// ColorBrewer "Blues" (9 classes), interpolated; `fraction` is clamped to `[0, 1]`.
    static func color(_ fraction: Double) -> (hex: String, luminance: Double) {
        let stops: [(Double, Double, Double)] = [
            (247, 251, 255), (222, 235, 247), (198, 219, 239), (158, 202, 225), (107, 174, 214),
            (66, 146, 198), (33, 113, 181), (8, 81, 156), (8, 48, 107),
        ]
        let position = min(max(fraction.isFinite ? fraction : 0, 0), 1) * Double(stops.count - 1)
        let index = min(Int(position), stops.count - 2)
        let t = position - Double(index)
        let (a, b) = (stops[index], stops[index + 1])
        let (red, green, blue) = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t, a.2 + (b.2 - a.2) * t)
        let hex = "#" + [red, green, blue].map { String(format: "%02x", Int($0.rounded())) }.joined()
        // Relative luminance (sRGB, WCAG 2).
        func linear(_ channel: Double) -> Double {
            let c = channel / 255
            return c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        let luminance = 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
        return (hex, luminance)
    }
}
