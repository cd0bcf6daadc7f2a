import Foundation

/// What the charts share: colours, text measurement, axis ticks and wrapping.
enum ChartLayout {
    /// Okabe & Ito's colour-blind-safe palette (2008), with its yellow replaced by olive, which reads on white.
    static let palette = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#999933", "#555555"]

    static func color(_ index: Int) -> String { palette[index % palette.count] }

    static let titleSize = 16.0
    static let labelSize = 12.0
    static let tickSize = 11.0
    static let gridColor = "#e3e3e3"
    static let axisColor = "#555555"
    static let textColor = "#222222"

    /// An estimate of the width of `text` in a sans-serif font of `size` pixels (DejaVu Sans advance widths,
    /// grouped), on the generous side so that labels laid out with it do not touch.
    static func textWidth(_ text: String, size: Double) -> Double {
        var ems = 0.0
        for scalar in text.unicodeScalars {
            switch scalar {
            case " ", ".", ",", ":", ";", "'", "|", "!", "i", "j", "l", "I": ems += 0.32
            case "f", "t", "r", "(", ")", "[", "]", "-", "/", "\"": ems += 0.42
            case "m", "w", "M", "W", "%", "@": ems += 0.95
            case "0"..."9", "+", "=", "<", ">", "−", "±", "#", "$", "_", "–": ems += 0.64
            case "A"..."Z": ems += 0.72
            case "a"..."z": ems += 0.6
            default: ems += scalar.value >= 0x2E80 ? 1.0 : 0.66
            }
        }
        return ems * size
    }

    /// Ticks for an axis: a step of 1, 2, 2.5 or 5 times a power of ten giving about `count` intervals (4 to 8
    /// for `count` 5).
    /// With `extend`, the range grows outward to whole steps (automatic ranges); otherwise ticks stay inside it.
    static func ticks(_ range: ClosedRange<Double>, count: Int = 5, extend: Bool) -> (range: ClosedRange<Double>, values: [Double], step: Double) {
        var (lower, upper) = (range.lowerBound, range.upperBound)
        if !(upper > lower) {
            let pad = lower == 0 ? 1 : abs(lower) * 0.1
            (lower, upper) = (lower - pad, upper + pad)
        }
        let rawStep = (upper - lower) / Double(max(count, 1))
        let magnitude = pow(10, (log10(rawStep)).rounded(.down))
        let normalized = rawStep / magnitude
        // The nice step nearest the raw one (on a log scale, roughly).
        let step = (normalized < 1.5 ? 1 : normalized < 2.25 ? 2 : normalized < 3.5 ? 2.5 : normalized < 7.5 ? 5 : 10) * magnitude
        if extend {
            lower = (lower / step).rounded(.down) * step
            upper = (upper / step).rounded(.up) * step
        }
        var values: [Double] = []
        var index = (lower / step - 1e-9).rounded(.up)
        while index * step <= upper + step * 1e-9 && values.count < 100 {
            let value = index * step
            values.append(abs(value) < step * 1e-9 ? 0 : value)
            index += 1
        }
        return (lower...upper, values, step)
    }

    /// The number of decimals that writes every multiple of `step` exactly (0.25 → 2, 5 → 0).
    static func decimals(forStep step: Double) -> Int {
        guard step.isFinite, step > 0 else { return 0 }
        for decimals in 0...8 {
            let scaled = step * pow(10, Double(decimals))
            if abs(scaled - scaled.rounded()) < 1e-6 * max(1, scaled) { return decimals }
        }
        return 8
    }

    /// A tick label: fixed decimals, or scientific notation for very large or very small magnitudes.
    static func tickLabel(_ value: Double, step: Double) -> String {
        if value != 0 && (abs(value) >= 1e6 || step < 1e-4) {
            let text = String(format: "%.2g", value).replacingOccurrences(of: "e+0", with: "e")
                .replacingOccurrences(of: "e+", with: "e").replacingOccurrences(of: "e-0", with: "e-")
            return text.hasPrefix("-") ? "−" + text.dropFirst() : text
        }
        return ReportFormat.fixed(value, decimals: decimals(forStep: step))
    }

    /// `text` broken at spaces into lines no wider than `width`, at most `maxLines`; the last line is cut with
    /// "…" when the text does not fit.
    static func wrap(_ text: String, width: Double, size: Double, maxLines: Int) -> [String] {
        let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        var lines: [String] = []
        var current = ""
        for word in words {
            let candidate = current.isEmpty ? word : current + " " + word
            if textWidth(candidate, size: size) <= width || current.isEmpty {
                current = candidate
            } else {
                lines.append(current)
                current = word
            }
        }
        if !current.isEmpty { lines.append(current) }
        if lines.count > maxLines {
            let overflow = lines[(maxLines - 1)...].joined(separator: " ")
            lines = Array(lines.prefix(maxLines - 1)) + [overflow]
        }
        return lines.map { truncate($0, width: width, size: size) }
    }

    /// `text` cut to fit `width`, ending in "…" when it was cut.
    static func truncate(_ text: String, width: Double, size: Double) -> String {
        if textWidth(text, size: size) <= width { return text }
        var characters = Array(text)
        while !characters.isEmpty && textWidth(String(characters) + "…", size: size) > width {
            characters.removeLast()
        }
        return String(characters).trimmingCharacters(in: .whitespaces) + "…"
    }

    /// A legend laid out in rows from `x` within `width`: each item a colour swatch and a name.
    /// Returns the height used.
    static func legend(_ items: [(name: String, color: String)], on canvas: inout SVGCanvas, x: Double, y: Double,
                       width: Double, marker: LegendMarker = .box) -> Double {
        guard !items.isEmpty else { return 0 }
        let rowHeight = 18.0
        var (cursorX, cursorY) = (x, y)
        for item in items {
            let name = truncate(item.name, width: max(width - 24, 40), size: labelSize)
            let itemWidth = 18 + textWidth(name, size: labelSize) + 16
            if cursorX > x && cursorX + itemWidth > x + width {
                cursorX = x
                cursorY += rowHeight
            }
            switch marker {
            case .box:
                canvas.rect(x: cursorX, y: cursorY + 2, width: 12, height: 12, fill: item.color)
            case .line:
                canvas.line(x1: cursorX, y1: cursorY + 8, x2: cursorX + 14, y2: cursorY + 8, stroke: item.color, width: 2.5)
                canvas.circle(cx: cursorX + 7, cy: cursorY + 8, radius: 3, fill: item.color)
            }
            canvas.text(name, x: cursorX + 18, y: cursorY + 12.5, size: labelSize, fill: textColor)
            cursorX += itemWidth
        }
        return cursorY - y + rowHeight
    }

    enum LegendMarker {
        case box, line
    }

    /// The height the legend of `items` takes in `width` (as `legend(_:on:x:y:width:marker:)` lays it out).
    static func legendHeight(_ items: [String], width: Double) -> Double {
        guard !items.isEmpty else { return 0 }
        var (cursorX, rows) = (0.0, 1)
        for item in items {
            let name = truncate(item, width: max(width - 24, 40), size: labelSize)
            let itemWidth = 18 + textWidth(name, size: labelSize) + 16
            if cursorX > 0 && cursorX + itemWidth > width {
                cursorX = 0
                rows += 1
            }
            cursorX += itemWidth
        }
        return Double(rows) * 18
    }

    /// The title broken into at most two lines that fit `width` (bold text is about 12% wider than regular).
    static func titleLines(_ title: String, width: Double) -> [String] {
        wrap(title, width: (width - 24) / 1.12, size: titleSize, maxLines: 2)
    }

    /// The chart's title, wrapped to two lines and centred; returns the height used.
    static func title(_ title: String, on canvas: inout SVGCanvas, width: Double, top: Double = 10) -> Double {
        let lines = titleLines(title, width: width)
        for (index, line) in lines.enumerated() {
            canvas.text(line, x: width / 2, y: top + 16 + Double(index) * 20, size: titleSize, anchor: .middle, bold: true,
                        fill: textColor)
        }
        return lines.isEmpty ? 0 : 10 + Double(lines.count) * 20
    }

    /// A centred grey note in an empty plot ("no data").
    static func emptyNote(on canvas: inout SVGCanvas, x: Double, y: Double) {
        canvas.text("no data", x: x, y: y, size: 14, anchor: .middle, fill: "#888888")
    }
}
