import Foundation
import ImprintCharts
import ImprintRewards

/// Seed 003's measure of how lexically diverse the phrasings of a question are (`Similarity_calculation.ipynb`):
/// for every question, the 7×7 matrices of sentence BLEU (sacreBLEU, effective order, 13a, /100; row = hypothesis,
/// column = reference) and Jaccard (lower-cased whitespace tokens) between its phrasings, diagonal 1, averaged cell by
/// cell over questions. Lower is more diverse; seed 003's GPT-4o-mini rephrasings averaged 0.168 (BLEU) and 0.274
/// (Jaccard) off the diagonal.
public struct DiversityReport: Sendable, Hashable {
    /// The phrasing names, rows and columns of both matrices.
    public var labels: [String]
    public var bleu: SimilarityMatrix
    public var jaccard: SimilarityMatrix
    /// Questions averaged over.
    public var questions: Int

    /// The report over phrasing sets of equal size (one set per question).
    ///
    /// - Precondition: at least one set; every set has `labels.count` texts.
    public init(phrasingSets: [[String]], labels: [String]) {
        precondition(!phrasingSets.isEmpty, "DiversityReport: no phrasing sets")
        precondition(phrasingSets.allSatisfy { $0.count == labels.count },
                     "DiversityReport: every set needs \(labels.count) phrasings")
        self.labels = labels
        bleu = SimilarityMatrix.mean(phrasingSets.map(SimilarityMatrix.bleu))
        jaccard = SimilarityMatrix.mean(phrasingSets.map(SimilarityMatrix.jaccard))
        questions = phrasingSets.count
    }

    /// The report over the facts that have every phrasing in `phrasings` (default: all seven).
    ///
    /// - Precondition: at least one fact has them all.
    public init(facts: [Fact], phrasings: [PhrasingID] = PhrasingID.all) {
        let sets = facts.compactMap { fact -> [String]? in
            let texts = phrasings.compactMap { fact.phrasing($0) }
            return texts.count == phrasings.count ? texts : nil
        }
        self.init(phrasingSets: sets, labels: phrasings.map(\.name))
    }

    /// Both matrices as Markdown tables (3 decimals) with their off-diagonal means.
    public var table: String {
        func render(_ name: String, _ matrix: SimilarityMatrix) -> String {
            var lines = ["\(name) (mean of \(questions) questions; off-diagonal mean "
                         + String(format: "%.3f", matrix.offDiagonalMean) + ")", ""]
            lines.append("| hypothesis \\ reference | " + labels.joined(separator: " | ") + " |")
            lines.append("|---|" + String(repeating: "---|", count: labels.count))
            for (label, row) in zip(labels, matrix.values) {
                lines.append("| \(label) | " + row.map { String(format: "%.3f", $0) }.joined(separator: " | ") + " |")
            }
            return lines.joined(separator: "\n")
        }
        return render("Sentence BLEU", bleu) + "\n\n" + render("Jaccard", jaccard) + "\n"
    }

    /// `{"labels", "questions", "bleu": [[...]], "jaccard": [[...]], "bleu_off_diagonal_mean", ...}`.
    public var json: JSONValue {
        func matrix(_ values: SimilarityMatrix) -> JSONValue { .array(values.values.map { .array($0.map(JSONValue.number)) }) }
        return .object([("labels", .strings(labels)), ("questions", .integer(questions)),
                        ("bleu", matrix(bleu)), ("jaccard", matrix(jaccard)),
                        ("bleu_off_diagonal_mean", .number(bleu.offDiagonalMean)),
                        ("jaccard_off_diagonal_mean", .number(jaccard.offDiagonalMean))])
    }

    /// The two matrices as heatmaps on a 0–1 scale (self-contained SVG, `ImprintCharts.Heatmap`), titled with their
    /// off-diagonal means.
    public var heatmaps: (bleu: Heatmap, jaccard: Heatmap) {
        func chart(_ name: String, _ matrix: SimilarityMatrix) -> Heatmap {
            Heatmap(title: name + String(format: " between phrasings (mean of %d questions; off-diagonal %.3f)", questions,
                                         matrix.offDiagonalMean),
                    rowLabels: labels, columnLabels: labels, values: matrix.values, valueRange: 0...1)
        }
        return (chart("Sentence BLEU", bleu), chart("Jaccard", jaccard))
    }
}
