import Foundation

/// A small SVG line chart of the training loss against the step (`loss.svg` at the end of a run).
enum SFTLossPlot {
    /// The SVG text for `points`, `width` × `height` pixels, axes labelled with the step and loss ranges.
    static func svg(_ points: [(step: Int, loss: Double)], evaluation: [(step: Int, loss: Double)] = [],
                    width: Double = 640, height: Double = 360) -> String {
        let margin = 48.0
        let all = points + evaluation
        let steps = all.map { Double($0.step) }, losses = all.map(\.loss).filter(\.isFinite)
        let (minStep, maxStep) = (steps.min() ?? 0, max(steps.max() ?? 1, (steps.min() ?? 0) + 1))
        let (minLoss, maxLoss) = (losses.min() ?? 0, max(losses.max() ?? 1, (losses.min() ?? 0) + 1e-6))
        func x(_ step: Int) -> Double { margin + (Double(step) - minStep) / (maxStep - minStep) * (width - 2 * margin) }
        func y(_ loss: Double) -> Double { height - margin - (loss - minLoss) / (maxLoss - minLoss) * (height - 2 * margin) }
        func polyline(_ series: [(step: Int, loss: Double)], color: String) -> String {
            let coordinates = series.filter { $0.loss.isFinite }
                .map { String(format: "%.1f,%.1f", x($0.step), y($0.loss)) }.joined(separator: " ")
            return "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\" points=\"\(coordinates)\"/>"
        }
        let format = { (value: Double) in String(format: "%.3g", value) }
        return """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="11">
        <rect width="100%" height="100%" fill="white"/>
        <line x1="\(margin)" y1="\(height - margin)" x2="\(width - margin)" y2="\(height - margin)" stroke="black"/>
        <line x1="\(margin)" y1="\(margin)" x2="\(margin)" y2="\(height - margin)" stroke="black"/>
        <text x="\(margin)" y="\(height - margin + 16)">\(Int(minStep))</text>
        <text x="\(width - margin)" y="\(height - margin + 16)" text-anchor="end">\(Int(maxStep))</text>
        <text x="\(width / 2)" y="\(height - 10)" text-anchor="middle">step</text>
        <text x="\(margin - 4)" y="\(height - margin)" text-anchor="end">\(format(minLoss))</text>
        <text x="\(margin - 4)" y="\(margin + 4)" text-anchor="end">\(format(maxLoss))</text>
        <text x="\(width / 2)" y="20" text-anchor="middle">training loss\(evaluation.isEmpty ? "" : " (orange: evaluation loss)")</text>
        \(polyline(points, color: "steelblue"))
        \(evaluation.isEmpty ? "" : polyline(evaluation, color: "darkorange"))
        </svg>

        """
    }
}
