import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import ImprintEval
@testable import ImprintCharts

final class ChartReportDocumentTests: XCTestCase {
    func testMarkdownTableLinesUpAndAlignsNumbers() {
        let table = ReportDocument.markdownTable(header: ["run", "accuracy", "n"],
                                                 rows: [["base", "31.0%", "300"], ["sft | lora", "63.7%", "300"],
                                                        ["two\nlines", "−4.0", "n/a"]])
        let expected = """
        | run          | accuracy |   n |
        | ------------ | -------: | --: |
        | base         |    31.0% | 300 |
        | sft \\| lora  |    63.7% | 300 |
        | two<br>lines |     −4.0 | n/a |

        """
        XCTAssertEqual(table, expected)
        XCTAssertEqual(ReportDocument.markdownTable(header: [], rows: []), "")
        XCTAssertEqual(ReportDocument.markdownTable(header: ["a"], rows: [["1", "extra"]]),
                       "|   a |       |\n| --: | ----- |\n|   1 | extra |\n")
    }

    func testHTMLEscaping() {
        XCTAssertEqual(ReportDocument.escapeHTML("<b>\"Tom\" & 'Jerry'</b>"),
                       "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;")
        let table = ReportDocument.htmlTable(header: ["answer", "score"], rows: [["<script>alert(1)</script>", "0.5"]])
        XCTAssertFalse(table.contains("<script>"))
        XCTAssertTrue(table.contains("<td>&lt;script&gt;alert(1)&lt;/script&gt;</td><td class=\"num\">0.5</td>"))
        XCTAssertTrue(ReportDocument.isNumeric("+12.3"))
        XCTAssertTrue(ReportDocument.isNumeric("−0.5%"))
        XCTAssertFalse(ReportDocument.isNumeric("1.2.3"))
        XCTAssertFalse(ReportDocument.isNumeric("12 facts"))
        XCTAssertFalse(ReportDocument.isNumeric(""))
    }

    /// A page with a table and charts is one well-formed document (XHTML-compatible) with every section, no script
    /// and no external reference.
    func testHTMLPageIsSelfContainedAndWellFormed() throws {
        let table = ReportDocument.htmlTable(header: ["run", "both"], rows: [["base", "12.0%"], ["a & b", "41.3%"]])
        let page = ReportDocument.htmlPage(title: "Report <1>", sections: [
            (heading: "Held-out & trained", html: table + ChartTests.bothOneNone().svg()),
            (heading: "Similarity", html: ChartTests.similarity().svg()),
        ])
        let parser = XMLParser(data: Data(page.utf8))
        XCTAssertTrue(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        XCTAssertTrue(page.hasPrefix("<!DOCTYPE html>"))
        XCTAssertTrue(page.contains("<title>Report &lt;1&gt;</title>"))
        XCTAssertTrue(page.contains("<h2>Held-out &amp; trained</h2>"))
        XCTAssertTrue(page.contains("<h2>Similarity</h2>"))
        XCTAssertEqual(page.components(separatedBy: "<svg ").count - 1, 2)
        XCTAssertFalse(page.contains("<script"))
        XCTAssertFalse(page.contains("http://") && page.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "")
            .contains("http://"))
        XCTAssertFalse(page.contains("https://"))
    }
}
