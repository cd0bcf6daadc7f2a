import Foundation
import ImprintFormats

/// A small SVG line chart of metrics against the step (`loss.svg`, `reward.svg` at the end of a run).
public enum LinePlot {
    /// One line of the chart.
    public struct Series {
        public var label: String
        public var points: [(step: Int, value: Double)]
        public var color: String

        public init(_ label: String, _ points: [(step: Int, value: Double)], color: String) {
            self.label = label
            self.points = points
            self.color = color
        }
    }

    /// The SVG text for `series`, `width` × `height` pixels, axes labelled with the step and value ranges.
    public static func svg(title: String, series: [Series], width: Double = 640, height: Double = 360) -> String {
        let margin = 48.0
        let all = series.flatMap(\.points)
        let steps = all.map { Double($0.step) }, values = all.map(\.value).filter(\.isFinite)
        let (minStep, maxStep) = (steps.min() ?? 0, max(steps.max() ?? 1, (steps.min() ?? 0) + 1))
        let (minValue, maxValue) = (values.min() ?? 0, max(values.max() ?? 1, (values.min() ?? 0) + 1e-6))
        func x(_ step: Int) -> Double { margin + (Double(step) - minStep) / (maxStep - minStep) * (width - 2 * margin) }
        func y(_ value: Double) -> Double { height - margin - (value - minValue) / (maxValue - minValue) * (height - 2 * margin) }
        let lines = series.map { line -> String in
            let coordinates = line.points.filter { $0.value.isFinite }
                .map { String(format: "%.1f,%.1f", x($0.step), y($0.value)) }.joined(separator: " ")
            return "<polyline fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"1.5\" points=\"\(coordinates)\"/>"
        }
        let legend = series.count < 2 ? "" : " (" + series.map { "\($0.color): \($0.label)" }.joined(separator: ", ") + ")"
        let format = { (value: Double) in String(format: "%.3g", value) }
        return """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="11">
        <rect width="100%" height="100%" fill="white"/>
        <line x1="\(margin)" y1="\(height - margin)" x2="\(width - margin)" y2="\(height - margin)" stroke="black"/>
        <line x1="\(margin)" y1="\(margin)" x2="\(margin)" y2="\(height - margin)" stroke="black"/>
        <text x="\(margin)" y="\(height - margin + 16)">\(Int(minStep))</text>
        <text x="\(width - margin)" y="\(height - margin + 16)" text-anchor="end">\(Int(maxStep))</text>
        <text x="\(width / 2)" y="\(height - 10)" text-anchor="middle">step</text>
        <text x="\(margin - 4)" y="\(height - margin)" text-anchor="end">\(format(minValue))</text>
        <text x="\(margin - 4)" y="\(margin + 4)" text-anchor="end">\(format(maxValue))</text>
        <text x="\(width / 2)" y="20" text-anchor="middle">\(title)\(legend)</text>
        \(lines.joined(separator: "\n"))
        </svg>

        """
    }

    /// Writes the chart to `url` atomically.
    /// - Throws: `FormatError.cannotWrite` naming `url`.
    public static func write(title: String, series: [Series], to url: URL) throws {
        try AtomicFile.write(Data(svg(title: title, series: series).utf8), to: url)
    }
}
