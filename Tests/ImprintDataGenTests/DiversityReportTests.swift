import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import ImprintCharts
import XCTest
@testable import ImprintDataGen

/// Seed 003's 7×7 similarity matrices against sacreBLEU 2.6.0 and the notebook's Jaccard, recorded by
/// Fixtures/make_similarity_fixtures.py.
final class DiversityReportTests: XCTestCase {
    struct Recorded: Decodable {
        let phrasing_sets: [[String]]
        let bleu: [[Double]]
        let jaccard: [[Double]]
        let bleu_off_diagonal_mean: Double
        let jaccard_off_diagonal_mean: Double
    }

    func testMatricesEqualSacreBLEUAndPython() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: LoaderTests.fixtures + "/similarity_fixtures.json"))
        let recorded = try JSONDecoder().decode(Recorded.self, from: data)
        let report = DiversityReport(phrasingSets: recorded.phrasing_sets, labels: PhrasingID.all.map(\.name))
        XCTAssertEqual(report.questions, 3)
        for i in 0..<7 {
            for j in 0..<7 {
                XCTAssertEqual(report.bleu.values[i][j], recorded.bleu[i][j], accuracy: 1e-12, "BLEU [\(i)][\(j)]")
                XCTAssertEqual(report.jaccard.values[i][j], recorded.jaccard[i][j], accuracy: 1e-12, "Jaccard [\(i)][\(j)]")
            }
        }
        XCTAssertEqual(report.bleu.offDiagonalMean, recorded.bleu_off_diagonal_mean, accuracy: 1e-12)
        XCTAssertEqual(report.jaccard.offDiagonalMean, recorded.jaccard_off_diagonal_mean, accuracy: 1e-12)
    }

    func testTableAndJSON() {
        let report = DiversityReport(phrasingSets: [["a b", "a c"], ["x", "x"]], labels: ["question", "rephrased_1"])
        XCTAssertTrue(report.table.contains("| question | 1.000 | 0.667 |"), report.table)
        XCTAssertTrue(report.table.contains("Jaccard (mean of 2 questions; off-diagonal mean 0.667)"), report.table)
        XCTAssertTrue(report.json.text.hasPrefix(#"{"labels": ["question", "rephrased_1"], "questions": 2, "bleu": [[1.0, "#),
                      report.json.text)
    }

    /// The heatmaps are well-formed SVG with one printed value per cell (rendered to PNG by hand with rsvg-convert; see
    /// Docs/DataGeneration.md).
    func testHeatmapsAreWellFormedSVG() throws {
        let facts = try NovelFactGenerator(seed: 1).facts(count: 20)
        let charts = DiversityReport(facts: facts).heatmaps
        for svg in [charts.bleu.svg(), charts.jaccard.svg()] {
            let parser = XMLParser(data: Data(svg.utf8))
            XCTAssertTrue(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
            XCTAssertGreaterThanOrEqual(svg.components(separatedBy: ">1.00<").count - 1, 7, "the diagonal")
            XCTAssertTrue(svg.contains("rephrased_6"))
        }
        XCTAssertTrue(charts.bleu.title.hasPrefix("Sentence BLEU between phrasings (mean of 20 questions; off-diagonal 0."))
    }

    func testFactsWithoutAllPhrasingsAreLeftOut() {
        let full = Fact(id: "a", statement: "S.", answer: "A", phrasings: (0..<7).map { "q\($0) w" }, category: "c")
        let partial = Fact(id: "b", statement: "S.", answer: "A", phrasings: ["only"], category: "c")
        XCTAssertEqual(DiversityReport(facts: [full, partial]).questions, 1)
    }
}
