import Foundation

/// Builds one self-contained SVG document element by element, for the charts.
///
/// Every coordinate is checked: an element with a coordinate that is not finite is left out, so a chart never
/// holds `nan` or `inf`. Every text and attribute value is XML-escaped. Fonts are named, not embedded: the
/// family list ends in the generic `sans-serif`, which every renderer has.
struct SVGCanvas {
    let width: Double
    let height: Double
    private var elements: [String] = []
    private var definitions: [String] = []

    static let fontFamily = "DejaVu Sans, Helvetica, Arial, sans-serif"

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    enum Anchor: String {
        case start, middle, end
    }

    mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String? = nil,
                       strokeWidth: Double = 1, title: String? = nil) {
        guard let x = Self.number(x), let y = Self.number(y), let w = Self.number(max(width, 0)),
              let h = Self.number(max(height, 0)) else { return }
        var element = "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(w)\" height=\"\(h)\" fill=\"\(fill)\""
        if let stroke { element += " stroke=\"\(stroke)\" stroke-width=\"\(Self.number(strokeWidth) ?? "1")\"" }
        if let title {
            element += "><title>\(Self.escape(title))</title></rect>"
        } else {
            element += "/>"
        }
        elements.append(element)
    }

    /// Defines a top-to-bottom linear gradient `id` through `stops` (offset in `[0, 1]`, colour), for `fill="url(#id)"`.
    mutating func verticalGradient(id: String, stops: [(offset: Double, color: String)]) {
        let stopElements = stops.compactMap { stop in
            Self.number(stop.offset).map { "<stop offset=\"\($0)\" stop-color=\"\(stop.color)\"/>" }
        }
        definitions.append("<linearGradient id=\"\(Self.escape(id))\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"1\">"
            + stopElements.joined() + "</linearGradient>")
    }

    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1,
                       dash: String? = nil) {
        guard let ax = Self.number(x1), let ay = Self.number(y1), let bx = Self.number(x2), let by = Self.number(y2)
        else { return }
        var element = "<line x1=\"\(ax)\" y1=\"\(ay)\" x2=\"\(bx)\" y2=\"\(by)\" stroke=\"\(stroke)\""
            + " stroke-width=\"\(Self.number(width) ?? "1")\""
        if let dash { element += " stroke-dasharray=\"\(dash)\"" }
        elements.append(element + "/>")
    }

    /// A line through `points`; runs of finite points are drawn, a non-finite point breaks the line.
    mutating func polyline(_ points: [(x: Double, y: Double)], stroke: String, width: Double = 2) {
        var run: [String] = []
        func flush() {
            if run.count > 1 {
                elements.append("<polyline fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(Self.number(width) ?? "2")\""
                    + " stroke-linejoin=\"round\" stroke-linecap=\"round\" points=\"\(run.joined(separator: " "))\"/>")
            }
            run.removeAll()
        }
        for point in points {
            if let x = Self.number(point.x), let y = Self.number(point.y) {
                run.append("\(x),\(y)")
            } else {
                flush()
            }
        }
        flush()
    }

    mutating func circle(cx: Double, cy: Double, radius: Double, fill: String, stroke: String? = nil,
                         title: String? = nil) {
        guard let x = Self.number(cx), let y = Self.number(cy), let r = Self.number(radius) else { return }
        var element = "<circle cx=\"\(x)\" cy=\"\(y)\" r=\"\(r)\" fill=\"\(fill)\""
        if let stroke { element += " stroke=\"\(stroke)\" stroke-width=\"1\"" }
        if let title {
            element += "><title>\(Self.escape(title))</title></circle>"
        } else {
            element += "/>"
        }
        elements.append(element)
    }

    /// Text whose baseline starts (or is centred, or ends: `anchor`) at `(x, y)`, turned by `rotation` degrees
    /// clockwise about that point.
    mutating func text(_ text: String, x: Double, y: Double, size: Double = 12, anchor: Anchor = .start,
                       bold: Bool = false, fill: String = "#222222", rotation: Double = 0) {
        guard !text.isEmpty, let ax = Self.number(x), let ay = Self.number(y) else { return }
        var element = "<text x=\"\(ax)\" y=\"\(ay)\" font-size=\"\(Self.number(size) ?? "12")\" fill=\"\(fill)\""
        if anchor != .start { element += " text-anchor=\"\(anchor.rawValue)\"" }
        if bold { element += " font-weight=\"bold\"" }
        if rotation != 0, let angle = Self.number(rotation) { element += " transform=\"rotate(\(angle) \(ax) \(ay))\"" }
        elements.append(element + ">\(Self.escape(text))</text>")
    }

    /// The document: a white background, an accessible `<title>`, then the elements in drawing order.
    func document(title: String) -> String {
        let (w, h) = (Self.number(width) ?? "0", Self.number(height) ?? "0")
        var lines = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\""
                + " font-family=\"\(Self.fontFamily)\" role=\"img\">",
            "<title>\(Self.escape(title))</title>",
            "<rect x=\"0\" y=\"0\" width=\"\(w)\" height=\"\(h)\" fill=\"#ffffff\"/>",
        ]
        if !definitions.isEmpty { lines.append("<defs>" + definitions.joined() + "</defs>") }
        lines += elements
        lines.append("</svg>")
        return lines.joined(separator: "\n") + "\n"
    }

    /// A coordinate with at most two decimals and no trailing zeros (`12.5`, `-3`, `0.25`); nil when not finite.
    static func number(_ value: Double) -> String? {
        guard value.isFinite else { return nil }
        var text = String(format: "%.2f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text == "-0" ? "0" : text
    }

    /// Text safe in XML content and in attribute values. Characters XML 1.0 forbids (C0 controls other than tab,
    /// newline and carriage return) become U+FFFD.
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            default:
                let forbidden = scalar.value < 0x20 || (0xFFFE...0xFFFF).contains(scalar.value)
                result.unicodeScalars.append(forbidden ? "\u{FFFD}" : scalar)
            }
        }
        return result
    }
}
