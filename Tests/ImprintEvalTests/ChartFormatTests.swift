import XCTest
@testable import ImprintEval
@testable import ImprintCharts

/// `ReportFormat`: the numbers of reports and charts.
final class ChartFormatTests: XCTestCase {
    func testFixedAndPercent() {
        XCTAssertEqual(ReportFormat.fixed(0.25, decimals: 2), "0.25")
        XCTAssertEqual(ReportFormat.fixed(-0.25, decimals: 2), "−0.25")
        XCTAssertEqual(ReportFormat.fixed(-0.004, decimals: 2), "0.00", "no sign on a value that rounds to zero")
        XCTAssertEqual(ReportFormat.fixed(3, decimals: 0), "3")
        XCTAssertEqual(ReportFormat.fixed(.nan, decimals: 2), "n/a")
        XCTAssertEqual(ReportFormat.fixed(-.infinity, decimals: 2), "n/a")
        XCTAssertEqual(ReportFormat.percent(0.6314), "63.1%")
        XCTAssertEqual(ReportFormat.percent(1), "100.0%")
        XCTAssertEqual(ReportFormat.percent(.nan), "n/a")
    }

    func testPoints() {
        XCTAssertEqual(ReportFormat.signedPoints(12.34), "+12.3")
        XCTAssertEqual(ReportFormat.signedPoints(-3.25), "−3.2")
        XCTAssertEqual(ReportFormat.signedPoints(0.04), "0.0")
        XCTAssertEqual(ReportFormat.signedPoints(-0.04), "0.0")
        XCTAssertEqual(ReportFormat.points(4.06), "4.1")
    }

    func testPValues() {
        XCTAssertEqual(ReportFormat.pValue(0.003125), "0.0031")
        XCTAssertEqual(ReportFormat.pValue(0.21875), "0.22")
        XCTAssertEqual(ReportFormat.pValue(1), "1")
        XCTAssertEqual(ReportFormat.pValue(0.05), "0.050")
        XCTAssertEqual(ReportFormat.pValue(0.001), "0.0010")
        XCTAssertEqual(ReportFormat.pValue(3.1e-8), "3.1e-8")
        XCTAssertEqual(ReportFormat.pValue(1.8683937642434442e-298), "1.9e-298")
        XCTAssertEqual(ReportFormat.pValue(0), "< 1e-300")
        XCTAssertEqual(ReportFormat.pValueClause(0), "p < 1e-300")
        XCTAssertEqual(ReportFormat.pValueClause(0.0031), "p = 0.0031")
        XCTAssertEqual(ReportFormat.pValue(.nan), "n/a")
    }
}
