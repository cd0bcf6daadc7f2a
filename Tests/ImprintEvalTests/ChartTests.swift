import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import ImprintEval
@testable import ImprintCharts

/// The SVG charts: well-formed XML, the texts they should show, error bars where intervals are given, and no
/// `nan` whatever the data. `IMPRINT_CHART_EXAMPLES=DIR` also writes example charts into DIR to look at.
final class ChartTests: XCTestCase {
    func testBarChartIsWellFormedWithTitleLabelsAndErrorBars() throws {
        let chart = Self.bothOneNone()
        let svg = chart.svg()
        let document = try ParsedSVG(svg)
        XCTAssertEqual(document.root, "svg")
        XCTAssertTrue(document.texts.contains("Held-out phrasings per fact (rephrased_3, rephrased_6)"))
        for text in ["both", "one", "none", "base", "sft", "sft + heldout-aware", "share of facts", "0.0", "1.0"] {
            XCTAssertTrue(document.texts.contains(text), "missing \(text): \(document.texts)")
        }
        // Three lines (whisker and two caps) per interval: 3 series x 3 categories.
        XCTAssertEqual(document.errorBarLines, 27)
        XCTAssertEqual(document.count("rect"), 1 + 9 + 3, "background, 9 bars, 3 legend swatches")
        XCTAssertFalse(svg.lowercased().contains("nan"))

        var withoutIntervals = chart
        withoutIntervals.series = chart.series.map { .init(name: $0.name, values: $0.values) }
        XCTAssertEqual(try ParsedSVG(withoutIntervals.svg()).errorBarLines, 0)
    }

    func testBarChartHandlesEmptyAndNonFiniteData() throws {
        let empty = BarChart(title: "Nothing yet", categories: [], series: [])
        let emptyDocument = try ParsedSVG(empty.svg())
        XCTAssertTrue(emptyDocument.texts.contains("no data"))
        XCTAssertTrue(emptyDocument.texts.contains("Nothing yet"))

        let noSeries = BarChart(title: "t", categories: ["a", "b"], series: [])
        XCTAssertTrue(try ParsedSVG(noSeries.svg()).texts.contains("no data"))

        let broken = BarChart(title: "Broken <values> & \"quotes\"", categories: ["a", "b", "c"], series: [
            .init(name: "run", values: [.nan, .infinity, 0.5],
                  intervals: [Interval(lower: .nan, upper: 1), nil, Interval(lower: 0.4, upper: .infinity)]),
            .init(name: "short", values: [0.2]),
        ])
        let svg = broken.svg()
        let document = try ParsedSVG(svg)
        XCTAssertTrue(document.texts.contains("Broken <values> & \"quotes\""))
        XCTAssertEqual(document.count("rect"), 1 + 2 + 2, "background, the two finite bars, two legend swatches")
        XCTAssertEqual(document.errorBarLines, 0)
        XCTAssertFalse(svg.lowercased().contains("nan"))
        XCTAssertFalse(svg.lowercased().contains("inf"))

        let allNaN = BarChart(title: "t", categories: ["a"], series: [.init(name: "x", values: [.nan])], yRange: 0...1)
        XCTAssertFalse(allNaN.svg().lowercased().contains("nan"))
    }

    /// Many long categories turn their labels and widen the chart instead of overlapping.
    func testBarChartLaysOutLongCategoryLabels() throws {
        let categories = (1...12).map { "rephrased_\($0) held-out phrasing" }
        let chart = BarChart(title: "Accuracy per phrasing", categories: categories, series: [
            .init(name: "base", values: (0..<12).map { Double($0) / 12 }),
            .init(name: "sft", values: (0..<12).map { 1 - Double($0) / 24 }),
        ], yLabel: "accuracy", yRange: 0...1)
        let document = try ParsedSVG(chart.svg())
        XCTAssertGreaterThanOrEqual(document.width, 12 * (2 * 14 / 0.8 + 8))
        XCTAssertEqual(document.rotatedTexts, 12)
        XCTAssertTrue(document.texts.contains("rephrased_7 held-out phrasing"))
    }

    func testLineChartIsWellFormedAndBreaksAtNaN() throws {
        let chart = Self.learningCurves()
        let svg = chart.svg()
        let document = try ParsedSVG(svg)
        for text in ["Learning curves", "step", "held-out accuracy", "train loss (scaled)", "eval/heldout"] {
            XCTAssertTrue(document.texts.contains(text), "missing \(text)")
        }
        // The NaN at step 60 splits the second line into two polylines.
        XCTAssertEqual(document.count("polyline"), 3)
        XCTAssertFalse(svg.lowercased().contains("nan"))

        let empty = LineChart(title: "No curve", series: [.init(name: "a", points: [])], xLabel: "step")
        XCTAssertTrue(try ParsedSVG(empty.svg()).texts.contains("no data"))
        let single = LineChart(title: "One point", series: [.init(name: "a", points: [(x: 5, y: 0.5)])])
        let singleDocument = try ParsedSVG(single.svg())
        XCTAssertEqual(singleDocument.count("circle"), 1)
        XCTAssertEqual(singleDocument.count("polyline"), 0)
        let nonFinite = LineChart(title: "t", series: [.init(name: "a", points: [(x: .nan, y: 1), (x: 1, y: .infinity)])])
        XCTAssertFalse(nonFinite.svg().lowercased().contains("nan"))
        XCTAssertFalse(nonFinite.svg().lowercased().contains("inf"))
    }

    func testHeatmapPrintsEveryValue() throws {
        let chart = Self.similarity()
        let svg = chart.svg()
        let document = try ParsedSVG(svg)
        XCTAssertTrue(document.texts.contains("BLEU between phrasings"))
        for label in Self.phrasings { XCTAssertEqual(document.texts.filter { $0 == label }.count, 2, label) }
        for row in chart.values {
            for value in row where value.isFinite {
                XCTAssertTrue(document.texts.contains(ReportFormat.fixed(value, decimals: 2)), "\(value)")
            }
        }
        XCTAssertEqual(document.count("rect") - 1 - 2, 49, "49 cells besides the background and the colour bar")
        XCTAssertEqual(document.count("stop"), 9, "the colour bar's gradient")
        XCTAssertTrue(document.texts.contains("–"), "the NaN cell")
        XCTAssertFalse(svg.lowercased().contains("nan"))

        let empty = Heatmap(title: "Empty", rowLabels: [], columnLabels: [], values: [])
        XCTAssertTrue(try ParsedSVG(empty.svg()).texts.contains("no data"))
        XCTAssertEqual(Heatmap.color(0).hex, "#f7fbff")
        XCTAssertEqual(Heatmap.color(1).hex, "#08306b")
        XCTAssertEqual(Heatmap.color(.nan).hex, "#f7fbff")
    }

    func testCanvasEscapesAndDropsNonFiniteElements() {
        var canvas = SVGCanvas(width: 10, height: 10)
        canvas.rect(x: .nan, y: 0, width: 1, height: 1, fill: "#000")
        canvas.line(x1: 0, y1: .infinity, x2: 1, y2: 1, stroke: "#000")
        canvas.text("a < b & c", x: 1, y: 1)
        canvas.text("\u{1}control", x: 1, y: 1)
        let svg = canvas.document(title: "t")
        XCTAssertFalse(svg.contains("nan"))
        XCTAssertTrue(svg.contains(">a &lt; b &amp; c</text>"))
        XCTAssertTrue(svg.contains("\u{FFFD}control"))
        XCTAssertEqual(SVGCanvas.number(-0.001), "0")
        XCTAssertEqual(SVGCanvas.number(12.5), "12.5")
        XCTAssertEqual(SVGCanvas.number(3), "3")
    }

    func testTicks() {
        let auto = ChartLayout.ticks(0...0.83, extend: true)
        XCTAssertEqual(auto.values, [0, 0.2, 0.4, 0.6, 0.8, 1.0].map { $0 }, accuracy: 1e-12)
        XCTAssertEqual(auto.range, 0...1)
        let fixed = ChartLayout.ticks(0...100, extend: false)
        XCTAssertEqual(fixed.values, [0, 20, 40, 60, 80, 100])
        XCTAssertEqual(ChartLayout.decimals(forStep: 0.25), 2)
        XCTAssertEqual(ChartLayout.decimals(forStep: 5), 0)
        XCTAssertEqual(ChartLayout.tickLabel(-0.5, step: 0.5), "−0.5")
        XCTAssertEqual(ChartLayout.tickLabel(2_000_000, step: 500_000), "2e6")
        XCTAssertGreaterThanOrEqual(ChartLayout.ticks(3...3, extend: true).values.count, 2)
    }

    /// Writes one example of each chart and a page holding them, for a person to render and look at.
    func testWriteExamplesWhenAsked() throws {
        guard let directory = ProcessInfo.processInfo.environment["IMPRINT_CHART_EXAMPLES"] else { return }
        let url = URL(fileURLWithPath: directory, isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let long = BarChart(title: "Accuracy per phrasing, trained and held out (rephrased_3 and rephrased_6 held out)",
                            categories: (0...9).map { "rephrased_\($0)" + ($0 == 3 || $0 == 6 ? " (held out)" : "") },
                            series: [.init(name: "base", values: (0...9).map { 0.1 + 0.02 * Double($0 % 4) },
                                           intervals: (0...9).map { _ in Interval(lower: 0.05, upper: 0.2) }),
                                     .init(name: "sft", values: (0...9).map { $0 == 3 || $0 == 6 ? 0.35 : 0.9 },
                                           intervals: (0...9).map { $0 == 3 || $0 == 6 ? Interval(lower: 0.29, upper: 0.41)
                                               : Interval(lower: 0.86, upper: 0.93) })],
                            yLabel: "accuracy", yRange: 0...1)
        let differences = BarChart(title: "Paired differences against base (points)",
                                   categories: ["QA accuracy", "held-out both", "held-out none", "trained phrasings"],
                                   series: [.init(name: "sft − base", values: [12.3, 9.1, -14.2, 48.0],
                                                  intervals: [Interval(lower: 4.1, upper: 20.5), Interval(lower: 3.0, upper: 15.2),
                                                              Interval(lower: -20.1, upper: -8.0), Interval(lower: 42.2, upper: 53.9)]),
                                            .init(name: "grpo − base with a long run name for the legend", values: [15.0, 17.5, -20.0, 40.1],
                                                  intervals: [Interval(lower: 7.2, upper: 22.9), nil, Interval(lower: -27.0, upper: -13.1), nil]),
                                            .init(name: "seed 3", values: [1, 2, 3, 4]), .init(name: "seed 4", values: [-1, -2, -3, -4]),
                                            .init(name: "seed 5", values: [0.5, 0.5, 0.5, 0.5])],
                                   yLabel: "A − B (points)")
        let many = LineChart(title: "Loss of five runs", series: (1...5).map { run in
            .init(name: "run \(run): lr 1e-\(run + 3)", points: stride(from: 0.0, through: 20_000, by: 250).map {
                (x: $0, y: 0.4 + 2.6 * exp(-$0 / (2_000 * Double(run))))
            })
        }, xLabel: "step", yLabel: "loss")
        let labels = (1...10).map { "fact category number \($0)" }
        let big = Heatmap(title: "Counts", rowLabels: labels, columnLabels: labels,
                          values: (0..<10).map { row in (0..<10).map { Double(($0 * 37 + row * 11) % 100) } })
        let charts = [
            ("bars", Self.bothOneNone().svg()),
            ("bars-differences", differences.svg()),
            ("lines-many", many.svg()),
            ("heatmap-long", big.svg()),
            ("bars-phrasings", long.svg()),
            ("bars-empty", BarChart(title: "Nothing yet", categories: [], series: []).svg()),
            ("lines", Self.learningCurves().svg()),
            ("heatmap", Self.similarity().svg()),
            ("agreement", Heatmap(title: "Judge agreement (rows: llm, columns: exact)",
                                  rowLabels: ["correct", "incorrect", "unparseable"],
                                  columnLabels: ["correct", "incorrect", "unparseable"],
                                  values: [[212, 31, 0], [18, 330, 0], [4, 5, 0]]).svg()),
        ]
        for (name, svg) in charts {
            try svg.write(to: url.appendingPathComponent(name + ".svg"), atomically: true, encoding: .utf8)
        }
        let table = ReportDocument.htmlTable(header: ["run", "both", "one", "none"],
                                             rows: [["base", "12.0%", "30.3%", "57.7%"], ["sft", "41.3%", "33.0%", "25.7%"]])
        let page = ReportDocument.htmlPage(title: "Evaluation report", sections: [
            (heading: "Held-out phrasings", html: table + charts[0].1),
            (heading: "Learning curves", html: Self.learningCurves().svg()),
            (heading: "Phrasing similarity", html: Self.similarity().svg()),
        ])
        try page.write(to: url.appendingPathComponent("report.html"), atomically: true, encoding: .utf8)
    }

    // MARK: Example data

    static func bothOneNone() -> BarChart {
        func intervals(_ counts: [Int]) -> [Interval?] {
            counts.map { Statistics.wilson(successes: $0, trials: 300) }
        }
        let runs: [(String, [Int])] = [("base", [36, 91, 173]), ("sft", [124, 99, 77]), ("sft + heldout-aware", [171, 80, 49])]
        return BarChart(title: "Held-out phrasings per fact (rephrased_3, rephrased_6)", categories: ["both", "one", "none"],
                        series: runs.map { name, counts in
                            .init(name: name, values: counts.map { Double($0) / 300 }, intervals: intervals(counts))
                        }, yLabel: "share of facts", yRange: 0...1)
    }

    static func learningCurves() -> LineChart {
        let steps = stride(from: 0.0, through: 300, by: 10).map { $0 }
        let accuracy = steps.map { (x: $0, y: 0.08 + 0.5 * (1 - exp(-$0 / 120))) }
        var loss = steps.map { (x: $0, y: 0.9 * exp(-$0 / 80) + 0.05) }
        loss[6].y = .nan
        return LineChart(title: "Learning curves", series: [.init(name: "eval/heldout", points: accuracy),
                                                             .init(name: "train loss (scaled)", points: loss)],
                         xLabel: "step", yLabel: "held-out accuracy")
    }

    static let phrasings = ["original", "rephrased_1", "rephrased_2", "rephrased_3", "rephrased_4", "rephrased_5",
                            "rephrased_6"]

    static func similarity() -> Heatmap {
        var values: [[Double]] = []
        for row in 0..<7 {
            values.append((0..<7).map { column -> Double in
                let distance = Double(abs(row - column))
                return row == column ? 1 : 0.15 + 0.54 * exp(-distance / 2)
            })
        }
        values[2][5] = .nan
        return Heatmap(title: "BLEU between phrasings", rowLabels: phrasings, columnLabels: phrasings, values: values,
                       valueRange: 0...1)
    }
}

/// An SVG parsed with Foundation's XMLParser: element counts, texts, and the marks the tests look for.
struct ParsedSVG {
    var root = ""
    var width = 0.0
    var texts: [String] = []
    var elementCounts: [String: Int] = [:]
    var errorBarLines = 0
    var rotatedTexts = 0

    init(_ svg: String) throws {
        let delegate = Delegate()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = delegate
        guard parser.parse() else {
            throw NSError(domain: "ParsedSVG", code: 1, userInfo: [
                NSLocalizedDescriptionKey: "not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "?")",
            ])
        }
        root = delegate.root
        width = delegate.width
        texts = delegate.texts
        elementCounts = delegate.counts
        errorBarLines = delegate.errorBarLines
        rotatedTexts = delegate.rotatedTexts
    }

    func count(_ element: String) -> Int { elementCounts[element, default: 0] }

    private final class Delegate: NSObject, XMLParserDelegate {
        var root = ""
        var width = 0.0
        var texts: [String] = []
        var counts: [String: Int] = [:]
        var errorBarLines = 0
        var rotatedTexts = 0
        private var text: String?
        private var depth = 0

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            if root.isEmpty {
                root = name
                width = Double(attributes["width"] ?? "") ?? 0
            }
            counts[name, default: 0] += 1
            if name == "line" && attributes["stroke"] == "#1a1a1a" { errorBarLines += 1 }
            if name == "text" || name == "title" { text = "" }
            if name == "text" && attributes["transform"]?.hasPrefix("rotate(-35") == true { rotatedTexts += 1 }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            text? += string
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "text" || (name == "title" && counts["title"] == 1), let text { texts.append(text) }
            if name == "text" || name == "title" { text = nil }
        }
    }
}

private func XCTAssertEqual(_ actual: [Double], _ expected: [Double], accuracy: Double,
                            file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "\(actual) vs \(expected)", file: file, line: line)
    for (a, e) in zip(actual, expected) { XCTAssertEqual(a, e, accuracy: accuracy, file: file, line: line) }
}
